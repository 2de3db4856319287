"""Numbering ranges: gapless consecutive numbers under a DIAN resolution, and their warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from facturo.domain.catalogs import NumberingRange
from facturo.domain.defaults import HABILITACION_RESOLUTION
from facturo.domain.validation import Checker


def check_issuable(numbering: NumberingRange | None, on: date) -> Checker:
    """Whether a document dated ``on`` can take a number from ``numbering``."""
    check = Checker()
    if numbering is None or not numbering.active:
        check.add(
            "document_settings",
            "document_type_id",
            "The document type has no active numbering range",
        )
        return check
    check.extend(check_valid_on(numbering, on).violations)
    if numbering.next_number > numbering.last_number:
        check.add(
            "invalid_dian_resolution",
            "document_type_id",
            f"The numbering range {_label(numbering)} is exhausted (last number {numbering.last_number}); "
            "request a new resolution from the DIAN",
        )
    return check


def check_valid_on(numbering: NumberingRange, on: date) -> Checker:
    """Whether the range's resolution covers a document dated ``on`` (also when a document
    that already has its number is replaced with another date)."""
    check = Checker()
    if numbering.valid_from and on < numbering.valid_from:
        check.add(
            "invalid_dian_resolution",
            "date",
            f"The numbering range {_label(numbering)} is valid from {numbering.valid_from.isoformat()}",
        )
    if numbering.valid_to and on > numbering.valid_to:
        check.add(
            "invalid_dian_resolution",
            "date",
            f"The numbering range {_label(numbering)} expired on {numbering.valid_to.isoformat()}; "
            "request a new resolution from the DIAN",
        )
    return check


def check_manual_number(numbering: NumberingRange, number: int | None) -> Checker:
    check = Checker()
    if (
        check.required(number, "number")
        and number is not None
        and not numbering.first_number <= number <= numbering.last_number
    ):
        check.add(
            "invalid_range",
            "number",
            f"The field {{field}} must lie between {numbering.first_number} and {numbering.last_number}",
        )
    return check


@dataclass(frozen=True, slots=True)
class NumberingWarning:
    code: (
        str  # numbering_running_out | numbering_expiring | numbering_exhausted | numbering_expired
    )
    message: str


def warnings(
    numbering: NumberingRange, today: date, *, used_percent: int, days_left: int
) -> list[NumberingWarning]:
    """What the document type shows about its range: near its end in numbers or in time."""
    found = []
    size = numbering.last_number - numbering.first_number + 1
    used = numbering.next_number - numbering.first_number
    if used >= size:
        found.append(
            NumberingWarning("numbering_exhausted", f"The range {_label(numbering)} is exhausted")
        )
    elif used * 100 >= size * used_percent:
        left = size - used
        found.append(
            NumberingWarning(
                "numbering_running_out",
                f"The range {_label(numbering)} has used {used * 100 // size} % of its numbers ({left} left)",
            )
        )
    if numbering.valid_to is not None:
        remaining = (numbering.valid_to - today).days
        if remaining < 0:
            found.append(
                NumberingWarning(
                    "numbering_expired",
                    f"The range {_label(numbering)} expired on {numbering.valid_to}",
                )
            )
        elif remaining <= days_left:
            found.append(
                NumberingWarning(
                    "numbering_expiring",
                    f"The range {_label(numbering)} expires on {numbering.valid_to} ({remaining} days left)",
                )
            )
    return found


def _label(numbering: NumberingRange) -> str:
    return f"{numbering.prefix}{numbering.first_number}-{numbering.prefix}{numbering.last_number}"


# --- ranges the DIAN authorizes (GetNumberingRange) ---------------------------------------------

MAX_PREFIX = 4  # numbering_ranges.prefix; the DIAN's prefixes have at most four characters
MAX_RESOLUTION = 30
MAX_TECHNICAL_KEY = 40


@dataclass(frozen=True, slots=True)
class AuthorizedRange:
    """One numbering range as the DIAN reports it: a resolution and its technical key."""

    prefix: str
    first_number: int
    last_number: int
    resolution_number: str
    resolution_date: date | None
    valid_from: date | None
    valid_to: date | None
    technical_key: str

    @property
    def label(self) -> str:
        return f"{self.prefix}{self.first_number}-{self.prefix}{self.last_number}"


class MergeOutcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # the DIAN's range cannot be stored (the note says why)


@dataclass(slots=True)
class RangeMerge:
    """What happened to one range of the DIAN's answer."""

    authorized: AuthorizedRange
    outcome: MergeOutcome
    numbering: NumberingRange | None  # the company's range; None when skipped
    changed: list[str]  # the fields that changed (``active`` included)
    notes: list[str]


@dataclass(slots=True)
class NumberingMerge:
    entries: list[RangeMerge]
    added: list[NumberingRange]  # new ranges, to be stored
    deactivated: list[NumberingRange]  # active ranges that can no longer issue, switched off


def is_habilitacion(numbering: NumberingRange) -> bool:
    """The habilitación range every issuer shares (shared/reference/dian.md §6.6): it is for
    the test set only, so in production it never counts as a range that can issue."""
    return numbering.resolution_number == HABILITACION_RESOLUTION


def can_issue(numbering: NumberingRange, today: date, *, production: bool) -> bool:
    """Whether an electronic invoice dated ``today`` can take its number from this range:
    a resolution with its technical key, valid today, numbers left, and — in production —
    not the habilitación range."""
    return bool(
        numbering.resolution_number
        and numbering.technical_key
        and numbering.valid_from is not None
        and numbering.valid_to is not None
        and numbering.valid_from <= today <= numbering.valid_to
        and numbering.next_number <= numbering.last_number
        and not (production and is_habilitacion(numbering))
    )


def merge_authorized(
    existing: list[NumberingRange],
    authorized: list[AuthorizedRange],
    *,
    company_id: int,
    document_type_id: int,
    today: date,
    production: bool,
) -> NumberingMerge:
    """Merges the DIAN's ranges into the company's sales-invoice ranges (``existing``, changed
    in place).

    - A range with the same prefix and resolution gets the DIAN's technical key, dates and
      bounds. ``next_number`` never moves back: when the DIAN's range starts after it, it moves
      forward to the first authorized number; when numbers past the DIAN's last one were
      already used, the bounds are left as they are and a note says so.
    - Any other range is added to ``document_type_id``, inactive, with its first number next.
    - Then, if that document type has no active range that can issue today, the best range of
      the answer that can (valid today; latest validity start, then resolution date) is
      activated and the active ranges that cannot issue are switched off — so after switching
      to production one fetch replaces the habilitación range. A document type that issues
      fine is left alone: activating a new resolution is the company's decision.
    """
    merge = NumberingMerge(entries=[], added=[], deactivated=[])
    ranges = list(existing)
    for range_ in authorized:
        notes = _unstorable(range_)
        if notes:
            merge.entries.append(RangeMerge(range_, MergeOutcome.SKIPPED, None, [], notes))
            continue
        match = next(
            (
                n
                for n in ranges
                if n.prefix == range_.prefix and n.resolution_number == range_.resolution_number
            ),
            None,
        )
        if match is None:
            added = NumberingRange(
                company_id=company_id,
                document_type_id=document_type_id,
                prefix=range_.prefix,
                first_number=range_.first_number,
                last_number=range_.last_number,
                next_number=range_.first_number,
                valid_from=range_.valid_from,
                valid_to=range_.valid_to,
                resolution_number=range_.resolution_number,
                resolution_date=range_.resolution_date,
                technical_key=range_.technical_key,
                active=False,
            )
            ranges.append(added)
            merge.added.append(added)
            merge.entries.append(RangeMerge(range_, MergeOutcome.ADDED, added, [], []))
            continue
        changed, notes = _update(match, range_)
        outcome = MergeOutcome.UPDATED if changed else MergeOutcome.UNCHANGED
        merge.entries.append(RangeMerge(range_, outcome, match, changed, notes))
    _activate(merge, ranges, document_type_id, today, production)
    return merge


def _unstorable(range_: AuthorizedRange) -> list[str]:
    notes = []
    if len(range_.prefix) > MAX_PREFIX or (range_.prefix and not range_.prefix.isalnum()):
        notes.append(f"the prefix {range_.prefix!r} is not 0 to {MAX_PREFIX} letters or digits")
    if not range_.resolution_number or len(range_.resolution_number) > MAX_RESOLUTION:
        notes.append("the resolution number is missing or too long")
    if not range_.technical_key or len(range_.technical_key) > MAX_TECHNICAL_KEY:
        notes.append("the technical key is missing or too long")
    if not 0 < range_.first_number <= range_.last_number:
        notes.append(f"the bounds {range_.first_number}-{range_.last_number} are not a range")
    return notes


def _update(numbering: NumberingRange, range_: AuthorizedRange) -> tuple[list[str], list[str]]:
    changed: list[str] = []
    notes: list[str] = []
    # What the DIAN left out (an unreadable date) keeps the value the company has.
    for name, value in (
        ("technical_key", range_.technical_key),
        ("valid_from", range_.valid_from),
        ("valid_to", range_.valid_to),
        ("resolution_date", range_.resolution_date),
    ):
        if value and getattr(numbering, name) != value:
            setattr(numbering, name, value)
            changed.append(name)
    if (numbering.first_number, numbering.last_number) != (
        range_.first_number,
        range_.last_number,
    ):
        last_used = numbering.next_number - 1
        if range_.last_number < last_used:
            notes.append(
                f"the DIAN authorizes up to {range_.last_number} but {numbering.prefix}{last_used} "
                "was already issued: the bounds were left as they are"
            )
        else:
            numbering.first_number = range_.first_number
            numbering.last_number = range_.last_number
            changed += ["first_number", "last_number"]
            if numbering.next_number < range_.first_number:
                numbering.next_number = range_.first_number
                changed.append("next_number")
    return changed, notes


def _activate(
    merge: NumberingMerge,
    ranges: list[NumberingRange],
    document_type_id: int,
    today: date,
    production: bool,
) -> None:
    of_type = [n for n in ranges if n.document_type_id == document_type_id]
    if any(n.active and can_issue(n, today, production=production) for n in of_type):
        return
    answered = {id(entry.numbering): entry for entry in merge.entries if entry.numbering}
    candidates = [
        n for n in of_type if id(n) in answered and can_issue(n, today, production=production)
    ]
    if not candidates:
        return
    best = max(
        candidates,
        key=lambda n: (n.valid_from or date.min, n.resolution_date or date.min, n.first_number),
    )
    for numbering in of_type:
        if numbering.active and numbering is not best:
            numbering.active = False
            entry = answered.get(id(numbering))
            if entry is not None:
                entry.changed.append("active")
                if entry.outcome is MergeOutcome.UNCHANGED:
                    entry.outcome = MergeOutcome.UPDATED
            else:
                merge.deactivated.append(numbering)
    best.active = True
    entry = answered[id(best)]
    if entry.outcome is not MergeOutcome.ADDED:
        entry.changed.append("active")
        if entry.outcome is MergeOutcome.UNCHANGED:
            entry.outcome = MergeOutcome.UPDATED
