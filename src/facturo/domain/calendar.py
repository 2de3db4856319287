"""Legal dates and times are Colombia's: UTC−5 all year (no daylight saving since 1993)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

COLOMBIA = timezone(timedelta(hours=-5), "America/Bogota")


def colombian_date(moment: datetime) -> date:
    return moment.astimezone(COLOMBIA).date()
