"""French pages keep their punctuation on the line: the catalogue and the team write a plain space before
« : » or « % », which the browser may break at; the page is served with the spaces French typography uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pac.web.language import french_spaces


def test_it_puts_non_breaking_spaces_where_french_typography_wants_them() -> None:
    page = '<p title="a : b">Objectif « Démos » : 25 % ; 3 € ! Prêt ?</p>'
    assert french_spaces(page) == (
        '<p title="a : b">Objectif «\u202fDémos\u202f»\u00a0: 25\u202f%\u202f; 3\u00a0€\u202f! Prêt\u202f?</p>'
    )


def test_it_leaves_scripts_code_and_text_areas_as_they_are() -> None:
    page = "<script>x = a ? b : c;</script><code>k : v</code><textarea>Note : rien</textarea><b>Fin :</b>"
    assert french_spaces(page) == (
        "<script>x = a ? b : c;</script><code>k : v</code><textarea>Note : rien</textarea><b>Fin\u00a0:</b>"
    )


@pytest.mark.django_db
def test_a_french_page_is_served_with_french_spacing_and_an_english_one_as_written(owner: Any) -> None:
    from django.conf import settings

    client = Client()
    client.force_login(owner)
    french = client.get(reverse("crm:import")).content.decode()
    assert "Excel français compris\u00a0: séparateur" in french  # the catalogue writes « compris : »
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("crm:import")).content.decode()
    assert "(French Excel included: ; separators" in english


def test_the_spaced_page_is_served_whole(owner: Any) -> None:
    """A non-breaking space takes more bytes than a space: the length announced is the page's once spaced
    (a browser cut the page's last bytes, and showed a stray « < » under every French page)."""
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("crm:import"))
    assert "\u00a0" in response.content.decode()
    assert int(response["Content-Length"]) == len(response.content)
