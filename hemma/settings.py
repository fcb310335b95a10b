"""One env-driven settings module (healthchecks' hc/settings.py style).

Everything has a safe default for a laptop demo: SQLite under var/, DEBUG on in
development. With HEMMA_ENV=production the defaults turn strict and a real
SECRET_KEY is required; `hemma check --deploy` then reports no warnings.

Long module: every setting of the project in one place, each with its reason beside it.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hemma.routing.travel import parse_urban_areas
from hemma.visits.maps import csp_with_tiles

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

HEMMA_ENV = env.str("HEMMA_ENV", default="development")
PRODUCTION = HEMMA_ENV == "production"

DEVELOPMENT_SECRET_KEY = "hemma-development-only-not-secret"  # noqa: S105
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no default in production
else:
    SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    # TOTP second factor for break-glass password sign-in (hemma.accounts.breakglass).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "hemma.accounts",
    "hemma.patients",
    "hemma.audit",
    "hemma.episodes",
    "hemma.careplans",
    "hemma.carerequests",
    "hemma.monitoring",
    "hemma.coordination",
    "hemma.jobs",
    "hemma.visits",
    "hemma.medication",
    "hemma.labs",
    "hemma.competence",
    "hemma.ambulance",
    "hemma.messaging",
    "hemma.insights",
    "hemma.fhirapi",
    "hemma.experience",
    "hemma.setup",
    "hemma.web",
    "hemma.demo",
]

MIDDLEWARE = [
    # Prometheus: counts and times every request (not loaded without HEMMA_METRICS_TOKEN).
    "hemma.web.metrics.MetricsMiddleware",
    # Then: every later log line of the request carries its id.
    "hemma.web.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # OpenID Connect: a session whose ID token expired goes back to the provider (a no-op
    # without OIDC and for password sessions).
    "hemma.accounts.oidc_flow.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "hemma.accounts.middleware.ActingUnitMiddleware",
    # After WhiteNoise (static files keep their caching) and authentication (it needs the user).
    "hemma.web.middleware.NoStoreMiddleware",
    # A form kept for the page after a failed POST is dropped once that page was drawn.
    "hemma.web.middleware.FormRetryMiddleware",
    # Axes last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hemma.urls"
WSGI_APPLICATION = "hemma.wsgi.application"
ASGI_APPLICATION = "hemma.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hemma" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hemma.shell.context_processors.navigation",
                "hemma.demo.context_processors.demo_banner",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL points elsewhere (PostgreSQL in production).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hemma.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # Several users, gunicorn workers and `hemma monitor` share the file (issue 14):
    # - WAL: readers never block the one writer, nor the writer them.
    # - transaction_mode IMMEDIATE: every transaction.atomic() takes the write lock at BEGIN
    #   and waits for it. Under SQLite's default (DEFERRED) a transaction that reads first
    #   and then writes cannot wait: when another connection writes or has written since
    #   its read, SQLite answers "database is locked" at once, without the busy timeout
    #   (20 of 30 parallel device posts failed so). Reads outside atomic() take no lock.
    # - timeout: SQLite's busy timeout (what PRAGMA busy_timeout sets), how long in seconds
    #   a writer waits for the lock; it must stay under gunicorn's timeout (gunicorn.conf.py).
    # - synchronous stays FULL: an acknowledged reading survives a power cut (NORMAL would
    #   save one fsync per commit, about 1.4 ms here).
    # Tested by tests/web/test_sqlite_concurrency.py; figures in bench/README.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # No JIT: Hemma's queries are short, and compiling them cost more than it saved (the
    # dashboard's five-year panel spent ~20 ms per query in JIT).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache (CACHE_URL). Sessions are in the database whatever this says, so any app
# instance serves any request. The default is the process's own memory: enough for one
# process (`make run`, no Redis needed). Several app instances share one cache so that what
# one of them clears (the demo banner after `hemma load_demo`) is cleared for all:
#   CACHE_URL=redis://127.0.0.1:6379/1  Django's RedisCache (the extra: pip install hemma[redis])
#   CACHE_URL=dbcache://hemma_cache     a table in the database (`hemma createcachetable` once)
# CACHE_KEY_PREFIX keeps two deployments (or test runs) on one Redis apart. Tested across
# processes by tests/ops/test_multi_instance.py (docs/operations.md, "Several instances").
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's password check; with OIDC on, only for break-glass administrators with TOTP.
    "hemma.accounts.breakglass.PasswordBackend",
    # OpenID Connect (SITHS through the region's identity provider): HSA-id -> staff. It
    # authenticates only from its own callback view; listed so its sessions are accepted.
    "hemma.accounts.oidc.HsaIdBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the start page: each role lands on its own work
LOGOUT_REDIRECT_URL = "login"

# Lock an account+address pair out after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the client's: behind the TLS proxy every request has the proxy's address,
# so the lockout reads X-Forwarded-For as written by the trusted proxies (0 = no proxy:
# REMOTE_ADDR). See hemma/accounts/client_ip.py.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
HEMMA_TRUSTED_PROXY_COUNT = env.int(
    "HEMMA_TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0
)
AXES_CLIENT_IP_CALLABLE = "hemma.accounts.client_ip.client_ip_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Failed attempts keep their form data; the one-time code is masked like the password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

# Strong authentication (docs/authentication.md): staff sign in with their SITHS card at the
# region's OpenID Connect provider; Hemma maps the HSA-id claim to Staff.hsa_id. OIDC is on
# when a client id and the provider (its issuer, for discovery, or the explicit endpoints)
# are configured; otherwise the login page has passwords only, as in the demo.
HEMMA_OIDC_ISSUER = env.str("HEMMA_OIDC_ISSUER", default="").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("HEMMA_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("HEMMA_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("HEMMA_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("HEMMA_OIDC_JWKS_ENDPOINT", default="")
HEMMA_OIDC_END_SESSION_ENDPOINT = env.str("HEMMA_OIDC_END_SESSION_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("HEMMA_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("HEMMA_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("HEMMA_OIDC_SCOPES", default="openid profile")
OIDC_RP_SIGN_ALGO = env.str("HEMMA_OIDC_SIGN_ALGO", default="RS256")
HEMMA_OIDC_HSA_CLAIM = env.str("HEMMA_OIDC_HSA_CLAIM", default="hsa_id")
HEMMA_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if HEMMA_OIDC_ENABLED and not (
    HEMMA_OIDC_ISSUER
    or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT)
):
    raise ImproperlyConfigured(
        "HEMMA_OIDC_CLIENT_ID needs HEMMA_OIDC_ISSUER (discovery) or the authorization, "
        "token and JWKS endpoints (HEMMA_OIDC_*_ENDPOINT)."
    )
# An ID token is trusted at most this long (and never past its own expiry); then the
# session goes back to the provider for a silent renewal (prompt=none) or a new sign-in.
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("HEMMA_OIDC_RENEW_SECONDS", default=15 * 60)
OIDC_TIMEOUT = env.int("HEMMA_OIDC_TIMEOUT_SECONDS", default=10)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for id_token_hint at the provider's end_session endpoint
OIDC_CREATE_USER = False  # staff are set up in Hemma; an unknown HSA-id is refused
OIDC_OP_LOGOUT_URL_METHOD = "hemma.accounts.oidc.provider_logout_url"
# Break-glass: with OIDC on, password sign-in is for superusers and members of this group,
# with a TOTP code (`hemma enrol_totp USERNAME`).
HEMMA_BREAK_GLASS_GROUP = env.str("HEMMA_BREAK_GLASS_GROUP", default="break-glass")
OTP_TOTP_ISSUER = "Hemma"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "hemma" / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "hemma" / "static"]
if not PRODUCTION:
    # WhiteNoise warns about a missing STATIC_ROOT; in development files come from the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
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

# Security headers. Only self-hosted assets: no CDN, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)  # one shift
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs go to stderr, one line per record with the request id (hemma/web/request_id.py);
# HEMMA_LOG_FORMAT=json writes each line as a JSON object for a log collector.
HEMMA_LOG_FORMAT = env.str("HEMMA_LOG_FORMAT", default="text")
# Prometheus metrics at /metrics (hemma/web/metrics.py, docs/operations.md "Metrics and
# alerts"): only with this bearer token set (else 404), at least 32 characters.
HEMMA_METRICS_TOKEN = env.str("HEMMA_METRICS_TOKEN", default="")
if HEMMA_METRICS_TOKEN and len(HEMMA_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("HEMMA_METRICS_TOKEN must be at least 32 characters.")
if HEMMA_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("HEMMA_LOG_FORMAT must be text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hemma.web.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": HEMMA_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Hemma's own settings.
# How long an emergency access (nödåtkomst) lasts before the reason must be given again.
HEMMA_EMERGENCY_ACCESS_HOURS = env.int("HEMMA_EMERGENCY_ACCESS_HOURS", default=8)
# After discharge the episode's care relationships still grant reads this long (follow-up).
HEMMA_CARE_RELATIONSHIP_GRACE_DAYS = env.int("HEMMA_CARE_RELATIONSHIP_GRACE_DAYS", default=14)
# A list re-displayed unchanged (e.g. the alert panel's poll) within this many minutes is
# not logged again for the same user, unit and patient.
HEMMA_ACCESS_LOG_REPEAT_MINUTES = env.int("HEMMA_ACCESS_LOG_REPEAT_MINUTES", default=5)
# Safety places (trygghetsplatser) per ward, on top of its beds: "plats 23" on a 22-bed ward.
HEMMA_SAFETY_BEDS_PER_WARD = env.int("HEMMA_SAFETY_BEDS_PER_WARD", default=1)
# Monitoring: an open medium/high alert nobody acknowledged within this many minutes is
# escalated to the ward's physician on duty; the worker checks every N seconds.
HEMMA_ALERT_ESCALATION_MINUTES = env.int("HEMMA_ALERT_ESCALATION_MINUTES", default=15)
HEMMA_WORKER_INTERVAL_SECONDS = env.int("HEMMA_WORKER_INTERVAL_SECONDS", default=30)
# Medication at home: a scheduled dose not recorded this many minutes after its time (or
# recorded as given later than that) alerts the ward; doses are scheduled this many days
# ahead from the episode's current medication list.
HEMMA_DOSE_TOLERANCE_MINUTES = env.int("HEMMA_DOSE_TOLERANCE_MINUTES", default=60)
HEMMA_DOSE_SCHEDULE_DAYS = env.int("HEMMA_DOSE_SCHEDULE_DAYS", default=2)
# Background jobs (planning a day, large imports) run in that worker, checked every second.
# A claimed job is the worker's for this long, renewed as it reports progress; a worker
# that died is noticed when the lease runs out and the job is claimed again (3 tries).
HEMMA_JOB_LEASE_SECONDS = env.int("HEMMA_JOB_LEASE_SECONDS", default=120)
# Readings of one episode within this many minutes form one NEWS2 set, across requests.
HEMMA_NEWS2_SET_MINUTES = env.int("HEMMA_NEWS2_SET_MINUTES", default=5)
# A patient device's one-time enrolment code is valid this long.
HEMMA_ENROLMENT_CODE_MINUTES = env.int("HEMMA_ENROLMENT_CODE_MINUTES", default=30)
# A vendor device's API access token (POST /oauth/device-token) lives this many seconds,
# its refresh token this many days from its issue (each refresh issues a new one).
HEMMA_DEVICE_TOKEN_SECONDS = env.int("HEMMA_DEVICE_TOKEN_SECONDS", default=3600)
HEMMA_DEVICE_REFRESH_DAYS = env.int("HEMMA_DEVICE_REFRESH_DAYS", default=30)
# A patient device whose clock is off by more than this (seconds) when it sends a reading:
# the measuring time is corrected by the offset and the reading is flagged for staff.
HEMMA_CLOCK_SKEW_SECONDS = env.int("HEMMA_CLOCK_SKEW_SECONDS", default=120)
# Frequent attender: at least N ED visits or admissions within the window.
HEMMA_FREQUENT_ATTENDER_DAYS = env.int("HEMMA_FREQUENT_ATTENDER_DAYS", default=180)
HEMMA_FREQUENT_ATTENDER_VISITS = env.int("HEMMA_FREQUENT_ATTENDER_VISITS", default=3)
# Optional road router for visit planning: an OSRM server (e.g. http://osrm.region.se:5000)
# with a Sweden extract. Empty: the embedded straight-line model, no network calls.
HEMMA_OSRM_URL = env("HEMMA_OSRM_URL", default="")
# Towns of the region, driven at town speed by the embedded travel model (without them one
# average speed): "latitude,longitude,radius_km" per town, separated by semicolons, e.g.
# "60.607,15.631,4;60.485,15.437,5" for Falun and Borlänge. Not used when OSRM answers.
try:
    HEMMA_URBAN_AREAS = parse_urban_areas(env("HEMMA_URBAN_AREAS", default=""))
except ValueError as error:
    raise ImproperlyConfigured(f"HEMMA_URBAN_AREAS: {error}") from None
# Optional real map for the route map: an OpenStreetMap-style tile server the region runs
# itself, e.g. http://tiles.region.se/{z}/{x}/{y}.png, drawn with the vendored Leaflet;
# the attribution its licence asks for (e.g. "© OpenStreetMap-bidragsgivare"). Unset: the
# offline SVG diagram and no Leaflet. HEMMA_MAP_TILE_URL is the earlier name, still read.
HEMMA_MAP_TILES_URL = env("HEMMA_MAP_TILES_URL", default="") or env(
    "HEMMA_MAP_TILE_URL", default=""
)
HEMMA_MAP_ATTRIBUTION = env("HEMMA_MAP_ATTRIBUTION", default="")
# Key for the pseudonyms of imported ED visits (default: SECRET_KEY). Keep it stable:
# a new key makes re-imports count the same visits again.
HEMMA_PSEUDONYM_KEY = env("HEMMA_PSEUDONYM_KEY", default="")
# The region's video service: a room per ward, e.g.
# "https://video.region.example/room/{ward_hsa_id}" (the ward's HSA-id, URL-escaped, is put
# in). Hemma only shows the link ("Öppna videomöte"); it never calls it. Empty: no video.
HEMMA_VIDEO_URL_TEMPLATE = env("HEMMA_VIDEO_URL_TEMPLATE", default="")
# Aggregates counting fewer patients than this are hidden on the dashboard.
HEMMA_SMALL_NUMBER_THRESHOLD = env.int("HEMMA_SMALL_NUMBER_THRESHOLD", default=5)
if HEMMA_OIDC_ENABLED:  # sign-in and logout (forms, then redirects) go to the provider
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].extend(
        sorted(
            {
                "/".join(url.split("/")[:3])
                for url in (
                    HEMMA_OIDC_ISSUER,
                    OIDC_OP_AUTHORIZATION_ENDPOINT,
                    HEMMA_OIDC_END_SESSION_ENDPOINT,
                )
                if url
            }
        )
    )
try:  # the pages may load images from the tile server (and nothing else external)
    CONTENT_SECURITY_POLICY = csp_with_tiles(CONTENT_SECURITY_POLICY, HEMMA_MAP_TILES_URL)
except ValueError as error:
    raise ImproperlyConfigured(f"HEMMA_MAP_TILES_URL: {error}") from None
