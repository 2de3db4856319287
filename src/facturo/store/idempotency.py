"""Idempotency keys: the first answer to a request, kept so its retries get it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.store import tables as t


class ClaimOutcome(StrEnum):
    NEW = "new"  # run the request; the key is held for it
    REPLAY = "replay"  # answered before: send that answer again
    MISMATCH = "mismatch"  # the key was used for another request
    IN_FLIGHT = "in_flight"  # the first request with this key is still running


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    status: int | None = None
    body: str | None = None
    claimed_at: datetime | None = None  # NEW: when this use of the key began

    @property
    def document_key(self) -> str | None:
        """What the document records of the claim: the key and when its use began. A request
        that takes over from one that died finds that one's document; a key used again after
        it expired is another request and finds nothing."""
        return (
            None if self.claimed_at is None else f"{int(self.claimed_at.timestamp() * 1_000_000)}"
        )


class IdempotencyKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(
        self,
        company_id: int,
        key: str,
        *,
        route: str,
        request_hash: str,
        now: datetime,
        lease: timedelta,
        keep_for: timedelta,
    ) -> Claim:
        k = t.idempotency_keys
        row = self.session.execute(
            sa.select(k).where(k.c.company_id == company_id, k.c.key == key).with_for_update()
        ).first()
        fresh: dict[str, object] = {
            "route": route,
            "request_hash": request_hash,
            "response_status": None,
            "response_body": None,
            "locked_until": now + lease,
            "created_at": now,
            "expires_at": now + keep_for,
        }
        if row is None:
            self.session.execute(sa.insert(k).values(company_id=company_id, key=key, **fresh))
            return Claim(ClaimOutcome.NEW, claimed_at=now)
        if row.expires_at <= now:
            self._update(company_id, key, fresh)
            return Claim(ClaimOutcome.NEW, claimed_at=now)
        if row.route != route or row.request_hash != request_hash:
            return Claim(ClaimOutcome.MISMATCH)
        if row.response_status is not None:
            return Claim(ClaimOutcome.REPLAY, row.response_status, row.response_body)
        if row.locked_until is not None and row.locked_until > now:
            return Claim(ClaimOutcome.IN_FLIGHT)
        # The first request died without answering: this one takes over.
        self._update(company_id, key, {"locked_until": now + lease})
        return Claim(ClaimOutcome.NEW, claimed_at=row.created_at)

    def record(self, company_id: int, key: str, status: int, body: str) -> None:
        self._update(
            company_id,
            key,
            {"response_status": status, "response_body": body, "locked_until": None},
        )

    def release(self, company_id: int, key: str) -> None:
        """Forgets a key whose request failed on our side, so that a retry runs again."""
        k = t.idempotency_keys
        self.session.execute(sa.delete(k).where(k.c.company_id == company_id, k.c.key == key))

    def purge_expired(self, now: datetime) -> int:
        k = t.idempotency_keys
        result = self.session.execute(sa.delete(k).where(k.c.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)

    def _update(self, company_id: int, key: str, values: dict[str, object]) -> None:
        k = t.idempotency_keys
        self.session.execute(
            sa.update(k).where(k.c.company_id == company_id, k.c.key == key).values(**values)
        )
