"""``facturo``: the operator's commands.

Every command takes ``--json`` for machine-readable output. A failure prints one clear
line (or a JSON object with ``error``) and exits with status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from pydantic import ValidationError

from facturo.config import ConfigurationError, Settings
from facturo.domain.access import Actor, UserType
from facturo.domain.errors import FacturoError, NotFound, RuleViolations
from facturo.domain.money import plain
from facturo.domain.users import UserData

app = typer.Typer(
    help="Facturo: invoicing and light accounting for Colombian companies.", no_args_is_help=True
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
company_app = typer.Typer(help="Companies (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Users of a company.", no_args_is_help=True)
access_key_app = typer.Typer(
    help="Access keys of the current API (POST /auth with username and access_key).",
    no_args_is_help=True,
)
user_app.add_typer(access_key_app, name="access-key")
client_app = typer.Typer(help="OAuth2 clients of the legacy token endpoint.", no_args_is_help=True)
stock_app = typer.Typer(help="Stock.", no_args_is_help=True)
report_app = typer.Typer(help="Reports.", no_args_is_help=True)
webhook_app = typer.Typer(
    help="Webhook subscriptions and their deliveries (docs/webhooks.md).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(company_app, name="company")
app.add_typer(user_app, name="user")
app.add_typer(client_app, name="client")
app.add_typer(stock_app, name="stock")
app.add_typer(report_app, name="report")
app.add_typer(webhook_app, name="webhook")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
CompanyKey = Annotated[str, typer.Option("--company", help="The company key.")]


class CommandFailed(Exception):
    """A failure the operator can act on, reported as one line."""


def _context(*, migrate_schema: bool = True) -> Any:
    """The services over the configured database. The embedded SQLite database is brought
    up to date on first use (zero setup); PostgreSQL must have been upgraded explicitly."""
    from facturo.services.context import ServiceContext
    from facturo.store import migrate

    ctx = ServiceContext.from_settings(Settings())
    # Webhook events render records as the current API shows them.
    from facturo.api.current.payloads import CurrentPayloads

    ctx.webhook_payloads = CurrentPayloads()
    if migrate_schema:
        if ctx.database.is_sqlite:
            migrate.upgrade(ctx.database)
        elif not migrate.is_up_to_date(ctx.database):
            raise CommandFailed(
                "the database schema is not up to date: run `facturo db upgrade` first"
            )
    return ctx


@contextmanager
def _reporting(as_json: bool) -> Iterator[None]:
    """Turns expected failures into one line and exit status 1."""
    try:
        yield
    except RuleViolations as failure:
        _fail(
            as_json,
            "; ".join(v.render(v.field or "record") for v in failure.violations),
            failure.violations,
        )
    except (FacturoError, ConfigurationError, CommandFailed) as failure:
        _fail(as_json, str(failure))
    except ValidationError as failure:  # the environment's FACTURO_* settings
        problems = (
            f"FACTURO_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in failure.errors()
        )
        _fail(as_json, "invalid configuration: " + "; ".join(problems))
    except sa.exc.DBAPIError as failure:
        first_line = str(failure.orig).strip().splitlines()[0] if failure.orig else str(failure)
        _fail(as_json, f"database error: {first_line}")
    except Exception as failure:  # a bug: still one line
        _fail(
            as_json,
            f"{type(failure).__name__}: {str(failure).strip().splitlines()[0] if str(failure).strip() else ''}",
        )


def _fail(as_json: bool, message: str, violations: Any = ()) -> None:
    if as_json:
        payload: dict[str, Any] = {"error": message}
        if violations:
            payload["violations"] = [
                {"code": v.code, "field": v.field, "message": v.render(v.field)} for v in violations
            ]
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def _emit(as_json: bool, data: Any, text: str | Callable[[], str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        typer.echo(text() if callable(text) else text)


def _operator(ctx: Any, company_key: str) -> Actor:
    from facturo.services import companies

    company = companies.get_by_key(ctx, company_key)
    assert company.id is not None
    return Actor.operator(company.id)


def _user(ctx: Any, actor: Actor, username: str) -> Any:
    from facturo.services import users

    user = users.find_by_username(ctx, actor, username)
    if user is None:
        raise NotFound("user", username)
    return user


# --- serve and db ----------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (FACTURO_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (FACTURO_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only).")] = 1,
    background_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Deliver webhooks from a thread of this server; --no-worker when "
            "`facturo worker` runs apart.",
        ),
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Serve the API. On the embedded SQLite database, pending migrations are applied first."""
    import os

    import uvicorn

    with _reporting(as_json):
        settings = Settings()
        ctx = _context()
        if ctx.database.is_sqlite and workers != 1:
            raise CommandFailed(
                "the embedded SQLite database is served by one worker; use PostgreSQL for more"
            )
        host = host or settings.host
        port = port or settings.port
        url = f"http://{host}:{port}"
        _emit(
            as_json,
            {
                "url": url,
                "app": f"{url}/app/",
                "docs": f"{url}/docs",
                "openapi": f"{url}/openapi.json",
            },
            f"Facturo escucha en {url}\n  aplicación web: {url}/app/\n  documentación del API: {url}/docs",
        )
    if workers == 1:
        from facturo.api.app import create_app

        uvicorn.run(
            create_app(ctx, run_worker=background_worker), host=host, port=port, log_level="info"
        )
    else:
        # Each process runs a worker thread; on PostgreSQL they share the work (SKIP LOCKED).
        os.environ["FACTURO_IN_PROCESS_WORKER"] = "1" if background_worker else "0"
        uvicorn.run("facturo.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Do what is due now, then exit (for cron and tests).")
    ] = False,
    company: Annotated[
        str | None, typer.Option("--company", help="Only this company's work (its key).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the background worker: webhook deliveries, retried with backoff. Ctrl-C or SIGTERM
    stops it after the delivery in hand."""
    import logging
    import signal

    from facturo.worker import Worker, job_kinds

    with _reporting(as_json):
        ctx = _context()
        company_id = _operator(ctx, company).company_id if company else None
        runner = Worker(
            job_kinds(ctx, company_id=company_id), poll_seconds=ctx.settings.worker_poll_seconds
        )

        def _stop(signum: int, _frame: Any) -> None:
            # A second signal stops at once.
            signal.signal(signum, signal.SIG_DFL)
            runner.stop()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        if once:
            done = runner.drain()
            _emit(
                as_json,
                done,
                lambda: "\n".join(
                    f"{kind}: "
                    + (
                        ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
                        or "nothing due"
                    )
                    for kind, counts in done.items()
                ),
            )
            return
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        _emit(
            as_json,
            {"worker": "started", "poll_seconds": ctx.settings.worker_poll_seconds},
            f"facturo worker running (a pass every {ctx.settings.worker_poll_seconds:g} s when idle); "
            "Ctrl-C stops it",
        )
        runner.run()
        _emit(as_json, {"worker": "stopped", "done": runner.summary()}, "facturo worker stopped")


@db_app.command("upgrade")
def db_upgrade(as_json: JsonFlag = False) -> None:
    """Apply pending schema migrations."""
    from facturo.store import migrate

    with _reporting(as_json):
        ctx = _context(migrate_schema=False)
        before = migrate.current_revision(ctx.database)
        migrate.upgrade(ctx.database)
        after = migrate.current_revision(ctx.database)
        _emit(
            as_json,
            {"from": before, "to": after},
            f"database at revision {after}" + ("" if before != after else " (already up to date)"),
        )


# --- companies ---------------------------------------------------------------------------------


@company_app.command("create")
def company_create(
    key: Annotated[str, typer.Option(help="Company key users sign in with (KEY\\username).")],
    name: Annotated[str, typer.Option(help="Legal name.")],
    nit: Annotated[str, typer.Option(help="NIT, without or with its check digit.")],
    admin_username: Annotated[str, typer.Option(help="The first administrator's username.")],
    admin_identification: Annotated[
        str, typer.Option(help="The administrator's identification (seller id).")
    ],
    admin_password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ],
    admin_first_name: Annotated[
        str, typer.Option(help="The administrator's first name.")
    ] = "Administrador",
    admin_last_name: Annotated[str, typer.Option(help="The administrator's last name.")] = "",
    admin_email: Annotated[str | None, typer.Option(help="The administrator's e-mail.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a company with its default catalogs and first administrator."""
    from facturo.services import companies

    with _reporting(as_json):
        company, admin = companies.create(
            _context(),
            companies.NewCompany(
                key=key,
                name=name,
                nit=nit,
                admin_username=admin_username,
                admin_password=admin_password,
                admin_identification=admin_identification,
                admin_first_name=admin_first_name,
                admin_last_name=admin_last_name,
                admin_email=admin_email,
            ),
        )
        _emit(
            as_json,
            {
                "id": company.id,
                "key": company.key,
                "name": company.name,
                "nit": company.nit,
                "check_digit": company.check_digit,
                "admin": {"id": admin.id, "username": admin.username},
            },
            f"company {company.key} created (NIT {company.nit}-{company.check_digit}); "
            f"administrator: {company.key}\\{admin.username}",
        )


@company_app.command("list")
def company_list(as_json: JsonFlag = False) -> None:
    """List companies."""
    from facturo.services import companies

    with _reporting(as_json):
        found = companies.get_all(_context())
        _emit(
            as_json,
            [
                {"id": c.id, "key": c.key, "name": c.name, "nit": c.nit, "active": c.active}
                for c in found
            ],
            lambda: (
                "\n".join(f"{c.key}\t{c.nit}-{c.check_digit}\t{c.name}" for c in found)
                or "no companies"
            ),
        )


# --- users ---------------------------------------------------------------------------------------


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "type": user.user_type.value,
        "identification": user.identification,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "active": user.active,
        "must_change_password": user.must_change_password,
    }


@user_app.command("create")
def user_create(
    company: CompanyKey,
    username: Annotated[str, typer.Option(help="Username (often an e-mail address).")],
    user_type: Annotated[
        UserType, typer.Option("--type", help="full, lite (sellers, POS) or payroll.")
    ],
    identification: Annotated[
        str, typer.Option(help="Identification number (the seller id on invoices).")
    ],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    first_name: Annotated[str, typer.Option(help="First name(s).")] = "",
    last_name: Annotated[str, typer.Option(help="Last name(s).")] = "",
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    temporary: Annotated[
        bool, typer.Option(help="The user must change the password at first sign-in.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a user of a company."""
    from facturo.services import users

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        user = users.create(
            ctx,
            actor,
            UserData(
                username=username,
                user_type=user_type,
                identification=identification,
                first_name=first_name or username,
                last_name=last_name,
                email=email,
            ),
            password,
            must_change_password=temporary,
        )
        _emit(
            as_json,
            _user_json(user),
            f"user {user.username} ({user.user_type.label}) created in {company}",
        )


@user_app.command("set-password")
def user_set_password(
    company: CompanyKey,
    username: Annotated[str, typer.Option(help="The user.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    temporary: Annotated[
        bool, typer.Option(help="The user must change it at the next sign-in.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Set a user's password; every token issued before stops working."""
    from facturo.services import users

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        user = users.set_password(
            ctx, actor, _user(ctx, actor, username).id, password, temporary=temporary
        )
        _emit(
            as_json,
            _user_json(user),
            f"password of {user.username} changed; earlier tokens revoked",
        )


@user_app.command("deactivate")
def user_deactivate(
    company: CompanyKey,
    username: Annotated[str, typer.Option(help="The user.")],
    as_json: JsonFlag = False,
) -> None:
    """Deactivate a user: no more sign-ins, tokens revoked."""
    from facturo.services import users

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        user = users.deactivate(ctx, actor, _user(ctx, actor, username).id)
        _emit(as_json, _user_json(user), f"user {user.username} deactivated")


@user_app.command("list")
def user_list(company: CompanyKey, as_json: JsonFlag = False) -> None:
    """List a company's users."""
    from facturo.services import users
    from facturo.services.paging import PageRequest

    with _reporting(as_json):
        ctx = _context()
        found = users.get_all(ctx, _operator(ctx, company), PageRequest(offset=0, limit=10_000))
        _emit(
            as_json,
            [_user_json(u) for u in found],
            lambda: "\n".join(
                f"{u.username}\t{u.user_type.value}\t{u.identification}\t{'activo' if u.active else 'inactivo'}"
                for u in found
            ),
        )


# --- access keys (current API) ------------------------------------------------------------------


def _access_key_json(key: Any, username: str) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "username": username,
        "label": key.label,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "active": key.active,
    }


@access_key_app.command("create")
def access_key_create(
    company: CompanyKey,
    username: Annotated[str, typer.Option(help="The user the key signs in as.")],
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue an access key; it is shown only now, keep it safe."""
    from facturo.services import access_keys

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        issued = access_keys.create(ctx, actor, _user(ctx, actor, username).id, label)
        _emit(
            as_json,
            {**_access_key_json(issued.key, issued.user.username), "access_key": issued.access_key},
            f"access key {issued.key.key_id} for {issued.user.username} in {company}:\n"
            f"  {issued.access_key}\n"
            "It is shown only now. Sign in with POST /auth "
            f'{{"username": "{issued.user.username}", "access_key": "<the key>"}}.',
        )


@access_key_app.command("list")
def access_key_list(
    company: CompanyKey,
    username: Annotated[str | None, typer.Option(help="Only this user's keys.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List a company's access keys (never their values)."""
    from facturo.services import access_keys

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        user_id = _user(ctx, actor, username).id if username else None
        found = access_keys.get_all(ctx, actor, user_id)
        _emit(
            as_json,
            [_access_key_json(k.key, k.username) for k in found],
            lambda: "\n".join(
                f"{k.key.key_id}\t{k.username}\t{k.key.label or ''}\t"
                f"{'activa' if k.key.active else 'revocada'}"
                for k in found
            ),
        )


@access_key_app.command("revoke")
def access_key_revoke(
    company: CompanyKey,
    key_id: Annotated[str, typer.Option("--key-id", help="The key's id (from `list`).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke an access key: no more sign-ins, and its tokens stop working at once."""
    from facturo.services import access_keys

    with _reporting(as_json):
        ctx = _context()
        actor = _operator(ctx, company)
        key = access_keys.revoke(ctx, actor, key_id)
        _emit(
            as_json,
            {"key_id": key.key_id, "active": key.active},
            f"access key {key.key_id} revoked",
        )


# --- OAuth clients -------------------------------------------------------------------------------


@client_app.command("add")
def client_add(
    client_id: Annotated[str, typer.Option(help="The client id.")],
    name: Annotated[str, typer.Option(help="What the client is.")],
    as_json: JsonFlag = False,
) -> None:
    """Register a client; its secret is shown only now."""
    from facturo.services import auth

    with _reporting(as_json):
        client, secret = auth.add_client(_context(), client_id, name)
        _emit(
            as_json,
            {"client_id": client.client_id, "client_secret": secret},
            f"client {client.client_id} added; secret (shown once): {secret}",
        )


def _set_client(client_id: str, active: bool, as_json: bool) -> None:
    from facturo.services import auth

    with _reporting(as_json):
        client = auth.set_client_active(_context(), client_id, active)
        _emit(
            as_json,
            {"client_id": client.client_id, "active": client.active},
            f"client {client.client_id} {'enabled' if active else 'disabled'}",
        )


@client_app.command("disable")
def client_disable(
    client_id: Annotated[str, typer.Option(help="The client id.")], as_json: JsonFlag = False
) -> None:
    """Disable a client (e.g. the guide's public SiigoWeb)."""
    _set_client(client_id, False, as_json)


@client_app.command("enable")
def client_enable(
    client_id: Annotated[str, typer.Option(help="The client id.")], as_json: JsonFlag = False
) -> None:
    """Enable a client again."""
    _set_client(client_id, True, as_json)


@client_app.command("list")
def client_list(as_json: JsonFlag = False) -> None:
    """List clients."""
    from facturo.services import auth

    with _reporting(as_json):
        found = auth.list_clients(_context())
        _emit(
            as_json,
            [{"client_id": c.client_id, "name": c.name, "active": c.active} for c in found],
            lambda: "\n".join(
                f"{c.client_id}\t{'enabled' if c.active else 'disabled'}\t{c.name}" for c in found
            ),
        )


# --- stock -------------------------------------------------------------------------------------


@stock_app.command("adjust")
def stock_adjust(
    company: CompanyKey,
    product: Annotated[str, typer.Option(help="Product code.")],
    warehouse: Annotated[str, typer.Option(help="Warehouse code.")],
    quantity: Annotated[str, typer.Option(help="Units to add (negative to remove).")],
    note: Annotated[str | None, typer.Option(help="Why (inventory count, loss...).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Adjust a product's stock in a warehouse."""
    from facturo.services import stock

    with _reporting(as_json):
        try:
            amount = Decimal(quantity)
        except InvalidOperation as error:
            raise CommandFailed(f"--quantity must be a number, not {quantity!r}") from error
        ctx = _context()
        movement, balance = stock.adjust(
            ctx,
            _operator(ctx, company),
            product_code=product,
            warehouse_code=warehouse,
            quantity=amount,
            note=note,
        )
        _emit(
            as_json,
            {
                "movement_id": movement.id,
                "product": product,
                "warehouse": warehouse,
                "quantity": plain(amount),
                "balance": plain(balance),
            },
            f"{product} in {warehouse}: {'' if amount < 0 else '+'}{plain(amount)} → {plain(balance)}",
        )


# --- webhooks ----------------------------------------------------------------------------------


@webhook_app.command("list")
def webhook_list(company: CompanyKey, as_json: JsonFlag = False) -> None:
    """List a company's webhook subscriptions (never their secrets)."""
    from facturo.services import webhooks
    from facturo.services.paging import PageRequest

    with _reporting(as_json):
        ctx = _context()
        found = webhooks.get_all(
            ctx, _operator(ctx, company), PageRequest(offset=0, limit=10_000)
        ).subscriptions
        _emit(
            as_json,
            [
                {
                    "id": str(s.webhook.guid),
                    "application_id": s.webhook.application_id,
                    "topic": s.webhook.topic,
                    "url": s.webhook.url,
                    "active": s.webhook.active,
                    "created_at": s.webhook.created_at,
                }
                for s in found
            ],
            lambda: (
                "\n".join(
                    f"{s.webhook.guid}\t{s.webhook.topic}\t{s.webhook.url}\t"
                    f"{'activo' if s.webhook.active else 'inactivo'}\t{s.webhook.application_id}"
                    for s in found
                )
                or "no webhooks"
            ),
        )


@webhook_app.command("deliveries")
def webhook_deliveries(
    company: CompanyKey,
    failed: Annotated[bool, typer.Option("--failed", help="Only deliveries that gave up.")] = False,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only deliveries still to be made.")
    ] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """A company's webhook deliveries, newest first, with every attempt."""
    from facturo.domain.webhooks import DeliveryStatus
    from facturo.services import webhooks
    from facturo.services.paging import PageRequest

    with _reporting(as_json):
        if failed and pending:
            raise CommandFailed("--failed and --pending exclude each other")
        status = DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING if pending else None
        ctx = _context()
        found = webhooks.deliveries(
            ctx, _operator(ctx, company), PageRequest(offset=0, limit=limit), status=status
        )

        def url_of(delivery: Any) -> str | None:
            webhook = found.webhooks.get(delivery.webhook_id)
            return webhook.url if webhook else None

        def table() -> str:
            lines = []
            for d in found.deliveries:
                lines.append(
                    f"{d.id}\t{d.status.value}\t{d.topic}\t{url_of(d)}\t"
                    f"{d.attempts} attempt(s)\tevent {d.event_id}"
                )
                for a in d.log:
                    lines.append(
                        f"    #{a.attempt} {a.attempted_at:%Y-%m-%d %H:%M:%S} "
                        f"{a.status_code or '-'} {a.duration_ms} ms {a.error or ''}".rstrip()
                    )
            return "\n".join(lines) or "no deliveries"

        _emit(
            as_json,
            {
                "total": found.total,
                "deliveries": [
                    {
                        "id": d.id,
                        "webhook": str(found.webhooks[d.webhook_id].guid)
                        if d.webhook_id in found.webhooks
                        else None,
                        "url": url_of(d),
                        "event_id": str(d.event_id),
                        "topic": d.topic,
                        "status": d.status.value,
                        "attempts": d.attempts,
                        "next_attempt_at": d.next_attempt_at,
                        "delivered_at": d.delivered_at,
                        "log": [
                            {
                                "attempt": a.attempt,
                                "attempted_at": a.attempted_at,
                                "status_code": a.status_code,
                                "error": a.error,
                                "duration_ms": a.duration_ms,
                            }
                            for a in d.log
                        ],
                    }
                    for d in found.deliveries
                ],
            },
            table,
        )


# --- reports -----------------------------------------------------------------------------------


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandFailed(f"{option} must be a date written YYYY-MM-DD, not {value!r}") from error


@report_app.command("aging")
def report_aging(
    company: CompanyKey,
    as_of: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD; today by default.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """What each customer owes, by days past due."""
    from facturo.domain.receivables import AgingBucket
    from facturo.services import reports

    with _reporting(as_json):
        ctx = _context()
        report = reports.receivables_aging(
            ctx, _operator(ctx, company), _parse_date(as_of, "--date")
        )
        buckets = list(AgingBucket)

        def table() -> str:
            header = (
                f"{'identificación':<15} {'cliente':<32}"
                + "".join(f"{b.value:>14}" for b in buckets)
                + f"{'total':>15}"
            )
            lines = [f"cartera al {report.as_of.isoformat()}", header]
            for row in report.rows:
                amounts = "".join(f"{plain(row.buckets[b]):>14}" for b in buckets)
                lines.append(
                    f"{row.identification:<15} {row.name[:32]:<32}{amounts}{plain(row.total):>15}"
                )
            totals = "".join(f"{plain(report.totals[b]):>14}" for b in buckets)
            lines.append(f"{'':<15} {'TOTAL':<32}{totals}{plain(report.total):>15}")
            return "\n".join(lines)

        _emit(
            as_json,
            {
                "date": report.as_of.isoformat(),
                "customers": [
                    {
                        "account_id": row.party_id,
                        "identification": row.identification,
                        "name": row.name,
                        **{b.value: plain(row.buckets[b]) for b in buckets},
                        "total": plain(row.total),
                    }
                    for row in report.rows
                ],
                "totals": {
                    **{b.value: plain(report.totals[b]) for b in buckets},
                    "total": plain(report.total),
                },
            },
            table,
        )


@report_app.command("sales")
def report_sales(
    company: CompanyKey,
    date_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    by: Annotated[str, typer.Option(help="month or day")] = "month",
    as_json: JsonFlag = False,
) -> None:
    """Net sales per period with taxes and withholdings (credit notes subtract)."""
    from facturo.services import reports

    with _reporting(as_json):
        try:
            grouping = reports.Grouping(by)
        except ValueError as error:
            raise CommandFailed("--by must be month or day") from error
        ctx = _context()
        start, end = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
        assert start is not None and end is not None
        periods = reports.sales_by_period(ctx, _operator(ctx, company), start, end, grouping)
        names = ("base", "vat", "consumption", "withholding", "reteiva", "reteica", "total")

        def table() -> str:
            lines = [
                f"{'periodo':<11}{'FV':>6}{'NC':>5}{'ND':>5}" + "".join(f"{n:>15}" for n in names)
            ]
            for p in periods:
                amounts = "".join(f"{plain(p.amounts[n]):>15}" for n in names)
                lines.append(
                    f"{p.period:<11}{p.invoices:>6}{p.credit_notes:>5}{p.debit_notes:>5}{amounts}"
                )
            return "\n".join(lines)

        _emit(
            as_json,
            [
                {
                    "period": p.period,
                    "invoices": p.invoices,
                    "credit_notes": p.credit_notes,
                    "debit_notes": p.debit_notes,
                    **{n: plain(v) for n, v in p.amounts.items()},
                }
                for p in periods
            ],
            table,
        )


# --- demo --------------------------------------------------------------------------------------


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Create the demo company (once) and print how to sign in."""
    from facturo.services import demo as demo_service

    with _reporting(as_json):
        ctx = _context()
        made = demo_service.ensure(ctx)
        _emit(
            as_json,
            {
                "company_key": made.company_key,
                "admin": made.admin_username,
                "seller": made.seller_username,
                "password": made.password,
                "access_key": made.access_key,
                "created": made.created,
            },
            (
                f"Empresa demo {'creada' if made.created else 'lista'}: clave {made.company_key}\n"
                f"  aplicación web (/app/): empresa {made.company_key}, usuario {made.admin_username} "
                f"o {made.seller_username} (lite), contraseña {made.password}\n"
                f"  administrador: {made.company_key}\\{made.admin_username}  contraseña: {made.password}\n"
                f"  vendedor (lite): {made.company_key}\\{made.seller_username}  contraseña: {made.password}\n"
                f'  API actual: POST /auth  {{"username": "{made.admin_username}", "access_key": "{made.access_key}"}}\n'
                f"             luego /v1/...  con Authorization: Bearer <token> y Partner-Id: <su aplicación>\n"
                f"  API legada: POST /connect/token  (Authorization: Basic SiigoWeb, grant_type=password,\n"
                f"         username={made.company_key}\\{made.admin_username}, scope=WebApi offline_access)"
            ),
        )


# Typer raises Click's exceptions (from its own copy of Click in recent versions).
_USAGE_ERROR: type[Any] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def main() -> None:
    """Runs a command; usage mistakes too are one line (exit status 2), in JSON with --json."""
    command = typer.main.get_command(app)
    try:
        status = command.main(prog_name="facturo", standalone_mode=False)
    except _USAGE_ERROR as mistake:
        message = mistake.format_message()
        if not message and mistake.ctx is not None:  # a group called bare: show its help
            typer.echo(mistake.ctx.get_help())
            sys.exit(0)
        if "--json" in sys.argv:
            typer.echo(json.dumps({"error": message}, ensure_ascii=False))
        else:
            typer.echo(f"error: {message} (see facturo --help)", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)


from facturo.cli_dian import dian_app  # noqa: E402

app.add_typer(dian_app, name="dian")

if __name__ == "__main__":
    main()
