"""Shared pieces of the current API's records: lenient models, dates, timestamps, GUIDs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from facturo.api.models import LenientModel
from facturo.domain.calendar import COLOMBIA
from facturo.domain.errors import RuleViolations, Violation


class CurrentModel(LenientModel):
    """A snake_case record of the current dialect: booleans and numbers may come as strings
    (``"true"``, ``"1406"``), unknown keys are ignored."""


def _parse_date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("must be a date written yyyy-MM-dd") from None


def _format_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


IsoDate = Annotated[
    date | None,
    BeforeValidator(_parse_date),
    PlainSerializer(_format_date, return_type=str | None),
]


def timestamp(value: datetime | None) -> str | None:
    """A moment as Siigo writes it: UTC with milliseconds, ``2020-06-15T03:33:17.208Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def instant_filter(value: str | None, parameter: str) -> datetime | None:
    """A list filter on creation or update: ``yyyy-MM-dd`` (that day's first instant in
    Colombia, so ``created_end=<today>`` leaves today out, as Siigo does) or a full
    ``yyyy-MM-ddTHH:mm:ssZ`` instant."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) <= 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(0), tzinfo=COLOMBIA).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad_date(parameter) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def date_filter(value: str | None, parameter: str) -> date | None:
    """A list filter on a document's own date (``date_start``, ``date_end``): inclusive days."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise _bad_date(parameter) from None


def _bad_date(parameter: str) -> RuleViolations:
    return RuleViolations(
        [
            Violation(
                "invalid_date",
                parameter,
                "The field {field} must be a date, yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ",
            )
        ]
    )


def guid_or_none(value: Any) -> uuid.UUID | None:
    """A GUID a client sent, or None when it is not one (the record then does not exist)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError):
        return None
