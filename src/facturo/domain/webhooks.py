"""Webhooks: subscriptions of a company to topics, and how their deliveries are signed and
retried (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from facturo.domain.validation import Checker

MAX_URL_LENGTH = 2048
MAX_APPLICATION_ID_LENGTH = 100
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that tells what the value is, not a secret
SIGNATURE_VERSION = "v1"


class Topic(StrEnum):
    """What a subscription listens to. The product topics are Siigo's; the invoice topics are
    Facturo's, named the same way."""

    PRODUCTS_CREATE = "public.siigoapi.products.create"
    PRODUCTS_UPDATE = "public.siigoapi.products.update"
    PRODUCTS_STOCK_UPDATE = "public.siigoapi.products.stock.update"
    INVOICES_CREATE = "public.siigoapi.invoices.create"
    INVOICES_UPDATE = "public.siigoapi.invoices.update"
    INVOICES_ANNUL = "public.siigoapi.invoices.annul"
    INVOICES_DELETE = "public.siigoapi.invoices.delete"

    @property
    def resource(self) -> str:
        """The kind of record its events carry: ``products`` or ``invoices``."""
        return self.value.split(".")[2]


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt failed; no more will be made


@dataclass(kw_only=True)
class WebhookData:
    """What a client sets on a subscription."""

    application_id: str | None = None
    topic: str | None = None
    url: str | None = None
    active: bool = True


@dataclass(kw_only=True, eq=False)
class Webhook(WebhookData):
    company_id: int
    id: int | None = None
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    sealed_secret: str = ""  # the signing secret, encrypted (services.webhooks opens it)
    created_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def apply(self, data: WebhookData) -> None:
        for spec in fields(WebhookData):
            setattr(self, spec.name, getattr(data, spec.name))


@dataclass(frozen=True, kw_only=True)
class DeliveryAttempt:
    attempt: int
    attempted_at: datetime
    status_code: int | None  # None: no answer (refused, timed out, broken)
    error: str | None
    duration_ms: int


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One event on its way to one subscription, with its log of attempts."""

    company_id: int
    id: int
    webhook_id: int
    event_id: uuid.UUID
    topic: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    log: tuple[DeliveryAttempt, ...] = ()


def normalize(data: WebhookData) -> WebhookData:
    """Surrounding blanks dropped; topics compared in lower case, as Siigo writes them."""
    return WebhookData(
        application_id=(data.application_id or "").strip() or None,
        topic=(data.topic or "").strip().lower() or None,
        url=(data.url or "").strip() or None,
        active=data.active,
    )


def check_webhook(data: WebhookData) -> Checker:
    check = Checker()
    if check.required(data.application_id, "application_id"):
        check.max_length(data.application_id, MAX_APPLICATION_ID_LENGTH, "application_id")
    if check.required(data.topic, "topic"):
        check.one_of(data.topic, [t.value for t in Topic], "topic")
    if check.required(data.url, "url"):
        if len(data.url or "") > MAX_URL_LENGTH:
            check.max_length(data.url, MAX_URL_LENGTH, "url")
        elif not is_http_url(data.url or ""):
            check.add(
                "invalid_url", "url", "The field {field} must be an absolute http or https URL"
            )
    return check


def is_http_url(text: str) -> bool:
    """An absolute ``http://`` or ``https://`` URL with a host (and a valid port, if any)."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def new_secret() -> str:
    """A signing secret: 256 random bits, shown to the subscriber once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Facturo-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.

    The timestamp is signed with the body, so a receiver that refuses old timestamps cannot
    be fed a recorded delivery again later."""
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},{SIGNATURE_VERSION}={digest}"


def retry_delay(attempts: int, *, base: float, cap: float, spread: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``base`` doubling each time,
    at most ``cap``, moved by ``spread`` (a number in [0, 1)) within ±25 % so that receivers
    that came back together are not all retried in the same second."""
    nominal = base * 2.0 ** min(max(attempts - 1, 0), 60)
    return min(cap, nominal * (0.75 + 0.5 * spread))
