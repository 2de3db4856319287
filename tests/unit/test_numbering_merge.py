"""Merging the ranges the DIAN reports (GetNumberingRange) into a company's ranges: matching by
prefix and resolution, next numbers that never move back, and which range becomes active."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from facturo.domain.catalogs import NumberingRange
from facturo.domain.numbering import (
    AuthorizedRange,
    MergeOutcome,
    NumberingMerge,
    merge_authorized,
)

TODAY = date(2026, 6, 15)
KEY = "693ff6f2a553c3646a063436fd4dd9ded0311471"
HABILITACION_KEY = "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"


def setp(**changes: object) -> NumberingRange:
    """The habilitación range every company starts with, active."""
    base = NumberingRange(
        company_id=1,
        id=1,
        document_type_id=10,
        prefix="SETP",
        first_number=990000000,
        last_number=995000000,
        next_number=990000005,
        valid_from=date(2019, 1, 19),
        valid_to=date(2030, 1, 19),
        resolution_number="18760000001",
        resolution_date=date(2019, 1, 19),
        technical_key=HABILITACION_KEY,
        active=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def fev(**changes: object) -> AuthorizedRange:
    base = AuthorizedRange(
        prefix="FEV",
        first_number=1,
        last_number=5000,
        resolution_number="18764000001234",
        resolution_date=date(2026, 1, 15),
        valid_from=date(2026, 1, 15),
        valid_to=date(2027, 1, 15),
        technical_key=KEY,
    )
    return replace(base, **changes)


def stored_fev(**changes: object) -> NumberingRange:
    """FEV as the company stores it, already in use."""
    return setp(
        prefix="FEV",
        resolution_number="18764000001234",
        resolution_date=date(2026, 1, 15),
        valid_from=date(2026, 1, 15),
        valid_to=date(2027, 1, 15),
        technical_key=KEY,
        first_number=1,
        last_number=5000,
        **changes,
    )


def merge(
    existing: list[NumberingRange], authorized: list[AuthorizedRange], *, production: bool = False
) -> NumberingMerge:
    return merge_authorized(
        existing,
        authorized,
        company_id=1,
        document_type_id=10,
        today=TODAY,
        production=production,
    )


def test_a_new_range_is_added_inactive_while_the_type_issues() -> None:
    ranges = [setp()]
    result = merge(ranges, [fev()])
    (entry,) = result.entries
    assert (entry.outcome, entry.changed, entry.notes) == (MergeOutcome.ADDED, [], [])
    (added,) = result.added
    assert entry.numbering is added
    assert (added.prefix, added.first_number, added.next_number, added.active) == (
        "FEV",
        1,
        1,
        False,
    )
    assert (added.document_type_id, added.technical_key) == (10, KEY)
    assert ranges[0].active and result.deactivated == []


def test_in_production_the_best_range_replaces_the_habilitacion_range() -> None:
    ranges = [setp()]
    older = fev(prefix="FE", resolution_number="1", valid_from=date(2025, 7, 1))
    result = merge(ranges, [older, fev()], production=True)
    by_prefix = {n.prefix: n for n in result.added}
    assert (by_prefix["FEV"].active, by_prefix["FE"].active) == (True, False)
    assert result.deactivated == ranges and not ranges[0].active


def test_an_expired_range_does_not_count_and_one_not_yet_valid_is_not_chosen() -> None:
    expired = setp(
        prefix="OLD", resolution_number="9", valid_from=date(2024, 1, 1), valid_to=date(2025, 1, 1)
    )
    future = fev(prefix="NEXT", resolution_number="8", valid_from=date(2026, 9, 1))
    result = merge([expired], [future, fev()])
    by_prefix = {n.prefix: n for n in result.added}
    assert (by_prefix["FEV"].active, by_prefix["NEXT"].active, expired.active) == (
        True,
        False,
        False,
    )


def test_nothing_usable_leaves_the_active_range_alone() -> None:
    ranges = [setp()]
    result = merge(ranges, [fev(valid_to=date(2026, 1, 31))], production=True)
    assert ranges[0].active and not result.added[0].active and result.deactivated == []


def test_a_known_range_gets_the_dians_key_and_dates() -> None:
    ranges = [setp(technical_key="0" * 40, valid_to=date(2029, 1, 1))]
    answer = AuthorizedRange(
        prefix="SETP",
        first_number=990000000,
        last_number=995000000,
        resolution_number="18760000001",
        resolution_date=None,  # unreadable: what the company has stays
        valid_from=date(2019, 1, 19),
        valid_to=date(2030, 1, 19),
        technical_key=HABILITACION_KEY,
    )
    (entry,) = merge(ranges, [answer]).entries
    assert (entry.outcome, entry.changed) == (MergeOutcome.UPDATED, ["technical_key", "valid_to"])
    assert ranges[0].resolution_date == date(2019, 1, 19)
    assert (ranges[0].technical_key, ranges[0].valid_to) == (HABILITACION_KEY, date(2030, 1, 19))
    (again,) = merge(ranges, [answer]).entries
    assert (again.outcome, again.changed) == (MergeOutcome.UNCHANGED, [])


def test_the_next_number_never_moves_back() -> None:
    used = stored_fev(next_number=40)
    # The DIAN's range now starts later: the next number moves forward to its start.
    (forward,) = merge([used], [fev(first_number=100)]).entries
    assert forward.changed == ["first_number", "last_number", "next_number"]
    assert (used.first_number, used.last_number, used.next_number) == (100, 5000, 100)
    # It ends before numbers already issued: the bounds stay, and the note says why.
    issued = stored_fev(next_number=41)
    (kept,) = merge([issued], [fev(last_number=30)]).entries
    assert kept.outcome is MergeOutcome.UNCHANGED
    assert (issued.first_number, issued.last_number, issued.next_number) == (1, 5000, 41)
    assert kept.notes == [
        "the DIAN authorizes up to 30 but FEV40 was already issued: the bounds were left as they are"
    ]


def test_ranges_that_cannot_be_stored_are_skipped_with_the_reason() -> None:
    result = merge(
        [setp()],
        [
            fev(prefix="FACTU"),
            fev(prefix="F-1"),
            fev(technical_key=""),
            fev(first_number=10, last_number=1),
        ],
    )
    assert [e.outcome for e in result.entries] == [MergeOutcome.SKIPPED] * 4
    assert result.added == []
    assert [e.notes for e in result.entries] == [
        ["the prefix 'FACTU' is not 0 to 4 letters or digits"],
        ["the prefix 'F-1' is not 0 to 4 letters or digits"],
        ["the technical key is missing or too long"],
        ["the bounds 10-1 are not a range"],
    ]


def test_a_range_listed_twice_is_added_once() -> None:
    result = merge([setp()], [fev(), fev()])
    assert [e.outcome for e in result.entries] == [MergeOutcome.ADDED, MergeOutcome.UNCHANGED]
    assert len(result.added) == 1
