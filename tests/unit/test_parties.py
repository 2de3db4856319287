from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import (
    ContactData,
    PartyData,
    check_contact,
    check_party,
    normalize_party,
)


@dataclass
class FakeReference:
    """A few DIAN codes, enough for the rules: Colombia, Norte de Santander, Cúcuta, Bogotá."""

    countries: dict[str, str] = field(
        default_factory=lambda: {"CO": "Colombia", "US": "Estados Unidos"}
    )
    departments: dict[str, str] = field(
        default_factory=lambda: {"54": "Norte de Santander", "11": "Bogotá", "05": "Antioquia"}
    )
    municipalities: dict[str, str] = field(
        default_factory=lambda: {"54001": "Cúcuta", "11001": "Bogotá, D.C.", "05001": "Medellín"}
    )
    units: dict[str, str] = field(default_factory=lambda: {"94": "unidad"})

    def country_name(self, code: str) -> str | None:
        return self.countries.get(code)

    def department_name(self, code: str) -> str | None:
        return self.departments.get(code)

    def municipality_name(self, code: str) -> str | None:
        return self.municipalities.get(code)

    def unit_name(self, code: str) -> str | None:
        return self.units.get(code)


REFS = FakeReference()


def company_party(**changes: object) -> PartyData:
    data = PartyData(
        is_customer=True,
        is_company=True,
        full_name="Ferretería El Tornillo SAS",
        id_type_code="31",
        identification="800197268",
        place=Place("CO", "54", "54001"),
        address="Calle 10 # 4-20",
        phone=Phone(number="5712345"),
        email="compras@eltornillo.co",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def person_party(**changes: object) -> PartyData:
    data = PartyData(
        is_customer=True,
        first_name="Luisa Fernanda",
        last_name="Pérez",
        id_type_code="13",
        identification="1020304050",
        place=Place("CO", "11", "11001"),
        address="Avenida 68 # 22-10",
        phone=Phone(number="3001234567"),
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def violations(data: PartyData) -> set[tuple[str, str]]:
    return {(v.code, v.field) for v in check_party(normalize_party(data), REFS).violations}


def test_valid_company_and_person_pass() -> None:
    assert violations(company_party()) == set()
    assert violations(person_party()) == set()


def test_normalize_computes_nit_check_digit() -> None:
    assert normalize_party(company_party()).check_digit == 4


def test_normalize_takes_check_digit_written_with_the_nit() -> None:
    normalized = normalize_party(company_party(identification="800.197.268-4"))
    assert (normalized.identification, normalized.check_digit) == ("800197268", 4)


def test_wrong_check_digit_written_with_the_nit_is_refused() -> None:
    data = normalize_party(company_party(identification="800197268-5"))
    check = check_party(data, REFS)
    assert [(v.code, v.field) for v in check.violations] == [("invalid_value", "check_digit")]
    assert "is 4" in check.violations[0].message


def test_wrong_explicit_check_digit_is_refused() -> None:
    assert violations(company_party(check_digit=7)) == {("invalid_value", "check_digit")}


def test_check_digit_not_computed_for_other_id_types() -> None:
    assert normalize_party(person_party()).check_digit is None


def test_check_digit_outside_0_to_9_is_refused() -> None:
    assert violations(person_party(check_digit=12)) == {("invalid_value", "check_digit")}


@pytest.mark.parametrize(
    ("is_company", "expected"), [(True, ["O-48"]), (False, ["O-49"])], ids=["company", "person"]
)
def test_default_fiscal_responsibility(is_company: bool, expected: list[str]) -> None:
    data = company_party() if is_company else person_party()
    assert normalize_party(data).fiscal_responsibilities == expected


def test_fiscal_responsibilities_written_with_zero_are_read_as_o_and_deduplicated() -> None:
    data = company_party(fiscal_responsibilities=["0-48", " o-13 ", "O-48"])
    assert normalize_party(data).fiscal_responsibilities == ["O-48", "O-13"]


def test_unknown_fiscal_responsibility_is_refused_at_its_index() -> None:
    data = company_party(fiscal_responsibilities=["O-13", "X-99"])
    assert violations(data) == {("invalid_reference", "fiscal_responsibilities.1")}


def test_normalize_cleans_id_type_and_email() -> None:
    normalized = normalize_party(company_party(id_type_code=" 31 ", email="   "))
    assert normalized.id_type_code == "31"
    assert normalized.email is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (Place("Co", "54", "54001"), Place("CO", "54", "54001")),
        (Place("co", "54", "001"), Place("CO", "54", "54001")),
        (Place("CO", "5", "1"), Place("CO", "05", "05001")),
        (Place("US", None, "NYC"), Place("US", None, "NYC")),
    ],
)
def test_normalize_writes_places_the_dian_way(written: Place, expected: Place) -> None:
    assert normalize_party(company_party(place=written)).place == expected


def test_at_least_one_kind_is_required() -> None:
    assert violations(company_party(is_customer=False)) == {("invalid_value", "kinds")}


@pytest.mark.parametrize("kind", ["is_supplier", "is_prospect", "is_dealer", "is_other"])
def test_any_single_kind_is_enough(kind: str) -> None:
    data = company_party(is_customer=False, **{kind: True})
    assert violations(data) == set()


def test_company_needs_full_name_not_person_names() -> None:
    assert violations(company_party(full_name=" ")) == {("parameter_required", "full_name")}


def test_person_needs_first_and_last_name() -> None:
    assert violations(person_party(first_name=None, last_name="")) == {
        ("parameter_required", "first_name"),
        ("parameter_required", "last_name"),
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"full_name": "x" * 101}, ("length_max", "full_name")),
        ({"commercial_name": "x" * 101}, ("length_max", "commercial_name")),
        ({"address": "x" * 251}, ("length_max", "address")),
        ({"website": "x" * 501}, ("length_max", "website")),
        ({"comments": "x" * 4001}, ("length_max", "comments")),
        ({"postal_code": "54 001"}, ("length_max", "postal_code")),
        ({"email": "no-es-un-correo"}, ("invalid_email", "email")),
        ({"branch_office": 1000}, ("invalid_value", "branch_office")),
        ({"branch_office": -1}, ("invalid_value", "branch_office")),
        ({"address": None}, ("parameter_required", "address")),
        ({"phone": Phone()}, ("parameter_required", "phone.number")),
        ({"phone": Phone(number="57-12345")}, ("invalid_value", "phone.number")),
        ({"fax": Phone(number="12345678901")}, ("invalid_value", "fax.number")),
        ({"id_type_code": None}, ("parameter_required", "id_type_code")),
        ({"id_type_code": "99"}, ("invalid_reference", "id_type_code")),
        ({"identification": ""}, ("parameter_required", "identification")),
        ({"identification": "80019726A"}, ("invalid_identification", "identification")),
        ({"identification": "12"}, ("invalid_identification", "identification")),
    ],
)
def test_company_field_rules(changes: dict[str, object], expected: tuple[str, str]) -> None:
    assert violations(company_party(**changes)) == {expected}


@pytest.mark.parametrize("identification", ["AB123456", "X-1", "P1"])
def test_passport_accepts_letters_and_inner_hyphens(identification: str) -> None:
    assert violations(person_party(id_type_code="41", identification=identification)) == set()


@pytest.mark.parametrize("identification", ["-AB12", "AB 12", "A" * 21])
def test_passport_refuses_other_characters(identification: str) -> None:
    data = person_party(id_type_code="41", identification=identification)
    assert violations(data) == {("invalid_identification", "identification")}


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        (Place(None, "54", "54001"), {("parameter_required", "place.country_code")}),
        (Place("XX", "54", "54001"), {("invalid_reference", "place.country_code")}),
        (Place("CO", "99", "54001"), {("invalid_reference", "place.state_code")}),
        (Place("CO", None, "54001"), {("parameter_required", "place.state_code")}),
        (Place("CO", "54", None), {("parameter_required", "place.city_code")}),
        (Place("CO", "54", "54999"), {("invalid_reference", "place.city_code")}),
        (Place("CO", "54", "11001"), {("invalid_reference", "place.city_code")}),
    ],
)
def test_place_rules(place: Place, expected: set[tuple[str, str]]) -> None:
    assert violations(company_party(place=place)) == expected


def test_foreign_place_needs_no_dian_department_or_city() -> None:
    assert violations(company_party(place=Place("US", None, None))) == set()


def test_every_violation_is_reported_at_once() -> None:
    data = PartyData(is_company=True)
    found = violations(data)
    assert {
        ("invalid_value", "kinds"),
        ("parameter_required", "full_name"),
        ("parameter_required", "id_type_code"),
        ("parameter_required", "identification"),
        ("parameter_required", "place.country_code"),
        ("parameter_required", "address"),
        ("parameter_required", "phone.number"),
    } <= found


def contact(**changes: object) -> ContactData:
    data = ContactData(
        party_id=1, first_name="Marta", last_name="Suárez", email="marta@eltornillo.co"
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def contact_violations(data: ContactData) -> set[tuple[str, str]]:
    return {(v.code, v.field) for v in check_contact(data).violations}


def test_valid_contact_passes() -> None:
    assert contact_violations(contact()) == set()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"party_id": None}, ("parameter_required", "party_id")),
        ({"first_name": ""}, ("parameter_required", "first_name")),
        ({"last_name": "x" * 51}, ("length_max", "last_name")),
        ({"email": None}, ("parameter_required", "email")),
        ({"email": "marta@"}, ("invalid_email", "email")),
        ({"gender": 2}, ("invalid_value", "gender")),
        ({"mobile": Phone(number="300 123")}, ("invalid_value", "mobile.number")),
    ],
)
def test_contact_field_rules(changes: dict[str, object], expected: tuple[str, str]) -> None:
    assert contact_violations(contact(**changes)) == {expected}
