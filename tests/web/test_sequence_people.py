"""Who is in a sequence (one person paused, resumed, stopped; their legal basis and data source) and the
team's opt-outs (added by hand, imported from a file all or nothing); who may see and change them.

Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pac.web.sequences import selectors, services
from pac.web.sequences.models import ContactConsent, Enrolment, EnrolmentStatus, OptOut, Touch, TouchStatus

from .conftest import login
from .test_sequences_db import FOUR_STEPS, START, cadence, crm_plan  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 12)  # after the phone (day 3) and social (day 8) steps of an enrolment on START
LATER = dt.date(2026, 12, 31)  # every touch of the sequence due by then


@pytest.fixture
def enrolled(owner: Any, crm_plan: Any, cadence: Any, monkeypatch: Any) -> Any:  # noqa: F811
    """The ICP segment enrolled on START; « today » is DAY for the pages."""
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: DAY)
    return cadence


def _text(response: Any) -> str:
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def _people(sequence: Any) -> str:
    return reverse("sequences:people", args=[sequence.plan_id, sequence.pk])


def _person(enrolment: Enrolment) -> str:
    return reverse("sequences:person", args=[enrolment.plan_id, enrolment.sequence_id, enrolment.pk])


def _opt_outs(plan: Any) -> str:
    return reverse("sequences:opt_outs", args=[plan.pk])


def _of(code: str) -> Enrolment:
    return Enrolment.objects.get(contact__code=code)


def test_pausing_one_person_holds_their_touches_and_resuming_brings_them_back(owner: Any, enrolled: Any) -> None:
    client = login(owner)
    c0 = _of("c0")
    mine = set(Touch.objects.filter(enrolment=c0).values_list("pk", flat=True))
    assert mine & {t.pk for t in selectors.today_queue(owner, DAY)}  # the phone step is due for the owner

    assert client.post(_person(c0), {"do": "pause"}).status_code == 302

    assert _of("c0").status == EnrolmentStatus.PAUSED
    assert not mine & {t.pk for t in selectors.today_queue(owner, LATER)}
    claimed = {t.pk for t in services.claim_due(LATER, 1000)}
    assert claimed and not mine & claimed  # the others' e-mails go, not theirs
    page = _text(client.get(_people(enrolled)))
    assert f'data-testid="resume-{c0.pk}"' in page and "en pause" in page

    assert client.post(_person(c0), {"do": "resume"}).status_code == 302

    assert _of("c0").status == EnrolmentStatus.ACTIVE
    assert mine & {t.pk for t in selectors.today_queue(owner, LATER)}
    assert mine & {t.pk for t in services.claim_due(LATER, 1000)}


def test_stopping_one_person_skips_their_touches_and_says_why_they_left(owner: Any, enrolled: Any) -> None:
    client = login(owner)
    c1 = _of("c1")

    client.post(_person(c1), {"do": "stop"})

    assert _of("c1").status == EnrolmentStatus.STOPPED and _of("c1").stop_reason == "manual"
    assert set(Touch.objects.filter(enrolment=c1).values_list("status", flat=True)) == {TouchStatus.SKIPPED}
    assert _of("c2").status == EnrolmentStatus.ACTIVE  # the others go on
    row = _text(client.get(_people(enrolled))).split(f'data-testid="person-{c1.pk}"')[1].split("</tr>")[0]
    assert "arrêtée" in row and "Arrêt manuel" in row, row
    assert f"stop-{c1.pk}" not in row  # nothing left to stop


def test_the_legal_basis_and_data_source_are_saved_and_shown_to_readers(
    owner: Any, teammate: Any, enrolled: Any
) -> None:  # fmt: skip
    c2 = _of("c2")
    before = _text(login(teammate).get(_people(enrolled)))
    assert "intérêt légitime" in before.split(f'data-testid="person-{c2.pk}"')[1].split("</tr>")[0]

    login(owner).post(_person(c2), {"do": "consent", "legal_basis": "consent", "data_source": "Salon Big Data 2026"})

    consent = ContactConsent.objects.get(contact=c2.contact)
    assert (consent.legal_basis, consent.data_source) == ("consent", "Salon Big Data 2026")
    page = login(teammate).get(_people(enrolled))
    assert page.status_code == 200
    row = _text(page).split(f'data-testid="person-{c2.pk}"')[1].split("</tr>")[0]
    assert "consentement · Salon Big Data 2026" in row
    assert "<form" not in row  # a reader sees it, changes nothing
    assert login(owner).post(_person(c2), {"do": "consent", "legal_basis": "whatever"}).status_code == 302
    assert ContactConsent.objects.get(contact=c2.contact).legal_basis == "consent"  # refused, kept


def test_the_page_lists_100_people_a_page(owner: Any, crm_plan: Any, cadence: Any) -> None:  # noqa: F811
    from pac.web.plans.models import Account, Contact

    account = Account.objects.create(plan=crm_plan, code="big", name="Grand compte")
    contacts = Contact.objects.bulk_create(
        Contact(account=account, code=f"p{n}", name=f"P {n:03}", email=f"p{n}@x.fr", position=n) for n in range(130)
    )
    Enrolment.objects.bulk_create(
        Enrolment(plan=crm_plan, sequence=cadence, contact=c, account=account, owner="owner", start=START,
                  status=EnrolmentStatus.FINISHED)
        for c in contacts
    )  # fmt: skip
    client = login(owner)

    first = _text(client.get(_people(cadence)))
    second = _text(client.get(_people(cadence) + "?page=2"))

    assert first.count('data-testid="person-') == 100 and second.count('data-testid="person-') == 30
    assert "Inscrits : 130" in first and "Page 1 sur 2" in first
    assert "Toutes les étapes faites" in second


def test_a_manual_opt_out_stops_the_person_in_every_plan_of_the_team(
    owner: Any, crm_plan: Any, enrolled: Any  # noqa: F811
) -> None:  # fmt: skip
    from pac.web.plans.models import Account, Contact, Plan

    other = Plan.objects.create(team=crm_plan.team, owner=owner, name="Autre", start=START, end=LATER)
    account = Account.objects.create(plan=other, code="a", name="Client 3 bis")
    Contact.objects.create(account=account, code="c3b", name="Contact 3", email="c3@client3.fr")
    there = services.sequence_save(owner, other, code="s", name="S", steps=[{"offset": 0, "channel": "phone"}])
    services.enrol(owner, other, there, accounts=["a"], start=START, today=START)
    client = login(owner)

    answer = client.post(_opt_outs(crm_plan), {"do": "add", "email": " C3@Client3.FR "}, follow=True)

    assert set(
        Enrolment.objects.filter(contact__email__iexact="c3@client3.fr").values_list("status", "stop_reason")
    ) == {("stopped", "opt_out")}
    assert Enrolment.objects.filter(contact__email__iexact="c3@client3.fr").count() == 2
    assert OptOut.objects.get(team=crm_plan.team).source == "manual"
    text = _text(answer)
    assert "c3@client3.fr" in text.split('data-testid="opt-outs"')[1] and "manuel" in text
    assert "2 inscriptions en cours arrêtées" in text
    assert client.post(_opt_outs(crm_plan), {"do": "add", "email": "pas-une-adresse"}).status_code == 400


def test_a_file_with_one_bad_address_is_refused_naming_its_line_and_records_nothing(
    owner: Any, enrolled: Any
) -> None:  # fmt: skip
    plan = enrolled.plan
    data = b"email\nc0@client0.fr\nnot-an-address\nc1@client1.fr\n"

    answer = login(owner).post(
        _opt_outs(plan), {"do": "import", "file": SimpleUploadedFile("optouts.csv", data, "text/csv")}
    )

    assert answer.status_code == 400
    refusal = _text(answer).split('data-testid="refusal"')[1].split("</section>")[0]
    assert "Ligne 3 : « not-an-address »" in refusal and "Ligne 2" not in refusal
    assert "rien n'a été enregistré" in refusal.replace("&#x27;", "'")
    assert not OptOut.objects.exists()
    assert _of("c0").status == EnrolmentStatus.ACTIVE


def test_a_good_file_records_every_address_as_imported_and_stops_their_sequences(owner: Any, enrolled: Any) -> None:
    plan = enrolled.plan
    services.opt_out(plan.team, "c0@client0.fr", "link")  # already there: kept as it came
    data = 'adresse;nom\nC0@client0.fr;Zéro\n\n"c1@client1.fr";Un\nnew@ailleurs.fr;Autre\nc1@client1.fr\n'.encode(
        "cp1252"
    )

    answer = login(owner).post(
        _opt_outs(plan), {"do": "import", "file": SimpleUploadedFile("optouts.txt", data)}, follow=True
    )

    assert dict(OptOut.objects.values_list("email", "source")) == {
        "c0@client0.fr": "link",
        "c1@client1.fr": "import",
        "new@ailleurs.fr": "import",
    }
    assert _of("c1").status == EnrolmentStatus.STOPPED and _of("c1").stop_reason == "opt_out"
    assert "Adresses lues : 3 · nouvelles désinscriptions : 2 · inscriptions en cours arrêtées : 1" in _text(answer)


def test_a_file_over_the_bounds_is_refused(owner: Any, crm_plan: Any) -> None:  # noqa: F811
    client = login(owner)
    big = SimpleUploadedFile("big.csv", b"a@b.fr\n" * 160_000)
    many = SimpleUploadedFile("many.csv", b"\n" * 50_001)

    assert client.post(_opt_outs(crm_plan), {"do": "import", "file": big}).status_code == 400
    assert client.post(_opt_outs(crm_plan), {"do": "import", "file": many}).status_code == 400
    assert not OptOut.objects.exists()


def test_a_rep_reads_but_may_not_post_and_an_outsider_gets_404(
    owner: Any, teammate: Any, outsider: Any, enrolled: Any
) -> None:  # fmt: skip
    plan = enrolled.plan
    c0 = _of("c0")
    rep = login(teammate)

    assert rep.get(_opt_outs(plan)).status_code == 200
    assert 'data-testid="opt-out-add"' not in rep.get(_opt_outs(plan)).content.decode()
    assert rep.post(_person(c0), {"do": "stop"}).status_code == 403
    assert rep.post(_opt_outs(plan), {"do": "add", "email": "c0@client0.fr"}).status_code == 403
    assert _of("c0").status == EnrolmentStatus.ACTIVE and not OptOut.objects.exists()
    stranger = login(outsider)
    assert stranger.get(_people(enrolled)).status_code == 404
    assert stranger.get(_opt_outs(plan)).status_code == 404
    assert stranger.post(_person(c0), {"do": "stop"}).status_code == 404


def test_the_sequence_list_links_its_people_and_the_opt_outs(owner: Any, enrolled: Any) -> None:
    page = login(owner).get(reverse("sequences:list", args=[enrolled.plan_id])).content.decode()

    assert f'data-testid="people-{enrolled.pk}" href' in page or f'href="{_people(enrolled)}"' in page
    assert f'href="{_opt_outs(enrolled.plan)}"' in page
