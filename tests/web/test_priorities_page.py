"""The priorities page: explained scores, the proposed selection and the manager's decisions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import page_text

pytestmark = pytest.mark.django_db


def _row(body: str, action_code: str) -> str:
    return body.split(f'data-action="{action_code}"', 1)[1].split("</tr>", 1)[0]


def test_it_explains_every_score_and_proposes_a_selection(plan: Any, as_teammate: Client) -> None:
    response = as_teammate.get(reverse("plans:priorities", args=[plan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    text = page_text(response)
    assert "SaaS mid-market" in text and "Groupe hospitalier de l'Est" in text
    # the 20 000 € budget cannot hold the 15 000 € trade show next to the rest
    assert "✔" not in _row(body, "salon-santexpo") and "15 000 €" in page_text_of(_row(body, "salon-santexpo"))
    assert "✔" in _row(body, "demos-semaine")
    assert 'class="decide"' not in body  # a rep sees the proposal but cannot decide


def page_text_of(fragment: str) -> str:
    import re

    return re.sub(r"[\s\u202f\u00a0]+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_it_records_a_decision_that_overrides_the_selection(plan: Any, as_owner: Client, owner: Any) -> None:
    salon = plan.actions.get(code="salon-santexpo")
    response = as_owner.post(
        reverse("plans:decide", args=[plan.pk]),
        {"action": salon.pk, "choice": "include", "reason": "Salon clé pour la santé"},
    )
    assert response.status_code == 302
    decision = salon.decisions.get()
    assert decision.include and decision.decided_by == owner and decision.reason == "Salon clé pour la santé"
    body = as_owner.get(reverse("plans:priorities", args=[plan.pk])).content.decode()
    assert "✔" in _row(body, "salon-santexpo")
    assert "Salon clé pour la santé" in page_text_of(body.split('id="decisions"', 1)[1])


def test_it_refuses_a_decision_without_a_reason(plan: Any, as_owner: Client) -> None:
    salon = plan.actions.get(code="salon-santexpo")
    response = as_owner.post(
        reverse("plans:decide", args=[plan.pk]), {"action": salon.pk, "choice": "include", "reason": "  "}, follow=True
    )
    assert not salon.decisions.exists()
    assert "reason" in page_text(response) or "pourquoi" in page_text(response).lower()


def test_it_keeps_decisions_to_the_plans_editors(plan: Any, as_teammate: Client, as_outsider: Client) -> None:
    salon = plan.actions.get(code="salon-santexpo")
    data = {"action": salon.pk, "choice": "include", "reason": "moi aussi"}
    assert as_teammate.post(reverse("plans:decide", args=[plan.pk]), data).status_code == 403
    assert as_outsider.post(reverse("plans:decide", args=[plan.pk]), data).status_code == 404
    assert as_outsider.get(reverse("plans:priorities", args=[plan.pk])).status_code == 404
    assert not salon.decisions.exists()


def test_it_withdraws_a_decision_but_keeps_it_in_the_history(plan: Any, as_owner: Client) -> None:
    demos = plan.actions.get(code="demos-semaine")
    url = reverse("plans:decide", args=[plan.pk])
    as_owner.post(url, {"action": demos.pk, "choice": "exclude", "reason": "équipe en congés"})
    assert "✔" not in _row(as_owner.get(reverse("plans:priorities", args=[plan.pk])).content.decode(), "demos-semaine")
    as_owner.post(url, {"action": demos.pk, "choice": "withdraw"})
    body = as_owner.get(reverse("plans:priorities", args=[plan.pk])).content.decode()
    assert "✔" in _row(body, "demos-semaine")
    assert demos.decisions.count() == 1 and not demos.decisions.get().active
