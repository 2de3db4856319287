"""Idempotency-Key on Invoice/Save, Voucher/Save and CreditNote/Save: a request runs once per
key and company; retries get the first answer; other bodies, requests in flight and malformed
keys are refused; keys are forgotten after 24 hours."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from facturo.services import idempotency
from facturo.services.context import ServiceContext
from facturo.store import tables as t
from facturo.store.idempotency import Claim, ClaimOutcome
from tests.api.test_legacy_invoices import (
    CUSTOMER_NIT,
    FIRST_FV1,
    Body,
    Shop,
    colombian_today,
    open_shop,
    yyyymmdd,
)
from tests.conftest import TenantFixture, errors_of

REPLAYED = "Idempotent-Replayed"


def receipt_body(shop: Shop) -> Body:
    """20 000 paid on the first installment of a credit invoice issued for it."""
    invoice = shop.issue(shop.body(payments=[shop.credit(119000)]))
    return {
        "Header": {
            "DocCode": shop.doc_types["RC-1"],
            "DocDate": yyyymmdd(colombian_today()),
            "Identification": CUSTOMER_NIT,
            "VoucherType": 0,
            "PaymentMeanCode": shop.means["Efectivo"],
            "TotalValue": 20000,
        },
        "Items": [
            {
                "Value": 20000,
                "DuePrefix": "FV-1",
                "DueConsecutive": invoice["Header"]["Number"],
                "DueQuote": 1,
            }
        ],
    }


def credit_note_body(shop: Shop) -> Body:
    """One of the two SERV-1 of an invoice issued for it, given back."""
    invoice = shop.issue(shop.body(payments=[shop.credit(119000)]))
    return {
        "Header": {
            "DocCode": shop.doc_types["NC-1"],
            "DocDate": yyyymmdd(colombian_today()),
            "InvoiceId": invoice["Header"]["Id"],
            "ReasonCode": "1",
        },
        "Items": [{"ProductCode": "SERV-1", "Quantity": 1}],
    }


@dataclass(frozen=True)
class Route:
    resource: str  # Invoice, Voucher, CreditNote
    doc: str  # the document type it numbers: FV-1
    prepare: Callable[[Shop], Body]  # a valid body, after creating what it needs

    @property
    def save(self) -> str:
        return f"/{self.resource}/Save"

    @property
    def fingerprint_route(self) -> str:
        return f"legacy:{self.resource}/Save"

    def post(self, shop: Shop, body: Body, key: str | None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return shop.client.post(self.save, json=body, headers=headers)

    def count(self, shop: Shop) -> int:
        listed = shop.client.get(f"/{self.resource}/GetAll")
        assert listed.status_code == 200, listed.text
        return len(listed.json())


INVOICE = Route("Invoice", "FV-1", lambda shop: shop.body())
ROUTES = [
    INVOICE,
    Route("Voucher", "RC-1", receipt_body),
    Route("CreditNote", "NC-1", credit_note_body),
]
by_route = pytest.mark.parametrize("route", ROUTES, ids=[r.resource for r in ROUTES])


def another(body: Body) -> Body:
    changed: Body = {**body, "Header": {**body["Header"], "Observations": "Otra solicitud"}}
    return changed


def forget_keys(ctx: ServiceContext, tenant: TenantFixture) -> None:
    """Ages every key of the company past its 24 hours."""
    keys = t.idempotency_keys
    with ctx.unit_of_work() as uow:
        uow.session.execute(
            sa.update(keys)
            .where(keys.c.company_id == tenant.company.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        uow.commit()


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    return open_shop(admin_client)


@by_route
def test_a_retry_with_the_same_key_and_body_gets_the_first_answer(shop: Shop, route: Route) -> None:
    body = route.prepare(shop)
    number_before = shop.next_number(route.doc)

    first = route.post(shop, body, "pedido-0001")
    retry = route.post(shop, body, "pedido-0001")

    assert (first.status_code, retry.status_code) == (200, 200), first.text
    assert REPLAYED not in first.headers
    assert retry.headers[REPLAYED] == "true"
    assert retry.json() == first.json()
    assert first.json()["Header"]["Number"] == number_before
    assert route.count(shop) == 1
    assert shop.next_number(route.doc) == number_before + 1


def test_a_replayed_receipt_pays_the_installment_once(shop: Shop) -> None:
    body = receipt_body(shop)
    invoice_id = shop.invoices()[0]["Header"]["Id"]

    answers = [ROUTES[1].post(shop, body, "rc-1").status_code for _ in range(3)]

    invoice = shop.client.get(f"/Invoice/GetByID/{invoice_id}").json()
    assert answers == [200, 200, 200]
    assert Decimal(str(invoice["Header"]["Balance"])) == 99000


@by_route
def test_the_same_key_with_another_body_is_refused(shop: Shop, route: Route) -> None:
    body = route.prepare(shop)
    assert route.post(shop, body, "pedido-0002").status_code == 200

    response = route.post(shop, another(body), "pedido-0002")

    assert response.status_code == 400
    assert errors_of(response) == [("idempotency_key_reused", [])]
    assert REPLAYED not in response.headers
    assert route.count(shop) == 1


@by_route
def test_a_key_still_in_flight_answers_409(
    shop: Shop, route: Route, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    """The first request is simulated by holding its claim, as a running request does."""
    assert tenant.company.id is not None
    body = route.prepare(shop)
    number_before = shop.next_number(route.doc)
    idempotency.claim(
        ctx,
        tenant.company.id,
        "pedido-0003",
        route=route.fingerprint_route,
        fingerprint=idempotency.request_hash(route.fingerprint_route, body),
    )

    response = route.post(shop, body, "pedido-0003")

    assert response.status_code == 409
    assert errors_of(response) == [("idempotency_key_in_use", [])]
    assert route.count(shop) == 0
    assert shop.next_number(route.doc) == number_before


def test_a_first_request_refused_with_400_is_replayed_as_the_same_400(shop: Shop) -> None:
    body = shop.body(payments=[shop.cash(100000)])

    first = INVOICE.post(shop, body, "pedido-0004")
    retry = INVOICE.post(shop, body, "pedido-0004")

    assert (first.status_code, retry.status_code) == (400, 400)
    assert errors_of(first) == [("invalid_total_payments", ["Payments"])]
    assert retry.json() == first.json()
    assert retry.headers[REPLAYED] == "true"
    assert shop.invoices() == []


def test_keys_are_kept_per_company(
    shop: Shop, other_client: httpx.Client, tenant: TenantFixture
) -> None:
    mine = INVOICE.post(shop, shop.body(), "pedido-compartido")
    other_shop = open_shop(other_client)

    theirs = INVOICE.post(other_shop, other_shop.body(), "pedido-compartido")

    assert (mine.status_code, theirs.status_code) == (200, 200), theirs.text
    assert REPLAYED not in theirs.headers
    assert theirs.json()["Header"]["Number"] == FIRST_FV1
    assert theirs.json()["Header"]["Id"] != mine.json()["Header"]["Id"]
    assert len(other_shop.invoices()) == 1


@pytest.mark.parametrize(
    "key",
    ["con espacio", "x" * 101, "clave/con/barra", "clave#1", ""],
    ids=["space", "101 characters", "slash", "hash", "empty"],
)
def test_a_malformed_key_is_refused(shop: Shop, key: str) -> None:
    response = INVOICE.post(shop, shop.body(), key)

    assert response.status_code == 400
    assert errors_of(response) == [("invalid_idempotency_key", [])]
    assert shop.invoices() == []


def test_a_key_of_100_allowed_characters_is_accepted(shop: Shop) -> None:
    key = ("Ab9_.:-" * 15)[:100]

    first = INVOICE.post(shop, shop.body(), key)
    retry = INVOICE.post(shop, shop.body(), key)

    assert (first.status_code, retry.status_code) == (200, 200), first.text
    assert retry.headers[REPLAYED] == "true"
    assert len(shop.invoices()) == 1


def test_without_a_key_two_identical_requests_issue_two_invoices(shop: Shop) -> None:
    first = INVOICE.post(shop, shop.body(), None)
    second = INVOICE.post(shop, shop.body(), None)

    assert [first.json()["Header"]["Number"], second.json()["Header"]["Number"]] == [
        FIRST_FV1,
        FIRST_FV1 + 1,
    ]
    assert REPLAYED not in second.headers
    assert len(shop.invoices()) == 2


def test_a_key_older_than_24_hours_is_forgotten_and_the_request_runs_again(
    shop: Shop, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    first = INVOICE.post(shop, shop.body(), "pedido-0005")
    forget_keys(ctx, tenant)

    again = INVOICE.post(shop, shop.body(), "pedido-0005")

    assert again.status_code == 200, again.text
    assert REPLAYED not in again.headers
    assert again.json()["Header"]["Number"] == first.json()["Header"]["Number"] + 1
    assert len(shop.invoices()) == 2


def test_a_forgotten_key_may_carry_a_new_request(
    shop: Shop, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    INVOICE.post(shop, shop.body(), "pedido-0006")
    forget_keys(ctx, tenant)

    response = INVOICE.post(shop, another(shop.body()), "pedido-0006")

    assert response.status_code == 200, response.text
    assert response.json()["Header"]["Observations"] == "Otra solicitud"
    assert response.json()["Header"]["Number"] == FIRST_FV1 + 1


def test_a_claim_a_day_later_starts_afresh(ctx: ServiceContext, tenant: TenantFixture) -> None:
    assert tenant.company.id is not None
    company_id = tenant.company.id
    fingerprint = idempotency.request_hash(INVOICE.fingerprint_route, {"Header": {}})

    def claim(context: ServiceContext) -> Claim:
        return idempotency.claim(
            context, company_id, "k-1", route=INVOICE.fingerprint_route, fingerprint=fingerprint
        )

    assert claim(ctx).outcome == ClaimOutcome.NEW
    idempotency.record(ctx, company_id, "k-1", 200, "{}")
    assert claim(ctx).outcome == ClaimOutcome.REPLAY

    later = dataclasses.replace(
        ctx, clock=lambda: datetime.now(UTC) + idempotency.KEEP_FOR + timedelta(minutes=1)
    )

    assert claim(later).outcome == ClaimOutcome.NEW
