"""Sequences as stored: enrolment, refusals, opt-outs, claims by workers, permissions, the rep's queue.

Run on SQLite and on PostgreSQL (``DATABASE_URL``); the concurrent-claim test needs PostgreSQL's row locks.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, close_old_connections, connection, transaction
from django.http import Http404

from pac.engine import sequences as engine
from pac.web.busy import is_busy
from pac.web.sequences import selectors, services
from pac.web.sequences.models import Enrolment, EnrolmentStatus, OptOut, Touch, TouchStatus

START = dt.date(2026, 3, 2)  # a Monday, no French holiday in the 21 business days after
FOUR_STEPS = [
    {"offset": 0, "channel": "email"},
    {"offset": 3, "channel": "phone", "instructions": "Appeler après l'e-mail"},
    {"offset": 8, "channel": "social"},
    {"offset": 21, "channel": "email"},
]
MAIL = {"step": 1, "subject": "Bonjour {{ contact.first_name }}", "body": "{{ account.name }} — {{ unsubscribe_url }}"}


@pytest.fixture
def crm_plan(owner: Any, team: Any, teammate: Any) -> Any:
    """A plan with a segment « icp » of 6 accounts (one strategic), each with one contact; the teammate
    owns two of them."""
    from pac.web.plans.models import Account, Contact, Plan, Segment

    plan = Plan.objects.create(
        team=team, owner=owner, name="PAC 2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    icp = Segment.objects.create(plan=plan, code="icp", name="ICP")
    other = Segment.objects.create(plan=plan, code="other", name="Autres")
    for n in range(6):
        account = Account.objects.create(
            plan=plan,
            code=f"a{n}",
            name=f"Compte {n}",
            segment=icp,
            strategic=n == 4,
            owner="teammate" if n in (3, 4) else "",
        )
        Contact.objects.create(
            account=account, code=f"c{n}", name=f"Contact {n}", persona="DAF", email=f"C{n}@Client{n}.fr"
        )
    account = Account.objects.create(plan=plan, code="z", name="Z", segment=other)
    Contact.objects.create(account=account, code="cz", name="Sans mail", persona="DSI")
    return plan


@pytest.fixture
def cadence(owner: Any, crm_plan: Any) -> Any:
    return services.sequence_save(
        owner,
        crm_plan,
        code="four",
        name="4 touches sur 21 jours",
        steps=FOUR_STEPS,
        templates=[MAIL],
        variants=[{"id": "A", "split": 0.5}, {"id": "B", "split": 0.5}],
    )


def _stored(plan: Any) -> set[tuple[dt.date, str, str, int, str]]:
    return {
        (t.due, t.owner, str(t.enrolment.contact_id), t.step, t.channel)
        for t in Touch.objects.filter(enrolment__plan=plan).select_related("enrolment")
    }


def test_enrolling_a_segment_stores_the_engines_schedule(owner: Any, crm_plan: Any, cadence: Any) -> None:
    result = services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)

    assert len(result.enrolled) == 6 and result.refused == []
    enrolments = list(Enrolment.objects.filter(plan=crm_plan).select_related("account", "contact"))
    expected = engine.schedule(
        [services.to_engine(cadence)],
        [
            engine.Enrolment(
                str(cadence.pk),
                str(e.contact_id),
                str(e.account_id),
                e.owner,
                START,
                0 if e.account.strategic else 1,
                "DAF",
            )
            for e in enrolments
        ],
        services.capacity(),
        START,
        "FR",
    )
    assert _stored(crm_plan) == {(t.date, t.owner, t.contact, t.step, t.channel.value) for t in expected.touches}
    assert len(_stored(crm_plan)) == 24
    assert {e.owner for e in enrolments} == {"owner", "teammate"}  # accounts without an owner go to the plan's
    assert {e.variant for e in enrolments} <= {"A", "B"}
    fourth = Touch.objects.filter(step=4).values_list("due", flat=True)
    assert set(fourth) == {dt.date(2026, 3, 31)}  # 21 business days after Monday 2 March


def test_capacity_overflow_rolls_to_the_next_business_day(
    owner: Any, crm_plan: Any, cadence: Any, settings: Any
) -> None:
    settings.SEQUENCE_DAILY_CAPACITY = 2
    result = services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)

    per_day: dict[tuple[str, dt.date], int] = {}
    for t in Touch.objects.all():
        per_day[(t.owner, t.due)] = per_day.get((t.owner, t.due), 0) + 1
    assert max(per_day.values()) == 2
    assert any(o.owner == "owner" and o.date == START and o.count == 2 for o in result.overflow)


def test_opted_out_and_mailless_contacts_are_refused_with_the_reason(owner: Any, crm_plan: Any, cadence: Any) -> None:
    services.opt_out(crm_plan.team, " c2@CLIENT2.fr ", "manual")

    result = services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    again = services.enrol(owner, crm_plan, cadence, accounts=["z", "a1"], start=START, today=START)

    assert [(r.contact.code, r.reason) for r in result.refused] == [("c2", services.REFUSED_OPTED_OUT)]
    assert sorted((r.contact.code, r.reason) for r in again.refused) == [
        ("c1", services.REFUSED_ALREADY_ENROLLED),
        ("cz", services.REFUSED_NO_EMAIL),
    ]
    assert OptOut.objects.get().email == "c2@client2.fr"
    with pytest.raises(ValidationError):
        services.opt_out(crm_plan.team, "not an address", "manual")


def test_a_contact_is_never_in_two_running_sequences_of_one_plan(owner: Any, crm_plan: Any, cadence: Any) -> None:
    second = services.sequence_save(owner, crm_plan, code="short", name="Court", steps=FOUR_STEPS[:2])
    services.enrol(owner, crm_plan, cadence, persona="DAF", start=START, today=START)

    result = services.enrol(owner, crm_plan, second, segment="icp", start=START, today=START)

    assert result.enrolled == [] and {r.reason for r in result.refused} == {services.REFUSED_ALREADY_ENROLLED}
    first = Enrolment.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Enrolment.objects.create(
            plan=crm_plan, sequence=second, contact=first.contact, account=first.account, owner="owner", start=START
        )


def test_an_opt_out_stops_every_sequence_of_the_team_at_once(
    owner: Any, crm_plan: Any, cadence: Any, team: Any
) -> None:
    from pac.web.plans.models import Account, Contact, Plan

    plan2 = Plan.objects.create(team=team, owner=owner, name="Autre", start=START, end=dt.date(2026, 12, 31))
    account = Account.objects.create(plan=plan2, code="a", name="Même client")
    Contact.objects.create(account=account, code="c", name="Même personne", email="c0@client0.fr")
    other = services.sequence_save(owner, plan2, code="x", name="X", steps=FOUR_STEPS)
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    services.enrol(owner, plan2, other, accounts=["a"], start=START, today=START)

    stopped = services.opt_out(team, "C0@client0.FR", "link")

    assert stopped == 2
    gone = Enrolment.objects.filter(contact__email__iexact="c0@client0.fr")
    assert {(e.status, e.stop_reason) for e in gone} == {(EnrolmentStatus.STOPPED, "opt_out")}
    assert set(Touch.objects.filter(enrolment__in=gone).values_list("status", flat=True)) == {TouchStatus.SKIPPED}
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 5
    assert all(t.enrolment.contact.code != "c0" for t in services.claim_due(START, 100))


def test_claiming_twice_claims_each_due_touch_once(owner: Any, crm_plan: Any, cadence: Any) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)

    first = services.claim_due(START, 4)
    second = services.claim_due(START, 100)
    third = services.claim_due(START, 100)

    assert len(first) == 4 and len(second) == 2 and third == []
    assert {t.pk for t in first}.isdisjoint({t.pk for t in second})
    assert all(t.channel == "email" and t.step == 1 and t.status == TouchStatus.CLAIMED for t in first + second)


def test_a_paused_sequence_is_not_claimed(owner: Any, crm_plan: Any, cadence: Any) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    services.pause(owner, sequence=cadence, today=START)
    assert services.claim_due(START, 100) == []

    services.resume(owner, sequence=cadence, today=START)

    assert len(services.claim_due(START, 100)) == 6


def test_resuming_one_person_moves_only_their_touches(owner: Any, crm_plan: Any, cadence: Any) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    paused = Enrolment.objects.get(contact__code="c0")
    others = {t.pk: t.due for t in Touch.objects.exclude(enrolment=paused)}
    services.pause(owner, enrolment=paused, today=START)
    assert "c0" not in {t.enrolment.contact.code for t in services.claim_due(START, 100)}

    back = dt.date(2026, 3, 4)  # Wednesday
    services.resume(owner, enrolment=paused, today=back)

    assert {t.pk: t.due for t in Touch.objects.exclude(enrolment=paused)} == others
    dues = list(Touch.objects.filter(enrolment=paused).order_by("step").values_list("due", flat=True))
    assert dues == [back, dt.date(2026, 3, 9), dt.date(2026, 3, 16), dt.date(2026, 4, 2)]  # the gaps kept


def test_a_template_reaching_outside_the_sandbox_is_refused_with_its_place(owner: Any, crm_plan: Any) -> None:
    bad = {"step": 4, "subject": "Bonjour", "body": "{{ contact.__class__ }} {{ password }}"}

    with pytest.raises(ValidationError) as refused:
        services.sequence_save(owner, crm_plan, code="bad", name="Bad", steps=FOUR_STEPS, templates=[MAIL, bad])

    assert set(refused.value.message_dict) == {"templates.2"}
    assert len(refused.value.message_dict["templates.2"]) == 2
    assert "__class__" in " ".join(refused.value.message_dict["templates.2"])
    with pytest.raises(ValidationError) as steps:
        services.sequence_save(owner, crm_plan, code="bad", name="Bad", steps=[{"offset": -3, "channel": "fax"}])
    assert len(steps.value.message_dict["steps.1"]) == 2
    with pytest.raises(ValidationError) as bounds:
        services.sequence_save(
            owner, crm_plan, code="x" * 65, name="Bad",
            steps=[{"offset": 0, "channel": "phone", "instructions": "x" * 2001}],
            templates=[{**MAIL, "persona": "p" * 61}, {**MAIL, "variant": "Z"}],
        )  # fmt: skip
    assert set(bounds.value.message_dict) == {"code", "steps.1", "templates.1", "templates.2"}
    from pac.web.sequences.models import SequenceTemplate

    assert not SequenceTemplate.objects.exists()


def test_two_editors_cannot_overwrite_each_other(owner: Any, crm_plan: Any, cadence: Any) -> None:
    read = cadence.version
    services.sequence_save(owner, crm_plan, code="four", name="Renamed", steps=FOUR_STEPS, version=read)

    with pytest.raises(ValidationError):
        services.sequence_save(owner, crm_plan, code="four", name="Stale", steps=FOUR_STEPS, version=read)


def test_a_rep_may_not_change_sequences_and_an_outsider_learns_nothing(
    owner: Any, teammate: Any, outsider: Any, crm_plan: Any, cadence: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.sequence_save(teammate, crm_plan, code="r", name="R", steps=FOUR_STEPS)
    with pytest.raises(PermissionDenied):
        services.enrol(teammate, crm_plan, cadence, segment="icp", start=START)
    with pytest.raises(Http404):
        services.enrol(outsider, crm_plan, cadence, segment="icp", start=START)
    with pytest.raises(Http404):
        services.pause(outsider, sequence=cadence)
    assert not Enrolment.objects.exists()
    assert list(selectors.today_queue(outsider, START + dt.timedelta(days=30))) == []


def test_the_reps_queue_puts_strategic_accounts_first(owner: Any, teammate: Any, crm_plan: Any, cadence: Any) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    day = dt.date(2026, 3, 12)  # after both phone (day 3) and social (day 8) steps

    queue = list(selectors.today_queue(teammate, day))

    assert [(t.enrolment.account.code, t.channel) for t in queue] == [
        ("a4", "phone"),
        ("a4", "social"),
        ("a3", "phone"),
        ("a3", "social"),
    ]
    assert all(t.owner == "teammate" for t in queue)
    assert len(selectors.today_queue(owner, day)) == 8


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_take_the_same_touch(
    owner: Any, crm_plan: Any, cadence: Any, settings: Any
) -> None:
    """Four workers claim the same due touches. On PostgreSQL, four threads on their own connections (rows
    locked with SKIP LOCKED). The SQLite test database lives in memory, where another connection sees
    another, empty database: there the four take turns on the one connection, and the ``WHERE
    status='scheduled'`` guard still gives each touch to one of them (the file database's concurrent
    writers are shown by tests/cli/test_import_faults.py's processes)."""
    settings.SEQUENCE_DAILY_CAPACITY = 500
    from pac.web.plans.models import Account, Contact

    for n in range(200):
        account = Account.objects.create(plan=crm_plan, code=f"b{n}", name=f"B {n}")
        Contact.objects.create(account=account, code=f"d{n}", name=f"D {n}", email=f"d{n}@x.fr")
    services.enrol(owner, crm_plan, cadence, segment=None, persona="", start=START, today=START)
    due = Touch.objects.filter(channel="email", due=START).count()
    claimed: list[list[int]] = [[], [], [], []]
    barrier = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            barrier.wait()
            while True:
                try:
                    batch = services.claim_due(START, 7)
                except OperationalError as error:  # another writer holds the database: try again
                    if not is_busy(error):
                        raise
                    continue
                if not batch:
                    break
                claimed[n].extend(t.pk for t in batch)
        finally:
            close_old_connections()
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        while True:  # in turns: each claims a batch while any is left
            batches = [services.claim_due(START, 7) for _n in range(4)]
            for n, batch in enumerate(batches):
                claimed[n].extend(t.pk for t in batch)
            if not any(batches):
                break

    everything = [pk for batch in claimed for pk in batch]
    assert len(everything) == len(set(everything)) == due == 200
    if connection.vendor == "postgresql":
        assert sum(1 for batch in claimed if batch) >= 2  # they really ran side by side


def test_a_contacts_legal_basis_defaults_to_legitimate_interest_and_is_kept(
    owner: Any, teammate: Any, outsider: Any, crm_plan: Any
) -> None:
    from pac.web.plans.models import Contact

    contact = Contact.objects.get(code="c1")
    assert services.consent_of(contact).legal_basis == "legitimate_interest"

    services.consent_set(owner, contact, legal_basis="consent", data_source="Salon Big Data 2026")

    assert (services.consent_of(contact).legal_basis, services.consent_of(contact).data_source) == (
        "consent",
        "Salon Big Data 2026",
    )
    with pytest.raises(ValidationError):
        services.consent_set(owner, contact, legal_basis="whim", data_source="")
    with pytest.raises(PermissionDenied):
        services.consent_set(teammate, contact, legal_basis="contract", data_source="")
    with pytest.raises(Http404):
        services.consent_set(outsider, contact, legal_basis="contract", data_source="")
    assert services.consent_of(contact).legal_basis == "consent"


def test_outcomes_are_logged_once_and_a_reply_takes_the_contact_out(
    owner: Any, teammate: Any, outsider: Any, crm_plan: Any, cadence: Any
) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    sent = services.claim_due(START, 100)
    for touch in sent:
        services.touch_done(touch, "sent")
    with pytest.raises(ValidationError):  # a step runs once: a second « sent » is refused
        services.touch_done(sent[0], "sent")
    call = Touch.objects.get(enrolment__contact__code="c3", step=2)

    with pytest.raises(PermissionDenied):  # a rep logs only their own touches
        services.touch_done(Touch.objects.get(enrolment__contact__code="c0", step=2), "replied", teammate)
    with pytest.raises(Http404):
        services.touch_done(call, "replied", outsider)
    services.touch_done(call, "replied", teammate)

    enrolment = Enrolment.objects.get(contact__code="c3")
    assert (enrolment.status, enrolment.stop_reason) == (EnrolmentStatus.STOPPED, "reply")
    assert list(enrolment.touches.order_by("step").values_list("status", flat=True)) == [
        "done",
        "done",
        "skipped",
        "skipped",
    ]
    assert [t.enrolment.contact.code for t in selectors.today_queue(teammate, dt.date(2026, 3, 12))] == ["c4", "c4"]


def test_the_last_step_done_finishes_the_enrolment(owner: Any, crm_plan: Any) -> None:
    one = services.sequence_save(
        owner, crm_plan, code="one", name="Un appel", steps=[{"offset": 0, "channel": "phone"}]
    )
    services.enrol(owner, crm_plan, one, accounts=["a0"], start=START, today=START)

    services.touch_done(Touch.objects.get(), "no_answer", owner)

    assert Enrolment.objects.get().status == EnrolmentStatus.FINISHED


def test_results_count_sends_replies_and_meetings_per_step_and_variant(
    owner: Any, outsider: Any, crm_plan: Any, cadence: Any
) -> None:
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    for touch in services.claim_due(START, 100):
        services.touch_done(touch, "bounced" if touch.enrolment.contact.code == "c5" else "sent")
    variants = dict(Enrolment.objects.values_list("contact__code", "variant"))
    services.touch_done(Touch.objects.get(enrolment__contact__code="c0", step=2), "booked", owner)
    services.touch_done(Touch.objects.get(enrolment__contact__code="c1", step=2), "replied", owner)

    counts = selectors.variant_counts(selectors.sequence_for(owner, cadence.pk))

    first = counts[1]
    assert sum(c.sent for c in first.values()) == 5  # the bounce is not a send
    assert first[variants["c5"]].sent == sum(1 for code, v in variants.items() if v == variants["c5"]) - 1
    second = counts[2]
    assert sum(c.booked for c in second.values()) == 1 and second[variants["c0"]].booked == 1
    assert sum(c.replied for c in second.values()) == 1 and second[variants["c1"]].replied == 1
    assert set(counts) == {1, 2}
    with pytest.raises(Http404):
        selectors.sequence_for(outsider, cadence.pk)
