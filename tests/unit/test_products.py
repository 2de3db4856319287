from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from facturo.domain.catalogs import Tax, TaxType
from facturo.domain.products import (
    Price,
    ProductData,
    ProductType,
    check_product,
    check_product_taxes,
)


class UnitsOnly:
    """Product rules consult only DIAN's units of measure."""

    def country_name(self, code: str) -> str | None:
        return None

    def department_name(self, code: str) -> str | None:
        return None

    def municipality_name(self, code: str) -> str | None:
        return None

    def unit_name(self, code: str) -> str | None:
        return {"94": "unidad", "HUR": "hora", "KGM": "kilogramo"}.get(code)


REFS = UnitsOnly()


def product(**changes: object) -> ProductData:
    data = ProductData(
        code="TORN-001",
        name="Tornillo drywall 6x1",
        product_type=ProductType.PRODUCT,
        account_group_id=1,
        stock_control=True,
        prices=[Price(1, Decimal("12500")), Price(2, Decimal("11250.5"))],
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def violations(data: ProductData) -> set[tuple[str, str]]:
    return {(v.code, v.field) for v in check_product(data, REFS).violations}


def test_valid_product_passes() -> None:
    assert violations(product()) == set()


def test_default_unit_is_dian_unit_94() -> None:
    assert ProductData().unit_code == "94"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": None}, ("parameter_required", "code")),
        ({"code": "TORN 001"}, ("invalid_code", "code")),
        ({"code": "TORN'001"}, ("invalid_code", "code")),
        ({"code": "X" * 31}, ("invalid_code", "code")),
        ({"name": ""}, ("parameter_required", "name")),
        ({"name": "x" * 101}, ("length_max", "name")),
        ({"product_type": None}, ("parameter_required", "product_type")),
        ({"account_group_id": None}, ("parameter_required", "account_group_id")),
        ({"reference": "x" * 81}, ("length_max", "reference")),
        ({"unit_label": "x" * 51}, ("length_max", "unit_label")),
        ({"barcode": "x" * 31}, ("length_max", "barcode")),
        ({"description": "x" * 2501}, ("length_max", "description")),
        ({"model": "x" * 51}, ("length_max", "model")),
        ({"brand": "x" * 51}, ("length_max", "brand")),
        ({"tariff": "x" * 21}, ("length_max", "tariff")),
        ({"unit_code": "ZZZ"}, ("invalid_reference", "unit_code")),
        ({"unit_code": ""}, ("parameter_required", "unit_code")),
        (
            {"product_type": ProductType.SERVICE, "stock_control": True},
            ("product_settings", "stock_control"),
        ),
        ({"consumption_tax_value": Decimal("-1")}, ("invalid_amount", "consumption_tax_value")),
        ({"consumption_tax_value": Decimal("1.005")}, ("invalid_amount", "consumption_tax_value")),
    ],
)
def test_product_field_rules(changes: dict[str, object], expected: tuple[str, str]) -> None:
    assert violations(product(**changes)) == {expected}


def test_service_without_stock_control_passes() -> None:
    assert violations(product(product_type=ProductType.SERVICE, stock_control=False)) == set()


@pytest.mark.parametrize("position", [0, 13])
def test_price_list_outside_1_to_12_is_refused(position: int) -> None:
    assert violations(product(prices=[Price(position, Decimal(1))])) == {
        ("invalid_array", "prices")
    }


def test_twelve_price_lists_pass() -> None:
    prices = [Price(position, Decimal(position * 1000)) for position in range(1, 13)]
    assert violations(product(prices=prices)) == set()


def test_repeated_price_list_is_refused() -> None:
    prices = [Price(3, Decimal(1)), Price(3, Decimal(2))]
    assert violations(product(prices=prices)) == {("invalid_array", "prices.3")}


def test_same_price_list_in_another_currency_passes() -> None:
    prices = [Price(3, Decimal(1)), Price(3, Decimal(2), currency_code="USD")]
    assert violations(product(prices=prices)) == set()


@pytest.mark.parametrize(
    "value",
    [Decimal("-0.01"), Decimal("1.1234567"), Decimal("100000000000")],
    ids=["negative", "seven-decimals", "too-large"],
)
def test_price_value_rules(value: Decimal) -> None:
    assert violations(product(prices=[Price(1, value)])) == {("invalid_amount", "prices.1")}


def test_price_with_six_decimals_up_to_the_maximum_passes() -> None:
    prices = [Price(1, Decimal("99999999999.999999")), Price(2, Decimal("0.000001"))]
    assert violations(product(prices=prices)) == set()


TAXES = {
    1: Tax(company_id=1, id=1, name="IVA 19%", tax_type=TaxType.IVA, percentage=Decimal(19)),
    2: Tax(company_id=1, id=2, name="IVA 5%", tax_type=TaxType.IVA, percentage=Decimal(5)),
    3: Tax(company_id=1, id=3, name="INC 8%", tax_type=TaxType.CONSUMPTION, percentage=Decimal(8)),
    4: Tax(
        company_id=1,
        id=4,
        name="ReteFuente 2.5%",
        tax_type=TaxType.RETEFUENTE,
        percentage=Decimal("2.5"),
    ),
    5: Tax(
        company_id=1, id=5, name="ReteIVA 15%", tax_type=TaxType.RETEIVA, percentage=Decimal(15)
    ),
    6: Tax(
        company_id=1,
        id=6,
        name="IVA 16% (antiguo)",
        tax_type=TaxType.IVA,
        percentage=Decimal(16),
        active=False,
    ),
    7: Tax(
        company_id=1, id=7, name="AdValorem", tax_type=TaxType.AD_VALOREM, percentage=Decimal(1)
    ),
}


def tax_violations(**slots: int | None) -> set[tuple[str, str]]:
    return {(v.code, v.field) for v in check_product_taxes(product(**slots), TAXES).violations}


@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"tax_add_id": 1},
        {"tax_add_id": 1, "tax_add2_id": 3},
        {"tax_add_id": 3, "tax_add2_id": 7},
        {"tax_add_id": 1, "tax_discount_id": 4},
    ],
)
def test_valid_tax_combinations_pass(slots: dict[str, int]) -> None:
    assert tax_violations(**slots) == set()


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"tax_add_id": 99}, ("invalid_reference", "tax_add_id")),
        ({"tax_add_id": 6}, ("parameter_inactive", "tax_add_id")),
        ({"tax_add_id": 4}, ("invalid_reference", "tax_add_id")),
        ({"tax_add2_id": 5}, ("invalid_reference", "tax_add2_id")),
        ({"tax_discount_id": 1}, ("invalid_reference", "tax_discount_id")),
        ({"tax_discount_id": 5}, ("invalid_reference", "tax_discount_id")),
        ({"tax_add_id": 1, "tax_add2_id": 2}, ("invalid_array", "tax_add2_id")),
        ({"tax_add_id": 1, "tax_add2_id": 7}, ("invalid_array", "tax_add2_id")),
    ],
)
def test_tax_slot_rules(slots: dict[str, int], expected: tuple[str, str]) -> None:
    assert tax_violations(**slots) == {expected}


def test_every_tax_slot_is_checked() -> None:
    assert tax_violations(tax_add_id=99, tax_add2_id=6, tax_discount_id=1) == {
        ("invalid_reference", "tax_add_id"),
        ("parameter_inactive", "tax_add2_id"),
        ("invalid_reference", "tax_discount_id"),
    }
