"""Legacy Products over HTTP: CRUD, every validation rule, stock balances, tenant isolation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.domain.catalogs import Warehouse
from facturo.domain.errors import RuleViolations
from facturo.services import stock
from facturo.services.context import ServiceContext
from tests.conftest import TenantFixture, errors_of

MISSING = object()


@dataclass(frozen=True)
class TaxOf:
    """A default tax of the company, named by type (and rate); resolved to its Id per test."""

    tax_type: str
    percentage: float | None = None


def catalog(client: httpx.Client, resource: str) -> list[dict[str, Any]]:
    response = client.get(f"/{resource}/GetAll", params={"numberPage": 0})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def tax_id(client: httpx.Client, tax: TaxOf) -> int:
    for record in catalog(client, "Taxes"):
        if record["TaxType"] == tax.tax_type and (
            tax.percentage is None or record["Percentage"] == tax.percentage
        ):
            return int(record["Id"])
    raise AssertionError(f"no default tax {tax}")


def group_ids(client: httpx.Client) -> list[int]:
    return [int(g["Id"]) for g in catalog(client, "AccountGroups")]


def product_body(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A valid product; ``fields`` override it (MISSING drops a key, TaxOf becomes an Id)."""
    body: dict[str, Any] = {
        "Code": "PRD-001",
        "Description": "Tornillo de acero 1/4",
        "ProductTypeKey": "ProductType_Product",
        "AccountGroupID": group_ids(client)[0],
        "IsIncluded": False,
        "IsInventoryControl": True,
        "State": 1,
        "PriceList1": 1500,
    }
    for key, value in fields.items():
        if value is MISSING:
            body.pop(key, None)
        elif isinstance(value, TaxOf):
            body[key] = tax_id(client, value)
        else:
            body[key] = value
    return body


def create_product(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/Products/Create", json=product_body(client, **fields))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def balance_of(client: httpx.Client, code: str) -> dict[str, Any]:
    response = client.get("/Products/GetProductBalanceByCode", params={"code": code})
    assert response.status_code == 200, response.text
    balance: dict[str, Any] = response.json()
    return balance


def add_warehouse(
    ctx: ServiceContext, tenant: TenantFixture, code: str, name: str, *, active: bool = True
) -> int:
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        warehouse = uow.warehouses.add(
            Warehouse(company_id=tenant.company.id, code=code, name=name, active=active)
        )
        uow.flush()
        uow.commit()
    assert warehouse.id is not None
    return warehouse.id


def warehouse_id(client: httpx.Client, code: str) -> int:
    return next(int(w["Id"]) for w in catalog(client, "Warehouses") if w["Code"] == code)


def test_create_echoes_every_field_of_the_guide(admin_client: httpx.Client) -> None:
    iva19 = tax_id(admin_client, TaxOf("IVA", 19))
    inc8 = tax_id(admin_client, TaxOf("Impoconsumo", 8))
    retefuente = tax_id(admin_client, TaxOf("Retefuente", 2.5))
    group = group_ids(admin_client)[1]
    prices = {f"PriceList{n}": n * 1000 + 0.25 for n in range(1, 13)}
    body = {
        "Code": "CAFE-500G",
        "Description": "Café molido 500 g",
        "ReferenceManufactures": "REF-CM-500",
        "ProductTypeKey": "ProductType_Consumer",
        "MeasureUnit": "Bolsa",
        "CodeBars": "7702001040011",
        "Comments": "Café de origen Huila, tostión media",
        "TaxAddID": iva19,
        "TaxDiscID": retefuente,
        "TaxAdd2ID": inc8,
        "IsIncluded": True,
        "IsInventoryControl": True,
        "State": 0,
        **prices,
        "AccountGroupID": group,
        "TaxImpoValue": 120.5,
        "Model": "Tradicional",
        "Tariff": "0901211000",
        "Brand": "Sello Rojo",
        "MeasurementUnitCode": "KGM",
    }
    response = admin_client.post("/Products/Create?namespace=v1", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert isinstance(created["Id"], int) and created["Id"] > 0
    assert created == {"Id": created["Id"], **body}


def test_create_then_get_by_id_returns_the_same_record(admin_client: httpx.Client) -> None:
    created = create_product(admin_client, Code="LAPIZ-HB", Comments="Caja x 12")
    fetched = admin_client.get(f"/Products/GetByID/{created['Id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == created


def test_prices_round_trip_exactly_and_unset_lists_read_zero(admin_client: httpx.Client) -> None:
    created = create_product(admin_client, PriceList1=1500.5, PriceList2=12345.678901)
    response = admin_client.get(f"/Products/GetByID/{created['Id']}")
    fetched = response.json()
    assert fetched["PriceList1"] == 1500.5
    assert fetched["PriceList2"] == 12345.678901
    assert '"PriceList2":12345.678901,' in response.text.replace(" ", "")
    assert [fetched[f"PriceList{n}"] for n in range(3, 13)] == [0] * 10


@pytest.mark.parametrize(
    "written", ["12345678901.123456", '"12345678901.123456"'], ids=["number", "string"]
)
def test_a_price_with_all_its_digits_round_trips_exactly(
    admin_client: httpx.Client, written: str
) -> None:
    """Eleven integer digits and six decimals are within the rules, so they must survive."""
    group = group_ids(admin_client)[0]
    raw = (
        '{"Code": "P-1", "Description": "Lote", "ProductTypeKey": "ProductType_Product", '
        f'"AccountGroupID": {group}, "PriceList1": {written}}}'
    )
    created = admin_client.post(
        "/Products/Create", content=raw, headers={"Content-Type": "application/json"}
    )
    assert created.status_code == 200, created.text
    fetched = admin_client.get(f"/Products/GetByID/{created.json()['Id']}")
    assert '"PriceList1":12345678901.123456,' in fetched.text.replace(" ", "")


def test_the_account_group_may_come_as_a_numeric_string(admin_client: httpx.Client) -> None:
    group = group_ids(admin_client)[1]
    created = create_product(admin_client, AccountGroupID=str(group))
    assert created["AccountGroupID"] == group


def test_an_inactive_tax_is_refused(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    assert tenant.company.id is not None
    iva5 = tax_id(admin_client, TaxOf("IVA", 5))
    with ctx.unit_of_work() as uow:
        uow.taxes.get(tenant.company.id, iva5).active = False
        uow.commit()
    response = admin_client.post("/Products/Create", json=product_body(admin_client, TaxAddID=iva5))
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_inactive", ["TaxAddID"])]


def test_defaults_of_a_minimal_product(admin_client: httpx.Client) -> None:
    created = create_product(admin_client, IsIncluded=MISSING, State=MISSING, PriceList1=MISSING)
    assert created["TaxAddID"] == -1
    assert created["TaxAdd2ID"] == -1
    assert created["TaxDiscID"] == -1
    assert created["State"] == 1
    assert created["IsIncluded"] is False
    assert created["MeasurementUnitCode"] == "94"
    assert created["TaxImpoValue"] == 0
    assert all(created[f"PriceList{n}"] == 0 for n in range(1, 13))


def test_get_all_pages_from_zero_in_creation_order(admin_client: httpx.Client) -> None:
    first = create_product(admin_client, Code="A-1")
    second = create_product(admin_client, Code="B-2")
    page = admin_client.get("/Products/GetAll", params={"numberPage": 0, "namespace": "v1"})
    assert page.status_code == 200, page.text
    assert [p["Id"] for p in page.json()] == [first["Id"], second["Id"]]
    assert page.json()[0] == first
    beyond = admin_client.get("/Products/GetAll", params={"numberPage": 50})
    assert beyond.status_code == 200
    assert beyond.json() == []


def test_get_all_by_code_with_a_comma_separated_list(admin_client: httpx.Client) -> None:
    first = create_product(admin_client, Code="A-1")
    second = create_product(admin_client, Code="B-2")
    create_product(admin_client, Code="C-3")
    response = admin_client.get("/Products/GetAllByCode", params={"codes": "A-1, B-2,NOPE"})
    assert response.status_code == 200, response.text
    assert response.json() == [first, second]


def test_get_all_by_code_with_one_code(admin_client: httpx.Client) -> None:
    create_product(admin_client, Code="A-1")
    second = create_product(admin_client, Code="B-2")
    response = admin_client.get("/Products/GetAllByCode", params={"code": "B-2"})
    assert response.status_code == 200, response.text
    assert response.json() == [second]
    unknown = admin_client.get("/Products/GetAllByCode", params={"codes": "NOPE"})
    assert unknown.status_code == 200
    assert unknown.json() == []


def test_get_all_by_code_requires_codes(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Products/GetAllByCode")
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["codes"])]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_update_replaces_the_product_named_by_the_id_in_the_body(
    admin_client: httpx.Client, method: str
) -> None:
    created = create_product(admin_client, PriceList2=900)
    iva5 = tax_id(admin_client, TaxOf("IVA", 5))
    body = product_body(
        admin_client,
        Id=created["Id"],
        Code="PRD-001-B",
        Description="Tornillo de acero 3/8",
        TaxAddID=iva5,
        PriceList1=1750.75,
        Brand="Acme",
    )
    response = admin_client.request(method, "/Products/Update", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["Id"] == created["Id"]
    assert updated["Code"] == "PRD-001-B"
    assert updated["Description"] == "Tornillo de acero 3/8"
    assert updated["TaxAddID"] == iva5
    assert updated["PriceList1"] == 1750.75
    assert updated["PriceList2"] == 0
    assert updated["Brand"] == "Acme"
    assert admin_client.get(f"/Products/GetByID/{created['Id']}").json() == updated


def test_update_may_keep_its_own_code(admin_client: httpx.Client) -> None:
    created = create_product(admin_client)
    body = product_body(admin_client, Id=created["Id"], Description="Otro nombre")
    response = admin_client.post("/Products/Update", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["Code"] == created["Code"]


def test_update_without_id_is_refused(admin_client: httpx.Client) -> None:
    create_product(admin_client)
    response = admin_client.post("/Products/Update", json=product_body(admin_client))
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Id"])]


def test_update_of_an_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Products/Update", json=product_body(admin_client, Id=987654321))
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_update_to_another_products_code_is_refused(admin_client: httpx.Client) -> None:
    create_product(admin_client, Code="A-1")
    second = create_product(admin_client, Code="B-2")
    body = product_body(admin_client, Id=second["Id"], Code="A-1")
    response = admin_client.post("/Products/Update", json=body)
    assert response.status_code == 400
    assert errors_of(response) == [("already_exists", ["Code"])]


def test_update_applies_the_same_rules_as_create(admin_client: httpx.Client) -> None:
    created = create_product(admin_client)
    body = product_body(admin_client, Id=created["Id"], Description="", PriceList3=-5)
    response = admin_client.put("/Products/Update", json=body)
    assert response.status_code == 400
    assert sorted(errors_of(response)) == [
        ("invalid_amount", ["PriceList3"]),
        ("parameter_required", ["Description"]),
    ]


def test_delete_removes_the_product(admin_client: httpx.Client) -> None:
    created = create_product(admin_client)
    response = admin_client.delete(f"/Products/Delete/{created['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == {"Id": created["Id"], "Deleted": True}
    gone = admin_client.get(f"/Products/GetByID/{created['Id']}")
    assert gone.status_code == 404
    assert errors_of(gone) == [("not_found", [])]
    assert admin_client.delete(f"/Products/Delete/{created['Id']}").status_code == 404
    assert admin_client.get("/Products/GetAllByCode", params={"code": "PRD-001"}).json() == []


def test_code_of_a_deleted_product_can_be_reused(admin_client: httpx.Client) -> None:
    created = create_product(admin_client)
    assert admin_client.delete(f"/Products/Delete/{created['Id']}").status_code == 200
    again = create_product(admin_client)
    assert again["Id"] != created["Id"]


@pytest.mark.parametrize(
    ("fields", "code", "param"),
    [
        pytest.param({"Code": MISSING}, "parameter_required", "Code", id="code-missing"),
        pytest.param({"Code": "  "}, "parameter_required", "Code", id="code-blank"),
        pytest.param({"Code": "X" * 31}, "invalid_code", "Code", id="code-31-chars"),
        pytest.param({"Code": "AB 12"}, "invalid_code", "Code", id="code-with-space"),
        pytest.param({"Code": "AB'12"}, "invalid_code", "Code", id="code-with-apostrophe"),
        pytest.param(
            {"Description": MISSING}, "parameter_required", "Description", id="description-missing"
        ),
        pytest.param(
            {"Description": "X" * 101}, "length_max", "Description", id="description-101-chars"
        ),
        pytest.param(
            {"ReferenceManufactures": "R" * 81},
            "length_max",
            "ReferenceManufactures",
            id="reference-81-chars",
        ),
        pytest.param({"MeasureUnit": "U" * 51}, "length_max", "MeasureUnit", id="unit-label-51"),
        pytest.param({"CodeBars": "7" * 31}, "length_max", "CodeBars", id="barcode-31-chars"),
        pytest.param({"Comments": "c" * 2501}, "length_max", "Comments", id="comments-2501"),
        pytest.param(
            {"ProductTypeKey": MISSING},
            "parameter_required",
            "ProductTypeKey",
            id="product-type-missing",
        ),
        pytest.param(
            {"ProductTypeKey": "ProductType_Combo"},
            "invalid_type",
            "ProductTypeKey",
            id="product-type-unknown",
        ),
        pytest.param({"State": 2}, "invalid_type", "State", id="state-2"),
        pytest.param({"State": -1}, "invalid_type", "State", id="state-minus-1"),
        pytest.param(
            {"AccountGroupID": MISSING},
            "parameter_required",
            "AccountGroupID",
            id="account-group-missing",
        ),
        pytest.param(
            {"AccountGroupID": -1},
            "parameter_required",
            "AccountGroupID",
            id="account-group-minus-1",
        ),
        pytest.param(
            {"AccountGroupID": 987654321},
            "invalid_reference",
            "AccountGroupID",
            id="account-group-nonexistent",
        ),
        pytest.param(
            {"TaxAddID": TaxOf("Retefuente")}, "invalid_reference", "TaxAddID", id="add-retefuente"
        ),
        pytest.param(
            {"TaxAddID": TaxOf("ReteIVA")}, "invalid_reference", "TaxAddID", id="add-reteiva"
        ),
        pytest.param(
            {"TaxAddID": TaxOf("ReteICA")}, "invalid_reference", "TaxAddID", id="add-reteica"
        ),
        pytest.param(
            {"TaxAddID": 987654321}, "invalid_reference", "TaxAddID", id="add-nonexistent"
        ),
        pytest.param(
            {"TaxAdd2ID": TaxOf("Retefuente")},
            "invalid_reference",
            "TaxAdd2ID",
            id="add2-retefuente",
        ),
        pytest.param(
            {"TaxAdd2ID": TaxOf("ReteICA")}, "invalid_reference", "TaxAdd2ID", id="add2-reteica"
        ),
        pytest.param(
            {"TaxAdd2ID": 987654321}, "invalid_reference", "TaxAdd2ID", id="add2-nonexistent"
        ),
        pytest.param(
            {"TaxDiscID": TaxOf("IVA", 19)}, "invalid_reference", "TaxDiscID", id="disc-iva"
        ),
        pytest.param(
            {"TaxDiscID": TaxOf("Impoconsumo")},
            "invalid_reference",
            "TaxDiscID",
            id="disc-impoconsumo",
        ),
        pytest.param(
            {"TaxDiscID": TaxOf("ReteIVA")}, "invalid_reference", "TaxDiscID", id="disc-reteiva"
        ),
        pytest.param(
            {"TaxDiscID": TaxOf("ReteICA")}, "invalid_reference", "TaxDiscID", id="disc-reteica"
        ),
        pytest.param(
            {"TaxDiscID": 987654321}, "invalid_reference", "TaxDiscID", id="disc-nonexistent"
        ),
        pytest.param(
            {"TaxAddID": TaxOf("IVA", 19), "TaxAdd2ID": TaxOf("IVA", 5)},
            "invalid_array",
            "TaxAdd2ID",
            id="add-and-add2-both-iva",
        ),
        pytest.param(
            {"MeasurementUnitCode": "XYZ"},
            "invalid_reference",
            "MeasurementUnitCode",
            id="unit-not-dian",
        ),
        pytest.param(
            {"MeasurementUnitCode": 9999},
            "invalid_reference",
            "MeasurementUnitCode",
            id="unit-number-not-dian",
        ),
        pytest.param({"PriceList1": -1}, "invalid_amount", "PriceList1", id="price-negative"),
        pytest.param({"PriceList7": -0.01}, "invalid_amount", "PriceList7", id="price7-negative"),
        pytest.param(
            {"PriceList12": 1.1234567}, "invalid_amount", "PriceList12", id="price-7-decimals"
        ),
        pytest.param(
            {"TaxImpoValue": -50}, "invalid_amount", "TaxImpoValue", id="impo-value-negative"
        ),
        pytest.param(
            {"TaxImpoValue": 1.234}, "invalid_amount", "TaxImpoValue", id="impo-value-3-decimals"
        ),
        pytest.param(
            {"PriceList2": 100000000000}, "invalid_amount", "PriceList2", id="price-too-large"
        ),
        pytest.param(
            {"ProductTypeKey": "ProductType_Service", "IsInventoryControl": True},
            "product_settings",
            "IsInventoryControl",
            id="service-with-stock-control",
        ),
    ],
)
def test_create_refuses_a_broken_rule(
    admin_client: httpx.Client, fields: dict[str, Any], code: str, param: str
) -> None:
    response = admin_client.post("/Products/Create", json=product_body(admin_client, **fields))
    assert response.status_code == 400, response.text
    assert errors_of(response) == [(code, [param])]
    assert response.json()["Message"]
    assert admin_client.get("/Products/GetAll", params={"numberPage": 0}).json() == []


@pytest.mark.parametrize(
    ("fields", "echoed"),
    [
        pytest.param(
            {"ProductTypeKey": "producttype_service", "IsInventoryControl": False},
            {"ProductTypeKey": "ProductType_Service"},
            id="type-lower",
        ),
        pytest.param(
            {"ProductTypeKey": "PRODUCTTYPE_CONSUMER"},
            {"ProductTypeKey": "ProductType_Consumer"},
            id="type-upper",
        ),
        pytest.param(
            {"ProductTypeKey": "ProductType_Product"},
            {"ProductTypeKey": "ProductType_Product"},
            id="type-exact",
        ),
        pytest.param({"State": 0}, {"State": 0}, id="state-0"),
        pytest.param(
            {"TaxAddID": -1, "TaxAdd2ID": -1, "TaxDiscID": -1},
            {"TaxAddID": -1, "TaxAdd2ID": -1, "TaxDiscID": -1},
            id="taxes-minus-1",
        ),
        pytest.param(
            {"TaxAddID": 0, "TaxAdd2ID": 0, "TaxDiscID": 0},
            {"TaxAddID": -1, "TaxAdd2ID": -1, "TaxDiscID": -1},
            id="taxes-zero",
        ),
        pytest.param(
            {"MeasurementUnitCode": 94}, {"MeasurementUnitCode": "94"}, id="unit-numeric-94"
        ),
        pytest.param({"MeasurementUnitCode": "KGM"}, {"MeasurementUnitCode": "KGM"}, id="unit-kgm"),
        pytest.param(
            {"MeasurementUnitCode": MISSING}, {"MeasurementUnitCode": "94"}, id="unit-default"
        ),
        pytest.param({"Code": "X" * 30}, {"Code": "X" * 30}, id="code-30-chars"),
        pytest.param(
            {"Description": "D" * 100}, {"Description": "D" * 100}, id="description-100-chars"
        ),
        pytest.param({"PriceList5": 0.123456}, {"PriceList5": 0.123456}, id="price-6-decimals"),
        pytest.param({"PriceList1": "2500.75"}, {"PriceList1": 2500.75}, id="price-as-string"),
        pytest.param({"State": "1"}, {"State": 1}, id="state-as-string"),
        pytest.param({"State": "0"}, {"State": 0}, id="state-0-as-string"),
        pytest.param({"TaxAddID": "-1"}, {"TaxAddID": -1}, id="tax-as-string"),
        pytest.param({"Code": 12345}, {"Code": "12345"}, id="code-as-number"),
        pytest.param(
            {"IsInventoryControl": "true"}, {"IsInventoryControl": True}, id="bool-as-string"
        ),
        pytest.param({"TaxImpoValue": 99.99}, {"TaxImpoValue": 99.99}, id="impo-value-2-decimals"),
    ],
)
def test_create_accepts(
    admin_client: httpx.Client, fields: dict[str, Any], echoed: dict[str, Any]
) -> None:
    created = create_product(admin_client, **fields)
    assert {key: created[key] for key in echoed} == echoed


def test_iva_and_impoconsumo_may_go_together(admin_client: httpx.Client) -> None:
    iva = tax_id(admin_client, TaxOf("IVA", 19))
    inc = tax_id(admin_client, TaxOf("Impoconsumo", 8))
    created = create_product(admin_client, TaxAddID=iva, TaxAdd2ID=inc)
    assert (created["TaxAddID"], created["TaxAdd2ID"]) == (iva, inc)


def test_a_retefuente_goes_in_tax_disc_id(admin_client: httpx.Client) -> None:
    retefuente = tax_id(admin_client, TaxOf("Retefuente", 4))
    created = create_product(admin_client, TaxDiscID=retefuente)
    assert created["TaxDiscID"] == retefuente


def test_code_is_unique_per_company(admin_client: httpx.Client) -> None:
    create_product(admin_client, Code="DUP-1")
    response = admin_client.post(
        "/Products/Create", json=product_body(admin_client, Code="DUP-1", Description="Otro")
    )
    assert response.status_code == 400
    assert errors_of(response) == [("already_exists", ["Code"])]
    assert len(admin_client.get("/Products/GetAllByCode", params={"code": "DUP-1"}).json()) == 1


def test_the_same_code_is_fine_in_another_company(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    mine = create_product(admin_client, Code="DUP-1")
    theirs = create_product(other_client, Code="DUP-1")
    assert theirs["Id"] != mine["Id"]
    assert theirs["Code"] == mine["Code"] == "DUP-1"


def test_an_inactive_account_group_is_refused(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    assert tenant.company.id is not None
    group = group_ids(admin_client)[0]
    with ctx.unit_of_work() as uow:
        g = uow.account_groups.get(tenant.company.id, group)
        g.active = False
        uow.commit()
    response = admin_client.post(
        "/Products/Create", json=product_body(admin_client, AccountGroupID=group)
    )
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_inactive", ["AccountGroupID"])]


def test_account_group_of_another_company_is_refused(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    foreign_group = group_ids(other_client)[0]
    response = admin_client.post(
        "/Products/Create", json=product_body(admin_client, AccountGroupID=foreign_group)
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", ["AccountGroupID"])]


@pytest.mark.parametrize("slot", ["TaxAddID", "TaxAdd2ID"])
def test_a_tax_of_another_company_is_refused(
    admin_client: httpx.Client, other_client: httpx.Client, slot: str
) -> None:
    foreign_iva = tax_id(other_client, TaxOf("IVA", 19))
    response = admin_client.post(
        "/Products/Create", json=product_body(admin_client, **{slot: foreign_iva})
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", [slot])]


def test_every_violation_is_reported_at_once(admin_client: httpx.Client) -> None:
    body = {
        "Code": "CON ESPACIO",
        "ProductTypeKey": "ProductType_Service",
        "IsInventoryControl": True,
        "AccountGroupID": 987654321,
        "TaxAddID": tax_id(admin_client, TaxOf("Retefuente")),
        "TaxDiscID": tax_id(admin_client, TaxOf("IVA", 19)),
        "MeasurementUnitCode": "XYZ",
        "PriceList1": -10,
        "PriceList2": 1.1234567,
    }
    response = admin_client.post("/Products/Create", json=body)
    assert response.status_code == 400
    assert response.json()["Message"] == "The request is invalid."
    assert sorted(errors_of(response)) == sorted(
        [
            ("invalid_code", ["Code"]),
            ("parameter_required", ["Description"]),
            ("product_settings", ["IsInventoryControl"]),
            ("invalid_reference", ["AccountGroupID"]),
            ("invalid_reference", ["TaxAddID"]),
            ("invalid_reference", ["TaxDiscID"]),
            ("invalid_reference", ["MeasurementUnitCode"]),
            ("invalid_amount", ["PriceList1"]),
            ("invalid_amount", ["PriceList2"]),
        ]
    )


def test_balance_by_code_reflects_a_stock_adjustment_at_once(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    product = create_product(admin_client, Code="STK-1", Description="Martillo")
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("7"))
    assert balance_of(admin_client, "STK-1") == {
        "ProductID": product["Id"],
        "Code": "STK-1",
        "Description": "Martillo",
        "IsInventoryControl": True,
        "TotalBalance": 7,
        "Warehouses": [
            {
                "WarehouseID": warehouse_id(admin_client, "1"),
                "WarehouseCode": "1",
                "WarehouseName": "Bodega principal",
                "Balance": 7,
            }
        ],
    }


def test_balance_splits_per_warehouse_and_totals(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    product = create_product(admin_client, Code="STK-1")
    north = add_warehouse(ctx, tenant, "2", "Bodega norte")
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("7"))
    stock.adjust(
        ctx, tenant.actor, product_code="STK-1", warehouse_code="2", quantity=Decimal("2.5")
    )
    stock.adjust(
        ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("-3")
    )
    balance = balance_of(admin_client, "STK-1")
    assert balance["TotalBalance"] == 6.5
    assert [(w["WarehouseCode"], w["Balance"]) for w in balance["Warehouses"]] == [
        ("1", 4),
        ("2", 2.5),
    ]
    assert balance["Warehouses"][1]["WarehouseID"] == north
    assert balance["Warehouses"][1]["WarehouseName"] == "Bodega norte"
    total = admin_client.get(f"/Products/GetProductBalance/{product['Id']}")
    assert total.status_code == 200, total.text
    assert total.json() == 6.5
    warehouses = admin_client.get(f"/Products/GetWarehousesByProductId/{product['Id']}")
    assert warehouses.status_code == 200, warehouses.text
    assert warehouses.json() == balance["Warehouses"]


def test_a_product_never_moved_shows_zero_in_every_active_warehouse(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    product = create_product(admin_client, Code="NEW-1")
    add_warehouse(ctx, tenant, "2", "Bodega norte")
    add_warehouse(ctx, tenant, "9", "Bodega cerrada", active=False)
    balance = balance_of(admin_client, "NEW-1")
    assert balance["TotalBalance"] == 0
    assert [(w["WarehouseCode"], w["Balance"]) for w in balance["Warehouses"]] == [
        ("1", 0),
        ("2", 0),
    ]
    assert admin_client.get(f"/Products/GetProductBalance/{product['Id']}").json() == 0


def test_balance_of_a_product_without_stock_control(admin_client: httpx.Client) -> None:
    create_product(
        admin_client,
        Code="SRV-1",
        ProductTypeKey="ProductType_Service",
        IsInventoryControl=False,
    )
    balance = balance_of(admin_client, "SRV-1")
    assert balance["IsInventoryControl"] is False
    assert balance["TotalBalance"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/Products/GetProductBalanceByCode?code=NOPE",
        "/Products/GetProductBalance/987654321",
        "/Products/GetWarehousesByProductId/987654321",
    ],
)
def test_balance_of_an_unknown_product_is_not_found(admin_client: httpx.Client, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_an_adjustment_below_zero_is_refused(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    create_product(admin_client, Code="STK-1")
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("7"))
    with pytest.raises(RuleViolations) as refused:
        stock.adjust(
            ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("-8")
        )
    assert [(v.code, v.field) for v in refused.value.violations] == [("invalid_amount", "quantity")]
    assert balance_of(admin_client, "STK-1")["TotalBalance"] == 7


def test_negative_stock_is_allowed_when_the_company_allows_it(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        uow.companies.get(tenant.company.id).allow_negative_stock = True
        uow.commit()
    create_product(admin_client, Code="STK-1")
    _, balance = stock.adjust(
        ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("-3")
    )
    assert balance == Decimal(-3)
    assert balance_of(admin_client, "STK-1")["TotalBalance"] == -3


def test_a_product_with_movements_cannot_be_deleted(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    product = create_product(admin_client, Code="STK-1")
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("1"))
    response = admin_client.delete(f"/Products/Delete/{product['Id']}")
    assert response.status_code == 400
    assert [e["Code"] for e in response.json()["Errors"]] == ["delete_not_allowed"]
    assert admin_client.get(f"/Products/GetByID/{product['Id']}").status_code == 200


def test_the_account_group_of_a_product_with_movements_cannot_change(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    first_group, second_group = group_ids(admin_client)[:2]
    product = create_product(admin_client, Code="STK-1", AccountGroupID=first_group)
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("1"))
    body = product_body(admin_client, Id=product["Id"], Code="STK-1", AccountGroupID=second_group)
    response = admin_client.post("/Products/Update", json=body)
    assert response.status_code == 400
    assert errors_of(response) == [("update_not_allowed", ["AccountGroupID"])]
    assert admin_client.get(f"/Products/GetByID/{product['Id']}").json()["AccountGroupID"] == (
        first_group
    )


def test_stock_control_of_a_product_with_movements_cannot_be_turned_off(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    product = create_product(admin_client, Code="STK-1")
    stock.adjust(ctx, tenant.actor, product_code="STK-1", warehouse_code="1", quantity=Decimal("1"))
    body = product_body(admin_client, Id=product["Id"], Code="STK-1", IsInventoryControl=False)
    response = admin_client.post("/Products/Update", json=body)
    assert response.status_code == 400
    assert errors_of(response) == [("update_not_allowed", ["IsInventoryControl"])]


def test_the_account_group_of_a_product_without_movements_can_change(
    admin_client: httpx.Client,
) -> None:
    first_group, second_group = group_ids(admin_client)[:2]
    product = create_product(admin_client, AccountGroupID=first_group)
    body = product_body(admin_client, Id=product["Id"], AccountGroupID=second_group)
    response = admin_client.post("/Products/Update", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["AccountGroupID"] == second_group


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/Products/GetByID/{id}"),
        ("DELETE", "/Products/Delete/{id}"),
        ("GET", "/Products/GetProductBalance/{id}"),
        ("GET", "/Products/GetWarehousesByProductId/{id}"),
        ("GET", "/Products/GetProductBalanceByCode?code={code}"),
    ],
)
def test_another_companys_product_is_not_found(
    admin_client: httpx.Client, other_client: httpx.Client, method: str, path: str
) -> None:
    product = create_product(admin_client, Code="MINE-1")
    response = other_client.request(method, path.format(id=product["Id"], code="MINE-1"))
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]
    assert admin_client.get(f"/Products/GetByID/{product['Id']}").json() == product


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_another_companys_product_cannot_be_updated(
    admin_client: httpx.Client, other_client: httpx.Client, method: str
) -> None:
    product = create_product(admin_client, Code="MINE-1")
    body = product_body(other_client, Id=product["Id"], Code="MINE-1", Description="Robado")
    response = other_client.request(method, "/Products/Update", json=body)
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]
    assert admin_client.get(f"/Products/GetByID/{product['Id']}").json() == product


def test_another_companys_products_are_not_listed(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    create_product(admin_client, Code="MINE-1")
    assert other_client.get("/Products/GetAll", params={"numberPage": 0}).json() == []
    assert other_client.get("/Products/GetAllByCode", params={"codes": "MINE-1"}).json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/Products/Create"),
        ("get", "/Products/GetByID/{product_id}"),
        ("get", "/Products/GetAll"),
        ("get", "/Products/GetAllByCode"),
        ("post", "/Products/Update"),
        ("put", "/Products/Update"),
        ("delete", "/Products/Delete/{product_id}"),
        ("get", "/Products/GetProductBalanceByCode"),
        ("get", "/Products/GetProductBalance/{product_id}"),
        ("get", "/Products/GetWarehousesByProductId/{product_id}"),
    ],
)
def test_openapi_describes_the_product_routes(http: httpx.Client, method: str, path: str) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert method in paths[f"/siigo/api/v1{path}"]
