"""Cartera: what customers owe (installments), what they have paid ahead (credits), and how
old the debt is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from facturo.domain.money import ZERO


class ApplicationSource(StrEnum):
    """Why an installment's balance went down (each is a row; balance = amount − their sum)."""

    SALE = "sale"  # paid when the document was issued (cash, card...)
    RECEIPT = "receipt"  # a recibo de caja
    CREDIT_NOTE = "credit_note"
    CUSTOMER_CREDIT = "customer_credit"  # an advance or a credit note's surplus, applied
    ANNULMENT = "annulment"


class CreditSource(StrEnum):
    ADVANCE = "advance"  # recibo de caja de anticipo
    CREDIT_NOTE = "credit_note"  # what a credit note gave back beyond the invoice's debt


@dataclass(kw_only=True)
class CustomerCredit:
    """Money the company holds for a customer, to apply to later invoices."""

    company_id: int
    id: int | None = None
    party_id: int
    source: CreditSource
    source_id: int
    amount: Decimal
    remaining: Decimal
    created_at: datetime | None = None


def take_from_credits(
    credits: list[CustomerCredit], wanted: Decimal
) -> list[tuple[CustomerCredit, Decimal]]:
    """Consumes ``wanted`` from the oldest credits first; the caller has checked there is enough."""
    taken = []
    left = wanted
    for credit in credits:
        if left <= 0:
            break
        portion = min(credit.remaining, left)
        if portion > 0:
            credit.remaining -= portion
            left -= portion
            taken.append((credit, portion))
    if left > 0:
        raise ValueError("not enough customer credit")
    return taken


class AgingBucket(StrEnum):
    CURRENT = "current"  # not yet due
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = ">90"


def aging_bucket(due_date: date, as_of: date) -> AgingBucket:
    overdue = (as_of - due_date).days
    if overdue <= 0:
        return AgingBucket.CURRENT
    if overdue <= 30:
        return AgingBucket.DAYS_1_30
    if overdue <= 60:
        return AgingBucket.DAYS_31_60
    if overdue <= 90:
        return AgingBucket.DAYS_61_90
    return AgingBucket.OVER_90


@dataclass
class AgingRow:
    """One customer's open balance, split by how overdue it is."""

    party_id: int
    identification: str
    name: str
    buckets: dict[AgingBucket, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def empty_buckets() -> dict[AgingBucket, Decimal]:
    return dict.fromkeys(AgingBucket, ZERO)
