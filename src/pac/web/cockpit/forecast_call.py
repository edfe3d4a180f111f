"""What the forecast page reads: the periods a call is made for (the plan's, an ISO week or a month within
it), who the team's reps are, what PAC computes from a rep's open deals per forecast category, and the
submissions and adjustments of a period as the engine's plain data (``engine.forecast.calls``)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from pac.engine.forecast.calls import CALL_CATEGORIES, Adjustment, Submission
from pac.engine.forecast.categories import CATEGORIES, category_of
from pac.web.accounts.abilities import Ability, abilities_of
from pac.web.accounts.models import User
from pac.web.cockpit.models import ForecastAdjustment, ForecastSubmission
from pac.web.crm.models import Opportunity
from pac.web.plans.models import Plan

#: A call's table lists at most this many reps, and its audit this many rows.
MAX_REPS = 100
AUDIT_ROWS = 200
#: Distinct forecast-category values read from a rep's open deals (a CRM has a handful).
MAX_CATEGORY_VALUES = 200
PLAN_PERIOD = "plan"


@dataclass(frozen=True)
class Period:
    code: str  # "plan", "2026-W49" or "2026-12"
    start: dt.date
    end: dt.date


def plan_periods(plan: Plan) -> list[Period]:
    """The periods a call may be made for: the plan's, then each month and each ISO week it touches
    (clipped to the plan's dates)."""
    found = [Period(PLAN_PERIOD, plan.start, plan.end)]
    day = plan.start.replace(day=1)
    while day <= plan.end:
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        found.append(Period(f"{day.year}-{day.month:02d}", max(day, plan.start), min(last, plan.end)))
        day = last + dt.timedelta(days=1)
    monday = plan.start - dt.timedelta(days=plan.start.weekday())
    while monday <= plan.end:
        year, week, _day = monday.isocalendar()
        found.append(
            Period(f"{year}-W{week:02d}", max(monday, plan.start), min(monday + dt.timedelta(days=6), plan.end))
        )
        monday += dt.timedelta(days=7)
    return found


def period_of(plan: Plan, code: str) -> Period:
    """The period ``code`` names within the plan; the plan's when empty."""
    found = next((p for p in plan_periods(plan) if p.code == (code or PLAN_PERIOD)), None)
    if found is None:
        raise ValidationError(_("Choose the plan's period, or a month or a week within it."))
    return found


def is_rep(user: User) -> bool:
    """A rep (SDR, AE, CSM) submits a forecast; a manager or an admin adjusts; an executive and marketing
    read the team's calls."""
    return Ability.SUBMIT_FORECAST in abilities_of(user)


def team_reps(plan: Plan) -> list[User]:
    return [u for u in plan.team.members.order_by("username")[: MAX_REPS * 2] if is_rep(u)][:MAX_REPS]


def deal_owners(plan: Plan) -> list[str]:
    """Who owns the team's deals (PAC forecasts a rep's call only when they own some)."""
    found = Opportunity.objects.filter(team=plan.team).exclude(owner="").values_list("owner", flat=True)
    return list(found.distinct().order_by("owner")[: MAX_REPS * 10])


@dataclass
class OpenDeals:
    """A category's open deals: their known amounts' sum, how many, how many without an amount (a CRM
    often has no value on a deal until it closes)."""

    amount: Decimal = Decimal(0)
    deals: int = 0
    unknown: int = 0


def open_by_category(plan: Plan, owner: str) -> dict[str, OpenDeals]:
    """``owner``'s open deals per forecast category (every category listed; an unknown or empty imported
    value counts as pipeline)."""
    rows = (
        Opportunity.objects.filter(team=plan.team, owner=owner, outcome="open")
        .values("forecast_category")
        .annotate(total=Sum("amount"), n=Count("pk"), unknown=Count("pk", filter=Q(amount__isnull=True)))
        .order_by("forecast_category")[:MAX_CATEGORY_VALUES]
    )
    found = {c: OpenDeals() for c in CATEGORIES}
    for row in rows:
        line = found[category_of(row["forecast_category"] or "")]
        line.amount += row["total"] or Decimal(0)
        line.deals += row["n"]
        line.unknown += row["unknown"]
    return found


def latest_rows(plan: Plan, period: Period) -> tuple[list[Submission], list[Adjustment]]:
    """What the roll-up needs, however long the history: each rep's latest submission and the latest
    adjustment of each (rep or team, category)."""
    here = {"plan": plan, "period_start": period.start, "period_end": period.end}
    last_submission = (
        ForecastSubmission.objects.filter(**here, submitted_by=OuterRef("submitted_by"))
        .order_by("-at", "-pk")
        .values("pk")
    )
    last_adjustment = (
        ForecastAdjustment.objects.filter(**here, rep=OuterRef("rep"), category=OuterRef("category"))
        .order_by("-at", "-pk")
        .values("pk")
    )
    team_last = ForecastAdjustment.objects.filter(**here, rep=None, category=OuterRef("category")).order_by(
        "-at", "-pk"
    )
    found = ForecastSubmission.objects.filter(**here, pk=Subquery(last_submission[:1])).select_related("submitted_by")
    of_reps = ForecastAdjustment.objects.filter(**here, rep__isnull=False, pk=Subquery(last_adjustment[:1]))
    of_team = ForecastAdjustment.objects.filter(**here, rep=None, pk=Subquery(team_last.values("pk")[:1]))
    adjusted = [*of_reps.select_related("rep")[: MAX_REPS * 3], *of_team[:3]]
    return [as_submission(r) for r in found[:MAX_REPS]], [as_adjustment(r) for r in adjusted]


def submissions(plan: Plan, period: Period, by: User | None = None) -> list[ForecastSubmission]:
    """The period's latest submissions, latest first (``by``: one rep's only)."""
    found = ForecastSubmission.objects.filter(plan=plan, period_start=period.start, period_end=period.end)
    return list(
        (found if by is None else found.filter(submitted_by=by))
        .select_related("submitted_by")
        .order_by("-at", "-pk")[:AUDIT_ROWS]
    )


def adjustments(plan: Plan, period: Period) -> list[ForecastAdjustment]:
    return list(
        ForecastAdjustment.objects.filter(plan=plan, period_start=period.start, period_end=period.end)
        .select_related("rep", "by")
        .order_by("-at", "-pk")[:AUDIT_ROWS]
    )


def as_submission(row: ForecastSubmission) -> Submission:
    return Submission(row.submitted_by.username, row.at, {c: getattr(row, c) for c in CALL_CATEGORIES})


def as_adjustment(row: ForecastAdjustment) -> Adjustment:
    return Adjustment(row.rep.username if row.rep else None, row.category, row.amount, row.at)
