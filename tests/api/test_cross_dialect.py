"""One company, two dialects: what is written through the legacy API reads the same through
the current one, and the other way round — number, totals, customer, balance, status. Both
faces sit on the same services, so these tests pin that nothing is translated twice.

(Invoices created through the current API and read through the legacy one are also covered in
test_current_invoices.py; vouchers and credit notes in their own files.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.api.test_legacy_vouchers import CUSTOMER, TODAY, Shop, debt, dec, item, ok

Body = dict[str, Any]


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    shop = Shop.open(admin_client)
    shop.product("SRV", stock_control=False)
    shop.product("CAJA", stock=10)
    return shop


def current_invoice(current: httpx.Client, name: str) -> Body:
    """The invoice the current API lists under ``name`` (``FV-1-990000000``), read by its GUID."""
    listed = ok(current.get("/v1/invoices", params={"name": name}))["results"]
    assert len(listed) == 1, listed
    found: Body = ok(current.get(f"/v1/invoices/{listed[0]['id']}"))
    return found


def test_a_legacy_invoice_reads_the_same_through_the_current_api(
    shop: Shop, current_client: httpx.Client
) -> None:
    iva = shop.taxes["IVA 19%"]
    legacy = shop.sell(
        [item("CAJA", 2, 15000, TaxAddId=iva, WareHouseCode="1"), item("SRV", 1, 20000)],
        [shop.cash(15700), shop.credit(40000)],
        Observations="Pedido 88",
    )

    invoice = current_invoice(current_client, f"FV-1-{legacy['Number']}")

    assert invoice["number"] == legacy["Number"]
    assert dec(invoice["total"]) == dec(legacy["TotalValue"]) == Decimal("55700")
    assert dec(invoice["balance"]) == dec(legacy["Balance"]) == Decimal("40000")
    assert invoice["customer"]["identification"] == CUSTOMER
    assert invoice["observations"] == "Pedido 88"
    assert [(i["code"], dec(i["quantity"]), dec(i["total"])) for i in invoice["items"]] == [
        ("CAJA", 2, Decimal("35700")),
        ("SRV", 1, Decimal("20000")),
    ]
    assert [t["id"] for t in invoice["items"][0]["taxes"]] == [iva]
    assert sorted(dec(p["value"]) for p in invoice["payments"]) == [15700, 40000]
    assert invoice["annulled"] is False


def test_the_customer_a_legacy_invoice_created_is_a_current_customer(
    shop: Shop, current_client: httpx.Client
) -> None:
    shop.sell([item("SRV", 1, 1000)], [shop.cash(1000)])

    customers = ok(current_client.get("/v1/customers", params={"identification": CUSTOMER}))
    invoices = ok(current_client.get("/v1/invoices", params={"identification": CUSTOMER}))

    assert [c["identification"] for c in customers["results"]] == [CUSTOMER]
    assert [i["customer"]["id"] for i in invoices["results"]] == [customers["results"][0]["id"]]


def test_a_legacy_receipt_lowers_the_balance_the_current_api_reads(
    shop: Shop, current_client: httpx.Client
) -> None:
    legacy = shop.sell([item("SRV", 1, 100000)], [shop.credit(100000)])
    ok(shop.receive([debt(legacy["Number"], 1, 30000)], TotalValue=30000))

    invoice = current_invoice(current_client, f"FV-1-{legacy['Number']}")

    assert dec(invoice["balance"]) == 70000
    assert dec(shop.invoice(legacy["Id"])["Header"]["Balance"]) == 70000


def test_a_current_voucher_lowers_the_balance_the_legacy_api_reads(
    shop: Shop, current_client: httpx.Client
) -> None:
    legacy = shop.sell([item("SRV", 1, 50000)], [shop.credit(50000)])
    receipt_type = next(
        t["id"]
        for t in ok(current_client.get("/v1/document-types", params={"type": "RC"}))
        if t["automatic_number"]
    )

    voucher = current_client.post(
        "/v1/vouchers",
        json={
            "document": {"id": receipt_type},
            "date": TODAY.isoformat(),
            "type": "DebtPayment",
            "customer": {"identification": CUSTOMER, "branch_office": 0},
            "items": [{"due": {"prefix": "FV-1", "consecutive": legacy["Number"], "quote": 1},
                       "value": 20000}],
            "payment": {"id": shop.means["Efectivo"], "value": 20000},
        },
    )  # fmt: skip

    assert voucher.status_code == 201, voucher.text
    assert dec(shop.invoice(legacy["Id"])["Header"]["Balance"]) == 30000
    current = current_invoice(current_client, f"FV-1-{legacy['Number']}")
    assert dec(current["balance"]) == 30000


def test_an_invoice_annulled_through_the_legacy_api_is_annulled_in_the_current_one(
    shop: Shop, current_client: httpx.Client
) -> None:
    legacy = shop.sell([item("CAJA", 3, 1000, WareHouseCode="1")], [shop.cash(3000)])
    shop.annul(legacy["Id"])

    invoice = current_invoice(current_client, f"FV-1-{legacy['Number']}")

    assert invoice["annulled"] is True
    assert shop.stock("CAJA") == 10
    # Annulled twice, in the other dialect: refused the same way.
    again = current_client.post(f"/v1/invoices/{invoice['id']}/annul", json={})
    assert again.status_code == 400
    assert again.json()["Errors"][0]["Code"] == "update_not_allowed"


def test_a_current_invoice_is_corrected_by_a_legacy_credit_note(
    shop: Shop, current_client: httpx.Client
) -> None:
    shop.sell([item("SRV", 1, 1000)], [shop.cash(1000)])  # the customer, through the legacy API
    fv = next(
        t["id"]
        for t in ok(current_client.get("/v1/document-types", params={"type": "FV"}))
        if t["automatic_number"]
    )
    seller = ok(current_client.get("/v1/users"))["results"][0]["id"]
    created = current_client.post(
        "/v1/invoices",
        json={
            "document": {"id": fv},
            "date": TODAY.isoformat(),
            "customer": {"identification": CUSTOMER, "branch_office": 0},
            "seller": seller,
            "items": [{"code": "SRV", "quantity": 1, "price": 80000}],
            "payments": [{"id": shop.means["Crédito"], "value": 80000,
                          "due_date": TODAY.isoformat()}],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    invoice = created.json()
    legacy_id = next(
        record["Header"]["Id"]
        for page in range(5)
        for record in ok(shop.client.get("/Invoice/GetAll", params={"numberPage": page}))
        if record["Header"]["Number"] == invoice["number"]
    )

    note = shop.credit_note(legacy_id, "1", [item("SRV", 1, 30000)])

    assert note.status_code == 200, note.text
    after = ok(current_client.get(f"/v1/invoices/{invoice['id']}"))
    assert dec(after["balance"]) == 50000
    assert dec(shop.invoice(legacy_id)["Header"]["Balance"]) == 50000
    # A note now depends on it: neither dialect may replace or delete it.
    refused = current_client.delete(f"/v1/invoices/{invoice['id']}")
    assert refused.status_code == 400
    assert refused.json()["Errors"][0]["Code"] == "delete_not_allowed"


def test_both_dialects_answer_a_number_no_column_holds_with_a_400(
    shop: Shop, current_client: httpx.Client
) -> None:
    huge = 10**20

    legacy = shop.client.get(f"/Products/GetByID/{huge}")
    current = current_client.get("/v1/invoices", params={"document_id": huge})

    assert legacy.status_code == current.status_code == 400
    assert (
        legacy.json()["Errors"][0]["Code"] == current.json()["Errors"][0]["Code"] == "invalid_value"
    )
