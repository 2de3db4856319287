"""What an electronic document says, in DIAN's terms: the builders' input.

Plain frozen dataclasses, filled by the services from a posted sales document, the company's
e-invoicing settings and the customer. Amounts are ``Decimal`` with two decimals; codes are
DIAN's (TipoIdFiscal, TipoImpuesto, MediosPago, UnidadesMedida …). Nothing here knows XML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from facturo.dian.keys import Environment

ZERO = Decimal("0.00")


class DocumentKind(StrEnum):
    """The document's DIAN type code (TipoDocumento)."""

    INVOICE = "01"
    EXPORT_INVOICE = "02"
    CREDIT_NOTE = "91"
    DEBIT_NOTE = "92"

    @property
    def is_note(self) -> bool:
        return self in (DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE)

    @property
    def key_name(self) -> str:
        """CUFE for invoices, CUDE for notes."""
        return "CUDE" if self.is_note else "CUFE"


@dataclass(frozen=True, slots=True)
class Address:
    municipality_code: str  # DIVIPOLA, 5 digits (cbc:ID)
    city_name: str
    department_name: str
    department_code: str  # 2 digits (cbc:CountrySubentityCode)
    line: str
    postal_code: str | None = None
    country_code: str = "CO"
    country_name: str = "Colombia"


@dataclass(frozen=True, slots=True)
class Party:
    """A supplier or customer as the DIAN identifies it (the RUT's data)."""

    person_type: str  # AdditionalAccountID: "1" persona jurídica, "2" persona natural
    id_type: str  # TipoIdFiscal: 31 NIT, 13 cédula, 22 cédula de extranjería, 41 pasaporte …
    identification: str  # without check digit
    registration_name: str  # legal name (razón social, or the person's full name)
    check_digit: int | None = None  # only NITs have one
    commercial_name: str | None = None
    responsibilities: tuple[str, ...] = ("R-99-PN",)  # TipoResponsabilidad: O-13, O-15, R-99-PN …
    tax_scheme: tuple[str, str] = ("ZZ", "No aplica")  # ("01", "IVA") for VAT responsible
    address: Address | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None  # natural persons
    family_name: str | None = None


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    """One tax (or withholding) at one rate: on a line or summed for the document."""

    code: str  # TipoImpuesto: 01 IVA, 04 INC, 03 ICA, 05 ReteIVA, 06 ReteFuente, 07 ReteICA …
    name: str  # IVA, INC, ReteFuente …
    percent: Decimal
    taxable_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class TaxTotal:
    """All subtotals of one tax scheme (one ``cac:TaxTotal`` / ``cac:WithholdingTaxTotal``)."""

    code: str
    name: str
    subtotals: tuple[TaxSubtotal, ...]

    @property
    def tax_amount(self) -> Decimal:
        return sum((s.tax_amount for s in self.subtotals), ZERO)


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1, 2, 3 …
    code: str  # the seller's product code (StandardItemIdentification, scheme 999)
    description: str
    quantity: Decimal
    unit_code: str  # UnidadesMedida: 94 unidad, KGM …
    unit_price: Decimal  # before discount and taxes
    line_extension: Decimal  # quantity × price − discount, rounded to cents
    discount: Decimal = ZERO  # cac:AllowanceCharge on the line
    taxes: tuple[TaxSubtotal, ...] = ()
    withholdings: tuple[TaxSubtotal, ...] = ()  # the line's retención en la fuente

    @property
    def discount_percent(self) -> Decimal:
        gross = self.line_extension + self.discount
        return ZERO if not gross else (self.discount * 100 / gross).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class MonetaryTotals:
    """``cac:LegalMonetaryTotal`` (``cac:RequestedMonetaryTotal`` on a debit note)."""

    line_extension: Decimal  # Σ lines' LineExtensionAmount
    tax_exclusive: Decimal  # the base that bears taxes
    tax_inclusive: Decimal  # line_extension + taxes (withholdings are not subtracted)
    payable: Decimal  # tax_inclusive − allowances + charges − prepaid
    allowance_total: Decimal = ZERO
    charge_total: Decimal = ZERO
    prepaid: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Payment:
    form: str  # FormasPago: "1" contado, "2" crédito
    means_code: str  # MediosPago: 10 efectivo, 42 consignación, 48 tarjeta crédito, ZZZ …
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class NumberingAuthorization:
    """The DIAN resolution behind an invoice's number (sts:InvoiceControl)."""

    resolution_number: str
    start_date: date
    end_date: date
    prefix: str
    first_number: int
    last_number: int
    technical_key: str  # clave técnica: enters the CUFE, never the XML


@dataclass(frozen=True, slots=True)
class Software:
    """The software registered in the DIAN portal (software propio: the company's own NIT)."""

    provider_nit: str
    provider_check_digit: int
    software_id: str
    pin: str
    provider_code: str = "000"  # file names: 000 software propio


@dataclass(frozen=True, slots=True)
class BillingReference:
    """The invoice a note corrects."""

    number: str
    document_key: str  # its CUFE
    issue_date: date
    key_scheme: str = "CUFE-SHA384"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Why a note exists (ConceptoNotaCredito / ConceptoNotaDebito)."""

    reference_number: str
    response_code: str
    description: str


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """``cac:PaymentExchangeRate``: the document's currency against COP."""

    source_currency: str
    rate: Decimal
    on: date
    target_currency: str = "COP"


@dataclass(frozen=True, slots=True)
class OrderReference:
    number: str
    issue_date: date | None = None


@dataclass(frozen=True, slots=True)
class ElectronicDocument:
    kind: DocumentKind
    environment: Environment
    number: str  # cbc:ID: prefix and consecutive, e.g. SETP990000001
    issued_at: datetime  # timezone-aware; written as Colombian time (IssueDate, IssueTime)
    supplier: Party
    customer: Party
    software: Software
    lines: tuple[Line, ...]
    tax_totals: tuple[TaxTotal, ...]
    totals: MonetaryTotals
    payment: Payment
    withholding_totals: tuple[TaxTotal, ...] = ()
    currency: str = "COP"
    operation_type: str = "10"  # CustomizationID: 10 estándar (notes: 20 with reference)
    due_date: date | None = None
    notes: tuple[str, ...] = ()
    authorization: NumberingAuthorization | None = None  # invoices only
    billing_reference: BillingReference | None = None  # notes
    discrepancy: Discrepancy | None = None  # notes
    exchange_rate: ExchangeRate | None = None  # foreign currency
    order_reference: OrderReference | None = None
    corporate_registration_prefix: str | None = None  # cac:CorporateRegistrationScheme/cbc:ID

    @property
    def key_secret(self) -> str:
        """What enters the 14th field of the key: ClTec for invoices, the PIN for notes."""
        if self.kind.is_note:
            return self.software.pin
        if self.authorization is None:
            raise ValueError("an invoice needs its numbering authorization")
        return self.authorization.technical_key


def group_taxes(subtotals: Iterable[TaxSubtotal]) -> tuple[TaxTotal, ...]:
    """Document-level totals from line subtotals: one TaxTotal per scheme, one subtotal per
    rate, in code and rate order."""
    by_scheme: dict[str, dict[Decimal, list[TaxSubtotal]]] = {}
    names: dict[str, str] = {}
    for subtotal in subtotals:
        names.setdefault(subtotal.code, subtotal.name)
        by_scheme.setdefault(subtotal.code, {}).setdefault(subtotal.percent, []).append(subtotal)
    grouped = []
    for code in sorted(by_scheme):
        rates = by_scheme[code]
        grouped.append(
            TaxTotal(
                code=code,
                name=names[code],
                subtotals=tuple(
                    TaxSubtotal(
                        code=code,
                        name=names[code],
                        percent=percent,
                        taxable_amount=sum((s.taxable_amount for s in parts), ZERO),
                        tax_amount=sum((s.tax_amount for s in parts), ZERO),
                    )
                    for percent, parts in sorted(rates.items())
                ),
            )
        )
    return tuple(grouped)
