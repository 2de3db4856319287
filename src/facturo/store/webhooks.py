"""Webhook subscriptions, their deliveries (an outbox written with the business change) and
the log of delivery attempts. SQLAlchemy Core: these rows are small and written in bulk."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.domain.errors import NotFound
from facturo.domain.webhooks import Delivery, DeliveryAttempt, DeliveryStatus, Webhook
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids
from facturo.store.types import utc_now

MAX_ERROR_LENGTH = 500


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, webhook: Webhook) -> Webhook:
        connection = self.session.connection()
        webhook.id = allocate_ids(connection, "webhooks")[0]
        webhook.created_at = webhook.updated_at = utc_now()
        connection.execute(sa.insert(t.webhooks).values(**_columns(webhook)))
        return webhook

    def find_by_guid(
        self, company_id: int, guid: uuid.UUID, *, for_update: bool = False
    ) -> Webhook | None:
        query = sa.select(t.webhooks).where(
            t.webhooks.c.company_id == company_id, t.webhooks.c.guid == guid
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return _webhook(row) if row is not None else None

    def get_by_guid(self, company_id: int, guid: uuid.UUID, *, for_update: bool = False) -> Webhook:
        found = self.find_by_guid(company_id, guid, for_update=for_update)
        if found is None:
            raise NotFound("webhook", guid)
        return found

    def by_ids(self, company_id: int, ids: Sequence[int]) -> dict[int, Webhook]:
        if not ids:
            return {}
        query = sa.select(t.webhooks).where(
            t.webhooks.c.company_id == company_id, t.webhooks.c.id.in_(set(ids))
        )
        return {row.id: _webhook(row) for row in self.session.execute(query)}

    def page(self, company_id: int, *, offset: int, limit: int) -> list[Webhook]:
        query = (
            sa.select(t.webhooks)
            .where(t.webhooks.c.company_id == company_id)
            .order_by(t.webhooks.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [_webhook(row) for row in self.session.execute(query)]

    def count(self, company_id: int) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(t.webhooks)
            .where(t.webhooks.c.company_id == company_id)
        )
        return int(self.session.scalar(query) or 0)

    def save(self, webhook: Webhook) -> None:
        webhook.updated_at = utc_now()
        w = t.webhooks
        self.session.execute(
            sa.update(w)
            .where(w.c.company_id == webhook.company_id, w.c.id == webhook.id)
            .values(
                application_id=webhook.application_id,
                topic=webhook.topic,
                url=webhook.url,
                active=webhook.active,
                updated_at=webhook.updated_at,
            )
        )

    def delete(self, webhook: Webhook) -> int:
        """Deletes the subscription with its deliveries and their log; returns how many
        deliveries were still pending (they will never be sent)."""
        d, a, w = t.webhook_deliveries, t.webhook_delivery_attempts, t.webhooks
        company_id, webhook_id = webhook.company_id, webhook.id
        mine = sa.select(d.c.id).where(d.c.company_id == company_id, d.c.webhook_id == webhook_id)
        pending = self.session.scalar(
            sa.select(sa.func.count())
            .select_from(d)
            .where(
                d.c.company_id == company_id,
                d.c.webhook_id == webhook_id,
                d.c.status == DeliveryStatus.PENDING.value,
            )
        )
        self.session.execute(
            sa.delete(a).where(a.c.company_id == company_id, a.c.delivery_id.in_(mine))
        )
        self.session.execute(
            sa.delete(d).where(d.c.company_id == company_id, d.c.webhook_id == webhook_id)
        )
        self.session.execute(sa.delete(w).where(w.c.company_id == company_id, w.c.id == webhook_id))
        return int(pending or 0)

    def subscribers(self, company_id: int, topics: Sequence[str]) -> dict[str, list[int]]:
        """The active subscriptions of the company to each of ``topics`` that has any, in one
        indexed query (ix_webhooks_topic)."""
        w = t.webhooks
        query = (
            sa.select(w.c.topic, w.c.id)
            .where(w.c.company_id == company_id, w.c.topic.in_(topics), w.c.active)
            .order_by(w.c.id)
        )
        found: dict[str, list[int]] = defaultdict(list)
        for row in self.session.execute(query):
            found[row.topic].append(row.id)
        return dict(found)


@dataclass(frozen=True, kw_only=True)
class ClaimedDelivery:
    """A delivery this worker holds until ``lease``; what it needs to send it."""

    company_id: int
    id: int
    webhook_id: int
    event_id: uuid.UUID
    topic: str
    payload: str
    attempts: int  # made before this one
    url: str
    sealed_secret: str
    lease: datetime  # also the fencing token: the outcome is recorded only if it still holds


@dataclass(frozen=True)
class DeliveryFilter:
    webhook_id: int | None = None
    status: DeliveryStatus | None = None


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(
        self,
        company_id: int,
        webhook_ids: Sequence[int],
        *,
        event_id: uuid.UUID,
        topic: str,
        payload: str,
        now: datetime,
    ) -> None:
        """One pending delivery of the event per subscription, due at once."""
        if not webhook_ids:
            return
        ids = allocate_ids(self.session.connection(), "webhook_deliveries", len(webhook_ids))
        self.session.execute(
            sa.insert(t.webhook_deliveries),
            [
                {
                    "company_id": company_id,
                    "id": delivery_id,
                    "webhook_id": webhook_id,
                    "event_id": event_id,
                    "topic": topic,
                    "payload": payload,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "locked_until": None,
                    "created_at": now,
                    "delivered_at": None,
                }
                for delivery_id, webhook_id in zip(ids, webhook_ids, strict=True)
            ],
        )

    def claim(
        self, *, now: datetime, lease: datetime, limit: int, company_id: int | None = None
    ) -> list[ClaimedDelivery]:
        """Takes up to ``limit`` due deliveries of active subscriptions, oldest due first, until
        ``lease``: they are due again then, so a worker that dies holding them loses nothing.
        On PostgreSQL rows other workers are claiming are skipped (``SKIP LOCKED``); on SQLite
        the write lock lets one worker claim at a time."""
        d, w = t.webhook_deliveries, t.webhooks
        query = (
            sa.select(
                d.c.company_id,
                d.c.id,
                d.c.webhook_id,
                d.c.event_id,
                d.c.topic,
                d.c.payload,
                d.c.attempts,
                w.c.url,
                w.c.secret,
            )
            .join(w, sa.and_(w.c.company_id == d.c.company_id, w.c.id == d.c.webhook_id))
            .where(
                d.c.status == DeliveryStatus.PENDING.value,
                d.c.next_attempt_at <= now,
                w.c.active,
            )
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=d)
        )
        if company_id is not None:
            query = query.where(d.c.company_id == company_id)
        rows = self.session.execute(query).all()
        by_company: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            by_company[row.company_id].append(row.id)
        for owner, ids in by_company.items():
            self.session.execute(
                sa.update(d)
                .where(d.c.company_id == owner, d.c.id.in_(ids))
                .values(next_attempt_at=lease, locked_until=lease)
            )
        return [
            ClaimedDelivery(
                company_id=row.company_id,
                id=row.id,
                webhook_id=row.webhook_id,
                event_id=row.event_id,
                topic=row.topic,
                payload=row.payload,
                attempts=row.attempts,
                url=row.url,
                sealed_secret=row.secret,
                lease=lease,
            )
            for row in rows
        ]

    def record(
        self,
        claimed: ClaimedDelivery,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Writes the attempt to the log and the delivery's new state. False (and nothing
        written) when the claim no longer holds: the lease ran out and another worker took the
        delivery, or the subscription was deleted meanwhile."""
        d = t.webhook_deliveries
        updated = self.session.execute(
            sa.update(d)
            .where(
                d.c.company_id == claimed.company_id,
                d.c.id == claimed.id,
                d.c.status == DeliveryStatus.PENDING.value,
                d.c.locked_until == claimed.lease,
            )
            .values(
                status=status.value,
                attempts=attempt.attempt,
                next_attempt_at=next_attempt_at,
                locked_until=None,
                delivered_at=attempt.attempted_at if status == DeliveryStatus.DELIVERED else None,
            )
        )
        if updated.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.execute(
            sa.insert(t.webhook_delivery_attempts).values(
                company_id=claimed.company_id,
                delivery_id=claimed.id,
                attempt=attempt.attempt,
                attempted_at=attempt.attempted_at,
                status_code=attempt.status_code,
                error=(attempt.error or "")[:MAX_ERROR_LENGTH] or None,
                duration_ms=attempt.duration_ms,
            )
        )
        return True

    def release(self, claimed: Sequence[ClaimedDelivery], *, now: datetime) -> None:
        """Gives back deliveries claimed but not attempted (the worker is stopping): due now."""
        d = t.webhook_deliveries
        for delivery in claimed:
            self.session.execute(
                sa.update(d)
                .where(
                    d.c.company_id == delivery.company_id,
                    d.c.id == delivery.id,
                    d.c.locked_until == delivery.lease,
                )
                .values(next_attempt_at=now, locked_until=None)
            )

    def page(
        self, company_id: int, where: DeliveryFilter, *, offset: int, limit: int
    ) -> list[Delivery]:
        """Deliveries newest first, each with its attempts."""
        d, a = t.webhook_deliveries, t.webhook_delivery_attempts
        query = (
            sa.select(d)
            .where(*self._conditions(company_id, where))
            .order_by(d.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = self.session.execute(query).all()
        logs: dict[int, list[DeliveryAttempt]] = defaultdict(list)
        if rows:
            attempts = self.session.execute(
                sa.select(a)
                .where(a.c.company_id == company_id, a.c.delivery_id.in_([r.id for r in rows]))
                .order_by(a.c.delivery_id, a.c.attempt)
            )
            for row in attempts:
                logs[row.delivery_id].append(
                    DeliveryAttempt(
                        attempt=row.attempt,
                        attempted_at=row.attempted_at,
                        status_code=row.status_code,
                        error=row.error,
                        duration_ms=row.duration_ms,
                    )
                )
        return [
            Delivery(
                company_id=row.company_id,
                id=row.id,
                webhook_id=row.webhook_id,
                event_id=row.event_id,
                topic=row.topic,
                status=DeliveryStatus(row.status),
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                created_at=row.created_at,
                delivered_at=row.delivered_at,
                log=tuple(logs.get(row.id, ())),
            )
            for row in rows
        ]

    def count(self, company_id: int, where: DeliveryFilter) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(t.webhook_deliveries)
            .where(*self._conditions(company_id, where))
        )
        return int(self.session.scalar(query) or 0)

    def payload(self, company_id: int, delivery_id: int) -> str | None:
        d = t.webhook_deliveries
        found: str | None = self.session.scalar(
            sa.select(d.c.payload).where(d.c.company_id == company_id, d.c.id == delivery_id)
        )
        return found

    @staticmethod
    def _conditions(company_id: int, where: DeliveryFilter) -> list[sa.ColumnElement[bool]]:
        d = t.webhook_deliveries
        conditions = [d.c.company_id == company_id]
        if where.webhook_id is not None:
            conditions.append(d.c.webhook_id == where.webhook_id)
        if where.status is not None:
            conditions.append(d.c.status == where.status.value)
        return conditions


def _columns(webhook: Webhook) -> dict[str, Any]:
    return {
        "company_id": webhook.company_id,
        "id": webhook.id,
        "guid": webhook.guid,
        "application_id": webhook.application_id,
        "topic": webhook.topic,
        "url": webhook.url,
        "secret": webhook.sealed_secret,
        "active": webhook.active,
        "created_by": webhook.created_by,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


def _webhook(row: sa.Row[Any]) -> Webhook:
    return Webhook(
        company_id=row.company_id,
        id=row.id,
        guid=row.guid,
        application_id=row.application_id,
        topic=row.topic,
        url=row.url,
        active=row.active,
        sealed_secret=row.secret,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
