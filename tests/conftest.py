"""Fixtures shared by the whole suite.

Every test that touches a database runs twice: on SQLite (a file, as the embedded default
runs) and on PostgreSQL. PostgreSQL comes from ``FACTURO_TEST_POSTGRES_URL`` (default: the
local server's ``test`` database); each run creates its own scratch database there and
drops it afterwards. Without a server the PostgreSQL half is skipped, unless
``FACTURO_REQUIRE_POSTGRES=1`` (as in CI), which makes it fail instead.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from facturo.api.app import create_app
from facturo.config import Settings
from facturo.domain.access import Actor
from facturo.domain.companies import Company
from facturo.domain.users import User
from facturo.services import companies
from facturo.services.context import ServiceContext
from facturo.store.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "FACTURO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("FACTURO_REQUIRE_POSTGRES") == "1"
ADMIN_PASSWORD = "clave-admin-2024"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-facturo"
SIIGO_WEB_BASIC = "Basic U2lpZ29XZWI6QUJBMDhCNkEtQjU2Qy00MEE1LTkwQ0YtN0MxRTU0ODkxQjYx"


def fast_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests: a fixed secret and cheap Argon2 (the cost is not what is tested)."""
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _postgres_scratch_database() -> Iterator[str]:
    admin_url = sa.engine.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"facturo_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL is required (FACTURO_REQUIRE_POSTGRES=1) but unreachable: {error}"
            )
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "facturo.db"
        yield f"sqlite:///{path}"
    else:
        yield from _postgres_scratch_database()


@pytest.fixture(scope="session")
def ctx(database_url: str) -> Iterator[ServiceContext]:
    """A migrated database and the services over it, shared by the tests of one backend.
    Tests isolate themselves by working in companies of their own."""
    context = ServiceContext.from_settings(fast_settings(database_url))
    upgrade(context.database)
    yield context
    context.database.dispose()


@dataclass
class TenantFixture:
    company: Company
    admin: User
    password: str

    @property
    def key(self) -> str:
        return self.company.key

    @property
    def actor(self) -> Actor:
        assert self.company.id is not None and self.admin.id is not None
        return Actor(
            company_id=self.company.id, user_id=self.admin.id, user_type=self.admin.user_type
        )


@pytest.fixture
def make_company(ctx: ServiceContext) -> Callable[..., TenantFixture]:
    def make(*, key: str | None = None, nit: str = "900123456") -> TenantFixture:
        key = key or f"empresa{secrets.token_hex(4)}"
        company, admin = companies.create(
            ctx,
            companies.NewCompany(
                key=key,
                name=f"Empresa {key} SAS",
                nit=nit,
                admin_username="admin@empresa.co",
                admin_password=ADMIN_PASSWORD,
                admin_identification="1020304050",
                admin_first_name="Ana",
                admin_last_name="Administradora",
            ),
        )
        return TenantFixture(company=company, admin=admin, password=ADMIN_PASSWORD)

    return make


@pytest.fixture
def tenant(make_company: Callable[..., TenantFixture]) -> TenantFixture:
    return make_company()


class LiveServer:
    """The real application served by uvicorn on a free local port."""

    def __init__(self, context: ServiceContext) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(context), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(ctx: ServiceContext) -> Iterator[LiveServer]:
    live = LiveServer(ctx)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def legacy_token(http: httpx.Client) -> Callable[..., str]:
    """Signs in through /connect/token exactly as the integration guide shows."""

    def sign_in(
        company_key: str, username: str, password: str, scope: str = "WebApi offline_access"
    ) -> str:
        response = http.post(
            "/connect/token",
            content=f"grant_type=password&username={company_key}\\{username}&password={password}&scope={scope}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": SIIGO_WEB_BASIC,
                "Accept": "application/json",
            },
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    return sign_in


def errors_of(response: httpx.Response) -> list[tuple[str, list[str]]]:
    """(Code, Params) of each error of a legacy error body."""
    return [(error["Code"], error["Params"]) for error in response.json()["Errors"]]


def _legacy_client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/siigo/api/v1", headers={"Authorization": token}, timeout=30
    )


@pytest.fixture
def other_client(
    server: LiveServer, make_company: Callable[..., TenantFixture], legacy_token: Callable[..., str]
) -> Iterator[httpx.Client]:
    """The administrator of a second company, to check that nothing crosses companies."""
    other = make_company()
    with _legacy_client(
        server, legacy_token(other.key, "admin@empresa.co", other.password)
    ) as client:
        yield client


@pytest.fixture
def admin_client(
    server: LiveServer, tenant: TenantFixture, legacy_token: Callable[..., str]
) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the tenant's administrator (raw token, as most clients send it)."""
    with _legacy_client(
        server, legacy_token(tenant.key, "admin@empresa.co", tenant.password)
    ) as client:
        yield client


# --- the current API (POST /auth, /v1/...) ------------------------------------------------------

PARTNER_ID = "FacturoTests"


def make_access_key(
    ctx: ServiceContext, tenant: TenantFixture, username: str = "admin@empresa.co"
) -> str:
    """An access key for a user of the tenant, issued as the operator would."""
    from facturo.services import access_keys, users

    operator = Actor.operator(tenant.company.id or 0)
    user = users.find_by_username(ctx, operator, username)
    assert user is not None and user.id is not None
    return access_keys.create(ctx, operator, user.id, "tests").access_key


def current_sign_in(http: httpx.Client, username: str, access_key: str) -> str:
    response = http.post("/auth", json={"username": username, "access_key": access_key})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def current_errors(response: httpx.Response) -> list[tuple[str, list[str]]]:
    """(Code, Params) of each error of a current-API error body."""
    body = response.json()
    assert body["Status"] == response.status_code, body
    return [(error["Code"], error["Params"]) for error in body["Errors"]]


@pytest.fixture
def current_client(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture
) -> Iterator[httpx.Client]:
    """The tenant's administrator on the current API: signed in at /auth, Bearer token and
    Partner-Id on every call, as Siigo's documentation shows."""
    with signed_in_current(ctx, server, tenant) as client:
        yield client


def signed_in_current(
    ctx: ServiceContext,
    server: LiveServer,
    tenant: TenantFixture,
    username: str = "admin@empresa.co",
) -> httpx.Client:
    """A user of ``tenant`` on the current API, signed in at /auth with a fresh access key:
    Bearer token and Partner-Id on every call. Close it (``with``) when done."""
    key = make_access_key(ctx, tenant, username)
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        token = current_sign_in(anonymous, username, key)
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID},
        timeout=30,
    )


from tests.dian_env import standin_server  # noqa: E402, F401
from tests.mailbox import mailbox  # noqa: E402, F401  (a fixture every test may ask for)
