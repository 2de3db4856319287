"""Numbering ranges: gapless consecutive numbers under a DIAN resolution, and their warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from facturo.domain.catalogs import NumberingRange
from facturo.domain.validation import Checker


def check_issuable(numbering: NumberingRange | None, on: date) -> Checker:
    """Whether a document dated ``on`` can take a number from ``numbering``."""
    check = Checker()
    if numbering is None or not numbering.active:
        check.add(
            "document_settings",
            "document_type_id",
            "The document type has no active numbering range",
        )
        return check
    check.extend(check_valid_on(numbering, on).violations)
    if numbering.next_number > numbering.last_number:
        check.add(
            "invalid_dian_resolution",
            "document_type_id",
            f"The numbering range {_label(numbering)} is exhausted (last number {numbering.last_number}); "
            "request a new resolution from the DIAN",
        )
    return check


def check_valid_on(numbering: NumberingRange, on: date) -> Checker:
    """Whether the range's resolution covers a document dated ``on`` (also when a document
    that already has its number is replaced with another date)."""
    check = Checker()
    if numbering.valid_from and on < numbering.valid_from:
        check.add(
            "invalid_dian_resolution",
            "date",
            f"The numbering range {_label(numbering)} is valid from {numbering.valid_from.isoformat()}",
        )
    if numbering.valid_to and on > numbering.valid_to:
        check.add(
            "invalid_dian_resolution",
            "date",
            f"The numbering range {_label(numbering)} expired on {numbering.valid_to.isoformat()}; "
            "request a new resolution from the DIAN",
        )
    return check


def check_manual_number(numbering: NumberingRange, number: int | None) -> Checker:
    check = Checker()
    if (
        check.required(number, "number")
        and number is not None
        and not numbering.first_number <= number <= numbering.last_number
    ):
        check.add(
            "invalid_range",
            "number",
            f"The field {{field}} must lie between {numbering.first_number} and {numbering.last_number}",
        )
    return check


@dataclass(frozen=True, slots=True)
class NumberingWarning:
    code: (
        str  # numbering_running_out | numbering_expiring | numbering_exhausted | numbering_expired
    )
    message: str


def warnings(
    numbering: NumberingRange, today: date, *, used_percent: int, days_left: int
) -> list[NumberingWarning]:
    """What the document type shows about its range: near its end in numbers or in time."""
    found = []
    size = numbering.last_number - numbering.first_number + 1
    used = numbering.next_number - numbering.first_number
    if used >= size:
        found.append(
            NumberingWarning("numbering_exhausted", f"The range {_label(numbering)} is exhausted")
        )
    elif used * 100 >= size * used_percent:
        left = size - used
        found.append(
            NumberingWarning(
                "numbering_running_out",
                f"The range {_label(numbering)} has used {used * 100 // size} % of its numbers ({left} left)",
            )
        )
    if numbering.valid_to is not None:
        remaining = (numbering.valid_to - today).days
        if remaining < 0:
            found.append(
                NumberingWarning(
                    "numbering_expired",
                    f"The range {_label(numbering)} expired on {numbering.valid_to}",
                )
            )
        elif remaining <= days_left:
            found.append(
                NumberingWarning(
                    "numbering_expiring",
                    f"The range {_label(numbering)} expires on {numbering.valid_to} ({remaining} days left)",
                )
            )
    return found


def _label(numbering: NumberingRange) -> str:
    return f"{numbering.prefix}{numbering.first_number}-{numbering.prefix}{numbering.last_number}"
