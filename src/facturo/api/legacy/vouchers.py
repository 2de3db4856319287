"""Cash receipts (recibos de caja): Voucher/Save, GetByID, GetAll."""

from __future__ import annotations

from fastapi import Request, Response

from facturo.api.deps import Context, LegacyActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel, Yyyymmdd
from facturo.api.legacy.common import NumberPage, page_request
from facturo.api.legacy.routing import legacy_router
from facturo.domain.receipts import ReceiptItemRequest
from facturo.domain.sales import DocumentStatus
from facturo.services import receipts
from facturo.services.receipts import ReceiptRequest, ReceiptView

FIELD_NAMES = {
    "document_type_id": "Header.DocCode",
    "date": "Header.DocDate",
    "number": "Header.Number",
    "identification": "Header.Identification",
    "voucher_type": "Header.VoucherType",
    "payment_means_id": "Header.PaymentMeanCode",
    "total": "Header.TotalValue",
    "observations": "Header.Observations",
    "cost_center_code": "Header.CostCenterCode",
    "currency_code": "Header.MoneyCode",
    "exchange_rate": "Header.ExchangeValue",
    "items": "Items",
    "items.*.movement": "Items[*].DC",
    "items.*.account_code": "Items[*].ACAccountCode",
    "items.*.description": "Items[*].LongDescription",
}

router = legacy_router("/Voucher", "Legacy: cash receipts", FIELD_NAMES)


class VoucherHeader(LegacyModel):
    Id: int | None = None
    DocCode: int | None = None
    Number: int | None = None
    DocName: str | None = None  # answer: RC-1-25
    DocDate: Yyyymmdd = None
    MoneyCode: str | None = None
    ExchangeValue: JsonDecimal | None = None
    TotalValue: JsonDecimal | None = None
    Observations: str | None = None
    Identification: str | None = None
    BranchOffice: int | None = 0
    CostCenterCode: str | None = None
    SubCostCenterCode: str | None = None
    VoucherType: int | None = None  # 0 abono a deuda, 1 anticipo, 2 avanzado
    PaymentMeanCode: int | None = None  # sic, singular as the guide spells it
    Status: str | None = None  # answer only


class VoucherItem(LegacyModel):
    Value: JsonDecimal | None = None
    LongDescription: str | None = None
    DC: int | None = None  # 1 debit, -1 credit
    ACAccountCode: str | None = None
    DuePrefix: str | None = None  # the invoice's class and type code: FV-1
    DueConsecutive: int | None = None
    DueQuote: int | None = None
    DueDate: Yyyymmdd = None
    Order: int | None = None

    def to_request(self) -> ReceiptItemRequest:
        return ReceiptItemRequest(
            value=self.Value,
            description=self.LongDescription,
            movement=self.DC,
            account_code=(self.ACAccountCode or "").strip() or None,
            due_prefix=(self.DuePrefix or "").strip() or None,
            due_consecutive=self.DueConsecutive or None,
            due_quote=self.DueQuote or None,
            due_date=self.DueDate,
            order=self.Order,
        )


class VoucherRecord(LegacyModel):
    Header: VoucherHeader
    Items: list[VoucherItem] | None = None

    def to_request(self, idempotency_key: str | None) -> ReceiptRequest:
        h = self.Header
        return ReceiptRequest(
            document_type_id=h.DocCode,
            document_date=h.DocDate,
            identification=(h.Identification or "").strip() or None,
            branch_office=h.BranchOffice or 0,
            voucher_type=h.VoucherType,
            payment_means_id=h.PaymentMeanCode or None,
            items=[item.to_request() for item in self.Items] if self.Items is not None else None,
            total=h.TotalValue,
            number=h.Number or None,
            observations=h.Observations,
            cost_center_code=(h.CostCenterCode or "").strip() or None,
            currency_code=(h.MoneyCode or "").strip() or None,
            exchange_rate=h.ExchangeValue or None,
            idempotency_key=idempotency_key,
        )

    @classmethod
    def from_domain(cls, view: ReceiptView) -> VoucherRecord:
        r = view.receipt
        return cls.model_construct(
            Header=VoucherHeader.model_construct(
                Id=r.id,
                DocCode=r.document_type_id,
                Number=r.number,
                DocName=r.name,
                DocDate=r.date,
                MoneyCode=r.currency_code,
                ExchangeValue=r.exchange_rate,
                TotalValue=r.total,
                Observations=r.observations,
                Identification=view.customer.identification,
                BranchOffice=view.customer.branch_office,
                VoucherType=int(r.voucher_type),
                PaymentMeanCode=r.payment_means_id,
                Status="Annulled" if r.status == DocumentStatus.ANNULLED else "Issued",
            ),
            Items=[
                VoucherItem.model_construct(
                    Value=line.value,
                    LongDescription=line.description,
                    DC=int(line.movement),
                    ACAccountCode=line.account_code,
                    DuePrefix=line.due_prefix,
                    DueConsecutive=line.due_consecutive,
                    DueQuote=line.due_quote,
                    DueDate=line.due_date,
                    Order=line.position,
                )
                for line in r.lines
            ]
            or None,
        )


@router.post(
    "/Save",
    summary="Record a cash receipt (Idempotency-Key honoured)",
    response_model=VoucherRecord,
)
async def save(
    request: Request, ctx: Context, actor: LegacyActor, record: VoucherRecord
) -> Response:
    def record_it(key: str | None) -> VoucherRecord:
        return VoucherRecord.from_domain(
            receipts.record_receipt(ctx, actor, record.to_request(key))
        )

    return await run_once(request, ctx, actor, route="legacy:Voucher/Save", produce=record_it)


@router.get("/GetByID/{voucher_id}", summary="Read a cash receipt")
def get_by_id(ctx: Context, actor: LegacyActor, voucher_id: int) -> VoucherRecord:
    return VoucherRecord.from_domain(receipts.get(ctx, actor, voucher_id))


@router.get("/GetAll", summary="List cash receipts, a page at a time")
def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[VoucherRecord]:
    return [
        VoucherRecord.from_domain(v)
        for v in receipts.get_all(ctx, actor, page_request(ctx, number_page))
    ]
