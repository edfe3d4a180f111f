"""Plans and calendar items for the export tests.

The calendar items are built by hand (the engine functions that produce them are tested in
tests/engine): what matters here is how each kind of item is written, not how it was computed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pac.engine.analysis import PlanAnalysis, analyse
from pac.engine.calendar import CalendarItem, ItemKind
from pac.engine.model import Plan
from pac.engine.planfile import parse_plan_file, to_plan

#: Texts a spreadsheet would run as formulas if they were written as they are.
FORMULA_PAYLOADS = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1+1", "-2", "=cmd|' /C calc'!A0", "\t=1+1"]

INJECTED_PLAN = """\
plan: {name: "=HYPERLINK(\\"http://evil\\",\\"plan\\")", start: 2027-01-01, end: 2027-03-31, currency: EUR}
objectives:
  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31}
funnel:
  average_deal: 83334
  stages:
    - {stage: sql, rate: 0.5, days: 10}
    - {stage: proposal, rate: 0.6, days: 21}
    - {stage: won}
team: [{role: AE, headcount: 4, hours_per_week: 35}]
effort: [{stage: proposal, role: AE, hours: 4}]
actions:
  - {id: a-hyperlink, type: demo, name: '=HYPERLINK("http://evil","x")', start: 2027-01-04, end: 2027-01-29,
     owner: alex, raci: {R: [alex], A: manon}, kpi: "@SUM(A1)", message: "+1+1"}
  - {id: a-at, type: demo, name: "@SUM(A1)", start: 2027-01-04, end: 2027-01-29, raci: {R: [alex], A: manon}}
  - {id: a-plus, type: demo, name: "+1+1", start: 2027-01-04, end: 2027-01-29, raci: {R: [alex], A: manon}}
  - {id: a-minus, type: demo, name: "-2", start: 2027-01-04, end: 2027-01-29, raci: {R: [alex], A: manon}}
  - {id: a-dde, type: demo, name: "=cmd|' /C calc'!A0", start: 2027-01-04, end: 2027-01-29,
     raci: {R: [alex], A: manon}}
  - {id: a-tab, type: demo, name: "\\t=1+1", start: 2027-01-04, end: 2027-01-29, raci: {R: [alex], A: manon}}
raci:
  - {activity: "-1+cmd", R: [alex], A: manon}
"""


@pytest.fixture
def demo_plan(demo_plan_text: str) -> Plan:
    return to_plan(parse_plan_file(demo_plan_text, "saas-midmarket.yaml"))


@pytest.fixture
def demo_analysis(demo_plan: Plan) -> PlanAnalysis:
    return analyse(demo_plan)


@pytest.fixture
def injected_plan() -> Plan:
    return to_plan(parse_plan_file(INJECTED_PLAN, "injected.yaml"))


def weekly_review(*days: dt.date) -> list[CalendarItem]:
    """Occurrences of the Monday 09:00 pipeline review (Europe/Paris), as the engine dates them."""
    return [
        CalendarItem(
            day,
            ItemKind.RITUAL,
            "Revue pipeline",
            "revue-pipeline",
            at=dt.time(9, 0),
            minutes=60,
            owner="manon",
            people=("manon", "sami", "alex"),
            rrule="FREQ=WEEKLY;BYDAY=MO",
        )
        for day in days
    ]


def mondays(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(weeks=i) for i in range(count)]


@pytest.fixture
def calendar_items() -> list[CalendarItem]:
    """A quarter's worth of each kind: six weekly reviews across the 2027-03-28 DST change, a
    multi-day action, a one-day campaign J-30, a multi-day event, a milestone and a deadline."""
    return [
        *weekly_review(*mondays(dt.date(2027, 3, 8), 6)),
        CalendarItem(
            dt.date(2027, 1, 4),
            ItemKind.ACTION,
            "Séquence ICP",
            "seq-icp-q1",
            end=dt.date(2027, 2, 26),
            owner="sami",
            people=("sami", "manon"),
        ),
        CalendarItem(
            dt.date(2027, 4, 16), ItemKind.CAMPAIGN, "SantExpo Paris", "santexpo", owner="manon", offset_days=30
        ),
        CalendarItem(dt.date(2027, 5, 18), ItemKind.EVENT, "SantExpo Paris", "santexpo", end=dt.date(2027, 5, 20)),
        CalendarItem(dt.date(2027, 1, 8), ItemKind.MILESTONE, "200 comptes ICP chargés", "seq-icp-q1", owner="sami"),
        CalendarItem(dt.date(2027, 4, 2), ItemKind.DEADLINE, "Bilan du trimestre", "bilan-t1", owner="manon"),
    ]
