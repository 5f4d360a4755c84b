"""Hushpost settings: every value comes from the environment.

Development (the default) runs with no configuration at all: SQLite and keys
in HUSHPOST_DATA_DIR, every channel to the development outbox. Production
(HUSHPOST_ENV=production) fails closed: it refuses to start without a secret
key, allowed hosts and an encryption key ring. docs/OPERATIONS.md lists each
variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from hushpost.data_dir import read_or_create
from hushpost.env import envbool, envint, envlist, envstr
from hushpost.languages import LANGUAGES as HUSHPOST_LANGUAGES

BASE_DIR = Path(__file__).resolve().parent

# development | production
HUSHPOST_ENV = envstr("HUSHPOST_ENV", "development")
if HUSHPOST_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"HUSHPOST_ENV={HUSHPOST_ENV!r} is not known: use development or production."
    )
PRODUCTION = HUSHPOST_ENV == "production"

# Where SQLite, generated development keys and uploads live.
DATA_DIR = Path(envstr("HUSHPOST_DATA_DIR", "var")).resolve()

# The public URL of this install; secure links and webhook signatures use it.
# Production has no default: hushpost.E003 refuses to start without it.
BASE_URL = envstr("HUSHPOST_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
# Published at /.well-known/security.txt for vulnerability reports; production
# refuses to start with this placeholder (hushpost.E008).
SECURITY_CONTACT_PLACEHOLDER = "security@hushpost.invalid"
HUSHPOST_SECURITY_CONTACT = envstr("HUSHPOST_SECURITY_CONTACT", SECURITY_CONTACT_PLACEHOLDER)
# The notification channels this install sends on; each needs its provider in
# production (hushpost.E001). Leave out sms and voice for an email-only install.
HUSHPOST_CHANNELS = envlist("HUSHPOST_CHANNELS", "sms,email,voice")
if unknown_channels := set(HUSHPOST_CHANNELS) - {"sms", "email", "voice"}:
    raise ImproperlyConfigured(
        f"HUSHPOST_CHANNELS names {', '.join(sorted(unknown_channels))}: use sms, email and voice."
    )

# The encryption key ring ("id:key,id:key"; the first encrypts, all decrypt).
HUSHPOST_KEYS = envstr("HUSHPOST_KEYS")
if HUSHPOST_KEYS:
    from hushpost.crypto.keyring import KeyRing, KeyRingError

    try:
        KeyRing.parse(HUSHPOST_KEYS)
    except KeyRingError as error:
        raise ImproperlyConfigured(str(error)) from None

# Data retention (docs/SECURITY.md): messages, attachments, their deliveries and
# links older than this many days are purged daily by the scheduler; 0 keeps them.
HUSHPOST_RETENTION_DAYS = envint("HUSHPOST_RETENTION_DAYS", 0)
if HUSHPOST_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        "HUSHPOST_RETENTION_DAYS must be 0 (keep forever) or a number of days."
    )

# How far ahead a recurring calendar series is expanded into appointments (docs/OPERATIONS.md);
# the scheduler adds the occurrences of open-ended series as this horizon moves on.
HUSHPOST_RECURRENCE_HORIZON_DAYS = envint("HUSHPOST_RECURRENCE_HORIZON_DAYS", 365)
if not 1 <= HUSHPOST_RECURRENCE_HORIZON_DAYS <= 3660:
    raise ImproperlyConfigured(
        "HUSHPOST_RECURRENCE_HORIZON_DAYS must be a number of days from 1 to 3660 (ten years)."
    )

_missing = [
    name
    for name, value in (
        ("HUSHPOST_SECRET_KEY", envstr("HUSHPOST_SECRET_KEY")),
        ("HUSHPOST_ALLOWED_HOSTS", envstr("HUSHPOST_ALLOWED_HOSTS")),
        ("HUSHPOST_KEYS", HUSHPOST_KEYS),
    )
    if not value
]
if PRODUCTION and _missing:
    raise ImproperlyConfigured(
        f"HUSHPOST_ENV=production needs {', '.join(_missing)}: see docs/OPERATIONS.md."
    )


def _development_secret() -> str:
    # A per-install secret kept in the data dir, so sessions survive restarts
    # without shipping a well-known key.
    return read_or_create(DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = envstr("HUSHPOST_SECRET_KEY") or _development_secret()
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("HUSHPOST_SECRET_KEY must be at least 50 characters long.")
# Earlier secret keys, comma-separated, still accepted after a rotation: link PINs
# stored under them and the audit chain sealed under them keep verifying.
SECRET_KEY_FALLBACKS = envlist("HUSHPOST_SECRET_KEY_FALLBACKS")

DEBUG = envbool("HUSHPOST_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("HUSHPOST_DEBUG cannot be on with HUSHPOST_ENV=production.")

ALLOWED_HOSTS = envlist("HUSHPOST_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_htmx",
    # django-ninja: its Swagger UI files are served from our own static files
    # (no CDN under our CSP).
    "ninja",
    # Staff two-factor: authenticator apps (TOTP) and single-use backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Email services (ESPs) and their tracking webhooks; only its checks and signals are used.
    "anymail",
    "hushpost.accounts",
    "hushpost.activity",
    "hushpost.webhooks",
    "hushpost.imports",
    "hushpost.contacts",
    "hushpost.delivery",
    "hushpost.messaging",
    "hushpost.appointments",
    "hushpost.scheduler",
    "hushpost.portal",
    "hushpost.web",
    "hushpost.metrics",
]

MIDDLEWARE = [
    # A request id for every line logged while serving, answered as X-Request-ID.
    "hushpost.log_context.RequestIdMiddleware",
    # Counts every answer (hushpost_http_requests_total) and serves /metrics,
    # like the probes before the host check (hushpost/metrics/).
    "hushpost.metrics.middleware.MetricsMiddleware",
    # /healthz and /readyz, before the host check and the https redirect: probes
    # come by IP over plain http (hushpost/health.py).
    "hushpost.health.HealthMiddleware",
    # The client's address and https only on a trusted proxy's word
    # (HUSHPOST_TRUSTED_PROXIES); first, so the SSL redirect and cookies see it.
    "hushpost.client_address.ClientAddressMiddleware",
    # Every error under /api/ is problem JSON, even those Django and the other
    # middleware make themselves (first, so it sees them all; it keeps their headers).
    "hushpost.api.answers.ProblemAnswersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The client IP for audit events recorded while this request is served.
    "hushpost.activity.origin.RequestOriginMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "hushpost.portal.middleware.PortalHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step.
    "django_otp.middleware.OTPMiddleware",
    # Staff pages in the person's own language (English or Spanish).
    "hushpost.web.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hushpost.web.middleware.NoStoreMiddleware",
    # API text no database can store (NUL, lone surrogates) is a 422, not a 500.
    "hushpost.api.text_guard.ApiTextGuardMiddleware",
    # Import files sent to the API stay in memory: they are contact data.
    "hushpost.api.upload_guard.ImportUploadMiddleware",
]

ROOT_URLCONF = "hushpost.urls"
WSGI_APPLICATION = "hushpost.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hushpost.web.context_processors.development_outbox",
                "hushpost.web.context_processors.inbox_unread",
            ],
        },
    },
    {
        # The contact's pages (portal/pages.py). The processors above are the staff
        # app's: the signed-in user, messages, the unread count — each a look at the
        # staff session on every page, with nothing in it for a contact. The CSRF
        # token, the one thing the portal's forms need, comes with every engine.
        "NAME": "portal",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    },
]

# --- Database -------------------------------------------------------------
# SQLite in the data dir unless DATABASE_URL says otherwise (PostgreSQL 15+).
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "hushpost.sqlite3"),
            # Tests use a file too: an in-memory shared-cache database answers
            # "table is locked" at once to concurrent requests of the live
            # server, where a file in WAL mode waits its turn like production.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web, worker and scheduler processes read while one writes;
    # IMMEDIATE takes the write lock up front so transactions don't deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Kept open between requests, as PostgreSQL's are: a fresh SQLite connection
    # runs the pragmas above and parses the whole schema again on its first query,
    # which made every page that reads the database pay for it (bench/portal.py).
    DATABASES["default"]["CONN_MAX_AGE"] = 60
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise a table in the database. Either way
# every process shares it: sign-in limits must hold across gunicorn workers.
# The table is made by `createcachetable` (run by `hushpost run` and after
# every migrate; the test runner makes its own).
REDIS_URL = envstr("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hushpost",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hushpost_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Background tasks -------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth and sessions ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["hushpost.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Staff sessions end after this much inactivity (a working day by default);
# every request pushes the end forward.
SESSION_COOKIE_AGE = envint("HUSHPOST_STAFF_SESSION_IDLE_MINUTES", 8 * 60) * 60
SESSION_SAVE_EVERY_REQUEST = True

# Sign-in protection (docs/SECURITY.md): failed passwords (and two-factor
# codes) per account and per client IP within a window; the next attempt is
# refused until the window has passed since the lock began.
HUSHPOST_SIGNIN_ACCOUNT_FAILURES = envint("HUSHPOST_SIGNIN_ACCOUNT_FAILURES", 5)
HUSHPOST_SIGNIN_IP_FAILURES = envint("HUSHPOST_SIGNIN_IP_FAILURES", 20)
HUSHPOST_SIGNIN_WINDOW_MINUTES = envint("HUSHPOST_SIGNIN_WINDOW_MINUTES", 15)
# Password reset emails per address and per client IP within an hour (no mail bombing).
HUSHPOST_PASSWORD_RESET_PER_EMAIL = envint("HUSHPOST_PASSWORD_RESET_PER_EMAIL", 3)
HUSHPOST_PASSWORD_RESET_PER_IP = envint("HUSHPOST_PASSWORD_RESET_PER_IP", 10)
# Portal PIN guessing (docs/SECURITY.md), on top of the lock at 5 wrong per link:
# wrong PINs over all of one contact's links, and failed PIN posts per client IP.
HUSHPOST_PORTAL_PIN_CONTACT_FAILURES = envint("HUSHPOST_PORTAL_PIN_CONTACT_FAILURES", 10)
HUSHPOST_PORTAL_PIN_IP_FAILURES = envint("HUSHPOST_PORTAL_PIN_IP_FAILURES", 30)
HUSHPOST_PORTAL_PIN_WINDOW_MINUTES = envint("HUSHPOST_PORTAL_PIN_WINDOW_MINUTES", 15)
# How authenticator apps name the account ("Hushpost: ann@example.com").
OTP_TOTP_ISSUER = envstr("HUSHPOST_TOTP_ISSUER", "Hushpost")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers -------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("HUSHPOST_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("HUSHPOST_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HUSHPOST_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("HUSHPOST_HSTS_PRELOAD", True)

# Reverse proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto count
# (comma-separated addresses or CIDRs; none by default): hushpost/client_address.py.
# No SECURE_PROXY_SSL_HEADER: it would believe any client's X-Forwarded-Proto.
from hushpost.client_address import parse_networks  # noqa: E402

HUSHPOST_TRUSTED_PROXIES = envlist("HUSHPOST_TRUSTED_PROXIES")
parse_networks(HUSHPOST_TRUSTED_PROXIES)

# The bearer token /metrics wants in production (Authorization: Bearer …);
# unset, /metrics is 404 there. Development serves it to anyone.
HUSHPOST_METRICS_TOKEN = envstr("HUSHPOST_METRICS_TOKEN")

# --- Internationalization ---------------------------------------------------
LANGUAGE_CODE = "en"
# Every language a contact can have (hushpost/languages.py): the portal's
# Accept-Language choice picks among these. Translations: hushpost/locale/.
LANGUAGES = HUSHPOST_LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Email ------------------------------------------------------------------
# SMTP when SMTP_HOST is set; otherwise every email goes to the development outbox.
# The sender as the business writes it ("Praxis Dr. Müller <praxis@example.de>",
# quoted or not), stored in the form every mail library reads; a malformed
# address stops start-up (hushpost.E006) rather than failing every email later.
from hushpost.outgoing_email import SenderInvalid, parse_sender  # noqa: E402

HUSHPOST_FROM_EMAIL = envstr("HUSHPOST_FROM_EMAIL") or "Hushpost <hushpost@localhost>"
try:
    DEFAULT_FROM_EMAIL = parse_sender(HUSHPOST_FROM_EMAIL).header
except SenderInvalid:
    # Kept as written: the system check names what is wrong, and every process refuses to start.
    DEFAULT_FROM_EMAIL = HUSHPOST_FROM_EMAIL
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMTP_HOST = envstr("SMTP_HOST")
SMTP_TLS = envstr("SMTP_TLS", "starttls" if PRODUCTION else "none")
if SMTP_TLS not in {"none", "starttls", "ssl"}:
    raise ImproperlyConfigured(f"SMTP_TLS={SMTP_TLS!r} is not known: use none, starttls or ssl.")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": envint(
                    "SMTP_PORT", 465 if SMTP_TLS == "ssl" else 587 if SMTP_TLS == "starttls" else 25
                ),
                "username": envstr("SMTP_USER"),
                "password": envstr("SMTP_PASSWORD"),
                "use_tls": SMTP_TLS == "starttls",
                "use_ssl": SMTP_TLS == "ssl",
                "timeout": envint("SMTP_TIMEOUT_SECONDS", 20),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}

# An email service through django-anymail wins over SMTP when set (postmark or
# mailgun), configured by that service's own variables (docs/OPERATIONS.md).
# Its tracking webhooks (/webhooks/email/<esp>/) need ANYMAIL_WEBHOOK_SECRET,
# "user:password" sent as HTTP basic auth; without it they refuse everything.
HUSHPOST_EMAIL_ESP = envstr("HUSHPOST_EMAIL_ESP").lower()
from hushpost.delivery.esp_settings import EspSettingsError, esp_configuration, webhook_secret  # noqa: E402

try:
    ANYMAIL = {"WEBHOOK_SECRET": webhook_secret(envstr("ANYMAIL_WEBHOOK_SECRET"))}
    if HUSHPOST_EMAIL_ESP:
        MAILERS, _esp_webhook_settings = esp_configuration(HUSHPOST_EMAIL_ESP, envstr)
        ANYMAIL |= _esp_webhook_settings
except EspSettingsError as error:
    raise ImproperlyConfigured(str(error)) from None
if PRODUCTION and HUSHPOST_EMAIL_ESP and not ANYMAIL["WEBHOOK_SECRET"]:
    raise ImproperlyConfigured(
        f"HUSHPOST_EMAIL_ESP={HUSHPOST_EMAIL_ESP} needs ANYMAIL_WEBHOOK_SECRET (user:password) "
        "for its bounce and complaint webhooks: see docs/OPERATIONS.md."
    )

# --- SMS and voice (Twilio) -------------------------------------------------
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = envstr("TWILIO_FROM_NUMBER")
TWILIO_MESSAGING_SERVICE_SID = envstr("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_API_BASE_URL = envstr("TWILIO_API_BASE_URL", "https://api.twilio.com")

# Tries per delivery (the first included) before a temporary failure becomes final.
HUSHPOST_DELIVERY_MAX_ATTEMPTS = envint("HUSHPOST_DELIVERY_MAX_ATTEMPTS", 8)
# `hushpost worker`: text messages in flight at once per worker process, and
# deliveries claimed per batch (a killed worker leaves at most two batches for
# the sweep and reconciliation to settle). 100, not 32: each batch costs a few
# statements however big, and at 32 they were a third of one worker's time
# (docs/BENCHMARKS.md, the drain).
HUSHPOST_WORKER_CONCURRENCY = envint("HUSHPOST_WORKER_CONCURRENCY", 8)
HUSHPOST_WORKER_BATCH = envint("HUSHPOST_WORKER_BATCH", 100)
for _name in ("HUSHPOST_WORKER_CONCURRENCY", "HUSHPOST_WORKER_BATCH"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more.")


def _rate(name: str) -> float:
    raw = envstr(name) or "0"
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ImproperlyConfigured(f"{name}={raw!r}: give messages per second, 0 or more.")
    return value


# Messages per second per sender (Twilio number or messaging service; SMTP or
# email-service account), shared by every worker; 0 = unlimited.
HUSHPOST_SMS_RATE = _rate("HUSHPOST_SMS_RATE")
HUSHPOST_EMAIL_RATE = _rate("HUSHPOST_EMAIL_RATE")


# --- Outgoing webhooks and the API ----------------------------------------
# Webhook URLs whose host is (or resolves to) a loopback, private, link-local,
# multicast or reserved address are refused, on save and at every send, unless
# this is on (development only by default: a receiver on your own machine).
HUSHPOST_WEBHOOKS_ALLOW_PRIVATE = envbool("HUSHPOST_WEBHOOKS_ALLOW_PRIVATE", not PRODUCTION)
# Calendar feeds (secret iCal addresses) are fetched through the same SSRF guard as
# webhooks: private addresses are refused unless this is on (development only by default).
HUSHPOST_FEEDS_ALLOW_PRIVATE = envbool("HUSHPOST_FEEDS_ALLOW_PRIVATE", not PRODUCTION)
# Each feed is polled this often, feeds spread evenly over the interval.
HUSHPOST_FEED_INTERVAL_MINUTES = envint("HUSHPOST_FEED_INTERVAL_MINUTES", 10)
if not 1 <= HUSHPOST_FEED_INTERVAL_MINUTES <= 1440:
    raise ImproperlyConfigured(
        "HUSHPOST_FEED_INTERVAL_MINUTES must be a number of minutes from 1 to 1440 (a day)."
    )
# One fetch of a feed, from connecting to the last byte.
HUSHPOST_FEED_TIMEOUT_SECONDS = envint("HUSHPOST_FEED_TIMEOUT_SECONDS", 20)
if not 1 <= HUSHPOST_FEED_TIMEOUT_SECONDS <= 120:
    raise ImproperlyConfigured("HUSHPOST_FEED_TIMEOUT_SECONDS must be from 1 to 120 seconds.")
# Requests per minute per API key, counted in the shared cache; 0 turns the limit off.
HUSHPOST_API_RATE = envint("HUSHPOST_API_RATE", 600)
if HUSHPOST_API_RATE < 0:
    raise ImproperlyConfigured("HUSHPOST_API_RATE must be 0 (no limit) or requests per minute.")
# A send to 100,000 contact ids is about 3.9 MB of JSON (Django's default allows 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


# --- Logging ----------------------------------------------------------------
# json (one object a line, production's default) or text; every line carries
# its request id and delivery id (hushpost/log_context.py).
HUSHPOST_LOG_FORMAT = envstr("HUSHPOST_LOG_FORMAT", "json" if PRODUCTION else "text")
if HUSHPOST_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(
        f"HUSHPOST_LOG_FORMAT={HUSHPOST_LOG_FORMAT!r} is not known: use json or text."
    )
from hushpost.log_context import logging_config  # noqa: E402

LOGGING = logging_config(log_format=HUSHPOST_LOG_FORMAT, level=envstr("HUSHPOST_LOG_LEVEL", "INFO"))
