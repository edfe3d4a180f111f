"""Corrective levers: for the wins still missing (``outlook``), what would close the gap, in figures —
more volume at a stage in time for it to close, a higher conversion, a bigger average deal, a shorter
cycle, or hires — each checked against the team's free hours and given concrete proposed actions.

Every lever carries its ``Change``: applied to ``outlook.outlook`` it closes the gap (whole units
rounded up). A lever that cannot close it at all (too late for the lead time, a rate above 100 %…)
has no change and says why; one that would close it without the hours to do it is infeasible and
names the binding role and week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

from pac.engine.capacity import DEFAULT_HOURS_PER_WEEK, RoleCapacity, capacity, members_of
from pac.engine.corrections.actions import NAMES, proposed_action, stage_text
from pac.engine.corrections.load import Binding, Cell, Work, binding, free_hours, freest_role, hours_asked
from pac.engine.formatting import Formatter
from pac.engine.funnel import FunnelInputError, ceil_div, funnel_gaps, reverse_funnel
from pac.engine.labels import ROLE_LABELS, Translate, gettext_noop
from pac.engine.model import Action, Plan, Role, Stage, TeamRole
from pac.engine.outlook import (
    Change,
    Gap,
    Outlook,
    days_to_won,
    expected_arrivals,
    funnel_stages,
    outlook,
    rates,
)
from pac.engine.schedule import weekly_schedule
from pac.engine.wording import render
from pac.engine.workdays import IsoWeek, weeks_between

#: Hires tried at most for one role.
MAX_HIRES = 20
#: A raised rate is given to a tenth of a point, rounded up.
RATE_STEP = Decimal("0.001")

TEMPLATES: dict[str, str] = {
    "volume": gettext_noop(
        "Add {volume} {stage} in the next {weeks} weeks (by {deadline}), given the {lead_time}-day lead time to a win."
    ),
    "conversion": gettext_noop("Raise the {stage} → {next_stage} rate from {from_rate} to {to_rate}."),
    "deal_size": gettext_noop("Raise the average deal from {from_deal} to {to_deal}."),
    "cycle": gettext_noop("Shorten the sales cycle by {days} days (from {from_days} to {to_days} days)."),
    "headcount": gettext_noop(
        "Hire {count} more {role} from week {week_number} ({week}), with the plan's ramp-up, to add {volume} "
        "{stage} by {deadline}."
    ),
}

REASONS: dict[str, str] = {
    "too_late": gettext_noop(
        "Too late: {stage} added from today take {lead_time} days to win, and the plan ends in {days_left} days."
    ),
    "capacity": gettext_noop(
        "Not enough hours: role {role} would need {needed} hours in week {week}, {free} are free."
    ),
    # xgettext:no-python-format
    "rate_above_100": gettext_noop(
        "Raising the {stage} → {next_stage} rate cannot close the gap: it would take {needed_rate}, above 100 %."
    ),
    "no_pipeline": gettext_noop("Nothing in the pipeline or the pace wins in time for this lever to build on."),
    "cycle_not_enough": gettext_noop("Even with no cycle at all, the pipeline and the pace would not close the gap."),
}

_MONEY = frozenset({"from_deal", "to_deal", "amount"})


@dataclass(frozen=True)
class Lever:
    """One way to close the gap. ``change``: what it changes in the funnel (None when it cannot close
    the gap; ``reason`` says why); ``feasible``: the team has the hours (else ``binding`` says where it
    breaks); ``hours``: what it asks per role and week; ``actions``: proposed actions; ``hire``: the
    team entry a headcount lever adds."""

    code: str
    params: Mapping[str, object]
    change: Change | None
    feasible: bool
    reason: str | None = None
    reason_params: Mapping[str, object] = field(default_factory=dict)
    binding: Binding | None = None
    hours: Mapping[Cell, Decimal] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    hire: TeamRole | None = None

    def message(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str:
        """What the lever does, in figures; for a lever that cannot close the gap, why."""
        if self.change is None:
            return self.why_not(formatter, translate) or ""
        return render(TEMPLATES[self.code], self.params, formatter or Formatter("en"), translate, _MONEY)

    def why_not(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str | None:
        if self.reason is None:
            return None
        return render(REASONS[self.reason], self.reason_params, formatter or Formatter("en"), translate, _MONEY)


@dataclass(frozen=True)
class _Context:
    plan: Plan
    gap: Gap
    today: dt.date
    base: Outlook
    free: dict[Cell, Decimal]
    hire_from: dt.date
    name: Callable[..., str]


def _checked(ctx: _Context, code: str, params: dict[str, object], change: Change, works: list[Work]) -> Lever:
    asked = hours_asked(ctx.plan, works)
    bound = binding(ctx.plan, asked, ctx.free)
    return Lever(
        code, params, change, bound is None, None if bound is None else "capacity", _bound(bound), bound, asked
    )


def _bound(bound: Binding | None) -> dict[str, object]:
    if bound is None:
        return {}
    return {"role": bound.role, "week": bound.week.label, "needed": bound.needed, "free": bound.free}


def _volumes(plan: Plan, stage: Stage, wins: int) -> dict[Stage, int]:
    """The reverse funnel of ``wins`` from ``stage`` down: the volume each stage must add."""
    volumes = {Stage.WON: wins}
    below = wins
    for s, rate in reversed(list(rates(plan).items())):
        if s.order < stage.order:
            break
        below = ceil_div(Decimal(below), rate)
        volumes[s] = below
    return volumes


def _volume_works(plan: Plan, stage: Stage, volumes: dict[Stage, int], first: dt.date, last: dt.date) -> list[Work]:
    """Each stage's added volume, dated later than ``stage``'s by the difference of lead times."""
    lead = days_to_won(plan)
    return [
        Work(s, v, first + dt.timedelta(days=lead[stage] - lead[s]), last + dt.timedelta(days=lead[stage] - lead[s]))
        for s, v in volumes.items()
    ]


def _weeks(first: dt.date, last: dt.date) -> int:
    return ceil_div(Decimal((last - first).days + 1), Decimal(7))


def _effort(plan: Plan, role: Role | None, stage: Stage) -> Decimal:
    return sum((e.hours for e in plan.effort if e.role is role and e.stage is stage), Decimal(0))


def volume_lever(ctx: _Context, stage: Stage) -> Lever:
    """Add the volume at ``stage`` whose wins cover the missing ones, before the last day it can still
    close (the plan's end minus the stage's lead time)."""
    plan, lead = ctx.plan, days_to_won(ctx.plan)[stage]
    volumes = _volumes(plan, stage, ceil_div(ctx.base.short, Decimal(1)))
    deadline = plan.end - dt.timedelta(days=lead)
    params: dict[str, object] = {"stage": stage, "volume": volumes[stage], "lead_time": lead, "deadline": deadline}
    if deadline < ctx.today:
        reason = {"stage": stage, "lead_time": lead, "days_left": (plan.end - ctx.today).days}
        return Lever("volume", params, None, False, "too_late", reason)
    params["weeks"] = _weeks(ctx.today, deadline)
    works = _volume_works(plan, stage, volumes, ctx.today, deadline)
    lever = _checked(ctx, "volume", params, Change(extra={stage: volumes[stage]}), works)
    role = freest_role(plan, stage, ctx.free, {week for (_, week) in lever.hours})
    name = ctx.name("volume", volume=volumes[stage], stage=stage)
    hours = _effort(plan, role, stage) * volumes[stage]
    action = proposed_action(plan, "volume", stage, ctx.today, deadline, name, role, volumes[stage], hours)
    return replace(lever, actions=(action,))


def _arrivals_added(ctx: _Context, change: Change, stages: list[Stage]) -> list[Work]:
    """What ``change`` adds at each of ``stages`` by the plan's end, spread from today to the end."""
    works = []
    for s in stages:
        added = expected_arrivals(ctx.plan, ctx.gap, ctx.today, change, s) - expected_arrivals(
            ctx.plan, ctx.gap, ctx.today, Change(), s
        )
        if added > 0:
            works.append(Work(s, ceil_div(added, Decimal(1)), ctx.today, ctx.plan.end))
    return works


def _owner_role(ctx: _Context, stage: Stage) -> Role | None:
    """Who works the deals at ``stage``: the freest role with effort on it, else the AEs if any."""
    role = freest_role(ctx.plan, stage, ctx.free, set(weeks_between(ctx.today, ctx.plan.end)))
    return role or (Role.AE if members_of(ctx.plan, Role.AE) else None)


def conversion_lever(ctx: _Context, stage: Stage) -> Lever:
    """Raise ``stage``'s rate to the next stage until the expected wins cover the need. The expected
    wins are linear in one rate, so two evaluations give the rate needed (rounded up to 0.1 point)."""
    plan, today, gap = ctx.plan, ctx.today, ctx.gap
    current = rates(plan)[stage]
    below = [s for s in [*funnel_stages(plan), Stage.WON] if s.order > stage.order]
    params: dict[str, object] = {"stage": stage, "next_stage": below[0], "from_rate": current}
    at_zero = outlook(plan, gap, today, Change(rates={stage: Decimal(0)})).wins_expected
    at_one = outlook(plan, gap, today, Change(rates={stage: Decimal(1)})).wins_expected
    if at_one <= at_zero:
        return Lever("conversion", params, None, False, "no_pipeline")
    needed = ((ctx.base.wins_needed - at_zero) / (at_one - at_zero)).quantize(RATE_STEP, rounding=ROUND_CEILING)
    if needed > 1:
        return Lever("conversion", params, None, False, "rate_above_100", {**params, "needed_rate": needed})
    params["to_rate"] = needed
    change = Change(rates={stage: needed})
    lever = _checked(ctx, "conversion", params, change, _arrivals_added(ctx, change, below))
    name = ctx.name("conversion", stage=stage, to_rate=needed)
    action = proposed_action(plan, "conversion", stage, today, plan.end, name, _owner_role(ctx, stage))
    return replace(lever, actions=(replace(action, kpi="conversion"),))


def deal_size_lever(ctx: _Context) -> Lever | None:
    """Raise the average deal so the expected wins bring the revenue left (revenue plans only)."""
    base, plan = ctx.base, ctx.plan
    if base.revenue_needed is None or base.average_deal is None:
        return None
    params: dict[str, object] = {"from_deal": base.average_deal}
    if not base.wins_expected:
        return Lever("deal_size", params, None, False, "no_pipeline")
    target = Decimal(ceil_div(base.revenue_needed, base.wins_expected))
    params["to_deal"] = target
    last = funnel_stages(plan)[-1]
    name = ctx.name("deal_size", amount=target)
    action = proposed_action(plan, "deal-size", last, ctx.today, plan.end, name, _owner_role(ctx, last))
    action = replace(action, kpi="average_deal")
    return Lever("deal_size", params, Change(average_deal=target), True, actions=(action,))


def cycle_lever(ctx: _Context) -> Lever:
    """Cut the fewest days from every stage's lead time so that enough of the pipeline closes in time
    (the expected wins only grow as the cut grows: a binary search)."""
    plan, gap, today = ctx.plan, ctx.gap, ctx.today
    lead = days_to_won(plan)
    longest = max(lead.values())
    params: dict[str, object] = {"from_days": longest}
    if longest == 0 or not outlook(plan, gap, today, Change(cycle_cut=longest)).closed:
        return Lever("cycle", params, None, False, "cycle_not_enough")
    low, high = 1, longest
    while low < high:
        middle = (low + high) // 2
        if outlook(plan, gap, today, Change(cycle_cut=middle)).closed:
            high = middle
        else:
            low = middle + 1
    params.update(days=low, to_days=longest - low)
    change = Change(cycle_cut=low)
    lever = _checked(ctx, "cycle", params, change, _arrivals_added(ctx, change, [*funnel_stages(plan), Stage.WON]))
    last = funnel_stages(plan)[-1]
    name = ctx.name("cycle", days=low)
    action = replace(
        proposed_action(plan, "cycle", last, today, plan.end, name, _owner_role(ctx, last)), kpi="sales_cycle"
    )
    return replace(lever, actions=(action,))


def _hire(plan: Plan, role: Role, count: int, start: dt.date) -> TeamRole:
    """``count`` people of ``role`` from ``start``, with the role's ramp-up in the plan (else any
    team entry's, else none) and its working week."""
    ramped = [m for m in plan.team if m.ramp_up]
    ramp_up = next((m.ramp_up for m in reversed(ramped) if m.role is role), ramped[-1].ramp_up if ramped else ())
    week = max((m.hours_per_week for m in members_of(plan, role)), default=DEFAULT_HOURS_PER_WEEK)
    return TeamRole(role, count, week, start, ramp_up)


def headcount_lever(ctx: _Context, volume: Lever) -> Lever | None:
    """For a volume lever short of hours in a role: the fewest hires of that role, from the hire date
    (the next Monday by default), that let the volume be produced from then to its deadline."""
    plan = ctx.plan
    if volume.binding is None or volume.change is None:
        return None
    stage, role = next(iter(volume.change.extra)), volume.binding.role
    deadline = volume.params["deadline"]
    assert isinstance(deadline, dt.date)
    start = max(ctx.today, ctx.hire_from)
    if start > deadline:
        return None
    volumes = _volumes(plan, stage, ceil_div(ctx.base.short, Decimal(1)))
    asked = hours_asked(plan, _volume_works(plan, stage, volumes, start, deadline))
    weeks = weeks_between(plan.start, plan.end)
    params: dict[str, object] = {
        "role": role,
        "stage": stage,
        "volume": volumes[stage],
        "deadline": deadline,
        "week": IsoWeek.of(start).label,
        "week_number": weeks.index(IsoWeek.of(start)) + 1 if IsoWeek.of(start) in weeks else 0,
    }
    for count in range(1, MAX_HIRES + 1):
        hire = _hire(plan, role, count, start)
        bound = binding(plan, asked, ctx.free, hire)
        if bound is None or bound.role is not role or count == MAX_HIRES:
            break
    params["count"] = count
    name = ctx.name("headcount", volume=volumes[stage], stage=stage, count=count, role=role)
    hours = _effort(plan, role, stage) * volumes[stage]
    action = proposed_action(plan, "headcount", stage, start, deadline, name, role, volumes[stage], hours)
    return Lever(
        "headcount",
        params,
        volume.change,
        bound is None,
        None if bound is None else "capacity",
        _bound(bound),
        bound,
        asked,
        (action,),
        hire,
    )


def _next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


def levers(
    plan: Plan,
    gap: Gap,
    today: dt.date,
    *,
    roles: Sequence[RoleCapacity] | None = None,
    hire_from: dt.date | None = None,
    formatter: Formatter | None = None,
    translate: Translate = lambda s: s,
) -> list[Lever]:
    """Every lever that would close the gap on ``today`` (none when the pipeline and the pace are
    enough, or the plan has no funnel): volume at each stage, each stage's conversion, the average
    deal, the cycle, and hires where a volume lever lacks hours. ``roles``: the team's capacity (the
    plan's own by default); ``formatter``/``translate`` word the proposed actions' names."""
    if funnel_gaps(plan):
        return []
    base = outlook(plan, gap, today)
    if base.closed:
        return []
    if roles is None:
        try:
            roles = capacity(plan, weekly_schedule(plan, reverse_funnel(plan)))
        except FunnelInputError:  # no business day in the plan: nobody has free hours
            roles = []
    fmt = formatter or Formatter("en", plan.currency)

    def name(code: str, **params: object) -> str:
        shown = {k: translate(ROLE_LABELS[v]) if isinstance(v, Role) else v for k, v in params.items()}
        shown = {k: stage_text(v, translate) if isinstance(v, Stage) else v for k, v in shown.items()}
        return render(NAMES[code], {k: v for k, v in shown.items()}, fmt, translate, _MONEY)

    ctx = _Context(plan, gap, today, base, free_hours(roles), hire_from or _next_monday(today), name)
    stages = funnel_stages(plan)
    volume = [volume_lever(ctx, s) for s in stages]
    found = [*volume, *(conversion_lever(ctx, s) for s in stages)]
    size = deal_size_lever(ctx)
    found += [size] if size else []
    found.append(cycle_lever(ctx))
    found += [h for h in (headcount_lever(ctx, v) for v in volume) if h is not None]
    return found
