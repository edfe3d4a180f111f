"""Login throttling and password hashing: password guessing is stopped per account and per address, and
passwords are stored as Argon2 hashes (older hashes upgraded at the next login)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


def _login(username: str, password: str, address: str) -> tuple[Client, Any]:
    client = Client(REMOTE_ADDR=address)
    return client, client.post(reverse("login"), {"username": username, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(username: str, times: int, address: str = ATTACKER) -> list[int]:
    return [_login(username, "not-the-password", address)[1].status_code for _ in range(times)]


def test_the_11th_attempt_in_a_minute_is_refused_even_with_the_right_password(owner: Any) -> None:
    # the login form again with its error nine times; the tenth failure locks
    assert _fail("owner", 10) == [200] * 9 + [429]
    client, response = _login("owner", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert not _logged_in(client)
    assert 'data-testid="locked-out"' in response.content.decode()


def test_the_lockout_page_says_when_to_try_again(owner: Any) -> None:
    _fail("owner", 10)
    _client, response = _login("owner", PASSWORD, ATTACKER)
    until = timezone.localtime(timezone.now() + timedelta(minutes=15))
    shown = set(re.findall(r"\b\d{1,2}:\d{2}\b", response.content.decode()))
    assert shown & {f"{(until - timedelta(minutes=d)):%H:%M}" for d in (0, 1)}, shown
    assert response.wsgi_request.LANGUAGE_CODE == "fr"  # French by default, like every page


def test_nine_failures_then_the_right_password_logs_in_and_starts_the_count_again(owner: Any) -> None:
    _fail("owner", 9)
    client, response = _login("owner", PASSWORD, ATTACKER)
    assert response.status_code == 302 and _logged_in(client)
    _fail("owner", 9)  # the success reset the count: nine more are still not a lockout
    client, response = _login("owner", PASSWORD, ATTACKER)
    assert response.status_code == 302 and _logged_in(client)


def test_a_locked_account_is_refused_from_any_address(owner: Any) -> None:
    _fail("owner", 10)
    client, response = _login("owner", PASSWORD, ELSEWHERE)
    assert response.status_code == 429 and not _logged_in(client)


def test_an_address_that_guessed_too_much_is_refused_for_every_account(owner: Any, teammate: Any) -> None:
    for name in ("ghost-1", "ghost-2", "ghost-3", "ghost-4", "ghost-5"):
        _fail(name, 2)
    client, response = _login("teammate", PASSWORD, ATTACKER)
    assert response.status_code == 429 and not _logged_in(client)


def test_another_account_from_another_address_is_unaffected(owner: Any, teammate: Any) -> None:
    _fail("owner", 10)
    client, response = _login("teammate", PASSWORD, ELSEWHERE)
    assert response.status_code == 302 and _logged_in(client)


def test_after_the_cool_off_the_right_password_works_again(owner: Any) -> None:
    from axes.models import AccessAttempt

    _fail("owner", 10)
    assert _login("owner", PASSWORD, ATTACKER)[1].status_code == 429
    # a quarter of an hour and a minute pass
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = _login("owner", PASSWORD, ATTACKER)
    assert response.status_code == 302 and _logged_in(client)


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(owner: Any, teammate: Any, settings: Any) -> None:
    settings.PAC_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"  # PAC_CLIENT_IP_HEADER=X-Forwarded-For
    for _ in range(10):  # an attacker cannot dodge the count by making up the first entries
        Client(REMOTE_ADDR="10.0.0.1").post(
            reverse("login"),
            {"username": "owner", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{_}, {ATTACKER}",
        )
    refused = Client(REMOTE_ADDR="10.0.0.1").post(
        reverse("login"), {"username": "teammate", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    assert refused.status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.1")
    response = other.post(
        reverse("login"), {"username": "teammate", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )
    assert response.status_code == 302 and _logged_in(other)


def test_a_login_stores_the_password_as_an_argon2_hash_upgrading_an_older_one(owner: Any, settings: Any) -> None:
    from django.contrib.auth.hashers import make_password

    from pac.web import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    owner.password = make_password(PASSWORD, hasher="pbkdf2_sha256")  # stored before the change
    owner.save(update_fields=["password"])
    client, response = _login("owner", PASSWORD, ATTACKER)
    assert response.status_code == 302 and _logged_in(client)
    owner.refresh_from_db()
    assert owner.password.startswith("argon2$argon2id$")
    assert owner.check_password(PASSWORD) and not owner.check_password("not-the-password")


def test_the_records_of_failed_attempts_keep_no_password(owner: Any) -> None:
    import io

    from django.core.management import call_command

    _login("owner", "a-near-miss-Correct-Horse", ATTACKER)
    everything = io.StringIO()
    call_command("dumpdata", "axes", stdout=everything)
    assert '"username": "owner"' in everything.getvalue()  # the attempt is recorded…
    assert "a-near-miss-Correct-Horse" not in everything.getvalue()  # …without what was typed
