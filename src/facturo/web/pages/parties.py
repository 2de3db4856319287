"""Terceros (full-access users): the list with search by identification or name, and the
form that creates or edits one — person or company, identification with its DV (computed
for a NIT when left empty, checked when written), names or razón social, kinds (cliente,
proveedor, …), fiscal responsibilities, address with its DIVIPOLA city, two phones, e-mail
and up to ten contacts (the first is the principal one).

The web app asks of a tercero what Siigo's current API asks (``CURRENT_RULES``: no phone
required, a contact needs only its first name). Editing replaces the tercero and its list of
contacts (``parties.replace_with_contacts``): what the form does not show (related users, a
contact's gender, position, fax and birth date) is kept as it was."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from facturo.domain import annexes
from facturo.domain.access import Actor
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.nit import split_nit
from facturo.domain.parties import (
    CURRENT_RULES,
    MAX_BRANCH_OFFICE,
    MAX_CONTACTS,
    Contact,
    ContactData,
    Party,
    PartyData,
)
from facturo.domain.queries import PartyFilter
from facturo.domain.reference import COLOMBIA
from facturo.domain.validation import MAX_RECORD_ID
from facturo.reference import dian_code_lists
from facturo.services import parties
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.parties import PartyPage, PartyView
from facturo.web.core import PREFIX, Context, Form, FormState, FullSession, redirect, render, text
from facturo.web.format import plain_text

router = APIRouter(prefix="/terceros")
HOME = PREFIX + "/terceros"
PAGE_SIZE = 25
MAX_PAGE = 10_000
MAX_QUERY = 100

PERSON, COMPANY = "person", "company"
PERSON_TYPES = [(PERSON, "Persona natural"), (COMPANY, "Persona jurídica (empresa)")]
ID_TYPES = [
    ("", "Elige…"),
    *((code, f"{name} ({code})") for code, name in annexes.ID_TYPES.items()),
]
KINDS = [
    ("is_customer", "Cliente"),
    ("is_supplier", "Proveedor"),
    ("is_prospect", "Prospecto"),
    ("is_dealer", "Distribuidor"),
    ("is_other", "Otro"),
]
FISCAL_RESPONSIBILITIES = [
    (code, f"{code} · {name}") for code, name in annexes.FISCAL_RESPONSIBILITIES.items()
]
NEW_PARTY_RESPONSIBILITY = annexes.CURRENT_API_DEFAULT_RESPONSIBILITY  # R-99-PN: no responsable
CONTACT_PARTS = ("first_name", "last_name", "email", "phone", "mobile")
TEXT_FIELDS = (
    "person_type",
    "id_type_code",
    "identification",
    "check_digit",
    "branch_office",
    "first_name",
    "last_name",
    "full_name",
    "commercial_name",
    "country_code",
    "state_code",
    "city_code",
    "address",
    "postal_code",
    "phone_indicative",
    "phone_number",
    "phone_extension",
    "fax_indicative",
    "fax_number",
    "fax_extension",
    "email",
    "website",
    "comments",
)
FLAGS = (*(name for name, _ in KINDS), "vat_responsible", "active")
SHOWN_FIELDS = [*TEXT_FIELDS, *FLAGS, "kinds", "fiscal_responsibilities"]


def _field_map() -> dict[str, str]:
    """Domain paths → the form's field names."""
    names = {
        "is_company": "person_type",
        "place": "city_code",
        "place.country_code": "country_code",
        "place.state_code": "state_code",
        "place.city_code": "city_code",
        "fiscal_responsibilities": "fiscal_responsibilities",
        "principal_contact_id": "",
        "contacts": "",
        "director_id": "",
        "salesman_id": "",
        "collector_id": "",
    }
    for phone in ("phone", "fax"):
        for part in ("indicative", "number", "extension"):
            names[f"{phone}.{part}"] = f"{phone}_{part}"
        names[phone] = f"{phone}_number"
    return names


FIELD_MAP = _field_map()


# --- reference lists -----------------------------------------------------------------------


@cache
def _countries() -> list[tuple[str, str]]:
    lists = dian_code_lists()
    return sorted(lists.countries.items(), key=lambda item: _folded(item[1]))


@cache
def _departments() -> list[tuple[str, str]]:
    lists = dian_code_lists()
    ordered = sorted(lists.departments.items(), key=lambda item: _folded(item[1]))
    return [("", "Elige…"), *ordered]


@cache
def _municipalities() -> list[tuple[str, str]]:
    """(code, "Ciudad (Departamento)") for the city's datalist."""
    lists = dian_code_lists()
    return sorted(
        (
            (code, f"{name} ({lists.departments.get(code[:2], '')})")
            for code, name in lists.municipalities.items()
        ),
        key=lambda item: _folded(item[1]),
    )


@cache
def _municipalities_by_name() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code, name in dian_code_lists().municipalities.items():
        found.setdefault(_folded(name), []).append(code)
    return found


def _folded(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def _city_code(typed: str, state: str) -> str:
    """A city as typed: its DIVIPOLA code, or a name (``Medellín``, ``11001 Bogotá``) that
    names one municipality (in the department chosen, when several share the name)."""
    code = typed.split(" ", 1)[0]
    if code.isdecimal():
        return code
    options = _municipalities_by_name().get(_folded(re.sub(r"\s*\(.*\)$", "", typed)), [])
    if state:
        options = [c for c in options if c.startswith(state)] or options
    return options[0] if len(options) == 1 else typed


# --- the list ------------------------------------------------------------------------------


def _page_number(raw: str) -> int:
    return max(1, min(int(raw), MAX_PAGE)) if raw.isdecimal() and len(raw) < 7 else 1


def _search(ctx: ServiceContext, actor: Actor, query: str, page: PageRequest) -> PartyPage:
    """By identification first (as people write it: 800.197.268-4), else by part of the name."""
    if not query:
        return parties.search(ctx, actor, PartyFilter(), page)
    identification, _ = split_nit(query)
    if identification and len(identification) <= 20:
        found = parties.search(ctx, actor, PartyFilter(identification=identification), page)
        if found.total:
            return found
    return parties.search(ctx, actor, PartyFilter(name=query), page)


@router.get("")
def index(
    request: Request, ctx: Context, session: FullSession, q: str = "", pagina: str = "1"
) -> Response:
    query = plain_text(q).strip()[:MAX_QUERY]
    number = _page_number(pagina)
    found = _search(ctx, session.actor, query, PageRequest.numbered(number, PAGE_SIZE, first=1))
    pages = max(1, -(-found.total // PAGE_SIZE))
    refs = dian_code_lists()
    return render(
        request,
        "parties/index.html",
        views=found.views,
        total=found.total,
        page=number,
        pages=pages,
        q=query,
        city_name=lambda code: refs.municipalities.get(code or "", ""),
        kinds=KINDS,
    )


# --- the form ------------------------------------------------------------------------------


def _form_context(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "person_types": PERSON_TYPES,
        "id_types": ID_TYPES,
        "kinds": KINDS,
        "responsibilities": FISCAL_RESPONSIBILITIES,
        "countries": _countries(),
        "departments": _departments(),
        "municipalities": _municipalities(),
        "contact_rows": _contact_rows(values),
        "max_contacts": MAX_CONTACTS,
        "shown_fields": SHOWN_FIELDS
        + [f"contact_{i}_{part}" for i in range(MAX_CONTACTS) for part in CONTACT_PARTS],
    }


def _contact_rows(values: Mapping[str, Any]) -> int:
    """The contacts typed (or stored), and one empty row to add another."""
    filled = [
        i
        for i in range(MAX_CONTACTS)
        if any(values.get(f"contact_{i}_{part}") for part in CONTACT_PARTS)
    ]
    return min(MAX_CONTACTS, (max(filled) + 2) if filled else 1)


def _new_values() -> dict[str, Any]:
    return {
        "person_type": PERSON,
        "id_type_code": "13",
        "country_code": COLOMBIA,
        "is_customer": True,
        "active": True,
        "branch_office": "0",
        "fiscal_responsibilities": [NEW_PARTY_RESPONSIBILITY],
    }


def _values_of(view: PartyView) -> dict[str, Any]:
    p = view.party
    values: dict[str, Any] = {
        "person_type": COMPANY if p.is_company else PERSON,
        "id_type_code": p.id_type_code or "",
        "identification": p.identification or "",
        "check_digit": "" if p.check_digit is None else str(p.check_digit),
        "branch_office": str(p.branch_office),
        "first_name": p.first_name or "",
        "last_name": p.last_name or "",
        "full_name": p.full_name or "",
        "commercial_name": p.commercial_name or "",
        "country_code": p.place.country_code or "",
        "state_code": p.place.state_code or "",
        "city_code": p.place.city_code or "",
        "address": p.address or "",
        "postal_code": p.postal_code or "",
        "email": p.email or "",
        "website": p.website or "",
        "comments": p.comments or "",
        "fiscal_responsibilities": list(p.fiscal_responsibilities),
        **{flag: getattr(p, flag) for flag in FLAGS},
    }
    for name, phone in (("phone", p.phone), ("fax", p.fax)):
        for part in ("indicative", "number", "extension"):
            values[f"{name}_{part}"] = getattr(phone, part) or ""
    for i, contact in enumerate(view.contacts[:MAX_CONTACTS]):
        values[f"contact_{i}_first_name"] = contact.first_name or ""
        values[f"contact_{i}_last_name"] = contact.last_name or ""
        values[f"contact_{i}_email"] = contact.email or ""
        values[f"contact_{i}_phone"] = contact.phone.number or ""
        values[f"contact_{i}_mobile"] = contact.mobile.number or ""
    return values


def _posted_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: _typed(form, name, 4000) for name in TEXT_FIELDS}
    values.update({flag: bool(form.get(flag)) for flag in FLAGS})
    values["fiscal_responsibilities"] = [
        plain_text(str(code)).strip()[:20]
        for code in form.getlist("fiscal_responsibilities")
        if plain_text(str(code)).strip()
    ][:50]
    for i in range(MAX_CONTACTS):
        for part in CONTACT_PARTS:
            values[f"contact_{i}_{part}"] = _typed(form, f"contact_{i}_{part}", 200)
    return values


def _typed(form: FormData, name: str, limit: int) -> str:
    return plain_text(text(form, name)).strip()[:limit]


def _none(value: str) -> str | None:
    return value or None


def _phone(values: Mapping[str, Any], name: str) -> Phone:
    return Phone(
        _none(values[f"{name}_indicative"]),
        _none(values[f"{name}_number"].replace(" ", "")),
        _none(values[f"{name}_extension"]),
    )


def _read(
    values: Mapping[str, Any],
) -> tuple[PartyData, list[ContactData], list[int], list[Violation]]:
    """The tercero and contacts the form describes, the form row of each contact sent, and
    what was wrong with the form's own shape (in Spanish)."""
    noted: list[Violation] = []
    is_company = values["person_type"] == COMPANY
    if values["person_type"] not in (PERSON, COMPANY):
        noted.append(Violation("invalid_value", "is_company", "Elige el tipo de persona."))
    branch_text = values["branch_office"] or "0"
    branch = 0
    if branch_text.isdecimal() and len(branch_text) <= 3:
        branch = int(branch_text)
    else:
        noted.append(
            Violation(
                "invalid_value",
                "branch_office",
                f"La sucursal debe ser un número de 0 a {MAX_BRANCH_OFFICE}.",
            )
        )
    check_digit: int | None = None
    if values["check_digit"]:
        if values["check_digit"].isdecimal() and len(values["check_digit"]) == 1:
            check_digit = int(values["check_digit"])
        else:
            noted.append(
                Violation("invalid_value", "check_digit", "El DV es un solo dígito, de 0 a 9.")
            )
    country = values["country_code"].upper()
    city = _city_code(values["city_code"], values["state_code"]) if values["city_code"] else ""
    state = values["state_code"]
    if country == COLOMBIA and not state and len(city) == 5 and city.isdecimal():
        state = city[:2]  # the department is the city code's first two digits
    data = PartyData(
        is_customer=values["is_customer"],
        is_supplier=values["is_supplier"],
        is_prospect=values["is_prospect"],
        is_dealer=values["is_dealer"],
        is_other=values["is_other"],
        is_company=is_company,
        full_name=_none(values["full_name"]) if is_company else None,
        first_name=None if is_company else _none(values["first_name"]),
        last_name=None if is_company else _none(values["last_name"]),
        commercial_name=_none(values["commercial_name"]),
        id_type_code=_none(values["id_type_code"]),
        identification=_none(values["identification"]),
        check_digit=check_digit,
        branch_office=branch,
        vat_responsible=values["vat_responsible"],
        website=_none(values["website"]),
        place=Place(_none(country), _none(state), _none(city)),
        address=_none(values["address"]),
        postal_code=_none(values["postal_code"]),
        phone=_phone(values, "phone"),
        fax=_phone(values, "fax"),
        email=_none(values["email"]),
        active=values["active"],
        fiscal_responsibilities=list(values["fiscal_responsibilities"]),
        comments=_none(values["comments"]),
    )
    contacts: list[ContactData] = []
    rows: list[int] = []
    for i in range(MAX_CONTACTS):
        parts = {part: values[f"contact_{i}_{part}"] for part in CONTACT_PARTS}
        if not any(parts.values()):
            continue
        rows.append(i)
        contacts.append(
            ContactData(
                first_name=_none(parts["first_name"]),
                last_name=_none(parts["last_name"]),
                email=_none(parts["email"]),
                phone=Phone(number=_none(parts["phone"].replace(" ", ""))),
                mobile=Phone(number=_none(parts["mobile"].replace(" ", ""))),
                is_principal=not contacts,
            )
        )
    return data, contacts, rows, noted


def _errors_map(rows: list[int]) -> dict[str, str]:
    """FIELD_MAP plus the paths of the contacts sent (``contacts.0.email``) → their row."""
    names = dict(FIELD_MAP)
    for sent, row in enumerate(rows):
        for part in ("first_name", "last_name", "email"):
            names[f"contacts.{sent}.{part}"] = f"contact_{row}_{part}"
        for part in ("phone", "mobile"):
            names[f"contacts.{sent}.{part}"] = f"contact_{row}_{part}"
            for piece in ("indicative", "number", "extension"):
                names[f"contacts.{sent}.{part}.{piece}"] = f"contact_{row}_{part}"
        names[f"contacts.{sent}"] = f"contact_{row}_first_name"
    return names


def _refused(
    request: Request,
    template: str,
    values: Mapping[str, Any],
    refusal: RuleViolations,
    rows: list[int],
    **context: Any,
) -> Response:
    state = FormState.refused(values, refusal, _errors_map(rows))
    if not values["state_code"] and "city_code" in state.errors:
        state.errors.pop("state_code", None)  # derived from the city: the city's error says it
    return render(
        request, template, status_code=400, form=state, **_form_context(values), **context
    )


@router.get("/nuevo")
def new(request: Request, session: FullSession) -> Response:
    values = _new_values()
    return render(request, "parties/new.html", form=FormState(values), **_form_context(values))


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    values = _posted_values(form)
    data, contacts, rows, noted = _read(values)
    try:
        view = parties.create(
            ctx, session.actor, data, contacts=contacts, rules=CURRENT_RULES, noted=noted
        )
    except RuleViolations as refused:
        return _refused(request, "parties/new.html", values, refused, rows)
    return redirect(request, HOME, flash=f"Tercero {_name(view.party)} creado.")


def _party_id(raw: str) -> int:
    """A tercero's id from the address; anything else names no tercero (404)."""
    if not raw.isdecimal() or len(raw) > 19 or int(raw) > MAX_RECORD_ID or int(raw) == 0:
        raise NotFound("party", raw[:40])
    return int(raw)


@router.get("/{party_id}")
def edit(request: Request, ctx: Context, session: FullSession, party_id: str) -> Response:
    view = parties.get(ctx, session.actor, _party_id(party_id))
    values = _values_of(view)
    return render(
        request,
        "parties/edit.html",
        party=view.party,
        form=FormState(values),
        **_form_context(values),
    )


def _keep(stored: Party, sent: PartyData) -> PartyData:
    """What the form does not show stays as it was."""
    return replace(
        sent,
        director_id=stored.director_id,
        salesman_id=stored.salesman_id,
        collector_id=stored.collector_id,
    )


def _keep_contact(stored: Contact, sent: ContactData) -> ContactData:
    return replace(
        sent,
        fax=stored.fax,
        gender=stored.gender,
        charge_id=stored.charge_id,
        birth_date=stored.birth_date,
    )


@router.post("/{party_id}")
def update(
    request: Request, ctx: Context, session: FullSession, party_id: str, form: Form
) -> Response:
    key = _party_id(party_id)
    values = _posted_values(form)
    data, contacts, rows, noted = _read(values)
    try:
        view = parties.replace_with_contacts(
            ctx,
            session.actor,
            key,
            data,
            contacts=contacts,
            rules=CURRENT_RULES,
            keep=_keep,
            keep_contact=_keep_contact,
            noted=noted,
        )
    except RuleViolations as refused:
        stored = parties.get(ctx, session.actor, key)
        return _refused(request, "parties/edit.html", values, refused, rows, party=stored.party)
    return redirect(request, HOME, flash=f"Tercero {_name(view.party)} actualizado.")


def _name(party: Party) -> str:
    return party.name or party.identification or ""
