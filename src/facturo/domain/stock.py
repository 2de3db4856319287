"""Stock: every movement is a row; a balance is the sum of its movements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.money import plain
from facturo.domain.validation import Checker

QUANTITY_DECIMALS = 4


class StockReason(StrEnum):
    ADJUSTMENT = "adjustment"  # inventory count, initial stock, losses
    SALE = "sale"
    SALE_RETURN = "sale_return"  # a credit note gave goods back
    ANNULMENT = "annulment"  # an annulled (or withdrawn) invoice's goods back in the warehouse
    REPLACEMENT = "replacement"  # a replaced invoice's old lines undone (PUT /v1/invoices)


@dataclass(kw_only=True, eq=False)
class StockMovement:
    company_id: int
    id: int | None = None
    product_id: int
    warehouse_id: int
    quantity: Decimal  # positive in, negative out
    reason: StockReason
    document_id: int | None = None
    note: str | None = None
    created_by: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WarehouseBalance:
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    quantity: Decimal


def check_adjustment(quantity: Decimal, note: str | None) -> Checker:
    check = Checker()
    if quantity == 0:
        check.add("invalid_value", "quantity", "The field {field} cannot be zero")
    check.max_decimals(quantity, QUANTITY_DECIMALS, "quantity")
    check.max_length(note, 500, "note")
    return check


def insufficient_stock(
    product_code: str, warehouse_code: str, available: Decimal, field: str
) -> RuleViolations:
    """The refusal when a movement would leave less than nothing in a warehouse."""
    return RuleViolations(
        [
            Violation(
                "invalid_amount",
                field,
                f"Not enough stock of {product_code} in warehouse {warehouse_code}: "
                f"{plain(available)} available ({{field}})",
                detail=plain(available),
            )
        ]
    )
