"""Terceros: create, read, list, update, delete; and the contacts that come with them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from facturo.domain.access import Actor, Permission
from facturo.domain.errors import NotFound, Violation
from facturo.domain.parties import (
    GUIDE_RULES,
    MAX_CONTACTS,
    Contact,
    ContactData,
    Party,
    PartyData,
    PartyRules,
    check_contact,
    check_party,
    normalize_party,
)
from facturo.domain.queries import PartyFilter
from facturo.domain.validation import Checker, storable_ids
from facturo.services import contacts as contact_service
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store.unit_of_work import UnitOfWork

PartyKey = int | uuid.UUID
"""A tercero as a dialect names it: the legacy numeric Id or the current API's GUID."""


@dataclass(frozen=True)
class PartyView:
    party: Party
    contacts: list[Contact] = dataclasses.field(default_factory=list)  # in code order

    @property
    def principal_contact_id(self) -> int | None:
        return next((c.id for c in self.contacts if c.is_principal), None)


@dataclass(frozen=True)
class PartyPage:
    views: list[PartyView]
    total: int  # how many terceros match, on every page


def get(ctx: ServiceContext, actor: Actor, party_id: PartyKey) -> PartyView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _view(uow, _party(uow, actor, party_id))


def get_all(ctx: ServiceContext, actor: Actor, page: PageRequest) -> list[PartyView]:
    """A page of every tercero, in creation order (the legacy GetAll)."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.parties.search(
            actor.company_id, PartyFilter(), offset=page.offset, limit=page.limit
        )
        return _views(uow, actor.company_id, found)


def search(ctx: ServiceContext, actor: Actor, filters: PartyFilter, page: PageRequest) -> PartyPage:
    """A page of the terceros that match ``filters``, and how many match in all."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.parties.search(actor.company_id, filters, offset=page.offset, limit=page.limit)
        if found and len(found) < page.limit:
            total = page.offset + len(found)  # the last page: no need to count
        else:
            total = uow.parties.count_matching(actor.company_id, filters)
        return PartyPage(_views(uow, actor.company_id, found), total)


def create(
    ctx: ServiceContext,
    actor: Actor,
    data: PartyData,
    *,
    contacts: Sequence[ContactData] = (),
    rules: PartyRules = GUIDE_RULES,
    noted: Iterable[Violation] = (),
) -> PartyView:
    """Creates a tercero with its contacts (the first one principal) under the caller's
    dialect ``rules``; ``noted`` are violations the face found reading the request, reported
    with the rules' own."""
    _require_write(actor, data)
    with ctx.unit_of_work() as uow:
        check = _check_contacts(contacts, rules.contact_fields)
        party = add(ctx, uow, actor, data, rules=rules, also=[*noted, *check.violations])
        assert party.id is not None
        added = [
            contact_service.add_to_party(
                uow, actor, replace(contact, party_id=party.id), required=rules.contact_fields
            )
            for contact in contacts
        ]
        uow.commit()
    return PartyView(party, added)


def add(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    data: PartyData,
    *,
    field_prefix: str = "",
    rules: PartyRules = GUIDE_RULES,
    also: Iterable[Violation] = (),
) -> Party:
    """Creates a tercero inside an open unit of work (a sale may create its customer);
    violations are reported under ``field_prefix``, together with ``also``."""
    data = normalize_party(data)
    check = Checker()
    check.extend(also)
    found = _check(ctx, uow, actor, data, party_id=None, rules=rules)
    check.extend(found.violations, prefix=field_prefix)
    check.raise_if_any()
    party = uow.parties.add(Party(company_id=actor.company_id, **vars(data)))
    uow.flush()
    return party


def update(
    ctx: ServiceContext,
    actor: Actor,
    party_id: PartyKey,
    data: PartyData,
    *,
    principal_contact_id: int | None = None,
) -> PartyView:
    """Replaces the tercero's data (as Siigo's update does); optionally names its principal contact."""
    actor.require(Permission.MASTER_DATA_WRITE)
    data = normalize_party(data)
    with ctx.unit_of_work() as uow:
        party = _party(uow, actor, party_id)
        party_id = party.id or 0
        check = _check(ctx, uow, actor, data, party_id=party_id)
        contacts = uow.contacts.for_party(actor.company_id, party_id)
        if principal_contact_id is not None and principal_contact_id not in {
            c.id for c in contacts
        }:
            check.add(
                "invalid_reference",
                "principal_contact_id",
                f"The contact {principal_contact_id} in {{field}} is not a contact of this account",
            )
        check.raise_if_any()
        party.apply(data)
        if principal_contact_id is not None:
            for contact in contacts:  # clear first: one principal at a time, even mid-flush
                contact.is_principal = False
            uow.flush()
            for contact in contacts:
                contact.is_principal = contact.id == principal_contact_id
        uow.commit()
        return _view(uow, party)


def replace_with_contacts(
    ctx: ServiceContext,
    actor: Actor,
    party_id: PartyKey,
    data: PartyData,
    *,
    contacts: Sequence[ContactData],
    rules: PartyRules = GUIDE_RULES,
    keep: Callable[[Party, PartyData], PartyData] | None = None,
    keep_contact: Callable[[Contact, ContactData], ContactData] | None = None,
    noted: Iterable[Violation] = (),
) -> PartyView:
    """Replaces a tercero and its list of contacts in one go (the current API's PUT).

    The n-th contact sent rewrites the tercero's n-th contact (in code order), so documents
    that name a contact keep naming the same person; more are added, fewer delete the rest
    (refused while a document uses one). The first contact becomes the principal one.
    ``keep`` and ``keep_contact`` carry over, from the stored records, what the caller's
    dialect cannot express; ``noted`` are violations the face found reading the request.
    """
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        party = _party(uow, actor, party_id)
        assert party.id is not None
        if keep is not None:
            data = keep(party, data)
        data = normalize_party(data)
        check = Checker()
        check.extend(noted)
        check.extend(_check(ctx, uow, actor, data, party_id=party.id, rules=rules).violations)
        check.extend(_check_contacts(contacts, rules.contact_fields).violations)
        stored = uow.contacts.for_party(actor.company_id, party.id)
        surplus = stored[len(contacts) :]
        for contact in surplus:
            used_by = uow.contacts.users_of(actor.company_id, contact.id or 0)
            if used_by:
                check.add(
                    "delete_not_allowed",
                    "contacts",
                    f"The contact {contact.code} ({contact.first_name}) is used by "
                    f"{', '.join(used_by)}; send it again in {{field}} to keep it",
                )
        check.raise_if_any()
        party.apply(data)
        party.updated_at = ctx.now()  # a replacement is an update even when nothing differs
        for contact in surplus:
            uow.contacts.delete(contact)
        for contact in stored:  # one principal at a time, even mid-flush
            contact.is_principal = False
        uow.flush()
        kept: list[Contact] = []
        for contact, sent in zip(stored, contacts, strict=False):
            merged = keep_contact(contact, sent) if keep_contact is not None else sent
            contact.apply(replace(merged, party_id=party.id, is_principal=False))
            kept.append(contact)
        for sent in contacts[len(stored) :]:
            kept.append(
                contact_service.add_to_party(
                    uow, actor, replace(sent, party_id=party.id), required=rules.contact_fields
                )
            )
        for contact in kept[1:]:  # a contact added above may have taken the principal role
            contact.is_principal = False
        uow.flush()
        if kept:
            kept[0].is_principal = True
        uow.commit()
        return PartyView(party, kept)


def delete(ctx: ServiceContext, actor: Actor, party_id: PartyKey) -> None:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        party = _party(uow, actor, party_id)
        party_id = party.id or 0
        uow.parties.ensure_unused(actor.company_id, party_id, advice="; deactivate it instead")
        for contact in uow.contacts.for_party(actor.company_id, party_id):
            uow.contacts.delete(contact)
        uow.flush()
        uow.parties.delete(party)
        uow.commit()


def _require_write(actor: Actor, data: PartyData) -> None:
    """Full users create any tercero; a seller may create customers, and only customers."""
    if actor.can(Permission.MASTER_DATA_WRITE):
        return
    actor.require(Permission.CUSTOMERS_CREATE)
    if data.is_supplier or data.is_dealer or data.is_other:
        actor.require(Permission.MASTER_DATA_WRITE)


def _check(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    data: PartyData,
    *,
    party_id: int | None,
    rules: PartyRules = GUIDE_RULES,
) -> Checker:
    check = check_party(data, ctx.reference, rules)
    user_ids = {
        field: getattr(data, field)
        for field in ("director_id", "salesman_id", "collector_id")
        if getattr(data, field) is not None
    }
    known = uow.users.by_ids(actor.company_id, storable_ids(user_ids.values()))
    for field, user_id in user_ids.items():
        if user_id not in known:
            check.add("invalid_reference", field, f"The user {user_id} in {{field}} does not exist")
    if (
        data.identification
        and not check.has_errors_on("identification")
        and not check.has_errors_on("branch_office")  # out of range: looked up nowhere
    ):
        same = uow.parties.find_by_identification(
            actor.company_id, data.identification, data.branch_office
        )
        if same is not None and same.id != party_id:
            check.add(
                "already_exists",
                "identification",
                f"An account with identification {data.identification} and branch office "
                f"{data.branch_office} already exists (Id {same.id})",
            )
    return check


def _check_contacts(contacts: Sequence[ContactData], required: Collection[str]) -> Checker:
    """The contacts sent with a tercero, checked before the tercero exists."""
    check = Checker()
    if len(contacts) > MAX_CONTACTS:
        check.add(
            "invalid_array",
            "contacts",
            f"The field {{field}} admits at most {MAX_CONTACTS} contacts",
        )
    for position, contact in enumerate(contacts):
        found = check_contact(replace(contact, party_id=0), required)
        check.extend(found.violations, prefix=f"contacts.{position}.")
    return check


def _party(uow: UnitOfWork, actor: Actor, key: PartyKey) -> Party:
    if isinstance(key, uuid.UUID):
        found = uow.parties.id_for_guid(actor.company_id, key)
        if found is None:
            raise NotFound(uow.parties.entity_name, key)
        key = found
    return uow.parties.get(actor.company_id, key)


def _view(uow: UnitOfWork, party: Party) -> PartyView:
    return _views(uow, party.company_id, [party])[0]


def _views(uow: UnitOfWork, company_id: int, parties: list[Party]) -> list[PartyView]:
    contacts = uow.contacts.for_parties(company_id, [p.id for p in parties if p.id])
    return [PartyView(p, contacts.get(p.id or 0, [])) for p in parties]
