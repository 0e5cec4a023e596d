"""Settings of the credit bank, read from the environment (django-environ).

Development works with nothing set. Production mode (``CREDITBANK_PRODUCTION=1``) refuses to start
without its secrets and addresses (the ``required`` list below: ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, the PII keys, the audit key and the site's address) and turns on every transport
and cookie protection that ``manage.py check --deploy`` asks for.

Nothing here starts a server: the embedded PostgreSQL and Redis used on a newcomer's machine are
started by the ``make`` entry points (``scripts/devservices.py``), which pass their addresses in
``DATABASE_URL`` and ``REDIS_URL``.
"""

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

PRODUCTION = env.bool("CREDITBANK_PRODUCTION", default=False)

if PRODUCTION:
    required = (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CREDITBANK_PII_KEYS",
        "CREDITBANK_PII_HASH_KEY",
        "CREDITBANK_AUDIT_KEY",
        "CREDITBANK_SITE_URL",
    )
    missing = [name for name in required if not env.str(name, "")]
    if missing:
        raise ImproperlyConfigured(
            "CREDITBANK_PRODUCTION is set but these variables are missing: " + ", ".join(missing)
        )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode.")

SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-0b7f1c9e3a2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused for its missing or stale token gets the portal's page, not Django's English one.
CSRF_FAILURE_VIEW = "creditbank.views.csrf_failure"
# How many reverse proxies (nginx, a load balancer) stand in front and append X-Forwarded-For.
CREDITBANK_PROXY_COUNT = env.int("CREDITBANK_PROXY_COUNT", default=0)
# Refused requests of anonymous visitors (creditbank/refusals.py): per minute, at most this many
# client addresses get their first refusal recorded as its own audit event; the rest are counted
# and written once a minute as aggregate events, so that a flood cannot fill the audit log.
CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE = env.int(
    "CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE", default=60
)

# Personal data at rest (creditbank/pii.py): Fernet keys, the first encrypts, all decrypt; and
# the key of the hash that finds an identity. Development derives both from SECRET_KEY.
_dev_pii_key = base64.urlsafe_b64encode(hashlib.sha256(b"pii:" + SECRET_KEY.encode()).digest())
CREDITBANK_PII_KEYS = env.list("CREDITBANK_PII_KEYS", default=[_dev_pii_key.decode()])
_dev_hash_key = hashlib.sha256(b"pii-hash:" + SECRET_KEY.encode()).hexdigest()
CREDITBANK_PII_HASH_KEY = env.str("CREDITBANK_PII_HASH_KEY", default=_dev_hash_key)

# The audit log's chain is an HMAC-SHA256 under this key, which lives outside the database, so
# that whoever owns the tables cannot rewrite events and recompute the chain. Previous keys still
# verify the events they signed (rotation, creditbank/audit.py). Development derives one from
# SECRET_KEY. Each daily checkpoint of the chain's head is also appended to this file (and logged);
# empty = log only.
_dev_audit_key = hashlib.sha256(b"audit:" + SECRET_KEY.encode()).hexdigest()
CREDITBANK_AUDIT_KEY = env.str("CREDITBANK_AUDIT_KEY", default=_dev_audit_key)
CREDITBANK_AUDIT_PREVIOUS_KEYS = env.list("CREDITBANK_AUDIT_PREVIOUS_KEYS", default=[])
if PRODUCTION and len(CREDITBANK_AUDIT_KEY) < 32:
    raise ImproperlyConfigured("CREDITBANK_AUDIT_KEY must be at least 32 characters long.")
CREDITBANK_AUDIT_CHECKPOINT_FILE = env.str(
    "CREDITBANK_AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit-checkpoints.jsonl")
)

# The portal's public address, for links in e-mails sent outside a request (Celery tasks).
# Production must name it; elsewhere it is where `make run` serves, on PORT (Makefile).
CREDITBANK_SITE_URL = env.str(
    "CREDITBANK_SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}"
).rstrip("/")
if PRODUCTION and not CREDITBANK_SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "CREDITBANK_SITE_URL must be the portal's https:// address (e-mails link to it)."
    )

# Proof (issue 14): transcripts and proofs of learning outcomes.
# The PDF signer (PAdES, pyHanko): PEM files of the bank's signing key and certificate, and of the
# certificates between it and a trusted root. Unset outside production: a local CA and signer are
# made on first use under CREDITBANK_PROOF_SIGNING_DIR (development and tests only).
CREDITBANK_PROOF_SIGNING_KEY = env.str("CREDITBANK_PROOF_SIGNING_KEY", default="")
CREDITBANK_PROOF_SIGNING_CERT = env.str("CREDITBANK_PROOF_SIGNING_CERT", default="")
CREDITBANK_PROOF_SIGNING_CHAIN = env.list("CREDITBANK_PROOF_SIGNING_CHAIN", default=[])
CREDITBANK_PROOF_SIGNING_PASSPHRASE = env.str("CREDITBANK_PROOF_SIGNING_PASSPHRASE", default="")
CREDITBANK_PROOF_SIGNING_DIR = env.path("CREDITBANK_PROOF_SIGNING_DIR", default=VAR_DIR / "signing")
# A timestamp authority (RFC 3161) for PAdES B-T; none: signatures carry the signing time only.
CREDITBANK_PROOF_TSA_URL = env.str("CREDITBANK_PROOF_TSA_URL", default="")
# The credentials' Ed25519 key (eddsa-rdfc-2022), a PEM file; unset outside production: one is
# made on first use in CREDITBANK_PROOF_SIGNING_DIR.
CREDITBANK_CREDENTIAL_KEY = env.str("CREDITBANK_CREDENTIAL_KEY", default="")
if PRODUCTION and not (
    CREDITBANK_PROOF_SIGNING_KEY and CREDITBANK_PROOF_SIGNING_CERT and CREDITBANK_CREDENTIAL_KEY
):
    raise ImproperlyConfigured(
        "Production signs documents with the bank's own keys: set CREDITBANK_PROOF_SIGNING_KEY, "
        "CREDITBANK_PROOF_SIGNING_CERT and CREDITBANK_CREDENTIAL_KEY."
    )
# Verification (/verify/): lookups of codes, share PINs and inquiry consent codes per client
# address and per minute, before the portal answers "too many attempts".
CREDITBANK_VERIFY_PER_MINUTE = env.int("CREDITBANK_VERIFY_PER_MINUTE", default=20)

# Learning account numbers: this prefix, 10 digits and a Luhn check digit.
CREDITBANK_ACCOUNT_PREFIX = env.str("CREDITBANK_ACCOUNT_PREFIX", default="CB")

# Evidence of learning achievements: bytes per file, and in total per learner.
CREDITBANK_EVIDENCE_MAX_FILE = env.int("CREDITBANK_EVIDENCE_MAX_FILE", default=10 * 1024 * 1024)
CREDITBANK_EVIDENCE_MAX_TOTAL = env.int("CREDITBANK_EVIDENCE_MAX_TOTAL", default=200 * 1024 * 1024)

# Batch recognition (批量认定): the largest result file a clerk may upload; how long one run of
# the batch task works before it hands the rest to a new run (it must end well within
# CELERY_TASK_SOFT_TIME_LIMIT); the most rows one API request may carry.
CREDITBANK_BATCH_MAX_FILE = env.int("CREDITBANK_BATCH_MAX_FILE", default=100 * 1024 * 1024)
CREDITBANK_BATCH_API_ROWS = env.int("CREDITBANK_BATCH_API_ROWS", default=1000)
# The institutions' API (/api/v1/): requests per token and minute before 429 Too Many Requests.
CREDITBANK_API_PER_MINUTE = env.int("CREDITBANK_API_PER_MINUTE", default=120)
# Rows of a batch staged, or committed, per transaction (a crash loses at most one chunk's work).
CREDITBANK_BATCH_CHUNK = env.int("CREDITBANK_BATCH_CHUNK", default=5000)

# Credits and learning hours: one credit stands for this many notional learning hours (the
# HKQF scale of the design: 10). The hints on the forms and the credits an achievement's hours
# suggest are derived from it (achievements/credits.py).
CREDITBANK_HOURS_PER_CREDIT = env.int("CREDITBANK_HOURS_PER_CREDIT", default=10)

# Recognition (认定): a decision for more credits than this waits for a centre re-review by a
# second person; a rejection may be appealed for this many days; a review step is overdue
# after this many working days.
CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal(
    env.str("CREDITBANK_RECOGNITION_REVIEW_THRESHOLD", default="10")
)
CREDITBANK_APPEAL_DAYS = env.int("CREDITBANK_APPEAL_DAYS", default=14)
CREDITBANK_REVIEW_DUE_WORKING_DAYS = env.int("CREDITBANK_REVIEW_DUE_WORKING_DAYS", default=15)
# Conversion (转换): a decision is promised within this many working days of acceptance
# (Chongqing's 15); an achievement converts at most once at an institution, or at most once
# anywhere when CREDITBANK_CONVERSION_ONCE_ANYWHERE is on (as Beijing reads its rule).
CREDITBANK_CONVERSION_DUE_WORKING_DAYS = env.int(
    "CREDITBANK_CONVERSION_DUE_WORKING_DAYS", default=15
)
CREDITBANK_CONVERSION_ONCE_ANYWHERE = env.bool("CREDITBANK_CONVERSION_ONCE_ANYWHERE", default=False)
# A learning account opened online is verified (real name, ID) within this many working days
# of its opening; the desks mark older ones overdue and tell the learner the expected date.
CREDITBANK_VERIFICATION_DUE_WORKING_DAYS = env.int(
    "CREDITBANK_VERIFICATION_DUE_WORKING_DAYS", default=5
)
# What every page reads of its person (roles, learning account, unread notices) is cached for
# at most this many seconds (and dropped whenever it changes: accounts/cache.py); the header's
# to-do total for at most CREDITBANK_DESK_TOTAL_SECONDS (recomputed whenever the desk is shown).
CREDITBANK_USER_STATE_SECONDS = env.int("CREDITBANK_USER_STATE_SECONDS", default=300)
CREDITBANK_DESK_TOTAL_SECONDS = env.int("CREDITBANK_DESK_TOTAL_SECONDS", default=60)

# The city is configuration, not code (districts come from reference data).
CREDITBANK_CITY = env.str("CREDITBANK_CITY", default="chongqing")
# What every page's footer says: the city's name (Chinese, English) and how to reach the centre.
# Settings rather than a database row: the footer is on every page and costs no query.
CREDITBANK_CITY_NAME = env.str("CREDITBANK_CITY_NAME", default="重庆市")
CREDITBANK_CITY_NAME_EN = env.str("CREDITBANK_CITY_NAME_EN", default="Chongqing")
CREDITBANK_CENTRE_ADDRESS = env.str(
    "CREDITBANK_CENTRE_ADDRESS", default="重庆市渝中区解放碑民族路 1 号"
)
CREDITBANK_CENTRE_HOTLINE = env.str("CREDITBANK_CENTRE_HOTLINE", default="023-63000000")
CREDITBANK_CENTRE_EMAIL = env.str("CREDITBANK_CENTRE_EMAIL", default="service@creditbank.example")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Trigram indexes and lookups (pg_trgm) for the public search: creditbank/search.py.
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_htmx",
    "creditbank",
    "accounts",
    "branches",
    "achievements",
    "conversion",
    "quality",
    # The institutions' API (/api/v1/); "ninja" for Swagger UI's files and templates.
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "creditbank.middleware.RequestContextMiddleware",
    "csp.middleware.CSPMiddleware",
    "creditbank.inputguard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "creditbank.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.StaffMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "creditbank.middleware.RefusedAccessAuditMiddleware",
]

ROOT_URLCONF = "creditbank.urls"
WSGI_APPLICATION = "creditbank.wsgi.application"

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "creditbank.context_processors.site",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/creditbank")
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("The credit bank runs on PostgreSQL only (DATABASE_URL).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="creditbank"),
        "TIMEOUT": 300,
    }
}

MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, static files are served straight from the apps' folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Users, sign-in, sessions -----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:desk"
LOGOUT_REDIRECT_URL = "home"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The absolute lifetime of a session; SessionTimeoutMiddleware enforces it and the idle limits.
SESSION_COOKIE_AGE = int(timedelta(hours=12).total_seconds())
CREDITBANK_SESSION_ABSOLUTE = timedelta(hours=12)
CREDITBANK_SESSION_IDLE = timedelta(minutes=30)
CREDITBANK_SESSION_IDLE_STAFF = timedelta(minutes=15)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Brute-force protection (accounts/lockout.py): this many failed log-ins for one account within
# the window — wrong passwords and wrong second-factor codes alike — lock the account for the lock
# time; this many failures from one client address lock that address out the same way.
CREDITBANK_LOGIN_FAILURE_LIMIT = 5
CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT = env.int(
    "CREDITBANK_LOGIN_ADDRESS_FAILURE_LIMIT", default=20
)
CREDITBANK_LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
CREDITBANK_LOGIN_LOCK_TIME = timedelta(minutes=30)

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Changing e-mail addresses or passwords asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[学分银行] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    # Failed log-ins and wrong second-factor codes are counted and locked by accounts.lockout,
    # atomically in the database, with the exact "5 in 15 minutes locks for 30 minutes" rule;
    # allauth's own cache counter (which also limits codes) is replaced by it, not added to it.
    "login_failed": False,
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "accounts.forms.mfa.AuthenticateForm",
    "reauthenticate": "accounts.forms.mfa.ReauthenticateForm",
}
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="学分银行 Credit Bank")

GUARDIAN_RAISE_403 = True
# No guardian "AnonymousUser" row: anonymous visitors have no object permissions here.
ANONYMOUS_USER_NAME = None

# --- Language, time ---------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "creditbank_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- E-mail -----------------------------------------------------------------------------------

if env.str("EMAIL_URL", ""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Written to the log, readable (decoded subject, plain body): creditbank.mail.
    EMAIL_BACKEND = "creditbank.mail.ConsoleEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="学分银行 <noreply@creditbank.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = int(timedelta(days=1).total_seconds())
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task ends within CELERY_TASK_TIME_LIMIT seconds: SoftTimeLimitExceeded is raised a fifth
# earlier so that it can clean up, and its process is killed at the limit.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
if CELERY_TASK_TIME_LIMIT < 5:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be at least 5 seconds.")
_task_time_margin = CELERY_TASK_TIME_LIMIT // 5
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - _task_time_margin
# With late acknowledgement, Redis keeps a taken message aside until its task ends. If the worker
# dies (SIGKILL, out of memory, a lost machine), a consumer puts the message back on its queue once
# it has been aside for visibility_timeout seconds: so that is the time limit plus a margin. Any
# shorter and a task still running would run twice; kombu's default (an hour) leaves a lost task
# waiting. Consumers look for such messages every 10 s (kombu's default is about every 100 s).
# A countdown or ETA must stay below the visibility timeout too: the worker holds such a message
# unacknowledged until it is due, and Redis would deliver it again meanwhile.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + _task_time_margin,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# The queue a task goes to unless it names one (Celery's default); the worker tests set their
# worker's own, so that a task the worker enqueues (a batch going on) comes back to it.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = "UTC"
# Keep Django's logging (and its redacting filter) in worker and beat processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A batch task works for at most half the soft limit, then enqueues itself to go on.
CREDITBANK_BATCH_TASK_SECONDS = env.int(
    "CREDITBANK_BATCH_TASK_SECONDS", default=max(CELERY_TASK_SOFT_TIME_LIMIT // 2, 2)
)
CELERY_BEAT_SCHEDULE = {
    # A batch whose worker died goes to another (achievements.services.batch).
    "batches-resume": {
        "task": "achievements.tasks.batches_resume_task",
        "schedule": timedelta(minutes=1),
    },
    "audit-chain-checkpoint": {
        "task": "creditbank.tasks.audit_chain_checkpoint",
        "schedule": timedelta(days=1),
    },
    "login-guards-prune": {
        "task": "accounts.tasks.login_guards_prune",
        "schedule": timedelta(days=1),
    },
    "conversion-reminders": {
        "task": "conversion.tasks.conversion_reminders",
        "schedule": timedelta(days=1),
    },
    "credits-expire": {
        "task": "achievements.tasks.credits_expire",
        "schedule": timedelta(hours=6),
    },
    # The API's idempotency keys are kept for 24 hours (api.idempotency).
    "api-idempotency-purge": {
        "task": "api.tasks.idempotency_records_purge",
        "schedule": timedelta(days=1),
    },
    "refusal-counts-flush": {
        "task": "creditbank.tasks.refusal_counts_flush",
        "schedule": timedelta(minutes=1),
        # A run left waiting is dropped: the next one writes the same counts.
        "options": {"expires": 55},
    },
}

# --- Security ---------------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(timedelta(days=365).total_seconds())
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_COOKIE_HTTPONLY = True
    LANGUAGE_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "creditbank.redaction.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

CREDITBANK_SITE_NAME = _("Lifelong Learning Credit Bank")
