"""Shared pieces of the legacy schemas: lenient models, numbers, dates, field names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from facturo.api.models import LenientModel


class LegacyModel(LenientModel):
    """A PascalCase record of the legacy dialect."""


def _parse_yyyymmdd(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for pattern in ("%Y%m%d", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError("must be a date written yyyymmdd")


def _format_yyyymmdd(value: date | None) -> str | None:
    return value.strftime("%Y%m%d") if value else None


Yyyymmdd = Annotated[
    date | None,
    BeforeValidator(_parse_yyyymmdd),
    PlainSerializer(_format_yyyymmdd, return_type=str | None),
]


def none_if_not_positive(value: int | None) -> int | None:
    """The guide's -1 (and clients' 0) for "no tax / no user / no contact"."""
    return value if value is not None and value > 0 else None


def positive_or_sentinel(value: int | None) -> int:
    return value if value is not None else -1
