"""Value objects shared by terceros and contacts: phones and places."""

from __future__ import annotations

import re
from dataclasses import dataclass

from facturo.domain.reference import COLOMBIA, ReferenceData
from facturo.domain.validation import Checker

PHONE_PART = re.compile(r"\d{1,10}")


@dataclass(frozen=True, slots=True)
class Phone:
    indicative: str | None = None
    number: str | None = None
    extension: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.indicative or self.number or self.extension)


def check_phone(check: Checker, phone: Phone, field: str, *, number_required: bool) -> None:
    if number_required:
        check.required(phone.number, f"{field}.number")
    for part in ("indicative", "number", "extension"):
        value = getattr(phone, part)
        if value and not PHONE_PART.fullmatch(value):
            check.add(
                "invalid_value",
                f"{field}.{part}",
                "The field {field} must be digits only, at most 10",
            )


@dataclass(frozen=True, slots=True)
class Place:
    """Country, department (state) and city by DIAN code; city is the 5-digit DIVIPOLA code."""

    country_code: str | None = None
    state_code: str | None = None
    city_code: str | None = None


def normalize_place(place: Place) -> Place:
    """Codes as clients write them (``Co``, ``54``, ``001``) in DIAN's form (``CO``, ``54001``)."""
    country = (place.country_code or "").strip().upper() or None
    state = (place.state_code or "").strip() or None
    city = (place.city_code or "").strip() or None
    if country == COLOMBIA:
        if state and state.isdigit() and len(state) == 1:
            state = state.zfill(2)
        if city and city.isdigit() and len(city) <= 3 and state:
            city = state + city.zfill(3)  # a city code relative to its department
    return Place(country, state, city)


def check_place(check: Checker, place: Place, field: str, refs: ReferenceData) -> None:
    if not check.required(place.country_code, f"{field}.country_code"):
        return
    country = place.country_code or ""
    if refs.country_name(country) is None:
        check.add(
            "invalid_reference", f"{field}.country_code", "The field {field} is not a country code"
        )
        return
    if country != COLOMBIA:
        return  # DIAN only lists Colombian departments and municipalities
    state_ok = check.required(place.state_code, f"{field}.state_code")
    if state_ok and refs.department_name(place.state_code or "") is None:
        check.add(
            "invalid_reference", f"{field}.state_code", "The field {field} is not a DIAN department"
        )
        state_ok = False
    if not check.required(place.city_code, f"{field}.city_code"):
        return
    city = place.city_code or ""
    if refs.municipality_name(city) is None:
        check.add(
            "invalid_reference",
            f"{field}.city_code",
            "The field {field} is not a DIAN municipality",
        )
    elif state_ok and not city.startswith(place.state_code or ""):
        check.add(
            "invalid_reference",
            f"{field}.city_code",
            f"The field {{field}} is not a municipality of department {place.state_code}",
        )
