"""``/v1/customers``: terceros with their contacts (shared/reference §2.7, §2.8, §4, §2.10).

The same terceros as the legacy ``Accounts`` and ``Contacts``: a record's ``id`` here is its
GUID, its legacy ``Id`` the number. How this dialect maps onto a tercero:

- ``type`` names one kind: ``Customer``, ``Supplier`` or ``Other``. A tercero that is several
  (possible through the legacy dialect) reads as the first of those it is, and a PUT naming a
  kind it already has leaves its other kinds alone, so reading and sending back never loses one.
- ``person_type`` ``Person`` takes ``name`` ``[first, last]``, ``Company`` takes ``[name]``;
  some clients put the person type in ``type`` (in bodies and in the list's filter), which is
  understood.
- ``phones``: the first is the tercero's phone, a second its other line (the legacy dialect's
  fax); at most two.
- ``contacts``: the first is the principal contact; at most ten; only ``first_name`` is
  required. On PUT the n-th contact sent rewrites the n-th stored one.
- ``fiscal_responsibilities`` default to ``R-99-PN`` here (the legacy dialect keeps the guide's
  defaults, O-48 for companies and O-49 for persons).
- PUT replaces everything this dialect expresses; what it cannot (website, the tercero's own
  e-mail, its director, the prospect and dealer kinds, a contact's mobile, gender, position
  and birth date) is kept as it was.
- ``custom_fields`` are not kept (Facturo has no custom fields); they are ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BeforeValidator

from facturo.api.current.base import CurrentModel, guid_or_none, timestamp
from facturo.api.current.filters import (
    boolean_filter,
    choice_filter,
    days,
    instants,
    text_filter,
    whole_number_filter,
)
from facturo.api.current.pagination import Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import ExactJSONResponse, respond
from facturo.domain import annexes
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.parties import (
    CURRENT_RULES,
    MAX_BRANCH_OFFICE,
    Contact,
    ContactData,
    Party,
    PartyData,
)
from facturo.domain.queries import PartyFilter
from facturo.domain.reference import ReferenceData
from facturo.services import parties
from facturo.services.parties import PartyView

FIELD_NAMES = {
    "kinds": "type",
    "is_company": "person_type",
    "full_name": "name[0]",
    "first_name": "name[0]",
    "last_name": "name[1]",
    "id_type_code": "id_type",
    "place": "address.city",
    "address": "address.address",
    "postal_code": "address.postal_code",
    "phone": "phones[0]",
    "fax": "phones[1]",
    "salesman_id": "related_users.seller_id",
    "collector_id": "related_users.collector_id",
    "fiscal_responsibilities.*": "fiscal_responsibilities[*].code",
    "active": "active",
}

router = current_router("/customers", "Current API: customers", FIELD_NAMES)

PERSON, COMPANY = "Person", "Company"
KINDS = {"Customer": "is_customer", "Supplier": "is_supplier", "Other": "is_other"}
MAX_PHONES = 2


# --- requests ----------------------------------------------------------------------------------


def _code(value: Any) -> Any:
    """A code written as ``"13"``, ``13`` or, as some clients send it, ``{"code": "13"}``."""
    if isinstance(value, Mapping):
        value = next((v for k, v in value.items() if str(k).lower() == "code"), None)
    if value is None:
        return None
    return str(value)


def _codes(value: Any) -> Any:
    if isinstance(value, (str, Mapping)):
        value = [value]
    if isinstance(value, list):
        return [_code(item) for item in value]
    return value


def _names(value: Any) -> Any:
    """``name`` as a list; a lone string is a list of one."""
    if isinstance(value, str):
        return [value]
    return value


Code = Annotated[str | None, BeforeValidator(_code)]


class CityIn(CurrentModel):
    country_code: str | None = None
    state_code: str | None = None
    city_code: str | None = None

    def to_domain(self) -> Place:
        return Place(_text(self.country_code), _text(self.state_code), _text(self.city_code))


class AddressIn(CurrentModel):
    address: str | None = None
    city: CityIn | None = None
    postal_code: str | None = None


class PhoneIn(CurrentModel):
    indicative: str | None = None
    number: str | None = None
    extension: str | None = None

    def to_domain(self) -> Phone:
        return Phone(_text(self.indicative), _text(self.number), _text(self.extension))


class ContactIn(CurrentModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: PhoneIn | None = None

    def to_domain(self) -> ContactData:
        return ContactData(
            first_name=_text(self.first_name),
            last_name=_text(self.last_name),
            email=_text(self.email),
            phone=self.phone.to_domain() if self.phone else Phone(),
        )


class RelatedUsersIn(CurrentModel):
    seller_id: int | None = None
    collector_id: int | None = None


@dataclass(frozen=True)
class CustomerRequest:
    """A customer as the services take it, and what was wrong with the body's own shape."""

    party: PartyData
    contacts: list[ContactData]
    noted: list[Violation]


class CustomerIn(CurrentModel):
    type: str | None = None
    person_type: str | None = None
    id_type: Code = None
    identification: str | None = None
    check_digit: str | None = None
    name: Annotated[list[str | None] | None, BeforeValidator(_names)] = None
    commercial_name: str | None = None
    branch_office: int | None = None
    active: bool | None = None
    vat_responsible: bool | None = None
    fiscal_responsibilities: Annotated[list[str | None] | None, BeforeValidator(_codes)] = None
    address: AddressIn | None = None
    phones: list[PhoneIn] | None = None
    contacts: list[ContactIn] | None = None
    comments: str | None = None
    related_users: RelatedUsersIn | None = None

    def to_request(self) -> CustomerRequest:
        noted: list[Violation] = []
        person_type = _text(self.person_type)
        kind = _text(self.type)
        if person_type is None and kind is not None and _choice(kind, (PERSON, COMPANY)):
            person_type, kind = kind, None  # a client bug Siigo tolerates (§2.8)
        chosen_kind = _choice(kind or "Customer", tuple(KINDS))
        if chosen_kind is None:
            noted.append(
                Violation(
                    "invalid_value",
                    "kinds",
                    "The field {field} must be Customer, Supplier or Other",
                )
            )
        person = _choice(person_type or "", (PERSON, COMPANY))
        if person is None:
            noted.append(
                Violation(
                    "invalid_value" if person_type else "parameter_required",
                    "is_company",
                    f"The field {{field}} must be {PERSON} or {COMPANY}"
                    if person_type
                    else "The field {field} is required",
                )
            )
        names = [_text(part) for part in self.name or []]
        # Without a valid person type (refused above) the names say which it was meant to be,
        # so they are not also reported as wrong.
        is_company = person == COMPANY if person is not None else len(names) == 1
        if names and person is not None and len(names) != (1 if is_company else 2):
            noted.append(
                Violation(
                    "invalid_array",
                    "name",
                    "The field {field} must have one element, the company's name"
                    if is_company
                    else "The field {field} must have two elements: first names and last names",
                )
            )
        check_digit = _text(self.check_digit)
        if check_digit is not None and not check_digit.isdigit():
            noted.append(
                Violation("invalid_value", "check_digit", "The field {field} must be a digit")
            )
        phones = self.phones or []
        if len(phones) > MAX_PHONES:
            noted.append(
                Violation(
                    "invalid_array",
                    "phones",
                    f"The field {{field}} admits at most {MAX_PHONES} phones",
                )
            )
        responsibilities = []
        for position, code in enumerate(self.fiscal_responsibilities or []):
            if _text(code) is None:
                noted.append(
                    Violation(
                        "parameter_empty",
                        f"fiscal_responsibilities.{position}",
                        "The field {field} is empty",
                    )
                )
            else:
                responsibilities.append((code or "").strip())
        address = self.address or AddressIn()
        related = self.related_users or RelatedUsersIn()
        kind_field = KINDS[chosen_kind or "Customer"]
        party = PartyData(
            is_customer=kind_field == "is_customer",
            is_supplier=kind_field == "is_supplier",
            is_other=kind_field == "is_other",
            is_company=is_company,
            full_name=names[0] if is_company and names else None,
            first_name=names[0] if not is_company and names else None,
            last_name=names[1] if not is_company and len(names) > 1 else None,
            commercial_name=_text(self.commercial_name),
            id_type_code=self.id_type,
            identification=_text(self.identification),
            check_digit=int(check_digit) if check_digit and check_digit.isdigit() else None,
            branch_office=self.branch_office if self.branch_office is not None else 0,
            vat_responsible=bool(self.vat_responsible),
            place=address.city.to_domain() if address.city else Place(),
            address=_text(address.address),
            postal_code=_text(address.postal_code),
            phone=phones[0].to_domain() if phones else Phone(),
            fax=phones[1].to_domain() if len(phones) > 1 else Phone(),
            active=self.active if self.active is not None else True,
            salesman_id=related.seller_id,
            collector_id=related.collector_id,
            fiscal_responsibilities=responsibilities
            or [annexes.CURRENT_API_DEFAULT_RESPONSIBILITY],
            comments=self.comments if self.comments and self.comments.strip() else None,
        )
        contacts = [contact.to_domain() for contact in self.contacts or []]
        return CustomerRequest(party, contacts, noted)


def keep_unexpressed(stored: Party, sent: PartyData) -> PartyData:
    """What a PUT of this dialect leaves as it was: what it has no words for."""
    named = next(field for field in KINDS.values() if getattr(sent, field))
    kinds = {field: getattr(sent, field) for field in KINDS.values()}
    if getattr(stored, named):  # already this kind: its other kinds stay
        kinds = {field: getattr(stored, field) for field in KINDS.values()}
    return replace(
        sent,
        **kinds,
        is_prospect=stored.is_prospect,
        is_dealer=stored.is_dealer,
        website=stored.website,
        email=stored.email,
        director_id=stored.director_id,
    )


def keep_contact_unexpressed(stored: Contact, sent: ContactData) -> ContactData:
    return replace(
        sent,
        mobile=stored.mobile,
        fax=stored.fax,
        gender=stored.gender,
        charge_id=stored.charge_id,
        birth_date=stored.birth_date,
    )


# --- responses ---------------------------------------------------------------------------------


class CodeNameOut(CurrentModel):
    code: str
    name: str


class CityOut(CurrentModel):
    country_code: str | None
    country_name: str | None
    state_code: str | None
    state_name: str | None
    city_code: str | None
    city_name: str | None


class AddressOut(CurrentModel):
    address: str
    city: CityOut
    postal_code: str | None


class PhoneOut(CurrentModel):
    indicative: str | None
    number: str | None
    extension: str | None

    @classmethod
    def from_domain(cls, phone: Phone) -> PhoneOut:
        return cls.model_construct(
            indicative=phone.indicative, number=phone.number, extension=phone.extension
        )


class ContactOut(CurrentModel):
    first_name: str
    last_name: str  # "" when unknown: strict clients require a string
    email: str
    phone: PhoneOut | None

    @classmethod
    def from_domain(cls, contact: Contact) -> ContactOut:
        return cls.model_construct(
            first_name=contact.first_name or "",
            last_name=contact.last_name or "",
            email=contact.email or "",
            phone=None if contact.phone.is_empty else PhoneOut.from_domain(contact.phone),
        )


class RelatedUsersOut(CurrentModel):
    seller_id: int | None
    collector_id: int | None


class MetadataOut(CurrentModel):
    created: str | None
    last_updated: str | None  # null until the record is first updated


class CustomerOut(CurrentModel):
    id: str
    type: str
    person_type: str
    id_type: CodeNameOut
    identification: str
    branch_office: int
    check_digit: str | None
    name: list[str]
    commercial_name: str | None
    active: bool
    vat_responsible: bool
    fiscal_responsibilities: list[CodeNameOut]
    address: AddressOut
    phones: list[PhoneOut]
    contacts: list[ContactOut]
    comments: str | None
    related_users: RelatedUsersOut
    metadata: MetadataOut

    @classmethod
    def from_domain(cls, view: PartyView, refs: ReferenceData) -> CustomerOut:
        p = view.party
        id_type = p.id_type_code or ""
        kind = next((name for name, field in KINDS.items() if getattr(p, field)), "Other")
        place = p.place
        return cls.model_construct(
            id=str(p.guid),
            type=kind,
            person_type=COMPANY if p.is_company else PERSON,
            id_type=CodeNameOut.model_construct(
                code=id_type, name=annexes.ID_TYPES.get(id_type, "")
            ),
            identification=p.identification or "",
            branch_office=p.branch_office,
            check_digit=str(p.check_digit) if p.check_digit is not None else None,
            name=[p.full_name or ""] if p.is_company else [p.first_name or "", p.last_name or ""],
            commercial_name=p.commercial_name,
            active=p.active,
            vat_responsible=p.vat_responsible,
            fiscal_responsibilities=[
                CodeNameOut.model_construct(
                    code=code, name=annexes.FISCAL_RESPONSIBILITIES.get(code, "")
                )
                for code in p.fiscal_responsibilities
            ],
            address=AddressOut.model_construct(
                address=p.address or "",
                city=CityOut.model_construct(
                    country_code=place.country_code,
                    country_name=_name(refs.country_name, place.country_code),
                    state_code=place.state_code,
                    state_name=_name(refs.department_name, place.state_code),
                    city_code=place.city_code,
                    city_name=_name(refs.municipality_name, place.city_code),
                ),
                postal_code=p.postal_code,
            ),
            phones=[
                PhoneOut.from_domain(phone) for phone in (p.phone, p.fax) if not phone.is_empty
            ],
            contacts=[ContactOut.from_domain(c) for c in view.contacts],
            comments=p.comments,
            related_users=RelatedUsersOut.model_construct(
                seller_id=p.salesman_id, collector_id=p.collector_id
            ),
            metadata=MetadataOut.model_construct(
                created=timestamp(p.created_at),
                last_updated=timestamp(p.updated_at)
                if p.updated_at is not None and p.updated_at != p.created_at
                else None,
            ),
        )


class DeletedOut(CurrentModel):
    id: str
    deleted: bool


# --- routes ------------------------------------------------------------------------------------


PERSON_TYPES = {PERSON: False, COMPANY: True}


@router.get("", summary="List customers, a page at a time", response_model=list[CustomerOut])
def get_all(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    identification: Annotated[str | None, Query()] = None,
    branch_office: Annotated[str | None, Query()] = None,
    active: Annotated[str | None, Query(description="true or false")] = None,
    kind: Annotated[
        str | None, Query(alias="type", description="Customer, Supplier or Other")
    ] = None,
    person_type: Annotated[str | None, Query(description="Person or Company")] = None,
    name: Annotated[str | None, Query(description="Part of the name")] = None,
    created_start: Annotated[str | None, Query()] = None,
    created_end: Annotated[str | None, Query()] = None,
    updated_start: Annotated[str | None, Query()] = None,
    updated_end: Annotated[str | None, Query()] = None,
    date_start: Annotated[str | None, Query(description="Created on or after this day")] = None,
    date_end: Annotated[str | None, Query(description="Created on or before this day")] = None,
) -> Response:
    if person_type is None and kind and _choice(kind, (PERSON, COMPANY)):
        person_type, kind = kind, None  # the person type in ``type``, as in bodies (§2.10)
    kind = choice_filter(kind, "type", KINDS)
    branch = whole_number_filter(branch_office, "branch_office")
    if branch is not None and not 0 <= branch <= MAX_BRANCH_OFFICE:
        raise RuleViolations(
            [
                Violation(
                    "invalid_value",
                    "branch_office",
                    f"The parameter {{field}} must be between 0 and {MAX_BRANCH_OFFICE}",
                )
            ]
        )
    filters = PartyFilter(
        identification=text_filter(identification),
        branch_office=branch,
        active=boolean_filter(active, "active"),
        is_customer=True if kind == "is_customer" else None,
        is_supplier=True if kind == "is_supplier" else None,
        is_other=True if kind == "is_other" else None,
        is_company=choice_filter(person_type, "person_type", PERSON_TYPES),
        name=text_filter(name),
        created=instants(created_start, created_end, prefix="created").within(
            days(date_start, date_end, prefix="date")
        ),
        updated=instants(updated_start, updated_end, prefix="updated"),
    )
    found = parties.search(ctx, actor, filters, paging.request)
    results = [CustomerOut.from_domain(v, ctx.reference) for v in found.views]
    return page_response(request, paging, results, found.total)


@router.post("", summary="Create a customer", status_code=201, response_model=CustomerOut)
def create(ctx: Context, actor: CurrentActor, body: CustomerIn) -> Response:
    wanted = body.to_request()
    view = parties.create(
        ctx,
        actor,
        wanted.party,
        contacts=wanted.contacts,
        rules=CURRENT_RULES,
        noted=wanted.noted,
    )
    return _created(CustomerOut.from_domain(view, ctx.reference))


@router.get("/{customer_id}", summary="Read a customer", response_model=CustomerOut)
def get(ctx: Context, actor: CurrentActor, customer_id: str) -> Response:
    view = parties.get(ctx, actor, _guid(customer_id))
    return respond(CustomerOut.from_domain(view, ctx.reference))


@router.put(
    "/{customer_id}", summary="Replace a customer and its contacts", response_model=CustomerOut
)
def update(ctx: Context, actor: CurrentActor, customer_id: str, body: CustomerIn) -> Response:
    wanted = body.to_request()
    view = parties.replace_with_contacts(
        ctx,
        actor,
        _guid(customer_id),
        wanted.party,
        contacts=wanted.contacts,
        rules=CURRENT_RULES,
        keep=keep_unexpressed,
        keep_contact=keep_contact_unexpressed,
        noted=wanted.noted,
    )
    return respond(CustomerOut.from_domain(view, ctx.reference))


@router.delete(
    "/{customer_id}", summary="Delete a customer no document uses", response_model=DeletedOut
)
def delete(ctx: Context, actor: CurrentActor, customer_id: str) -> Response:
    guid = _guid(customer_id)
    parties.delete(ctx, actor, guid)
    return respond(DeletedOut.model_construct(id=str(guid), deleted=True))


# --- helpers -----------------------------------------------------------------------------------


def _guid(value: str) -> uuid.UUID:
    guid = guid_or_none(value)
    if guid is None:
        raise NotFound("customer", value.strip())
    return guid


def _created(record: CurrentModel) -> Response:
    return ExactJSONResponse(record.model_dump(mode="json"), status_code=201)


def _choice(value: str, choices: tuple[str, ...]) -> str | None:
    return next((c for c in choices if c.lower() == value.strip().lower()), None)


def _name(lookup: Any, code: str | None) -> str | None:
    name: str | None = lookup(code) if code else None
    return name


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None
