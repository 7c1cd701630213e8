"""Séance settings.

With no environment this is the embedded default: SQLite, the in-memory
channel layer and Celery tasks run in-process. Every production knob is an
environment variable, documented in deploy/production.env.example.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from council import production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SEANCE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# The broadcast's HLS output, one folder per sitting (nginx serves it in production).
SEANCE_HLS_DIR = Path(os.environ.get("SEANCE_HLS_DIR", VAR_DIR / "hls"))
# Whole-sitting recordings and the technician's previews: never under the public HLS folder
# (they hold closed sessions and muted speech).
SEANCE_RECORDING_DIR = Path(os.environ.get("SEANCE_RECORDING_DIR", VAR_DIR / "recordings"))

# SEANCE_ENV=production (deploy/production.env.example) refuses to start without its secrets
# (council/production.py, checked at the end of this file); "demo", the default, signs the
# demo's sessions with a key published with the code.
SEANCE_ENV = production.environment(os.environ.get("SEANCE_ENV", "demo"))
PRODUCTION = SEANCE_ENV == "production"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else production.DEMO_SECRET_KEY)
# The vote log's key (R31): every record is an HMAC-SHA256 with it, kept out of the database
# and its backups: the value, or a file holding it. Unset (demo, tests), voting/chain.py
# makes one once in VAR_DIR/vote-log.key. The legacy head: the last record made before the
# log had a key (README, "The vote log").
SEANCE_VOTE_LOG_KEY = os.environ.get("SEANCE_VOTE_LOG_KEY", "")
SEANCE_VOTE_LOG_KEY_FILE = os.environ.get("SEANCE_VOTE_LOG_KEY_FILE", "")
SEANCE_VOTE_LOG_LEGACY_HEAD = os.environ.get("SEANCE_VOTE_LOG_LEGACY_HEAD", "")
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (/api/docs/)
    "council",
    "sessions.apps.SittingsConfig",
    "voting",
    "streaming",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "council.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: a locked-out login becomes the 429 page (council/accounts.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "council.urls"
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
            ],
            # |day (dates with French's "1er"), |duration…: on every page, like |date.
            "builtins": ["council.templatetags.council_words"],
        },
    },
]
ASGI_APPLICATION = "council.asgi.application"
WSGI_APPLICATION = None

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# secure_delete: SQLite overwrites what it deletes with zeros, so the ballot box's earlier
# orders (rewritten at every secret ballot, see voting/ballot_box.py) leave nothing behind.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA secure_delete=ON;",
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "seance.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
            # A file, not memory: browser tests run Daphne in another process.
            "TEST": {"NAME": str(VAR_DIR / "test-seance.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Pub/sub: one Redis message per group and process, fanned out in the process, instead
    # of one list entry per websocket. Live events are not queued for absent clients; a
    # client that reconnects gets a fresh snapshot (bench/vote_roundtrip.py, README).
    # Redis pub/sub channels ignore the database number: the prefix carries it, so that two
    # instances on one Redis (db 1 and db 2) never receive each other's sittings' events.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": "seance" + (urlsplit(REDIS_URL).path.strip("/") or "0") + ".",
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Short tasks (e-mail) run in-process; the broadcast supervisor is long-running and
    # always goes to a worker (streaming.tasks): without Redis, through a folder.
    CELERY_BROKER_URL = "filesystem://"
    BROKER_DIR = Path(os.environ.get("SEANCE_BROKER_DIR", VAR_DIR / "broker"))
    (BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_TASK_ALWAYS_EAGER = True
# The queue of the broadcast supervisors (one long-running task per live sitting).
SEANCE_BROADCAST_QUEUE = os.environ.get("SEANCE_BROADCAST_QUEUE", "broadcast")
# The public page's live state through nginx (sessions/live/public_feed.py): the loopback
# nchan publisher that each commit's public frame is POSTed to, e.g.
# "http://127.0.0.1:8090/_nchan/pub/", and the EventSource the page then follows; unset
# (the embedded default), the public page follows its websocket.
SEANCE_PUBLIC_FEED_PUBLISH_URL = os.environ.get("SEANCE_PUBLIC_FEED_PUBLISH_URL", "")
SEANCE_PUBLIC_FEED_URL = os.environ.get(
    "SEANCE_PUBLIC_FEED_URL", "/live/sittings/{sitting}/public/events"
)
# Janus, the SFU of the councillors' video (deploy/janus); without it, the embedded relay.
SEANCE_JANUS_URL = os.environ.get("SEANCE_JANUS_URL", "")
SEANCE_JANUS_API_SECRET = os.environ.get("SEANCE_JANUS_API_SECRET", "")
SEANCE_JANUS_ADMIN_KEY = os.environ.get("SEANCE_JANUS_ADMIN_KEY", "")
# TURN for the councillors' browsers (deploy/coturn): comma-separated URLs, e.g.
# "turn:seance.example.fr:3478?transport=udp,turns:seance.example.fr:5349?transport=tcp",
# the static-auth-secret shared with coturn, and how long a credential lasts (a sitting).
SEANCE_TURN_URLS = [
    url.strip() for url in os.environ.get("SEANCE_TURN_URLS", "").split(",") if url.strip()
]
SEANCE_TURN_SECRET = os.environ.get("SEANCE_TURN_SECRET", "")
SEANCE_TURN_TTL = int(os.environ.get("SEANCE_TURN_TTL", str(12 * 3600)))
# A dropped video connection is a departure after this many seconds (R26, R27); leaving
# the video ("Quitter") is one at once.
SEANCE_MEDIA_GRACE_SECONDS = int(os.environ.get("SEANCE_MEDIA_GRACE_SECONDS", "20"))
# The stage of the councillors' video: besides the chair and the speaker, this many
# councillors are seen as thumbnails; the others are heard until given the floor.
SEANCE_VISIO_THUMBNAILS = int(os.environ.get("SEANCE_VISIO_THUMBNAILS", "8"))
# A passive participant's microphone is closed: councillors come in with theirs closed,
# and the chair (never muted on joining) or the floor opens it. A number N lets meetings of
# fewer than N participants (a committee) start with microphones open.
SEANCE_VISIO_START_MUTED_AFTER = int(os.environ.get("SEANCE_VISIO_START_MUTED_AFTER", "0"))
# A Janus VideoRoom takes at most this many publishers.
SEANCE_VISIO_MAX_PUBLISHERS = int(os.environ.get("SEANCE_VISIO_MAX_PUBLISHERS", "200"))
# The programme's ladder ("full": 720p, 480p, 360p; "small": 360p, 240p, 180p) and x264
# preset: what the machine can encode in real time.
SEANCE_BROADCAST_LADDER = os.environ.get("SEANCE_BROADCAST_LADDER", "full")
SEANCE_BROADCAST_PRESET = os.environ.get("SEANCE_BROADCAST_PRESET", "veryfast")
# At the close, the "Séance levée" slate stays on air this many seconds, then the
# broadcast ends (its playlists closed) and the replay is built.
SEANCE_CLOSING_SLATE_SECONDS = float(os.environ.get("SEANCE_CLOSING_SLATE_SECONDS", "6"))
# The replays' transcripts (streaming/transcript): a faster-whisper model directory, its
# model.bin's SHA-256 (checked before loading when given) and the CPU threads it may use.
# Without a path: the Whisper base model of the `[model]` extra, when installed.
SEANCE_TRANSCRIPT_MODEL = os.environ.get("SEANCE_TRANSCRIPT_MODEL", "")
SEANCE_TRANSCRIPT_MODEL_SHA256 = os.environ.get("SEANCE_TRANSCRIPT_MODEL_SHA256", "")
SEANCE_TRANSCRIPT_THREADS = int(os.environ.get("SEANCE_TRANSCRIPT_THREADS", "2"))
# Live captions: the programme's sound recognised on one niced thread beside the mixer, a
# WebVTT subtitles rendition of the HLS ladder (streaming.transcript.live). Off: "0".
SEANCE_LIVE_CAPTIONS = os.environ.get("SEANCE_LIVE_CAPTIONS", "1") == "1"
# The configured model's word error rate as measured (bench/transcript_wer.py, e.g. 0.25),
# which the replay page's accessibility statement gives (R34); the bundled model's is known.
SEANCE_TRANSCRIPT_WER = os.environ.get("SEANCE_TRANSCRIPT_WER", "")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"

# Django's validators, for every password set through a form or `manage.py
# changepassword` (the demo's and the tests' accounts are made with a hash, not validated).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing (django-axes, council/accounts.py): after SEANCE_LOGIN_FAILURE_LIMIT
# failed logins within SEANCE_LOGIN_COOLOFF_MINUTES, on /login/ or /api/token/, the account
# and, separately, the address are refused (HTTP 429) until that many minutes have passed.
AUTHENTICATION_BACKENDS = [
    "council.accounts.LoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SEANCE_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SEANCE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "council.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "council.accounts.locked_out"
AXES_VERBOSE = False
# An API token lasts this many seconds (a working day by default), then answers 401.
SEANCE_API_TOKEN_TTL = int(os.environ.get("SEANCE_API_TOKEN_TTL", str(10 * 3600)))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
if not os.environ.get("STATIC_ROOT"):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there at start-up
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Uploaded reports and proxies: PDF only, bounded size.
SEANCE_MAX_UPLOAD_BYTES = int(os.environ.get("SEANCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
# Any request body past this is refused with 413 before it is read (council/bodylimit.py,
# in Daphne itself; nginx's client_max_body_size is the same figure): the largest upload
# and the form around it.
SEANCE_MAX_REQUEST_BYTES = int(
    os.environ.get("SEANCE_MAX_REQUEST_BYTES", SEANCE_MAX_UPLOAD_BYTES + 1024 * 1024)
)
# A body's fields other than files (forms, JSON): Django's default. An upload above
# FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to a temporary file, not held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "outbox"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
# A mail server that does not answer fails the try, which is then retried.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# Each member's convocation is its own job: a temporary refusal is retried after 30 s,
# then twice as long each time (at most an hour between tries), 8 times.
SEANCE_MAIL_MAX_RETRIES = int(os.environ.get("SEANCE_MAIL_MAX_RETRIES", "8"))
SEANCE_MAIL_RETRY_BACKOFF = int(os.environ.get("SEANCE_MAIL_RETRY_BACKOFF", "30"))
SEANCE_MAIL_RETRY_BACKOFF_MAX = int(os.environ.get("SEANCE_MAIL_RETRY_BACKOFF_MAX", "3600"))
# Without Redis, the first tries run in the clerk's request for at most this many seconds;
# the rest go through var/broker to the worker.
SEANCE_MAIL_INLINE_SECONDS = float(os.environ.get("SEANCE_MAIL_INLINE_SECONDS", "10"))
# The acts sent to the prefecture through S²LOW (sessions/prefecture): each act is its own
# job, retried after 30 s, then twice as long each time (at most an hour between tries),
# 60 times (about two days); a request to S²LOW waits this many seconds; the first status
# request comes this many seconds after the act is posted.
SEANCE_S2LOW_TIMEOUT = int(os.environ.get("SEANCE_S2LOW_TIMEOUT", "30"))
SEANCE_S2LOW_MAX_RETRIES = int(os.environ.get("SEANCE_S2LOW_MAX_RETRIES", "60"))
SEANCE_S2LOW_RETRY_BACKOFF = int(os.environ.get("SEANCE_S2LOW_RETRY_BACKOFF", "30"))
SEANCE_S2LOW_RETRY_BACKOFF_MAX = int(os.environ.get("SEANCE_S2LOW_RETRY_BACKOFF_MAX", "3600"))
SEANCE_S2LOW_FIRST_POLL = int(os.environ.get("SEANCE_S2LOW_FIRST_POLL", "30"))
# Optional RFC 3161 timestamps of the published acts (sessions/minutes/timestamps.py): the
# authority's URL, the certificates its answers are checked against (PEM), and how long a
# request to it waits; retried as the prefecture's jobs are.
SEANCE_TSA_URL = os.environ.get("SEANCE_TSA_URL", "")
SEANCE_TSA_CA_FILE = os.environ.get("SEANCE_TSA_CA_FILE", "")
SEANCE_TSA_TIMEOUT = int(os.environ.get("SEANCE_TSA_TIMEOUT", "20"))
# The port Daphne serves on in the demo (bin/demo: PORT, 8000 by default).
PORT = int(os.environ.get("PORT", "8000"))
# Absolute base URL used in e-mails (acknowledgement links): where the demo serves unless set.
SEANCE_PUBLIC_URL = os.environ.get("SEANCE_PUBLIC_URL", f"http://127.0.0.1:{PORT}")
# The sender: seance@ the public host name (never its port); seance@localhost for an address.
_PUBLIC_HOST = urlsplit(SEANCE_PUBLIC_URL).hostname or "localhost"
if _PUBLIC_HOST.replace(".", "").isdigit() or ":" in _PUBLIC_HOST:
    _PUBLIC_HOST = "localhost"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"seance@{_PUBLIC_HOST}")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = os.environ.get("SECURE_COOKIES", "0") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: a request without credentials is answered 401 (WWW-Authenticate: Token).
        "council.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "council.api.exception_handler",
    # JSON only, read with the sockets' bounds (council.frames: nesting, NaN).
    "DEFAULT_PARSER_CLASSES": ["council.api.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Séance API",
    "DESCRIPTION": "Council sittings: assemblies, sittings, agenda, attendance, proxies, quorum.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "council.api.bounded_path_ids",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgendaItemKindEnum": "sessions.models.AgendaItem.Kind",
        "VoteKindEnum": "voting.models.Vote.Kind",
        "AttendanceKindEnum": [("arrival", "arrival"), ("departure", "departure")],
        "DocumentKindEnum": "sessions.models.Document.Kind",
        "ClosedSessionVoteKindEnum": [("hands", "hands"), ("electronic", "electronic")],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

if PRODUCTION:
    # Behind nginx (deploy/nginx/seance.conf sets X-Forwarded-Proto on every request it
    # passes on): request.is_secure() and absolute URLs follow the browser's https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    production.check_production(
        {**os.environ, **{k: v for k, v in globals().items() if k.isupper()}}
    )
