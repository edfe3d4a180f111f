"""What each KPI is: its unit, formula, denominator, dating column and label (docs/kpis.md in short),
and the shape of the rows ``compute_kpis`` returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from pac.engine.kpis.periods import Period
from pac.engine.labels import gettext_noop

#: Stages of DESIGN.md, top to bottom: the order used to learn stage → won probabilities.
STAGE_ORDER: tuple[str, ...] = ("lead", "mql", "sql", "meeting", "demo", "proposal", "won")
#: Activity outcomes meaning the meeting did not stand as booked (a rebooked meeting counts once).
CANCELLED_OUTCOMES: tuple[str, ...] = ("cancelled", "canceled", "rescheduled", "rebooked")


class KpiRow(TypedDict):
    """One tidy row. ``reason`` (why there is no value) and ``note`` (what to know about the value) are
    English sentences for the JSON contract; their ``_code`` and ``_params`` let a page word them in
    its reader's language (``reasons.explain``)."""

    kpi: str
    value: float | None
    unit: str
    period: str | None
    by: dict[str, Any]
    status: Literal["ok", "not_computable"]
    reason: str | None
    reason_code: str | None
    reason_params: dict[str, Any]
    note: str | None
    note_code: str | None
    note_params: dict[str, Any]
    #: How many cases the value rests on (a ratio's denominator, a median's or mean's count); None when
    #: the KPI is no ratio or average, or has no value.
    basis: int | None


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI means: the text of docs/kpis.md in short, and the inputs it needs."""

    name: str
    unit: str
    formula: str
    denominator: str
    period: str
    empty: str
    needs: Mapping[str, tuple[str, ...]]
    #: The (table, date column) that places a row in a period: rows without it are told apart.
    dated_by: tuple[str, str] | None = None


@dataclass(frozen=True)
class KpiSettings:
    """Parameters of one KPI run. ``remaining_target`` may be one figure or one per period label
    (``None`` key = the whole range); ``gross_margin`` is a fraction (0.8)."""

    as_of: dt.date
    by: tuple[str, ...] = ()
    period: Period | None = None
    start: dt.date | None = None
    mql_lag_days: int = 45
    remaining_target: float | Mapping[str | None, float] | None = None
    gross_margin: float | None = None
    adoption_days: int = 60
    trailing_months: int = 12
    stage_order: tuple[str, ...] = STAGE_ORDER


_O = "opportunities"
_CLOSED = ("outcome", "closed")
KPIS: dict[str, KpiDefinition] = {
    d.name: d
    for d in (
        KpiDefinition(
            "revenue",
            "currency",
            "Σ amount of won opportunities",
            "none (a sum)",
            "closed",
            "won opportunities without any amount → not computable; nothing won → 0",
            {_O: (*_CLOSED, "amount")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "wins",
            "count",
            "won opportunities",
            "none (a count)",
            "closed",
            "nothing won → 0",
            {_O: _CLOSED},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "opportunities",
            "count",
            "opportunities whose created date falls in the period (new opportunities)",
            "none (a count)",
            "created",
            "no opportunity with a created date → not computable",
            {_O: ("created",)},
            dated_by=(_O, "created"),
        ),
        KpiDefinition(
            "leads",
            "count",
            "leads whose created date falls in the period",
            "none (a count)",
            "created",
            "no lead with a created date → not computable",
            {"leads": ("created",)},
            dated_by=("leads", "created"),
        ),
        KpiDefinition(
            "meetings",
            "count",
            "meetings scheduled in the period, not cancelled and not known as missed",
            "none (a count)",
            "scheduled",
            "no meeting in the activities → not computable",
            {"activities": ("kind", "scheduled")},
            dated_by=("activities", "scheduled"),
        ),
        KpiDefinition(
            "demos",
            "count",
            "demos scheduled in the period, not cancelled and not known as missed",
            "none (a count)",
            "scheduled",
            "no demo in the activities → not computable",
            {"activities": ("kind", "scheduled")},
            dated_by=("activities", "scheduled"),
        ),
        KpiDefinition(
            "mql",
            "count",
            "leads whose mql_at falls in the period",
            "none (a count)",
            "mql_at",
            "no lead with an MQL date → not computable",
            {"leads": ("mql_at",)},
            dated_by=("leads", "mql_at"),
        ),
        KpiDefinition(
            "sql",
            "count",
            "leads whose sql_at falls in the period",
            "none (a count)",
            "sql_at",
            "no lead with an SQL date → not computable",
            {"leads": ("sql_at",)},
            dated_by=("leads", "sql_at"),
        ),
        KpiDefinition(
            "mql_to_sql",
            "ratio",
            "MQLs of the cohort with an sql_at ≤ as_of ÷ MQLs of the cohort",
            "leads with mql_at in the period and mql_at ≤ as_of − lag",
            "mql_at (cohort)",
            "no MQL old enough, or no SQL date anywhere in the data → not computable",
            {"leads": ("mql_at", "sql_at")},
        ),
        KpiDefinition(
            "mql_to_won",
            "ratio",
            "MQLs of the cohort whose opportunity is won ÷ MQLs of the cohort",
            "leads with mql_at in the period and mql_at ≤ as_of − lag",
            "mql_at (cohort)",
            "no MQL old enough → not computable",
            {"leads": ("mql_at", "opportunity"), _O: ("external_id", "outcome")},
        ),
        KpiDefinition(
            "no_show_rate",
            "ratio",
            "booked meetings/demos not held ÷ booked meetings/demos held or not",
            "meetings and demos scheduled before as_of with held known, cancelled/rescheduled excluded",
            "scheduled",
            "no past meeting with a known outcome → not computable",
            {"activities": ("kind", "scheduled", "held")},
        ),
        KpiDefinition(
            "win_rate",
            "ratio",
            "won ÷ (won + lost)",
            "opportunities closed in the period, outcome "
            "won or lost (lost = outcome lost, whatever the stage name); open ones never",
            "closed",
            "no opportunity closed → not computable",
            {_O: _CLOSED},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "win_rate_value",
            "ratio",
            "won amount ÷ (won amount + lost amount)",
            "amounts of opportunities closed won or lost in the period",
            "closed",
            "lost amounts all 0/blank (e.g. Maven) or no amount → not computable",
            {_O: (*_CLOSED, "amount")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "average_deal",
            "currency",
            "mean amount of won opportunities",
            "won opportunities closed in the period with an amount",
            "closed",
            "no won opportunity with an amount → not computable",
            {_O: (*_CLOSED, "amount")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "average_deal_median",
            "currency",
            "median amount of won opportunities",
            "as average_deal",
            "closed",
            "as average_deal",
            {_O: (*_CLOSED, "amount")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "sales_cycle",
            "days",
            "mean of closed − created, in days, of won opportunities",
            "won opportunities closed in the period with both dates",
            "closed",
            "no won opportunity with both dates → not computable",
            {_O: (*_CLOSED, "created")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "sales_cycle_median",
            "days",
            "median of closed − created of won opportunities",
            "as sales_cycle",
            "closed",
            "as sales_cycle",
            {_O: (*_CLOSED, "created")},
            dated_by=(_O, "closed"),
        ),
        KpiDefinition(
            "stage_conversion",
            "ratio",
            "deals that went on from a stage (entered a later stage, or won) ÷ deals that left it (went on or lost)",
            "first entries into a stage (stage history) left by as_of, dated by the day they left it",
            "the day the deal left the stage (its next entry, or its close)",
            "no stage history, or no deal left a stage in the range → not computable",
            {"opportunity_stages": ("opportunity", "stage", "entered"), _O: ("external_id", *_CLOSED)},
        ),
        KpiDefinition(
            "stage_days",
            "days",
            "median days from entering a stage to entering a later one (or winning), of the deals that went on",
            "deals that went on from the stage, as stage_conversion",
            "the day the deal left the stage",
            "as stage_conversion",
            {"opportunity_stages": ("opportunity", "stage", "entered"), _O: ("external_id", *_CLOSED)},
        ),
        KpiDefinition(
            "pipeline_coverage",
            "ratio",
            "open amount expected to close in the period ÷ remaining target",
            "remaining_target (a parameter)",
            "closed (expected close date of open opportunities)",
            "no remaining target given, or target ≤ 0 → not computable",
            {_O: (*_CLOSED, "amount")},
        ),
        KpiDefinition(
            "sales_velocity",
            "currency/day",
            "open opportunities at period end × win_rate × average_deal ÷ sales_cycle",
            "sales_cycle of the period (days)",
            "closed (rates); open count at period end",
            "any factor not computable or a zero cycle → not computable",
            {_O: (*_CLOSED, "created", "amount")},
        ),
        KpiDefinition(
            "cac",
            "currency",
            "costs of the period ÷ new customers won in the period",
            "new customers: accounts whose first won opportunity closed in the period",
            "costs.period_start; first won close date",
            "no new customer → not computable",
            {"costs": ("period_start", "amount"), _O: (*_CLOSED, "account")},
        ),
        KpiDefinition(
            "customer_churn",
            "ratio",
            "monthly rate: 1 − (1 − churned ÷ customers at start)^(1/months)",
            "customers (accounts with MRR > 0) at the start of the window",
            "window start",
            "no customer at the start → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "arpa",
            "currency",
            "MRR at the window end ÷ accounts with MRR > 0 at the window end",
            "paying accounts at the window end",
            "window end",
            "no paying account → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "ltv",
            "currency",
            "arpa × gross_margin ÷ customer_churn (monthly)",
            "customer_churn",
            "window",
            "no gross margin given, or churn 0 or not computable → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "ltv_cac",
            "ratio",
            "ltv ÷ cac",
            "cac",
            "period of both",
            "either not computable → not computable",
            {
                "subscriptions": ("account", "start", "mrr"),
                "costs": ("period_start", "amount"),
                _O: (*_CLOSED, "account"),
            },
        ),
        KpiDefinition(
            "cac_payback",
            "months",
            "cac ÷ (arpa × gross_margin)",
            "arpa × gross_margin",
            "period of both",
            "either not computable or no gross margin → not computable",
            {
                "subscriptions": ("account", "start", "mrr"),
                "costs": ("period_start", "amount"),
                _O: (*_CLOSED, "account"),
            },
        ),
        KpiDefinition(
            "nrr",
            "ratio",
            "Σ MRR at window end of the starting customers ÷ Σ their MRR at window start",
            "MRR at the window start of accounts paying then (SaaS Capital cohort)",
            "window start",
            "no MRR at the start → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "mrr",
            "currency",
            "Σ MRR of the subscriptions running at the window end",
            "none (a sum)",
            "window end",
            "no subscription → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "expansion_mrr",
            "currency",
            "Σ max(MRR at end − MRR at start, 0) of the customers at the window start",
            "none (a sum over the accounts paying at the window start)",
            "window start",
            "no customer at the start → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "grr",
            "ratio",
            "Σ min(MRR at end, MRR at start) of the starting customers ÷ Σ MRR at start",
            "as nrr",
            "window start",
            "as nrr",
            {"subscriptions": ("account", "start", "mrr")},
        ),
        KpiDefinition(
            "weighted_pipeline",
            "currency",
            "Σ amount × P(won | stage) over open opportunities",
            "none (a sum); P learnt from closed history",
            "closed (expected close date)",
            "no closed history to learn from → not computable",
            {_O: (*_CLOSED, "stage", "amount")},
        ),
        KpiDefinition(
            "adoption_60",
            "ratio",
            "new customers still subscribed adoption_days after their first start ÷ new customers",
            "accounts whose first subscription starts in the period, at least adoption_days before as_of",
            "first subscription start",
            "no such customer → not computable",
            {"subscriptions": ("account", "start", "mrr")},
        ),
    )
}


#: Each KPI's name as a reader sees it (translated at display).
LABELS: dict[str, str] = {
    "revenue": gettext_noop("Revenue (won)"),
    "wins": gettext_noop("Wins"),
    "opportunities": gettext_noop("New opportunities"),
    "leads": gettext_noop("New leads"),
    "meetings": gettext_noop("Meetings"),
    "demos": gettext_noop("Demos"),
    "mql": gettext_noop("MQLs"),
    "sql": gettext_noop("SQLs"),
    "mql_to_sql": gettext_noop("MQL → SQL conversion"),
    "mql_to_won": gettext_noop("MQL → win conversion"),
    "no_show_rate": gettext_noop("No-show rate"),
    "win_rate": gettext_noop("Win rate"),
    "win_rate_value": gettext_noop("Win rate by value"),
    "average_deal": gettext_noop("Average deal"),
    "average_deal_median": gettext_noop("Median deal"),
    "sales_cycle": gettext_noop("Sales cycle (days)"),
    "sales_cycle_median": gettext_noop("Median sales cycle (days)"),
    "stage_conversion": gettext_noop("Stage-to-stage conversion"),
    "stage_days": gettext_noop("Median days in stage"),
    "pipeline_coverage": gettext_noop("Pipeline coverage"),
    "sales_velocity": gettext_noop("Sales velocity (per day)"),
    "cac": gettext_noop("Customer acquisition cost"),
    "customer_churn": gettext_noop("Customer churn (monthly)"),
    "arpa": gettext_noop("Revenue per account (ARPA)"),
    "ltv": gettext_noop("Lifetime value (LTV)"),
    "ltv_cac": gettext_noop("LTV ÷ CAC"),
    "cac_payback": gettext_noop("CAC payback (months)"),
    "nrr": gettext_noop("Net revenue retention"),
    "grr": gettext_noop("Gross revenue retention"),
    "mrr": gettext_noop("Monthly recurring revenue (MRR)"),
    "expansion_mrr": gettext_noop("Expansion MRR"),
    "weighted_pipeline": gettext_noop("Weighted pipeline"),
    "adoption_60": gettext_noop("Adoption after 60 days"),
}

#: KPIs made from other KPIs: asking for one brings those into the run.
INPUTS: dict[str, tuple[str, ...]] = {
    "sales_velocity": ("win_rate", "average_deal", "sales_cycle"),
    "ltv": ("arpa", "customer_churn"),
    "ltv_cac": ("ltv", "cac"),
    "cac_payback": ("cac", "arpa"),
}


def with_inputs(names: Iterable[str]) -> set[str]:
    """``names`` and, recursively, the KPIs they are made from."""
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(INPUTS.get(name, ()))
    return wanted


def chosen(kpis: Iterable[str] | None) -> list[str]:
    """The KPIs asked for (all of :data:`KPIS` by default), in the order asked; ``ValueError`` naming the
    known ones for an unknown name."""
    names = list(KPIS) if kpis is None else list(dict.fromkeys(kpis))
    unknown = [n for n in names if n not in KPIS]
    if unknown:
        raise ValueError(f"unknown KPI: {', '.join(unknown)} (known: {', '.join(KPIS)})")
    return names
