"""Settings, all from the environment (typed helpers below).

Local use needs nothing: an embedded SQLite file and a generated secret key in the data folder.
``PAC_ENV=production`` refuses to start without a strong ``SECRET_KEY`` and explicit ``PAC_ALLOWED_HOSTS``
(`pac.web.security`), and serves secure cookies and HSTS (docs/security.md).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from pac.web import security


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use true or false")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: use a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(
    env_str("PAC_DATA_DIR") or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "pac"
)
PRODUCTION = env_str("PAC_ENV", "local") == "production"
DEBUG = env_bool("PAC_DEBUG", False) and not PRODUCTION


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if PRODUCTION:
        return security.check_secret_key(key)
    if key:
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PAC_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION:
    security.check_allowed_hosts(ALLOWED_HOSTS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "axes",
    "csp",
    "pac.web.accounts",
    "pac.web.plans",
    "pac.web.crm",
    "pac.web.cockpit",
    "pac.web.playbooks",
    "pac.web.sequences",
    "pac.web.privacy",
    "pac.web.api",
    "ninja",  # the API's documentation page (its static files)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pac.web.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the logged-in user is recorded with every change to a plan (plans.recorded)
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pac.web.busy.BusyMiddleware",  # near the end: among the first to see a view's exception (busy database → 503)
    # last, as django-axes asks: it turns a refused login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pac.web.urls"
WSGI_APPLICATION = "pac.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


#: How long a write waits for SQLite's lock held by another writer (seconds).
SQLITE_BUSY_SECONDS = int(env_str("PAC_SQLITE_BUSY_SECONDS", "10"))


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if url:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "pac.sqlite3",
        # WAL lets readers work while a write is in progress; IMMEDIATE avoids lock upgrades; a writer
        # finding another one busy waits up to SQLITE_BUSY_SECONDS (an import holds the lock only for its
        # final merge) before the page says « PAC est occupé » (pac.web.busy). synchronous=NORMAL: safe in
        # WAL mode, a commit no longer waits for the disk (the last ones may be lost on a power cut only).
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_SECONDS,
        },
    }


DATABASES = {"default": _database()}
# The cockpit's figures are computed by the import worker (another process) and read by the server: a
# cache both see, in the data folder (keys carry the data's stamp, so a stale entry is never read).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
        "TIMEOUT": 6 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cockpit:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): 10 failed logins lock the account, and the address they came from, for
# PAC_LOGIN_COOLOFF_MINUTES; the 11th attempt is refused even with the right password. A success resets.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 10
#: Touches of a sequence a rep does in a business day unless told otherwise (the scheduler never exceeds it).
SEQUENCE_DAILY_CAPACITY = env_int("PAC_SEQUENCE_DAILY_CAPACITY", 40)

AXES_COOLOFF_TIME = timedelta(minutes=env_int("PAC_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: an account, and an address
AXES_RESET_ON_SUCCESS = True
# a refused attempt does not push the end of the lockout back: the page can say when to retry
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "pac.web.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# what the attempts' records and logs mask (the password field always is)
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# behind a reverse proxy the client's address is in a header the proxy sets: PAC_CLIENT_IP_HEADER=X-Forwarded-For
PAC_CLIENT_IP_HEADER = security.request_meta_key(env_str("PAC_CLIENT_IP_HEADER"))
AXES_CLIENT_IP_CALLABLE = "pac.web.accounts.lockout.client_address"

# Argon2 first (new and upgraded hashes); PBKDF2 still reads older hashes, upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("PAC_TIME_ZONE", "Europe/Paris")
USE_TZ = True

STATIC_URL = "static/"
# collectstatic target for production servers; local use serves straight from the package.
STATIC_ROOT = env_str("PAC_STATIC_ROOT") or None
STATICFILES_DIRS = [PACKAGE_DIR / "web" / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic step for local use

# Uploads: a plan file is small; anything bigger is refused before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PLAN_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
CRM_UPLOAD_MAX_BYTES = int(env_str("PAC_CRM_UPLOAD_MAX_BYTES", str(100 * 1024 * 1024)))

# The REST API (docs/api.md): calls a token (or an address without one) may make a minute, and the largest
# request body it reads.
API_RATE_LIMIT = int(env_str("PAC_API_RATE_LIMIT", "120"))
API_MAX_BODY_BYTES = 64 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = security.CONTENT_SECURITY_POLICY
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("PAC_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("PAC_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PAC_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PAC_HSTS_PRELOAD", SECURE_HSTS_INCLUDE_SUBDOMAINS)
    # what the operator turned off (a sibling host still on plain HTTP): a choice, not an oversight to warn about
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
        *([] if SECURE_SSL_REDIRECT else ["security.W008"]),  # the proxy in front redirects to HTTPS
    ]
    # behind a TLS-terminating proxy: PAC_PROXY_SSL_HEADER=X-Forwarded-Proto (the proxy must set it)
    if proxy_header := security.request_meta_key(env_str("PAC_PROXY_SSL_HEADER")):
        SECURE_PROXY_SSL_HEADER = (proxy_header, "https")

# Background work (CRM imports): queued in the database, run by `pac worker` or the worker thread that
# `pac serve` starts. PAC_TASKS=immediate runs tasks in the request instead (the test settings do).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_str("PAC_TASKS", "database")]
    }
}

#: A running import whose worker has not said it is alive for this long is marked interrupted (seconds).
IMPORT_JOB_STALE_SECONDS = int(env_str("PAC_IMPORT_JOB_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PAC_LOG_LEVEL", "WARNING")},
}

# Alert digests go out by SMTP (PAC_SMTP_HOST unset: no mail is sent, the page still shows the alerts).
EMAIL_HOST = env_str("PAC_SMTP_HOST", "")
EMAIL_PORT = int(env_str("PAC_SMTP_PORT", "25"))
EMAIL_HOST_USER = env_str("PAC_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("PAC_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PAC_SMTP_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("PAC_MAIL_FROM", "pac@localhost")
#: A webhook POST waits this long at most, and its answer is not read beyond a few bytes.
ALERT_WEBHOOK_TIMEOUT = 10

# Sequences' e-mails (docs/sequences.md « Sending »): sent by `pac worker` through the SMTP server above.
#: The address people reach PAC at: the unsubscribe links in the e-mails are built on it.
BASE_URL = env_str("PAC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def _hours(name: str, default: str) -> tuple[int, int]:
    value = env_str(name, default)
    try:
        start, end = (int(part) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: use two hours such as 8-18") from None
    if not (0 <= start <= 24 and 0 <= end <= 24):
        raise ImproperlyConfigured(f"{name}={value!r}: hours go from 0 to 24")
    return start, end


#: Local hours (in the plan's time zone) when a sequence's e-mail may leave: from 8:00 to 18:00.
SEQUENCE_SENDING_HOURS = _hours("PAC_SEQUENCE_SENDING_HOURS", "8-18")
#: Seconds a worker's claim on a touch lasts without being renewed; past it, another worker may take it.
SEQUENCE_CLAIM_LEASE = env_int("PAC_SEQUENCE_CLAIM_LEASE", 120)
#: SMTP transactions tried for one e-mail (temporary failures) before it is marked failed.
SEQUENCE_SEND_ATTEMPTS = env_int("PAC_SEQUENCE_SEND_ATTEMPTS", 5)
#: Seconds before the first retry after a temporary failure (doubled at each, at most an hour).
SEQUENCE_RETRY_SECONDS = env_int("PAC_SEQUENCE_RETRY_SECONDS", 60)
#: Seconds between two looks for due e-mails when none was left; e-mails claimed per batch (one SMTP connection).
SEQUENCE_SEND_INTERVAL = float(env_str("PAC_SEQUENCE_SEND_INTERVAL", "5"))
SEQUENCE_SEND_BATCH = env_int("PAC_SEQUENCE_SEND_BATCH", 50)
