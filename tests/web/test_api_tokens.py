"""Personal API tokens as a person manages them: the « API tokens » page (created and shown once, listed by
prefix, name, rights and last use, revoked) and ``pac token create|revoke``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from pac.cli import app
from tests.web.api_fixtures import Api
from tests.web.helpers import page_text

pytestmark = pytest.mark.django_db


def test_the_page_shows_a_new_token_once_and_lists_it_by_its_prefix(as_owner: Client, plan: Any) -> None:
    from pac.web.api.models import ApiToken

    url = reverse("apitokens:list")
    created = as_owner.post(url, {"name": "Tableau BI", "scope": "read"})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    secret = created.context["issued"].secret
    assert secret in created.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user.username) == ("Tableau BI", "read", "owner")
    listed = as_owner.get(url)
    assert token.prefix in page_text(listed)
    assert secret not in listed.content.decode()  # never shown again
    assert Api(secret).get("/plans").status_code == 200


def test_the_page_refuses_a_token_without_a_name(as_owner: Client) -> None:
    from pac.web.api.models import ApiToken

    refused = as_owner.post(reverse("apitokens:list"), {"name": "   ", "scope": "write"})
    assert refused.status_code == 400
    assert refused.context["errors"]
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page_stops_the_token(as_owner: Client, owner: Any, plan: Any) -> None:
    from pac.web.api.services import token_create

    issued = token_create(user=owner, name="script", write=True)
    assert Api(issued.secret).get("/plans").status_code == 200
    done = as_owner.post(reverse("apitokens:revoke", args=[issued.token.pk]))
    assert done.status_code == 302
    assert Api(issued.secret).get("/plans").status_code == 401


def test_nobody_sees_or_revokes_someone_elses_token(as_teammate: Client, owner: Any) -> None:
    from pac.web.api.services import token_create

    issued = token_create(user=owner, name="à moi", write=True)
    assert issued.token.prefix not in page_text(as_teammate.get(reverse("apitokens:list")))
    assert as_teammate.post(reverse("apitokens:revoke", args=[issued.token.pk])).status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_the_page_needs_a_login() -> None:
    found = Client().get(reverse("apitokens:list"))
    assert found.status_code == 302
    assert found["Location"].startswith(reverse("login"))


def test_the_cli_prints_a_read_only_token_once_and_revokes_it_by_prefix(owner: Any, plan: Any) -> None:
    from pac.web.api.models import ApiToken

    created = CliRunner().invoke(app, ["token", "create", "owner", "--name", "Power BI", "--read-only"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert secret.startswith(token.prefix) and token.scope == "read" and token.name == "Power BI"
    api = Api(secret)
    assert api.get("/plans").status_code == 200
    assert api.post(f"/plans/{plan.pk}/actions", {}).status_code == 403
    revoked = CliRunner().invoke(app, ["token", "revoke", token.prefix])
    assert revoked.exit_code == 0, revoked.output
    assert api.get("/plans").status_code == 401


@pytest.mark.parametrize(
    "args,said",
    [
        (["token", "create", "nobody"], "nobody"),
        (["token", "create", "owner", "--name", " "], ""),
        (["token", "revoke", "pac_00000000"], "pac_00000000"),
        (["token", "revoke", "999999999999999999999999"], "999999999999999999999999"),
    ],
)
def test_the_cli_says_what_is_wrong_without_a_traceback(owner: Any, args: list[str], said: str) -> None:
    found = CliRunner().invoke(app, args)
    assert found.exit_code == 2
    assert "Traceback" not in found.output
    assert found.exception is None or isinstance(found.exception, SystemExit)
    assert said in found.output
