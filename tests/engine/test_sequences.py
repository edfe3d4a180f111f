"""engine.sequences: enrolments × steps as dated touches within each owner's capacity."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pac.engine
from pac.engine import model
from pac.engine.model import Channel
from pac.engine.planfile import PlanFileError, dump_plan, load_plan_file, parse_plan_file, to_plan
from pac.engine.plansequences import plan_enrolments
from pac.engine.sequences import (
    EVENT_ACTIVATION,
    FOUR_TOUCHES,
    Absence,
    Anchor,
    Capacity,
    Enrolment,
    ExitRule,
    Pause,
    PlannedSequence,
    Schedule,
    Sequence,
    Step,
    Touch,
    Variant,
    builtin,
    reschedule,
    schedule,
    variant_of,
)
from pac.engine.workdays import add_business_days, is_business_day

EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "sequences.yaml"
FOUR = Sequence("icp", "4 touches sur 21 jours", builtin(FOUR_TOUCHES)[0])
MONDAY = dt.date(2027, 4, 26)


def _enrol(count: int, owner: str = "alex", start: dt.date = MONDAY, sequence: str = "icp") -> list[Enrolment]:
    return [Enrolment(sequence, f"{owner}-{i:04d}", f"acc-{i}", owner, start, priority=i % 3) for i in range(count)]


def _per_day(touches: tuple[Touch, ...]) -> Counter[tuple[dt.date, str]]:
    return Counter((t.date, t.owner) for t in touches)


def _check_order_and_gaps(result: Schedule, sequences: dict[str, Sequence], country: str = "FR") -> None:
    by_contact: dict[tuple[str, str], list[Touch]] = {}
    for t in result.touches:
        by_contact.setdefault((t.sequence, t.contact), []).append(t)
    for (seq_id, _), touches in by_contact.items():
        touches.sort(key=lambda t: t.step)
        steps = sequences[seq_id].steps
        assert [t.step for t in touches] == list(range(1, len(steps) + 1))
        for before, after in itertools.pairwise(touches):
            gap = steps[after.step - 1].offset - steps[before.step - 1].offset
            assert after.date >= add_business_days(before.date, gap, country)


def test_the_four_touches_land_on_business_days_0_3_8_21_skipping_ascension_and_whit_monday() -> None:
    result = schedule([FOUR], _enrol(1), Capacity(10), MONDAY)
    assert [(t.date, t.channel) for t in result.touches] == [
        (dt.date(2027, 4, 26), Channel.EMAIL),
        (dt.date(2027, 4, 29), Channel.PHONE),
        (dt.date(2027, 5, 7), Channel.SOCIAL),  # Ascension Thursday 2027-05-06 is skipped
        (dt.date(2027, 5, 27), Channel.EMAIL),  # so is Whit Monday 2027-05-17
    ]
    assert result.overflow == ()


def test_holidays_and_weekends_are_never_touch_days() -> None:
    result = schedule([FOUR], _enrol(60), Capacity(7), dt.date(2027, 4, 28))
    assert all(is_business_day(t.date, "FR") for t in result.touches)
    assert dt.date(2027, 5, 6) not in {t.date for t in result.touches}
    assert len(result.touches) == 240


def test_a_start_on_a_holiday_moves_to_the_next_business_day() -> None:
    result = schedule([FOUR], _enrol(1, start=dt.date(2027, 5, 1)), Capacity(5), dt.date(2027, 4, 1))
    assert result.touches[0].date == dt.date(2027, 5, 3)


def test_capacity_is_never_exceeded_and_overflow_is_reported_with_its_day() -> None:
    result = schedule([FOUR], _enrol(5) + _enrol(2, owner="sami"), Capacity(3, {"sami": 5}), MONDAY)
    per_day = _per_day(result.touches)
    assert max(n for (_, owner), n in per_day.items() if owner == "alex") == 3
    assert per_day[(MONDAY, "alex")] == 3 and per_day[(MONDAY + dt.timedelta(days=1), "alex")] == 2
    assert per_day[(MONDAY, "sami")] == 2
    assert [(o.date, o.owner, o.count) for o in result.overflow] == [(MONDAY, "alex", 2)]


def test_within_a_day_the_highest_priority_goes_first() -> None:
    enrolments = [
        Enrolment("icp", "small", "s", "alex", MONDAY, priority=5),
        Enrolment("icp", "strategic", "k", "alex", MONDAY, priority=0),
    ]
    result = schedule([FOUR], enrolments, Capacity(1), MONDAY)
    first = {t.contact: t.date for t in result.touches if t.step == 1}
    assert first == {"strategic": MONDAY, "small": MONDAY + dt.timedelta(days=1)}


def test_an_absence_gives_the_owner_no_touch_on_those_days() -> None:
    away = Absence("alex", dt.date(2027, 4, 28), dt.date(2027, 4, 30))
    result = schedule([FOUR], _enrol(4), Capacity(10, absences=(away,)), MONDAY)
    assert not [t for t in result.touches if away.start <= t.date <= away.end]
    assert {t.date for t in result.touches if t.step == 2} == {dt.date(2027, 5, 3)}


def test_the_event_activation_counts_calendar_days_back_from_the_event() -> None:
    steps, anchor = builtin(EVENT_ACTIVATION)
    event = Sequence("salon", "Salon", steps, anchor=anchor)
    assert anchor is Anchor.EVENT
    result = schedule(
        [event], _enrol(1, start=dt.date(2027, 6, 15), sequence="salon"), Capacity(5), dt.date(2027, 4, 1)
    )
    # J-60 = Friday 16 April; J-30 = Sunday 16 May → Friday 14 May; J-7 = Tuesday 8 June
    assert [t.date for t in result.touches] == [dt.date(2027, 4, 16), dt.date(2027, 5, 14), dt.date(2027, 6, 8)]


def test_the_variant_is_stable_per_contact_and_follows_the_split() -> None:
    seq = Sequence("icp", "AB", FOUR.steps, (Variant("A", 0.8), Variant("B", 0.2)))
    shares = Counter(variant_of(seq, f"c{i}") for i in range(10_000))
    assert 7_700 < shares["A"] < 8_300 and shares["A"] + shares["B"] == 10_000
    assert variant_of(seq, "c42") == variant_of(seq, "c42")
    result = schedule([seq], _enrol(3), Capacity(9), MONDAY)
    assert {t.variant for t in result.touches if t.contact == "alex-0001"} == {variant_of(seq, "alex-0001")}


def test_reschedule_after_an_absence_moves_only_the_touches_it_covers() -> None:
    enrolments = _enrol(6)
    before = schedule([FOUR], enrolments, Capacity(4), MONDAY)
    away = Absence("alex", dt.date(2027, 5, 7), dt.date(2027, 5, 7))
    after = reschedule(before, [FOUR], enrolments, Capacity(4, absences=(away,)), dt.date(2027, 5, 3))
    old = {(t.contact, t.step): t.date for t in before.touches}
    new = {(t.contact, t.step): t.date for t in after.touches}
    moved = {key for key in old if old[key] != new[key]}
    covered = {key for key, day in old.items() if day == away.start}
    assert covered and moved >= covered
    assert all(new[key] > away.start for key in covered)
    for contact, step in moved - covered:  # a later step moves only when its predecessor moved
        assert (contact, step - 1) in moved
    assert max(_per_day(after.touches).values()) <= 4
    _check_order_and_gaps(after, {"icp": FOUR})


def test_reschedule_after_a_contact_pause_leaves_the_other_contacts_alone() -> None:
    enrolments = _enrol(3)
    before = schedule([FOUR], enrolments, Capacity(10), MONDAY)
    pause = Pause("icp", dt.date(2027, 4, 28), dt.date(2027, 5, 11), contact="alex-0001")
    after = reschedule(before, [FOUR], enrolments, Capacity(10), MONDAY, pauses=(pause,))
    changed = {t for t in after.touches} ^ {t for t in before.touches}
    assert changed and {t.contact for t in changed} == {"alex-0001"}
    assert not [t for t in after.touches if t.contact == "alex-0001" and pause.start <= t.date <= pause.end]


@st.composite
def _worlds(draw: st.DrawFn) -> tuple[list[Sequence], list[Enrolment], Capacity, str, dt.date]:
    country = draw(st.sampled_from(["FR", "DE", "GB", "US"]))
    today = dt.date(2027, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
    sequences = []
    for s in range(draw(st.integers(1, 3))):
        offsets = sorted(draw(st.lists(st.integers(0, 25), min_size=1, max_size=5)))
        sequences.append(Sequence(f"s{s}", "s", tuple(Step(o, Channel.EMAIL) for o in offsets)))
    owners = ["alex", "sami", "zoé"]
    enrolments = [
        Enrolment(
            draw(st.sampled_from(sequences)).id,
            f"c{i}",
            "a",
            draw(st.sampled_from(owners)),
            today + dt.timedelta(days=draw(st.integers(-5, 30))),
            draw(st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, 40)))
    ]
    absences = tuple(
        Absence(o, today + dt.timedelta(days=d), today + dt.timedelta(days=d + draw(st.integers(0, 10))))
        for o, d in draw(st.lists(st.tuples(st.sampled_from(owners), st.integers(0, 40)), max_size=3))
    )
    capacity = Capacity(draw(st.integers(1, 6)), {o: draw(st.integers(1, 6)) for o in owners[:2]}, absences)
    return sequences, enrolments, capacity, country, today


@settings(max_examples=120, deadline=None)
@given(_worlds())
def test_any_world_keeps_capacity_order_offsets_and_loses_no_touch(
    world: tuple[list[Sequence], list[Enrolment], Capacity, str, dt.date],
) -> None:
    sequences, enrolments, capacity, country, today = world
    result = schedule(sequences, enrolments, capacity, today, country)
    by_id = {s.id: s for s in sequences}
    assert len(result.touches) == sum(len(by_id[e.sequence].steps) for e in enrolments)  # nothing lost
    for (day, owner), count in _per_day(result.touches).items():
        assert count <= capacity.of(owner)
        assert is_business_day(day, country) and day >= today
        assert not any(a.owner == owner and a.start <= day <= a.end for a in capacity.absences)
    starts = {(e.sequence, e.contact): e.start for e in enrolments}
    for t in result.touches:
        offset = by_id[t.sequence].steps[t.step - 1].offset
        assert t.date >= add_business_days(starts[(t.sequence, t.contact)], offset, country)
    _check_order_and_gaps(result, by_id, country)
    rolled = Counter[tuple[dt.date, str]]()
    for o in result.overflow:
        assert o.count > 0
        rolled[(o.date, o.owner)] += o.count
    for (day, owner), _count in rolled.items():  # a day reported as overflow was used to its capacity
        away = any(a.owner == owner and a.start <= day <= a.end for a in capacity.absences)
        assert away or _per_day(result.touches)[(day, owner)] == capacity.of(owner)


# --- the plan file's sequences section ------------------------------------------------------


def test_the_example_plan_schedules_its_sequences_and_round_trips() -> None:
    plan = to_plan(load_plan_file(EXAMPLE))
    assert [s.sequence.id for s in plan.sequences] == ["icp-21", "salon"]
    assert plan.sequences[1].sequence.steps == builtin(EVENT_ACTIVATION)[0]
    assert to_plan(parse_plan_file(dump_plan(plan))) == plan
    enrolments = plan_enrolments(plan, dt.date(2027, 4, 1))
    assert {e.contact for e in enrolments} == {"acme-daf", "acme-coo", "globex-daf", "initech-daf", "umbrella-daf"}
    assert min(enrolments, key=lambda e: e.priority).account == "acme"  # the strategic account first


def _sequence_error(fragment: str, replacement: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert fragment in text
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(text.replace(fragment, replacement, 1), "plan.yaml")
    return "\n".join(str(i) for i in caught.value.issues)


def test_a_step_before_the_previous_one_is_refused_at_its_place() -> None:
    message = _sequence_error("{offset: 3, channel: phone", "{offset: -1, channel: phone")
    assert "sequences[0].steps[1].offset" in message and "(line 31)" in message


def test_splits_that_do_not_add_up_to_1_are_refused() -> None:
    assert "sequences[0].variants" in _sequence_error("{id: B, split: 0.5}", "{id: B, split: 0.4}")


def test_an_unknown_channel_or_segment_is_refused() -> None:
    assert "sequences[0].steps[2].channel" in _sequence_error("channel: social", "channel: fax")
    assert "sequences[0].segment" in _sequence_error("segment: icp-saas\n    start", "segment: nope\n    start")


def test_a_contact_in_two_sequences_is_refused() -> None:
    assert "already in sequence 'icp-21'" in _sequence_error("accounts: [umbrella]", "accounts: [acme]")


def test_an_exact_audience_enrols_the_contacts_it_lists_and_nobody_else() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("segment: icp-saas\n", "contacts: [globex-daf, acme-coo]\n", 1)
    plan = to_plan(parse_plan_file(text, "plan.yaml"))

    enrolled = {(e.sequence, e.contact) for e in plan_enrolments(plan, dt.date(2027, 4, 1))}
    assert enrolled == {("icp-21", "globex-daf"), ("icp-21", "acme-coo"), ("salon", "umbrella-daf")}
    assert to_plan(parse_plan_file(dump_plan(plan), "plan.yaml")) == plan  # written back as it was read


def test_an_exact_audience_names_known_contacts_and_stands_alone() -> None:
    unknown = _sequence_error("segment: icp-saas\n", "contacts: [acme-daf, nobody]\n")
    assert "sequences[0].contacts[1]" in unknown and "unknown contact 'nobody'" in unknown
    both = _sequence_error("accounts: [umbrella]", "accounts: [umbrella]\n    contacts: [umbrella-daf]")
    assert "sequences[1].contacts" in both and "not both" in both


def test_a_contact_listed_by_two_sequences_is_refused() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("segment: icp-saas\n", "contacts: [umbrella-daf]\n", 1)
    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(text, "plan.yaml")
    issues = [str(i) for i in caught.value.issues]
    assert any("contact 'umbrella-daf' is already in sequence 'icp-21'" in i for i in issues)


def test_an_account_without_owner_needs_the_sequences_owner() -> None:
    assert "sequences[1].owner" in _sequence_error("    owner: sami\n", "")


def test_an_owner_without_capacity_is_refused_rather_than_scheduled_forever() -> None:
    with pytest.raises(ValueError, match="'alex'"):
        schedule([FOUR], _enrol(2), Capacity(5, {"alex": 0}), MONDAY)
    assert "touch_capacity.owners.sami" in _sequence_error("owners: {alex: 2}", "owners: {alex: 2, sami: 0}")


@settings(max_examples=60, deadline=None)
@given(_worlds(), st.integers(0, 30), st.integers(0, 6), st.integers(0, 20))
def test_any_reschedule_moves_only_what_an_absence_forces_and_keeps_every_rule(
    world: tuple[list[Sequence], list[Enrolment], Capacity, str, dt.date], begin: int, length: int, later: int
) -> None:
    sequences, enrolments, capacity, country, today = world
    by_id = {s.id: s for s in sequences}
    before = schedule(sequences, enrolments, capacity, today, country)
    away = Absence("alex", today + dt.timedelta(days=begin), today + dt.timedelta(days=begin + length))
    now = today + dt.timedelta(days=later)
    changed = Capacity(capacity.default, capacity.owners, (*capacity.absences, away))
    after = reschedule(before, sequences, enrolments, changed, now, country)
    assert len(after.touches) == len(before.touches)
    for (day, owner), count in _per_day(after.touches).items():
        assert count <= changed.of(owner)
        assert day < now or not any(a.owner == owner and a.start <= day <= a.end for a in changed.absences)
    _check_order_and_gaps(after, by_id, country)
    old = {(t.sequence, t.contact, t.step): t for t in before.touches}
    new = {(t.sequence, t.contact, t.step): t for t in after.touches}
    for key, touch in old.items():
        covered = touch.owner == "alex" and away.start <= touch.date <= away.end and touch.date >= now
        earlier_moved = key[2] > 1 and new[(*key[:2], key[2] - 1)].date != old[(*key[:2], key[2] - 1)].date
        if touch.date < now or not (covered or earlier_moved):
            assert new[key].date == touch.date, key


def test_a_paused_sequence_waits_for_the_day_after_the_pause() -> None:
    pause = Pause("icp", dt.date(2027, 4, 27), dt.date(2027, 5, 4))
    result = schedule([FOUR], _enrol(2), Capacity(10), MONDAY, pauses=(pause,))
    assert not [t for t in result.touches if pause.start <= t.date <= pause.end]
    assert {t.date for t in result.touches if t.step == 2} == {dt.date(2027, 5, 5)}


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda t: t.strip() == t
)


@st.composite
def _plans_with_sequences(draw: st.DrawFn) -> model.Plan:
    accounts = tuple(model.Account(f"a{i}", f"Compte {i}", owner="alex") for i in range(3))
    contacts = tuple(model.Contact(f"c{i}", f"a{i}", f"Contact {i}", persona="CFO") for i in range(3))
    planned = []
    for i in range(draw(st.integers(0, 3))):
        offsets = sorted(draw(st.lists(st.integers(0, 60), min_size=1, max_size=5)))
        steps = tuple(
            Step(
                o,
                draw(st.sampled_from(list(Channel))),
                draw(
                    st.dictionaries(
                        st.sampled_from(["CFO", "COO", "DAF"]),
                        st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
                        max_size=2,
                    )
                ),
                draw(st.one_of(st.just(""), _TEXT)),
            )
            for o in offsets
        )
        split = draw(st.sampled_from([(), (1.0,), (0.5, 0.5), (0.25, 0.75), (0.2, 0.3, 0.5)]))
        variants = tuple(Variant(chr(65 + j), s) for j, s in enumerate(split))
        exits = tuple(draw(st.lists(st.sampled_from(list(ExitRule)), min_size=1, unique=True)))
        sid = f"s{i}"
        pause = draw(st.booleans())
        planned.append(
            PlannedSequence(
                Sequence(sid, draw(_TEXT), steps, variants, exits),
                accounts=(f"a{i}",),
                start=draw(st.one_of(st.none(), st.just(dt.date(2027, 2, 1)))),
                pauses=(Pause(sid, dt.date(2027, 3, 1), dt.date(2027, 3, 5), draw(st.sampled_from([None, f"c{i}"]))),)
                if pause
                else (),
            )
        )
    capacity = draw(st.one_of(st.none(), st.builds(Capacity, st.integers(1, 1000), st.just({"alex": 7}))))
    return model.Plan(
        name="p",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 6, 30),
        accounts=accounts,
        contacts=contacts,
        sequences=tuple(planned),
        touch_capacity=capacity,
    )


@settings(max_examples=60, deadline=None)
@given(_plans_with_sequences())
def test_any_sequences_section_is_dumped_so_that_parsing_gives_it_back(plan: model.Plan) -> None:
    assert to_plan(parse_plan_file(dump_plan(plan))) == plan
