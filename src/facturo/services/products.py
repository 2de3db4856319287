"""Products and services: create, read, list, update, delete, and stock balances."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import AccountGroup, Tax
from facturo.domain.errors import NotFound, Violation
from facturo.domain.products import (
    Product,
    ProductData,
    TaxClassification,
    assign_tax_slots,
    check_product,
    check_product_taxes,
    tax_ids_of,
)
from facturo.domain.queries import ProductFilter
from facturo.domain.stock import WarehouseBalance
from facturo.domain.validation import Checker, storable_ids
from facturo.domain.webhooks import Topic
from facturo.services import webhooks
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store.unit_of_work import UnitOfWork

ProductKey = int | uuid.UUID
"""A product as a dialect names it: the legacy numeric Id or the current API's GUID."""

DEFAULT_TAX_CLASSIFICATION = TaxClassification.TAXED  # Siigo's default


@dataclass(frozen=True)
class StockBalance:
    product: Product
    warehouses: list[WarehouseBalance]

    @property
    def total(self) -> Decimal:
        return sum((w.quantity for w in self.warehouses), Decimal(0))


@dataclass(frozen=True)
class ProductView:
    """A product with what reading it shows beside its own fields: its taxes, account group,
    the names of its price lists, its stock per warehouse and when that stock last moved."""

    product: Product
    taxes: list[Tax]  # charge taxes first, then the withholding
    account_group: AccountGroup | None
    price_list_names: dict[int, str]  # position → name
    warehouses: list[WarehouseBalance]  # empty for products without stock control
    stock_updated: datetime | None

    @property
    def available_quantity(self) -> Decimal:
        return sum((w.quantity for w in self.warehouses), Decimal(0))


@dataclass(frozen=True)
class ProductPage:
    views: list[ProductView]
    total: int  # how many products match, on every page


def get(ctx: ServiceContext, actor: Actor, product_id: ProductKey) -> Product:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _product(uow, actor, product_id)


def get_view(ctx: ServiceContext, actor: Actor, product_id: ProductKey) -> ProductView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return views(uow, actor.company_id, [_product(uow, actor, product_id)])[0]


def get_all(ctx: ServiceContext, actor: Actor, page: PageRequest) -> list[Product]:
    """A page of every product, in creation order (the legacy GetAll)."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.products.search(
            actor.company_id, ProductFilter(), offset=page.offset, limit=page.limit
        )


def search(
    ctx: ServiceContext, actor: Actor, filters: ProductFilter, page: PageRequest
) -> ProductPage:
    """A page of the products that match ``filters``, newest first, and how many match."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.products.search(
            actor.company_id, filters, offset=page.offset, limit=page.limit, newest_first=True
        )
        if found and len(found) < page.limit:
            total = page.offset + len(found)  # the last page: no need to count
        else:
            total = uow.products.count_matching(actor.company_id, filters)
        return ProductPage(views(uow, actor.company_id, found), total)


def product_view(uow: UnitOfWork, company_id: int, product_id: int) -> ProductView:
    """One product as a view, inside an open unit of work (e.g. to publish it)."""
    return views(uow, company_id, [uow.products.get(company_id, product_id)])[0]


def views(uow: UnitOfWork, company_id: int, products: Iterable[Product]) -> list[ProductView]:
    """Products as views, with a fixed number of queries however many there are."""
    products = list(products)
    if not products:
        return []
    catalogs = uow.catalogs(company_id)
    groups = uow.account_groups.by_ids(company_id, {p.account_group_id or 0 for p in products})
    price_lists = {pl.position: pl.name for pl in uow.price_lists.all(company_id)}
    stocked = [p.id for p in products if p.id is not None and p.stock_control]
    quantities = uow.stock.quantities(company_id, stocked)
    moved = uow.stock.last_moved(company_id, [p.id for p in products if p.id is not None])
    warehouses = sorted(catalogs.warehouses.values(), key=lambda w: w.code)
    result = []
    for product in products:
        balances = []
        if product.stock_control:
            for warehouse in warehouses:
                quantity = quantities.get((product.id or 0, warehouse.id or 0), Decimal(0))
                if warehouse.active or quantity != 0:
                    balances.append(
                        WarehouseBalance(
                            warehouse.id or 0, warehouse.code, warehouse.name, quantity
                        )
                    )
        result.append(
            ProductView(
                product=product,
                taxes=[catalogs.taxes[i] for i in tax_ids_of(product) if i in catalogs.taxes],
                account_group=groups.get(product.account_group_id or 0),
                price_list_names=price_lists,
                warehouses=balances,
                stock_updated=moved.get(product.id or 0),
            )
        )
    return result


def get_by_codes(ctx: ServiceContext, actor: Actor, codes: list[str]) -> list[Product]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.products.by_codes(actor.company_id, codes)


def stock_balance(
    ctx: ServiceContext, actor: Actor, *, product_id: int | None = None, code: str | None = None
) -> StockBalance:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        if product_id is not None:
            product = uow.products.get(actor.company_id, product_id)
        else:
            found = uow.products.find_by_code(actor.company_id, code or "")
            if found is None:
                raise NotFound("product", code)
            product = found
        assert product.id is not None
        return StockBalance(product, uow.stock.balances(actor.company_id, product.id))


def create(
    ctx: ServiceContext,
    actor: Actor,
    data: ProductData,
    *,
    tax_ids: Sequence[int] | None = None,
    noted: Iterable[Violation] = (),
) -> Product:
    """Creates a product. ``tax_ids`` lists its taxes (the current API's way), placed in the
    product's slots; ``noted`` are violations the face found reading the request."""
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        data, check = _prepared(uow, actor, data, tax_ids, noted, current=None)
        check.extend(_check(ctx, uow, actor, data, current=None).violations)
        check.raise_if_any()
        product = uow.products.add(Product(company_id=actor.company_id, **vars(data)))
        uow.flush()  # the product's id, for its event
        webhooks.publish(ctx, uow, actor, Topic.PRODUCTS_CREATE, [product.id or 0])
        uow.commit()
    return product


def update(
    ctx: ServiceContext,
    actor: Actor,
    product_id: ProductKey,
    data: ProductData,
    *,
    tax_ids: Sequence[int] | None = None,
    noted: Iterable[Violation] = (),
    keep: Callable[[Product, ProductData], ProductData] | None = None,
) -> Product:
    """Replaces a product's data (as Siigo's update does); see ``create``. ``keep`` carries
    over, from the stored product, what the caller's dialect cannot express."""
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        product = _product(uow, actor, product_id)
        if keep is not None:
            data = keep(product, data)
        data, check = _prepared(uow, actor, data, tax_ids, noted, current=product)
        check.extend(_check(ctx, uow, actor, data, current=product).violations)
        check.raise_if_any()
        product.apply(data)
        product.updated_at = ctx.now()  # a replacement is an update even when nothing differs
        webhooks.publish(ctx, uow, actor, Topic.PRODUCTS_UPDATE, [product.id or 0])
        uow.commit()
    return product


def delete(ctx: ServiceContext, actor: Actor, product_id: ProductKey) -> None:
    actor.require(Permission.MASTER_DATA_WRITE)
    with ctx.unit_of_work() as uow:
        product = _product(uow, actor, product_id)
        product_id = product.id or 0
        uow.products.ensure_unused(actor.company_id, product_id, advice="; deactivate it instead")
        uow.products.delete(product)
        uow.commit()


def _product(uow: UnitOfWork, actor: Actor, key: ProductKey) -> Product:
    if isinstance(key, uuid.UUID):
        found = uow.products.id_for_guid(actor.company_id, key)
        if found is None:
            raise NotFound(uow.products.entity_name, key)
        key = found
    return uow.products.get(actor.company_id, key)


def _prepared(
    uow: UnitOfWork,
    actor: Actor,
    data: ProductData,
    tax_ids: Sequence[int] | None,
    noted: Iterable[Violation],
    *,
    current: Product | None,
) -> tuple[ProductData, Checker]:
    """The data to store: taxes placed in their slots, the IVA classification filled in (a
    new product is taxed; one whose dialect does not say keeps its own)."""
    check = Checker()
    check.extend(noted)
    if tax_ids is not None:
        taxes = uow.taxes.by_ids(actor.company_id, storable_ids(tax_ids))
        slots, found = assign_tax_slots(tax_ids, taxes)
        check.extend(found.violations)
        data = replace(
            data,
            tax_add_id=slots.tax_add_id,
            tax_add2_id=slots.tax_add2_id,
            tax_discount_id=slots.tax_discount_id,
        )
    if data.tax_classification is None:
        stored = current.tax_classification if current is not None else None
        data = replace(data, tax_classification=stored or DEFAULT_TAX_CLASSIFICATION)
    return data, check


def _check(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    data: ProductData,
    *,
    current: Product | None,
) -> Checker:
    check = check_product(data, ctx.reference)
    taxes = uow.taxes.by_ids(
        actor.company_id,
        storable_ids(
            i for i in (data.tax_add_id, data.tax_add2_id, data.tax_discount_id) if i is not None
        ),
    )
    check.extend(check_product_taxes(data, taxes).violations)
    if data.account_group_id is not None:
        group = (
            uow.account_groups.find(actor.company_id, data.account_group_id)
            if storable_ids([data.account_group_id])
            else None
        )
        if group is None:
            check.add(
                "invalid_reference",
                "account_group_id",
                f"The account group {data.account_group_id} in {{field}} does not exist",
            )
        elif not group.active:
            check.add(
                "parameter_inactive",
                "account_group_id",
                f"The account group {data.account_group_id} in {{field}} is inactive",
            )
    if data.code and not check.has_errors_on("code"):
        same = uow.products.find_by_code(actor.company_id, data.code)
        if same is not None and same is not current:
            check.add(
                "already_exists",
                "code",
                f"A product with code {data.code} already exists (Id {same.id})",
            )
    if current is not None and current.id is not None:
        moved = uow.stock.has_movements(actor.company_id, current.id)
        if moved and data.account_group_id != current.account_group_id:
            check.add(
                "update_not_allowed",
                "account_group_id",
                "The {field} of a product with movements cannot change",
            )
        if moved and current.stock_control and not data.stock_control:
            check.add(
                "update_not_allowed",
                "stock_control",
                "The {field} of a product with stock movements cannot be turned off",
            )
    return check
