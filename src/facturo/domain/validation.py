"""A small collector of violations, so every rule is checked and all failures reported."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sized
from dataclasses import replace
from decimal import Decimal

from facturo.domain.errors import RuleViolations, Violation


class Checker:
    """Collects the violations of one request; ``raise_if_any`` ends the check."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, code: str, field: str, message: str, detail: str | None = None) -> None:
        self.violations.append(Violation(code, field, message, detail))

    def extend(self, violations: Iterable[Violation], *, prefix: str = "") -> None:
        """Adds violations found by another check, their fields under ``prefix``."""
        self.violations.extend(
            replace(v, field=prefix + v.field) if prefix else v for v in violations
        )

    def has_errors_on(self, field: str) -> bool:
        return any(v.field == field for v in self.violations)

    def required(self, value: object, field: str) -> bool:
        """True when present; blank strings, None and empty containers are missing."""
        missing = value is None or (isinstance(value, str) and not value.strip())
        missing = missing or (isinstance(value, (list, tuple, dict)) and not value)
        if missing:
            self.add("parameter_required", field, "The field {field} is required")
        return not missing

    def max_length(self, value: str | Sized | None, limit: int, field: str) -> None:
        if value is not None and len(value) > limit:
            self.add(
                "length_max",
                field,
                f"The field {{field}} exceeds the maximum length of {limit} characters",
            )

    def matches(self, value: str | None, pattern: re.Pattern[str], field: str, code: str) -> None:
        if value and not pattern.fullmatch(value):
            self.add(code, field, "The field {field} has an invalid value")

    def one_of(self, value: object, allowed: Iterable[object], field: str) -> None:
        options = list(allowed)
        if value is not None and value not in options:
            listed = ", ".join(str(o) for o in options)
            self.add("invalid_value", field, f"The field {{field}} must be one of: {listed}")

    def not_negative(self, value: Decimal | int | None, field: str) -> None:
        if value is not None and value < 0:
            self.add("invalid_amount", field, "The field {field} cannot be negative")

    def max_decimals(self, value: Decimal | None, places: int, field: str) -> None:
        if value is None or not value.is_finite():
            return
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.add(
                "invalid_amount",
                field,
                f"The field {{field}} admits at most {places} decimal places",
            )

    def raise_if_any(self) -> None:
        if self.violations:
            raise RuleViolations(self.violations)


EMAIL_PATTERN = re.compile(r"([-+.]*\w)+[-+.]*@([\w-]+\.)+[\w-]{2,}")

# Record ids are 64-bit integers: a larger number a client sends names no record, and must
# not reach the database (where it would overflow instead of simply finding nothing).
MAX_RECORD_ID = 2**63 - 1


def storable_ids(ids: Iterable[int]) -> list[int]:
    """The ids that could name a stored record; the others exist nowhere."""
    return [record_id for record_id in ids if -MAX_RECORD_ID <= record_id <= MAX_RECORD_ID]
