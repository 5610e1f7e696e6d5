"""Settings for the smart-village portal.

Everything that differs between machines comes from the environment, read here and only
here. Absent variables give the embedded default: SQLite, local-memory cache, in-memory
channel layer and background jobs run in-process, so a bare machine runs the portal.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "qr_code",
    "csp",
    "accounts",
    "households",
    "qrsigns",
    "feedback",
    "announcements",
    "cameras",
    "payments",
    "reports",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "villageportal.csp.PortalCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "villageportal.inputs.RefuseHostileInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentVillageMiddleware",
    "accounts.middleware.RequiredTwoFactorMiddleware",
    "households.history.HistoryContextMiddleware",
]

ROOT_URLCONF = "villageportal.urls"
WSGI_APPLICATION = "villageportal.wsgi.application"
ASGI_APPLICATION = "villageportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.workspace",
                "villageportal.extensions.app_partials",
            ],
        },
    },
]

# Database: PostgreSQL in production, a SQLite file by default.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# One process serves many requests at once under ASGI, each in a thread that would keep its
# own connection: connections come from a bounded pool instead (psycopg_pool), so that a
# flood of requests waits for a free connection, or is answered 503, and never takes every
# connection the database server has. The web service's budget, DATABASE_CONNECTIONS, is
# shared by its WEB_CONCURRENCY processes; DATABASE_POOL_MAX_SIZE sets one process's share.
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=1)
DATABASE_CONNECTIONS = env.int("DATABASE_CONNECTIONS", default=20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pool_max = env.int(
        "DATABASE_POOL_MAX_SIZE", default=max(2, DATABASE_CONNECTIONS // max(1, WEB_CONCURRENCY))
    )
    if _pool_max < 1:
        raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE must be at least 1.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections, not Django
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=1), _pool_max),
        "max_size": _pool_max,
        # seconds a request waits for a free connection before it is answered 503
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        # requests allowed to wait at once; more are answered 503 at once (0: no limit)
        "max_waiting": env.int("DATABASE_POOL_MAX_WAITING", default=10 * _pool_max),
        # a connection is replaced after this many seconds, and closed when idle this long
        "max_lifetime": env.float("DATABASE_POOL_MAX_LIFETIME", default=1800.0),
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=300.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries the cache, the Celery broker and the channel layer when it is given.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="vp"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="vp-asgi"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: login by e-mail or phone number and password, no open sign-up.
ACCOUNT_ADAPTER = "accounts.adapter.PortalAccountAdapter"
ACCOUNT_FORMS = {"change_phone": "accounts.forms.PhoneChangeForm"}
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
# Phone numbers are entered by whoever invites the user; no SMS round trip at login.
ACCOUNT_PHONE_VERIFICATION_ENABLED = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_FAILED_ATTEMPTS_LIMIT = env.int("LOGIN_FAILED_ATTEMPTS_LIMIT", default=5)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,{}/5m/key".format(env.int("LOGIN_FAILED_ATTEMPTS_LIMIT", default=5)),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Thôn thông minh] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Thôn thông minh")
# Roles whose holders must turn on two-factor login before they can work.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])

# Language and time: Vietnamese first, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# Our catalogue first; then Vietnamese for third-party strings that ship without it.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_thirdparty"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: printed to the console until an SMTP URL is given.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Thôn thông minh <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis as the broker when given, otherwise the task code runs in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "villageportal.beat:HeartbeatScheduler"
# CELERY_BEAT_SCHEDULE comes after the apps' settings below, which it uses.

REST_FRAMEWORK = {
    # Both refuse callers whose role requires two-factor login until it is on
    # (accounts/authn.py); tokens are django-rest-knox's, stored hashed, with an expiry.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.TokenAuthentication",
        "accounts.api_auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
# Personal API tokens (django-rest-knox): made on the "API token" page, valid this many days.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name)
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 5,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Smart-village portal API",
    "DESCRIPTION": "Village registry and operations (cổng thôn thông minh).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # One name for a choice set used by several fields.
    "ENUM_NAME_OVERRIDES": {
        "AdoptionItemEnum": "payments.models.Item",
        "RelationshipEnum": "households.models.Resident.Relationship",
        "MemberRelationshipEnum": "households.registry_api.MEMBER_RELATIONSHIPS",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Security: HTTPS is terminated by the proxy in front of the portal, which must set
# X-Forwarded-Proto; the settings below assume it does whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="thongminh2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The e-mails that seed_demo's own activity sends (replies to the demo's reporters...) are
# written here instead of to the console, so that the logins are the last thing it prints.
DEMO_MAIL_DIR = env.str("DEMO_MAIL_DIR", default=str(BASE_DIR / "sent-mail"))

# The address the portal is reached at, for links in e-mail and on printed signs.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Feedback (README, "Settings of the village apps"). Open311 clients may send a photo as a
# media_url; it is fetched only from these hosts (host names, comma-separated), and only over
# HTTPS unless the host is listed with "http://".
FEEDBACK_OPEN311_MEDIA_HOSTS = env.list("FEEDBACK_OPEN311_MEDIA_HOSTS", default=[])
# Deadlines in working hours, reminders, how far from the village a report may be placed.
FEEDBACK_ACK_HOURS = env.int("FEEDBACK_ACK_HOURS", default=8)
FEEDBACK_URGENT_HOURS = env.int("FEEDBACK_URGENT_HOURS", default=4)
FEEDBACK_WORKING_HOURS = env.str("FEEDBACK_WORKING_HOURS", default="07:30-11:30,13:00-17:00")
FEEDBACK_REOPEN_DAYS = env.int("FEEDBACK_REOPEN_DAYS", default=14)
FEEDBACK_REMINDER_INTERVAL_HOURS = env.float("FEEDBACK_REMINDER_INTERVAL_HOURS", default=24.0)
FEEDBACK_MAX_DISTANCE_KM = env.float("FEEDBACK_MAX_DISTANCE_KM", default=5.0)
# Rate limits, "count/seconds".
FEEDBACK_RATE_PER_IP = env.str("FEEDBACK_RATE_PER_IP", default="10/3600")
FEEDBACK_RATE_PER_CONTACT = env.str("FEEDBACK_RATE_PER_CONTACT", default="5/3600")
FEEDBACK_RATE_PER_API_KEY = env.str("FEEDBACK_RATE_PER_API_KEY", default="600/3600")
FEEDBACK_RATE_TRACK = env.str("FEEDBACK_RATE_TRACK", default="60/3600")
# Photos are scaled down to this side and refused above this size.
FEEDBACK_PHOTO_MAX_SIDE = env.int("FEEDBACK_PHOTO_MAX_SIDE", default=1600)
FEEDBACK_PHOTO_MAX_BYTES = env.int("FEEDBACK_PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
# Feedback through the village's Zalo Official Account (README, "Feedback through Zalo"): off
# until the OA secret key (it signs the webhook) and the village the OA belongs to are given.
# The Zalo app, its access token and its refresh are the ones of ANNOUNCEMENTS_ZALO_*.
FEEDBACK_ZALO_OA_SECRET = env.str("FEEDBACK_ZALO_OA_SECRET", default="")
FEEDBACK_ZALO_VILLAGE = env.str("FEEDBACK_ZALO_VILLAGE", default="")
# Shown to residents who link their Zalo account: the OA's name and its follow link
# (https://zalo.me/<OA id>), so they know where to send their code.
FEEDBACK_ZALO_OA_NAME = env.str("FEEDBACK_ZALO_OA_NAME", default="")
FEEDBACK_ZALO_OA_FOLLOW_URL = env.str("FEEDBACK_ZALO_OA_FOLLOW_URL", default="")
FEEDBACK_ZALO_OA_URL = env.str("FEEDBACK_ZALO_OA_URL", default="https://openapi.zalo.me")
# Events older than this (seconds) are refused; Zalo's own retries end within about two hours.
FEEDBACK_ZALO_MAX_AGE = env.int("FEEDBACK_ZALO_MAX_AGE", default=3 * 3600)
FEEDBACK_ZALO_MAX_BODY = env.int("FEEDBACK_ZALO_MAX_BODY", default=64 * 1024)
# Messages, photos and locations a follower sends within this many minutes of starting a
# report are added to it.
FEEDBACK_ZALO_BURST_MINUTES = env.int("FEEDBACK_ZALO_BURST_MINUTES", default=10)
# Days an event from the OA (with the message it carried) is kept once handled.
FEEDBACK_ZALO_EVENT_KEEP_DAYS = env.int("FEEDBACK_ZALO_EVENT_KEEP_DAYS", default=30)
# Hosts photos sent to the OA are downloaded from (and their subdomains, over HTTPS).
FEEDBACK_ZALO_MEDIA_HOSTS = env.list(
    "FEEDBACK_ZALO_MEDIA_HOSTS", default=["zadn.vn", "zdn.vn", "zalo.me", "zaloapp.com"]
)

# Announcements: each provider is off until its URL and credentials are given.
# SMS brand-name: the provider (announcements/esms.py; a second one is one more file), its base
# URL (eSMS: https://rest.esms.vn), keys, registered brand name, the portal's public base URL for
# delivery reports, and the secret that signs the report URLs.
ANNOUNCEMENTS_SMS_PROVIDER = env.str("ANNOUNCEMENTS_SMS_PROVIDER", default="esms")
ANNOUNCEMENTS_SMS_URL = env.str("ANNOUNCEMENTS_SMS_URL", default="")
ANNOUNCEMENTS_SMS_API_KEY = env.str("ANNOUNCEMENTS_SMS_API_KEY", default="")
ANNOUNCEMENTS_SMS_SECRET_KEY = env.str("ANNOUNCEMENTS_SMS_SECRET_KEY", default="")
ANNOUNCEMENTS_SMS_BRANDNAME = env.str("ANNOUNCEMENTS_SMS_BRANDNAME", default="")
ANNOUNCEMENTS_SMS_CALLBACK_BASE = env.str("ANNOUNCEMENTS_SMS_CALLBACK_BASE", default="")
ANNOUNCEMENTS_SMS_WEBHOOK_SECRET = env.str("ANNOUNCEMENTS_SMS_WEBHOOK_SECRET", default="")
# Zalo ZNS: the API (https://business.openapi.zalo.me), the OAuth server
# (https://oauth.zaloapp.com), the OA's app id and secret key, the first refresh token (later
# ones are rotated and kept encrypted in the database), and a fallback template id.
ANNOUNCEMENTS_ZALO_URL = env.str("ANNOUNCEMENTS_ZALO_URL", default="")
ANNOUNCEMENTS_ZALO_OAUTH_URL = env.str(
    "ANNOUNCEMENTS_ZALO_OAUTH_URL", default="https://oauth.zaloapp.com"
)
ANNOUNCEMENTS_ZALO_APP_ID = env.str("ANNOUNCEMENTS_ZALO_APP_ID", default="")
ANNOUNCEMENTS_ZALO_APP_SECRET = env.str("ANNOUNCEMENTS_ZALO_APP_SECRET", default="")
ANNOUNCEMENTS_ZALO_REFRESH_TOKEN = env.str("ANNOUNCEMENTS_ZALO_REFRESH_TOKEN", default="")
ANNOUNCEMENTS_ZALO_TEMPLATE_ID = env.str("ANNOUNCEMENTS_ZALO_TEMPLATE_ID", default="")
# OA messages to linked followers who wrote to the OA within this many hours (0: ZNS only).
ANNOUNCEMENTS_ZALO_OA_URL = env.str("ANNOUNCEMENTS_ZALO_OA_URL", default="https://openapi.zalo.me")
ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS = env.int("ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS", default=48)
ANNOUNCEMENTS_ZALO_WEBHOOK_SECRET = env.str("ANNOUNCEMENTS_ZALO_WEBHOOK_SECRET", default="")
# Refresh the OA access token this many seconds before it expires.
ANNOUNCEMENTS_ZALO_REFRESH_MARGIN = env.int("ANNOUNCEMENTS_ZALO_REFRESH_MARGIN", default=3600)
# Web Push (announcements/webpush.py): the VAPID key pair (RFC 8292) and the contact the push
# services see (mailto: or https:); push notifications are off until all three are given.
# `manage.py make_vapid_keys` prints a pair.
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="")
if WEBPUSH_VAPID_SUBJECT and not WEBPUSH_VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("WEBPUSH_VAPID_SUBJECT must start with mailto: or https://.")
# How long a push service keeps a message for a phone that is off (seconds, RFC 8030 TTL).
WEBPUSH_TTL = env.int("WEBPUSH_TTL", default=24 * 3600)
# Tests only: accept subscription endpoints on http://127.0.0.1 (the local push service).
WEBPUSH_ALLOW_LOCAL_ENDPOINTS = False
# Fernet key(s), newest first, that encrypt provider tokens at rest; required in production.
ANNOUNCEMENTS_TOKEN_KEY = env.list("ANNOUNCEMENTS_TOKEN_KEY", default=[])
# A message handed to a provider and not answered for within this time (its worker died) is
# checked with the provider before anything is sent again.
ANNOUNCEMENTS_SEND_LEASE_SECONDS = env.int("ANNOUNCEMENTS_SEND_LEASE_SECONDS", default=600)
# Messages per second per channel, shared by all workers; 0 for no limit.
ANNOUNCEMENTS_RATE_SMS = env.int("ANNOUNCEMENTS_RATE_SMS", default=200)
ANNOUNCEMENTS_RATE_ZALO = env.int("ANNOUNCEMENTS_RATE_ZALO", default=200)
ANNOUNCEMENTS_RATE_EMAIL = env.int("ANNOUNCEMENTS_RATE_EMAIL", default=20)
ANNOUNCEMENTS_RATE_WEB = env.int("ANNOUNCEMENTS_RATE_WEB", default=0)
ANNOUNCEMENTS_RATE_WEBPUSH = env.int("ANNOUNCEMENTS_RATE_WEBPUSH", default=200)
ANNOUNCEMENTS_CHUNK = env.int("ANNOUNCEMENTS_CHUNK", default=200)
# Threads of a worker process sending a chunk's SMS or Zalo messages at once; 1 for none.
ANNOUNCEMENTS_SEND_THREADS = env.int("ANNOUNCEMENTS_SEND_THREADS", default=16)
ANNOUNCEMENTS_MAX_ATTEMPTS = env.int("ANNOUNCEMENTS_MAX_ATTEMPTS", default=5)
ANNOUNCEMENTS_RETRY_SECONDS = env.int("ANNOUNCEMENTS_RETRY_SECONDS", default=30)
ANNOUNCEMENTS_GATEWAY_TIMEOUT = env.int("ANNOUNCEMENTS_GATEWAY_TIMEOUT", default=10)
ANNOUNCEMENTS_DRAIN_WORKERS = env.int("ANNOUNCEMENTS_DRAIN_WORKERS", default=2)
ANNOUNCEMENTS_ATTACHMENT_MAX_BYTES = env.int(
    "ANNOUNCEMENTS_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024
)
ANNOUNCEMENTS_SPEAKER_SILENT_MINUTES = env.int("ANNOUNCEMENTS_SPEAKER_SILENT_MINUTES", default=30)
ANNOUNCEMENTS_TTS_ENGINE = env.str(
    "ANNOUNCEMENTS_TTS_ENGINE", default="announcements.tts.EspeakEngine"
)
ANNOUNCEMENTS_REQUIRE_APPROVAL = env.bool("ANNOUNCEMENTS_REQUIRE_APPROVAL", default=False)
# CAP 1.2 alerts (announcements/cap.py, docs/cap.md): "Actual", or "Test" on a training or staging
# portal so that no aggregator takes its alerts for real; the radius in km of the circle drawn
# around a village's coordinates when no lane of the audience has a drawn course.
ANNOUNCEMENTS_CAP_STATUS = env.str("ANNOUNCEMENTS_CAP_STATUS", default="Actual")
if ANNOUNCEMENTS_CAP_STATUS not in ("Actual", "Test"):
    raise ImproperlyConfigured("ANNOUNCEMENTS_CAP_STATUS must be Actual or Test.")
ANNOUNCEMENTS_CAP_RADIUS_KM = env.float("ANNOUNCEMENTS_CAP_RADIUS_KM", default=2.0)
if not 0 < ANNOUNCEMENTS_CAP_RADIUS_KM <= 100:
    raise ImproperlyConfigured("ANNOUNCEMENTS_CAP_RADIUS_KM must be between 0 and 100.")

# Cameras. Probes reach only these networks (the demo village's private range by default).
CAMERA_NETWORKS = env.list("CAMERA_NETWORKS", default=["10.20.0.0/16"])
CAMERA_OWN_ADDRESSES = env.list("CAMERA_OWN_ADDRESSES", default=[])
CAMERA_PROBE_TIMEOUT = env.float("CAMERA_PROBE_TIMEOUT", default=3.0)
CAMERA_PROBE_CONCURRENCY = env.int("CAMERA_PROBE_CONCURRENCY", default=500)
CAMERA_PROBE_SLOW_MS = env.int("CAMERA_PROBE_SLOW_MS", default=1500)
CAMERA_PROBE_INTERVAL = env.float("CAMERA_PROBE_INTERVAL", default=60.0)
CAMERA_OFFLINE_AFTER_MINUTES = env.float("CAMERA_OFFLINE_AFTER_MINUTES", default=10.0)
CAMERA_REMINDER_HOURS = env.float("CAMERA_REMINDER_HOURS", default=24.0)
CAMERA_INTERMITTENT_WINDOW = env.int("CAMERA_INTERMITTENT_WINDOW", default=6)
CAMERA_INTERMITTENT_FAILURES = env.int("CAMERA_INTERMITTENT_FAILURES", default=2)
CAMERA_SNAPSHOT_MAX_BYTES = env.int("CAMERA_SNAPSHOT_MAX_BYTES", default=5 * 1024 * 1024)
# Fernet keys, newest first, comma-separated; while debugging, derived from SECRET_KEY if empty.
CAMERA_CREDENTIALS_KEY = env.list("CAMERA_CREDENTIALS_KEY", default=[])

# Every periodic task, in one place (tests/test_beat.py checks that none is missing).
CELERY_BEAT_SCHEDULE = {
    "purge-ended-invitations": {
        "task": "accounts.tasks.invitations_purge_task",
        "schedule": 3600.0,
    },
    "expire-waiting-jobs": {
        "task": "households.tasks.jobs_expire_task",
        "schedule": 3600.0,
    },
    # A drain for any channel with ready rows: nothing is lost to a broker restart.
    "announcements-kick-deliveries": {
        "task": "announcements.tasks.deliveries_kick_task",
        "schedule": 60.0,
    },
    # Scheduled announcements and event reminders whose time has come.
    "announcements-send-due": {
        "task": "announcements.tasks.announcements_send_due_task",
        "schedule": 60.0,
    },
    "probe-cameras": {
        "task": "cameras.tasks.cameras_probe_task",
        "schedule": CAMERA_PROBE_INTERVAL,
    },
    # Every 15 minutes: a lapse is noticed soon after it happens, and the reminder rows keep
    # each lapse to one message per interval however often this runs.
    "feedback-send-reminders": {
        "task": "feedback.tasks.reminders_send_task",
        "schedule": 900.0,
    },
    # Events from the Zalo OA a broker restart left unhandled; handled ones kept only a while.
    "feedback-tidy-zalo-events": {
        "task": "feedback.tasks.zalo_events_tidy_task",
        "schedule": 300.0,
    },
    "qrsigns-purge-sheets": {
        "task": "qrsigns.tasks.sheets_purge_task",
        "schedule": 24 * 3600.0,
    },
    # Nightly, after the day's work: every village's figures for the trends.
    "reports-nightly-snapshots": {
        "task": "reports.tasks.snapshots_take_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "reports-purge-exports": {
        "task": "reports.tasks.exports_purge_task",
        "schedule": crontab(hour=2, minute=0),
    },
}

# The digital address code (mã địa chỉ số) is issued by the national platform; its format is
# checked against this pattern and the value is stored exactly as given.
DIGITAL_ADDRESS_PATTERN = env.str(
    "DIGITAL_ADDRESS_PATTERN", default=r"^[0-9A-Za-z][0-9A-Za-z.\-]{5,31}$"
)

# Map tiles for staff maps; set MAP_TILE_URL to "" to draw markers on a plain background.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")


# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code, no plug-ins, no framing. villageportal.csp adds the map tile server (MAP_TILE_URL)
# to the image sources.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (django-permissions-policy): the feedback form may ask the phone for its
# own position; nothing asks for the camera, the microphone or the rest.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "geolocation": ["self"],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

# How many days built PDF sheets of signs are kept before they are deleted (they can be built
# again at any time).
QRSIGNS_SHEET_KEEP_DAYS = env.int("QRSIGNS_SHEET_KEEP_DAYS", default=7)
# The largest photo of a heritage site accepted (it is re-encoded and resized on upload).
QRSIGNS_IMAGE_MAX_BYTES = env.int("QRSIGNS_IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
# The largest amount a VietQR payment code may ask for, in đồng.
PAYMENTS_VIETQR_MAX_AMOUNT = env.int("PAYMENTS_VIETQR_MAX_AMOUNT", default=500_000_000)

# The largest registry file accepted for import: a 100,000-household CSV is about 42 MiB.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=48 * 1024 * 1024)
