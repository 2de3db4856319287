"""Settings read from the environment (prefix ``FACTURO_``).

The embedded default needs no configuration at all: an SQLite file under ``./var`` and a
secret key generated on first use and kept beside it. A PostgreSQL deployment must say
both explicitly, because a secret silently generated on one of several API processes
would make the others reject its tokens.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "sqlite:///./var/facturo.db"
SECRET_KEY_FILE_NAME = "secret.key"  # noqa: S105 - a file name, not a secret


class ConfigurationError(Exception):
    """The environment describes a configuration Facturo cannot run with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTURO_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = Field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # Connections each process keeps open to PostgreSQL (bursts may open twice as many more).
    database_pool_size: int = Field(default=10, ge=1, le=200)

    # Sign-in protection (shared/spec/help-login.txt, issue 2 item 6).
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)

    # The web app: a session ends after this long unused, or this long after sign-in at most;
    # a password-reset link works this long, once. ``public_url`` is how links in e-mails
    # reach the app (default: the address the browser used).
    web_session_idle_minutes: int = Field(default=120, ge=1)
    web_session_max_hours: int = Field(default=12, ge=1)
    password_reset_minutes: int = Field(default=30, ge=5, le=1440)
    public_url: str | None = None
    # Cookies only over HTTPS: on in production behind TLS; off for the local http demo.
    secure_cookies: bool = False

    # Argon2id cost. The defaults follow RFC 9106's second recommendation; tests lower them.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    # A document type warns when its numbering range has used this share of its numbers, or
    # has this few days of validity left.
    numbering_warning_percent: int = Field(default=90, ge=1, le=100)
    numbering_warning_days: int = Field(default=30, ge=0)

    # Legacy dialect.
    legacy_token_seconds: int = Field(default=90000, ge=60)  # Siigo's tokens lived 25 h
    legacy_refresh_token_days: int = Field(default=30, ge=1)
    legacy_page_size: int = Field(default=100, ge=1, le=1000)
    # Azure API Management's Ocp-Apim-Subscription-Key: accepted always; enforced only when
    # keys are listed here (comma-separated).
    subscription_keys: str = Field(default="", repr=False)

    # Current dialect (POST /auth, /v1/...).
    current_token_seconds: int = Field(default=86400, ge=60)  # Siigo answers expires_in 86400
    current_page_size: int = Field(default=25, ge=10, le=100)  # when a list asks for none
    # Requests per company on the current API: "off" (the default for self-hosting), "siigo"
    # (Siigo's production limit, 100 a minute), or "<N>/<second|minute|hour>".
    rate_limit: str = "off"

    # Webhook deliveries (docs/webhooks.md). A failed delivery is retried after
    # base × 2^(attempt−1) seconds, at most the maximum, with ±25 % jitter; the defaults
    # (30 s doubling to 1 h, 30 attempts) keep trying for about a day.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    webhook_max_attempts: int = Field(default=30, ge=1, le=1000)
    webhook_retry_base_seconds: float = Field(default=30.0, ge=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, ge=0)
    # How often an idle `facturo worker` looks for due work.
    worker_poll_seconds: float = Field(default=2.0, gt=0, le=3600)
    # Whether the API process runs a worker thread of its own (`facturo serve` turns it on
    # unless --no-worker; a bare `uvicorn facturo.asgi:app` leaves it to `facturo worker`).
    in_process_worker: bool = False

    # DIAN transmission (docs/dian.md). Transport failures follow the DIAN's contingency
    # rules: three tries 20 s apart, then every 30 minutes within 48 hours of the first one.
    dian_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    dian_quick_retries: int = Field(default=3, ge=1, le=20)
    dian_quick_retry_seconds: float = Field(default=20.0, ge=0)
    dian_slow_retry_seconds: float = Field(default=1800.0, ge=0)
    dian_contingency_hours: float = Field(default=48.0, gt=0)
    dian_batch: int = Field(default=20, ge=1, le=500)  # documents a worker claims at a time
    # Delivery of accepted documents to the buyer: tries, the first wait (then doubling).
    dian_delivery_tries: int = Field(default=5, ge=1, le=50)
    dian_delivery_retry_seconds: float = Field(default=60.0, ge=0)

    # Outgoing mail: invoices sent to customers (POST /v1/invoices/{id}/mail). Without a host
    # mail is off and sending answers company_settings. STARTTLS (port 587) is the default;
    # FACTURO_SMTP_SSL=true speaks TLS from the start (port 465); a local relay may use
    # neither (FACTURO_SMTP_STARTTLS=false).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_from: str | None = None  # "Facturas <facturas@empresa.co>"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except Exception as exc:
            raise ValueError(f"FACTURO_DATABASE_URL is not a database URL: {value!r}") from exc
        if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"FACTURO_DATABASE_URL must point at SQLite or PostgreSQL, not {url.drivername!r}"
            )
        return value

    @field_validator("rate_limit")
    @classmethod
    def _known_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    @property
    def rate_limit_rule(self) -> RateLimitRule | None:
        return parse_rate_limit(self.rate_limit)

    @property
    def smtp_configured(self) -> bool:
        return bool((self.smtp_host or "").strip() and (self.smtp_from or "").strip())

    @property
    def accepted_subscription_keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.subscription_keys.split(",") if k.strip())

    @cached_property
    def sqlalchemy_url(self) -> URL:
        """The URL people write, with the driver Facturo uses picked for them."""
        url = make_url(self.database_url)
        backend = url.get_backend_name()
        if backend in ("postgresql", "postgres"):
            return url.set(drivername="postgresql+psycopg")
        return url.set(drivername="sqlite+pysqlite")

    @property
    def is_embedded(self) -> bool:
        return self.sqlalchemy_url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        database = self.sqlalchemy_url.database
        if not self.is_embedded or not database or database == ":memory:":
            return None
        return Path(database)

    def resolved_secret_key(self) -> str:
        """The secret key; on the embedded default, created once beside the database."""
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ConfigurationError("FACTURO_SECRET_KEY must be at least 32 characters long")
            return self.secret_key
        sqlite_path = self.sqlite_path
        if sqlite_path is None:
            raise ConfigurationError(
                "FACTURO_SECRET_KEY is required when the database is not the embedded SQLite file"
            )
        key_file = sqlite_path.parent / SECRET_KEY_FILE_NAME
        if key_file.exists():
            return key_file.read_text(encoding="ascii").strip()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Written to a private temporary file, then linked into place: linking fails if another
        # process got there first, and nobody ever reads a half-written key.
        temporary = key_file.with_name(f".{SECRET_KEY_FILE_NAME}.{os.getpid()}")
        with open(temporary, "w", encoding="ascii", opener=_owner_only) as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        return key_file.read_text(encoding="ascii").strip()


@dataclass(frozen=True)
class RateLimitRule:
    requests: int
    seconds: int


_RATE_PERIODS = {
    "second": 1,
    "sec": 1,
    "s": 1,
    "minute": 60,
    "min": 60,
    "m": 60,
    "hour": 3600,
    "h": 3600,
}
RATE_LIMIT_PRESETS = {"siigo": RateLimitRule(100, 60), "siigo-test": RateLimitRule(10, 60)}


def parse_rate_limit(value: str) -> RateLimitRule | None:
    text = value.strip().lower()
    if text in ("", "off", "none", "0"):
        return None
    if text in RATE_LIMIT_PRESETS:
        return RATE_LIMIT_PRESETS[text]
    count, _, period = text.partition("/")
    if count.strip().isdigit() and int(count) > 0 and period.strip() in _RATE_PERIODS:
        return RateLimitRule(int(count), _RATE_PERIODS[period.strip()])
    raise ValueError(
        f"FACTURO_RATE_LIMIT must be off, siigo, siigo-test or <N>/<second|minute|hour>, not {value!r}"
    )


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
