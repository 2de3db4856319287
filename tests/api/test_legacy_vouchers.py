"""Cash receipts over HTTP: Voucher/Save (abono a deuda, anticipo, avanzado), GetByID, GetAll.

The helpers at the top (``Shop`` and the body builders) are shared with the notes and reports
tests, which import them from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture, errors_of

# --- shared helpers ------------------------------------------------------------------------

TODAY = (datetime.now(UTC) - timedelta(hours=5)).date()  # Colombia, where DocDate is checked
CUSTOMER = "800197268"
OTHER_CUSTOMER = "900373913"
LITE_PASSWORD = "clave-cajero-2024"

Body = dict[str, Any]


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def dec(value: object) -> Decimal:
    """A JSON amount as the exact Decimal it spells."""
    return Decimal(str(value))


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: httpx.Response) -> list[tuple[str, list[str]]]:
    """The (Code, Params) of a 400 answer."""
    assert response.status_code == 400, response.text
    return errors_of(response)


def details(response: httpx.Response) -> list[str | None]:
    return [error["Detail"] for error in response.json()["Errors"]]


def account(identification: str, name: str = "Cliente SAS") -> Body:
    """The invoice's Header.Account: an existing tercero, or the one to create."""
    return {
        "IsSocialReason": True,
        "FullName": name,
        "IdTypeCode": "31",
        "Identification": identification,
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": "Calle 72 # 10-34",
        "Phone": {"Number": "6012345678"},
    }


def item(code: str, quantity: object, unit_value: object, **fields: Any) -> Body:
    """An invoice or note item; ``fields`` add legacy keys (TaxAddId, WareHouseCode...)."""
    return {"ProductCode": code, "Quantity": quantity, "UnitValue": unit_value, **fields}


def debt(number: int, quote: int, value: object, *, prefix: str = "FV-1", **fields: Any) -> Body:
    """A receipt item paying installment ``quote`` of document ``prefix``-``number``."""
    return {
        "Value": value,
        "DuePrefix": prefix,
        "DueConsecutive": number,
        "DueQuote": quote,
        **fields,
    }


def entry(dc: int, account_code: str, value: object, **fields: Any) -> Body:
    """A line of a detailed receipt: DC 1 debit, -1 credit."""
    return {"DC": dc, "ACAccountCode": account_code, "Value": value, **fields}


def _number(value: object) -> float:
    """Decimal amounts (2 decimals, far below 2**53 cents) written exactly as JSON numbers."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


@dataclass
class Shop:
    """A company seen through the legacy API, with its default catalogs resolved to ids."""

    client: httpx.Client
    taxes: dict[str, int]
    means: dict[str, int]
    doc_types: dict[str, int]
    group_id: int

    @classmethod
    def open(cls, client: httpx.Client) -> Shop:
        types = ok(client.get("/ERPDocumentTypes/GetAll"))
        return cls(
            client=client,
            taxes={t["Name"]: t["Id"] for t in ok(client.get("/Taxes/GetAll"))},
            means={m["Name"]: m["Id"] for m in ok(client.get("/PaymentMeans/GetAll"))},
            doc_types={f"{t['DocClass']}-{t['Code']}": t["Id"] for t in types},
            group_id=ok(client.get("/AccountGroups/GetAll"))[0]["Id"],
        )

    def post(self, path: str, body: Body) -> httpx.Response:
        """POSTs ``body`` as JSON, Decimal amounts written as JSON numbers."""
        return self.client.post(
            path,
            content=json.dumps(body, default=_number),
            headers={"Content-Type": "application/json"},
        )

    # products and stock

    def product(self, code: str, *, stock: int = 0, stock_control: bool = True) -> str:
        ok(
            self.post(
                "/Products/Create",
                {
                    "Code": code,
                    "Description": f"Producto {code}",
                    "ProductTypeKey": "ProductType_Product",
                    "AccountGroupID": self.group_id,
                    "IsInventoryControl": stock_control,
                },
            )
        )
        if stock:
            ok(self.adjust(code, stock))
        return code

    def adjust(self, code: str, quantity: object, warehouse: str = "1") -> httpx.Response:
        return self.post(
            "/Inventory/Adjust",
            {"ProductCode": code, "WareHouseCode": warehouse, "Quantity": quantity},
        )

    def stock(self, code: str) -> Decimal:
        found = ok(self.client.get("/Products/GetProductBalanceByCode", params={"code": code}))
        return dec(found["TotalBalance"])

    # invoices

    def cash(self, value: object, means: str = "Efectivo") -> Body:
        return {"PaymentMeansCode": self.means[means], "Value": value}

    def credit(self, value: object, *, due: date = TODAY, quote: int = 1) -> Body:
        return {
            "PaymentMeansCode": self.means["Crédito"],
            "Value": value,
            "DueDate": ymd(due),
            "DueQuote": quote,
        }

    def invoice_body(
        self,
        items: list[Body],
        payments: list[Body],
        *,
        customer: str = CUSTOMER,
        day: date = TODAY,
        **header: Any,
    ) -> Body:
        return {
            "Header": {
                "DocCode": self.doc_types["FV-1"],
                "DocDate": ymd(day),
                "SalesmanIdentification": "1020304050",
                "Account": account(customer),
                **header,
            },
            "Items": items,
            "Payments": payments,
        }

    def save_invoice(self, items: list[Body], payments: list[Body], **kw: Any) -> httpx.Response:
        return self.post("/Invoice/Save", self.invoice_body(items, payments, **kw))

    def sell(self, items: list[Body], payments: list[Body], **kw: Any) -> Body:
        """Issues an invoice and answers its Header."""
        header: Body = ok(self.save_invoice(items, payments, **kw))["Header"]
        return header

    def invoice(self, invoice_id: int) -> Body:
        found: Body = ok(self.client.get(f"/Invoice/GetByID/{invoice_id}"))
        return found

    def installment_balances(self, invoice_id: int) -> list[Decimal]:
        return [dec(p["Balance"]) for p in self.invoice(invoice_id)["Payments"]]

    def annul(self, invoice_id: int) -> Body:
        found: Body = ok(
            self.post(f"/Invoice/Annul/{invoice_id}", {"Reason": "Error de digitación"})
        )
        return found

    # receipts

    def receipt_body(
        self,
        items: list[Body] | None,
        *,
        voucher_type: int = 0,
        customer: str = CUSTOMER,
        means: str | None = "Efectivo",
        day: date = TODAY,
        **header: Any,
    ) -> Body:
        head: Body = {
            "DocCode": self.doc_types["RC-1"],
            "DocDate": ymd(day),
            "Identification": customer,
            "VoucherType": voucher_type,
            **header,
        }
        if means is not None:
            head["PaymentMeanCode"] = self.means[means]
        return {"Header": head, "Items": items}

    def receive(self, items: list[Body] | None, **kw: Any) -> httpx.Response:
        return self.post("/Voucher/Save", self.receipt_body(items, **kw))

    def advance(self, value: object, customer: str = CUSTOMER) -> Body:
        answer: Body = ok(self.receive(None, voucher_type=1, customer=customer, TotalValue=value))
        return answer

    # notes

    def note_body(
        self,
        invoice_id: int | None,
        reason: str,
        items: list[Body] | None,
        *,
        kind: str = "NC-1",
        day: date = TODAY,
        **header: Any,
    ) -> Body:
        head: Body = {"DocCode": self.doc_types[kind], "DocDate": ymd(day), "ReasonCode": reason}
        if invoice_id is not None:
            head["InvoiceId"] = invoice_id
        return {"Header": {**head, **header}, "Items": items}

    def credit_note(
        self, invoice_id: int | None, reason: str, items: list[Body] | None, **kw: Any
    ) -> httpx.Response:
        body = self.note_body(invoice_id, reason, items, kind="NC-1", **kw)
        return self.post("/CreditNote/Save", body)

    def debit_note(
        self, invoice_id: int | None, items: list[Body], reason: str = "1", **kw: Any
    ) -> httpx.Response:
        body = self.note_body(invoice_id, reason, items, kind="ND-1", **kw)
        return self.post("/DebitNote/Save", body)

    # reports

    def aging(self, on: date | None = None) -> Body:
        params = {"date": ymd(on)} if on else {}
        report: Body = ok(self.client.get("/Reports/ReceivablesAging", params=params))
        return report


def sign_in_lite(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture, legacy_token: Any
) -> httpx.Client:
    """A lite user (seller, POS cashier) of the tenant's company, signed in over HTTP."""
    user = users.create(
        ctx,
        tenant.actor,
        UserData(
            username="cajero@empresa.co",
            user_type=UserType.LITE,
            identification="30405060",
            first_name="Carlos",
            last_name="Cajero",
        ),
        LITE_PASSWORD,
    )
    token = legacy_token(tenant.key, user.username, LITE_PASSWORD)
    return httpx.Client(
        base_url=f"{server.url}/siigo/api/v1", headers={"Authorization": token}, timeout=30
    )


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    shop = Shop.open(admin_client)
    shop.product("SRV", stock_control=False)
    return shop


@pytest.fixture
def lite_client(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture, legacy_token: Any
) -> Iterator[httpx.Client]:
    with sign_in_lite(ctx, server, tenant, legacy_token) as client:
        yield client


def on_credit(shop: Shop, *amounts: int, due: date = TODAY, **kw: Any) -> Body:
    """An invoice of one service whose payments are credit installments 1, 2... of ``amounts``."""
    return shop.sell(
        [item("SRV", 1, sum(amounts))],
        [shop.credit(value, due=due, quote=quote) for quote, value in enumerate(amounts, 1)],
        **kw,
    )


def balance_of(shop: Shop, invoice: Body) -> Decimal:
    return dec(shop.invoice(invoice["Id"])["Header"]["Balance"])


# --- VoucherType 0: abono a deuda ------------------------------------------------------------


def test_full_payment_settles_the_installment_and_lowers_the_invoice_balance(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    receipt = ok(shop.receive([debt(invoice["Number"], 1, 60000)], TotalValue=60000))

    assert dec(receipt["Header"]["TotalValue"]) == Decimal(60000)
    assert shop.installment_balances(invoice["Id"]) == [Decimal(0), Decimal(40000)]
    assert balance_of(shop, invoice) == Decimal(40000)


def test_a_payment_is_a_credit_to_clientes_nacionales_dated_as_the_installment(
    shop: Shop,
) -> None:
    due = TODAY + timedelta(days=30)
    invoice = on_credit(shop, 100000, due=due)

    receipt = ok(shop.receive([debt(invoice["Number"], 1, 100000)]))

    [line] = receipt["Items"]
    assert (line["DC"], line["ACAccountCode"], line["DueDate"]) == (-1, "130505", ymd(due))
    assert (line["DuePrefix"], line["DueConsecutive"], line["DueQuote"]) == (
        "FV-1",
        invoice["Number"],
        1,
    )


def test_partial_payment_leaves_the_rest_of_the_installment_owed(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    ok(shop.receive([debt(invoice["Number"], 1, "25000.50")]))

    assert shop.installment_balances(invoice["Id"]) == [Decimal("34999.50"), Decimal(40000)]
    assert balance_of(shop, invoice) == Decimal("74999.50")


def test_one_receipt_pays_two_installments(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    receipt = ok(shop.receive([debt(number, 1, 60000), debt(number, 2, 15000)]))

    assert dec(receipt["Header"]["TotalValue"]) == Decimal(75000)
    assert shop.installment_balances(invoice["Id"]) == [Decimal(0), Decimal(25000)]


def test_paying_more_than_the_balance_is_refused_with_the_balance(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    ok(shop.receive([debt(invoice["Number"], 1, 25000)]))

    response = shop.receive([debt(invoice["Number"], 1, "35000.01")])

    assert refused(response) == [("invalid_amount", ["Items[0].Value"])]
    assert details(response) == ["35000"]
    assert (
        "No puede enviar un valor mayor al valor del saldo de la cuota"
        in response.json()["Errors"][0]["Message"]
    )
    assert shop.installment_balances(invoice["Id"]) == [Decimal(35000), Decimal(40000)]


def test_a_settled_installment_cannot_be_paid_again(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    ok(shop.receive([debt(invoice["Number"], 1, 50000)]))

    response = shop.receive([debt(invoice["Number"], 1, 1)])

    assert refused(response) == [("invalid_amount", ["Items[0].Value"])]
    assert details(response) == ["0"]


def test_a_payment_at_the_sale_is_no_installment_a_receipt_can_pay(shop: Shop) -> None:
    """Cash is settled by the invoice itself: it has no DueQuote to name."""
    invoice = shop.sell([item("SRV", 1, 50000)], [shop.cash(50000)])

    response = shop.receive([debt(invoice["Number"], 1, 100)])

    assert refused(response) == [("invalid_reference", ["Items[0].DueConsecutive"])]


def test_an_annulled_invoices_installment_cannot_be_paid(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    shop.annul(invoice["Id"])

    response = shop.receive([debt(invoice["Number"], 1, 100)])

    assert refused(response) == [("invalid_document", ["Items[0].DueConsecutive"])]


def test_receipts_racing_for_one_installment_have_one_winner(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    body = shop.receipt_body([debt(invoice["Number"], 1, 50000)])

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: shop.post("/Voucher/Save", body), range(6)))

    losers = [a for a in answers if a.status_code != 200]
    assert len(losers) == 5
    assert [(refused(a), details(a)) for a in losers] == [
        ([("invalid_amount", ["Items[0].Value"])], ["0"])
    ] * 5
    assert shop.installment_balances(invoice["Id"]) == [Decimal(0)]
    assert len(ok(shop.client.get("/Voucher/GetAll"))) == 1


def test_the_same_installment_twice_in_one_receipt_is_refused(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    response = shop.receive([debt(number, 1, 10000), debt(number, 2, 100), debt(number, 1, 5000)])

    assert refused(response) == [("invalid_array", ["Items[2].DueQuote"])]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(60000), Decimal(40000)]


def test_an_installment_of_another_customer_is_refused(shop: Shop) -> None:
    on_credit(shop, 10000, customer=OTHER_CUSTOMER)  # makes the other customer exist
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], customer=OTHER_CUSTOMER)

    assert refused(response) == [("invalid_reference", ["Items[0].DueConsecutive"])]


@pytest.mark.parametrize(
    ("prefix", "number_offset", "quote"),
    [
        pytest.param("FV-2", 0, 1, id="another-document-type"),
        pytest.param("XX-1", 0, 1, id="unknown-prefix"),
        pytest.param("FV-1", 1, 1, id="unknown-consecutive"),
        pytest.param("FV-1", 0, 3, id="unknown-quote"),
    ],
)
def test_an_installment_that_does_not_exist_is_refused(
    shop: Shop, prefix: str, number_offset: int, quote: int
) -> None:
    invoice = on_credit(shop, 60000, 40000)

    response = shop.receive([debt(invoice["Number"] + number_offset, quote, 100, prefix=prefix)])

    assert refused(response) == [("invalid_reference", ["Items[0].DueConsecutive"])]


def test_a_due_date_that_is_not_the_installments_is_refused(shop: Shop) -> None:
    due = TODAY + timedelta(days=30)
    invoice = on_credit(shop, 50000, due=due)

    wrong = shop.receive([debt(invoice["Number"], 1, 100, DueDate=ymd(due + timedelta(days=1)))])
    right = shop.receive([debt(invoice["Number"], 1, 100, DueDate=ymd(due))])

    assert refused(wrong) == [("invalid_date", ["Items[0].DueDate"])]
    assert right.status_code == 200, right.text


def test_a_receipt_dated_after_today_is_refused(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], day=TODAY + timedelta(days=1))

    assert refused(response) == [("invalid_date", ["Header.DocDate"])]


def test_a_receipt_dated_before_the_invoice_it_pays_is_refused(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], day=days_ago(1))

    assert refused(response) == [("invalid_date", ["Items[0].DueConsecutive"])]


def test_a_total_value_that_differs_from_the_items_is_refused(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    response = shop.receive([debt(number, 1, 30000), debt(number, 2, 10000)], TotalValue=50000)

    assert refused(response) == [("invalid_value", ["Header.TotalValue"])]
    assert details(response) == ["40000"]


def test_an_unknown_customer_is_refused(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], customer="52111222")

    assert refused(response) == [("invalid_reference", ["Header.Identification"])]


@pytest.mark.parametrize(
    "means", ["Crédito", "Cruce de anticipos", "Cuentas por pagar a proveedores"]
)
def test_a_credit_system_or_supplier_payment_means_cannot_receive_money(
    shop: Shop, means: str
) -> None:
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], means=means)

    assert refused(response) == [("invalid_payment", ["Header.PaymentMeanCode"])]


def test_a_debt_payment_needs_a_payment_means(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    response = shop.receive([debt(invoice["Number"], 1, 100)], means=None)

    assert refused(response) == [("parameter_required", ["Header.PaymentMeanCode"])]


def test_receipts_are_numbered_one_after_another(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)

    names = [ok(shop.receive([debt(invoice["Number"], 1, 1000)]))["Header"] for _ in range(3)]

    assert [(h["Number"], h["DocName"]) for h in names] == [
        (1, "RC-1-1"),
        (2, "RC-1-2"),
        (3, "RC-1-3"),
    ]


def test_a_refused_receipt_takes_no_number(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    ok(shop.receive([debt(invoice["Number"], 1, 1000)]))
    refused(shop.receive([debt(invoice["Number"], 1, 999999)]))

    following = ok(shop.receive([debt(invoice["Number"], 1, 1000)]))

    assert following["Header"]["DocName"] == "RC-1-2"


def test_get_by_id_reads_the_receipt_as_it_was_saved(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    saved = ok(
        shop.receive(
            [debt(invoice["Number"], 2, 40000), debt(invoice["Number"], 1, 100)],
            Observations="Pago en ventanilla",
        )
    )

    found = ok(shop.client.get(f"/Voucher/GetByID/{saved['Header']['Id']}"))

    assert found == saved
    assert found["Header"]["Observations"] == "Pago en ventanilla"
    assert [i["DueQuote"] for i in found["Items"]] == [2, 1]


def test_get_all_lists_the_receipts_of_every_type_in_order(shop: Shop) -> None:
    invoice = on_credit(shop, 50000)
    ok(shop.receive([debt(invoice["Number"], 1, 1000)]))
    shop.advance(5000)
    ok(
        shop.receive(
            [entry(1, "110505", 700), entry(-1, "425050", 700)], voucher_type=2, means=None
        )
    )

    listed = ok(shop.client.get("/Voucher/GetAll", params={"numberPage": 0}))

    assert [(r["Header"]["DocName"], r["Header"]["VoucherType"]) for r in listed] == [
        ("RC-1-1", 0),
        ("RC-1-2", 1),
        ("RC-1-3", 2),
    ]
    assert [dec(r["Header"]["TotalValue"]) for r in listed] == [
        Decimal(1000),
        Decimal(5000),
        Decimal(700),
    ]


def test_another_companys_receipt_is_not_found(shop: Shop, other_client: httpx.Client) -> None:
    invoice = on_credit(shop, 50000)
    saved = ok(shop.receive([debt(invoice["Number"], 1, 1000)]))

    response = other_client.get(f"/Voucher/GetByID/{saved['Header']['Id']}")

    assert response.status_code == 404
    assert ok(other_client.get("/Voucher/GetAll")) == []


def test_a_debit_notes_installment_is_paid_with_prefix_nd_1(shop: Shop) -> None:
    invoice = shop.sell([item("SRV", 1, 50000)], [shop.cash(50000)])
    note = ok(shop.debit_note(invoice["Id"], [item("SRV", 1, 5000)]))["Header"]
    paid = debt(note["Number"], 1, 2000, prefix="ND-1")

    ok(shop.receive([paid]))
    response = shop.receive([{**paid, "Value": 3001}])

    assert refused(response) == [("invalid_amount", ["Items[0].Value"])]
    assert details(response) == ["3000"]


def test_a_lite_user_cannot_record_a_receipt(shop: Shop, lite_client: httpx.Client) -> None:
    invoice = on_credit(shop, 50000)

    response = lite_client.post(
        "/Voucher/Save", json=shop.receipt_body([debt(invoice["Number"], 1, 100)])
    )

    assert response.status_code == 403
    assert errors_of(response) == [("forbidden", [])]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(50000)]


# --- VoucherType 1: anticipo -----------------------------------------------------------------


def test_an_advance_is_recorded_without_items(shop: Shop) -> None:
    on_credit(shop, 1000)  # makes the customer exist

    receipt = shop.advance("30000.25")

    assert receipt["Header"]["VoucherType"] == 1
    assert dec(receipt["Header"]["TotalValue"]) == Decimal("30000.25")
    assert receipt["Items"] is None


@pytest.mark.parametrize(
    ("items", "total", "error"),
    [
        pytest.param(None, None, ("parameter_required", ["Header.TotalValue"]), id="no-total"),
        pytest.param(None, 0, ("invalid_amount", ["Header.TotalValue"]), id="zero"),
        pytest.param(None, -100, ("invalid_amount", ["Header.TotalValue"]), id="negative"),
        pytest.param(
            [{"Value": 100, "DuePrefix": "FV-1", "DueConsecutive": 1, "DueQuote": 1}],
            100,
            ("invalid_array", ["Items"]),
            id="with-items",
        ),
    ],
)
def test_an_advance_needs_a_positive_total_and_no_items(
    shop: Shop, items: list[Body] | None, total: int | None, error: tuple[str, list[str]]
) -> None:
    on_credit(shop, 1000)
    header = {} if total is None else {"TotalValue": total}

    response = shop.receive(items, voucher_type=1, **header)

    assert refused(response) == [error]


def test_an_invoice_applies_the_customers_advance(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)

    invoice = shop.sell([item("SRV", 1, 100000)], [shop.cash(70000)], AdvancePaymentValue=30000)

    assert dec(invoice["AdvancePaymentValue"]) == Decimal(30000)
    assert dec(invoice["TotalValue"]) == Decimal(100000)
    assert dec(invoice["Balance"]) == Decimal(0)
    found = shop.invoice(invoice["Id"])
    assert dec(found["Header"]["AdvancePaymentValue"]) == Decimal(30000)
    assert [dec(p["Value"]) for p in found["Payments"]] == [Decimal(70000)]


def test_an_advance_with_credit_leaves_only_the_credit_owed(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)

    invoice = shop.sell([item("SRV", 1, 100000)], [shop.credit(70000)], AdvancePaymentValue=30000)

    assert dec(invoice["Balance"]) == Decimal(70000)


def test_an_invoice_paid_entirely_with_the_advance_needs_no_other_payment(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(100000)

    response = shop.save_invoice([item("SRV", 1, 100000)], [], AdvancePaymentValue=100000)

    assert response.status_code == 200, response.text
    assert dec(response.json()["Header"]["AdvancePaymentValue"]) == Decimal(100000)
    assert dec(response.json()["Header"]["Balance"]) == Decimal(0)


def test_payments_must_cover_the_total_less_the_advance(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)

    response = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash(100000)], AdvancePaymentValue=30000
    )

    assert refused(response) == [("invalid_total_payments", ["Payments"])]
    assert details(response) == ["70000"]


def test_more_advance_than_the_customer_has_is_refused(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)

    response = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash("69999.99")], AdvancePaymentValue="30000.01"
    )

    assert refused(response) == [("invalid_amount", ["Header.AdvancePaymentValue"])]


def test_an_advance_is_used_up_by_the_invoice_that_applies_it(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)
    shop.sell([item("SRV", 1, 100000)], [shop.cash(80000)], AdvancePaymentValue=20000)

    too_much = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash(89999)], AdvancePaymentValue=10001
    )
    rest = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash(90000)], AdvancePaymentValue=10000
    )

    assert refused(too_much) == [("invalid_amount", ["Header.AdvancePaymentValue"])]
    assert rest.status_code == 200, rest.text


def test_another_customers_advance_cannot_be_applied(shop: Shop) -> None:
    on_credit(shop, 1000)
    on_credit(shop, 1000, customer=OTHER_CUSTOMER)
    shop.advance(30000, customer=OTHER_CUSTOMER)

    response = shop.save_invoice(
        [item("SRV", 1, 100000)], [shop.cash(70000)], AdvancePaymentValue=30000
    )

    assert refused(response) == [("invalid_amount", ["Header.AdvancePaymentValue"])]


def test_annulling_the_invoice_gives_the_advance_back(shop: Shop) -> None:
    on_credit(shop, 1000)
    shop.advance(30000)
    first = shop.sell([item("SRV", 1, 100000)], [shop.cash(70000)], AdvancePaymentValue=30000)

    shop.annul(first["Id"])
    again = shop.save_invoice(
        [item("SRV", 1, 50000)], [shop.cash(20000)], AdvancePaymentValue=30000
    )

    assert again.status_code == 200, again.text
    assert dec(again.json()["Header"]["AdvancePaymentValue"]) == Decimal(30000)


# --- VoucherType 2: avanzado -----------------------------------------------------------------


def detailed(shop: Shop, *lines: Body) -> httpx.Response:
    return shop.receive(list(lines), voucher_type=2, means=None)


def test_a_balanced_detailed_receipt_is_recorded(shop: Shop) -> None:
    on_credit(shop, 1000)

    receipt = ok(
        detailed(
            shop,
            entry(1, "110505", 100000),
            entry(1, "111005", "19000.50"),
            entry(-1, "425050", "119000.50", LongDescription="Reintegro"),
        )
    )

    assert receipt["Header"]["VoucherType"] == 2
    assert dec(receipt["Header"]["TotalValue"]) == Decimal("119000.50")
    assert [(i["DC"], i["ACAccountCode"], dec(i["Value"])) for i in receipt["Items"]] == [
        (1, "110505", Decimal(100000)),
        (1, "111005", Decimal("19000.50")),
        (-1, "425050", Decimal("119000.50")),
    ]


def test_a_detailed_receipt_that_does_not_balance_is_refused(shop: Shop) -> None:
    on_credit(shop, 1000)

    response = detailed(shop, entry(1, "110505", 100000), entry(-1, "425050", "99999.99"))

    assert refused(response) == [("invalid_balance", ["Items"])]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("999999", id="unknown"),
        pytest.param("1105", id="account-not-postable"),
        pytest.param("11", id="group"),
        pytest.param("4", id="class"),
    ],
)
def test_a_line_on_an_unknown_or_non_postable_account_is_refused(shop: Shop, code: str) -> None:
    on_credit(shop, 1000)

    response = detailed(shop, entry(1, "110505", 500), entry(-1, code, 500))

    assert refused(response) == [("invalid_account", ["Items[1].ACAccountCode"])]


def test_a_credit_line_naming_an_installment_pays_it(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)

    ok(
        detailed(
            shop,
            entry(1, "110505", 40000),
            entry(
                -1, "130505", 40000, DuePrefix="FV-1", DueConsecutive=invoice["Number"], DueQuote=2
            ),
        )
    )

    assert shop.installment_balances(invoice["Id"]) == [Decimal(60000), Decimal(0)]


def test_a_detailed_line_cannot_pay_more_than_the_installment(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    response = detailed(
        shop,
        entry(1, "110505", 40001),
        entry(-1, "130505", 40001, DuePrefix="FV-1", DueConsecutive=number, DueQuote=2),
    )

    assert refused(response) == [("invalid_amount", ["Items[1].Value"])]
    assert details(response) == ["40000"]


def test_a_debit_line_cannot_pay_an_installment(shop: Shop) -> None:
    invoice = on_credit(shop, 60000, 40000)
    number = invoice["Number"]

    response = detailed(
        shop,
        entry(-1, "110505", 100),
        entry(1, "130505", 100, DuePrefix="FV-1", DueConsecutive=number, DueQuote=1),
    )

    assert refused(response) == [("invalid_array", ["Items[1].DC"])]
