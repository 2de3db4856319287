"""Pieces every legacy resource uses: the page parameter, phones and cities, delete answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from facturo.api.legacy.base import LegacyModel
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import RuleViolations, Violation
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest

NumberPage = Annotated[
    int, Query(alias="numberPage", ge=0, description="Page number, from 0; past the end: []")
]


def page_request(ctx: ServiceContext, number_page: int) -> PageRequest:
    return PageRequest.numbered(number_page, ctx.settings.legacy_page_size, first=0)


class PhoneRecord(LegacyModel):
    Indicative: str | None = None
    Number: str | None = None
    Extention: str | None = None  # sic, as the guide spells it

    def to_domain(self) -> Phone:
        return Phone(_text(self.Indicative), _text(self.Number), _text(self.Extention))

    @classmethod
    def from_domain(cls, phone: Phone) -> PhoneRecord | None:
        if phone.is_empty:
            return None
        return cls.model_construct(
            Indicative=phone.indicative, Number=phone.number, Extention=phone.extension
        )


def phone_of(record: PhoneRecord | None) -> Phone:
    return record.to_domain() if record else Phone()


class CityRecord(LegacyModel):
    CountryCode: str | None = None
    StateCode: str | None = None
    CityCode: str | None = None

    @classmethod
    def from_domain(cls, place: Place) -> CityRecord:
        return cls.model_construct(
            CountryCode=place.country_code, StateCode=place.state_code, CityCode=place.city_code
        )


def place_of(record: CityRecord | None) -> Place:
    if record is None:
        return Place()
    return Place(record.CountryCode, record.StateCode, record.CityCode)


def required_id(value: int | None) -> int:
    """The record ``Update`` replaces is named by the ``Id`` in its body."""
    if value is None or value <= 0:
        raise RuleViolations(
            [Violation("parameter_required", "id", "The field {field} is required")]
        )
    return value


class Deleted(LegacyModel):
    Id: int
    Deleted: bool = True


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None
