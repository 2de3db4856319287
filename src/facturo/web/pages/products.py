"""Productos (full-access users): the list with search by code or name, and the form that
creates or edits a product or service — code, name, type, account group (grupo de
inventario), DIAN unit, IVA classification, taxes (two charge taxes and a retención), price
per price list in pesos, stock control and the additional fields.

Prices are typed as people write them (``1.234.567,89`` or ``1234567.89``). Editing
replaces the product (``products.update``); its prices in other currencies, which the form
does not show, are kept as they were."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from facturo.domain import annexes
from facturo.domain.access import Actor
from facturo.domain.catalogs import AccountGroup, PriceList, Tax, TaxType
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.products import (
    DEFAULT_UNIT,
    MAX_PRICE,
    Price,
    Product,
    ProductData,
    ProductType,
    TaxClassification,
)
from facturo.domain.queries import ProductFilter
from facturo.domain.validation import MAX_RECORD_ID
from facturo.reference import dian_code_lists
from facturo.services import catalogs, products
from facturo.services.catalogs import Catalog
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.products import ProductPage
from facturo.web.core import PREFIX, Context, Form, FormState, FullSession, redirect, render, text
from facturo.web.format import parse_amount, plain_text

router = APIRouter(prefix="/productos")
HOME = PREFIX + "/productos"
PAGE_SIZE = 25
MAX_PAGE = 10_000
MAX_QUERY = 100
CATALOG_PAGE = PageRequest(0, 1000)
COP = annexes.LOCAL_CURRENCY

PRODUCT_TYPES = [
    (ProductType.PRODUCT.value, "Producto"),
    (ProductType.SERVICE.value, "Servicio"),
    (ProductType.CONSUMER_GOOD.value, "Elemento de consumo"),
]
TYPE_LABELS = dict(PRODUCT_TYPES)
CLASSIFICATIONS = [
    (TaxClassification.TAXED.value, "Gravado"),
    (TaxClassification.EXEMPT.value, "Exento"),
    (TaxClassification.EXCLUDED.value, "Excluido"),
]
CHARGE_TAXES = frozenset({TaxType.IVA, TaxType.CONSUMPTION, TaxType.AD_VALOREM})
TEXT_FIELDS = (
    "code",
    "name",
    "product_type",
    "account_group_id",
    "unit_code",
    "unit_label",
    "reference",
    "barcode",
    "brand",
    "model",
    "tariff",
    "description",
    "tax_classification",
    "tax_add_id",
    "tax_add2_id",
    "tax_discount_id",
    "consumption_tax_value",
)
FLAGS = ("stock_control", "tax_included", "active")
FIELD_MAP = {"prices": ""}


# --- the catalogs the form offers ----------------------------------------------------------


@cache
def _units() -> list[tuple[str, str]]:
    return sorted(dian_code_lists().units.items(), key=lambda item: item[1].casefold())


def _catalogs(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    groups: list[AccountGroup] = catalogs.get_all(ctx, actor, Catalog.ACCOUNT_GROUPS, CATALOG_PAGE)
    taxes: list[Tax] = catalogs.get_all(ctx, actor, Catalog.TAXES, CATALOG_PAGE)
    price_lists: list[PriceList] = catalogs.get_all(ctx, actor, Catalog.PRICE_LISTS, CATALOG_PAGE)
    return {"groups": groups, "taxes": taxes, "price_lists": price_lists}


def _form_context(found: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The options of the selects: active records, and any inactive one the product uses."""

    def wanted(active: bool, record_id: int | None, *names: str) -> bool:
        return active or any(str(record_id) == str(values.get(n, "")) for n in names)

    groups = [
        (str(g.id), f"{g.code} · {g.name}")
        for g in found["groups"]
        if wanted(g.active, g.id, "account_group_id")
    ]
    slots = ("tax_add_id", "tax_add2_id", "tax_discount_id")
    charges = [
        (str(t.id), _tax_label(t))
        for t in found["taxes"]
        if t.tax_type in CHARGE_TAXES and wanted(t.active, t.id, *slots)
    ]
    withholdings = [
        (str(t.id), _tax_label(t))
        for t in found["taxes"]
        if t.tax_type == TaxType.RETEFUENTE and wanted(t.active, t.id, *slots)
    ]
    return {
        "product_types": PRODUCT_TYPES,
        "classifications": CLASSIFICATIONS,
        "groups": [("", "Elige…"), *groups],
        "charge_taxes": [("", "Ninguno"), *charges],
        "withholdings": [("", "Ninguna"), *withholdings],
        "price_lists": _shown_price_lists(found, values),
        "units": _units(),
        "shown_fields": [*TEXT_FIELDS, *FLAGS]
        + [f"price_{pl.position}" for pl in found["price_lists"]],
    }


def _shown_price_lists(found: Mapping[str, Any], values: Mapping[str, Any]) -> list[PriceList]:
    return [
        pl
        for pl in sorted(found["price_lists"], key=lambda pl: pl.position)
        if pl.active or values.get(f"price_{pl.position}")
    ]


def _tax_label(tax: Tax) -> str:
    rate = f"{tax.percentage.normalize():f}".replace(".", ",")
    label = f"{tax.name} ({rate} %)" if rate not in tax.name else tax.name
    return label + ("" if tax.active else " — inactivo")


# --- the list ------------------------------------------------------------------------------


def _page_number(raw: str) -> int:
    return max(1, min(int(raw), MAX_PAGE)) if raw.isdecimal() and len(raw) < 7 else 1


def _search(ctx: ServiceContext, actor: Actor, query: str, page: PageRequest) -> ProductPage:
    """By code first (exactly as written), else by part of the name."""
    if not query:
        return products.search(ctx, actor, ProductFilter(), page)
    if len(query) <= 30:
        found = products.search(ctx, actor, ProductFilter(code=query), page)
        if found.total:
            return found
    return products.search(ctx, actor, ProductFilter(name=query), page)


@router.get("")
def index(
    request: Request, ctx: Context, session: FullSession, q: str = "", pagina: str = "1"
) -> Response:
    query = plain_text(q).strip()[:MAX_QUERY]
    number = _page_number(pagina)
    found = _search(ctx, session.actor, query, PageRequest.numbered(number, PAGE_SIZE, first=1))
    return render(
        request,
        "products/index.html",
        views=found.views,
        total=found.total,
        page=number,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        q=query,
        type_labels=TYPE_LABELS,
    )


# --- the form ------------------------------------------------------------------------------


def _new_values(found: Mapping[str, Any]) -> dict[str, Any]:
    groups = [g for g in found["groups"] if g.active]
    return {
        "product_type": ProductType.PRODUCT.value,
        "account_group_id": str(groups[0].id) if groups else "",
        "unit_code": DEFAULT_UNIT,
        "tax_classification": TaxClassification.TAXED.value,
        "active": True,
    }


def _values_of(product: Product) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: "" if getattr(product, name) is None else str(getattr(product, name))
        for name in TEXT_FIELDS
        if name != "consumption_tax_value"
    }
    values["product_type"] = product.product_type.value if product.product_type else ""
    values["tax_classification"] = (
        product.tax_classification.value if product.tax_classification else ""
    )
    values["consumption_tax_value"] = _amount_text(product.consumption_tax_value)
    values.update({flag: getattr(product, flag) for flag in FLAGS})
    for price in product.prices:
        if price.currency_code == COP:
            values[f"price_{price.position}"] = _amount_text(price.value)
    return values


def _amount_text(value: Decimal | None) -> str:
    """An amount as the form shows it: 1234567,5 (no thousands, comma for decimals)."""
    if value is None:
        return ""
    normalized = value.normalize()
    text_value = f"{normalized:f}" if normalized == normalized.to_integral() else f"{value:f}"
    if "." in text_value:
        text_value = text_value.rstrip("0").rstrip(".")
    return text_value.replace(".", ",")


def _posted_values(form: FormData, found: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: plain_text(text(form, name)).strip()[:2500] for name in TEXT_FIELDS
    }
    values.update({flag: bool(form.get(flag)) for flag in FLAGS})
    for pl in found["price_lists"]:
        values[f"price_{pl.position}"] = plain_text(text(form, f"price_{pl.position}"))[:60]
    return values


def _read_id(raw: str, field: str, label: str, noted: list[Violation]) -> int | None:
    if not raw:
        return None
    if raw.isdecimal() and len(raw) <= 18:
        return int(raw)
    noted.append(Violation("invalid_value", field, f"Elige {label} de la lista."))
    return None


def _read_amount(raw: str, field: str, noted: list[Violation]) -> Decimal | None:
    if not raw:
        return None
    try:
        value = parse_amount(raw)
    except ValueError:
        noted.append(
            Violation(
                "invalid_amount", field, "Escribe un valor en pesos, p. ej. 12.500 o 12500,50."
            )
        )
        return None
    if abs(value) > MAX_PRICE:
        noted.append(Violation("invalid_amount", field, "El valor es demasiado grande."))
        return None
    return value


def _read(
    values: Mapping[str, Any], found: Mapping[str, Any]
) -> tuple[ProductData, list[Violation]]:
    noted: list[Violation] = []
    kind = next((k for k in ProductType if k.value == values["product_type"]), None)
    if kind is None and values["product_type"]:
        noted.append(Violation("invalid_value", "product_type", "Elige el tipo de la lista."))
    classification = next(
        (c for c in TaxClassification if c.value == values["tax_classification"]), None
    )
    if classification is None:
        noted.append(
            Violation("invalid_value", "tax_classification", "Elige gravado, exento o excluido.")
        )
    prices = []
    for pl in found["price_lists"]:
        name = f"price_{pl.position}"
        value = _read_amount(values.get(name, ""), f"prices.{pl.position}", noted)
        if value is not None:
            prices.append(Price(position=pl.position, value=value, currency_code=COP))
    data = ProductData(
        code=values["code"] or None,
        name=values["name"] or None,
        product_type=kind,
        account_group_id=_read_id(
            values["account_group_id"], "account_group_id", "el grupo de inventario", noted
        ),
        reference=values["reference"] or None,
        unit_label=values["unit_label"] or None,
        unit_code=(values["unit_code"].split(" ", 1)[0] or DEFAULT_UNIT)[:10],
        barcode=values["barcode"] or None,
        description=values["description"] or None,
        tax_add_id=_read_id(values["tax_add_id"], "tax_add_id", "el impuesto", noted),
        tax_add2_id=_read_id(values["tax_add2_id"], "tax_add2_id", "el impuesto", noted),
        tax_discount_id=_read_id(
            values["tax_discount_id"], "tax_discount_id", "la retención", noted
        ),
        tax_included=values["tax_included"],
        consumption_tax_value=_read_amount(
            values["consumption_tax_value"], "consumption_tax_value", noted
        ),
        stock_control=values["stock_control"],
        active=values["active"],
        prices=prices,
        model=values["model"] or None,
        brand=values["brand"] or None,
        tariff=values["tariff"] or None,
        tax_classification=classification,
    )
    return data, noted


def _errors_map(found: Mapping[str, Any]) -> dict[str, str]:
    return FIELD_MAP | {
        f"prices.{pl.position}": f"price_{pl.position}" for pl in found["price_lists"]
    }


@router.get("/nuevo")
def new(request: Request, ctx: Context, session: FullSession) -> Response:
    found = _catalogs(ctx, session.actor)
    values = _new_values(found)
    return render(
        request, "products/new.html", form=FormState(values), **_form_context(found, values)
    )


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    found = _catalogs(ctx, session.actor)
    values = _posted_values(form, found)
    data, noted = _read(values, found)
    try:
        product = products.create(ctx, session.actor, data, noted=noted)
    except RuleViolations as refused:
        return render(
            request,
            "products/new.html",
            status_code=400,
            form=FormState.refused(values, refused, _errors_map(found)),
            **_form_context(found, values),
        )
    return redirect(request, HOME, flash=f"Producto {product.code} · {product.name} creado.")


def _product_id(raw: str) -> int:
    """A product's id from the address; anything else names no product (404)."""
    if not raw.isdecimal() or len(raw) > 19 or int(raw) > MAX_RECORD_ID or int(raw) == 0:
        raise NotFound("product", raw[:40])
    return int(raw)


@router.get("/{product_id}")
def edit(request: Request, ctx: Context, session: FullSession, product_id: str) -> Response:
    view = products.get_view(ctx, session.actor, _product_id(product_id))
    found = _catalogs(ctx, session.actor)
    values = _values_of(view.product)
    return render(
        request,
        "products/edit.html",
        view=view,
        product=view.product,
        form=FormState(values),
        **_form_context(found, values),
    )


@router.post("/{product_id}")
def update(
    request: Request, ctx: Context, session: FullSession, product_id: str, form: Form
) -> Response:
    key = _product_id(product_id)
    found = _catalogs(ctx, session.actor)
    values = _posted_values(form, found)
    data, noted = _read(values, found)

    def keep(stored: Product, sent: ProductData) -> ProductData:
        """Prices in other currencies (the form shows pesos only) stay as they were."""
        kept = [p for p in stored.prices if p.currency_code != COP]
        return replace(sent, prices=[*sent.prices, *kept])

    try:
        product = products.update(ctx, session.actor, key, data, noted=noted, keep=keep)
    except RuleViolations as refused:
        view = products.get_view(ctx, session.actor, key)
        return render(
            request,
            "products/edit.html",
            status_code=400,
            view=view,
            product=view.product,
            form=FormState.refused(values, refused, _errors_map(found)),
            **_form_context(found, values),
        )
    return redirect(request, HOME, flash=f"Producto {product.code} · {product.name} actualizado.")
