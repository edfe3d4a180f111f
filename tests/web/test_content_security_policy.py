"""The Content-Security-Policy every page is served with, and templates that keep within it: no inline
script, event handler or style (the browser would refuse them; tests/e2e checks a real browser agrees)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import pac.web

WEB = Path(pac.web.__file__).parent
#: Rendered to PDF by WeasyPrint, never served to a browser: its print style sheet may stay inline.
NOT_SERVED = {"cockpit/templates/cockpit/reports/pack.html"}

INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _policy(response: Any) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.django_db
def test_every_page_forbids_inline_script_style_and_eval(as_owner: Client, plan: Any) -> None:
    for response in (Client().get(reverse("login")), as_owner.get(reverse("plans:detail", args=[plan.pk]))):
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_styles_nor_to_eval(as_owner: Client) -> None:
    body = as_owner.get(reverse("plans:list")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>""" in body


def test_no_template_has_inline_script_handler_or_style() -> None:
    found = []
    for template in sorted(WEB.rglob("templates/**/*.html")):
        name = template.relative_to(WEB).as_posix()
        if name in NOT_SERVED:
            continue
        text = template.read_text(encoding="utf-8")
        found += [f"{name}: {kind}" for kind, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


def test_the_scan_finds_what_a_browser_would_refuse() -> None:
    samples = {
        "inline script": "<script>alert(1)</script>",
        "event handler attribute": '<select name="x" onchange="this.form.submit()">',
        "style attribute": '<div class="a" style="width:3px">',
        "style element": "<style>p{}</style>",
        "javascript: URL": '<a href="javascript:void(0)">',
    }
    for kind, sample in samples.items():
        assert INLINE[kind].search(sample), kind
    for allowed in ('<script src="/static/pac/page.js" defer></script>', '<script id="s" type="application/json">'):
        assert not any(p.search(allowed) for p in INLINE.values()), allowed
