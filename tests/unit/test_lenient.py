from __future__ import annotations

import json
from typing import Any

import pytest

from facturo.api.fields import legacy_field_name, pascal
from facturo.api.lenient import UnreadableBody, normalize_body, read_lenient


@pytest.mark.parametrize(
    "body",
    [
        b'{"Name": "Ferreter\xc3\xada", "Id": 7}',
        b"[]",
        b"{}",
        b'  {"a": [1, 2.5, null, true]}\n',
        b'\xef\xbb\xbf{"a": 1}',
    ],
)
def test_strict_json_is_left_untouched(body: bytes) -> None:
    assert normalize_body(body) is None


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_body_is_left_untouched(body: bytes) -> None:
    assert normalize_body(body) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{'TaxAddName': '', 'Code': 'TORN-001'}", {"TaxAddName": "", "Code": "TORN-001"}),
        ('{"IsPrincipal": true,}', {"IsPrincipal": True}),
        ('{"Prices": [1, 2,],}', {"Prices": [1, 2]}),
        (
            "{'type': 'Customer', 'id_type': '13', 'email': None, 'active': True, 'vat': False}",
            {"type": "Customer", "id_type": "13", "email": None, "active": True, "vat": False},
        ),
        ("[{'a': 1}, {'a': 2}]", [{"a": 1}, {"a": 2}]),
        ('{"Number": 0343214444}', {"Number": "0343214444"}),
        (
            '{"Phone": {"Indicative": 057, "Number": 0343214444, "Extension": 012}}',
            {"Phone": {"Indicative": "057", "Number": "0343214444", "Extension": "012"}},
        ),
        (
            '{\'TaxAddName\': \'\', "Phone": {"Number": 0343214444,}, "IsPrincipal": true,}',
            {"TaxAddName": "", "Phone": {"Number": "0343214444"}, "IsPrincipal": True},
        ),
        ('{"Numbers": [0343214444, 0312345678]}', {"Numbers": ["0343214444", "0312345678"]}),
        (
            "{'Address': 'Calle 10, 012]', 'Number': 0343214444}",
            {"Address": "Calle 10, 012]", "Number": "0343214444"},
        ),
        ('{"Id": 0, "Price": 0.5}', {"Id": 0, "Price": 0.5}),
    ],
    ids=[
        "single-quotes",
        "trailing-comma-object",
        "trailing-comma-array",
        "python-repr",
        "python-repr-list",
        "leading-zero",
        "leading-zeros-in-object",
        "ruby-client-mix",
        "leading-zeros-in-array",
        "leading-zeros-inside-strings-untouched",
        "zero-is-a-number",
    ],
)
def test_lenient_forms_read_as_their_value(text: str, value: Any) -> None:
    assert read_lenient(text) == value


def test_lenient_body_becomes_strict_json_with_text_intact() -> None:
    raw = "{'Name': 'Cúcuta', 'Number': 0343214444,}".encode()
    normalized = normalize_body(raw)
    assert normalized is not None
    assert json.loads(normalized) == {"Name": "Cúcuta", "Number": "0343214444"}
    assert "Cúcuta".encode() in normalized


@pytest.mark.parametrize(
    "text", ["garbage", '{"a": 1', "{'a': }", "{{}}", "<xml/>", "{'a': print('x')}"]
)
def test_unreadable_bodies_raise(text: str) -> None:
    with pytest.raises(UnreadableBody):
        read_lenient(text)


def test_unreadable_bytes_raise_from_normalize_body() -> None:
    with pytest.raises(UnreadableBody):
        normalize_body(b"\xff{")


def test_unreadable_body_is_a_value_error() -> None:
    assert issubclass(UnreadableBody, ValueError)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("is_company", "IsCompany"),
        ("id_type_code", "IdTypeCode"),
        ("phone", "Phone"),
        ("x_1", "X1"),
        ("IsSocialReason", "IsSocialReason"),
        ("", ""),
    ],
)
def test_pascal(segment: str, expected: str) -> None:
    assert pascal(segment) == expected


NAMES = {
    "is_company": "IsSocialReason",
    "place": "City",
    "prices": "PriceList",
    "phone": "Phone",
    "phone.number": "PhoneNumber",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ""),
        ("is_company", "IsSocialReason"),
        ("place.city_code", "City.CityCode"),
        ("prices.3", "PriceList[3]"),
        ("phone.number", "PhoneNumber"),
        ("phone.extension", "Phone.Extension"),
        ("contacts.2.email", "Contacts[2].Email"),
        ("fiscal_responsibilities.0", "FiscalResponsibilities[0]"),
        ("check_digit", "CheckDigit"),
    ],
)
def test_legacy_field_name(path: str, expected: str) -> None:
    assert legacy_field_name(path, NAMES) == expected
