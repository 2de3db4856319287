"""``/v1/credit-notes``: credit notes in the current dialect (shared/reference/siigo-api.md §2.7,
§2.8 "Credit note", §2.10, §4 "Credit notes"), over the same use case as the legacy
``CreditNote/Save``: one numbering, one stock ledger, one receivable that the note lowers.

- ``POST`` issues one on an invoice of the company (``Idempotency-Key`` as on invoices). The
  invoice comes as a GUID string or as ``{id}``; ``reason`` as a number or a string (``"2"``).
  ``payments`` must add up to the note's total. A note keeps its invoice's customer, currency,
  cost center and retentions, so ``cost_center`` and ``retentions`` in the body change
  nothing. ``invoice_data`` (a note on an invoice issued outside Facturo) is refused: the
  service only corrects invoices it issued.
- ``GET`` reads one by GUID or lists them (filters ``name`` such as ``NC-1-3``,
  ``created_*``, ``date_*``, ``updated_*``).
- ``stamp{send: true}``, ``…/stamp``, ``…/stamp/errors``, ``…/xml`` and ``…/pdf`` as on
  invoices, with ``cude`` for ``cufe``; a note is sent only once its invoice was accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BeforeValidator

from facturo.api.current.base import (
    CurrentModel,
    IsoDate,
    date_filter,
)
from facturo.api.current.documents import (
    DOCUMENT_FIELD_NAMES,
    IDEMPOTENCY_KEY_PATTERN,
    CustomerOut,
    DocumentIn,
    DocumentOut,
    IdIn,
    ItemIn,
    ItemOut,
    MetadataOut,
    PaymentIn,
    SparseModel,
    TaxOut,
    document_id_of,
    items_of,
    payments_of,
    retentions_of,
)
from facturo.api.current.filters import DocumentListing, document_listing
from facturo.api.current.invoices import (
    CurrencyOut,
    MailOut,
    SendIn,
)
from facturo.api.current.pagination import Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.current.stamping import (
    StampIn,
    pdf_answer,
    stamp_answer,
    stamp_errors_answer,
    stamp_record,
    xml_answer,
)
from facturo.api.deps import Context, CurrentActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import ExactJSONResponse, JsonDecimal, respond
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.transmission import Transmission
from facturo.services import mail, sales, transmission
from facturo.services.sales import NoteRequest, SaleView
from facturo.store.documents import DocumentFilter

FIELD_NAMES = {
    **DOCUMENT_FIELD_NAMES,
    "related_document_id": "invoice",
    "reason_code": "reason",
}

router = current_router("/credit-notes", "Current API: credit notes", FIELD_NAMES)

NOT_MAILED = "Credit notes are mailed with their DIAN validation, which is not available yet"
INVOICE_DATA_REFUSED = (
    "The field {field} cannot be used: Facturo issues credit notes only on invoices it "
    "issued; name the invoice by its id in invoice"
)


# --- requests ----------------------------------------------------------------------------------


def _invoice_id(value: Any) -> Any:
    """``invoice`` as a GUID string or, as some clients send it, ``{"id": "<GUID>"}``."""
    if isinstance(value, Mapping):
        value = next((v for k, v in value.items() if str(k).lower() == "id"), None)
    if value is None:
        return None
    return str(value).strip() or None


class InvoiceDataIn(CurrentModel):
    """An invoice issued outside Facturo; read only to refuse it clearly."""

    date: str | None = None
    prefix: str | None = None
    number: str | None = None
    cufe: str | None = None

    @property
    def given(self) -> bool:
        return any((self.date, self.prefix, self.number, self.cufe))


class CreditNoteIn(CurrentModel):
    document: DocumentIn | None = None
    number: int | None = None
    date: str | None = None
    invoice: Annotated[str | None, BeforeValidator(_invoice_id)] = None
    invoice_data: InvoiceDataIn | None = None
    reason: str | None = None  # numbers arrive as text: 2 and "2" alike
    cost_center: int | None = None
    retentions: list[IdIn] | None = None
    observations: str | None = None
    items: list[ItemIn] | None = None
    payments: list[PaymentIn] | None = None
    stamp: SendIn | None = None
    mail: SendIn | None = None

    @property
    def wants_mail(self) -> bool:
        return bool(self.mail and self.mail.send)

    def to_request(self, idempotency_key: str | None = None) -> NoteRequest:
        if self.invoice_data is not None and self.invoice_data.given:
            # Alone, so the client is not also told that invoice is missing.
            raise RuleViolations(
                [Violation("parameter_not_allowed", "invoice_data", INVOICE_DATA_REFUSED)]
            )
        found: list[Violation] = []
        note_date = None
        try:
            note_date = date_filter(self.date, "date")
        except RuleViolations as refused:
            found.extend(refused.violations)
        return NoteRequest(
            document_type_id=self.document.id if self.document else None,
            document_date=note_date,
            related_document_id=None,
            related_guid=self.invoice,
            reason_code=(self.reason or "").strip() or None,
            items=items_of(self.items),
            number=self.number,
            observations=self.observations,
            payments=payments_of(self.payments),
            face_violations=tuple(found),
            idempotency_key=idempotency_key,
            stamp=bool(self.stamp and self.stamp.send),
        )


# --- answers -----------------------------------------------------------------------------------


class InvoiceRefOut(CurrentModel):
    id: str
    name: str


class CreditNoteOut(SparseModel):
    id: str
    document: DocumentOut
    prefix: str
    number: int
    name: str
    date: IsoDate
    invoice: InvoiceRefOut | None = None
    customer: CustomerOut
    cost_center: int | None = None
    currency: CurrencyOut
    seller: int
    reason: int
    retentions: list[TaxOut]
    total: JsonDecimal
    observations: str | None
    items: list[ItemOut]
    stamp: dict[str, Any] | None = None  # only once it was sent to the DIAN (with cude)
    mail: MailOut | None = None  # only when mail.send was asked for
    metadata: MetadataOut

    @classmethod
    def from_view(
        cls, view: SaleView, *, mailed: MailOut | None = None, sent: Transmission | None = None
    ) -> CreditNoteOut:
        d = view.document
        fields: dict[str, Any] = {
            "id": str(d.guid),
            "document": DocumentOut.model_construct(id=d.document_type_id),
            "prefix": d.prefix,
            "number": d.number,
            "name": d.name,
            "date": d.date,
            "customer": CustomerOut.from_domain(view.customer),
            "currency": CurrencyOut.model_construct(
                code=d.currency_code, exchange_rate=d.exchange_rate or Decimal(1)
            ),
            "seller": d.seller_id,
            "reason": int(d.reason_code or 0),
            "retentions": retentions_of(d),
            "total": d.amounts.total,
            "observations": d.observations,
            "items": [ItemOut.from_domain(line, view) for line in d.lines],
            "metadata": MetadataOut.from_domain(d),
        }
        if view.related is not None:  # always: a note cannot outlive its invoice
            fields["invoice"] = InvoiceRefOut.model_construct(
                id=str(view.related.guid), name=view.related.name
            )
        if d.cost_center_id is not None:
            fields["cost_center"] = d.cost_center_id
        if mailed is not None:
            fields["mail"] = mailed
        if sent is not None:
            fields["stamp"] = stamp_record(sent, "cude")
        return cls.model_construct(**fields)


# --- routes ------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    summary="Create a credit note on an invoice (Idempotency-Key honoured)",
    response_model=CreditNoteOut,
)
async def create(
    request: Request, ctx: Context, actor: CurrentActor, body: CreditNoteIn
) -> Response:
    def issue(key: str | None) -> CreditNoteOut:
        view = sales.issue_note_view(ctx, actor, body.to_request(key), DocumentClass.CREDIT_NOTE)
        # The note stands either way; the answer says it was not mailed, and why.
        mailed = (
            MailOut.model_construct(status=mail.NOT_SENT, observations=NOT_MAILED)
            if body.wants_mail
            else None
        )
        assert view.document.id is not None
        sent = transmission.status(ctx, actor, view.document.id)
        return CreditNoteOut.from_view(view, mailed=mailed, sent=sent)

    return await run_once(
        request,
        ctx,
        actor,
        route="current:credit-notes",
        produce=issue,
        status_code=201,
        key_pattern=IDEMPOTENCY_KEY_PATTERN,
    )


@router.get("/{note_id}", summary="Read a credit note", response_model=CreditNoteOut)
def get_by_id(ctx: Context, actor: CurrentActor, note_id: str) -> Response:
    document_id = document_id_of(ctx, actor, note_id, DocumentClass.CREDIT_NOTE, "credit note")
    view = sales.get_view(ctx, actor, document_id, DocumentClass.CREDIT_NOTE)
    return respond(CreditNoteOut.from_view(view, sent=transmission.status(ctx, actor, document_id)))


@router.get("", summary="List credit notes, a page at a time")
def get_all(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    listing: Annotated[DocumentListing, Depends(document_listing(DocumentClass.CREDIT_NOTE))],
) -> Response:
    if listing.names_none:
        return page_response(request, paging, [], 0)
    where = DocumentFilter(
        document_class=DocumentClass.CREDIT_NOTE,
        document_type_code=listing.type_code,
        number=listing.number,
        **listing.periods(),
    )
    found = sales.page_views(ctx, actor, paging.request, where, with_lines=True)
    return page_response(
        request, paging, [CreditNoteOut.from_view(v) for v in found.views], found.total or 0
    )


@router.post("/{note_id}/stamp", summary="Send a credit note to the DIAN (body optional)")
def stamp(ctx: Context, actor: CurrentActor, note_id: str, body: StampIn | None = None) -> Response:
    document_id = document_id_of(ctx, actor, note_id, DocumentClass.CREDIT_NOTE, "credit note")
    answer = stamp_answer(ctx, actor, note_id, document_id, body)
    answer["stamp"]["cude"] = answer["stamp"].pop("cufe")
    return ExactJSONResponse(answer)


@router.get("/{note_id}/stamp/errors", summary="The DIAN's errors for a credit note")
def stamp_errors(ctx: Context, actor: CurrentActor, note_id: str) -> Response:
    document_id = document_id_of(ctx, actor, note_id, DocumentClass.CREDIT_NOTE, "credit note")
    return ExactJSONResponse(stamp_errors_answer(ctx, actor, note_id, document_id))


@router.get("/{note_id}/xml", summary="The credit note's signed XML")
def xml(ctx: Context, actor: CurrentActor, note_id: str) -> Response:
    document_id = document_id_of(ctx, actor, note_id, DocumentClass.CREDIT_NOTE, "credit note")
    return ExactJSONResponse(xml_answer(ctx, actor, note_id, document_id, "cude"))


@router.get("/{note_id}/pdf", summary="The credit note's graphic representation (PDF)")
def pdf(ctx: Context, actor: CurrentActor, note_id: str) -> Response:
    document_id = document_id_of(ctx, actor, note_id, DocumentClass.CREDIT_NOTE, "credit note")
    return ExactJSONResponse(pdf_answer(ctx, actor, note_id, document_id, "cude"))


__all__ = ["CreditNoteIn", "CreditNoteOut", "router"]
