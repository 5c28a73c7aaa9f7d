"""Settings for the clinic site, read from the environment (django-environ).

`DJANGO_ENV=local` (the default) runs with no services and no variables set:
SQLite in `var/`, a file cache in `var/cache`, email printed to the console, and a
secret key generated once into `var/secret_key` (never committed).
`DJANGO_ENV=production` refuses to start without `DJANGO_SECRET_KEY` and
`DJANGO_ALLOWED_HOSTS`. See README.md for the full table of variables.
"""

import os
import tomllib
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from clinic_site.local_files import owner_only

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="local")
if DJANGO_ENV not in {"local", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'local' or 'production', not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"


def _local_secret_key(path: Path) -> str:
    """Return the local secret key, creating it once, atomically, if missing.

    Several gunicorn workers may start at once: the key is written to a
    temporary file and linked into place, so every worker reads the same key.
    The key is 0600 from its first byte (a key an older version left readable
    is made so), in a var/ folder made 0700.
    """
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        pass
    else:
        owner_only(path)
        return key
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)  # left by a process that died here
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(get_random_secret_key())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


# Read as it is: django-environ would take a key starting with "$" as the
# name of another variable (and then report the key missing).
SECRET_KEY_FROM_ENV = os.environ.get("DJANGO_SECRET_KEY", "")

if PRODUCTION:
    missing = [
        name
        for name, value in [
            ("DJANGO_SECRET_KEY", SECRET_KEY_FROM_ENV),
            ("DJANGO_ALLOWED_HOSTS", env.str("DJANGO_ALLOWED_HOSTS", default="")),
        ]
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs {' and '.join(missing)} to be set."
        )
    SECRET_KEY = SECRET_KEY_FROM_ENV
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = SECRET_KEY_FROM_ENV or _local_secret_key(VAR_DIR / "secret_key")
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)

INSTALLED_APPS = [
    # Django's admin with django-otp's OTPAdminSite as admin.site (staff_access).
    "staff_access.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # /sitemap.xml, and django-csp's system checks.
    "django.contrib.sitemaps",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_admin_lightweight_date_hierarchy",
    "reversion",
    "axes",
    # Two-factor staff sign-in: authenticator apps and printed backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The site's own: plumbing first, then one app per feature.
    "clinic_site.apps.ClinicSiteConfig",
    "clinic",
    "treatments",
    "practitioners",
    "conditions",
    "clinical_review",
    "search",
    "enquiries",
    "audit",
    "staff_access",
]

MIDDLEWARE = [
    # First, so every log line of the request has its id.
    "clinic_site.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body, and before static files and the page
    # cache: refuses a SCRIPT_NAME, a non-UTF-8 charset, bodies over the
    # limits below and uploads from anyone but signed-in staff.
    "clinic_site.request_limits.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages are answered here, as cheaply as a static file
    # (clinic_site/pagecache); everything below is stored with the page.
    "clinic_site.pagecache.middleware.PublicPageCacheMiddleware",
    # Before sessions and CSRF, so it sees the cookies they set: a response
    # that sets a cookie is never public; admin is never indexed.
    "clinic_site.middleware.ResponsePolicyMiddleware",
    # Content-Security-Policy and Permissions-Policy.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs staff out after STAFF_SESSION_IDLE_SECONDS idle or
    # STAFF_SESSION_MAX_SECONDS after sign-in (needs the user and messages).
    "clinic_site.staff_sessions.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic_site.urls"
WSGI_APPLICATION = "clinic_site.wsgi.application"

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
                "clinic.context_processors.site",
            ],
        },
    },
]

# Database: SQLite file in var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once under several gunicorn
    # workers; IMMEDIATE transactions take the write lock up front so
    # concurrent writers wait (busy timeout) instead of failing mid-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails the request in seconds instead of
    # holding a worker: connecting gives up after DJANGO_DB_CONNECT_TIMEOUT,
    # and the server cancels a statement running past DJANGO_DB_STATEMENT_TIMEOUT
    # (milliseconds; run a long `migrate` with DJANGO_DB_STATEMENT_TIMEOUT=0).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5),
            "options": "-c statement_timeout="
            f"{env.int('DJANGO_DB_STATEMENT_TIMEOUT', default=20000)}",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: a file cache in var/ unless CACHE_URL names Redis (Django's own
# RedisCache backend). The embedded default is shared by every gunicorn worker
# on the host, so clearing the public pages' cache reaches all of them (a
# per-process local-memory cache would leave the other workers stale).
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Fail fast when Redis is down: pages are then served uncached (see
    # clinic_site/pagecache), never a 500 and never a long wait.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )
if (
    CACHES["default"]["BACKEND"]
    == "django.core.cache.backends.filebased.FileBasedCache"
):
    # Django's default of 300 entries would cull pages (and the content
    # version key) at random once the site has a few hundred pages.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10000)
CACHES["default"].setdefault("KEY_PREFIX", "clinic")

# Public pages (home, list, treatment pages, privacy) are kept in the
# cache above for this long, and cleared at once whenever staff change content
# (clinic_site/pagecache). 0 turns the page cache off.
# Clinical sign-off (clinical_review): a reviewer may not approve their own
# change. A one-person clinic turns this off (docs/clinical-review.md).
CLINICAL_REVIEW_FOUR_EYES = env.bool("DJANGO_CLINICAL_REVIEW_FOUR_EYES", default=True)
# Reminders (send_review_reminders) name pages due within this many days.
CLINICAL_REVIEW_DUE_SOON_DAYS = 30

PUBLIC_PAGE_CACHE_SECONDS = env.int("DJANGO_PUBLIC_PAGE_CACHE_SECONDS", default=3600)
# Saving or deleting any of these (or changing their many-to-many fields)
# clears the cached public pages.
PAGE_CACHE_CONTENT_MODELS = [
    "treatments.Treatment",
    "treatments.TreatmentPoint",
    "treatments.TreatmentQuestion",
    "treatments.TreatmentSource",
    "practitioners.Practitioner",
    "clinic.ClinicDetails",
    "conditions.Condition",
]
# Part of every cached page's key: a deploy sets it (the release's commit, say),
# so pages rendered by another build are never served; `check --deploy` warns
# when it is not set. Defaults to the project's version in pyproject.toml.
BUILD_ID = (
    env.str("DJANGO_BUILD_ID", default="")
    or tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
)
# How long browsers and CDNs may reuse a public page without asking again.
PUBLIC_PAGE_MAX_AGE = env.int("DJANGO_PUBLIC_PAGE_MAX_AGE", default=60)
# The purge servers of the nginx caches in front of the site, one http://host:port
# per nginx (deploy/nginx/purge.conf): after a content change every public
# page is purged from each. Empty: no nginx cache, nothing sent.
PAGE_CACHE_PURGE_URLS = env.list("DJANGO_PAGE_CACHE_PURGE_URLS", default=[])

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connect, read or write may take before it fails. Only the
# notification sender (never a patient's request) talks to the mail server.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
# A sender's claim on one notification; a claim left by a sender that died is
# retried after this. Several EMAIL_TIMEOUTs: connect, hello, send, quit.
NOTIFICATION_LEASE_SECONDS = env.int("DJANGO_NOTIFICATION_LEASE", default=300)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Where staff open the site: builds the admin links in notification emails,
# which are sent outside any request (after commit, or from cron).
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000")

# Enquiries.
# Accepted enquiries per client IP per window, counted in the database.
ENQUIRY_RATE_LIMIT = env.int("DJANGO_ENQUIRY_RATE_LIMIT", default=5)
ENQUIRY_RATE_WINDOW_SECONDS = env.int("DJANGO_ENQUIRY_RATE_WINDOW", default=3600)
# How long enquiries are kept (stated on the privacy page; purge_enquiries).
ENQUIRY_RETENTION_DAYS = env.int("DJANGO_ENQUIRY_RETENTION_DAYS", default=365)
# Proxies in front of gunicorn that append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# A request body over 1 MB is refused with 413 before it is read
# (clinic_site.request_limits; signed-in staff on admin pages: see
# STAFF_REQUEST_MAX_BYTES below). Django's own check uses the same number.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
CSRF_FAILURE_VIEW = "clinic_site.views.csrf_failure"
# /healthz/deep/ fails when an enquiry's notification is unsent for longer.
HEALTH_MAIL_BACKLOG_MINUTES = env.int("DJANGO_HEALTH_MAIL_BACKLOG_MINUTES", default=15)

# Security headers -------------------------------------------------------------
# Behind the load balancer, which terminates TLS and must overwrite (never
# pass on) X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_SSL_REDIRECT = PRODUCTION and env.bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/(deep/)?$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: there is no script
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the site never uses, turned off for every page
# (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    ]
}
# Content-Security-Policy (django-csp 4): no inline script or style anywhere;
# JSON-LD blocks are data, not scripts, so CSP leaves them alone. Bootstrap's
# CSS draws form controls with data: SVG images. Media on object storage or a
# CDN: add its origin with DJANGO_CSP_EXTRA_IMG_SRC.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            *env.list("DJANGO_CSP_EXTRA_IMG_SRC", default=[]),
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Django admin --------------------------------------------------------------
# Where admin lives ("admin/" unless DJANGO_ADMIN_URL says otherwise); a less
# guessable path keeps drive-by login attempts off the throttle's counts.
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_URL must not be empty.")

# Staff sessions end after this long without a request, and this long after
# sign-in whatever they do (clinic_site/staff_sessions.py).
STAFF_SESSION_IDLE_SECONDS = env.int("DJANGO_STAFF_SESSION_IDLE_MINUTES", 30) * 60
STAFF_SESSION_MAX_SECONDS = env.int("DJANGO_STAFF_SESSION_MAX_HOURS", 8) * 3600
if STAFF_SESSION_IDLE_SECONDS <= 0 or STAFF_SESSION_MAX_SECONDS <= 0:
    raise ImproperlyConfigured(
        "DJANGO_STAFF_SESSION_IDLE_MINUTES and DJANGO_STAFF_SESSION_MAX_HOURS "
        "must be at least 1."
    )
# No session outlives a staff one (views may set shorter expiries).
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_SECONDS

# Treatment images (Pillow) ---------------------------------------------------
# Serve uploaded media from Django itself: local mode only. Production keeps
# media on S3-compatible storage (docs/deployment.md, "Media").
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=not PRODUCTION)
# Uploads larger than this are refused before Pillow opens them.
TREATMENT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
# Largest side accepted; also bounds Pillow's decompression-bomb check.
TREATMENT_IMAGE_MAX_SIDE = 6000
# Widths of the WebP renditions made once per upload, and of the JPEG fallback.
TREATMENT_IMAGE_WIDTHS = [480, 960, 1440]
TREATMENT_IMAGE_FALLBACK_WIDTH = 960
# The largest body signed-in staff may send to an admin page: one image, the
# form's fields and room for the multipart framing of up to 1,000 fields.
STAFF_REQUEST_MAX_BYTES = (
    TREATMENT_IMAGE_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE + 256 * 1024
)
# Uploads are held in memory, never in a temporary file: no body that may
# reach the parser is larger than this.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = STAFF_REQUEST_MAX_BYTES

# django-axes: admin login throttle -------------------------------------------
# Two tiers, each locking for an hour (clinic_site/admin_login.py): 5 failed
# logins for one username from one client, or 10 for one username from any
# address. The lockout answers 429 with templates/admin/lockout.html and
# Retry-After. The client is read as the enquiry rate limit reads it
# (clinic_site.client: TRUSTED_PROXY_COUNT, IPv6 by /64).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ADMIN_LOCKOUT_CLIENT_FAILURES = 5
ADMIN_LOCKOUT_ACCOUNT_FAILURES = 10
AXES_FAILURE_LIMIT = "clinic_site.admin_login.failure_limit"
AXES_COOLOFF_TIME = 1  # hours
# The client tier first: admin_login.failure_limit reads it by position.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_CLIENT_IP_CALLABLE = "clinic_site.client.client_ip"
AXES_LOCKOUT_CALLABLE = "clinic_site.admin_login.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# Quiet: no start-up banner on stdout (manage.py output stays clean) and log
# lines name only what the lockout counts, not the user agent.
AXES_VERBOSE = False

# Wrong codes at the second step count with wrong passwords (staff_access);
# axes keeps the POST of each failure, so the code is masked like the password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor sign-in (django-otp, staff_access) ---------------------------------
# The name staff see for this site in their authenticator app.
OTP_TOTP_ISSUER = "Clinic staff admin"
# After each wrong code django-otp waits 1, 2, 4 ... seconds before the next
# (on top of the axes lockout after 5 failures).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Logging: stdout, one line per event (tracebacks folded onto the line), each
# with the request's id (clinic_site.logs). Never personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "clinic_site.logs.RequestIDFilter"}},
    "formatters": {
        # clinic_site.logs.LINE_FORMAT: gunicorn's error log uses it too.
        "line": {"()": "clinic_site.logs.OneLineFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_id"],
        },
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["stdout"], "level": env.str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # A request for a host not in ALLOWED_HOSTS already gets a 400; a
        # traceback per probe would only flood the logs.
        # (A NullHandler: with no handler at all Python prints to stderr.)
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
    },
}
