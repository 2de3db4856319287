"""Contacts of a tercero: at most ten, exactly one principal once there is any."""

from __future__ import annotations

from collections.abc import Collection

from facturo.domain.access import Actor, Permission
from facturo.domain.parties import (
    GUIDE_CONTACT_FIELDS,
    MAX_CONTACTS,
    Contact,
    ContactData,
    check_contact,
)
from facturo.domain.validation import Checker
from facturo.services.context import ServiceContext
from facturo.store.unit_of_work import UnitOfWork


def get(ctx: ServiceContext, actor: Actor, contact_id: int) -> Contact:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.contacts.get(actor.company_id, contact_id)


def get_all_for_party(ctx: ServiceContext, actor: Actor, party_id: int) -> list[Contact]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        uow.parties.get(actor.company_id, party_id)  # 404 for an unknown tercero
        return uow.contacts.for_party(actor.company_id, party_id)


def create(ctx: ServiceContext, actor: Actor, data: ContactData) -> Contact:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        contact = add_to_party(uow, actor, data)
        uow.commit()
    return contact


def add_to_party(
    uow: UnitOfWork,
    actor: Actor,
    data: ContactData,
    *,
    field_prefix: str = "",
    required: Collection[str] = GUIDE_CONTACT_FIELDS,
) -> Contact:
    """Adds a contact inside an open unit of work (also used when a sale creates a customer);
    violations are reported under ``field_prefix``; ``required`` names the fields it needs."""
    check = _check(uow, actor, data, required)
    siblings: list[Contact] = []
    if data.party_id is not None and not check.has_errors_on("party_id"):
        siblings = uow.contacts.for_party(actor.company_id, data.party_id)
        if len(siblings) >= MAX_CONTACTS:
            check.add(
                "invalid_array", "party_id", f"An account has at most {MAX_CONTACTS} contacts"
            )
    if field_prefix:
        check = _prefixed(check, field_prefix)
    check.raise_if_any()
    make_principal = data.is_principal or not any(c.is_principal for c in siblings)
    if make_principal:
        _clear_principal(uow, siblings)
    contact = Contact(
        company_id=actor.company_id,
        code=max((c.code for c in siblings), default=0) + 1,
        **{**vars(data), "is_principal": make_principal},
    )
    uow.contacts.add(contact)
    uow.flush()
    return contact


def update(ctx: ServiceContext, actor: Actor, contact_id: int, data: ContactData) -> Contact:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        contact = uow.contacts.get(actor.company_id, contact_id)
        if data.party_id is None:
            data.party_id = contact.party_id
        check = _check(uow, actor, data)
        if data.party_id != contact.party_id:
            check.add(
                "non_editable", "party_id", "A contact cannot move to another account ({field})"
            )
        check.raise_if_any()
        siblings = [
            c
            for c in uow.contacts.for_party(actor.company_id, contact.party_id)
            if c.id != contact.id
        ]
        was_principal = contact.is_principal
        if data.is_principal and not was_principal:
            _clear_principal(uow, siblings)
        contact.apply(data)
        if was_principal and not data.is_principal:
            contact.is_principal = True  # stays principal until another contact takes over
        uow.commit()
    return contact


def delete(ctx: ServiceContext, actor: Actor, contact_id: int) -> None:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        contact = uow.contacts.get(actor.company_id, contact_id)
        uow.contacts.ensure_unused(actor.company_id, contact_id)
        uow.contacts.delete(contact)
        uow.flush()
        if contact.is_principal:
            remaining = uow.contacts.for_party(actor.company_id, contact.party_id)
            if remaining:
                remaining[0].is_principal = True  # the oldest contact takes over
        uow.commit()


def _check(
    uow: UnitOfWork,
    actor: Actor,
    data: ContactData,
    required: Collection[str] = GUIDE_CONTACT_FIELDS,
) -> Checker:
    check = check_contact(data, required)
    if data.party_id is not None and uow.parties.find(actor.company_id, data.party_id) is None:
        check.add(
            "invalid_reference",
            "party_id",
            f"The account {data.party_id} in {{field}} does not exist",
        )
    if data.charge_id is not None:
        charge = uow.charges.find(actor.company_id, data.charge_id)
        if charge is None:
            check.add(
                "invalid_reference",
                "charge_id",
                f"The charge {data.charge_id} in {{field}} does not exist",
            )
        elif not charge.active:
            check.add(
                "parameter_inactive",
                "charge_id",
                f"The charge {data.charge_id} in {{field}} is inactive",
            )
    return check


def _prefixed(check: Checker, prefix: str) -> Checker:
    prefixed = Checker()
    prefixed.extend(check.violations, prefix=prefix)
    return prefixed


def _clear_principal(uow: UnitOfWork, contacts: list[Contact]) -> None:
    for other in contacts:
        other.is_principal = False
    uow.flush()
