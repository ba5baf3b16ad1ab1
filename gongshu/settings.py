"""Django settings, driven only by GONGSHU_* environment variables (see README)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from gongshu.config import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    persistent_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GONGSHU_VAR_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR = Path(env_str("GONGSHU_DATA_DIR", str(VAR_DIR / "data"))).resolve()

DEBUG = env_bool("GONGSHU_DEBUG", False)
SECRET_KEY = env_secret("GONGSHU_SECRET_KEY") or persistent_secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("GONGSHU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("GONGSHU_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("GONGSHU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # For its templates and static files: without it, /api/v1/docs loads Swagger UI from
    # a CDN, a blank page on an intranet without internet.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "gongshu.ops",
    "gongshu.orgs",
    "gongshu.catalog",
    "gongshu.tabular",
    "gongshu.privacy",
    "gongshu.access",
    "gongshu.billing",
    "gongshu.transfer",
    "gongshu.survey",
    "gongshu.annotation",
    "gongshu.ledger",
    "gongshu.registry",
    "gongshu.operation",
    "gongshu.compute",
    "gongshu.audit",
    "gongshu.demo",
    "gongshu.portal",
    "gongshu.interop",
    "axes",  # sign-in throttling; after the apps whose templates it may be shown in
]

MIDDLEWARE = [
    # First, so it sees every answer: under /api/ every error is JSON (gongshu/api.py).
    "gongshu.api.JsonErrors",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongshu.billing.middleware.QuotaHeaderMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongshu.urls"
WSGI_APPLICATION = "gongshu.wsgi.application"

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
                "gongshu.portal.context.viewer",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'gongshu.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("GONGSHU_DATABASE_URL") or _default_db,
        conn_max_age=env_int("GONGSHU_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the server reads; the timeout rides out short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in throttling (django-axes): after GONGSHU_LOGIN_FAILURE_LIMIT failed sign-ins for
# one username, or from one address, signing in is refused for GONGSHU_LOGIN_LOCKOUT_MINUTES
# (the portal, /api/v1/session and the admin alike). `gongshu axes_reset` lifts every lock,
# `gongshu axes_reset_username NAME` one user's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("GONGSHU_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("GONGSHU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GONGSHU_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
# A failure while locked does not extend the lock, so nobody can keep a user out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # failures are counted; successes are not logged again
AXES_LOCKOUT_CALLABLE = "gongshu.portal.views.auth.locked_out"
AXES_VERBOSE = False
# Behind reverse proxies the address is the proxy's: count them, and the client's address
# is read from X-Forwarded-For that many hops back (else everyone shares one lock).
_PROXY_COUNT = env_int("GONGSHU_PROXY_COUNT", 0)
if _PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = _PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gongshu" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("GONGSHU_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
# Static files are served from the apps by WhiteNoise; collectstatic only when set.
STATIC_ROOT = env_str("GONGSHU_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step

TASKS = {
    "default": {
        "BACKEND": env_str("GONGSHU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = env_str("GONGSHU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("GONGSHU_FROM_EMAIL", "gongshu@localhost")

# The portal's sign-in page (Django's auth views with the portal's templates).
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GONGSHU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploads stream to disk beyond this size instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

NINJA_PAGINATION_MAX_LIMIT = 1000

# Where the ledger's cost proposals come from (gongshu/ledger/sources.py says the shape):
# each a callable (organization, start, end) -> Iterable[dict].
LEDGER_COST_SOURCES = [
    "gongshu.ledger.sources.billing_statements",
    "gongshu.annotation.costs.proposals",
    "gongshu.tabular.costs.masking",
    "gongshu.compute.costs.proposals",
]
# What the platform charges for a core-hour of its own work (masked copies), in yuan: the
# ledger proposes it as desensitisation cost. A deployment sets its own price.
PLATFORM_CORE_HOUR_PRICE = env_str("GONGSHU_PLATFORM_CORE_HOUR_PRICE", "0.60")

# Other apps' notification wordings (kind -> subject, body), as access/wording.py's own.
NOTIFICATION_WORDINGS = [
    "gongshu.transfer.wording.MESSAGES",
    "gongshu.registry.wording.MESSAGES",
    "gongshu.survey.wording.MESSAGES",
    "gongshu.operation.wording.MESSAGES",
]

# Where compute-to-data jobs run (gongshu/compute/executors.py): name -> dotted path of
# run(spec, node), imported when a job asks for it (Ray loads only where it is used).
COMPUTE_EXECUTORS = {
    "local": "gongshu.compute.executors.run_local",
    "ray": "gongshu.compute.ray_executor.run",
}

# The read engine (tabular.query, sql, exports); checked at use by tabular/limits.py.
# The gate's conditions, in the order they run (gongshu/gate/README.md). A subsystem that
# adds a condition (cross-border transfer, compute) adds its dotted path here.
GATE_CONDITIONS = [
    "gongshu.gate.conditions.channel_route",
    "gongshu.access.conditions.agreement_terms",
    # Only checks, so before the conditions that take a counter.
    "gongshu.transfer.conditions.declared_abroad",
    "gongshu.access.conditions.daily_calls",
    "gongshu.billing.conditions.plan_quota",
]

# Checks billing runs on a price plan before it is saved, revised, assigned or used (each
# raises ValidationError to refuse): the operation app's caps per product (65号).
PRICE_PLAN_CHECKS = ["gongshu.operation.hooks.price_plan"]
# Checks access runs on an agreement it is issuing, in the approval's transaction (each
# raises ValidationError to refuse): authorized operation needs its records (27号).
AGREEMENT_ISSUE_CHECKS = ["gongshu.operation.hooks.authorized_operation"]
# Calendar days before the end-of-March report is due (65号, rule p65-report-march) from
# which operators are reminded: the platform's default, not the law's [check].
OPERATION_REPORT_REMINDER_DAYS = 15

TABULAR_QUERY_TIMEOUT_S = env_int("GONGSHU_QUERY_TIMEOUT_S", 10)
TABULAR_QUERY_MEMORY_LIMIT = env_str("GONGSHU_QUERY_MEMORY_LIMIT", "512MB")
TABULAR_EXPORT_MEMORY_LIMIT = env_str("GONGSHU_EXPORT_MEMORY_LIMIT", "160MB")
TABULAR_QUERY_THREADS = env_int("GONGSHU_QUERY_THREADS", 4)
# Exports are bound by writing, not scanning; fewer threads keep fewer buffers alive
# (10M rows to CSV: 2 threads peak 242 MB RSS, 4 threads 277 MB, same speed).
TABULAR_EXPORT_THREADS = env_int("GONGSHU_EXPORT_THREADS", 2)
TABULAR_SQL_ROW_LIMIT = env_int("GONGSHU_SQL_ROW_LIMIT", 1000)
TABULAR_SQL_MAX_ROWS = env_int("GONGSHU_SQL_MAX_ROWS", 10_000)
TABULAR_ROWS_MAX_LIMIT = env_int("GONGSHU_ROWS_MAX_LIMIT", 10_000)
# Read-only SQL runs in sandbox worker processes (gongshu/engine/sandbox.py): so many per
# server process, each limited to so much address space (RLIMIT_AS; DuckDB's memory limit
# is kept below it), so much spill on disk ("0": none), and answers of at most so many bytes.
SQL_SANDBOX_WORKERS = env_int("GONGSHU_SQL_SANDBOX_WORKERS", 2)
SQL_SANDBOX_MEMORY = env_str("GONGSHU_SQL_SANDBOX_MEMORY", "1GiB")
SQL_SANDBOX_SPILL = env_str("GONGSHU_SQL_SANDBOX_SPILL", "1GiB")
SQL_MAX_ANSWER_BYTES = env_str("GONGSHU_SQL_MAX_ANSWER_BYTES", "32MiB")
# Parentheses/brackets a read-only SQL statement may nest (checked before parsing).
SQL_MAX_DEPTH = env_int("GONGSHU_SQL_MAX_DEPTH", 100)

# The audit log (gongshu/audit/): entry hashes are HMACs under a key the database does
# not hold (generated once, mode 0600), and signed checkpoints of the head go to a file
# outside the database every AUDIT_CHECKPOINT_EVERY entries (0: only on the command).
AUDIT_KEY_FILE = Path(env_str("GONGSHU_AUDIT_KEY_FILE", str(VAR_DIR / "audit_key"))).resolve()
AUDIT_CHECKPOINT_FILE = Path(
    env_str("GONGSHU_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.jsonl"))
).resolve()
AUDIT_CHECKPOINT_EVERY = env_int("GONGSHU_AUDIT_CHECKPOINT_EVERY", 1000)
# Where `gongshu audit checkpoint` also POSTs each checkpoint it writes (unset: nowhere).
AUDIT_ANCHOR_URL = env_str("GONGSHU_AUDIT_ANCHOR_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GONGSHU_LOG_LEVEL", "INFO")},
    # axes logs every successful sign-in at INFO; its warnings (a lockout) are kept.
    "loggers": {"jieba": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Tabular ingest (gongshu/tabular/ingest/). Limits protect the server from hostile files.
INGEST_THREADS = env_int("GONGSHU_INGEST_THREADS", 2)
INGEST_MAX_LINE_SIZE = env_int("GONGSHU_INGEST_MAX_LINE_SIZE", 8 * 1024 * 1024)
# Each ingest converts in a child process whose address space (RLIMIT_AS) is capped here;
# a file that needs more fails that ingest (retryable), never the worker. About 1 GiB of
# it are the libraries; DuckDB's memory limit is half of it (pipeline.DUCKDB_SHARE_OF_CAP),
# so DuckDB spills to the work directory before the cap refuses memory.
INGEST_MEMORY_CAP = env_int("GONGSHU_INGEST_MEMORY_CAP", 4 * 1024**3)
# Seconds a conversion may run before its child process is stopped (the ingest fails).
INGEST_TIMEOUT_S = env_int("GONGSHU_INGEST_TIMEOUT_S", 6 * 3600)
# Columns per file. Open data tables are rarely a few hundred columns wide; 2,000 ingest
# in ~15 s within ~250 MB, and 5,000 (measured: ~40 s, ~270 MB) only when raised.
INGEST_MAX_COLUMNS = env_int("GONGSHU_INGEST_MAX_COLUMNS", 2000)
# Cells (rows × columns) of a Parquet upload, read from its footer before any row: a few
# KB of run-length-encoded Parquet can declare billions. Text is bounded by its bytes.
INGEST_MAX_CELLS = env_int("GONGSHU_INGEST_MAX_CELLS", 1_000_000_000)
# Largest file accepted over HTTP; the upload is refused (413) as soon as its streamed
# bytes pass this, before it is staged. Larger files: `gongshu ingest` on the server.
UPLOAD_MAX_BYTES = env_int("GONGSHU_UPLOAD_MAX_BYTES", 1024**3)
# Source text per Parquet row group at most (wide rows get smaller groups): what a reader
# holds per thread while it reads a version.
INGEST_ROW_GROUP_BYTES = env_int("GONGSHU_INGEST_ROW_GROUP_BYTES", 16 * 1024 * 1024)
INGEST_XLSX_MAX_UNCOMPRESSED = env_int("GONGSHU_INGEST_XLSX_MAX_UNCOMPRESSED", 1024**3)
INGEST_XLSX_MAX_RATIO = env_int("GONGSHU_INGEST_XLSX_MAX_RATIO", 200)
INGEST_INFER_ROWS = env_int("GONGSHU_INGEST_INFER_ROWS", 1000)
# Cells read as missing when a schema is inferred (a declared schema's missingValues wins):
# statistics packages and spreadsheets write NA, N/A or NULL for an empty cell.
INGEST_MISSING_VALUES = env_list("GONGSHU_INGEST_MISSING_VALUES", ["", "NA", "N/A", "NULL"])
INGEST_REJECTS_LIMIT = env_int("GONGSHU_INGEST_REJECTS_LIMIT", 10000)
INGEST_REPORT_EXAMPLES = env_int("GONGSHU_INGEST_REPORT_EXAMPLES", 5)
INGEST_PROFILE_TOP = env_int("GONGSHU_INGEST_PROFILE_TOP", 5)
INGEST_PROGRESS_INTERVAL = 0.5  # seconds between progress updates during one long read
INGEST_STALE_STAGING_SECONDS = env_int("GONGSHU_INGEST_STALE_STAGING_SECONDS", 24 * 3600)
# A running ingest's process writes a heartbeat every tenth of this; `gongshu worker` marks
# failed (retryable) at start a running ingest whose process is gone: on this host, told
# by its pid; on another, by no heartbeat for this long.
INGEST_HEARTBEAT_TIMEOUT_S = env_int("GONGSHU_INGEST_HEARTBEAT_TIMEOUT_S", 300)
# Test hook, off by default: milliseconds to sleep after each ingest phase starts, so a
# test can kill a worker at a known point. Never set it in production.
INGEST_PHASE_DELAY_MS = env_int("GONGSHU_INGEST_PHASE_DELAY_MS", 0)
