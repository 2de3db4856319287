"""Credit and debit notes in the guide's style: CreditNote/Save, GetByID, GetAll (and the
DIAN routes, api/legacy/stamping.py) and the same for DebitNote. A note names its invoice by InvoiceId, or by InvoicePrefix (FV-1) and
InvoiceNumber; its Items are the invoice's shape."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request, Response

from facturo.api.deps import Context, LegacyActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel, Yyyymmdd
from facturo.api.legacy.common import NumberPage, page_request
from facturo.api.legacy.invoices import ITEM_FIELDS, InvoiceItem
from facturo.api.legacy.routing import legacy_router
from facturo.api.legacy.stamping import add_dian_routes
from facturo.domain.catalogs import DocumentClass
from facturo.domain.sales import DocumentStatus
from facturo.services import sales
from facturo.services.sales import NoteRequest, SaleView
from facturo.store.documents import DocumentFilter

FIELD_NAMES = {
    **ITEM_FIELDS,
    "document_type_id": "Header.DocCode",
    "date": "Header.DocDate",
    "number": "Header.Number",
    "related_document_id": "Header.InvoiceId",
    "reason_code": "Header.ReasonCode",
    "seller_identification": "Header.SalesmanIdentification",
    "observations": "Header.Observations",
    "due_date": "Header.DueDate",
    "gross": "Header.TotalBase",
    "discount_value": "Header.DiscountValue",
    "vat": "Header.VATTotalValue",
    "consumption": "Header.ConsumptionTaxTotalValue",
    "withholding": "Header.TaxDiscTotalValue",
    "reteiva.value": "Header.RetVATTotalValue",
    "reteica.value": "Header.RetICATotalValue",
    "total": "Header.TotalValue",
}


class NoteHeader(LegacyModel):
    Id: int | None = None
    DocCode: int | None = None
    Number: int | None = None
    Prefix: str | None = None  # answer only
    Name: str | None = None  # answer only: NC-1-7
    DocDate: Yyyymmdd = None
    InvoiceId: int | None = None
    InvoicePrefix: str | None = None  # FV-1
    InvoiceNumber: int | None = None
    InvoiceName: str | None = None  # answer only: FV-1-990000123
    ReasonCode: str | None = None  # DIAN concept: NC 1-5, ND 1-4
    SalesmanIdentification: str | None = None
    Observations: str | None = None
    DueDate: Yyyymmdd = None  # debit notes: when the added amount is due
    TotalBase: JsonDecimal | None = None
    DiscountValue: JsonDecimal | None = None
    VATTotalValue: JsonDecimal | None = None
    ConsumptionTaxTotalValue: JsonDecimal | None = None
    TaxDiscTotalValue: JsonDecimal | None = None
    RetVATTotalValue: JsonDecimal | None = None
    RetICATotalValue: JsonDecimal | None = None
    TotalValue: JsonDecimal | None = None
    Identification: str | None = None  # answer only: the customer
    BranchOffice: int | None = None  # answer only
    Status: str | None = None  # answer only


class NoteRecord(LegacyModel):
    Header: NoteHeader
    Items: list[InvoiceItem] | None = None

    def to_request(self, idempotency_key: str | None) -> NoteRequest:
        h = self.Header
        items = self.Items or []
        declared: dict[str, Decimal | None] = {
            "gross": h.TotalBase,
            "discount_value": h.DiscountValue,
            "vat": h.VATTotalValue,
            "consumption": h.ConsumptionTaxTotalValue,
            "withholding": h.TaxDiscTotalValue,
            "reteiva.value": h.RetVATTotalValue,
            "reteica.value": h.RetICATotalValue,
            "total": h.TotalValue,
        }
        for index, item in enumerate(items):
            declared.update(item.declared(index))
        return NoteRequest(
            document_type_id=h.DocCode,
            document_date=h.DocDate,
            related_document_id=h.InvoiceId or None,
            related_prefix=(h.InvoicePrefix or "").strip() or None,
            related_number=h.InvoiceNumber or None,
            reason_code=(h.ReasonCode or "").strip() or None,
            items=[item.to_request() for item in items],
            number=h.Number or None,
            seller_identification=(h.SalesmanIdentification or "").strip() or None,
            observations=h.Observations,
            due_date=h.DueDate,
            declared=declared,
            idempotency_key=idempotency_key,
        )

    @classmethod
    def from_domain(cls, view: SaleView) -> NoteRecord:
        d, a = view.document, view.document.amounts
        invoice = view.related
        return cls.model_construct(
            Header=NoteHeader.model_construct(
                Id=d.id,
                DocCode=d.document_type_id,
                Number=d.number,
                Prefix=d.prefix,
                Name=d.name,
                DocDate=d.date,
                InvoiceId=d.related_document_id,
                InvoicePrefix=invoice.due_prefix if invoice else None,
                InvoiceNumber=invoice.number if invoice else None,
                InvoiceName=invoice.name if invoice else None,
                ReasonCode=d.reason_code,
                SalesmanIdentification=view.seller_identification,
                Observations=d.observations,
                DueDate=d.installments[0].due_date if d.installments else None,
                TotalBase=a.gross,
                DiscountValue=a.discount,
                VATTotalValue=a.vat,
                ConsumptionTaxTotalValue=a.consumption,
                TaxDiscTotalValue=a.withholding,
                RetVATTotalValue=a.reteiva,
                RetICATotalValue=a.reteica,
                TotalValue=a.total,
                Identification=view.customer.identification,
                BranchOffice=view.customer.branch_office,
                Status="Annulled" if d.status == DocumentStatus.ANNULLED else "Issued",
            ),
            Items=[InvoiceItem.from_domain(line, view) for line in d.lines],
        )


def _routes(prefix: str, document_class: DocumentClass, noun: str) -> APIRouter:
    router = legacy_router(prefix, f"Legacy: {noun}s", FIELD_NAMES)
    route_name = f"legacy:{prefix.strip('/')}/Save"

    @router.post(
        "/Save",
        summary=f"Issue a {noun} on an invoice (Idempotency-Key honoured)",
        response_model=NoteRecord,
    )
    async def save(
        request: Request, ctx: Context, actor: LegacyActor, record: NoteRecord
    ) -> Response:
        def issue(key: str | None) -> NoteRecord:
            return NoteRecord.from_domain(
                sales.issue_note_view(ctx, actor, record.to_request(key), document_class)
            )

        return await run_once(request, ctx, actor, route=route_name, produce=issue)

    @router.get("/GetByID/{note_id}", summary=f"Read a {noun}")
    def get_by_id(ctx: Context, actor: LegacyActor, note_id: int) -> NoteRecord:
        return NoteRecord.from_domain(sales.get_view(ctx, actor, note_id, document_class))

    @router.get("/GetAll", summary=f"List {noun}s, a page at a time")
    def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[NoteRecord]:
        views = sales.get_all_views(
            ctx,
            actor,
            page_request(ctx, number_page),
            DocumentFilter(document_class=document_class),
            with_lines=True,
        )
        return [NoteRecord.from_domain(v) for v in views]

    add_dian_routes(router, document_class)
    return router


credit_notes_router = _routes("/CreditNote", DocumentClass.CREDIT_NOTE, "credit note")
debit_notes_router = _routes("/DebitNote", DocumentClass.DEBIT_NOTE, "debit note")
