"""Webhook deliveries end to end, on SQLite and PostgreSQL: events written in the business
transaction, a real HTTP receiver that checks the signature and fails on purpose, the worker's
retries with backoff, the delivery log, leases, graceful stops, ``facturo worker --once`` and
the worker thread of ``facturo serve``."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from facturo.api.app import create_app
from facturo.domain.errors import RuleViolations
from facturo.domain.products import ProductData, ProductType
from facturo.domain.webhooks import DeliveryStatus, WebhookData
from facturo.services import products, stock, webhooks
from facturo.services.context import ServiceContext
from facturo.store import tables as t
from facturo.store.unit_of_work import UnitOfWork
from facturo.worker import Worker, job_kinds
from tests.api.test_legacy_invoices import item, open_shop
from tests.conftest import TEST_SECRET, TenantFixture, fast_settings

BASE_DELAY = 0.05  # seconds before the first retry in these tests (30 s in production)
MAX_ATTEMPTS = 4


# --- a receiver ----------------------------------------------------------------------------------


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does with X-Facturo-Signature (docs/webhooks.md), written apart from
    Facturo's own code: recompute the HMAC over "<t>.<body>" and refuse old timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - stamp) <= tolerance
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float

    @property
    def payload(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found


@dataclass
class Receiver:
    """A webhook receiver on a local port. It refuses (500) its first ``failures`` requests,
    refuses (401) any whose signature does not verify with ``secret``, and accepts the rest."""

    secret: str | None = None
    failures: int = 0
    status_when_failing: int = 500
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    arrivals: int = 0  # requests begun, answered or not yet

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.arrivals += 1
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    failing = receiver.failures > 0
                    if failing:
                        receiver.failures -= 1
                if failing:
                    status = receiver.status_when_failing
                elif receiver.secret is not None and not verify(
                    receiver.secret, headers.get("x-facturo-signature", ""), body
                ):
                    status = 401
                else:
                    status = 200
                with receiver.lock:
                    receiver.received.append(Received(headers, body, status, time.monotonic()))
                answer = b'{"error": "not now"}' if status >= 300 else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/facturo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.answered == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(**options: Any) -> Receiver:
        receiver = Receiver(**options)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


# --- the worker, with short delays ------------------------------------------------------------


def quick_settings(database_url: str, **overrides: Any) -> Any:
    return fast_settings(
        database_url,
        webhook_retry_base_seconds=BASE_DELAY,
        webhook_retry_max_seconds=0.4,
        webhook_max_attempts=MAX_ATTEMPTS,
        webhook_timeout_seconds=3,
        worker_poll_seconds=0.05,
        **overrides,
    )


@pytest.fixture(scope="module")
def worker_ctx(database_url: str) -> Iterator[ServiceContext]:
    """The same database as ``ctx``, with the worker's delays shortened for tests."""
    context = ServiceContext.from_settings(quick_settings(database_url))
    yield context
    context.database.dispose()


def drain(worker_ctx: ServiceContext, tenant: TenantFixture) -> dict[str, int]:
    """``facturo worker --once`` for this test's company."""
    done = Worker(job_kinds(worker_ctx, company_id=tenant.company.id), poll_seconds=0.05).drain()
    return done["webhooks"]


def deliver_until(
    worker_ctx: ServiceContext,
    tenant: TenantFixture,
    condition: Callable[[], bool],
    timeout: float = 15,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the deliveries did not happen in time"
        drain(worker_ctx, tenant)
        time.sleep(0.02)


def subscribe(
    client: httpx.Client, receiver: Receiver, topic: str = "public.siigoapi.products.create"
) -> dict[str, Any]:
    response = client.post(
        "/v1/webhooks", json={"application_id": "tienda", "topic": topic, "url": receiver.url}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    receiver.secret = body["secret"]
    return body


def new_product(
    ctx: ServiceContext, tenant: TenantFixture, code: str, *, stock_control: bool = True
) -> Any:
    with ctx.unit_of_work(read_only=True) as uow:
        group = uow.account_groups.all(tenant.company.id or 0)[0]
    return products.create(
        ctx,
        tenant.actor,
        ProductData(
            code=code,
            name=f"Producto {code}",
            product_type=ProductType.PRODUCT,
            account_group_id=group.id,
            stock_control=stock_control,
        ),
    )


def deliveries_of(ctx: ServiceContext, tenant: TenantFixture) -> list[sa.Row[Any]]:
    d = t.webhook_deliveries
    with ctx.database.writer.connect() as connection:
        return list(
            connection.execute(
                sa.select(d).where(d.c.company_id == tenant.company.id).order_by(d.c.id)
            )
        )


def log_of(client: httpx.Client, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{webhook['id']}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["results"]
    return found


# --- products ---------------------------------------------------------------------------------


def test_a_created_product_reaches_the_receiver_signed(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    webhook = subscribe(current_client, receiver)
    product = new_product(ctx, tenant, "CAFE-500")
    assert drain(worker_ctx, tenant) == {"delivered": 1}
    [got] = receiver.received
    assert got.answered == 200
    payload = got.payload
    assert payload["topic"] == "public.siigoapi.products.create"
    assert payload["company_key"] == tenant.key
    assert payload["username"] == "admin@empresa.co"
    assert payload["id"] == str(product.guid)
    assert payload["code"] == "CAFE-500"
    assert payload["available_quantity"] == 0
    headers = got.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("Facturo-Webhooks/")
    assert headers["x-facturo-topic"] == "public.siigoapi.products.create"
    assert headers["x-facturo-attempt"] == "1"
    assert uuid.UUID(headers["x-facturo-event-id"])
    stamp = int(headers["x-facturo-timestamp"])
    assert headers["x-facturo-signature"].startswith(f"t={stamp},v1=")
    assert verify(webhook["secret"], headers["x-facturo-signature"], got.body)
    [delivery] = log_of(current_client, webhook)
    assert delivery["status"] == "delivered"
    assert delivery["event_id"] == headers["x-facturo-event-id"]
    assert delivery["attempts"] == 1 and delivery["next_attempt_at"] is None
    assert delivery["delivered_at"] is not None
    [attempt] = delivery["log"]
    assert (attempt["attempt"], attempt["status_code"], attempt["error"]) == (1, 200, None)
    assert attempt["duration_ms"] >= 0


def test_an_updated_product_is_published_on_its_own_topic(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    subscribe(current_client, receiver, "public.siigoapi.products.update")
    product = new_product(ctx, tenant, "TE-1")  # a create: nobody listens to that
    assert deliveries_of(ctx, tenant) == []
    with ctx.unit_of_work(read_only=True) as uow:
        group = uow.account_groups.all(tenant.company.id or 0)[0]
    products.update(
        ctx,
        tenant.actor,
        product.id,
        ProductData(
            code="TE-1",
            name="Té verde",
            product_type=ProductType.PRODUCT,
            account_group_id=group.id,
            stock_control=True,
        ),
    )
    drain(worker_ctx, tenant)
    [got] = receiver.accepted
    assert got.payload["topic"] == "public.siigoapi.products.update"
    assert got.payload["name"] == "Té verde"
    assert got.payload["id"] == str(product.guid)


def test_a_failing_receiver_is_retried_with_backoff_until_it_accepts(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers(failures=2)
    webhook = subscribe(current_client, receiver)
    new_product(ctx, tenant, "PAN-1")
    deliver_until(worker_ctx, tenant, lambda: bool(receiver.accepted))
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert [r.headers["x-facturo-attempt"] for r in receiver.received] == ["1", "2", "3"]
    # The same event each time, signed anew.
    assert len({r.headers["x-facturo-event-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    # Each wait at least 75 % of base × 2^(n−1).
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert gaps[0] >= 0.75 * BASE_DELAY and gaps[1] >= 0.75 * 2 * BASE_DELAY
    [delivery] = log_of(current_client, webhook)
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3
    assert [(a["attempt"], a["status_code"]) for a in delivery["log"]] == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    assert delivery["log"][0]["error"] == 'HTTP 500: {"error": "not now"}'
    assert delivery["log"][2]["error"] is None


def test_the_signature_lets_a_receiver_refuse_forgeries(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    webhook = subscribe(current_client, receiver, "public.siigoapi.products.stock.update")
    new_product(ctx, tenant, "ARROZ")
    stock.adjust(ctx, tenant.actor, product_code="ARROZ", warehouse_code="1", quantity=Decimal("5"))
    drain(worker_ctx, tenant)
    [genuine] = receiver.accepted
    signed = genuine.headers["x-facturo-signature"]
    assert verify(webhook["secret"], signed, genuine.body)
    tampered = genuine.body.replace(b'"available_quantity":5', b'"available_quantity":500')
    assert tampered != genuine.body
    assert not verify(webhook["secret"], signed, tampered)
    assert not verify("whsec_" + "x" * 43, signed, genuine.body)
    stamp = signed.split(",")[0].removeprefix("t=")
    replayed_later = signed.replace(f"t={stamp}", f"t={int(stamp) + 1}")
    assert not verify(webhook["secret"], replayed_later, genuine.body)
    # The receiver itself answers 401 to the tampered copy and 200 to the genuine one.
    forward = {k: v for k, v in genuine.headers.items() if k.startswith("x-facturo")}
    assert httpx.post(receiver.url, content=tampered, headers=forward).status_code == 401
    assert httpx.post(receiver.url, content=genuine.body, headers=forward).status_code == 200


def test_after_the_last_attempt_the_delivery_fails(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers(failures=1000, status_when_failing=503)
    webhook = subscribe(current_client, receiver)
    new_product(ctx, tenant, "SAL")
    deliver_until(
        worker_ctx,
        tenant,
        lambda: deliveries_of(ctx, tenant)[0].status == DeliveryStatus.FAILED.value,
    )
    time.sleep(0.5)
    drain(worker_ctx, tenant)
    assert len(receiver.received) == MAX_ATTEMPTS  # and not one more
    [delivery] = log_of(current_client, webhook)
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == MAX_ATTEMPTS
    assert delivery["next_attempt_at"] is None and delivery["delivered_at"] is None
    assert [a["status_code"] for a in delivery["log"]] == [503] * MAX_ATTEMPTS
    failed = current_client.get(
        f"/v1/webhooks/{webhook['id']}/deliveries", params={"status": "failed"}
    ).json()
    assert failed["pagination"]["total_results"] == 1
    pending = current_client.get(
        f"/v1/webhooks/{webhook['id']}/deliveries", params={"status": "pending"}
    ).json()
    assert pending["results"] == []


def test_an_unreachable_receiver_is_logged_and_retried(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    receiver = receivers()
    webhook = subscribe(current_client, receiver)
    response = current_client.put(
        f"/v1/webhooks/{webhook['id']}", json={"url": f"http://127.0.0.1:{closed_port}/hooks"}
    )
    assert response.status_code == 200
    new_product(ctx, tenant, "AZUCAR")
    assert drain(worker_ctx, tenant) == {"retrying": 1}
    [delivery] = log_of(current_client, webhook)
    assert delivery["status"] == "pending" and delivery["next_attempt_at"] is not None
    [attempt] = delivery["log"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("ConnectError")
    # Pointed back at a live receiver, the pending delivery goes there.
    current_client.put(f"/v1/webhooks/{webhook['id']}", json={"url": receiver.url})
    deliver_until(worker_ctx, tenant, lambda: bool(receiver.accepted))
    assert receiver.accepted[0].headers["x-facturo-attempt"] == "2"


# --- the transactional outbox ---------------------------------------------------------------------


def test_a_refused_change_publishes_nothing(
    ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    subscribe(current_client, receivers())
    new_product(ctx, tenant, "LECHE")
    assert len(deliveries_of(ctx, tenant)) == 1
    with pytest.raises(RuleViolations):
        new_product(ctx, tenant, "LECHE")  # the code is taken
    assert len(deliveries_of(ctx, tenant)) == 1


def test_events_are_written_in_the_transaction_of_the_change(
    ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The event is written (its delivery row inserted), then the commit fails: neither the
    product nor its event remains."""
    subscribe(current_client, receivers())
    enqueued: list[str] = []

    def failing_commit(self: UnitOfWork) -> None:
        enqueued.extend(
            str(row.topic) for row in self.session.execute(sa.select(t.webhook_deliveries.c.topic))
        )
        raise RuntimeError("the database went away at commit")

    monkeypatch.setattr(UnitOfWork, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        new_product(ctx, tenant, "HUEVOS")
    monkeypatch.undo()
    assert "public.siigoapi.products.create" in enqueued  # it was written, inside
    assert deliveries_of(ctx, tenant) == []
    with ctx.unit_of_work(read_only=True) as uow:
        assert uow.products.find_by_code(tenant.company.id or 0, "HUEVOS") is None


def test_nobody_listening_writes_no_deliveries(
    ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    subscribe(current_client, receivers(), "public.siigoapi.invoices.create")
    new_product(ctx, tenant, "FRIJOL")
    stock.adjust(ctx, tenant.actor, product_code="FRIJOL", warehouse_code="1", quantity=Decimal(3))
    assert deliveries_of(ctx, tenant) == []


def test_the_payload_is_fixed_when_the_event_happens(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    subscribe(current_client, receiver, "public.siigoapi.products.stock.update")
    new_product(ctx, tenant, "AVENA")
    for quantity in ("4", "-1", "10.5"):
        stock.adjust(
            ctx, tenant.actor, product_code="AVENA", warehouse_code="1", quantity=Decimal(quantity)
        )
    drain(worker_ctx, tenant)
    quantities = [r.payload["available_quantity"] for r in receiver.accepted]
    assert quantities == [4, 3, 13.5]
    assert len({r.headers["x-facturo-event-id"] for r in receiver.accepted}) == 3


# --- subscriptions ---------------------------------------------------------------------------------


def test_deleting_a_subscription_stops_its_deliveries(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver, kept = receivers(), receivers()
    webhook = subscribe(current_client, receiver)
    subscribe(current_client, kept)
    new_product(ctx, tenant, "MAIZ")
    assert len(deliveries_of(ctx, tenant)) == 2
    assert current_client.delete(f"/v1/webhooks/{webhook['id']}").status_code == 200
    assert len(deliveries_of(ctx, tenant)) == 1
    assert drain(worker_ctx, tenant) == {"delivered": 1}
    assert receiver.received == []
    assert len(kept.accepted) == 1


def test_an_inactive_subscription_gets_nothing_new_and_its_pending_deliveries_wait(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    webhook = subscribe(current_client, receiver)
    new_product(ctx, tenant, "ANTES")
    current_client.put(f"/v1/webhooks/{webhook['id']}", json={"active": False})
    new_product(ctx, tenant, "DURANTE")
    assert drain(worker_ctx, tenant) == {}
    assert receiver.received == []
    current_client.put(f"/v1/webhooks/{webhook['id']}", json={"active": True})
    assert drain(worker_ctx, tenant) == {"delivered": 1}
    assert [r.payload["code"] for r in receiver.accepted] == ["ANTES"]


def test_companies_never_receive_each_others_events(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    make_company: Callable[..., TenantFixture],
    receivers: Callable[..., Receiver],
) -> None:
    other = make_company()
    mine, theirs = receivers(), receivers()
    subscribe(current_client, mine)
    # The other company subscribes the same topic (through the service, as its admin would).
    created = webhooks.create(
        ctx,
        other.actor,
        WebhookData(application_id="otra", topic="public.siigoapi.products.create", url=theirs.url),
    )
    theirs.secret = created.secret
    new_product(ctx, tenant, "UVA")
    new_product(ctx, other, "PERA")
    drain(worker_ctx, tenant)
    drain(worker_ctx, other)
    assert [(r.payload["code"], r.payload["company_key"]) for r in mine.accepted] == [
        ("UVA", tenant.key)
    ]
    assert [(r.payload["code"], r.payload["company_key"]) for r in theirs.accepted] == [
        ("PERA", other.key)
    ]


# --- the worker: leases, stops, the command, the server's thread ---------------------------------


def test_a_claim_abandoned_by_a_dead_worker_is_retried_after_its_lease(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    webhook = subscribe(current_client, receiver)
    new_product(ctx, tenant, "KIWI")
    # A worker claims the delivery and dies before sending it.
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        [abandoned] = uow.webhook_deliveries.claim(
            now=now, lease=now + timedelta(seconds=1), limit=10, company_id=tenant.company.id
        )
        uow.commit()
    assert drain(worker_ctx, tenant) == {}  # held by the dead worker's lease
    assert receiver.received == []
    time.sleep(1.1)
    assert drain(worker_ctx, tenant) == {"delivered": 1}
    assert len(receiver.accepted) == 1
    # Were the dead worker to wake up now, its outcome would no longer count.
    late = webhooks.settle(
        ctx, abandoned, attempted_at=ctx.now(), status_code=500, error="late", duration_ms=1
    )
    assert late is None
    [delivery] = log_of(current_client, webhook)
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["log"]] == [200]


def test_two_workers_never_send_the_same_delivery_at_once(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers(delay=0.05)
    subscribe(current_client, receiver)
    for index in range(12):
        new_product(ctx, tenant, f"LOTE-{index}")
    results: list[dict[str, int]] = []
    threads = [
        threading.Thread(target=lambda: results.append(drain(worker_ctx, tenant))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.get("delivered", 0) for r in results) == 12
    codes = sorted(r.payload["code"] for r in receiver.accepted)
    assert codes == sorted(f"LOTE-{index}" for index in range(12))


def test_stopping_the_worker_finishes_the_delivery_in_hand(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers(delay=0.4)
    subscribe(current_client, receiver)
    for code in ("UNO", "DOS", "TRES"):
        new_product(ctx, tenant, code)
    worker = Worker(job_kinds(worker_ctx, company_id=tenant.company.id), poll_seconds=0.05)
    thread = worker.start_thread()
    deadline = time.monotonic() + 10
    while not receiver.arrivals and time.monotonic() < deadline:
        time.sleep(0.01)  # the first delivery is in the receiver's hands
    worker.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [r.payload["code"] for r in receiver.accepted] == ["UNO"]
    rows = deliveries_of(ctx, tenant)
    assert [r.status for r in rows] == ["delivered", "pending", "pending"]
    # What it had claimed and not sent is given back, due at once.
    assert all(r.locked_until is None for r in rows)
    assert all(r.next_attempt_at <= ctx.now() for r in rows[1:])
    assert drain(worker_ctx, tenant) == {"delivered": 2}


def test_serve_delivers_from_its_own_worker_thread(
    ctx: ServiceContext,
    database_url: str,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    receiver = receivers()
    subscribe(current_client, receiver)
    context = ServiceContext.from_settings(quick_settings(database_url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(context, run_worker=True), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        new_product(ctx, tenant, "SERVIDO")
        deadline = time.monotonic() + 60  # generous: CI machines are slow
        while not receiver.accepted:
            assert time.monotonic() < deadline, "the server's worker delivered nothing"
            time.sleep(0.05)
        assert receiver.accepted[0].payload["code"] == "SERVIDO"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        context.database.dispose()
    assert not thread.is_alive()
    assert not any(t.name == "facturo-worker" and t.is_alive() for t in threading.enumerate())


FACTURO = Path(sys.executable).parent / "facturo"


def run_cli(database_url: str, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTURO_")}
    env.update(
        FACTURO_DATABASE_URL=database_url,
        FACTURO_SECRET_KEY=TEST_SECRET,
        FACTURO_ARGON2_TIME_COST="1",
        FACTURO_ARGON2_MEMORY_KIB="64",
        FACTURO_ARGON2_PARALLELISM="1",
        FACTURO_WEBHOOK_RETRY_BASE_SECONDS="60",
    )
    result = subprocess.run(
        [str(FACTURO), *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr or result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def test_facturo_worker_once_drains_what_is_due(
    ctx: ServiceContext,
    database_url: str,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    good, bad = receivers(), receivers(failures=1000)
    subscribe(current_client, good)
    failing = subscribe(current_client, bad)
    for code in ("CLI-1", "CLI-2"):
        new_product(ctx, tenant, code)
    done = run_cli(database_url, "worker", "--once", "--company", tenant.key)
    assert done == {"webhooks": {"delivered": 2, "retrying": 2}, "dian": {}, "dian-delivery": {}}
    assert sorted(r.payload["code"] for r in good.accepted) == ["CLI-1", "CLI-2"]
    assert len(bad.received) == 2
    # Nothing else is due: the retries wait a minute.
    assert run_cli(database_url, "worker", "--once", "--company", tenant.key) == {
        "webhooks": {},
        "dian": {},
        "dian-delivery": {},
    }
    listed = run_cli(database_url, "webhook", "list", "--company", tenant.key)
    assert {w["url"] for w in listed} == {good.url, bad.url}
    assert all("secret" not in w for w in listed)
    pending = run_cli(database_url, "webhook", "deliveries", "--company", tenant.key, "--pending")
    assert pending["total"] == 2
    assert {d["webhook"] for d in pending["deliveries"]} == {failing["id"]}
    assert all(d["log"][0]["error"].startswith("HTTP 500") for d in pending["deliveries"])
    everything = run_cli(database_url, "webhook", "deliveries", "--company", tenant.key)
    assert everything["total"] == 4


# --- stock and invoices through the legacy API --------------------------------------------------


def test_sales_adjustments_and_annulments_publish_stock_and_invoice_events(
    ctx: ServiceContext,
    worker_ctx: ServiceContext,
    admin_client: httpx.Client,
    current_client: httpx.Client,
    tenant: TenantFixture,
    receivers: Callable[..., Receiver],
) -> None:
    shop = open_shop(admin_client)  # PROD-1 with 10 units in warehouse 1, and SERV-1
    stock_hook, invoice_hook, annul_hook = receivers(), receivers(), receivers()
    subscribe(current_client, stock_hook, "public.siigoapi.products.stock.update")
    subscribe(current_client, invoice_hook, "public.siigoapi.invoices.create")
    subscribe(current_client, annul_hook, "public.siigoapi.invoices.annul")

    shop.add_stock("PROD-1", 5)  # the legacy Inventory/Adjust
    invoice = shop.issue(
        shop.body(
            items=[
                item("PROD-1", 2, 10000, warehouse="1"),
                item("PROD-1", 1, 10000, warehouse="1"),
                item("SERV-1", 1, 5000),
            ],
            payments=[shop.cash(35000)],
        )
    )
    response = admin_client.post(
        f"/Invoice/Annul/{invoice['Header']['Id']}", json={"Reason": "Error de digitación"}
    )
    assert response.status_code == 200, response.text
    drain(worker_ctx, tenant)

    levels = [(r.payload["code"], r.payload["available_quantity"]) for r in stock_hook.accepted]
    # The adjustment, the sale (one event for the two lines of PROD-1; none for the service),
    # and the annulment that brought the goods back.
    assert levels == [("PROD-1", 15), ("PROD-1", 12), ("PROD-1", 15)]
    [created] = invoice_hook.accepted
    assert created.payload["topic"] == "public.siigoapi.invoices.create"
    assert created.payload["number"] == invoice["Header"]["Number"]
    assert created.payload["total"] == 35000
    assert created.payload["company_key"] == tenant.key
    [annulled] = annul_hook.accepted
    assert annulled.payload["topic"] == "public.siigoapi.invoices.annul"
    assert annulled.payload["id"] == created.payload["id"]
    assert annulled.payload["balance"] == 0
