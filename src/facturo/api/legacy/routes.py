"""The legacy dialect's routers, assembled."""

from __future__ import annotations

from fastapi import APIRouter

from facturo.api.legacy import (
    accounts,
    catalogs,
    charges,
    contacts,
    inventory,
    invoices,
    notes,
    products,
    reports,
    vouchers,
)
from facturo.api.legacy.token import router as token_router

RESOURCE_ROUTERS: tuple[APIRouter, ...] = (
    accounts.router,
    contacts.router,
    charges.router,
    products.router,
    invoices.router,
    notes.credit_notes_router,
    notes.debit_notes_router,
    vouchers.router,
    inventory.router,
    reports.router,
    *catalogs.ROUTERS,
)

resources_router = APIRouter()
for _router in RESOURCE_ROUTERS:
    resources_router.include_router(_router)


def resource_paths() -> list[str]:
    """Every resource route's path below the dialect's prefix (``/Accounts/GetByID/{account_id}``)."""
    return [getattr(route, "path", "") for router in RESOURCE_ROUTERS for route in router.routes]


__all__ = ["resource_paths", "resources_router", "token_router"]
