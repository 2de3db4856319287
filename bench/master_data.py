"""Benchmark: create terceros and products through the legacy API, then page through them.

Starts a real Facturo server (``facturo serve``) on a fresh database, creates a company,
signs in at /connect/token and drives the API over HTTP from a pool of client threads.
Prints one table: requests per second and median / p99 latency per operation.

    .venv/bin/python bench/master_data.py                      # embedded SQLite
    .venv/bin/python bench/master_data.py --database-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/master_data.py --count 1000 --concurrency 4
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

BIN = Path(sys.executable).parent
SIIGO_WEB_BASIC = "Basic U2lpZ29XZWI6QUJBMDhCNkEtQjU2Qy00MEE1LTkwQ0YtN0MxRTU0ODkxQjYx"
PASSWORD = "clave-benchmark-1"


@dataclass
class Result:
    operation: str
    requests: int
    seconds: float
    latencies_ms: list[float]

    def row(self) -> str:
        ordered = sorted(self.latencies_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"| {self.operation:<28} | {self.requests:>8} | {self.seconds:>8.2f} | "
            f"{self.requests / self.seconds:>9.1f} | {statistics.median(ordered):>9.2f} | {p99:>9.2f} |"
        )


@contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    admin_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    name = f"facturo_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def running_server(database_url: str | None, workdir: Path) -> Iterator[str]:
    env = {**os.environ, "FACTURO_SECRET_KEY": secrets.token_urlsafe(40)}
    if database_url:
        env["FACTURO_DATABASE_URL"] = database_url
        subprocess.run(
            [BIN / "facturo", "db", "upgrade"],
            cwd=workdir,
            env=env,
            check=True,
            capture_output=True,
        )
    else:
        env.pop("FACTURO_DATABASE_URL", None)
    subprocess.run(
        [
            BIN / "facturo", "company", "create", "--key", "bench", "--name", "Benchmark SAS",
            "--nit", "900123456", "--admin-username", "admin", "--admin-identification", "1",
            "--admin-password", PASSWORD, "--json",
        ],
        cwd=workdir, env=env, check=True, capture_output=True,
    )  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [BIN / "facturo", "serve", "--port", str(port)],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def token(url: str) -> str:
    response = httpx.post(
        f"{url}/connect/token",
        content=f"grant_type=password&username=bench\\admin&password={PASSWORD}&scope=WebApi",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": SIIGO_WEB_BASIC,
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def drive(
    operation: str,
    count: int,
    concurrency: int,
    client_factory: Callable[[], httpx.Client],
    call: Callable[[httpx.Client, int], httpx.Response],
) -> Result:
    clients = [client_factory() for _ in range(concurrency)]
    latencies: list[float] = []

    def work(worker: int) -> list[float]:
        client, timings = clients[worker], []
        for index in range(worker, count, concurrency):
            started = time.perf_counter()
            response = call(client, index)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(
                    f"{operation} #{index}: {response.status_code} {response.text[:300]}"
                )
        return timings

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for timings in pool.map(work, range(concurrency)):
            latencies.extend(timings)
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return Result(operation, count, elapsed, latencies)


def tercero(index: int) -> dict[str, object]:
    return {
        "IsCustomer": True,
        "IsSocialReason": index % 2 == 0,
        "FullName": f"Cliente {index} SAS",
        "FirstName": f"Nombre{index}",
        "LastName": f"Apellido{index}",
        "IdTypeCode": "31" if index % 2 == 0 else "13",
        "Identification": str(700000000 + index),
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": f"Calle {index % 200} # {index % 90}-{index % 50}",
        "Phone": {"Number": str(3000000000 + index)},
        "EMail": f"cliente{index}@example.co",
    }


def product(index: int, group_id: int, tax_id: int) -> dict[str, object]:
    return {
        "Code": f"P{index:06d}",
        "Description": f"Producto {index}",
        "ProductTypeKey": "ProductType_Product",
        "AccountGroupID": group_id,
        "TaxAddID": tax_id,
        "IsInventoryControl": True,
        "State": 1,
        "PriceList1": 1000 + index,
        "PriceList2": 900 + index,
        "MeasurementUnitCode": "94",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (a scratch database is created there)"
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        postgres = scratch_postgres(args.database_url) if args.database_url else None
        database_url = postgres.__enter__() if postgres else None
        try:
            with running_server(database_url, Path(directory)) as url:
                results = run(url, args.count, args.concurrency)
        finally:
            if postgres:
                postgres.__exit__(None, None, None)
    backend = "PostgreSQL" if args.database_url else "SQLite (embedded)"
    print(
        f"\nFacturo legacy API, {backend}, {args.concurrency} client threads, one server process\n"
    )
    print(
        "| operation                    | requests |        s |     req/s | median ms |    p99 ms |"
    )
    print(
        "|------------------------------|---------:|---------:|----------:|----------:|----------:|"
    )
    for result in results:
        print(result.row())


def run(url: str, count: int, concurrency: int) -> list[Result]:
    access = token(url)
    base = f"{url}/siigo/api/v1"

    def client() -> httpx.Client:
        return httpx.Client(base_url=base, headers={"Authorization": access}, timeout=60)

    with client() as probe:
        group_id = probe.get("/AccountGroups/GetAll").json()[0]["Id"]
        tax_id = next(t["Id"] for t in probe.get("/Taxes/GetAll").json() if t["TaxType"] == "IVA")
    results = [
        drive(
            "Accounts/Create",
            count,
            concurrency,
            client,
            lambda c, i: c.post("/Accounts/Create", json=tercero(i)),
        ),
        drive(
            "Products/Create",
            count,
            concurrency,
            client,
            lambda c, i: c.post("/Products/Create", json=product(i, group_id, tax_id)),
        ),
    ]
    pages = -(-count // 100) + 1  # every page, and the empty one after the last
    for resource in ("Accounts", "Products"):
        results.append(
            drive(
                f"{resource}/GetAll (100/page)",
                pages,
                concurrency,
                client,
                lambda c, i, r=resource: c.get(f"/{r}/GetAll", params={"numberPage": i}),
            )
        )
    with client() as check:
        last = check.get("/Accounts/GetAll", params={"numberPage": pages - 1}).json()
        assert last == [], json.dumps(last)[:200]
    return results


if __name__ == "__main__":
    main()
