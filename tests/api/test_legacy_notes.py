"""Credit and debit notes over HTTP (CreditNote/Save, DebitNote/Save, GetByID, GetAll), and the
stock they and inventory adjustments move (Inventory/Adjust, GetProductBalanceByCode)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.services.context import ServiceContext
from tests.api.test_legacy_vouchers import (
    CUSTOMER,
    TODAY,
    Body,
    Shop,
    days_ago,
    debt,
    dec,
    details,
    item,
    ok,
    refused,
    sign_in_lite,
    ymd,
)
from tests.conftest import LiveServer, TenantFixture, errors_of

STOCK = 10
FIRST_DUE = TODAY + timedelta(days=30)
SECOND_DUE = TODAY + timedelta(days=60)


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    """A company with 10 units of P1 (sold with IVA 19 %) and a service SRV without stock."""
    shop = Shop.open(admin_client)
    shop.product("P1", stock=STOCK)
    shop.product("SRV", stock_control=False)
    return shop


@pytest.fixture
def lite_client(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture, legacy_token: Any
) -> Iterator[httpx.Client]:
    with sign_in_lite(ctx, server, tenant, legacy_token) as client:
        yield client


def units(shop: Shop, quantity: object, unit_value: object = 10000, **fields: Any) -> Body:
    """An item of P1 with IVA 19 % from warehouse 1."""
    return item(
        "P1",
        quantity,
        unit_value,
        TaxAddId=shop.taxes["IVA 19%"],
        WareHouseCode="1",
        **fields,
    )


def returned(quantity: object, **fields: Any) -> Body:
    """A credit-note item: the invoice's price and taxes are taken when left out."""
    return {"ProductCode": "P1", "Quantity": quantity, **fields}


def sale(shop: Shop, payments: list[Body] | None = None, **kw: Any) -> Body:
    """4 units of P1 at 10,000 + IVA 19 % = 47,600; by default two credit installments of
    23,800 due in 30 and 60 days."""
    if payments is None:
        payments = [
            shop.credit(23800, due=FIRST_DUE, quote=1),
            shop.credit(23800, due=SECOND_DUE, quote=2),
        ]
    return shop.sell([units(shop, 4)], payments, **kw)


def charge(value: object = 5000) -> Body:
    """A debit-note item: interest charged on the service, no tax."""
    return item("SRV", 1, value)


def note(shop: Shop, kind: str, invoice_id: int, **kw: Any) -> httpx.Response:
    """A valid credit note (one unit returned) or debit note (5,000 of interest)."""
    if kind == "NC-1":
        return shop.credit_note(invoice_id, "1", [returned(1)], **kw)
    return shop.debit_note(invoice_id, [charge()], **kw)


def customer_row(shop: Shop, on: date | None = None) -> Body:
    rows: list[Body] = shop.aging(on)["Customers"]
    [row] = rows
    assert row["Identification"] == CUSTOMER
    return row


# --- credit notes --------------------------------------------------------------------------


def test_a_partial_return_puts_the_goods_back_in_the_warehouse(shop: Shop) -> None:
    invoice = sale(shop)
    assert shop.stock("P1") == Decimal(6)

    ok(shop.credit_note(invoice["Id"], "1", [returned(1)]))

    assert shop.stock("P1") == Decimal(7)


def test_a_credit_note_lowers_the_latest_installment_first(shop: Shop) -> None:
    invoice = sale(shop)

    ok(shop.credit_note(invoice["Id"], "1", [returned(3)]))  # 35,700

    assert shop.installment_balances(invoice["Id"]) == [Decimal(11900), Decimal(0)]
    assert dec(shop.invoice(invoice["Id"])["Header"]["Balance"]) == Decimal(11900)


def test_a_credit_note_echoes_the_invoice_it_corrects(shop: Shop) -> None:
    invoice = sale(shop)

    note = ok(shop.credit_note(invoice["Id"], "1", [returned(1)]))

    header = note["Header"]
    assert (header["Name"], header["Number"], header["ReasonCode"]) == ("NC-1-1", 1, "1")
    assert header["InvoiceId"] == invoice["Id"]
    assert (header["InvoicePrefix"], header["InvoiceNumber"]) == ("FV-1", invoice["Number"])
    assert header["InvoiceName"] == f"FV-1-{invoice['Number']}"
    assert header["Identification"] == CUSTOMER
    assert [dec(header[k]) for k in ("TotalBase", "VATTotalValue", "TotalValue")] == [
        Decimal(10000),
        Decimal(1900),
        Decimal(11900),
    ]
    [line] = note["Items"]
    assert (line["TaxAddId"], line["WareHouseCode"], dec(line["UnitValue"])) == (
        shop.taxes["IVA 19%"],
        "1",
        Decimal(10000),
    )


def test_a_credit_note_may_name_its_invoice_by_prefix_and_number(shop: Shop) -> None:
    invoice = sale(shop)

    note = ok(
        shop.credit_note(
            None, "1", [returned(1)], InvoicePrefix="FV-1", InvoiceNumber=invoice["Number"]
        )
    )

    assert note["Header"]["InvoiceId"] == invoice["Id"]
    assert shop.installment_balances(invoice["Id"]) == [Decimal(23800), Decimal(11900)]


@pytest.mark.parametrize(
    ("reference", "error"),
    [
        pytest.param({}, "parameter_required", id="none"),
        pytest.param({"InvoiceId": 999999}, "invalid_reference", id="unknown-id"),
        pytest.param(
            {"InvoicePrefix": "FV-1", "InvoiceNumber": 1}, "invalid_reference", id="unknown-number"
        ),
        pytest.param(
            {"InvoicePrefix": "FV-2", "InvoiceNumber": "same"},
            "invalid_reference",
            id="other-document-type",
        ),
    ],
)
def test_a_credit_note_on_an_invoice_that_does_not_exist_is_refused(
    shop: Shop, reference: Body, error: str
) -> None:
    invoice = sale(shop)
    if reference.get("InvoiceNumber") == "same":
        reference = {**reference, "InvoiceNumber": invoice["Number"]}

    response = shop.credit_note(None, "1", [returned(1)], **reference)

    assert refused(response) == [(error, ["Header.InvoiceId"])]


def test_another_companys_invoice_cannot_be_credited(
    shop: Shop, other_client: httpx.Client
) -> None:
    invoice = sale(shop)
    other = Shop.open(other_client)

    response = other.credit_note(invoice["Id"], "1", [returned(1)])

    assert refused(response) == [("invalid_reference", ["Header.InvoiceId"])]
    assert shop.stock("P1") == Decimal(6)


def test_returning_more_than_was_invoiced_is_refused_with_what_is_left(shop: Shop) -> None:
    """The invoice also sells a service, so the value would fit: only the quantity is wrong."""
    invoice = shop.sell([units(shop, 4), item("SRV", 1, 100000)], [shop.cash(147600)])
    ok(shop.credit_note(invoice["Id"], "1", [returned(3)]))

    response = shop.credit_note(invoice["Id"], "1", [returned(2)])

    assert refused(response) == [("invalid_amount", ["Items[0].Quantity"])]
    assert details(response) == ["1"]
    assert shop.stock("P1") == Decimal(9)


def test_a_credit_note_cannot_exceed_what_is_left_of_the_invoice(shop: Shop) -> None:
    invoice = sale(shop)
    ok(shop.credit_note(invoice["Id"], "1", [returned(2)]))  # 23,800 of 47,600

    response = shop.credit_note(invoice["Id"], "3", [returned(1, UnitValue=20001)])  # 23,801.19

    assert refused(response) == [("invalid_amount", ["Header.TotalValue"])]
    assert details(response) == ["23800"]


def test_a_credit_note_beyond_the_open_balance_becomes_the_customers_credit(shop: Shop) -> None:
    invoice = sale(shop)
    ok(shop.receive([debt(invoice["Number"], 1, 23800), debt(invoice["Number"], 2, 16200)]))
    ok(shop.credit_note(invoice["Id"], "1", [returned(1)]))  # 11,900: 7,600 owed, 4,300 over

    too_much = shop.save_invoice(
        [units(shop, 1)], [shop.cash("7599.99")], AdvancePaymentValue="4300.01"
    )
    credit = shop.save_invoice([units(shop, 1)], [shop.cash(7600)], AdvancePaymentValue=4300)

    assert shop.installment_balances(invoice["Id"]) == [Decimal(0), Decimal(0)]
    assert refused(too_much) == [("invalid_amount", ["Header.AdvancePaymentValue"])]
    assert dec(ok(credit)["Header"]["AdvancePaymentValue"]) == Decimal(4300)


def test_a_credit_note_on_a_cash_invoice_is_all_customer_credit(shop: Shop) -> None:
    invoice = sale(shop, [shop.cash(47600)])
    ok(shop.credit_note(invoice["Id"], "1", [returned(1)]))

    later = shop.sell([units(shop, 2)], [shop.cash(11900)], AdvancePaymentValue=11900)

    assert dec(later["AdvancePaymentValue"]) == Decimal(11900)
    assert dec(later["Balance"]) == Decimal(0)


def test_an_annulment_note_without_items_reverses_everything_left(shop: Shop) -> None:
    invoice = sale(shop)
    ok(shop.credit_note(invoice["Id"], "1", [returned(1)]))

    note = ok(shop.credit_note(invoice["Id"], "2", None))

    assert [(i["ProductCode"], dec(i["Quantity"])) for i in note["Items"]] == [("P1", Decimal(3))]
    assert dec(note["Header"]["TotalValue"]) == Decimal(35700)
    assert shop.stock("P1") == Decimal(STOCK)
    assert dec(shop.invoice(invoice["Id"])["Header"]["Balance"]) == Decimal(0)


def test_an_annulment_note_after_a_discount_needs_its_items(shop: Shop) -> None:
    """The discount changed the invoice's value: invoice lines alone no longer add up to it."""
    invoice = sale(shop)
    ok(shop.credit_note(invoice["Id"], "3", [returned(1, UnitValue=5000)]))  # 5,950 off

    response = shop.credit_note(invoice["Id"], "2", None)

    assert refused(response) == [("parameter_required", ["Items"])]


def test_an_annulment_note_after_a_discount_reverses_what_is_left(shop: Shop) -> None:
    invoice = sale(shop)
    ok(shop.credit_note(invoice["Id"], "3", [returned(1, UnitValue=5000)]))  # 5,950 off

    response = shop.credit_note(invoice["Id"], "2", [returned(4, DiscountValue=5000)])

    assert response.status_code == 200, response.text
    assert dec(response.json()["Header"]["TotalValue"]) == Decimal(41650)
    assert dec(shop.invoice(invoice["Id"])["Header"]["Balance"]) == Decimal(0)
    assert shop.stock("P1") == Decimal(STOCK)


def test_an_annulment_note_must_reverse_all_that_is_left(shop: Shop) -> None:
    invoice = sale(shop)

    response = shop.credit_note(invoice["Id"], "2", [returned(3)])

    assert refused(response) == [("invalid_amount", ["Header.TotalValue"])]
    assert details(response) == ["47600"]


def test_a_discount_note_lowers_the_debt_without_moving_stock(shop: Shop) -> None:
    invoice = sale(shop)

    note = ok(shop.credit_note(invoice["Id"], "3", [returned(1, UnitValue=5000)]))

    assert dec(note["Header"]["TotalValue"]) == Decimal(5950)
    assert shop.stock("P1") == Decimal(6)
    assert dec(shop.invoice(invoice["Id"])["Header"]["Balance"]) == Decimal(41650)


def test_a_product_not_on_the_invoice_cannot_be_credited(shop: Shop) -> None:
    invoice = sale(shop)

    response = shop.credit_note(invoice["Id"], "1", [item("SRV", 1, 1000)])

    assert refused(response) == [("invalid_reference", ["Items[0].ProductCode"])]


@pytest.mark.parametrize(
    ("kind", "reason", "error"),
    [
        pytest.param("NC-1", None, "parameter_required", id="credit-missing"),
        pytest.param("NC-1", "0", "invalid_value", id="credit-0"),
        pytest.param("NC-1", "6", "invalid_value", id="credit-6"),
        pytest.param("NC-1", "X", "invalid_value", id="credit-letter"),
        pytest.param("ND-1", "5", "invalid_value", id="debit-5"),
    ],
)
def test_a_reason_code_outside_the_dian_concepts_is_refused(
    shop: Shop, kind: str, reason: str | None, error: str
) -> None:
    invoice = sale(shop)
    body = shop.note_body(invoice["Id"], reason or "", [charge()], kind=kind)
    route = "/CreditNote/Save" if kind == "NC-1" else "/DebitNote/Save"

    response = shop.client.post(route, json=body)

    assert refused(response) == [(error, ["Header.ReasonCode"])]


@pytest.mark.parametrize("kind", ["NC-1", "ND-1"])
def test_a_note_dated_before_its_invoice_is_refused(shop: Shop, kind: str) -> None:
    invoice = sale(shop, day=days_ago(10))

    response = note(shop, kind, invoice["Id"], day=days_ago(11))

    assert refused(response) == [("invalid_date", ["Header.DocDate"])]


@pytest.mark.parametrize("kind", ["NC-1", "ND-1"])
def test_a_note_on_an_annulled_invoice_is_refused(shop: Shop, kind: str) -> None:
    invoice = sale(shop)
    shop.annul(invoice["Id"])

    response = note(shop, kind, invoice["Id"])

    assert refused(response) == [("invalid_document", ["Header.InvoiceId"])]


def test_notes_are_numbered_one_after_another_per_type(shop: Shop) -> None:
    invoice = sale(shop)

    names = [ok(note(shop, kind, invoice["Id"]))["Header"]["Name"] for kind in ("NC-1", "ND-1")]
    names += [ok(note(shop, kind, invoice["Id"]))["Header"]["Name"] for kind in ("NC-1", "ND-1")]

    assert names == ["NC-1-1", "ND-1-1", "NC-1-2", "ND-1-2"]


@pytest.mark.parametrize(
    ("kind", "resource", "other"),
    [("NC-1", "CreditNote", "DebitNote"), ("ND-1", "DebitNote", "CreditNote")],
)
def test_get_by_id_and_get_all_read_the_notes_of_their_type(
    shop: Shop, kind: str, resource: str, other: str
) -> None:
    invoice = sale(shop)
    first = ok(note(shop, kind, invoice["Id"], Observations="Primera"))
    second = ok(note(shop, kind, invoice["Id"]))

    found = ok(shop.client.get(f"/{resource}/GetByID/{first['Header']['Id']}"))
    listed = ok(shop.client.get(f"/{resource}/GetAll", params={"numberPage": 0}))
    elsewhere = shop.client.get(f"/{other}/GetByID/{first['Header']['Id']}")

    assert found == first
    assert listed == [first, second]
    assert elsewhere.status_code == 404


@pytest.mark.parametrize("route", ["/CreditNote/Save", "/DebitNote/Save"])
def test_a_lite_user_cannot_issue_notes(shop: Shop, lite_client: httpx.Client, route: str) -> None:
    invoice = sale(shop)
    kind = "NC-1" if route.startswith("/Credit") else "ND-1"
    items = [returned(1)] if kind == "NC-1" else [charge()]

    response = lite_client.post(route, json=shop.note_body(invoice["Id"], "1", items, kind=kind))

    assert response.status_code == 403
    assert errors_of(response) == [("forbidden", [])]


# --- debit notes ---------------------------------------------------------------------------


def test_a_debit_note_adds_an_installment_due_when_it_says(shop: Shop) -> None:
    invoice = sale(shop)
    due = TODAY + timedelta(days=15)

    header = ok(shop.debit_note(invoice["Id"], [charge(5000)], DueDate=ymd(due)))["Header"]

    assert header["DueDate"] == ymd(due)
    assert dec(header["TotalValue"]) == Decimal(5000)
    row = customer_row(shop, due + timedelta(days=5))
    assert (dec(row["Current"]), dec(row["Days1To30"])) == (Decimal(47600), Decimal(5000))


def test_a_debit_note_without_due_date_is_due_on_its_date(shop: Shop) -> None:
    invoice = sale(shop, day=days_ago(5))

    header = ok(shop.debit_note(invoice["Id"], [charge(5000)], day=days_ago(2)))["Header"]

    assert header["DueDate"] == ymd(days_ago(2))
    row = customer_row(shop)
    assert (dec(row["Days1To30"]), dec(row["Total"])) == (Decimal(5000), Decimal(52600))


def test_a_debit_notes_installment_is_quote_one_of_its_number(shop: Shop) -> None:
    invoice = sale(shop)
    header = ok(shop.debit_note(invoice["Id"], [charge(5000)]))["Header"]

    ok(shop.receive([debt(header["Number"], 1, 5000, prefix="ND-1")]))

    assert dec(customer_row(shop)["Total"]) == Decimal(47600)


def test_a_debit_note_cannot_fall_due_before_its_date(shop: Shop) -> None:
    invoice = sale(shop, day=days_ago(5))

    response = shop.debit_note(invoice["Id"], [charge()], day=days_ago(2), DueDate=ymd(days_ago(3)))

    assert refused(response) == [("invalid_date", ["Header.DueDate"])]


def test_a_debit_note_needs_no_warehouse_and_moves_no_stock(shop: Shop) -> None:
    invoice = sale(shop)

    note = ok(shop.debit_note(invoice["Id"], [item("P1", 2, 1000)]))

    assert dec(note["Header"]["TotalValue"]) == Decimal(2000)
    assert note["Items"][0]["WareHouseCode"] is None
    assert shop.stock("P1") == Decimal(6)


# --- inventory adjustments and the stock balance -------------------------------------------


def test_adjustments_add_and_remove_stock_and_answer_the_balance(shop: Shop) -> None:
    added = ok(shop.adjust("P1", "2.5"))
    removed = ok(shop.adjust("P1", -4))

    assert (dec(added["Quantity"]), dec(added["Balance"])) == (Decimal("2.5"), Decimal("12.5"))
    assert (dec(removed["Quantity"]), dec(removed["Balance"])) == (Decimal(-4), Decimal("8.5"))
    assert removed["MovementID"] > added["MovementID"]
    assert shop.stock("P1") == Decimal("8.5")


def test_an_adjustment_below_zero_is_refused_with_what_there_is(shop: Shop) -> None:
    response = shop.adjust("P1", -(STOCK + 1))

    assert refused(response) == [("invalid_amount", ["Quantity"])]
    assert details(response) == [str(STOCK)]
    assert shop.stock("P1") == Decimal(STOCK)


def test_a_product_without_stock_control_cannot_be_adjusted(shop: Shop) -> None:
    assert refused(shop.adjust("SRV", 5)) == [("product_settings", ["ProductCode"])]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param(
            {"ProductCode": "NOPE", "WareHouseCode": "1", "Quantity": 1},
            [("invalid_reference", ["ProductCode"])],
            id="unknown-product",
        ),
        pytest.param(
            {"ProductCode": "P1", "WareHouseCode": "9", "Quantity": 1},
            [("invalid_reference", ["WareHouseCode"])],
            id="unknown-warehouse",
        ),
        pytest.param(
            {"ProductCode": "P1", "WareHouseCode": "1", "Quantity": 0},
            [("invalid_value", ["Quantity"])],
            id="zero",
        ),
        pytest.param(
            {},
            [
                ("parameter_required", ["ProductCode"]),
                ("parameter_required", ["WareHouseCode"]),
                ("parameter_required", ["Quantity"]),
            ],
            id="empty",
        ),
    ],
)
def test_an_adjustment_must_name_a_product_a_warehouse_and_a_quantity(
    shop: Shop, body: Body, errors: list[tuple[str, list[str]]]
) -> None:
    assert refused(shop.client.post("/Inventory/Adjust", json=body)) == errors


def test_a_lite_user_cannot_adjust_stock(shop: Shop, lite_client: httpx.Client) -> None:
    response = lite_client.post(
        "/Inventory/Adjust", json={"ProductCode": "P1", "WareHouseCode": "1", "Quantity": 5}
    )

    assert response.status_code == 403
    assert errors_of(response) == [("forbidden", [])]
    assert shop.stock("P1") == Decimal(STOCK)


def test_the_stock_balance_follows_sales_returns_and_annulments_at_once(shop: Shop) -> None:
    balances = [shop.stock("P1")]
    first = sale(shop)
    balances.append(shop.stock("P1"))
    ok(shop.credit_note(first["Id"], "1", [returned(1)]))
    balances.append(shop.stock("P1"))
    second = shop.sell([units(shop, 5)], [shop.cash(59500)])
    balances.append(shop.stock("P1"))
    shop.annul(second["Id"])
    balances.append(shop.stock("P1"))

    assert balances == [Decimal(n) for n in (10, 6, 7, 2, 7)]
    warehouses = ok(shop.client.get("/Products/GetProductBalanceByCode", params={"code": "P1"}))
    assert [(w["WarehouseCode"], dec(w["Balance"])) for w in warehouses["Warehouses"]] == [
        ("1", Decimal(7))
    ]


def test_a_sale_cannot_take_more_than_the_stock(shop: Shop) -> None:
    response = shop.save_invoice([units(shop, STOCK + 1)], [shop.cash(130900)])

    assert refused(response) == [("invalid_amount", ["Items[0].Quantity"])]
    assert details(response) == [str(STOCK)]
