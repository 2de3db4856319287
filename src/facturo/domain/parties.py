"""Terceros: customers, suppliers, prospects, dealers and others, and their contacts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

from facturo.domain import annexes
from facturo.domain.contact_info import Phone, Place, check_phone, check_place, normalize_place
from facturo.domain.nit import nit_check_digit, split_nit
from facturo.domain.reference import ReferenceData
from facturo.domain.validation import EMAIL_PATTERN, Checker

MAX_CONTACTS = 10
MAX_BRANCH_OFFICE = 999
NUMERIC_IDENTIFICATION = re.compile(r"\d{3,13}")
OTHER_IDENTIFICATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,18}[A-Za-z0-9]|[A-Za-z0-9]")
POSTAL_CODE = re.compile(r"\S{1,10}")


@dataclass(kw_only=True)
class PartyData:
    """What a client may set on a tercero (create and update replace all of it)."""

    is_customer: bool = False
    is_supplier: bool = False
    is_prospect: bool = False  # IsLeaflet
    is_dealer: bool = False
    is_other: bool = False  # IsBank in the guide: "Otros"
    is_company: bool = False  # IsSocialReason: persona jurídica
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    commercial_name: str | None = None
    id_type_code: str | None = None
    identification: str | None = None
    check_digit: int | None = None
    branch_office: int = 0
    vat_responsible: bool = False
    website: str | None = None
    place: Place = field(default_factory=Place)
    address: str | None = None
    postal_code: str | None = None
    phone: Phone = field(default_factory=Phone)
    fax: Phone = field(default_factory=Phone)
    email: str | None = None
    active: bool = True
    director_id: int | None = None
    salesman_id: int | None = None
    collector_id: int | None = None
    fiscal_responsibilities: list[str] = field(default_factory=list)
    comments: str | None = None


@dataclass(kw_only=True, eq=False)
class Party(PartyData):
    company_id: int
    id: int | None = None
    guid: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        if self.is_company:
            return self.full_name or ""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def apply(self, data: PartyData) -> None:
        for spec in fields(PartyData):
            setattr(self, spec.name, getattr(data, spec.name))


def normalize_party(data: PartyData) -> PartyData:
    """Fill in what Siigo derives: DIAN place codes, the NIT's check digit, responsibilities."""
    id_type = (data.id_type_code or "").strip().upper() or None
    identification = (data.identification or "").strip() or None
    check_digit = data.check_digit
    if id_type == annexes.NIT_ID_TYPE and identification:
        identification, written = split_nit(identification)
        if check_digit is None:
            check_digit = written
        # Only for a NIT that can be valid: one too long is refused by the rules, not here.
        if NUMERIC_IDENTIFICATION.fullmatch(identification) and check_digit is None:
            check_digit = nit_check_digit(identification)
    responsibilities = [_normalize_responsibility(code) for code in data.fiscal_responsibilities]
    if not responsibilities:
        responsibilities = [
            annexes.DEFAULT_RESPONSIBILITY_COMPANY
            if data.is_company
            else annexes.DEFAULT_RESPONSIBILITY_PERSON
        ]
    return replace(
        data,
        id_type_code=id_type,
        identification=identification,
        check_digit=check_digit,
        place=normalize_place(data.place),
        fiscal_responsibilities=list(dict.fromkeys(responsibilities)),
        email=(data.email or "").strip() or None,
    )


def _normalize_responsibility(code: str) -> str:
    code = code.strip().upper()
    # The guide prints O-48/O-49 with a zero (0-48); clients copy it.
    return "O" + code[1:] if code.startswith("0-") else code


# The integration guide requires a contact's names and e-mail; Siigo's current API only
# the first name (its clients send contacts without the rest).
GUIDE_CONTACT_FIELDS = ("first_name", "last_name", "email")
CURRENT_CONTACT_FIELDS = ("first_name",)


@dataclass(frozen=True)
class PartyRules:
    """What a dialect requires of a tercero beyond the rules every tercero follows: the
    integration guide asks for a phone and full contacts; the current API (and the real
    clients written for it, which send ``phones: []``) asks for neither."""

    phone_required: bool
    contact_fields: tuple[str, ...]


GUIDE_RULES = PartyRules(phone_required=True, contact_fields=GUIDE_CONTACT_FIELDS)
CURRENT_RULES = PartyRules(phone_required=False, contact_fields=CURRENT_CONTACT_FIELDS)


def check_party(data: PartyData, refs: ReferenceData, rules: PartyRules = GUIDE_RULES) -> Checker:
    """The field rules of a tercero under a dialect's ``rules``; ``data`` must be normalized
    first."""
    check = Checker()
    if not (
        data.is_customer or data.is_supplier or data.is_prospect or data.is_dealer or data.is_other
    ):
        check.add("invalid_value", "kinds", "At least one of {field} must be true")
    if data.is_company:
        if check.required(data.full_name, "full_name"):
            check.max_length(data.full_name, 100, "full_name")
    else:
        for name_field in ("first_name", "last_name"):
            value = getattr(data, name_field)
            if check.required(value, name_field):
                check.max_length(value, 50, name_field)
    check.max_length(data.commercial_name, 100, "commercial_name")
    _check_identification(check, data)
    if not 0 <= data.branch_office <= MAX_BRANCH_OFFICE:
        check.add(
            "invalid_value",
            "branch_office",
            f"The field {{field}} must be between 0 and {MAX_BRANCH_OFFICE}",
        )
    check.max_length(data.website, 500, "website")
    check_place(check, data.place, "place", refs)
    if check.required(data.address, "address"):
        check.max_length(data.address, 250, "address")
    if data.postal_code and not POSTAL_CODE.fullmatch(data.postal_code):
        check.add(
            "length_max", "postal_code", "The field {field} has at most 10 characters and no spaces"
        )
    check_phone(check, data.phone, "phone", number_required=rules.phone_required)
    check_phone(check, data.fax, "fax", number_required=False)
    if data.email:
        check.max_length(data.email, 100, "email")
        check.matches(data.email, EMAIL_PATTERN, "email", "invalid_email")
    for index, code in enumerate(data.fiscal_responsibilities):
        if code not in annexes.FISCAL_RESPONSIBILITIES:
            check.add(
                "invalid_reference",
                f"fiscal_responsibilities.{index}",
                f"The fiscal responsibility {code} in {{field}} is not in the DIAN table",
            )
    check.max_length(data.comments, 4000, "comments")
    return check


def _check_identification(check: Checker, data: PartyData) -> None:
    id_type_ok = check.required(data.id_type_code, "id_type_code")
    if id_type_ok and data.id_type_code not in annexes.ID_TYPES:
        check.add(
            "invalid_reference", "id_type_code", "The field {field} is not an identification type"
        )
        id_type_ok = False
    if not check.required(data.identification, "identification"):
        return
    identification = data.identification or ""
    if id_type_ok and data.id_type_code in annexes.NUMERIC_ID_TYPES:
        if not NUMERIC_IDENTIFICATION.fullmatch(identification):
            check.add(
                "invalid_identification",
                "identification",
                "The field {field} must be 3 to 13 digits",
            )
            return
    elif not OTHER_IDENTIFICATION.fullmatch(identification):
        check.add(
            "invalid_identification",
            "identification",
            "The field {field} must be 1 to 20 letters, digits or inner hyphens",
        )
        return
    if data.check_digit is not None and not 0 <= data.check_digit <= 9:
        check.add("invalid_value", "check_digit", "The field {field} must be a digit from 0 to 9")
    elif data.id_type_code == annexes.NIT_ID_TYPE and data.check_digit is not None:
        expected = nit_check_digit(identification)
        if data.check_digit != expected:
            check.add(
                "invalid_value",
                "check_digit",
                f"The field {{field}} is wrong: the check digit of NIT {identification} is {expected}",
            )


@dataclass(kw_only=True)
class ContactData:
    party_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: Phone = field(default_factory=Phone)  # Phone1: office
    mobile: Phone = field(default_factory=Phone)
    fax: Phone = field(default_factory=Phone)
    is_principal: bool = False
    gender: int | None = None  # 0 female, 1 male, as the guide numbers them
    charge_id: int | None = None
    birth_date: date | None = None


@dataclass(kw_only=True, eq=False)
class Contact(ContactData):
    company_id: int
    party_id: int
    id: int | None = None
    code: int = 0  # 1, 2, 3... within the tercero
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def apply(self, data: ContactData) -> None:
        for spec in fields(ContactData):
            setattr(self, spec.name, getattr(data, spec.name))


def check_contact(data: ContactData, required: Collection[str] = GUIDE_CONTACT_FIELDS) -> Checker:
    """The field rules of a contact; ``required`` names the fields that must be present."""
    check = Checker()
    check.required(data.party_id, "party_id")
    for name_field in ("first_name", "last_name"):
        value = getattr(data, name_field)
        if name_field in required:
            check.required(value, name_field)
        check.max_length(value, 50, name_field)
    if "email" in required:
        check.required(data.email, "email")
    if data.email and data.email.strip():
        check.max_length(data.email, 100, "email")
        check.matches(data.email, EMAIL_PATTERN, "email", "invalid_email")
    check_phone(check, data.phone, "phone", number_required=False)
    check_phone(check, data.mobile, "mobile", number_required=False)
    check_phone(check, data.fax, "fax", number_required=False)
    check.one_of(data.gender, (0, 1), "gender")
    return check
