"""Numbering ranges: when a document may take a number, manual numbers, and the warnings a
document type shows as its range runs out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from facturo.domain.catalogs import NumberingRange
from facturo.domain.numbering import check_issuable, check_manual_number, warnings

TODAY = date(2024, 6, 15)


def numbering(**changes: object) -> NumberingRange:
    """The DIAN test range SETP 990000000-995000000, valid through 2024, half used."""
    base = NumberingRange(
        company_id=1,
        id=1,
        document_type_id=1,
        prefix="SETP",
        first_number=990000000,
        last_number=995000000,
        next_number=992500000,
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        resolution_number="18760000001",
        resolution_date=date(2023, 12, 20),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def hundred(next_number: int, valid_to: date | None = None) -> NumberingRange:
    """A range of exactly 100 numbers (1-100), to make percentages easy to read."""
    return numbering(
        prefix="TAL", first_number=1, last_number=100, next_number=next_number, valid_to=valid_to
    )


def issuable_errors(range_: NumberingRange | None, on: date = TODAY) -> list[tuple[str, str]]:
    return [(v.code, v.field) for v in check_issuable(range_, on).violations]


def warning_codes(range_: NumberingRange, today: date = TODAY) -> list[str]:
    return [w.code for w in warnings(range_, today, used_percent=90, days_left=30)]


# --- check_issuable ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("range_", "on"),
    [
        pytest.param(numbering(), TODAY, id="in-the-middle"),
        pytest.param(numbering(), date(2024, 1, 1), id="on-valid-from"),
        pytest.param(numbering(), date(2024, 12, 31), id="on-valid-to"),
        pytest.param(numbering(next_number=995000000), TODAY, id="last-number-left"),
        pytest.param(numbering(next_number=990000000), TODAY, id="first-number"),
        pytest.param(
            numbering(valid_from=None, valid_to=None), date(2031, 1, 1), id="no-validity-dates"
        ),
    ],
)
def test_a_valid_range_can_issue(range_: NumberingRange, on: date) -> None:
    assert issuable_errors(range_, on) == []


@pytest.mark.parametrize(
    "range_",
    [pytest.param(None, id="missing"), pytest.param(numbering(active=False), id="inactive")],
)
def test_without_an_active_range_nothing_is_issued(range_: NumberingRange | None) -> None:
    assert issuable_errors(range_) == [("document_settings", "document_type_id")]


def test_a_date_before_the_range_is_valid_is_refused() -> None:
    check = check_issuable(numbering(), date(2023, 12, 31))
    [violation] = check.violations
    assert (violation.code, violation.field) == ("invalid_dian_resolution", "date")
    assert "valid from 2024-01-01" in violation.message


def test_a_date_after_the_range_expired_is_refused() -> None:
    check = check_issuable(numbering(), date(2025, 1, 1))
    [violation] = check.violations
    assert (violation.code, violation.field) == ("invalid_dian_resolution", "date")
    assert "SETP990000000-SETP995000000 expired on 2024-12-31" in violation.message


def test_an_exhausted_range_is_refused() -> None:
    check = check_issuable(numbering(next_number=995000001), TODAY)
    [violation] = check.violations
    assert (violation.code, violation.field) == ("invalid_dian_resolution", "document_type_id")
    assert "exhausted (last number 995000000)" in violation.message


def test_an_expired_and_exhausted_range_reports_both() -> None:
    range_ = numbering(next_number=995000001)
    assert issuable_errors(range_, date(2025, 1, 1)) == [
        ("invalid_dian_resolution", "date"),
        ("invalid_dian_resolution", "document_type_id"),
    ]


# --- check_manual_number ----------------------------------------------------------------------


def manual_errors(number: int | None) -> list[tuple[str, str]]:
    range_ = numbering(prefix="TAL", first_number=1, last_number=99999, next_number=1)
    return [(v.code, v.field) for v in check_manual_number(range_, number).violations]


@pytest.mark.parametrize("number", [1, 500, 99999])
def test_a_manual_number_inside_the_range_is_accepted(number: int) -> None:
    assert manual_errors(number) == []


@pytest.mark.parametrize("number", [0, -1, 100000])
def test_a_manual_number_outside_the_range_is_refused(number: int) -> None:
    assert manual_errors(number) == [("invalid_range", "number")]


def test_a_manual_number_outside_the_range_names_the_bounds() -> None:
    range_ = numbering(prefix="TAL", first_number=1, last_number=99999, next_number=1)
    [violation] = check_manual_number(range_, 100000).violations
    assert violation.message == "The field {field} must lie between 1 and 99999"


def test_a_manual_number_is_required() -> None:
    assert manual_errors(None) == [("parameter_required", "number")]


# --- warnings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_number", "expected"),
    [
        pytest.param(1, [], id="unused"),
        pytest.param(90, [], id="89-percent-used"),
        pytest.param(91, ["numbering_running_out"], id="exactly-90-percent-used"),
        pytest.param(100, ["numbering_running_out"], id="one-number-left"),
        pytest.param(101, ["numbering_exhausted"], id="exhausted"),
    ],
)
def test_warnings_by_numbers_used(next_number: int, expected: list[str]) -> None:
    assert warning_codes(hundred(next_number)) == expected


def test_running_out_warning_says_how_much_is_used_and_left() -> None:
    [warning] = warnings(hundred(91), TODAY, used_percent=90, days_left=30)
    assert warning.message == "The range TAL1-TAL100 has used 90 % of its numbers (10 left)"


def test_running_out_threshold_is_not_reached_by_rounding() -> None:
    """899 of 1000 numbers is 89.9 %: not yet 90 %."""
    range_ = numbering(prefix="", first_number=1, last_number=1000, next_number=900, valid_to=None)
    assert warning_codes(range_) == []
    assert warning_codes(replace(range_, next_number=901)) == ["numbering_running_out"]


def test_the_running_out_threshold_is_configurable() -> None:
    found = warnings(hundred(51), TODAY, used_percent=50, days_left=30)
    assert [w.code for w in found] == ["numbering_running_out"]


@pytest.mark.parametrize(
    ("days_to_expiry", "expected"),
    [
        pytest.param(31, [], id="31-days-left"),
        pytest.param(30, ["numbering_expiring"], id="exactly-30-days-left"),
        pytest.param(1, ["numbering_expiring"], id="expires-tomorrow"),
        pytest.param(0, ["numbering_expiring"], id="expires-today"),
        pytest.param(-1, ["numbering_expired"], id="expired-yesterday"),
    ],
)
def test_warnings_by_days_left(days_to_expiry: int, expected: list[str]) -> None:
    range_ = hundred(1, valid_to=TODAY + timedelta(days=days_to_expiry))
    assert warning_codes(range_) == expected


def test_expiring_warning_says_how_many_days_are_left() -> None:
    [warning] = warnings(
        hundred(1, valid_to=date(2024, 7, 5)), TODAY, used_percent=90, days_left=30
    )
    assert warning.message == "The range TAL1-TAL100 expires on 2024-07-05 (20 days left)"


def test_a_range_without_end_date_never_expires() -> None:
    assert warning_codes(hundred(1, valid_to=None), date(2099, 1, 1)) == []


def test_the_days_left_threshold_is_configurable() -> None:
    range_ = hundred(1, valid_to=TODAY + timedelta(days=45))
    found = warnings(range_, TODAY, used_percent=90, days_left=60)
    assert [w.code for w in found] == ["numbering_expiring"]


def test_an_exhausted_and_expired_range_shows_both_warnings() -> None:
    range_ = hundred(101, valid_to=TODAY - timedelta(days=10))
    assert warning_codes(range_) == ["numbering_exhausted", "numbering_expired"]


def test_a_range_running_out_and_expiring_shows_both_warnings() -> None:
    range_ = hundred(95, valid_to=TODAY + timedelta(days=5))
    assert warning_codes(range_) == ["numbering_running_out", "numbering_expiring"]
