"""Repositories of posted documents: sales documents, their installments, receipts and
customer credits.

Posted documents are immutable records written once and read often, so they are stored with
SQLAlchemy Core — one multi-row statement per table — rather than through the ORM's unit of
work: an invoice of ten lines is a handful of statements, which keeps the numbering lock short.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from facturo.domain.catalogs import DocumentClass, TaxType
from facturo.domain.errors import NotFound
from facturo.domain.receipts import Movement, Receipt, ReceiptLine, VoucherType
from facturo.domain.receivables import ApplicationSource, CreditSource, CustomerCredit
from facturo.domain.sales import (
    DocumentAmounts,
    DocumentStatus,
    Installment,
    LineAmounts,
    OrderReference,
    SalesDocument,
    SalesLine,
    TaxRate,
)
from facturo.domain.transmission import TransmissionState
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids
from facturo.store.types import utc_now

ZERO = Decimal(0)


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents a list shows. Withdrawn (deleted) documents never show."""

    document_class: DocumentClass | None = None
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None
    document_type_id: int | None = None
    document_type_code: int | None = None  # FV-<code>: the type as clients name it
    number: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    document_ids: frozenset[int] | None = None  # only these documents
    customer_ids: frozenset[int] | None = None  # any of these customers
    sold_by: int | None = None  # the user who sold it: its seller or its author
    # The DIAN transmission's state, any of these; None in the set: never put in the outbox.
    transmission_states: frozenset[TransmissionState | None] | None = None


@dataclass(frozen=True)
class ReceiptFilter:
    """Which receipts a list shows. Receipts are never changed once recorded, so a filter on
    when they were last updated matches none of them (their ``last_updated`` is null)."""

    document_type_code: int | None = None  # RC-<code>: the type as clients name it
    number: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    matches_none: bool = False  # e.g. a name that is no receipt's (FV-1-5, "abc")
    customer_ids: frozenset[int] | None = None  # any of these customers


@dataclass(frozen=True)
class Application:
    installment: Installment
    amount: Decimal
    source: ApplicationSource
    source_id: int | None


def _in_transmission_states(
    company_id: int, states: frozenset[TransmissionState | None]
) -> sa.ColumnElement[bool]:
    d, tr = t.sales_documents, t.dian_transmissions
    outbox_row = sa.select(tr.c.document_id).where(
        tr.c.company_id == company_id, tr.c.document_id == d.c.id
    )
    values = sorted(state.value for state in states if state is not None)
    either: list[sa.ColumnElement[bool]] = []
    if values:
        either.append(outbox_row.where(tr.c.state.in_(values)).exists())
    if None in states:
        either.append(~outbox_row.exists())
    return sa.or_(*either) if either else sa.false()


def among(
    session: Session, column: sa.ColumnElement[Any], ids: Iterable[int]
) -> sa.ColumnElement[bool]:
    """``column IN ids``. On PostgreSQL as ``= ANY(array)``: one parameter, so the statement's
    text is the same for a page of any size and the server prepares it once."""
    values = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(values, postgresql.ARRAY(sa.BigInteger)))
    return column.in_(values)


class SalesDocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writing ---------------------------------------------------------------------------

    def add(self, document: SalesDocument) -> SalesDocument:
        """Writes a document, its lines and installments. A document not numbered yet is
        stored under a placeholder number (minus its id) until ``set_number``."""
        connection = self.session.connection()
        document.id = allocate_ids(connection, "sales_documents")[0]
        document.created_at = utc_now()
        row = _document_row(document)
        if not document.number:
            row["number"] = -document.id
        self.session.execute(sa.insert(t.sales_documents), [row])
        if document.lines:
            self.session.execute(
                sa.insert(t.sales_document_lines),
                [_line_row(document, line) for line in document.lines],
            )
        self._add_installments(document.installments, document.id)
        return document

    def _add_installments(self, installments: Sequence[Installment], document_id: int) -> None:
        if not installments:
            return
        connection = self.session.connection()
        ids = allocate_ids(connection, "installments", len(installments))
        for installment_id, installment in zip(ids, installments, strict=True):
            installment.id, installment.document_id = installment_id, document_id
        self.session.execute(
            sa.insert(t.installments),
            [
                {
                    "company_id": i.company_id,
                    "id": i.id,
                    "document_id": i.document_id,
                    "position": i.position,
                    "payment_means_id": i.payment_means_id,
                    "amount": i.amount,
                    "balance": i.amount,
                    "due_date": i.due_date,
                    "due_quote": i.due_quote,
                }
                for i in installments
            ],
        )

    def apply(self, company_id: int, applications: Sequence[Application]) -> None:
        """Lowers installment balances, recording each reduction and why."""
        if not applications:
            return
        ids = allocate_ids(self.session.connection(), "installment_applications", len(applications))
        now = utc_now()
        self.session.execute(
            sa.insert(t.installment_applications),
            [
                {
                    "company_id": company_id,
                    "id": application_id,
                    "installment_id": a.installment.id,
                    "amount": a.amount,
                    "source": a.source,
                    "source_id": a.source_id,
                    "created_at": now,
                }
                for application_id, a in zip(ids, applications, strict=True)
            ],
        )
        i = t.installments
        reductions: dict[int, Decimal] = {}
        for a in applications:
            assert a.installment.id is not None
            reductions[a.installment.id] = reductions.get(a.installment.id, ZERO) + a.amount
        self.session.execute(
            sa.update(i)
            .where(i.c.company_id == company_id, i.c.id == sa.bindparam("installment_id"))
            .values(balance=i.c.balance - sa.bindparam("reduction", type_=i.c.balance.type)),
            [
                {"installment_id": key, "reduction": value}
                for key, value in sorted(reductions.items())
            ],
        )
        for a in applications:
            a.installment.balance -= a.amount

    def set_number(self, document: SalesDocument, number: int) -> None:
        d = t.sales_documents
        self.session.execute(
            sa.update(d)
            .where(d.c.company_id == document.company_id, d.c.id == document.id)
            .values(number=number)
        )
        document.number = number

    def mark_annulled(self, document: SalesDocument, reason: str, when: datetime) -> None:
        d = t.sales_documents
        self.session.execute(
            sa.update(d)
            .where(d.c.company_id == document.company_id, d.c.id == document.id)
            .values(status=DocumentStatus.ANNULLED, annulled_at=when, annul_reason=reason)
        )
        document.status, document.annulled_at, document.annul_reason = (
            DocumentStatus.ANNULLED,
            when,
            reason,
        )

    def mark_deleted(self, document: SalesDocument, when: datetime) -> None:
        """Withdraws the document: kept, with its number consumed, but no longer found."""
        d = t.sales_documents
        self.session.execute(
            sa.update(d)
            .where(d.c.company_id == document.company_id, d.c.id == document.id)
            .values(status=DocumentStatus.DELETED, updated_at=when)
        )
        document.status, document.updated_at = DocumentStatus.DELETED, when

    def replace(self, document: SalesDocument) -> None:
        """Writes a document's new content over its row, same id, GUID and number: the row's
        values, its lines and its installments (``drop_installments`` removed the old ones)."""
        d, lines = t.sales_documents, t.sales_document_lines
        row = _document_row(document)
        for key in ("company_id", "id", "guid", "number", "created_at", "created_by"):
            row.pop(key)
        self.session.execute(
            sa.update(d)
            .where(d.c.company_id == document.company_id, d.c.id == document.id)
            .values(**row)
        )
        self.session.execute(
            sa.delete(lines).where(
                lines.c.company_id == document.company_id, lines.c.document_id == document.id
            )
        )
        if document.lines:
            self.session.execute(
                sa.insert(lines), [_line_row(document, line) for line in document.lines]
            )
        assert document.id is not None
        self._add_installments(document.installments, document.id)

    def drop_installments(self, document: SalesDocument) -> None:
        """Removes a document's installments and what was applied to them (only what its own
        issue applied: callers refuse documents that receipts or notes touched)."""
        i, a = t.installments, t.installment_applications
        ids = [installment.id for installment in document.installments if installment.id]
        if ids:
            self.session.execute(
                sa.delete(a).where(
                    a.c.company_id == document.company_id,
                    among(self.session, a.c.installment_id, ids),
                )
            )
            self.session.execute(
                sa.delete(i).where(
                    i.c.company_id == document.company_id, i.c.document_id == document.id
                )
            )
        document.installments = []

    def add_revision(
        self, document: SalesDocument, *, replaced_by: int | None, replaced_at: datetime
    ) -> int:
        """Keeps the document's content as it is now, before it is replaced; returns its
        revision number (1, 2, ...)."""
        r = t.sales_document_revisions
        latest = self.session.execute(
            sa.select(sa.func.max(r.c.revision)).where(
                r.c.company_id == document.company_id, r.c.document_id == document.id
            )
        ).scalar_one()
        revision = (latest or 0) + 1
        self.session.execute(
            sa.insert(r),
            [
                {
                    "company_id": document.company_id,
                    "document_id": document.id,
                    "revision": revision,
                    "content": revision_content(document),
                    "replaced_by": replaced_by,
                    "replaced_at": replaced_at,
                }
            ],
        )
        return revision

    def revisions(self, company_id: int, document_id: int) -> list[dict[str, Any]]:
        """The contents a document had before each replacement, oldest first."""
        r = t.sales_document_revisions
        rows = self.session.execute(
            sa.select(r.c.content)
            .where(r.c.company_id == company_id, r.c.document_id == document_id)
            .order_by(r.c.revision)
        )
        return [json.loads(row.content) for row in rows]

    # --- reading ---------------------------------------------------------------------------

    def find(
        self, company_id: int, document_id: int, *, for_update: bool = False
    ) -> SalesDocument | None:
        """The document, unless it does not exist or was withdrawn (deleted)."""
        d = t.sales_documents
        query = sa.select(d).where(
            d.c.company_id == company_id,
            d.c.id == document_id,
            d.c.status != DocumentStatus.DELETED,
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        if row is None:
            return None
        return self._assemble([row])[0]

    def get(
        self, company_id: int, document_id: int, document_class: DocumentClass | None = None
    ) -> SalesDocument:
        found = self.find(company_id, document_id)
        if found is None or (document_class is not None and found.document_class != document_class):
            raise NotFound(_entity(document_class), document_id)
        return found

    def find_by_number(
        self, company_id: int, document_class: DocumentClass, document_type_code: int, number: int
    ) -> SalesDocument | None:
        d, types = t.sales_documents, t.document_types
        query = (
            sa.select(d)
            .join(
                types,
                sa.and_(types.c.company_id == d.c.company_id, types.c.id == d.c.document_type_id),
            )
            .where(
                d.c.company_id == company_id,
                d.c.document_class == document_class,
                types.c.code == document_type_code,
                d.c.number == number,
                d.c.status != DocumentStatus.DELETED,
            )
        )
        rows = self.session.execute(query).all()
        return self._assemble(rows)[0] if rows else None

    def id_for_guid(
        self, company_id: int, guid: uuid.UUID, document_class: DocumentClass | None = None
    ) -> int | None:
        """The numeric id of the document the current API names by GUID (None: no such one,
        or not of ``document_class``)."""
        d = t.sales_documents
        query = sa.select(d.c.id).where(
            d.c.company_id == company_id, d.c.guid == guid, d.c.status != DocumentStatus.DELETED
        )
        if document_class is not None:
            query = query.where(d.c.document_class == document_class)
        found: int | None = self.session.execute(query).scalar_one_or_none()
        return found

    def find_by_idempotency_key(
        self, company_id: int, document_class: DocumentClass, key: str
    ) -> SalesDocument | None:
        d = t.sales_documents
        query = sa.select(d).where(
            d.c.company_id == company_id,
            d.c.document_class == document_class,
            d.c.idempotency_key == key,
        )
        rows = self.session.execute(query).all()
        return self._assemble(rows)[0] if rows else None

    def page(
        self,
        company_id: int,
        *,
        offset: int,
        limit: int,
        where: DocumentFilter,
        with_lines: bool = True,
    ) -> list[SalesDocument]:
        d = t.sales_documents
        # The page's ids first (an index-only walk, cheap even deep into a large company), then
        # only those rows: OFFSET never reads the rows it skips.
        page_ids = (
            self._matching(sa.select(d.c.id), company_id, where)
            .order_by(d.c.id)
            .offset(offset)
            .limit(limit)
        )
        query = (
            sa.select(d)
            .where(d.c.company_id == company_id, d.c.id.in_(page_ids.scalar_subquery()))
            .order_by(d.c.id)
        )
        rows = self.session.execute(query).all()
        return self._assemble(rows, with_lines=with_lines)

    def count(self, company_id: int, where: DocumentFilter) -> int:
        d = t.sales_documents
        query = self._matching(sa.select(sa.func.count()).select_from(d), company_id, where)
        return int(self.session.execute(query).scalar_one())

    def transmission_counts(
        self, company_id: int, where: DocumentFilter
    ) -> dict[TransmissionState, int]:
        """How many of the documents ``where`` selects are in each DIAN transmission state
        (documents never put in the outbox are not counted)."""
        d, tr = t.sales_documents, t.dian_transmissions
        joined = d.join(tr, sa.and_(tr.c.company_id == d.c.company_id, tr.c.document_id == d.c.id))
        query = self._matching(
            sa.select(tr.c.state, sa.func.count()).select_from(joined), company_id, where
        ).group_by(tr.c.state)
        return {
            TransmissionState(state): int(count) for state, count in self.session.execute(query)
        }

    def _matching(
        self, query: sa.Select[Any], company_id: int, where: DocumentFilter
    ) -> sa.Select[Any]:
        d = t.sales_documents
        query = query.where(d.c.company_id == company_id, d.c.status != DocumentStatus.DELETED)
        if where.document_ids is not None:
            query = query.where(among(self.session, d.c.id, where.document_ids))
        if where.document_class is not None:
            query = query.where(d.c.document_class == where.document_class)
        if where.date_from is not None:
            query = query.where(d.c.date >= where.date_from)
        if where.date_to is not None:
            query = query.where(d.c.date <= where.date_to)
        if where.customer_id is not None:
            query = query.where(d.c.customer_id == where.customer_id)
        if where.document_type_id is not None:
            query = query.where(d.c.document_type_id == where.document_type_id)
        if where.document_type_code is not None:
            types = t.document_types
            query = query.where(
                d.c.document_type_id.in_(
                    sa.select(types.c.id).where(
                        types.c.company_id == company_id,
                        types.c.code == where.document_type_code,
                    )
                )
            )
        if where.number is not None:
            query = query.where(d.c.number == where.number)
        if where.created_from is not None:
            query = query.where(d.c.created_at >= where.created_from)
        if where.created_to is not None:
            query = query.where(d.c.created_at <= where.created_to)
        if where.updated_from is not None:
            query = query.where(d.c.updated_at >= where.updated_from)
        if where.updated_to is not None:
            query = query.where(d.c.updated_at <= where.updated_to)
        if where.customer_ids is not None:
            query = query.where(among(self.session, d.c.customer_id, where.customer_ids))
        if where.sold_by is not None:
            query = query.where(
                sa.or_(d.c.seller_id == where.sold_by, d.c.created_by == where.sold_by)
            )
        if where.transmission_states is not None:
            query = query.where(_in_transmission_states(company_id, where.transmission_states))
        return query

    def related(self, company_id: int, document_id: int) -> list[SalesDocument]:
        """The notes that correct a document."""
        d = t.sales_documents
        query = sa.select(d).where(
            d.c.company_id == company_id, d.c.related_document_id == document_id
        )
        return self._assemble(self.session.execute(query.order_by(d.c.id)).all())

    def installment_for(
        self, company_id: int, due_prefix: str, consecutive: int, quote: int
    ) -> tuple[SalesDocument, Installment] | None:
        """The installment a receipt names by DuePrefix (FV-1), DueConsecutive and DueQuote."""
        document_class, _, code = due_prefix.strip().upper().partition("-")
        if document_class not in DocumentClass.__members__.values() or not code.isdigit():
            return None
        document = self.find_by_number(
            company_id, DocumentClass(document_class), int(code), consecutive
        )
        if document is None:
            return None
        installment = next((i for i in document.installments if i.due_quote == quote), None)
        return (document, installment) if installment else None

    def lock_installments(
        self, company_id: int, installment_ids: Iterable[int]
    ) -> dict[int, Decimal]:
        """Locks installment rows (in id order) and returns their current balances."""
        ids = sorted(set(installment_ids))
        if not ids:
            return {}
        i = t.installments
        query = (
            sa.select(i.c.id, i.c.balance)
            .where(i.c.company_id == company_id, among(self.session, i.c.id, ids))
            .order_by(i.c.id)
            .with_for_update()
        )
        return {row.id: row.balance for row in self.session.execute(query)}

    def open_installments(self, company_id: int) -> list[tuple[Installment, int]]:
        """Every installment with a balance, with the customer who owes it."""
        i, d = t.installments, t.sales_documents
        query = (
            sa.select(i, d.c.customer_id)
            .join(d, sa.and_(d.c.company_id == i.c.company_id, d.c.id == i.c.document_id))
            .where(
                i.c.company_id == company_id, i.c.balance > 0, d.c.status == DocumentStatus.ISSUED
            )
            .order_by(i.c.due_date, i.c.id)
        )
        return [(_installment(row), row.customer_id) for row in self.session.execute(query)]

    def installments_open_on(
        self, company_id: int, day: date, cutoff: datetime
    ) -> list[tuple[Installment, int]]:
        """Installments as they stood at ``cutoff`` (the end of ``day``): those of documents
        dated up to that day, with their balance less only what was applied before then."""
        i, d, a = t.installments, t.sales_documents, t.installment_applications
        applied = (
            sa.select(a.c.installment_id, sa.func.sum(a.c.amount).label("applied"))
            .where(a.c.company_id == company_id, a.c.created_at < cutoff)
            .group_by(a.c.installment_id)
            .subquery()
        )
        open_then = i.c.amount - sa.func.coalesce(applied.c.applied, 0)
        query = (
            sa.select(i, d.c.customer_id, open_then.label("open_then"))
            .join(d, sa.and_(d.c.company_id == i.c.company_id, d.c.id == i.c.document_id))
            .outerjoin(applied, applied.c.installment_id == i.c.id)
            .where(i.c.company_id == company_id, d.c.date <= day, open_then > 0)
            .order_by(i.c.due_date, i.c.id)
        )
        found = []
        for row in self.session.execute(query):
            installment = _installment(row)
            installment.balance = row.open_then
            found.append((installment, row.customer_id))
        return found

    def sales_by_period(self, company_id: int, date_from: date, date_to: date) -> list[sa.Row[Any]]:
        d = t.sales_documents
        query = (
            sa.select(
                d.c.date,
                d.c.document_class,
                sa.func.count().label("documents"),
                *(
                    sa.func.sum(d.c[name]).label(name)
                    for name in ("gross", "discount", "base", "vat", "consumption", "withholding")
                ),
                sa.func.sum(d.c.reteiva_value).label("reteiva"),
                sa.func.sum(d.c.reteica_value).label("reteica"),
                sa.func.sum(d.c.total).label("total"),
            )
            .where(
                d.c.company_id == company_id,
                d.c.status == DocumentStatus.ISSUED,
                d.c.date >= date_from,
                d.c.date <= date_to,
            )
            .group_by(d.c.date, d.c.document_class)
            .order_by(d.c.date)
        )
        return list(self.session.execute(query))

    def _assemble(
        self, rows: Sequence[sa.Row[Any]], *, with_lines: bool = True
    ) -> list[SalesDocument]:
        if not rows:
            return []
        company_id = rows[0].company_id
        ids = [row.id for row in rows]
        lines: dict[int, list[SalesLine]] = {document_id: [] for document_id in ids}
        if with_lines:
            l_ = t.sales_document_lines
            line_rows = self.session.execute(
                sa.select(l_)
                .where(l_.c.company_id == company_id, among(self.session, l_.c.document_id, ids))
                .order_by(l_.c.document_id, l_.c.line_number)
            )
            for line_row in line_rows:
                lines[line_row.document_id].append(_line(line_row))
        installments: dict[int, list[Installment]] = {document_id: [] for document_id in ids}
        i = t.installments
        for installment_row in self.session.execute(
            sa.select(i)
            .where(i.c.company_id == company_id, among(self.session, i.c.document_id, ids))
            .order_by(i.c.document_id, i.c.position)
        ):
            installments[installment_row.document_id].append(_installment(installment_row))
        types = {
            row[0]: row[1]
            for row in self.session.execute(
                sa.select(t.document_types.c.id, t.document_types.c.code).where(
                    t.document_types.c.company_id == company_id,
                    among(
                        self.session, t.document_types.c.id, {row.document_type_id for row in rows}
                    ),
                )
            )
        }
        return [
            _document(row, types[row.document_type_id], lines[row.id], installments[row.id])
            for row in rows
        ]


class CustomerCreditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def available(
        self, company_id: int, party_id: int, *, for_update: bool = False
    ) -> list[CustomerCredit]:
        c = t.customer_credits
        query = (
            sa.select(c)
            .where(c.c.company_id == company_id, c.c.party_id == party_id, c.c.remaining > 0)
            .order_by(c.c.id)
        )
        if for_update:
            query = query.with_for_update()
        return [_credit(row) for row in self.session.execute(query)]

    def add(self, credit: CustomerCredit) -> CustomerCredit:
        credit.id = allocate_ids(self.session.connection(), "customer_credits")[0]
        credit.created_at = utc_now()
        self.session.execute(
            sa.insert(t.customer_credits),
            [
                {
                    "company_id": credit.company_id,
                    "id": credit.id,
                    "party_id": credit.party_id,
                    "source": credit.source,
                    "source_id": credit.source_id,
                    "amount": credit.amount,
                    "remaining": credit.remaining,
                    "created_at": credit.created_at,
                }
            ],
        )
        return credit

    def save_remaining(self, credits: Iterable[CustomerCredit]) -> None:
        c = t.customer_credits
        rows = [
            {
                "credit_company_id": credit.company_id,
                "credit_id": credit.id,
                "remaining": credit.remaining,
            }
            for credit in credits
        ]
        if rows:
            self.session.execute(
                sa.update(c)
                .where(
                    c.c.company_id == sa.bindparam("credit_company_id"),
                    c.c.id == sa.bindparam("credit_id"),
                )
                .values(remaining=sa.bindparam("remaining", type_=c.c.remaining.type)),
                rows,
            )

    def by_source(
        self, company_id: int, source: CreditSource, source_id: int
    ) -> list[CustomerCredit]:
        c = t.customer_credits
        query = sa.select(c.c.id).where(
            c.c.company_id == company_id, c.c.source == source, c.c.source_id == source_id
        )
        return self.by_ids(company_id, list(self.session.execute(query).scalars()))

    def by_ids(self, company_id: int, ids: list[int]) -> list[CustomerCredit]:
        if not ids:
            return []
        c = t.customer_credits
        rows = self.session.execute(
            sa.select(c).where(c.c.company_id == company_id, among(self.session, c.c.id, ids))
        )
        return [_credit(row) for row in rows]

    def applications_to(
        self, company_id: int, installment_ids: Iterable[int]
    ) -> list[tuple[int, int, Decimal]]:
        """(credit id, installment id, amount) of credits applied to these installments."""
        ids = list(installment_ids)
        if not ids:
            return []
        a = t.installment_applications
        query = sa.select(a.c.source_id, a.c.installment_id, a.c.amount).where(
            a.c.company_id == company_id,
            among(self.session, a.c.installment_id, ids),
            a.c.source == ApplicationSource.CUSTOMER_CREDIT,
        )
        return [
            (row.source_id, row.installment_id, row.amount) for row in self.session.execute(query)
        ]


class ReceiptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, receipt: Receipt) -> Receipt:
        receipt.id = allocate_ids(self.session.connection(), "receipts")[0]
        receipt.created_at = utc_now()
        self.session.execute(
            sa.insert(t.receipts),
            [
                {
                    "company_id": receipt.company_id,
                    "id": receipt.id,
                    "guid": receipt.guid,
                    "document_type_id": receipt.document_type_id,
                    "numbering_range_id": receipt.numbering_range_id,
                    "prefix": receipt.prefix,
                    "number": receipt.number,
                    "date": receipt.date,
                    "customer_id": receipt.customer_id,
                    "voucher_type": receipt.voucher_type,
                    "payment_means_id": receipt.payment_means_id,
                    "total": receipt.total,
                    "observations": receipt.observations,
                    "cost_center_id": receipt.cost_center_id,
                    "currency_code": receipt.currency_code,
                    "exchange_rate": receipt.exchange_rate,
                    "status": receipt.status,
                    "created_by": receipt.created_by,
                    "created_at": receipt.created_at,
                    "idempotency_key": receipt.idempotency_key,
                }
            ],
        )
        if receipt.lines:
            self.session.execute(
                sa.insert(t.receipt_lines),
                [
                    {
                        "company_id": receipt.company_id,
                        "receipt_id": receipt.id,
                        "position": line.position,
                        "value": line.value,
                        "description": line.description,
                        "movement": int(line.movement),
                        "account_code": line.account_code,
                        "installment_id": line.installment_id,
                        "due_date": line.due_date,
                    }
                    for line in receipt.lines
                ],
            )
        return receipt

    def find(self, company_id: int, receipt_id: int) -> Receipt | None:
        r = t.receipts
        rows = self.session.execute(
            sa.select(r).where(r.c.company_id == company_id, r.c.id == receipt_id)
        ).all()
        return self._assemble(rows)[0] if rows else None

    def get(self, company_id: int, receipt_id: int) -> Receipt:
        found = self.find(company_id, receipt_id)
        if found is None:
            raise NotFound("voucher", receipt_id)
        return found

    def find_by_idempotency_key(self, company_id: int, key: str) -> Receipt | None:
        r = t.receipts
        rows = self.session.execute(
            sa.select(r).where(r.c.company_id == company_id, r.c.idempotency_key == key)
        ).all()
        return self._assemble(rows)[0] if rows else None

    def id_for_guid(self, company_id: int, guid: uuid.UUID) -> int | None:
        """The numeric id of the receipt the current API names by GUID (None: no such one)."""
        r = t.receipts
        query = sa.select(r.c.id).where(r.c.company_id == company_id, r.c.guid == guid)
        found: int | None = self.session.execute(query).scalar_one_or_none()
        return found

    def page(
        self, company_id: int, *, offset: int, limit: int, where: ReceiptFilter | None = None
    ) -> list[Receipt]:
        r = t.receipts
        rows = self.session.execute(
            self._matching(sa.select(r), company_id, where or ReceiptFilter())
            .order_by(r.c.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return self._assemble(rows)

    def count(self, company_id: int, where: ReceiptFilter | None = None) -> int:
        query = self._matching(
            sa.select(sa.func.count()).select_from(t.receipts), company_id, where or ReceiptFilter()
        )
        return int(self.session.execute(query).scalar_one())

    def _matching(
        self, query: sa.Select[Any], company_id: int, where: ReceiptFilter
    ) -> sa.Select[Any]:
        r = t.receipts
        query = query.where(r.c.company_id == company_id)
        if where.matches_none or where.updated_from is not None or where.updated_to is not None:
            return query.where(sa.false())
        if where.document_type_code is not None:
            types = t.document_types
            query = query.where(
                r.c.document_type_id.in_(
                    sa.select(types.c.id).where(
                        types.c.company_id == company_id,
                        types.c.code == where.document_type_code,
                    )
                )
            )
        if where.number is not None:
            query = query.where(r.c.number == where.number)
        if where.date_from is not None:
            query = query.where(r.c.date >= where.date_from)
        if where.date_to is not None:
            query = query.where(r.c.date <= where.date_to)
        if where.created_from is not None:
            query = query.where(r.c.created_at >= where.created_from)
        if where.created_to is not None:
            query = query.where(r.c.created_at <= where.created_to)
        if where.customer_ids is not None:
            query = query.where(among(self.session, r.c.customer_id, where.customer_ids))
        return query

    def paying(self, company_id: int, installment_ids: Iterable[int]) -> bool:
        """Whether any receipt pays one of these installments."""
        ids = list(installment_ids)
        if not ids:
            return False
        lines = t.receipt_lines
        query = sa.select(lines.c.receipt_id).where(
            lines.c.company_id == company_id, among(self.session, lines.c.installment_id, ids)
        )
        return self.session.execute(query.limit(1)).first() is not None

    def _assemble(self, rows: Sequence[sa.Row[Any]]) -> list[Receipt]:
        if not rows:
            return []
        company_id = rows[0].company_id
        ids = [row.id for row in rows]
        lines_table, installments, documents, types = (
            t.receipt_lines,
            t.installments,
            t.sales_documents,
            t.document_types,
        )
        line_query = (
            sa.select(
                lines_table,
                installments.c.document_id,
                installments.c.due_quote,
                documents.c.number.label("document_number"),
                documents.c.document_class,
                types.c.code.label("document_type_code"),
            )
            .outerjoin(
                installments,
                sa.and_(
                    installments.c.company_id == lines_table.c.company_id,
                    installments.c.id == lines_table.c.installment_id,
                ),
            )
            .outerjoin(
                documents,
                sa.and_(
                    documents.c.company_id == installments.c.company_id,
                    documents.c.id == installments.c.document_id,
                ),
            )
            .outerjoin(
                types,
                sa.and_(
                    types.c.company_id == documents.c.company_id,
                    types.c.id == documents.c.document_type_id,
                ),
            )
            .where(
                lines_table.c.company_id == company_id,
                among(self.session, lines_table.c.receipt_id, ids),
            )
            .order_by(lines_table.c.receipt_id, lines_table.c.position)
        )
        lines: dict[int, list[ReceiptLine]] = {receipt_id: [] for receipt_id in ids}
        for row in self.session.execute(line_query):
            lines[row.receipt_id].append(
                ReceiptLine(
                    position=row.position,
                    value=row.value,
                    description=row.description,
                    movement=Movement(row.movement),
                    account_code=row.account_code,
                    installment_id=row.installment_id,
                    document_id=row.document_id,
                    due_prefix=f"{row.document_class}-{row.document_type_code}"
                    if row.document_id
                    else None,
                    due_consecutive=row.document_number,
                    due_quote=row.due_quote,
                    due_date=row.due_date,
                )
            )
        codes = {
            row[0]: row[1]
            for row in self.session.execute(
                sa.select(types.c.id, types.c.code).where(
                    types.c.company_id == company_id,
                    among(self.session, types.c.id, {row.document_type_id for row in rows}),
                )
            )
        }
        return [
            Receipt(
                company_id=row.company_id,
                id=row.id,
                guid=row.guid,
                document_type_id=row.document_type_id,
                document_type_code=codes[row.document_type_id],
                numbering_range_id=row.numbering_range_id,
                prefix=row.prefix,
                number=row.number,
                date=row.date,
                customer_id=row.customer_id,
                voucher_type=VoucherType(row.voucher_type),
                payment_means_id=row.payment_means_id,
                total=row.total,
                observations=row.observations,
                cost_center_id=row.cost_center_id,
                currency_code=row.currency_code,
                exchange_rate=row.exchange_rate,
                lines=lines[row.id],
                status=DocumentStatus(row.status),
                created_by=row.created_by,
                created_at=row.created_at,
                idempotency_key=row.idempotency_key,
            )
            for row in rows
        ]


# --- rows <-> domain ------------------------------------------------------------------------


def _entity(document_class: DocumentClass | None) -> str:
    return {
        DocumentClass.SALES_INVOICE: "invoice",
        DocumentClass.CREDIT_NOTE: "credit note",
        DocumentClass.DEBIT_NOTE: "debit note",
    }.get(document_class or DocumentClass.SALES_INVOICE, "document")


def _document_row(d: SalesDocument) -> dict[str, Any]:
    a = d.amounts
    return {
        "company_id": d.company_id,
        "id": d.id,
        "guid": d.guid,
        "document_class": d.document_class,
        "document_type_id": d.document_type_id,
        "numbering_range_id": d.numbering_range_id,
        "prefix": d.prefix,
        "number": d.number,
        "date": d.date,
        "customer_id": d.customer_id,
        "contact_id": d.contact_id,
        "seller_id": d.seller_id,
        "cost_center_id": d.cost_center_id,
        "currency_code": d.currency_code,
        "exchange_rate": d.exchange_rate,
        "observations": d.observations,
        "gross": a.gross,
        "discount": a.discount,
        "base": a.base,
        "vat": a.vat,
        "consumption": a.consumption,
        "withholding": a.withholding,
        "reteiva_tax_id": d.reteiva.id if d.reteiva else None,
        "reteiva_name": d.reteiva.name if d.reteiva else None,
        "reteiva_percentage": d.reteiva.percentage if d.reteiva else None,
        "reteiva_value": a.reteiva,
        "reteica_tax_id": d.reteica.id if d.reteica else None,
        "reteica_name": d.reteica.name if d.reteica else None,
        "reteica_percentage": d.reteica.percentage if d.reteica else None,
        "reteica_value": a.reteica,
        "total": a.total,
        "related_document_id": d.related_document_id,
        "reason_code": d.reason_code,
        "status": d.status,
        "annulled_at": d.annulled_at,
        "annul_reason": d.annul_reason,
        "created_by": d.created_by,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "idempotency_key": d.idempotency_key,
        "order_references": _order_references_json(d.order_references),
    }


def revision_content(document: SalesDocument) -> str:
    """A document's content as JSON: its row's values, its lines and its installments."""
    content = {
        **_document_row(document),
        "document_type_code": document.document_type_code,
        "lines": [_line_row(document, line) for line in document.lines],
        "installments": [
            {
                "id": i.id,
                "position": i.position,
                "payment_means_id": i.payment_means_id,
                "amount": i.amount,
                "balance": i.balance,
                "due_date": i.due_date,
                "due_quote": i.due_quote,
            }
            for i in document.installments
        ],
    }
    return json.dumps(content, default=_json_value, sort_keys=True)


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)  # GUIDs and enumerations


def _order_references_json(references: Mapping[str, OrderReference]) -> str | None:
    if not references:
        return None
    return json.dumps(
        {
            kind: {
                "prefix": r.prefix,
                "number": r.number,
                "date": r.date.isoformat() if r.date else None,
            }
            for kind, r in references.items()
        },
        sort_keys=True,
    )


def _order_references(text: str | None) -> dict[str, OrderReference]:
    if not text:
        return {}
    return {
        kind: OrderReference(
            prefix=value.get("prefix"),
            number=value.get("number"),
            date=date.fromisoformat(value["date"]) if value.get("date") else None,
        )
        for kind, value in json.loads(text).items()
    }


def _line_row(d: SalesDocument, line: SalesLine) -> dict[str, Any]:
    row: dict[str, Any] = {
        "company_id": d.company_id,
        "document_id": d.id,
        "line_number": line.number,
        "product_id": line.product_id,
        "product_code": line.product_code,
        "description": line.description,
        "quantity": line.quantity,
        "unit_value": line.unit_value,
        "discount_percentage": line.discount_percentage,
        "gross": line.amounts.gross,
        "discount": line.amounts.discount,
        "base": line.amounts.base,
        "total": line.amounts.total,
        "warehouse_id": line.warehouse_id,
        "seller_id": line.seller_id,
    }
    for slot, rate, value in (
        ("tax_add", line.tax_add, line.amounts.tax_add),
        ("tax_add2", line.tax_add2, line.amounts.tax_add2),
        ("tax_discount", line.tax_discount, line.amounts.tax_discount),
    ):
        row[f"{slot}_id"] = rate.id if rate else None
        row[f"{slot}_name"] = rate.name if rate else None
        row[f"{slot}_type"] = rate.tax_type if rate else None
        row[f"{slot}_percentage"] = rate.percentage if rate else None
        row[f"{slot}_value"] = value
    return row


def _rate(row: sa.Row[Any], slot: str) -> TaxRate | None:
    tax_id = getattr(row, f"{slot}_id")
    if tax_id is None:
        return None
    return TaxRate(
        id=tax_id,
        name=getattr(row, f"{slot}_name"),
        tax_type=TaxType(getattr(row, f"{slot}_type")),
        percentage=getattr(row, f"{slot}_percentage"),
    )


def _line(row: sa.Row[Any]) -> SalesLine:
    return SalesLine(
        number=row.line_number,
        product_id=row.product_id,
        product_code=row.product_code,
        description=row.description,
        quantity=row.quantity,
        unit_value=row.unit_value,
        discount_percentage=row.discount_percentage,
        tax_add=_rate(row, "tax_add"),
        tax_add2=_rate(row, "tax_add2"),
        tax_discount=_rate(row, "tax_discount"),
        amounts=LineAmounts(
            gross=row.gross,
            discount=row.discount,
            base=row.base,
            tax_add=row.tax_add_value,
            tax_add2=row.tax_add2_value,
            tax_discount=row.tax_discount_value,
            total=row.total,
        ),
        warehouse_id=row.warehouse_id,
        seller_id=row.seller_id,
    )


def _credit(row: sa.Row[Any]) -> CustomerCredit:
    return CustomerCredit(
        company_id=row.company_id,
        id=row.id,
        party_id=row.party_id,
        source=CreditSource(row.source),
        source_id=row.source_id,
        amount=row.amount,
        remaining=row.remaining,
        created_at=row.created_at,
    )


def _installment(row: sa.Row[Any]) -> Installment:
    return Installment(
        company_id=row.company_id,
        id=row.id,
        document_id=row.document_id,
        position=row.position,
        payment_means_id=row.payment_means_id,
        amount=row.amount,
        balance=row.balance,
        due_date=row.due_date,
        due_quote=row.due_quote,
    )


def _document(
    row: sa.Row[Any], type_code: int, lines: list[SalesLine], installments: list[Installment]
) -> SalesDocument:
    def withholding(slot: str) -> TaxRate | None:
        tax_id = getattr(row, f"{slot}_tax_id")
        if tax_id is None:
            return None
        kind = TaxType.RETEIVA if slot == "reteiva" else TaxType.RETEICA
        return TaxRate(
            tax_id, getattr(row, f"{slot}_name"), kind, getattr(row, f"{slot}_percentage")
        )

    return SalesDocument(
        company_id=row.company_id,
        id=row.id,
        guid=row.guid,
        document_class=DocumentClass(row.document_class),
        document_type_id=row.document_type_id,
        document_type_code=type_code,
        numbering_range_id=row.numbering_range_id,
        prefix=row.prefix,
        number=row.number,
        date=row.date,
        customer_id=row.customer_id,
        contact_id=row.contact_id,
        seller_id=row.seller_id,
        cost_center_id=row.cost_center_id,
        currency_code=row.currency_code,
        exchange_rate=row.exchange_rate,
        observations=row.observations,
        lines=lines,
        installments=installments,
        amounts=DocumentAmounts(
            gross=row.gross,
            discount=row.discount,
            base=row.base,
            vat=row.vat,
            consumption=row.consumption,
            withholding=row.withholding,
            reteiva=row.reteiva_value,
            reteica=row.reteica_value,
            total=row.total,
        ),
        reteiva=withholding("reteiva"),
        reteica=withholding("reteica"),
        related_document_id=row.related_document_id,
        reason_code=row.reason_code,
        status=DocumentStatus(row.status),
        annulled_at=row.annulled_at,
        annul_reason=row.annul_reason,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        idempotency_key=row.idempotency_key,
        order_references=_order_references(row.order_references),
    )
