"""Sealhub settings: everything comes from the environment (see README)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import dj_email_url
from django.utils.translation import gettext_lazy as _

from config import embedded
from config.env import ConfigurationError, env_bool, env_float, env_int, env_list, env_str
from config.queues import task_routes

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
MASTER_KEY = env_str("MASTER_KEY")
if DEBUG:
    # Local-only fallbacks; production (DEBUG=false) refuses to start without real secrets.
    SECRET_KEY = SECRET_KEY or "insecure-local-development-key-" + "x" * 40
    MASTER_KEY = MASTER_KEY or "insecure-local-master-key-change-me-0000000000"
elif not SECRET_KEY or not MASTER_KEY:
    raise ConfigurationError("SECRET_KEY and MASTER_KEY must be set when DEBUG=false")

BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [BASE_DOMAIN, f".{BASE_DOMAIN}"])
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- services -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or embedded.postgres_url()
REDIS_URL = env_str("REDIS_URL") or embedded.redis_url()

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Tenant-aware keys: the schema name is part of every cache key (docs/library-notes.md).
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": "sealhub",
        # A Redis that does not answer must not hold a request: the callers degrade instead.
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}


def _celery_url(url: str) -> str:
    # Celery's Redis transport spells Unix sockets differently from redis-py.
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = _celery_url(env_str("CELERY_BROKER_URL") or REDIS_URL)
CELERY_RESULT_BACKEND = _celery_url(REDIS_URL)
# Queues by urgency (config/queues.py): the default queue is the urgent one.
CELERY_TASK_DEFAULT_QUEUE = env_str("SEALHUB_TASK_QUEUE", "sealhub")
CELERY_TASK_ROUTES = task_routes(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another try
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
# Nothing reads these tasks' results (the work and its outcome live in the database); a
# stored result also made every process that queues a task subscribe to its result
# channel, so queueing blocked for ~20 s and then failed while Redis was down. Tasks
# whose caller waits for the answer say `ignore_result=False`.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
# Tasks outside the apps' tasks.py modules, which a worker must know by name.
CELERY_IMPORTS = ["config.mail"]
# Celery's Django fixup closes every database connection before and after each task unless
# this is set; config/celery.py recycles them by CONN_MAX_AGE and health instead, as
# Django does between requests (a new connection per task cost ≈3–5 ms).
CELERY_DB_REUSE_MAX = 1_000_000
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
# Nice value of workers that serve no urgent queue (config/celery.py); 0 leaves them alone.
WORKER_BACKGROUND_NICENESS = env_int("WORKER_BACKGROUND_NICENESS", 10)

EMAIL_URL = env_str("EMAIL_URL", "console://")
vars().update(dj_email_url.parse(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sealhub <no-reply@sealhub.local>")

# --- apps -----------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "accounts",
    "seals",
]
TENANT_APPS = [
    "events",
    "documents",
    "workflows",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Company"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
# New companies are cloned from this migrated, empty schema instead of running
# every migration again (docs/library-notes.md: ~1.5 s per tenant otherwise).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
DEFAULT_NOT_FOUND_TENANT_VIEW = "config.views.unknown_host"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenants"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

MIDDLEWARE = [
    "config.content_security.ContentSecurityPolicyMiddleware",
    "config.views.HealthProbeMiddleware",
    "tenants.middleware.CompanyHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.views.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tenants.middleware.MembershipRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.views.DatabaseUnavailableMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.company",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or embedded.var_dir() / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or embedded.var_dir() / "media")
MEDIA_URL = "/media/"
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "config.static.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible storage; credentials and endpoint come from the usual AWS_* variables.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
WHITENOISE_USE_FINDERS = DEBUG
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- security -------------------------------------------------------------------------
# Reverse proxies in front of the web servers (they set X-Forwarded-For / -Proto). With
# none, those headers come from the client and are never believed.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if NUM_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Client addresses for budgets: the connection's, or the one that many trusted reverse
    # proxies in front added to X-Forwarded-For (never a header the client wrote itself).
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsCompanyMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"principal": env_str("API_RATE_LIMIT", "600/min")},
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.SealhubAutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sealhub API",
    "DESCRIPTION": "Electronic company seals, sealing and multi-party signing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH serializer here requires what it requires (no partial updates): say so.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Links say which operation gives the ids another one takes (config/api/links.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.links.schema_links"],
    "ENUM_NAME_OVERRIDES": {
        "SealStatusEnum": "seals.models.Seal.Status",
        "SealApplicationStatusEnum": "seals.models.SealApplication.Status",
        "CompanyStatusEnum": "tenants.models.Company.Status",
    },
}
IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 3600

# Secrets in addresses (sign links, invitations, hand-overs) are redacted on every handler
# and on the loggers that print request paths (config/log_redaction.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "config.log_redaction.SecretRedactionFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Without handlers of its own (Django's default console handler has no redaction):
        # its records reach the root's console.
        "django": {"level": "INFO"},
        "django.request": {"filters": ["redact_secrets"]},
        "django.security.csrf": {"filters": ["redact_secrets"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_secrets"],
        },
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}

CELERY_BEAT_SCHEDULE = {
    "idempotency-records-purge": {"task": "tenants.tasks.idempotency_records_purge", "schedule": 3600.0},
    "seal-expiry-reminders": {"task": "seals.tasks.seal_expiry_reminders", "schedule": 6 * 3600.0},
    "sealing-jobs-requeue": {"task": "documents.tasks.document_seal_requeue_stale_all", "schedule": 60.0},
    "envelope-deadlines": {"task": "workflows.tasks.envelope_deadlines_all", "schedule": 15 * 60.0},
    "webhook-deliveries-due": {"task": "workflows.tasks.webhook_deliveries_due_all", "schedule": 5 * 60.0},
    "beat-heartbeat": {"task": "tenants.tasks.beat_heartbeat", "schedule": 60.0},
    "archive-timestamps-renew": {"task": "documents.tasks.archive_timestamps_renew_all", "schedule": 24 * 3600.0},
}
SMS_BACKEND = env_str("SMS_BACKEND", "accounts.sms.ConsoleSmsBackend")
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.AllowAllUsersModelBackend"
]  # frozen accounts get a clear message
PLATFORM_URL = env_str("PLATFORM_URL", f"http://{BASE_DOMAIN}:8000" if DEBUG else f"https://{BASE_DOMAIN}")
DOCUMENT_MAX_PAGES = env_int("DOCUMENT_MAX_PAGES", 2000)
TRUSTED_CA_FILE = env_str("TRUSTED_CA_FILE")  # extra trusted CAs for verification (PEM bundle)
# RFC 3161 timestamp authorities, asked in this order for every signature's timestamp
# (README, "Timestamping"). Credentials go in the URL (https://user:password@tsa.example/).
# Default: the platform's own TSA endpoint, reached over HTTP like any other TSA. A token
# must chain to the platform root or a CA in TRUSTED_CA_FILE.
TSA_URLS = env_list("TSA_URLS", [f"{PLATFORM_URL.rstrip('/')}/pki/tsa"])
TSA_TIMEOUT_SECONDS = env_float("TSA_TIMEOUT_SECONDS", 10.0)
# B-LTA: an archive timestamp is renewed this many days before the newest timestamp's TSA
# certificate expires (README, "Levels").
ARCHIVE_RENEWAL_MARGIN_DAYS = env_int("ARCHIVE_RENEWAL_MARGIN_DAYS", 90)
# Per client address and minute, on the platform host's /pki/tsa and /pki/ocsp.
TSA_RATE_LIMIT = env_str("TSA_RATE_LIMIT", "1200/min")
OCSP_RATE_LIMIT = env_str("OCSP_RATE_LIMIT", "1200/min")
VERIFY_TIME_LIMIT_SECONDS = env_int("VERIFY_TIME_LIMIT_SECONDS", 30)
VERIFY_MEMORY_LIMIT_MB = env_int("VERIFY_MEMORY_LIMIT_MB", 2048)
# Reading an uploaded PDF (upload check, text search, page images) runs in the same kind of
# child process: a few hundred KB can inflate to gigabytes. The memory limit is this much
# plus three times the file's size (the file itself sits in the child up to three times).
PDF_READ_TIME_LIMIT_SECONDS = env_int("PDF_READ_TIME_LIMIT_SECONDS", 20)
# Page-image jobs one company may have queued or running at once; its further ones wait
# their turn in Redis, so another company's page images never wait behind a flood.
PREVIEW_JOBS_PER_COMPANY = env_int("PREVIEW_JOBS_PER_COMPANY", 2)
PDF_READ_MEMORY_LIMIT_MB = env_int("PDF_READ_MEMORY_LIMIT_MB", 384)

# Webhooks: first retry after this many seconds, doubling (capped at an hour) for 24 h.
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 30.0)
# Deliveries to loopback/private addresses and plain http are refused unless allowed
# (development and tests post to local receivers).
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", DEBUG)
# Anonymous verification, per client address.
VERIFY_RATE_LIMIT = env_str("VERIFY_RATE_LIMIT", "60/min")
