"""A sequence's results page (per step and variant, the A/B verdict in words, exits, skipped touches), what
a sequence produces counted against its plan's action, and who may see and change what.

Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pac.web.sequences import services
from pac.web.sequences.models import Enrolment, EnrolmentStatus, Touch, TouchStatus

from .conftest import _user, login
from .test_sequences_db import FOUR_STEPS, START, cadence, crm_plan  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    """The page as read: French spacing (non-breaking spaces) as plain spaces."""
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def _url(sequence: Any) -> str:
    return reverse("sequences:results", args=[sequence.plan_id, sequence.pk])


@pytest.fixture
def worked(owner: Any, crm_plan: Any, cadence: Any) -> Any:  # noqa: F811
    """The ICP segment enrolled; the first e-mails sent (one bounced); a meeting booked on the phone step,
    a reply, a « no answer »; one contact opted out."""
    services.enrol(owner, crm_plan, cadence, segment="icp", start=START, today=START)
    for touch in services.claim_due(START, 100):
        services.touch_done(touch, "bounced" if touch.enrolment.contact.code == "c5" else "sent")
    services.touch_done(Touch.objects.get(enrolment__contact__code="c0", step=2), "booked", owner)
    services.touch_done(Touch.objects.get(enrolment__contact__code="c1", step=2), "replied", owner)
    services.touch_done(Touch.objects.get(enrolment__contact__code="c3", step=2), "no_answer", owner)
    services.opt_out(crm_plan.team, "c2@client2.fr", "link")
    return cadence


def test_the_results_page_counts_each_step_and_variant_and_says_why_people_left(owner: Any, worked: Any) -> None:
    variants = dict(Enrolment.objects.values_list("contact__code", "variant"))
    page = login(owner).get(_url(worked))

    assert page.status_code == 200
    text = _text(page)
    steps = text.split('data-testid="step"')[1:]
    assert len(steps) == 4
    assert "Étape 1 · E-mail" in steps[0] and "Étape 2 · Téléphone" in steps[1]
    sent_a = sum(1 for code, v in variants.items() if v == "A" and code != "c5")
    assert (
        f'data-variant="A"><th scope="row">A</th><td class="num" data-testid="sent">{sent_a}</td><td class="num">—</td>'
        in steps[0]
    )
    booked_variant = variants["c0"]
    row = steps[1].split(f'data-variant="{booked_variant}"')[1].split("</tr>")[0]
    assert 'data-testid="booked">1</td>' in row and "%" in row  # a meeting rate in per cent
    assert "Taux de réponse" in steps[0] and "Ouverts" in steps[0]
    # c0 booked, c1 replied, c2 opted out, c5 bounced: their later touches were skipped
    assert "Sautés (la personne était sortie) : 4 · encore à faire : 2" in steps[2]
    exits = text.split('data-testid="exits"')[1]
    for words in ("RDV pris : 1", "Réponse : 1", "Désinscription : 1", "Adresse invalide (rejet) : 1"):
        assert words in exits
    for english in ("Step ", "Sent<", "Reply rate", "None", "opt_out", "bounce<"):
        assert english not in text


def test_the_ab_verdict_is_said_in_words_with_its_confidence_or_more_sends(
    owner: Any, crm_plan: Any, cadence: Any  # noqa: F811
) -> None:  # fmt: skip
    """200 contacts per variant on the first e-mail: B replied 34 times, A 20 — B wins, with its probability;
    on the phone step the two are too close to tell, and the page says how many more sends it would take."""
    from pac.web.plans.models import Account, Contact

    account = Account.objects.create(plan=crm_plan, code="big", name="Grand compte")
    contacts = Contact.objects.bulk_create(
        Contact(account=account, code=f"p{n}", name=f"P {n}", email=f"p{n}@x.fr", position=n) for n in range(400)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            plan=crm_plan, sequence=cadence, contact=c, account=account, owner="owner", variant="AB"[n % 2],
            start=START, status=EnrolmentStatus.FINISHED,
        )
        for n, c in enumerate(contacts)
    )  # fmt: skip
    now = timezone.now()
    replies = {"A": 20, "B": 34}
    seen = {"A": 0, "B": 0}
    touches = []
    for e in enrolments:
        seen[e.variant] += 1
        first = "replied" if seen[e.variant] <= replies[e.variant] else "sent"
        second = "booked" if seen[e.variant] <= (5 if e.variant == "A" else 6) else "no_answer"
        touches += [
            Touch(enrolment=e, step=1, channel="email", due=START, owner="owner", status=TouchStatus.DONE,
                  outcome=first, done_at=now),
            Touch(enrolment=e, step=2, channel="phone", due=START, owner="owner", status=TouchStatus.DONE,
                  outcome=second, done_at=now),
        ]  # fmt: skip
    Touch.objects.bulk_create(touches)

    text = _text(login(owner).get(_url(cadence)))

    steps = text.split('data-testid="step"')[1:]
    first = [v.split("</p>")[0] for v in steps[0].split('data-testid="verdict">')[1:]]
    assert any("« B » gagne sur le taux de réponse : 17,0 % contre 10,0 % pour « A »" in v for v in first), first
    assert any("de probabilité d&#x27;être meilleure" in v for v in first)
    second = [v.split("</p>")[0] for v in steps[1].split('data-testid="verdict">')[1:]]
    assert any("Pas encore de différence nette sur le taux de rendez-vous" in v for v in second), second
    assert any("envois de plus par variante donneraient une réponse nette" in v for v in second)


def test_what_a_sequence_produces_counts_against_its_action(
    owner: Any, teammate: Any, crm_plan: Any, cadence: Any  # noqa: F811
) -> None:  # fmt: skip
    from pac.web.plans.models import Action

    meetings = Action.objects.create(
        plan=crm_plan, code="rdv", type="prospecting_sequence", name="Prospection ICP", start=START,
        end=dt.date(2026, 6, 30), expected_volume=30, expected_stage="meeting",
    )  # fmt: skip
    mqls = Action.objects.create(
        plan=crm_plan, code="mql", type="prospecting_sequence", name="Relance MQL", start=START,
        end=dt.date(2026, 6, 30), expected_volume=12, expected_stage="mql",
    )  # fmt: skip
    other = services.sequence_save(owner, crm_plan, code="short", name="Court", steps=FOUR_STEPS[1:3])
    services.sequence_set_action(owner, cadence, meetings)
    services.sequence_set_action(owner, other, mqls)
    services.enrol(owner, crm_plan, cadence, accounts=["a0", "a1", "a2"], start=START, today=START)
    services.enrol(owner, crm_plan, other, accounts=["a3", "a4", "a5"], start=START, today=START)
    for code, outcome in (("c0", "booked"), ("c1", "replied"), ("c2", "no_answer"), ("c3", "replied"),
                          ("c4", "booked"), ("c5", "no_answer")):  # fmt: skip
        touch = Touch.objects.filter(enrolment__contact__code=code, channel="phone").get()
        services.touch_done(touch, outcome, owner)

    listed = _text(login(owner).get(reverse("plans:entities", args=[crm_plan.pk, "actions"])))

    row = listed.split(f'data-action="{meetings.pk}"')[1].split("</tr>")[0]
    assert "1 / 30 rendez-vous" in row  # the meeting booked; a reply is not a meeting
    row = listed.split(f'data-action="{mqls.pk}"')[1].split("</tr>")[0]
    assert "2 / 12 MQL" in row  # a reply and a meeting: two contacts raised their hand
    results = _text(login(teammate).get(_url(cadence)))
    assert "Sert l'action « Prospection ICP » : 1 / 30 rendez-vous" in results


def test_an_action_without_sequence_shows_its_volume_alone(owner: Any, plan: Any) -> None:
    listed = _text(login(owner).get(reverse("plans:entities", args=[plan.pk, "actions"])))
    assert " / " not in "".join(r.split("</tr>")[0] for r in listed.split("data-action=")[1:])


def test_who_sees_the_results_and_who_ties_a_sequence_to_an_action(
    owner: Any, teammate: Any, outsider: Any, team: Any, worked: Any
) -> None:
    action = worked.plan.actions.create(
        code="x", type="prospecting_sequence", name="X", start=START, end=START, expected_volume=5,
        expected_stage="meeting",
    )  # fmt: skip
    tie = reverse("sequences:sequence_action", args=[worked.plan_id, worked.pk])

    assert login(teammate).get(_url(worked)).status_code == 200  # the plan's team reads it
    assert login(_user("claire", "executive", team)).get(_url(worked)).status_code == 200
    assert login(outsider).get(_url(worked)).status_code == 404
    assert login(outsider).post(tie, {"action": action.pk}).status_code == 404
    assert login(teammate).post(tie, {"action": action.pk}).status_code == 403
    worked.refresh_from_db()
    assert worked.action_id is None

    assert login(owner).post(tie, {"action": action.pk}).status_code == 302
    worked.refresh_from_db()
    assert worked.action_id == action.pk
    other_plan_sequence = reverse("sequences:results", args=[worked.plan_id + 999, worked.pk])
    assert login(owner).get(other_plan_sequence).status_code == 404


def test_the_results_page_says_why_an_e_mail_was_not_sent(owner: Any, worked: Any) -> None:
    touch = Touch.objects.filter(enrolment__sequence=worked, step=4).order_by("pk").first()
    Touch.objects.filter(pk=touch.pk).update(status=TouchStatus.SKIPPED, reason="no_template")
    text = _text(login(owner).get(_url(worked)))
    step_four = html.unescape(text.split('data-testid="step"')[4])
    assert "Aucun modèle d'e-mail pour cette étape et le persona de ce contact : non envoyé. (1)" in step_four
