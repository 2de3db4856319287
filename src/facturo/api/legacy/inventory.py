"""Inventory adjustments: how stock comes in until purchases exist (a route of Facturo's own,
in the legacy style)."""

from __future__ import annotations

from facturo.api.deps import Context, LegacyActor
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel
from facturo.api.legacy.routing import legacy_router
from facturo.domain.errors import RuleViolations, Violation
from facturo.services import stock

router = legacy_router(
    "/Inventory",
    "Legacy: inventory",
    {
        "product_code": "ProductCode",
        "warehouse_code": "WareHouseCode",
        "quantity": "Quantity",
        "note": "Note",
    },
)


class AdjustmentRecord(LegacyModel):
    ProductCode: str | None = None
    WareHouseCode: str | None = None
    Quantity: JsonDecimal | None = None  # positive adds stock, negative removes it
    Note: str | None = None
    MovementID: int | None = None  # answer only
    Balance: JsonDecimal | None = None  # answer only: the warehouse's stock after it


@router.post("/Adjust", summary="Add or remove stock of a product in a warehouse")
def adjust(ctx: Context, actor: LegacyActor, record: AdjustmentRecord) -> AdjustmentRecord:
    missing = [
        Violation("parameter_required", name, "The field {field} is required")
        for name, value in (
            ("product_code", record.ProductCode),
            ("warehouse_code", record.WareHouseCode),
            ("quantity", record.Quantity),
        )
        if value is None or (isinstance(value, str) and not value.strip())
    ]
    if missing:
        raise RuleViolations(missing)
    assert (
        record.ProductCode is not None
        and record.WareHouseCode is not None
        and record.Quantity is not None
    )
    movement, balance = stock.adjust(
        ctx,
        actor,
        product_code=record.ProductCode.strip(),
        warehouse_code=record.WareHouseCode.strip(),
        quantity=record.Quantity,
        note=record.Note,
    )
    return AdjustmentRecord(
        ProductCode=record.ProductCode.strip(),
        WareHouseCode=record.WareHouseCode.strip(),
        Quantity=record.Quantity,
        Note=record.Note,
        MovementID=movement.id,
        Balance=balance,
    )
