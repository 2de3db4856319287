"""Reports: receivables by age, and sales per period with their taxes and withholdings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import COLOMBIA, colombian_date
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.money import ZERO
from facturo.domain.receivables import AgingBucket, AgingRow, aging_bucket, empty_buckets
from facturo.services.context import ServiceContext


@dataclass(frozen=True)
class AgingReport:
    """Open balances per customer, by how overdue they are on ``as_of``. Built from the
    installments themselves, so its total is exactly what customers owe(d)."""

    as_of: date
    rows: list[AgingRow]

    @property
    def totals(self) -> dict[AgingBucket, Decimal]:
        totals = empty_buckets()
        for row in self.rows:
            for bucket, amount in row.buckets.items():
                totals[bucket] += amount
        return totals

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)


def receivables_aging(ctx: ServiceContext, actor: Actor, as_of: date | None = None) -> AgingReport:
    """What customers owe, by age, on ``as_of`` (today by default). A past day shows the debt as
    it stood then: documents dated up to that day, less what was paid or credited before it
    ended."""
    actor.require(Permission.REPORTS_READ)
    today = colombian_date(ctx.now())
    day = as_of or today
    with ctx.unit_of_work(read_only=True) as uow:
        if day >= today:
            open_installments = uow.sales_documents.open_installments(actor.company_id)
        else:
            end_of_day = datetime.combine(day + timedelta(days=1), time.min, COLOMBIA)
            open_installments = uow.sales_documents.installments_open_on(
                actor.company_id, day, end_of_day
            )
        customers = uow.parties.by_ids(
            actor.company_id, {customer for _, customer in open_installments}
        )
    rows: dict[int, AgingRow] = {}
    for installment, customer_id in open_installments:
        row = rows.get(customer_id)
        if row is None:
            party = customers[customer_id]
            row = rows[customer_id] = AgingRow(
                customer_id, party.identification or "", party.name, empty_buckets()
            )
        row.buckets[aging_bucket(installment.due_date, day)] += installment.balance
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.name))
    return AgingReport(as_of=day, rows=ordered)


class Grouping(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass
class SalesPeriod:
    period: str  # 2026-11 or 2026-11-21
    invoices: int = 0
    credit_notes: int = 0
    debit_notes: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)

    AMOUNTS = (
        "gross",
        "discount",
        "base",
        "vat",
        "consumption",
        "withholding",
        "reteiva",
        "reteica",
        "total",
    )


def sales_by_period(
    ctx: ServiceContext,
    actor: Actor,
    date_from: date,
    date_to: date,
    grouping: Grouping = Grouping.MONTH,
) -> list[SalesPeriod]:
    """Net sales per period: invoices and debit notes add, credit notes subtract; annulled
    documents do not count."""
    actor.require(Permission.REPORTS_READ)
    if date_to < date_from:
        raise RuleViolations(
            [Violation("invalid_date_range", "date_to", "The period ends before it starts")]
        )
    with ctx.unit_of_work(read_only=True) as uow:
        rows = uow.sales_documents.sales_by_period(actor.company_id, date_from, date_to)
    periods: dict[str, SalesPeriod] = {}
    for row in rows:
        key = row.date.isoformat() if grouping == Grouping.DAY else row.date.strftime("%Y-%m")
        period = periods.setdefault(
            key, SalesPeriod(key, amounts=dict.fromkeys(SalesPeriod.AMOUNTS, ZERO))
        )
        sign = -1 if row.document_class == DocumentClass.CREDIT_NOTE else 1
        if row.document_class == DocumentClass.SALES_INVOICE:
            period.invoices += row.documents
        elif row.document_class == DocumentClass.CREDIT_NOTE:
            period.credit_notes += row.documents
        else:
            period.debit_notes += row.documents
        for name in SalesPeriod.AMOUNTS:
            period.amounts[name] += sign * (getattr(row, name) or ZERO)
    return [periods[key] for key in sorted(periods)]
