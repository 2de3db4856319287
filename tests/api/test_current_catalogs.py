"""The current API's catalogs over HTTP (shared/reference/siigo-api.md §2.7, §2.8 "Catalog
record shapes", §2.9, §4 "Catalog queries"): document types, payment types, users,
warehouses, price lists, cost centers and account groups; who may read and change them; and
that they show the same records, by the same integer ids and names, as the legacy catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.api.test_current_invoices import colombian_today, company_customer
from tests.conftest import (
    PARTNER_ID,
    LiveServer,
    TenantFixture,
    current_errors,
    signed_in_current,
)

Body = dict[str, Any]
DOCS = "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"
PLAIN_CATALOGS = ["warehouses", "price-lists", "cost-centers", "account-groups"]
DOCUMENT_TYPE_KEYS = {
    "id",
    "code",
    "name",
    "description",
    "type",
    "active",
    "seller_by_item",
    "cost_center",
    "cost_center_mandatory",
    "cost_center_default",
    "automatic_number",
    "consecutive",
    "discount_type",
    "decimals",
    "advance_payment",
    "reteiva",
    "reteica",
    "self_withholding",
    "self_withholding_limit",
    "electronic_type",
    "prefix",
    "global_discounts",
    "global_charges",
    "cargo_transportation",
    "healthcare_company",
    "customer_by_item",
}
BOOLEAN_DOCUMENT_TYPE_KEYS = {
    "active",
    "seller_by_item",
    "cost_center",
    "cost_center_mandatory",
    "automatic_number",
    "decimals",
    "advance_payment",
    "reteiva",
    "reteica",
    "self_withholding",
    "cargo_transportation",
    "healthcare_company",
    "customer_by_item",
}
MEANS_TYPES = {0: "Cartera", 1: "Proveedor", 2: "CarteraProveedor"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def errors(response: httpx.Response, status: int = 400) -> list[tuple[str, list[str]]]:
    assert response.status_code == status, response.text
    return current_errors(response)


def messages(response: httpx.Response) -> list[str]:
    return [error["Message"] for error in response.json()["Errors"]]


def legacy(client: httpx.Client, resource: str) -> list[Body]:
    records: list[Body] = ok(client.get(f"/{resource}/GetAll", params={"numberPage": 0}))
    return records


def by_id(records: list[Body], key: str = "id") -> list[Body]:
    return sorted(records, key=lambda r: int(r[key]))


def document_types(client: httpx.Client, doc_class: str) -> list[Body]:
    found: list[Body] = ok(client.get("/v1/document-types", params={"type": doc_class}))
    return found


def payment_types(client: httpx.Client, doc_class: str) -> list[Body]:
    found: list[Body] = ok(client.get("/v1/payment-types", params={"document_type": doc_class}))
    return found


def add_user(
    ctx: ServiceContext, tenant: TenantFixture, username: str, user_type: UserType, number: str
) -> None:
    users.create(
        ctx,
        tenant.actor,
        UserData(
            username=username,
            user_type=user_type,
            identification=number,
            first_name="Sofía",
            last_name=f"Usuaria {number}",
            email=f"u{number}@empresa.co",
        ),
        "clave-usuaria-2024",
    )


@pytest.fixture
def client_as(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture
) -> Iterator[Callable[[str, UserType], httpx.Client]]:
    """A current-API client for a new user of the tenant with the given type."""
    made: list[str] = []
    with ExitStack() as stack:

        def make(username: str, user_type: UserType) -> httpx.Client:
            made.append(username)
            add_user(ctx, tenant, username, user_type, str(40_000_000 + len(made)))
            return stack.enter_context(signed_in_current(ctx, server, tenant, username))

        yield make


@pytest.fixture
def other_current(
    ctx: ServiceContext, server: LiveServer, make_company: Callable[..., TenantFixture]
) -> Iterator[httpx.Client]:
    """The administrator of a second company on the current API."""
    with signed_in_current(ctx, server, make_company()) as client:
        yield client


# --- document types ----------------------------------------------------------------------------


@pytest.mark.parametrize("doc_class", ["FV", "NC", "ND", "RC"])
def test_document_types_are_the_legacy_types_of_the_class(
    current_client: httpx.Client, admin_client: httpx.Client, doc_class: str
) -> None:
    listed = document_types(current_client, doc_class)
    known = [d for d in legacy(admin_client, "ERPDocumentTypes") if d["DocClass"] == doc_class]

    assert listed
    assert by_id(listed) == listed
    assert [
        (d["id"], d["type"], int(d["code"]), d["name"], d["prefix"], d["consecutive"])
        for d in listed
    ] == [
        (d["Id"], d["DocClass"], d["Code"], d["Name"], d["Prefix"], d["Consecutive"])
        for d in by_id(known, "Id")
    ]
    for mine, theirs in zip(listed, by_id(known, "Id"), strict=True):
        assert mine["active"] is theirs["IsActive"]
        assert mine["automatic_number"] is theirs["IsAutomaticNumber"]
        assert mine["discount_type"] == theirs["DiscountType"]
        assert mine["seller_by_item"] is theirs["SellerByItem"]
        assert mine["cost_center_mandatory"] is theirs["CostCenterMandatory"]
        assert (mine["electronic_type"] != "NoElectronic") is theirs["IsElectronic"]


@pytest.mark.parametrize("doc_class", ["FV", "NC", "ND", "RC"])
def test_a_document_type_has_the_fields_of_siigos_record(
    current_client: httpx.Client, doc_class: str
) -> None:
    for record in document_types(current_client, doc_class):
        assert set(record) == DOCUMENT_TYPE_KEYS, record
        assert isinstance(record["id"], int) and not isinstance(record["id"], bool)
        assert isinstance(record["code"], str) and record["code"].isdigit()
        assert record["description"] == record["name"]
        assert record["type"] == doc_class
        assert all(record[key] in (True, False) for key in BOOLEAN_DOCUMENT_TYPE_KEYS), record
        assert record["discount_type"] in ("Percentage", "Value")
        assert record["global_discounts"] == [] and record["global_charges"] == []
        assert record["self_withholding_limit"] == 0


def test_the_default_types_say_how_they_number_and_whether_they_are_electronic(
    current_client: httpx.Client,
) -> None:
    fv = {d["code"]: d for d in document_types(current_client, "FV")}
    (nc,) = document_types(current_client, "NC")
    (rc,) = document_types(current_client, "RC")

    assert fv["1"]["electronic_type"] == "ElectronicInvoice"
    assert (fv["1"]["prefix"], fv["1"]["consecutive"]) == ("SETP", 990000000)
    assert fv["1"]["automatic_number"] is True
    assert fv["2"]["electronic_type"] == "NoElectronic"
    assert fv["2"]["automatic_number"] is False
    assert nc["electronic_type"] == "ElectronicCreditNote"
    assert rc["electronic_type"] == "NoElectronic"
    # Invoices take advances and both sales documents take ReteIVA/ReteICA; receipts neither.
    assert (fv["1"]["advance_payment"], fv["1"]["reteiva"], fv["1"]["reteica"]) == (
        True,
        True,
        True,
    )
    assert (nc["advance_payment"], nc["reteiva"], nc["reteica"]) == (False, True, True)
    assert (rc["advance_payment"], rc["reteiva"], rc["reteica"]) == (False, False, False)


def test_the_consecutive_is_the_next_number_an_invoice_takes(
    current_client: httpx.Client, admin_client: httpx.Client, tenant: TenantFixture
) -> None:
    fv1 = next(d for d in document_types(current_client, "FV") if d["code"] == "1")
    ok(
        current_client.post(
            "/v1/products",
            json={
                "code": "SRV",
                "name": "Servicio",
                "account_group": legacy(admin_client, "AccountGroups")[0]["Id"],
                "type": "Service",
            },
        ),
        201,
    )
    cash = payment_types(current_client, "FV")[0]["id"]
    invoice = ok(
        current_client.post(
            "/v1/invoices",
            json={
                "document": {"id": fv1["id"]},
                "date": colombian_today().isoformat(),
                "customer": company_customer(),
                "seller": tenant.admin.id,
                "items": [{"code": "SRV", "quantity": 1, "price": 1000}],
                "payments": [{"id": cash, "value": 1000}],
            },
        ),
        201,
    )

    assert invoice["number"] == fv1["consecutive"]
    after = next(d for d in document_types(current_client, "FV") if d["id"] == fv1["id"])
    assert after["consecutive"] == fv1["consecutive"] + 1


@pytest.mark.parametrize("params", [{}, {"type": ""}, {"type": "  "}])
def test_the_type_is_required(current_client: httpx.Client, params: Body) -> None:
    response = current_client.get("/v1/document-types", params=params)

    assert errors(response) == [("parameter_required", ["type"])]
    assert messages(response) == ["The field type is required"]
    assert response.json()["Errors"][0]["Detail"] == DOCS + "parameter_required"


@pytest.mark.parametrize("written", ["fv", " Fv ", "FV"])
def test_the_type_is_read_in_any_letter_case(current_client: httpx.Client, written: str) -> None:
    assert document_types(current_client, written) == document_types(current_client, "FV")


@pytest.mark.parametrize("doc_class", ["FC", "CC", "RP", "C", "DS", "rp"])
def test_siigo_classes_facturo_does_not_keep_list_no_types(
    current_client: httpx.Client, doc_class: str
) -> None:
    assert document_types(current_client, doc_class) == []


def test_an_unknown_type_is_an_invalid_value(current_client: httpx.Client) -> None:
    response = current_client.get("/v1/document-types", params={"type": "XX"})

    assert errors(response) == [("invalid_value", ["type"])]
    assert "FV" in messages(response)[0] and "RC" in messages(response)[0]


# --- payment types -----------------------------------------------------------------------------


def expected_payment_types(admin_client: httpx.Client, kinds: set[int]) -> list[Body]:
    """The legacy payment means of the given kinds that a client may choose, as Siigo's
    current API writes them."""
    return [
        {
            "id": m["Id"],
            "name": m["Name"],
            "type": MEANS_TYPES[m["Type"]],
            "active": m["IsActive"],
            "due_date": m["IsCredit"],
        }
        for m in by_id(legacy(admin_client, "PaymentMeans"), "Id")
        if m["Type"] in kinds and not m["IsSystem"]
    ]


@pytest.mark.parametrize("doc_class", ["FV", "NC", "RC", "ND", "fv", " rc "])
def test_sales_documents_take_the_means_that_receive_money(
    current_client: httpx.Client, admin_client: httpx.Client, doc_class: str
) -> None:
    listed = payment_types(current_client, doc_class)

    assert listed == expected_payment_types(admin_client, {0, 2})
    assert {"Efectivo", "Crédito"} <= {p["name"] for p in listed}
    assert [p["due_date"] for p in listed if p["name"] == "Crédito"] == [True]
    assert [p["due_date"] for p in listed if p["name"] == "Efectivo"] == [False]
    assert "Cruce de anticipos" not in {p["name"] for p in listed}  # Facturo's own means


def test_purchases_take_the_means_that_pay_suppliers(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    listed = payment_types(current_client, "FC")

    assert listed == expected_payment_types(admin_client, {1, 2})
    assert "Proveedor" in {p["type"] for p in listed}
    assert "Cartera" not in {p["type"] for p in listed}


@pytest.mark.parametrize("params", [{}, {"document_type": ""}, {"document_type": " "}])
def test_the_document_type_is_required(current_client: httpx.Client, params: Body) -> None:
    response = current_client.get("/v1/payment-types", params=params)

    assert errors(response) == [("parameter_required", ["document_type"])]
    assert messages(response) == ["The field document_type is required"]


@pytest.mark.parametrize("doc_class", ["RP", "rp", "CC", "XX"])
def test_classes_without_payment_types_are_not_found(
    current_client: httpx.Client, doc_class: str
) -> None:
    """§2.9: ``document_type=RP`` answers 404."""
    response = current_client.get("/v1/payment-types", params={"document_type": doc_class})

    assert errors(response, 404) == [("not_found", [])]
    assert response.json()["Errors"][0]["Detail"] == DOCS + "not_found"


def test_the_shape_is_siigos_payment_type(current_client: httpx.Client) -> None:
    for record in payment_types(current_client, "FV"):
        assert set(record) == {"id", "name", "type", "active", "due_date"}
        assert isinstance(record["id"], int)
        assert record["type"] in ("Cartera", "CarteraProveedor")


# --- users -------------------------------------------------------------------------------------


def test_users_are_a_page_of_the_legacy_users(
    ctx: ServiceContext,
    server: LiveServer,
    tenant: TenantFixture,
    current_client: httpx.Client,
    admin_client: httpx.Client,
) -> None:
    add_user(ctx, tenant, "vendedora@empresa.co", UserType.LITE, "30405060")
    add_user(ctx, tenant, "nomina@empresa.co", UserType.PAYROLL, "30405061")

    page = ok(current_client.get("/v1/users"))

    assert set(page) == {"pagination", "results", "_links"}
    assert page["pagination"] == {"page": 1, "page_size": 25, "total_results": 3}
    assert page["results"] == [
        {
            "id": u["Id"],
            "username": u["UserName"],
            "first_name": u["FirstName"],
            "last_name": u["LastName"],
            "email": u["Email"],
            "active": u["IsActive"],
            "identification": u["Identification"],
        }
        for u in by_id(legacy(admin_client, "Users"), "Id")
    ]
    assert page["results"][0]["username"] == "admin@empresa.co"
    assert page["results"][1]["email"] == "u30405060@empresa.co"
    assert page["_links"] == {"self": {"href": f"{server.url}/v1/users?page=1&page_size=25"}}
    assert "password" not in str(page).lower() and "hash" not in str(page).lower()


def test_users_of_another_company_are_not_listed(
    current_client: httpx.Client, other_current: httpx.Client
) -> None:
    mine = {u["id"] for u in ok(current_client.get("/v1/users"))["results"]}
    theirs = {u["id"] for u in ok(other_current.get("/v1/users"))["results"]}

    assert mine and theirs and not mine & theirs


# --- warehouses, price lists, cost centers, account groups ---------------------------------


LEGACY_OF = {
    "warehouses": "Warehouses",
    "price-lists": "PriceList",
    "cost-centers": "CostCenters",
    "account-groups": "AccountGroups",
}


def as_current(path: str, record: Body) -> Body:
    """A legacy catalog record as the current API writes it (§2.8)."""
    common = {"id": record["Id"], "name": record["Name"], "active": record["IsActive"]}
    if path == "warehouses":
        return common | {"has_movements": False}
    if path == "price-lists":
        return common | {"position": record["Position"]}
    if path == "cost-centers":
        return common | {"code": record["Code"]}
    return common


@pytest.mark.parametrize("path", PLAIN_CATALOGS)
def test_plain_catalogs_are_arrays_of_the_legacy_records(
    current_client: httpx.Client, admin_client: httpx.Client, path: str
) -> None:
    listed = ok(current_client.get(f"/v1/{path}"))

    assert isinstance(listed, list) and listed
    assert by_id(listed) == [
        as_current(path, r) for r in by_id(legacy(admin_client, LEGACY_OF[path]), "Id")
    ]
    assert all(type(r["id"]) is int for r in listed)


def test_price_lists_are_positions_1_to_12(current_client: httpx.Client) -> None:
    listed = ok(current_client.get("/v1/price-lists"))

    assert sorted(p["position"] for p in listed) == list(range(1, 13))


def test_a_warehouse_has_movements_once_stock_moves_through_it(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    group = legacy(admin_client, "AccountGroups")[0]["Id"]
    ok(
        admin_client.post(
            "/Products/Create",
            json={
                "Code": "INV-1",
                "Description": "Artículo con inventario",
                "ProductTypeKey": "ProductType_Product",
                "AccountGroupID": group,
                "IsInventoryControl": True,
            },
        )
    )
    (before,) = ok(current_client.get("/v1/warehouses"))
    ok(
        admin_client.post(
            "/Inventory/Adjust", json={"ProductCode": "INV-1", "WareHouseCode": "1", "Quantity": 5}
        )
    )

    (after,) = ok(current_client.get("/v1/warehouses"))
    assert before["has_movements"] is False
    assert after == before | {"has_movements": True}


@pytest.mark.parametrize("path", [*PLAIN_CATALOGS, "users"])
def test_catalogs_of_another_company_are_its_own(
    current_client: httpx.Client, other_current: httpx.Client, path: str
) -> None:
    def ids(client: httpx.Client) -> set[int]:
        body = ok(client.get(f"/v1/{path}"))
        return {r["id"] for r in (body["results"] if path == "users" else body)}

    assert ids(current_client).isdisjoint(ids(other_current))


# --- account groups: creating and changing ------------------------------------------------


def group_codes(admin_client: httpx.Client) -> dict[int, str]:
    return {g["Id"]: g["Code"] for g in legacy(admin_client, "AccountGroups")}


def test_creating_a_group_answers_201_with_id_name_and_active(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    response = current_client.post(
        "/v1/account-groups", json={"code": "ACC01", "name": "Accesorios"}
    )

    group = ok(response, 201)
    assert set(group) == {"id", "name", "active"}
    assert type(group["id"]) is int
    assert (group["name"], group["active"]) == ("Accesorios", True)
    assert group in ok(current_client.get("/v1/account-groups"))
    theirs = next(g for g in legacy(admin_client, "AccountGroups") if g["Id"] == group["id"])
    assert (theirs["Code"], theirs["Name"], theirs["IsActive"]) == ("ACC01", "Accesorios", True)


def test_a_new_group_classifies_products(current_client: httpx.Client) -> None:
    group = ok(current_client.post("/v1/account-groups", json={"code": "G7", "name": "Ropa"}), 201)

    product = ok(
        current_client.post(
            "/v1/products",
            json={"code": "CAM-1", "name": "Camisa", "account_group": group["id"]},
        ),
        201,
    )

    assert product["account_group"] == {"id": group["id"], "name": "Ropa"}


def test_the_longest_code_and_name_are_accepted(current_client: httpx.Client) -> None:
    group = ok(
        current_client.post("/v1/account-groups", json={"code": "A" * 9 + "9", "name": "N" * 50}),
        201,
    )

    assert group["name"] == "N" * 50


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("parameter_required", ["code"]), ("parameter_required", ["name"])]),
        (
            {"code": " ", "name": ""},
            [("parameter_required", ["code"]), ("parameter_required", ["name"])],
        ),
        ({"code": "ABCDEFGHIJK", "name": "Once"}, [("length_max", ["code"])]),
        ({"code": "A1", "name": "N" * 51}, [("length_max", ["name"])]),
        ({"code": "A-1", "name": "Guion"}, [("invalid_code", ["code"])]),
        ({"code": "A 1", "name": "Espacio"}, [("invalid_code", ["code"])]),
        ({"code": "AÑO", "name": "Eñe"}, [("invalid_code", ["code"])]),
        (
            {"code": "ABC-DEFGHIJ", "name": "N" * 51},
            [("length_max", ["code"]), ("invalid_code", ["code"]), ("length_max", ["name"])],
        ),
    ],
)
def test_code_and_name_are_checked_and_every_failure_reported(
    current_client: httpx.Client, admin_client: httpx.Client, body: Body, expected: list[Any]
) -> None:
    before = group_codes(admin_client)

    response = current_client.post("/v1/account-groups", json=body)

    assert errors(response) == expected
    assert response.json()["Status"] == 400
    assert group_codes(admin_client) == before


def test_a_missing_body_is_refused_in_the_current_envelope(current_client: httpx.Client) -> None:
    response = current_client.post("/v1/account-groups")

    assert errors(response) == [("parameter_required", [])]


def test_a_code_already_used_is_refused(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    first = ok(current_client.post("/v1/account-groups", json={"code": "DUP1", "name": "Uno"}), 201)
    before = group_codes(admin_client)

    again = current_client.post("/v1/account-groups", json={"code": " DUP1 ", "name": "Dos"})
    seeded = current_client.post("/v1/account-groups", json={"code": "1", "name": "Tres"})

    assert errors(again) == [("already_exists", ["code"])]
    assert str(first["id"]) in messages(again)[0]
    assert errors(seeded) == [("already_exists", ["code"])]
    assert group_codes(admin_client) == before


def test_the_same_name_under_another_code_is_allowed(current_client: httpx.Client) -> None:
    a = ok(current_client.post("/v1/account-groups", json={"code": "N1", "name": "Igual"}), 201)
    b = ok(current_client.post("/v1/account-groups", json={"code": "N2", "name": "Igual"}), 201)

    assert a["id"] != b["id"]


def test_the_body_is_read_leniently(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    """Python-repr bodies, numbers and booleans as strings, padding and unknown keys (§2.10)."""
    repr_body = current_client.post(
        "/v1/account-groups",
        content="{'code': 'PY1', 'name': ' Desde Python ', 'active': 'false', 'extra': None}",
        headers={"Content-Type": "application/json"},
    )
    numeric = current_client.post(
        "/v1/account-groups", json={"code": 123, "name": "Numérico", "color": "rojo"}
    )

    made = ok(repr_body, 201)
    assert (made["name"], made["active"]) == ("Desde Python", False)
    number = ok(numeric, 201)
    assert group_codes(admin_client)[made["id"]] == "PY1"
    assert group_codes(admin_client)[number["id"]] == "123"


# --- account groups: PUT ------------------------------------------------------------------


def test_put_changes_code_and_name_and_answers_201(
    current_client: httpx.Client, admin_client: httpx.Client
) -> None:
    group = ok(
        current_client.post("/v1/account-groups", json={"code": "OLD", "name": "Viejo"}), 201
    )

    response = current_client.put(
        f"/v1/account-groups/{group['id']}", json={"code": "NEW", "name": "Nuevo"}
    )

    assert ok(response, 201) == {"id": group["id"], "name": "Nuevo", "active": True}
    assert group_codes(admin_client)[group["id"]] == "NEW"
    assert {"id": group["id"], "name": "Nuevo", "active": True} in ok(
        current_client.get("/v1/account-groups")
    )
    # The old code is free again.
    ok(current_client.post("/v1/account-groups", json={"code": "OLD", "name": "Otro"}), 201)


def test_put_keeps_a_group_inactive_unless_told_otherwise(current_client: httpx.Client) -> None:
    group = ok(current_client.post("/v1/account-groups", json={"code": "ACT", "name": "A"}), 201)
    path = f"/v1/account-groups/{group['id']}"

    off = ok(current_client.put(path, json={"code": "ACT", "name": "B", "active": False}), 201)
    kept = ok(current_client.put(path, json={"code": "ACT", "name": "C"}), 201)
    on = ok(current_client.put(path, json={"code": "ACT", "name": "D", "active": "true"}), 201)

    assert (off["active"], kept["active"], on["active"]) == (False, False, True)
    assert kept["name"] == "C"


def test_put_may_keep_the_groups_own_code_but_not_take_anothers(
    current_client: httpx.Client,
) -> None:
    a = ok(current_client.post("/v1/account-groups", json={"code": "AAA", "name": "A"}), 201)
    ok(current_client.post("/v1/account-groups", json={"code": "BBB", "name": "B"}), 201)
    path = f"/v1/account-groups/{a['id']}"

    assert ok(current_client.put(path, json={"code": "AAA", "name": "A2"}), 201)["name"] == "A2"
    taken = current_client.put(path, json={"code": "BBB", "name": "A3"})

    assert errors(taken) == [("already_exists", ["code"])]
    assert {"id": a["id"], "name": "A2", "active": True} in ok(
        current_client.get("/v1/account-groups")
    )


def test_put_checks_code_and_name_like_post(current_client: httpx.Client) -> None:
    group = ok(current_client.post("/v1/account-groups", json={"code": "CHK", "name": "C"}), 201)

    response = current_client.put(f"/v1/account-groups/{group['id']}", json={"name": "N" * 51})

    assert errors(response) == [("parameter_required", ["code"]), ("length_max", ["name"])]


@pytest.mark.parametrize("group_id", ["987654321", "abc", "-1", "1.5", "99999999999999999999"])
def test_put_on_an_unknown_group_is_404(current_client: httpx.Client, group_id: str) -> None:
    response = current_client.put(
        f"/v1/account-groups/{group_id}", json={"code": "X1", "name": "X"}
    )

    assert errors(response, 404) == [("not_found", [])]


def test_put_on_another_companys_group_is_404_and_changes_nothing(
    current_client: httpx.Client, other_current: httpx.Client
) -> None:
    theirs = ok(other_current.get("/v1/account-groups"))[0]

    response = current_client.put(
        f"/v1/account-groups/{theirs['id']}", json={"code": "MINE", "name": "Mío"}
    )

    assert errors(response, 404) == [("not_found", [])]
    assert theirs in ok(other_current.get("/v1/account-groups"))


# --- who may read and change the catalogs -------------------------------------------------


READS = [
    ("/v1/document-types", {"type": "FV"}),
    ("/v1/payment-types", {"document_type": "FV"}),
    ("/v1/users", {}),
    ("/v1/warehouses", {}),
    ("/v1/price-lists", {}),
    ("/v1/cost-centers", {}),
    ("/v1/account-groups", {}),
]


@pytest.mark.parametrize("user_type", [UserType.LITE, UserType.PAYROLL])
def test_every_user_reads_what_the_administrator_reads(
    current_client: httpx.Client,
    client_as: Callable[[str, UserType], httpx.Client],
    user_type: UserType,
) -> None:
    limited = client_as(f"{user_type.value}@empresa.co", user_type)

    for path, params in READS:
        assert ok(limited.get(path, params=params)) == ok(current_client.get(path, params=params))


@pytest.mark.parametrize("user_type", [UserType.LITE, UserType.PAYROLL])
def test_only_a_user_with_access_changes_account_groups(
    current_client: httpx.Client,
    admin_client: httpx.Client,
    client_as: Callable[[str, UserType], httpx.Client],
    user_type: UserType,
) -> None:
    limited = client_as(f"{user_type.value}@empresa.co", user_type)
    group = ok(current_client.post("/v1/account-groups", json={"code": "ADM", "name": "A"}), 201)
    before = legacy(admin_client, "AccountGroups")

    created = limited.post("/v1/account-groups", json={"code": "LIM", "name": "Limitado"})
    changed = limited.put(f"/v1/account-groups/{group['id']}", json={"code": "LIM", "name": "L"})

    for response in (created, changed):
        assert errors(response, 403) == [("forbidden", [])]
        assert "no tiene acceso" in messages(response)[0]
    assert legacy(admin_client, "AccountGroups") == before


@pytest.mark.parametrize("path", [path for path, _ in READS])
def test_catalogs_need_a_token_and_the_partner_id(
    server: LiveServer, current_client: httpx.Client, path: str
) -> None:
    token = current_client.headers["Authorization"]

    anonymous = httpx.get(f"{server.url}{path}", headers={"Partner-Id": PARTNER_ID})
    no_partner = httpx.get(f"{server.url}{path}", headers={"Authorization": token})

    assert anonymous.status_code == 401
    assert current_errors(anonymous)[0][0] == "unauthorized"
    assert errors(no_partner) == [("header_required", ["Partner-Id"])]


# --- lenient requests ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), READS)
def test_a_get_with_a_json_body_and_unknown_parameters_is_tolerated(
    current_client: httpx.Client, path: str, params: Body
) -> None:
    expected = ok(current_client.get(path, params=params))

    for body in (b"{}", b"[]"):
        response = current_client.request(
            "GET",
            path,
            params=params | {"namespace": "v1", "foo": "bar"},
            content=body,
            headers={"Content-Type": "application/json; charset=UTF-8"},
        )
        found = ok(response)
        if path == "/v1/users":  # its links carry the parameters sent
            found.pop("_links")
            expected.pop("_links", None)
        assert found == expected


@pytest.mark.parametrize(("path", "params"), READS)
def test_catalogs_are_served_under_the_alliances_prefix_too(
    current_client: httpx.Client, path: str, params: Body
) -> None:
    aliased = ok(current_client.get(f"/alliances/api{path}", params=params))
    plain = ok(current_client.get(path, params=params))

    if path == "/v1/users":
        assert aliased["_links"]["self"]["href"].endswith(
            "/alliances/api/v1/users?page=1&page_size=25"
        )
        del aliased["_links"], plain["_links"]
    assert aliased == plain


def test_openapi_describes_every_catalog_route(http: httpx.Client) -> None:
    paths = ok(http.get("/openapi.json"))["paths"]

    for path, _ in READS:
        assert "get" in paths[path], path
    assert "post" in paths["/v1/account-groups"]
    assert "put" in paths["/v1/account-groups/{group_id}"]
    parameters = {p["name"] for p in paths["/v1/document-types"]["get"]["parameters"]}
    assert "type" in parameters
    parameters = {p["name"] for p in paths["/v1/payment-types"]["get"]["parameters"]}
    assert "document_type" in parameters
