"""A ritual's agenda, built from the cockpit when its meeting is opened and then frozen (JSON in
``RitualMeeting.agenda``): the gaps against the targets, the alerts still open, the deals to inspect
(stalled, slipping, the largest) and the decisions pending (corrective levers proposed and not decided,
actions still proposed).

The figures are the landing page's for the whole team (``landing_figures``: cached, so opening the Monday
review costs no new computation after the cockpit was seen). Texts only the engine words (alerts, levers,
objectives) are kept in each language (``in_each_language``); deals are kept as data and worded when shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, ngettext

from pac.engine.alerts import Alert
from pac.engine.labels import SEVERITY_LABELS
from pac.engine.model import ActionStatus, Metric
from pac.engine.progress import CUMULATIVE
from pac.web.cockpit.landing import Landing, landing_figures, plan_measured
from pac.web.cockpit.presenters import lever_key, present_overview, present_progress
from pac.web.cockpit.services import open_alerts
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter
from pac.web.plans import adapters
from pac.web.plans.decision_log import in_each_language, text_in_language
from pac.web.plans.models import DecisionLog, Plan

#: Bump when the agenda's layout changes: an agenda is shown by the layout it was frozen with.
AGENDA_VERSION = 1
#: Alerts kept per kind (the others counted), deals kept per reason: an agenda is read in an hour.
ALERTS_PER_KIND = 3
DEALS_PER_REASON = 5
LARGEST_DEALS = DEALS_PER_REASON
MAX_PROPOSED = 20
#: The alerts that name a deal, and why it is to be inspected.
DEAL_ALERTS = {
    "deal_stalled": "stalled",
    "deal_stalled_age": "stalled",
    "deal_slipping": "slipping",
    "deal_past_close": "slipping",
}


def build_agenda(plan: Plan, today: dt.date) -> dict[str, Any]:
    """The agenda of a meeting held ``today``, as plain JSON data."""
    c = landing_figures(plan, manager=True, username="", owner="", segment="", today=today)
    alerts = open_alerts(plan, list(c.steering.alerts), today) if c.steering else []
    return {
        "version": AGENDA_VERSION,
        "as_of": today.isoformat(),
        "no_data": c.no_data,
        "gaps": _gaps(plan, c, today),
        "alerts": _alerts(plan, alerts),
        "deals": _deals(plan, c, alerts, today),
        "levers": _pending_levers(plan, c),
        "proposed": [
            {"code": a.code, "name": a.name, "owner": a.owner, "start_day": a.start.isoformat()}
            for a in plan.actions.filter(status=ActionStatus.PROPOSED.value).order_by("start", "id")[:MAX_PROPOSED]
        ],
    }


def _gaps(plan: Plan, c: Landing, today: dt.date) -> list[dict[str, Any]]:
    """The revenue against the target and what was expected by now, then each objective against its own."""
    lines: list[dict[str, Any]] = []
    if c.found.pace is not None and c.found.target:

        def revenue() -> str:
            o = present_overview(c.found, formatter(plan.currency))
            text = gettext("Revenue won: %(actual)s of %(target)s (%(share)s).") % o
            if o["behind"]:
                text += " " + gettext("Expected by now: %(expected)s, so %(gap)s behind plan.") % o
            return text

        o_raw = present_overview(c.found, formatter(plan.currency))
        lines.append({"on_track": not o_raw["behind"], "text": in_each_language(revenue)})
    if today < plan.start or c.no_data:
        return lines
    engine_plan = adapters.to_engine(plan)
    measured = plan_measured(plan, engine_plan, today)
    told = bool(lines)  # the revenue line above tells the plan's revenue objective already
    for index, line in enumerate(measured):
        objective_ = line.objective
        if told and objective_.metric is Metric.REVENUE and not objective_.segment and objective_.per is None:
            continue

        def objective(index: int = index) -> str:
            shown = present_progress(measured, engine_plan)[index]
            name = shown["name"] + (f" · {shown['segment']}" if shown["segment"] else "")
            if shown["why"]:
                return gettext("%(name)s: %(why)s") % {"name": name, "why": shown["why"]}
            values = {**shown, "name": name}  # worded as the review pack's headlines
            if shown["lower_is_better"]:
                return gettext("%(name)s: %(actual)s for a target of at most %(target)s") % values
            if measured[index].objective.metric not in CUMULATIVE:
                return gettext("%(name)s: %(actual)s for a target of %(target)s (%(share)s)") % values
            return gettext("%(name)s: %(actual)s of %(target)s (%(share)s; %(expected)s expected by now)") % values

        lines.append({"on_track": line.on_track, "text": in_each_language(objective)})
    return lines


def _alerts(plan: Plan, alerts: list[Alert]) -> list[dict[str, Any]]:
    """The open alerts by kind, the most severe kinds first as the engine orders them; a few per kind."""
    kinds: dict[str, list[Alert]] = {}
    for alert in alerts:
        kinds.setdefault(alert.code, []).append(alert)
    found = []
    for code, same in kinds.items():
        severity = same[0].severity
        for alert in same[:ALERTS_PER_KIND]:
            found.append(
                {
                    "code": code,
                    "key": alert.key,
                    "severity": severity.value,
                    "severity_label": in_each_language(lambda severity=severity: gettext(SEVERITY_LABELS[severity])),
                    "text": in_each_language(lambda alert=alert: alert.message(formatter(plan.currency), gettext)),
                }
            )
        if len(same) > ALERTS_PER_KIND:
            more = len(same) - ALERTS_PER_KIND
            found.append(
                {
                    "code": code,
                    "key": "",
                    "severity": severity.value,
                    "severity_label": {},
                    "text": in_each_language(
                        lambda more=more: (
                            ngettext("and %(count)s more of the same kind", "and %(count)s more of the same kind", more)
                            % {"count": formatter(plan.currency).number(more, 0)}
                        )
                    ),
                }
            )
    return found


def _deals(plan: Plan, c: Landing, alerts: list[Alert], today: dt.date) -> list[dict[str, Any]]:
    """The deals to inspect: stalled (open far longer than the median cycle, the oldest first), slipping
    (their close date pushed back or past), the largest open ones — a few of each, so that one kind does
    not crowd the others out; a deal once, with every reason it is there."""
    picked: dict[str, list[str]] = {"stalled": [], "slipping": []}
    for deal in c.found.deals:
        if deal.stalled and len(picked["stalled"]) < DEALS_PER_REASON:
            picked["stalled"].append(deal.external_id)
    for alert in alerts:
        why, deal_id = DEAL_ALERTS.get(alert.code), alert.subject.get("deal")
        if why and deal_id and deal_id not in picked[why] and len(picked[why]) < DEALS_PER_REASON:
            picked[why].append(deal_id)
    tables = team_tables(plan.team) if not c.no_data else {}
    largest = _largest(tables, today)
    picked["large"] = [row["id"] for row in largest]
    reasons: dict[str, list[str]] = {}
    for why, ids in picked.items():
        for deal_id in ids:
            reasons.setdefault(deal_id, []).append(why)
    rows = {row["id"]: row for row in largest}
    missing = [deal_id for deal_id in reasons if deal_id not in rows]
    rows.update({row["id"]: row for row in _deal_rows(tables, missing, today)})
    return [{**rows[deal_id], "why": why} for deal_id, why in reasons.items() if deal_id in rows]


def _columns(t: Any) -> list[str]:
    return [c for c in ("external_id", "name", "account", "owner", "stage", "amount", "created") if c in t.columns]


def _open(tables: Mapping[str, Any], today: dt.date) -> Any:
    t = tables.get("opportunities")
    if t is None:
        return None
    return t.filter((t.outcome == "open") & t.created.notnull() & (t.created <= today))


def _row(r: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    created = r.get("created")
    created = created.date() if isinstance(created, dt.datetime) else created
    amount = r.get("amount")
    return {
        "id": str(r.get("external_id") or ""),
        "name": str(r.get("name") or r.get("account") or r.get("external_id") or ""),
        "owner": str(r.get("owner") or ""),
        "stage": str(r.get("stage") or ""),
        "amount": str(Decimal(str(amount)).quantize(Decimal("0.01"))) if amount is not None else None,
        "age_days": (today - created).days if isinstance(created, dt.date) else None,
    }


def _largest(tables: Mapping[str, Any], today: dt.date) -> list[dict[str, Any]]:
    t = _open(tables, today)
    if t is None or "amount" not in t.columns:
        return []
    t = t.filter(t.amount.notnull())
    found = t.order_by(t.amount.desc()).select(*_columns(t)).limit(LARGEST_DEALS).to_pyarrow().to_pylist()
    return [_row(r, today) for r in found]


def _deal_rows(tables: Mapping[str, Any], ids: list[str], today: dt.date) -> list[dict[str, Any]]:
    t = tables.get("opportunities")
    if t is None or not ids:
        return []
    found = t.filter(t.external_id.cast("string").isin(ids)).select(*_columns(t)).limit(len(ids)).to_pyarrow()
    return [_row(r, today) for r in found.to_pylist()]


def _pending_levers(plan: Plan, c: Landing) -> list[dict[str, Any]]:
    """The corrective levers that would close the gap with the team's hours, not accepted yet."""
    if c.steering is None or not c.steering.team_wide:
        return []
    decided = set(DecisionLog.objects.filter(plan=plan, kind="lever").values_list("subject", flat=True))
    return [
        {
            "key": lever_key(lever),
            "code": lever.code,
            "text": in_each_language(lambda lever=lever: lever.message(formatter(plan.currency), gettext)),
        }
        for lever in c.steering.levers
        if lever.feasible and lever.change is not None and f"lever:{lever_key(lever)}" not in decided
    ]


def shown_agenda(agenda: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """A frozen agenda in the reader's language: the texts kept in it, deals and dates worded now."""
    fmt = formatter(currency)
    reason_labels = {
        "stalled": gettext("stalled"),
        "slipping": gettext("close date slipping"),
        "large": gettext("among the largest"),
    }
    return {
        "as_of": fmt.date(dt.date.fromisoformat(agenda["as_of"])) if agenda.get("as_of") else "",
        "no_data": agenda.get("no_data", False),
        "gaps": [{"on_track": g.get("on_track"), "text": text_in_language(g["text"])} for g in agenda.get("gaps", [])],
        "alerts": [
            {
                "severity": a.get("severity", ""),
                "severity_label": text_in_language(a.get("severity_label") or {}),
                "text": text_in_language(a["text"]),
            }
            for a in agenda.get("alerts", [])
        ],
        "deals": [
            {
                "id": d["id"],
                "name": d["name"],
                "owner": d["owner"],
                "stage": d["stage"],
                "amount": fmt.money(round(Decimal(d["amount"]))) if d.get("amount") is not None else "—",
                "age": gettext("%(days)s days") % {"days": fmt.number(d["age_days"], 0)}
                if d.get("age_days") is not None
                else "—",
                "why": ", ".join(reason_labels.get(w, w) for w in d.get("why", [])),
            }
            for d in agenda.get("deals", [])
        ],
        "levers": [text_in_language(lever["text"]) for lever in agenda.get("levers", [])],
        "proposed": [
            {**p, "start": fmt.date(dt.date.fromisoformat(p["start_day"]))} for p in agenda.get("proposed", [])
        ],
    }
