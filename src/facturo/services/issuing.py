"""What every issued document checks the same way: its date, its type and numbering range,
the seller, the cost center, the currency; and taking its number."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from facturo.domain import annexes
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, DocumentType, NumberingRange
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.numbering import check_issuable, check_manual_number, check_valid_on
from facturo.domain.sales import SalesDocument
from facturo.domain.users import User
from facturo.domain.validation import Checker
from facturo.store.unit_of_work import UnitOfWork


def check_date(check: Checker, requested: date | None, today: date) -> date | None:
    if check.has_errors_on("date"):  # the face could not read it: already said
        return None
    if not check.required(requested, "date"):
        return None
    assert requested is not None
    if requested > today:
        check.add(
            "invalid_date",
            "date",
            f"The field {{field}} cannot be after today ({today.isoformat()})",
        )
    return requested


def _type_and_range(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    type_id: int | None,
    document_class: DocumentClass,
) -> tuple[DocumentType | None, NumberingRange | None]:
    if not check.required(type_id, "document_type_id"):
        return None, None
    document_type = uow.document_types.find(company_id, type_id or 0)
    if document_type is None or document_type.document_class != document_class:
        check.add(
            "invalid_reference",
            "document_type_id",
            f"The document type {type_id} in {{field}} is not a {document_class.value} type of the company",
        )
        return None, None
    if not document_type.active:
        check.add(
            "invalid_document",
            "document_type_id",
            f"The document type {type_id} in {{field}} is inactive",
        )
        return None, None
    ranges = uow.numbering_ranges.for_document_types(company_id, [type_id or 0])[type_id or 0]
    return document_type, next((r for r in ranges if r.active), None)


def seller(
    check: Checker, uow: UnitOfWork, company_id: int, identification: str | None, field_name: str
) -> User | None:
    if not check.required(identification, field_name):
        return None
    seller = uow.users.find_by_identification(company_id, (identification or "").strip())
    if seller is None:
        check.add(
            "invalid_reference",
            field_name,
            f"No user has the identification {identification} ({{field}})",
        )
        return None
    if not seller.active:
        check.add(
            "parameter_inactive",
            field_name,
            f"The user with identification {identification} is inactive ({{field}})",
        )
        return None
    return seller


def seller_by_id(
    check: Checker, uow: UnitOfWork, company_id: int, user_id: int | None, field_name: str
) -> User | None:
    """The seller as the current API names it: a user's id (``seller``)."""
    if not check.required(user_id, field_name):
        return None
    seller = uow.users.find(company_id, user_id or 0)
    if seller is None:
        check.add(
            "invalid_reference", field_name, f"The user {user_id} in {{field}} does not exist"
        )
        return None
    if not seller.active:
        check.add("parameter_inactive", field_name, f"The user {user_id} in {{field}} is inactive")
        return None
    return seller


def cost_center(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    code: str | None,
    document_type: DocumentType | None,
    *,
    center_id: int | None = None,
) -> int | None:
    """The document's cost center, named by its code (legacy dialect) or by its id (the
    current dialect's ``cost_center``)."""
    catalogs = uow.catalogs(company_id)
    if center_id is not None:
        center, named, field_name = (
            catalogs.cost_centers.get(center_id),
            str(center_id),
            "cost_center_id",
        )
    elif code:
        center, named, field_name = (
            catalogs.cost_centers_by_code.get(code.strip()),
            code,
            "cost_center_code",
        )
    else:
        if document_type is not None and document_type.cost_center_mandatory:
            check.add(
                "document_settings",
                "cost_center_code",
                "The document type requires a cost center ({field})",
            )
        return None
    if center is None:
        check.add(
            "invalid_cost_center",
            field_name,
            f"The cost center {named} in {{field}} does not exist",
        )
        return None
    if not center.active:
        check.add(
            "parameter_inactive",
            field_name,
            f"The cost center {named} in {{field}} is inactive",
        )
    return center.id


def currency(check: Checker, code: str | None, rate: Decimal | None) -> tuple[str, Decimal | None]:
    currency = (code or "").strip().upper() or annexes.LOCAL_CURRENCY
    if currency not in annexes.CURRENCIES:
        check.add(
            "invalid_currency",
            "currency_code",
            f"The currency {currency} in {{field}} is not supported",
        )
        return currency, None
    if currency == annexes.LOCAL_CURRENCY:
        return currency, None
    if rate is None or rate <= 0:
        check.add(
            "invalid_value",
            "exchange_rate",
            f"An invoice in {currency} needs its exchange rate ({{field}})",
        )
    else:
        check.max_decimals(rate, 6, "exchange_rate")
    return currency, rate


def heading(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    now: datetime,
    type_id: int | None,
    document_class: DocumentClass,
    requested_date: date | None,
    manual_number: int | None,
) -> tuple[date | None, DocumentType | None, NumberingRange | None]:
    """The date, type and numbering range every document starts with, checked together: the
    date not after today in Colombia, the type of the right class and active, the range able
    to number a document of that date, and a number by hand where the type asks for one."""
    document_date = check_date(check, requested_date, colombian_date(now))
    document_type, numbering = _type_and_range(check, uow, company_id, type_id, document_class)
    if document_type and numbering and document_date:
        check.extend(check_issuable(numbering, document_date).violations)
        if not document_type.automatic_number:
            check.extend(check_manual_number(numbering, manual_number).violations)
    return document_date, document_type, numbering


def replacement_heading(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    now: datetime,
    document: SalesDocument,
    requested_date: date | None,
) -> tuple[date | None, DocumentType | None, NumberingRange | None]:
    """The heading of a document replaced in place: its own type, range and number stay; the
    new date must still be one its range's resolution covers (and not after today)."""
    document_date = check_date(check, requested_date, colombian_date(now))
    document_type = uow.document_types.get(company_id, document.document_type_id)
    numbering = uow.numbering_ranges.get(company_id, document.numbering_range_id)
    if document_date:
        check.extend(check_valid_on(numbering, document_date).violations)
    return document_date, document_type, numbering


def take_number(
    uow: UnitOfWork,
    company_id: int,
    document_type: DocumentType,
    numbering: NumberingRange,
    manual: int | None,
) -> int:
    """The document's number: the range's next one, held under the range row's lock until
    commit, or the number given by hand for types numbered by hand (never twice)."""
    if document_type.automatic_number:
        number = uow.numbering_ranges.take_next(company_id, numbering.id or 0)
        if number is None:
            raise RuleViolations(
                [
                    Violation(
                        "invalid_dian_resolution",
                        "document_type_id",
                        "The numbering range is exhausted",
                    )
                ]
            )
        return number
    assert manual is not None
    if uow.numbering_ranges.number_used(company_id, document_type, numbering.prefix, manual):
        raise RuleViolations(
            [
                Violation(
                    "duplicated_document",
                    "number",
                    f"The number {numbering.prefix}{manual} is already used",
                )
            ]
        )
    return manual
