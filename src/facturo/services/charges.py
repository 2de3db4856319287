"""Cargos: the positions contacts hold."""

from __future__ import annotations

from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import Charge, ChargeData, check_charge
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest


def get(ctx: ServiceContext, actor: Actor, charge_id: int) -> Charge:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.charges.get(actor.company_id, charge_id)


def get_all(ctx: ServiceContext, actor: Actor, page: PageRequest) -> list[Charge]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.charges.page(actor.company_id, offset=page.offset, limit=page.limit)


def create(ctx: ServiceContext, actor: Actor, data: ChargeData) -> Charge:
    actor.require(Permission.MASTER_DATA_WRITE)
    check_charge(data).raise_if_any()
    with ctx.unit_of_work() as uow:
        charge = uow.charges.add(Charge(company_id=actor.company_id, **vars(data)))
        uow.commit()
    return charge


def update(ctx: ServiceContext, actor: Actor, charge_id: int, data: ChargeData) -> Charge:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        charge = uow.charges.get(actor.company_id, charge_id)
        check_charge(data).raise_if_any()
        charge.apply(data)
        uow.commit()
    return charge


def delete(ctx: ServiceContext, actor: Actor, charge_id: int) -> None:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        charge = uow.charges.get(actor.company_id, charge_id)
        uow.charges.ensure_unused(actor.company_id, charge_id)
        uow.charges.delete(charge)
        uow.commit()
