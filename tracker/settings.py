"""Settings for the Third-Country Tracker, every deployment knob read from the environment.

Embedded default (nothing set): SQLite in var/, local-memory cache, Celery tasks run eagerly. Set DATABASE_URL for
PostgreSQL (psycopg 3) and REDIS_URL for the Redis cache and Celery broker. Insecure defaults only with DEBUG on.
"""

import importlib.util
import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The test suite runs with DEBUG off but uses the development defaults below. Whether this process is the test suite
# is read from the process itself (pytest imported), never from the environment alone: TRACKER_TESTING can turn the
# defaults off inside pytest (to test production settings), but outside pytest it cannot turn them on, so a
# production process with it set still needs its SECRET_KEY and ALLOWED_HOSTS.
UNDER_PYTEST = "pytest" in sys.modules
TESTING = env_bool("TRACKER_TESTING", UNDER_PYTEST)
if TESTING and not (UNDER_PYTEST or DEBUG):
    raise ImproperlyConfigured(
        "TRACKER_TESTING=1 is only for the test suite's own process (pytest); a server or worker with DEBUG off "
        "runs with production settings: unset TRACKER_TESTING and set SECRET_KEY and ALLOWED_HOSTS."
    )

if DEBUG or TESTING:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off (comma-separated host names).")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Request bodies and uploads over these sizes are refused (400) before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "agreements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the URL or the session cookie: a NUL character there is a 400, never a query.
    "agreements.middleware.RefuseNulMiddleware",
    # Early, so that its header is on every response of the editor area, the lockout's included.
    "agreements.middleware.PrivatePagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language is the URL's (/es/…; English unprefixed). A first visit without the language cookie goes by
    # Accept-Language; the cookie decides thereafter (agreements.i18n).
    "django.middleware.locale.LocaleMiddleware",
    "agreements.i18n.FirstVisitLanguageMiddleware",
    # A hit of the page cache is answered here, once the language is settled: what follows does not run for it.
    "agreements.caching.PublicCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "agreements.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout: five failed logins in a row for one username from one client address are answered normally; the sixth
# is refused, and so is every attempt at that username from that address for an hour. Username and address
# together: an attacker behind one address (a shared proxy, say) locks only the accounts it guessed at, and only
# from there, never every editor.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 6)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agreements.share.share",
                "agreements.i18n.languages",
            ],
        },
    },
]

# Database: SQLite file unless DATABASE_URL names another (postgres://… uses psycopg 3).
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
        # JIT compilation costs PostgreSQL up to seconds on our many-subquery reads and gains nothing on queries
        # this short (measured: 1.5 s of a 2.1 s refresh of 249 arrangements was JIT).
        options.setdefault("options", "-c jit=off")
else:
    SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "var" / "tracker.sqlite3"))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery broker: Redis when REDIS_URL is set, otherwise in-process.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tracker.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tracker"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tracker"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Redis redelivers a task whose worker died (acks_late) after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int] = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
if os.environ.get("CELERY_RESTORE_INTERVAL"):  # how often a worker looks for such tasks (the drills shorten it)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 60),
        "unacked_restore_throttle": 1,
    }
CELERY_BEAT_SCHEDULE = {
    "flag-stale": {"task": "agreements.tasks.flag_stale", "schedule": crontab(minute="*/15")},
    "send-digests": {"task": "agreements.tasks.send_digests", "schedule": crontab(minute=7)},
    "check-sources": {"task": "agreements.tasks.check_sources", "schedule": crontab(hour=3, minute=30)},
    "flush-pending-tasks": {
        "task": "agreements.tasks.flush_pending_tasks",
        "schedule": float(env_int("CELERY_FLUSH_PENDING_SECONDS", 60)),
    },
}
# Link checks of sources: one deadline per URL (seconds, connect to last byte), parallel requests.
LINK_CHECK_TIMEOUT = float(env_int("LINK_CHECK_TIMEOUT", 10))
LINK_CHECK_CONCURRENCY = env_int("LINK_CHECK_CONCURRENCY", 8)
# The fetcher (agreements/fetcher.py) never connects to a non-public address, except an exact address:port listed
# here ("127.0.0.1:8001,[::1]:8001"): the tests' local servers. Empty in production.
FETCH_PRIVATE_ALLOWLIST = env_list("FETCH_PRIVATE_ALLOWLIST", [])
# CA certificates the fetcher trusts for https (a PEM file); empty: the certifi bundle.
FETCH_CA_BUNDLE = env_str("FETCH_CA_BUNDLE", "")
LINK_CHECK_EVERY_DAYS = env_int("LINK_CHECK_EVERY_DAYS", 7)
# The source archive: every source is captured when it is recorded (when a worker runs the tasks: on the embedded
# default, with no worker, recording does not fetch; `manage.py archive_sources` or the editor's button does).
ARCHIVE_ON_RECORD = env_bool("ARCHIVE_ON_RECORD", bool(REDIS_URL))
ARCHIVE_TIMEOUT = float(env_int("ARCHIVE_TIMEOUT", 20))  # one deadline per capture, seconds
ARCHIVE_MAX_BYTES = env_int("ARCHIVE_MAX_BYTES", 10 * 1024 * 1024)  # a longer body is kept cut, marked truncated
ARCHIVE_BATCH = env_int("ARCHIVE_BATCH", 100)  # source ids per archiving task from a bulk import
# Drift: a live text that differs from the archived text by at least this many words (after normalising whitespace
# and Unicode) goes to the editors' queue; fewer (a timestamp, a view counter) is not a material change.
ARCHIVE_DRIFT_WORDS = env_int("ARCHIVE_DRIFT_WORDS", 3)
# The newsdesk (README "The newsdesk"): a pasted URL's page (one deadline, a size cap), the watched feeds (polled
# every FEED_POLL_MINUTES, backed off to at most FEED_BACKOFF_MAX_HOURS after failures in a row), subscriptions.
LOOKUP_TIMEOUT = float(env_int("LOOKUP_TIMEOUT", 10))
LOOKUP_MAX_BYTES = env_int("LOOKUP_MAX_BYTES", 2 * 1024 * 1024)
FEED_TIMEOUT = float(env_int("FEED_TIMEOUT", 15))
FEED_MAX_BYTES = env_int("FEED_MAX_BYTES", 5 * 1024 * 1024)
FEED_POLL_MINUTES = env_int("FEED_POLL_MINUTES", 30)
FEED_BACKOFF_MAX_HOURS = env_int("FEED_BACKOFF_MAX_HOURS", 24)
# Subscribe: at most this many requests per hour for one address, and from one client address.
SUBSCRIBE_PER_ADDRESS_HOURLY = env_int("SUBSCRIBE_PER_ADDRESS_HOURLY", 3)
SUBSCRIBE_PER_CLIENT_HOURLY = env_int("SUBSCRIBE_PER_CLIENT_HOURLY", 20)
CELERY_BEAT_SCHEDULE["poll-feeds"] = {"task": "agreements.tasks.poll_feeds", "schedule": crontab(minute="*/15")}
CELERY_BEAT_SCHEDULE["subscription-digests"] = {
    "task": "agreements.tasks.send_subscription_digests",
    "schedule": crontab(minute=20),
}
# Dataset releases: `manage.py release`, and monthly by Celery beat when RELEASE_MONTHLY is on.
RELEASE_MONTHLY = env_bool("RELEASE_MONTHLY", False)
RELEASE_LICENSE = env_str("RELEASE_LICENSE", "CC-BY-4.0")
RELEASE_AUTHOR = env_str("RELEASE_AUTHOR", "Third-Country Tracker editors")
SITE_URL = env_str("SITE_URL", "").rstrip("/")
if RELEASE_MONTHLY:
    CELERY_BEAT_SCHEDULE["publish-release"] = {
        "task": "agreements.tasks.publish_release",
        "schedule": crontab(day_of_month=1, hour=4, minute=15),
    }
# Drill knob (never set in production): flag_stale holds its transaction open this long before committing.
FLAG_STALE_PAUSE_SECONDS = float(env_int("FLAG_STALE_PAUSE_SECONDS", 0))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/editor/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
# The interface's languages; `locale/<code>/LC_MESSAGES/django.po` is compiled by `make install`
# (scripts/compile_messages.py).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tracker_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"  # as agreements.i18n sets it
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet comes from the django-leaflet package. Its app is not installed (its admin needs GDAL, which the
# embedded default does not have); only its static files are served, under /static/leaflet/.
_LEAFLET_SPEC = importlib.util.find_spec("leaflet")
if _LEAFLET_SPEC is None or not _LEAFLET_SPEC.submodule_search_locations:
    raise ImproperlyConfigured("django-leaflet is not installed: run `make install`.")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(next(iter(_LEAFLET_SPEC.submodule_search_locations))) / "static",
]
# The source archive (WARC files and extracted text) and the dataset releases: local files under ARCHIVE_ROOT, or an
# S3-compatible bucket when ARCHIVE_S3_BUCKET is set (django-storages; `pip install '.[s3]'`). Files are written once
# and served through the app's own views, never from the bucket's URLs.
ARCHIVE_ROOT = Path(env_str("ARCHIVE_ROOT", str(BASE_DIR / "var" / "archive")))
ARCHIVE_S3_BUCKET = env_str("ARCHIVE_S3_BUCKET", "")
if ARCHIVE_S3_BUCKET:
    if importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured("ARCHIVE_S3_BUCKET is set but boto3 is not installed: pip install '.[s3]'.")
    ARCHIVE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ARCHIVE_S3_BUCKET,
            "endpoint_url": env_str("ARCHIVE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("ARCHIVE_S3_REGION", "") or None,
            "location": env_str("ARCHIVE_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    ARCHIVE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": ARCHIVE_ROOT}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "archive": ARCHIVE_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "tracker.storage.StaticFilesStorage"
        )
    },
}
# Source maps (8 of the 16 MB collected, for browsers' developer tools only) are served uncompressed: compressing
# them was half of collectstatic's time (36 s → 18 s), in every image build and production check.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tracker@localhost")

# Production hardening. HTTPS is on unless DEBUG (so `make run` works over plain http); set HTTPS=0 only to try
# the compose stack on localhost without TLS.
HTTPS = env_bool("HTTPS", not (DEBUG or TESTING))
# BEHIND_PROXY=1: one reverse proxy (TLS-terminating) stands in front of gunicorn, sets X-Forwarded-Proto and
# appends the client's address to X-Forwarded-For. Only then are those headers believed: without a proxy any
# client could send them, to pass for HTTPS or for another address (and dodge the login lockout).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER: tuple[str, str] | None
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # django-ipware (through django-axes): the right-most X-Forwarded-For entry, the one our proxy appended; what a
    # client put before it is ignored. Not strict, so a client's own X-Forwarded-For cannot make the proxy's
    # address (shared by everyone) stand in for theirs.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = 0  # proxies whose own addresses are in the header: none, ours is REMOTE_ADDR
    IPWARE_STRICT = False
else:
    SECURE_PROXY_SSL_HEADER = None
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
SECURE_SSL_REDIRECT = HTTPS
# Health checks answer over plain http too (load balancers and orchestrators probe without TLS). Django matches
# these against the path without its leading slash: "healthz" and "healthz/live".
SECURE_REDIRECT_EXEMPT = [r"^healthz(?:/live)?$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every page loads only what the project serves: no inline scripts or styles, no other host.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "frame-ancestors": ["'none'"]}}

# API authentication: the session (editors' browsers, and scripts that log in first). HTTP Basic, which sends the
# password with every request, is on only when API_BASIC_AUTH=1.
API_BASIC_AUTH = env_bool("API_BASIC_AUTH", False)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        *(["rest_framework.authentication.BasicAuthentication"] if API_BASIC_AUTH else []),
    ],
    "DEFAULT_PAGINATION_CLASS": "agreements.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "agreements.schema.TrackerAutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["agreements.drf.ReadOnlyOrEditor"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's own parsers, with JSON nested past Python's recursion limit refused as a 400 (not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "agreements.drf.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Third-Country Tracker API",
    "DESCRIPTION": "Read API for third-country deportation arrangements, statements and sources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package, served by the project (no CDN).
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "agreements.models.Actor.Kind",
        "SourceKindEnum": "agreements.models.Source.Kind",
        "StatusEnum": "agreements.models.Arrangement.Status",
        "StanceEnum": "agreements.models.Statement.Stance",
        "CountryCodeEnum": "agreements.filters.COUNTRY_CODES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The API and the exports, in every language (/es/api/v1/… too).
CORS_URLS_REGEX = rf"^(/({'|'.join(code for code, _name in LANGUAGES)}))?/(api|export)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# Staleness windows in days per status (None: never stale). Override one with STALE_WINDOW_<STATUS>=days.
STALENESS_WINDOWS: dict[str, int | None] = {
    "reported": 30,
    "negotiating": 30,
    "agreed": 60,
    "implemented": 60,
    "suspended": 30,
    "denied": 90,
    "declined": 180,
    "ended": None,
}
for _status in STALENESS_WINDOWS:
    _raw = os.environ.get(f"STALE_WINDOW_{_status.upper()}", "").strip()
    if _raw:
        STALENESS_WINDOWS[_status] = None if _raw.lower() == "never" else env_int(f"STALE_WINDOW_{_status.upper()}", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
