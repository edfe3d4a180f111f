"""A plan from history: the figures a new plan needs, learnt from the team's CRM data over a date range,
each one computed by the KPI engine (``compute_kpis`` with ``start`` and ``as_of``) so that it equals the
KPI page's figure for the same range — win rate, MQL → SQL, average and median deal, median sales cycle,
no-show rate, and each stage's conversion and days where the data keeps a stage history.

Every figure carries its basis: how many cases it rests on, what they are (closed deals, MQLs, booked
meetings…) and the range; or, when it cannot be computed, the KPI engine's reason (a code and its
parameters). Words are chosen where the figure is shown (:func:`basis_text`, :func:`gap_text`), as the
diagnostics are: « 28 % sur 1 214 affaires conclues depuis janvier 2017 ».

:func:`apply_learned` sets a plan's funnel rates and days, average deal and segment rates and cycle from
history where it is known (the others stay as typed); :func:`compare` lists the plan's rates that differ
from history by more than a relative threshold.

Which figure a plan's step takes: the step just above « won » takes the win rate (the plan's win rate, as
the alerts read it); « mql » followed by « sql » takes the MQL → SQL conversion; any other step the stage
history's conversion of the stage of the same name. A step's days are the stage history's median days in
that stage. Segments: with ``by_segment``, the closed-deal figures (and the stage history's) of each CRM
segment with at least ``min_deals`` closed deals; leads and meetings carry no segment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pac.engine.formatting import Formatter
from pac.engine.labels import Translate, gettext_noop
from pac.engine.model import AlertThresholds, Plan, Segment, Stage
from pac.engine.progress import segment_matches

#: The whole-team figures, in the order they are shown.
FIGURES: tuple[str, ...] = (
    "win_rate",
    "mql_to_sql",
    "average_deal",
    "average_deal_median",
    "sales_cycle_median",
    "no_show_rate",
)
#: The stage history's figures, one per stage.
STAGE_FIGURES: tuple[str, ...] = ("stage_conversion", "stage_days")
#: The figures learnt per segment (those the opportunities carry a segment for).
SEGMENT_FIGURES: tuple[str, ...] = ("win_rate", "average_deal", "average_deal_median", "sales_cycle_median")
#: What each figure's basis counts.
COUNTS: dict[str, str] = {
    "win_rate": "closed_deals",
    "mql_to_sql": "mqls",
    "average_deal": "won_deals",
    "average_deal_median": "won_deals",
    "sales_cycle_median": "won_deals",
    "no_show_rate": "booked_meetings",
    "stage_conversion": "stage_exits",
    "stage_days": "stage_moves",
}
#: A figure with its basis, in words: singular and plural (chosen by the count), filled at display.
BASIS: dict[str, tuple[str, str]] = {
    "closed_deals": (
        gettext_noop("{value} over {count} closed deal since {since}"),
        gettext_noop("{value} over {count} closed deals since {since}"),
    ),
    "won_deals": (
        gettext_noop("{value} over {count} won deal since {since}"),
        gettext_noop("{value} over {count} won deals since {since}"),
    ),
    "mqls": (
        gettext_noop("{value} over {count} MQL since {since}"),
        gettext_noop("{value} over {count} MQLs since {since}"),
    ),
    "booked_meetings": (
        gettext_noop("{value} over {count} booked meeting since {since}"),
        gettext_noop("{value} over {count} booked meetings since {since}"),
    ),
    "stage_exits": (
        gettext_noop("{value} over {count} deal that left the stage since {since}"),
        gettext_noop("{value} over {count} deals that left the stage since {since}"),
    ),
    "stage_moves": (
        gettext_noop("{value} over {count} deal that moved on since {since}"),
        gettext_noop("{value} over {count} deals that moved on since {since}"),
    ),
}
#: The comparison of a plan with history, by code.
TEMPLATES: dict[str, str] = {
    "rate_off_history": gettext_noop(
        "{stage} → {next_stage}: the plan counts on {plan_rate}, history gives {history_rate} ({basis})."
    ),
    "average_deal_off_history": gettext_noop(
        "Average deal: the plan counts on {plan_value}, history gives {history_value} ({basis})."
    ),
}
DEFAULT_THRESHOLD = AlertThresholds.history_gap  # a plan sets its own in its alert thresholds
DEFAULT_MIN_DEALS = 30


@dataclass(frozen=True)
class Figure:
    """One learnt figure (``kpi``: the KPI engine's name; ``value`` as it computes it, a fraction for a rate),
    the ``count`` of cases it rests on and what they are (``counts``), over ``start``…``end``; ``stage``: the
    stage history's stage (lower-case), ``segment``: the CRM segment. Without a value, ``reason`` and
    ``params`` say why (the KPI engine's codes)."""

    kpi: str
    value: Decimal | None
    count: int | None
    counts: str
    start: dt.date
    end: dt.date
    stage: str | None = None
    segment: str | None = None
    reason: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.value is not None

    def data(self) -> dict[str, Any]:
        """As JSON: the value as a number."""
        out = dataclasses.asdict(self)
        out["value"] = float(self.value) if self.value is not None else None
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["params"] = dict(self.params)
        return out


@dataclass(frozen=True)
class Learned:
    """What history says over ``start``…``end``: the figures, and per CRM segment its closed deals — those
    with at least ``min_deals`` have figures of their own (``segments``), the others not (``too_small``)."""

    start: dt.date
    end: dt.date
    figures: tuple[Figure, ...]
    segments: Mapping[str, int] = field(default_factory=dict)
    too_small: Mapping[str, int] = field(default_factory=dict)
    min_deals: int = DEFAULT_MIN_DEALS

    def figure(self, kpi: str, *, stage: str | None = None, segment: str | None = None) -> Figure | None:
        for f in self.figures:
            if f.kpi == kpi and f.stage == stage and f.segment == segment:
                return f
        return None

    def segment_for(self, segment: Segment) -> str | None:
        """The CRM segment value that names the plan's ``segment``, among those with figures of their own."""
        return next((value for value in self.segments if segment_matches(segment, value)), None)


def learn(
    tables: Mapping[str, Any],
    start: dt.date,
    end: dt.date,
    *,
    by_segment: bool = False,
    min_deals: int = DEFAULT_MIN_DEALS,
) -> Learned:
    """The figures of :data:`FIGURES` and the stage history's, from the canonical ``tables`` (Ibis) over
    ``start``…``end`` (both included); with ``by_segment``, also per CRM segment with at least
    ``min_deals`` closed deals in the range."""
    if end < start:
        raise ValueError("the range ends before it starts")
    from pac.engine.kpis import compute_kpis  # Ibis is loaded only by those who learn

    def run(kpis: Sequence[str], by: Sequence[str] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in compute_kpis(tables, as_of=end, start=start, by=by, kpis=kpis)]

    def figure(row: Mapping[str, Any], stage: str | None = None, segment: str | None = None) -> Figure:
        ok = row["status"] == "ok" and row["value"] is not None
        return Figure(
            kpi=row["kpi"],
            value=Decimal(str(row["value"])) if ok else None,
            count=row.get("basis") if ok else None,
            counts=COUNTS[row["kpi"]],
            start=start,
            end=end,
            stage=stage,
            segment=segment,
            reason=None if ok else row.get("reason_code"),
            params={} if ok else dict(row.get("reason_params") or {}),
        )

    figures = [figure(r) for r in run(FIGURES)]
    stage_rows = run(STAGE_FIGURES, ("stage",))
    figures += [figure(r, r["by"].get("stage")) for r in stage_rows]
    segments: dict[str, int] = {}
    too_small: dict[str, int] = {}
    if by_segment:
        rows = [r for r in run(SEGMENT_FIGURES, ("segment",)) if r["by"].get("segment")]
        closed = {r["by"]["segment"]: r.get("basis") or 0 for r in rows if r["kpi"] == "win_rate"}
        segments = {s: n for s, n in sorted(closed.items()) if n >= min_deals}
        too_small = {s: n for s, n in sorted(closed.items()) if n < min_deals}
        figures += [figure(r, segment=r["by"]["segment"]) for r in rows if r["by"]["segment"] in segments]
        if segments and any(r["status"] == "ok" for r in stage_rows):
            for r in run(STAGE_FIGURES, ("segment", "stage")):
                if r["by"].get("segment") in segments:
                    figures.append(figure(r, r["by"].get("stage"), r["by"]["segment"]))
    return Learned(start, end, tuple(figures), segments, too_small, min_deals)


def rate_figure(learned: Learned, stage: Stage, next_stage: Stage, segment: str | None = None) -> Figure | None:
    """History's figure for the plan's step ``stage`` → ``next_stage`` (see the module's text)."""
    if next_stage is Stage.WON:
        return learned.figure("win_rate", segment=segment)
    if stage is Stage.MQL and next_stage is Stage.SQL:
        return learned.figure("mql_to_sql") if segment is None else None
    found = learned.figure("stage_conversion", stage=stage.value, segment=segment)
    # without any stage history, the one figure that says why
    return found or learned.figure("stage_conversion", segment=segment)


def _rate(figure: Figure | None) -> Decimal | None:
    """A learnt rate as the plan file takes it (4 decimals, above 0)."""
    if figure is None or figure.value is None:
        return None
    rate = round(figure.value, 4)
    return rate if 0 < rate <= 1 else None


def _days(figure: Figure | None) -> int | None:
    if figure is None or figure.value is None:
        return None
    return int(figure.value.to_integral_value())


def _rates(plan: Plan, learned: Learned, segment: str | None) -> dict[Stage, Decimal]:
    rates: dict[Stage, Decimal] = {}
    for step, following in zip(plan.steps, plan.steps[1:], strict=False):
        rate = _rate(rate_figure(learned, step.stage, following.stage, segment))
        if rate is not None:
            rates[step.stage] = rate
    return rates


def apply_learned(plan: Plan, learned: Learned) -> Plan:
    """``plan`` with its funnel rates and days, its average deal, and each segment's rates and cycle taken
    from history where it knows them; everything else as typed."""
    rates = _rates(plan, learned, None)
    steps = []
    for step in plan.steps:
        days = _days(learned.figure("stage_days", stage=step.stage.value)) if step.stage is not Stage.WON else None
        steps.append(
            dataclasses.replace(
                step, rate=rates.get(step.stage, step.rate), days=days if days is not None else step.days
            )
        )
    deal = learned.figure("average_deal")
    average = round(deal.value, 2) if deal is not None and deal.value is not None and deal.value > 0 else None
    segments = []
    for segment in plan.segments:
        value = learned.segment_for(segment)
        if value is None:
            segments.append(segment)
            continue
        cycle = _days(learned.figure("sales_cycle_median", segment=value))
        segments.append(
            dataclasses.replace(
                segment,
                rates={**segment.rates, **_rates(plan, learned, value)},
                cycle_days=cycle if cycle is not None else segment.cycle_days,
            )
        )
    return dataclasses.replace(
        plan,
        steps=tuple(steps),
        average_deal=average if average is not None else plan.average_deal,
        segments=tuple(segments),
    )


@dataclass(frozen=True)
class Comparison:
    """One of the plan's figures next to history's: ``kpi`` (``rate`` for a funnel step), the plan's value,
    history's figure, and whether they differ by more than the threshold (``flagged``)."""

    kpi: str
    stage: Stage | None
    next_stage: Stage | None
    plan_value: Decimal | None
    history: Figure | None
    difference: Decimal | None  # (plan − history) ÷ history
    flagged: bool

    @property
    def code(self) -> str:
        return "rate_off_history" if self.kpi == "rate" else "average_deal_off_history"


def comparisons(plan: Plan, learned: Learned, threshold: Decimal | None = None) -> list[Comparison]:
    """Each of the plan's rates (and its average deal) next to history's figure for it, flagged beyond
    ``threshold`` (by default the plan's own, ``plan.alerts.history_gap``)."""
    out: list[Comparison] = []
    limit = plan.alerts.history_gap if threshold is None else threshold

    def compared(
        kpi: str, stage: Stage | None, following: Stage | None, mine: Decimal | None, theirs: Figure | None
    ) -> Comparison:
        difference = None
        if mine is not None and theirs is not None and theirs.value:
            difference = (mine - theirs.value) / theirs.value
        flagged = difference is not None and abs(difference) > limit
        return Comparison(kpi, stage, following, mine, theirs, difference, flagged)

    for step, following in zip(plan.steps, plan.steps[1:], strict=False):
        out.append(
            compared("rate", step.stage, following.stage, step.rate, rate_figure(learned, step.stage, following.stage))
        )
    out.append(compared("average_deal", None, None, plan.average_deal, learned.figure("average_deal")))
    return out


def compare(plan: Plan, learned: Learned, threshold: Decimal | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The plan's rates (and average deal) that differ from history by more than ``threshold`` (relative:
    0.2 for 20 %; by default the plan's own ``alerts.history_gap``), as (code, parameters) for the diagnostics."""
    found = []
    for c in comparisons(plan, learned, threshold):
        if not c.flagged or c.history is None:
            continue
        params: dict[str, Any] = {
            "plan_value": c.plan_value,
            "history_value": c.history.value,
            "difference": c.difference,
            "count": c.history.count,
            "counts": c.history.counts,
            "since": c.history.start,
        }
        if c.stage is not None:
            params.update(stage=c.stage.value, next_stage=c.next_stage.value if c.next_stage else None)
        found.append((c.code, params))
    return found


def shown_value(kpi: str, value: Decimal, fmt: Formatter, translate: Translate = str) -> str:
    """A figure as the reader reads it: a rate in per cent, money, days."""
    if kpi in ("average_deal", "average_deal_median"):
        return fmt.money(round(value))
    if kpi in ("sales_cycle_median", "stage_days"):
        template = gettext_noop("{value} days") if abs(value) >= 2 else gettext_noop("{value} day")
        return translate(template).format(value=fmt.number(round(value, 1)))
    return fmt.percent(value, 0)


def basis_text(
    figure: Figure,
    fmt: Formatter,
    translate: Translate = str,
    reason: Callable[[str, Mapping[str, Any]], str] | None = None,
) -> str:
    """« 28 % sur 1 214 affaires conclues depuis janvier 2017 », or why the figure is unknown (``reason``
    words a KPI engine reason; by default its English sentence)."""
    if figure.value is None:
        if reason is not None:
            return reason(figure.reason or "no_data_in_range", figure.params)
        from pac.engine.kpis.reasons import explain

        return explain(figure.reason or "no_data_in_range", figure.params, translate, lambda n: fmt.number(n, 0))
    singular, plural = BASIS[figure.counts]
    template = singular if figure.count == 1 else plural
    return translate(template).format(
        value=shown_value(figure.kpi, figure.value, fmt, translate),
        count=fmt.number(figure.count or 0),
        since=fmt.month(figure.start),
    )


def gap_text(
    code: str,
    params: Mapping[str, Any],
    fmt: Formatter,
    translate: Translate = str,
    stage_label: Callable[[str], str] = str,
) -> str:
    """A flagged comparison (:func:`compare`) in the reader's language."""
    kpi = "average_deal" if code == "average_deal_off_history" else "win_rate"
    history = Figure(kpi, params["history_value"], params["count"], params["counts"], params["since"], params["since"])
    values = {
        "basis": basis_text(history, fmt, translate),
        "plan_rate": fmt.percent(params["plan_value"], 0),
        "history_rate": fmt.percent(params["history_value"], 0),
        "plan_value": fmt.money(round(params["plan_value"])),
        "history_value": fmt.money(round(params["history_value"])),
        "stage": stage_label(params.get("stage") or ""),
        "next_stage": stage_label(params.get("next_stage") or ""),
    }
    return translate(TEMPLATES[code]).format(**values)
