"""The forecast call page: a rep submits their commit, best case and pipeline beside what PAC computes
from their open deals; a manager reads each rep's call beside PAC's, adjusts a line with a reason, and
reads the history of both (the audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pac.engine.forecast import Forecast
from pac.engine.forecast.calls import CALL_CATEGORIES, COMMIT_ABOVE_BEST_CASE, RepCall, team_call
from pac.engine.forecast.categories import CATEGORY_LABELS
from pac.engine.formatting import Formatter
from pac.web.accounts.abilities import Ability, can, requires
from pac.web.accounts.models import User
from pac.web.cockpit import forecast_call as call
from pac.web.cockpit.models import ForecastAdjustment, ForecastSubmission
from pac.web.cockpit.outlook import plan_forecast
from pac.web.cockpit.services import forecast_adjust, forecast_submit
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user

TEAM = "team"


def _page_url(plan: Plan, period: str) -> str:
    return f"{reverse('cockpit:forecast')}?{urlencode({'plan': plan.pk, 'period': period})}"


def _plan(request: HttpRequest) -> Plan | None:
    """The plan asked for (404 if the reader may not see it), else the one under way, else the latest."""
    user = current_user(request)
    asked = request.GET.get("plan", "")
    if asked:
        return selectors.plan_for(user, int(asked)) if asked.isdigit() else None
    today = timezone.localdate()
    plans = list(selectors.plans_visible_to(user).order_by("-start")[:200])
    return next((p for p in plans if p.start <= today <= p.end), plans[0] if plans else None)


def _money(fmt: Formatter, value: Decimal | float | None) -> str:
    return fmt.money(Decimal(str(round(value, 2)))) if value is not None else "—"


def _input_value(value: Decimal) -> str:
    """An amount as a number field reads it (``12000``, ``12000.50``), whatever the database returned."""
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.quantize(Decimal("0.01")))


def _pac(plan: Plan, tables: dict[str, Any], period: call.Period, owner: str = "") -> Forecast | None:
    """PAC's forecast of the period for one owner's deals (or the team's): None when it cannot be made."""
    found, _why = plan_forecast(plan, tables, None, timezone.localdate(), owner, period=(period.start, period.end))
    return found


def _categories(fmt: Formatter, amounts: dict[str, Decimal]) -> list[dict[str, str]]:
    return [{"code": c, "label": _(CATEGORY_LABELS[c]), "amount": _money(fmt, amounts[c])} for c in CALL_CATEGORIES]


def _open_deals(fmt: Formatter, found: dict[str, call.OpenDeals]) -> list[dict[str, Any]]:
    """Each category's open amount, with how many deals make it and how many have no amount yet."""
    return [
        {
            "code": c,
            "label": _(CATEGORY_LABELS[c]),
            "amount": _money(fmt, found[c].amount),
            "deals": found[c].deals,
            "unknown": found[c].unknown,
        }
        for c in CALL_CATEGORIES
    ]


def _audit(plan: Plan, period: call.Period, fmt: Formatter, only: User | None = None) -> list[dict[str, Any]]:
    """Submissions and adjustments of the period, latest first (a rep: their own submissions)."""
    rows: list[ForecastSubmission | ForecastAdjustment] = [*call.submissions(plan, period, by=only)]
    if only is None:
        rows += call.adjustments(plan, period)
    rows.sort(key=lambda r: (r.at, r.pk), reverse=True)
    shown = []
    for row in rows[: call.AUDIT_ROWS]:
        if isinstance(row, ForecastSubmission):
            what = " · ".join(f"{_(CATEGORY_LABELS[c])} {_money(fmt, getattr(row, c))}" for c in CALL_CATEGORIES)
            shown.append(
                {
                    "kind": "submission",
                    "who": row.submitted_by.username,
                    "line": row.submitted_by.username,
                    "at": row.at,
                    "what": what,
                    "why": "",
                }
            )
        else:
            line = row.rep.username if row.rep else _("whole team")
            what = f"{_(CATEGORY_LABELS[row.category])} → {_money(fmt, row.amount)}"
            shown.append(
                {
                    "kind": "adjustment",
                    "who": row.by.username,
                    "line": line,
                    "at": row.at,
                    "what": what,
                    "why": row.reason,
                }
            )
    return shown


def _rep_context(plan: Plan, user: User, period: call.Period, fmt: Formatter) -> dict[str, Any]:
    open_deals = call.open_by_category(plan, user.username)
    pac = _pac(plan, team_tables(plan.team), period, user.username)
    last = next(iter(call.submissions(plan, period, by=user)), None)
    prefill = {c: getattr(last, c) if last else open_deals[c].amount for c in CALL_CATEGORIES}
    return {
        "pac_categories": _open_deals(fmt, open_deals),
        "pac_expected": _money(fmt, round(pac.expected)) if pac else "",
        "last": last,
        "last_figures": _categories(fmt, {c: getattr(last, c) for c in CALL_CATEGORIES}) if last else [],
        "fields": [
            {"code": c, "label": _(CATEGORY_LABELS[c]), "value": _input_value(prefill[c])} for c in CALL_CATEGORIES
        ],
        "audit": _audit(plan, period, fmt, only=user),
    }


def _line(fmt: Formatter, line: RepCall) -> list[dict[str, Any]]:
    return [
        {
            "code": c,
            "submitted": _money(fmt, line.submitted.amounts[c]) if line.submitted else "—",
            "standing": _money(fmt, line.standing[c]),
            "adjusted": c in line.adjusted,
        }
        for c in CALL_CATEGORIES
    ]


def _manager_context(plan: Plan, period: call.Period, fmt: Formatter) -> dict[str, Any]:
    reps = call.team_reps(plan)
    found = team_call([r.username for r in reps], *call.latest_rows(plan, period))
    tables = team_tables(plan.team)
    owners = set(call.deal_owners(plan))
    adjustments = {(a.rep_id, a.category): a for a in reversed(call.adjustments(plan, period))}
    lines = []
    for rep, line in zip(reps, found.reps, strict=True):
        pac = _pac(plan, tables, period, rep.username) if rep.username in owners else None
        lines.append(
            {
                "rep": rep,
                "figures": _line(fmt, line),
                "at": line.submitted.at if line.submitted else None,
                "pac_open": _open_deals(fmt, call.open_by_category(plan, rep.username)),
                "pac_expected": _money(fmt, round(pac.expected)) if pac else "—",
                "adjustments": [adjustments[(rep.pk, c)] for c in line.adjusted if (rep.pk, c) in adjustments],
            }
        )
    team = _pac(plan, tables, period)
    return {
        "lines": lines,
        "rollup": [
            {
                "code": c,
                "label": _(CATEGORY_LABELS[c]),
                "submitted": _money(fmt, found.submitted[c]),
                "standing": _money(fmt, found.standing[c]),
                "team_adjustment": found.team_adjusted.get(c),
                "adjustment": adjustments.get((None, c)) if c in found.team_adjusted else None,
            }
            for c in CALL_CATEGORIES
        ],
        "team_p50": _money(fmt, round(team.p50)) if team else "—",
        "team_expected": _money(fmt, round(team.expected)) if team else "—",
        "reps": reps,
        "categories": [(c, _(CATEGORY_LABELS[c])) for c in CALL_CATEGORIES],
        "audit": _audit(plan, period, fmt),
    }


@requires(get=Ability.READ_PLANS)
def forecast_page(request: HttpRequest) -> HttpResponse:
    """A rep's form, or a manager's table of the team's calls, for a period of the plan."""
    user = current_user(request)
    plan = _plan(request)
    if plan is None:
        return redirect("plans:list")
    try:
        period = call.period_of(plan, request.GET.get("period", ""))
    except ValidationError:
        period = call.period_of(plan, call.PLAN_PERIOD)
    fmt = formatter(plan.currency)
    rep = call.is_rep(user)
    context = {
        "plan": plan,
        "plans": list(selectors.plans_visible_to(user).order_by("-start")[:200]),
        "period": period,
        "periods": [{**vars(p), "title": _period_title(p.code, fmt)} for p in call.plan_periods(plan)],
        "rep": rep,
        "can_adjust": can(user, Ability.ADJUST_FORECAST, plan),
        "title": _("Forecast call"),
        **(_rep_context(plan, user, period, fmt) if rep else _manager_context(plan, period, fmt)),
    }
    return render(request, "cockpit/forecast.html", context)


def _period_title(code: str, fmt: Formatter) -> str:
    """« octobre 2026 », « semaine 41 » for the call's ``2026-10``, ``2026-W41`` (the plan's is worded apart)."""
    year, _sep, rest = code.partition("-")
    if rest.startswith("W"):
        return _("week {week}").format(week=int(rest[1:]))
    if rest.isdigit():
        return str(format_date(dt.date(int(year), int(rest), 1), "LLLL y", locale=fmt.locale))
    return code


def _decimal(request: HttpRequest, name: str) -> Decimal:
    raw = request.POST.get(name, "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    try:
        return Decimal(raw.replace(",", ".")[:30] or "0")
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not an amount.") % {"value": raw[:30]}) from None


@requires(post=Ability.SUBMIT_FORECAST, scope=plan_scope)
def forecast_submit_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A rep submits their figures (a new submission; the earlier ones stay in the history)."""
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    period = request.POST.get("period", "")[:20]
    asked = request.POST.get("rep", "")
    rep = selectors.team_member(plan, int(asked)) if asked.isdigit() else None
    if asked and rep is None:
        raise PermissionDenied
    try:
        done = forecast_submit(
            user=user,
            plan=plan,
            period=period,
            rep=rep if asked else user,
            commit=_decimal(request, "commit"),
            best_case=_decimal(request, "best_case"),
            pipeline=_decimal(request, "pipeline"),
        )
        messages.success(request, _("Forecast submitted."))
        if COMMIT_ABOVE_BEST_CASE in done.warnings:
            messages.warning(request, _("Your commit is above your best case: is that what you mean?"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_page_url(plan, period))


@requires(post=Ability.ADJUST_FORECAST, scope=plan_scope)
def forecast_adjust_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A manager sets a rep's (or the team's) figure of one category, saying why."""
    user = current_user(request)
    plan = selectors.plan_for(user, plan_id)
    period = request.POST.get("period", "")[:20]
    asked = request.POST.get("rep", TEAM)
    try:
        rep = None if asked == TEAM else plan.team.members.filter(pk=int(asked) if asked.isdigit() else -1).first()
        if asked != TEAM and rep is None:
            raise ValidationError(_("Choose a rep of the plan's team."))
        forecast_adjust(
            manager=user,
            plan=plan,
            period=period,
            rep=rep,
            category=request.POST.get("category", ""),
            amount=_decimal(request, "amount"),
            reason=request.POST.get("reason", "")[: 2 * 2000],
        )
        messages.success(request, _("Forecast adjusted."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_page_url(plan, period))
