"""Invoice/Save under concurrency and retries, against the live server.

Numbers stay gapless and unique, a failed request consumes no number and moves no stock,
the last unit goes to exactly one buyer, opposite line orders do not deadlock, serialization
failures are retried, and one Idempotency-Key issues one invoice however many race with it.
Each simulated client is a thread with its own HTTP connection, all in a process apart from
the server's; they start together.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy as sa

from facturo.domain.errors import RuleViolations, Violation
from facturo.services import sales, transactions
from facturo.services.context import ServiceContext
from facturo.store import repositories
from facturo.store import tables as t
from facturo.store.unit_of_work import UnitOfWork
from tests.conftest import LiveServer, TenantFixture, errors_of

UNIT_VALUE = 1000
CUSTOMER_ID = "800197268"
WAREHOUSE = "1"
LATE_FAILURE = "late-failure"  # Observations that make the patched sale fail after its number


def today() -> str:
    return (datetime.now(UTC) - timedelta(hours=5)).date().strftime("%Y%m%d")


@dataclass(frozen=True)
class Shop:
    """A fresh company ready to sell: its catalog ids and the process its clients run in."""

    tenant: TenantFixture
    client: httpx.Client
    url: str
    token: str
    fv1: int
    cash: int
    taxes: dict[str, int]
    clients: Executor  # the process the concurrent clients run in

    def product(self, code: str, stock: int) -> None:
        groups = self.client.get("/AccountGroups/GetAll").json()
        created = self.client.post(
            "/Products/Create",
            json={
                "Code": code,
                "Description": f"Producto {code}",
                "ProductTypeKey": "ProductType_Product",
                "AccountGroupID": groups[0]["Id"],
                "IsInventoryControl": True,
            },
        )
        assert created.status_code == 200, created.text
        if stock:
            adjusted = self.client.post(
                "/Inventory/Adjust",
                json={"ProductCode": code, "WareHouseCode": WAREHOUSE, "Quantity": stock},
            )
            assert adjusted.status_code == 200, adjusted.text

    def numbering(self) -> dict[str, Any]:
        response = self.client.get("/ERPDocumentTypes/GetByCode?docClass=FV&docCode=1")
        assert response.status_code == 200, response.text
        numbering: dict[str, Any] = response.json()["NumberingRange"]
        return numbering

    def balance(self, code: str) -> Decimal:
        response = self.client.get("/Products/GetProductBalanceByCode", params={"code": code})
        assert response.status_code == 200, response.text
        return Decimal(str(response.json()["TotalBalance"]))

    def invoices(self) -> list[dict[str, Any]]:
        """Every FV-1 invoice of the company, read back a GetAll page at a time."""
        found: list[dict[str, Any]] = []
        for page in range(10_000):
            response = self.client.get(
                "/Invoice/GetAll", params={"numberPage": page, "docCode": self.fv1}
            )
            assert response.status_code == 200, response.text
            if not response.json():
                return found
            found.extend(invoice["Header"] for invoice in response.json())
        raise AssertionError("GetAll never ran out of pages")


@pytest.fixture(scope="session")
def client_process() -> Iterator[Executor]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as process:
        yield process


@pytest.fixture
def shop(
    server: LiveServer,
    tenant: TenantFixture,
    admin_client: httpx.Client,
    client_process: Executor,
) -> Shop:
    """A company with its customer already created, so that racing sales only race to sell."""
    client = admin_client
    customer = client.post(
        "/Accounts/Create",
        json={
            "IsCustomer": True,
            "IsSocialReason": True,
            "FullName": "Cliente Concurrente SAS",
            "IdTypeCode": "31",
            "Identification": CUSTOMER_ID,
            "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
            "Address": "Calle 1",
            "Phone": {"Number": "1234567"},
        },
    )
    assert customer.status_code == 200, customer.text
    fv1 = client.get("/ERPDocumentTypes/GetByCode?docClass=FV&docCode=1").json()["Id"]
    return Shop(
        tenant=tenant,
        client=client,
        url=str(client.base_url),
        token=admin_client.headers["Authorization"],
        fv1=fv1,
        cash=_ids(client, "/PaymentMeans/GetAll")["Efectivo"],
        taxes=_ids(client, "/Taxes/GetAll"),
        clients=client_process,
    )


def _ids(client: httpx.Client, path: str) -> dict[str, int]:
    return {record["Name"]: record["Id"] for record in client.get(path).json()}


def invoice(
    shop: Shop,
    *lines: tuple[str, int],
    overpaid: int = 0,
    last_tax_id: int | None = None,
    observations: str | None = None,
    account: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A cash invoice without taxes selling ``(product code, quantity)`` lines at UNIT_VALUE."""
    items: list[dict[str, Any]] = [
        {
            "ProductCode": code,
            "Quantity": quantity,
            "UnitValue": UNIT_VALUE,
            "WareHouseCode": WAREHOUSE,
        }
        for code, quantity in lines
    ]
    if last_tax_id is not None:
        items[-1]["TaxAddId"] = last_tax_id
    total = sum(quantity for _, quantity in lines) * UNIT_VALUE
    return {
        "Header": {
            "DocCode": shop.fv1,
            "DocDate": today(),
            "SalesmanIdentification": "1020304050",
            "Observations": observations,
            "Account": account or {"Identification": CUSTOMER_ID},
        },
        "Items": items,
        "Payments": [{"PaymentMeansCode": shop.cash, "Value": total + overpaid}],
    }


def post_all(
    shop: Shop,
    bodies: Sequence[dict[str, Any]],
    *,
    clients: int,
    headers: dict[str, str] | None = None,
) -> list[httpx.Response]:
    """Sends ``bodies`` to Invoice/Save from ``clients`` connections that start together;
    the answers come back in the order of the bodies. The clients run in a process of their
    own, so that they do not compete with the live server for this process's GIL."""
    answers = shop.clients.submit(
        send_all, shop.url, {"Authorization": shop.token, **(headers or {})}, bodies, clients
    ).result(timeout=300)
    return [httpx.Response(status, content=content) for status, content in answers]


def send_all(
    url: str, headers: dict[str, str], bodies: Sequence[dict[str, Any]], clients: int
) -> list[tuple[int, bytes]]:
    """Runs in the client process: one thread and one connection per client."""
    answers: list[tuple[int, bytes] | None] = [None] * len(bodies)
    start = threading.Barrier(clients, timeout=60)

    def client_loop(worker: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as connection:
            start.wait()
            for index in range(worker, len(bodies), clients):
                answer = connection.post("/Invoice/Save", json=bodies[index])
                answers[index] = (answer.status_code, answer.content)

    with ThreadPoolExecutor(clients) as pool:
        for running in [pool.submit(client_loop, worker) for worker in range(clients)]:
            running.result()
    return [answer for answer in answers if answer is not None]


def unexpected(answers: Sequence[httpx.Response], status: int) -> list[str]:
    """The answers that do not have ``status``, for the assertion message."""
    return [f"{a.status_code} {a.text[:300]}" for a in answers if a.status_code != status]


def sale_movements(ctx: ServiceContext, shop: Shop, code: str) -> list[tuple[Decimal, str, int]]:
    """(quantity, reason, document id) of each stock movement of the product, from the table."""
    m, p = t.stock_movements, t.products
    company_id = shop.tenant.company.id
    with ctx.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(
            sa.select(m.c.quantity, m.c.reason, m.c.document_id)
            .join(p, (p.c.company_id == m.c.company_id) & (p.c.id == m.c.product_id))
            .where(m.c.company_id == company_id, p.c.code == code)
            .order_by(m.c.id)
        ).all()
    return [(Decimal(str(q)), str(reason), document_id) for q, reason, document_id in rows]


def only_on_postgresql(ctx: ServiceContext, reason: str) -> None:
    if ctx.database.is_sqlite:
        pytest.skip(f"SQLite admits one writer at a time: {reason}")


SCALES = [
    pytest.param(50, 2000, id="50-clients-2000-requests"),
    pytest.param(8, 200, id="8-clients-200-requests"),
]


def skip_large_on_sqlite(ctx: ServiceContext, clients: int) -> None:
    if clients > 8:
        only_on_postgresql(ctx, "the large run is PostgreSQL's; SQLite runs the small one")


# --- gapless numbering -----------------------------------------------------------------------


@pytest.mark.parametrize(("clients", "count"), SCALES)
def test_concurrent_invoices_take_every_number_of_the_range_exactly_once(
    ctx: ServiceContext, shop: Shop, clients: int, count: int
) -> None:
    skip_large_on_sqlite(ctx, clients)
    shop.product("P1", count)
    first = shop.numbering()["From"]
    assert first == 990000000

    answers = post_all(shop, [invoice(shop, ("P1", 1))] * count, clients=clients)

    assert unexpected(answers, 200) == []
    expected = list(range(first, first + count))
    assert sorted(a.json()["Header"]["Number"] for a in answers) == expected
    assert sorted(header["Number"] for header in shop.invoices()) == expected
    assert shop.numbering()["NextNumber"] == first + count
    assert shop.balance("P1") == 0


def failing_bodies(shop: Shop) -> dict[str, dict[str, Any]]:
    """Requests that fail at different points of Invoice/Save, each after selling 1 unit of S
    on its first line: pricing the last line, checking the payments, taking the stock of the
    last line (after the stock rows were updated), and — patched in — after the number was
    taken and the document written."""
    return {
        "tax": invoice(shop, ("S", 1), ("T", 1), last_tax_id=shop.taxes["ReteIVA 15%"]),
        "payments": invoice(shop, ("S", 1), ("T", 1), overpaid=1),
        "stock": invoice(shop, ("S", 1), ("T", 1_000_000)),
        "late": invoice(shop, ("S", 1), ("T", 1), observations=LATE_FAILURE),
    }


FIRST_REFUSAL = {
    "tax": ("invalid_reference", ["Items[1].TaxAddId"]),
    "payments": ("invalid_total_payments", ["Payments"]),
    "stock": ("invalid_amount", ["Items[1].Quantity"]),
    "late": ("late_failure", []),
}


@pytest.fixture
def fails_after_numbering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Invoices with the LATE_FAILURE observations fail once their number, document, lines
    and stock movements are written (the live server runs in this process)."""
    settle = sales._settle_at_issue

    def settle_or_fail(uow: UnitOfWork, company_id: int, document: Any, *args: Any) -> None:
        if document.observations == LATE_FAILURE:
            raise RuleViolations([Violation("late_failure", "", "Failed on purpose")])
        settle(uow, company_id, document, *args)

    monkeypatch.setattr(sales, "_settle_at_issue", settle_or_fail)


@pytest.mark.parametrize(("clients", "count"), SCALES)
@pytest.mark.usefixtures("fails_after_numbering")
def test_requests_failing_part_way_consume_no_number_and_move_no_stock(
    ctx: ServiceContext, shop: Shop, clients: int, count: int
) -> None:
    skip_large_on_sqlite(ctx, clients)
    shop.product("S", count)
    shop.product("T", count)
    first = shop.numbering()["From"]
    failing = failing_bodies(shop)
    plan = [None if index % 2 == 0 else list(failing)[index // 2 % 4] for index in range(count)]
    bodies = [failing[kind] if kind else invoice(shop, ("S", 1), ("T", 1)) for kind in plan]

    answers = post_all(shop, bodies, clients=clients)

    sold = count // 2
    outcomes = [(a.status_code, errors_of(a)[0] if a.status_code == 400 else None) for a in answers]
    assert outcomes == [
        (200, None) if kind is None else (400, FIRST_REFUSAL[kind]) for kind in plan
    ], unexpected([a for a, kind in zip(answers, plan, strict=True) if kind is None], 200)
    ok = [a.json()["Header"] for a in answers if a.status_code == 200]
    assert sorted(header["Number"] for header in ok) == list(range(first, first + sold))
    assert sorted(header["Number"] for header in shop.invoices()) == list(
        range(first, first + sold)
    )
    assert shop.numbering()["NextNumber"] == first + sold
    for code in ("S", "T"):
        movements = sale_movements(ctx, shop, code)
        assert shop.balance(code) == count - sold
        assert sum(quantity for quantity, _, _ in movements) == count - sold
        assert sorted(document for _, reason, document in movements if reason == "sale") == sorted(
            header["Id"] for header in ok
        )


def test_a_line_refused_for_its_tax_is_not_also_reported_as_a_payment_mismatch(
    shop: Shop,
) -> None:
    """The payments match the invoice as sent; only the last line's tax is wrong."""
    shop.product("S", 1)
    shop.product("T", 1)

    answer = shop.client.post("/Invoice/Save", json=failing_bodies(shop)["tax"])

    assert (answer.status_code, errors_of(answer)) == (
        400,
        [("invalid_reference", ["Items[1].TaxAddId"])],
    )


# --- stock races -----------------------------------------------------------------------------


@pytest.mark.parametrize(("stock", "winners"), [(1, 1), (5, 5)])
def test_racing_sales_of_the_last_units_have_exactly_as_many_winners_as_units(
    ctx: ServiceContext, shop: Shop, stock: int, winners: int
) -> None:
    shop.product("ULTIMO", stock)

    answers = post_all(shop, [invoice(shop, ("ULTIMO", 1))] * 20, clients=20)

    refused = [a for a in answers if a.status_code == 400]
    assert sorted(a.status_code for a in answers) == [200] * winners + [400] * (20 - winners)
    assert [errors_of(a) for a in refused] == [[("invalid_amount", ["Items[0].Quantity"])]] * (
        20 - winners
    )
    assert all("Not enough stock" in a.json()["Message"] for a in refused)
    assert shop.balance("ULTIMO") == 0
    movements = sale_movements(ctx, shop, "ULTIMO")
    assert [(q, reason) for q, reason, _ in movements] == [(Decimal(stock), "adjustment")] + [
        (Decimal(-1), "sale")
    ] * winners


def test_sales_of_two_products_in_opposite_line_orders_all_succeed(
    ctx: ServiceContext, shop: Shop
) -> None:
    """Each sale locks both balance rows; taken in the lines' order they would deadlock."""
    shop.product("A", 100)
    shop.product("B", 100)
    bodies = [
        invoice(shop, ("A", 1), ("B", 1)) if index % 2 else invoice(shop, ("B", 1), ("A", 1))
        for index in range(60)
    ]

    answers = post_all(shop, bodies, clients=20)

    assert unexpected(answers, 200) == []
    assert (shop.balance("A"), shop.balance("B")) == (Decimal(40), Decimal(40))
    first = shop.numbering()["From"]
    assert sorted(a.json()["Header"]["Number"] for a in answers) == list(range(first, first + 60))


# --- retries -----------------------------------------------------------------------------------


def database_error(error_class: type[psycopg.Error]) -> sa.exc.OperationalError:
    """What SQLAlchemy raises when PostgreSQL answers with ``error_class``'s SQLSTATE."""
    return sa.exc.OperationalError("UPDATE numbering_ranges ...", {}, error_class("simulated"))


@dataclass
class NumberTaker:
    """A unit of work that takes the next FV-1 number, failing its first ``failures`` attempts
    with ``error`` after taking it."""

    company_id: int
    range_id: int
    error: BaseException | None = None
    failures: int = 0
    attempts: int = 0

    def __call__(self, uow: UnitOfWork) -> int:
        self.attempts += 1
        number = uow.numbering_ranges.take_next(self.company_id, self.range_id)
        assert number is not None
        if self.attempts <= self.failures and self.error is not None:
            raise self.error
        return number


@pytest.fixture
def taker(shop: Shop) -> NumberTaker:
    assert shop.tenant.company.id is not None
    return NumberTaker(shop.tenant.company.id, shop.numbering()["Id"])


@pytest.mark.parametrize(
    "error_class",
    [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected],
    ids=["40001", "40P01"],
)
def test_run_writing_runs_again_after_a_serialization_failure_or_deadlock(
    ctx: ServiceContext, shop: Shop, taker: NumberTaker, error_class: type[psycopg.Error]
) -> None:
    first = shop.numbering()["From"]
    taker.error, taker.failures = database_error(error_class), 1

    assert transactions.run_writing(ctx, taker) == first
    assert taker.attempts == 2
    assert shop.numbering()["NextNumber"] == first + 1


@pytest.mark.parametrize(
    "error",
    [
        database_error(psycopg.errors.QueryCanceled),
        database_error(psycopg.errors.LockNotAvailable),
        RuleViolations([Violation("invalid_amount", "total", "Refused")]),
    ],
    ids=["57014", "55P03", "rule-violation"],
)
def test_run_writing_does_not_retry_other_errors(
    ctx: ServiceContext, shop: Shop, taker: NumberTaker, error: BaseException
) -> None:
    first = shop.numbering()["From"]
    taker.error, taker.failures = error, 1

    with pytest.raises(type(error)):
        transactions.run_writing(ctx, taker)
    assert taker.attempts == 1
    assert shop.numbering()["NextNumber"] == first


def test_run_writing_gives_up_after_its_attempts(
    ctx: ServiceContext, shop: Shop, taker: NumberTaker
) -> None:
    first = shop.numbering()["From"]
    taker.error, taker.failures = database_error(psycopg.errors.SerializationFailure), 99

    with pytest.raises(sa.exc.OperationalError):
        transactions.run_writing(ctx, taker)
    assert taker.attempts == transactions.ATTEMPTS
    assert shop.numbering()["NextNumber"] == first


def test_a_real_serialization_failure_is_retried_and_commits_once(
    ctx: ServiceContext, shop: Shop, taker: NumberTaker
) -> None:
    """The first attempt reads the range in a REPEATABLE READ snapshot, another transaction
    takes a number meanwhile, and the attempt's own update then fails with 40001."""
    only_on_postgresql(ctx, "it has no serialization failures")
    first = shop.numbering()["From"]
    ranges = t.numbering_ranges
    take = taker.__call__

    def snapshot_then_conflict(uow: UnitOfWork) -> int:
        if taker.attempts == 0:
            uow.session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            uow.session.execute(
                sa.select(ranges.c.next_number).where(ranges.c.id == taker.range_id)
            )
            with ctx.database.writer.begin() as other:
                other.execute(
                    sa.update(ranges)
                    .where(ranges.c.company_id == taker.company_id, ranges.c.id == taker.range_id)
                    .values(next_number=ranges.c.next_number + 1)
                )
        return take(uow)

    assert transactions.run_writing(ctx, snapshot_then_conflict) == first + 1
    assert taker.attempts == 2
    assert shop.numbering()["NextNumber"] == first + 2


def test_an_invoice_retried_after_a_serialization_failure_keeps_one_number_and_one_sale(
    ctx: ServiceContext, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt takes the number and the stock, then fails as PostgreSQL would."""
    shop.product("P1", 3)
    first = shop.numbering()["From"]
    original = repositories.NumberingRangeRepository.take_next
    calls: list[int | None] = []

    def take_then_fail_once(
        self: repositories.NumberingRangeRepository, company_id: int, range_id: int
    ) -> int | None:
        calls.append(original(self, company_id, range_id))
        if len(calls) == 1:
            raise database_error(psycopg.errors.SerializationFailure)
        return calls[-1]

    monkeypatch.setattr(repositories.NumberingRangeRepository, "take_next", take_then_fail_once)

    answer = shop.client.post("/Invoice/Save", json=invoice(shop, ("P1", 1)))

    assert answer.status_code == 200, answer.text
    assert calls == [first, first]
    assert answer.json()["Header"]["Number"] == first
    assert shop.numbering()["NextNumber"] == first + 1
    assert shop.balance("P1") == 2
    assert [(q, reason) for q, reason, _ in sale_movements(ctx, shop, "P1")] == [
        (Decimal(3), "adjustment"),
        (Decimal(-1), "sale"),
    ]


# --- idempotency and customers under concurrency ---------------------------------------------


def test_racing_requests_with_one_idempotency_key_issue_one_invoice(
    ctx: ServiceContext, shop: Shop
) -> None:
    shop.product("P1", 10)
    first = shop.numbering()["From"]
    body = invoice(shop, ("P1", 1))
    key = {"Idempotency-Key": "factura-carrera-1"}

    answers = post_all(shop, [body] * 10, clients=10, headers=key)

    issued = shop.invoices()
    assert [header["Number"] for header in issued] == [first]
    invoice_id = issued[0]["Id"]
    for answer in answers:
        if answer.status_code == 200:
            assert answer.json()["Header"]["Id"] == invoice_id
        else:
            assert (answer.status_code, errors_of(answer)) == (
                409,
                [("idempotency_key_in_use", [])],
            )
    winner = next(a for a in answers if a.status_code == 200)
    retry = shop.client.post("/Invoice/Save", json=body, headers=key)
    assert (retry.status_code, retry.headers.get("Idempotent-Replayed")) == (200, "true")
    assert retry.json() == winner.json()
    assert shop.numbering()["NextNumber"] == first + 1
    assert shop.balance("P1") == 9


def test_racing_first_invoices_of_a_new_customer_create_it_once(
    ctx: ServiceContext, shop: Shop
) -> None:
    """Siigo uses the tercero of that identification, or creates it from Header.Account:
    concurrent first sales to one new customer must all succeed, sharing one tercero."""
    shop.product("P1", 10)
    account = {
        "IsSocialReason": False,
        "FirstName": "Rosa",
        "LastName": "Díaz",
        "IdTypeCode": "13",
        "Identification": "52999888",
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": "Calle 2",
        "Phone": {"Number": "3001234567"},
    }

    answers = post_all(shop, [invoice(shop, ("P1", 1), account=account)] * 10, clients=10)

    assert unexpected(answers, 200) == []
    accounts = shop.client.get("/Accounts/GetAll", params={"numberPage": 0}).json()
    assert sorted(a["Identification"] for a in accounts) == sorted([CUSTOMER_ID, "52999888"])
