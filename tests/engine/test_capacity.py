"""Hours per role and week: team entries, start dates, ramp-ups, work before the start (pac.engine.capacity)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pac.engine import model
from pac.engine.capacity import capacity, daily_hours
from pac.engine.funnel import reverse_funnel
from pac.engine.model import Metric, Role, Stage
from pac.engine.schedule import weekly_schedule
from pac.engine.workdays import IsoWeek


def _role(roles, name: str):
    return next(rc for rc in roles if rc.role == name)


def test_it_counts_effort_times_volume_as_the_hours_needed(design_plan: model.Plan) -> None:
    roles = capacity(design_plan, weekly_schedule(design_plan, reverse_funnel(design_plan)))

    sdr, ae = _role(roles, "sdr"), _role(roles, "ae")
    # all of it: inside the plan plus the pipeline work dated before the start
    assert sdr.hours_needed + sdr.hours_before_plan == Decimal("0.25") * 1340
    assert ae.hours_needed + ae.hours_before_plan == Decimal("1.5") * 67 + 4 * 20
    assert sdr.hours_before_plan == Decimal("0.25") * 929


def test_it_compares_hours_needed_with_headcount_times_hours(small_plan) -> None:
    plan = small_plan(wins=20, demo_hours="2", headcount=1)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # 40 demos × 2 h, against 1 AE × 35 h × 4 weeks
    assert ae.hours_needed == 80
    assert ae.hours_available == 140
    assert ae.utilisation == Decimal(80) / 140
    assert [w.hours_needed for w in ae.weeks] == [20, 20, 20, 20]
    assert ae.weeks_over_capacity == []
    assert ae.headcount_needed == 1


def test_it_counts_hours_dated_before_the_start_apart(small_plan) -> None:
    plan = small_plan(wins=20, days=7)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # demos come a week before their wins: the first week's 10 demos fall in 2026-W53
    assert ae.hours_before_plan == 2 * 10
    assert ae.hours_needed == 2 * 30


def test_it_prorates_the_hours_available_in_a_partial_week(small_plan) -> None:
    plan = small_plan(start=dt.date(2027, 1, 6))  # a Wednesday: 3 working days in week 1
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    assert [w.hours_available for w in ae.weeks] == [21, 35, 35, 35]


def test_it_lists_the_weeks_over_100_percent_and_the_headcount_they_need(small_plan) -> None:
    plan = small_plan(wins=20, weights=[1, 0, 0, 3])
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # demos per week 10, 0, 0, 30 → 20 h, 0, 0, 60 h for one AE with 35 h
    assert ae.weeks_over_capacity == [IsoWeek(2027, 4)]
    assert ae.peak_utilisation == Decimal(60) / 35
    assert ae.utilisation is not None and ae.utilisation < 1
    assert ae.headcount_needed == 2


def test_it_sizes_the_team_for_an_overloaded_role(small_plan) -> None:
    plan = small_plan(wins=20, demo_hours="10", headcount=2)
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    # 100 h a week for people of 35 h: 3 people
    assert ae.utilisation == Decimal(400) / 280
    assert len(ae.weeks_over_capacity) == 4
    assert ae.headcount_needed == 3


def test_it_reports_a_role_with_effort_but_nobody_in_the_team(small_plan) -> None:
    plan = small_plan(wins=20, team=())
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    assert (ae.role, ae.headcount, ae.hours_available) == ("ae", 0, 0)
    assert ae.hours_needed == 80
    assert ae.utilisation is None
    assert ae.headcount_needed == 1


def test_it_gives_a_role_without_effort_no_load(small_plan) -> None:
    plan = small_plan(team=(model.TeamRole(Role.AE, 1, Decimal(35)), model.TeamRole(Role.SDR, 2, Decimal(35))))
    roles = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    sdr = _role(roles, "sdr")
    assert sdr.hours_needed == 0
    assert sdr.hours_available == 2 * 35 * 4
    assert sdr.headcount_needed == 0


# --- start dates and ramp-ups -------------------------------------------------------------------


def test_it_counts_a_hire_from_week_6_at_50_then_75_percent() -> None:
    """Q1 2027 (Friday 1 January to Wednesday 31 March, French holidays: 1 January and Easter Monday
    29 March), two AEs in place at 35 h, a third hired on Monday 8 February (ISO week 6) at 50 % in
    his first month and 75 % in his second. Weekly hours, counted by hand day by day:
    - in place: 7 h a business day each, so 2 × 7 × business days;
    - the hire: nothing before 8 February; 3.5 h a day until 7 March; 5.25 h a day from 8 March."""
    plan = model.Plan(
        name="Q1",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
        steps=(model.FunnelStep(Stage.DEMO, Decimal("0.5")), model.FunnelStep(Stage.WON)),
        objectives=(model.Objective("wins", Metric.WINS, Decimal(10), dt.date(2027, 3, 31)),),
        team=(
            model.TeamRole(Role.AE, 2, Decimal(35)),
            model.TeamRole(Role.AE, 1, Decimal(35), dt.date(2027, 2, 8), (Decimal("0.5"), Decimal("0.75"))),
        ),
        effort=(model.Effort(Stage.DEMO, Role.AE, Decimal(1)),),
    )
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))
    hours = {w.week.week: w.hours_available for w in ae.weeks}

    in_place = Decimal(14)  # two people, 7 h a day
    assert hours[53] == 0  # Friday 1 January is a holiday: the plan's first week has no working day
    assert hours[1] == hours[5] == 5 * in_place  # before the hire
    assert hours[6] == hours[9] == 5 * (in_place + Decimal("3.5"))  # first month: 8 February – 7 March
    assert hours[10] == 5 * (in_place + Decimal("5.25"))  # second month from Monday 8 March
    assert hours[13] == 2 * (in_place + Decimal("5.25"))  # Easter Monday off, plan ends on Wednesday
    assert ae.headcount == 3
    assert ae.hours_available == 62 * in_place + 20 * Decimal("3.5") + 17 * Decimal("5.25")  # 62 business days


def test_it_gives_a_hire_full_hours_after_the_ramp_up() -> None:
    member = model.TeamRole(Role.SDR, 2, Decimal(35), dt.date(2027, 1, 15), (Decimal("0.5"),))

    assert daily_hours(member, dt.date(2027, 1, 14)) == 0
    assert daily_hours(member, dt.date(2027, 1, 15)) == 7  # two people at half of 7 h
    assert daily_hours(member, dt.date(2027, 2, 14)) == 7
    assert daily_hours(member, dt.date(2027, 2, 15)) == 14


def test_it_checks_work_before_the_start_against_the_people_already_there(small_plan) -> None:
    # demos come a week before their wins: 10 demos × 10 h dated in 2026-W53 (28 December – 1 January,
    # 1 January a holiday), where the one AE already there gives 4 × 7 h
    plan = small_plan(wins=20, days=7, demo_hours="10")
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    (week,) = ae.before
    assert week.week == IsoWeek(2026, 53)
    assert (week.hours_needed, week.hours_available) == (100, 28)
    assert ae.weeks_before_over == [IsoWeek(2026, 53)] and ae.hours_before_unassigned == 0


def test_it_reports_work_before_the_start_nobody_is_there_to_do(small_plan) -> None:
    # the only AE joins on the plan's first day: the demos dated the week before have nobody
    plan = small_plan(wins=20, days=7, team=(model.TeamRole(Role.AE, 1, Decimal(35), dt.date(2027, 1, 4)),))
    (ae,) = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))

    assert ae.hours_before_plan == 20 and ae.hours_before_unassigned == 20
    assert ae.weeks_before_over == []
