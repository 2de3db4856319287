"""The real Siigo clients from PyPI against a live Facturo (shared/reference/siigo-api.md §3):
``siigo-python`` 0.1.1 (GearPlug; requests, raw token, Partner-Id GearPlug) and
``siigo-connector`` 0.2.7 (httpx, Bearer token, strict pydantic models for every record).

Each client is pointed at the test server exactly as the reference explains — nothing else
about it is changed — and does what it can: sign in, list and create customers and
products, create and list invoices."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from siigo.client import Client as SiigoPythonClient
from siigo.exceptions import UnauthorizedError, WrongFormatInputError
from siigo_connector.client import Client as ConnectorClient
from siigo_connector.errors import APIResponseError

from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture, make_access_key


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


@pytest.fixture
def siigo_python(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture
) -> Iterator[SiigoPythonClient]:
    """siigo-python signed in. Its headers are a class attribute shared by every instance
    (a bug of the client), so they are restored after each test."""
    saved_url, saved_headers = SiigoPythonClient.URL, dict(SiigoPythonClient.headers)
    SiigoPythonClient.URL = f"{server.url}/"
    client = SiigoPythonClient(email="admin@empresa.co", access_key=make_access_key(ctx, tenant))
    token = client.generate_token()
    client.set_token(token["access_token"])
    try:
        yield client
    finally:
        SiigoPythonClient.URL = saved_url
        SiigoPythonClient.headers = saved_headers


@pytest.fixture
def connector(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture
) -> Iterator[ConnectorClient]:
    client = ConnectorClient(
        username="admin@empresa.co",
        access_key=make_access_key(ctx, tenant),
        partner_id="FacturoTests",
        base_url=server.url,
    )
    try:
        yield client
    finally:
        client.close()


def _catalogs(client: SiigoPythonClient) -> dict[str, Any]:
    taxes = client.list_taxes()
    return {
        "account_group": client.list_group_accounts()[0]["id"],
        "iva19": next(t["id"] for t in taxes if t["type"] == "IVA" and t["percentage"] == 19),
        "retefuente": next(t["id"] for t in taxes if t["type"] == "Retefuente"),
        "consumption": next(t["id"] for t in taxes if t["type"] == "Impoconsumo"),
        "invoice_type": next(
            d["id"] for d in client.list_document_types("FV") if d["automatic_number"]
        ),
        "cash": next(p["id"] for p in client.list_payment_types("FV") if p["name"] == "Efectivo"),
        "credit": next(p["id"] for p in client.list_payment_types("FV") if p["due_date"]),
        "seller": client.list_users(page_size="25", page="1")["results"][0]["id"],
    }


# --- siigo-python -----------------------------------------------------------------------------


def test_siigo_python_signs_in_and_reads_every_catalog(siigo_python: SiigoPythonClient) -> None:
    assert isinstance(siigo_python.list_taxes(), list)
    assert isinstance(siigo_python.list_price_lists(), list)
    assert isinstance(siigo_python.list_cost_centers(), list)
    assert isinstance(siigo_python.list_group_accounts(), list)
    assert [d["type"] for d in siigo_python.list_document_types("FV")] == ["FV", "FV"]
    assert siigo_python.list_payment_types("RC")
    users = siigo_python.list_users(page_size="10", page="1")
    assert users["results"][0]["username"] == "admin@empresa.co"


def test_siigo_python_creates_and_lists_customers(siigo_python: SiigoPythonClient) -> None:
    identification = str(secrets.randbelow(10**9) + 10**9)
    created = siigo_python.create_customer(
        person_type="Person",
        id_type="13",
        name=["Marcos", "Castillo"],
        contacts=[
            {
                "first_name": "Marcos",
                "last_name": "Castillo",
                "email": "marcos.castillo@contacto.com",
                "phone": {"indicative": "57", "number": "3006003345", "extension": "132"},
            }
        ],
        phones=[{"indicative": "57", "number": "3006003345", "extension": "132"}],
        address={
            "address": "Cra. 18 #79A - 42",
            "city": {"country_code": "Co", "state_code": "19", "city_code": "19001"},
            "postal_code": "110911",
        },
        identification=identification,
        type="Customer",
        branch_office=0,
        fiscal_responsibilities=[{"code": "R-99-PN"}],
    )
    assert created["identification"] == identification
    assert created["name"] == ["Marcos", "Castillo"]
    found = siigo_python.list_customers(identification=identification)
    assert [c["id"] for c in found["results"]] == [created["id"]]
    with pytest.raises(WrongFormatInputError) as refused:
        siigo_python.create_customer(
            person_type="Person",
            id_type="13",
            name=["Marcos", "Castillo"],
            contacts=[],
            phones=[],
            address={
                "address": "Cra. 18",
                "city": {"country_code": "Co", "state_code": "19", "city_code": "19001"},
            },
            identification=identification,
        )
    assert refused.value.args[0]["Errors"][0]["Code"] == "already_exists"


def test_siigo_python_creates_and_lists_products(siigo_python: SiigoPythonClient) -> None:
    catalogs = _catalogs(siigo_python)
    code = f"SP-{secrets.token_hex(3)}"
    created = siigo_python.create_product(
        code=code,
        name="Camiseta de algodón",
        account_group=catalogs["account_group"],
        type="Product",
        stock_control=False,
        tax_classification="Taxed",
        taxes=[{"id": catalogs["iva19"]}],
        prices=[{"currency_code": "COP", "price_list": [{"position": 1, "value": 12000}]}],
        unit="94",
        additional_fields={
            "barcode": "B0123",
            "brand": "Gef",
            "tariff": "151612",
            "model": "Loiry",
        },
    )
    assert created["code"] == code
    assert created["taxes"][0]["percentage"] == 19
    listed = siigo_python.list_products(code=code)
    assert [p["id"] for p in listed["results"]] == [created["id"]]
    by_id = siigo_python.list_products(id=created["id"])
    assert [p["code"] for p in by_id["results"]] == [code]


def test_siigo_python_creates_and_lists_an_invoice(siigo_python: SiigoPythonClient) -> None:
    catalogs = _catalogs(siigo_python)
    code = f"SPI-{secrets.token_hex(3)}"
    siigo_python.create_product(
        code=code,
        name="Servicio de instalación",
        account_group=catalogs["account_group"],
        type="Service",
        taxes=[{"id": catalogs["iva19"]}],
    )
    identification = str(secrets.randbelow(10**8) + 10**8)
    siigo_python.create_customer(
        person_type="Company",
        id_type="31",
        name=["Instalaciones del Cauca SAS"],
        contacts=[{"first_name": "Lina", "last_name": "Mora", "email": "lina@cauca.co"}],
        phones=[{"number": "3001234567"}],
        address={
            "address": "Calle 5 # 4-30",
            "city": {"country_code": "Co", "state_code": "19", "city_code": "19001"},
        },
        identification=identification,
    )
    # The documented sample: price with 2 decimals, total computed by Siigo's per-line rounding.
    price = Decimal("1069.77")
    tax = (price * Decimal("0.19")).quantize(Decimal("0.01"))
    total = price + tax
    today = colombian_today().isoformat()
    invoice = siigo_python.create_invoice(
        document={"id": catalogs["invoice_type"]},
        date=today,
        customer={"identification": identification, "branch_office": 0},
        seller=catalogs["seller"],
        items=[
            {
                "code": code,
                "description": "Instalación",
                "quantity": 1,
                "price": float(price),
                "discount": 0,
                "taxes": [{"id": catalogs["iva19"]}],
            }
        ],
        payments=[{"id": catalogs["cash"], "value": float(total), "due_date": today}],
        observations="Pedido 123 de la tienda",
    )
    assert Decimal(str(invoice["total"])) == total
    assert invoice["name"].startswith("FV-1-")
    listed = siigo_python.list_invoices(identification=identification)
    assert [i["id"] for i in listed["results"]] == [invoice["id"]]
    assert listed["results"][0]["observations"] == "Pedido 123 de la tienda"


def test_siigo_python_sees_a_wrong_total_as_siigo_words_it(siigo_python: SiigoPythonClient) -> None:
    """Real clients parse the last word of this message and retry with it."""
    catalogs = _catalogs(siigo_python)
    code = f"SPT-{secrets.token_hex(3)}"
    siigo_python.create_product(
        code=code, name="Asesoría", account_group=catalogs["account_group"], type="Service"
    )
    identification = str(secrets.randbelow(10**8) + 10**8)
    siigo_python.create_customer(
        person_type="Person",
        id_type="13",
        name=["Ana", "Ruiz"],
        contacts=[{"first_name": "Ana", "last_name": "Ruiz", "email": "ana@ruiz.co"}],
        phones=[],
        address={
            "address": "Cra 7",
            "city": {"country_code": "Co", "state_code": "11", "city_code": "11001"},
        },
        identification=identification,
    )
    arguments: dict[str, Any] = {
        "document": {"id": catalogs["invoice_type"]},
        "date": colombian_today().isoformat(),
        "customer": {"identification": identification, "branch_office": 0},
        "seller": catalogs["seller"],
        "items": [
            {
                "code": code,
                "description": "Asesoría",
                "quantity": 3,
                "price": 3333.333333,
                "taxes": [{"id": catalogs["iva19"]}],
            }
        ],
        "payments": [{"id": catalogs["cash"], "value": 10000}],
    }
    with pytest.raises(WrongFormatInputError) as refused:
        siigo_python.create_invoice(**arguments)
    error = refused.value.args[0]["Errors"][0]
    assert error["Code"] == "invalid_total_payments"
    corrected = float(error["Message"].split()[-1])
    arguments["payments"][0]["value"] = corrected
    invoice = siigo_python.create_invoice(**arguments)
    assert invoice["total"] == corrected == 11900.0


def test_siigo_python_with_a_revoked_token(
    siigo_python: SiigoPythonClient,
) -> None:
    siigo_python.set_token("not-a-token")
    with pytest.raises(UnauthorizedError):
        siigo_python.list_taxes()


# --- siigo-connector --------------------------------------------------------------------------


def test_connector_parses_every_customer_strictly(
    connector: ConnectorClient, siigo_python: SiigoPythonClient
) -> None:
    """Customers of every shape — person, company, no contacts, no address, several phones —
    all pass the connector's strict models."""
    made = []
    for index, (person_type, id_type, name) in enumerate(
        [
            ("Person", "13", ["Julián", "Pérez"]),
            ("Company", "31", ["Ferretería La Llave SAS"]),
            ("Person", "22", ["Ingrid", "Müller"]),
        ]
    ):
        made.append(
            siigo_python.create_customer(
                person_type=person_type,
                id_type=id_type,
                name=name,
                contacts=[{"first_name": "Solo"}] if index == 2 else [],
                phones=[{"number": "3005551234"}, {"number": "6017654321"}] if index else [],
                address={
                    "address": "Av. Siempre Viva 742",
                    "city": {"country_code": "Co", "state_code": "05", "city_code": "05001"},
                },
                identification=str(secrets.randbelow(10**8) + 10**8)
                if id_type != "22"
                else f"CE{secrets.token_hex(3)}",
            )["id"]
        )
    listed = list(connector.customers.list(created_start=colombian_today().isoformat()))
    assert {str(c.id) for c in listed} >= set(made)
    for customer in listed:
        assert customer.id_type.name
        assert isinstance(customer.branch_office, int)


def test_connector_parses_every_product_strictly(
    connector: ConnectorClient, siigo_python: SiigoPythonClient
) -> None:
    catalogs = _catalogs(siigo_python)
    made = {
        siigo_python.create_product(
            code=f"SC-{secrets.token_hex(3)}",
            name=name,
            account_group=catalogs["account_group"],
            type=kind,
            stock_control=kind == "Product",
            tax_classification=classification,
            taxes=taxes,
            prices=[{"currency_code": "COP", "price_list": [{"position": 1, "value": 5000}]}],
        )["id"]
        for name, kind, classification, taxes in [
            ("Cuaderno", "Product", "Taxed", [{"id": catalogs["iva19"]}]),
            ("Almuerzo", "Service", "Taxed", [{"id": catalogs["consumption"]}]),
            (
                "Consultoría",
                "Service",
                "Taxed",
                [{"id": catalogs["iva19"]}, {"id": catalogs["retefuente"]}],
            ),
            ("Libro", "Product", "Excluded", []),
        ]
    }
    listed = list(connector.products.list(created_start=colombian_today().isoformat()))
    assert {str(p.id) for p in listed} >= made
    for product in listed:
        assert product.unit.code
        assert product.available_quantity >= 0


def test_connector_parses_records_made_through_the_legacy_dialect(
    connector: ConnectorClient, admin_client: httpx.Client
) -> None:
    """The least a legacy client sends — a tercero with one phone and no contacts, a bare
    service, a customer an invoice created — still reads as strict current records."""
    group = admin_client.get("/AccountGroups/GetAll").json()[0]["Id"]
    created = admin_client.post(
        "/Accounts/Create",
        json={
            "IsCustomer": True,
            "IsSocialReason": True,
            "FullName": "Distribuciones Andinas SAS",
            "IdTypeCode": "31",
            "Identification": "900373913",
            "City": {"CountryCode": "Co", "StateCode": "11", "CityCode": "11001"},
            "Address": "Calle 26 # 68-35",
            "Phone": {"Number": "6014567890"},
        },
    )
    assert created.status_code == 200, created.text
    product = admin_client.post(
        "/Products/Create",
        json={
            "Code": "LEG-1",
            "Description": "Servicio legado",
            "ProductTypeKey": "ProductType_Service",
            "AccountGroupID": group,
        },
    )
    assert product.status_code == 200, product.text
    fv = next(
        t["Id"]
        for t in admin_client.get("/ERPDocumentTypes/GetAll").json()
        if t["DocClass"] == "FV"
    )
    cash = next(
        m["Id"] for m in admin_client.get("/PaymentMeans/GetAll").json() if m["Name"] == "Efectivo"
    )
    invoice = admin_client.post(
        "/Invoice/Save",
        json={
            "Header": {
                "DocCode": fv,
                "DocDate": colombian_today().strftime("%Y%m%d"),
                "SalesmanIdentification": "1020304050",
                "Account": {
                    "IsSocialReason": False,
                    "FirstName": "Rosa",
                    "LastName": "Díaz",
                    "IdTypeCode": "13",
                    "Identification": "52123987",
                    "City": {"CountryCode": "Co", "StateCode": "05", "CityCode": "05001"},
                    "Address": "Cra 43A # 1-50",
                    "Phone": {"Number": "3001112233"},
                },
            },
            "Items": [{"ProductCode": "LEG-1", "Quantity": 1, "UnitValue": 1000}],
            "Payments": [{"PaymentMeansCode": cash, "Value": 1000}],
        },
    )
    assert invoice.status_code == 200, invoice.text

    customers = {c.identification: c for c in connector.customers.list()}
    products = {p.code: p for p in connector.products.list()}

    assert {"900373913", "52123987"} <= set(customers)
    assert customers["52123987"].person_type == "Person"
    assert products["LEG-1"].type == "Service"


def test_connector_refused_credentials(server: LiveServer) -> None:
    client = ConnectorClient(
        username="admin@empresa.co",
        access_key="bm9wZTpub3Bl",
        partner_id="FacturoTests",
        base_url=server.url,
    )
    try:
        with pytest.raises(APIResponseError) as refused:
            list(client.customers.list())
        assert refused.value.status == 400
        assert "invalid_value" in refused.value.message
    finally:
        client.close()
