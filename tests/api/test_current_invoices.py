"""Sales invoices over the current API (``/v1/invoices``), black-box over HTTP: create with
every shape clients send, read, list with filters, replace, delete, annul, mail, the DIAN
routes that are not wired yet, Idempotency-Key, and what the legacy dialect sees of it all
(shared/reference/siigo-api.md §2.7–§2.10, §4 "Invoices")."""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from facturo.domain.access import UserType
from facturo.domain.catalogs import DiscountType
from facturo.domain.users import UserData
from facturo.services import access_keys, idempotency, users
from facturo.services.context import ServiceContext
from facturo.store import tables as t
from tests.conftest import (
    PARTNER_ID,
    LiveServer,
    TenantFixture,
    current_errors,
    current_sign_in,
)
from tests.mailbox import Mailbox

Body = dict[str, Any]
DOCS = "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"
FIRST_FV1 = 990000000
CUSTOMER_NIT = "800197268"
TOTAL_MESSAGE = re.compile(
    r"The total payments must be equal to the total invoice\. The total invoice calculated is (\S+)"
)


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def company_customer(identification: str = CUSTOMER_NIT, **fields: Any) -> Body:
    """A full inline customer, as CustomerIn writes it: created by the first invoice."""
    customer: Body = {
        "person_type": "Company",
        "id_type": "31",
        "identification": identification,
        "branch_office": 0,
        "name": ["Distribuidora El Cliente SAS"],
        "address": {
            "address": "Calle 100 # 15-20",
            "city": {"country_code": "Co", "state_code": "11", "city_code": "11001"},
        },
        "phones": [{"number": "6011234567"}],
        "contacts": [
            {"first_name": "Jorge", "last_name": "Compras", "email": "compras@cliente.co"}
        ],
    }
    customer.update(fields)
    return customer


@dataclass
class Shop:
    """A company ready to sell through the current API: its catalogs by name, a service
    SERV-1 and a stock-controlled PROD-1 with 10 units in warehouse "1". ``legacy`` is the
    same administrator on the legacy dialect (for setup, and to compare both faces)."""

    client: httpx.Client
    legacy: httpx.Client
    tenant: TenantFixture
    taxes: dict[str, int]
    means: dict[str, int]
    doc_types: dict[str, int]
    warehouse: int
    seller: int
    created: list[Body] = field(default_factory=list)

    def tax(self, name: str) -> int:
        return self.taxes[name]

    def cash(self, value: Any) -> Body:
        return {"id": self.means["Efectivo"], "value": value}

    def credit(self, value: Any, due: date | None = None) -> Body:
        return {
            "id": self.means["Crédito"],
            "value": value,
            "due_date": (due or colombian_today() + timedelta(days=30)).isoformat(),
        }

    def item(self, code: str, quantity: Any, price: Any, *taxes: str, **fields: Any) -> Body:
        line: Body = {
            "code": code,
            "quantity": quantity,
            "price": price,
            "taxes": [{"id": self.tax(name)} for name in taxes],
        }
        line.update(fields)
        return line

    def body(
        self,
        *,
        items: list[Body] | None = None,
        payments: list[Body] | None = None,
        customer: Body | None = None,
        **fields: Any,
    ) -> Body:
        """A valid invoice: by default 2 × SERV-1 at 50 000 with IVA 19 %, paid 119 000 cash."""
        body: Body = {
            "document": {"id": self.doc_types["FV-1"]},
            "date": colombian_today().isoformat(),
            "customer": customer or company_customer(),
            "seller": self.seller,
            "items": items if items is not None else [self.item("SERV-1", 2, 50000, "IVA 19%")],
            "payments": payments if payments is not None else [self.cash(119000)],
        }
        body.update(fields)
        return body

    def post(self, body: Body, **headers: str) -> httpx.Response:
        return self.client.post("/v1/invoices", json=body, headers=headers)

    def issue(self, body: Body | None = None) -> Body:
        invoice: Body = ok(self.post(body or self.body()), 201)
        self.created.append(invoice)
        return invoice

    def get(self, invoice_id: str) -> httpx.Response:
        return self.client.get(f"/v1/invoices/{invoice_id}")

    def product(self, code: str, *, service: bool = False, tax: str | None = None) -> None:
        product: Body = {
            "Code": code,
            "Description": f"Artículo {code}",
            "ProductTypeKey": "ProductType_Service" if service else "ProductType_Product",
            "AccountGroupID": ok(self.legacy.get("/AccountGroups/GetAll"))[0]["Id"],
            "IsInventoryControl": not service,
        }
        if tax:
            product["TaxAddID"] = self.tax(tax)
        ok(self.legacy.post("/Products/Create", json=product))

    def add_stock(self, code: str, quantity: Any) -> None:
        ok(
            self.legacy.post(
                "/Inventory/Adjust",
                json={"ProductCode": code, "WareHouseCode": "1", "Quantity": quantity},
            )
        )

    def stock(self, code: str) -> Decimal:
        balance = ok(self.legacy.get("/Products/GetProductBalanceByCode", params={"code": code}))
        return dec(balance["TotalBalance"])

    def next_number(self, doc: str = "FV-1") -> int:
        doc_class, code = doc.split("-")
        found = ok(
            self.legacy.get(
                "/ERPDocumentTypes/GetByCode", params={"docClass": doc_class, "docCode": code}
            )
        )
        return int(found["NumberingRange"]["NextNumber"])

    def legacy_invoice(self, number: int) -> Body:
        """The invoice as the legacy dialect shows it, found by its number."""
        for page in range(100):
            found = ok(self.legacy.get("/Invoice/GetAll", params={"numberPage": page}))
            if not found:
                break
            for record in found:
                if record["Header"]["Number"] == number:
                    invoice: Body = ok(
                        self.legacy.get(f"/Invoice/GetByID/{record['Header']['Id']}")
                    )
                    return invoice
        raise AssertionError(f"no legacy invoice numbered {number}")

    def list(self, **params: Any) -> Body:
        page: Body = ok(self.client.get("/v1/invoices", params=params))
        return page


@pytest.fixture
def legacy_client(admin_client: httpx.Client) -> httpx.Client:
    """The same administrator on the legacy dialect."""
    return admin_client


def open_shop(client: httpx.Client, legacy: httpx.Client, tenant: TenantFixture) -> Shop:
    assert tenant.admin.id is not None
    shop = Shop(
        client=client,
        legacy=legacy,
        tenant=tenant,
        taxes={t["Name"]: t["Id"] for t in ok(legacy.get("/Taxes/GetAll"))},
        means={m["Name"]: m["Id"] for m in ok(legacy.get("/PaymentMeans/GetAll"))},
        doc_types={
            f"{d['DocClass']}-{d['Code']}": d["Id"]
            for d in ok(legacy.get("/ERPDocumentTypes/GetAll"))
        },
        warehouse=next(w["Id"] for w in ok(legacy.get("/Warehouses/GetAll")) if w["Code"] == "1"),
        seller=tenant.admin.id,
    )
    shop.product("SERV-1", service=True)
    shop.product("PROD-1")
    shop.add_stock("PROD-1", 10)
    return shop


@pytest.fixture
def shop(current_client: httpx.Client, legacy_client: httpx.Client, tenant: TenantFixture) -> Shop:
    return open_shop(current_client, legacy_client, tenant)


def errors(response: httpx.Response, status: int = 400) -> list[tuple[str, list[str]]]:
    assert response.status_code == status, response.text
    return current_errors(response)


def messages(response: httpx.Response) -> list[str]:
    return [error["Message"] for error in response.json()["Errors"]]


# --- creating --------------------------------------------------------------------------------


def test_the_created_invoice_answers_201_with_siigos_shape(shop: Shop) -> None:
    response = shop.post(shop.body(observations="Pedido 4471"))

    invoice = ok(response, 201)
    assert uuid.UUID(invoice["id"])
    assert invoice["document"] == {"id": shop.doc_types["FV-1"]}
    assert (invoice["prefix"], invoice["number"], invoice["name"]) == (
        "SETP",
        FIRST_FV1,
        f"FV-1-{FIRST_FV1}",
    )
    assert invoice["date"] == colombian_today().isoformat()
    assert uuid.UUID(invoice["customer"]["id"])
    assert invoice["customer"]["identification"] == CUSTOMER_NIT
    assert invoice["customer"]["branch_office"] == 0
    assert invoice["seller"] == shop.seller
    assert invoice["currency"] == {"code": "COP", "exchange_rate": 1}
    assert (invoice["total"], invoice["balance"], invoice["advance_payment"]) == (119000, 0, 0)
    assert invoice["retentions"] == []
    assert invoice["observations"] == "Pedido 4471"
    assert invoice["items"] == [
        {
            "code": "SERV-1",
            "description": "Artículo SERV-1",
            "quantity": 2,
            "price": 50000,
            "discount": {"percentage": 0, "value": 0},
            "taxes": [
                {
                    "id": shop.tax("IVA 19%"),
                    "name": "IVA 19%",
                    "type": "IVA",
                    "percentage": 19,
                    "value": 19000,
                }
            ],
            "total": 119000,
        }
    ]
    assert invoice["payments"] == [
        {
            "id": shop.means["Efectivo"],
            "name": "Efectivo",
            "value": 119000,
            "due_date": colombian_today().isoformat(),
        }
    ]
    assert invoice["additional_fields"] == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", invoice["metadata"]["created"])
    assert invoice["metadata"]["last_updated"] is None
    assert invoice["annulled"] is False
    # Absent, not null, when not asked for.
    assert "stamp" not in invoice and "mail" not in invoice and "cost_center" not in invoice


def test_the_answer_is_what_get_reads_and_the_legacy_dialect_sees_the_same_invoice(
    shop: Shop,
) -> None:
    created = shop.issue(
        shop.body(
            items=[
                shop.item("PROD-1", 3, 20000, "IVA 19%", warehouse=shop.warehouse),
                shop.item("SERV-1", 1, 10000),
            ],
            payments=[shop.cash(31400), shop.credit(50000)],
        )
    )

    assert ok(shop.get(created["id"])) == created
    legacy = shop.legacy_invoice(created["number"])
    header = legacy["Header"]
    assert header["Number"] == created["number"]
    assert dec(header["TotalValue"]) == dec(created["total"]) == 81400
    assert dec(header["Balance"]) == dec(created["balance"]) == 50000
    assert header["Account"]["Identification"] == created["customer"]["identification"]
    assert [i["ProductCode"] for i in legacy["Items"]] == ["PROD-1", "SERV-1"]
    assert created["items"][0]["warehouse"] == {"id": shop.warehouse, "name": "Bodega principal"}
    assert shop.stock("PROD-1") == 7


def test_taxed_price_includes_vat_and_replaces_price(shop: Shop) -> None:
    item = {"code": "SERV-1", "quantity": 1, "taxed_price": 119, "price": 5000}
    item["taxes"] = [{"id": shop.tax("IVA 19%")}]

    invoice = shop.issue(shop.body(items=[item], payments=[shop.cash(119)]))

    line = invoice["items"][0]
    assert (line["price"], line["taxes"][0]["value"], line["total"]) == (100, 19, 119)


def test_items_are_taxed_only_by_their_taxes_not_by_the_product(shop: Shop) -> None:
    shop.product("GRAVADO", service=True, tax="IVA 19%")

    invoice = shop.issue(
        shop.body(
            items=[{"code": "GRAVADO", "quantity": 1, "price": 1000}], payments=[shop.cash(1000)]
        )
    )

    assert invoice["items"][0]["taxes"] == []
    assert invoice["total"] == 1000


def test_taxes_take_their_slots_by_type(shop: Shop) -> None:
    item = shop.item(
        "SERV-1", 1, 100000, "Retefuente servicios 4%", "IVA 19%", "Impuesto al consumo 8%"
    )

    invoice = shop.issue(shop.body(items=[item], payments=[shop.cash(123000)]))

    taxes = {tax["type"]: tax["value"] for tax in invoice["items"][0]["taxes"]}
    assert taxes == {"IVA": 19000, "Impoconsumo": 8000, "Retefuente": 4000}
    assert invoice["total"] == 123000


@pytest.mark.parametrize(
    ("taxes", "message"),
    [
        (["IVA 19%", "IVA 5%"], "two taxes of type IVA"),
        (["ReteIVA 15%"], "ReteIVA and ReteICA go in the invoice's retentions"),
        (
            ["IVA 19%", "Impuesto al consumo 8%", "Retefuente compras 2,5%", "IVA 5%"],
            "at most 3 taxes",
        ),
    ],
)
def test_item_taxes_are_at_most_three_of_distinct_types_and_no_reteiva_or_reteica(
    shop: Shop, taxes: list[str], message: str
) -> None:
    response = shop.post(shop.body(items=[shop.item("SERV-1", 1, 1000, *taxes)]))

    assert [code for code, _ in errors(response)] == ["invalid_array"]
    assert message in messages(response)[0]
    assert shop.next_number() == FIRST_FV1


def test_an_unknown_tax_is_named_by_its_place_in_the_list(shop: Shop) -> None:
    item = shop.item("SERV-1", 1, 1000, "IVA 19%")
    item["taxes"].append({"id": 999999})

    response = shop.post(shop.body(items=[item], payments=[shop.cash(1190)]))

    assert errors(response) == [("invalid_reference", ["items[0].taxes[1].id"])]


def test_discount_is_a_percentage_for_percentage_types(shop: Shop) -> None:
    item = shop.item("SERV-1", 2, 50000, "IVA 19%", discount=10)

    invoice = shop.issue(shop.body(items=[item], payments=[shop.cash(107100)]))

    assert invoice["items"][0]["discount"] == {"percentage": 10, "value": 10000}
    assert invoice["total"] == 107100


def test_discount_is_a_value_for_value_types(shop: Shop, ctx: ServiceContext) -> None:
    assert shop.tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        document_type = uow.document_types.get(shop.tenant.company.id, shop.doc_types["FV-1"])
        document_type.discount_type = DiscountType.VALUE
        uow.commit()
    item = shop.item("SERV-1", 2, 50000, "IVA 19%", discount=10)

    invoice = shop.issue(shop.body(items=[item], payments=[shop.cash(118988.10)]))

    assert invoice["items"][0]["discount"] == {"percentage": 0, "value": 10}
    assert invoice["total"] == 118988.10


def test_wrong_payments_answer_the_exact_message_clients_parse_and_retry_with(shop: Shop) -> None:
    body = shop.body(items=[shop.item("SERV-1", 3, 333.333333, "IVA 19%")], payments=[shop.cash(1)])

    response = shop.post(body)

    assert errors(response) == [("invalid_total_payments", ["payments"])]
    error = response.json()["Errors"][0]
    found = TOTAL_MESSAGE.fullmatch(error["Message"])
    assert found is not None and found[1] == "1190"
    assert error["Detail"] == DOCS + "invalid_total_payments"
    # What real clients do: the last token as a float, into the first payment, once more.
    body["payments"][0]["value"] = float(error["Message"].split(" ")[-1])
    assert shop.issue(body)["total"] == 1190


def test_a_credit_payment_needs_its_due_date_and_stays_owed(shop: Shop) -> None:
    credit = shop.credit(100000)
    no_due_date = {"id": credit["id"], "value": 100000}

    refused = shop.post(shop.body(payments=[shop.cash(19000), no_due_date]))
    invoice = shop.issue(shop.body(payments=[shop.cash(19000), credit]))

    assert errors(refused) == [("parameter_required", ["payments[1].due_date"])]
    assert invoice["balance"] == 100000
    assert invoice["payments"][1] == {
        "id": credit["id"],
        "name": "Crédito",
        "value": 100000,
        "due_date": credit["due_date"],
    }


def test_only_one_payment_can_have_a_due_date(shop: Shop) -> None:
    response = shop.post(shop.body(payments=[shop.credit(19000), shop.credit(100000)]))

    assert errors(response) == [("invalid_payment", ["payments[1].id"])]


def test_a_payment_means_not_for_sales_is_refused(shop: Shop) -> None:
    payable = {"id": shop.means["Cuentas por pagar a proveedores"], "value": 119000}

    response = shop.post(shop.body(payments=[payable]))

    assert errors(response) == [("invalid_payment", ["payments[0].id"])]


# --- the customer ----------------------------------------------------------------------------


def test_an_unknown_customer_says_customer_doesnt_exist(shop: Shop) -> None:
    by_identification = shop.post(shop.body(customer={"identification": "12345678"}))
    by_guid = shop.post(shop.body(customer={"id": str(uuid.uuid4())}))
    by_garbage = shop.post(shop.body(customer={"id": "no-es-un-guid"}))

    assert errors(by_identification) == [("invalid_reference", ["customer.identification"])]
    for response in (by_identification, by_guid, by_garbage):
        assert "customer doesn't exist" in messages(response)[0]
    assert errors(by_guid) == [("invalid_reference", ["customer.id"])]


def test_an_existing_customer_is_named_by_identification_or_by_guid(shop: Shop) -> None:
    first = shop.issue()
    customer = first["customer"]

    by_identification = shop.issue(
        shop.body(customer={"identification": CUSTOMER_NIT, "branch_office": "0"})
    )
    by_guid = shop.issue(shop.body(customer={"id": customer["id"]}))

    assert by_identification["customer"] == by_guid["customer"] == customer


def test_an_inline_person_is_created_with_two_names(shop: Shop) -> None:
    person = company_customer(
        "1020304099", person_type="Person", id_type={"code": "13"}, name=["Laura", "Gómez"]
    )

    invoice = shop.issue(shop.body(customer=person))

    accounts = ok(shop.legacy.get("/Accounts/GetAll"))
    assert [(a["Identification"], a["FirstName"], a["LastName"]) for a in accounts] == [
        ("1020304099", "Laura", "Gómez")
    ]
    assert invoice["customer"]["identification"] == "1020304099"


def test_an_inline_customer_with_the_wrong_name_count_is_refused(shop: Shop) -> None:
    person = company_customer("1020304099", person_type="Person", id_type="13")

    response = shop.post(shop.body(customer=person))

    assert errors(response) == [("invalid_array", ["customer.name"])]
    assert ok(shop.legacy.get("/Accounts/GetAll")) == []


def test_an_inline_customer_with_a_wrong_field_names_it_as_customerin_does(shop: Shop) -> None:
    customer = company_customer()
    del customer["address"]["address"]

    response = shop.post(shop.body(customer=customer))

    assert errors(response) == [("parameter_required", ["customer.address.address"])]


# --- the heading ---------------------------------------------------------------------------------


def test_the_document_must_be_an_invoice_type(shop: Shop) -> None:
    receipt_type = shop.post(shop.body(document={"id": shop.doc_types["RC-1"]}))
    missing = shop.post(shop.body(document={}))

    assert errors(receipt_type) == [("invalid_reference", ["document.id"])]
    assert errors(missing) == [("parameter_required", ["document.id"])]


def test_the_seller_is_an_active_user_id(shop: Shop, ctx: ServiceContext) -> None:
    unknown = shop.post(shop.body(seller=999999))
    missing = shop.post({key: value for key, value in shop.body().items() if key != "seller"})
    user = users.create(
        ctx,
        shop.tenant.actor,
        UserData(
            username="ex-vendedor@empresa.co",
            user_type=UserType.LITE,
            identification="555666",
            first_name="Ex",
            last_name="Vendedor",
        ),
        "clave-usuario-2024",
    )
    assert user.id is not None
    users.deactivate(ctx, shop.tenant.actor, user.id)
    inactive = shop.post(shop.body(seller=user.id))

    assert errors(unknown) == [("invalid_reference", ["seller"])]
    assert errors(missing) == [("parameter_required", ["seller"])]
    assert errors(inactive) == [("parameter_inactive", ["seller"])]


def test_a_cost_center_is_named_by_id(shop: Shop, ctx: ServiceContext) -> None:
    assert shop.tenant.company.id is not None
    with ctx.unit_of_work(read_only=True) as uow:
        centers = uow.catalogs(shop.tenant.company.id).cost_centers_by_code
        sales_center = centers["2"].id

    invoice = shop.issue(shop.body(cost_center=sales_center))
    unknown = shop.post(shop.body(cost_center=999999))

    assert invoice["cost_center"] == sales_center
    assert errors(unknown) == [("invalid_cost_center", ["cost_center"])]


def test_the_local_currency_is_not_sent_and_a_foreign_one_needs_its_rate(shop: Shop) -> None:
    local = shop.post(shop.body(currency={"code": "COP"}))
    no_rate = shop.post(shop.body(currency={"code": "USD"}))
    dollars = shop.issue(
        shop.body(
            currency={"code": "USD", "exchange_rate": "3950.25"},
            items=[shop.item("SERV-1", 1, 100)],
            payments=[shop.cash(100)],
        )
    )

    assert errors(local) == [("invalid_currency", ["currency.code"])]
    assert errors(no_rate) == [("invalid_value", ["currency.exchange_rate"])]
    assert dollars["currency"] == {"code": "USD", "exchange_rate": 3950.25}


def test_reteiva_and_reteica_are_the_retentions_and_others_are_refused(shop: Shop) -> None:
    retentions = [{"id": shop.tax("ReteIVA 15%")}, {"id": shop.tax("ReteICA 9,66 x mil")}]
    # Base 100 000, IVA 19 000: ReteIVA 15 % of the VAT 2 850, ReteICA 0.966 % of the base 966.
    invoice = shop.issue(
        shop.body(retentions=retentions, payments=[shop.cash(119000 - 2850 - 966)])
    )
    retefuente = shop.post(shop.body(retentions=[{"id": shop.tax("Retefuente compras 2,5%")}]))
    twice = shop.post(shop.body(retentions=[retentions[0], retentions[0]]))

    assert [(r["type"], r["percentage"], r["value"]) for r in invoice["retentions"]] == [
        ("ReteIVA", 15, 2850),
        ("ReteICA", 0.966, 966),
    ]
    assert invoice["total"] == 115184
    assert errors(retefuente) == [("invalid_retentions", ["retentions[0].id"])]
    assert errors(twice) == [("invalid_retentions", ["retentions[1].id"])]


def test_observations_hold_4000_characters(shop: Shop) -> None:
    assert shop.issue(shop.body(observations="x" * 4000))["observations"] == "x" * 4000
    assert errors(shop.post(shop.body(observations="x" * 4001))) == [
        ("length_max", ["observations"])
    ]


def test_an_invoice_has_at_most_500_items(shop: Shop) -> None:
    items = [shop.item("SERV-1", 1, 1) for _ in range(501)]

    assert errors(shop.post(shop.body(items=items, payments=[shop.cash(501)]))) == [
        ("invalid_array", ["items"])
    ]


def test_a_date_is_required_and_written_yyyy_mm_dd(shop: Shop) -> None:
    assert errors(shop.post(shop.body(date=None))) == [("parameter_required", ["date"])]
    assert errors(shop.post(shop.body(date="24/01/2025"))) == [("invalid_date", ["date"])]
    tomorrow = (colombian_today() + timedelta(days=1)).isoformat()
    assert errors(shop.post(shop.body(date=tomorrow))) == [("invalid_date", ["date"])]


def test_a_manually_numbered_type_takes_its_number_once(shop: Shop) -> None:
    manual = {"id": shop.doc_types["FV-2"]}

    missing = shop.post(shop.body(document=manual))
    first = shop.issue(shop.body(document=manual, number=45))
    again = shop.post(shop.body(document=manual, number=45))

    assert errors(missing) == [("parameter_required", ["number"])]
    assert (first["prefix"], first["number"], first["name"]) == ("TAL", 45, "FV-2-45")
    assert errors(again) == [("duplicated_document", ["number"])]


def test_stock_moves_and_a_missing_warehouse_or_stock_is_refused(shop: Shop) -> None:
    no_warehouse = shop.post(shop.body(items=[shop.item("PROD-1", 1, 1000)]))
    too_many = shop.post(
        shop.body(
            items=[shop.item("PROD-1", 11, 1000, warehouse=shop.warehouse)],
            payments=[shop.cash(11000)],
        )
    )
    unknown_warehouse = shop.post(
        shop.body(
            items=[shop.item("PROD-1", 1, 1000, warehouse=999999)], payments=[shop.cash(1000)]
        )
    )
    service_with_warehouse = shop.post(
        shop.body(items=[shop.item("SERV-1", 1, 1000, warehouse=shop.warehouse)])
    )
    shop.issue(
        shop.body(
            items=[shop.item("PROD-1", 4, 1000, warehouse=shop.warehouse)],
            payments=[shop.cash(4000)],
        )
    )

    assert errors(no_warehouse) == [("parameter_required", ["items[0].warehouse"])]
    assert errors(too_many) == [("invalid_amount", ["items[0].quantity"])]
    assert errors(unknown_warehouse) == [("invalid_reference", ["items[0].warehouse"])]
    assert ("product_settings", ["items[0].warehouse"]) in errors(service_with_warehouse)
    assert shop.stock("PROD-1") == 6


def test_an_unknown_product_is_named_by_its_code_field(shop: Shop) -> None:
    response = shop.post(shop.body(items=[shop.item("NO-EXISTE", 1, 1000)]))

    assert errors(response) == [("invalid_reference", ["items[0].code"])]


def test_additional_fields_round_trip(shop: Shop) -> None:
    fields = {
        "purchase_order": {"prefix": "OC", "number": "7781"},
        "delivery_order": {"prefix": "RM", "number": "102", "date": "2025-01-20"},
    }

    invoice = shop.issue(shop.body(additional_fields=fields))

    assert invoice["additional_fields"] == {
        "purchase_order": {"prefix": "OC", "number": "7781", "date": None},
        "delivery_order": {"prefix": "RM", "number": "102", "date": "2025-01-20"},
    }
    assert ok(shop.get(invoice["id"]))["additional_fields"] == invoice["additional_fields"]


def test_python_repr_bodies_with_strings_for_numbers_are_read(shop: Shop) -> None:
    body = shop.body(
        items=[
            {
                "code": "SERV-1",
                "description": "Servicio",
                "quantity": "2",
                "price": "50000.000000",
                "discount": "0",
                "taxes": [{"id": str(shop.tax("IVA 19%"))}],
            }
        ],
        payments=[{"id": str(shop.means["Efectivo"]), "value": "119000.0"}],
        seller=str(shop.seller),
    )

    response = shop.client.post(
        "/v1/invoices", content=str(body), headers={"Content-Type": "application/json"}
    )

    assert ok(response, 201)["total"] == 119000


def test_stamp_send_without_einvoicing_setup_is_refused_and_writes_nothing(shop: Shop) -> None:
    response = shop.post(shop.body(stamp={"send": True}))

    found = errors(response)
    assert found and all(
        code == "document_settings" and params == ["stamp.send"] for code, params in found
    )
    assert shop.next_number() == FIRST_FV1
    assert "stamp" not in shop.issue(shop.body(stamp={"send": False}))


def test_a_lite_user_issues_but_cannot_replace_delete_or_annul(
    shop: Shop, ctx: ServiceContext, server: LiveServer
) -> None:
    invoice = shop.issue()
    lite = users.create(
        ctx,
        shop.tenant.actor,
        UserData(
            username="cajero@empresa.co",
            user_type=UserType.LITE,
            identification="777888",
            first_name="Caja",
            last_name="Uno",
        ),
        "clave-usuario-2024",
    )
    assert lite.id is not None
    key = access_keys.create(ctx, shop.tenant.actor, lite.id, "tests").access_key
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = current_sign_in(http, "cajero@empresa.co", key)
        headers = {"Authorization": token, "Partner-Id": PARTNER_ID}
        issued = http.post("/v1/invoices", json=shop.body(), headers=headers)
        deleted = http.delete(f"/v1/invoices/{invoice['id']}", headers=headers)
        annulled = http.post(f"/v1/invoices/{invoice['id']}/annul", headers=headers)
        replaced = http.put(f"/v1/invoices/{invoice['id']}", json=shop.body(), headers=headers)

    assert issued.status_code == 201, issued.text
    for response in (deleted, annulled, replaced):
        assert errors(response, 403) == [("forbidden", [])]


# --- reading and listing -----------------------------------------------------------------------


def test_unknown_ids_and_other_companies_invoices_are_404(
    shop: Shop, make_company: Callable[..., TenantFixture], ctx: ServiceContext, server: LiveServer
) -> None:
    invoice = shop.issue()
    other = make_company()
    assert other.admin.id is not None
    key = access_keys.create(ctx, other.actor, other.admin.id, "tests").access_key
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = current_sign_in(http, "admin@empresa.co", key)
        foreign = http.get(
            f"/v1/invoices/{invoice['id']}",
            headers={"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID},
        )

    assert errors(shop.get(str(uuid.uuid4())), 404) == [("not_found", [])]
    assert errors(shop.get("12"), 404) == [("not_found", [])]
    assert errors(foreign, 404) == [("not_found", [])]


def test_the_list_is_a_page_with_links_and_no_stamp(shop: Shop) -> None:
    for _ in range(12):
        shop.issue()

    first = shop.list(page_size=10)
    second = shop.list(page=2, page_size=10)
    past = shop.list(page=3, page_size=10)

    assert first["pagination"] == {"page": 1, "page_size": 10, "total_results": 12}
    assert [i["number"] for i in first["results"]] == list(range(FIRST_FV1, FIRST_FV1 + 10))
    assert [i["number"] for i in second["results"]] == [FIRST_FV1 + 10, FIRST_FV1 + 11]
    assert "next" in first["_links"] and "next" not in second["_links"]
    assert past["results"] == []
    assert first["results"][0] == shop.created[0]
    assert all("stamp" not in invoice for invoice in first["results"])


def test_the_list_filters_as_siigos_clients_ask(shop: Shop) -> None:
    first = shop.issue()
    other_customer = shop.issue(shop.body(customer=company_customer("900800700")))
    manual = shop.issue(shop.body(document={"id": shop.doc_types["FV-2"]}, number=7))

    def numbers(**params: Any) -> list[int]:
        return [i["number"] for i in shop.list(**params)["results"]]

    assert numbers(document_id=shop.doc_types["FV-2"]) == [7]
    assert numbers(customer_identification="900800700") == [other_customer["number"]]
    assert numbers(identification=CUSTOMER_NIT, branch_office=0) == [
        first["number"],
        manual["number"],
    ]
    assert numbers(customer_identification="11111") == []
    assert numbers(name=f"FV-1-{first['number']}") == [first["number"]]
    assert numbers(name="FV-2-7") == [7]
    assert numbers(name="NC-1-7") == numbers(name="basura") == []
    today = colombian_today()
    assert len(numbers(date_start=today.isoformat(), date_end=today.isoformat())) == 3
    assert numbers(date_start=(today + timedelta(days=1)).isoformat()) == []
    assert len(numbers(created_start=today.isoformat())) == 3
    assert numbers(created_end=(today - timedelta(days=1)).isoformat()) == []
    assert numbers(updated_start=today.isoformat()) == []  # none was replaced
    assert errors(shop.client.get("/v1/invoices", params={"created_start": "ayer"})) == [
        ("invalid_date", ["created_start"])
    ]


# --- replacing -----------------------------------------------------------------------------------


def put(shop: Shop, invoice_id: str, body: Body) -> httpx.Response:
    return shop.client.put(f"/v1/invoices/{invoice_id}", json=body)


def test_put_replaces_the_content_and_keeps_id_number_and_name(shop: Shop) -> None:
    invoice = shop.issue(
        shop.body(
            items=[shop.item("PROD-1", 4, 1000, warehouse=shop.warehouse)],
            payments=[shop.cash(4000)],
        )
    )

    response = put(
        shop,
        invoice["id"],
        shop.body(
            customer={"identification": CUSTOMER_NIT},
            items=[
                shop.item("PROD-1", 1, 1000, warehouse=shop.warehouse),
                shop.item("SERV-1", 1, 50000, "IVA 19%"),
            ],
            payments=[shop.cash(10000), shop.credit(50500)],
            observations="Corregida",
        ),
    )

    replaced = ok(response)
    assert (replaced["id"], replaced["number"], replaced["name"]) == (
        invoice["id"],
        invoice["number"],
        invoice["name"],
    )
    assert (replaced["total"], replaced["balance"]) == (60500, 50500)
    assert [i["code"] for i in replaced["items"]] == ["PROD-1", "SERV-1"]
    assert replaced["observations"] == "Corregida"
    assert replaced["metadata"]["created"] == invoice["metadata"]["created"]
    assert replaced["metadata"]["last_updated"] is not None
    assert ok(shop.get(invoice["id"])) == replaced
    assert shop.stock("PROD-1") == 9
    assert shop.next_number() == FIRST_FV1 + 1
    legacy = shop.legacy_invoice(invoice["number"])
    assert dec(legacy["Header"]["TotalValue"]) == 60500
    assert dec(legacy["Header"]["Balance"]) == 50500
    today = colombian_today().isoformat()
    assert [i["id"] for i in shop.list(updated_start=today)["results"]] == [invoice["id"]]


def test_put_keeps_the_replaced_content_as_a_revision(shop: Shop, ctx: ServiceContext) -> None:
    invoice = shop.issue()

    ok(put(shop, invoice["id"], shop.body(observations="Segunda versión")))
    ok(put(shop, invoice["id"], shop.body(observations="Tercera versión")))

    with ctx.database.reader.connect() as connection:
        rows = connection.execute(
            sa.select(t.sales_document_revisions.c.revision, t.sales_document_revisions.c.content)
            .where(t.sales_document_revisions.c.company_id == shop.tenant.company.id)
            .order_by(t.sales_document_revisions.c.revision)
        ).all()
    assert [row.revision for row in rows] == [1, 2]
    contents = [json.loads(row.content) for row in rows]
    assert [c["observations"] for c in contents] == [None, "Segunda versión"]
    assert contents[0]["guid"] == invoice["id"]
    assert contents[0]["total"] == "119000.00"
    assert contents[0]["lines"][0]["product_code"] == "SERV-1"


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"document": {"id": "FV-2"}}, "document.id"),
        ({"customer": {"identification": "900800700"}}, "customer.identification"),
        ({"currency": {"code": "USD", "exchange_rate": 4000}}, "currency.code"),
    ],
)
def test_put_cannot_change_type_customer_or_currency(shop: Shop, change: Body, param: str) -> None:
    invoice = shop.issue()
    if change.get("document") == {"id": "FV-2"}:
        change = {"document": {"id": shop.doc_types["FV-2"]}}

    response = put(shop, invoice["id"], shop.body(**change))

    assert ("non_editable", [param]) in errors(response)
    assert ok(shop.get(invoice["id"])) == invoice


def test_put_cannot_change_a_number_given_by_hand(shop: Shop) -> None:
    manual = {"id": shop.doc_types["FV-2"]}
    invoice = shop.issue(shop.body(document=manual, number=12))

    changed = put(shop, invoice["id"], shop.body(document=manual, number=13))
    same = put(shop, invoice["id"], shop.body(document=manual, number=12, observations="ok"))

    assert errors(changed) == [("non_editable", ["number"])]
    assert ok(same)["number"] == 12


def test_a_refused_put_changes_nothing(shop: Shop) -> None:
    invoice = shop.issue(
        shop.body(
            items=[shop.item("PROD-1", 4, 1000, warehouse=shop.warehouse)],
            payments=[shop.credit(4000)],
        )
    )

    response = put(
        shop,
        invoice["id"],
        shop.body(
            customer={"identification": CUSTOMER_NIT},
            items=[shop.item("PROD-1", 20, 1000, warehouse=shop.warehouse)],
            payments=[shop.cash(20000)],
        ),
    )

    assert errors(response) == [("invalid_amount", ["items[0].quantity"])]
    assert "10 available" in messages(response)[0]  # the 4 it sold count as available again
    assert ok(shop.get(invoice["id"])) == invoice
    assert shop.stock("PROD-1") == 6


def test_invoices_with_notes_or_receipts_cannot_be_replaced_deleted_or_annulled(
    shop: Shop,
) -> None:
    with_note = shop.issue()
    with_receipt = shop.issue(shop.body(payments=[shop.credit(119000)]))
    legacy_note = {
        "Header": {
            "DocCode": shop.doc_types["NC-1"],
            "DocDate": colombian_today().strftime("%Y%m%d"),
            "InvoiceId": shop.legacy_invoice(with_note["number"])["Header"]["Id"],
            "ReasonCode": "3",
        },
        "Items": [{"ProductCode": "SERV-1", "Quantity": 1, "UnitValue": 1000}],
    }
    note = shop.legacy.post("/CreditNote/Save", json=legacy_note)
    assert note.status_code == 200, note.text
    receipt = shop.legacy.post(
        "/Voucher/Save",
        json={
            "Header": {
                "DocCode": shop.doc_types["RC-1"],
                "DocDate": colombian_today().strftime("%Y%m%d"),
                "Identification": CUSTOMER_NIT,
                "VoucherType": 0,
                "PaymentMeanCode": shop.means["Efectivo"],
                "TotalValue": 1000,
            },
            "Items": [
                {
                    "Value": 1000,
                    "DuePrefix": "FV-1",
                    "DueConsecutive": with_receipt["number"],
                    "DueQuote": 1,
                }
            ],
        },
    )
    assert receipt.status_code == 200, receipt.text

    for invoice in (with_note, with_receipt):
        path = f"/v1/invoices/{invoice['id']}"
        for response in (
            shop.client.put(path, json=shop.body(payments=[shop.credit(119000)])),
            shop.client.delete(path),
            shop.client.post(f"{path}/annul", json={}),
        ):
            assert [code for code, _ in errors(response)] == ["delete_not_allowed"]


# --- deleting and annulling --------------------------------------------------------------------


def test_delete_withdraws_the_invoice_everywhere_and_keeps_its_number_used(shop: Shop) -> None:
    invoice = shop.issue(
        shop.body(
            items=[shop.item("PROD-1", 4, 1000, warehouse=shop.warehouse)],
            payments=[shop.credit(4000)],
        )
    )
    legacy_id = shop.legacy_invoice(invoice["number"])["Header"]["Id"]

    response = shop.client.delete(f"/v1/invoices/{invoice['id']}")

    assert ok(response) == {"id": invoice["id"], "deleted": True}
    assert errors(shop.get(invoice["id"]), 404) == [("not_found", [])]
    assert shop.list()["results"] == []
    assert shop.list()["pagination"]["total_results"] == 0
    assert shop.legacy.get(f"/Invoice/GetByID/{legacy_id}").status_code == 404
    assert ok(shop.legacy.get("/Invoice/GetAll")) == []
    assert shop.stock("PROD-1") == 10
    assert shop.issue()["number"] == FIRST_FV1 + 1
    assert errors(shop.client.delete(f"/v1/invoices/{invoice['id']}"), 404) == [("not_found", [])]


@pytest.mark.parametrize("body", [None, {}, {"reason": "Cliente desistió"}])
def test_annul_takes_no_body_or_an_empty_one_and_answers_annulled(
    shop: Shop, body: Body | None
) -> None:
    invoice = shop.issue(
        shop.body(
            items=[shop.item("PROD-1", 4, 1000, warehouse=shop.warehouse)],
            payments=[shop.credit(4000)],
        )
    )
    path = f"/v1/invoices/{invoice['id']}/annul"

    response = shop.client.post(path) if body is None else shop.client.post(path, json=body)

    assert ok(response) == {"id": invoice["id"], "annulled": True, "Annul": True}
    read = ok(shop.get(invoice["id"]))
    assert (read["annulled"], read["balance"]) == (True, 0)
    assert shop.stock("PROD-1") == 10
    assert shop.legacy_invoice(invoice["number"])["Header"]["Status"] == "Annulled"
    assert [code for code, _ in errors(shop.client.post(path, json={}))] == ["update_not_allowed"]
    assert [code for code, _ in errors(put(shop, invoice["id"], shop.body()))] == [
        "update_not_allowed"
    ]


def test_annul_records_the_default_reason(shop: Shop, ctx: ServiceContext) -> None:
    invoice = shop.issue()

    ok(shop.client.post(f"/v1/invoices/{invoice['id']}/annul", json={}))

    with ctx.database.reader.connect() as connection:
        reason = connection.execute(
            sa.select(t.sales_documents.c.annul_reason).where(
                t.sales_documents.c.company_id == shop.tenant.company.id,
                t.sales_documents.c.guid == uuid.UUID(invoice["id"]),
            )
        ).scalar_one()
    assert reason == "Anulada vía API"


# --- the DIAN routes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "expected"),
    [
        ("POST", "stamp", "document_settings"),
        ("GET", "xml", "invalid_document"),
        ("GET", "pdf", "invalid_document"),
    ],
)
def test_dian_routes_refuse_an_invoice_never_sent_without_einvoicing_setup(
    shop: Shop, method: str, suffix: str, expected: str
) -> None:
    invoice = shop.issue()

    response = shop.client.request(method, f"/v1/invoices/{invoice['id']}/{suffix}")
    unknown = shop.client.request(method, f"/v1/invoices/{uuid.uuid4()}/{suffix}")

    found = errors(response)
    assert found and all(code == expected and params == ["id"] for code, params in found)
    assert errors(unknown, 404) == [("not_found", [])]


def test_stamp_errors_of_an_invoice_never_sent_are_none(shop: Shop) -> None:
    invoice = shop.issue()

    response = shop.client.get(f"/v1/invoices/{invoice['id']}/stamp/errors")

    assert ok(response) == {"id": invoice["id"], "errors": []}


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_first_answer_and_one_invoice(shop: Shop) -> None:
    body = shop.body()

    first = shop.post(body, **{"Idempotency-Key": "pedido0001"})
    retry = shop.post(body, **{"Idempotency-Key": "pedido0001"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert shop.list()["pagination"]["total_results"] == 1


def test_the_same_key_with_another_body_is_refused(shop: Shop) -> None:
    assert shop.post(shop.body(), **{"Idempotency-Key": "pedido0002"}).status_code == 201

    response = shop.post(shop.body(observations="otra"), **{"Idempotency-Key": "pedido0002"})

    assert errors(response) == [("idempotency_key_reused", [])]
    assert shop.list()["pagination"]["total_results"] == 1


def test_a_key_in_flight_answers_409(shop: Shop, ctx: ServiceContext) -> None:
    body = shop.body()
    assert shop.tenant.company.id is not None
    idempotency.claim(
        ctx,
        shop.tenant.company.id,
        "pedido0003",
        route="current:invoices",
        fingerprint=idempotency.request_hash("current:invoices", body),
    )

    response = shop.post(body, **{"Idempotency-Key": "pedido0003"})

    assert errors(response, 409) == [("idempotency_key_in_use", [])]
    assert shop.next_number() == FIRST_FV1


@pytest.mark.parametrize("key", ["pedido-0004", "a" * 33, "clave con espacio", "ñandú"])
def test_a_key_that_is_not_1_to_32_letters_or_digits_is_refused(shop: Shop, key: str) -> None:
    response = shop.client.post(
        "/v1/invoices",
        json=shop.body(),
        headers={"Idempotency-Key": key.encode()},
    )

    assert response.status_code == 400
    assert response.json() == {
        "Status": 400,
        "Errors": [
            {
                "Code": "invalid_idempotency_key",
                "Message": "The header Idempotency-Key has an invalid value",
                "Params": [],
                "Detail": None,
            }
        ],
    }
    assert shop.next_number() == FIRST_FV1


def test_a_key_of_32_letters_and_digits_is_accepted(shop: Shop) -> None:
    assert shop.post(shop.body(), **{"Idempotency-Key": "A1" * 16}).status_code == 201


# --- mail ----------------------------------------------------------------------------------------


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_mail_sends_the_invoice_to_the_address_and_copies(shop: Shop, mailbox: Mailbox) -> None:
    invoice = shop.issue(shop.body(payments=[shop.cash(19000), shop.credit(100000)]))

    response = shop.client.post(
        f"/v1/invoices/{invoice['id']}/mail",
        json={"mail_to": "pagos@cliente.co", "copy_to": "gerencia@cliente.co;conta@cliente.co"},
    )

    assert ok(response, 201) == {"status": "sent", "observations": ""}
    [(recipients, message)] = mailbox.messages
    assert recipients == ["pagos@cliente.co", "gerencia@cliente.co", "conta@cliente.co"]
    assert message["To"] == "pagos@cliente.co"
    assert message["Cc"] == "gerencia@cliente.co, conta@cliente.co"
    assert message["From"] == "Facturas <facturas@empresa.co>"
    assert f"SETP{FIRST_FV1}" in message["Subject"]
    assert shop.tenant.company.name in message["Subject"]
    text = text_of(message)
    assert "Distribuidora El Cliente SAS (800197268)" in text
    assert "Total a pagar (COP): $ 119.000,00" in text
    assert "Saldo pendiente: $ 100.000,00" in text
    assert "IVA: $ 19.000,00" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<td>$ 119.000,00</td>" in str(html.get_content()).replace(
        "<strong>", ""
    ).replace("</strong>", "")


def test_mail_accepts_email_instead_of_mail_to_and_defaults_to_the_customer(
    shop: Shop, mailbox: Mailbox
) -> None:
    invoice = shop.issue()
    path = f"/v1/invoices/{invoice['id']}/mail"

    assert ok(shop.client.post(path, json={"email": "otro@cliente.co"}), 201)["status"] == "sent"
    assert ok(shop.client.post(path, json={}), 201)["status"] == "sent"

    assert [recipients for recipients, _ in mailbox.messages] == [
        ["otro@cliente.co"],
        ["compras@cliente.co"],  # the customer's contact
    ]


def test_mail_refuses_bad_addresses_and_more_than_five_copies(shop: Shop, mailbox: Mailbox) -> None:
    invoice = shop.issue()
    path = f"/v1/invoices/{invoice['id']}/mail"
    six = ";".join(f"c{n}@cliente.co" for n in range(6))

    bad_to = shop.client.post(path, json={"mail_to": "no-es-correo"})
    bad_copy = shop.client.post(path, json={"mail_to": "a@cliente.co", "copy_to": "b@cliente.co;x"})
    too_many = shop.client.post(path, json={"mail_to": "a@cliente.co", "copy_to": six})
    unknown = shop.client.post(f"/v1/invoices/{uuid.uuid4()}/mail", json={"mail_to": "a@b.co"})

    assert errors(bad_to) == [("invalid_email", ["mail_to"])]
    assert errors(bad_copy) == [("invalid_email", ["copy_to"])]
    assert errors(too_many) == [("invalid_array", ["copy_to"])]
    assert errors(unknown, 404) == [("not_found", [])]
    assert mailbox.messages == []


def test_mail_without_smtp_settings_is_company_settings(shop: Shop, ctx: ServiceContext) -> None:
    assert not ctx.settings.smtp_configured
    invoice = shop.issue()

    response = shop.client.post(
        f"/v1/invoices/{invoice['id']}/mail", json={"mail_to": "a@cliente.co"}
    )

    assert errors(response) == [("company_settings", [])]
    assert "FACTURO_SMTP_HOST" in messages(response)[0]


def test_an_smtp_server_that_is_down_is_503_never_sent(
    shop: Shop, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(ctx.settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(ctx.settings, "smtp_port", closed_port)
    monkeypatch.setattr(ctx.settings, "smtp_starttls", False)
    monkeypatch.setattr(ctx.settings, "smtp_from", "facturas@empresa.co")
    invoice = shop.issue()

    response = shop.client.post(
        f"/v1/invoices/{invoice['id']}/mail", json={"mail_to": "a@cliente.co"}
    )

    assert errors(response, 503) == [("service_unavailable", [])]


def test_mail_send_on_create_mails_the_committed_invoice(shop: Shop, mailbox: Mailbox) -> None:
    invoice = shop.issue(shop.body(mail={"send": True}))

    assert invoice["mail"] == {"status": "sent", "observations": ""}
    [(recipients, message)] = mailbox.messages
    assert recipients == ["compras@cliente.co"]
    assert f"SETP{invoice['number']}" in message["Subject"]
    assert "mail" not in ok(shop.get(invoice["id"]))


def test_a_mail_failure_on_create_keeps_the_invoice_and_says_so(
    shop: Shop, ctx: ServiceContext
) -> None:
    assert not ctx.settings.smtp_configured

    invoice = shop.issue(shop.body(mail={"send": True}))

    assert invoice["mail"]["status"] == "not_sent"
    assert "FACTURO_SMTP_HOST" in invoice["mail"]["observations"]
    assert ok(shop.get(invoice["id"]))["number"] == invoice["number"]


def test_numbers_beyond_what_can_be_stored_are_refused_where_they_were_written(
    shop: Shop,
) -> None:
    body = shop.body(seller=10**20, advance_payment=10**14)
    body["items"][0]["price"] = 10**30

    assert errors(shop.post(body)) == [
        ("invalid_value", ["seller"]),
        ("invalid_value", ["advance_payment"]),
        ("invalid_value", ["items[0].price"]),
    ]
    assert errors(shop.client.get("/v1/invoices", params={"document_id": 10**20})) == [
        ("invalid_value", [])
    ]
    assert shop.next_number() == FIRST_FV1
