"""Money: Decimal only, rounded in one place.

Amounts round half up to two decimals at each step of a line (shared/reference/siigo-api.md
§0.1 item 8): the commercial rounding Colombian invoices use. Changing ``ROUNDING`` changes
it everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

ROUNDING = ROUND_HALF_UP
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def money(value: Decimal | int) -> Decimal:
    """``value`` rounded to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUNDING)


def percent_of(base: Decimal, percentage: Decimal) -> Decimal:
    return money(base * percentage / HUNDRED)


def total(values: Iterable[Decimal]) -> Decimal:
    return money(sum(values, ZERO))


def plain(value: Decimal) -> str:
    """A number as people write it in a message: ``119000``, ``50529.32``."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
