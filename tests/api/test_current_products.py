"""Products on the current API over HTTP: ``/v1/products`` create, read, list with every filter
(``ids`` and its ``id`` alias included), replace, delete, every rule of
shared/reference/siigo-api.md §4 "Products", the bodies real clients send (§2.10), stock
(``available_quantity``, ``warehouses``) and how the same products read through the legacy
``Products`` routes (§2.7, §2.8 "Product")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

import httpx
import pytest

from facturo.domain.catalogs import Tax, TaxType
from facturo.services.context import ServiceContext
from tests.api.test_current_customers import (
    ABSENT,
    DOCS,
    Body,
    ResourceCalls,
    _changed,
    colombian_today,
    errors,
    moment,
    ok,
)
from tests.conftest import (
    LiveServer,
    TenantFixture,
    current_errors,
    signed_in_current,
)

UNIT = {"code": "94", "name": "unidad"}


@dataclass
class Api(ResourceCalls):
    """The tenant's administrator on both dialects, with its catalogs by name."""

    client: httpx.Client
    legacy: httpx.Client
    tenant: TenantFixture
    groups: list[Body]
    taxes: dict[str, Body]
    warehouse: int
    path: ClassVar[str] = "/v1/products"

    @classmethod
    def open(cls, client: httpx.Client, legacy: httpx.Client, tenant: TenantFixture) -> Api:
        return cls(
            client=client,
            legacy=legacy,
            tenant=tenant,
            groups=ok(client.get("/v1/account-groups")),
            taxes={t["name"]: t for t in ok(client.get("/v1/taxes"))},
            warehouse=ok(client.get("/v1/warehouses"))[0]["id"],
        )

    def group(self, n: int = 0) -> int:
        group_id: int = self.groups[n]["id"]
        return group_id

    def tax(self, name: str) -> int:
        tax_id: int = self.taxes[name]["id"]
        return tax_id

    def tax_out(self, name: str) -> Body:
        return {k: v for k, v in self.taxes[name].items() if k != "active"}

    def body(self, code: Any = "TORN-14", **changes: Any) -> Body:
        body: Body = {
            "code": code,
            "name": "Tornillo de acero 1/4",
            "account_group": self.group(),
            "type": "Product",
        }
        return _changed(body, {"code": code, **changes})

    def codes(self, **params: Any) -> list[str]:
        return [p["code"] for p in self.list(**params)["results"]]

    def legacy_product(self, code: str) -> Body:
        for page in range(100):
            found = ok(self.legacy.get("/Products/GetAll", params={"numberPage": page}))
            if not found:
                break
            for product in found:
                if product["Code"] == code:
                    record: Body = product
                    return record
        raise AssertionError(f"no legacy product {code}")

    def add_stock(self, code: str, quantity: Any) -> None:
        ok(
            self.legacy.post(
                "/Inventory/Adjust",
                json={"ProductCode": code, "WareHouseCode": "1", "Quantity": quantity},
            )
        )

    def sell(self, code: str, quantity: Any, *, warehouse: bool = True) -> Body:
        """A cash sale of ``quantity`` units at 1 000 through /v1/invoices."""
        doc_types = {
            f"{d['DocClass']}-{d['Code']}": d["Id"]
            for d in ok(self.legacy.get("/ERPDocumentTypes/GetAll"))
        }
        means = {m["Name"]: m["Id"] for m in ok(self.legacy.get("/PaymentMeans/GetAll"))}
        item: Body = {"code": code, "quantity": quantity, "price": 1000}
        if warehouse:
            item["warehouse"] = self.warehouse
        assert self.tenant.admin.id is not None
        invoice: Body = ok(
            self.client.post(
                "/v1/invoices",
                json={
                    "document": {"id": doc_types["FV-1"]},
                    "date": colombian_today().isoformat(),
                    "customer": {
                        "person_type": "Company",
                        "id_type": "31",
                        "identification": "800197268",
                        "name": ["Cliente SAS"],
                        "address": {
                            "address": "Calle 1",
                            "city": {
                                "country_code": "CO",
                                "state_code": "11",
                                "city_code": "11001",
                            },
                        },
                        "phones": [{"number": "6011234567"}],
                        "contacts": [{"first_name": "Ana", "email": "ana@cliente.co"}],
                    },
                    "seller": self.tenant.admin.id,
                    "items": [item],
                    "payments": [{"id": means["Efectivo"], "value": 1000 * quantity}],
                },
            ),
            201,
        )
        return invoice


@pytest.fixture
def legacy(admin_client: httpx.Client) -> httpx.Client:
    """The same administrator on the legacy dialect."""
    return admin_client


@pytest.fixture
def api(current_client: httpx.Client, legacy: httpx.Client, tenant: TenantFixture) -> Api:
    return Api.open(current_client, legacy, tenant)


@pytest.fixture
def stranger(
    ctx: ServiceContext, server: LiveServer, make_company: Callable[..., TenantFixture]
) -> Iterator[httpx.Client]:
    """The administrator of another company on the current API."""
    with signed_in_current(ctx, server, make_company()) as client:
        yield client


def add_tax(ctx: ServiceContext, tenant: TenantFixture, name: str, tax_type: TaxType) -> int:
    """A tax the default catalog lacks (AdValorem), added as the operator would."""
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        tax = uow.taxes.add(
            Tax(company_id=tenant.company.id, name=name, tax_type=tax_type, percentage=Decimal(2))
        )
        uow.flush()
        uow.commit()
    assert tax.id is not None
    return tax.id


def full_body(api: Api) -> Body:
    return api.body(
        code="CAFE-500G",
        name="Café molido 500 g",
        account_group=api.group(1),
        type="ConsumerGood",
        stock_control=True,
        active=True,
        tax_classification="Taxed",
        tax_included=True,
        tax_consumption_value=120.5,
        taxes=[
            {"id": api.tax("IVA 19%")},
            {"id": api.tax("Impuesto al consumo 8%")},
            {"id": api.tax("Retefuente compras 2,5%")},
        ],
        prices=[
            {
                "currency_code": "COP",
                "price_list": [{"position": 1, "value": 15000}, {"position": 3, "value": 13500.5}],
            },
            {"currency_code": "USD", "price_list": [{"position": 1, "value": 4.25}]},
        ],
        unit="KGM",
        unit_label="Bolsa",
        reference="REF-CM-500",
        description="Café de origen Huila, tostión media",
        additional_fields={
            "barcode": "7702001040011",
            "brand": "Sello Rojo",
            "tariff": "0901211000",
            "model": "Tradicional",
        },
    )


# --- creating and reading ----------------------------------------------------------------------


def test_create_answers_201_with_the_response_shape(api: Api) -> None:
    created = api.create(full_body(api))

    assert uuid.UUID(created["id"])
    assert created["metadata"]["created"].endswith("Z")
    assert created == {
        "id": created["id"],
        "code": "CAFE-500G",
        "name": "Café molido 500 g",
        "account_group": {"id": api.group(1), "name": "Productos terminados"},
        "type": "ConsumerGood",
        "stock_control": True,
        "active": True,
        "tax_classification": "Taxed",
        "tax_included": True,
        "tax_consumption_value": 120.5,
        "taxes": [
            {"id": api.tax("IVA 19%"), "name": "IVA 19%", "type": "IVA", "percentage": 19},
            {
                "id": api.tax("Impuesto al consumo 8%"),
                "name": "Impuesto al consumo 8%",
                "type": "Impoconsumo",
                "percentage": 8,
            },
            {
                "id": api.tax("Retefuente compras 2,5%"),
                "name": "Retefuente compras 2,5%",
                "type": "Retefuente",
                "percentage": 2.5,
            },
        ],
        "prices": [
            {
                "currency_code": "COP",
                "price_list": [
                    {"position": 1, "name": "Precio de venta 1", "value": 15000},
                    {"position": 3, "name": "Precio de venta 3", "value": 13500.5},
                ],
            },
            {
                "currency_code": "USD",
                "price_list": [{"position": 1, "name": "Precio de venta 1", "value": 4.25}],
            },
        ],
        "unit": {"code": "KGM", "name": "kilogramo"},
        "unit_label": "Bolsa",
        "reference": "REF-CM-500",
        "description": "Café de origen Huila, tostión media",
        "additional_fields": {
            "barcode": "7702001040011",
            "brand": "Sello Rojo",
            "tariff": "0901211000",
            "model": "Tradicional",
        },
        "available_quantity": 0,
        "warehouses": [{"id": api.warehouse, "name": "Bodega principal", "quantity": 0}],
        "metadata": {
            "created": created["metadata"]["created"],
            "last_updated": None,
            "stock_updated": None,
        },
    }
    assert ok(api.get(created["id"])) == created


def test_the_defaults_of_a_minimal_product(api: Api) -> None:
    created = api.create(
        {"code": "SRV-1", "name": "Asesoría", "account_group": api.group(2), "type": "Service"}
    )
    assert {k: v for k, v in created.items() if k not in ("id", "metadata")} == {
        "code": "SRV-1",
        "name": "Asesoría",
        "account_group": {"id": api.group(2), "name": "Servicios"},
        "type": "Service",
        "stock_control": False,
        "active": True,
        "tax_classification": "Taxed",
        "tax_included": False,
        "tax_consumption_value": 0,
        "taxes": [],
        "prices": [],
        "unit": UNIT,
        "unit_label": None,
        "reference": None,
        "description": None,
        "additional_fields": {"barcode": None, "brand": None, "tariff": None, "model": None},
        "available_quantity": 0,
        "warehouses": [],
    }
    no_type = api.create({"code": "P-2", "name": "Sin tipo", "account_group": api.group()})
    assert no_type["type"] == "Product"


@pytest.mark.parametrize("written", ["12345678901.123456", '"12345678901.123456"'])
def test_a_price_keeps_every_digit(api: Api, written: str) -> None:
    raw = (
        f'{{"code": "LOTE", "name": "Lote", "account_group": {api.group()}, '
        f'"prices": [{{"currency_code": "COP", "price_list": [{{"position": 1, "value": {written}}}]}}]}}'
    )
    created = ok(api.post(raw), 201)

    fetched = api.get(created["id"])

    assert '"value":12345678901.123456}' in fetched.text.replace(" ", "")
    assert api.legacy_product("LOTE")["PriceList1"] == pytest.approx(12345678901.123456)


# --- replacing ---------------------------------------------------------------------------------


def test_put_replaces_the_whole_product_and_omitted_fields_become_empty(api: Api) -> None:
    created = api.create(full_body(api))

    replaced = ok(
        api.put(
            created["id"],
            {"code": "CAFE-250G", "name": "Café molido 250 g", "account_group": api.group()},
        )
    )

    assert replaced["id"] == created["id"]
    assert moment(replaced["metadata"]["last_updated"]) >= moment(created["metadata"]["created"])
    assert replaced == {
        **created,
        "code": "CAFE-250G",
        "name": "Café molido 250 g",
        "account_group": {"id": api.group(), "name": "Mercancía no fabricada por la empresa"},
        "type": "Product",
        "stock_control": False,
        "tax_included": False,
        "tax_consumption_value": 0,
        "taxes": [],
        "prices": [],
        "unit": UNIT,
        "unit_label": None,
        "reference": None,
        "description": None,
        "additional_fields": {"barcode": None, "brand": None, "tariff": None, "model": None},
        "warehouses": [],
        "metadata": replaced["metadata"],
    }
    assert ok(api.get(created["id"])) == replaced
    assert api.codes() == ["CAFE-250G"]


def test_what_get_answers_can_be_put_back_unchanged(api: Api) -> None:
    """The response shapes (account_group and unit as objects, taxes with names, prices with
    list names) are accepted back, so read-modify-write clients lose nothing."""
    created = api.create(full_body(api))
    read = ok(api.get(created["id"]))

    replaced = ok(api.put(created["id"], {**read, "name": "Café molido 500 g premium"}))

    assert replaced == {
        **read,
        "name": "Café molido 500 g premium",
        "metadata": replaced["metadata"],
    }


def test_put_keeps_the_code_unique_and_checks_every_rule(api: Api) -> None:
    first = api.create(api.body("A-1"))
    second = api.create(api.body("B-1"))

    taken = api.put(second["id"], api.body("A-1"))
    own = api.put(first["id"], api.body("A-1", name="Renombrado"))
    broken = api.put(first["id"], api.body("A 1", account_group=987654))

    assert errors(taken) == [("already_exists", ["code"])]
    assert ok(own)["name"] == "Renombrado"
    assert errors(broken) == [("invalid_code", ["code"]), ("invalid_reference", ["account_group"])]
    assert sorted(api.codes()) == ["A-1", "B-1"]


def test_movements_freeze_the_account_group_and_stock_control(api: Api) -> None:
    created = api.create(api.body(stock_control=True))
    api.add_stock("TORN-14", 5)

    moved_group = api.put(created["id"], api.body(stock_control=True, account_group=api.group(1)))
    stock_off = api.put(created["id"], api.body(stock_control=False))
    renamed = api.put(created["id"], api.body(stock_control=True, name="Tornillo 1/4 galvanizado"))

    assert errors(moved_group) == [("update_not_allowed", ["account_group"])]
    assert errors(stock_off) == [("update_not_allowed", ["stock_control"])]
    assert ok(renamed)["name"] == "Tornillo 1/4 galvanizado"
    assert ok(renamed)["account_group"]["id"] == api.group()


# --- deleting ----------------------------------------------------------------------------------


def test_delete_answers_the_id_and_the_product_is_gone(api: Api) -> None:
    created = api.create(api.body())
    legacy_id = api.legacy_product("TORN-14")["Id"]

    response = api.delete(created["id"])

    assert ok(response) == {"id": created["id"], "deleted": True}
    assert errors(api.get(created["id"]), 404) == [("not_found", [])]
    assert api.list()["results"] == []
    assert api.legacy.get(f"/Products/GetByID/{legacy_id}").status_code == 404
    assert ok(api.post(api.body()), 201)["code"] == "TORN-14"  # the code is free again


def test_delete_is_refused_once_the_product_has_moved_or_was_sold(api: Api) -> None:
    stocked = api.create(api.body(stock_control=True))
    api.add_stock("TORN-14", 5)
    sold = api.create(api.body("SRV-1", type="Service"))
    api.sell("SRV-1", 1, warehouse=False)

    assert errors(api.delete(stocked["id"])) == [("delete_not_allowed", [])]
    assert errors(api.delete(sold["id"])) == [("delete_not_allowed", [])]
    assert sorted(api.codes()) == ["SRV-1", "TORN-14"]


# --- not found ---------------------------------------------------------------------------------


def test_unknown_malformed_and_other_companies_products_are_404(
    api: Api, stranger: httpx.Client
) -> None:
    created = api.create(api.body())
    unknown = str(uuid.uuid4())

    answers = [
        api.get(unknown),
        api.get("12"),
        api.put(unknown, api.body()),
        api.delete(unknown),
        stranger.get(f"/v1/products/{created['id']}"),
        stranger.put(f"/v1/products/{created['id']}", json=api.body()),
        stranger.delete(f"/v1/products/{created['id']}"),
    ]

    for response in answers:
        assert response.status_code == 404, response.text
        body = response.json()
        assert body == {
            "Status": 404,
            "Errors": [
                {
                    "Code": "not_found",
                    "Message": body["Errors"][0]["Message"],
                    "Params": [],
                    "Detail": DOCS + "not_found",
                }
            ],
        }
    assert ok(stranger.get("/v1/products", params={"ids": created["id"]}))["results"] == []
    assert ok(api.get(created["id"])) == created


# --- listing -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_in_pages_with_links(api: Api) -> None:
    for n in range(12):
        api.create(api.body(f"P-{n:02d}"))

    first = api.list(page_size=10)
    second = api.list(page=2, page_size=10)

    assert first["pagination"] == {"page": 1, "page_size": 10, "total_results": 12}
    assert [p["code"] for p in first["results"]] == [f"P-{n:02d}" for n in range(11, 1, -1)]
    assert [p["code"] for p in second["results"]] == ["P-01", "P-00"]
    next_href = first["_links"]["next"]["href"]
    assert next_href.split("?")[1].startswith("page=2&page_size=10")
    assert ok(api.client.get(next_href)) == second
    assert "next" not in second["_links"]
    assert api.list(page=3, page_size=10)["results"] == []
    assert api.list(page_size=800)["pagination"]["page_size"] == 100


def test_the_list_filters_by_code_name_group_type_stock_control_and_state(api: Api) -> None:
    api.create(api.body("TORN-14", stock_control=True))
    api.create(api.body("TUER-14", name="Tuerca 1/4", account_group=api.group(1)))
    api.create(api.body("SRV-1", name="Instalación", type="Service", account_group=api.group(2)))
    api.create(api.body("CAFE", name="Café", type="ConsumerGood", active=False))

    assert api.codes(code="TUER-14") == ["TUER-14"]
    assert api.codes(code="TUER") == []
    assert api.codes(name="1/4") == ["TUER-14", "TORN-14"]
    assert api.codes(name="café") == ["CAFE"]
    assert api.codes(account_group=str(api.group(1))) == ["TUER-14"]
    assert api.codes(account_group="1" + "0" * 30) == []
    assert api.codes(type="Service") == ["SRV-1"]
    assert api.codes(type="consumergood") == ["CAFE"]
    assert api.codes(type="Combo") == []
    assert api.codes(stock_control="true") == ["TORN-14"]
    assert api.codes(stock_control="false", active="true") == ["SRV-1", "TUER-14"]
    assert api.codes(active="false") == ["CAFE"]
    assert api.codes(type="Product", account_group=str(api.group())) == ["TORN-14"]


def test_the_list_filters_by_ids_and_its_id_alias(api: Api) -> None:
    made = [api.create(api.body(f"P-{n}")) for n in range(3)]
    ids = [p["id"] for p in made]

    assert api.codes(ids=f"{ids[0]},{ids[2]}") == ["P-2", "P-0"]
    assert api.codes(ids=f" {ids[1]} , ") == ["P-1"]
    assert api.codes(id=ids[2]) == ["P-2"]
    assert api.codes(ids=ids[0], id=ids[1]) == ["P-0"]
    assert api.codes(ids=f"{ids[1]},no-es-un-guid") == ["P-1"]
    assert api.codes(ids="no-es-un-guid") == []
    assert api.codes(ids=",".join([ids[0]] + [str(uuid.uuid4()) for _ in range(19)])) == ["P-0"]
    too_many = ",".join(str(uuid.uuid4()) for _ in range(21))
    assert errors(api.client.get("/v1/products", params={"ids": too_many})) == [
        ("values_limit", ["ids"])
    ]
    assert errors(api.client.get("/v1/products", params={"id": too_many})) == [
        ("values_limit", ["id"])
    ]


def test_the_list_filters_by_creation_and_update(api: Api) -> None:
    first = api.create(api.body("P-1"))
    second = api.create(api.body("P-2"))
    updated = ok(api.put(first["id"], api.body("P-1", name="Editado")))
    today = colombian_today()
    tomorrow = today + timedelta(days=1)

    assert api.codes(created_start=today.isoformat()) == ["P-2", "P-1"]
    assert api.codes(created_end=today.isoformat()) == []  # a bare date is 00:00
    assert api.codes(created_start=second["metadata"]["created"]) == ["P-2"]
    assert api.codes(date_start=today.isoformat(), date_end=today.isoformat()) == ["P-2", "P-1"]
    assert api.codes(date_end=(today - timedelta(days=1)).isoformat()) == []
    assert api.codes(date_start=tomorrow.isoformat()) == []
    assert api.codes(updated_start=updated["metadata"]["last_updated"]) == ["P-1"]
    assert api.codes(updated_end=tomorrow.isoformat()) == ["P-2", "P-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"active": "quizá"}, ("invalid_value", ["active"])),
        ({"stock_control": "2"}, ("invalid_value", ["stock_control"])),
        ({"account_group": "uno"}, ("invalid_value", ["account_group"])),
        ({"type": "Kit"}, ("invalid_value", ["type"])),
        ({"created_end": "2024-02-30"}, ("invalid_date", ["created_end"])),
        ({"updated_start": "mañana"}, ("invalid_date", ["updated_start"])),
        ({"date_end": "31/12/2024"}, ("invalid_date", ["date_end"])),
    ],
)
def test_a_filter_that_cannot_mean_anything_is_refused(
    api: Api, params: dict[str, str], expected: tuple[str, list[str]]
) -> None:
    assert errors(api.client.get("/v1/products", params=params)) == [expected]


# --- the rules of §4 ---------------------------------------------------------------------------


RULES: list[Any] = [
    ({"code": ABSENT}, [("parameter_required", ["code"])], "no-code"),
    ({"code": "TORN 14"}, [("invalid_code", ["code"])], "code-with-space"),
    ({"code": "TORN'14"}, [("invalid_code", ["code"])], "code-with-quote"),
    ({"code": "X" * 31}, [("invalid_code", ["code"])], "code-of-31"),
    ({"name": ABSENT}, [("parameter_required", ["name"])], "no-name"),
    ({"name": "   "}, [("parameter_required", ["name"])], "blank-name"),
    ({"name": "x" * 101}, [("length_max", ["name"])], "name-of-101"),
    ({"account_group": ABSENT}, [("parameter_required", ["account_group"])], "no-group"),
    ({"account_group": 987654}, [("invalid_reference", ["account_group"])], "unknown-group"),
    ({"account_group": 10**20}, [("invalid_value", ["account_group"])], "huge-group"),
    ({"type": "Combo"}, [("invalid_plan_type", ["type"])], "combo"),
    ({"type": "Kit"}, [("invalid_value", ["type"])], "unknown-type"),
    (
        {"tax_classification": "Gravado"},
        [("invalid_value", ["tax_classification"])],
        "unknown-classification",
    ),
    (
        {"type": "Service", "stock_control": True},
        [("product_settings", ["stock_control"])],
        "service-with-stock",
    ),
    ({"unit": "ZZZ"}, [("invalid_reference", ["unit"])], "unknown-unit"),
    ({"reference": "x" * 81}, [("length_max", ["reference"])], "reference-of-81"),
    ({"description": "x" * 2501}, [("length_max", ["description"])], "description-of-2501"),
    ({"unit_label": "x" * 51}, [("length_max", ["unit_label"])], "unit-label-of-51"),
    (
        {"additional_fields": {"barcode": "7" * 31, "brand": "b" * 51}},
        [
            ("length_max", ["additional_fields.barcode"]),
            ("length_max", ["additional_fields.brand"]),
        ],
        "additional-fields",
    ),
    (
        {"tax_consumption_value": -1},
        [("invalid_amount", ["tax_consumption_value"])],
        "negative-consumption-value",
    ),
    (
        {"tax_consumption_value": 1e30},
        [("invalid_value", ["tax_consumption_value"])],
        "huge-consumption-value",
    ),
    (
        {"prices": [{"price_list": [{"position": 13, "value": 1}]}]},
        [("invalid_array", ["prices"])],
        "position-13",
    ),
    (
        {"prices": [{"price_list": [{"position": p, "value": p} for p in range(0, 13)]}]},
        [("invalid_array", ["prices"])],
        "thirteen-lists",
    ),
    (
        {"prices": [{"price_list": [{"position": 2, "value": 1}, {"position": 2, "value": 3}]}]},
        [("invalid_array", ["prices.price_list[position 2].value"])],
        "repeated-position",
    ),
    (
        {"prices": [{"price_list": [{"position": 1, "value": -5}]}]},
        [("invalid_amount", ["prices.price_list[position 1].value"])],
        "negative-price",
    ),
    (
        {"prices": [{"price_list": [{"position": 1, "value": "1.1234567"}]}]},
        [("invalid_amount", ["prices.price_list[position 1].value"])],
        "seven-decimals",
    ),
    (
        {"prices": [{"price_list": [{"position": 1, "value": "1e30"}]}]},
        [("invalid_value", ["prices[0].price_list[0].value"])],
        "huge-price",
    ),
    (
        {"prices": [{"price_list": [{"value": 5}, {"position": 2}]}]},
        [
            ("parameter_required", ["prices[0].price_list[0].position"]),
            ("parameter_required", ["prices[0].price_list[1].value"]),
        ],
        "incomplete-price",
    ),
    (
        {"prices": [{"currency_code": "XYZW", "price_list": [{"position": 1, "value": 5}]}]},
        [("invalid_currency", ["prices[0].currency_code"])],
        "unknown-currency",
    ),
    ({"taxes": [{}]}, [("parameter_required", ["taxes[0].id"])], "tax-without-id"),
    ({"taxes": [{"id": 987654}]}, [("invalid_reference", ["taxes[0].id"])], "unknown-tax"),
    ({"taxes": [{"id": 10**20}]}, [("invalid_value", ["taxes[0].id"])], "huge-tax"),
    (
        {"taxes": ["IVA 19%", "IVA 5%"]},
        [("invalid_array", ["taxes[1].id"])],
        "two-ivas",
    ),
    (
        {"taxes": ["ReteIVA 15%", "ReteICA 9,66 x mil"]},
        [("invalid_array", ["taxes[0].id"]), ("invalid_array", ["taxes[1].id"])],
        "document-withholdings",
    ),
    (
        {
            "taxes": [
                "IVA 19%",
                "Impuesto al consumo 8%",
                "Retefuente compras 2,5%",
                "Retefuente servicios 4%",
            ]
        },
        [("invalid_array", ["taxes"]), ("invalid_array", ["taxes[3].id"])],
        "four-taxes",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [pytest.param(c, e, id=i) for c, e, i in RULES])
def test_each_rule_answers_its_code_and_field(
    api: Api, changes: dict[str, Any], expected: list[tuple[str, list[str]]]
) -> None:
    if "taxes" in changes:
        changes = {
            "taxes": [
                {"id": api.tax(tax)} if isinstance(tax, str) else tax for tax in changes["taxes"]
            ]
        }
    response = api.post(api.body(**changes))

    assert errors(response) == expected
    assert response.json()["Errors"][0]["Detail"] == DOCS + expected[0][0]
    assert api.list()["results"] == []


def test_the_code_is_unique(api: Api) -> None:
    api.create(api.body())
    assert errors(api.post(api.body(name="Otro"))) == [("already_exists", ["code"])]


def test_iva_and_advalorem_do_not_go_together(
    api: Api, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    advalorem = add_tax(ctx, tenant, "Ad valorem combustibles", TaxType.AD_VALOREM)

    together = api.post(api.body(taxes=[{"id": api.tax("IVA 19%")}, {"id": advalorem}]))
    with_inc = api.create(
        api.body(taxes=[{"id": advalorem}, {"id": api.tax("Impuesto al consumo 8%")}])
    )

    assert errors(together) == [("invalid_array", ["taxes[1].id"])]
    assert [t["type"] for t in with_inc["taxes"]] == ["AdValorem", "Impoconsumo"]


def test_an_inactive_account_group_or_tax_is_refused(
    api: Api, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    group = api.group(1)
    code = next(g["Code"] for g in ok(api.legacy.get("/AccountGroups/GetAll")) if g["Id"] == group)
    ok(
        api.client.put(
            f"/v1/account-groups/{group}",
            json={"code": code, "name": "Terminados", "active": False},
        ),
        201,  # sic, as Siigo answers it
    )
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        uow.taxes.get(tenant.company.id, api.tax("IVA 5%")).active = False
        uow.commit()

    response = api.post(api.body(account_group=group, taxes=[{"id": api.tax("IVA 5%")}]))

    assert errors(response) == [
        ("parameter_inactive", ["taxes[0].id"]),
        ("parameter_inactive", ["account_group"]),
    ]


def test_every_broken_rule_is_reported_at_once(api: Api) -> None:
    response = api.post(
        {
            "code": "MAL CODIGO",
            "name": "",
            "account_group": 987654,
            "type": "Combo",
            "prices": [{"price_list": [{"position": 13, "value": 1}]}],
            "taxes": [{"id": 987654}],
            "unit": "ZZZ",
        }
    )

    assert sorted(errors(response)) == sorted(
        [
            ("invalid_plan_type", ["type"]),
            ("invalid_reference", ["taxes[0].id"]),
            ("invalid_code", ["code"]),
            ("parameter_required", ["name"]),
            ("invalid_reference", ["unit"]),
            ("invalid_array", ["prices"]),
            ("invalid_reference", ["account_group"]),
        ]
    )


@pytest.mark.parametrize(
    "raw",
    ["[]", '"producto"', "null", "{not json"],
    ids=["list", "string", "null", "garbage"],
)
def test_a_body_that_is_no_product_is_a_400(api: Api, raw: str) -> None:
    response = api.post(raw)
    assert response.status_code == 400, response.text
    assert current_errors(response)


# --- lenient bodies (§2.9, §2.10) --------------------------------------------------------------


def test_a_python_repr_body_as_some_clients_send_it(api: Api) -> None:
    body = {
        "code": "PY-1",
        "name": "Producto desde Python",
        "account_group": str(api.group()),
        "type": "Product",
        "stock_control": "false",
        "tax_included": "true",
        "active": "true",
        "unit": "94",
        "taxes": [{"id": str(api.tax("IVA 19%"))}],
        "prices": [{"currency_code": "COP", "price_list": [{"position": "1", "value": "1000.50"}]}],
        "description": None,
    }

    created = ok(api.post(str(body)), 201)

    assert created["account_group"]["id"] == api.group()
    assert (created["stock_control"], created["tax_included"]) == (False, True)
    assert [t["id"] for t in created["taxes"]] == [api.tax("IVA 19%")]
    assert created["prices"][0]["price_list"] == [
        {"position": 1, "name": "Precio de venta 1", "value": 1000.5}
    ]
    assert created["description"] is None
    replaced = ok(api.put(created["id"], str({**body, "active": "false"})))
    assert replaced["active"] is False


def test_ids_as_objects_or_bare_and_numbers_as_strings(api: Api) -> None:
    body = api.body(
        account_group={"id": api.group(1)},
        unit={"code": "KGM"},
        taxes=[api.tax("IVA 19%"), str(api.tax("Retefuente compras 2,5%"))],
        stock_control="1",
        tax_consumption_value="50",
        prices=[{"price_list": [{"position": "2", "value": "2500"}]}],
    )

    created = ok(api.post(json.dumps(body), content_type="text/json"), 201)

    assert created["account_group"]["id"] == api.group(1)
    assert created["unit"] == {"code": "KGM", "name": "kilogramo"}
    assert [t["type"] for t in created["taxes"]] == ["IVA", "Retefuente"]
    assert created["stock_control"] is True
    assert created["tax_consumption_value"] == 50
    assert created["prices"] == [
        {
            "currency_code": "COP",
            "price_list": [{"position": 2, "name": "Precio de venta 2", "value": 2500}],
        }
    ]


# --- stock -------------------------------------------------------------------------------------


def test_available_quantity_follows_the_stock_and_the_sales(api: Api) -> None:
    created = api.create(api.body(stock_control=True))

    api.add_stock("TORN-14", 10)
    stocked = ok(api.get(created["id"]))
    api.sell("TORN-14", 3)
    sold = ok(api.get(created["id"]))

    assert stocked["available_quantity"] == 10
    assert stocked["warehouses"] == [
        {"id": api.warehouse, "name": "Bodega principal", "quantity": 10}
    ]
    assert stocked["metadata"]["stock_updated"] is not None
    assert sold["available_quantity"] == 7
    assert sold["warehouses"] == [{"id": api.warehouse, "name": "Bodega principal", "quantity": 7}]
    assert moment(sold["metadata"]["stock_updated"]) >= moment(stocked["metadata"]["stock_updated"])
    assert sold["metadata"]["last_updated"] is None  # stock moving is no edit of the product
    balance = ok(api.legacy.get("/Products/GetProductBalanceByCode", params={"code": "TORN-14"}))
    assert balance["TotalBalance"] == 7
    assert [p["available_quantity"] for p in api.list(code="TORN-14")["results"]] == [7]


def test_a_product_without_stock_control_shows_no_stock(api: Api) -> None:
    created = api.create(api.body("SRV-1", type="Service"))
    api.sell("SRV-1", 2, warehouse=False)

    read = ok(api.get(created["id"]))

    assert (read["available_quantity"], read["warehouses"]) == (0, [])


# --- both dialects, one product ----------------------------------------------------------------


def test_a_product_created_here_reads_the_same_through_the_legacy_routes(api: Api) -> None:
    api.create(full_body(api))

    product = api.legacy_product("CAFE-500G")

    assert product == {
        "Id": product["Id"],
        "Code": "CAFE-500G",
        "Description": "Café molido 500 g",
        "ReferenceManufactures": "REF-CM-500",
        "ProductTypeKey": "ProductType_Consumer",
        "MeasureUnit": "Bolsa",
        "CodeBars": "7702001040011",
        "Comments": "Café de origen Huila, tostión media",
        "TaxAddID": api.tax("IVA 19%"),
        "TaxDiscID": api.tax("Retefuente compras 2,5%"),
        "TaxAdd2ID": api.tax("Impuesto al consumo 8%"),
        "IsIncluded": True,
        "IsInventoryControl": True,
        "State": 1,
        **{f"PriceList{n}": {1: 15000, 3: 13500.5}.get(n, 0) for n in range(1, 13)},
        "AccountGroupID": api.group(1),
        "TaxImpoValue": 120.5,
        "Model": "Tradicional",
        "Tariff": "0901211000",
        "Brand": "Sello Rojo",
        "MeasurementUnitCode": "KGM",
    }
    assert ok(api.legacy.get(f"/Products/GetByID/{product['Id']}")) == product


def test_a_legacy_product_reads_the_same_here(api: Api) -> None:
    ok(
        api.legacy.post(
            "/Products/Create",
            json={
                "Code": "LAPIZ-HB",
                "Description": "Lápiz HB",
                "ReferenceManufactures": "HB-2",
                "ProductTypeKey": "ProductType_Product",
                "MeasureUnit": "Caja",
                "CodeBars": "7701234567890",
                "Comments": "Caja x 12",
                "TaxAddID": api.tax("IVA 19%"),
                "TaxDiscID": api.tax("Retefuente compras 3,5%"),
                "IsIncluded": False,
                "IsInventoryControl": True,
                "State": 0,
                "PriceList1": 1200,
                "PriceList12": 999.99,
                "AccountGroupID": api.group(),
                "Brand": "Norma",
                "MeasurementUnitCode": "94",
            },
        )
    )
    api.add_stock("LAPIZ-HB", 4)

    [found] = api.list(code="LAPIZ-HB")["results"]

    assert {k: v for k, v in found.items() if k not in ("id", "metadata")} == {
        "code": "LAPIZ-HB",
        "name": "Lápiz HB",
        "account_group": {"id": api.group(), "name": "Mercancía no fabricada por la empresa"},
        "type": "Product",
        "stock_control": True,
        "active": False,
        "tax_classification": "Taxed",
        "tax_included": False,
        "tax_consumption_value": 0,
        "taxes": [api.tax_out("IVA 19%"), api.tax_out("Retefuente compras 3,5%")],
        "prices": [
            {
                "currency_code": "COP",
                "price_list": [
                    {"position": 1, "name": "Precio de venta 1", "value": 1200},
                    {"position": 12, "name": "Precio de venta 12", "value": 999.99},
                ],
            }
        ],
        "unit": UNIT,
        "unit_label": "Caja",
        "reference": "HB-2",
        "description": "Caja x 12",
        "additional_fields": {
            "barcode": "7701234567890",
            "brand": "Norma",
            "tariff": None,
            "model": None,
        },
        "available_quantity": 4,
        "warehouses": [{"id": api.warehouse, "name": "Bodega principal", "quantity": 4}],
    }
    assert ok(api.get(found["id"])) == found


def test_edits_in_either_dialect_show_in_the_other(api: Api) -> None:
    created = api.create(full_body(api))
    legacy = api.legacy_product("CAFE-500G")

    ok(api.legacy.post("/Products/Update", json={**legacy, "PriceList1": 16000, "State": 0}))
    after_legacy = ok(api.get(created["id"]))
    ok(
        api.put(
            created["id"], {**after_legacy, "name": "Café 500 g", "tax_classification": "Exempt"}
        )
    )
    after_current = api.legacy_product("CAFE-500G")
    ok(api.legacy.post("/Products/Update", json={**after_current, "Comments": "Nuevo"}))
    finally_here = ok(api.get(created["id"]))

    assert after_legacy["prices"][0]["price_list"][0]["value"] == 16000
    assert after_legacy["active"] is False
    assert after_current["Description"] == "Café 500 g"
    assert after_current["PriceList1"] == 16000 and after_current["State"] == 0
    assert finally_here["description"] == "Nuevo"
    assert finally_here["tax_classification"] == "Exempt"  # the legacy dialect cannot say it
    # Nor can it say prices in other currencies: its updates leave them as they were.
    assert [p["currency_code"] for p in finally_here["prices"]] == ["COP", "USD"]
    assert finally_here["prices"][1]["price_list"][0]["value"] == 4.25
