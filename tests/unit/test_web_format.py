"""Colombian formats of the web app, both ways."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from facturo.web.format import fecha, fecha_hora, number, parse_amount, pesos


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567.89"), "$ 1.234.567,89"),
        (Decimal("0"), "$ 0,00"),
        (Decimal("-1500.5"), "-$ 1.500,50"),
        (Decimal("999.999"), "$ 1.000,00"),
    ],
)
def test_pesos(value: Decimal, shown: str) -> None:
    assert pesos(value) == shown


def test_numbers_and_dates() -> None:
    assert number(Decimal("1234.50")) == "1.234,5"
    assert number(Decimal("3.0000")) == "3"
    assert fecha(date(2026, 11, 21)) == "21/11/2026"
    # 02:30 UTC is still the 20th in Bogotá (UTC-5).
    assert fecha(datetime(2026, 11, 21, 2, 30, tzinfo=UTC)) == "20/11/2026"
    assert fecha_hora(datetime(2026, 11, 21, 17, 5, tzinfo=UTC)) == "21/11/2026 12:05 p. m."


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.234.567,89", "1234567.89"),
        ("$ 1.234", "1234"),
        ("1234,5", "1234.5"),
        ("1234567.89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("0.125", "0.125"),
        ("0,125", "0.125"),
        ("-3", "-3"),
    ],
)
def test_parse_amount(typed: str, value: str) -> None:
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "abc", "1e5", "NaN", "1.2.3,4,5", "9" * 31, "1,2.3"])
def test_parse_amount_refuses(typed: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(typed)
