"""Settings shared by every environment; all variable parts come from kam.env."""

from datetime import timedelta

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from kam.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "kam.apps.KamAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "kam.apps.KamConfig",
    "accounts.apps.AccountsConfig",
    "plans.apps.PlansConfig",
    "opportunities.apps.OpportunitiesConfig",
    "dashboards.apps.DashboardsConfig",
    "search.apps.SearchConfig",
    "savedviews.apps.SavedViewsConfig",
    "integrations.apps.IntegrationsConfig",
    "messaging.apps.MessagingConfig",
    "reminders.apps.RemindersConfig",
    "performance.apps.PerformanceConfig",
    "workreports.apps.WorkReportsConfig",
    "credit.apps.CreditConfig",
    "lifecycle.apps.LifecycleConfig",
    "candidates.apps.CandidatesConfig",
    "coaching.apps.CoachingConfig",
    "taskforce.apps.TaskforceConfig",
    "pgtrigger",
    "pghistory",
    "audit.apps.AuditConfig",
    "attachments.apps.AttachmentsConfig",
    "config.apps.SiteConfig",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kam.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "csp.middleware.CSPMiddleware",
    # last: turns a sign-in refused for too many failures into the lockout page (kam.views)
    "axes.middleware.AxesMiddleware",
]

# History (audit app): pghistory triggers are installed by `migrate` (post_migrate), so the
# tracked apps get no trigger migrations; the event tables live in the audit app.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# the time of the change itself, not of its transaction: orders the events of one request
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Django's renderer with selects written in Python (a filter bar has hundreds of options).
FORM_RENDERER = "kam.forms.FormRenderer"

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
                "kam.context_processors.product",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://localhost:5432/kam")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No server-side cursors: ``.iterator()`` (the choices of a filter's select) would open one
# with DECLARE, FETCH and CLOSE, three round trips for a few rows; batch work is set-based
# SQL and never streams rows. It also keeps the app working behind a transaction pooler.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": {
        # Fail-safe: with Redis down a read misses and a write is dropped (logged), so
        # pages, writes and API throttling keep working (kam/cache.py).
        "BACKEND": "kam.cache.FailSafeRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="kam"),
        # A hung Redis (stopped, not refusing) costs one short timeout; then the cache
        # skips Redis for CACHE_RETRY_AFTER seconds (kam/cache.py).
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}

AUTH_USER_MODEL = "kam.User"
AUTHENTICATION_BACKENDS = [
    # first: refuses a locked-out user and address before any password is checked
    "axes.backends.AxesStandaloneBackend",
    "kam.auth_backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# Sign-in protection (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one
# username from one address, that pair is refused until AXES_COOLOFF_TIME has passed
# since its last failure; then it lifts by itself. Another address, or another user from
# the same address, is not affected. The web sign-in and the API token exchange share it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kam.views.lockout"
# The address is the client's, not the proxy's: behind AXES_PROXY_COUNT reverse proxies
# (each appending the address it received from to X-Forwarded-For), django-ipware takes
# the entry the nearest proxies appended, AXES_PROXY_COUNT from the right, so a client
# cannot choose its own address by sending the header. ipware counts the proxies named
# in the header; the nearest proxy is REMOTE_ADDR, hence the count minus one. With no
# proxy (0) the header is ignored and REMOTE_ADDR is the client.
PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = max(PROXY_COUNT - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PROXY_COUNT else ("REMOTE_ADDR",)
)
# Not strict: entries a client wrote before the proxies' are skipped, not a reason to
# fall back to the proxy's own address (which would pool such clients' failures).
IPWARE_STRICT = False
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): scripts and styles only from our own static files;
# no inline script anywhere. Style attributes stay allowed: the charts' tooltips and
# Bootstrap's components position themselves with them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Internationalisation: English and Simplified Chinese; each user picks one.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="CNY")

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / ".data" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
MEDIA_URL = "media/"

# Attachments (photos and documents on records): private files, served only through the
# download view after the visibility check. On the local disk under MEDIA_ROOT/private/
# by default; on an S3-compatible store when ATTACHMENTS_S3_BUCKET is set (needs the
# "s3" extra: django-storages[s3]). README: "Attachments".
ATTACHMENTS_S3_BUCKET = env("ATTACHMENTS_S3_BUCKET", default="")
if ATTACHMENTS_S3_BUCKET:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env("ATTACHMENTS_S3_ENDPOINT_URL", default=None),
            "region_name": env("ATTACHMENTS_S3_REGION", default=None),
            "access_key": env("ATTACHMENTS_S3_ACCESS_KEY", default=None),
            "secret_key": env("ATTACHMENTS_S3_SECRET_KEY", default=None),
            "location": env("ATTACHMENTS_S3_PREFIX", default="attachments"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["attachments"] = {"BACKEND": "attachments.storage.PrivateFileSystemStorage"}
#: the largest file one may attach (bytes); images are then resized
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=15 * 1024 * 1024)
#: the longest side of a stored image (pixels)
ATTACHMENT_IMAGE_MAX_SIDE = env.int("ATTACHMENT_IMAGE_MAX_SIDE", default=2048)
#: files in one upload at most
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="KAM <kam@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The absolute address of the site, for links in e-mails and IM messages.
SITE_URL = env("SITE_URL", default="http://localhost:8000")
# Delivery of notifications (messaging): attempts before a delivery is marked failed,
# the first retry delay in seconds (doubling after each failure), and the HTTP timeout.
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=5)
MESSAGING_RETRY_BASE_SECONDS = env.int("MESSAGING_RETRY_BASE_SECONDS", default=60)
MESSAGING_HTTP_TIMEOUT = env.float("MESSAGING_HTTP_TIMEOUT", default=10.0)
# Outbound webhooks (integrations): attempts before a delivery fails for good, the
# first retry delay in seconds (doubling after each failure), the HTTP timeout.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_HTTP_TIMEOUT = env.float("WEBHOOK_HTTP_TIMEOUT", default=10.0)
# Each delivery is claimed alone just before it is sent, for twice the HTTP timeout plus
# this margin; its outcome is recorded only while the claim still holds.
WEBHOOK_LEASE_MARGIN_SECONDS = env.float("WEBHOOK_LEASE_MARGIN_SECONDS", default=60.0)

# Celery: Redis is the broker and the result store; beat's schedule lives in the
# database (django-celery-beat) so ops can read and change it in the admin.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="kam")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged task is redelivered after the visibility timeout, so no task is
# ever scheduled further ahead than it (due work is found by periodic sweeps over the
# database instead). Connection timeouts and a short publish retry keep a request from
# hanging when Redis is down: kam.queue.enqueue_on_commit then logs and moves on.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
    "socket_connect_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A web request publishes on a connection of its own with these connect and read
# timeouts and no retry; after a failure its process skips publishing for
# BROKER_RETRY_AFTER seconds (kam/queue.py). Requests never wait on a hung broker.
BROKER_PUBLISH_TIMEOUT = env.float("BROKER_PUBLISH_TIMEOUT", default=0.5)
BROKER_RETRY_AFTER = env.float("BROKER_RETRY_AFTER", default=10.0)
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=10.0)
# A worker that loses the broker stops its late-acknowledged tasks (webhooks, e-mail)
# instead of finishing them while the broker redelivers them to another worker.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
# Publishing subscribes to the task's result: retry that once, not 20 times over ~20 s.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "kam.tasks.sessions_clear_expired",
        "schedule": 60 * 60 * 24,
    },
    "score-accounts-nightly": {
        "task": "accounts.tasks.accounts_score",
        "schedule": crontab(hour=2, minute=0),
    },
    "health-checks-nightly": {
        "task": "accounts.tasks.health_check_run",
        "schedule": crontab(hour=1, minute=30),
    },
    "lifecycle-nightly": {
        "task": "lifecycle.tasks.lifecycle_run",
        "schedule": crontab(hour=1, minute=45),
    },
    "credit-check-nightly": {
        "task": "credit.tasks.credit_check",
        "schedule": crontab(hour=1, minute=15),
    },
    # after the accounts' scoring (02:00), with the same scoring model
    "score-candidates-nightly": {
        "task": "candidates.tasks.candidates_score",
        "schedule": crontab(hour=2, minute=30),
    },
    "mark-breached-complaints": {
        "task": "accounts.tasks.complaints_mark_breached",
        "schedule": 5 * 60,
    },
    "send-reminders": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": 10 * 60,
    },
    "send-webhook-deliveries": {
        "task": "integrations.tasks.webhook_deliveries_send",
        "schedule": 60,
    },
    "send-deliveries": {
        "task": "messaging.tasks.deliveries_send",
        "schedule": 60,
    },
    "supervisor-digest-weekly": {
        "task": "messaging.tasks.digests_send",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
    # weekly reports: drafted on Fridays at 16:00 for the week (Monday to Sunday); monthly
    # reports: the task drafts on the month's last day only (a no-op on the 28th-30th
    # of a longer month)
    "work-reports-weekly": {
        "task": "workreports.tasks.work_reports_draft",
        "schedule": crontab(day_of_week="fri", hour=16, minute=0),
        "kwargs": {"kind": "week"},
    },
    "work-reports-monthly": {
        "task": "workreports.tasks.work_reports_draft",
        "schedule": crontab(day_of_month="28-31", hour=16, minute=30),
        "kwargs": {"kind": "month"},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "kam.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kam.api.pagination.PageNumberPagination",
    "DEFAULT_PARSER_CLASSES": [
        "kam.api.parsers.JSONParser",  # a too-deeply nested body is a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "kam.api.throttling.PerTokenRateThrottle",
        "kam.api.throttling.PerUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_THROTTLE_TOKEN", default="1200/min"),
        "user": env("API_THROTTLE_USER", default="2400/min"),
    },
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kam.api.exceptions.problem_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # tokens live until revoked
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM API",
    "DESCRIPTION": _("Key account management: accounts, contacts, visits, plans and more."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kam.api.schema.blankable_emails_hook",
        "kam.api.schema.contract_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "accounts.tiering.models.Tier",
        "ContractStatusEnum": "opportunities.choices.ContractStatus",
        "PlanStatusEnum": "plans.choices.PlanStatus",
        "ActionStatusEnum": "plans.choices.ActionStatus",
        "AccountStatusEnum": "accounts.choices.AccountStatus",
        "ContactLevelEnum": "accounts.choices.ContactLevel",
        "CreditRatingEnum": "accounts.choices.CreditRating",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # every failed sign-in is logged once, as a warning; not the library's chatter
        "axes": {"level": "WARNING"},
    },
}

CSRF_FAILURE_VIEW = "kam.views.csrf_failure"
# Imports (accounts, contacts, actuals): a file larger than this is refused unread
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
# (5,000 rows fit; the preview posts the rows back as a form field, under Django's 2.5 MB)
FORMAT_MODULE_PATH = ["kam.formats"]
