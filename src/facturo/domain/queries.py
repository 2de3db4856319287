"""What a client may ask a list of terceros or products for: filters as plain values.

Faces build these from their query strings; repositories turn them into SQL. A field left
``None`` does not filter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from facturo.domain.products import ProductType


@dataclass(frozen=True, slots=True)
class Period:
    """Moments from ``start`` to ``end``, both included; an open end does not limit."""

    start: datetime | None = None
    end: datetime | None = None

    def within(self, other: Period) -> Period:
        """The moments in both periods (two filters on one column both apply)."""
        starts = [moment for moment in (self.start, other.start) if moment is not None]
        ends = [moment for moment in (self.end, other.end) if moment is not None]
        return Period(max(starts) if starts else None, min(ends) if ends else None)


@dataclass(frozen=True, kw_only=True)
class PartyFilter:
    identification: str | None = None
    branch_office: int | None = None
    active: bool | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    is_other: bool | None = None
    is_company: bool | None = None
    name: str | None = None  # part of the name, in any letter case
    created: Period = field(default_factory=Period)
    updated: Period = field(default_factory=Period)


@dataclass(frozen=True, kw_only=True)
class ProductFilter:
    code: str | None = None
    name: str | None = None  # part of the name, in any letter case
    account_group_id: int | None = None
    product_type: ProductType | None = None
    stock_control: bool | None = None
    active: bool | None = None
    guids: tuple[uuid.UUID, ...] | None = None  # None: any product; (): none at all
    created: Period = field(default_factory=Period)
    updated: Period = field(default_factory=Period)
