"""Selection: the most valuable set of actions the team can carry with its hours and the budget.

A 0/1 choice ``x_a`` per action, solved exactly by ``scipy.optimize.milp`` (HiGHS, relative MIP gap
0 by default; ``time_limit`` — 10 s by default — only guards against huge plans: past it, or with a
``mip_rel_gap`` > 0, the result says ``optimal=False`` and gives its ``gap`` to the solver's upper
bound, after completing the solver's best selection greedily): maximise ``Σ value_a × x_a`` subject to

- **budget** (when ``plan.budget`` is set): ``Σ budget_a × x_a ≤ plan.budget``;
- **hours of role r in ISO week w**, for each role of the team and each week of the plan:
  ``Σ hours_a,w × x_a ≤ available_r,w`` over the actions of role r, where ``hours_a,w`` is the share
  of the action's hours falling in week w — hours are spread evenly over the business days of the
  action's span (over its calendar days when the span has none), and only the days inside the plan
  count: an action running past the plan is constrained only in the weeks it overlaps (``capacity``).
  ``available_r,w = max(0, hours the team's role r gives in w − funnel load)``: the team's hours come
  from ``capacity`` (business days inside the plan, start dates and ramp-ups included), the funnel
  load is the role's hours that week from ``capacity.capacity`` (the reverse funnel's own work: effort
  × scheduled volumes), when the plan's funnel can be computed.
  Actions come on top of the funnel's work, so they get what the funnel leaves.

Who takes part: an action with hours for a role the team lacks (or with hours and no role) cannot be
selected; neither can an action without a value estimate, or worth 0. Cancelled actions are out.
Manager **decisions** force ``x_a``: excluded actions are left out, included ones are selected
whatever they cost. Included actions are fixed first; the optional ones share what they leave. When
the included actions alone overflow a constraint, the selection still succeeds and reports a
``Violation`` (which constraint, by how much, because of which actions) — it is never solved away.

Every left-out action says **why** (``Reason``): ``excluded_by_decision``, ``cancelled``,
``no_such_role``, ``no_value_estimate``, ``zero_value``; ``does_not_fit`` when it overflows a
constraint even alone (given what included actions use); ``lower_value`` when it fits alone but not
with the selected set — the constraints it would overflow given the selection's slack are listed, and
by optimality the selected actions it competes with are worth more; ``solver_limit`` if it would fit
but the solver stopped (time limit) before proving optimality (after a greedy completion this should
not happen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]
from scipy.sparse import csr_array  # type: ignore[import-untyped]

from pac.engine.capacity import action_hours, available_hours, capacity
from pac.engine.funnel import FunnelInputError, funnel_gaps, reverse_funnel
from pac.engine.labels import gettext_noop
from pac.engine.model import Action, ActionStatus, Plan, Role
from pac.engine.priorities.scoring import estimate_action
from pac.engine.schedule import weekly_schedule
from pac.engine.workdays import IsoWeek, weeks_between

#: Default solver time limit (seconds): plans of a few hundred actions solve exactly well within it.
DEFAULT_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Decision:
    """A manager's override (*arbitrage*): keep or drop an action, by whom, why, when. The web app
    stores them; the selection takes the latest per action."""

    action: str
    include: bool
    who: str = ""
    why: str = ""
    when: dt.datetime | None = None


class ConstraintKind(StrEnum):
    BUDGET = "budget"
    HOURS = "hours"


@dataclass(frozen=True)
class Constraint:
    kind: ConstraintKind
    role: Role | None = None
    week: IsoWeek | None = None

    @property
    def key(self) -> str:
        """Stable id: ``budget`` or ``hours:ae:2027-W05``."""
        if self.kind is ConstraintKind.BUDGET:
            return "budget"
        assert self.role is not None and self.week is not None
        return f"hours:{self.role.value}:{self.week.label}"

    def label(self, translate: Callable[[str], str] = lambda s: s) -> str:
        if self.kind is ConstraintKind.BUDGET:
            return translate(CONSTRAINT_LABELS["budget"])
        assert self.role is not None and self.week is not None
        return translate(CONSTRAINT_LABELS["hours"]).format(role=self.role.value.upper(), week=self.week.label)


CONSTRAINT_LABELS = {
    "budget": gettext_noop("budget"),
    "hours": gettext_noop("hours of role {role} in week {week}"),
}


@dataclass(frozen=True)
class ConstraintUsage:
    constraint: Constraint
    capacity: float  # the budget, or headcount × hours per week × share of the week in the plan
    funnel_load: float  # hours the funnel's own work takes (0 for the budget)
    available: float  # capacity − funnel load, at least 0
    used: float  # by the selected actions, included ones too

    @property
    def slack(self) -> float:
        """What is left (negative: overflowed by included actions)."""
        return self.available - self.used

    @property
    def binding(self) -> bool:
        """Nothing left of something asked for: a week nobody works in (capacity 0, nothing asked) is
        not a limit, it is just empty."""
        asked = self.used > 0 or self.funnel_load > 0
        return asked and self.slack <= _tolerance(self.available)


class Reason(StrEnum):
    EXCLUDED_BY_DECISION = "excluded_by_decision"
    CANCELLED = "cancelled"
    NO_SUCH_ROLE = "no_such_role"
    NO_VALUE_ESTIMATE = "no_value_estimate"
    ZERO_VALUE = "zero_value"
    DOES_NOT_FIT = "does_not_fit"
    LOWER_VALUE = "lower_value"
    SOLVER_LIMIT = "solver_limit"


@dataclass(frozen=True)
class Binding:
    """A constraint a left-out action would overflow: it needs ``needed``, only ``available`` is left."""

    constraint: Constraint
    needed: float
    available: float


@dataclass(frozen=True)
class LeftOut:
    action: str
    reason: Reason
    value: Decimal | None
    bindings: tuple[Binding, ...] = ()
    decision: Decision | None = None
    role: Role | None = None  # for no_such_role
    hours: Decimal = Decimal(0)


class ViolationCode(StrEnum):
    OVER_CAPACITY = "over_capacity"
    NO_SUCH_ROLE = "no_such_role"


@dataclass(frozen=True)
class Violation:
    """A constraint broken by actions included by decision (they stay selected)."""

    code: ViolationCode
    actions: tuple[str, ...]
    constraint: Constraint | None = None
    used: float = 0.0
    available: float = 0.0
    role: Role | None = None  # no_such_role
    hours: Decimal = Decimal(0)  # no_such_role: hours counted nowhere


@dataclass(frozen=True)
class Selection:
    selected: tuple[str, ...]  # in plan order
    left_out: tuple[LeftOut, ...]  # in plan order
    values: Mapping[str, Decimal | None]  # expected value of every action
    total_value: Decimal
    budget_used: Decimal
    budget_available: Decimal | None
    constraints: tuple[ConstraintUsage, ...]
    violations: tuple[Violation, ...]
    decisions: tuple[Decision, ...]  # the ones applied: the latest per known action
    unknown_decisions: tuple[str, ...]  # ids of decisions about actions the plan does not have
    optimal: bool
    gap: float | None  # (solver's upper bound − total) / total; 0 when proven optimal, None if unknown
    funnel_load_subtracted: bool

    def left_out_reason(self, action_id: str) -> LeftOut | None:
        return next((lo for lo in self.left_out if lo.action == action_id), None)

    @property
    def binding_constraints(self) -> tuple[ConstraintUsage, ...]:
        return tuple(c for c in self.constraints if c.binding and c.used > 0)


def _tolerance(available: float) -> float:
    return 1e-6 * max(1.0, abs(available))


def funnel_load(plan: Plan) -> dict[tuple[str, IsoWeek], Decimal] | None:
    """Hours of each role's funnel work per plan week (``capacity.capacity``), or None when the plan's
    reverse funnel cannot be computed."""
    if funnel_gaps(plan):
        return None
    try:
        schedule = weekly_schedule(plan, reverse_funnel(plan))
    except FunnelInputError:
        return None
    return {(rc.role, load.week): load.hours_needed for rc in capacity(plan, schedule) for load in rc.weeks}


def _latest(decisions: Mapping[str, bool] | Iterable[Decision]) -> list[Decision]:
    if isinstance(decisions, Mapping):
        return [Decision(action, bool(include)) for action, include in decisions.items()]
    latest: dict[str, Decision] = {}
    for d in decisions:  # the latest ``when`` wins; among equals, the later in the sequence
        kept = latest.get(d.action)
        if kept is None or kept.when is None or (d.when is not None and d.when >= kept.when):
            latest[d.action] = d
    return list(latest.values())


@dataclass
class _Model:
    """The constraints of a plan: capacities, and where each action's use of them goes."""

    constraints: list[Constraint]
    capacity: list[float]
    load: list[float]
    budget_row: int | None
    hour_rows: dict[tuple[Role, IsoWeek], int]  # the row of each (role, plan week)

    @property
    def available(self) -> list[float]:
        return [max(0.0, c - load) for c, load in zip(self.capacity, self.load, strict=True)]

    def usage(self, plan: Plan, action: Action) -> dict[int, float]:
        """Row → amount the action takes of it (budget, and hours in each plan week)."""
        use: dict[int, float] = {}
        if self.budget_row is not None and action.budget:
            use[self.budget_row] = float(action.budget)
        if action.role is not None:
            for week, hours in action_hours(plan, action).items():
                row = self.hour_rows.get((action.role, week))
                if row is not None:
                    use[row] = float(hours)
        return use


def _build_model(plan: Plan, subtract_funnel_load: bool) -> tuple[_Model, bool]:
    constraints: list[Constraint] = []
    capacities: list[float] = []
    loads: list[float] = []
    budget_row = None
    if plan.budget is not None:
        budget_row = len(constraints)
        constraints.append(Constraint(ConstraintKind.BUDGET))
        capacities.append(float(plan.budget))
        loads.append(0.0)
    load = funnel_load(plan) if subtract_funnel_load else None
    hour_rows: dict[tuple[Role, IsoWeek], int] = {}
    for role in dict.fromkeys(member.role for member in plan.team):
        for week in weeks_between(plan.start, plan.end):
            hour_rows[(role, week)] = len(constraints)
            constraints.append(Constraint(ConstraintKind.HOURS, role, week))
            capacities.append(float(available_hours(plan, role, week)))
            loads.append(float(load.get((role.value, week), 0)) if load else 0.0)
    return _Model(constraints, capacities, loads, budget_row, hour_rows), load is not None


def _solve(
    values: list[float],
    usage: list[dict[int, float]],
    room: list[float],
    *,
    mip_rel_gap: float,
    time_limit: float | None,
) -> tuple[list[bool], bool, float | None]:
    """Choose among free candidates; returns the choice, whether the solver finished (rather than
    stopping at its time limit), and its upper bound on the candidates' total value (None if unknown)."""
    n = len(values)
    rows, cols, data = [], [], []
    for col, use in enumerate(usage):
        for row, amount in use.items():
            rows.append(row)
            cols.append(col)
            data.append(amount)
    matrix = csr_array((data, (rows, cols)), shape=(len(room), n))
    options: dict[str, float] = {"mip_rel_gap": mip_rel_gap}
    if time_limit is not None:
        options["time_limit"] = time_limit
    result = milp(
        c=-np.asarray(values, dtype=np.float64),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, np.asarray(room, dtype=np.float64)),
        options=options,
    )
    if result.status not in (0, 1):  # 0 optimal, 1 a limit was reached; 0 is always feasible here
        raise RuntimeError(f"the solver failed: {result.message}")
    chosen = [bool(v > 0.5) for v in result.x] if result.x is not None else [False] * n
    bound = result.mip_dual_bound
    return chosen, result.status == 0, (-float(bound) if bound is not None and np.isfinite(bound) else None)


def select_actions(
    plan: Plan,
    *,
    decisions: Mapping[str, bool] | Iterable[Decision] = (),
    subtract_funnel_load: bool = True,
    mip_rel_gap: float = 0.0,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> Selection:
    """The most valuable set of actions the team can carry (see the module docstring)."""
    model, load_subtracted = _build_model(plan, subtract_funnel_load)
    available = model.available
    team_roles = {member.role for member in plan.team}
    known = {a.id for a in plan.actions}
    latest = _latest(decisions)
    applied = [d for d in latest if d.action in known]
    unknown = tuple(sorted({d.action for d in latest} - known))
    forced = {d.action: d for d in applied}

    values: dict[str, Decimal | None] = {}
    usage: dict[str, dict[int, float]] = {}
    left: dict[str, LeftOut] = {}
    included: list[Action] = []
    free: list[Action] = []
    violations: list[Violation] = []
    for a in plan.actions:
        value = values[a.id] = estimate_action(plan, a).value
        usage[a.id] = model.usage(plan, a)
        decision = forced.get(a.id)
        no_role = bool(a.hours) and a.role not in team_roles
        if decision is not None and not decision.include:
            left[a.id] = LeftOut(a.id, Reason.EXCLUDED_BY_DECISION, value, decision=decision)
        elif decision is not None:
            included.append(a)
            if no_role:
                violations.append(Violation(ViolationCode.NO_SUCH_ROLE, (a.id,), role=a.role, hours=a.hours))
        elif a.status is ActionStatus.CANCELLED:
            left[a.id] = LeftOut(a.id, Reason.CANCELLED, value)
        elif no_role:
            left[a.id] = LeftOut(a.id, Reason.NO_SUCH_ROLE, value, role=a.role, hours=a.hours)
        elif value is None:
            left[a.id] = LeftOut(a.id, Reason.NO_VALUE_ESTIMATE, value)
        elif value <= 0:
            left[a.id] = LeftOut(a.id, Reason.ZERO_VALUE, value)
        else:
            free.append(a)

    fixed_use = [0.0] * len(model.constraints)
    for a in included:
        for row, amount in usage[a.id].items():
            fixed_use[row] += amount
    room = [max(0.0, available[i] - fixed_use[i]) for i in range(len(available))]

    def overflows(action_id: str, space: Sequence[float]) -> tuple[Binding, ...]:
        return tuple(
            Binding(model.constraints[row], amount, space[row])
            for row, amount in sorted(usage[action_id].items())
            if amount > space[row] + _tolerance(space[row])
        )

    chosen: set[str] = set()
    candidates: list[Action] = []
    for a in free:
        too_big = overflows(a.id, room)
        if too_big:
            left[a.id] = LeftOut(a.id, Reason.DOES_NOT_FIT, values[a.id], too_big)
        elif not usage[a.id]:
            chosen.add(a.id)  # it uses no constrained resource: always worth taking
        else:
            candidates.append(a)

    optimal, bound = True, None
    if candidates:
        picks, finished, bound = _solve(
            [float(values[a.id] or 0) for a in candidates],
            [usage[a.id] for a in candidates],
            room,
            mip_rel_gap=mip_rel_gap,
            time_limit=time_limit,
        )
        optimal = finished and mip_rel_gap == 0  # with a gap allowed, "finished" is not "optimal"
        chosen |= {a.id for a, pick in zip(candidates, picks, strict=True) if pick}

    used = list(fixed_use)
    for action_id in chosen:
        for row, amount in usage[action_id].items():
            used[row] += amount

    slack = [max(0.0, available[i] - used[i]) for i in range(len(used))]
    if not optimal:  # complete the solver's incumbent greedily: whatever still fits, best first
        for a in sorted((a for a in candidates if a.id not in chosen), key=lambda a: -(values[a.id] or 0)):
            if not overflows(a.id, slack):
                chosen.add(a.id)
                for row, amount in usage[a.id].items():
                    used[row] += amount
                    slack[row] = max(0.0, available[row] - used[row])
    for a in candidates:
        if a.id not in chosen:
            bindings = overflows(a.id, slack)
            left[a.id] = LeftOut(a.id, Reason.LOWER_VALUE if bindings else Reason.SOLVER_LIMIT, values[a.id], bindings)

    for row, amount in enumerate(fixed_use):
        if amount > available[row] + _tolerance(available[row]):
            culprits = tuple(a.id for a in included if row in usage[a.id])
            violations.append(
                Violation(ViolationCode.OVER_CAPACITY, culprits, model.constraints[row], amount, available[row])
            )

    selected_ids = {a.id for a in included} | chosen
    selected = tuple(a.id for a in plan.actions if a.id in selected_ids)
    total = sum((values[i] or Decimal(0) for i in selected), Decimal(0))
    gap: float | None = 0.0
    if not optimal:  # the solver's bound covers the optimised candidates; the rest is fixed
        optimised = {a.id for a in candidates}
        rest = sum((values[i] or Decimal(0) for i in selected if i not in optimised), Decimal(0))
        gap = max(0.0, (bound + float(rest) - float(total)) / float(total)) if bound is not None and total > 0 else None
    by_id = {a.id: a for a in plan.actions}
    return Selection(
        selected=selected,
        left_out=tuple(left[a.id] for a in plan.actions if a.id in left),
        values=values,
        total_value=total,
        budget_used=sum((by_id[i].budget for i in selected), Decimal(0)),
        budget_available=plan.budget,
        constraints=tuple(
            ConstraintUsage(c, model.capacity[i], model.load[i], available[i], used[i])
            for i, c in enumerate(model.constraints)
        ),
        violations=tuple(violations),
        decisions=tuple(applied),
        unknown_decisions=unknown,
        optimal=optimal,
        gap=gap,
        funnel_load_subtracted=load_subtracted,
    )
