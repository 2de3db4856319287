"""Products and services: Create, GetByID, GetAll, GetAllByCode, Update, Delete, and stock
balances (GetProductBalanceByCode, GetProductBalance, GetWarehousesByProductId)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BeforeValidator

from facturo.api.deps import Context, LegacyActor
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel, none_if_not_positive
from facturo.api.legacy.common import Deleted, NumberPage, page_request, required_id
from facturo.api.legacy.routing import legacy_router
from facturo.domain import annexes
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.products import (
    DEFAULT_UNIT,
    PRICE_LIST_POSITIONS,
    Price,
    Product,
    ProductData,
    ProductType,
)
from facturo.domain.stock import WarehouseBalance
from facturo.services import products
from facturo.services.products import StockBalance

FIELD_NAMES = {
    "name": "Description",
    "description": "Comments",
    "product_type": "ProductTypeKey",
    "account_group_id": "AccountGroupID",
    "reference": "ReferenceManufactures",
    "unit_label": "MeasureUnit",
    "unit_code": "MeasurementUnitCode",
    "barcode": "CodeBars",
    "tax_add_id": "TaxAddID",
    "tax_add2_id": "TaxAdd2ID",
    "tax_discount_id": "TaxDiscID",
    "tax_included": "IsIncluded",
    "consumption_tax_value": "TaxImpoValue",
    "stock_control": "IsInventoryControl",
    "active": "State",
    "prices": "PriceList1..PriceList12",
    "codes": "codes",
    **{f"prices.{n}": f"PriceList{n}" for n in PRICE_LIST_POSITIONS},
}

router = legacy_router("/Products", "Legacy: products", FIELD_NAMES)

ProductTypeKeyName = Literal["ProductType_Product", "ProductType_Service", "ProductType_Consumer"]
PRODUCT_TYPE_KEYS: dict[ProductTypeKeyName, ProductType] = {
    "ProductType_Product": ProductType.PRODUCT,
    "ProductType_Service": ProductType.SERVICE,
    "ProductType_Consumer": ProductType.CONSUMER_GOOD,
}
_KEY_BY_TYPE: dict[ProductType, ProductTypeKeyName] = {
    kind: key for key, kind in PRODUCT_TYPE_KEYS.items()
}
_KEYS_BY_LOWER = {key.lower(): key for key in PRODUCT_TYPE_KEYS}


def _whole_number(value: Any) -> Any:
    """``"1"`` → 1 for fields whose values are a few numbers (clients send numbers as text)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


ProductTypeKeyText = Annotated[
    ProductTypeKeyName | None,
    BeforeValidator(
        lambda v: _KEYS_BY_LOWER.get(str(v).strip().lower(), v) if v is not None else None
    ),
]


class ProductRecord(LegacyModel):
    Id: int | None = None
    Code: str | None = None
    Description: str | None = None
    ReferenceManufactures: str | None = None
    ProductTypeKey: ProductTypeKeyText = None
    MeasureUnit: str | None = None
    CodeBars: str | None = None
    Comments: str | None = None
    TaxAddID: int | None = None
    TaxDiscID: int | None = None
    TaxAdd2ID: int | None = None
    IsIncluded: bool = False
    IsInventoryControl: bool = False
    State: Annotated[Literal[0, 1], BeforeValidator(_whole_number)] = 1
    PriceList1: JsonDecimal | None = None
    PriceList2: JsonDecimal | None = None
    PriceList3: JsonDecimal | None = None
    PriceList4: JsonDecimal | None = None
    PriceList5: JsonDecimal | None = None
    PriceList6: JsonDecimal | None = None
    PriceList7: JsonDecimal | None = None
    PriceList8: JsonDecimal | None = None
    PriceList9: JsonDecimal | None = None
    PriceList10: JsonDecimal | None = None
    PriceList11: JsonDecimal | None = None
    PriceList12: JsonDecimal | None = None
    AccountGroupID: int | None = None
    TaxImpoValue: JsonDecimal | None = None
    Model: str | None = None
    Tariff: str | None = None
    Brand: str | None = None
    MeasurementUnitCode: str | None = None

    def to_domain(self) -> ProductData:
        prices = [
            Price(position, value)
            for position in PRICE_LIST_POSITIONS
            if (value := getattr(self, f"PriceList{position}")) is not None
        ]
        return ProductData(
            code=(self.Code or "").strip() or None,
            name=(self.Description or "").strip() or None,
            product_type=PRODUCT_TYPE_KEYS[self.ProductTypeKey] if self.ProductTypeKey else None,
            account_group_id=none_if_not_positive(self.AccountGroupID),
            reference=self.ReferenceManufactures,
            unit_label=self.MeasureUnit,
            unit_code=(self.MeasurementUnitCode or "").strip() or DEFAULT_UNIT,
            barcode=self.CodeBars,
            description=self.Comments,
            tax_add_id=none_if_not_positive(self.TaxAddID),
            tax_add2_id=none_if_not_positive(self.TaxAdd2ID),
            tax_discount_id=none_if_not_positive(self.TaxDiscID),
            tax_included=self.IsIncluded,
            consumption_tax_value=self.TaxImpoValue or None,
            stock_control=self.IsInventoryControl,
            active=self.State == 1,
            prices=prices,
            model=self.Model,
            brand=self.Brand,
            tariff=self.Tariff,
        )

    @classmethod
    def from_domain(cls, p: Product) -> ProductRecord:
        prices: dict[str, Any] = {
            f"PriceList{n}": p.price(n) or Decimal(0) for n in PRICE_LIST_POSITIONS
        }
        return cls.model_construct(
            Id=p.id,
            Code=p.code,
            Description=p.name,
            ReferenceManufactures=p.reference,
            ProductTypeKey=_KEY_BY_TYPE[p.product_type] if p.product_type else None,
            MeasureUnit=p.unit_label,
            CodeBars=p.barcode,
            Comments=p.description,
            TaxAddID=p.tax_add_id or -1,
            TaxDiscID=p.tax_discount_id or -1,
            TaxAdd2ID=p.tax_add2_id or -1,
            IsIncluded=p.tax_included,
            IsInventoryControl=p.stock_control,
            State=1 if p.active else 0,
            AccountGroupID=p.account_group_id,
            TaxImpoValue=p.consumption_tax_value or Decimal(0),
            Model=p.model,
            Tariff=p.tariff,
            Brand=p.brand,
            MeasurementUnitCode=p.unit_code,
            **prices,
        )


class WarehouseBalanceRecord(LegacyModel):
    WarehouseID: int
    WarehouseCode: str
    WarehouseName: str
    Balance: JsonDecimal

    @classmethod
    def from_domain(cls, balance: WarehouseBalance) -> WarehouseBalanceRecord:
        return cls.model_construct(
            WarehouseID=balance.warehouse_id,
            WarehouseCode=balance.warehouse_code,
            WarehouseName=balance.warehouse_name,
            Balance=balance.quantity,
        )


class ProductBalanceRecord(LegacyModel):
    """Stock of one product: per warehouse that has seen it move, and in total."""

    ProductID: int
    Code: str
    Description: str
    IsInventoryControl: bool
    TotalBalance: JsonDecimal
    Warehouses: list[WarehouseBalanceRecord]

    @classmethod
    def from_domain(cls, balance: StockBalance) -> ProductBalanceRecord:
        p = balance.product
        assert p.id is not None and p.code is not None
        return cls.model_construct(
            ProductID=p.id,
            Code=p.code,
            Description=p.name or "",
            IsInventoryControl=p.stock_control,
            TotalBalance=balance.total,
            Warehouses=[WarehouseBalanceRecord.from_domain(w) for w in balance.warehouses],
        )


@router.post("/Create", summary="Create a product or service")
def create(ctx: Context, actor: LegacyActor, record: ProductRecord) -> ProductRecord:
    return ProductRecord.from_domain(products.create(ctx, actor, record.to_domain()))


@router.get("/GetByID/{product_id}", summary="Read a product")
def get_by_id(ctx: Context, actor: LegacyActor, product_id: int) -> ProductRecord:
    return ProductRecord.from_domain(products.get(ctx, actor, product_id))


@router.get("/GetAll", summary="List products, a page at a time")
def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[ProductRecord]:
    return [
        ProductRecord.from_domain(p)
        for p in products.get_all(ctx, actor, page_request(ctx, number_page))
    ]


@router.get("/GetAllByCode", summary="The products with these codes (comma-separated)")
def get_all_by_code(
    ctx: Context,
    actor: LegacyActor,
    codes: Annotated[str | None, Query(description="Codes, comma-separated")] = None,
    code: Annotated[str | None, Query(description="One code (alias of codes)")] = None,
) -> list[ProductRecord]:
    wanted = [c.strip() for c in (codes or code or "").split(",") if c.strip()]
    if not wanted:
        raise RuleViolations(
            [Violation("parameter_required", "codes", "The parameter codes is required")]
        )
    return [ProductRecord.from_domain(p) for p in products.get_by_codes(ctx, actor, wanted)]


@router.post("/Update", summary="Replace a product (its Id in the body)")
@router.put("/Update", summary="Replace a product (its Id in the body)")
def update(ctx: Context, actor: LegacyActor, record: ProductRecord) -> ProductRecord:
    return ProductRecord.from_domain(
        products.update(
            ctx, actor, required_id(record.Id), record.to_domain(), keep=_foreign_prices_kept
        )
    )


def _foreign_prices_kept(stored: Product, data: ProductData) -> ProductData:
    """PriceList1..12 are prices in pesos: an update leaves the product's prices in other
    currencies (set through the current API) as they were."""
    foreign = [p for p in stored.prices if p.currency_code != annexes.LOCAL_CURRENCY]
    return replace(data, prices=[*data.prices, *foreign])


@router.delete("/Delete/{product_id}", summary="Delete a product that has never moved")
def delete(ctx: Context, actor: LegacyActor, product_id: int) -> Deleted:
    products.delete(ctx, actor, product_id)
    return Deleted(Id=product_id)


@router.get(
    "/GetProductBalanceByCode", summary="Stock of a product by code: per warehouse and total"
)
def get_balance_by_code(
    ctx: Context, actor: LegacyActor, code: Annotated[str, Query(description="Product code")]
) -> ProductBalanceRecord:
    return ProductBalanceRecord.from_domain(products.stock_balance(ctx, actor, code=code.strip()))


@router.get("/GetProductBalance/{product_id}", summary="Total stock of a product, as a bare number")
def get_balance(ctx: Context, actor: LegacyActor, product_id: int) -> JsonDecimal:
    return products.stock_balance(ctx, actor, product_id=product_id).total


@router.get(
    "/GetWarehousesByProductId/{product_id}",
    summary="Warehouses holding a product, with their stock",
)
def get_warehouses(
    ctx: Context, actor: LegacyActor, product_id: int
) -> list[WarehouseBalanceRecord]:
    balance = products.stock_balance(ctx, actor, product_id=product_id)
    return [WarehouseBalanceRecord.from_domain(w) for w in balance.warehouses]
