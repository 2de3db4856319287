"""``/v1/vouchers``: recibos de caja in the current dialect (shared/reference/siigo-api.md §2.7,
§2.8 "Voucher", §4 "Vouchers"), over the same use case as the legacy ``Voucher/Save``.

A voucher is a ``DebtPayment`` (its items pay installments named ``due{prefix: "FV-1",
consecutive, quote}``), an ``AdvancePayment`` (no items: the customer's credit grows by
``payment.value``) or a ``Detailed`` one (debit and credit lines on PUC accounts that must
balance, and no ``payment``).

Lists filter by ``name`` (``RC-1-5``), ``created_*`` and ``date_*``. Receipts never change once
recorded — their ``metadata.last_updated`` is null — so ``updated_*`` filters match none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field

from facturo.api.current.base import (
    CurrentModel,
    IsoDate,
    guid_or_none,
    timestamp,
)
from facturo.api.current.documents import (
    IDEMPOTENCY_KEY_PATTERN,
    CustomerIn,
    CustomerOut,
    DocumentIn,
    DocumentOut,
    MetadataOut,
)
from facturo.api.current.filters import DocumentListing, document_listing
from facturo.api.current.pagination import Links, Pagination, Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import JsonDecimal, respond
from facturo.domain.errors import Violation
from facturo.domain.receipts import Movement, ReceiptItemRequest, VoucherType
from facturo.services import receipts
from facturo.services.receipts import ReceiptRequest, ReceiptView
from facturo.store.documents import ReceiptFilter

FIELD_NAMES = {
    "document_type_id": "document.id",
    "identification": "customer.identification",
    "voucher_type": "type",
    "payment_means_id": "payment.id",
    "total": "payment.value",
    "cost_center_code": "cost_center",
    "cost_center_id": "cost_center",
    "currency_code": "currency.code",
    "exchange_rate": "currency.exchange_rate",
    "items.*.movement": "items[*].account.movement",
    "items.*.account_code": "items[*].account.code",
    "items.*.due_prefix": "items[*].due.prefix",
    "items.*.due_consecutive": "items[*].due.consecutive",
    "items.*.due_quote": "items[*].due.quote",
    "items.*.due_date": "items[*].due.date",
}

router = current_router("/vouchers", "Current API: vouchers", FIELD_NAMES)

TYPE_NAMES = {
    VoucherType.DEBT_PAYMENT: "DebtPayment",
    VoucherType.ADVANCE: "AdvancePayment",
    VoucherType.DETAILED: "Detailed",
}
MOVEMENT_NAMES = {Movement.DEBIT: "Debit", Movement.CREDIT: "Credit"}
_TYPES = {name.lower(): kind for kind, name in TYPE_NAMES.items()}
_MOVEMENTS = {name.lower(): kind for kind, name in MOVEMENT_NAMES.items()}


# --- request ---------------------------------------------------------------------------------


class CurrencyIn(CurrentModel):
    code: str | None = None
    exchange_rate: Decimal | None = None


class DueIn(CurrentModel):
    """The installment a line pays: its document's ``prefix`` (``FV-1``), ``consecutive``
    (the document's number) and ``quote`` (the installment's)."""

    prefix: str | None = None
    consecutive: int | None = None
    quote: int | None = None
    date: IsoDate = None


class AccountIn(CurrentModel):
    code: str | None = None
    movement: str | None = None  # Debit | Credit


class VoucherItemIn(CurrentModel):
    account: AccountIn | None = None
    due: DueIn | None = None
    description: str | None = None
    value: Decimal | None = None

    def to_request(self, index: int, refused: list[Violation]) -> ReceiptItemRequest:
        account, due = self.account or AccountIn(), self.due or DueIn()
        movement = None
        if account.movement is not None and account.movement.strip():
            movement = _MOVEMENTS.get(account.movement.strip().lower())
            if movement is None:
                refused.append(
                    Violation(
                        "invalid_type",
                        f"items.{index}.movement",
                        "The field {field} must be Debit or Credit",
                    )
                )
        return ReceiptItemRequest(
            value=self.value,
            description=self.description,
            movement=int(movement) if movement is not None else None,
            account_code=(account.code or "").strip() or None,
            due_prefix=(due.prefix or "").strip() or None,
            due_consecutive=due.consecutive,
            due_quote=due.quote,
            due_date=due.date,
        )


class PaymentIn(CurrentModel):
    id: int | None = None
    value: Decimal | None = None


class VoucherIn(CurrentModel):
    document: DocumentIn | None = None
    number: int | None = None
    date: IsoDate = None
    type: str | None = None
    customer: CustomerIn | None = None
    cost_center: int | None = None
    currency: CurrencyIn | None = None
    items: list[VoucherItemIn] | None = None
    payment: PaymentIn | None = None  # singular, unlike an invoice's payments[]
    observations: str | None = None

    def to_request(self, idempotency_key: str | None) -> ReceiptRequest:
        refused: list[Violation] = []
        voucher_type = None
        if self.type is not None and self.type.strip():
            voucher_type = _TYPES.get(self.type.strip().lower())
            if voucher_type is None:
                refused.append(
                    Violation(
                        "invalid_type",
                        "voucher_type",
                        "The field {field} must be DebtPayment, AdvancePayment or Detailed",
                    )
                )
        # A voucher names an existing customer and never creates one: of an inline customer
        # only who it names counts, so what the reference found about the rest is left out.
        customer = (self.customer or CustomerIn()).to_reference([])
        payment, currency = self.payment or PaymentIn(), self.currency or CurrencyIn()
        items = (
            [item.to_request(index, refused) for index, item in enumerate(self.items)]
            if self.items is not None
            else None
        )
        return ReceiptRequest(
            document_type_id=self.document.id if self.document else None,
            document_date=self.date,
            identification=customer.identification,
            branch_office=customer.branch_office,
            voucher_type=int(voucher_type) if voucher_type is not None else None,
            payment_means_id=payment.id,
            items=items,
            total=payment.value,
            number=self.number,
            observations=self.observations,
            currency_code=(currency.code or "").strip() or None,
            exchange_rate=currency.exchange_rate,
            idempotency_key=idempotency_key,
            customer_guid=customer.party_guid,
            cost_center_id=self.cost_center,
            face_violations=refused,
        )


# --- response --------------------------------------------------------------------------------


class CurrencyOut(BaseModel):
    code: str
    exchange_rate: JsonDecimal | None


class DueOut(BaseModel):
    prefix: str | None
    consecutive: int | None
    quote: int | None
    date: IsoDate


class AccountOut(BaseModel):
    code: str | None
    movement: str


class VoucherItemOut(BaseModel):
    account: AccountOut
    due: DueOut | None
    description: str | None
    value: JsonDecimal


class PaymentOut(BaseModel):
    id: int
    name: str | None
    value: JsonDecimal


class VoucherOut(BaseModel):
    id: str
    document: DocumentOut
    number: int
    name: str
    date: IsoDate
    type: str
    customer: CustomerOut
    cost_center: int | None
    currency: CurrencyOut
    items: list[VoucherItemOut]
    payment: PaymentOut | None
    total: JsonDecimal
    observations: str | None
    metadata: MetadataOut

    @classmethod
    def from_domain(cls, view: ReceiptView) -> VoucherOut:
        r = view.receipt
        return cls.model_construct(
            id=str(r.guid),
            document=DocumentOut.model_construct(id=r.document_type_id),
            number=r.number,
            name=r.name,
            date=r.date,
            type=TYPE_NAMES[r.voucher_type],
            customer=CustomerOut.from_domain(view.customer),
            cost_center=r.cost_center_id,
            currency=CurrencyOut.model_construct(
                code=r.currency_code, exchange_rate=r.exchange_rate
            ),
            items=[
                VoucherItemOut.model_construct(
                    account=AccountOut.model_construct(
                        code=line.account_code, movement=MOVEMENT_NAMES[line.movement]
                    ),
                    due=DueOut.model_construct(
                        prefix=line.due_prefix,
                        consecutive=line.due_consecutive,
                        quote=line.due_quote,
                        date=line.due_date,
                    )
                    if line.installment_id is not None
                    else None,
                    description=line.description,
                    value=line.value,
                )
                for line in r.lines
            ],
            payment=PaymentOut.model_construct(
                id=r.payment_means_id, name=view.payment_means_name, value=r.total
            )
            if r.payment_means_id is not None
            else None,
            total=r.total,
            observations=r.observations,
            # Receipts never change once recorded.
            metadata=MetadataOut.model_construct(
                created=timestamp(r.created_at), last_updated=None
            ),
        )


class VoucherPage(BaseModel):
    """A page of vouchers (documents the envelope; the route writes it itself)."""

    pagination: Pagination
    results: list[VoucherOut]
    links: Links = Field(alias="_links")


# --- routes ----------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    summary="Record a voucher (recibo de caja); Idempotency-Key honoured",
    response_model=VoucherOut,
)
async def create(request: Request, ctx: Context, actor: CurrentActor, body: VoucherIn) -> Response:
    def record_it(key: str | None) -> VoucherOut:
        return VoucherOut.from_domain(receipts.record_receipt(ctx, actor, body.to_request(key)))

    return await run_once(
        request,
        ctx,
        actor,
        route="current:POST /v1/vouchers",
        produce=record_it,
        status_code=201,
        key_pattern=IDEMPOTENCY_KEY_PATTERN,
    )


@router.get("/{voucher_id}", summary="Read a voucher by its GUID", response_model=VoucherOut)
def get_one(ctx: Context, actor: CurrentActor, voucher_id: str) -> Response:
    return respond(
        VoucherOut.from_domain(receipts.get_by_guid(ctx, actor, guid_or_none(voucher_id)))
    )


@router.get("", summary="List vouchers, a page at a time", response_model=VoucherPage)
def get_all(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    listing: Annotated[DocumentListing, Depends(document_listing("RC"))],
) -> Response:
    # Receipts never change once recorded: an updated_* period matches none of them.
    where = ReceiptFilter(
        document_type_code=listing.type_code,
        number=listing.number,
        matches_none=listing.names_none,
        **listing.periods(),
    )
    views, total = receipts.get_page(ctx, actor, paging.request, where)
    return page_response(request, paging, [VoucherOut.from_domain(v) for v in views], total)
