"""Reports: receivables aging and sales per period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Query

from facturo.api.deps import Context, LegacyActor
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel, Yyyymmdd
from facturo.api.legacy.routing import legacy_router
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.receivables import AgingBucket
from facturo.services import reports

router = legacy_router(
    "/Reports", "Legacy: reports", {"date_to": "dateTo", "date_from": "dateFrom"}
)


class AgingBuckets(LegacyModel):
    Current: JsonDecimal
    Days1To30: JsonDecimal
    Days31To60: JsonDecimal
    Days61To90: JsonDecimal
    Over90: JsonDecimal
    Total: JsonDecimal


class AgingCustomer(AgingBuckets):
    AccountID: int
    Identification: str
    Name: str


class AgingReportRecord(LegacyModel):
    Date: Yyyymmdd
    Customers: list[AgingCustomer]
    Totals: AgingBuckets


def _buckets(values: dict[AgingBucket, JsonDecimal]) -> dict[str, JsonDecimal]:
    return {
        "Current": values[AgingBucket.CURRENT],
        "Days1To30": values[AgingBucket.DAYS_1_30],
        "Days31To60": values[AgingBucket.DAYS_31_60],
        "Days61To90": values[AgingBucket.DAYS_61_90],
        "Over90": values[AgingBucket.OVER_90],
        "Total": sum(values.values(), Decimal(0)),
    }


@router.get(
    "/ReceivablesAging",
    summary="What each customer owes, by days past due (current, 1-30, 31-60, 61-90, >90)",
)
def receivables_aging(
    ctx: Context,
    actor: LegacyActor,
    as_of: Annotated[
        Yyyymmdd, Query(alias="date", description="yyyymmdd; today by default")
    ] = None,
) -> AgingReportRecord:
    report = reports.receivables_aging(ctx, actor, as_of)
    return AgingReportRecord(
        Date=report.as_of,
        Customers=[
            AgingCustomer(
                AccountID=row.party_id,
                Identification=row.identification,
                Name=row.name,
                **_buckets(row.buckets),
            )
            for row in report.rows
        ],
        Totals=AgingBuckets(**_buckets(report.totals)),
    )


class SalesPeriodRecord(LegacyModel):
    Period: str
    Invoices: int
    CreditNotes: int
    DebitNotes: int
    TotalBase: JsonDecimal
    DiscountValue: JsonDecimal
    Subtotal: JsonDecimal
    VATTotalValue: JsonDecimal
    ConsumptionTaxTotalValue: JsonDecimal
    TaxDiscTotalValue: JsonDecimal
    RetVATTotalValue: JsonDecimal
    RetICATotalValue: JsonDecimal
    TotalValue: JsonDecimal


@router.get(
    "/Sales", summary="Net sales per period with taxes and withholdings (credit notes subtract)"
)
def sales(
    ctx: Context,
    actor: LegacyActor,
    date_from: Annotated[Yyyymmdd, Query(alias="dateFrom", description="yyyymmdd")] = None,
    date_to: Annotated[Yyyymmdd, Query(alias="dateTo", description="yyyymmdd")] = None,
    group_by: Annotated[reports.Grouping, Query(alias="groupBy")] = reports.Grouping.MONTH,
) -> list[SalesPeriodRecord]:
    missing = [
        Violation("parameter_required", name, "The parameter {field} is required")
        for name, value in (("date_from", date_from), ("date_to", date_to))
        if value is None
    ]
    if missing:
        raise RuleViolations(missing)
    assert isinstance(date_from, date) and isinstance(date_to, date)
    return [
        SalesPeriodRecord(
            Period=p.period,
            Invoices=p.invoices,
            CreditNotes=p.credit_notes,
            DebitNotes=p.debit_notes,
            TotalBase=p.amounts["gross"],
            DiscountValue=p.amounts["discount"],
            Subtotal=p.amounts["base"],
            VATTotalValue=p.amounts["vat"],
            ConsumptionTaxTotalValue=p.amounts["consumption"],
            TaxDiscTotalValue=p.amounts["withholding"],
            RetVATTotalValue=p.amounts["reteiva"],
            RetICATotalValue=p.amounts["reteica"],
            TotalValue=p.amounts["total"],
        )
        for p in reports.sales_by_period(ctx, actor, date_from, date_to, group_by)
    ]
