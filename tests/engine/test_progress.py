"""Plan versus actual: share of target reached and share expected by a given day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pac.engine import model
from pac.engine.model import Metric, Period
from pac.engine.progress import Actual, expected_share, objective_progress, segment_matches

Q1 = model.Plan(
    name="T1",
    start=dt.date(2027, 1, 1),
    end=dt.date(2027, 3, 31),
    objectives=(
        model.Objective("nb", Metric.REVENUE, Decimal(1_000_000), dt.date(2027, 3, 31)),
        model.Objective("demos", Metric.DEMOS, Decimal(30), per=Period.WEEK),
        model.Objective("rate", Metric.WIN_RATE, Decimal("0.3"), dt.date(2027, 3, 31)),
        model.Objective("draft", None, Decimal(1)),
    ),
)


def test_it_expects_the_share_of_business_days_gone_by() -> None:
    # Q1 2027 has 62 business days in France (64 weekdays less 1 January and Easter Monday);
    # by Friday 15 January, 10 of them are done (4–8 and 11–15 January).
    assert expected_share(Q1, dt.date(2027, 1, 15)) == Decimal(10) / 62
    assert expected_share(Q1, dt.date(2026, 12, 1)) == 0
    assert expected_share(Q1, dt.date(2027, 6, 1)) == 1


def test_it_compares_each_objective_with_its_actual() -> None:
    lines = {
        p.objective.id: p
        for p in objective_progress(
            Q1, {"nb": Actual(Decimal(250_000)), "rate": Actual(Decimal("0.25"))}, dt.date(2027, 2, 12)
        )
    }
    assert set(lines) == {"nb", "demos", "rate"}  # an objective without a metric has nothing to compare
    assert lines["nb"].share == Decimal("0.25") and lines["nb"].expected_share == Decimal(30) / 62
    assert lines["nb"].on_track is False  # 25 % done where 48 % of the quarter has gone by
    assert lines["demos"].target == 390 and lines["demos"].actual.value is None and lines["demos"].on_track is None
    assert lines["rate"].expected_share == 1 and lines["rate"].share == Decimal("0.25") / Decimal("0.3")


def test_it_says_a_cycle_longer_than_its_target_is_off_track() -> None:
    """A sales cycle of 50 days against a target of 10 was shown on track (5 times the target is more
    than the share expected): for a lower-is-better metric, being above the target is behind."""
    plan = model.Plan(
        name="Cycle",
        start=Q1.start,
        end=Q1.end,
        objectives=(
            model.Objective("slow", Metric.CYCLE_DAYS, Decimal(10), Q1.end),
            model.Objective("fast", Metric.CYCLE_DAYS, Decimal(60), Q1.end),
        ),
    )

    slow, fast = objective_progress(
        plan, {"slow": Actual(Decimal(50)), "fast": Actual(Decimal(50))}, dt.date(2027, 2, 12)
    )

    assert slow.share == 5 and slow.on_track is False
    assert fast.on_track is True


def test_it_expects_an_objective_whole_from_its_deadline_on() -> None:
    """A January objective of a Q1 plan: by 15 January, 10 of its 20 business days are gone (not 10 of
    the quarter's 62); from 29 January on, all of it is due."""
    plan = model.Plan(
        name="Janvier",
        start=Q1.start,
        end=Q1.end,
        objectives=(model.Objective("jan", Metric.WINS, Decimal(10), dt.date(2027, 1, 29)),),
    )

    (mid,) = objective_progress(plan, {"jan": Actual(Decimal(4))}, dt.date(2027, 1, 15))
    (after,) = objective_progress(plan, {"jan": Actual(Decimal(9))}, dt.date(2027, 2, 15))

    assert mid.expected_share == Decimal(10) / 20
    assert mid.on_track is False  # 40 % done where 50 % is expected
    assert after.expected_share == 1 and after.on_track is False


def test_it_knows_a_crm_segment_by_the_plan_segment_id_or_name() -> None:
    segment = model.Segment("saas-midmarket", "SaaS mid-market")

    assert segment_matches(segment, "SaaS Mid-Market")
    assert segment_matches(segment, "saas_midmarket")
    assert segment_matches(segment, "SAAS MIDMARKET")
    assert not segment_matches(segment, "SaaS enterprise")


# --- measuring with the KPI engine on Maven's deals ----------------------------------------------


def _maven_won(segment: str | None, first: dt.date, last: dt.date) -> tuple[Decimal, int]:
    from tests.engine.kpi_data import rows

    won = [
        r
        for r in rows("maven", "opportunities")
        if r["outcome"] == "won"
        and first.isoformat() <= r["closed"] <= last.isoformat()
        and (segment is None or r["segment"] == segment)
    ]
    return sum((Decimal(r["amount"]) for r in won), Decimal(0)), len(won)


MAVEN_Q3 = model.Plan(
    name="T3 2017",
    start=dt.date(2017, 7, 1),
    end=dt.date(2017, 9, 30),
    segments=(model.Segment("software", "Software"),),
    objectives=(
        model.Objective("ca", Metric.REVENUE, Decimal(2_000_000), dt.date(2017, 9, 30)),
        model.Objective("ca-software", Metric.REVENUE, Decimal(300_000), dt.date(2017, 9, 30), segment="software"),
        model.Objective("wins-software", Metric.WINS, Decimal(100), dt.date(2017, 8, 31), segment="software"),
        model.Objective("comptes", Metric.ACCOUNTS, Decimal(40)),
    ),
)


def test_it_counts_only_the_segments_deals_for_an_objective_that_names_one() -> None:
    """Plan versus actual counted every won deal of the team, even for a segment's objective."""
    from pac.engine.kpis import tables_from_directory
    from pac.engine.progress import plan_actuals
    from tests.engine.kpi_data import DATA

    today = dt.date(2017, 9, 15)
    actuals = plan_actuals(MAVEN_Q3, tables_from_directory(DATA / "maven"), today)

    everyone, _ = _maven_won(None, MAVEN_Q3.start, today)
    software, _ = _maven_won("software", MAVEN_Q3.start, today)
    _, software_wins_by_deadline = _maven_won("software", MAVEN_Q3.start, dt.date(2017, 8, 31))
    assert 0 < software < everyone
    assert actuals["ca"].value == everyone
    assert actuals["ca-software"].value == software
    assert actuals["wins-software"].value == software_wins_by_deadline  # its window ends at its deadline
    assert (actuals["comptes"].value, actuals["comptes"].reason) == (None, "no_measure")


def test_it_says_why_a_segment_cannot_be_measured() -> None:
    from pac.engine.kpis import tables_from_directory
    from pac.engine.progress import plan_actuals
    from tests.engine.kpi_data import DATA

    plan = model.Plan(
        name="T3 2017",
        start=MAVEN_Q3.start,
        end=MAVEN_Q3.end,
        objectives=(
            model.Objective("banques", Metric.REVENUE, Decimal(1), MAVEN_Q3.end, segment="banques"),
            model.Objective("leads", Metric.LEADS, Decimal(1), MAVEN_Q3.end),
        ),
    )

    actuals = plan_actuals(plan, tables_from_directory(DATA / "maven"), dt.date(2017, 9, 15))

    assert actuals["banques"].reason == "segment_not_in_crm" and "software" in str(actuals["banques"].params["found"])
    assert (actuals["leads"].reason, actuals["leads"].params) == ("no_table", {"table": "leads"})
    before = plan_actuals(plan, tables_from_directory(DATA / "maven"), dt.date(2017, 6, 1))
    assert before["leads"].reason == "not_started"


def test_a_segment_is_said_unmeasurable_in_words_the_reader_knows() -> None:
    """Deals without any segment, and a segment's leads objective: a reason each that names what is
    missing in words (the reader's language at display), never a table's code or « — »."""
    from pac.engine.kpis import tables_from_directory
    from pac.engine.progress import REASONS, plan_actuals
    from tests.engine.kpi_data import DATA

    tables = dict(tables_from_directory(DATA / "maven"))
    tables["opportunities"] = tables["opportunities"].drop("segment")
    plan = model.Plan(
        name="T3 2017",
        start=MAVEN_Q3.start,
        end=MAVEN_Q3.end,
        objectives=(
            model.Objective("banques", Metric.REVENUE, Decimal(1), MAVEN_Q3.end, segment="banques"),
            model.Objective("leads-banques", Metric.LEADS, Decimal(1), MAVEN_Q3.end, segment="banques"),
        ),
    )

    actuals = plan_actuals(plan, tables, dt.date(2017, 9, 15))

    assert actuals["banques"].reason == "no_segment_in_crm"
    assert actuals["leads-banques"].reason == "segment_not_measurable_leads"
    worded = [REASONS[a.reason].format(**a.params) for a in actuals.values()]
    assert all("—" not in text and "{" not in text for text in worded), worded
