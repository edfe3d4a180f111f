"""French by default, English on request; numbers and money per language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import page_text

pytestmark = pytest.mark.django_db


def test_it_speaks_french_by_default_even_to_an_english_browser(plan: Any, as_owner: Client) -> None:
    response = as_owner.get(reverse("plans:detail", args=[plan.pk]), headers={"Accept-Language": "en-US"})
    text = page_text(response)
    assert response["Content-Language"] == "fr"
    assert "Entonnoir inversé" in text and "1 000 000 €" in text


def test_it_switches_to_english_and_formats_numbers_the_english_way(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(reverse("set_language"), {"language": "en", "next": "/plans/"})
    assert response.status_code == 302
    text = page_text(as_owner.get(reverse("plans:detail", args=[plan.pk])))
    assert "Reverse funnel" in text and "€1,000,000" in text and "1,340" in text
