"""Informes (full-access users): cartera por edades — what each customer owes on a day, split
by days past due (sin vencer, 1–30, 31–60, 61–90, más de 90), with a bar chart drawn on the
server as inline SVG (no script) next to the table that carries the same figures.

The figures are the report service's (``reports.receivables_aging``): built from the open
installments, so the total is exactly what customers owe(d) that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.calendar import colombian_date
from facturo.domain.receivables import AgingBucket
from facturo.services import reports
from facturo.services.reports import AgingReport
from facturo.web import format as fmt
from facturo.web.core import Context, FormState, FullSession, render

router = APIRouter(prefix="/informes")

BUCKETS: list[tuple[AgingBucket, str, str]] = [
    # bucket, label, colour (each ≥ 3:1 against white, from calm to alarming)
    (AgingBucket.CURRENT, "Sin vencer", "#2b7a4b"),
    (AgingBucket.DAYS_1_30, "1 a 30 días", "#9a6a00"),
    (AgingBucket.DAYS_31_60, "31 a 60 días", "#c2571a"),
    (AgingBucket.DAYS_61_90, "61 a 90 días", "#b3261e"),
    (AgingBucket.OVER_90, "Más de 90 días", "#6b1414"),
]
CHART_CUSTOMERS = 12  # the customers who owe most; the table has them all
CHART_WIDTH = 360
ROW_HEIGHT = 46
BAR_HEIGHT = 18
LABEL_HEIGHT = 18
MAX_NAME = 30


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Bar:
    name: str
    total: Decimal
    label_y: float
    bar_y: float
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    hidden: int  # customers left out of the chart (they are in the table)
    summary: str  # what the chart shows, in words, for screen readers


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def aging_chart(report: AgingReport) -> Chart | None:
    """Horizontal stacked bars, one per customer (those who owe most first), each split by
    age; lengths are proportional to the largest customer's total."""
    rows = [row for row in report.rows if row.total > 0][:CHART_CUSTOMERS]
    if not rows:
        return None
    largest = max(row.total for row in rows)
    bars = []
    for index, row in enumerate(rows):
        top = index * ROW_HEIGHT
        segments = []
        x = 0.0
        for bucket, label, colour in BUCKETS:
            amount = row.buckets.get(bucket, Decimal(0))
            if amount <= 0:
                continue
            width = max(1.0, float(amount / largest) * CHART_WIDTH)
            width = min(width, CHART_WIDTH - x)
            segments.append(Segment(round(x, 2), round(width, 2), colour, label, amount))
            x += width
        bars.append(
            Bar(
                name=_short(row.name or row.identification),
                total=row.total,
                label_y=top + 14,
                bar_y=top + LABEL_HEIGHT + 4,
                segments=segments,
            )
        )
    totals = report.totals
    parts = [
        f"{label}: {fmt.pesos(totals[bucket])}" for bucket, label, _ in BUCKETS if totals[bucket]
    ]
    summary = (
        f"Cartera por edades al {fmt.fecha(report.as_of)}: barras apiladas por cliente, "
        f"{len(bars)} de {len(report.rows)} clientes. Total {fmt.pesos(report.total)}"
        + (f" ({'; '.join(parts)})" if parts else "")
        + ". La tabla siguiente tiene las mismas cifras."
    )
    return Chart(
        width=CHART_WIDTH,
        height=len(bars) * ROW_HEIGHT,
        bars=bars,
        hidden=len(report.rows) - len(bars),
        summary=summary,
    )


def _parse_day(raw: str) -> date | None:
    """A day as the date input sends it (2026-11-21) or as people write it (21/11/2026)."""
    text_value = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text_value, pattern).date()  # noqa: DTZ007 - a bare day
        except ValueError:
            continue
        if 1900 <= day.year <= 2999:
            return day
    return None


@router.get("/cartera")
def aging(request: Request, ctx: Context, session: FullSession, fecha: str = "") -> Response:
    today = colombian_date(ctx.now())
    day: date | None = today
    if fecha.strip():
        day = _parse_day(fecha[:20])
    if day is None:
        return render(
            request,
            "reports/aging.html",
            status_code=400,
            form=FormState(
                {"fecha": fecha[:20]},
                {"fecha": "Escribe una fecha válida, p. ej. 31/12/2025."},
            ),
            report=None,
            chart=None,
            buckets=BUCKETS,
            today=today,
        )
    report = reports.receivables_aging(ctx, session.actor, day)
    return render(
        request,
        "reports/aging.html",
        form=FormState({"fecha": day.isoformat()}),
        report=report,
        chart=aging_chart(report),
        buckets=BUCKETS,
        today=today,
    )
