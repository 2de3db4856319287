"""Stock adjustments: how stock comes in until purchases exist."""

from __future__ import annotations

from decimal import Decimal

from facturo.domain.access import Actor, Permission
from facturo.domain.stock import StockMovement, StockReason, check_adjustment, insufficient_stock
from facturo.domain.webhooks import Topic
from facturo.services import webhooks
from facturo.services.context import ServiceContext


def adjust(
    ctx: ServiceContext,
    actor: Actor,
    *,
    product_code: str,
    warehouse_code: str,
    quantity: Decimal,
    note: str | None = None,
) -> tuple[StockMovement, Decimal]:
    """Adds (or with a negative quantity removes) stock; returns the movement and the new balance."""
    actor.require(Permission.STOCK_ADJUST)
    check = check_adjustment(quantity, note)
    with ctx.unit_of_work() as uow:
        company = uow.companies.get(actor.company_id)
        product = uow.products.find_by_code(actor.company_id, product_code)
        warehouse = uow.warehouses.find_by_code(actor.company_id, warehouse_code)
        if product is None:
            check.add(
                "invalid_reference", "product_code", f"The product {product_code} does not exist"
            )
        elif not product.stock_control:
            check.add(
                "product_settings",
                "product_code",
                f"The product {product_code} does not control stock",
            )
        if warehouse is None:
            check.add(
                "invalid_reference",
                "warehouse_code",
                f"The warehouse {warehouse_code} does not exist",
            )
        elif not warehouse.active:
            check.add(
                "parameter_inactive",
                "warehouse_code",
                f"The warehouse {warehouse_code} is inactive",
            )
        check.raise_if_any()
        assert product is not None and product.id is not None
        assert warehouse is not None and warehouse.id is not None
        movement = StockMovement(
            company_id=actor.company_id,
            product_id=product.id,
            warehouse_id=warehouse.id,
            quantity=quantity,
            reason=StockReason.ADJUSTMENT,
            note=note,
            created_by=actor.user_id,
        )
        balance = uow.stock.move([movement])[(product.id, warehouse.id)]
        if balance < 0 and not company.allow_negative_stock:
            raise insufficient_stock(
                product.code or "", warehouse.code, balance - quantity, "quantity"
            )
        webhooks.publish(ctx, uow, actor, Topic.PRODUCTS_STOCK_UPDATE, [product.id])
        uow.commit()
    return movement, balance
