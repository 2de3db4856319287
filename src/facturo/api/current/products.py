"""``/v1/products``: products and services with prices, taxes and stock (shared/reference §2.7,
§2.8, §4).

The same products as the legacy ``Products``: a record's ``id`` here is its GUID, its legacy
``Id`` the number. How this dialect maps onto a product:

- ``taxes[{id}]`` (at most three) fill the product's slots: charge taxes (IVA, impuesto al
  consumo, AdValorem) the first and second, a retención en la fuente the withholding one.
- ``prices[{currency_code, price_list[{position, value}]}]``: positions 1 to 12, in any
  currency Facturo knows (COP when none is named).
- ``tax_classification`` (Taxed, Exempt, Excluded) defaults to Taxed; ``Combo`` products are
  refused (they need Siigo's Premium plan, and Facturo has none), so listing them finds none.
- ``available_quantity`` and ``warehouses`` show the stock of products that control it (every
  active warehouse, and any inactive one still holding some); others show 0 and none.
- Lists are newest first, as Siigo's.

``product_payload`` renders one product as ``GET /v1/products/{id}`` shows it, from an open
unit of work: what webhook deliveries carry.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BeforeValidator

from facturo.api.current.base import CurrentModel, guid_or_none, timestamp
from facturo.api.current.filters import (
    boolean_filter,
    choice_filter,
    days,
    instants,
    text_filter,
    whole_number_filter,
)
from facturo.api.current.pagination import Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import ExactJSONResponse, JsonDecimal, respond
from facturo.domain import annexes
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.products import (
    DEFAULT_UNIT,
    PRICE_LIST_POSITIONS,
    Price,
    ProductData,
    ProductType,
    TaxClassification,
)
from facturo.domain.queries import ProductFilter
from facturo.domain.reference import ReferenceData
from facturo.domain.validation import storable_ids
from facturo.reference import dian_code_lists
from facturo.services import products
from facturo.services.products import ProductView
from facturo.store.unit_of_work import UnitOfWork

FIELD_NAMES = {
    "product_type": "type",
    "account_group_id": "account_group",
    "unit_code": "unit",
    "barcode": "additional_fields.barcode",
    "brand": "additional_fields.brand",
    "model": "additional_fields.model",
    "tariff": "additional_fields.tariff",
    "tax_add_id": "taxes",
    "tax_add2_id": "taxes",
    "tax_discount_id": "taxes",
    "taxes.*": "taxes[*].id",
    "consumption_tax_value": "tax_consumption_value",
    # The domain names a price by its list's position; the body's own items by where they are.
    **{f"prices.{n}": f"prices.price_list[position {n}].value" for n in PRICE_LIST_POSITIONS},
    "price_items.*.currency_code": "prices[*].currency_code",
    "price_items.*.*.position": "prices[*].price_list[*].position",
    "price_items.*.*.value": "prices[*].price_list[*].value",
}

router = current_router("/products", "Current API: products", FIELD_NAMES)

PRODUCT_TYPES = {
    "Product": ProductType.PRODUCT,
    "Service": ProductType.SERVICE,
    "ConsumerGood": ProductType.CONSUMER_GOOD,
}
TYPE_NAMES = {kind: name for name, kind in PRODUCT_TYPES.items()}
COMBO = "Combo"
TAX_CLASSIFICATIONS = {c.value: c for c in TaxClassification}
MAX_LISTED_IDS = 20


# --- requests ----------------------------------------------------------------------------------


def _field(value: Any, name: str) -> Any:
    """``value``, or its ``name`` when it comes as an object (``{"id": 1}``, ``{"code": "94"}``)."""
    if isinstance(value, Mapping):
        return next((v for k, v in value.items() if str(k).lower() == name), None)
    return value


def _tax_ids(value: Any) -> Any:
    """``[{"id": 13156}]``, as documented, or bare ids (``[13156]``)."""
    if isinstance(value, list):
        return [{"id": item} if not isinstance(item, Mapping) else item for item in value]
    return value


class PriceListItemIn(CurrentModel):
    position: int | None = None
    value: Decimal | None = None


class PriceIn(CurrentModel):
    currency_code: str | None = None
    price_list: list[PriceListItemIn] | None = None


class TaxIdIn(CurrentModel):
    id: int | None = None


class AdditionalFieldsIn(CurrentModel):
    barcode: str | None = None
    brand: str | None = None
    tariff: str | None = None
    model: str | None = None


class ProductIn(CurrentModel):
    code: str | None = None
    name: str | None = None
    account_group: Annotated[int | None, BeforeValidator(lambda v: _field(v, "id"))] = None
    type: str | None = None
    stock_control: bool | None = None
    active: bool | None = None
    tax_classification: str | None = None
    tax_included: bool | None = None
    tax_consumption_value: Decimal | None = None
    taxes: Annotated[list[TaxIdIn] | None, BeforeValidator(_tax_ids)] = None
    prices: list[PriceIn] | None = None
    unit: Annotated[str | None, BeforeValidator(lambda v: _field(v, "code"))] = None
    unit_label: str | None = None
    reference: str | None = None
    description: str | None = None
    additional_fields: AdditionalFieldsIn | None = None

    def to_request(self) -> tuple[ProductData, list[int], list[Violation]]:
        """The product as the services take it, its tax ids, and what was wrong with the
        body's own shape."""
        noted: list[Violation] = []
        kind_name = _text(self.type) or "Product"
        kind = next((k for n, k in PRODUCT_TYPES.items() if n.lower() == kind_name.lower()), None)
        if kind_name.lower() == COMBO.lower():
            noted.append(
                Violation(
                    "invalid_plan_type",
                    "product_type",
                    "Combo products need Siigo's Premium plan; Facturo has no combos ({field})",
                )
            )
        elif kind is None:
            noted.append(
                Violation(
                    "invalid_value",
                    "product_type",
                    "The field {field} must be Product, Service, ConsumerGood or Combo",
                )
            )
        classification_name = _text(self.tax_classification) or TaxClassification.TAXED.value
        classification = next(
            (c for n, c in TAX_CLASSIFICATIONS.items() if n.lower() == classification_name.lower()),
            None,
        )
        if classification is None:
            noted.append(
                Violation(
                    "invalid_value",
                    "tax_classification",
                    "The field {field} must be Taxed, Exempt or Excluded",
                )
            )
        tax_ids = []
        for position, tax in enumerate(self.taxes or []):
            if tax.id is None:
                noted.append(
                    Violation(
                        "parameter_required", f"taxes.{position}", "The field {field} is required"
                    )
                )
            else:
                tax_ids.append(tax.id)
        extra = self.additional_fields or AdditionalFieldsIn()
        data = ProductData(
            code=_text(self.code),
            name=_text(self.name),
            # A type refused above stands in as Product, so it is not also reported missing.
            product_type=kind or ProductType.PRODUCT,
            account_group_id=self.account_group,
            reference=_text(self.reference),
            unit_label=_text(self.unit_label),
            unit_code=_text(self.unit) or DEFAULT_UNIT,
            barcode=_text(extra.barcode),
            description=_text(self.description),
            tax_included=bool(self.tax_included),
            consumption_tax_value=self.tax_consumption_value or None,
            stock_control=bool(self.stock_control),
            active=self.active if self.active is not None else True,
            prices=self._prices(noted),
            model=_text(extra.model),
            brand=_text(extra.brand),
            tariff=_text(extra.tariff),
            tax_classification=classification or TaxClassification.TAXED,
        )
        return data, tax_ids, noted

    def _prices(self, noted: list[Violation]) -> list[Price]:
        prices = []
        for p, price in enumerate(self.prices or []):
            currency = (_text(price.currency_code) or annexes.LOCAL_CURRENCY).upper()
            if currency not in annexes.CURRENCIES:
                noted.append(
                    Violation(
                        "invalid_currency",
                        f"price_items.{p}.currency_code",
                        f"The currency {currency} in {{field}} is not supported",
                    )
                )
                continue
            for i, item in enumerate(price.price_list or []):
                for name in ("position", "value"):
                    if getattr(item, name) is None:
                        noted.append(
                            Violation(
                                "parameter_required",
                                f"price_items.{p}.{i}.{name}",
                                "The field {field} is required",
                            )
                        )
                if item.position is not None and item.value is not None:
                    prices.append(Price(item.position, item.value, currency))
        return prices


# --- responses ---------------------------------------------------------------------------------


class IdNameOut(CurrentModel):
    id: int
    name: str


class TaxOut(CurrentModel):
    id: int
    name: str
    type: str
    percentage: JsonDecimal


class PriceListItemOut(CurrentModel):
    position: int
    name: str
    value: JsonDecimal


class PriceOut(CurrentModel):
    currency_code: str
    price_list: list[PriceListItemOut]


class UnitOut(CurrentModel):
    code: str
    name: str


class AdditionalFieldsOut(CurrentModel):
    barcode: str | None
    brand: str | None
    tariff: str | None
    model: str | None


class WarehouseStockOut(CurrentModel):
    id: int
    name: str
    quantity: JsonDecimal


class MetadataOut(CurrentModel):
    created: str | None
    last_updated: str | None  # null until the product is first updated
    stock_updated: str | None  # null until its stock first moves


class ProductOut(CurrentModel):
    id: str
    code: str
    name: str
    account_group: IdNameOut
    type: str
    stock_control: bool
    active: bool
    tax_classification: str
    tax_included: bool
    tax_consumption_value: JsonDecimal
    taxes: list[TaxOut]
    prices: list[PriceOut]
    unit: UnitOut
    unit_label: str | None
    reference: str | None
    description: str | None
    additional_fields: AdditionalFieldsOut
    available_quantity: JsonDecimal
    warehouses: list[WarehouseStockOut]
    metadata: MetadataOut

    @classmethod
    def from_view(cls, view: ProductView, refs: ReferenceData) -> ProductOut:
        p = view.product
        group = view.account_group
        currencies: dict[str, list[PriceListItemOut]] = {}
        for price in sorted(p.prices, key=lambda pr: (pr.currency_code, pr.position)):
            currencies.setdefault(price.currency_code, []).append(
                PriceListItemOut.model_construct(
                    position=price.position,
                    name=view.price_list_names.get(price.position, ""),
                    value=price.value,
                )
            )
        unit = p.unit_code or DEFAULT_UNIT
        return cls.model_construct(
            id=str(p.guid),
            code=p.code or "",
            name=p.name or "",
            account_group=IdNameOut.model_construct(
                id=p.account_group_id or 0, name=group.name if group else ""
            ),
            type=TYPE_NAMES[p.product_type] if p.product_type else TYPE_NAMES[ProductType.PRODUCT],
            stock_control=p.stock_control,
            active=p.active,
            tax_classification=(p.tax_classification or TaxClassification.TAXED).value,
            tax_included=p.tax_included,
            tax_consumption_value=p.consumption_tax_value or Decimal(0),
            taxes=[
                TaxOut.model_construct(
                    id=t.id or 0, name=t.name, type=t.tax_type.value, percentage=t.percentage
                )
                for t in view.taxes
            ],
            prices=[
                PriceOut.model_construct(currency_code=currency, price_list=items)
                for currency, items in currencies.items()
            ],
            unit=UnitOut.model_construct(code=unit, name=refs.unit_name(unit) or ""),
            unit_label=p.unit_label,
            reference=p.reference,
            description=p.description,
            additional_fields=AdditionalFieldsOut.model_construct(
                barcode=p.barcode, brand=p.brand, tariff=p.tariff, model=p.model
            ),
            available_quantity=view.available_quantity,
            warehouses=[
                WarehouseStockOut.model_construct(
                    id=w.warehouse_id, name=w.warehouse_name, quantity=w.quantity
                )
                for w in view.warehouses
            ],
            metadata=MetadataOut.model_construct(
                created=timestamp(p.created_at),
                last_updated=timestamp(p.updated_at)
                if p.updated_at is not None and p.updated_at != p.created_at
                else None,
                stock_updated=timestamp(view.stock_updated),
            ),
        )


class DeletedOut(CurrentModel):
    id: str
    deleted: bool


def product_json(
    uow: UnitOfWork, company_id: int, product_id: int, refs: ReferenceData | None = None
) -> bytes:
    """One product exactly as ``GET /v1/products/{id}`` answers it (every digit of its
    amounts), read inside an open unit of work."""
    view = products.product_view(uow, company_id, product_id)
    record = ProductOut.from_view(view, refs or dian_code_lists())
    return bytes(ExactJSONResponse(record.model_dump(mode="json")).body)


def product_payload(
    uow: UnitOfWork, company_id: int, product_id: int, refs: ReferenceData | None = None
) -> dict[str, Any]:
    """``product_json`` as a plain dict (amounts as JSON numbers), e.g. for a webhook body."""
    payload: dict[str, Any] = json.loads(product_json(uow, company_id, product_id, refs))
    return payload


# --- routes ------------------------------------------------------------------------------------


@router.get("", summary="List products, newest first", response_model=list[ProductOut])
def get_all(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    code: Annotated[str | None, Query()] = None,
    name: Annotated[str | None, Query(description="Part of the name")] = None,
    account_group: Annotated[str | None, Query(description="Account group id")] = None,
    kind: Annotated[
        str | None, Query(alias="type", description="Product, Service or ConsumerGood")
    ] = None,
    stock_control: Annotated[str | None, Query(description="true or false")] = None,
    active: Annotated[str | None, Query(description="true or false")] = None,
    ids: Annotated[str | None, Query(description="Up to 20 product ids, comma-separated")] = None,
    id_alias: Annotated[
        str | None, Query(alias="id", description="The same as ids (siigo-python sends id)")
    ] = None,
    created_start: Annotated[str | None, Query()] = None,
    created_end: Annotated[str | None, Query()] = None,
    updated_start: Annotated[str | None, Query()] = None,
    updated_end: Annotated[str | None, Query()] = None,
    date_start: Annotated[str | None, Query(description="Created on or after this day")] = None,
    date_end: Annotated[str | None, Query(description="Created on or before this day")] = None,
) -> Response:
    group = whole_number_filter(account_group, "account_group")
    guids = _guids(ids, "ids") if ids is not None else _guids(id_alias, "id")
    combo = (kind or "").strip().lower() == COMBO.lower()
    if combo or (group is not None and not storable_ids([group])):
        # A Combo (Facturo keeps none) or a group id no record can have: nothing matches.
        kind, group, guids = None, None, ()
    filters = ProductFilter(
        code=text_filter(code),
        name=text_filter(name),
        account_group_id=group,
        product_type=choice_filter(kind, "type", PRODUCT_TYPES),
        stock_control=boolean_filter(stock_control, "stock_control"),
        active=boolean_filter(active, "active"),
        guids=guids,
        created=instants(created_start, created_end, prefix="created").within(
            days(date_start, date_end, prefix="date")
        ),
        updated=instants(updated_start, updated_end, prefix="updated"),
    )
    found = products.search(ctx, actor, filters, paging.request)
    results = [ProductOut.from_view(v, ctx.reference) for v in found.views]
    return page_response(request, paging, results, found.total)


@router.post("", summary="Create a product", status_code=201, response_model=ProductOut)
def create(ctx: Context, actor: CurrentActor, body: ProductIn) -> Response:
    data, tax_ids, noted = body.to_request()
    product = products.create(ctx, actor, data, tax_ids=tax_ids, noted=noted)
    view = products.get_view(ctx, actor, product.guid)
    return ExactJSONResponse(
        ProductOut.from_view(view, ctx.reference).model_dump(mode="json"), status_code=201
    )


@router.get("/{product_id}", summary="Read a product", response_model=ProductOut)
def get(ctx: Context, actor: CurrentActor, product_id: str) -> Response:
    return respond(
        ProductOut.from_view(products.get_view(ctx, actor, _guid(product_id)), ctx.reference)
    )


@router.put("/{product_id}", summary="Replace a product", response_model=ProductOut)
def update(ctx: Context, actor: CurrentActor, product_id: str, body: ProductIn) -> Response:
    guid = _guid(product_id)
    data, tax_ids, noted = body.to_request()
    products.update(ctx, actor, guid, data, tax_ids=tax_ids, noted=noted)
    return respond(ProductOut.from_view(products.get_view(ctx, actor, guid), ctx.reference))


@router.delete(
    "/{product_id}", summary="Delete a product that has never moved", response_model=DeletedOut
)
def delete(ctx: Context, actor: CurrentActor, product_id: str) -> Response:
    guid = _guid(product_id)
    products.delete(ctx, actor, guid)
    return respond(DeletedOut.model_construct(id=str(guid), deleted=True))


# --- helpers -----------------------------------------------------------------------------------


def _guids(value: str | None, parameter: str) -> tuple[uuid.UUID, ...] | None:
    """Up to 20 GUIDs, comma-separated; one that is not a GUID names no product."""
    parts = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not parts:
        return None
    if len(parts) > MAX_LISTED_IDS:
        raise RuleViolations(
            [
                Violation(
                    "values_limit",
                    parameter,
                    f"The parameter {{field}} admits at most {MAX_LISTED_IDS} ids",
                )
            ]
        )
    return tuple(guid for guid in (guid_or_none(part) for part in parts) if guid is not None)


def _guid(value: str) -> uuid.UUID:
    guid = guid_or_none(value)
    if guid is None:
        raise NotFound("product", value.strip())
    return guid


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None
