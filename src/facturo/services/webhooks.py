"""Webhooks: subscriptions (``/v1/webhooks``), events published inside the business
transaction that caused them (a transactional outbox), and what the delivery worker needs to
claim, sign and settle deliveries. docs/webhooks.md explains the contract receivers rely on.

An event is written as one delivery row per active subscription of the company to its topic,
with the payload rendered at that moment, in the same transaction as the change: a change
that rolls back publishes nothing, and a committed change is delivered even if the process
dies right after. When nobody listens, publishing costs one indexed query.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from facturo.domain.access import Actor, Permission
from facturo.domain.sales import SalesDocument
from facturo.domain.stock import StockMovement
from facturo.domain.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Topic,
    Webhook,
    WebhookData,
    check_webhook,
    new_secret,
    normalize,
    retry_delay,
)
from facturo.security import SecretBox
from facturo.services.context import ServiceContext, WebhookPayloads
from facturo.services.paging import PageRequest
from facturo.store.unit_of_work import UnitOfWork
from facturo.store.webhooks import ClaimedDelivery, DeliveryFilter

SECRET_PURPOSE = "webhook-secrets"  # noqa: S105 - the name of a key derivation, not a secret


@dataclass(frozen=True)
class Subscription:
    """A subscription as faces show it (``company_key`` is part of Siigo's record)."""

    webhook: Webhook
    company_key: str


@dataclass(frozen=True)
class CreatedSubscription(Subscription):
    secret: str  # the signing secret: in this answer only, never shown again


@dataclass(frozen=True)
class SubscriptionPage:
    subscriptions: list[Subscription]
    total: int


@dataclass(frozen=True, kw_only=True)
class WebhookChanges:
    """An update: what is None keeps its current value."""

    application_id: str | None = None
    topic: str | None = None
    url: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[Delivery]
    total: int
    webhooks: Mapping[int, Webhook]  # the subscriptions the deliveries go to


# --- subscriptions ------------------------------------------------------------------------------


def create(ctx: ServiceContext, actor: Actor, data: WebhookData) -> CreatedSubscription:
    actor.require(Permission.WEBHOOKS_MANAGE)
    data = normalize(data)
    check_webhook(data).raise_if_any()
    secret = new_secret()
    with ctx.unit_of_work() as uow:
        company = uow.companies.get(actor.company_id)
        webhook = uow.webhooks.add(
            Webhook(
                company_id=actor.company_id,
                application_id=data.application_id,
                topic=data.topic,
                url=data.url,
                active=data.active,
                sealed_secret=secret_box(ctx).seal(secret),
                created_by=actor.user_id,
            )
        )
        uow.commit()
    return CreatedSubscription(webhook, company.key, secret)


def get(ctx: ServiceContext, actor: Actor, guid: uuid.UUID) -> Subscription:
    actor.require(Permission.WEBHOOKS_MANAGE)
    with ctx.unit_of_work(read_only=True) as uow:
        webhook = uow.webhooks.get_by_guid(actor.company_id, guid)
        return Subscription(webhook, uow.companies.get(actor.company_id).key)


def get_all(ctx: ServiceContext, actor: Actor, page: PageRequest) -> SubscriptionPage:
    actor.require(Permission.WEBHOOKS_MANAGE)
    with ctx.unit_of_work(read_only=True) as uow:
        key = uow.companies.get(actor.company_id).key
        found = uow.webhooks.page(actor.company_id, offset=page.offset, limit=page.limit)
        return SubscriptionPage(
            [Subscription(w, key) for w in found], uow.webhooks.count(actor.company_id)
        )


def update(
    ctx: ServiceContext, actor: Actor, guid: uuid.UUID, changes: WebhookChanges
) -> Subscription:
    """Changes a subscription. Pending deliveries go to the new URL; while a subscription is
    inactive nothing new is published to it and its pending deliveries wait."""
    actor.require(Permission.WEBHOOKS_MANAGE)
    with ctx.unit_of_work() as uow:
        webhook = uow.webhooks.get_by_guid(actor.company_id, guid, for_update=True)
        data = normalize(
            WebhookData(
                application_id=_changed(changes.application_id, webhook.application_id),
                topic=_changed(changes.topic, webhook.topic),
                url=_changed(changes.url, webhook.url),
                active=webhook.active if changes.active is None else changes.active,
            )
        )
        check_webhook(data).raise_if_any()
        webhook.apply(data)
        uow.webhooks.save(webhook)
        key = uow.companies.get(actor.company_id).key
        uow.commit()
    return Subscription(webhook, key)


def delete(ctx: ServiceContext, actor: Actor, guid: uuid.UUID) -> int:
    """Deletes a subscription with its deliveries and their log; returns how many deliveries
    were still pending (none of them is sent: a delivery in flight right now is the last)."""
    actor.require(Permission.WEBHOOKS_MANAGE)
    with ctx.unit_of_work() as uow:
        webhook = uow.webhooks.get_by_guid(actor.company_id, guid, for_update=True)
        pending = uow.webhooks.delete(webhook)
        uow.commit()
    return pending


def deliveries(
    ctx: ServiceContext,
    actor: Actor,
    page: PageRequest,
    *,
    webhook: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
) -> DeliveryPage:
    """The delivery log, newest first: of one subscription, or of the whole company."""
    actor.require(Permission.WEBHOOKS_MANAGE)
    with ctx.unit_of_work(read_only=True) as uow:
        webhook_id = None
        if webhook is not None:
            webhook_id = uow.webhooks.get_by_guid(actor.company_id, webhook).id
        where = DeliveryFilter(webhook_id=webhook_id, status=status)
        found = uow.webhook_deliveries.page(
            actor.company_id, where, offset=page.offset, limit=page.limit
        )
        return DeliveryPage(
            found,
            uow.webhook_deliveries.count(actor.company_id, where),
            uow.webhooks.by_ids(actor.company_id, [d.webhook_id for d in found]),
        )


def _changed(new: str | None, current: str | None) -> str | None:
    return current if new is None else new


def secret_box(ctx: ServiceContext) -> SecretBox:
    if ctx.webhook_secrets is None:
        ctx.webhook_secrets = SecretBox(ctx.settings.resolved_secret_key(), SECRET_PURPOSE)
    return ctx.webhook_secrets


# --- publishing ---------------------------------------------------------------------------------


def publish(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    topic: Topic,
    subject_ids: Iterable[int],
) -> None:
    """Publishes one event per subject (a product or an invoice id, by the topic) to the
    company's active subscriptions to ``topic``, inside the caller's transaction. The caller
    calls this after its last change, so the payload shows the records as they will be
    committed; a subject named twice is one event."""
    subjects = list(dict.fromkeys(subject_ids))
    if not subjects:
        return
    subscribers = uow.webhooks.subscribers(actor.company_id, [topic.value])
    _publish(ctx, uow, actor, topic, subjects, subscribers.get(topic.value, []))


def publish_sale(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    topic: Topic | None,
    document: SalesDocument,
    movements: Iterable[StockMovement],
) -> None:
    """The events of a sales document's transaction: the document's own (``topic``, an
    invoice topic; None for notes) and a stock update of each product it moved. Call it after
    the document's last change (its number, its status). One query when nobody listens."""
    moved = stock_changed(movements)
    topics = [Topic.PRODUCTS_STOCK_UPDATE.value] if moved else []
    if topic is not None:
        topics.append(topic.value)
    if not topics:
        return
    subscribers = uow.webhooks.subscribers(actor.company_id, topics)
    if not subscribers:
        return
    if topic is not None and topic.value in subscribers:
        if topic is Topic.INVOICES_DELETE:
            _publish_withdrawn(ctx, uow, actor, document, subscribers[topic.value])
        else:
            _publish(ctx, uow, actor, topic, [document.id or 0], subscribers[topic.value])
    stock_subscribers = subscribers.get(Topic.PRODUCTS_STOCK_UPDATE.value, [])
    _publish(ctx, uow, actor, Topic.PRODUCTS_STOCK_UPDATE, moved, stock_subscribers)


def stock_changed(movements: Iterable[StockMovement]) -> list[int]:
    """The products whose stock the movements change in some warehouse (a replacement that
    takes back what it sells again changes nothing)."""
    net: dict[tuple[int, int | None], Decimal] = {}
    for m in movements:
        key = (m.product_id, m.warehouse_id)
        net[key] = net.get(key, Decimal(0)) + m.quantity
    return list(dict.fromkeys(product for (product, _), moved in net.items() if moved != 0))


def _publish(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    topic: Topic,
    subjects: list[int],
    subscribers: list[int],
) -> None:
    if not subjects or not subscribers:
        return
    uow.flush()
    payloads = ctx.webhook_payloads or MINIMAL_PAYLOADS
    render = payloads.product if topic.resource == "products" else payloads.invoice
    envelope = _envelope(uow, actor, topic)
    for subject in subjects:
        record = dict(render(uow, actor.company_id, subject))
        record.update(envelope)
        _enqueue(ctx, uow, actor, topic, subscribers, record)


def _publish_withdrawn(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    document: SalesDocument,
    subscribers: list[int],
) -> None:
    """A deleted invoice can no longer be read: its event says which one it was, as the
    ``DELETE`` answer does, with the number it kept."""
    record = {
        "id": document.guid,
        "name": document.name,
        "number": document.number,
        "prefix": document.prefix,
        "date": document.date,
        "deleted": True,
        **_envelope(uow, actor, Topic.INVOICES_DELETE),
    }
    _enqueue(ctx, uow, actor, Topic.INVOICES_DELETE, subscribers, record)


def _enqueue(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    topic: Topic,
    subscribers: list[int],
    record: Mapping[str, Any],
) -> None:
    """One event: the same id and body for every subscriber."""
    uow.webhook_deliveries.enqueue(
        actor.company_id,
        subscribers,
        event_id=uuid.uuid4(),
        topic=topic.value,
        payload=exact_json(record),
        now=ctx.now(),
    )


def _envelope(uow: UnitOfWork, actor: Actor, topic: Topic) -> dict[str, Any]:
    """What every payload adds to the record, as Siigo's do."""
    return {
        "company_key": uow.companies.get(actor.company_id).key,
        "username": _username(uow, actor),
        "topic": topic.value,
    }


def _username(uow: UnitOfWork, actor: Actor) -> str | None:
    """Who made the change; None when the operator did, at the command line."""
    if actor.user_id is None:
        return None
    user = uow.users.find(actor.company_id, actor.user_id)
    return user.username if user is not None else None


def exact_json(value: Any) -> str:
    """JSON with every number exact: a ``Decimal`` keeps all its digits (as the API writes
    money), dates and moments are ISO 8601, GUIDs and enums their text."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, Enum):
        _write(value.value, out)
    elif value is None or isinstance(value, (bool, int, str, float)):
        out.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as JSON")
        integral = value == value.to_integral_value()
        out.append(str(int(value)) if integral else format(value.normalize(), "f"))
    elif isinstance(value, (datetime, date)):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, uuid.UUID):
        out.append(json.dumps(str(value)))
    else:
        raise TypeError(f"{type(value).__name__} cannot be written in a webhook payload")


class MinimalPayloads:
    """The documented minimal shapes, used when no face set its own renderer (and for what the
    face does not render): a product with its stock, an invoice's heading and totals."""

    def product(self, uow: UnitOfWork, company_id: int, product_id: int) -> Mapping[str, Any]:
        product = uow.products.get(company_id, product_id)
        balances = uow.stock.balances(company_id, product_id) if product.stock_control else []
        return {
            "id": product.guid,
            "code": product.code,
            "name": product.name,
            "active": product.active,
            "stock_control": product.stock_control,
            "available_quantity": sum((b.quantity for b in balances), Decimal(0)),
            "warehouses": [
                {"id": b.warehouse_id, "name": b.warehouse_name, "quantity": b.quantity}
                for b in balances
            ],
        }

    def invoice(self, uow: UnitOfWork, company_id: int, document_id: int) -> Mapping[str, Any]:
        document = uow.sales_documents.get(company_id, document_id)
        customer = uow.parties.get(company_id, document.customer_id)
        return {
            "id": document.guid,
            "name": document.name,
            "number": document.number,
            "prefix": document.prefix,
            "date": document.date,
            "total": document.amounts.total,
            "balance": document.balance,
            "status": document.status,
            "customer": {
                "identification": customer.identification,
                "branch_office": customer.branch_office,
            },
        }


MINIMAL_PAYLOADS: WebhookPayloads = MinimalPayloads()


# --- delivering (the worker) ----------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverySettings:
    timeout_seconds: float
    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float

    @classmethod
    def of(cls, ctx: ServiceContext) -> DeliverySettings:
        s = ctx.settings
        return cls(
            timeout_seconds=s.webhook_timeout_seconds,
            max_attempts=s.webhook_max_attempts,
            retry_base_seconds=s.webhook_retry_base_seconds,
            retry_max_seconds=s.webhook_retry_max_seconds,
        )

    def lease(self, batch: int) -> timedelta:
        """How long a worker holds a batch it claimed: time to send all of it, and a margin."""
        return timedelta(seconds=self.timeout_seconds * 1.5 * batch + 30)


def claim_due(
    ctx: ServiceContext, *, limit: int, company_id: int | None = None
) -> list[ClaimedDelivery]:
    """Claims due deliveries in a short transaction of its own (nothing is sent inside it)."""
    now = ctx.now()
    lease = now + DeliverySettings.of(ctx).lease(limit)
    with ctx.unit_of_work() as uow:
        claimed = uow.webhook_deliveries.claim(
            now=now, lease=lease, limit=limit, company_id=company_id
        )
        uow.commit()
    return claimed


def settle(
    ctx: ServiceContext,
    claimed: ClaimedDelivery,
    *,
    attempted_at: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
) -> DeliveryStatus | None:
    """Records one attempt: delivered on a 2xx answer; otherwise retried with exponential
    backoff, or failed after the last allowed attempt. None: the claim had lapsed (another
    worker took the delivery, or the subscription was deleted) and nothing was recorded."""
    policy = DeliverySettings.of(ctx)
    attempt = claimed.attempts + 1
    next_attempt_at: datetime | None = None
    if status_code is not None and 200 <= status_code < 300:
        status = DeliveryStatus.DELIVERED
    elif attempt >= policy.max_attempts:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
        delay = retry_delay(
            attempt,
            base=policy.retry_base_seconds,
            cap=policy.retry_max_seconds,
            spread=random.random(),  # noqa: S311 - jitter, not secrecy
        )
        next_attempt_at = ctx.now() + timedelta(seconds=delay)
    with ctx.unit_of_work() as uow:
        recorded = uow.webhook_deliveries.record(
            claimed,
            DeliveryAttempt(
                attempt=attempt,
                attempted_at=attempted_at,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            ),
            status=status,
            next_attempt_at=next_attempt_at,
        )
        uow.commit()
    return status if recorded else None


def release(ctx: ServiceContext, claimed: list[ClaimedDelivery]) -> None:
    """Gives back claimed deliveries that were not attempted: due again at once."""
    if not claimed:
        return
    with ctx.unit_of_work() as uow:
        uow.webhook_deliveries.release(claimed, now=ctx.now())
        uow.commit()
