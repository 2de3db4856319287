"""Sales documents — invoices (FV), credit notes (NC), debit notes (ND) — and their totals.

The totals engine follows the Siigo integration guide, each step rounded to cents:

    GrossValue = round(UnitValue × Quantity)
    Discount   = DiscountValue, or round(GrossValue × DiscountPercentage / 100)
    BaseValue  = GrossValue − Discount
    TaxAdd     = round(BaseValue × TaxAddPercentage / 100)         (IVA, impuesto al consumo)
    TaxAdd2    = round(BaseValue × TaxAdd2Percentage / 100)
    TaxDisc    = round(BaseValue × TaxDiscountPercentage / 100)    (retención en la fuente)
    TotalValue = BaseValue + TaxAdd + TaxAdd2 − TaxDisc

and for the document: TotalBase (gross) and DiscountValue are the lines' sums, VAT and
consumption tax the sums of the lines' charge taxes by type, ReteIVA is a percentage of the
VAT and ReteICA of the base (subtotal), and

    TotalValue = Σ line TotalValue − ReteIVA − ReteICA

which is what the customer owes and what the payments must add up to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from facturo.domain.catalogs import DocumentClass, PaymentMeans, TaxType
from facturo.domain.errors import Violation
from facturo.domain.money import HUNDRED, ZERO, money, percent_of, plain, total
from facturo.domain.validation import Checker

MAX_LINES = 500
MAX_LINE_VALUE = Decimal("99999999999.99")
MAX_DOCUMENT_VALUE = Decimal("9999999999999.99")
QUANTITY_DECIMALS = 4
UNIT_VALUE_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class TaxRate:
    """What a document line keeps of a tax: it stays as it was the day the line was written."""

    id: int
    name: str
    tax_type: TaxType
    percentage: Decimal


@dataclass(frozen=True, slots=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    base: Decimal
    tax_add: Decimal
    tax_add2: Decimal
    tax_discount: Decimal
    total: Decimal


def line_amounts(
    *,
    quantity: Decimal,
    unit_value: Decimal,
    discount_value: Decimal | None = None,
    discount_percentage: Decimal | None = None,
    tax_add: TaxRate | None = None,
    tax_add2: TaxRate | None = None,
    tax_discount: TaxRate | None = None,
) -> LineAmounts:
    gross = money(quantity * unit_value)
    if discount_value is not None:
        discount = money(discount_value)
    elif discount_percentage is not None:
        discount = percent_of(gross, discount_percentage)
    else:
        discount = ZERO
    base = gross - discount
    add = percent_of(base, tax_add.percentage) if tax_add else ZERO
    add2 = percent_of(base, tax_add2.percentage) if tax_add2 else ZERO
    withheld = percent_of(base, tax_discount.percentage) if tax_discount else ZERO
    return LineAmounts(gross, discount, base, add, add2, withheld, base + add + add2 - withheld)


@dataclass(frozen=True, slots=True)
class DocumentAmounts:
    gross: Decimal  # TotalBase: "total bruto"
    discount: Decimal
    base: Decimal  # subtotal: gross − discount
    vat: Decimal
    consumption: Decimal  # impuesto al consumo and other non-VAT charge taxes
    withholding: Decimal  # TaxDiscTotalValue: the lines' retención en la fuente
    reteiva: Decimal
    reteica: Decimal
    total: Decimal

    @property
    def lines_total(self) -> Decimal:
        return self.total + self.reteiva + self.reteica


@dataclass(frozen=True, slots=True)
class SalesLine:
    number: int  # 1, 2, 3... in the order the client sent them
    product_id: int
    product_code: str
    description: str
    quantity: Decimal
    unit_value: Decimal
    discount_percentage: Decimal | None
    tax_add: TaxRate | None
    tax_add2: TaxRate | None
    tax_discount: TaxRate | None
    amounts: LineAmounts
    warehouse_id: int | None = None
    seller_id: int | None = None


def document_amounts(
    lines: Sequence[SalesLine], *, reteiva: TaxRate | None, reteica: TaxRate | None
) -> DocumentAmounts:
    vat = consumption = ZERO
    for line in lines:
        for rate, value in (
            (line.tax_add, line.amounts.tax_add),
            (line.tax_add2, line.amounts.tax_add2),
        ):
            if rate is None:
                continue
            if rate.tax_type == TaxType.IVA:
                vat += value
            else:
                consumption += value
    gross = total(line.amounts.gross for line in lines)
    discount = total(line.amounts.discount for line in lines)
    base = gross - discount
    withholding = total(line.amounts.tax_discount for line in lines)
    reteiva_value = percent_of(vat, reteiva.percentage) if reteiva else ZERO
    reteica_value = percent_of(base, reteica.percentage) if reteica else ZERO
    lines_total = total(line.amounts.total for line in lines)
    return DocumentAmounts(
        gross=gross,
        discount=discount,
        base=base,
        vat=vat,
        consumption=consumption,
        withholding=withholding,
        reteiva=reteiva_value,
        reteica=reteica_value,
        total=lines_total - reteiva_value - reteica_value,
    )


# --- checking what clients send ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """A line as a client asks for it, before prices and taxes are resolved."""

    product_code: str | None
    description: str | None
    quantity: Decimal | None
    unit_value: Decimal | None
    discount_value: Decimal | None = None
    discount_percentage: Decimal | None = None
    tax_add_id: int | None = None
    tax_add2_id: int | None = None
    tax_discount_id: int | None = None
    warehouse_code: str | None = None
    seller_identification: str | None = None
    # How the current API names a line's parts: the service resolves them against the
    # company's catalogs and the document type (see services.sales.resolve_item).
    tax_ids: tuple[int | None, ...] | None = None  # taxes[{id}]: slots chosen by tax type
    taxed_price: Decimal | None = None  # VAT-inclusive unit price; replaces unit_value
    discount: Decimal | None = None  # a percentage or a value, as the document type says
    warehouse_id: int | None = None
    seller_id: int | None = None


def check_item_numbers(item: ItemRequest, field: str) -> Checker:
    check = Checker()
    if check.required(item.quantity, f"{field}.quantity"):
        assert item.quantity is not None
        if item.quantity <= 0:
            check.add(
                "invalid_amount", f"{field}.quantity", "The field {field} must be greater than zero"
            )
        check.max_decimals(item.quantity, QUANTITY_DECIMALS, f"{field}.quantity")
    if check.required(item.unit_value, f"{field}.unit_value"):
        check.not_negative(item.unit_value, f"{field}.unit_value")
        check.max_decimals(item.unit_value, UNIT_VALUE_DECIMALS, f"{field}.unit_value")
    check.not_negative(item.discount_value, f"{field}.discount_value")
    check.max_decimals(item.discount_value, 2, f"{field}.discount_value")
    if item.discount_percentage is not None and not ZERO <= item.discount_percentage <= HUNDRED:
        check.add(
            "invalid_value", f"{field}.discount_percentage", "The field {field} goes from 0 to 100"
        )
    return check


def check_line_amounts(line: SalesLine, field: str) -> Checker:
    check = Checker()
    if line.amounts.discount > line.amounts.gross:
        check.add(
            "invalid_amount",
            f"{field}.discount_value",
            f"The field {{field}} cannot exceed the line's gross value {plain(line.amounts.gross)}",
        )
    if line.amounts.total > MAX_LINE_VALUE or line.amounts.gross > MAX_LINE_VALUE:
        check.add(
            "invalid_amount", f"{field}.total", f"A line cannot exceed {plain(MAX_LINE_VALUE)}"
        )
    return check


def check_declared(
    declared: Mapping[str, Decimal | None], computed: Mapping[str, Decimal]
) -> list[Violation]:
    """Values a client sent that differ from what the server computed, one violation each,
    naming the expected value."""
    violations = []
    for path, value in declared.items():
        if value is None or path not in computed:
            continue
        expected = computed[path]
        if money(value) != expected:
            violations.append(
                Violation(
                    "invalid_value",
                    path,
                    f"The field {{field}} is {plain(value)} but the computed value is {plain(expected)}",
                    detail=plain(expected),
                )
            )
    return violations


def computed_values(lines: Sequence[SalesLine], amounts: DocumentAmounts) -> dict[str, Decimal]:
    """Every value a client may declare, by domain path, as the server computes it."""
    values: dict[str, Decimal] = {
        "gross": amounts.gross,
        "discount_value": amounts.discount,
        "vat": amounts.vat,
        "consumption": amounts.consumption,
        "withholding": amounts.withholding,
        "reteiva.value": amounts.reteiva,
        "reteica.value": amounts.reteica,
        "total": amounts.total,
    }
    for index, line in enumerate(lines):
        a = line.amounts
        for name, value in (
            ("gross", a.gross),
            ("discount_value", a.discount),
            ("base", a.base),
            ("tax_add.value", a.tax_add),
            ("tax_add2.value", a.tax_add2),
            ("tax_discount.value", a.tax_discount),
            ("total", a.total),
        ):
            values[f"items.{index}.{name}"] = value
    return values


# --- payments and receivables ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    payment_means_id: int | None
    value: Decimal | None
    due_date: date | None = None
    due_quote: int | None = None


@dataclass(kw_only=True)
class Installment:
    """A part of what the customer owes on a document (a cuota). Money paid at the sale is an
    installment settled at once; a credit payment is one due later."""

    company_id: int
    id: int | None = None
    document_id: int | None = None
    position: int
    payment_means_id: int
    amount: Decimal
    balance: Decimal
    due_date: date
    due_quote: int | None = None  # the installment number receipts name (DueQuote)
    paid_at_issue: bool = False  # settled by the sale itself (cash, card, advances)


def check_payments(
    payments: Sequence[PaymentRequest],
    *,
    expected_total: Decimal,
    means: Mapping[int, PaymentMeans],
    document_date: date,
    document_noun: str = "invoice",
    installments: bool = True,
) -> Checker:
    """Payments that add up to ``expected_total``. An invoice's credit payments become
    installments and need a due date and quote; a credit note's payments (``installments``
    false) only say how its value went back to the customer."""
    check = Checker()
    if not payments:
        if expected_total != 0:  # nothing left to pay (advances covered it): nothing to list
            check.add("parameter_required", "payments", "The field {field} is required")
        return check
    quotes: set[int] = set()
    paid = ZERO
    for index, payment in enumerate(payments):
        field_name = f"payments.{index}"
        means_ok = check.required(payment.payment_means_id, f"{field_name}.payment_means_id")
        if means_ok:
            found = means.get(payment.payment_means_id or 0)
            if found is None:
                check.add(
                    "invalid_reference",
                    f"{field_name}.payment_means_id",
                    f"The payment means {payment.payment_means_id} in {{field}} does not exist",
                )
            elif not found.usable_on_sales_invoice:
                check.add(
                    "invalid_payment",
                    f"{field_name}.payment_means_id",
                    f"The payment means {found.id} ({found.name}) in {{field}} cannot be used on a sale: "
                    "it must be active, of Type 0 or 2, and not a system means",
                )
            elif found.is_credit and installments:
                _check_credit(check, payment, field_name, document_date, quotes)
        if check.required(payment.value, f"{field_name}.value"):
            assert payment.value is not None
            if payment.value <= 0:
                check.add(
                    "invalid_amount",
                    f"{field_name}.value",
                    "The field {field} must be greater than zero",
                )
            check.max_decimals(payment.value, 2, f"{field_name}.value")
            paid += payment.value
    if not check.violations and money(paid) != expected_total:
        check.add(
            "invalid_total_payments",
            "payments",
            f"The total payments must be equal to the total {document_noun}. "
            f"The total {document_noun} calculated is {plain(expected_total)}",
            detail=plain(expected_total),
        )
    return check


def _check_credit(
    check: Checker, payment: PaymentRequest, field_name: str, document_date: date, quotes: set[int]
) -> None:
    due_date = payment.due_date
    if (
        check.required(due_date, f"{field_name}.due_date")
        and due_date is not None
        and due_date < document_date
    ):
        check.add(
            "invalid_date",
            f"{field_name}.due_date",
            "The field {field} cannot be before the document's date",
        )
    if (
        check.required(payment.due_quote, f"{field_name}.due_quote")
        and payment.due_quote is not None
    ):
        if payment.due_quote < 1:
            check.add(
                "invalid_value", f"{field_name}.due_quote", "The field {field} must be 1 or more"
            )
        elif payment.due_quote in quotes:
            check.add(
                "invalid_array", f"{field_name}.due_quote", "The installment {field} is repeated"
            )
        quotes.add(payment.due_quote)


def one_credit_payment(
    payments: Sequence[PaymentRequest], means: Mapping[int, PaymentMeans]
) -> tuple[list[PaymentRequest], list[Violation]]:
    """Payments as the current API sends them: no installment numbers, and at most one payment
    means with a due date (a credit one), which becomes installment 1."""
    numbered: list[PaymentRequest] = []
    refused: list[Violation] = []
    credits = 0
    for index, payment in enumerate(payments):
        found = means.get(payment.payment_means_id or 0)
        if found is not None and found.is_credit and payment.due_quote is None:
            credits += 1
            if credits > 1:
                refused.append(
                    Violation(
                        "invalid_payment",
                        f"payments.{index}.payment_means_id",
                        "Only one payment can have a due date ({field})",
                    )
                )
            payment = replace(payment, due_quote=credits)
        numbered.append(payment)
    return numbered, refused


def installments_for(
    company_id: int,
    payments: Sequence[PaymentRequest],
    means: Mapping[int, PaymentMeans],
    document_date: date,
) -> list[Installment]:
    """One installment per payment: credit ones open until their due date, the rest settled."""
    installments = []
    for position, payment in enumerate(payments, start=1):
        assert payment.payment_means_id is not None and payment.value is not None
        credit = means[payment.payment_means_id].is_credit
        value = money(payment.value)
        installments.append(
            Installment(
                company_id=company_id,
                position=position,
                payment_means_id=payment.payment_means_id,
                amount=value,
                balance=value,
                due_date=payment.due_date if credit and payment.due_date else document_date,
                due_quote=payment.due_quote if credit else None,
                paid_at_issue=not credit,
            )
        )
    return installments


# --- the documents ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderReference:
    """An order the customer's side gave the sale (the current API's additional_fields:
    purchase_order, delivery_order); the DIAN document carries it as an order reference."""

    prefix: str | None = None
    number: str | None = None
    date: date | None = None


ORDER_REFERENCE_KINDS = ("purchase_order", "delivery_order")


def check_order_references(references: Mapping[str, OrderReference], field: str) -> Checker:
    check = Checker()
    for kind, reference in references.items():
        if kind not in ORDER_REFERENCE_KINDS:
            check.add("invalid_value", f"{field}.{kind}", "The field {field} is not known")
            continue
        check.max_length(reference.prefix, 10, f"{field}.{kind}.prefix")
        if check.required(reference.number, f"{field}.{kind}.number"):
            check.max_length(reference.number, 30, f"{field}.{kind}.number")
    return check


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    ANNULLED = "annulled"
    # Withdrawn before the DIAN saw it (the current API's DELETE): kept for the audit trail
    # with its number consumed, but no longer listed or readable through the APIs.
    DELETED = "deleted"


class CreditNoteReason(StrEnum):
    """DIAN ConceptoNotaCredito."""

    PARTIAL_RETURN = "1"  # devolución parcial de los bienes / no aceptación parcial del servicio
    ANNULMENT = "2"  # anulación de factura electrónica
    DISCOUNT = "3"  # rebaja o descuento parcial o total
    PRICE_ADJUSTMENT = "4"  # ajuste de precio
    OTHER = "5"

    @property
    def returns_goods(self) -> bool:
        return self in (CreditNoteReason.PARTIAL_RETURN, CreditNoteReason.ANNULMENT)


class DebitNoteReason(StrEnum):
    """DIAN ConceptoNotaDebito."""

    INTEREST = "1"
    EXPENSES = "2"
    VALUE_CHANGE = "3"
    OTHER = "4"


@dataclass(kw_only=True)
class SalesDocument:
    """An issued sales document. Once issued it never changes, except to be annulled."""

    company_id: int
    id: int | None = None
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    document_class: DocumentClass
    document_type_id: int
    document_type_code: int
    numbering_range_id: int
    prefix: str
    date: date
    customer_id: int
    number: int = 0  # 0 until the document takes its number, the last thing before commit
    contact_id: int | None = None
    seller_id: int
    cost_center_id: int | None = None
    currency_code: str = "COP"
    exchange_rate: Decimal | None = None
    observations: str | None = None
    lines: list[SalesLine] = field(default_factory=list)
    installments: list[Installment] = field(default_factory=list)
    amounts: DocumentAmounts
    reteiva: TaxRate | None = None
    reteica: TaxRate | None = None
    related_document_id: int | None = None  # the invoice a note corrects
    reason_code: str | None = None  # a note's DIAN concept
    status: DocumentStatus = DocumentStatus.ISSUED
    annulled_at: datetime | None = None
    annul_reason: str | None = None
    created_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None  # set when the document is replaced or deleted
    idempotency_key: str | None = None
    order_references: dict[str, OrderReference] = field(default_factory=dict)

    @property
    def full_number(self) -> str:
        """The number as DIAN and the customer see it: prefix and consecutive (SETP990000001)."""
        return f"{self.prefix}{self.number}"

    @property
    def name(self) -> str:
        """Siigo's name of a document: class, type code and number (FV-1-990000001)."""
        return f"{self.document_class}-{self.document_type_code}-{self.number}"

    @property
    def due_prefix(self) -> str:
        """How receipts name the document's type (DuePrefix: FV-1)."""
        return f"{self.document_class}-{self.document_type_code}"

    @property
    def balance(self) -> Decimal:
        return total(i.balance for i in self.installments)


def positive_total(amounts: DocumentAmounts) -> list[Violation]:
    if amounts.total <= 0:
        return [
            Violation("invalid_amount", "total", "The document's total must be greater than zero")
        ]
    if amounts.total > MAX_DOCUMENT_VALUE:
        return [
            Violation(
                "invalid_amount", "total", f"A document cannot exceed {plain(MAX_DOCUMENT_VALUE)}"
            )
        ]
    return []


def returned_quantities(notes: Iterable[SalesDocument]) -> dict[int, Decimal]:
    """product id → quantity already returned by the given credit notes."""
    returned: dict[int, Decimal] = {}
    for note in notes:
        if note.status != DocumentStatus.ISSUED or note.reason_code is None:
            continue
        if not CreditNoteReason(note.reason_code).returns_goods:
            continue
        for line in note.lines:
            returned[line.product_id] = returned.get(line.product_id, ZERO) + line.quantity
    return returned
