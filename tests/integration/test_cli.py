"""The real ``facturo`` console script, run as an operator would, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from facturo.domain.access import Actor
from facturo.domain.errors import AuthenticationFailed
from facturo.domain.products import ProductData, ProductType
from facturo.services import access_keys, auth, companies, products
from facturo.services.context import ServiceContext
from facturo.store.migrate import head_revision
from tests.conftest import (
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    SIIGO_WEB_BASIC,
    TEST_SECRET,
    fast_settings,
)

FACTURO = Path(sys.executable).parent / "facturo"
PASSWORD = "clave-admin-2024"


def base_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FACTURO_")}
    env.update(
        FACTURO_ARGON2_TIME_COST="1", FACTURO_ARGON2_MEMORY_KIB="64", FACTURO_ARGON2_PARALLELISM="1"
    )
    return env


@dataclass
class Cli:
    """``facturo`` in a working directory with one database."""

    cwd: Path
    env: dict[str, str]

    @property
    def database_url(self) -> str:
        return self.env["FACTURO_DATABASE_URL"]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FACTURO), *args],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr or result.stdout
        return result.stdout

    def ok_json(self, *args: str) -> Any:
        output = self.ok(*args, "--json")
        assert len(output.splitlines()) == 1, output
        return json.loads(output)

    def fails(self, *args: str, **env: str) -> str:
        """The one line a failure prints on stderr (nothing on stdout)."""
        result = self.run(*args, **env)
        assert result.returncode != 0, result.stdout
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]

    def fails_json(self, *args: str, **env: str) -> dict[str, Any]:
        """The one JSON object a failure prints on stdout with --json."""
        result = self.run(*args, "--json", **env)
        assert result.returncode != 0, result.stdout
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert len(lines) == 1, result.stdout
        payload: dict[str, Any] = json.loads(lines[0])
        assert isinstance(payload["error"], str) and payload["error"]
        return payload

    def company(self, *, nit: str = "900123456") -> str:
        key = f"empresa{secrets.token_hex(4)}"
        created = self.ok_json(*company_args(key, nit=nit))
        assert created["key"] == key
        return key


def company_args(key: str, *, nit: str = "900123456", admin: str = "admin@empresa.co") -> list[str]:
    return [
        "company",
        "create",
        "--key",
        key,
        "--name",
        f"Empresa {key} SAS",
        "--nit",
        nit,
        "--admin-username",
        admin,
        "--admin-password",
        PASSWORD,
        "--admin-identification",
        "1020304050",
    ]


def violations(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["code"], v["field"]) for v in payload["violations"]]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A scratch database on the test server, dropped afterwards."""
    admin_url = sa.engine.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"facturo_cli_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    try:
        url = admin_url.set(drivername="postgresql", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_cli(backend: str, directory: Path) -> Iterator[Cli]:
    """A CLI over an empty database (not migrated)."""
    env = base_environment()
    if backend == "sqlite":
        env["FACTURO_DATABASE_URL"] = f"sqlite:///{directory}/var/facturo.db"
        yield Cli(directory, env)
        return
    with postgres_database() as url:
        env["FACTURO_DATABASE_URL"] = url
        env["FACTURO_SECRET_KEY"] = TEST_SECRET
        yield Cli(directory, env)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=BACKENDS)
def empty_cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    with fresh_cli(request.param, tmp_path) as cli:
        yield cli


@pytest.fixture(scope="module")
def sqlite_cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A CLI over a migrated SQLite database shared by the module's tests; each test works in
    companies of its own."""
    with fresh_cli("sqlite", tmp_path_factory.mktemp("cli")) as shared:
        shared.ok("db", "upgrade")
        yield shared


@pytest.fixture(scope="module", params=BACKENDS)
def cli(
    request: pytest.FixtureRequest, sqlite_cli: Cli, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cli]:
    """The shared CLI on each backend, for the commands that also run against PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_cli
        return
    with fresh_cli(request.param, tmp_path_factory.mktemp("cli")) as shared:
        shared.ok("db", "upgrade")
        yield shared


@pytest.fixture(scope="module")
def contexts() -> Iterator[dict[str, ServiceContext]]:
    made: dict[str, ServiceContext] = {}
    yield made
    for ctx in made.values():
        ctx.database.dispose()


def services_over(contexts: dict[str, ServiceContext], cli: Cli) -> ServiceContext:
    """The services over the CLI's database, to check what the commands did."""
    if cli.database_url not in contexts:
        contexts[cli.database_url] = ServiceContext.from_settings(fast_settings(cli.database_url))
    return contexts[cli.database_url]


@pytest.fixture
def services(cli: Cli, contexts: dict[str, ServiceContext]) -> ServiceContext:
    return services_over(contexts, cli)


@pytest.fixture
def sqlite_services(sqlite_cli: Cli, contexts: dict[str, ServiceContext]) -> ServiceContext:
    return services_over(contexts, sqlite_cli)


def operator(services: ServiceContext, key: str) -> Actor:
    company = companies.get_by_key(services, key)
    assert company.id is not None
    return Actor.operator(company.id)


def test_db_upgrade_reports_the_revisions(empty_cli: Cli) -> None:
    head = head_revision()
    assert empty_cli.ok_json("db", "upgrade") == {"from": None, "to": head}
    assert empty_cli.ok_json("db", "upgrade") == {"from": head, "to": head}
    assert empty_cli.ok("db", "upgrade") == f"database at revision {head} (already up to date)\n"


def test_company_create_with_check_digit(cli: Cli, services: ServiceContext) -> None:
    key = f"Empresa{secrets.token_hex(4)}"
    created = cli.ok_json(*company_args(key, nit="800.197.268-4", admin="Admin@Empresa.CO"))
    assert created["key"] == key.lower()
    assert (created["nit"], created["check_digit"]) == ("800197268", 4)
    assert created["admin"]["username"] == "admin@empresa.co"
    assert isinstance(created["id"], int) and isinstance(created["admin"]["id"], int)
    admin = auth.sign_in(services, key.lower(), "admin@empresa.co", PASSWORD)
    assert admin.id == created["admin"]["id"]


def test_company_create_computes_the_check_digit(sqlite_cli: Cli) -> None:
    key = f"empresa{secrets.token_hex(4)}"
    output = sqlite_cli.ok(*company_args(key, nit="830084433"))
    assert output == (
        f"company {key} created (NIT 830084433-7); administrator: {key}\\admin@empresa.co\n"
    )


def test_company_create_refuses_a_wrong_check_digit(cli: Cli) -> None:
    key = f"empresa{secrets.token_hex(4)}"
    line = cli.fails(*company_args(key, nit="800197268-5"))
    assert line == "error: The field nit is wrong: the check digit of NIT 800197268 is 4"
    payload = cli.fails_json(*company_args(key, nit="800197268-5"))
    assert violations(payload) == [("invalid_value", "nit")]
    assert key not in cli.ok("company", "list")


def test_company_create_refuses_a_duplicate_key(cli: Cli) -> None:
    key = cli.company()
    assert cli.fails(*company_args(key.upper())) == (
        f"error: A company with key {key} already exists"
    )
    payload = cli.fails_json(*company_args(key))
    assert violations(payload) == [("already_exists", "key")]


def test_company_create_reports_every_violation(sqlite_cli: Cli) -> None:
    args = company_args("x", nit="12AB")
    args[args.index("--admin-password") + 1] = "corta"
    payload = sqlite_cli.fails_json(*args)
    assert set(violations(payload)) == {
        ("invalid_value", "key"),
        ("invalid_identification", "nit"),
        ("length_min", "admin_password"),
    }


def test_company_list(cli: Cli) -> None:
    key = cli.company(nit="901210113")
    listed = {c["key"]: c for c in cli.ok_json("company", "list")}
    assert listed[key] == {
        "id": listed[key]["id"],
        "key": key,
        "name": f"Empresa {key} SAS",
        "nit": "901210113",
        "active": True,
    }
    assert f"{key}\t901210113-3\tEmpresa {key} SAS" in cli.ok("company", "list").splitlines()


@pytest.mark.parametrize("user_type", ["full", "lite", "payroll"])
def test_user_create_each_type(cli: Cli, services: ServiceContext, user_type: str) -> None:
    key = cli.company()
    created = cli.ok_json(
        "user", "create", "--company", key, "--username", "Camilo@Empresa.co",
        "--type", user_type, "--identification", "1032456789", "--password", PASSWORD,
        "--first-name", "Camilo", "--last-name", "Rojas", "--email", "camilo@empresa.co",
    )  # fmt: skip
    expected = {
        "username": "camilo@empresa.co",
        "type": user_type,
        "identification": "1032456789",
        "first_name": "Camilo",
        "last_name": "Rojas",
        "email": "camilo@empresa.co",
        "active": True,
        "must_change_password": False,
    }
    assert created == {"id": created["id"], **expected}
    listed = cli.ok_json("user", "list", "--company", key)
    assert [u["username"] for u in listed] == ["admin@empresa.co", "camilo@empresa.co"]
    assert listed[1] == created
    assert auth.sign_in(services, key, "camilo@empresa.co", PASSWORD).id == created["id"]


def test_user_create_text_output(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    output = sqlite_cli.ok(
        "user", "create", "--company", key, "--username", "nomina", "--type", "payroll",
        "--identification", "555", "--password", PASSWORD,
    )  # fmt: skip
    assert output == f"user nomina (Gestor de nómina) created in {key}\n"
    assert (
        "nomina\tpayroll\t555\tactivo"
        in sqlite_cli.ok("user", "list", "--company", key).splitlines()
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"--password": "corta"}, [("length_min", "password")]),
        ({"--username": "admin@empresa.co"}, [("already_exists", "username")]),
        ({"--identification": "1020304050"}, [("already_exists", "identification")]),
        ({"--email": "no-es-correo"}, [("invalid_email", "email")]),
    ],
    ids=["weak-password", "duplicate-username", "duplicate-identification", "bad-email"],
)
def test_user_create_refusals(
    sqlite_cli: Cli, changes: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    key = sqlite_cli.company()
    options = {
        "--company": key,
        "--username": "vendedor",
        "--type": "lite",
        "--identification": "1032456789",
        "--password": PASSWORD,
        **changes,
    }
    args = ["user", "create", *[part for option in options.items() for part in option]]
    assert violations(sqlite_cli.fails_json(*args)) == expected
    assert len(sqlite_cli.ok_json("user", "list", "--company", key)) == 1


def test_user_create_in_unknown_company(sqlite_cli: Cli) -> None:
    args = [
        "user", "create", "--company", "nadie", "--username", "x", "--type", "full",
        "--identification", "1", "--password", PASSWORD,
    ]  # fmt: skip
    assert sqlite_cli.fails(*args) == "error: The company nadie was not found"
    assert sqlite_cli.fails_json(*args) == {"error": "The company nadie was not found"}


def test_user_set_password(cli: Cli, services: ServiceContext) -> None:
    key = cli.company()
    before = auth.sign_in(services, key, "admin@empresa.co", PASSWORD)
    changed = cli.ok_json(
        "user", "set-password", "--company", key, "--username", "ADMIN@empresa.co",
        "--password", "nueva-clave-2024", "--temporary",
    )  # fmt: skip
    assert (changed["username"], changed["must_change_password"]) == ("admin@empresa.co", True)
    after = auth.sign_in(services, key, "admin@empresa.co", "nueva-clave-2024")
    assert after.token_version == before.token_version + 1
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(services, key, "admin@empresa.co", PASSWORD)


def test_user_set_password_refusals(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    args = ["user", "set-password", "--company", key, "--username"]
    assert sqlite_cli.fails(*args, "fantasma", "--password", "nueva-clave-2024") == (
        "error: The user fantasma was not found"
    )
    payload = sqlite_cli.fails_json(*args, "admin@empresa.co", "--password", "corta")
    assert violations(payload) == [("length_min", "password")]


def test_user_deactivate(cli: Cli, services: ServiceContext) -> None:
    key = cli.company()
    cli.ok(
        "user", "create", "--company", key, "--username", "vendedor", "--type", "lite",
        "--identification", "777", "--password", PASSWORD,
    )  # fmt: skip
    deactivated = cli.ok_json("user", "deactivate", "--company", key, "--username", "vendedor")
    assert (deactivated["username"], deactivated["active"]) == ("vendedor", False)
    listed = {u["username"]: u["active"] for u in cli.ok_json("user", "list", "--company", key)}
    assert listed == {"admin@empresa.co": True, "vendedor": False}
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(services, key, "vendedor", PASSWORD)


def test_access_key_create_list_revoke(cli: Cli, services: ServiceContext) -> None:
    key = cli.company()
    issued = cli.ok_json(
        "user", "access-key", "create", "--company", key, "--username", "admin@empresa.co",
        "--label", "tienda en línea",
    )  # fmt: skip
    assert issued["username"] == "admin@empresa.co"
    assert issued["label"] == "tienda en línea"
    assert issued["active"] is True
    token = access_keys.sign_in(services, "admin@empresa.co", issued["access_key"])
    assert access_keys.actor_from_token(services, token.access_token).company_id == (
        companies.get_by_key(services, key).id
    )
    listed = cli.ok_json("user", "access-key", "list", "--company", key)
    assert [k["key_id"] for k in listed] == [issued["key_id"]]
    assert "access_key" not in listed[0]
    text = cli.ok("user", "access-key", "list", "--company", key, "--username", "admin@empresa.co")
    assert issued["key_id"] in text and "activa" in text
    assert issued["access_key"] not in text
    revoked = cli.ok_json(
        "user", "access-key", "revoke", "--company", key, "--key-id", issued["key_id"]
    )
    assert revoked == {"key_id": issued["key_id"], "active": False}
    with pytest.raises(AuthenticationFailed):
        access_keys.actor_from_token(services, token.access_token)
    with pytest.raises(AuthenticationFailed):
        access_keys.sign_in(services, "admin@empresa.co", issued["access_key"])


def test_access_key_text_output_shows_the_key_once(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    output = sqlite_cli.ok(
        "user", "access-key", "create", "--company", key, "--username", "admin@empresa.co"
    )
    assert "It is shown only now" in output
    assert "POST /auth" in output


def test_access_key_refusals(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    other = sqlite_cli.company()
    assert "user" in sqlite_cli.fails(
        "user", "access-key", "create", "--company", key, "--username", "nadie"
    )
    issued = sqlite_cli.ok_json(
        "user", "access-key", "create", "--company", key, "--username", "admin@empresa.co"
    )
    # Another company's operator cannot revoke it.
    line = sqlite_cli.fails(
        "user", "access-key", "revoke", "--company", other, "--key-id", issued["key_id"]
    )
    assert line.startswith("error: ") and "access key" in line
    assert sqlite_cli.fails(
        "user", "access-key", "revoke", "--company", key, "--key-id", "nope"
    ).startswith("error: ")
    line = sqlite_cli.fails(
        "user", "access-key", "create", "--company", key, "--username", "admin@empresa.co",
        "--label", "x" * 101,
    )  # fmt: skip
    assert "label" in line


def test_last_administrator_cannot_be_deactivated(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    line = sqlite_cli.fails(
        "user", "deactivate", "--company", key, "--username", "admin@empresa.co"
    )
    assert line.startswith("error: ")
    assert "cannot be deactivated" in line
    assert sqlite_cli.ok_json("user", "list", "--company", key)[0]["active"] is True


def test_client_add_list_disable_enable(sqlite_cli: Cli, sqlite_services: ServiceContext) -> None:
    client_id = f"MiApp{secrets.token_hex(3)}"
    added = sqlite_cli.ok_json(
        "client", "add", "--client-id", client_id, "--name", "Mi integración"
    )
    assert added["client_id"] == client_id
    secret = added["client_secret"]
    assert len(secret) >= 32
    assert auth.authenticate_client(sqlite_services, client_id, secret).client_id == client_id

    listed = {c["client_id"]: c for c in sqlite_cli.ok_json("client", "list")}
    assert listed[client_id] == {"client_id": client_id, "name": "Mi integración", "active": True}
    assert listed["SiigoWeb"]["active"] is True

    assert sqlite_cli.ok_json("client", "disable", "--client-id", client_id) == {
        "client_id": client_id,
        "active": False,
    }
    assert f"{client_id}\tdisabled\tMi integración" in sqlite_cli.ok("client", "list").splitlines()
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_client(sqlite_services, client_id, secret)

    assert (
        sqlite_cli.ok("client", "enable", "--client-id", client_id)
        == f"client {client_id} enabled\n"
    )
    assert auth.authenticate_client(sqlite_services, client_id, secret).active


def test_client_refusals(sqlite_cli: Cli) -> None:
    assert sqlite_cli.fails("client", "add", "--client-id", "SiigoWeb", "--name", "Otra") == (
        "error: The client SiigoWeb already exists"
    )
    assert sqlite_cli.fails_json("client", "enable", "--client-id", "Nadie") == {
        "error": "The client Nadie was not found"
    }
    assert sqlite_cli.fails("client", "disable", "--client-id", "Nadie") == (
        "error: The client Nadie was not found"
    )


def stocked_product(services: ServiceContext, key: str, *, stock_control: bool = True) -> str:
    actor = operator(services, key)
    with services.unit_of_work(read_only=True) as uow:
        group_id = uow.account_groups.all(actor.company_id)[0].id
    code = f"P-{secrets.token_hex(3)}"
    products.create(
        services,
        actor,
        ProductData(
            code=code,
            name="Taladro percutor 550 W",
            product_type=ProductType.PRODUCT,
            account_group_id=group_id,
            stock_control=stock_control,
        ),
    )
    return code


def test_stock_adjust(cli: Cli, services: ServiceContext) -> None:
    key = cli.company()
    code = stocked_product(services, key)
    args = ["stock", "adjust", "--company", key, "--product", code, "--warehouse", "1"]
    added = cli.ok_json(*args, "--quantity", "5.5", "--note", "Inventario inicial")
    assert isinstance(added["movement_id"], int)
    assert (added["product"], added["warehouse"]) == (code, "1")
    assert Decimal(added["quantity"]) == Decimal("5.5")
    assert Decimal(added["balance"]) == Decimal("5.5")
    assert cli.ok(*args, "--quantity", "-2") == f"{code} in 1: -2 → 3.5\n"
    balance = products.stock_balance(services, operator(services, key), code=code)
    assert balance.total == Decimal("3.5")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-10", "Not enough stock"),
        ("abc", "--quantity must be a number, not 'abc'"),
        ("0", "cannot be zero"),
    ],
)
def test_stock_adjust_refusals(
    sqlite_cli: Cli, sqlite_services: ServiceContext, quantity: str, message: str
) -> None:
    key = sqlite_cli.company()
    code = stocked_product(sqlite_services, key)
    line = sqlite_cli.fails(
        "stock", "adjust", "--company", key, "--product", code, "--warehouse", "1",
        "--quantity", quantity,
    )  # fmt: skip
    assert line.startswith("error: ")
    assert message in line
    assert (
        products.stock_balance(sqlite_services, operator(sqlite_services, key), code=code).total
        == 0
    )


def test_stock_adjust_reports_unknown_product_and_warehouse(sqlite_cli: Cli) -> None:
    key = sqlite_cli.company()
    payload = sqlite_cli.fails_json(
        "stock", "adjust", "--company", key, "--product", "NOPE", "--warehouse", "9",
        "--quantity", "1",
    )  # fmt: skip
    assert violations(payload) == [
        ("invalid_reference", "product_code"),
        ("invalid_reference", "warehouse_code"),
    ]


def test_stock_adjust_refuses_a_product_without_stock_control(
    sqlite_cli: Cli, sqlite_services: ServiceContext
) -> None:
    key = sqlite_cli.company()
    code = stocked_product(sqlite_services, key, stock_control=False)
    payload = sqlite_cli.fails_json(
        "stock", "adjust", "--company", key, "--product", code, "--warehouse", "1",
        "--quantity", "1",
    )  # fmt: skip
    assert violations(payload) == [("product_settings", "product_code")]


def test_demo_is_idempotent_and_prints_credentials(empty_cli: Cli) -> None:
    empty_cli.ok("db", "upgrade")
    first = empty_cli.ok("demo")
    assert "Empresa demo creada: clave demo" in first
    assert "demo\\admin  contraseña: demo-facturo" in first
    assert "demo\\vendedor  contraseña: demo-facturo" in first
    assert "/connect/token" in first
    assert "POST /auth" in first
    assert "Empresa demo lista: clave demo" in empty_cli.ok("demo")
    again = empty_cli.ok_json("demo")
    access_key = again.pop("access_key")
    assert again == {
        "company_key": "demo",
        "admin": "admin",
        "seller": "vendedor",
        "password": "demo-facturo",
        "created": False,
    }
    # Each run prints a fresh key and revokes the demo keys printed before it.
    assert access_key not in first
    keys = empty_cli.ok_json("user", "access-key", "list", "--company", "demo")
    assert [k["active"] for k in keys] == [False, False, True]
    assert [c["key"] for c in empty_cli.ok_json("company", "list")] == ["demo"]
    users = {
        u["username"]: u["type"] for u in empty_cli.ok_json("user", "list", "--company", "demo")
    }
    assert users == {"admin": "full", "vendedor": "lite"}
    ctx = ServiceContext.from_settings(fast_settings(empty_cli.database_url))
    try:
        assert auth.sign_in(ctx, "demo", "admin", "demo-facturo").username == "admin"
        assert access_keys.sign_in(ctx, "admin", access_key).expires_in == 86400
        stocked = products.stock_balance(ctx, operator(ctx, "demo"), code="TORN-001")
        assert stocked.total > 0
    finally:
        ctx.database.dispose()


def test_postgresql_without_secret_key_fails_with_one_line(tmp_path: Path) -> None:
    env = {**base_environment(), "FACTURO_DATABASE_URL": "postgresql://facturo@127.0.0.1:1/x"}
    cli = Cli(tmp_path, env)
    assert cli.fails("company", "list") == (
        "error: FACTURO_SECRET_KEY is required when the database is not the embedded SQLite file"
    )
    assert cli.fails_json("company", "list") == {
        "error": "FACTURO_SECRET_KEY is required when the database is not the embedded SQLite file"
    }


def test_short_secret_key_fails_with_one_line(tmp_path: Path) -> None:
    env = {**base_environment(), "FACTURO_DATABASE_URL": f"sqlite:///{tmp_path}/facturo.db"}
    cli = Cli(tmp_path, env)
    assert cli.fails("company", "list", FACTURO_SECRET_KEY="corta") == (
        "error: FACTURO_SECRET_KEY must be at least 32 characters long"
    )


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("FACTURO_DATABASE_URL", "mysql://root@localhost/facturo", "SQLite or PostgreSQL"),
        ("FACTURO_PORT", "abc", "FACTURO_PORT"),
    ],
    ids=["unsupported-database", "bad-port"],
)
def test_bad_configuration_fails_with_one_line(
    tmp_path: Path, variable: str, value: str, words: str
) -> None:
    cli = Cli(tmp_path, base_environment())
    line = cli.fails("company", "list", **{variable: value})
    assert line.startswith("error: ")
    assert words in line
    payload = cli.fails_json("company", "list", **{variable: value})
    assert words in payload["error"]


def test_unreachable_database_fails_with_one_line(tmp_path: Path) -> None:
    env = {
        **base_environment(),
        "FACTURO_DATABASE_URL": "postgresql://facturo@127.0.0.1:1/facturo",
        "FACTURO_SECRET_KEY": TEST_SECRET,
    }
    line = Cli(tmp_path, env).fails("company", "list")
    assert line.startswith("error: ")


@pytest.mark.parametrize(
    "args",
    [
        ["user", "create", "--company", "x", "--username", "y", "--type", "jefe",
         "--identification", "1", "--password", PASSWORD],
        ["company", "create", "--key", "x"],
    ],
    ids=["bad-user-type", "missing-options"],
)  # fmt: skip
def test_usage_errors_fail_with_one_line(tmp_path: Path, args: list[str]) -> None:
    env = {**base_environment(), "FACTURO_DATABASE_URL": f"sqlite:///{tmp_path}/facturo.db"}
    Cli(tmp_path, env).fails(*args)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serving(cwd: Path, env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    with open(cwd / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [str(FACTURO), "serve", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_for_health(base_url: str, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"facturo serve exited with {process.returncode}: {log.read_text()}")
        try:
            response = httpx.get(f"{base_url}/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        if response.status_code == 200:
            return response
        time.sleep(0.1)
    pytest.fail(f"facturo serve did not answer /health: {log.read_text()}")


def test_serve_on_the_embedded_default_migrates_and_serves(tmp_path: Path) -> None:
    """No configuration at all: ./var/facturo.db does not exist until serve creates it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with serving(tmp_path, base_environment(), port) as process:
        health = wait_for_health(base_url, process, tmp_path / "serve.log")
        assert health.json()["status"] == "ok"
        with sqlite3.connect(tmp_path / "var" / "facturo.db") as database:
            (revision,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision == head_revision()
        assert (tmp_path / "var" / "secret.key").exists()

        openapi = httpx.get(f"{base_url}/openapi.json", timeout=10)
        assert openapi.status_code == 200
        assert "/health" in openapi.json()["paths"]
        docs = httpx.get(f"{base_url}/docs", timeout=10)
        assert docs.status_code == 200
        assert "text/html" in docs.headers["content-type"]

        token = httpx.post(
            f"{base_url}/connect/token",
            content="grant_type=password&username=nadie\\admin&password=x&scope=WebApi",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": SIIGO_WEB_BASIC,
            },
            timeout=10,
        )
        assert token.status_code == 400
        assert token.json()["error"] == "invalid_grant"


@pytest.mark.postgresql
def test_serve_refuses_an_unmigrated_postgresql_database(tmp_path: Path) -> None:
    with fresh_cli("postgresql", tmp_path) as cli:
        line = cli.fails("serve", "--port", str(free_port()))
        assert (
            line == "error: the database schema is not up to date: run `facturo db upgrade` first"
        )
