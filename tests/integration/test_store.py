"""The store on both databases: schema, ids, tenant isolation, exact money, time, atomicity."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from facturo.domain.access import Actor
from facturo.domain.catalogs import ChargeData
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import NotFound, RuleViolations
from facturo.domain.parties import PartyData
from facturo.domain.products import Price, Product, ProductData, ProductType
from facturo.domain.queries import ProductFilter
from facturo.domain.users import SignInThrottle
from facturo.services import charges, companies, parties, products, stock
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store import migrate
from facturo.store import tables as t
from facturo.store.mapping import allocate_id
from tests.conftest import ADMIN_PASSWORD, TenantFixture

MakeCompany = Callable[..., TenantFixture]


def account_group_id(ctx: ServiceContext, company_id: int) -> int:
    with ctx.unit_of_work(read_only=True) as uow:
        group_id = uow.account_groups.all(company_id)[0].id
    assert group_id is not None
    return group_id


def new_product(ctx: ServiceContext, tenant: TenantFixture, **changes: Any) -> Product:
    data = ProductData(
        code=f"P-{secrets.token_hex(4)}",
        name="Tornillo drywall 6x1",
        product_type=ProductType.PRODUCT,
        account_group_id=account_group_id(ctx, tenant.company.id or 0),
        stock_control=True,
    )
    return products.create(ctx, tenant.actor, replace(data, **changes))


def new_party_id(ctx: ServiceContext, actor: Actor) -> int:
    view = parties.create(
        ctx,
        actor,
        PartyData(
            is_customer=True,
            is_company=True,
            full_name="Ferretería El Tornillo SAS",
            id_type_code="31",
            identification=str(secrets.randbelow(10**9) + 10**9),
            place=Place("CO", "54", "54001"),
            address="Calle 10 # 4-20",
            phone=Phone(number="5712345"),
        ),
    )
    assert view.party.id is not None
    return view.party.id


def contact_row(
    connection: sa.Connection, company_id: int, party_id: int, *, code: int, principal: bool
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "company_id": company_id,
        "id": allocate_id(connection, "contacts"),
        "party_id": party_id,
        "code": code,
        "first_name": "Marta",
        "last_name": "Suárez",
        "email": "marta@eltornillo.co",
        "is_principal": principal,
        "created_at": now,
        "updated_at": now,
    }


def row_counts(ctx: ServiceContext) -> dict[str, int]:
    with ctx.database.writer.connect() as connection:
        return {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in t.metadata.sorted_tables
            if table.name != "id_sequences"
        }


def test_migrations_produce_exactly_the_models_schema(ctx: ServiceContext) -> None:
    with ctx.database.writer.connect() as connection:
        migration = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(migration, t.metadata) == []


def test_database_is_at_head_and_upgrade_again_changes_nothing(ctx: ServiceContext) -> None:
    assert migrate.current_revision(ctx.database) == migrate.head_revision()
    migrate.upgrade(ctx.database)
    assert migrate.is_up_to_date(ctx.database)


def test_contacts_principal_index_is_unique_and_partial(ctx: ServiceContext) -> None:
    with ctx.database.writer.connect() as connection:
        indexes = {i["name"]: i for i in sa.inspect(connection).get_indexes("contacts")}
    principal = indexes["uq_contacts_principal"]
    assert principal["unique"]
    assert principal["column_names"] == ["company_id", "party_id"]


@pytest.mark.parametrize("table", t.ALLOCATED_ID_TABLES)
def test_allocated_ids_increase_per_table(ctx: ServiceContext, table: str) -> None:
    with ctx.database.writer.begin() as connection:
        ids = [allocate_id(connection, table) for _ in range(3)]
    assert ids[0] < ids[1] < ids[2]


def test_allocating_in_one_table_does_not_advance_another(ctx: ServiceContext) -> None:
    with ctx.database.writer.begin() as connection:
        before = allocate_id(connection, "contacts")
        for _ in range(5):
            allocate_id(connection, "charges")
        after = allocate_id(connection, "contacts")
    assert after == before + 1


def test_records_get_increasing_ids(ctx: ServiceContext, tenant: TenantFixture) -> None:
    created = [charges.create(ctx, tenant.actor, ChargeData(name=f"Cargo {i}")) for i in range(4)]
    ids = [c.id for c in created]
    assert all(isinstance(i, int) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 4


def test_concurrent_creations_get_unique_ids(ctx: ServiceContext, tenant: TenantFixture) -> None:
    start = threading.Barrier(8)

    def create(index: int) -> int | None:
        start.wait()
        return charges.create(ctx, tenant.actor, ChargeData(name=f"Cargo {index}")).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(8)))
    assert len(set(ids)) == 8


def test_database_refuses_a_row_pointing_at_another_companys_record(
    ctx: ServiceContext, make_company: MakeCompany
) -> None:
    owner, intruder = make_company(), make_company()
    assert owner.company.id is not None and intruder.company.id is not None
    party_id = new_party_id(ctx, owner.actor)
    with ctx.database.writer.connect() as connection, connection.begin():
        connection.execute(
            t.contacts.insert(),
            contact_row(connection, owner.company.id, party_id, code=1, principal=False),
        )
        with pytest.raises(sa.exc.IntegrityError) as refused, connection.begin_nested():
            connection.execute(
                t.contacts.insert(),
                contact_row(connection, intruder.company.id, party_id, code=1, principal=False),
            )
        connection.rollback()
    assert "foreign key" in str(refused.value.orig).lower()


@pytest.mark.parametrize(
    ("column", "target"),
    [("account_group_id", "account_groups"), ("tax_add_id", "taxes")],
)
def test_database_refuses_a_product_with_another_companys_catalog_record(
    ctx: ServiceContext, make_company: MakeCompany, column: str, target: str
) -> None:
    owner, intruder = make_company(), make_company()
    product = new_product(ctx, owner)
    table = t.metadata.tables[target]
    with ctx.database.writer.begin() as connection:
        foreign_id = connection.execute(
            sa.select(table.c.id).where(table.c.company_id == intruder.company.id).limit(1)
        ).scalar_one()
    with (
        ctx.database.writer.connect() as connection,
        pytest.raises(sa.exc.IntegrityError),
        connection.begin(),
    ):
        connection.execute(
            t.products.update()
            .where(t.products.c.company_id == owner.company.id, t.products.c.id == product.id)
            .values({column: foreign_id})
        )


def test_database_refuses_a_second_principal_contact(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    company_id = tenant.company.id
    assert company_id is not None
    party_id = new_party_id(ctx, tenant.actor)
    with ctx.database.writer.connect() as connection, connection.begin():
        for code in (1, 2):
            connection.execute(
                t.contacts.insert(),
                contact_row(connection, company_id, party_id, code=code, principal=False),
            )
        connection.execute(
            t.contacts.insert(),
            contact_row(connection, company_id, party_id, code=3, principal=True),
        )
        with pytest.raises(sa.exc.IntegrityError) as refused, connection.begin_nested():
            connection.execute(
                t.contacts.insert(),
                contact_row(connection, company_id, party_id, code=4, principal=True),
            )
        connection.rollback()
    assert "unique" in str(refused.value.orig).lower()


def test_principal_contacts_of_different_terceros_coexist(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    company_id = tenant.company.id
    assert company_id is not None
    party_ids = [new_party_id(ctx, tenant.actor), new_party_id(ctx, tenant.actor)]
    with ctx.database.writer.connect() as connection, connection.begin():
        for party_id in party_ids:
            connection.execute(
                t.contacts.insert(),
                contact_row(connection, company_id, party_id, code=1, principal=True),
            )
        principals = connection.execute(
            sa.select(sa.func.count())
            .select_from(t.contacts)
            .where(t.contacts.c.company_id == company_id, t.contacts.c.is_principal)
        ).scalar_one()
        connection.rollback()
    assert principals == 2


@pytest.mark.parametrize(
    "value",
    [
        Decimal("12345678901.123456"),
        Decimal("99999999999.999999"),
        Decimal("0.000001"),
        Decimal("0.1"),
    ],
)
def test_prices_keep_exact_decimals(
    ctx: ServiceContext, tenant: TenantFixture, value: Decimal
) -> None:
    created = new_product(ctx, tenant, prices=[Price(1, value)])
    assert created.id is not None
    stored = products.get(ctx, tenant.actor, created.id)
    assert stored.price(1) == value
    assert isinstance(stored.price(1), Decimal)


def test_sql_sum_of_prices_is_exact(ctx: ServiceContext, tenant: TenantFixture) -> None:
    created = new_product(
        ctx,
        tenant,
        prices=[Price(1, Decimal("0.1")), Price(2, Decimal("0.2")), Price(3, Decimal("0.000001"))],
    )
    p = t.product_prices
    with ctx.database.writer.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.sum(p.c.value)).where(
                p.c.company_id == tenant.company.id, p.c.product_id == created.id
            )
        ).scalar_one()
    assert total == Decimal("0.300001")


def test_stock_sums_are_exact(ctx: ServiceContext, tenant: TenantFixture) -> None:
    product = new_product(ctx, tenant)
    assert product.code is not None
    balance = Decimal(0)
    for quantity in ("0.1", "0.2", "1234567890.0001", "-0.0001"):
        _, balance = stock.adjust(
            ctx,
            tenant.actor,
            product_code=product.code,
            warehouse_code="1",
            quantity=Decimal(quantity),
        )
    assert balance == Decimal("1234567890.3")
    stored = products.stock_balance(ctx, tenant.actor, code=product.code)
    assert [(w.warehouse_code, w.quantity) for w in stored.warehouses] == [
        ("1", Decimal("1234567890.3"))
    ]
    assert stored.total == Decimal("1234567890.3")


def test_timestamps_come_back_timezone_aware_utc(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    before = datetime.now(UTC)
    party_id = new_party_id(ctx, tenant.actor)
    after = datetime.now(UTC)
    view = parties.get(ctx, tenant.actor, party_id)
    created_at = view.party.created_at
    assert created_at is not None and created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= created_at <= after + timedelta(seconds=1)
    with ctx.database.writer.connect() as connection:
        raw = connection.execute(
            sa.select(t.parties.c.updated_at).where(
                t.parties.c.company_id == tenant.company.id, t.parties.c.id == party_id
            )
        ).scalar_one()
    assert raw.tzinfo is not None and raw.utcoffset() == timedelta(0)


def test_timestamps_in_other_offsets_are_stored_as_the_same_instant(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    bogota = timezone(timedelta(hours=-5))
    locked_until = datetime(2024, 5, 10, 10, 30, tzinfo=bogota)
    username = f"ana{secrets.token_hex(4)}@empresa.co"
    with ctx.unit_of_work() as uow:
        uow.session.add(
            SignInThrottle(
                company_key=tenant.key, username=username, failures=5, locked_until=locked_until
            )
        )
        uow.commit()
    with ctx.unit_of_work(read_only=True) as uow:
        stored = uow.sign_in_throttles.find(tenant.key, username)
    assert stored is not None and stored.locked_until is not None
    assert stored.locked_until == locked_until
    assert stored.locked_until.utcoffset() == timedelta(0)
    assert stored.locked_until.hour == 15


def test_naive_timestamps_are_refused(ctx: ServiceContext, tenant: TenantFixture) -> None:
    with ctx.unit_of_work() as uow:
        uow.session.add(
            SignInThrottle(
                company_key=tenant.key,
                username="naive@empresa.co",
                locked_until=datetime(2024, 5, 10, 10, 30),  # noqa: DTZ001
            )
        )
        with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
            uow.flush()


def _new_company(key: str) -> companies.NewCompany:
    return companies.NewCompany(
        key=key,
        name="Empresa Atómica SAS",
        nit="900123456",
        admin_username="admin@empresa.co",
        admin_password=ADMIN_PASSWORD,
        admin_identification="1020304050",
        admin_first_name="Ana",
    )


def test_duplicate_key_after_partial_work_writes_no_rows(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document type repeated in the default catalogs fails on its unique key only after the
    company, its taxes, payment means and first document types were flushed."""
    real_defaults = companies.default_catalogs

    def defaults_with_a_duplicate(company_id: int) -> Any:
        catalogs = real_defaults(company_id)
        document_type, numbering = catalogs.document_types[-1]
        catalogs.document_types.append(
            (replace(document_type, name="Repetido"), replace(numbering))
        )
        return catalogs

    monkeypatch.setattr(companies, "default_catalogs", defaults_with_a_duplicate)
    key = f"atomica{secrets.token_hex(4)}"
    before = row_counts(ctx)
    with pytest.raises(RuleViolations) as refused:
        companies.create(ctx, _new_company(key))
    assert [v.code for v in refused.value.violations] == ["already_exists"]
    assert row_counts(ctx) == before
    monkeypatch.undo()
    with pytest.raises(NotFound):
        companies.get_by_key(ctx, key)


def test_failure_at_the_last_step_writes_no_rows(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_hash(password: str) -> str:
        raise RuntimeError("hasher down")

    monkeypatch.setattr(ctx.passwords, "hash", broken_hash)
    before = row_counts(ctx)
    with pytest.raises(RuntimeError, match="hasher down"):
        companies.create(ctx, _new_company(f"atomica{secrets.token_hex(4)}"))
    assert row_counts(ctx) == before


def test_refused_duplicate_company_key_writes_no_rows(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    before = row_counts(ctx)
    with pytest.raises(RuleViolations) as refused:
        companies.create(ctx, _new_company(tenant.key.upper()))
    assert [(v.code, v.field) for v in refused.value.violations] == [("already_exists", "key")]
    assert row_counts(ctx) == before


def test_concurrent_stock_withdrawals_never_go_negative(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    """Eight sellers take the last three units at once: three get one each."""
    product = new_product(ctx, tenant)
    assert product.code is not None
    code = product.code
    stock.adjust(ctx, tenant.actor, product_code=code, warehouse_code="1", quantity=Decimal(3))
    start = threading.Barrier(8)

    def withdraw(_: int) -> str:
        start.wait()
        try:
            stock.adjust(
                ctx, tenant.actor, product_code=code, warehouse_code="1", quantity=Decimal(-1)
            )
        except RuleViolations as refused:
            return refused.violations[0].code
        return "ok"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(withdraw, range(8)))
    assert sorted(outcomes) == ["invalid_amount"] * 5 + ["ok"] * 3
    balance = products.stock_balance(ctx, tenant.actor, code=code)
    assert balance.total == Decimal(0)
    with ctx.unit_of_work(read_only=True) as uow:
        moved = uow.session.execute(
            sa.select(sa.func.sum(t.stock_movements.c.quantity)).where(
                t.stock_movements.c.company_id == tenant.company.id,
                t.stock_movements.c.product_id == product.id,
            )
        ).scalar_one()
    assert moved == Decimal(0)


def test_searching_by_name_folds_accented_capitals_on_both_databases(
    ctx: ServiceContext, tenant: TenantFixture
) -> None:
    wanted = new_product(ctx, tenant, name="Café de Huila")
    new_product(ctx, tenant, name="Té verde")

    found = products.search(
        ctx, tenant.actor, ProductFilter(name="CAFÉ"), PageRequest(offset=0, limit=10)
    )

    assert [view.product.id for view in found.views] == [wanted.id]
