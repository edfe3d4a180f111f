"""Plan versus actual: how far each objective is, and how far it should be by now.

An objective counts the results of its own window: from the plan's start to its deadline (the plan's
end when it has none), cut at ``today``. Its expected share grows with the business days of that
window — on the 31st of 62 business days, half of a quarter's revenue should be in; an objective due
at the end of January is expected whole from February on. Rates and averages are compared as they
are, and for a lower-is-better metric (the sales cycle) being under the target is what is on track.

``plan_actuals`` measures every objective with the KPI engine on the team's canonical tables, each
over its window and, for an objective that names a segment, on that segment's deals only (an NRR or
adoption objective: on the subscriptions of that segment's accounts). Recruited partners are not CRM
data: they are counted on the plan's own ``partners``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pac.engine.formatting import Formatter
from pac.engine.funnel import periods_in_plan
from pac.engine.labels import Translate, gettext_noop
from pac.engine.model import Metric, Objective, Plan, Segment
from pac.engine.workdays import business_days_between

#: Metrics whose target is a total to accumulate (a rate or an average is compared as it is).
CUMULATIVE = {
    Metric.REVENUE,
    Metric.WINS,
    Metric.LEADS,
    Metric.MQLS,
    Metric.SQLS,
    Metric.MEETINGS,
    Metric.DEMOS,
    Metric.PROPOSALS,
    Metric.ACCOUNTS,
    Metric.PARTNERS,
}

#: The KPI (``pac.engine.kpis``) that measures each metric; the others have no measure yet.
METRIC_KPIS: dict[Metric, str] = {
    Metric.REVENUE: "revenue",
    Metric.WINS: "wins",
    Metric.WIN_RATE: "win_rate",
    Metric.AVERAGE_DEAL: "average_deal",
    Metric.CYCLE_DAYS: "sales_cycle",
    Metric.LEADS: "leads",
    Metric.MQLS: "mql",
    Metric.SQLS: "sql",
    Metric.MEETINGS: "meetings",
    Metric.DEMOS: "demos",
    Metric.NRR: "nrr",
    Metric.ADOPTION: "adoption_60",
}

#: Why an objective has no actual, by code; the KPI engine's own reasons pass through as theirs.
REASONS: dict[str, str] = {
    "not_started": gettext_noop("The plan starts on {start}: nothing to measure yet."),
    "no_measure": gettext_noop("No CRM figure measures this metric yet."),
    "no_crm_data": gettext_noop("The team has no CRM data: import its deals to measure this objective."),
    "segment_not_measurable": gettext_noop("This figure cannot be split by segment: its CRM data carry none."),
    "segment_not_measurable_leads": gettext_noop(
        "This figure cannot be split by segment: the CRM's leads carry none (only deals and accounts do)."
    ),
    "segment_not_measurable_activities": gettext_noop(
        "This figure cannot be split by segment: the CRM's activities (calls, meetings, demos) carry none."
    ),
    "segment_not_in_crm": gettext_noop(
        "No deal in the CRM data belongs to segment “{segment}” (segments found: {found})."
    ),
    "segment_not_in_accounts": gettext_noop(
        "No account in the CRM data belongs to segment “{segment}” (segments found: {found})."
    ),
    "no_segment_in_crm": gettext_noop(
        "The CRM's deals carry no segment: import a segment column to measure segment “{segment}”."
    ),
    "no_segment_in_accounts": gettext_noop(
        "The CRM's accounts carry no segment: import a segment column to measure segment “{segment}”."
    ),
}


@dataclass(frozen=True)
class Actual:
    """An objective's measured value, or why there is none (a code and its parameters)."""

    value: Decimal | None
    reason: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    target: Decimal  # over the whole plan (a weekly target times the plan's weeks)
    actual: Actual
    share: Decimal | None  # actual ÷ target
    expected_share: Decimal  # where a cumulative objective should be today (1 for rates and averages)

    @property
    def on_track(self) -> bool | None:
        if self.share is None:
            return None
        if self.objective.metric is not None and self.objective.metric.lower_is_better:
            return self.share <= 1
        return self.share >= self.expected_share


def due_date(plan: Plan, objective: Objective) -> dt.date:
    """The objective's deadline when it falls inside the plan, else the plan's end."""
    deadline = objective.deadline
    return deadline if deadline is not None and plan.start <= deadline <= plan.end else plan.end


def measured_window(plan: Plan, objective: Objective, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days whose results count for ``objective`` by ``today``; None before the plan starts."""
    if today < plan.start:
        return None
    return plan.start, min(today, due_date(plan, objective))


def expected_share(plan: Plan, today: dt.date, due: dt.date | None = None) -> Decimal:
    """Business days elapsed (today included) ÷ business days from the plan's start to ``due`` (the
    plan's end by default); 0 before the start, 1 from the due date on."""
    last = due or plan.end
    if today < plan.start:
        return Decimal(0)
    if today >= last:
        return Decimal(1)
    total = business_days_between(plan.start, last, plan.country)
    done = business_days_between(plan.start, today, plan.country)
    return Decimal(done) / Decimal(total) if total else Decimal(1)


def objective_progress(plan: Plan, actuals: Mapping[str, Actual], today: dt.date) -> list[ObjectiveProgress]:
    """One line per objective that has a metric and a target; ``actuals`` by objective id."""
    lines = []
    for objective in plan.objectives:
        if objective.metric is None or objective.target is None:
            continue
        target = objective.target * periods_in_plan(plan, objective.per)
        actual = actuals.get(objective.id, Actual(None, "no_measure"))
        share = actual.value / target if actual.value is not None and target else None
        cumulative = objective.metric in CUMULATIVE
        expected = expected_share(plan, today, due_date(plan, objective)) if cumulative else Decimal(1)
        lines.append(ObjectiveProgress(objective, target, actual, share, expected))
    return lines


# --- measuring the objectives -------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case, no accents, words joined by "-": « SaaS Mid-Market » and ``saas-midmarket`` meet."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", plain)


def segment_matches(segment: Segment | str, value: str) -> bool:
    """Whether a CRM segment value names the plan's segment (by its id or its name, whatever the case,
    accents, spaces and dashes)."""
    names = (segment.id, segment.name) if isinstance(segment, Segment) else (segment,)
    return _folded(value) in {_folded(name) for name in names}


def plan_actuals(plan: Plan, tables: Mapping[str, Any], today: dt.date) -> dict[str, Actual]:
    """Each objective's actual, from the KPI engine run on the canonical ``tables`` (Ibis) over the
    objective's window; an objective naming a segment counts that segment's deals only. Objectives
    sharing a window and a segment are measured by one KPI run."""
    from pac.engine.kpis import compute_kpis  # Ibis is loaded only by those who measure

    found: dict[str, Actual] = {}
    groups: dict[tuple[dt.date, dt.date, str | None], list[Objective]] = {}
    for objective in plan.objectives:
        if objective.metric is None or objective.target is None:
            continue
        window = measured_window(plan, objective, today)
        if window is None:
            found[objective.id] = Actual(None, "not_started", {"start": plan.start})
        elif objective.metric is Metric.PARTNERS:
            found[objective.id] = partners_recruited(plan, objective, window[1])
        elif objective.metric not in METRIC_KPIS:
            found[objective.id] = Actual(None, "no_measure")
        elif not tables:
            found[objective.id] = Actual(None, "no_crm_data")
        else:
            groups.setdefault((*window, objective.segment), []).append(objective)
    segments = {s.id: s for s in plan.segments}
    for (first, last, segment), objectives in groups.items():
        scoped, refused = _segment_tables(tables, segments.get(segment) or segment) if segment else (tables, {})
        wanted = {METRIC_KPIS[o.metric] for o in objectives if o.metric is not None}
        kpis = sorted(k for k in wanted if not segment or _SEGMENTED_KPIS.get(k, "") not in refused)
        computed = compute_kpis(scoped, as_of=last, start=first, kpis=kpis) if kpis else []
        rows = _whole_range_rows([dict(r) for r in computed])
        for objective in objectives:
            assert objective.metric is not None
            kpi = METRIC_KPIS[objective.metric]
            source = _SEGMENTED_KPIS.get(kpi)
            if segment and source is None:
                found[objective.id] = Actual(None, _UNSEGMENTED.get(kpi, "segment_not_measurable"), {})
            elif source in refused:
                found[objective.id] = refused[source]
            else:
                found[objective.id] = _actual(rows.get(kpi))
    return found


def partners_recruited(plan: Plan, objective: Objective, last: dt.date) -> Actual:
    """The plan's partners recruited or active, signed by ``last`` (today, or the deadline once past;
    those signed before the plan started count: they are recruited), in the objective's segment if it
    names one."""
    count = sum(
        1 for p in plan.partners if p.recruited_by(last) and (not objective.segment or p.segment == objective.segment)
    )
    return Actual(Decimal(count))


#: The KPIs a segment's objective can be measured by, and the table cut to the segment for them: the
#: opportunities carry a segment, a subscription its account's.
_SEGMENTED_KPIS = {
    "revenue": "opportunities",
    "wins": "opportunities",
    "win_rate": "opportunities",
    "average_deal": "opportunities",
    "sales_cycle": "opportunities",
    "nrr": "subscriptions",
    "adoption_60": "subscriptions",
}
#: Why a segment's objective measured by another KPI has no actual: its table has no segment (a code each,
#: so that the table is named in the reader's words).
_UNSEGMENTED = {
    "leads": "segment_not_measurable_leads",
    "mql": "segment_not_measurable_leads",
    "sql": "segment_not_measurable_leads",
    "meetings": "segment_not_measurable_activities",
    "demos": "segment_not_measurable_activities",
}


def _segment_tables(tables: Mapping[str, Any], segment: Segment | str) -> tuple[Mapping[str, Any], dict[str, Actual]]:
    """The tables with the rows of ``segment`` only — the opportunities by their segment, the
    subscriptions by their account's — and, for a table that cannot be cut so, why (by table)."""
    name = segment.name if isinstance(segment, Segment) else segment
    scoped, refused = dict(tables), {}
    deals: Any = tables.get("opportunities")
    matching = _matching_values(deals, segment)
    if isinstance(matching, list):
        scoped["opportunities"] = deals.filter(deals.segment.isin(matching))
    else:
        why = "segment_not_in_crm" if matching else "no_segment_in_crm"
        refused["opportunities"] = Actual(None, why, {"segment": name, "found": matching})
    subscriptions: Any = tables.get("subscriptions")
    accounts: Any = tables.get("accounts")
    if subscriptions is not None:
        matching = _matching_values(accounts, segment)
        if isinstance(matching, list):
            theirs = accounts.filter(accounts.segment.isin(matching)).select(_segment_account=accounts.external_id)
            scoped["subscriptions"] = subscriptions.semi_join(theirs, subscriptions.account == theirs._segment_account)
        else:
            why = "segment_not_in_accounts" if matching else "no_segment_in_accounts"
            refused["subscriptions"] = Actual(None, why, {"segment": name, "found": matching})
    return scoped, refused


def _matching_values(table: Any, segment: Segment | str) -> list[str] | str:
    """The values of ``table``'s segment column that name ``segment``; when none does, the values found to
    say so (empty: the table carries no segment at all)."""
    if table is None or "segment" not in table.columns:
        return ""
    values = [v for v in table.select("segment").distinct().to_pyarrow().column("segment").to_pylist() if v]
    matching = [v for v in values if segment_matches(segment, v)]
    return matching or ", ".join(sorted(values))


def _whole_range_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["kpi"]: row for row in rows if row["period"] is None and not row["by"]}


def _actual(row: dict[str, Any] | None) -> Actual:
    if row is None:
        return Actual(None, "no_measure")
    if row["status"] == "ok" and row["value"] is not None:
        return Actual(Decimal(str(round(row["value"], 4))))
    return Actual(None, row.get("reason_code") or "kpi_not_computable", dict(row.get("reason_params") or {}))


def actual_reason(actual: Actual, fmt: Formatter, translate: Translate, kpi_reason: Callable[..., str]) -> str:
    """Why ``actual`` has no value, in the reader's language (the KPI engine words its own reasons)."""
    if actual.reason in REASONS:
        values = {k: fmt.date(v) if isinstance(v, dt.date) else v for k, v in actual.params.items()}
        return translate(REASONS[actual.reason]).format(**values)
    return kpi_reason(actual.reason, actual.params, fmt, translate)
