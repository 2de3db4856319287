"""Vouchers (recibos de caja) on the current API over HTTP: POST, GET by GUID and the paginated
list of /v1/vouchers (shared/reference/siigo-api.md §2.7, §2.8 "Voucher", §4 "Vouchers"), and
how they agree with the legacy Voucher/* routes over the same receipts.

Invoices to pay are issued through the legacy Invoice/Save (the ``Shop`` helpers), which also
proves that a document of one dialect is paid through the other.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.api.test_legacy_vouchers import (
    CUSTOMER,
    OTHER_CUSTOMER,
    TODAY,
    Body,
    Shop,
    balance_of,
    days_ago,
    dec,
    item,
    ok,
    on_credit,
)
from tests.conftest import (
    PARTNER_ID,
    LiveServer,
    TenantFixture,
    current_errors,
    current_sign_in,
    make_access_key,
)

DOCS = "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"
OVERPAID = "No puede enviar un valor mayor al valor del saldo de la cuota"


@dataclass
class Api:
    """The tenant on the current API, with its catalogs resolved through the legacy one."""

    client: httpx.Client
    shop: Shop

    @property
    def rc(self) -> int:
        return self.shop.doc_types["RC-1"]

    def means(self, name: str = "Efectivo") -> int:
        return self.shop.means[name]

    def body(
        self,
        voucher_type: str | None,
        items: list[Body] | None = None,
        *,
        customer: Body | None = None,
        payment: Body | None = None,
        day: str | None = None,
        **fields: Any,
    ) -> Body:
        body: Body = {
            "document": {"id": self.rc},
            "date": day or TODAY.isoformat(),
            "customer": customer or {"identification": CUSTOMER, "branch_office": 0},
            **fields,
        }
        if voucher_type is not None:
            body["type"] = voucher_type
        if items is not None:
            body["items"] = items
        if payment is not None:
            body["payment"] = payment
        return body

    def post(self, body: Body | str, **headers: str) -> httpx.Response:
        content = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(
            "/v1/vouchers",
            content=content,
            headers={"Content-Type": "application/json", **headers},
        )

    def pay(self, items: list[Body], value: object = None, **kw: Any) -> httpx.Response:
        payment: Body = {"id": self.means()}
        if value is not None:
            payment["value"] = value
        return self.post(self.body("DebtPayment", items, payment=payment, **kw))

    def advance(self, value: object, **kw: Any) -> httpx.Response:
        return self.post(
            self.body("AdvancePayment", payment={"id": self.means(), "value": value}, **kw)
        )

    def detailed(self, *lines: Body, **kw: Any) -> httpx.Response:
        return self.post(self.body("Detailed", list(lines), **kw))

    def get(self, guid: str) -> httpx.Response:
        return self.client.get(f"/v1/vouchers/{guid}")

    def list(self, **params: Any) -> Body:
        found: Body = created(self.client.get("/v1/vouchers", params=params), 200)
        return found


def created(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: httpx.Response) -> list[tuple[str, list[str]]]:
    assert response.status_code == 400, response.text
    return current_errors(response)


def messages(response: httpx.Response) -> list[str]:
    return [error["Message"] for error in response.json()["Errors"]]


def due(number: int, quote: int, value: object, prefix: str = "FV-1", **fields: Any) -> Body:
    """A DebtPayment item paying installment ``quote`` of ``prefix``-``number``."""
    return {
        "due": {"prefix": prefix, "consecutive": number, "quote": quote},
        "value": value,
        **fields,
    }


def line(movement: str, code: str, value: object, **fields: Any) -> Body:
    """A Detailed item: a debit or credit on a PUC account."""
    return {"account": {"code": code, "movement": movement}, "value": value, **fields}


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    shop = Shop.open(admin_client)
    shop.product("SRV", stock_control=False)
    return shop


@pytest.fixture
def api(current_client: httpx.Client, shop: Shop) -> Api:
    return Api(current_client, shop)


def legacy_receipt(shop: Shop, name: str) -> Body:
    """The legacy record of the receipt named ``name`` (RC-1-3), found through GetAll."""
    listed = ok(shop.client.get("/Voucher/GetAll"))
    found: Body = next(r for r in listed if r["Header"]["DocName"] == name)
    return found


# --- DebtPayment ---------------------------------------------------------------------------


def test_a_debt_payment_settles_the_installment_and_answers_201(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    voucher = created(api.pay([due(invoice["Number"], 1, 60000)], 60000, observations="Caja 1"))

    assert uuid.UUID(voucher["id"])
    assert voucher["document"] == {"id": api.rc}
    assert (voucher["number"], voucher["name"], voucher["type"]) == (1, "RC-1-1", "DebtPayment")
    assert voucher["date"] == TODAY.isoformat()
    assert voucher["customer"]["identification"] == CUSTOMER
    assert voucher["customer"]["branch_office"] == 0
    assert uuid.UUID(voucher["customer"]["id"])
    assert voucher["items"] == [
        {
            "account": {"code": "130505", "movement": "Credit"},
            "due": {
                "prefix": "FV-1",
                "consecutive": invoice["Number"],
                "quote": 1,
                "date": TODAY.isoformat(),
            },
            "description": None,
            "value": 60000,
        }
    ]
    assert voucher["payment"] == {"id": api.means(), "name": "Efectivo", "value": 60000}
    assert voucher["total"] == 60000
    assert voucher["observations"] == "Caja 1"
    assert voucher["currency"] == {"code": "COP", "exchange_rate": None}
    assert voucher["metadata"]["last_updated"] is None
    created_at = datetime.fromisoformat(voucher["metadata"]["created"].replace("Z", "+00:00"))
    assert abs(created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert voucher["metadata"]["created"].endswith("Z")
    assert shop.installment_balances(invoice["Id"]) == [Decimal(0), Decimal(40000)]
    assert balance_of(shop, invoice) == Decimal(40000)


def test_a_partial_payment_leaves_the_rest_owed(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    voucher = created(api.pay([due(invoice["Number"], 1, "25000.50")]))

    assert dec(voucher["total"]) == Decimal("25000.50")
    assert shop.installment_balances(invoice["Id"]) == [Decimal("34999.50"), Decimal(40000)]
    assert balance_of(shop, invoice) == Decimal("74999.50")


def test_one_voucher_pays_two_installments(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    voucher = created(api.pay([due(number, 1, 60000), due(number, 2, 15000)], 75000))

    assert voucher["total"] == 75000
    assert [i["due"]["quote"] for i in voucher["items"]] == [1, 2]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(0), Decimal(25000)]


def test_paying_more_than_the_installment_balance_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    created(api.pay([due(invoice["Number"], 1, 25000)]))

    response = api.pay([due(invoice["Number"], 1, "35000.01")])

    assert refused(response) == [("invalid_amount", ["items[0].value"])]
    assert messages(response) == [f"{OVERPAID}: the balance is 35000 (items[0].value)"]
    assert response.json()["Errors"][0]["Detail"] == DOCS + "invalid_amount"
    assert shop.installment_balances(invoice["Id"]) == [Decimal(35000), Decimal(40000)]


def test_the_same_installment_twice_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    response = api.pay([due(number, 1, 100), due(number, 2, 100), due(number, 1, 200)])

    assert refused(response) == [("invalid_array", ["items[2].due.quote"])]
    assert messages(response) == [
        "The installment in items[2].due.quote is paid twice in this receipt"
    ]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(60000), Decimal(40000)]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param(
            {"prefix": "FV-2"}, ("invalid_reference", ["items[0].due.consecutive"]), id="other-type"
        ),
        pytest.param(
            {"prefix": "XX-1"}, ("invalid_reference", ["items[0].due.consecutive"]), id="bad-prefix"
        ),
        pytest.param(
            {"quote": 7}, ("invalid_reference", ["items[0].due.consecutive"]), id="no-quote"
        ),
        pytest.param(
            {"prefix": None}, ("parameter_required", ["items[0].due.prefix"]), id="no-prefix"
        ),
        pytest.param(
            {"quote": None}, ("parameter_required", ["items[0].due.quote"]), id="quote-missing"
        ),
    ],
)
def test_an_item_must_name_an_existing_installment(
    api: Api, shop: Shop, change: Body, error: tuple[str, list[str]]
) -> None:
    invoice = on_credit(shop, 50000)
    paid = due(invoice["Number"], 1, 100)
    paid["due"] = {k: v for k, v in {**paid["due"], **change}.items() if v is not None}

    assert refused(api.pay([paid])) == [error]


def test_a_due_date_that_is_not_the_installments_is_refused(api: Api, shop: Shop) -> None:
    later = TODAY + timedelta(days=30)
    invoice = on_credit(shop, 50000, due=later)
    wrong = due(invoice["Number"], 1, 100)
    wrong["due"]["date"] = (later + timedelta(days=1)).isoformat()

    response = api.pay([wrong])

    assert refused(response) == [("invalid_date", ["items[0].due.date"])]
    right = due(invoice["Number"], 1, 100)
    right["due"]["date"] = later.isoformat()
    assert created(api.pay([right]))["items"][0]["due"]["date"] == later.isoformat()


def test_a_debt_payment_needs_items(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    for items in (None, []):
        response = api.post(api.body("DebtPayment", items, payment={"id": api.means()}))
        assert refused(response) == [("parameter_required", ["items"])]
        assert messages(response) == ["The field items is required"]


def test_a_payment_value_that_differs_from_the_items_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    response = api.pay([due(invoice["Number"], 1, 30000)], 30001)

    assert refused(response) == [("invalid_value", ["payment.value"])]
    assert messages(response) == ["The field payment.value is 30001 but the items add up to 30000"]


@pytest.mark.parametrize(
    "means", ["Crédito", "Cruce de anticipos", "Cuentas por pagar a proveedores"]
)
def test_the_payment_must_be_a_means_that_receives_money(api: Api, shop: Shop, means: str) -> None:
    invoice = on_credit(shop, 50000)
    body = api.body(
        "DebtPayment", [due(invoice["Number"], 1, 100)], payment={"id": api.means(means)}
    )

    response = api.post(body)

    assert refused(response) == [("invalid_payment", ["payment.id"])]


def test_an_unknown_payment_means_or_none_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    items = [due(invoice["Number"], 1, 100)]

    unknown = api.post(api.body("DebtPayment", items, payment={"id": 999999}))
    missing = api.post(api.body("DebtPayment", items))

    assert refused(unknown) == [("invalid_reference", ["payment.id"])]
    assert refused(missing) == [("parameter_required", ["payment.id"])]
    assert messages(missing) == ["The field payment.id is required"]


def test_an_installment_of_another_customer_is_refused(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000, customer=OTHER_CUSTOMER)
    invoice = on_credit(shop, 50000)

    response = api.pay(
        [due(invoice["Number"], 1, 100)], customer={"identification": OTHER_CUSTOMER}
    )

    assert refused(response) == [("invalid_reference", ["items[0].due.consecutive"])]


def test_a_voucher_dated_before_the_invoice_or_after_today_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    items = [due(invoice["Number"], 1, 100)]

    before = api.pay(items, day=days_ago(1).isoformat())
    after = api.pay(items, day=(TODAY + timedelta(days=1)).isoformat())

    assert refused(before) == [("invalid_date", ["items[0].due.consecutive"])]
    assert refused(after) == [("invalid_date", ["date"])]


def test_header_fields_are_required_and_named_as_the_client_sent_them(api: Api) -> None:
    response = api.post({"items": []})

    assert refused(response) == [
        ("parameter_required", ["date"]),
        ("parameter_required", ["document.id"]),
        ("parameter_required", ["type"]),
        ("parameter_required", ["customer.identification"]),
        ("parameter_required", ["payment.id"]),
    ]
    assert "The field type is required" in messages(response)


def test_an_unknown_type_is_invalid_type(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    response = api.post(api.body("Payment", [], payment={"id": api.means()}))

    assert refused(response) == [("invalid_type", ["type"])]
    assert messages(response) == ["The field type must be DebtPayment, AdvancePayment or Detailed"]


def test_the_type_is_read_in_any_letter_case(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    body = api.body("debtpayment", [due(invoice["Number"], 1, 100)], payment={"id": api.means()})

    assert created(api.post(body))["type"] == "DebtPayment"


def test_the_document_must_be_a_receipt_type(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    body = api.body("DebtPayment", [due(invoice["Number"], 1, 100)], payment={"id": api.means()})

    response = api.post({**body, "document": {"id": shop.doc_types["FV-1"]}})

    assert refused(response) == [("invalid_reference", ["document.id"])]


def test_an_unknown_customer_is_refused(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    items = [due(invoice["Number"], 1, 100)]

    by_identification = api.pay(items, customer={"identification": "52111222"})
    by_guid = api.pay(items, customer={"id": str(uuid.uuid4())})
    not_a_guid = api.pay(items, customer={"id": "not-a-guid"})

    assert refused(by_identification) == [("invalid_reference", ["customer.identification"])]
    assert refused(by_guid) == [("invalid_reference", ["customer.id"])]
    assert messages(by_guid) == ["The customer doesn't exist"]
    assert refused(not_a_guid) == [("invalid_reference", ["customer.id"])]


def test_the_customer_may_be_named_by_its_guid(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    first = created(api.pay([due(invoice["Number"], 1, 1000)]))
    guid = first["customer"]["id"]

    second = created(api.pay([due(invoice["Number"], 1, 2000)], customer={"id": guid}))

    assert second["customer"] == first["customer"]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(57000), Decimal(40000)]


def test_a_cost_center_is_named_by_its_id(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    centers = {c["Code"]: c["Id"] for c in ok(shop.client.get("/CostCenters/GetAll"))}
    items = [due(invoice["Number"], 1, 100)]

    voucher = created(api.pay(items, cost_center=centers["2"]))
    unknown = api.pay(items, cost_center=999999)

    assert voucher["cost_center"] == centers["2"]
    assert refused(unknown) == [("invalid_cost_center", ["cost_center"])]
    assert messages(unknown) == ["The cost center 999999 in cost_center does not exist"]


def test_vouchers_are_numbered_one_after_another_and_refusals_take_no_number(
    api: Api, shop: Shop
) -> None:
    invoice = on_credit(shop, 50000)
    names = [created(api.pay([due(invoice["Number"], 1, 1000)]))["name"] for _ in range(2)]
    refused(api.pay([due(invoice["Number"], 1, 999999)]))

    names.append(created(api.pay([due(invoice["Number"], 1, 1000)]))["name"])

    assert names == ["RC-1-1", "RC-1-2", "RC-1-3"]


def test_a_lite_user_cannot_record_a_voucher(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture, api: Api, shop: Shop
) -> None:
    invoice = on_credit(shop, 50000)
    users.create(
        ctx,
        tenant.actor,
        UserData(
            username="cajero@empresa.co",
            user_type=UserType.LITE,
            identification="30405060",
            first_name="Carlos",
            last_name="Cajero",
        ),
        "clave-cajero-2024",
    )
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        token = current_sign_in(
            anonymous, "cajero@empresa.co", make_access_key(ctx, tenant, "cajero@empresa.co")
        )
        body = api.body(
            "DebtPayment", [due(invoice["Number"], 1, 100)], payment={"id": api.means()}
        )
        response = anonymous.post(
            "/v1/vouchers",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID},
        )

    assert response.status_code == 403
    assert current_errors(response) == [("forbidden", [])]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(50000)]


# --- AdvancePayment --------------------------------------------------------------------------


def test_an_advance_takes_no_items_and_its_value_from_the_payment(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    voucher = created(api.advance("30000.25"))

    assert voucher["type"] == "AdvancePayment"
    assert voucher["items"] == []
    assert dec(voucher["total"]) == Decimal("30000.25")
    assert voucher["payment"] == {"id": api.means(), "name": "Efectivo", "value": 30000.25}


@pytest.mark.parametrize(
    ("items", "payment", "error"),
    [
        pytest.param(None, {}, ("parameter_required", ["payment.value"]), id="no-value"),
        pytest.param(None, {"value": 0}, ("invalid_amount", ["payment.value"]), id="zero"),
        pytest.param(None, {"value": -5}, ("invalid_amount", ["payment.value"]), id="negative"),
        pytest.param(
            [due(1, 1, 100)], {"value": 100}, ("invalid_array", ["items"]), id="with-items"
        ),
    ],
)
def test_an_advance_needs_a_positive_value_and_no_items(
    api: Api, shop: Shop, items: list[Body] | None, payment: Body, error: tuple[str, list[str]]
) -> None:
    on_credit(shop, 1000)

    response = api.post(api.body("AdvancePayment", items, payment={"id": api.means(), **payment}))

    assert refused(response) == [error]
    if error[0] == "invalid_array":
        assert messages(response) == ["An advance takes no items: send none"]


def test_an_advance_is_applied_on_a_later_invoice(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)
    created(api.advance(30000))

    too_much = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash("69999.99")], AdvancePaymentValue="30000.01"
    )
    invoice = shop.sell([item("SRV", 1, 100000)], [shop.cash(70000)], AdvancePaymentValue=30000)

    assert too_much.status_code == 400
    assert dec(invoice["AdvancePaymentValue"]) == Decimal(30000)
    assert dec(invoice["Balance"]) == Decimal(0)


# --- Detailed --------------------------------------------------------------------------------


def test_a_balanced_detailed_voucher_is_recorded(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    voucher = created(
        api.detailed(
            line("Debit", "110505", 100000),
            line("Debit", "111005", "19000.50"),
            line("Credit", "425050", "119000.50", description="Reintegro"),
        )
    )

    assert voucher["type"] == "Detailed"
    assert voucher["payment"] is None
    assert dec(voucher["total"]) == Decimal("119000.50")
    assert [(i["account"], i["due"], i["description"]) for i in voucher["items"]] == [
        ({"code": "110505", "movement": "Debit"}, None, None),
        ({"code": "111005", "movement": "Debit"}, None, None),
        ({"code": "425050", "movement": "Credit"}, None, "Reintegro"),
    ]


def test_a_detailed_voucher_that_does_not_balance_is_refused(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    response = api.detailed(line("Debit", "110505", 100000), line("Credit", "425050", "99999.99"))

    assert refused(response) == [("invalid_balance", ["items"])]
    assert messages(response) == [
        "The debits (100000) and credits (99999.99) of the receipt must be equal"
    ]


def test_a_detailed_voucher_carries_no_payment(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)
    lines = [line("Debit", "110505", 500), line("Credit", "425050", 500)]

    response = api.post(api.body("Detailed", lines, payment={"id": api.means(), "value": 500}))

    assert refused(response) == [("invalid_payment", ["payment.id"])]
    assert messages(response) == [
        "A detailed receipt takes no payment: its lines name the accounts (payment.id)"
    ]


def test_a_movement_must_be_debit_or_credit(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    response = api.detailed(line("Haber", "110505", 500), line("Credit", "425050", 500))
    missing = api.detailed(
        {"account": {"code": "110505"}, "value": 500}, line("Credit", "425050", 500)
    )

    assert refused(response) == [("invalid_type", ["items[0].account.movement"])]
    assert messages(response) == ["The field items[0].account.movement must be Debit or Credit"]
    assert refused(missing) == [("parameter_required", ["items[0].account.movement"])]


def test_a_detailed_line_on_an_unknown_account_is_refused(api: Api, shop: Shop) -> None:
    on_credit(shop, 1000)

    response = api.detailed(line("Debit", "110505", 500), line("Credit", "1105", 500))

    assert refused(response) == [("invalid_account", ["items[1].account.code"])]


def test_a_detailed_credit_line_naming_a_due_pays_it(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    paying = line("Credit", "130505", 40000)
    paying["due"] = {"prefix": "FV-1", "consecutive": invoice["Number"], "quote": 2}

    voucher = created(api.detailed(line("Debit", "110505", 40000), paying))

    assert voucher["items"][1]["due"]["quote"] == 2
    assert shop.installment_balances(invoice["Id"]) == [Decimal(60000), Decimal(0)]


# --- lenient bodies ------------------------------------------------------------------------


def test_a_python_repr_body_with_numbers_as_strings_is_read(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    body = {
        "document": {"id": str(api.rc)},
        "date": TODAY.isoformat(),
        "type": "DebtPayment",
        "customer": {"identification": CUSTOMER, "branch_office": "0"},
        "items": [
            {
                "due": {"prefix": "FV-1", "consecutive": str(invoice["Number"]), "quote": "1"},
                "value": "1500.5",
            }
        ],
        "payment": {"id": str(api.means()), "value": "1500.50"},
        "observations": None,
    }

    voucher = created(api.post(str(body)))

    assert dec(voucher["total"]) == Decimal("1500.50")
    assert shop.installment_balances(invoice["Id"]) == [Decimal("48499.50")]


def test_unknown_keys_are_ignored(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    body = api.body(
        "DebtPayment",
        [due(invoice["Number"], 1, 100, taxes=[], discounts=[])],
        payment={"id": api.means(), "due_date": None},
        name="RC-9-9",
        stamp={"send": False},
    )

    assert created(api.post(body))["name"] == "RC-1-1"


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_the_same_voucher(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    body = api.body("DebtPayment", [due(invoice["Number"], 1, 1000)], payment={"id": api.means()})

    first = api.post(body, **{"Idempotency-Key": "Pago2024abc"})
    again = api.post(body, **{"Idempotency-Key": "Pago2024abc"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert shop.installment_balances(invoice["Id"]) == [Decimal(49000)]
    assert api.list()["pagination"]["total_results"] == 1


@pytest.mark.parametrize("key", ["has-hyphen", "x" * 33, "con espacio"])
def test_a_malformed_idempotency_key_is_refused(api: Api, shop: Shop, key: str) -> None:
    invoice = on_credit(shop, 50000)
    body = api.body("DebtPayment", [due(invoice["Number"], 1, 1000)], payment={"id": api.means()})

    response = api.post(body, **{"Idempotency-Key": key})

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
    assert shop.installment_balances(invoice["Id"]) == [Decimal(50000)]


# --- reading -------------------------------------------------------------------------------


def test_get_reads_the_voucher_as_it_was_created(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    saved = created(
        api.pay(
            [due(invoice["Number"], 2, 40000), due(invoice["Number"], 1, 100)],
            observations="Pago en ventanilla",
        )
    )

    found = created(api.get(saved["id"]), 200)

    assert found == saved
    assert [i["due"]["quote"] for i in found["items"]] == [2, 1]


@pytest.mark.parametrize("guid", ["5f0c1f4e-8a52-4d47-9b39-2d8c3f0a6e11", "not-a-guid", "12"])
def test_an_unknown_voucher_is_404(api: Api, guid: str) -> None:
    response = api.get(guid)

    assert response.status_code == 404
    assert current_errors(response) == [("not_found", [])]


def test_another_companys_voucher_is_404_and_not_listed(
    ctx: ServiceContext,
    server: LiveServer,
    make_company: Any,
    api: Api,
    shop: Shop,
) -> None:
    invoice = on_credit(shop, 50000)
    saved = created(api.pay([due(invoice["Number"], 1, 1000)]))
    other = make_company()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        token = current_sign_in(client, "admin@empresa.co", make_access_key(ctx, other))
        headers = {"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID}
        found = client.get(f"/v1/vouchers/{saved['id']}", headers=headers)
        listed = client.get("/v1/vouchers", headers=headers)

    assert found.status_code == 404
    assert listed.json()["results"] == []
    assert listed.json()["pagination"]["total_results"] == 0


@pytest.fixture
def twelve(api: Api, shop: Shop) -> list[Body]:
    """Twelve vouchers: ten debt payments, an advance and a detailed one."""
    invoice = on_credit(shop, 100000)
    made = [created(api.pay([due(invoice["Number"], 1, 1000 + n)])) for n in range(10)]
    made.append(created(api.advance(5000)))
    made.append(created(api.detailed(line("Debit", "110505", 700), line("Credit", "425050", 700))))
    return made


def test_the_list_is_paginated_in_the_current_envelope(
    api: Api, server: LiveServer, twelve: list[Body]
) -> None:
    first = api.list(page_size=10)
    second = api.list(page=2, page_size=10)
    past = api.list(page=3, page_size=10)

    assert first["pagination"] == {"page": 1, "page_size": 10, "total_results": 12}
    assert [v["name"] for v in first["results"]] == [f"RC-1-{n}" for n in range(1, 11)]
    assert first["results"][0] == twelve[0]
    assert first["_links"] == {
        "self": {"href": f"{server.url}/v1/vouchers?page=1&page_size=10"},
        "next": {"href": f"{server.url}/v1/vouchers?page=2&page_size=10"},
    }
    assert [v["name"] for v in second["results"]] == ["RC-1-11", "RC-1-12"]
    assert [v["type"] for v in second["results"]] == ["AdvancePayment", "Detailed"]
    assert "next" not in second["_links"]
    assert second["_links"]["previous"] == {"href": f"{server.url}/v1/vouchers?page=1&page_size=10"}
    assert past["results"] == []
    assert past["pagination"]["total_results"] == 12


def test_page_size_is_held_between_10_and_100(api: Api, twelve: list[Body]) -> None:
    assert api.list(page_size=3)["pagination"]["page_size"] == 10
    assert api.list(page_size=800)["pagination"]["page_size"] == 100
    assert len(api.list(page_size=800)["results"]) == 12


def test_the_list_filters_by_name(api: Api, twelve: list[Body]) -> None:
    assert [v["id"] for v in api.list(name="RC-1-5")["results"]] == [twelve[4]["id"]]
    assert [v["id"] for v in api.list(name=" rc-1-12 ")["results"]] == [twelve[11]["id"]]
    for name in ("RC-2-5", "FV-1-5", "RC-1", "abc", "RC-1-99"):
        listed = api.list(name=name)
        assert (listed["results"], listed["pagination"]["total_results"]) == ([], 0), name


def test_the_list_filters_by_date_and_creation(api: Api, twelve: list[Body]) -> None:
    today, tomorrow = TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()
    yesterday = days_ago(1).isoformat()
    just_before = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert api.list(date_start=today, date_end=today)["pagination"]["total_results"] == 12
    assert api.list(date_end=yesterday)["pagination"]["total_results"] == 0
    assert api.list(date_start=tomorrow)["pagination"]["total_results"] == 0
    assert api.list(created_start=just_before)["pagination"]["total_results"] == 12
    assert api.list(created_end=just_before)["pagination"]["total_results"] == 0
    assert (
        api.list(created_start=yesterday, created_end=tomorrow)["pagination"]["total_results"] == 12
    )


def test_updated_filters_match_no_voucher(api: Api, twelve: list[Body]) -> None:
    """Receipts never change once recorded (their last_updated is null)."""
    listed = api.list(updated_start=days_ago(30).isoformat())

    assert (listed["results"], listed["pagination"]["total_results"]) == ([], 0)
    assert api.list(updated_end=TODAY.isoformat())["pagination"]["total_results"] == 0


def test_filters_stay_in_the_links(api: Api, server: LiveServer, twelve: list[Body]) -> None:
    listed = api.list(page_size=10, date_start=TODAY.isoformat())

    assert listed["_links"]["next"]["href"] == (
        f"{server.url}/v1/vouchers?page=2&page_size=10&date_start={TODAY.isoformat()}"
    )


def test_a_malformed_date_filter_is_refused(api: Api) -> None:
    response = api.client.get("/v1/vouchers", params={"created_start": "ayer"})

    assert refused(response) == [("invalid_date", ["created_start"])]


def test_a_get_with_a_json_body_is_tolerated(api: Api, twelve: list[Body]) -> None:
    response = api.client.request(
        "GET", "/v1/vouchers", content=b"{}", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json()["pagination"]["total_results"] == 12


def test_the_partner_id_is_required(api: Api, server: LiveServer) -> None:
    headers = {"Authorization": api.client.headers["Authorization"]}
    response = httpx.get(f"{server.url}/v1/vouchers", headers=headers)

    assert response.status_code == 400
    assert current_errors(response) == [("header_required", ["Partner-Id"])]


# --- both dialects -------------------------------------------------------------------------


def test_a_voucher_of_the_current_api_reads_the_same_through_the_legacy_one(
    api: Api, shop: Shop
) -> None:
    invoice = on_credit(shop, 60000, 40000)
    voucher = created(api.pay([due(invoice["Number"], 2, 15000)], observations="Abono"))

    legacy = legacy_receipt(shop, voucher["name"])
    by_id = ok(shop.client.get(f"/Voucher/GetByID/{legacy['Header']['Id']}"))

    assert by_id == legacy
    header = legacy["Header"]
    assert (header["Number"], dec(header["TotalValue"])) == (voucher["number"], Decimal(15000))
    assert (header["Identification"], header["BranchOffice"]) == (CUSTOMER, 0)
    assert (header["VoucherType"], header["PaymentMeanCode"]) == (0, api.means())
    assert header["Observations"] == "Abono"
    assert [(i["DuePrefix"], i["DueConsecutive"], i["DueQuote"]) for i in legacy["Items"]] == [
        ("FV-1", invoice["Number"], 2)
    ]
    assert balance_of(shop, invoice) == Decimal(85000)


def test_a_legacy_receipt_reads_the_same_through_the_current_api(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    saved = ok(
        shop.receive(
            [
                {
                    "Value": 20000,
                    "DuePrefix": "FV-1",
                    "DueConsecutive": invoice["Number"],
                    "DueQuote": 1,
                }
            ],
            Observations="Legado",
        )
    )["Header"]

    [voucher] = api.list(name=saved["DocName"])["results"]

    assert (voucher["number"], voucher["total"]) == (saved["Number"], 20000)
    assert voucher["customer"]["identification"] == saved["Identification"] == CUSTOMER
    assert voucher["payment"]["id"] == saved["PaymentMeanCode"]
    assert voucher["observations"] == "Legado"
    assert created(api.get(voucher["id"]), 200) == voucher
    # The payment is in the invoice's balance whichever dialect asks.
    assert shop.installment_balances(invoice["Id"]) == [Decimal(40000), Decimal(40000)]


def test_receipts_of_both_dialects_share_one_numbering(api: Api, shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    paid = {"Value": 100, "DuePrefix": "FV-1", "DueConsecutive": invoice["Number"], "DueQuote": 1}

    names = [
        ok(shop.receive([paid]))["Header"]["DocName"],
        created(api.pay([due(invoice["Number"], 1, 100)]))["name"],
        ok(shop.receive([paid]))["Header"]["DocName"],
    ]

    assert names == ["RC-1-1", "RC-1-2", "RC-1-3"]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(49700)]
