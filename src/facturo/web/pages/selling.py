"""Vender: the selling view of sellers and POS cashiers (lite users), usable by anyone who may
invoice. Find or quickly create the customer, pick products from a warehouse with their price
and stock, take the payment (with the change due) and issue the invoice; then its receipt —
print, e-mail, DIAN — and the seller's own sales ("Mis ventas").

The sale is one form whose state travels in its fields: every button posts it back (search,
add, remove, update) and the page comes back with the cart priced by the domain's totals
engine, so it works without JavaScript; only "Cobrar" writes (one ``issue_invoice``), carrying
a key made when the page opened, so a double click issues one invoice. The services decide who
may sell: a payroll manager gets the access page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData

from facturo.domain import annexes
from facturo.domain.access import Permission, UserType
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, PaymentMeans, Tax, Warehouse
from facturo.domain.contact_info import Place
from facturo.domain.errors import FacturoError, NotFound, RuleViolations, Unavailable
from facturo.domain.money import ZERO
from facturo.domain.parties import CURRENT_RULES, Party, PartyData
from facturo.domain.queries import PartyFilter, ProductFilter
from facturo.domain.sales import (
    DocumentAmounts,
    DocumentStatus,
    ItemRequest,
    LineAmounts,
    PaymentRequest,
    SalesLine,
    TaxRate,
    document_amounts,
    line_amounts,
)
from facturo.domain.transmission import Transmission, TransmissionState
from facturo.domain.validation import Checker
from facturo.services import (
    catalogs,
    delivery,
    einvoicing,
    mail,
    parties,
    products,
    sales,
    transmission,
)
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.products import ProductView
from facturo.services.sales import CustomerReference, SaleRequest, SaleView
from facturo.services.web_sessions import WebSession
from facturo.store.documents import DocumentFilter
from facturo.web.core import PREFIX, Context, Form, FormState, Session, redirect, render, text
from facturo.web.format import parse_amount
from facturo.web.messages import field_errors, spanish

router = APIRouter(prefix="/vender")
_TOKEN = re.compile(r"[0-9a-f]{32}")

HOME = PREFIX + "/vender"
MAX_LINES = 100
RESULTS = 8
MAX_ID = 2**62
MINE_LIMIT = 20_000
MAX_RANGE_DAYS = 93
MAX_AMOUNT = Decimal("9999999999999.99")  # the largest document the domain takes
MAX_QUANTITY = Decimal(999_999_999)
DEFAULT_PLACE = Place(country_code="CO", state_code="11", city_code="11001")  # Bogotá D.C.
REQUIRED = "Este campo es obligatorio."
NOT_A_NUMBER = "Escribe un número, por ejemplo 1.500,50."
NOT_A_DATE = "Escribe una fecha válida (dd/mm/aaaa)."

# How the pages name a document's state with the DIAN (label, badge class).
DIAN_STATES: dict[TransmissionState | None, tuple[str, str]] = {
    None: ("Sin enviar", ""),
    TransmissionState.PENDING: ("Pendiente de envío", "warn"),
    TransmissionState.SENT: ("Enviada, esperando respuesta", "warn"),
    TransmissionState.ACCEPTED: ("Aceptada por la DIAN", "ok"),
    TransmissionState.REJECTED: ("Rechazada por la DIAN", "bad"),
    TransmissionState.CONTINGENCY: ("En contingencia (se reintentará)", "warn"),
    TransmissionState.INVALID: ("No se pudo preparar", "bad"),
}


# --- small parsers shared with the receipts and credit-note pages -----------------------------


def dian_state(found: Transmission | None) -> tuple[str, str]:
    return DIAN_STATES[found.state if found is not None else None]


def checked_id(value: int) -> int:
    """A record id from a path: one no table can hold is simply not found."""
    if not 0 < value < MAX_ID:
        raise NotFound("record", value)
    return value


def parse_id(raw: str) -> int | None:
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if 0 < value < MAX_ID else None


def parse_day(raw: str) -> date:
    """A date as a date input sends it (2026-03-31) or as people write it (31/03/2026)."""
    raw = raw.strip()
    if len(raw) > 10:
        raise ValueError(raw)
    if "/" in raw:
        parts = raw.split("/")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValueError(raw)
        day, month, year = (int(part) for part in parts)
        return date(year, month, day)
    return date.fromisoformat(raw)


def parse_positive(raw: str, limit: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount or quantity greater than zero and at most ``limit``."""
    value = parse_non_negative(raw, limit)
    if value == 0:
        raise ValueError(raw)
    return value


def parse_non_negative(raw: str, limit: Decimal = MAX_AMOUNT) -> Decimal:
    value = parse_amount(raw)
    if not 0 <= value <= limit:
        raise ValueError(raw)
    return value


def date_range(
    today: date, desde: str | None, hasta: str | None, *, default_days: int = 0
) -> tuple[date, date, dict[str, str]]:
    """A list's period from its query (``desde``/``hasta``), today's by default, at most
    ``MAX_RANGE_DAYS`` long; errors by field."""
    errors: dict[str, str] = {}
    start, end = today - timedelta(days=default_days), today
    if desde:
        try:
            start = parse_day(desde)
        except ValueError:
            errors["desde"] = NOT_A_DATE
    if hasta:
        try:
            end = parse_day(hasta)
        except ValueError:
            errors["hasta"] = NOT_A_DATE
    if not errors and end < start:
        errors["hasta"] = "La fecha final no puede ser anterior a la inicial."
    elif not errors and (end - start).days > MAX_RANGE_DAYS:
        errors["hasta"] = f"Consulta como máximo {MAX_RANGE_DAYS} días a la vez."
    return start, end, errors


# --- what the page needs to sell ------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """The company's choices for a sale: warehouses, payment means, invoice types."""

    warehouses: list[Warehouse]
    means: list[PaymentMeans]
    document_types: list[tuple[int, str]]  # automatic numbering with an active range

    @property
    def warehouse_options(self) -> list[tuple[int, str]]:
        return [(w.id or 0, f"{w.code} · {w.name}") for w in self.warehouses]

    @property
    def means_options(self) -> list[tuple[int | str, str]]:
        return [("", "Elige…"), *((m.id or 0, m.name) for m in self.means)]

    def warehouse(self, raw: str) -> Warehouse | None:
        wanted = parse_id(raw)
        found = next((w for w in self.warehouses if w.id == wanted), None)
        return found or (self.warehouses[0] if self.warehouses else None)

    def payment_means(self, raw: str) -> PaymentMeans | None:
        wanted = parse_id(raw)
        return next((m for m in self.means if m.id == wanted), None)

    def document_type_id(self, raw: str) -> int | None:
        wanted = parse_id(raw)
        ids = [type_id for type_id, _ in self.document_types]
        if wanted in ids:
            return wanted
        return ids[0] if ids else None

    @property
    def cash_id(self) -> int | None:
        return next((m.id for m in self.means if m.dian_code == "10"), None)


def _setup(ctx: ServiceContext, session: WebSession) -> Setup:
    actor = session.actor
    warehouses = [w.warehouse for w in catalogs.get_warehouses(ctx, actor) if w.warehouse.active]
    means = [
        m
        for m in catalogs.payment_means_for(ctx, actor, purchases=False)
        if m.usable_on_sales_invoice
    ]
    types = [
        (view.document_type.id or 0, f"{view.document_type.name} ({view.active_numbering.prefix})")
        for view in catalogs.get_document_types_of_class(ctx, actor, DocumentClass.SALES_INVOICE)
        if view.document_type.active
        and view.document_type.automatic_number
        and view.active_numbering is not None
    ]
    return Setup(sorted(warehouses, key=lambda w: w.code), means, types)


# --- the cart -------------------------------------------------------------------------------

FIELDS = (
    "token",
    "customer_id",
    "customer_query",
    "document_type_id",
    "warehouse_id",
    "product_query",
    "payment_means_id",
    "received",
    "due_date",
    "observations",
    "new_id_type",
    "new_identification",
    "new_name",
    "new_email",
    "new_address",
)
NEW_CUSTOMER_FIELDS = ("new_id_type", "new_identification", "new_name", "new_email", "new_address")


@dataclass
class Line:
    """A line of the cart as typed, and what the domain makes of it."""

    code: str
    qty_text: str
    price_text: str
    view: ProductView | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amounts: LineAmounts | None = None
    priced: SalesLine | None = None
    stock: Decimal | None = None

    @property
    def name(self) -> str:
        return self.view.product.name or self.code if self.view else self.code

    @property
    def tax_included(self) -> bool:
        return bool(self.view and self.view.product.tax_included)

    @property
    def taxes(self) -> str:
        return ", ".join(t.name for t in self.view.taxes) if self.view else ""


@dataclass
class Cart:
    values: dict[str, str]
    lines: list[Line]
    errors: dict[str, str] = field(default_factory=dict)
    customer: Party | None = None
    customer_email: str | None = None
    customers_found: list[Party] | None = None
    products_found: list[ProductView] | None = None
    amounts: DocumentAmounts | None = None
    open_new_customer: bool = False

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def codes(self) -> list[str]:
        return [line.code for line in self.lines]


def _strings(form: FormData, name: str) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in form.getlist(name)]


def _read(form: FormData) -> Cart:
    values = {name: text(form, name)[:200] for name in FIELDS}
    lines = [
        Line(code[:60], qty[:40], price[:40])
        for code, qty, price in zip(
            _strings(form, "line_code"),
            _strings(form, "line_qty"),
            _strings(form, "line_price"),
            strict=False,
        )
        if code
    ][:MAX_LINES]
    return Cart(values, lines)


def _views_by_code(
    ctx: ServiceContext, session: WebSession, codes: Sequence[str]
) -> dict[str, ProductView]:
    if not codes:
        return {}
    found = products.get_by_codes(ctx, session.actor, sorted(set(codes)))
    if not found:
        return {}
    page = products.search(
        ctx,
        session.actor,
        ProductFilter(guids=tuple(p.guid for p in found)),
        PageRequest(0, len(found)),
    )
    return {view.product.code or "": view for view in page.views}


def _rate(tax: Tax | None) -> TaxRate | None:
    if tax is None or tax.id is None:
        return None
    return TaxRate(tax.id, tax.name, tax.tax_type, tax.percentage)


def item_request(
    view: ProductView, quantity: Decimal | None, price: Decimal | None, warehouse_id: int | None
) -> ItemRequest:
    """The invoice item of a cart line: the product's own taxes, its price with or without
    them as the product says, and the warehouse for products that control stock."""
    product = view.product
    return ItemRequest(
        product_code=product.code,
        description=None,
        quantity=quantity,
        unit_value=None if product.tax_included else price,
        taxed_price=price if product.tax_included else None,
        tax_ids=tuple(t.id for t in view.taxes if t.id is not None),
        warehouse_id=warehouse_id if product.stock_control else None,
    )


def _price_line(line: Line, index: int) -> None:
    """The line's amounts as the totals engine computes them (the sale computes them again)."""
    view = line.view
    if view is None or line.quantity is None or line.price is None:
        return
    taxes = {t.id: t for t in view.taxes if t.id is not None}
    check = Checker()
    item = sales.resolve_item(
        check, taxes, item_request(view, line.quantity, line.price, None), "item", None
    )
    if check.violations or item.unit_value is None:
        return
    rates = [
        _rate(taxes.get(i)) if i is not None else None
        for i in (item.tax_add_id, item.tax_add2_id, item.tax_discount_id)
    ]
    line.amounts = line_amounts(
        quantity=line.quantity,
        unit_value=item.unit_value,
        tax_add=rates[0],
        tax_add2=rates[1],
        tax_discount=rates[2],
    )
    line.priced = SalesLine(
        number=index + 1,
        product_id=view.product.id or 0,
        product_code=line.code,
        description=line.name,
        quantity=line.quantity,
        unit_value=item.unit_value,
        discount_percentage=None,
        tax_add=rates[0],
        tax_add2=rates[1],
        tax_discount=rates[2],
        amounts=line.amounts,
    )


def _check_lines(cart: Cart, views: Mapping[str, ProductView], warehouse: Warehouse | None) -> None:
    kept = []
    for line in cart.lines:
        line.view = views.get(line.code)
        if line.view is None:
            cart.error("product_query", f"El producto {line.code} ya no existe; lo quitamos.")
            continue
        kept.append(line)
    cart.lines = kept
    for index, line in enumerate(cart.lines):
        try:
            line.quantity = parse_positive(line.qty_text, MAX_QUANTITY)
        except ValueError:
            cart.error(f"line_qty_{index}", "Escribe una cantidad mayor que cero.")
        try:
            line.price = parse_non_negative(line.price_text)
        except ValueError:
            cart.error(f"line_price_{index}", NOT_A_NUMBER)
        assert line.view is not None
        if line.view.product.stock_control and warehouse is not None:
            line.stock = next(
                (b.quantity for b in line.view.warehouses if b.warehouse_id == warehouse.id), ZERO
            )
        _price_line(line, index)
    priced = [line.priced for line in cart.lines if line.priced is not None]
    if priced and len(priced) == len(cart.lines):
        cart.amounts = document_amounts(priced, reteiva=None, reteica=None)


# --- customers ------------------------------------------------------------------------------


def _find_customers(ctx: ServiceContext, session: WebSession, query: str) -> list[Party]:
    query = query.strip()[:100]
    if not query:
        return []
    found: dict[int, Party] = {}
    page = PageRequest(0, RESULTS)
    for filters in (
        PartyFilter(identification=query, active=True),
        PartyFilter(name=query, active=True) if len(query) >= 2 else None,
    ):
        if filters is None or len(found) >= RESULTS:
            continue
        for view in parties.search(ctx, session.actor, filters, page).views:
            if view.party.id is not None:
                found.setdefault(view.party.id, view.party)
    return list(found.values())[:RESULTS]


def _load_customer(ctx: ServiceContext, session: WebSession, cart: Cart) -> None:
    customer_id = parse_id(cart.values["customer_id"])
    if customer_id is None:
        cart.values["customer_id"] = ""
        return
    try:
        view = parties.get(ctx, session.actor, customer_id)
    except NotFound:
        cart.values["customer_id"] = ""
        cart.error("customer_query", "El cliente ya no existe: búscalo de nuevo.")
        return
    cart.customer = view.party
    principal = next((c for c in view.contacts if c.is_principal and c.email), None)
    cart.customer_email = principal.email if principal else view.party.email


PARTY_FIELDS = {
    "id_type_code": "new_id_type",
    "identification": "new_identification",
    "check_digit": "new_identification",
    "branch_office": "new_identification",
    "full_name": "new_name",
    "first_name": "new_name",
    "last_name": "new_name",
    "commercial_name": "new_name",
    "email": "new_email",
    "address": "new_address",
    "place": "new_address",
    "phone": "new_address",
    "kinds": "",
}


def _default_place(ctx: ServiceContext, session: WebSession) -> Place:
    settings = einvoicing.find(ctx, session.actor)
    code = settings.municipality_code if settings is not None else None
    if code and len(code) == 5 and code.isdigit():
        return Place(country_code="CO", state_code=code[:2], city_code=code)
    return DEFAULT_PLACE


def _create_customer(ctx: ServiceContext, session: WebSession, cart: Cart) -> None:
    """Creates the customer from the quick form (a seller may create customers) and picks it."""
    values = cart.values
    id_type = values["new_id_type"]
    name = " ".join(values["new_name"].split())
    company = id_type == annexes.NIT_ID_TYPE
    first = last = full = None
    if company:
        full = name or None
    else:
        words = name.split(" ") if name else []
        if len(words) == 1:
            cart.error("new_name", "Escribe nombres y apellidos.")
        cut = 1 if len(words) <= 3 else 2
        first = " ".join(words[:cut]) or None
        last = " ".join(words[cut:]) or None
    data = PartyData(
        is_customer=True,
        is_company=company,
        full_name=full,
        first_name=first,
        last_name=last,
        id_type_code=id_type or None,
        identification=values["new_identification"] or None,
        email=values["new_email"] or None,
        address=values["new_address"] or "Sin dirección",
        place=_default_place(ctx, session),
    )
    try:
        created = parties.create(ctx, session.actor, data, rules=CURRENT_RULES)
    except RuleViolations as refused:
        for name_, message in field_errors(refused.violations, PARTY_FIELDS).items():
            cart.error(name_, message)
        cart.open_new_customer = True
        return
    cart.values["customer_id"] = str(created.party.id)
    for name_ in NEW_CUSTOMER_FIELDS:
        cart.values[name_] = ""
    cart.customer = created.party
    cart.customer_email = created.party.email


# --- the page -------------------------------------------------------------------------------


def _show(
    request: Request,
    ctx: ServiceContext,
    session: WebSession,
    setup: Setup,
    cart: Cart,
    *,
    status_code: int | None = None,
) -> Response:
    warehouse = setup.warehouse(cart.values["warehouse_id"])
    if warehouse is not None:
        cart.values["warehouse_id"] = str(warehouse.id)
    cart.values["document_type_id"] = str(
        setup.document_type_id(cart.values["document_type_id"]) or ""
    )
    received = change = None
    if cart.amounts is not None and cart.values["received"]:
        try:
            received = parse_non_negative(cart.values["received"])
            change = received - cart.amounts.total if received >= cart.amounts.total else None
        except ValueError:
            cart.error("received", NOT_A_NUMBER)
    shown = [
        *FIELDS,
        *(f"line_{kind}_{i}" for i in range(len(cart.lines)) for kind in ("qty", "price")),
    ]
    id_types = [("", "Elige…"), *annexes.ID_TYPES.items()]
    return render(
        request,
        "selling/index.html",
        status_code=status_code or (400 if cart.errors else 200),
        form=FormState(cart.values, cart.errors),
        cart=cart,
        setup=setup,
        warehouse=warehouse,
        change=change,
        shown_fields=shown,
        id_types=id_types,
        new_customer_open=cart.open_new_customer
        or any(cart.errors.get(n) for n in NEW_CUSTOMER_FIELDS),
        credit_ids=[m.id for m in setup.means if m.is_credit],
    )


def _fresh_values(setup: Setup, today: date) -> dict[str, str]:
    values = dict.fromkeys(FIELDS, "")
    values["token"] = uuid.uuid4().hex
    values["payment_means_id"] = str(setup.cash_id or "")
    values["due_date"] = (today + timedelta(days=30)).isoformat()
    values["new_id_type"] = "13"
    return values


@router.get("")
def index(request: Request, ctx: Context, session: Session) -> Response:
    session.actor.require(Permission.INVOICES_CREATE)
    setup = _setup(ctx, session)
    cart = Cart(_fresh_values(setup, colombian_date(ctx.now())), [])
    return _show(request, ctx, session, setup, cart)


@router.post("")
def act(request: Request, ctx: Context, session: Session, form: Form) -> Response:
    """Every button of the sale: search, choose, create, add, remove, update — and "Cobrar"."""
    session.actor.require(Permission.INVOICES_CREATE)
    setup = _setup(ctx, session)
    cart = _read(form)
    if not _TOKEN.fullmatch(cart.values["token"]):
        cart.values["token"] = uuid.uuid4().hex
    action, _, argument = text(form, "accion").partition(":")
    warehouse = setup.warehouse(cart.values["warehouse_id"])

    if action == "cambiar_cliente":
        cart.values["customer_id"] = ""
    elif action == "cliente":
        cart.values["customer_id"] = argument
    _load_customer(ctx, session, cart)
    if action == "crear_cliente":
        _create_customer(ctx, session, cart)
    elif cart.customer is None and (action == "buscar_cliente" or cart.values["customer_query"]):
        if not cart.values["customer_query"] and action == "buscar_cliente":
            cart.error("customer_query", "Escribe la identificación o el nombre del cliente.")
        cart.customers_found = _find_customers(ctx, session, cart.values["customer_query"])

    if action == "quitar" and argument.isdigit() and int(argument[:4]) < len(cart.lines):
        del cart.lines[int(argument[:4])]
    views = _views_by_code(
        ctx, session, [*cart.codes, *([argument] if action == "agregar" else [])]
    )
    if action == "agregar":
        _add(cart, views.get(argument), argument)
    elif action == "buscar_producto" or (cart.values["product_query"] and action == "actualizar"):
        if not cart.values["product_query"] and action == "buscar_producto":
            cart.error("product_query", "Escribe el código o el nombre del producto.")
        cart.products_found = _find_products(ctx, session, cart.values["product_query"])
    _check_lines(cart, views, warehouse)

    if action == "cobrar":
        return _charge(request, ctx, session, setup, cart, warehouse)
    return _show(request, ctx, session, setup, cart)


def _add(cart: Cart, view: ProductView | None, code: str) -> None:
    if view is None:
        cart.error("product_query", "El producto no existe.")
        return
    if not view.product.active:
        cart.error("product_query", f"El producto {code} está inactivo.")
        return
    for line in cart.lines:
        if line.code == code:
            try:
                line.qty_text = _quantity_text(parse_positive(line.qty_text, MAX_QUANTITY) + 1)
            except ValueError:
                line.qty_text = "1"
            break
    else:
        if len(cart.lines) >= MAX_LINES:
            cart.error("product_query", f"Una venta tiene máximo {MAX_LINES} productos.")
            return
        price = view.product.price(1) or ZERO
        cart.lines.append(Line(code, "1", _quantity_text(price)))
    cart.values["product_query"] = ""


def _quantity_text(value: Decimal) -> str:
    """A number as the form shows it for editing: 1500 or 1500,5 (no thousands marks)."""
    text_ = format(value.normalize(), "f")
    if "." in text_:
        text_ = text_.rstrip("0").rstrip(".")
    return text_.replace(".", ",")


def _find_products(ctx: ServiceContext, session: WebSession, query: str) -> list[ProductView]:
    query = query.strip()[:100]
    if not query:
        return []
    found: dict[str, ProductView] = {}
    for filters in (
        ProductFilter(code=query, active=True),
        ProductFilter(code=query.upper(), active=True) if query.upper() != query else None,
        ProductFilter(name=query, active=True),
    ):
        if filters is None or len(found) >= RESULTS:
            continue
        for view in products.search(ctx, session.actor, filters, PageRequest(0, RESULTS)).views:
            found.setdefault(view.product.code or "", view)
    return list(found.values())[:RESULTS]


def _sale_field(path: str) -> str:
    """The form field where a refusal of the sale is shown."""
    parts = path.split(".")
    head = parts[0]
    if head == "items":
        if len(parts) >= 3 and parts[1].isdigit():
            leaf = parts[2]
            if leaf == "quantity":
                return f"line_qty_{parts[1]}"
            if leaf.startswith("warehouse"):
                return "warehouse_id"
            return f"line_price_{parts[1]}"
        return "product_query"
    if head == "customer":
        return "customer_query"
    if head == "payments":
        if path.endswith((".due_date", ".due_quote")):
            return "due_date"
        if path.endswith(".value"):
            return "received"
        return "payment_means_id"
    if head in ("document_type_id", "date", "number"):
        return "document_type_id"
    if head == "observations":
        return "observations"
    return ""


def _charge(
    request: Request,
    ctx: ServiceContext,
    session: WebSession,
    setup: Setup,
    cart: Cart,
    warehouse: Warehouse | None,
) -> Response:
    """Issues the invoice for the cart, or shows the cart again with what to fix."""
    values = cart.values
    if cart.customer is None:
        cart.error("customer_query", "Busca y elige el cliente, o créalo.")
    if not cart.lines:
        cart.error("product_query", "Agrega al menos un producto.")
    means = setup.payment_means(values["payment_means_id"])
    if means is None:
        cart.error("payment_means_id", "Elige la forma de pago.")
    due: date | None = None
    today = colombian_date(ctx.now())
    if means is not None and means.is_credit:
        try:
            due = parse_day(values["due_date"]) if values["due_date"] else None
        except ValueError:
            cart.error("due_date", NOT_A_DATE)
        if due is None:
            cart.error("due_date", "Una venta a crédito necesita la fecha de vencimiento.")
    received: Decimal | None = None
    if values["received"]:
        try:
            received = parse_non_negative(values["received"])
        except ValueError:
            cart.error("received", NOT_A_NUMBER)
    if (
        cart.amounts is not None
        and received is not None
        and means is not None
        and not means.is_credit
        and received < cart.amounts.total
    ):
        cart.error("received", "El valor recibido es menor que el total a pagar.")
    if len(values["observations"]) > sales.MAX_OBSERVATIONS:
        cart.error("observations", "Es demasiado largo.")
    if cart.errors or cart.amounts is None or means is None or cart.customer is None:
        return _show(request, ctx, session, setup, cart, status_code=400)
    warehouse_id = warehouse.id if warehouse is not None else None
    request_ = SaleRequest(
        document_type_id=setup.document_type_id(values["document_type_id"]),
        document_date=today,
        customer=CustomerReference(party_id=cart.customer.id),
        seller_identification=None,
        seller_id=session.user.id,
        items=[
            item_request(line.view, line.quantity, line.price, warehouse_id)
            for line in cart.lines
            if line.view is not None
        ],
        payments=[
            PaymentRequest(
                means.id,
                cart.amounts.total,
                due_date=due if means.is_credit else None,
                due_quote=1 if means.is_credit else None,
            )
        ],
        observations=values["observations"] or None,
        # One sale per page: a second "Cobrar" (a double click, a retry) finds the first.
        idempotency_key=f"web-vender-{session.user.id}-{values['token']}",
    )
    try:
        try:
            view = sales.issue_invoice_view(ctx, session.actor, request_)
        except IntegrityError:
            # The same sale committed by a request running alongside (PostgreSQL): this
            # attempt now finds it by its key.
            view = sales.issue_invoice_view(ctx, session.actor, request_)
    except RuleViolations as refused:
        for violation in refused.violations:
            cart.error(_sale_field(violation.field), spanish(violation))
        return _show(request, ctx, session, setup, cart, status_code=400)
    query = {"recibido": values["received"]} if received is not None else {}
    target = f"{HOME}/ventas/{view.document.id}" + (f"?{urlencode(query)}" if query else "")
    return redirect(
        request, target, flash=f"Venta registrada: factura {view.document.full_number}."
    )


# --- the receipt of a sale ----------------------------------------------------------------


def own_sale(ctx: ServiceContext, session: WebSession, sale_id: int) -> SaleView:
    """The invoice, if this user may see it here: anyone with full access, or its seller."""
    session.actor.require(Permission.INVOICES_CREATE)
    view = sales.get_view(ctx, session.actor, checked_id(sale_id), DocumentClass.SALES_INVOICE)
    document = view.document
    if session.user.user_type is not UserType.FULL and session.user.id not in (
        document.created_by,
        document.seller_id,
    ):
        raise NotFound("invoice", sale_id)
    return view


def _customer_email(view: SaleView) -> str:
    if view.contact is not None and view.contact.email:
        return view.contact.email
    return view.customer.email or ""


def _electronic(ctx: ServiceContext, session: WebSession, view: SaleView) -> bool:
    """Whether the company sends this kind of document to the DIAN from Facturo."""
    document_type = catalogs.get_document_type(
        ctx, session.actor, view.document.document_type_id
    ).document_type
    return document_type.electronic and einvoicing.find(ctx, session.actor) is not None


def _receipt_context(
    ctx: ServiceContext, session: WebSession, view: SaleView, recibido: str | None
) -> dict[str, Any]:
    sent = transmission.status(ctx, session.actor, view.document.id or 0)
    received = change = None
    if recibido:
        try:
            received = parse_non_negative(recibido[:40])
        except ValueError:
            received = None
        if received is not None and received >= view.document.amounts.total:
            change = received - view.document.amounts.total
        else:
            received = None
    electronic = _electronic(ctx, session, view)
    return {
        "view": view,
        "document": view.document,
        "company": session.company,
        "sent": sent,
        "dian": dian_state(sent),
        "electronic": electronic,
        "can_stamp": electronic
        and view.document.status == DocumentStatus.ISSUED
        and (sent is None or sent.state is TransmissionState.CONTINGENCY),
        "has_pdf": sent is not None and bool(sent.document_key),
        "received": received,
        "change": change,
        "means_names": view.payment_means_names,
        "recibido": recibido or "",
    }


@router.get("/ventas/{sale_id}")
def receipt(
    request: Request, ctx: Context, session: Session, sale_id: int, recibido: str | None = None
) -> Response:
    view = own_sale(ctx, session, sale_id)
    return render(
        request,
        "selling/receipt.html",
        form=FormState({"mail_to": _customer_email(view)}),
        **_receipt_context(ctx, session, view, recibido),
    )


@router.get("/ventas/{sale_id}/imprimir")
def printable(
    request: Request, ctx: Context, session: Session, sale_id: int, recibido: str | None = None
) -> Response:
    view = own_sale(ctx, session, sale_id)
    return render(request, "selling/print.html", **_receipt_context(ctx, session, view, recibido))


@router.post("/ventas/{sale_id}/correo")
def send_by_mail(
    request: Request, ctx: Context, session: Session, sale_id: int, form: Form
) -> Response:
    view = own_sale(ctx, session, sale_id)
    mail_to = text(form, "mail_to")[:300]
    attachments = []
    try:
        _, pdf = delivery.document_pdf(ctx, session.actor, view.document.id or 0)
        attachments.append(
            mail.Attachment(f"{view.document.full_number}.pdf", pdf, "application/pdf")
        )
    except FacturoError:
        pass  # not sent to the DIAN (or no setup): the e-mail carries the summary only
    problem: str | None = None
    try:
        outcome = mail.send_invoice(
            ctx, session.actor, view.document.id or 0, mail_to=mail_to, attachments=attachments
        )
    except RuleViolations as refused:
        errors = field_errors(refused.violations, {"mail_to": "mail_to", "copy_to": "mail_to"})
        return render(
            request,
            "selling/receipt.html",
            status_code=400,
            form=FormState({"mail_to": mail_to}, errors),
            **_receipt_context(ctx, session, view, text(form, "recibido")),
        )
    except Unavailable:
        problem = (
            "No se pudo enviar el correo: el servidor de correo no respondió. "
            "Intenta de nuevo en unos minutos."
        )
    back = f"{HOME}/ventas/{view.document.id}"
    if problem:
        return redirect(request, back, flash=problem)
    to = ", ".join(outcome.recipients) or mail_to
    return redirect(request, back, flash=f"Enviamos la factura {view.document.full_number} a {to}.")


@router.post("/ventas/{sale_id}/dian")
def send_to_dian(
    request: Request, ctx: Context, session: Session, sale_id: int, form: Form
) -> Response:
    view = own_sale(ctx, session, sale_id)
    back = f"{HOME}/ventas/{view.document.id}"
    return redirect(request, back, flash=stamp_message(ctx, session, view.document.id or 0))


def stamp_message(ctx: ServiceContext, session: WebSession, document_id: int) -> str:
    """Asks for the document's electronic sending; what to tell the user."""
    try:
        sent = transmission.stamp(ctx, session.actor, document_id)
    except RuleViolations as refused:
        return "No se pudo enviar a la DIAN: " + " ".join(spanish(v) for v in refused.violations)
    label, _ = dian_state(sent)
    return f"Documento enviado a la cola de la DIAN. Estado: {label}."


@router.get("/ventas/{sale_id}/pdf")
def pdf(request: Request, ctx: Context, session: Session, sale_id: int) -> Response:
    view = own_sale(ctx, session, sale_id)
    _, content = delivery.document_pdf(ctx, session.actor, view.document.id or 0)
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{view.document.full_number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# --- my sales -------------------------------------------------------------------------------


def my_sales(
    ctx: ServiceContext, session: WebSession, start: date, end: date
) -> tuple[list[SaleView], bool]:
    """The invoices this user sold (seller or author) dated in the period, newest first, and
    whether there were more than the page shows (``MINE_LIMIT``)."""
    where = DocumentFilter(
        document_class=DocumentClass.SALES_INVOICE,
        date_from=start,
        date_to=end,
        sold_by=session.user.id,
    )
    total = (
        sales.page_views(ctx, session.actor, PageRequest(0, 0), where, with_lines=False).total or 0
    )
    shown = min(total, MINE_LIMIT)
    newest = sales.page_views(
        ctx,
        session.actor,
        PageRequest(total - shown, shown),
        where,
        with_lines=False,
        counted=False,
    ).views
    return newest[::-1], total > shown


@router.get("/mis-ventas")
def mine(
    request: Request,
    ctx: Context,
    session: Session,
    desde: str | None = None,
    hasta: str | None = None,
) -> Response:
    session.actor.require(Permission.INVOICES_CREATE)
    today = colombian_date(ctx.now())
    start, end, errors = date_range(today, desde, hasta)
    found, truncated = ([], False) if errors else my_sales(ctx, session, start, end)
    issued = [v for v in found if v.document.status == DocumentStatus.ISSUED]
    return render(
        request,
        "selling/mine.html",
        status_code=400 if errors else 200,
        form=FormState(
            {"desde": desde or start.isoformat(), "hasta": hasta or end.isoformat()}, errors
        ),
        sales=found,
        total=sum((v.document.amounts.total for v in issued), ZERO),
        count=len(issued),
        truncated=truncated,
        start=start,
        end=end,
        today=today,
    )
