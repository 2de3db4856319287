"""Charges (cargos), the positions contacts hold: Create, GetByID, GetAll, Update, Delete."""

from __future__ import annotations

from facturo.api.deps import Context, LegacyActor
from facturo.api.legacy.base import LegacyModel
from facturo.api.legacy.common import Deleted, NumberPage, page_request, required_id
from facturo.api.legacy.routing import legacy_router
from facturo.domain.catalogs import Charge, ChargeData
from facturo.services import charges

FIELD_NAMES = {"active": "IsActive"}

router = legacy_router("/Charges", "Legacy: charges (cargos)", FIELD_NAMES)


class ChargeRecord(LegacyModel):
    Id: int | None = None
    Name: str | None = None
    IsActive: bool = True

    def to_domain(self) -> ChargeData:
        return ChargeData(name=(self.Name or "").strip() or None, active=self.IsActive)

    @classmethod
    def from_domain(cls, charge: Charge) -> ChargeRecord:
        return cls.model_construct(Id=charge.id, Name=charge.name, IsActive=charge.active)


@router.post("/Create", summary="Create a charge")
def create(ctx: Context, actor: LegacyActor, record: ChargeRecord) -> ChargeRecord:
    return ChargeRecord.from_domain(charges.create(ctx, actor, record.to_domain()))


@router.get("/GetByID/{charge_id}", summary="Read a charge")
def get_by_id(ctx: Context, actor: LegacyActor, charge_id: int) -> ChargeRecord:
    return ChargeRecord.from_domain(charges.get(ctx, actor, charge_id))


@router.get("/GetAll", summary="List charges, a page at a time")
def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[ChargeRecord]:
    return [
        ChargeRecord.from_domain(c)
        for c in charges.get_all(ctx, actor, page_request(ctx, number_page))
    ]


@router.post("/Update", summary="Replace a charge (its Id in the body)")
@router.put("/Update", summary="Replace a charge (its Id in the body)")
def update(ctx: Context, actor: LegacyActor, record: ChargeRecord) -> ChargeRecord:
    return ChargeRecord.from_domain(
        charges.update(ctx, actor, required_id(record.Id), record.to_domain())
    )


@router.delete("/Delete/{charge_id}", summary="Delete a charge no contact holds")
def delete(ctx: Context, actor: LegacyActor, charge_id: int) -> Deleted:
    charges.delete(ctx, actor, charge_id)
    return Deleted(Id=charge_id)
