"""Credit notes over the current API (``/v1/credit-notes``), black-box over HTTP: create on an
invoice of the company (full and partial credit, returns to stock, the invoice's balance), every
refusal the reference gives for notes, the bodies real clients send, Idempotency-Key, reading,
listing, the DIAN's pdf, and what the legacy dialect sees of a note
(shared/reference/siigo-api.md §2.7, §2.8 "Credit note", §2.10, §4 "Credit notes")."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from facturo.services import access_keys
from facturo.services.context import ServiceContext
from tests.api.test_current_invoices import (
    CUSTOMER_NIT,
    DOCS,
    Body,
    Shop,
    colombian_today,
    dec,
    errors,
    messages,
    ok,
    open_shop,
)
from tests.conftest import PARTNER_ID, LiveServer, TenantFixture, current_sign_in

TOTAL_MESSAGE = re.compile(
    r"The total payments must be equal to the total credit note\. "
    r"The total credit note calculated is (\S+)"
)


@dataclass
class Api:
    """The shop's credit notes on the current API. ``sale`` issues the invoice notes correct:
    3 × PROD-1 at 20 000 + IVA 19 % from warehouse "1" and 1 × SERV-1 at 10 000, all on
    credit (81 400 owed)."""

    shop: Shop

    @property
    def client(self) -> httpx.Client:
        return self.shop.client

    def sale(self, **fields: Any) -> Body:
        shop = self.shop
        body = shop.body(
            items=[
                shop.item("PROD-1", 3, 20000, "IVA 19%", warehouse=shop.warehouse),
                shop.item("SERV-1", 1, 10000),
            ],
            payments=[shop.credit(81400)],
            **fields,
        )
        return shop.issue(body)

    def returned(self, quantity: Any, **fields: Any) -> Body:
        """A line giving back PROD-1 units at the invoice's price and tax."""
        line: Body = {
            "code": "PROD-1",
            "quantity": quantity,
            "price": 20000,
            "taxes": [{"id": self.shop.tax("IVA 19%")}],
        }
        line.update(fields)
        return line

    def body(
        self,
        invoice: Any,
        *,
        reason: Any = 1,
        items: list[Body] | None = None,
        payments: list[Body] | None = None,
        **fields: Any,
    ) -> Body:
        """A valid note: by default one PROD-1 returned (23 800), to the customer's debt."""
        body: Body = {
            "document": {"id": self.shop.doc_types["NC-1"]},
            "date": colombian_today().isoformat(),
            "invoice": invoice["id"] if isinstance(invoice, dict) else invoice,
            "reason": reason,
            "items": items if items is not None else [self.returned(1)],
            "payments": payments if payments is not None else [self.to_debt(23800)],
        }
        body.update(fields)
        return body

    def to_debt(self, value: Any) -> Body:
        return {"id": self.shop.means["Crédito"], "value": value}

    def post(self, body: Body, **headers: str) -> httpx.Response:
        return self.client.post("/v1/credit-notes", json=body, headers=headers)

    def issue(self, body: Body) -> Body:
        note: Body = ok(self.post(body), 201)
        return note

    def get(self, note_id: str) -> httpx.Response:
        return self.client.get(f"/v1/credit-notes/{note_id}")

    def list(self, **params: Any) -> Body:
        page: Body = ok(self.client.get("/v1/credit-notes", params=params))
        return page

    def numbers(self, **params: Any) -> list[int]:
        return [note["number"] for note in self.list(**params)["results"]]

    def balance(self, invoice: Body) -> Any:
        return ok(self.shop.get(invoice["id"]))["balance"]


@pytest.fixture
def legacy_client(admin_client: httpx.Client) -> httpx.Client:
    """The same administrator on the legacy dialect."""
    return admin_client


@pytest.fixture
def api(current_client: httpx.Client, legacy_client: httpx.Client, tenant: TenantFixture) -> Api:
    return Api(open_shop(current_client, legacy_client, tenant))


# --- creating --------------------------------------------------------------------------------


def test_a_full_credit_answers_201_returns_the_goods_and_clears_the_balance(api: Api) -> None:
    invoice = api.sale()
    assert api.shop.stock("PROD-1") == 7
    first = api.shop.next_number("NC-1")

    note = api.issue(
        api.body(
            invoice,
            reason=2,
            items=[api.returned(3), {"code": "SERV-1", "quantity": 1, "price": 10000}],
            payments=[api.to_debt(81400)],
            observations="Devolución total",
        )
    )

    assert uuid.UUID(note["id"])
    assert note["document"] == {"id": api.shop.doc_types["NC-1"]}
    assert (note["number"], note["name"]) == (first, f"NC-1-{first}")
    assert note["date"] == colombian_today().isoformat()
    assert note["invoice"] == {"id": invoice["id"], "name": invoice["name"]}
    assert note["customer"] == invoice["customer"]
    assert (note["seller"], note["reason"], note["total"]) == (api.shop.seller, 2, 81400)
    assert note["currency"] == {"code": "COP", "exchange_rate": 1}
    assert note["retentions"] == []
    assert note["observations"] == "Devolución total"
    assert note["items"][0] == {
        "code": "PROD-1",
        "description": "Artículo PROD-1",
        "quantity": 3,
        "price": 20000,
        "discount": {"percentage": 0, "value": 0},
        "taxes": [
            {
                "id": api.shop.tax("IVA 19%"),
                "name": "IVA 19%",
                "type": "IVA",
                "percentage": 19,
                "value": 11400,
            }
        ],
        "warehouse": {"id": api.shop.warehouse, "name": "Bodega principal"},
        "total": 71400,
    }
    assert (note["items"][1]["code"], note["items"][1]["total"]) == ("SERV-1", 10000)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", note["metadata"]["created"])
    assert "stamp" not in note and "mail" not in note and "cost_center" not in note
    assert api.shop.stock("PROD-1") == 10
    assert api.balance(invoice) == 0


def test_a_partial_return_puts_units_back_and_lowers_the_invoice_balance(api: Api) -> None:
    invoice = api.sale()

    note = api.issue(api.body(invoice))

    assert (note["reason"], note["total"]) == (1, 23800)
    assert api.shop.stock("PROD-1") == 8
    assert api.balance(invoice) == 81400 - 23800
    assert ok(api.shop.get(invoice["id"]))["annulled"] is False


def test_a_discount_lowers_the_balance_but_moves_no_stock(api: Api) -> None:
    invoice = api.sale()

    note = api.issue(
        api.body(
            invoice,
            reason="3",
            items=[{"code": "SERV-1", "quantity": 1, "price": 4000}],
            payments=[api.to_debt(4000)],
        )
    )

    assert (note["reason"], note["total"]) == (3, 4000)
    assert "warehouse" not in note["items"][0]
    assert api.shop.stock("PROD-1") == 7
    assert api.balance(invoice) == 77400


def test_an_annulment_may_leave_the_items_out_to_reverse_what_is_left(api: Api) -> None:
    invoice = api.sale()
    api.issue(api.body(invoice))  # one PROD-1 already back

    note = api.issue(api.body(invoice, reason=2, items=[], payments=[api.to_debt(57600)]))

    assert [(i["code"], i["quantity"]) for i in note["items"]] == [("PROD-1", 2), ("SERV-1", 1)]
    assert api.shop.stock("PROD-1") == 10
    assert api.balance(invoice) == 0


def test_an_item_may_leave_the_price_out_or_give_it_with_vat(api: Api) -> None:
    invoice = api.sale()
    without_price = {"code": "PROD-1", "quantity": 1}
    with_vat = {"code": "PROD-1", "quantity": 1, "taxed_price": 23800}

    notes = [
        api.issue(api.body(invoice, items=[without_price])),
        api.issue(api.body(invoice, items=[with_vat])),
    ]

    for note in notes:
        [line] = note["items"]
        assert (line["price"], line["taxes"][0]["value"], line["total"]) == (20000, 3800, 23800)
    assert api.balance(invoice) == 81400 - 2 * 23800


def test_a_credit_on_a_paid_invoice_leaves_its_balance_at_zero(api: Api) -> None:
    shop = api.shop
    invoice = shop.issue(shop.body())  # 119 000 paid in cash

    note = api.issue(
        api.body(
            invoice,
            reason=3,
            items=[{"code": "SERV-1", "quantity": 1, "price": 10000}],
            payments=[shop.cash(11900)],
        )
    )

    assert note["total"] == 11900
    assert api.balance(invoice) == 0


def test_mail_send_keeps_the_note_and_says_it_was_not_mailed(api: Api) -> None:
    invoice = api.sale()

    note = api.issue(api.body(invoice, mail={"send": True}))

    assert note["mail"]["status"] == "not_sent"
    assert "DIAN" in note["mail"]["observations"]
    assert "mail" not in ok(api.get(note["id"]))
    assert api.shop.stock("PROD-1") == 8


# --- refusals ---------------------------------------------------------------------------------


def refusal_cases(api: Api, invoice: Body) -> dict[str, tuple[Body, list[tuple[str, list[str]]]]]:
    body = api.body
    fv1 = api.shop.doc_types["FV-1"]
    return {
        "no invoice": (body(None), [("parameter_required", ["invoice"])]),
        "blank invoice": (body(""), [("parameter_required", ["invoice"])]),
        "unknown invoice": (body(str(uuid.uuid4())), [("invalid_reference", ["invoice"])]),
        "invoice not a guid": (body("12"), [("invalid_reference", ["invoice"])]),
        "no reason": (body(invoice, reason=None), [("parameter_required", ["reason"])]),
        "reason 9": (body(invoice, reason=9), [("invalid_value", ["reason"])]),
        "reason letter": (body(invoice, reason="X"), [("invalid_value", ["reason"])]),
        "no document": (body(invoice, document=None), [("parameter_required", ["document.id"])]),
        "an invoice type": (
            body(invoice, document={"id": fv1}),
            [("invalid_reference", ["document.id"])],
        ),
        "no date": (body(invoice, date=None), [("parameter_required", ["date"])]),
        "bad date": (body(invoice, date="24/01/2025"), [("invalid_date", ["date"])]),
        "before the invoice": (
            body(invoice, date=(colombian_today() - timedelta(days=1)).isoformat()),
            [("invalid_date", ["date"])],
        ),
        "no items": (body(invoice, items=[]), [("parameter_required", ["items"])]),
        "product not invoiced": (
            body(invoice, items=[{"code": "OTRO", "quantity": 1, "price": 1}]),
            [("invalid_reference", ["items[0].code"])],
        ),
        "another tax": (
            body(invoice, items=[api.returned(1, taxes=[{"id": api.shop.tax("IVA 5%")}])]),
            [("invalid_value", ["items[0].taxes"])],
        ),
        "no quantity": (
            body(invoice, items=[api.returned(None)]),
            [("parameter_required", ["items[0].quantity"])],
        ),
        "more units than invoiced": (
            body(invoice, items=[api.returned(4, price=1000)], payments=[api.to_debt(4760)]),
            [("invalid_amount", ["items[0].quantity"])],
        ),
        "more value than invoiced": (
            body(
                invoice,
                reason=3,
                items=[{"code": "SERV-1", "quantity": 1, "price": 90000}],
                payments=[api.to_debt(90000)],
            ),
            [("invalid_amount", ["total"])],
        ),
        "annulment short of the total": (
            body(invoice, reason=2),
            [("invalid_amount", ["total"])],
        ),
        "no payments": (body(invoice, payments=[]), [("parameter_required", ["payments"])]),
        "payment means not for sales": (
            body(
                invoice,
                payments=[
                    {"id": api.shop.means["Cuentas por pagar a proveedores"], "value": 23800}
                ],
            ),
            [("invalid_payment", ["payments[0].id"])],
        ),
        "payment with no means": (
            body(invoice, payments=[{"value": 23800}]),
            [("parameter_required", ["payments[0].id"])],
        ),
        "invoice data": (
            body(
                None,
                invoice_data={"date": "2024-01-02", "prefix": "FE", "number": 7, "cufe": "abc"},
            ),
            [("parameter_not_allowed", ["invoice_data"])],
        ),
    }


def test_every_refusal_names_its_field_and_changes_nothing(api: Api) -> None:
    invoice = api.sale()
    first = api.shop.next_number("NC-1")

    found = {
        case: errors(api.post(body)) for case, (body, _) in refusal_cases(api, invoice).items()
    }

    assert found == {case: want for case, (_, want) in refusal_cases(api, invoice).items()}
    assert api.shop.next_number("NC-1") == first
    assert api.list()["pagination"]["total_results"] == 0
    assert api.shop.stock("PROD-1") == 7
    assert api.balance(invoice) == 81400


def test_the_messages_say_what_is_wrong(api: Api) -> None:
    invoice = api.sale()
    unknown = str(uuid.uuid4())

    assert messages(api.post(api.body(unknown))) == [
        f"The invoice {unknown} in invoice does not exist"
    ]
    too_many = api.body(invoice, items=[api.returned(4, price=1000)], payments=[api.to_debt(4760)])
    assert messages(api.post(too_many)) == [
        "Only 3 of PROD-1 are left to return (items[0].quantity)"
    ]
    too_much = api.body(
        invoice,
        reason=3,
        items=[{"code": "SERV-1", "quantity": 1, "price": 90000}],
        payments=[api.to_debt(90000)],
    )
    assert messages(api.post(too_much)) == [
        f"The credit note's total 90000 exceeds what is left of invoice "
        f"{invoice['prefix']}{invoice['number']}: 81400"
    ]
    assert messages(api.post(api.body(None, invoice_data={"prefix": "FE", "number": 7}))) == [
        "The field invoice_data cannot be used: Facturo issues credit notes only on invoices it "
        "issued; name the invoice by its id in invoice"
    ]


def test_wrong_payments_answer_the_total_at_the_end_as_clients_parse_it(api: Api) -> None:
    invoice = api.sale()
    body = api.body(invoice, items=[api.returned(1, price=333.333333)], payments=[api.to_debt(1)])

    response = api.post(body)

    assert errors(response) == [("invalid_total_payments", ["payments"])]
    error = response.json()["Errors"][0]
    found = TOTAL_MESSAGE.fullmatch(error["Message"])
    assert found is not None and found[1] == "396.66"
    assert error["Detail"] == DOCS + "invalid_total_payments"
    # What real clients do: the last token as a float, into the first payment, once more.
    body["payments"][0]["value"] = float(error["Message"].split(" ")[-1])
    assert api.issue(body)["total"] == 396.66


def test_an_annulled_invoice_cannot_be_credited(api: Api) -> None:
    invoice = api.sale()
    ok(api.client.post(f"/v1/invoices/{invoice['id']}/annul"))

    response = api.post(api.body(invoice))

    assert errors(response) == [("invalid_document", ["invoice"])]
    assert "annulled" in messages(response)[0]


def test_a_deleted_invoice_is_unknown(api: Api) -> None:
    invoice = api.sale()
    ok(api.client.delete(f"/v1/invoices/{invoice['id']}"))

    assert errors(api.post(api.body(invoice))) == [("invalid_reference", ["invoice"])]


def test_another_companys_invoice_is_unknown(
    api: Api, make_company: Callable[..., TenantFixture], ctx: ServiceContext, server: LiveServer
) -> None:
    invoice = api.sale()
    other = make_company()
    assert other.admin.id is not None
    key = access_keys.create(ctx, other.actor, other.admin.id, "tests").access_key
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = current_sign_in(http, "admin@empresa.co", key)
        body = api.body(invoice)
        body["document"] = {"id": 1}  # the other company's types are not known here: irrelevant
        response = http.post(
            "/v1/credit-notes",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID},
        )

    assert ("invalid_reference", ["invoice"]) in errors(response)
    assert api.shop.stock("PROD-1") == 7


def test_everything_wrong_is_said_at_once(api: Api) -> None:
    response = api.post(api.body(None, reason=None, date=None))

    assert sorted(errors(response)) == [
        ("parameter_required", ["date"]),
        ("parameter_required", ["invoice"]),
        ("parameter_required", ["reason"]),
    ]


# --- what real clients send --------------------------------------------------------------------


def test_the_invoice_may_come_as_a_guid_string_or_as_an_object(api: Api) -> None:
    invoice = api.sale()

    as_text = api.issue(api.body(invoice["id"]))
    as_object = api.issue({**api.body(None), "invoice": {"id": invoice["id"]}})
    as_object_upper = api.issue({**api.body(None), "invoice": {"Id": invoice["id"].upper()}})

    for note in (as_text, as_object, as_object_upper):
        assert note["invoice"] == {"id": invoice["id"], "name": invoice["name"]}
    assert api.balance(invoice) == 81400 - 3 * 23800


@pytest.mark.parametrize("reason", [1, "1", " 1 "])
def test_the_reason_may_be_a_number_or_a_string(api: Api, reason: Any) -> None:
    invoice = api.sale()

    assert api.issue(api.body(invoice, reason=reason))["reason"] == 1


def test_python_repr_bodies_with_strings_for_numbers_are_read(api: Api) -> None:
    invoice = api.sale()
    body = api.body(
        invoice["id"],
        reason="2",
        items=[
            {
                "code": "PROD-1",
                "description": "Devolución",
                "quantity": "3",
                "price": "20000.000000",
                "discount": "0",
                "taxes": [{"id": str(api.shop.tax("IVA 19%"))}],
            },
            {"code": "SERV-1", "quantity": "1", "price": "10000", "taxes": []},
        ],
        payments=[{"id": str(api.shop.means["Crédito"]), "value": "81400.0"}],
        document={"id": str(api.shop.doc_types["NC-1"])},
        observations=None,
        stamp={"send": "false"},
    )
    content = str(body)
    assert content.startswith("{'document': {'id': '") and "None" in content

    response = api.client.post(
        "/v1/credit-notes", content=content, headers={"Content-Type": "application/json"}
    )

    note = ok(response, 201)
    assert (note["total"], note["reason"], note["observations"]) == (81400, 2, None)
    assert note["items"][0]["description"] == "Devolución"
    assert api.balance(invoice) == 0


def test_the_alliances_path_serves_the_same_notes(api: Api) -> None:
    invoice = api.sale()
    note = api.issue(api.body(invoice))

    found = ok(api.client.get(f"/alliances/api/v1/credit-notes/{note['id']}"))

    assert found == note


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_same_note_once(api: Api) -> None:
    invoice = api.sale()
    body = api.body(invoice)

    first = api.post(body, **{"Idempotency-Key": "nota0001"})
    retry = api.post(body, **{"Idempotency-Key": "nota0001"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert api.list()["pagination"]["total_results"] == 1
    assert api.shop.stock("PROD-1") == 8
    assert api.balance(invoice) == 81400 - 23800


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    invoice = api.sale()
    assert api.post(api.body(invoice), **{"Idempotency-Key": "nota0002"}).status_code == 201

    response = api.post(api.body(invoice, observations="otra"), **{"Idempotency-Key": "nota0002"})

    assert errors(response) == [("idempotency_key_reused", [])]
    assert api.list()["pagination"]["total_results"] == 1


def test_a_refusal_is_replayed_too(api: Api) -> None:
    invoice = api.sale()
    refused_body = api.body(invoice, reason=9)

    first = api.post(refused_body, **{"Idempotency-Key": "nota0003"})
    retry = api.post(refused_body, **{"Idempotency-Key": "nota0003"})

    assert errors(first) == errors(retry) == [("invalid_value", ["reason"])]
    assert retry.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("key", ["nota-0004", "a" * 33])
def test_a_key_that_is_not_1_to_32_letters_or_digits_is_refused(api: Api, key: str) -> None:
    invoice = api.sale()

    response = api.post(api.body(invoice), **{"Idempotency-Key": key})

    assert errors(response) == [("invalid_idempotency_key", [])]
    assert response.json()["Errors"][0]["Detail"] is None
    assert api.list()["pagination"]["total_results"] == 0


# --- reading and listing -----------------------------------------------------------------------


def test_get_reads_what_create_answered(api: Api) -> None:
    invoice = api.sale()
    note = api.issue(api.body(invoice))

    assert ok(api.get(note["id"])) == note
    assert ok(api.get(note["id"].upper())) == note


def test_unknown_ids_invoices_and_other_companies_notes_are_404(
    api: Api, make_company: Callable[..., TenantFixture], ctx: ServiceContext, server: LiveServer
) -> None:
    invoice = api.sale()
    note = api.issue(api.body(invoice))
    other = make_company()
    assert other.admin.id is not None
    key = access_keys.create(ctx, other.actor, other.admin.id, "tests").access_key
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = current_sign_in(http, "admin@empresa.co", key)
        foreign = http.get(
            f"/v1/credit-notes/{note['id']}",
            headers={"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID},
        )

    assert errors(api.get(str(uuid.uuid4())), 404) == [("not_found", [])]
    assert errors(api.get("12"), 404) == [("not_found", [])]
    assert errors(api.get(invoice["id"]), 404) == [("not_found", [])]
    assert errors(foreign, 404) == [("not_found", [])]
    assert errors(api.shop.get(note["id"]), 404) == [("not_found", [])]


def test_the_list_is_a_page_with_links(api: Api) -> None:
    invoice = api.shop.issue()  # 2 × SERV-1 at 50 000 + IVA: room for 12 small discounts
    first = api.shop.next_number("NC-1")
    small = {"code": "SERV-1", "quantity": 1, "price": 100}
    created = [
        api.issue(api.body(invoice, reason=3, items=[small], payments=[api.shop.cash(119)]))
        for _ in range(12)
    ]

    page1 = api.list(page_size=10)
    page2 = api.list(page=2, page_size=10)
    past = api.list(page=3, page_size=10)

    assert page1["pagination"] == {"page": 1, "page_size": 10, "total_results": 12}
    assert [n["number"] for n in page1["results"]] == list(range(first, first + 10))
    assert [n["number"] for n in page2["results"]] == [first + 10, first + 11]
    assert page1["results"][0] == created[0]
    assert page1["_links"]["next"]["href"].split("?")[1].startswith("page=2&page_size=10")
    assert "next" not in page2["_links"] and "previous" in page2["_links"]
    assert past["results"] == []


def test_the_list_filters_by_name_and_dates(api: Api) -> None:
    invoice = api.sale()
    notes = [api.issue(api.body(invoice)) for _ in range(2)]
    today = colombian_today()
    numbers = [n["number"] for n in notes]

    assert api.numbers(name=notes[1]["name"]) == [numbers[1]]
    assert api.numbers(name=f"nc-1-{numbers[0]}") == [numbers[0]]
    assert api.numbers(name=invoice["name"]) == api.numbers(name="basura") == []
    assert api.numbers(date_start=today.isoformat(), date_end=today.isoformat()) == numbers
    assert api.numbers(date_start=(today + timedelta(days=1)).isoformat()) == []
    assert api.numbers(created_start=today.isoformat()) == numbers
    assert api.numbers(created_start=f"{today.isoformat()}T00:00:00Z") == numbers
    assert api.numbers(created_end=(today - timedelta(days=1)).isoformat()) == []
    assert api.numbers(updated_start=today.isoformat()) == []  # notes never change
    assert api.numbers() == numbers
    for parameter in ("created_start", "date_end", "updated_end"):
        response = api.client.get("/v1/credit-notes", params={parameter: "ayer"})
        assert errors(response) == [("invalid_date", [parameter])]
    # Invoices are not listed as notes, nor notes as invoices.
    assert [i["number"] for i in api.shop.list()["results"]] == [invoice["number"]]


# --- the DIAN's pdf ----------------------------------------------------------------------------


def test_the_pdf_of_a_note_never_sent_is_refused(api: Api) -> None:
    invoice = api.sale()
    note = api.issue(api.body(invoice))

    response = api.client.get(
        f"/v1/credit-notes/{note['id']}/pdf", headers={"Accept": "application/pdf"}
    )
    unknown = api.client.get(f"/v1/credit-notes/{uuid.uuid4()}/pdf")
    of_an_invoice = api.client.get(f"/v1/credit-notes/{invoice['id']}/pdf")

    assert errors(response) == [("invalid_document", ["id"])]
    assert errors(unknown, 404) == errors(of_an_invoice, 404) == [("not_found", [])]


# --- both dialects ------------------------------------------------------------------------------


def test_the_legacy_dialect_reads_the_same_note(api: Api) -> None:
    invoice = api.sale()
    note = api.issue(api.body(invoice, observations="Devuelve 1"))

    [listed] = [
        r
        for r in ok(api.shop.legacy.get("/CreditNote/GetAll"))
        if r["Header"]["Name"] == note["name"]
    ]
    record = ok(api.shop.legacy.get(f"/CreditNote/GetByID/{listed['Header']['Id']}"))

    header = record["Header"]
    assert record == listed
    assert (header["Number"], header["ReasonCode"], header["Observations"]) == (
        note["number"],
        "1",
        "Devuelve 1",
    )
    assert header["InvoiceName"] == invoice["name"]
    assert header["InvoiceId"] == api.shop.legacy_invoice(invoice["number"])["Header"]["Id"]
    assert header["Identification"] == CUSTOMER_NIT
    assert dec(header["TotalValue"]) == dec(note["total"]) == 23800
    assert dec(header["VATTotalValue"]) == 3800
    assert [(i["ProductCode"], dec(i["Quantity"])) for i in record["Items"]] == [("PROD-1", 1)]
    legacy_balance = api.shop.legacy_invoice(invoice["number"])["Header"]["Balance"]
    assert dec(legacy_balance) == dec(api.balance(invoice)) == 57600
