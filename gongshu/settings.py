"""Django settings, driven only by GONGSHU_* environment variables (see README)."""

from __future__ import annotations

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
    "django_tasks",
    "django_tasks_db",
    "gongshu.ops",
    "gongshu.orgs",
    "gongshu.catalog",
    "gongshu.tabular",
    "gongshu.privacy",
    "gongshu.access",
    "gongshu.billing",
    "gongshu.audit",
    "gongshu.demo",
    "gongshu.portal",
    "gongshu.interop",
]

MIDDLEWARE = [
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

# The read engine (tabular.query, sql, exports); checked at use by tabular/limits.py.
# The gate's conditions, in the order they run (gongshu/gate/README.md). A subsystem that
# adds a condition (cross-border transfer, compute) adds its dotted path here.
GATE_CONDITIONS = [
    "gongshu.gate.conditions.channel_route",
    "gongshu.access.conditions.agreement_terms",
    "gongshu.access.conditions.daily_calls",
    "gongshu.billing.conditions.plan_quota",
]

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GONGSHU_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# Tabular ingest (gongshu/tabular/ingest/). Limits protect the server from hostile files.
INGEST_THREADS = env_int("GONGSHU_INGEST_THREADS", 2)
INGEST_MEMORY_LIMIT = env_str("GONGSHU_INGEST_MEMORY_LIMIT", "2GB")
INGEST_MAX_LINE_SIZE = env_int("GONGSHU_INGEST_MAX_LINE_SIZE", 8 * 1024 * 1024)
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
# Test hook, off by default: milliseconds to sleep after each ingest phase starts, so a
# test can kill a worker at a known point. Never set it in production.
INGEST_PHASE_DELAY_MS = env_int("GONGSHU_INGEST_PHASE_DELAY_MS", 0)
