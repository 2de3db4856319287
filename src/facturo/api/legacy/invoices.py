"""Sales invoices: Invoice/Save, GetByID, GetAll, Annul — the guide's Header, Items, Payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from facturo.api.deps import Context, LegacyActor
from facturo.api.idempotent import run_once
from facturo.api.jsonio import JsonDecimal, respond
from facturo.api.legacy import accounts, contacts
from facturo.api.legacy.base import LegacyModel, Yyyymmdd, none_if_not_positive
from facturo.api.legacy.common import (
    CityRecord,
    NumberPage,
    PhoneRecord,
    page_request,
    phone_of,
    place_of,
)
from facturo.api.legacy.contacts import ContactRecord
from facturo.api.legacy.routing import legacy_router
from facturo.api.legacy.stamping import add_dian_routes
from facturo.domain.catalogs import DocumentClass
from facturo.domain.parties import ContactData, PartyData
from facturo.domain.sales import DocumentStatus, ItemRequest, PaymentRequest, SalesLine, TaxRate
from facturo.services import sales
from facturo.services.sales import CustomerReference, SaleRequest, SaleView
from facturo.store.documents import DocumentFilter

HEADER_FIELDS = {
    "document_type_id": "Header.DocCode",
    "date": "Header.DocDate",
    "number": "Header.Number",
    "seller_identification": "Header.SalesmanIdentification",
    "cost_center_code": "Header.CostCenterCode",
    "currency_code": "Header.MoneyCode",
    "exchange_rate": "Header.ExchangeValue",
    "observations": "Header.Observations",
    "reteiva.id": "Header.RetVATTotalID",
    "reteiva.value": "Header.RetVATTotalValue",
    "reteiva.percentage": "Header.RetVATTotalPercentage",
    "reteica.id": "Header.RetICATotalID",
    "reteica.value": "Header.RetICATotalValue",
    "reteica.percentage": "Header.RetICATotaPercentage",
    "gross": "Header.TotalBase",
    "discount_value": "Header.DiscountValue",
    "vat": "Header.VATTotalValue",
    "consumption": "Header.ConsumptionTaxTotalValue",
    "withholding": "Header.TaxDiscTotalValue",
    "total": "Header.TotalValue",
    "advance_payment": "Header.AdvancePaymentValue",
}
ITEM_FIELDS = {
    "items": "Items",
    "items.*.product_code": "Items[*].ProductCode",
    "items.*.tax_add_id": "Items[*].TaxAddId",
    "items.*.tax_add2_id": "Items[*].TaxAdd2Id",
    "items.*.tax_discount_id": "Items[*].TaxDiscountId",
    "items.*.warehouse_code": "Items[*].WareHouseCode",
    "items.*.gross": "Items[*].GrossValue",
    "items.*.base": "Items[*].BaseValue",
    "items.*.tax_add.value": "Items[*].TaxAddValue",
    "items.*.tax_add.percentage": "Items[*].TaxAddPercentage",
    "items.*.tax_add2.value": "Items[*].TaxAdd2Value",
    "items.*.tax_add2.percentage": "Items[*].TaxAdd2Percentage",
    "items.*.tax_discount.value": "Items[*].TaxDiscountValue",
    "items.*.tax_discount.percentage": "Items[*].TaxDiscountPercentage",
    "items.*.total": "Items[*].TotalValue",
}
FIELD_NAMES = {
    **HEADER_FIELDS,
    **ITEM_FIELDS,
    "customer": "Header.Account",
    "customer.identification": "Header.Account.Identification",
    "customer.contact": "Header.Contact",
    **{
        f"customer.contact.{domain}": f"Header.Contact.{legacy}"
        for domain, legacy in contacts.FIELD_NAMES.items()
    },
    **{
        f"customer.{domain}": f"Header.Account.{legacy}"
        for domain, legacy in accounts.FIELD_NAMES.items()
    },
    "payments": "Payments",
    "payments.*.payment_means_id": "Payments[*].PaymentMeansCode",
}

router = legacy_router("/Invoice", "Legacy: sales invoices", FIELD_NAMES)


class InvoiceAccount(LegacyModel):
    """The customer: an existing tercero by Identification and BranchOffice, or a new one."""

    IsSocialReason: bool = False
    FullName: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    IdTypeCode: str | None = None
    Identification: str | None = None
    CheckDigit: int | None = None
    BranchOffice: int | None = 0
    IsVATCompanyType: bool = False
    City: CityRecord | None = None
    Address: str | None = None
    Phone: PhoneRecord | None = None
    EMail: str | None = None
    FiscalResponsibilities: list[str] = Field(default_factory=list)

    def to_party(self) -> PartyData:
        return PartyData(
            is_customer=True,
            is_company=self.IsSocialReason,
            full_name=self.FullName,
            first_name=self.FirstName,
            last_name=self.LastName,
            id_type_code=self.IdTypeCode,
            identification=self.Identification,
            check_digit=self.CheckDigit,
            branch_office=self.BranchOffice or 0,
            vat_responsible=self.IsVATCompanyType,
            place=place_of(self.City),
            address=self.Address,
            phone=phone_of(self.Phone),
            email=self.EMail,
            fiscal_responsibilities=list(self.FiscalResponsibilities),
        )


class InvoiceContact(LegacyModel):
    Code: int | None = None
    Phone1: PhoneRecord | None = None
    Mobile: PhoneRecord | None = None
    EMail: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    IsPrincipal: bool = True
    Gender: int | None = None
    BirthDate: Yyyymmdd = None

    def to_contact(self) -> ContactData:
        return ContactData(
            first_name=self.FirstName,
            last_name=self.LastName,
            email=(self.EMail or "").strip() or None,
            phone=phone_of(self.Phone1),
            mobile=phone_of(self.Mobile),
            is_principal=True,
            gender=self.Gender,
            birth_date=self.BirthDate,
        )


class InvoiceHeader(LegacyModel):
    Id: int | None = None
    DocCode: int | None = None
    Number: int | None = None
    Prefix: str | None = None  # answer only: the numbering range's prefix
    Name: str | None = None  # answer only: FV-1-990000001
    DocDate: Yyyymmdd = None
    MoneyCode: str | None = None
    ExchangeValue: JsonDecimal | None = None
    DiscountValue: JsonDecimal | None = None
    VATTotalValue: JsonDecimal | None = None
    ConsumptionTaxTotalValue: JsonDecimal | None = None
    TaxDiscTotalValue: JsonDecimal | None = None
    RetVATTotalID: int | None = None
    RetVATTotalPercentage: JsonDecimal | None = None
    RetVATTotalValue: JsonDecimal | None = None
    RetICATotalID: int | None = None
    RetICATotalValue: JsonDecimal | None = None
    RetICATotaPercentage: JsonDecimal | None = None  # sic, as the guide spells it
    AdvancePaymentValue: JsonDecimal | None = None
    TotalValue: JsonDecimal | None = None
    TotalBase: JsonDecimal | None = None
    SalesmanIdentification: str | None = None
    Observations: str | None = Field(default=None, max_length=1000)
    CostCenterCode: str | None = None
    SubCostCenterCode: str | None = None
    Account: InvoiceAccount | None = None
    Contact: InvoiceContact | None = None
    Status: str | None = None  # answer only: Issued or Annulled
    Balance: JsonDecimal | None = None  # answer only: what is still owed
    # Facturo: send it to the DIAN once saved ("Enviar electrónicamente"); Invoice/GetStamp
    # tells where it stands.
    SendToDian: bool | None = None


class InvoiceItem(LegacyModel):
    ProductCode: str | None = None
    Description: str | None = None
    GrossValue: JsonDecimal | None = None
    BaseValue: JsonDecimal | None = None
    Quantity: JsonDecimal | None = None
    UnitValue: JsonDecimal | None = None
    DiscountValue: JsonDecimal | None = None
    DiscountPercentage: JsonDecimal | None = None
    TaxAddName: str | None = None
    TaxAddId: int | None = None
    TaxAddValue: JsonDecimal | None = None
    TaxAddPercentage: JsonDecimal | None = None
    TaxDiscountName: str | None = None
    TaxDiscountId: int | None = None
    TaxDiscountValue: JsonDecimal | None = None
    TaxDiscountPercentage: JsonDecimal | None = None
    TotalValue: JsonDecimal | None = None
    TaxAdd2Name: str | None = None
    TaxAdd2Id: int | None = None
    TaxAdd2Value: JsonDecimal | None = None
    TaxAdd2Percentage: JsonDecimal | None = None
    WareHouseCode: str | None = None
    SalesmanIdentification: str | None = None

    def to_request(self) -> ItemRequest:
        return ItemRequest(
            product_code=(self.ProductCode or "").strip() or None,
            description=self.Description,
            quantity=self.Quantity,
            unit_value=self.UnitValue,
            discount_value=self.DiscountValue or None,
            discount_percentage=self.DiscountPercentage or None,
            tax_add_id=none_if_not_positive(self.TaxAddId),
            tax_add2_id=none_if_not_positive(self.TaxAdd2Id),
            tax_discount_id=none_if_not_positive(self.TaxDiscountId),
            warehouse_code=(self.WareHouseCode or "").strip() or None,
            seller_identification=(self.SalesmanIdentification or "").strip() or None,
        )

    def declared(self, index: int) -> dict[str, Decimal | None]:
        path = f"items.{index}"
        return {
            f"{path}.gross": self.GrossValue,
            f"{path}.base": self.BaseValue,
            f"{path}.tax_add.value": self.TaxAddValue,
            f"{path}.tax_add.percentage": _percentage(self.TaxAddPercentage),
            f"{path}.tax_add2.value": self.TaxAdd2Value,
            f"{path}.tax_add2.percentage": _percentage(self.TaxAdd2Percentage),
            f"{path}.tax_discount.value": self.TaxDiscountValue,
            f"{path}.tax_discount.percentage": _percentage(self.TaxDiscountPercentage),
            f"{path}.total": self.TotalValue,
        }

    @classmethod
    def from_domain(cls, line: SalesLine, view: SaleView) -> InvoiceItem:
        a = line.amounts
        return cls.model_construct(
            ProductCode=line.product_code,
            Description=line.description,
            GrossValue=a.gross,
            BaseValue=a.base,
            Quantity=line.quantity,
            UnitValue=line.unit_value,
            DiscountValue=a.discount,
            DiscountPercentage=line.discount_percentage or Decimal(0),
            **_tax_fields("TaxAdd", "Id", line.tax_add, a.tax_add),
            **_tax_fields("TaxDiscount", "Id", line.tax_discount, a.tax_discount),
            **_tax_fields("TaxAdd2", "Id", line.tax_add2, a.tax_add2),
            TotalValue=a.total,
            WareHouseCode=view.warehouse_codes.get(line.warehouse_id)
            if line.warehouse_id
            else None,
            SalesmanIdentification=view.user_identifications.get(line.seller_id)
            if line.seller_id
            else None,
        )


class InvoicePayment(LegacyModel):
    PaymentMeansCode: int | None = None
    Value: JsonDecimal | None = None
    DueDate: Yyyymmdd = None
    DueQuote: int | None = None
    Balance: JsonDecimal | None = None  # answer only: what is still owed on this installment

    def to_request(self) -> PaymentRequest:
        return PaymentRequest(
            payment_means_id=self.PaymentMeansCode,
            value=self.Value,
            due_date=self.DueDate,
            due_quote=self.DueQuote or None,
        )


class InvoiceRecord(LegacyModel):
    Header: InvoiceHeader
    Items: list[InvoiceItem] | None = None
    Payments: list[InvoicePayment] | None = None

    def to_request(self, idempotency_key: str | None) -> SaleRequest:
        header = self.Header
        account = header.Account
        customer = CustomerReference(
            identification=(account.Identification or "").strip() if account else None,
            branch_office=(account.BranchOffice or 0) if account else 0,
            new_party=account.to_party() if account else None,
            new_contact=header.Contact.to_contact() if header.Contact else None,
        )
        items = self.Items or []
        declared: dict[str, Decimal | None] = {
            "gross": header.TotalBase,
            "discount_value": header.DiscountValue,
            "vat": header.VATTotalValue,
            "consumption": header.ConsumptionTaxTotalValue,
            "withholding": header.TaxDiscTotalValue,
            "reteiva.value": header.RetVATTotalValue,
            "reteiva.percentage": _percentage(header.RetVATTotalPercentage),
            "reteica.value": header.RetICATotalValue,
            "reteica.percentage": _percentage(header.RetICATotaPercentage),
            "total": header.TotalValue,
        }
        for index, item in enumerate(items):
            declared.update(item.declared(index))
        return SaleRequest(
            document_type_id=header.DocCode,
            document_date=header.DocDate,
            customer=customer,
            seller_identification=(header.SalesmanIdentification or "").strip() or None,
            items=[item.to_request() for item in items],
            payments=[payment.to_request() for payment in self.Payments or []],
            number=header.Number or None,
            cost_center_code=(header.CostCenterCode or "").strip() or None,
            currency_code=(header.MoneyCode or "").strip() or None,
            exchange_rate=header.ExchangeValue or None,
            observations=header.Observations,
            reteiva_tax_id=none_if_not_positive(header.RetVATTotalID),
            reteica_tax_id=none_if_not_positive(header.RetICATotalID),
            advance_payment=header.AdvancePaymentValue or None,
            declared=declared,
            idempotency_key=idempotency_key,
            stamp=bool(header.SendToDian),
        )

    @classmethod
    def from_domain(cls, view: SaleView, *, with_items: bool = True) -> InvoiceRecord:
        d, a = view.document, view.document.amounts
        return cls.model_construct(
            Header=InvoiceHeader.model_construct(
                Id=d.id,
                DocCode=d.document_type_id,
                Number=d.number,
                Prefix=d.prefix,
                Name=d.name,
                DocDate=d.date,
                MoneyCode=d.currency_code,
                ExchangeValue=d.exchange_rate,
                DiscountValue=a.discount,
                VATTotalValue=a.vat,
                ConsumptionTaxTotalValue=a.consumption,
                TaxDiscTotalValue=a.withholding,
                RetVATTotalID=d.reteiva.id if d.reteiva else -1,
                RetVATTotalPercentage=d.reteiva.percentage if d.reteiva else Decimal(-1),
                RetVATTotalValue=a.reteiva,
                RetICATotalID=d.reteica.id if d.reteica else -1,
                RetICATotalValue=a.reteica,
                RetICATotaPercentage=d.reteica.percentage if d.reteica else Decimal(-1),
                AdvancePaymentValue=_advance(view),
                TotalValue=a.total,
                TotalBase=a.gross,
                SalesmanIdentification=view.seller_identification,
                Observations=d.observations,
                CostCenterCode=view.cost_center_code,
                Account=_account(view),
                Contact=_contact(view),
                Status="Annulled" if d.status == DocumentStatus.ANNULLED else "Issued",
                Balance=d.balance,
            ),
            Items=[InvoiceItem.from_domain(line, view) for line in d.lines] if with_items else None,
            Payments=[
                InvoicePayment.model_construct(
                    PaymentMeansCode=i.payment_means_id,
                    Value=i.amount,
                    DueDate=i.due_date if i.due_quote is not None else None,
                    DueQuote=i.due_quote,
                    Balance=i.balance,
                )
                for i in d.installments
                if not view.paid_with_credit(i)
            ],
        )


class AnnulRequest(LegacyModel):
    Reason: str | None = None


def _percentage(value: Decimal | None) -> Decimal | None:
    """-1 (the guide's "not used") declares nothing."""
    return None if value is None or value < 0 else value


def _tax_fields(slot: str, id_suffix: str, rate: TaxRate | None, value: Decimal) -> dict[str, Any]:
    return {
        f"{slot}Name": rate.name if rate else "",
        f"{slot}{id_suffix}": rate.id if rate else -1,
        f"{slot}Value": value,
        f"{slot}Percentage": rate.percentage if rate else Decimal(0),
    }


def _advance(view: SaleView) -> Decimal:
    return sum(
        (i.amount for i in view.document.installments if view.paid_with_credit(i)), Decimal(0)
    )


def _account(view: SaleView) -> InvoiceAccount:
    p = view.customer
    return InvoiceAccount.model_construct(
        IsSocialReason=p.is_company,
        FullName=p.full_name,
        FirstName=p.first_name,
        LastName=p.last_name,
        IdTypeCode=p.id_type_code,
        Identification=p.identification,
        CheckDigit=p.check_digit,
        BranchOffice=p.branch_office,
        IsVATCompanyType=p.vat_responsible,
        City=CityRecord.from_domain(p.place),
        Address=p.address,
        Phone=PhoneRecord.from_domain(p.phone),
        EMail=p.email,
        FiscalResponsibilities=list(p.fiscal_responsibilities),
    )


def _contact(view: SaleView) -> InvoiceContact | None:
    c = view.contact
    if c is None:
        return None
    record = ContactRecord.from_domain(c)
    return InvoiceContact.model_construct(
        Code=record.Code,
        Phone1=record.Phone1,
        Mobile=record.Mobile,
        EMail=record.EMail,
        FirstName=record.FirstName,
        LastName=record.LastName,
        IsPrincipal=record.IsPrincipal,
        Gender=record.Gender,
        BirthDate=record.BirthDate,
    )


@router.post(
    "/Save",
    summary="Issue a sales invoice (Idempotency-Key honoured)",
    response_model=InvoiceRecord,
)
async def save(
    request: Request, ctx: Context, actor: LegacyActor, record: InvoiceRecord
) -> Response:
    def issue(key: str | None) -> InvoiceRecord:
        return InvoiceRecord.from_domain(
            sales.issue_invoice_view(ctx, actor, record.to_request(key))
        )

    return await run_once(request, ctx, actor, route="legacy:Invoice/Save", produce=issue)


@router.get("/GetByID/{invoice_id}", summary="Read an invoice with its items and payments")
def get_by_id(ctx: Context, actor: LegacyActor, invoice_id: int) -> InvoiceRecord:
    return InvoiceRecord.from_domain(
        sales.get_view(ctx, actor, invoice_id, DocumentClass.SALES_INVOICE)
    )


@router.get(
    "/GetAll",
    summary="List invoices, a page at a time (Header and Payments; Items with includeItems=true)",
    response_model=list[InvoiceRecord],
)
async def get_all(
    ctx: Context,
    actor: LegacyActor,
    number_page: NumberPage = 0,
    date_from: Annotated[Yyyymmdd, Query(alias="dateFrom", description="yyyymmdd")] = None,
    date_to: Annotated[Yyyymmdd, Query(alias="dateTo", description="yyyymmdd")] = None,
    customer: Annotated[str | None, Query(alias="customerIdentification")] = None,
    branch_office: Annotated[int, Query(alias="branchOffice")] = 0,
    doc_code: Annotated[int | None, Query(alias="docCode", description="Document type Id")] = None,
    include_items: Annotated[bool, Query(alias="includeItems")] = False,
) -> Response:
    records = await run_in_threadpool(
        _list,
        ctx,
        actor,
        number_page,
        date_from,
        date_to,
        customer,
        branch_office,
        doc_code,
        include_items,
    )
    return respond(records)


def _list(
    ctx: Context,
    actor: LegacyActor,
    number_page: int,
    date_from: date | None,
    date_to: date | None,
    customer: str | None,
    branch_office: int,
    doc_code: int | None,
    include_items: bool,
) -> list[InvoiceRecord]:
    customer_id = None
    if customer:
        customer_id = sales.customer_id_for(ctx, actor, customer, branch_office)
        if customer_id is None:
            return []
    where = DocumentFilter(
        document_class=DocumentClass.SALES_INVOICE,
        date_from=date_from,
        date_to=date_to,
        customer_id=customer_id,
        document_type_id=doc_code,
    )
    views = sales.get_all_views(
        ctx, actor, page_request(ctx, number_page), where, with_lines=include_items
    )
    return [InvoiceRecord.from_domain(v, with_items=include_items) for v in views]


@router.post(
    "/Annul/{invoice_id}", summary="Annul an invoice not accepted by the DIAN, with a reason"
)
def annul(
    ctx: Context, actor: LegacyActor, invoice_id: int, body: AnnulRequest | None = None
) -> InvoiceRecord:
    reason = body.Reason if body else None
    return InvoiceRecord.from_domain(sales.annul_invoice_view(ctx, actor, invoice_id, reason))


add_dian_routes(router, DocumentClass.SALES_INVOICE)
