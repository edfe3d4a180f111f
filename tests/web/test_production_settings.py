"""Production settings, as a server starts with them (a fresh process and its environment): a weak secret
key or a wildcard host is refused with how to fix it; a good environment passes `check --deploy` at the
warning level and serves HTTPS only, with secure cookies and HSTS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pac

SRC = Path(pac.__file__).parent.parent
GOOD_KEY = "k3Y-" + "Zq8v_Tw2pLm9Rx4Nc7Hb1Jd6Fs0Gy5Ku" * 2  # 68 characters, many different ones
SERVE = """
import django
from django.core.management import call_command
from django.test import Client
django.setup()
call_command("migrate", verbosity=0)
plain = Client().get("/accounts/login/")
print("plain", plain.status_code, plain.get("Location"))
page = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
print("https", page.status_code)
print("hsts", page["Strict-Transport-Security"])
print("csrf-cookie-secure", bool(page.cookies["csrftoken"]["secure"]))
from django.conf import settings
print("session-cookie-secure", settings.SESSION_COOKIE_SECURE)
print("policy", page["Content-Security-Policy"])
"""


def _run(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(SRC),
        "PAC_DATA_DIR": str(tmp_path),
        "PAC_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "pac.web.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_good_production_environment_passes_check_deploy(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=GOOD_KEY,
        PAC_ALLOWED_HOSTS="pac.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_production_server_serves_https_only_with_secure_cookies_and_hsts(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        ["-c", SERVE],
        SECRET_KEY=GOOD_KEY,
        PAC_ALLOWED_HOSTS="testserver",
        PAC_PROXY_SSL_HEADER="X-Forwarded-Proto",  # as the proxy's documentation writes it
        PAC_HSTS_INCLUDE_SUBDOMAINS="false",
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["plain"] == "301 https://testserver/accounts/login/"
    assert lines["https"] == "200"
    assert lines["hsts"] == "max-age=31536000"  # subdomains left out, as configured
    assert lines["csrf-cookie-secure"] == "True" and lines["session-cookie-secure"] == "True"
    assert "script-src 'self'" in lines["policy"]


@pytest.mark.parametrize(
    "key,why",
    [
        ("x", "SECRET_KEY is too weak for production (1 characters"),
        ("ab" * 40, "80 characters, 2 different"),
        ("", "needs SECRET_KEY in the environment"),
    ],
)
def test_production_refuses_a_weak_secret_key_and_says_how_to_make_one(tmp_path: Path, key: str, why: str) -> None:
    result = _run(tmp_path, ["-m", "django", "check", "--deploy"], SECRET_KEY=key, PAC_ALLOWED_HOSTS="pac.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and why in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # how to fix it


@pytest.mark.parametrize("hosts", ["*", "pac.example.com,*", ""])
def test_production_refuses_a_wildcard_or_missing_host_list(tmp_path: Path, hosts: str) -> None:
    result = _run(tmp_path, ["-m", "django", "check", "--deploy"], SECRET_KEY=GOOD_KEY, PAC_ALLOWED_HOSTS=hosts)
    assert result.returncode != 0
    assert "PAC_ALLOWED_HOSTS" in result.stderr and "pac.example.com" in result.stderr


def test_local_use_still_needs_no_configuration(tmp_path: Path) -> None:
    result = _run(tmp_path, ["-m", "django", "check"], PAC_ENV="local")
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "secret_key").read_text(encoding="ascii").strip()) >= 50


def test_pac_serve_refuses_a_weak_key_with_the_fix_and_no_traceback(tmp_path: Path) -> None:
    result = _run(tmp_path, ["-m", "pac.cli", "serve"], SECRET_KEY="changeme", PAC_ALLOWED_HOSTS="pac.example.com")
    assert result.returncode == 2
    assert "SECRET_KEY is too weak" in result.stderr and "secrets.token_urlsafe" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_header_is_named_however_the_operator_writes_it() -> None:
    from pac.web.security import request_meta_key

    for written in ("X-Forwarded-For", "x_forwarded_for", "HTTP_X_FORWARDED_FOR", " X-Forwarded-For "):
        assert request_meta_key(written) == "HTTP_X_FORWARDED_FOR"
    assert request_meta_key("") == ""
