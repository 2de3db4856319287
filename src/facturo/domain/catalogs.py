"""The company's catalogs: taxes, payment means, document types and their numbering,
account groups, price lists, warehouses, cost centers and contact positions (cargos)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

from facturo.domain.ledger import LedgerAccount
from facturo.domain.validation import Checker


class TaxType(StrEnum):
    """Siigo's tax types; the DIAN code of each is what the UBL document carries."""

    IVA = "IVA"
    CONSUMPTION = "Impoconsumo"  # impuesto nacional al consumo (INC)
    AD_VALOREM = "AdValorem"
    RETEFUENTE = "Retefuente"
    RETEIVA = "ReteIVA"
    RETEICA = "ReteICA"
    SELF_WITHHOLDING = "Autorretencion"

    @property
    def is_withholding(self) -> bool:
        return self in _WITHHOLDINGS

    @property
    def dian_code(self) -> str | None:
        return _DIAN_TAX_CODES.get(self)


_WITHHOLDINGS = frozenset(
    {TaxType.RETEFUENTE, TaxType.RETEIVA, TaxType.RETEICA, TaxType.SELF_WITHHOLDING}
)
_DIAN_TAX_CODES = {
    TaxType.IVA: "01",
    TaxType.CONSUMPTION: "04",
    TaxType.RETEIVA: "05",
    TaxType.RETEFUENTE: "06",
    TaxType.RETEICA: "07",
}


@dataclass(kw_only=True, eq=False)
class Tax:
    company_id: int
    id: int | None = None
    name: str
    tax_type: TaxType
    percentage: Decimal
    active: bool = True
    # For withholdings: the concept (e.g. "Compras generales (declarantes)").
    description: str | None = None


class PaymentMeansType(IntEnum):
    """Siigo's ``Type``: whom the means serves."""

    RECEIVABLE = 0  # cartera
    PAYABLE = 1  # proveedor
    BOTH = 2  # cartera/proveedor

    @property
    def serves_sales(self) -> bool:
        return self in (PaymentMeansType.RECEIVABLE, PaymentMeansType.BOTH)

    @property
    def serves_purchases(self) -> bool:
        return self in (PaymentMeansType.PAYABLE, PaymentMeansType.BOTH)


@dataclass(kw_only=True, eq=False)
class PaymentMeans:
    company_id: int
    id: int | None = None
    name: str
    means_type: PaymentMeansType
    is_system: bool = False  # managed by Facturo itself; never chosen on an invoice
    is_credit: bool = False  # payment later: needs a due date and an installment number
    dian_code: str = "10"  # DIAN MediosPago
    account_code: str | None = None  # PUC account that receives the money
    active: bool = True

    @property
    def usable_on_sales_invoice(self) -> bool:
        """The guide's rule: Type 0 or 2, and not a system means."""
        return self.active and self.means_type.serves_sales and not self.is_system


class DocumentClass(StrEnum):
    SALES_INVOICE = "FV"
    CASH_RECEIPT = "RC"
    CREDIT_NOTE = "NC"
    DEBIT_NOTE = "ND"


class DiscountType(StrEnum):
    PERCENTAGE = "Percentage"
    VALUE = "Value"


@dataclass(kw_only=True, eq=False)
class DocumentType:
    company_id: int
    id: int | None = None
    document_class: DocumentClass
    code: int  # "FV-1": class and code name the type in numbers and prefixes
    name: str
    automatic_number: bool = True
    electronic: bool = False
    discount_type: DiscountType = DiscountType.PERCENTAGE
    cost_center_mandatory: bool = False
    seller_by_item: bool = False
    active: bool = True


@dataclass(kw_only=True, eq=False)
class NumberingRange:
    """A numbering range; for electronic documents, the one a DIAN resolution authorizes."""

    company_id: int
    id: int | None = None
    document_type_id: int
    prefix: str = ""
    first_number: int
    last_number: int
    next_number: int
    valid_from: date | None = None
    valid_to: date | None = None
    resolution_number: str | None = None
    resolution_date: date | None = None
    technical_key: str | None = None  # clave técnica: enters the CUFE, never the XML
    active: bool = True


@dataclass(kw_only=True)
class AccountGroupData:
    """What a client may set on an account group (Siigo's current API: code and name)."""

    code: str | None = None
    name: str | None = None
    active: bool = True


ACCOUNT_GROUP_CODE = re.compile(r"[A-Za-z0-9]+")


def check_account_group(data: AccountGroupData) -> Checker:
    check = Checker()
    if check.required(data.code, "code"):
        check.max_length(data.code, 10, "code")
        if not ACCOUNT_GROUP_CODE.fullmatch(data.code or ""):
            check.add("invalid_code", "code", "The field {field} may only have letters and digits")
    if check.required(data.name, "name"):
        check.max_length(data.name, 50, "name")
    return check


@dataclass(kw_only=True, eq=False)
class AccountGroup:
    """A grupo de inventario: classifies products and names the PUC accounts of their movements."""

    company_id: int
    id: int | None = None
    code: str
    name: str
    active: bool = True
    inventory_account: str | None = None
    income_account: str | None = None
    cost_account: str | None = None
    returns_account: str | None = None


@dataclass(kw_only=True, eq=False)
class PriceList:
    company_id: int
    id: int | None = None
    position: int  # 1..12
    name: str
    active: bool = True


@dataclass(kw_only=True, eq=False)
class Warehouse:
    company_id: int
    id: int | None = None
    code: str
    name: str
    active: bool = True


@dataclass(kw_only=True, eq=False)
class CostCenter:
    company_id: int
    id: int | None = None
    code: str
    name: str
    parent_id: int | None = None  # a subcentro de costo points at its centro
    active: bool = True


@dataclass(kw_only=True)
class ChargeData:
    """A cargo: the position a contact holds at their tercero."""

    name: str | None = None
    active: bool = True


@dataclass(kw_only=True, eq=False)
class Charge(ChargeData):
    company_id: int
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def apply(self, data: ChargeData) -> None:
        for spec in fields(ChargeData):
            setattr(self, spec.name, getattr(data, spec.name))


def check_charge(data: ChargeData) -> Checker:
    check = Checker()
    if check.required(data.name, "name"):
        check.max_length(data.name, 100, "name")
    return check


@dataclass(kw_only=True)
class CatalogSet:
    """Everything a company starts with (see :mod:`facturo.domain.defaults`)."""

    taxes: list[Tax] = field(default_factory=list)
    payment_means: list[PaymentMeans] = field(default_factory=list)
    document_types: list[tuple[DocumentType, NumberingRange]] = field(default_factory=list)
    account_groups: list[AccountGroup] = field(default_factory=list)
    price_lists: list[PriceList] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    cost_centers: list[CostCenter] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    ledger_accounts: list[LedgerAccount] = field(default_factory=list)
