"""The capacity-constrained selection of actions (`select_actions`: MILP solved by HiGHS)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import resource
from decimal import Decimal

from measure import funnel_steps, measure

from pac.engine.model import (
    Action,
    ActionType,
    Effort,
    ExpectedOutcome,
    Metric,
    Objective,
    Plan,
    Role,
    Stage,
    TeamRole,
)
from pac.engine.priorities import ConstraintKind, rankings, select_actions

TARGET_SECONDS = 2.0
#: HiGHS does not prove optimality of a 5 000-variable, 40-constraint multi-dimensional knapsack within
#: the target: the solve is cut at this limit and the relative gap to its bound is reported.
TIME_LIMIT = 1.0
START = dt.date(2027, 1, 4)  # Monday of ISO week 2027-W01: 13 full weeks
END = dt.date(2027, 4, 4)
ROLES = (Role.SDR, Role.AE, Role.CSM)
STAGES = (Stage.LEAD, Stage.MQL, Stage.SQL, Stage.DEMO, Stage.PROPOSAL)


def quarter_plan(actions: int, seed: int = 2027) -> Plan:
    """A quarter with ``actions`` random candidates asking several times the team's hours and the
    budget (team and budget scale with the number of candidates)."""
    rng = random.Random(seed)
    headcount = max(1, round(actions / 200))
    candidates = []
    for i in range(actions):
        start = START + dt.timedelta(days=rng.randint(-7, 88))
        budget = Decimal(rng.randint(0, 50) * 100) if rng.random() < 0.7 else Decimal(0)
        candidates.append(
            Action(
                id=f"a{i:05d}",
                type=rng.choice(list(ActionType)),
                name=f"Action {i}",
                start=start,
                end=start + dt.timedelta(days=rng.randint(0, 34)),
                role=rng.choice(ROLES),
                expected=ExpectedOutcome(Decimal(rng.randint(1, 50)), rng.choice(STAGES)),
                budget=budget,
                hours=Decimal(rng.randint(2, 80)),
            )
        )
    return Plan(
        name="bench",
        start=START,
        end=END,
        budget=Decimal(500 * actions),
        objectives=(Objective("nb", Metric.REVENUE, Decimal(3_000_000), END),),
        average_deal=Decimal(25_000),
        steps=funnel_steps(),
        team=tuple(TeamRole(role, headcount, Decimal(35)) for role in ROLES),
        effort=(
            Effort(Stage.LEAD, Role.SDR, Decimal("0.25")),
            Effort(Stage.DEMO, Role.AE, Decimal("1.5")),
            Effort(Stage.PROPOSAL, Role.AE, Decimal(4)),
        ),
        actions=tuple(candidates),
    )


def _rss_of_one_selection(actions: int) -> tuple[float, float]:
    """In a fresh process: max RSS (MiB) once the plan is built, then after one selection."""
    plan = quarter_plan(actions)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    select_actions(plan, time_limit=TIME_LIMIT)
    return before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> str:
    plan = quarter_plan(5000)
    last = {}

    def select() -> None:
        last["selection"] = select_actions(plan, time_limit=TIME_LIMIT)

    seconds, peak = measure(select, 5)
    selection = last["selection"]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        rss_before, rss_after = pool.apply(_rss_of_one_selection, (5000,))
    hours_asked = float(sum(a.hours for a in plan.actions)) / sum(
        c.capacity for c in selection.constraints if c.constraint.kind is ConstraintKind.HOURS
    )
    budget_asked = float(sum(a.budget for a in plan.actions) / (plan.budget or 1))
    gap = (
        "proven optimal" if selection.optimal else (f"{selection.gap:.3%}" if selection.gap is not None else "unknown")
    )
    verdict = "ok" if seconds <= TARGET_SECONDS else "OVER TARGET"
    rows = [
        f"| selection, 5 000 actions, 3 roles × 13 weeks + budget | {seconds * 1000:.0f} ms | {peak:.1f} MiB "
        f"(process RSS {rss_before:.0f} → {rss_after:.0f} MiB) | {len(selection.selected)} selected, gap {gap} "
        f"| {verdict} |"
    ]
    print(rows[-1])
    rank_seconds, rank_peak = measure(lambda: rankings(plan), 5)
    rows.append(
        f"| rankings of the same 5 000 actions | {rank_seconds * 1000:.0f} ms | {rank_peak:.1f} MiB | — | "
        f"{'ok' if rank_seconds <= TARGET_SECONDS else 'OVER TARGET'} |"
    )
    print(rows[-1])
    small = quarter_plan(200, seed=7)
    small_seconds, small_peak = measure(lambda: last.update(small=select_actions(small)), 5)
    small_gap = "proven optimal" if last["small"].optimal else f"gap {last['small'].gap}"
    rows.append(
        f"| selection, 200 actions, default settings | {small_seconds * 1000:.0f} ms | "
        f"{small_peak:.1f} MiB | {small_gap} | {'ok' if small_seconds <= TARGET_SECONDS else 'OVER TARGET'} |"
    )
    print(rows[-1])
    return (
        "## Priorities (`select_actions`: capacity-constrained selection, SciPy `milp` / HiGHS)\n\n"
        f"Target: ≤ {TARGET_SECONDS:.0f} s for 5 000 random candidate actions under 3 roles' weekly hours over a "
        f"13-week quarter (39 constraints) and a budget; the candidates ask {hours_asked:.1f} times the "
        f"team's hours and {budget_asked:.1f} times the budget. "
        f"HiGHS cannot prove the optimum of a problem this size within the target (a 40-dimensional "
        f"knapsack; its upper bound closes slowly: gap ≈ 0.14 % after 10 s, ≈ 0.10 % after 60 s): the "
        f"solve runs with `time_limit={TIME_LIMIT}` s, its incumbent is completed greedily, and the relative "
        "gap between the selection and HiGHS's upper bound is reported. Plans of a few hundred actions are "
        "solved to proven optimality (last row). Peak memory is Python's (tracemalloc); HiGHS allocates "
        "outside it, so the RSS of a fresh process is also given, before and after one selection.\n\n"
        "| case | median time | peak memory | result | target |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
