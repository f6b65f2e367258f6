"""The one settings module. Everything that differs between machines comes from GUANXI_* variables.

Embedded default: SQLite in WAL mode, SQLite-backed huey and the in-memory channel layer,
all under the data directory, so `guanxi demo` needs no server. Setting GUANXI_DATABASE_URL
and GUANXI_REDIS_URL moves the same code onto PostgreSQL and Redis.
"""

import os
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GUANXI_DATA_DIR", Path.cwd() / "guanxi-data")).resolve()
# Whatever a Guanxi process writes (the database and its WAL, keys, the job queue, exports) is
# its owner's only, whichever command started it: the server, the worker or the CLI.
os.umask(0o077)
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use GUANXI_SECRET_KEY, else a key generated once and kept in the data directory."""
    if os.environ.get("GUANXI_SECRET_KEY"):
        return os.environ["GUANXI_SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Keyed hash of national ID numbers: separate from SECRET_KEY so rotating sessions never breaks lookups.
GUANXI_PII_KEY = os.environ.get("GUANXI_PII_KEY", SECRET_KEY)
DEBUG = _env_flag("GUANXI_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("GUANXI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GUANXI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Behind HTTPS (a reverse proxy that sets X-Forwarded-Proto): secure cookies, HSTS, redirect to https.
if _env_flag("GUANXI_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own static files instead of a CDN
    "django_htmx",
    "django_tables2",
    "django_filters",
    "auditlog",
    "huey.contrib.djhuey",
    "channels",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "guanxi.core",
    "guanxi.customers",
    "guanxi.contact_center",
    "guanxi.sales",
    "guanxi.service",
    "guanxi.knowledge",
    "guanxi.analytics",
    "guanxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "guanxi.core.middleware.BoundedInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.core.budget.DatabaseBudgetMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "guanxi.core.signin.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "guanxi.core.middleware.UserPreferencesMiddleware",
    "guanxi.core.middleware.AuditChannelMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
]

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from Guanxi itself only;
# no inline script or style attribute (behaviour lives in static files: core/guanxi.js), no
# framing, forms post only here. The API is left out: its JSON answers render nothing, and its
# Swagger page is Ninja's own template, with an inline script.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "guanxi.urls"
WSGI_APPLICATION = "guanxi.wsgi.application"
ASGI_APPLICATION = "guanxi.asgi.application"
AUTH_USER_MODEL = "core.User"
# A session ends this long after sign-in (Django's default, two weeks, kept shared call-center
# screens signed in for days).
SESSION_COOKIE_AGE = int(os.environ.get("GUANXI_SESSION_HOURS", "12")) * 3600
# Seconds of database work a page or API call may take (core.budget); 0: no limit. `guanxi serve`
# sets 10 unless this is set; jobs, migrations and commands run without a limit.
GUANXI_DB_SECONDS = float(os.environ.get("GUANXI_DB_SECONDS", "0"))
OTP_TOTP_ISSUER = "Guanxi"  # the name authenticator apps show beside the code
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "guanxi.core.auth.MembershipBackend"]
# Sign-in lockout (django-axes): after this many failed sign-ins for one user name, or from one
# address, sign-in is refused (429) for that name or address for the cool-off time. Counted in
# the database, so every worker process agrees. Behind a reverse proxy every client has the
# proxy's address: see docs/operators.md.
AXES_FAILURE_LIMIT = int(os.environ.get("GUANXI_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GUANXI_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# The client's address, for the per-address count: the connection's own unless Guanxi runs behind
# GUANXI_TRUSTED_PROXIES reverse proxies that each append the address they saw to X-Forwarded-For
# (nginx: proxy_add_x_forwarded_for). Then the address the outermost proxy saw counts, and
# whatever a client wrote into the header itself is ignored.
GUANXI_TRUSTED_PROXIES = int(os.environ.get("GUANXI_TRUSTED_PROXIES", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
if GUANXI_TRUSTED_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_IPWARE_PROXY_COUNT = GUANXI_TRUSTED_PROXIES or None
AXES_IPWARE_PROXY_ORDER = "right-most"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.core.context_processors.shell",
            ],
        },
    }
]

SQLITE_PATH = DATA_DIR / "guanxi.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("GUANXI_DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=600, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-64000;",
    }
if os.environ.get("GUANXI_TEST_DATABASE_URL"):
    # The test suite's second target: same code against PostgreSQL.
    DATABASES["default"] = dj_database_url.parse(os.environ["GUANXI_TEST_DATABASE_URL"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index(include=…)) serve PostgreSQL's index-only scans; SQLite builds them on
# their keys alone, which is all it needs, so its warning on every migrate says nothing useful.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = os.environ.get("GUANXI_REDIS_URL", "")
# The worker logs each job run only when asked (GUANXI_LOG_LEVEL=INFO or DEBUG): a line per
# periodic job a minute drowned what matters in `guanxi demo`'s output.
LOG_LEVEL = os.environ.get("GUANXI_LOG_LEVEL", "WARNING").upper()
HUEY_CONSUMER = {"verbose": None if LOG_LEVEL in ("INFO", "DEBUG") else False}
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "guanxi", "url": REDIS_URL, "immediate": False,
            "consumer": HUEY_CONSUMER}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "guanxi",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": _env_flag("GUANXI_HUEY_IMMEDIATE"),
        "consumer": HUEY_CONSUMER,
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Applied wherever a password is set: the admin, `guanxi createuser`, the password change page.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("GUANXI_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("GUANXI_TIME_ZONE", "Asia/Shanghai")
FORMAT_MODULE_PATH = ["guanxi.formats"]  # ISO dates and 24-hour times in every language
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded files (ticket attachments) under the data directory, served only through views that
# check the scope (never as public /media/ addresses). At scale, point "default" at an
# S3-compatible bucket with django-storages' S3 backend (see docs/operators.md).
MEDIA_ROOT = Path(os.environ.get("GUANXI_MEDIA_DIR", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

GUANXI_DEFAULT_REGION = os.environ.get("GUANXI_DEFAULT_REGION", "CN")
# The contact center's telephone system (contact_center.gateways): the default records commands only.
GUANXI_TELEPHONY_GATEWAY = os.environ.get("GUANXI_TELEPHONY_GATEWAY", "guanxi.contact_center.gateways.LoggingGateway")
# The SMS provider and WeChat account the agents' replies go out through: the default records them only.
GUANXI_MESSAGING_GATEWAY = os.environ.get("GUANXI_MESSAGING_GATEWAY",
                                          "guanxi.contact_center.gateways.LoggingMessagingGateway")
# The contact center's SMTP receiver (`guanxi manage smtp_receiver`) refuses a mail larger than this.
GUANXI_MAIL_MAX_BYTES = int(os.environ.get("GUANXI_MAIL_MAX_MB", "10")) * 2**20
# The agents' desktops' WebSocket: a full URL behind a reverse proxy (wss://crm.example.cn/ws/desktop/), else
# the page's host on this port (`guanxi serve` sets it to its own port + 1), else the page's own port.
GUANXI_WEBSOCKET_URL = os.environ.get("GUANXI_WEBSOCKET_URL", "")
GUANXI_WEBSOCKET_PORT = int(os.environ.get("GUANXI_WEBSOCKET_PORT", "0")) or None
# Other sites whose pages may carry the web chat widget (contact_center.chat), comma-separated: origins
# (https://www.example.cn) or host names as in GUANXI_ALLOWED_HOSTS (.example.cn: the domain and its subdomains).
# The CRM's own hosts may always, so its /chat-demo/ page works with nothing set.
GUANXI_CHAT_ORIGINS = [o.strip() for o in os.environ.get("GUANXI_CHAT_ORIGINS", "").split(",") if o.strip()]
# Hours of the day (TIME_ZONE) when the contact center may call customers out: click-to-dial is refused outside.
GUANXI_CALLING_HOURS = (int(os.environ.get("GUANXI_CALLING_FROM", "9")),
                        int(os.environ.get("GUANXI_CALLING_UNTIL", "21")))
# The supervisor's wallboard (contact_center.wallboard) raises an alert when a contact has waited longer than the
# answer target (the routing policy's service-level target, else this many seconds), when today's service level
# is below this percentage, and when an agent has been on a break or in after-call work longer than these minutes.
GUANXI_ANSWER_TARGET_SECONDS = int(os.environ.get("GUANXI_ANSWER_TARGET_SECONDS", "20"))
GUANXI_SERVICE_LEVEL_GOAL = int(os.environ.get("GUANXI_SERVICE_LEVEL_GOAL", "80")) / 100
GUANXI_BREAK_ALERT_MINUTES = int(os.environ.get("GUANXI_BREAK_ALERT_MINUTES", "15"))
GUANXI_WRAP_UP_ALERT_MINUTES = int(os.environ.get("GUANXI_WRAP_UP_ALERT_MINUTES", "3"))
# After a call the caller ended, the agent is in after-call work this long (notes, wrap-up code) before the next
# call is put through; their Done or "Available" ends it sooner. 0: the next call at once.
GUANXI_AFTER_CALL_WORK_SECONDS = int(os.environ.get("GUANXI_AFTER_CALL_WORK_SECONDS", "30"))
# What came of a call-list call (contact_center.outbound), chosen by the agent at wrap-up: each code's label and what
# it does to the customer's entry: "done" (reached), "retry" (called again after the list's wait, up to its attempts),
# "failed" (not called again), "do_not_call" (failed, and the customer's phones are opted out of calls).
GUANXI_OUTBOUND_OUTCOMES = {
    "resolved": (_("Reached, resolved"), "done"),
    "reached": (_("Reached, follow-up needed"), "done"),
    "call_back": (_("Call back later"), "retry"),
    "no_answer": (_("No answer"), "retry"),
    "busy": (_("Busy"), "retry"),
    "wrong_number": (_("Wrong number"), "failed"),
    "refused": (_("Refused to talk"), "done"),
    "do_not_call": (_("Asked not to be called"), "do_not_call"),
}
GUANXI_CURRENCY = os.environ.get("GUANXI_CURRENCY", "CNY")
# Uploads (imports, attachments) larger than this are refused before they are read.
GUANXI_MAX_UPLOAD_BYTES = int(os.environ.get("GUANXI_MAX_UPLOAD_MB", "50")) * 2**20
# Exports up to this many rows are sent at once; larger ones are written by the worker, with progress.
GUANXI_EXPORT_MAX_ROWS = int(os.environ.get("GUANXI_EXPORT_MAX_ROWS", "10000"))
# Look-ups by national ID number per user and hour: an ID can be recovered by trying candidates
# (the birth date and region narrow it to a few hundred), so beyond this the search is refused
# and the administrators are told (customers.services.guard_national_id_lookup).
GUANXI_ID_LOOKUPS_PER_HOUR = int(os.environ.get("GUANXI_ID_LOOKUPS_PER_HOUR", "10"))
# Vehicle registrations refused per user and hour because the VIN is on record outside the user's scope: trying
# VINs would tell which cars exist elsewhere, so beyond this every registration by the user waits for the hour
# and the administrators are told (customers.services.add_vehicle).
GUANXI_VIN_REFUSALS_PER_HOUR = int(os.environ.get("GUANXI_VIN_REFUSALS_PER_HOUR", "10"))
# Score history (guanxi.analytics.history): each model's latest runs kept whole, and each month's last run for
# this many months; older runs keep their figures but not their scores.
GUANXI_SCORE_RUNS_KEPT = max(1, int(os.environ.get("GUANXI_SCORE_RUNS_KEPT", "14")))
GUANXI_SCORE_MONTHS_KEPT = int(os.environ.get("GUANXI_SCORE_MONTHS_KEPT", "24"))
# Tickets: the assignee is warned this long before the resolution falls due; a resolved ticket the
# customer does not reopen is closed after this many days.
GUANXI_TICKET_WARNING_MINUTES = int(os.environ.get("GUANXI_TICKET_WARNING_MINUTES", "60"))
GUANXI_TICKET_CLOSE_AFTER_DAYS = int(os.environ.get("GUANXI_TICKET_CLOSE_AFTER_DAYS", "7"))
# Work orders: the labour rate per hour a job gets unless the advisor types another.
GUANXI_LABOUR_RATE = Decimal(os.environ.get("GUANXI_LABOUR_RATE", "280"))

# Outgoing e-mail (survey links to customers): Django's SMTP backend, a relay on this machine by default.
EMAIL_HOST = os.environ.get("GUANXI_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GUANXI_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("GUANXI_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GUANXI_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("GUANXI_SMTP_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("GUANXI_MAIL_FROM", "service@guanxi.local")
# Export files (personal data) are deleted after this many days.
GUANXI_EXPORT_KEEP_DAYS = int(os.environ.get("GUANXI_EXPORT_KEEP_DAYS", "7"))
# The analytics warehouse (Parquet): a copy of the customer base without personal data (analytics.warehouse)
GUANXI_WAREHOUSE_DIR = Path(os.environ.get("GUANXI_WAREHOUSE_DIR", DATA_DIR / "warehouse")).resolve()
# Where the scoring's feature SQL runs: duckdb (in the package) or spark (pip install "guanxi[spark]")
GUANXI_ANALYTICS_ENGINE = os.environ.get("GUANXI_ANALYTICS_ENGINE", "duckdb")

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

DJANGO_TABLES2_TEMPLATE = "core/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_without_traceback": {"()": "guanxi.core.logs.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["refusals_without_traceback"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
