"""The DIAN transmission outbox, its log and the yearly file counters (SQLAlchemy Core).

Claims follow the webhook outbox: due rows are leased (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock on SQLite), and every later write checks the lease still holds, so
two workers never work one document and a worker that died loses nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from facturo.domain.transmission import (
    DeliveryState,
    LogEntry,
    Transmission,
    TransmissionState,
)
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids, next_id_in_insert

MAX_TEXT = 500
DUE_STATES = (
    TransmissionState.PENDING.value,
    TransmissionState.SENT.value,
    TransmissionState.CONTINGENCY.value,
)


@dataclass(frozen=True, slots=True)
class ClaimedTransmission:
    company_id: int
    document_id: int
    state: TransmissionState
    attempts: int
    first_failure_at: datetime | None
    document_key: str | None
    file_name: str | None
    xml: bytes | None
    lease: datetime


@dataclass(frozen=True, slots=True)
class SignedFile:
    """A claimed document's signed XML, its CUFE/CUDE and its file name."""

    claimed: ClaimedTransmission
    xml: bytes
    document_key: str
    file_name: str


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One line of a document's transmission log, to be written."""

    company_id: int
    document_id: int
    at: datetime
    action: str  # sign, send, status, deliver
    outcome: str
    duration_ms: int
    status_code: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    company_id: int
    document_id: int
    attempts: int
    delivery_to: str
    lease: datetime


class TransmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing with the document -------------------------------------------------------

    def enqueue(
        self, company_id: int, document_ids: Sequence[int], *, now: datetime, deliver_to: str | None
    ) -> list[int]:
        """Puts the documents in the outbox, due now; those already there stay as they are.
        Returns the ids added."""
        tr = t.dian_transmissions
        if not document_ids:
            return []
        present = set(
            self.session.scalars(
                sa.select(tr.c.document_id).where(
                    tr.c.company_id == company_id, tr.c.document_id.in_(set(document_ids))
                )
            )
        )
        added = [i for i in dict.fromkeys(document_ids) if i not in present]
        if added:
            self.session.execute(
                sa.insert(tr),
                [
                    {
                        "company_id": company_id,
                        "document_id": document_id,
                        "state": TransmissionState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "delivery_state": (
                            DeliveryState.PENDING if deliver_to else DeliveryState.NONE
                        ).value,
                        "delivery_attempts": 0,
                        "delivery_to": deliver_to,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for document_id in added
                ],
            )
        return added

    def retry(self, company_id: int, document_id: int, *, now: datetime) -> bool:
        """Due again now: a document in contingency that a person sends again."""
        tr = t.dian_transmissions
        result = self.session.execute(
            sa.update(tr)
            .where(
                tr.c.company_id == company_id,
                tr.c.document_id == document_id,
                tr.c.state.in_(DUE_STATES),
            )
            .values(next_attempt_at=now, locked_until=None, updated_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- reading ------------------------------------------------------------------------------

    def find(self, company_id: int, document_id: int) -> Transmission | None:
        found = self.by_document_ids(company_id, [document_id])
        return found.get(document_id)

    def by_document_ids(self, company_id: int, ids: Sequence[int]) -> dict[int, Transmission]:
        if not ids:
            return {}
        tr = t.dian_transmissions
        columns = [c for c in tr.c if c.name not in ("xml", "application_response")]
        rows = self.session.execute(
            sa.select(*columns).where(tr.c.company_id == company_id, tr.c.document_id.in_(set(ids)))
        )
        return {row.document_id: _transmission(row) for row in rows}

    def files(self, company_id: int, document_id: int) -> tuple[bytes | None, bytes | None]:
        """The signed XML and the DIAN's ApplicationResponse."""
        tr = t.dian_transmissions
        row = self.session.execute(
            sa.select(tr.c.xml, tr.c.application_response).where(
                tr.c.company_id == company_id, tr.c.document_id == document_id
            )
        ).first()
        return (row.xml, row.application_response) if row else (None, None)

    def log_of(self, company_id: int, document_id: int) -> list[LogEntry]:
        lg = t.dian_transmission_log
        rows = self.session.execute(
            sa.select(lg)
            .where(lg.c.company_id == company_id, lg.c.document_id == document_id)
            .order_by(lg.c.id)
        )
        return [
            LogEntry(
                at=row.at,
                action=row.action,
                outcome=row.outcome,
                status_code=row.status_code,
                detail=row.detail,
                duration_ms=row.duration_ms,
            )
            for row in rows
        ]

    def counts(self, company_id: int | None = None) -> dict[str, int]:
        tr = t.dian_transmissions
        query = sa.select(tr.c.state, sa.func.count()).group_by(tr.c.state)
        if company_id is not None:
            query = query.where(tr.c.company_id == company_id)
        return {state: int(count) for state, count in self.session.execute(query)}

    # --- the worker -------------------------------------------------------------------------

    def claim(
        self, *, now: datetime, lease: datetime, limit: int, company_id: int | None = None
    ) -> list[ClaimedTransmission]:
        tr = t.dian_transmissions
        query = (
            sa.select(
                tr.c.company_id,
                tr.c.document_id,
                tr.c.state,
                tr.c.attempts,
                tr.c.first_failure_at,
                tr.c.document_key,
                tr.c.file_name,
                tr.c.xml,
            )
            .where(tr.c.state.in_(DUE_STATES), tr.c.next_attempt_at <= now)
            .order_by(tr.c.next_attempt_at, tr.c.company_id, tr.c.document_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if company_id is not None:
            query = query.where(tr.c.company_id == company_id)
        rows = self.session.execute(query).all()
        self._lease(tr, [(r.company_id, r.document_id) for r in rows], lease, "next_attempt_at")
        return [
            ClaimedTransmission(
                company_id=row.company_id,
                document_id=row.document_id,
                state=TransmissionState(row.state),
                attempts=row.attempts,
                first_failure_at=row.first_failure_at,
                document_key=row.document_key,
                file_name=row.file_name,
                xml=row.xml,
                lease=lease,
            )
            for row in rows
        ]

    def _lease(
        self, table: sa.Table, keys: list[tuple[int, int]], lease: datetime, due_column: str
    ) -> None:
        by_company: dict[int, list[int]] = defaultdict(list)
        for company_id, document_id in keys:
            by_company[company_id].append(document_id)
        for company_id, ids in by_company.items():
            self.session.execute(
                sa.update(table)
                .where(table.c.company_id == company_id, table.c.document_id.in_(ids))
                .values({due_column: lease, "locked_until": lease})
            )

    def store_signed(self, files: Sequence[SignedFile], *, signed_at: datetime) -> list[SignedFile]:
        """Keeps signed documents: from now on each is what every send carries. Returns those
        stored, leaving out any whose lease was lost. One statement for the whole batch."""
        if not files:
            return []
        tr = t.dian_transmissions
        statement = (
            sa.update(tr)
            .where(
                tr.c.company_id == sa.bindparam("key_company_id"),
                tr.c.document_id == sa.bindparam("key_document_id"),
                tr.c.locked_until == sa.bindparam("key_lease"),
            )
            .values(
                xml=sa.bindparam("new_xml"),
                document_key=sa.bindparam("new_document_key"),
                file_name=sa.bindparam("new_file_name"),
                signed_at=signed_at,
                updated_at=signed_at,
            )
        )

        def parameters(file: SignedFile) -> dict[str, Any]:
            return {
                "key_company_id": file.claimed.company_id,
                "key_document_id": file.claimed.document_id,
                "key_lease": file.claimed.lease,
                "new_xml": file.xml,
                "new_document_key": file.document_key,
                "new_file_name": file.file_name,
            }

        result = self.session.execute(statement, [parameters(f) for f in files])
        if result.rowcount == len(files):  # type: ignore[attr-defined]
            return list(files)
        # Some lease lapsed (rare): find which, one by one. Rewriting the rows already
        # stored writes the same values again, under the same lease.
        return [
            file
            for file in files
            if self.session.execute(statement, parameters(file)).rowcount == 1  # type: ignore[attr-defined]
        ]

    def record(
        self,
        claimed: ClaimedTransmission,
        *,
        state: TransmissionState,
        now: datetime,
        next_attempt_at: datetime | None = None,
        attempts: int | None = None,
        first_failure_at: datetime | None = None,
        status_code: str | None = None,
        status_description: str | None = None,
        messages: Sequence[str] | None = None,
        application_response: bytes | None = None,
        last_error: str | None = None,
        keep_error: bool = False,
    ) -> bool:
        """The document's new state; False (nothing written) when the lease was lost."""
        values: dict[str, Any] = {
            "state": state.value,
            "next_attempt_at": next_attempt_at,
            "locked_until": None,
            "updated_at": now,
            "first_failure_at": first_failure_at,
        }
        if attempts is not None:
            values["attempts"] = attempts
        if status_code is not None:
            values["status_code"] = status_code[:4]
            values["status_description"] = (status_description or "")[:MAX_TEXT] or None
        if messages is not None:
            values["messages"] = json.dumps(list(messages), ensure_ascii=False)
        if application_response is not None:
            values["application_response"] = application_response
        if state is TransmissionState.ACCEPTED:
            values["accepted_at"] = now
            # A delivery waiting for the acceptance becomes due now.
            tr = t.dian_transmissions
            values["delivery_next_at"] = sa.case(
                (tr.c.delivery_state == DeliveryState.PENDING.value, now),
                else_=tr.c.delivery_next_at,
            )
        if not keep_error:
            values["last_error"] = (last_error or "")[:MAX_TEXT] or None
        return self._update(claimed, **values)

    def _update(self, claimed: ClaimedTransmission, **values: Any) -> bool:
        tr = t.dian_transmissions
        result = self.session.execute(
            sa.update(tr)
            .where(
                tr.c.company_id == claimed.company_id,
                tr.c.document_id == claimed.document_id,
                tr.c.locked_until == claimed.lease,
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, claimed: Sequence[ClaimedTransmission], *, now: datetime) -> None:
        """Gives back what was claimed and not worked (the worker is stopping): due now."""
        tr = t.dian_transmissions
        for item in claimed:
            self.session.execute(
                sa.update(tr)
                .where(
                    tr.c.company_id == item.company_id,
                    tr.c.document_id == item.document_id,
                    tr.c.locked_until == item.lease,
                )
                .values(next_attempt_at=now, locked_until=None)
            )

    def log(self, *records: LogRecord) -> None:
        """Appends to the documents' transmission logs, in one statement."""
        if not records:
            return
        table = t.dian_transmission_log
        rows: list[dict[str, Any]] = [
            {
                "company_id": record.company_id,
                "document_id": record.document_id,
                "at": record.at,
                "action": record.action,
                "outcome": record.outcome,
                "status_code": (record.status_code or "")[:4] or None,
                "detail": (record.detail or "")[:1000] or None,
                "duration_ms": record.duration_ms,
            }
            for record in records
        ]
        # One statement shape whatever the count, so SQLAlchemy compiles it once.
        connection = self.session.connection()
        next_id = next_id_in_insert(connection, table.name)
        statement = sa.insert(table)
        if next_id is not None:
            statement = statement.values(id=next_id)
        else:
            for row, entry_id in zip(
                rows, allocate_ids(connection, table.name, len(rows)), strict=True
            ):
                row["id"] = entry_id
        self.session.execute(statement, rows)

    def next_file_numbers(self, company_id: int, year: int, count: int) -> range:
        """``count`` consecutive file numbers of the company's year (they start at 1 each
        January), taken under the counter row's lock."""
        fc = t.dian_file_counters
        # One upsert, so workers taking a company's first numbers of a year at the same moment
        # queue on the row instead of racing to insert it (a unique violation for the losers).
        dialect = self.session.get_bind().dialect.name
        insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(fc)
        upsert = insert.values(company_id=company_id, year=year, value=count)
        last = self.session.scalar(
            upsert.on_conflict_do_update(
                index_elements=[fc.c.company_id, fc.c.year],
                set_={"value": fc.c.value + upsert.excluded.value},
            ).returning(fc.c.value)
        )
        assert last is not None
        return range(last - count + 1, last + 1)

    # --- the habilitación test set (services/habilitacion.py) ------------------------------

    def enqueue_claimed(
        self, company_id: int, document_ids: Sequence[int], *, now: datetime, lease: datetime
    ) -> list[ClaimedTransmission]:
        """Puts documents just issued in the outbox already claimed until ``lease``: the test
        set sends them itself, and no worker may send them meanwhile. Nothing is mailed to the
        buyer. Documents already in the outbox are left out."""
        added = self.enqueue(company_id, document_ids, now=now, deliver_to=None)
        self._lease(
            t.dian_transmissions, [(company_id, i) for i in added], lease, "next_attempt_at"
        )
        return [
            ClaimedTransmission(
                company_id=company_id,
                document_id=document_id,
                state=TransmissionState.PENDING,
                attempts=0,
                first_failure_at=None,
                document_key=None,
                file_name=None,
                xml=None,
                lease=lease,
            )
            for document_id in added
        ]

    def mark_sent_in_batch(
        self, claimed: ClaimedTransmission, *, zip_key: str, now: datetime
    ) -> bool:
        """The document went in a ZIP the DIAN acknowledged: ``sent`` (GetStatus settles it if
        its verdict never arrives), the ZipKey kept, and still claimed until the lease ends."""
        return self._update(
            claimed,
            state=TransmissionState.SENT.value,
            track_id=zip_key[:100],
            next_attempt_at=claimed.lease,
            updated_at=now,
        )

    # --- delivery to the buyer --------------------------------------------------------------

    def request_delivery(
        self, company_id: int, document_id: int, *, to: str, now: datetime
    ) -> bool:
        tr = t.dian_transmissions
        result = self.session.execute(
            sa.update(tr)
            .where(tr.c.company_id == company_id, tr.c.document_id == document_id)
            .values(
                delivery_state=DeliveryState.PENDING.value,
                delivery_to=to,
                delivery_attempts=0,
                delivery_next_at=now,
                delivery_error=None,
                updated_at=now,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def claim_deliveries(
        self, *, now: datetime, lease: datetime, limit: int, company_id: int | None = None
    ) -> list[ClaimedDelivery]:
        tr = t.dian_transmissions
        query = (
            sa.select(tr.c.company_id, tr.c.document_id, tr.c.delivery_attempts, tr.c.delivery_to)
            .where(
                tr.c.delivery_state == DeliveryState.PENDING.value,
                tr.c.state == TransmissionState.ACCEPTED.value,
                tr.c.delivery_next_at <= now,
            )
            .order_by(tr.c.delivery_next_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if company_id is not None:
            query = query.where(tr.c.company_id == company_id)
        rows = self.session.execute(query).all()
        self._lease(tr, [(r.company_id, r.document_id) for r in rows], lease, "delivery_next_at")
        return [
            ClaimedDelivery(
                company_id=row.company_id,
                document_id=row.document_id,
                attempts=row.delivery_attempts,
                delivery_to=row.delivery_to or "",
                lease=lease,
            )
            for row in rows
        ]

    def record_delivery(
        self,
        claimed: ClaimedDelivery,
        *,
        state: DeliveryState,
        now: datetime,
        next_at: datetime | None,
        error: str | None,
    ) -> bool:
        tr = t.dian_transmissions
        result = self.session.execute(
            sa.update(tr)
            .where(
                tr.c.company_id == claimed.company_id,
                tr.c.document_id == claimed.document_id,
                tr.c.locked_until == claimed.lease,
            )
            .values(
                delivery_state=state.value,
                delivery_attempts=claimed.attempts + 1,
                delivery_next_at=next_at,
                delivery_error=(error or "")[:MAX_TEXT] or None,
                delivered_at=now if state is DeliveryState.SENT else None,
                locked_until=None,
                updated_at=now,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _transmission(row: sa.Row[Any]) -> Transmission:
    return Transmission(
        company_id=row.company_id,
        document_id=row.document_id,
        state=TransmissionState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        document_key=row.document_key,
        file_name=row.file_name,
        signed_at=row.signed_at,
        status_code=row.status_code,
        status_description=row.status_description,
        messages=tuple(json.loads(row.messages)) if row.messages else (),
        last_error=row.last_error,
        accepted_at=row.accepted_at,
        delivery_state=DeliveryState(row.delivery_state),
        delivery_to=row.delivery_to,
        delivery_attempts=row.delivery_attempts,
        delivery_error=row.delivery_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
