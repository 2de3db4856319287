"""Query-string filters of the current API's lists: booleans, whole numbers, choices, periods.

Clients write them as they like (``active=true``, ``active=1``, ``branch_office=0``); a value
that cannot mean anything is refused with ``invalid_value`` naming the parameter, rather than
silently ignored (a typo would otherwise list everything).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from fastapi import Query

from facturo.api.current.base import date_filter, instant_filter
from facturo.domain.calendar import COLOMBIA
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.queries import Period

T = TypeVar("T")

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def text_filter(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def boolean_filter(value: str | None, parameter: str) -> bool | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _invalid(parameter, "The parameter {field} must be true or false")


def whole_number_filter(value: str | None, parameter: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise _invalid(parameter, "The parameter {field} must be a whole number") from None


def choice_filter(value: str | None, parameter: str, choices: Mapping[str, T]) -> T | None:
    """One of ``choices`` (keys compared without regard to letter case)."""
    text = (value or "").strip().lower()
    if not text:
        return None
    for name, choice in choices.items():
        if name.lower() == text:
            return choice
    allowed = ", ".join(choices)
    raise _invalid(parameter, f"The parameter {{field}} must be one of: {allowed}")


def instants(start: str | None, end: str | None, *, prefix: str) -> Period:
    """``{prefix}_start`` / ``{prefix}_end`` as moments (``created``, ``updated``): a bare date
    is that day's first instant in Colombia, so an end date leaves its own day out, as Siigo
    does."""
    return Period(instant_filter(start, f"{prefix}_start"), instant_filter(end, f"{prefix}_end"))


def days(start: str | None, end: str | None, *, prefix: str) -> Period:
    """``{prefix}_start`` / ``{prefix}_end`` as whole Colombian days, both included."""
    first = date_filter(start, f"{prefix}_start")
    last = date_filter(end, f"{prefix}_end")
    return Period(
        datetime.combine(first, time(0), tzinfo=COLOMBIA) if first else None,
        _day_end(last) if last else None,
    )


def _day_end(day: date) -> datetime | None:
    """The last instant of ``day`` in Colombia; None (no end) for the calendar's last day."""
    if day == date.max:
        return None  # its end is past what a datetime holds: nothing is later anyway
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=COLOMBIA) - timedelta(
        microseconds=1
    )


_DOCUMENT_NAME = re.compile(r"([A-Za-z]{2})-(\d+)-(\d+)")


@dataclass(frozen=True)
class DocumentListing:
    """The parameters every document list shares: ``name`` (``FV-1-5``: class, type code and
    number), and ``created_*``, ``date_*`` and ``updated_*`` periods."""

    type_code: int | None
    number: int | None
    names_none: bool  # the name is no document of the list's class (``NC-1-5``, ``abc``)
    date_from: date | None
    date_to: date | None
    created_from: datetime | None
    created_to: datetime | None
    updated_from: datetime | None
    updated_to: datetime | None

    def periods(self) -> dict[str, Any]:
        """The periods, as keyword arguments of the store's document and receipt filters."""
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "created_from": self.created_from,
            "created_to": self.created_to,
            "updated_from": self.updated_from,
            "updated_to": self.updated_to,
        }


def document_listing(class_code: str) -> Callable[..., DocumentListing]:
    """A route dependency reading a document list's shared query parameters for documents of
    ``class_code`` (``FV``, ``NC``, ``RC``)."""

    def read(
        # A default, not an annotation: annotations are strings here and cannot see
        # ``class_code``.
        name: str | None = Query(None, description=f"{class_code}-<type code>-<number>"),
        created_start: str | None = None,
        created_end: str | None = None,
        date_start: str | None = None,
        date_end: str | None = None,
        updated_start: str | None = None,
        updated_end: str | None = None,
    ) -> DocumentListing:
        type_code = number = None
        names_none = False
        text = (name or "").strip()
        if text:
            named = _DOCUMENT_NAME.fullmatch(text)
            if named is None or named[1].upper() != class_code:
                names_none = True
            else:
                type_code, number = int(named[2]), int(named[3])
        return DocumentListing(
            type_code=type_code,
            number=number,
            names_none=names_none,
            date_from=date_filter(date_start, "date_start"),
            date_to=date_filter(date_end, "date_end"),
            created_from=instant_filter(created_start, "created_start"),
            created_to=instant_filter(created_end, "created_end"),
            updated_from=instant_filter(updated_start, "updated_start"),
            updated_to=instant_filter(updated_end, "updated_end"),
        )

    return read


def _invalid(parameter: str, message: str) -> RuleViolations:
    return RuleViolations([Violation("invalid_value", parameter, message)])
