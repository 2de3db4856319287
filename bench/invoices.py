"""Benchmark: issuing invoices through both dialects, and Invoice/GetAll on a large company.

Starts a real Facturo server on a scratch PostgreSQL database, prepares a company with ten
stocked products, a customer and the default catalogs, then issues invoices of ten lines
(IVA 19 %, impuesto al consumo 8 %, ReteFuente on the lines, ReteICA on the invoice, paid on
credit) with 1, 8 and 32 concurrent clients: the same invoice through the legacy
``Invoice/Save`` and through the current ``POST /v1/invoices``, side by side, so the cost of
each face shows. Then it fills the company up to 100,000 invoices (copies of issued ones,
written straight into the database) and times GetAll pages. Prints one table.

    .venv/bin/python bench/invoices.py --database-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/invoices.py --database-url ... --workers 2 --invoices 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import sqlalchemy as sa

from facturo.domain.catalogs import TaxType
from facturo.domain.sales import SalesLine, TaxRate, document_amounts, line_amounts

BIN = Path(sys.executable).parent
SIIGO_WEB_BASIC = "Basic U2lpZ29XZWI6QUJBMDhCNkEtQjU2Qy00MEE1LTkwQ0YtN0MxRTU0ODkxQjYx"
PASSWORD = "clave-benchmark-1"
CUSTOMER = "800197268"


@dataclass
class Result:
    operation: str
    clients: int
    requests: int
    seconds: float
    latencies_ms: list[float]

    def row(self) -> str:
        ordered = sorted(self.latencies_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"| {self.operation:<32} | {self.clients:>7} | {self.requests:>8} | {self.requests / self.seconds:>8.1f} "
            f"| {statistics.median(ordered):>9.1f} | {p99:>8.1f} |"
        )


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    admin_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    name = f"facturo_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Running:
    url: str
    access_key: str  # the admin's key for the current API's /auth


@contextmanager
def server(database_url: str, workers: int) -> Iterator[Running]:
    env = {
        **os.environ,
        "FACTURO_DATABASE_URL": database_url,
        "FACTURO_SECRET_KEY": secrets.token_urlsafe(40),
    }
    with tempfile.TemporaryDirectory() as workdir:

        def facturo(*args: str) -> str:
            return subprocess.run(
                [BIN / "facturo", *args],
                cwd=workdir,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout

        facturo("db", "upgrade")
        facturo(
            "company", "create", "--key", "bench", "--name", "Benchmark SAS", "--nit", "900123456",
            "--admin-username", "admin", "--admin-identification", "1", "--admin-password", PASSWORD,
        )  # fmt: skip
        issued = facturo(
            "user", "access-key", "create", "--company", "bench", "--username", "admin", "--json"
        )
        access_key = json.loads(issued)["access_key"]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(
            [BIN / "facturo", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            yield Running(url, access_key)
        finally:
            process.terminate()
            process.wait(timeout=30)


class Scenario:
    """The company's ids and one invoice body whose payments match its total exactly."""

    def __init__(self, client: httpx.Client) -> None:
        today = (datetime.now(UTC) - timedelta(hours=5)).strftime("%Y%m%d")
        taxes = client.get("/Taxes/GetAll").json()
        iva = next(t for t in taxes if t["TaxType"] == "IVA" and t["Percentage"] == 19)
        inc = next(t for t in taxes if t["TaxType"] == "Impoconsumo")
        retefuente = next(t for t in taxes if t["TaxType"] == "Retefuente")
        reteica = next(t for t in taxes if t["TaxType"] == "ReteICA")
        means = {m["Name"]: m["Id"] for m in client.get("/PaymentMeans/GetAll").json()}
        fv = client.get(
            "/ERPDocumentTypes/GetByCode", params={"docClass": "FV", "docCode": 1}
        ).json()
        group = client.get("/AccountGroups/GetAll").json()[0]["Id"]
        for index in range(10):
            code = f"BENCH-{index}"
            response = client.post(
                "/Products/Create",
                json={
                    "Code": code,
                    "Description": f"Producto {index}",
                    "ProductTypeKey": "ProductType_Product",
                    "AccountGroupID": group,
                    "IsInventoryControl": True,
                    "PriceList1": 1000 + index,
                },
            )
            response.raise_for_status()
            client.post(
                "/Inventory/Adjust",
                json={"ProductCode": code, "WareHouseCode": "1", "Quantity": 10_000_000},
            ).raise_for_status()
        account = {
            "IsSocialReason": True,
            "FullName": "Cliente Benchmark SAS",
            "IdTypeCode": "31",
            "Identification": CUSTOMER,
            "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
            "Address": "Calle 100 # 10-20",
            "Phone": {"Number": "6015550000"},
        }
        rate = {
            t["Id"]: TaxRate(
                t["Id"], t["Name"], TaxType(t["TaxType"]), Decimal(str(t["Percentage"]))
            )
            for t in taxes
        }
        items, lines = [], []
        for index in range(10):
            charge = iva if index % 2 == 0 else inc
            quantity, price = Decimal(1 + index % 3), Decimal(10_000 + 1_237 * index)
            items.append(
                {
                    "ProductCode": f"BENCH-{index}",
                    "Description": f"Producto {index}",
                    "Quantity": str(quantity),
                    "UnitValue": str(price),
                    "TaxAddId": charge["Id"],
                    "TaxDiscountId": retefuente["Id"],
                    "WareHouseCode": "1",
                }
            )
            amounts = line_amounts(
                quantity=quantity,
                unit_value=price,
                tax_add=rate[charge["Id"]],
                tax_discount=rate[retefuente["Id"]],
            )
            lines.append(
                SalesLine(
                    index + 1,
                    0,
                    "",
                    "",
                    quantity,
                    price,
                    None,
                    rate[charge["Id"]],
                    None,
                    rate[retefuente["Id"]],
                    amounts,
                )
            )
        total = document_amounts(lines, reteiva=None, reteica=rate[reteica["Id"]]).total
        first = (total / 2).quantize(Decimal("0.01"))
        self.total = total
        self.credit_id = means["Crédito"]
        self.reteica_id = reteica["Id"]
        # The same lines in the current dialect's words.
        self.current_items = [
            {
                "code": item["ProductCode"],
                "description": item["Description"],
                "quantity": item["Quantity"],
                "price": item["UnitValue"],
                "taxes": [{"id": item["TaxAddId"]}, {"id": item["TaxDiscountId"]}],
            }
            for item in items
        ]
        self.body = {
            "Header": {
                "DocCode": fv["Id"],
                "DocDate": today,
                "SalesmanIdentification": "1",
                "RetICATotalID": reteica["Id"],
                "TotalValue": str(total),
                "Account": account,
            },
            "Items": items,
            "Payments": [
                {
                    "PaymentMeansCode": means["Crédito"],
                    "Value": str(first),
                    "DueDate": today,
                    "DueQuote": 1,
                },
                {
                    "PaymentMeansCode": means["Crédito"],
                    "Value": str(total - first),
                    "DueDate": today,
                    "DueQuote": 2,
                },
            ],
        }
        response = client.post("/Invoice/Save", json=self.body)  # creates the customer once
        response.raise_for_status()


def current_body(
    url: str, access_key: str, scenario: Scenario
) -> tuple[dict[str, str], dict[str, object]]:
    """Signs in at /auth and returns the current API's headers and the scenario's invoice."""
    signed = httpx.post(f"{url}/auth", json={"username": "admin", "access_key": access_key})
    signed.raise_for_status()
    headers = {
        "Authorization": f"Bearer {signed.json()['access_token']}",
        "Partner-Id": "FacturoBench",
    }
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        types = client.get("/v1/document-types", params={"type": "FV"}).json()
        seller = client.get("/v1/users").json()["results"][0]["id"]
        warehouse = client.get("/v1/warehouses").json()[0]["id"]
    today = (datetime.now(UTC) - timedelta(hours=5)).date().isoformat()
    body = {
        "document": {"id": next(t["id"] for t in types if t["automatic_number"])},
        "date": today,
        "customer": {"identification": CUSTOMER, "branch_office": 0},
        "seller": seller,
        "retentions": [{"id": scenario.reteica_id}],
        "items": [{**item, "warehouse": warehouse} for item in scenario.current_items],
        "payments": [{"id": scenario.credit_id, "value": str(scenario.total), "due_date": today}],
    }
    return headers, body


async def drive(
    base: str,
    headers: dict[str, str],
    operation: str,
    clients: int,
    requests: int,
    make_request: object,
) -> Result:
    latencies: list[float] = []
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=120, limits=limits
    ) as client:

        async def worker() -> None:
            for index in counter:
                started = time.perf_counter()
                response = await make_request(client, index)  # type: ignore[operator]
                latencies.append((time.perf_counter() - started) * 1000)
                if not response.is_success:
                    raise RuntimeError(f"{operation}: {response.status_code} {response.text[:400]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return Result(operation, clients, requests, elapsed, latencies)


def vacuum(engine: sa.Engine) -> None:
    """What autovacuum does for a live company: statistics and the visibility map."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def fill_up(database_url: str, target: int) -> int:
    """Copies issued invoices (header, lines, installments) until the company has ``target``."""
    engine = sa.create_engine(sa.engine.make_url(database_url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        have = connection.execute(sa.text("SELECT count(*) FROM sales_documents")).scalar_one()
        missing = target - have
        if missing <= 0:
            return int(have)
        columns = [
            row[0]
            for row in connection.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'sales_documents' "
                    "AND column_name NOT IN ('id', 'guid', 'number', 'idempotency_key') ORDER BY ordinal_position"
                )
            )
        ]
        listed = ", ".join(columns)
        connection.execute(
            sa.text(
                f"INSERT INTO sales_documents (id, guid, number, {listed}) "  # noqa: S608 - column names from the catalog
                f"SELECT nextval('sales_documents_id_seq'), gen_random_uuid(), 1000000000 + n, {listed} "
                "FROM (SELECT * FROM sales_documents ORDER BY id LIMIT 1) AS template, generate_series(1, :missing) AS n"
            ),
            {"missing": missing},
        )
        connection.execute(
            sa.text(
                "INSERT INTO sales_document_lines SELECT l.company_id, d.id, l.line_number, l.product_id, l.product_code, "
                "l.description, l.quantity, l.unit_value, l.discount_percentage, l.gross, l.discount, l.base, "
                "l.tax_add_id, l.tax_add_name, l.tax_add_type, l.tax_add_percentage, l.tax_add_value, "
                "l.tax_add2_id, l.tax_add2_name, l.tax_add2_type, l.tax_add2_percentage, l.tax_add2_value, "
                "l.tax_discount_id, l.tax_discount_name, l.tax_discount_type, l.tax_discount_percentage, "
                "l.tax_discount_value, l.total, l.warehouse_id, l.seller_id "
                "FROM sales_documents d JOIN sales_document_lines l ON l.document_id = "
                "(SELECT min(id) FROM sales_documents) WHERE d.number > 1000000000"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO installments (company_id, id, document_id, position, payment_means_id, amount, balance, "
                "due_date, due_quote) SELECT i.company_id, nextval('installments_id_seq'), d.id, i.position, "
                "i.payment_means_id, i.amount, i.balance, i.due_date, i.due_quote FROM sales_documents d "
                "JOIN installments i ON i.document_id = (SELECT min(id) FROM sales_documents) WHERE d.number > 1000000000"
            )
        )
        total = int(
            connection.execute(sa.text("SELECT count(*) FROM sales_documents")).scalar_one()
        )
    vacuum(engine)
    return total


async def run(running: Running, database_url: str, invoices: int, fill: int) -> list[Result]:
    url = running.url
    token = httpx.post(
        f"{url}/connect/token",
        content=f"grant_type=password&username=bench\\admin&password={PASSWORD}&scope=WebApi",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": SIIGO_WEB_BASIC,
        },
    ).json()["access_token"]
    base = f"{url}/siigo/api/v1"
    legacy = {"Authorization": token}
    with httpx.Client(base_url=base, headers=legacy, timeout=60) as client:
        scenario = Scenario(client)
    current, current_invoice = current_body(url, running.access_key, scenario)

    async def save(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.post("/Invoice/Save", json=scenario.body)

    async def post_invoice(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.post("/v1/invoices", json=current_invoice)

    results = []
    for clients, count in ((1, max(50, invoices // 10)), (8, invoices), (32, invoices)):
        results.append(await drive(base, legacy, "Invoice/Save (10 lines)", clients, count, save))
        results.append(
            await drive(url, current, "POST /v1/invoices (10 lines)", clients, count, post_invoice)
        )
    total = fill_up(database_url, fill)
    pages = total // 100

    async def page(client: httpx.AsyncClient, index: int) -> httpx.Response:
        return await client.get("/Invoice/GetAll", params={"numberPage": (index * 7919) % pages})

    results.append(await drive(base, legacy, f"Invoice/GetAll ({total:,} invoices)", 1, 300, page))
    results.append(await drive(base, legacy, f"Invoice/GetAll ({total:,} invoices)", 8, 1000, page))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", required=True, help="PostgreSQL server (a scratch database is made)"
    )
    parser.add_argument("--invoices", type=int, default=2000, help="invoices per concurrency level")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--fill", type=int, default=100_000, help="invoices in the company for GetAll"
    )
    args = parser.parse_args()
    with (
        scratch_database(args.database_url) as database_url,
        server(database_url, args.workers) as running,
    ):
        results = asyncio.run(run(running, database_url, args.invoices, args.fill))
    print(
        f"\nFacturo, PostgreSQL, {args.workers} server process(es), {os.cpu_count()} CPU cores shared with the clients\n"
    )
    print(
        "| operation                        | clients | requests |    req/s | median ms |   p99 ms |"
    )
    print(
        "|----------------------------------|--------:|---------:|---------:|----------:|---------:|"
    )
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
