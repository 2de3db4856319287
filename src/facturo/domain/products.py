"""Products and services, their prices on the twelve price lists, and their taxes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from facturo.domain.catalogs import Tax, TaxType
from facturo.domain.reference import ReferenceData
from facturo.domain.validation import Checker

PRICE_LIST_POSITIONS = range(1, 13)
PRODUCT_CODE = re.compile(r"[^'\s]{1,30}")
DEFAULT_UNIT = "94"  # DIAN: unidad
PRICE_DECIMALS = 6
MAX_PRICE = Decimal("99999999999.999999")


class ProductType(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    CONSUMER_GOOD = "consumer_good"


class TaxClassification(StrEnum):
    """How IVA treats the product: gravado (taxed), exento (exempt: 0 % with the right to
    deduct) or excluido (excluded: outside IVA). Siigo's default is taxed."""

    TAXED = "Taxed"
    EXEMPT = "Exempt"
    EXCLUDED = "Excluded"


@dataclass(eq=False)
class Price:
    position: int  # price list 1..12
    value: Decimal
    currency_code: str = "COP"


@dataclass(kw_only=True)
class ProductData:
    code: str | None = None
    name: str | None = None  # Description in the legacy dialect
    product_type: ProductType | None = None
    account_group_id: int | None = None
    reference: str | None = None  # referencia de fábrica
    unit_label: str | None = None  # MeasureUnit: the label printed on the invoice
    unit_code: str = DEFAULT_UNIT  # MeasurementUnitCode: the DIAN unit
    barcode: str | None = None
    description: str | None = None  # Comments: the long description
    tax_add_id: int | None = None  # a charge tax (IVA or impuesto al consumo)
    tax_add2_id: int | None = None  # a second charge tax
    tax_discount_id: int | None = None  # a withholding (retención en la fuente)
    tax_included: bool = False
    consumption_tax_value: Decimal | None = None  # TaxImpoValue: a fixed INC amount per unit
    stock_control: bool = False
    active: bool = True
    prices: list[Price] = field(default_factory=list)
    model: str | None = None
    brand: str | None = None
    tariff: str | None = None  # código arancelario, for export invoices
    # None: not said (the legacy dialect has no such field): a new product is taxed, an
    # updated one keeps what it had.
    tax_classification: TaxClassification | None = None


@dataclass(kw_only=True, eq=False)
class Product(ProductData):
    company_id: int
    id: int | None = None
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def apply(self, data: ProductData) -> None:
        for spec in fields(ProductData):
            setattr(self, spec.name, getattr(data, spec.name))

    def price(self, position: int, currency_code: str = "COP") -> Decimal | None:
        for price in self.prices:
            if price.position == position and price.currency_code == currency_code:
                return price.value
        return None


def check_product(data: ProductData, refs: ReferenceData) -> Checker:
    check = Checker()
    if check.required(data.code, "code") and not PRODUCT_CODE.fullmatch(data.code or ""):
        check.add(
            "invalid_code",
            "code",
            "The field {field} must have 1 to 30 characters, without spaces or apostrophes",
        )
    if check.required(data.name, "name"):
        check.max_length(data.name, 100, "name")
    check.required(data.product_type, "product_type")
    check.required(data.account_group_id, "account_group_id")
    check.max_length(data.reference, 80, "reference")
    check.max_length(data.unit_label, 50, "unit_label")
    check.max_length(data.barcode, 30, "barcode")
    check.max_length(data.description, 2500, "description")
    check.max_length(data.model, 50, "model")
    check.max_length(data.brand, 50, "brand")
    check.max_length(data.tariff, 20, "tariff")
    if check.required(data.unit_code, "unit_code") and refs.unit_name(data.unit_code) is None:
        check.add(
            "invalid_reference", "unit_code", "The field {field} is not a DIAN unit of measure"
        )
    if data.stock_control and data.product_type == ProductType.SERVICE:
        check.add("product_settings", "stock_control", "A service cannot control stock ({field})")
    check.not_negative(data.consumption_tax_value, "consumption_tax_value")
    check.max_decimals(data.consumption_tax_value, 2, "consumption_tax_value")
    if data.consumption_tax_value is not None and data.consumption_tax_value > MAX_PRICE:
        check.add("invalid_amount", "consumption_tax_value", "The field {field} is too large")
    seen: set[tuple[int, str]] = set()
    for price in data.prices:
        price_field = f"prices.{price.position}"
        if price.position not in PRICE_LIST_POSITIONS:
            check.add("invalid_array", "prices", "The price lists in {field} go from 1 to 12")
            continue
        if (price.position, price.currency_code) in seen:
            check.add("invalid_array", price_field, "The price list {field} is repeated")
        seen.add((price.position, price.currency_code))
        check.not_negative(price.value, price_field)
        check.max_decimals(price.value, PRICE_DECIMALS, price_field)
        if price.value > MAX_PRICE:
            check.add("invalid_amount", price_field, "The field {field} is too large")
    return check


_CHARGE_TAXES = frozenset({TaxType.IVA, TaxType.CONSUMPTION, TaxType.AD_VALOREM})


def check_product_taxes(data: ProductData, taxes: Mapping[int, Tax]) -> Checker:
    """Tax ids must exist, be active and be of the kind their slot takes."""
    check = Checker()
    slots = (
        ("tax_add_id", data.tax_add_id, _CHARGE_TAXES, "a charge tax (IVA, impuesto al consumo)"),
        ("tax_add2_id", data.tax_add2_id, _CHARGE_TAXES, "a charge tax (IVA, impuesto al consumo)"),
        ("tax_discount_id", data.tax_discount_id, {TaxType.RETEFUENTE}, "a retención en la fuente"),
    )
    charge_types: list[TaxType] = []
    for slot, tax_id, kinds, kind_name in slots:
        if tax_id is None:
            continue
        tax = taxes.get(tax_id)
        if tax is None:
            check.add("invalid_reference", slot, f"The tax {tax_id} in {{field}} does not exist")
        elif not tax.active:
            check.add("parameter_inactive", slot, f"The tax {tax_id} in {{field}} is inactive")
        elif tax.tax_type not in kinds:
            check.add(
                "invalid_reference", slot, f"The tax {tax_id} in {{field}} must be {kind_name}"
            )
        elif slot != "tax_discount_id":
            charge_types.append(tax.tax_type)
    if len(charge_types) == 2:
        first, second = charge_types
        if first == second:
            check.add(
                "invalid_array",
                "tax_add2_id",
                "The product cannot carry two taxes of one type ({field})",
            )
        elif {first, second} == {TaxType.IVA, TaxType.AD_VALOREM}:
            check.add(
                "invalid_array", "tax_add2_id", "IVA and AdValorem cannot go together ({field})"
            )
    return check


MAX_PRODUCT_TAXES = 3
# Withholdings that apply to a whole invoice, never to a product.
_DOCUMENT_WITHHOLDINGS = frozenset({TaxType.RETEIVA, TaxType.RETEICA, TaxType.SELF_WITHHOLDING})


@dataclass(frozen=True, slots=True)
class TaxSlots:
    """A product's taxes as the domain keeps them: two charge taxes and a withholding."""

    tax_add_id: int | None = None
    tax_add2_id: int | None = None
    tax_discount_id: int | None = None


def assign_tax_slots(
    tax_ids: Sequence[int], taxes: Mapping[int, Tax], field: str = "taxes"
) -> tuple[TaxSlots, Checker]:
    """A list of taxes (as Siigo's current API sends them) in the product's slots.

    At most three; charge taxes (IVA, impuesto al consumo, AdValorem) fill ``tax_add`` then
    ``tax_add2`` in the order given, a retención en la fuente fills ``tax_discount``; no two of
    one type, never IVA with AdValorem, no ReteIVA or ReteICA (they belong to invoices).
    Violations name ``{field}.{position}``; only valid taxes are placed.
    """
    check = Checker()
    if len(tax_ids) > MAX_PRODUCT_TAXES:
        check.add(
            "invalid_array", field, f"The field {{field}} has at most {MAX_PRODUCT_TAXES} taxes"
        )
    charges: list[Tax] = []
    withholding: Tax | None = None
    seen: set[TaxType] = set()
    for position, tax_id in enumerate(tax_ids):
        where = f"{field}.{position}"
        tax = taxes.get(tax_id)
        if tax is None:
            check.add("invalid_reference", where, f"The tax {tax_id} in {{field}} does not exist")
        elif not tax.active:
            check.add("parameter_inactive", where, f"The tax {tax_id} in {{field}} is inactive")
        elif tax.tax_type in _DOCUMENT_WITHHOLDINGS:
            check.add(
                "invalid_array",
                where,
                f"The tax {tax_id} in {{field}} is a {tax.tax_type.value}, which goes on "
                "invoices, not on products",
            )
        elif tax.tax_type in seen:
            check.add(
                "invalid_array",
                where,
                f"The product cannot carry two taxes of type {tax.tax_type.value} ({{field}})",
            )
        elif {tax.tax_type} | seen >= {TaxType.IVA, TaxType.AD_VALOREM}:
            check.add("invalid_array", where, "IVA and AdValorem cannot go together ({field})")
        else:
            seen.add(tax.tax_type)
            if tax.tax_type == TaxType.RETEFUENTE:
                withholding = tax
            else:
                charges.append(tax)
    slots = TaxSlots(
        tax_add_id=charges[0].id if charges else None,
        tax_add2_id=charges[1].id if len(charges) > 1 else None,
        tax_discount_id=withholding.id if withholding else None,
    )
    return slots, check


def tax_ids_of(data: ProductData) -> list[int]:
    """The product's taxes in slot order: charge taxes, then the withholding."""
    return [
        tax_id
        for tax_id in (data.tax_add_id, data.tax_add2_id, data.tax_discount_id)
        if tax_id is not None
    ]
