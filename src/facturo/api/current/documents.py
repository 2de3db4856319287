"""The invoice-shaped pieces of the current API, shared by invoices, credit notes and vouchers:
``document{id}``, the customer reference (by identification, by GUID, or inline to create),
items with ``taxes[{id}]``, payments, and how each comes back (shared/reference §2.8).

Requests become the services' requests (``ItemRequest``, ``PaymentRequest``,
``CustomerReference``); what needs the company's catalogs — which slot a tax takes, the price
behind a ``taxed_price``, whether ``discount`` is a percentage — is resolved by the service,
so both dialects share one path. ``DOCUMENT_FIELD_NAMES`` spells the domain's field paths the
way this dialect names them, for routers to merge into their own ``FIELD_NAMES``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

from facturo.api.current.base import CurrentModel, IsoDate, guid_or_none, timestamp
from facturo.api.jsonio import JsonDecimal
from facturo.domain.access import Actor
from facturo.domain.catalogs import DocumentClass
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import NotFound, Violation
from facturo.domain.money import ZERO
from facturo.domain.parties import CURRENT_RULES, ContactData, Party, PartyData
from facturo.domain.sales import (
    Installment,
    ItemRequest,
    OrderReference,
    PaymentRequest,
    SalesDocument,
    SalesLine,
    TaxRate,
)
from facturo.services import sales
from facturo.services.context import ServiceContext
from facturo.services.sales import CustomerReference, SaleView

# The current dialect's Idempotency-Key (POST invoices, credit notes, vouchers): letters and
# digits only, 1 to 32 (Siigo documents 30 and 32; a hyphen is refused). For run_once.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9]{1,32}")

# A GUID no record has: what a customer{id} that is not a GUID at all names.
NO_SUCH_GUID = uuid.UUID(int=0)
PERSON, COMPANY = "Person", "Company"

DOCUMENT_FIELD_NAMES: dict[str, str] = {
    "document_type_id": "document.id",
    "seller_id": "seller",
    "seller_identification": "seller",
    "cost_center_id": "cost_center",
    "cost_center_code": "cost_center",
    "currency_code": "currency.code",
    "exchange_rate": "currency.exchange_rate",
    "reteiva": "retentions",
    "reteica": "retentions",
    "retentions.*": "retentions[*].id",
    "order_references": "additional_fields",
    "items.*.product_code": "items[*].code",
    "items.*.unit_value": "items[*].price",
    "items.*.discount_value": "items[*].discount",
    "items.*.discount_percentage": "items[*].discount",
    "items.*.tax_add_id": "items[*].taxes",
    "items.*.tax_add2_id": "items[*].taxes",
    "items.*.tax_discount_id": "items[*].taxes",
    "items.*.tax_add": "items[*].taxes",
    "items.*.tax_add2": "items[*].taxes",
    "items.*.tax_discount": "items[*].taxes",
    "items.*.taxes.*": "items[*].taxes[*].id",
    "items.*.warehouse_code": "items[*].warehouse",
    "items.*.warehouse_id": "items[*].warehouse",
    "items.*.seller_identification": "items[*].seller",
    "items.*.seller_id": "items[*].seller",
    "items.*.gross": "items[*].price",
    "items.*.base": "items[*].price",
    "payments.*.payment_means_id": "payments[*].id",
    "payments.*.due_quote": "payments[*].due_date",
    # A customer created inline: PartyData's fields as CustomerIn names them.
    "customer.kinds": "customer.type",
    "customer.is_company": "customer.person_type",
    "customer.full_name": "customer.name",
    "customer.first_name": "customer.name[0]",
    "customer.last_name": "customer.name[1]",
    "customer.id_type_code": "customer.id_type",
    "customer.place": "customer.address.city",
    "customer.address": "customer.address.address",
    "customer.postal_code": "customer.address.postal_code",
    "customer.phone": "customer.phones[0]",
    "customer.fiscal_responsibilities.*": "customer.fiscal_responsibilities[*].code",
    "customer.contact": "customer.contacts[0]",
    "customer.contact.phone": "customer.contacts[0].phone",
    "customer.contact.party_id": "customer.contacts",
}


# --- requests ----------------------------------------------------------------------------------


class DocumentIn(CurrentModel):
    """``document{id}``: the document type (an FV, NC or RC type of the company)."""

    id: int | None = None


class IdIn(CurrentModel):
    """``{id}`` of a catalog record: a tax, a retention."""

    id: int | None = None


def _id_type_code(value: Any) -> Any:
    """``id_type`` as a code (``"13"``) or, as some clients send it, ``{"code": "13"}``."""
    if isinstance(value, Mapping):
        value = next((v for k, v in value.items() if str(k).lower() == "code"), None)
    if value is None:
        return None
    return str(value).strip() or None


class CityIn(CurrentModel):
    country_code: str | None = None
    state_code: str | None = None
    city_code: str | None = None

    def to_domain(self) -> Place:
        return Place(_text(self.country_code), _text(self.state_code), _text(self.city_code))


class AddressIn(CurrentModel):
    address: str | None = None
    city: CityIn | None = None
    postal_code: str | None = None


class PhoneIn(CurrentModel):
    indicative: str | None = None
    number: str | None = None
    extension: str | None = None

    def to_domain(self) -> Phone:
        return Phone(_text(self.indicative), _text(self.number), _text(self.extension))


class ContactIn(CurrentModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: PhoneIn | None = None

    def to_domain(self, *, principal: bool) -> ContactData:
        return ContactData(
            first_name=_text(self.first_name),
            last_name=_text(self.last_name),
            email=_text(self.email),
            phone=self.phone.to_domain() if self.phone else Phone(),
            is_principal=principal,
        )


class CodeIn(CurrentModel):
    code: str | None = None


class CustomerIn(CurrentModel):
    """Who buys: ``{identification, branch_office}``, ``{id: <GUID>}``, or a full customer
    (``person_type``, ``name``, …) that is created when no customer has that identification."""

    id: str | None = None
    identification: str | None = None
    branch_office: int | None = None
    type: str | None = None
    person_type: str | None = None
    id_type: Annotated[str | None, BeforeValidator(_id_type_code)] = None
    check_digit: int | None = None
    name: list[str] | None = None
    commercial_name: str | None = None
    vat_responsible: bool | None = None
    fiscal_responsibilities: list[CodeIn] | None = None
    address: AddressIn | None = None
    phones: list[PhoneIn] | None = None
    contacts: list[ContactIn] | None = None
    comments: str | None = None

    @property
    def is_inline(self) -> bool:
        """Whether the body describes the customer fully enough to create it."""
        return bool(self.person_type or self.name)

    def to_reference(self, found: list[Violation]) -> CustomerReference:
        """The service's reference; problems of the body's own shape go to ``found``."""
        branch_office = self.branch_office or 0
        if self.id is not None and str(self.id).strip() and not (self.identification or ""):
            return CustomerReference(
                party_guid=guid_or_none(self.id) or NO_SUCH_GUID, branch_office=branch_office
            )
        identification = _text(self.identification)
        if not self.is_inline:
            return CustomerReference(identification=identification, branch_office=branch_office)
        contacts = self.contacts or []
        return CustomerReference(
            identification=identification,
            branch_office=branch_office,
            new_party=self.to_party(found),
            new_contact=contacts[0].to_domain(principal=True) if contacts else None,
            more_contacts=tuple(c.to_domain(principal=False) for c in contacts[1:]),
            rules=CURRENT_RULES,
        )

    def to_party(self, found: list[Violation]) -> PartyData:
        person_type = (self.person_type or "").strip()
        if person_type.lower() not in (PERSON.lower(), COMPANY.lower()):
            found.append(
                Violation(
                    "invalid_value" if person_type else "parameter_required",
                    "customer.is_company",
                    f"The field {{field}} must be {PERSON} or {COMPANY}"
                    if person_type
                    else "The field {field} is required",
                )
            )
        is_company = person_type.lower() == COMPANY.lower()
        names = [part.strip() for part in self.name or []]
        expected = 1 if is_company else 2
        if len(names) != expected:
            found.append(
                Violation(
                    "invalid_array",
                    "customer.full_name",
                    f"The field {{field}} must have {expected} element(s) for a "
                    f"{COMPANY if is_company else PERSON}",
                )
            )
        address = self.address or AddressIn()
        phones = self.phones or []
        kind = (self.type or "Customer").strip().lower()
        return PartyData(
            is_customer=True,
            is_supplier=kind == "supplier",
            is_other=kind == "other",
            is_company=is_company,
            full_name=names[0] if is_company and names else None,
            first_name=names[0] if not is_company and names else None,
            last_name=names[1] if not is_company and len(names) > 1 else None,
            commercial_name=_text(self.commercial_name),
            id_type_code=self.id_type,
            identification=_text(self.identification),
            check_digit=self.check_digit,
            branch_office=self.branch_office or 0,
            vat_responsible=bool(self.vat_responsible),
            place=address.city.to_domain() if address.city else Place(),
            address=_text(address.address),
            postal_code=_text(address.postal_code),
            phone=phones[0].to_domain() if phones else Phone(),
            fiscal_responsibilities=[
                c.code.strip() for c in self.fiscal_responsibilities or [] if c.code
            ],
            comments=self.comments,
        )


class ItemIn(CurrentModel):
    """A line: ``price`` or the VAT-inclusive ``taxed_price`` (which wins), ``discount`` as the
    document type reads it, and taxes only as listed in ``taxes`` (never the product's own)."""

    code: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    taxed_price: Decimal | None = None
    discount: Decimal | None = None
    seller: int | None = None
    warehouse: int | None = None
    taxes: list[IdIn] | None = None

    def to_request(self) -> ItemRequest:
        return ItemRequest(
            product_code=_text(self.code),
            description=self.description,
            quantity=self.quantity,
            unit_value=self.price if self.taxed_price is None else None,
            taxed_price=self.taxed_price,
            discount=self.discount or None,
            tax_ids=tuple(t.id for t in self.taxes or []),
            warehouse_id=self.warehouse,
            seller_id=self.seller,
        )


class PaymentIn(CurrentModel):
    """``{id, value, due_date}``: a payment type and what is paid with it."""

    id: int | None = None
    value: Decimal | None = None
    due_date: IsoDate = None

    def to_request(self) -> PaymentRequest:
        return PaymentRequest(payment_means_id=self.id, value=self.value, due_date=self.due_date)


class OrderIn(CurrentModel):
    prefix: str | None = None
    number: str | None = None
    date: IsoDate = None

    def to_domain(self) -> OrderReference:
        return OrderReference(_text(self.prefix), _text(self.number), self.date)


class AdditionalFieldsIn(CurrentModel):
    purchase_order: OrderIn | None = None
    delivery_order: OrderIn | None = None

    def to_domain(self) -> dict[str, OrderReference]:
        found = {"purchase_order": self.purchase_order, "delivery_order": self.delivery_order}
        return {kind: order.to_domain() for kind, order in found.items() if order is not None}


def items_of(items: Sequence[ItemIn] | None) -> list[ItemRequest]:
    return [item.to_request() for item in items or []]


def payments_of(payments: Sequence[PaymentIn] | None) -> list[PaymentRequest]:
    return [payment.to_request() for payment in payments or []]


# --- answers -----------------------------------------------------------------------------------


class SparseModel(CurrentModel):
    """An answer whose optional parts are absent rather than null (Siigo leaves ``stamp`` out
    unless it was asked for): built with ``model_construct``, only the fields given are
    written, at every depth."""

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return super().model_dump(**{"exclude_unset": True, **kwargs})


class DocumentOut(CurrentModel):
    id: int


class CustomerOut(CurrentModel):
    id: str
    identification: str
    branch_office: int

    @classmethod
    def from_domain(cls, party: Party) -> CustomerOut:
        return cls.model_construct(
            id=str(party.guid),
            identification=party.identification or "",
            branch_office=party.branch_office,
        )


class TaxOut(CurrentModel):
    id: int
    name: str
    type: str
    percentage: JsonDecimal
    value: JsonDecimal

    @classmethod
    def from_domain(cls, rate: TaxRate, value: Decimal) -> TaxOut:
        return cls.model_construct(
            id=rate.id,
            name=rate.name,
            type=rate.tax_type.value,
            percentage=rate.percentage,
            value=value,
        )


class DiscountOut(CurrentModel):
    percentage: JsonDecimal
    value: JsonDecimal


class WarehouseOut(CurrentModel):
    id: int
    name: str


class ItemOut(CurrentModel):
    code: str
    description: str
    quantity: JsonDecimal
    price: JsonDecimal
    discount: DiscountOut
    taxes: list[TaxOut]
    seller: int | None = None
    warehouse: WarehouseOut | None = None
    total: JsonDecimal

    @classmethod
    def from_domain(cls, line: SalesLine, view: SaleView) -> ItemOut:
        a = line.amounts
        fields: dict[str, Any] = {
            "code": line.product_code,
            "description": line.description,
            "quantity": line.quantity,
            "price": line.unit_value,
            "discount": DiscountOut.model_construct(
                percentage=line.discount_percentage or ZERO, value=a.discount
            ),
            "taxes": [
                TaxOut.from_domain(rate, value)
                for rate, value in (
                    (line.tax_add, a.tax_add),
                    (line.tax_add2, a.tax_add2),
                    (line.tax_discount, a.tax_discount),
                )
                if rate is not None
            ],
            "total": a.total,
        }
        if line.seller_id is not None:
            fields["seller"] = line.seller_id
        if line.warehouse_id is not None:
            fields["warehouse"] = WarehouseOut.model_construct(
                id=line.warehouse_id, name=view.warehouse_names.get(line.warehouse_id, "")
            )
        return cls.model_construct(**fields)


class PaymentOut(CurrentModel):
    id: int
    name: str
    value: JsonDecimal
    due_date: IsoDate = None

    @classmethod
    def from_domain(cls, installment: Installment, view: SaleView) -> PaymentOut:
        return cls.model_construct(
            id=installment.payment_means_id,
            name=view.payment_means_names.get(installment.payment_means_id, ""),
            value=installment.amount,
            due_date=installment.due_date,
        )


class MetadataOut(CurrentModel):
    created: str | None
    last_updated: str | None

    @classmethod
    def from_domain(cls, document: SalesDocument) -> MetadataOut:
        return cls.model_construct(
            created=timestamp(document.created_at), last_updated=timestamp(document.updated_at)
        )


class OrderOut(CurrentModel):
    prefix: str | None = None
    number: str | None = None
    date: IsoDate = None


def retentions_of(document: SalesDocument) -> list[TaxOut]:
    """``retentions[{id, name, type, percentage, value}]``: the ReteIVA and ReteICA applied."""
    found = []
    if document.reteiva is not None:
        found.append(TaxOut.from_domain(document.reteiva, document.amounts.reteiva))
    if document.reteica is not None:
        found.append(TaxOut.from_domain(document.reteica, document.amounts.reteica))
    return found


def payments_out(view: SaleView) -> list[PaymentOut]:
    """The payments the client listed; what advances paid shows as ``advance_payment``."""
    return [
        PaymentOut.from_domain(i, view)
        for i in view.document.installments
        if not view.paid_with_credit(i)
    ]


def advance_of(view: SaleView) -> Decimal:
    return sum(
        (i.amount for i in view.document.installments if view.paid_with_credit(i)), Decimal(0)
    )


def additional_fields_out(document: SalesDocument) -> dict[str, OrderOut]:
    return {
        kind: OrderOut.model_construct(prefix=r.prefix, number=r.number, date=r.date)
        for kind, r in document.order_references.items()
    }


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


__all__ = [
    "DOCUMENT_FIELD_NAMES",
    "IDEMPOTENCY_KEY_PATTERN",
    "AdditionalFieldsIn",
    "CustomerIn",
    "CustomerOut",
    "DocumentIn",
    "DocumentOut",
    "IdIn",
    "ItemIn",
    "ItemOut",
    "MetadataOut",
    "PaymentIn",
    "PaymentOut",
    "SparseModel",
    "TaxOut",
    "additional_fields_out",
    "advance_of",
    "items_of",
    "payments_of",
    "payments_out",
    "retentions_of",
]


def document_id_of(
    ctx: ServiceContext, actor: Actor, guid_text: str, document_class: DocumentClass, noun: str
) -> int:
    """The id of the company's document of ``document_class`` a route's GUID names; 404
    (``noun`` in the message) for anything else, a text that is no GUID included."""
    guid = guid_or_none(guid_text)
    if guid is None:
        raise NotFound(noun, guid_text)
    return sales.document_id_for(ctx, actor, guid, document_class)
