"""Facturas de venta (full-access users): the list with its filters and the selection for
"Envío masivo de comprobantes electrónicos", an invoice's detail with the DIAN block (state,
CUFE, QR, the DIAN's messages, delivery to the buyer) and its downloads, the form that
creates one, and the mass sending with live progress.

Every write goes through the services: ``sales.issue_invoice_view`` creates (one
transaction, with ``stamp`` when "Enviar a la DIAN al guardar" is checked),
``transmission.stamp`` and ``transmission.stamp_many`` queue documents for the DIAN. The
sending itself is the worker's (``facturo serve`` runs it in-process); the pages follow it
from the database.

The form names its inputs after the domain's field paths (``items.0.quantity``,
``payments.1.value``) so a refusal lands next to the field that caused it; the face only
reads what people type (Colombian numbers and dates) and fills what a person leaves to it:
the price of the product's first price list, the product's warehouse, and the value of a
single payment (the invoice's total, computed by the domain's own engine).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData

from facturo.dian.errors import DianError
from facturo.domain.access import Actor
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import (
    DiscountType,
    DocumentClass,
    DocumentType,
    PaymentMeans,
    Tax,
    TaxType,
    Warehouse,
)
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.parties import Party
from facturo.domain.products import Product
from facturo.domain.queries import PartyFilter, ProductFilter
from facturo.domain.sales import (
    DocumentStatus,
    ItemRequest,
    PaymentRequest,
    SalesLine,
    TaxRate,
    document_amounts,
    line_amounts,
)
from facturo.domain.transmission import DeliveryState, Transmission, TransmissionState
from facturo.domain.users import User
from facturo.domain.validation import MAX_RECORD_ID
from facturo.services import (
    catalogs,
    delivery,
    parties,
    products,
    sales,
    transmission,
    users,
)
from facturo.services.catalogs import Catalog
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.sales import CustomerReference, SaleRequest, SaleView
from facturo.store.documents import DocumentFilter
from facturo.web.core import (
    PREFIX,
    Context,
    Form,
    FormState,
    FullSession,
    redirect,
    render,
    templates,
    text,
)
from facturo.web.format import number as quantity_text
from facturo.web.format import parse_amount, pesos
from facturo.web.messages import field_errors, spanish

router = APIRouter(prefix="/facturas")
HOME = PREFIX + "/facturas"

PAGE_SIZE = 25
LINE_ROWS = 5  # line rows the form always shows (more with "Agregar línea")
PAYMENT_ROWS = 3
MAX_ROWS = 200  # rows read from a posted form; the domain allows 500 items, pages need fewer
MAX_TEXT = 4000
MAX_SELECTION = 200  # invoices one mass sending from the list may name
SCAN_CHUNK = 500
SUMMARY_ROWS = 300
SEARCH_RESULTS = 15

FV = DocumentClass.SALES_INVOICE
CHARGE_TAXES = (TaxType.IVA, TaxType.CONSUMPTION, TaxType.AD_VALOREM)

# The DIAN states as the list's filter names them, and how each state reads.
STATE_FILTERS = {
    "sin_enviar": "Sin enviar",
    "pendiente": "Pendiente",
    "aceptada": "Aceptada",
    "rechazada": "Rechazada",
    "contingencia": "Contingencia",
}
_FILTER_OF = {
    TransmissionState.PENDING: "pendiente",
    TransmissionState.SENT: "pendiente",
    TransmissionState.ACCEPTED: "aceptada",
    TransmissionState.REJECTED: "rechazada",
    TransmissionState.INVALID: "rechazada",
    TransmissionState.CONTINGENCY: "contingencia",
}
# What each filter selects in the store; None: never put in the outbox.
_STATES_OF: dict[str, frozenset[TransmissionState | None]] = {
    "sin_enviar": frozenset({None}),
    **{
        key: frozenset(state for state, named in _FILTER_OF.items() if named == key)
        for key in set(_FILTER_OF.values())
    },
}
_BADGE = {"sin_enviar": "", "pendiente": "warn", "aceptada": "ok", "rechazada": "bad"}
_BADGE["contingencia"] = "warn"
_STATE_LABELS = {
    TransmissionState.PENDING: "Pendiente",
    TransmissionState.SENT: "Pendiente (esperando respuesta de la DIAN)",
    TransmissionState.ACCEPTED: "Aceptada",
    TransmissionState.REJECTED: "Rechazada",
    TransmissionState.INVALID: "Rechazada (no superó la validación previa al envío)",
    TransmissionState.CONTINGENCY: "Contingencia",
}
_UNFINISHED = (TransmissionState.PENDING, TransmissionState.SENT, TransmissionState.CONTINGENCY)


@dataclass(frozen=True)
class DianState:
    """Where an invoice stands with the DIAN, as the pages show it."""

    key: str  # one of STATE_FILTERS
    label: str
    badge: str
    sent: Transmission | None

    @classmethod
    def of(cls, sent: Transmission | None) -> DianState:
        if sent is None:
            return cls("sin_enviar", "Sin enviar", "", None)
        key = _FILTER_OF[sent.state]
        return cls(key, _STATE_LABELS[sent.state], _BADGE[key], sent)

    @property
    def short_label(self) -> str:
        return STATE_FILTERS[self.key]


def _record_id(raw: str | int | None) -> int | None:
    """A record id typed or posted; None when it is none (or could name no record)."""
    if raw is None:
        return None
    value = str(raw).strip()
    if not value or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_RECORD_ID else None


def _known_id(document_id: int) -> int:
    if not 0 < document_id <= MAX_RECORD_ID:
        raise NotFound("invoice", document_id)
    return document_id


def parse_date(raw: str) -> date | None:
    """A date as a form sends it (``2026-11-21``) or as people type it (``21/11/2026``);
    None when blank, ``ValueError`` when it is no date."""
    value = raw.strip()
    if not value:
        return None
    if len(value) > 10:
        raise ValueError(raw)
    found = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", value)
    if found:
        day, month, year = (int(g) for g in found.groups())
        return date(year, month, day)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(raw)
    return date.fromisoformat(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str, limit: int = MAX_TEXT) -> str:
    """What a person typed, without control characters (PostgreSQL refuses NUL), cut short."""
    return _CONTROL.sub("", value)[:limit].strip()


def _today(ctx: ServiceContext) -> date:
    return colombian_date(ctx.now())


# --- the list ------------------------------------------------------------------------------


@dataclass
class _Listing:
    """The list's filters as typed, and what they mean."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    where: DocumentFilter = field(default_factory=lambda: DocumentFilter(document_class=FV))
    nothing: bool = False  # a filter names no invoice (an unknown customer)
    notice: str | None = None


def _listing(
    ctx: ServiceContext,
    actor: Actor,
    desde: str,
    hasta: str,
    cliente: str,
    numero: str,
    estado: str,
) -> _Listing:
    listing = _Listing(
        {
            "desde": clean(desde, 20),
            "hasta": clean(hasta, 20),
            "cliente": clean(cliente, 100),
            "numero": clean(numero, 40),
            "estado": clean(estado, 20),
        }
    )
    dates: dict[str, date | None] = {}
    for name in ("desde", "hasta"):
        try:
            dates[name] = parse_date(listing.values[name])
        except ValueError:
            listing.errors[name] = "Escribe la fecha como dd/mm/aaaa."
            dates[name] = None
    if dates["desde"] and dates["hasta"] and dates["desde"] > dates["hasta"]:
        listing.errors["hasta"] = "La fecha final es anterior a la inicial."
    number = None
    typed = listing.values["numero"].strip()
    if typed:
        digits = re.search(r"(\d{1,18})$", typed)
        if digits is None:
            listing.errors["numero"] = "Escribe el número de la factura, por ejemplo 990000001."
        else:
            number = int(digits.group(1))
    state = listing.values["estado"].strip()
    if state and state not in STATE_FILTERS:
        listing.errors["estado"] = "Elige un estado de la lista."
    if listing.errors:
        listing.nothing = True
        return listing
    where = DocumentFilter(
        document_class=FV,
        date_from=dates["desde"],
        date_to=dates["hasta"],
        number=number,
        transmission_states=_STATES_OF.get(state),
    )
    who = listing.values["cliente"].strip()
    if who:
        customer_id = sales.customer_id_for(ctx, actor, who, 0) if len(who) <= 50 else None
        if customer_id is None:
            found = parties.search(ctx, actor, PartyFilter(name=who), PageRequest(0, 201)).views
            ids = [v.party.id for v in found if v.party.id is not None]
            if not ids:
                listing.nothing = True
            elif len(ids) == 1:
                customer_id = ids[0]
            else:
                where = replace(where, customer_ids=frozenset(ids[:200]))
                if len(ids) > 200:
                    listing.notice = (
                        "Muchos clientes tienen ese nombre: se muestran las facturas de los "
                        "primeros 200. Escribe más del nombre o la identificación."
                    )
        if customer_id is not None:
            where = replace(where, customer_id=customer_id)
    listing.where = where
    return listing


def _newest(
    ctx: ServiceContext, actor: Actor, where: DocumentFilter, *, skip: int, limit: int
) -> tuple[list[SaleView], int]:
    """The invoices ``where`` selects, newest first, after the ``skip`` newest (at most
    ``limit``), and how many it selects in all. The store pages oldest first."""
    total = sales.page_views(ctx, actor, PageRequest(0, 0), where, with_lines=False).total or 0
    end = max(0, total - skip)
    start = max(0, end - limit)
    if end <= start:
        return [], total
    views = sales.page_views(
        ctx, actor, PageRequest(start, end - start), where, with_lines=False, counted=False
    ).views
    return views[::-1], total


def _statuses(ctx: ServiceContext, company_id: int, views: Sequence[SaleView]) -> dict[int, Any]:
    ids = [v.document.id for v in views if v.document.id is not None]
    found: dict[int, Transmission] = {}
    for start in range(0, len(ids), SCAN_CHUNK):
        found.update(transmission.statuses(ctx, company_id, ids[start : start + SCAN_CHUNK]))
    return found


@dataclass(frozen=True)
class Row:
    view: SaleView
    state: DianState

    @property
    def document(self) -> Any:
        return self.view.document


def _page(ctx: ServiceContext, actor: Actor, listing: _Listing, page: int) -> tuple[list[Row], int]:
    """The page's rows, newest first, and how many invoices match."""
    if listing.nothing:
        return [], 0
    views, total = _newest(ctx, actor, listing.where, skip=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    sent = _statuses(ctx, actor.company_id, views)
    return [Row(v, DianState.of(sent.get(v.document.id or 0))) for v in views], total


@router.get("")
def index(
    request: Request,
    ctx: Context,
    session: FullSession,
    desde: str = "",
    hasta: str = "",
    cliente: str = "",
    numero: str = "",
    estado: str = "",
    pagina: str = "1",
) -> Response:
    actor = session.actor
    listing = _listing(ctx, actor, desde, hasta, cliente, numero, estado)
    page = int(pagina) if pagina.isdigit() and 0 < len(pagina) <= 5 else 1
    page = max(1, page)
    rows, total = _page(ctx, actor, listing, page)
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: v for k, v in listing.values.items() if v}
    return render(
        request,
        "invoices/index.html",
        status_code=400 if listing.errors else 200,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_links=_page_links(page, pages),
        query=query,
        page_url=lambda p: HOME + "?" + urlencode({**query, "pagina": p}),
        filters=FormState(listing.values, listing.errors),
        states=[("", "Todos"), *STATE_FILTERS.items()],
        notice=listing.notice,
    )


def _page_links(page: int, pages: int) -> list[int | None]:
    """Page numbers around the current one, with None for the gaps."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


# --- looking up customers and products (the form's datalists) ----------------------------------


def _customer_matches(ctx: ServiceContext, actor: Actor, q: str) -> list[Party]:
    q = clean(q, 100)
    found: list[Party] = []
    if q and len(q) <= 50:
        customer_id = sales.customer_id_for(ctx, actor, q, 0)
        if customer_id is not None:
            found.append(parties.get(ctx, actor, customer_id).party)
    if q:
        more = parties.search(
            ctx, actor, PartyFilter(name=q, active=True), PageRequest(0, SEARCH_RESULTS)
        ).views
    else:
        more = parties.search(
            ctx, actor, PartyFilter(is_customer=True, active=True), PageRequest(0, SEARCH_RESULTS)
        ).views
    known = {p.id for p in found}
    found.extend(v.party for v in more if v.party.id not in known)
    return found[:SEARCH_RESULTS]


@router.get("/buscar-clientes")
def search_customers(ctx: Context, session: FullSession, q: str = "") -> Response:
    return JSONResponse(
        [
            {"identification": p.identification, "name": p.name, "email": p.email or ""}
            for p in _customer_matches(ctx, session.actor, q)
        ]
    )


@dataclass(frozen=True)
class ProductOption:
    code: str
    name: str
    price: Decimal | None
    stock_control: bool
    stock: list[tuple[str, str, Decimal]]  # warehouse code, name, quantity

    @property
    def stock_text(self) -> str:
        if not self.stock_control:
            return "Sin control de inventario"
        parts = [f"{name}: {quantity_text(quantity)}" for _, name, quantity in self.stock]
        return "Existencias — " + ("; ".join(parts) if parts else "sin bodegas")

    def json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "price": str(self.price) if self.price is not None else "",
            "price_text": pesos(self.price) if self.price is not None else "",
            "price_input": quantity_text(self.price) if self.price is not None else "",
            "stock_control": self.stock_control,
            "stock": [
                {"warehouse": code, "name": name, "quantity": str(quantity)}
                for code, name, quantity in self.stock
            ],
            "stock_text": self.stock_text,
        }


def _product_options(views: Sequence[products.ProductView]) -> list[ProductOption]:
    return [
        ProductOption(
            code=v.product.code or "",
            name=v.product.name or "",
            price=v.product.price(1),
            stock_control=v.product.stock_control,
            stock=[(w.warehouse_code, w.warehouse_name, w.quantity) for w in v.warehouses],
        )
        for v in views
    ]


def _product_matches(
    ctx: ServiceContext, actor: Actor, q: str, *, exact: bool = False
) -> list[ProductOption]:
    q = clean(q, 100)
    if not q:
        return []
    found = products.search(ctx, actor, ProductFilter(code=q, active=True), PageRequest(0, 1)).views
    if not exact:
        known = {v.product.id for v in found}
        found += [
            v
            for v in products.search(
                ctx, actor, ProductFilter(name=q, active=True), PageRequest(0, SEARCH_RESULTS)
            ).views
            if v.product.id not in known
        ]
    return _product_options(found[:SEARCH_RESULTS])


@router.get("/buscar-productos")
def search_products(ctx: Context, session: FullSession, q: str = "", codigo: str = "") -> Response:
    """Products whose code is ``codigo`` (exactly), or whose code or name has ``q``: their
    price in the first price list and stock per warehouse."""
    if codigo:
        found = _product_matches(ctx, session.actor, codigo, exact=True)
    else:
        found = _product_matches(ctx, session.actor, q)
    return JSONResponse([p.json() for p in found])


# --- the form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the form offers, read once per page."""

    document_types: list[DocumentType]
    taxes: dict[int, Tax]
    means: list[PaymentMeans]
    warehouses: list[Warehouse]
    sellers: list[User]
    customers: list[Party]
    products: list[ProductOption]

    def _taxes(self, *kinds: TaxType) -> list[tuple[str, str]]:
        return [
            (str(t.id), t.name)
            for t in sorted(self.taxes.values(), key=lambda t: (t.tax_type, t.name))
            if t.active and t.tax_type in kinds
        ]

    @property
    def charge_options(self) -> list[tuple[str, str]]:
        return [("", "Sin impuesto"), *self._taxes(*CHARGE_TAXES)]

    @property
    def withholding_options(self) -> list[tuple[str, str]]:
        return [("", "Sin retención"), *self._taxes(TaxType.RETEFUENTE)]

    @property
    def reteiva_options(self) -> list[tuple[str, str]]:
        return [("", "Sin ReteIVA"), *self._taxes(TaxType.RETEIVA)]

    @property
    def reteica_options(self) -> list[tuple[str, str]]:
        return [("", "Sin ReteICA"), *self._taxes(TaxType.RETEICA)]

    @property
    def type_options(self) -> list[tuple[str, str]]:
        return [(str(d.id), f"FV-{d.code} · {d.name}") for d in self.document_types]

    @property
    def means_options(self) -> list[tuple[str, str]]:
        return [("", "—"), *((str(m.id), m.name) for m in self.means)]

    @property
    def credit_means(self) -> set[str]:
        return {str(m.id) for m in self.means if m.is_credit}

    @property
    def warehouse_options(self) -> list[tuple[str, str]]:
        return [(w.code, w.name) for w in self.warehouses]

    @property
    def seller_options(self) -> list[tuple[str, str]]:
        return [(str(u.id), f"{u.full_name} ({u.identification})") for u in self.sellers]

    def document_type(self, type_id: int | None) -> DocumentType | None:
        return next((d for d in self.document_types if d.id == type_id), None)

    def manual_types(self) -> list[str]:
        return [str(d.id) for d in self.document_types if not d.automatic_number]


def _choices(ctx: ServiceContext, actor: Actor) -> Choices:
    types = [
        view.document_type
        for view in catalogs.get_document_types_of_class(ctx, actor, FV)
        if view.document_type.active
    ]
    types.sort(key=lambda d: d.code)
    taxes = {
        t.id: t
        for t in catalogs.get_all(ctx, actor, Catalog.TAXES, PageRequest(0, 1000))
        if t.id is not None
    }
    means = [m for m in catalogs.payment_means_for(ctx, actor, purchases=False) if m.active]
    warehouses = [w.warehouse for w in catalogs.get_warehouses(ctx, actor) if w.warehouse.active]
    sellers = [u for u in users.get_all(ctx, actor, PageRequest(0, 500)) if u.active]
    customers = [
        v.party
        for v in parties.search(
            ctx, actor, PartyFilter(is_customer=True, active=True), PageRequest(0, 100)
        ).views
    ]
    catalog = _product_options(
        products.search(ctx, actor, ProductFilter(active=True), PageRequest(0, 200)).views
    )
    return Choices(types, taxes, means, warehouses, sellers, customers, catalog)


_ROW_FIELD = re.compile(r"(items|payments)\.(\d{1,3})\.(\w+)")
ITEM_FIELDS = (
    "product_code",
    "quantity",
    "unit_value",
    "discount",
    "tax_add_id",
    "tax_discount_id",
    "warehouse_code",
)
PAYMENT_FIELDS = ("payment_means_id", "value", "due_date")
HEAD_FIELDS = (
    "document_type_id",
    "date",
    "number",
    "customer",
    "seller_id",
    "reteiva_tax_id",
    "reteica_tax_id",
    "observations",
    "form_key",
)


def _rows_posted(form: FormData, kind: str) -> list[int]:
    rows = set()
    for name in form:
        found = _ROW_FIELD.fullmatch(name)
        if found and found.group(1) == kind and int(found.group(2)) < MAX_ROWS:
            rows.add(int(found.group(2)))
    return sorted(rows)


def _posted_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: clean(text(form, name)) for name in HEAD_FIELDS}
    for row in _rows_posted(form, "items"):
        for name in ITEM_FIELDS:
            values[f"items.{row}.{name}"] = clean(text(form, f"items.{row}.{name}"), 200)
    for row in _rows_posted(form, "payments"):
        for name in PAYMENT_FIELDS:
            values[f"payments.{row}.{name}"] = clean(text(form, f"payments.{row}.{name}"), 200)
    values["stamp"] = form.get("stamp") is not None
    return values


@dataclass
class _Reading:
    """A posted form read into a ``SaleRequest``: what could not be read, and which form row
    each item and payment came from."""

    found: list[Violation] = field(default_factory=list)
    item_rows: list[int] = field(default_factory=list)
    payment_rows: list[int] = field(default_factory=list)

    def amount(self, values: Mapping[str, Any], name: str, path: str) -> Decimal | None:
        raw = str(values.get(name, "") or "")
        if not raw.strip():
            return None
        try:
            return parse_amount(raw)
        except ValueError:
            self.found.append(
                Violation(
                    "invalid_value",
                    path,
                    "Escribe un número, por ejemplo 2 o 1.234,50.",
                )
            )
            return None

    def record(self, values: Mapping[str, Any], name: str, path: str) -> int | None:
        raw = str(values.get(name, "") or "").strip()
        if not raw:
            return None
        found = _record_id(raw)
        if found is None:
            self.found.append(Violation("invalid_reference", path, "Elige una opción de la lista."))
        return found

    def day(self, values: Mapping[str, Any], name: str, path: str) -> date | None:
        try:
            return parse_date(str(values.get(name, "") or ""))
        except ValueError:
            self.found.append(Violation("invalid_date", path, "Escribe la fecha como dd/mm/aaaa."))
            return None


def _sale_request(
    ctx: ServiceContext, actor: Actor, values: Mapping[str, Any], choices: Choices
) -> tuple[SaleRequest, _Reading]:
    reading = _Reading()
    type_id = reading.record(values, "document_type_id", "document_type_id")
    document_type = choices.document_type(type_id)
    document_date = reading.day(values, "date", "date")
    number = None
    if str(values.get("number") or "").strip():
        number = reading.record(values, "number", "number")
    who = str(values.get("customer") or "").strip()
    identification = who.split()[0] if who else ""
    seller_id = reading.record(values, "seller_id", "seller_id")

    rows = sorted(
        {int(k.split(".")[1]) for k in values if k.startswith("items.") and k.count(".") == 2}
    )
    codes = [str(values.get(f"items.{row}.product_code") or "").strip() for row in rows]
    known = {
        p.code: p
        for p in (products.get_by_codes(ctx, actor, [c for c in codes if c]) if any(codes) else [])
    }
    default_warehouse = choices.warehouses[0].code if choices.warehouses else None
    items: list[ItemRequest] = []
    for row in rows:
        name = f"items.{row}"
        typed = [str(values.get(f"{name}.{part}") or "").strip() for part in ITEM_FIELDS[:4]]
        if not any(typed):
            continue
        path = f"items.{len(items)}"
        reading.item_rows.append(row)
        code = typed[0]
        quantity = reading.amount(values, f"{name}.quantity", f"{path}.quantity")
        price = reading.amount(values, f"{name}.unit_value", f"{path}.unit_value")
        discount = reading.amount(values, f"{name}.discount", f"{path}.discount")
        tax = reading.record(values, f"{name}.tax_add_id", f"{path}.tax_add_id")
        withholding = reading.record(values, f"{name}.tax_discount_id", f"{path}.tax_discount_id")
        product: Product | None = known.get(code)
        if price is None and product is not None and not typed[2]:
            price = product.price(1)
        warehouse = None
        if product is not None and product.stock_control:
            warehouse = str(values.get(f"{name}.warehouse_code") or "").strip() or default_warehouse
        items.append(
            ItemRequest(
                product_code=code or None,
                description=None,
                quantity=quantity,
                unit_value=price,
                discount=discount,
                tax_add_id=tax,
                tax_discount_id=withholding,
                warehouse_code=warehouse,
            )
        )

    reteiva_id = reading.record(values, "reteiva_tax_id", "reteiva.id")
    reteica_id = reading.record(values, "reteica_tax_id", "reteica.id")
    means = {str(m.id): m for m in choices.means}
    payment_rows = sorted(
        {int(k.split(".")[1]) for k in values if k.startswith("payments.") and k.count(".") == 2}
    )
    typed_rows = {
        row: [str(values.get(f"payments.{row}.{part}") or "").strip() for part in PAYMENT_FIELDS]
        for row in payment_rows
    }
    # A means chosen with nothing else (the first row comes with one) counts only when no
    # other row says how much is paid: then it pays the whole invoice.
    valued = any(typed[1] for typed in typed_rows.values())
    payments: list[PaymentRequest] = []
    credits = 0
    for row, typed in typed_rows.items():
        name = f"payments.{row}"
        if not any(typed) or (valued and not typed[1] and not typed[2]):
            continue
        path = f"payments.{len(payments)}"
        reading.payment_rows.append(row)
        means_id = reading.record(values, f"{name}.payment_means_id", f"{path}.payment_means_id")
        value = reading.amount(values, f"{name}.value", f"{path}.value")
        due = reading.day(values, f"{name}.due_date", f"{path}.due_date")
        quote = None
        chosen = means.get(typed[0])
        if chosen is not None and chosen.is_credit:
            credits += 1
            quote = credits
        payments.append(
            PaymentRequest(payment_means_id=means_id, value=value, due_date=due, due_quote=quote)
        )
    if len(payments) == 1 and payments[0].value is None and not reading.found:
        total = _estimated_total(items, choices.taxes, document_type, reteiva_id, reteica_id)
        if total is not None:
            payments[0] = replace(payments[0], value=total)

    observations = str(values.get("observations") or "").strip()
    request = SaleRequest(
        document_type_id=type_id,
        document_date=document_date,
        customer=CustomerReference(identification=identification),
        seller_identification=None,
        seller_id=seller_id,
        items=items,
        payments=payments,
        number=number,
        observations=observations or None,
        reteiva_tax_id=reteiva_id,
        reteica_tax_id=reteica_id,
        face_violations=tuple(reading.found),
        idempotency_key=_form_key(values),
        stamp=bool(values.get("stamp")),
    )
    return request, reading


def _form_key(values: Mapping[str, Any]) -> str | None:
    """The form's own key: submitting the same form twice issues one invoice. (The APIs'
    keys carry an ``@``; these never do, so the two cannot meet.)"""
    key = str(values.get("form_key") or "")
    return f"web-{key}" if re.fullmatch(r"[A-Za-z0-9]{16,32}", key) else None


def _estimated_total(
    items: Sequence[ItemRequest],
    taxes: Mapping[int, Tax],
    document_type: DocumentType | None,
    reteiva_id: int | None,
    reteica_id: int | None,
) -> Decimal | None:
    """The invoice's total by the domain's engine, to pay with a single payment left blank;
    None when the lines cannot be priced yet (the service then says why)."""

    def rate(tax_id: int | None) -> TaxRate | None:
        tax = taxes.get(tax_id) if tax_id is not None else None
        return TaxRate(tax.id or 0, tax.name, tax.tax_type, tax.percentage) if tax else None

    if not items or document_type is None:
        return None
    by_value = document_type.discount_type == DiscountType.VALUE
    lines = []
    for position, item in enumerate(items, start=1):
        if item.quantity is None or item.unit_value is None:
            return None
        tax_add, tax_discount = rate(item.tax_add_id), rate(item.tax_discount_id)
        amounts = line_amounts(
            quantity=item.quantity,
            unit_value=item.unit_value,
            discount_value=item.discount if by_value else None,
            discount_percentage=None if by_value else item.discount,
            tax_add=tax_add,
            tax_discount=tax_discount,
        )
        lines.append(
            SalesLine(
                number=position,
                product_id=0,
                product_code=item.product_code or "",
                description="",
                quantity=item.quantity,
                unit_value=item.unit_value,
                discount_percentage=None if by_value else item.discount,
                tax_add=tax_add,
                tax_add2=None,
                tax_discount=tax_discount,
                amounts=amounts,
            )
        )
    total = document_amounts(lines, reteiva=rate(reteiva_id), reteica=rate(reteica_id)).total
    return total if total > 0 else None


_ITEM_PARTS = {
    "product_code": "product_code",
    "description": "product_code",
    "quantity": "quantity",
    "unit_value": "unit_value",
    "total": "unit_value",
    "discount": "discount",
    "discount_value": "discount",
    "discount_percentage": "discount",
    "tax_add_id": "tax_add_id",
    "tax_add2_id": "tax_add_id",
    "taxes": "tax_add_id",
    "tax_discount_id": "tax_discount_id",
    "warehouse_code": "warehouse_code",
    "warehouse_id": "warehouse_code",
}
_PAYMENT_PARTS = {
    "payment_means_id": "payment_means_id",
    "value": "value",
    "due_date": "due_date",
    "due_quote": "due_date",
}
_HEAD_PATHS = {
    "customer": "customer",
    "customer.identification": "customer",
    "customer.id": "customer",
    "seller_id": "seller_id",
    "seller_identification": "seller_id",
    "document_type_id": "document_type_id",
    "date": "date",
    "number": "number",
    "observations": "observations",
    "reteiva.id": "reteiva_tax_id",
    "reteica.id": "reteica_tax_id",
    "retentions": "reteiva_tax_id",
    "stamp.send": "stamp",
    "items": "items",
    "payments": "payments",
}


def _form_name(path: str, reading: _Reading) -> str:
    """The form field a domain path names ("" for the form as a whole)."""
    if path in _HEAD_PATHS:
        return _HEAD_PATHS[path]
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] in ("items", "payments") and parts[1].isdigit():
        index = int(parts[1])
        if parts[0] == "items":
            part = _ITEM_PARTS.get(parts[2])
            if part and index < len(reading.item_rows):
                return f"items.{reading.item_rows[index]}.{part}"
            return "items"
        part = _PAYMENT_PARTS.get(parts[2])
        if part and index < len(reading.payment_rows):
            return f"payments.{reading.payment_rows[index]}.{part}"
        return "payments"
    return ""


def _errors(refusal: RuleViolations, reading: _Reading) -> dict[str, str]:
    errors: dict[str, str] = {}
    for violation in refusal.violations:
        name = _form_name(violation.field, reading)
        if violation.code == "invalid_total_payments" and violation.detail:
            try:
                total = pesos(Decimal(violation.detail))
            except ArithmeticError:
                total = violation.detail
            message = f"Los pagos deben sumar el total de la factura: {total}."
        else:
            message = field_errors([violation])[violation.field]
        errors.setdefault(name, message)
    return errors


def _row_count(values: Mapping[str, Any], kind: str, minimum: int) -> int:
    rows = [int(k.split(".")[1]) for k in values if k.startswith(f"{kind}.") and k.count(".") == 2]
    return min(MAX_ROWS, max([minimum - 1, *rows]) + 1)


def _form_page(
    request: Request,
    choices: Choices,
    state: FormState,
    *,
    status_code: int = 200,
) -> Response:
    values = state.values
    type_id = _record_id(values.get("document_type_id"))
    chosen = choices.document_type(type_id) or (
        choices.document_types[0] if choices.document_types else None
    )
    by_value = chosen is not None and chosen.discount_type == DiscountType.VALUE
    line_rows = range(_row_count(values, "items", LINE_ROWS))
    payment_rows = range(_row_count(values, "payments", PAYMENT_ROWS))
    shown = {*HEAD_FIELDS, "stamp", "items", "payments"}
    shown |= {f"items.{r}.{n}" for r in line_rows for n in ITEM_FIELDS}
    shown |= {f"payments.{r}.{n}" for r in payment_rows for n in PAYMENT_FIELDS}
    loose = [message for name, message in state.errors.items() if name not in shown]
    return render(
        request,
        "invoices/new.html",
        status_code=status_code,
        form=state,
        choices=choices,
        line_rows=line_rows,
        payment_rows=payment_rows,
        discount_label="Descuento ($)" if by_value else "Descuento (%)",
        loose=loose,
    )


@router.get("/nueva")
def new(request: Request, ctx: Context, session: FullSession) -> Response:
    choices = _choices(ctx, session.actor)
    cash = next((m for m in choices.means if not m.is_credit), None)
    values: dict[str, Any] = {
        "document_type_id": str(choices.document_types[0].id) if choices.document_types else "",
        "date": _today(ctx).isoformat(),
        "seller_id": str(session.user.id),
        "payments.0.payment_means_id": str(cash.id) if cash else "",
        "form_key": secrets.token_hex(16),
    }
    return _form_page(request, choices, FormState(values))


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    actor = session.actor
    choices = _choices(ctx, actor)
    values = _posted_values(form)
    if not _form_key(values):
        values["form_key"] = secrets.token_hex(16)
    sale, reading = _sale_request(ctx, actor, values, choices)
    try:
        try:
            view = sales.issue_invoice_view(ctx, actor, sale)
        except IntegrityError:
            # The same form posted twice at once (a double click): the other request issued
            # it under the form's key; issuing again finds that invoice.
            view = sales.issue_invoice_view(ctx, actor, sale)
    except RuleViolations as refused:
        return _form_page(
            request, choices, FormState(values, _errors(refused, reading)), status_code=400
        )
    document = view.document
    message = f"Factura {document.full_number} creada por {pesos(document.amounts.total)}."
    if sale.stamp:
        message += " Quedó en cola para enviarse a la DIAN."
    return redirect(request, f"{HOME}/{document.id}", flash=message)


# --- mass sending ----------------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _mass_page(request: Request, state: FormState, status_code: int = 200) -> Response:
    return render(request, "invoices/mass.html", status_code=status_code, form=state)


@router.get("/envio-masivo")
def mass(request: Request, ctx: Context, session: FullSession) -> Response:
    today = _today(ctx)
    values = {"desde": _month_start(today).isoformat(), "hasta": today.isoformat()}
    return _mass_page(request, FormState(values))


@dataclass(frozen=True)
class Batch:
    """What one mass sending covers, as the progress URL carries it: the invoices of a date
    range created before the sending (and, from the list, only those chosen)."""

    date_from: date | None
    date_to: date | None
    before: datetime
    ids: frozenset[int] | None = None

    def query(self) -> str:
        params: dict[str, str] = {"momento": str(int(self.before.timestamp() * 1000) + 1)}
        if self.date_from:
            params["desde"] = self.date_from.isoformat()
        if self.date_to:
            params["hasta"] = self.date_to.isoformat()
        if self.ids is not None:
            params["ids"] = ",".join(str(i) for i in sorted(self.ids))
        return urlencode(params)

    @classmethod
    def read(cls, desde: str, hasta: str, momento: str, ids: str) -> Batch | None:
        try:
            date_from, date_to = parse_date(desde[:20]), parse_date(hasta[:20])
        except ValueError:
            return None
        if not momento.isdigit() or len(momento) > 15:
            return None
        before = datetime.fromtimestamp(int(momento) / 1000, UTC)
        chosen = None
        if ids:
            parsed = [_record_id(part) for part in ids.split(",")[:MAX_SELECTION]]
            chosen = frozenset(i for i in parsed if i is not None)
        return cls(date_from, date_to, before, chosen)

    def where(self) -> DocumentFilter:
        return DocumentFilter(
            document_class=FV,
            date_from=self.date_from,
            date_to=self.date_to,
            created_to=self.before,
            document_ids=self.ids,
        )


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    finished: bool
    counts: dict[str, int]
    rows: list[Row]

    @property
    def label(self) -> str:
        parts = [f"{self.done} de {self.total} procesadas"]
        for key in ("aceptada", "rechazada", "pendiente", "contingencia"):
            if self.counts.get(key):
                parts.append(f"{STATE_FILTERS[key].lower()}s: {self.counts[key]}")
        return " · ".join(parts)


_REFUSED = frozenset({TransmissionState.REJECTED, TransmissionState.INVALID})


def _progress(ctx: ServiceContext, actor: Actor, batch: Batch) -> Progress:
    """Counted in the database; the rows shown are the refused ones first, then the newest."""
    where = batch.where()
    by_state = transmission.counts_by_state(ctx, actor, where)
    counts: dict[str, int] = {}
    for state, count in by_state.items():
        counts[_FILTER_OF[state]] = counts.get(_FILTER_OF[state], 0) + count
    refused, _ = _newest(
        ctx, actor, replace(where, transmission_states=_REFUSED), skip=0, limit=SUMMARY_ROWS
    )
    others, _ = _newest(
        ctx,
        actor,
        replace(where, transmission_states=frozenset(TransmissionState) - _REFUSED),
        skip=0,
        limit=SUMMARY_ROWS - len(refused),
    )
    views = refused + others
    sent = _statuses(ctx, actor.company_id, views)
    rows = [Row(v, DianState.of(sent.get(v.document.id or 0))) for v in views]
    return Progress(
        done=sum(count for state, count in by_state.items() if state.final),
        total=sum(by_state.values()),
        finished=not any(by_state.get(state) for state in _UNFINISHED),
        counts=counts,
        rows=rows,
    )


def _progress_html(request: Request, progress: Progress) -> str:
    return templates.get_template("invoices/_progress.html").render(
        request=request,
        PREFIX=PREFIX,
        progress=progress,
        limit=SUMMARY_ROWS,
        reasons=_reasons,
        pesos=pesos,
    )


def _reasons(sent: Transmission | None) -> list[str]:
    """Why the DIAN (or the check before sending) refused a document."""
    if sent is None or sent.state not in (TransmissionState.REJECTED, TransmissionState.INVALID):
        return []
    return list(sent.messages) or [sent.last_error or sent.status_description or "Rechazada"]


@router.post("/envio-masivo")
def mass_send(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    actor = session.actor
    chosen_ids = [
        i
        for i in (
            _record_id(str(v)) for v in form.getlist("ids")[:MAX_SELECTION] if isinstance(v, str)
        )
        if i is not None
    ]
    values = {"desde": clean(text(form, "desde"), 20), "hasta": clean(text(form, "hasta"), 20)}
    known: dict[int, SaleView] = {}
    if form.getlist("ids"):
        if not chosen_ids:
            return redirect(request, HOME, flash="Elige las facturas que quieres enviar.")
        for document_id in chosen_ids:
            try:
                known[document_id] = sales.get_view(ctx, actor, document_id, FV)
            except NotFound:
                continue
        if not known:
            return redirect(request, HOME, flash="Elige las facturas que quieres enviar.")
        dates = [v.document.date for v in known.values()]
        result = transmission.stamp_many(ctx, actor, document_ids=list(known))
        batch = Batch(min(dates), max(dates), ctx.now(), frozenset(known))
    else:
        errors: dict[str, str] = {}
        found: dict[str, date | None] = {}
        for name in ("desde", "hasta"):
            try:
                found[name] = parse_date(values[name])
            except ValueError:
                errors[name] = "Escribe la fecha como dd/mm/aaaa."
                continue
            if found[name] is None:
                errors[name] = "Este campo es obligatorio."
        date_from, date_to = found.get("desde"), found.get("hasta")
        if date_from and date_to and date_from > date_to:
            errors["hasta"] = "La fecha final es anterior a la inicial."
        if date_from and date_to and (date_to - date_from) > timedelta(days=366):
            errors["hasta"] = "Envía como máximo un año a la vez."
        if errors:
            return _mass_page(request, FormState(values, errors), status_code=400)
        result = transmission.stamp_many(ctx, actor, date_from=date_from, date_to=date_to)
        batch = Batch(date_from, date_to, ctx.now())
        if result.refused:
            shown = frozenset(list(result.refused)[:SUMMARY_ROWS])
            known = {
                v.document.id or 0: v
                for v in sales.page_views(
                    ctx,
                    actor,
                    PageRequest(0, len(shown)),
                    replace(batch.where(), document_ids=shown),
                    with_lines=False,
                    counted=False,
                ).views
            }
    refused = [
        (known.get(document_id), [spanish(v) for v in problems])
        for document_id, problems in result.refused.items()
    ]
    return render(
        request,
        "invoices/progress.html",
        queued=len(result.queued),
        already=len(result.already),
        refused=refused,
        progress_url=f"{HOME}/envio-masivo/progreso?{batch.query()}",
        batch=batch,
    )


@router.get("/envio-masivo/progreso")
def mass_progress(
    request: Request,
    ctx: Context,
    session: FullSession,
    desde: str = "",
    hasta: str = "",
    momento: str = "",
    ids: str = "",
) -> Response:
    batch = Batch.read(desde, hasta, momento, ids[: 40 * MAX_SELECTION])
    if batch is None:
        return JSONResponse({"error": "El envío no es válido."}, status_code=400)
    progress = _progress(ctx, session.actor, batch)
    return JSONResponse(
        {
            "done": progress.done,
            "total": progress.total,
            "finished": progress.finished,
            "label": progress.label,
            "html": _progress_html(request, progress),
        },
        headers={"Cache-Control": "no-store"},
    )


# --- one invoice -------------------------------------------------------------------------------


def qr_svg(qr_text: str) -> str:
    """The QR as inline SVG (no file, no script)."""
    code = segno.make(qr_text, micro=False, error="m")
    svg: str = code.svg_inline(scale=3, border=2, title="Código QR de la factura electrónica")
    return svg


def qr_text_of(files: transmission.SignedFiles) -> str | None:
    """The QR's content (Anexo técnico §11.7), read from the signed invoice the DIAN got, as
    the PDF prints it (services/delivery.render)."""
    sent = files.transmission
    if not sent.document_key:
        return None
    try:
        return delivery.qr_text_of(files.xml, sent.document_key)
    except DianError:
        return None


@dataclass(frozen=True)
class DianBlock:
    """The DIAN part of an invoice's page."""

    document_id: int
    annulled: bool
    state: DianState
    qr: str | None

    @property
    def sent(self) -> Transmission | None:
        return self.state.sent

    @property
    def signed(self) -> bool:
        return (
            self.sent is not None
            and bool(self.sent.document_key)
            and self.sent.signed_at is not None
        )

    @property
    def following(self) -> bool:
        """Whether the page should follow it live (the worker has it)."""
        return self.sent is not None and self.sent.state in (
            TransmissionState.PENDING,
            TransmissionState.SENT,
        )

    @property
    def send_label(self) -> str | None:
        """The button that sends it, if sending (again) does something."""
        if self.annulled:
            return None
        if self.sent is None:
            return "Enviar electrónicamente"
        if self.sent.state is TransmissionState.CONTINGENCY:
            return "Reintentar envío a la DIAN"
        if (
            self.sent.state is TransmissionState.ACCEPTED
            and self.sent.delivery_state is DeliveryState.FAILED
            and self.sent.delivery_to
        ):
            return "Reenviar al comprador"
        return None

    @property
    def messages(self) -> list[str]:
        return list(self.sent.messages) if self.sent else []

    @property
    def technical(self) -> str | None:
        """The last technical problem (a timeout, a local check) when it is not the DIAN's."""
        if self.sent is None or self.sent.state is TransmissionState.ACCEPTED:
            return None
        return self.sent.last_error

    @property
    def delivery(self) -> str:
        sent = self.sent
        if sent is None or sent.state is not TransmissionState.ACCEPTED:
            return "Se envía al comprador cuando la DIAN acepte la factura."
        to = sent.delivery_to or ""
        if sent.delivery_state is DeliveryState.SENT:
            return f"Enviada a {to}."
        if sent.delivery_state is DeliveryState.PENDING:
            return f"Pendiente de envío a {to} (intentos: {sent.delivery_attempts})."
        if sent.delivery_state is DeliveryState.FAILED:
            return f"No se pudo enviar a {to}: {sent.delivery_error or 'error del correo'}."
        return "No se envía al comprador (no tiene correo electrónico o el envío está desactivado)."


def _dian_block(ctx: ServiceContext, actor: Actor, view: SaleView) -> DianBlock:
    document_id = view.document.id or 0
    sent = transmission.status(ctx, actor, document_id)
    qr = None
    if sent is not None and sent.document_key and sent.signed_at is not None:
        try:
            text_of_qr = qr_text_of(transmission.signed_files(ctx, actor, document_id))
        except RuleViolations:
            text_of_qr = None
        qr = qr_svg(text_of_qr) if text_of_qr else None
    return DianBlock(
        document_id=document_id,
        annulled=view.document.status == DocumentStatus.ANNULLED,
        state=DianState.of(sent),
        qr=qr,
    )


def _invoice(ctx: ServiceContext, actor: Actor, invoice_id: int) -> SaleView:
    return sales.get_view(ctx, actor, _known_id(invoice_id), FV)


def _seller_name(ctx: ServiceContext, actor: Actor, view: SaleView) -> str:
    try:
        seller = users.get(ctx, actor, view.document.seller_id)
    except NotFound:
        return view.seller_identification
    return f"{seller.full_name} ({seller.identification})"


def _show(
    request: Request,
    ctx: ServiceContext,
    actor: Actor,
    view: SaleView,
    *,
    refusal: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "invoices/show.html",
        status_code=status_code,
        view=view,
        d=view.document,
        dian=_dian_block(ctx, actor, view),
        seller=_seller_name(ctx, actor, view),
        refusal=refusal or [],
        taxes_of=_line_taxes,
    )


def _line_taxes(line: SalesLine) -> list[tuple[str, Decimal]]:
    found = []
    for rate, value in (
        (line.tax_add, line.amounts.tax_add),
        (line.tax_add2, line.amounts.tax_add2),
        (line.tax_discount, line.amounts.tax_discount),
    ):
        if rate is not None:
            found.append((rate.name, value if rate.tax_type != TaxType.RETEFUENTE else -value))
    return found


@router.get("/{invoice_id}")
def show(request: Request, ctx: Context, session: FullSession, invoice_id: int) -> Response:
    view = _invoice(ctx, session.actor, invoice_id)
    return _show(request, ctx, session.actor, view)


@router.get("/{invoice_id}/estado-dian")
def dian_state(request: Request, ctx: Context, session: FullSession, invoice_id: int) -> Response:
    """The DIAN block, for the page to follow while the worker sends it."""
    view = _invoice(ctx, session.actor, invoice_id)
    block = _dian_block(ctx, session.actor, view)
    from facturo.web.core import csrf_token_for

    html = templates.get_template("invoices/_dian.html").render(
        request=request,
        PREFIX=PREFIX,
        csrf_token=csrf_token_for(request),
        dian=block,
        d=view.document,
    )
    finished = not block.following
    return JSONResponse(
        {
            "done": int(finished),
            "total": 1,
            "finished": finished,
            "label": block.state.label,
            "html": html,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/{invoice_id}/enviar")
def stamp(
    request: Request, ctx: Context, session: FullSession, invoice_id: int, form: Form
) -> Response:
    actor = session.actor
    view = _invoice(ctx, actor, invoice_id)
    try:
        sent = transmission.stamp(ctx, actor, view.document.id or 0)
    except RuleViolations as refused:
        return _show(
            request,
            ctx,
            actor,
            view,
            refusal=[spanish(v) for v in refused.violations],
            status_code=400,
        )
    if sent.state is TransmissionState.ACCEPTED:
        message = "La factura ya fue aceptada por la DIAN; se enviará de nuevo al comprador."
    else:
        message = f"La factura {view.document.full_number} quedó en cola para enviarse a la DIAN."
    return redirect(request, f"{HOME}/{view.document.id}", flash=message)


@router.get("/{invoice_id}/pdf")
def pdf(ctx: Context, session: FullSession, invoice_id: int) -> Response:
    view = _invoice(ctx, session.actor, invoice_id)
    _key, content = delivery.document_pdf(ctx, session.actor, view.document.id or 0)
    return _download(content, "application/pdf", f"{view.document.full_number}.pdf")


@router.get("/{invoice_id}/xml")
def xml(ctx: Context, session: FullSession, invoice_id: int) -> Response:
    view = _invoice(ctx, session.actor, invoice_id)
    files = transmission.signed_files(ctx, session.actor, view.document.id or 0)
    name = files.transmission.file_name or f"{view.document.full_number}.xml"
    return _download(files.xml, "application/xml", name)


def _download(content: bytes, media_type: str, name: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "no-store",
        },
    )


__all__ = ["router"]
