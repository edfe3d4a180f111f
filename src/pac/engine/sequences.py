"""Multichannel sequences: the steps of a cadence, who is enrolled, and the dated touches they become.

``schedule`` lays enrolments × steps on the business days of the plan's country (``workdays``),
never beyond an owner's daily capacity, strategic accounts first; what does not fit rolls to the next
business day and is reported, so that a manager sees where capacity runs out before confirming.
``reschedule`` moves only what an absence or a pause forces to move. Pure Python: the web app and
the CLI (``pac sequences``) call the same code. The rules are explained in docs/sequences.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from enum import StrEnum

from pac.engine.model import Channel
from pac.engine.workdays import DEFAULT_COUNTRY, is_business_day, previous_business_day

ONE_DAY = dt.timedelta(days=1)


class ExitRule(StrEnum):
    """What takes a contact out of a sequence (acted on by the worker, kept here as codes)."""

    REPLY = "reply"
    MEETING = "meeting"
    BOUNCE = "bounce"
    OPT_OUT = "opt_out"
    MANUAL = "manual"


class Anchor(StrEnum):
    """What a step's offset counts from: the enrolment's start (business days after it) or an event
    (calendar days before it, J-60/J-30/J-7, as the calendar's event campaigns)."""

    START = "start"
    EVENT = "event"


@dataclass(frozen=True)
class Step:
    offset: int  # business days after the start (START), or calendar days relative to the event (EVENT, <= 0)
    channel: Channel
    templates: Mapping[str, str] = field(default_factory=dict)  # persona → template name ("" for any persona)
    instructions: str = ""  # for manual steps (phone, social…)


@dataclass(frozen=True)
class Variant:
    id: str
    split: float  # share of the contacts, the splits of a sequence add up to 1


@dataclass(frozen=True)
class Sequence:
    id: str
    name: str
    steps: tuple[Step, ...]
    variants: tuple[Variant, ...] = ()
    exits: tuple[ExitRule, ...] = tuple(ExitRule)
    anchor: Anchor = Anchor.START


@dataclass(frozen=True, order=True)
class Enrolment:
    """A contact in a sequence; ``start`` is the enrolment day (or the event's date for an EVENT sequence).
    Lower ``priority`` goes first in a day (0 for strategic accounts)."""

    sequence: str
    contact: str
    account: str
    owner: str
    start: dt.date
    priority: int = 1
    persona: str | None = None


@dataclass(frozen=True)
class Absence:
    """An owner away: no touch of theirs on these days (both ends included)."""

    owner: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Pause:
    """A sequence paused, for everyone or for one contact: its touches wait until the day after ``end``."""

    sequence: str
    start: dt.date
    end: dt.date
    contact: str | None = None


@dataclass(frozen=True)
class Capacity:
    """Touches an owner can do in a business day: ``owners`` overrides ``default``."""

    default: int = 20
    owners: Mapping[str, int] = field(default_factory=dict)
    absences: tuple[Absence, ...] = ()

    def of(self, owner: str) -> int:
        return self.owners.get(owner, self.default)


@dataclass(frozen=True)
class PlannedSequence:
    """A sequence as the plan file gives it: whom it enrols (segment, accounts, persona; or exactly the
    ``contacts`` listed, as an export of the web app writes when those would overlap another sequence's), from
    when (its ``start``, or the date of its ``event``), who does the touches of accounts without an owner, its
    pauses."""

    sequence: Sequence
    segment: str | None = None
    accounts: tuple[str, ...] = ()
    persona: str | None = None
    start: dt.date | None = None
    event: str | None = None
    owner: str | None = None
    pauses: tuple[Pause, ...] = ()
    contacts: tuple[str, ...] | None = None  # None: by segment/accounts/persona; () enrols nobody


@dataclass(frozen=True, order=True)
class Touch:
    date: dt.date
    owner: str
    contact: str
    sequence: str
    step: int  # 1-based, as a user counts them
    channel: Channel
    variant: str  # "" when the sequence has no variants
    account: str = ""


@dataclass(frozen=True)
class Overflow:
    """On ``date``, ``count`` touches of ``owner`` were due but did not fit: they rolled to the next day."""

    date: dt.date
    owner: str
    count: int


@dataclass(frozen=True)
class Schedule:
    """The touches owner by owner (owners in name order), each owner's by day then priority: a rep's queue."""

    touches: tuple[Touch, ...]
    overflow: tuple[Overflow, ...]


# --- built-ins -------------------------------------------------------------------------------

FOUR_TOUCHES = "four-touches-21-days"
EVENT_ACTIVATION = "event-activation"


def builtin(name: str) -> tuple[tuple[Step, ...], Anchor]:
    """The steps of a built-in sequence: « 4 touches sur 21 jours » (e-mail day 0, phone day 3, social
    day 8, e-mail day 21, in business days) or the event activation (J-60, J-30, J-7 before the event)."""
    if name == FOUR_TOUCHES:
        return (
            Step(0, Channel.EMAIL),
            Step(3, Channel.PHONE),
            Step(8, Channel.SOCIAL),
            Step(21, Channel.EMAIL),
        ), Anchor.START
    if name == EVENT_ACTIVATION:
        return (Step(-60, Channel.EMAIL), Step(-30, Channel.PHONE), Step(-7, Channel.EMAIL)), Anchor.EVENT
    raise ValueError(f"unknown built-in sequence {name!r} (known: {FOUR_TOUCHES}, {EVENT_ACTIVATION})")


BUILTINS = (FOUR_TOUCHES, EVENT_ACTIVATION)


# --- variants --------------------------------------------------------------------------------


def variant_of(sequence: Sequence, contact: str) -> str:
    """The contact's variant: a stable hash of (sequence, contact) placed on the cumulative split, so the
    same contact always gets the same variant, on any machine and in any order."""
    if not sequence.variants:
        return ""
    digest = hashlib.blake2b(f"{sequence.id}\0{contact}".encode(), digest_size=8).digest()
    point = int.from_bytes(digest, "big") / 2**64
    total = sum(v.split for v in sequence.variants)
    cumulative = 0.0
    for variant in sequence.variants:
        cumulative += variant.split / total
        if point < cumulative:
            return variant.id
    return sequence.variants[-1].id


# --- business-day grid -----------------------------------------------------------------------


class _Grid:
    """Business days as consecutive integers, extended on demand (a cadence may roll for months)."""

    def __init__(self, first: dt.date, country: str) -> None:
        self.country = country
        self.first = first
        self.days: list[dt.date] = []
        self._extend(first + dt.timedelta(days=400))

    def _extend(self, until: dt.date) -> None:
        day = self.days[-1] + ONE_DAY if self.days else self.first
        while day <= until:
            if is_business_day(day, self.country):
                self.days.append(day)
            day += ONE_DAY

    def index(self, day: dt.date) -> int:
        """The index of the first business day on or after ``day`` (``day`` not before ``first``)."""
        while not self.days or day > self.days[-1]:
            self._extend(max(day, self.days[-1] if self.days else day) + dt.timedelta(days=366))
        return bisect_left(self.days, day)

    def date(self, index: int) -> dt.date:
        while index >= len(self.days):
            self._extend(self.days[-1] + dt.timedelta(days=366))
        return self.days[index]


def _nominal(sequence: Sequence, start: dt.date, grid: _Grid) -> list[int]:
    """Each step's business-day index as planned (before ``today`` when the start is past)."""
    if sequence.anchor is Anchor.EVENT:
        days = [previous_business_day(start + dt.timedelta(days=s.offset), grid.country) for s in sequence.steps]
        return [grid.index(d) for d in days]
    base = grid.index(start)
    return [base + s.offset for s in sequence.steps]


def _blocks(
    pauses: Iterable[Pause], absences: Iterable[Absence], grid: _Grid
) -> tuple[dict[tuple[str, str | None], list[tuple[int, int]]], dict[str, set[int]]]:
    paused: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
    for p in pauses:
        paused.setdefault((p.sequence, p.contact), []).append((grid.index(p.start), grid.index(p.end + ONE_DAY)))
    away: dict[str, set[int]] = {}
    for a in absences:
        away.setdefault(a.owner, set()).update(range(grid.index(a.start), grid.index(a.end + ONE_DAY)))
    return paused, away


def _free_from(day: int, windows: list[tuple[int, int]]) -> int:
    """The first day at or after ``day`` outside every pause window (``[start, end)`` indexes)."""
    moved = True
    while moved:
        moved = False
        for start, end in windows:
            if start <= day < end:
                day, moved = end, True
    return day


def schedule(
    sequences: Seq[Sequence],
    enrolments: Seq[Enrolment],
    capacity: Capacity,
    today: dt.date,
    country: str = DEFAULT_COUNTRY,
    pauses: Seq[Pause] = (),
    *,
    pinned: Mapping[tuple[str, str, int], dt.date] | None = None,
) -> Schedule:
    """Enrolments × steps as dated touches on business days from ``today`` on.

    Per owner and day, the touches due are taken by priority (then contact), up to the owner's capacity;
    the rest roll to the next business day and the day is reported in ``overflow``. Step k+1 of a contact
    comes at least its offset gap after the day step k was actually done. ``pinned`` (sequence, contact,
    step index) → day keeps touches where they are, their capacity taken first (see ``reschedule``)."""
    by_id = {s.id: s for s in sequences}
    grid = _Grid(min([today, *(e.start for e in enrolments)]) - dt.timedelta(days=366), country)
    today_index = grid.index(today)
    paused, away = _blocks(pauses, capacity.absences, grid)
    pins = {key: grid.index(day) for key, day in (pinned or {}).items()}
    touches: list[Touch] = []
    overflow: list[Overflow] = []
    per_owner: dict[str, list[int]] = {}
    for i, e in enumerate(enrolments):
        per_owner.setdefault(e.owner, []).append(i)
    for owner in sorted(per_owner):
        if capacity.of(owner) < 1:
            raise ValueError(f"owner {owner!r} has a daily capacity of {capacity.of(owner)}: at least 1 is needed")
        _schedule_owner(
            owner, [enrolments[i] for i in per_owner[owner]], by_id, capacity.of(owner), away.get(owner, set()),
            paused, pins, grid, today_index, touches, overflow,
        )  # fmt: skip
    return Schedule(tuple(touches), tuple(overflow))


def _schedule_owner(
    owner: str,
    enrolments: list[Enrolment],
    by_id: Mapping[str, Sequence],
    cap: int,
    away: set[int],
    paused: Mapping[tuple[str, str | None], list[tuple[int, int]]],
    pins: Mapping[tuple[str, str, int], int],
    grid: _Grid,
    today: int,
    touches: list[Touch],
    overflow: list[Overflow],
) -> None:
    """One owner's day loop: ``waiting`` holds (earliest day, rank, n, step), ``ready`` the touches due now
    by (rank, n, step), rank being the order of (priority, contact); a day takes up to ``cap`` of ``ready``.
    Placements are kept as (day, n, step) integers and become ``Touch`` objects once, at the end."""
    order = sorted(range(len(enrolments)), key=lambda i: (enrolments[i].priority, enrolments[i].contact))
    rank = [0] * len(enrolments)
    for position, i in enumerate(order):
        rank[i] = position
    seqs = [by_id[e.sequence] for e in enrolments]
    plans: dict[tuple[str, dt.date], list[int]] = {}  # the nominal days, shared by the same sequence and start
    nominal = []
    for seq, e in zip(seqs, enrolments, strict=True):
        key = (seq.id, e.start)
        if key not in plans:
            plans[key] = _nominal(seq, e.start, grid)
        nominal.append(plans[key])
    windows = (
        [paused.get((e.sequence, None), []) + paused.get((e.sequence, e.contact), []) for e in enrolments]
        if paused
        else None
    )
    used: dict[int, int] = {}
    pin_of: dict[tuple[int, int], int] = {}
    if pins:
        for i, e in enumerate(enrolments):
            for k in range(len(seqs[i].steps)):
                day = pins.get((e.sequence, e.contact, k))
                if day is not None:
                    pin_of[(i, k)] = day
                    used[day] = used.get(day, 0) + 1
    lengths = [len(seq.steps) for seq in seqs]
    placed: list[tuple[int, int, int, int]] = []
    waiting: list[tuple[int, int, int, int]] = []
    push, pop = heapq.heappush, heapq.heappop

    def due(n: int, k: int, day: int) -> None:
        while True:
            if windows is not None and windows[n]:
                day = _free_from(day, windows[n])
            pin = pin_of.get((n, k)) if pin_of else None
            if pin is None:
                push(waiting, (day, rank[n], n, k))
                return
            if pin < day and pin >= today:
                used[pin] -= 1  # it must move: its old day is freed
                push(waiting, (day, rank[n], n, k))
                return
            placed.append((pin, rank[n], n, k))  # done, or its day still keeps the order and the gap: it stays
            if k + 1 == lengths[n]:
                return
            steps = nominal[n]
            day = max(today, steps[k + 1], pin + steps[k + 1] - steps[k])
            k += 1

    for n in range(len(enrolments)):
        due(n, 0, max(today, nominal[n][0]))  # overdue steps of a past start are done from today
    ready: list[tuple[int, int, int]] = []
    ready_day = 0
    while waiting or ready:
        day = waiting[0][0] if not ready else ready_day
        free = 0 if day in away else max(0, cap - used.get(day, 0))
        while True:
            while waiting and waiting[0][0] <= day:  # a step with no gap after one done today is due today
                _, r, n, k = pop(waiting)
                push(ready, (r, n, k))
            if not (free and ready):
                break
            _, n, k = pop(ready)
            if windows is not None and windows[n] and _free_from(day, windows[n]) != day:
                push(waiting, (_free_from(day, windows[n]), rank[n], n, k))  # rolled into a pause: wait for its end
                continue
            placed.append((day, rank[n], n, k))
            free -= 1
            if k + 1 < lengths[n]:
                steps = nominal[n]  # the gap is counted again from the day step k was actually done
                following = max(today, steps[k + 1], day + steps[k + 1] - steps[k])
                if windows is None and not pin_of:
                    push(waiting, (following, rank[n], n, k + 1))
                else:
                    due(n, k + 1, following)
        if ready:
            overflow.append(Overflow(grid.date(day), owner, len(ready)))
        ready_day = day + 1
    placed.sort()
    variants = [variant_of(seq, e.contact) for seq, e in zip(seqs, enrolments, strict=True)]
    dates: dict[int, dt.date] = {}
    for day, _, n, k in placed:
        date = dates.get(day)
        if date is None:
            date = dates[day] = grid.date(day)
        e = enrolments[n]
        touches.append(
            Touch(date, owner, e.contact, e.sequence, k + 1, seqs[n].steps[k].channel, variants[n], e.account)
        )


def reschedule(
    previous: Schedule,
    sequences: Seq[Sequence],
    enrolments: Seq[Enrolment],
    capacity: Capacity,
    today: dt.date,
    country: str = DEFAULT_COUNTRY,
    pauses: Seq[Pause] = (),
) -> Schedule:
    """The schedule again after an absence or a pause (in ``capacity.absences`` and ``pauses``).

    Touches before ``today`` are done: they stay. A touch from ``today`` on keeps its day unless an absence
    of its owner or a pause of its sequence or contact covers that day, or an earlier step of its contact
    moved so late that the gap would break; only those move, to the first days with room."""
    away = {(a.owner, d) for a in capacity.absences for d in _days(a.start, a.end)}
    blocked = {(p.sequence, p.contact, d) for p in pauses for d in _days(p.start, p.end)}
    pinned = {
        (t.sequence, t.contact, t.step - 1): t.date
        for t in previous.touches
        if t.date < today
        or (
            (t.owner, t.date) not in away
            and (t.sequence, None, t.date) not in blocked
            and (t.sequence, t.contact, t.date) not in blocked
        )
    }
    return schedule(sequences, enrolments, capacity, today, country, pauses, pinned=pinned)


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += ONE_DAY
