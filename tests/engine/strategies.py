"""Hypothesis strategies and hand counts shared by the funnel and schedule tests; malformed plan files."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import holidays
from hypothesis import strategies as st

from pac.engine import model
from pac.engine.model import Metric, Stage

UPPER_STAGES = [s for s in Stage if s is not Stage.WON]


def iso_week_count(start: dt.date, end: dt.date) -> int:
    """ISO weeks touched by [start, end], counted from the Mondays (independently of the engine)."""
    first = start - dt.timedelta(days=start.weekday())
    last = end - dt.timedelta(days=end.weekday())
    return (last - first).days // 7 + 1


FR_HOLIDAYS = set(holidays.country_holidays("FR", years=range(2025, 2031)))


def working_days(start: dt.date, end: dt.date, holidays_too: bool = False) -> list[dt.date]:
    """Weekdays of [start, end]; with ``holidays_too``, French public holidays left out as well."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5 and not (holidays_too and d in FR_HOLIDAYS)]


def business_day_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5 or day in FR_HOLIDAYS:
        day -= dt.timedelta(days=1)
    return day


@st.composite
def funnels(draw: st.DrawFn) -> tuple[model.FunnelStep, ...]:
    """Some canonical stages in order, rates from 5 % to 100 % in 0.1 % steps, then won."""
    upper = sorted(
        draw(st.lists(st.sampled_from(UPPER_STAGES), min_size=1, max_size=6, unique=True)), key=lambda s: s.order
    )
    steps = [
        model.FunnelStep(stage, Decimal(draw(st.integers(50, 1000))) / 1000, draw(st.integers(0, 60)))
        for stage in upper
    ]
    return (*steps, model.FunnelStep(Stage.WON))


@st.composite
def revenue_plans(draw: st.DrawFn) -> model.Plan:
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(1, 150)))
    revenue = Decimal(draw(st.integers(1, 5_000_000)))
    average_deal = Decimal(draw(st.integers(100, 20_000_000))) / 100
    return model.Plan(
        name="P",
        start=start,
        end=end,
        average_deal=average_deal,
        steps=draw(funnels()),
        objectives=(model.Objective("rev", Metric.REVENUE, revenue, end),),
    )


@st.composite
def scheduled_plans(draw: st.DrawFn) -> model.Plan:
    """Plans of 1 day to ~7 months, with or without weekly weights (one per ISO week, some 0)."""
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(0, 200)))
    weights = None
    if draw(st.booleans()):
        count = iso_week_count(start, end)
        values = draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
        values[draw(st.integers(0, count - 1))] = draw(st.integers(1, 5))  # a positive sum
        weights = tuple(Decimal(v) for v in values)
    wins = Decimal(draw(st.integers(1, 500)))
    return model.Plan(
        name="P",
        start=start,
        end=end,
        steps=draw(funnels()),
        weekly_weights=weights,
        objectives=(model.Objective("wins", Metric.WINS, wins, end),),
    )


# --- malformed plan files ------------------------------------------------------------------------

#: Values that YAML, the loader or the field types read in surprising ways.
ODD_VALUES = [
    "2027-02-30",
    "2027-13-01",
    "2027-00-10",
    "2026-02-29",
    "0000-01-01",
    "2027-01-01 10:00:00",
    "9:00",
    "25:61",
    "1:30",
    "010",
    "0x1F",
    "1e400",
    ".inf",
    ".nan",
    "~",
    "yes",
    "NO",
    "[]",
    "{}",
    "[",
    "{",
    "}",
    '"',
    "'",
    "&a x",
    "*a",
    "!!int abc",
    "!!float x",
    "!!timestamp 2027-02-30",
    "!!bool maybe",
    "!!python/object:os.system {}",
    "!!binary AAAA",
    "!!set {a, b}",
    "9" * 5000,
    "? x",
    "|",
    "%",
    "@",
    "\t",
    "\x00",
    "\u2028",
    "[" * 100,
]
_SCALAR = re.compile(r'(?<=: )(?:"[^"\n]*"|[^,{}\[\]\n#"]+)')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def odd_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_VALUES),
        st.text(max_size=20),
        st.integers().map(str),
        st.floats().map(str),
        st.dates().map(str),
        st.builds(
            "{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)
        ),  # dates that may not exist
    )


@st.composite
def malformed_plan_files(draw: st.DrawFn, text: str) -> bytes:
    """``text`` (a valid plan file) after one to three mutations: a value replaced by odd text, a date,
    a number; a line deleted (a key gone) or doubled (a duplicate key); a date that does not exist;
    the end cut off; then, maybe, random bytes inserted (the file may no longer be UTF-8)."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["scalar", "scalar", "date", "delete", "duplicate", "truncate"]))
        lines = text.splitlines(keepends=True)
        if kind == "scalar" and (spans := [m.span() for m in _SCALAR.finditer(text)]):
            start, end = draw(st.sampled_from(spans))
            text = text[:start] + draw(odd_values()) + text[end:]
        elif kind == "date" and (spans := [m.span() for m in _DATE.finditer(text)]):
            start, end = draw(st.sampled_from(spans))
            invalid = st.sampled_from(["2027-02-30", "2027-13-01", "2027-04-31", "2027-01-32", "2027-00-01"])
            text = text[:start] + draw(invalid) + text[end:]
        elif kind == "delete" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[:index] + lines[index + 1 :])
        elif kind == "duplicate" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            text = "".join(lines[: index + 1] + lines[index:])
        elif kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    data = text.encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data
