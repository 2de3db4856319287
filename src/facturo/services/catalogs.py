"""Reading the company's catalogs; creating and changing account groups."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import (
    AccountGroup,
    AccountGroupData,
    DocumentClass,
    DocumentType,
    NumberingRange,
    PaymentMeans,
    Warehouse,
    check_account_group,
)
from facturo.domain.errors import NotFound
from facturo.domain.numbering import NumberingWarning, warnings
from facturo.domain.validation import Checker
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store.repositories import TenantRepository
from facturo.store.unit_of_work import UnitOfWork


class Catalog(StrEnum):
    TAXES = "taxes"
    PAYMENT_MEANS = "payment_means"
    ACCOUNT_GROUPS = "account_groups"
    PRICE_LISTS = "price_lists"
    WAREHOUSES = "warehouses"
    COST_CENTERS = "cost_centers"


def _repository(uow: UnitOfWork, catalog: Catalog) -> TenantRepository[Any]:
    repository: TenantRepository[Any] = getattr(uow, catalog.value)
    return repository


def get(ctx: ServiceContext, actor: Actor, catalog: Catalog, record_id: int) -> Any:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _repository(uow, catalog).get(actor.company_id, record_id)


def get_all(ctx: ServiceContext, actor: Actor, catalog: Catalog, page: PageRequest) -> list[Any]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _repository(uow, catalog).page(
            actor.company_id, offset=page.offset, limit=page.limit
        )


@dataclass(frozen=True)
class WarehouseView:
    warehouse: Warehouse
    has_movements: bool  # stock ever moved through it


def get_warehouses(ctx: ServiceContext, actor: Actor) -> list[WarehouseView]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        moved = uow.stock.warehouses_moved(actor.company_id)
        return [WarehouseView(w, w.id in moved) for w in uow.warehouses.all(actor.company_id)]


def payment_means_for(ctx: ServiceContext, actor: Actor, *, purchases: bool) -> list[PaymentMeans]:
    """The payment means a client may choose on documents of sales (invoices, notes, receipts)
    or of purchases; the ones Facturo manages itself (system means) are never chosen."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        means = uow.payment_means.all(actor.company_id)
    return [
        m
        for m in means
        if not m.is_system
        and (m.means_type.serves_purchases if purchases else m.means_type.serves_sales)
    ]


def create_account_group(ctx: ServiceContext, actor: Actor, data: AccountGroupData) -> AccountGroup:
    actor.require(Permission.MASTER_DATA_WRITE)
    data = _normalized_group(data)
    with ctx.unit_of_work() as uow:
        _check_group(uow, actor, data, current=None).raise_if_any()
        assert data.code is not None and data.name is not None
        group = uow.account_groups.add(
            AccountGroup(
                company_id=actor.company_id, code=data.code, name=data.name, active=data.active
            )
        )
        uow.commit()
    return group


def update_account_group(
    ctx: ServiceContext, actor: Actor, group_id: int, data: AccountGroupData
) -> AccountGroup:
    """Renames (and recodes, or deactivates) an account group; its PUC accounts stay."""
    actor.require(Permission.MASTER_DATA_WRITE)
    data = _normalized_group(data)
    with ctx.unit_of_work() as uow:
        group = uow.account_groups.get(actor.company_id, group_id)
        _check_group(uow, actor, data, current=group).raise_if_any()
        assert data.code is not None and data.name is not None
        group.code, group.name, group.active = data.code, data.name, data.active
        uow.commit()
    return group


def _normalized_group(data: AccountGroupData) -> AccountGroupData:
    return AccountGroupData(
        code=(data.code or "").strip() or None,
        name=(data.name or "").strip() or None,
        active=data.active,
    )


def _check_group(
    uow: UnitOfWork, actor: Actor, data: AccountGroupData, *, current: AccountGroup | None
) -> Checker:
    check = check_account_group(data)
    if data.code and not check.has_errors_on("code"):
        same = uow.account_groups.find_by_code(actor.company_id, data.code)
        if same is not None and same is not current:
            check.add(
                "already_exists",
                "code",
                f"An account group with code {data.code} already exists (id {same.id})",
            )
    return check


@dataclass(frozen=True)
class DocumentTypeView:
    document_type: DocumentType
    numbering: list[NumberingRange]
    warnings: list[NumberingWarning]

    @property
    def active_numbering(self) -> NumberingRange | None:
        return next((n for n in self.numbering if n.active), None)


def get_document_type(ctx: ServiceContext, actor: Actor, document_type_id: int) -> DocumentTypeView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _views(ctx, uow, [uow.document_types.get(actor.company_id, document_type_id)])[0]


def get_document_types(
    ctx: ServiceContext, actor: Actor, page: PageRequest
) -> list[DocumentTypeView]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _views(
            ctx,
            uow,
            uow.document_types.page(actor.company_id, offset=page.offset, limit=page.limit),
        )


def get_document_type_by_code(
    ctx: ServiceContext, actor: Actor, document_class: DocumentClass, code: int
) -> DocumentTypeView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.document_types.find_by_code(actor.company_id, document_class, code)
        if found is None:
            raise NotFound("document type", f"{document_class}-{code}")
        return _views(ctx, uow, [found])[0]


def get_document_types_of_class(
    ctx: ServiceContext, actor: Actor, document_class: DocumentClass
) -> list[DocumentTypeView]:
    """Every document type of one class (FV, NC, ND, RC), with its numbering."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = [
            d
            for d in uow.document_types.all(actor.company_id)
            if d.document_class == document_class
        ]
        return _views(ctx, uow, found)


def _views(
    ctx: ServiceContext, uow: UnitOfWork, document_types: list[DocumentType]
) -> list[DocumentTypeView]:
    if not document_types:
        return []
    company_id = document_types[0].company_id
    ranges = uow.numbering_ranges.for_document_types(
        company_id, [d.id for d in document_types if d.id]
    )
    today = colombian_date(ctx.now())
    views = []
    for document_type in document_types:
        numbering = ranges.get(document_type.id or 0, [])
        active = next((n for n in numbering if n.active), None)
        found = (
            warnings(
                active,
                today,
                used_percent=ctx.settings.numbering_warning_percent,
                days_left=ctx.settings.numbering_warning_days,
            )
            if active
            else []
        )
        views.append(DocumentTypeView(document_type, numbering, found))
    return views
