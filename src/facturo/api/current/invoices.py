"""``/v1/invoices``: sales invoices in the current dialect (shared/reference/siigo-api.md §2.7,
§2.8 "Invoice", §2.9, §2.10, §4 "Invoices"), over the same use cases as the legacy
``Invoice/Save``: one totals engine, one numbering, one stock and receivables ledger.

- ``POST`` issues (``Idempotency-Key``: letters and digits, 1–32); ``mail{send: true}`` mails
  it once committed and reports how that went in ``mail{status, observations}``.
- ``GET`` reads one by GUID or lists them (filters ``document_id``, ``customer_identification``
  / ``identification``, ``customer_branch_office`` / ``branch_office``, ``name`` such as
  ``FV-1-990000001``, ``created_*``, ``date_*``, ``updated_*``).
- ``PUT`` replaces one, ``DELETE`` withdraws it, ``POST …/annul`` annuls it — while the DIAN
  has not got it and no note or receipt depends on it. The document type, customer,
  currency and a number given by hand cannot change.
- ``POST …/mail`` sends it by e-mail (``mail_to`` or ``email``, ``copy_to``).
- ``stamp{send: true}`` on create, ``POST …/stamp``, ``POST /v1/invoices/stamp`` (envío
  masivo), ``…/stamp/errors``, ``…/xml`` and ``…/pdf``: the DIAN (api/current/stamping.py,
  services/transmission.py). Without e-invoicing set up they answer ``document_settings``.

Answers leave out what was not asked for: ``stamp`` only once the invoice was sent (never in
lists), ``mail`` only when ``mail.send`` was requested.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from facturo.api.current.base import (
    CurrentModel,
    IsoDate,
    date_filter,
)
from facturo.api.current.documents import (
    DOCUMENT_FIELD_NAMES,
    IDEMPOTENCY_KEY_PATTERN,
    AdditionalFieldsIn,
    CustomerIn,
    CustomerOut,
    DocumentIn,
    DocumentOut,
    IdIn,
    ItemIn,
    ItemOut,
    MetadataOut,
    OrderOut,
    PaymentIn,
    PaymentOut,
    SparseModel,
    TaxOut,
    additional_fields_out,
    advance_of,
    document_id_of,
    items_of,
    payments_of,
    payments_out,
    retentions_of,
)
from facturo.api.current.filters import DocumentListing, document_listing, whole_number_filter
from facturo.api.current.pagination import Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.current.stamping import (
    StampIn,
    StampManyIn,
    StampOut,
    pdf_answer,
    stamp_answer,
    stamp_errors_answer,
    stamp_many_answer,
    xml_answer,
)
from facturo.api.deps import Context, CurrentActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import ExactJSONResponse, JsonDecimal, respond
from facturo.domain import annexes
from facturo.domain.access import Actor
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import FacturoError, RuleViolations, Violation
from facturo.domain.sales import DocumentStatus
from facturo.domain.transmission import Transmission
from facturo.services import mail, sales, transmission
from facturo.services.context import ServiceContext
from facturo.services.mail import MailOutcome
from facturo.services.sales import SaleRequest, SaleView
from facturo.store.documents import DocumentFilter
from facturo.store.unit_of_work import UnitOfWork

FIELD_NAMES = {
    **DOCUMENT_FIELD_NAMES,
    "reteiva.id": "retentions",
    "reteica.id": "retentions",
}

router = current_router("/invoices", "Current API: invoices", FIELD_NAMES)

ANNUL_REASON = "Anulada vía API"


# --- requests ----------------------------------------------------------------------------------


class CurrencyIn(CurrentModel):
    code: str | None = None
    exchange_rate: Decimal | None = None


class SendIn(CurrentModel):
    send: bool | None = None


class InvoiceIn(CurrentModel):
    document: DocumentIn | None = None
    date: str | None = None
    number: int | None = None
    customer: CustomerIn | None = None
    seller: int | None = None
    cost_center: int | None = None
    currency: CurrencyIn | None = None
    retentions: list[IdIn] | None = None
    advance_payment: Decimal | None = None
    observations: str | None = None
    items: list[ItemIn] | None = None
    payments: list[PaymentIn] | None = None
    stamp: SendIn | None = None
    mail: SendIn | None = None
    additional_fields: AdditionalFieldsIn | None = None

    @property
    def wants_mail(self) -> bool:
        return bool(self.mail and self.mail.send)

    def to_request(self, idempotency_key: str | None = None) -> SaleRequest:
        found: list[Violation] = []
        customer = (self.customer or CustomerIn()).to_reference(found)
        currency = self.currency or CurrencyIn()
        code = (currency.code or "").strip().upper() or None
        if code == annexes.LOCAL_CURRENCY:
            found.append(
                Violation(
                    "invalid_currency",
                    "currency_code",
                    f"The field {{field}} is for foreign currencies; an invoice in "
                    f"{annexes.LOCAL_CURRENCY} leaves currency out",
                )
            )
        document_date = None
        try:
            document_date = date_filter(self.date, "date")
        except RuleViolations as refused:
            found.extend(refused.violations)
        return SaleRequest(
            document_type_id=self.document.id if self.document else None,
            document_date=document_date,
            customer=customer,
            seller_identification=None,
            seller_id=self.seller,
            items=items_of(self.items),
            payments=payments_of(self.payments),
            number=self.number,
            cost_center_id=self.cost_center,
            currency_code=code,
            exchange_rate=currency.exchange_rate,
            observations=self.observations,
            retention_ids=tuple(r.id for r in self.retentions or []),
            advance_payment=self.advance_payment or None,
            one_credit_payment=True,
            order_references=self.additional_fields.to_domain() if self.additional_fields else {},
            face_violations=tuple(found),
            idempotency_key=idempotency_key,
            stamp=bool(self.stamp and self.stamp.send),
        )


class AnnulIn(CurrentModel):
    reason: str | None = None


class MailIn(CurrentModel):
    mail_to: str | None = None
    email: str | None = None  # what some clients send instead of mail_to
    copy_to: str | None = None


# --- answers -----------------------------------------------------------------------------------


class CurrencyOut(CurrentModel):
    code: str
    exchange_rate: JsonDecimal


class MailOut(CurrentModel):
    status: str
    observations: str


class InvoiceOut(SparseModel):
    id: str
    document: DocumentOut
    prefix: str
    number: int
    name: str
    date: IsoDate
    customer: CustomerOut
    cost_center: int | None = None
    currency: CurrencyOut
    seller: int
    retentions: list[TaxOut]
    advance_payment: JsonDecimal
    total: JsonDecimal
    balance: JsonDecimal
    observations: str | None
    items: list[ItemOut]
    payments: list[PaymentOut]
    additional_fields: dict[str, OrderOut]
    stamp: StampOut | None = None  # only once it was sent to the DIAN
    mail: MailOut | None = None  # only when mail.send was asked for
    metadata: MetadataOut
    annulled: bool

    @classmethod
    def from_view(
        cls,
        view: SaleView,
        *,
        mailed: MailOutcome | None = None,
        sent: Transmission | None = None,
    ) -> InvoiceOut:
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
            "retentions": retentions_of(d),
            "advance_payment": advance_of(view),
            "total": d.amounts.total,
            "balance": d.balance,
            "observations": d.observations,
            "items": [ItemOut.from_domain(line, view) for line in d.lines],
            "payments": payments_out(view),
            "additional_fields": additional_fields_out(d),
            "metadata": MetadataOut.from_domain(d),
            "annulled": d.status == DocumentStatus.ANNULLED,
        }
        if d.cost_center_id is not None:
            fields["cost_center"] = d.cost_center_id
        if mailed is not None:
            fields["mail"] = MailOut.model_construct(
                status=mailed.status, observations=mailed.observations
            )
        if sent is not None:
            fields["stamp"] = StampOut.from_domain(sent)
        return cls.model_construct(**fields)


class Deleted(CurrentModel):
    id: str
    deleted: bool = True


class Annulled(CurrentModel):
    """``annulled`` matches the invoice's own field; ``Annul`` is the key Siigo's blueprint
    shows, kept for clients written against it."""

    id: str
    annulled: bool = True
    Annul: bool = True


def invoice_record(uow: UnitOfWork, company_id: int, document_id: int) -> dict[str, Any]:
    """An invoice as this dialect shows it, read inside an open unit of work (for webhook
    payloads, rendered in the transaction that changed the invoice)."""
    document = uow.sales_documents.get(company_id, document_id, DocumentClass.SALES_INVOICE)
    view = sales.describe(uow, company_id, [document])[0]
    return InvoiceOut.from_view(view).model_dump(mode="json")


# --- routes ------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    summary="Create an invoice (Idempotency-Key honoured)",
    response_model=InvoiceOut,
)
async def create(request: Request, ctx: Context, actor: CurrentActor, body: InvoiceIn) -> Response:
    def issue(key: str | None) -> InvoiceOut:
        view = sales.issue_invoice_view(ctx, actor, body.to_request(key))
        mailed = _mail_after_issue(ctx, actor, view) if body.wants_mail else None
        assert view.document.id is not None
        sent = transmission.status(ctx, actor, view.document.id)
        return InvoiceOut.from_view(view, mailed=mailed, sent=sent)

    return await run_once(
        request,
        ctx,
        actor,
        route="current:invoices",
        produce=issue,
        status_code=201,
        key_pattern=IDEMPOTENCY_KEY_PATTERN,
    )


def _mail_after_issue(ctx: ServiceContext, actor: Actor, view: SaleView) -> MailOutcome:
    """Mails a committed invoice to its customer; a failure is reported, never undoes it."""
    assert view.document.id is not None
    try:
        return mail.send_invoice(ctx, actor, view.document.id)
    except FacturoError as failure:
        return MailOutcome(mail.NOT_SENT, _message(failure))


def _message(failure: FacturoError) -> str:
    if isinstance(failure, RuleViolations):
        return "; ".join(v.render(v.field or "mail") for v in failure.violations)
    return str(failure)


@router.get("/{invoice_id}", summary="Read an invoice", response_model=InvoiceOut)
def get_by_id(ctx: Context, actor: CurrentActor, invoice_id: str) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    view = sales.get_view(ctx, actor, document_id, DocumentClass.SALES_INVOICE)
    return respond(InvoiceOut.from_view(view, sent=transmission.status(ctx, actor, document_id)))


@router.get("", summary="List invoices, a page at a time")
def get_all(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    listing: Annotated[DocumentListing, Depends(document_listing(DocumentClass.SALES_INVOICE))],
    document_id: Annotated[str | None, Query(description="Document type id")] = None,
    customer_identification: str | None = None,
    customer_branch_office: str | None = None,
    identification: Annotated[
        str | None, Query(description="Same as customer_identification")
    ] = None,
    branch_office: Annotated[
        str | None, Query(description="Same as customer_branch_office")
    ] = None,
) -> Response:
    where = DocumentFilter(
        document_class=DocumentClass.SALES_INVOICE,
        document_type_id=whole_number_filter(document_id, "document_id"),
        document_type_code=listing.type_code,
        number=listing.number,
        **listing.periods(),
    )
    nothing = listing.names_none
    who = (customer_identification or identification or "").strip()
    if who and not nothing:
        office = whole_number_filter(
            customer_branch_office or branch_office, "customer_branch_office"
        )
        customer_id = sales.customer_id_for(ctx, actor, who, office)
        nothing = customer_id is None
        where = replace(where, customer_id=customer_id)
    if nothing:
        return page_response(request, paging, [], 0)
    found = sales.page_views(ctx, actor, paging.request, where, with_lines=True)
    return page_response(
        request, paging, [InvoiceOut.from_view(v) for v in found.views], found.total or 0
    )


@router.put("/{invoice_id}", summary="Replace an invoice not yet sent to the DIAN")
def replace_invoice(
    ctx: Context, actor: CurrentActor, invoice_id: str, body: InvoiceIn
) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    view = sales.replace_invoice_view(ctx, actor, document_id, body.to_request())
    return respond(InvoiceOut.from_view(view))


@router.delete("/{invoice_id}", summary="Delete an invoice not yet sent to the DIAN")
def delete(ctx: Context, actor: CurrentActor, invoice_id: str) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    invoice = sales.delete_invoice(ctx, actor, document_id)
    return respond(Deleted.model_construct(id=str(invoice.guid), deleted=True))


@router.post("/{invoice_id}/annul", summary="Annul an invoice (body optional: {reason})")
def annul(
    ctx: Context, actor: CurrentActor, invoice_id: str, body: AnnulIn | None = None
) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    reason = (body.reason if body else None) or ANNUL_REASON
    invoice = sales.annul_invoice(ctx, actor, document_id, reason)
    return respond(Annulled.model_construct(id=str(invoice.guid), annulled=True, Annul=True))


@router.post(
    "/{invoice_id}/mail",
    status_code=201,
    summary="Send an invoice by e-mail",
    response_model=MailOut,
)
def send_mail(ctx: Context, actor: CurrentActor, invoice_id: str, body: MailIn) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    outcome = mail.send_invoice(
        ctx,
        actor,
        document_id,
        mail_to=body.mail_to or body.email,
        copy_to=body.copy_to,
    )
    answer = MailOut.model_construct(status=outcome.status, observations=outcome.observations)
    return ExactJSONResponse(answer.model_dump(mode="json"), status_code=201)


# --- the DIAN ------------------------------------------------------------------------------------


@router.post(
    "/stamp",
    summary="Envío masivo: send a selection of invoices, or those dated in a range, to the DIAN",
)
def stamp_many(ctx: Context, actor: CurrentActor, body: StampManyIn) -> Response:
    return ExactJSONResponse(
        stamp_many_answer(ctx, actor, body, DocumentClass.SALES_INVOICE, "invoice")
    )


@router.post("/{invoice_id}/stamp", summary="Send an invoice to the DIAN (body optional)")
def stamp(
    ctx: Context, actor: CurrentActor, invoice_id: str, body: StampIn | None = None
) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    return ExactJSONResponse(stamp_answer(ctx, actor, invoice_id, document_id, body))


@router.get("/{invoice_id}/stamp/errors", summary="The DIAN's errors for an invoice")
def stamp_errors(ctx: Context, actor: CurrentActor, invoice_id: str) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    return ExactJSONResponse(stamp_errors_answer(ctx, actor, invoice_id, document_id))


@router.get("/{invoice_id}/xml", summary="The invoice's signed XML, as the DIAN received it")
def xml(ctx: Context, actor: CurrentActor, invoice_id: str) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    return ExactJSONResponse(xml_answer(ctx, actor, invoice_id, document_id, "cufe"))


@router.get("/{invoice_id}/pdf", summary="The invoice's graphic representation (PDF)")
def pdf(ctx: Context, actor: CurrentActor, invoice_id: str) -> Response:
    document_id = document_id_of(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE, "invoice")
    return ExactJSONResponse(pdf_answer(ctx, actor, invoice_id, document_id, "cufe"))


__all__ = ["InvoiceIn", "InvoiceOut", "invoice_record", "router"]
