"""What production refuses to start with, and the Content-Security-Policy every page is served with.

Read by the settings before Django is set up, so plain functions and constants only: a weak secret key
or a wildcard host is refused at start-up with the fix in the message, not discovered after a breach.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

#: Django's own `check --deploy` thresholds (security.W009): a key shorter or plainer than this is guessable.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
_MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(64))"'


def check_secret_key(key: str) -> str:
    """The production secret key, or ImproperlyConfigured saying how to make a good one."""
    if not key:
        raise ImproperlyConfigured(
            f"PAC_ENV=production needs SECRET_KEY in the environment: make one with {_MAKE_A_KEY}"
        )
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak for production ({len(key)} characters, {len(set(key))} different): it needs"
            f" at least {SECRET_KEY_MIN_LENGTH} characters and {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones."
            f" Make one with {_MAKE_A_KEY}"
        )
    return key


def check_allowed_hosts(hosts: list[str]) -> list[str]:
    """The production host names, or ImproperlyConfigured: none, or a wildcard, lets any Host header in."""
    if not hosts:
        raise ImproperlyConfigured(
            "PAC_ENV=production needs PAC_ALLOWED_HOSTS: the server's names, comma-separated (pac.example.com)."
        )
    if "*" in hosts:
        raise ImproperlyConfigured(
            "PAC_ALLOWED_HOSTS may not contain '*' in production: list the server's names, comma-separated"
            " (pac.example.com,www.pac.example.com)."
        )
    return hosts


def request_meta_key(header: str) -> str:
    """A header as Django's ``request.META`` names it, however the operator wrote it: ``X-Forwarded-For``,
    ``x_forwarded_for`` and ``HTTP_X_FORWARDED_FOR`` all give ``HTTP_X_FORWARDED_FOR`` ("" stays "")."""
    key = header.strip().upper().replace("-", "_")
    return key if not key or key.startswith("HTTP_") else f"HTTP_{key}"


SELF = "'self'"
NONE = "'none'"

#: No inline script or style, no eval: the pages' scripts are static files (htmx, the charts with Vega's
#: expression interpreter, the forms' helps), their data in `json_script` or `data-*` attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
