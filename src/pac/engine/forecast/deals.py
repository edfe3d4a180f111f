"""The forecast's input: every opportunity as NumPy columns, and the view of them known at a past date.

The forecast learns from the team's own closed deals and projects its open ones, so it needs the whole
``opportunities`` table in memory as plain arrays (dates as days, outcomes as small codes). An optional stage
history (``opportunity_stages``: opportunity, stage, entered) and an optional ``expected_close`` column are
used when a source has them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.labels import Message, gettext_noop

OPEN, WON, LOST = 0, 1, 2
_OUTCOMES = {"open": OPEN, "won": WON, "lost": LOST}
#: Most opportunities a forecast reads (a bound on memory: about 100 bytes a deal).
MAX_DEALS = 2_000_000

Days = npt.NDArray[np.datetime64]
Floats = npt.NDArray[np.float64]
Texts = npt.NDArray[np.object_]
Codes = npt.NDArray[np.int8]
NOT_A_DAY = np.datetime64("NaT", "D")


_TOO_MANY = gettext_noop("{count} opportunities: the forecast reads at most {most}.")
_UNKNOWN_OUTCOMES = gettext_noop("Unknown outcome(s): {values}; expected open, won or lost.")


class DealsError(ValueError):
    """Input the forecast cannot use (too many deals, an unknown outcome)."""


@dataclass(frozen=True, eq=False)
class StageHistory:
    """When each deal entered each stage: ``deal`` indexes :class:`Deals`, one row per entry."""

    deal: npt.NDArray[np.int64]
    stage: Texts
    entered: Days


@dataclass(frozen=True, eq=False)
class Deals:
    """One row per opportunity. ``amount`` is NaN when unknown (a zero or negative amount counts as unknown:
    CRMs store lost or open deals with 0); missing dates are NaT; missing texts are ''."""

    external_id: Texts
    outcome: Codes
    stage: Texts
    amount: Floats
    created: Days
    closed: Days
    segment: Texts
    owner: Texts
    forecast_category: Texts
    expected_close: Days
    stages: StageHistory | None = None

    def __len__(self) -> int:
        return len(self.outcome)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Deals:
        """The deals where ``keep`` is true (their stage history follows them)."""
        stages = self.stages
        if stages is not None:
            new_index = np.cumsum(keep) - 1
            rows = keep[stages.deal]
            stages = StageHistory(new_index[stages.deal[rows]], stages.stage[rows], stages.entered[rows])
        return Deals(
            **{name: getattr(self, name)[keep] for name in _COLUMNS},
            stages=stages,
        )

    def last_fact(self) -> dt.date | None:
        """The latest date the data knows about (a creation, a close or a stage entry)."""
        days = [self.created, self.closed]
        if self.stages is not None:
            days.append(self.stages.entered)
        known = [d[~np.isnat(d)] for d in days]
        latest = [d.max() for d in known if d.size]
        return _date(max(latest)) if latest else None


_COLUMNS = (
    "external_id",
    "outcome",
    "stage",
    "amount",
    "created",
    "closed",
    "segment",
    "owner",
    "forecast_category",
    "expected_close",
)


def build_deals(rows: Sequence[Mapping[str, Any]], stage_rows: Sequence[Mapping[str, Any]] | None = None) -> Deals:
    """Deals from plain records (``{"external_id", "outcome", "amount", "created", "closed", …}``); stage
    entries as ``{"opportunity", "stage", "entered"}`` records naming a deal's external_id."""
    if len(rows) > MAX_DEALS:
        raise DealsError(Message(_TOO_MANY, count=len(rows), most=MAX_DEALS))
    column = {name: [row.get(name) for row in rows] for name in _COLUMNS}
    return _assemble(column, stage_rows)


def deals_from_tables(tables: Mapping[str, Any]) -> Deals:
    """Deals from the canonical Ibis tables (``tables_from_directory``, ``team_tables``); an
    ``opportunity_stages`` table, when given, is the stage history."""
    opportunities = tables.get("opportunities")
    if opportunities is None:
        return build_deals([])
    count = int(opportunities.count().execute())
    if count > MAX_DEALS:
        raise DealsError(Message(_TOO_MANY, count=count, most=MAX_DEALS))
    wanted = [name for name in _COLUMNS if name in opportunities.columns]
    data = opportunities.select(*wanted).to_pyarrow()
    column: dict[str, Sequence[Any]] = {name: [None] * count for name in _COLUMNS}
    for name in wanted:
        values = data.column(name)
        if name in ("created", "closed", "expected_close", "amount"):  # typed by canonical_tables: as arrays
            column[name] = values.to_numpy(zero_copy_only=False)
        else:
            column[name] = values.to_pylist()
    stage_rows = None
    history = tables.get("opportunity_stages")
    if history is not None:
        stage_rows = history.select("opportunity", "stage", "entered").to_pyarrow().to_pylist()
    return _assemble(column, stage_rows)


def _assemble(column: Mapping[str, Sequence[Any]], stage_rows: Sequence[Mapping[str, Any]] | None) -> Deals:
    count = len(column["external_id"])
    unknown = {str(v) for v in column["outcome"] if str(v or "").strip().lower() not in _OUTCOMES}
    if unknown:
        raise DealsError(Message(_UNKNOWN_OUTCOMES, values=", ".join(sorted(unknown))))
    outcome = np.array([_OUTCOMES[str(v).strip().lower()] for v in column["outcome"]], dtype=np.int8)
    amounts = column["amount"]
    amount = (
        amounts.astype(np.float64)
        if isinstance(amounts, np.ndarray) and amounts.dtype.kind == "f"
        else np.array([np.nan if v is None else float(v) for v in amounts], dtype=np.float64)
    )
    amount[~(amount > 0)] = np.nan
    deals = Deals(
        external_id=_texts(column["external_id"]),
        outcome=outcome.reshape(count),
        stage=_texts(column["stage"], lower=True),
        amount=amount.reshape(count),
        created=_days(column["created"]),
        closed=_days(column["closed"]),
        segment=_texts(column["segment"]),
        owner=_texts(column["owner"]),
        forecast_category=_texts(column["forecast_category"], lower=True),
        expected_close=_days(column["expected_close"]),
    )
    if stage_rows:
        index = {key: i for i, key in enumerate(deals.external_id)}
        kept = [r for r in stage_rows if str(r.get("opportunity") or "") in index and r.get("entered")]
        deals = replace(
            deals,
            stages=StageHistory(
                np.array([index[str(r["opportunity"])] for r in kept], dtype=np.int64),
                _texts([r.get("stage") for r in kept], lower=True),
                _days([r["entered"] for r in kept]),
            ),
        )
    return deals


def known_at(deals: Deals, day: dt.date) -> Deals:
    """What was known at the end of ``day``: deals created by then; an outcome closed later is still open
    (its close value, its later stage and forecast category unknown: amount NaN, stage from the stage
    history or '', category ''); stage entries after the day dropped. A deal without a creation date is
    known once it closed, or, open, only at the data's last date (it is part of today's pipeline)."""
    end = np.datetime64(day, "D")
    latest = deals.last_fact()
    current = latest is not None and day >= latest
    created_known = ~np.isnat(deals.created)
    undated_known = (~np.isnat(deals.closed) & (deals.closed <= end)) | (deals.outcome == OPEN) & current
    keep = np.where(created_known, deals.created <= end, undated_known)
    view = deals.subset(keep)
    reopened = (view.outcome != OPEN) & ~(view.closed <= end)
    if not reopened.any() and view.stages is None:
        return view
    outcome, closed = view.outcome.copy(), view.closed.copy()
    amount, stage, category = view.amount.copy(), view.stage.copy(), view.forecast_category.copy()
    outcome[reopened], closed[reopened], amount[reopened], category[reopened] = OPEN, NOT_A_DAY, np.nan, ""
    stage[reopened] = ""
    stages = view.stages
    if stages is not None:
        early = stages.entered <= end
        stages = StageHistory(stages.deal[early], stages.stage[early], stages.entered[early])
        last = current_stage(stages, len(view))
        has = last != ""
        stage[reopened & has] = last[reopened & has]
    return replace(
        view, outcome=outcome, closed=closed, amount=amount, stage=stage, forecast_category=category, stages=stages
    )


def current_stage(stages: StageHistory, count: int) -> Texts:
    """Each deal's latest stage entry ('' without one)."""
    latest = np.full(count, "", dtype=object)
    order = np.lexsort((stages.entered, stages.deal))
    deal = stages.deal[order]
    last = np.ones(len(deal), dtype=bool)
    last[:-1] = deal[1:] != deal[:-1]  # sorted by deal then date: a deal's last row is its latest entry
    latest[deal[last]] = stages.stage[order][last]
    return latest


def _texts(values: Sequence[Any], *, lower: bool = False) -> Texts:
    texts = [("" if v is None else str(v).strip()) for v in values]
    return np.array([t.lower() for t in texts] if lower else texts, dtype=object).reshape(len(texts))


def _days(values: Sequence[Any]) -> Days:
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        days: Days = values.astype("datetime64[D]")
        return days
    out = np.full(len(values), NOT_A_DAY)
    for i, value in enumerate(values):
        if value is None or value == "":
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        out[i] = np.datetime64(value if isinstance(value, dt.date) else str(value)[:10], "D")
    return out


def _date(day: np.datetime64) -> dt.date:
    value: dt.date = day.astype("datetime64[D]").astype(dt.date)
    return value
