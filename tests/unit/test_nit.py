from __future__ import annotations

import pytest

from facturo.domain.nit import nit_check_digit, split_nit


@pytest.mark.parametrize(
    ("nit", "check_digit"),
    [
        ("800197268", 4),
        ("830084433", 7),
        ("901210113", 3),
        ("860002964", 4),
        ("890903938", 8),
        ("899999068", 1),
        ("900000002", 1),
        ("900000009", 0),
        ("900000013", 0),
    ],
)
def test_check_digit_follows_dian_modulo_11(nit: str, check_digit: int) -> None:
    assert nit_check_digit(nit) == check_digit


def test_check_digit_of_short_nit() -> None:
    """Weights apply from the right, so leading zeros do not change the digit."""
    assert nit_check_digit("123") == nit_check_digit("000000123") == 8


@pytest.mark.parametrize("nit", ["", "80019726A", "800-197-268", "1234567890123456"])
def test_check_digit_refuses_what_is_not_a_nit(nit: str) -> None:
    with pytest.raises(ValueError, match="NIT"):
        nit_check_digit(nit)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("800.197.268-4", ("800197268", 4)),
        ("800197268-4", ("800197268", 4)),
        (" 800 197 268-4 ", ("800197268", 4)),
        ("800,197,268", ("800197268", None)),
        ("800197268", ("800197268", None)),
        ("900000009-0", ("900000009", 0)),
    ],
)
def test_split_nit_separates_number_and_written_check_digit(
    written: str, expected: tuple[str, int | None]
) -> None:
    assert split_nit(written) == expected


@pytest.mark.parametrize("written", ["800197268-", "800197268-45", "800197268-X"])
def test_split_nit_keeps_a_malformed_suffix_in_the_number(written: str) -> None:
    number, check_digit = split_nit(written)
    assert check_digit is None
    assert not number.isdigit()
