"""Hypothesis strategies of whole plan files, shared by the engine's plan-file test (dump → parse is the
identity) and the web app's round trips through the database (import → export, apply twice).

A generated plan is one the plan file accepts, in its normal form (what ``to_plan(parse_plan_file(…))``
gives): every decimal at the precision its column keeps, optional texts absent rather than empty, an
action's accounts sorted. The execution sections refer to each other as a real plan does: an account's
segment, a contact's account, an action's segment, accounts, event, objective and funnel stage all exist,
owners and RACI names come from the team's people. Ids are drawn from small pools, so that two plans drawn
for the same test share objects (applying one onto the other then changes them in place)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from pac.engine import model
from pac.engine.model import Metric, Period, Role, Stage
from pac.engine.sequences import Absence, Anchor, Capacity, ExitRule, PlannedSequence, Sequence, Step

identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,12}", fullmatch=True)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
#: A name as the plan file keeps it: without the spaces around it.
names = texts.map(str.strip).filter(bool)
#: Usernames of the team (an owner, a RACI name): a few, as a team has.
PEOPLE = ("owner", "teammate", "chloé", "jean-marc")
people = st.sampled_from(PEOPLE)
#: RRULEs a ritual or a deadline keeps (daily at most).
RRULES = (
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
    "FREQ=MONTHLY;BYDAY=1TU",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=DAILY",
    "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=31",
)


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False, allow_infinity=False
    )


def _ids(prefix: str, max_size: int) -> st.SearchStrategy[list[str]]:
    """Unique ids from a pool of six (``seg-1``…): two plans drawn apart often share some."""
    return st.lists(st.sampled_from([f"{prefix}-{n}" for n in range(1, 7)]), max_size=max_size, unique=True)


def _optional_text(max_size: int = 30) -> st.SearchStrategy[str | None]:
    return st.none() | texts.map(lambda t: t[:max_size])


@st.composite
def _raci(draw: st.DrawFn) -> model.Raci:
    return model.Raci(
        tuple(draw(st.lists(people, min_size=1, max_size=2, unique=True))),
        draw(people),
        tuple(draw(st.lists(people, max_size=2, unique=True))),
        tuple(draw(st.lists(people, max_size=2, unique=True))),
    )


@st.composite
def _segment(draw: st.DrawFn, id: str) -> model.Segment:
    criteria: dict[str, tuple[str, ...]] = {}
    for key in ("industry", "size", "region", "persona"):  # the order the file reads them in
        values = draw(st.lists(texts, max_size=2))
        if values:
            criteria[key] = tuple(values)
    return model.Segment(
        id,
        draw(names),
        criteria,
        draw(st.just("") | texts),
        tuple(draw(st.lists(texts, max_size=2))),
        draw(st.none() | st.integers(0, 10_000_000)),
        draw(st.none() | decimals("0", "1e13", 2)),
        {s: draw(decimals("0.0001", "1", 4).filter(bool)) for s in draw(st.lists(st.sampled_from(Stage), unique=True))},
        draw(st.none() | st.integers(0, 3650)),
        draw(st.none() | decimals("0", "1e11", 2)),
    )


@st.composite
def _action(
    draw: st.DrawFn,
    id: str,
    start: dt.date,
    end: dt.date,
    segments: list[str],
    accounts: list[str],
    events: list[str],
    objectives: list[str],
    stages: list[Stage],
) -> model.Action:
    first = draw(st.dates(start, end))
    last = first + dt.timedelta(days=draw(st.integers(0, 60)))
    role = draw(st.none() | st.sampled_from(Role))
    expected = None
    if draw(st.booleans()):
        expected = model.ExpectedOutcome(
            draw(decimals("0.01", "1e9", 2).filter(bool)),
            draw(st.none() | st.sampled_from(stages)),
            draw(_optional_text(60)),
            draw(st.none() | st.sampled_from(objectives)) if objectives else None,
        )
    milestones = tuple(
        model.Milestone(draw(names), draw(st.dates(first, last))) for _ in range(draw(st.integers(0, 2)))
    )
    return model.Action(
        id=id,
        type=draw(st.sampled_from(model.ActionType)),
        name=draw(st.just(id) | names),
        start=first,
        end=last,
        owner=draw(st.none() | people),
        role=role,
        channel=draw(st.none() | st.sampled_from(model.Channel)),
        segment=draw(st.none() | st.sampled_from(segments)) if segments else None,
        accounts=tuple(sorted(draw(st.lists(st.sampled_from(accounts), unique=True, max_size=3)))) if accounts else (),
        persona=draw(_optional_text(60)),
        message=draw(st.just("") | texts),
        expected=expected,
        raci=draw(st.none() | _raci()),
        milestones=milestones,
        budget=draw(st.just(Decimal(0)) | decimals("0", "1e11", 2)),
        hours=draw(decimals("0", "100000", 2)) if role is not None else Decimal(0),
        status=draw(st.sampled_from(model.ActionStatus)),
        kpi=draw(_optional_text()),
        value=draw(st.none() | decimals("0", "1e13", 2)),
        event=draw(st.none() | st.sampled_from(events)) if events else None,
    )


@st.composite
def _alerts(draw: st.DrawFn) -> model.AlertThresholds:
    """The defaults, or some thresholds of the plan's own."""
    if draw(st.booleans()):
        return model.AlertThresholds()
    fraction = decimals("0", "1", 3)
    factor = decimals("0.001", "20", 3).filter(bool)
    return model.AlertThresholds(
        pace_behind=draw(fraction),
        coverage_margin=draw(factor),
        min_probability=draw(fraction),
        max_no_show=draw(fraction),
        conversion_drop=draw(fraction),
        stalled_factor=draw(factor),
        slip_days=draw(st.integers(1, 365)),
        min_sample=draw(st.integers(1, 10000)),
        max_load=draw(factor),
        diagnostics=draw(st.sampled_from(model.Severity)),
        history_gap=draw(factor),
    )


@st.composite
def _sequences(
    draw: st.DrawFn, start: dt.date, accounts: list[str], events: list[str], contacts: dict[str, list[str]]
) -> tuple[tuple[PlannedSequence, ...], Capacity | None]:
    """A sequence or two (steps written out, anchored on the start or an event) enrolling an account, or
    exactly its contacts (``contacts`` by account; maybe none), and maybe the owners' touch capacity. No
    contact is enrolled twice: each sequence takes its own account (by segment, two could share a contact);
    steps are written out, as the file dumps built-ins."""
    planned = []
    for number, taken in enumerate(
        draw(st.lists(st.sampled_from(accounts), unique=True, max_size=2)) if accounts else []
    ):
        event = draw(st.none() | st.sampled_from(events)) if events else None
        offsets = sorted(draw(st.lists(st.integers(0, 40), min_size=1, max_size=3)))
        steps = tuple(
            Step(-o if event else o, draw(st.sampled_from([model.Channel.PHONE, model.Channel.SOCIAL])))
            for o in (reversed(offsets) if event else offsets)
        )
        planned.append(
            PlannedSequence(
                Sequence(
                    f"seq-{number}", draw(names), steps, (), tuple(ExitRule), Anchor.EVENT if event else Anchor.START
                ),
                **({"contacts": tuple(contacts.get(taken, ()))} if draw(st.booleans()) else {"accounts": (taken,)}),
                start=None if event else draw(st.none() | st.just(start)),
                event=event,
                owner=draw(people),
            )
        )
    capacity = None
    if draw(st.booleans()):
        owner = draw(people)
        capacity = Capacity(
            draw(st.integers(1, 1000)),
            {owner: draw(st.integers(1, 1000))},
            (Absence(owner, start, start + dt.timedelta(days=draw(st.integers(0, 10)))),),
        )
    return tuple(planned), capacity


@st.composite
def plan_files(draw: st.DrawFn, execution: bool = True, sequences: bool = False) -> model.Plan:
    """Any plan the plan file accepts, with every decimal at the precision its column keeps: the header,
    objectives, funnel, team and effort, and (``execution``) every execution section; ``sequences`` adds
    the ``sequences`` and ``touch_capacity`` sections (which the web app keeps with live state of their own)."""
    start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2030, 12, 31)))
    end = start + dt.timedelta(days=draw(st.integers(1, 120)))
    segment_ids = draw(_ids("seg", 3)) if execution else []
    ids = draw(st.lists(identifiers, max_size=4, unique=True))
    objectives = []
    for id in ids:
        metric = draw(st.none() | st.sampled_from(Metric))
        most = str(model.RATE_METRICS.get(metric, Decimal("1e9"))) if metric else "1e9"  # a rate within its bound
        objectives.append(
            model.Objective(
                id,
                metric,
                draw(st.none() | decimals("0.01", most, draw(st.integers(0, 2))).filter(bool)),
                draw(st.none() | st.dates(start, end)),
                draw(st.none() | st.sampled_from(Period)),
                draw(st.none() | (st.sampled_from(segment_ids) if segment_ids else identifiers)),
            )
        )
    upper = sorted(
        draw(st.lists(st.sampled_from([s for s in Stage if s is not Stage.WON]), min_size=1, max_size=6, unique=True)),
        key=lambda s: s.order,
    )
    steps = (
        *(model.FunnelStep(s, draw(decimals("0.0001", "1", 4).filter(bool)), draw(st.integers(0, 90))) for s in upper),
        model.FunnelStep(Stage.WON),
    )
    mondays = (end - dt.timedelta(days=end.weekday())) - (start - dt.timedelta(days=start.weekday()))
    weeks = mondays.days // 7 + 1  # one weight per ISO week touched by the plan
    weights = draw(
        st.none() | st.lists(decimals("0", "10", 2), min_size=weeks, max_size=weeks).filter(lambda ws: sum(ws) > 0)
    )
    roles = draw(st.lists(st.sampled_from(Role), max_size=3, unique=True))
    team = []
    for r in roles:
        joins = draw(st.none() | st.dates(start, end)) if execution else None
        ramp = tuple(draw(st.lists(decimals("0", "1", 3), max_size=3))) if joins else ()
        team.append(model.TeamRole(r, draw(st.integers(0, 50)), draw(decimals("0.5", "80", 1)), joins, ramp))
    pairs = (
        draw(
            st.lists(
                st.tuples(st.sampled_from([s.stage for s in steps]), st.sampled_from(roles)), unique=True, max_size=4
            )
        )
        if roles
        else []
    )
    effort = tuple(model.Effort(s, r, draw(decimals("0", "1000", 2))) for s, r in pairs)
    plan = model.Plan(
        name=draw(names),
        start=start,
        end=end,
        currency=draw(st.sampled_from(["EUR", "USD", "CHF"])),
        country=draw(st.sampled_from(["FR", "BE", "CH"])),
        objectives=tuple(objectives),
        average_deal=draw(st.none() | decimals("1", "1e7", 2).filter(bool)),
        steps=steps,
        weekly_weights=tuple(weights) if weights else None,
        team=tuple(team),
        effort=effort,
    )
    if not execution:
        return plan
    segments = [draw(_segment(id)) for id in segment_ids]
    accounts = [
        model.Account(
            id,
            draw(names),
            draw(st.none() | st.sampled_from(segment_ids)) if segment_ids else None,
            draw(st.booleans()),
            draw(st.none() | decimals("0", "1e13", 2)),
            draw(st.none() | decimals("0", "1", 3)),
            draw(st.none() | people),
            draw(st.none() | st.sampled_from(Stage)),
        )
        for id in draw(_ids("acc", 4))
    ]
    account_ids = [a.id for a in accounts]
    contacts = (
        [
            model.Contact(
                id,
                draw(st.sampled_from(account_ids)),
                draw(names),
                draw(_optional_text(60)),
                draw(st.none() | st.sampled_from(model.BuyingRole)),
                draw(st.none() | st.sampled_from(["a@example.com", "éloïse.x@example.fr"])),
            )
            for id in draw(_ids("contact", 4))
        ]
        if accounts
        else []
    )
    events = []
    for id in draw(_ids("event", 2)):
        first = draw(st.dates(start, end))
        events.append(
            model.Event(
                id,
                draw(names),
                draw(st.sampled_from(model.EventKind)),
                first,
                first + dt.timedelta(days=draw(st.integers(0, 5))),
                tuple(draw(st.lists(st.integers(0, 730), max_size=3))),
                draw(_optional_text()),
            )
        )
    event_ids = [e.id for e in events]
    actions = [
        draw(_action(id, start, end, segment_ids, account_ids, event_ids, list(ids), [s.stage for s in steps]))
        for id in draw(_ids("action", 4))
    ]
    rituals = [
        model.Ritual(
            id,
            draw(names),
            draw(st.sampled_from(RRULES)),
            dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
            draw(st.integers(1, 1440)),
            draw(st.none() | people),
            tuple(draw(st.lists(people, max_size=3, unique=True))),
        )
        for id in draw(_ids("ritual", 2))
    ]
    deadlines = []
    for id in draw(_ids("deadline", 2)):
        dated = draw(st.booleans())
        deadlines.append(
            model.Deadline(
                id,
                draw(names),
                draw(st.dates(start, end)) if dated else None,
                None if dated else draw(st.sampled_from(RRULES)),
                draw(st.none() | people),
            )
        )
    partners = []
    for id in draw(_ids("partner", 3)):
        status = draw(st.sampled_from(model.PartnerStatus))
        signed = status is not model.PartnerStatus.PROSPECT and (
            status is not model.PartnerStatus.DROPPED or draw(st.booleans())
        )
        partners.append(
            model.Partner(
                id,
                draw(names),
                draw(st.sampled_from(model.PartnerKind)),
                draw(st.none() | people),
                status,
                draw(st.dates(start - dt.timedelta(days=400), end)) if signed else None,
                draw(_optional_text()),
                draw(st.none() | st.sampled_from(segment_ids)) if segment_ids else None,
                draw(decimals("0", "1e9", 2)),
            )
        )
    governance = [model.GovernanceRaci(draw(names), draw(_raci())) for _ in range(draw(st.integers(0, 2)))]
    by_account: dict[str, list[str]] = {}
    for contact in contacts:
        by_account.setdefault(contact.account, []).append(contact.id)
    planned, capacity = draw(_sequences(start, account_ids, event_ids, by_account)) if sequences else ((), None)
    return model.Plan(
        **{
            **vars(plan),
            "fiscal_year_start": draw(st.integers(1, 12)),
            "timezone": draw(st.sampled_from(["Europe/Paris", "America/Montreal", "UTC"])),
            "budget": draw(st.none() | decimals("0", "1e13", 2)),
            "priority_weights": draw(
                st.just(model.PriorityWeights())
                | st.builds(model.PriorityWeights, *(decimals("0", "1", 3) for _ in range(3)))
            ),
            "segments": tuple(segments),
            "accounts": tuple(accounts),
            "contacts": tuple(contacts),
            "actions": tuple(actions),
            "events": tuple(events),
            "rituals": tuple(rituals),
            "deadlines": tuple(deadlines),
            "raci": tuple(governance),
            "alerts": draw(_alerts()),
            "sequences": planned,
            "touch_capacity": capacity,
            "partners": tuple(partners),
        }
    )
