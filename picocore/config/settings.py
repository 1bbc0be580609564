"""PicoCore settings: one module, read from the environment, secure unless told otherwise.

Production is the default. `PICOCORE_DEMO=1` (what `picocore demo` and `make run` set) switches on DEBUG,
plain HTTP on localhost and a secret key generated once under the var/ directory. The demo marks its var/
directory as a demo installation, so commands run there later (`picocore mail ingest` from a test MTA, say)
need no environment variables; a SECRET_KEY in the environment always means production.
Per-customer behaviour never lives here: it is data in the database.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_flag(name: str, default: bool) -> bool:
    """A boolean environment variable: 1/true/yes/on are true, 0/false/no/off are false."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("PICOCORE_VAR_DIR", BASE_DIR / "var")).resolve()

DEMO_MARKER = VAR_DIR / "demo-installation"
DEMO = env_flag("PICOCORE_DEMO", not os.environ.get("SECRET_KEY") and DEMO_MARKER.is_file())
DEBUG = env_flag("PICOCORE_DEBUG", DEMO)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not (DEMO or DEBUG):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or run `picocore demo`."
        )
    # Demo and development: one key generated on first use and kept outside the repository.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEMO or DEBUG) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "picocore.core",
    "picocore.audit",
    "picocore.tenancy",
    "picocore.catalog",
    "picocore.contracts",
    "picocore.sla",
    "picocore.cmdb",
    "picocore.tickets",
    "picocore.changes",
    "picocore.knowledge",
    "picocore.problems",
    "picocore.search",
    "picocore.development",
    "picocore.hours",
    "picocore.satisfaction",
    "picocore.reviews",
    "picocore.notifications",
    "picocore.outbox",
    "picocore.security",
    "picocore.mail",
    "picocore.accounts",
    "picocore.sso",
    "picocore.portal",
    "picocore.members",
    "picocore.desk",
    "picocore.reports",
    "picocore.webhooks",
    "picocore.alerts",
    "picocore.statuspages",
    "picocore.privacy",
    "picocore.api",
    "picocore.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session's user is read: the request's reference token rides along with that read.
    "picocore.core.reference.ReferenceScopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "picocore.core.uploads.UploadMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a person's chosen language wins over the browser's preference.
    "picocore.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff without a second factor: reminded during the grace period, held at its set-up page after it.
    "picocore.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "picocore.core.middleware.DomainErrorMiddleware",
    "picocore.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "picocore.config.urls"
WSGI_APPLICATION = "picocore.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

FORM_RENDERER = "picocore.core.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'picocore.sqlite3'}",
        conn_max_age=int(os.environ.get("PICOCORE_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a transaction
    # starts, so two writers queue on busy_timeout instead of failing to upgrade a read lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it costs more than a page's short queries take (measured: 113 ms of a 1.4 s search).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Each process's memory: the sidebar's short-lived counts ("default", Django's own default) and the rendered
# timeline entries ("timeline"), which never go stale and so need no sharing between processes (see
# picocore/tickets/fragments.py); the least recently used beyond MAX_ENTRIES are dropped.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "timeline": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "timeline",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"
# django-axes first: it refuses a locked-out account or address before any password is checked. Then the model
# backend that reads a session's user with their tenancy reach; Django's own stays last only so that sessions it
# signed in before keep working (their users' reach costs one query).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "picocore.sso.backends.SingleSignOnGuard",
    "picocore.tenancy.backends.ReachBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one e-mail address, or from
# one client address, signing in there is refused, right password or not, until AXES_COOLOFF_TIME has passed
# without trying or an administrator unlocks it (admin › Access attempts, or `picocore unlock`). Failures are
# counted per submitted address whether or not an account has it, so the lockout tells nobody which exist.
# A success does not wipe the count: it would let someone with one account reset the count of their address.
# A password-reset link is signed and works once, for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
AXES_FAILURE_LIMIT = int(os.environ.get("PICOCORE_SIGN_IN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("PICOCORE_SIGN_IN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "picocore.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "picocore.accounts.throttle.client_address"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not the throttle's business
# Two-factor sign-in (django-otp): the name authenticator apps list PicoCore's codes under. When staff must have
# a second factor is the administrator's setting in the database (admin › Sign-in security settings).
OTP_TOTP_ISSUER = "PicoCore"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("da", _("Danish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
# Dates and times are written with the named formats (DATE_FORMAT, SHORT_DATETIME_FORMAT…) of the active
# language, defined in picocore/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["picocore.formats"]
TIME_ZONE = os.environ.get("PICOCORE_TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("PICOCORE_MEDIA_ROOT", VAR_DIR / "media"))
# Attachments are never served as public media: they go through a view that checks who may see them.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: the per-file limit is enforced by the attachment service; these keep Django from buffering more.
PICOCORE_ATTACHMENT_MAX_BYTES = int(os.environ.get("PICOCORE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
PICOCORE_ATTACHMENTS_PER_MESSAGE = 10
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The first handler refuses an oversized body before it is read and stops a file at its limit.
FILE_UPLOAD_HANDLERS = [
    "picocore.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Webhooks and status-page subscribers post only to public addresses (picocore.core.outbound); the demo, whose
# receivers run on this machine, may post to loopback and private networks.
PICOCORE_OUTBOUND_PRIVATE_TARGETS = env_flag("PICOCORE_OUTBOUND_PRIVATE_TARGETS", DEMO)

# The REST API (/api/v1/): Bearer tokens for programs, the session for the browser (with CSRF); every answer
# JSON; every 4xx in one envelope; rate limits per token (PICOCORE_API_RATE_LIMIT requests per
# PICOCORE_API_RATE_WINDOW seconds, counted in the database so all workers share them).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "picocore.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["picocore.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["picocore.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "picocore.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "picocore.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
PICOCORE_API_RATE_LIMIT = int(os.environ.get("PICOCORE_API_RATE_LIMIT", "600"))
PICOCORE_API_RATE_WINDOW = int(os.environ.get("PICOCORE_API_RATE_WINDOW", "60"))
SPECTACULAR_SETTINGS = {
    "TITLE": "PicoCore API",
    "DESCRIPTION": "The service desk's REST API: the same rules as the pages, behind per-person tokens.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "picocore.tickets.choices.Status",
        # Impact and urgency share their levels: one enum.
        "LevelEnum": "picocore.catalog.choices.Impact",
    },
}

# Outgoing mail (Django's MAILERS). The demo prints mail to the console; production speaks SMTP.
MAILERS: dict[str, dict[str, object]]
if DEMO and not os.environ.get("EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_flag("EMAIL_USE_TLS", False),
                "timeout": 30,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PicoCore <support@picocore.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails point here.
PICOCORE_BASE_URL = os.environ.get("PICOCORE_BASE_URL", "http://127.0.0.1:8000")
# The domain of our Message-IDs and of the reply addresses (support+<token>@PICOCORE_MAIL_DOMAIN).
PICOCORE_MAIL_DOMAIN = os.environ.get("PICOCORE_MAIL_DOMAIN", "picocore.example")
PICOCORE_SUPPORT_ADDRESS = os.environ.get("PICOCORE_SUPPORT_ADDRESS", f"support@{PICOCORE_MAIL_DOMAIN}")

# HTTPS and hardening: on by default, off only for the local demo or when a proxy terminates TLS
# and the operator says so.
HTTPS = env_flag("PICOCORE_HTTPS", not (DEMO or DEBUG))
SECURE_SSL_REDIRECT = HTTPS and env_flag("PICOCORE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("PICOCORE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a reverse proxy, the client's address is the one the proxy appended to X-Forwarded-For.
PICOCORE_BEHIND_PROXY = env_flag("PICOCORE_BEHIND_PROXY", False)
if PICOCORE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PICOCORE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
