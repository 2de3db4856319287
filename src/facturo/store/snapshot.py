"""The catalogs a transaction reads again and again, read once per unit of work."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from facturo.domain.catalogs import CostCenter, PaymentMeans, Tax, Warehouse

if TYPE_CHECKING:
    from facturo.store.unit_of_work import UnitOfWork


class CatalogSnapshot:
    """Taxes, payment means, warehouses and cost centers of one company, each loaded on first
    use and kept for the rest of the transaction (they are small, and a document refers to
    them many times)."""

    def __init__(self, uow: UnitOfWork, company_id: int) -> None:
        self._uow = uow
        self._company_id = company_id

    @cached_property
    def taxes(self) -> dict[int, Tax]:
        return {t.id: t for t in self._uow.taxes.all(self._company_id) if t.id is not None}

    @cached_property
    def payment_means(self) -> dict[int, PaymentMeans]:
        return {m.id: m for m in self._uow.payment_means.all(self._company_id) if m.id is not None}

    @cached_property
    def warehouses(self) -> dict[int, Warehouse]:
        return {w.id: w for w in self._uow.warehouses.all(self._company_id) if w.id is not None}

    @cached_property
    def warehouses_by_code(self) -> dict[str, Warehouse]:
        return {w.code: w for w in self.warehouses.values()}

    @cached_property
    def cost_centers(self) -> dict[int, CostCenter]:
        return {c.id: c for c in self._uow.cost_centers.all(self._company_id) if c.id is not None}

    @cached_property
    def cost_centers_by_code(self) -> dict[str, CostCenter]:
        return {c.code: c for c in self.cost_centers.values()}
