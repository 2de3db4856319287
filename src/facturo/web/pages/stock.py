"""Inventario (full-access users): the stock of every product that controls it, per
warehouse (filter by warehouse and by product code or name), and the inventory adjustment
(``stock.adjust``: an entry, or with a negative quantity an exit, in one warehouse).

Quantities are read from the products' views (``products.search``), the same balances the
APIs show; warehouses are the active ones and any inactive one stock ever moved through."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import Warehouse
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.queries import ProductFilter
from facturo.services import catalogs, products, stock
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.products import ProductPage
from facturo.web.core import PREFIX, Context, Form, FormState, FullSession, redirect, render, text
from facturo.web.format import number, parse_amount, plain_text

router = APIRouter(prefix="/inventario")
HOME = PREFIX + "/inventario"
PAGE_SIZE = 50
MAX_PAGE = 10_000
MAX_QUERY = 100
MAX_OPTIONS = 500  # products offered in the adjustment's list (any code may be typed)
MAX_QUANTITY = Decimal("99999999999999")  # NUMERIC(18,4): 14 digits before the point
FIELD_MAP = {"product_code": "product_code", "warehouse_code": "warehouse_code"}


def _warehouses(ctx: ServiceContext, actor: Actor) -> list[Warehouse]:
    """The warehouses worth a column: the active ones and any that ever held stock."""
    found = catalogs.get_warehouses(ctx, actor)
    shown = [v.warehouse for v in found if v.warehouse.active or v.has_movements]
    return sorted(shown, key=lambda w: w.code)


def _page_number(raw: str) -> int:
    return max(1, min(int(raw), MAX_PAGE)) if raw.isdecimal() and len(raw) < 7 else 1


def _search(ctx: ServiceContext, actor: Actor, query: str, page: PageRequest) -> ProductPage:
    """Products that control stock: by code first, else by part of the name."""
    if query and len(query) <= 30:
        found = products.search(ctx, actor, ProductFilter(code=query, stock_control=True), page)
        if found.total:
            return found
    return products.search(ctx, actor, ProductFilter(name=query or None, stock_control=True), page)


@router.get("")
def index(
    request: Request,
    ctx: Context,
    session: FullSession,
    bodega: str = "",
    producto: str = "",
    pagina: str = "1",
) -> Response:
    actor = session.actor
    warehouses = _warehouses(ctx, actor)
    chosen = plain_text(bodega).strip()[:30]
    errors: dict[str, str] = {}
    columns = warehouses
    if chosen:
        columns = [w for w in warehouses if w.code == chosen]
        if not columns:
            errors["bodega"] = "La bodega elegida no existe."
            columns = warehouses
    query = plain_text(producto).strip()[:MAX_QUERY]
    page_number = _page_number(pagina)
    found = _search(ctx, actor, query, PageRequest.numbered(page_number, PAGE_SIZE, first=1))
    rows = []
    for view in found.views:
        by_warehouse = {w.warehouse_id: w.quantity for w in view.warehouses}
        rows.append(
            {
                "product": view.product,
                "quantities": [by_warehouse.get(w.id or 0, Decimal(0)) for w in columns],
                "total": view.available_quantity,
            }
        )
    return render(
        request,
        "stock/index.html",
        status_code=400 if errors else 200,
        form=FormState({"bodega": chosen, "producto": query}, errors),
        warehouses=[("", "Todas"), *((w.code, f"{w.code} · {w.name}") for w in warehouses)],
        columns=columns,
        filtered=len(columns) == 1 and bool(chosen) and not errors,
        rows=rows,
        total=found.total,
        page=page_number,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        query=query,
        chosen=chosen if not errors else "",
        can_adjust=actor.can(Permission.STOCK_ADJUST),
    )


# --- the adjustment ------------------------------------------------------------------------

ADJUST_FIELDS = ("product_code", "warehouse_code", "direction", "quantity", "note")
DIRECTIONS = [("in", "Entrada (suma existencias)"), ("out", "Salida (resta existencias)")]


def _adjust_context(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    active = [w for w in _warehouses(ctx, actor) if w.active]
    stocked = products.search(
        ctx, actor, ProductFilter(stock_control=True, active=True), PageRequest(0, MAX_OPTIONS)
    )
    return {
        "warehouses": [(w.code, f"{w.code} · {w.name}") for w in active],
        "products": [(v.product.code, v.product.name) for v in stocked.views],
        "directions": DIRECTIONS,
        "shown_fields": list(ADJUST_FIELDS),
    }


@router.get("/ajuste")
def adjust_form(
    request: Request, ctx: Context, session: FullSession, producto: str = "", bodega: str = ""
) -> Response:
    session.actor.require(Permission.STOCK_ADJUST)
    values = {
        "product_code": plain_text(producto).strip()[:30],
        "warehouse_code": plain_text(bodega).strip()[:30],
    }
    values["direction"] = "in"
    return render(
        request,
        "stock/adjust.html",
        form=FormState(values),
        **_adjust_context(ctx, session.actor),
    )


def _read_quantity(values: Mapping[str, str], noted: list[Violation]) -> Decimal:
    raw = values["quantity"]
    if not raw:
        noted.append(Violation("parameter_required", "quantity", "Escribe la cantidad."))
        return Decimal(0)
    try:
        quantity = parse_amount(raw)
    except ValueError:
        noted.append(
            Violation("invalid_value", "quantity", "Escribe una cantidad, p. ej. 12 o 2,5.")
        )
        return Decimal(0)
    if quantity <= 0:
        noted.append(
            Violation(
                "invalid_value",
                "quantity",
                "Escribe una cantidad mayor que cero; elige «Salida» para restar.",
            )
        )
        return Decimal(0)
    if quantity > MAX_QUANTITY:
        noted.append(Violation("invalid_value", "quantity", "La cantidad es demasiado grande."))
        return Decimal(0)
    return -quantity if values["direction"] == "out" else quantity


@router.post("/ajuste")
def adjust(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    actor = session.actor
    actor.require(Permission.STOCK_ADJUST)
    values = {name: plain_text(text(form, name)).strip()[:500] for name in ADJUST_FIELDS}
    noted: list[Violation] = []
    if values["direction"] not in ("in", "out"):
        noted.append(Violation("invalid_value", "direction", "Elige entrada o salida."))
    quantity = _read_quantity(values, noted)
    if not values["product_code"]:
        noted.append(
            Violation("parameter_required", "product_code", "Escribe el código del producto.")
        )
    if not values["warehouse_code"]:
        noted.append(Violation("parameter_required", "warehouse_code", "Elige la bodega."))
    try:
        if noted:
            raise RuleViolations(noted)
        _, balance = stock.adjust(
            ctx,
            actor,
            product_code=values["product_code"][:30],
            warehouse_code=values["warehouse_code"][:30],
            quantity=quantity,
            note=values["note"] or None,
        )
    except RuleViolations as refused:
        return render(
            request,
            "stock/adjust.html",
            status_code=400,
            form=FormState.refused(values, refused, FIELD_MAP),
            **_adjust_context(ctx, actor),
        )
    verb = "Entrada" if quantity > 0 else "Salida"
    return redirect(
        request,
        f"{HOME}?producto={quote(values['product_code'])}",
        flash=(
            f"{verb} de {number(abs(quantity))} registrada: {values['product_code']} queda con "
            f"{number(balance)} en la bodega {values['warehouse_code']}."
        ),
    )
