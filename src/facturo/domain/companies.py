"""The companies (tenants) Facturo keeps books for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from facturo.domain.nit import nit_check_digit, split_nit
from facturo.domain.users import COMPANY_KEY_PATTERN
from facturo.domain.validation import Checker


@dataclass(kw_only=True, eq=False)
class Company:
    id: int | None = None
    key: str  # NOMBRE_CLAVE: the tenant key users sign in with ("key\\username")
    name: str
    nit: str
    check_digit: int
    allow_negative_stock: bool = False
    active: bool = True
    created_at: datetime | None = None


def normalize_company_key(key: str) -> str:
    return key.strip().lower()


def check_company(key: str, name: str, nit: str) -> Checker:
    check = Checker()
    if check.required(key, "key") and not COMPANY_KEY_PATTERN.fullmatch(normalize_company_key(key)):
        check.add(
            "invalid_value",
            "key",
            "The field {field} must be 2 to 50 letters, digits, dots, hyphens or underscores",
        )
    if check.required(name, "name"):
        check.max_length(name, 200, "name")
    if check.required(nit, "nit"):
        number, written = split_nit(nit)
        if not (number.isdigit() and 3 <= len(number) <= 13):
            check.add("invalid_identification", "nit", "The field {field} must be 3 to 13 digits")
        elif written is not None and written != nit_check_digit(number):
            check.add(
                "invalid_value",
                "nit",
                f"The field {{field}} is wrong: the check digit of NIT {number} is {nit_check_digit(number)}",
            )
    return check


def company_nit(nit: str) -> tuple[str, int]:
    """The NIT's number and its check digit (``check_company`` has accepted it)."""
    number, _ = split_nit(nit)
    return number, nit_check_digit(number)
