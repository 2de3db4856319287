"""The current dialect's routers, assembled."""

from __future__ import annotations

from fastapi import APIRouter

from facturo.api.current import catalogs, customers, invoices, products, taxes, vouchers
from facturo.api.current import einvoicing as einvoicing_routes
from facturo.api.current import webhooks as webhooks_routes
from facturo.api.current.auth import router as sign_in_router
from facturo.api.current.credit_notes import router as credit_notes_router

RESOURCE_ROUTERS: tuple[APIRouter, ...] = (
    taxes.router,
    customers.router,
    products.router,
    *catalogs.ROUTERS,
    webhooks_routes.router,
    vouchers.router,
    invoices.router,
    credit_notes_router,
    einvoicing_routes.router,
)

resources_router = APIRouter()
for _router in RESOURCE_ROUTERS:
    resources_router.include_router(_router)

__all__ = ["resources_router", "sign_in_router"]
