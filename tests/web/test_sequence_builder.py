"""The sequence builder and the enrolment screen, as a manager uses them: a sequence saved from the page,
its errors shown where they stand, a stale save refused with the text kept, a preview of an e-mail for a
real contact, and the enrolment preview that says exactly what confirming then stores.

Run on SQLite and on PostgreSQL (``DATABASE_URL``); the concurrent enrolments run side by side on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from pac.web.sequences import services
from pac.web.sequences.models import Enrolment, SequenceTemplate, StepTemplate, Touch

from .conftest import login

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)  # a Monday, no French holiday in the 21 business days after
FOUR_STEPS = [
    {"offset": 0, "channel": "email"},
    {"offset": 3, "channel": "phone", "instructions": "Appeler après l'e-mail"},
    {"offset": 8, "channel": "social"},
    {"offset": 21, "channel": "email"},
]


@pytest.fixture
def crm_plan(owner: Any, team: Any) -> Any:
    """A plan with a segment « icp » of 6 accounts, one contact each (persona DAF; « Jeanne Martin » of
    « Compte 0 »); the teammate owns two accounts; a segment « other » with a contact without e-mail."""
    from pac.web.plans.models import Account, Contact, Event, Plan, Segment

    plan = Plan.objects.create(
        team=team, owner=owner, name="PAC 2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    icp = Segment.objects.create(plan=plan, code="icp", name="ICP", criteria={"persona": ["DAF", "DSI"]})
    other = Segment.objects.create(plan=plan, code="other", name="Autres")
    for n in range(6):
        account = Account.objects.create(
            plan=plan, code=f"a{n}", name=f"Compte {n}", segment=icp, owner="teammate" if n in (3, 4) else ""
        )
        name = "Jeanne Martin" if n == 0 else f"Contact {n}"
        Contact.objects.create(account=account, code=f"c{n}", name=name, persona="DAF", email=f"c{n}@client{n}.fr")
    account = Account.objects.create(plan=plan, code="z", name="Z", segment=other)
    Contact.objects.create(account=account, code="cz", name="Sans Mail", persona="DSI")
    Event.objects.create(plan=plan, code="salon", name="Salon RH", start=dt.date(2026, 6, 16), end=dt.date(2026, 6, 18))
    return plan


@pytest.fixture
def cadence(owner: Any, crm_plan: Any) -> Any:
    return services.sequence_save(
        owner,
        crm_plan,
        code="four",
        name="4 touches sur 21 jours",
        steps=FOUR_STEPS,
        templates=[{"step": 1, "subject": "Bonjour {{ contact.first_name }}", "body": "{{ account.name }}"}],
        variants=[{"id": "A", "split": 0.5}, {"id": "B", "split": 0.5}],
    )


def _form(steps: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    """The builder's fields as the page posts them."""
    data: dict[str, Any] = {
        "name": "Relance DAF",
        "anchor": "start",
        "steps": len(steps),
        "variants": 0,
        "templates": 0,
    }
    data["exits"] = ["reply", "meeting", "bounce", "opt_out", "manual"]
    for i, (offset, channel, instructions) in enumerate(steps):
        data |= {f"step-{i}-offset": offset, f"step-{i}-channel": channel, f"step-{i}-instructions": instructions}
    variants = extra.pop("variants", [])
    data["variants"] = len(variants)
    for i, (vid, split) in enumerate(variants):
        data |= {f"variant-{i}-id": vid, f"variant-{i}-split": split}
    templates = extra.pop("templates", [])
    data["templates"] = len(templates)
    for i, t in enumerate(templates):
        data |= {f"tpl-{i}-{k}": v for k, v in t.items()}
    return data | extra


def _selected(page: str, name: str) -> str:
    """The value chosen in the page's select ``name``."""
    options = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page)[1]
    return re.search(r'<option value="([^"]*)" selected', options)[1]


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("\u202f", " ").replace("\xa0", " "))


# --- the builder -----------------------------------------------------------------------------


def test_a_manager_builds_a_sequence_on_the_page(owner: Any, crm_plan: Any) -> None:
    client = login(owner)
    data = _form(
        [("0", "email", ""), ("3", "phone", "Appeler"), ("8", "social", ""), ("21", "email", "")],
        variants=[("A", "60"), ("B", "40")],
        templates=[
            {"step": "1", "persona": "DAF", "variant": "A", "subject": "Bonjour {{ contact.first_name }}", "body": "A"},
            {"step": "1", "persona": "", "variant": "B", "subject": "Salut", "body": "B {{ account.name }}"},
            {"step": "4", "persona": "", "variant": "", "subject": "", "body": ""},  # left blank: ignored
        ],
        op="save",
    )
    response = client.post(reverse("sequences:new", args=[crm_plan.pk]), data)
    assert response.status_code == 302
    sequence = SequenceTemplate.objects.get(plan=crm_plan)
    assert sequence.name == "Relance DAF"
    assert [(s["offset"], s["channel"]) for s in sequence.steps] == [
        (0, "email"),
        (3, "phone"),
        (8, "social"),
        (21, "email"),
    ]
    assert sequence.steps[1]["instructions"] == "Appeler"
    assert sequence.variants == [{"id": "A", "split": 0.6}, {"id": "B", "split": 0.4}]
    assert sorted(StepTemplate.objects.filter(sequence=sequence).values_list("persona", "variant")) == [
        ("", "B"),
        ("DAF", "A"),
    ]
    page = _text(client.get(reverse("sequences:list", args=[crm_plan.pk])))
    assert re.search(r"E-?mail [DJ]0 · (Téléphone|Phone) [DJ]3", page)  # French once the catalogue has « J%(offset)d »
    assert "60 %" in page and "40 %" in page


def test_the_builders_buttons_change_the_rows_without_saving(owner: Any, crm_plan: Any, cadence: Any) -> None:
    client = login(owner)
    url = reverse("sequences:edit", args=[crm_plan.pk, cadence.pk])
    templates = [{"step": "2", "persona": "", "variant": "", "subject": "Pour l'étape 2", "body": "x"}]
    data = _form([("0", "email", ""), ("3", "phone", "Appeler")], templates=templates, version=cadence.version)
    added = _text(client.post(url, data | {"op": "add_step"}))
    assert added.count('name="step-2-offset" value="6"') == 1  # a third step, three days after the last
    moved = _text(client.post(url, data | {"op": "up_step:1"}))
    assert _selected(moved, "step-0-channel") == "phone" and _selected(moved, "step-1-channel") == "email"
    assert _selected(moved, "tpl-0-step") == "1"  # its e-mail follows the step
    removed = _text(client.post(url, data | {"op": "remove_step:1"}))
    assert 'name="step-1-offset"' not in removed and "Pour l'étape 2" not in removed
    cadence.refresh_from_db()
    assert len(cadence.steps) == 4 and cadence.version == 1  # nothing was saved


def test_template_errors_are_shown_beside_the_template_with_the_allowed_variables(owner: Any, crm_plan: Any) -> None:
    client = login(owner)
    templates = [
        {"step": "1", "persona": "", "variant": "", "subject": "Bonjour", "body": "ok {{ contact.first_name }}"},
        {"step": "1", "persona": "DAF", "variant": "", "subject": "{{ contact.salary }}", "body": "{{ ''.__class__ }}"},
    ]
    data = _form([("0", "email", ""), ("x", "phone", "")], templates=templates, op="save")
    response = client.post(reverse("sequences:new", args=[crm_plan.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    errors = re.findall(r'data-testid="template-error">(.*?)</div>', page, re.S)
    assert len(errors) == 1 and "salary" in errors[0] and "first_name" in errors[0]  # the second e-mail's
    assert page.index('data-testid="template-error"') > page.index('name="tpl-1-body"')
    steps = re.findall(r'data-testid="step-error">(.*?)</td>', page, re.S)
    assert len(steps) == 1 and "2" in steps[0]  # the second step's day
    assert 'name="tpl-1-subject" value="{{ contact.salary }}"' in page  # what was typed is kept
    assert "contact.first_name" in re.search(r'data-testid="allowed-variables">(.*?)</p>', page, re.S)[1]
    assert not SequenceTemplate.objects.filter(plan=crm_plan).exists()


def test_a_stale_save_is_refused_and_keeps_what_was_typed(owner: Any, crm_plan: Any, cadence: Any) -> None:
    client = login(owner)
    url = reverse("sequences:edit", args=[crm_plan.pk, cadence.pk])
    opened = cadence.version
    services.sequence_save(owner, crm_plan, code="four", name="Changée ailleurs", steps=FOUR_STEPS, version=opened)
    data = _form([("0", "email", ""), ("5", "phone", "Mon texte à garder")], version=opened, op="save")
    data["name"] = "Ma version"
    response = client.post(url, data)
    assert response.status_code == 409
    page = _text(response)
    assert 'data-testid="builder-errors"' in page
    assert 'value="Mon texte à garder"' in page and 'value="Ma version"' in page
    cadence.refresh_from_db()
    assert cadence.name == "Changée ailleurs"


def test_a_template_is_previewed_for_a_real_contact_of_the_plan(owner: Any, crm_plan: Any, cadence: Any) -> None:
    from pac.web.plans.models import Contact

    client = login(owner)
    jeanne = Contact.objects.get(code="c0")
    templates = [
        {"step": "1", "persona": "", "variant": "", "subject": "Bonjour {{ contact.first_name }}",
         "body": "{{ account.name|upper }} · {{ sender.first_name }} · {{ plan.name }}"},
    ]  # fmt: skip
    data = _form([("0", "email", "")], templates=templates, version=cadence.version, contact=jeanne.pk)
    page = client.post(reverse("sequences:edit", args=[crm_plan.pk, cadence.pk]), data | {"op": "preview:0"})
    preview = re.search(r'data-testid="mail-preview">(.*?)</div>', page.content.decode(), re.S)[1]
    assert "Bonjour Jeanne" in preview and "COMPTE 0 · owner · PAC 2026" in preview
    assert "c0@client0.fr" in preview


def test_a_sequence_made_from_the_event_built_in_enrols_from_its_event(owner: Any, crm_plan: Any) -> None:
    client = login(owner)
    event = crm_plan.events.get(code="salon")
    made = client.post(
        reverse("sequences:builtin", args=[crm_plan.pk]), {"builtin": "event-activation", "event": event.pk}
    )
    sequence = SequenceTemplate.objects.get(plan=crm_plan)
    assert made.status_code == 302 and "Salon RH" in sequence.name and sequence.anchor == "event"
    assert [s["offset"] for s in sequence.steps] == [-60, -30, -7]
    page = client.get(reverse("sequences:enrol", args=[crm_plan.pk, sequence.pk])).content.decode()
    assert re.search(rf'<option value="{event.pk}" selected>Salon RH', page)
    client.post(reverse("sequences:enrol", args=[crm_plan.pk, sequence.pk]), {"segment": "icp", "event": event.pk,
                                                                            "op": "confirm"})  # fmt: skip
    assert {e.start for e in Enrolment.objects.filter(sequence=sequence)} == {event.start}


# --- the enrolment screen --------------------------------------------------------------------


def test_the_enrolment_preview_is_what_confirming_stores(
    owner: Any, crm_plan: Any, cadence: Any, settings: Any
) -> None:
    """Two touches a day per rep: the owner's four contacts overflow; the preview writes nothing and its
    table is exactly the touches per rep and day stored once confirmed, never over capacity."""
    settings.SEQUENCE_DAILY_CAPACITY = 2
    client = login(owner)
    url = reverse("sequences:enrol", args=[crm_plan.pk, cadence.pk])
    whom = {"segment": "icp", "start": START.isoformat()}
    preview = services.enrol_preview(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    assert not Enrolment.objects.exists() and not Touch.objects.exists()
    page = _text(client.post(url, whom | {"op": "preview"}))
    assert not Enrolment.objects.exists()
    counts = re.search(r'data-testid="preview-counts">(.*?)</p>', page)[1]
    assert re.findall(r"\d+", counts) == ["6", "0", "24"]  # enrolled, refused, touches
    assert 'data-testid="preview-runs-out"' in page and "owner" in page
    assert preview.enrolled == 6 and preview.new_touches == 24
    assert all(cell.touches <= cell.capacity == 2 for cell in preview.days)
    assert any(cell.rolled for cell in preview.days)

    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    stored = Counter((t.owner, t.due) for t in Touch.objects.all())
    shown = {(c.owner, c.day): c.touches for c in preview.days if c.touches}
    assert shown == dict(stored)
    assert max(stored.values()) == 2


def test_the_enrolment_preview_says_who_is_refused_and_why(owner: Any, crm_plan: Any, cadence: Any) -> None:
    from pac.web.plans.models import Contact

    services.opt_out(crm_plan.team, "c1@client1.fr", "manual")
    services.enrol(owner, crm_plan, cadence, accounts=["a2"], start=START, today=START)
    Contact.objects.filter(code="cz").update(persona="DAF")
    client = login(owner)
    response = client.post(
        reverse("sequences:enrol", args=[crm_plan.pk, cadence.pk]),
        {"persona": "DAF", "start": START.isoformat(), "op": "preview"},
    )
    page = _text(response)
    refusals = re.search(r'data-testid="preview-refusals">(.*?)</ul>', page)[1]
    assert "Contact 1" in refusals and "Contact 2" in refusals and "Sans Mail" in refusals
    assert refusals.count("<li>") == 3  # opted out, already in a sequence, no e-mail: one line each
    assert Enrolment.objects.count() == 1


def test_confirming_enrols_and_the_list_counts_them(owner: Any, crm_plan: Any, cadence: Any) -> None:
    client = login(owner)
    response = client.post(
        reverse("sequences:enrol", args=[crm_plan.pk, cadence.pk]),
        {"accounts": ["a0", "a1"], "start": START.isoformat(), "op": "confirm"},
    )
    assert response.status_code == 302
    assert sorted(Enrolment.objects.values_list("account__code", flat=True)) == ["a0", "a1"]
    assert Touch.objects.count() == 8
    nothing = client.post(reverse("sequences:enrol", args=[crm_plan.pk, cadence.pk]), {"op": "confirm"})
    assert nothing.status_code == 400 and Enrolment.objects.count() == 2


def test_a_rep_reads_the_list_but_builds_and_enrols_nothing(
    teammate: Any, outsider: Any, crm_plan: Any, cadence: Any
) -> None:
    rep, stranger = login(teammate), login(outsider)
    page = rep.get(reverse("sequences:list", args=[crm_plan.pk]))
    assert page.status_code == 200 and "4 touches sur 21 jours" in page.content.decode()
    assert reverse("sequences:enrol", args=[crm_plan.pk, cadence.pk]) not in page.content.decode()
    assert rep.get(reverse("sequences:edit", args=[crm_plan.pk, cadence.pk])).status_code == 403
    assert rep.post(reverse("sequences:state", args=[crm_plan.pk, cadence.pk]), {"do": "stop"}).status_code == 403
    assert stranger.get(reverse("sequences:list", args=[crm_plan.pk])).status_code == 404
    assert Client().get(reverse("sequences:list", args=[crm_plan.pk])).status_code == 302


def test_pause_resume_and_stop_from_the_list(owner: Any, crm_plan: Any, cadence: Any) -> None:
    client = login(owner)
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    url = reverse("sequences:state", args=[crm_plan.pk, cadence.pk])
    client.post(url, {"do": "pause"})
    cadence.refresh_from_db()
    assert cadence.paused
    client.post(url, {"do": "resume"})
    cadence.refresh_from_db()
    assert not cadence.paused
    client.post(url, {"do": "stop"})
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"stopped"}


# --- two enrolments at once ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_enrolments_at_once_never_exceed_a_reps_capacity(owner: Any, crm_plan: Any, settings: Any) -> None:
    """Two managers enrol two lists of the same rep's accounts at the same moment. Each schedules around
    the touches already stored, so without the team's lock both would fill the same days up to capacity.
    On PostgreSQL two threads on their own connections; SQLite's in-memory test database cannot be shared
    between connections, so there the two run one after the other (SQLite has one writer at a time anyway)."""
    from pac.web.plans.models import Account, Contact

    settings.SEQUENCE_DAILY_CAPACITY = 5
    sequences = [
        services.sequence_save(owner, crm_plan, code=f"s{n}", name=f"S{n}", steps=FOUR_STEPS) for n in range(2)
    ]
    lists: list[list[str]] = [[], []]
    for n in range(60):
        account = Account.objects.create(plan=crm_plan, code=f"b{n}", name=f"B {n}", owner="rep")
        Contact.objects.create(account=account, code=f"d{n}", name=f"D {n}", email=f"d{n}@x.fr")
        lists[n % 2].append(account.code)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            services.enrol(owner, crm_plan, sequences[n], accounts=lists[n], start=START, today=START)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            close_old_connections()
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for n in range(2):
            services.enrol(owner, crm_plan, sequences[n], accounts=lists[n], start=START, today=START)
    assert not failures, failures
    per_day = Counter((t.owner, t.due) for t in Touch.objects.all())
    assert Touch.objects.count() == 240
    assert max(per_day.values()) <= 5


def test_a_second_copy_of_a_built_in_is_told_apart(owner: Any, crm_plan: Any) -> None:
    client = login(owner)
    for _n in range(2):
        client.post(reverse("sequences:builtin", args=[crm_plan.pk]), {"builtin": "four-touches-21-days"})
    names = sorted(SequenceTemplate.objects.filter(plan=crm_plan).values_list("name", flat=True))
    assert len(names) == 2 and names[1] == f"{names[0]} (2)"
    assert [s["offset"] for s in SequenceTemplate.objects.first().steps] == [0, 3, 8, 21]
