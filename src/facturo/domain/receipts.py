"""Recibos de caja: a customer's payment of installments (abono a deuda), an advance
(anticipo), or free debit and credit lines on PUC accounts (avanzado)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum

from facturo.domain.money import ZERO, money, plain
from facturo.domain.sales import DocumentStatus
from facturo.domain.validation import Checker


class VoucherType(IntEnum):
    DEBT_PAYMENT = 0  # abono a deuda
    ADVANCE = 1  # anticipo
    DETAILED = 2  # avanzado


class Movement(IntEnum):
    DEBIT = 1
    CREDIT = -1


@dataclass(frozen=True, slots=True)
class ReceiptItemRequest:
    value: Decimal | None
    description: str | None = None
    movement: int | None = None  # DC: 1 debit, -1 credit
    account_code: str | None = None
    due_prefix: str | None = None  # "FV-1": the document's class and type code
    due_consecutive: int | None = None
    due_quote: int | None = None
    due_date: date | None = None
    order: int | None = None

    @property
    def names_an_installment(self) -> bool:
        return bool(self.due_prefix) or self.due_consecutive is not None


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    position: int
    value: Decimal
    description: str | None
    movement: Movement
    account_code: str | None
    installment_id: int | None = None
    document_id: int | None = None  # the invoice or note whose installment it pays
    due_prefix: str | None = None
    due_consecutive: int | None = None
    due_quote: int | None = None
    due_date: date | None = None


@dataclass(kw_only=True)
class Receipt:
    company_id: int
    id: int | None = None
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    document_type_id: int
    document_type_code: int
    numbering_range_id: int
    prefix: str
    number: int
    date: date
    customer_id: int
    voucher_type: VoucherType
    payment_means_id: int | None
    total: Decimal
    observations: str | None = None
    cost_center_id: int | None = None
    currency_code: str = "COP"
    exchange_rate: Decimal | None = None
    lines: list[ReceiptLine] = field(default_factory=list)
    status: DocumentStatus = DocumentStatus.ISSUED
    created_by: int | None = None
    created_at: datetime | None = None
    idempotency_key: str | None = None

    @property
    def name(self) -> str:
        return f"RC-{self.document_type_code}-{self.number}"


def check_items_shape(
    voucher_type: VoucherType, items: Sequence[ReceiptItemRequest] | None
) -> Checker:
    check = Checker()
    if voucher_type == VoucherType.ADVANCE:
        if items:
            check.add("invalid_array", "items", "An advance takes no {field}: send none")
        return check
    if not items:
        check.add("parameter_required", "items", "The field {field} is required")
        return check
    for index, item in enumerate(items):
        name = f"items.{index}"
        if check.required(item.value, f"{name}.value") and item.value is not None:
            if item.value <= 0:
                check.add(
                    "invalid_amount", f"{name}.value", "The field {field} must be greater than zero"
                )
            check.max_decimals(item.value, 2, f"{name}.value")
        if voucher_type == VoucherType.DEBT_PAYMENT:
            check.required(item.due_prefix, f"{name}.due_prefix")
            check.required(item.due_consecutive, f"{name}.due_consecutive")
            check.required(item.due_quote, f"{name}.due_quote")
        else:
            if check.required(item.movement, f"{name}.movement"):
                check.one_of(item.movement, (1, -1), f"{name}.movement")
            check.required(item.account_code, f"{name}.account_code")
            if item.names_an_installment and item.movement == Movement.DEBIT:
                check.add(
                    "invalid_array",
                    f"{name}.movement",
                    "A line that pays an installment must be a credit ({field})",
                )
        check.max_length(item.description, 100, f"{name}.description")
    return check


def check_balance(lines: Sequence[ReceiptLine]) -> Checker:
    """A detailed receipt's debits and credits must be equal."""
    check = Checker()
    debits = money(sum((line.value for line in lines if line.movement == Movement.DEBIT), ZERO))
    credits = money(sum((line.value for line in lines if line.movement == Movement.CREDIT), ZERO))
    if debits != credits:
        check.add(
            "invalid_balance",
            "items",
            f"The debits ({plain(debits)}) and credits ({plain(credits)}) of the receipt must be equal",
        )
    return check


def receipt_total(
    voucher_type: VoucherType, lines: Sequence[ReceiptLine], advance_value: Decimal | None
) -> Decimal:
    if voucher_type == VoucherType.ADVANCE:
        return money(advance_value or ZERO)
    if voucher_type == VoucherType.DETAILED:
        return money(sum((line.value for line in lines if line.movement == Movement.DEBIT), ZERO))
    return money(sum((line.value for line in lines), ZERO))
