"""Maps the domain's plain classes onto the tables (SQLAlchemy imperative mapping), and
gives every new row its id and timestamps. The domain never learns it is persisted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, composite, registry, relationship

from facturo.domain.catalogs import (
    AccountGroup,
    Charge,
    CostCenter,
    DocumentType,
    NumberingRange,
    PaymentMeans,
    PriceList,
    Tax,
    Warehouse,
)
from facturo.domain.companies import Company
from facturo.domain.contact_info import Phone, Place
from facturo.domain.ledger import LedgerAccount
from facturo.domain.parties import Contact, Party
from facturo.domain.products import Price, Product
from facturo.domain.stock import StockMovement
from facturo.domain.users import AccessKey, OAuthClient, RefreshToken, SignInThrottle, User
from facturo.store import tables as t
from facturo.store.types import utc_now

mapper_registry = registry()
_mapped = False


def _phone(table: sa.Table, prefix: str) -> Any:
    c = table.c
    return composite(
        Phone, c[f"{prefix}_indicative"], c[f"{prefix}_number"], c[f"{prefix}_extension"]
    )


def start_mappers() -> None:
    """Map every domain class once per process."""
    global _mapped
    if _mapped:
        return
    m = mapper_registry.map_imperatively
    m(Company, t.companies)
    m(User, t.users)
    m(SignInThrottle, t.sign_in_throttles)
    m(OAuthClient, t.oauth_clients)
    m(RefreshToken, t.refresh_tokens)
    m(AccessKey, t.access_keys)
    m(Tax, t.taxes)
    m(PaymentMeans, t.payment_means)
    m(DocumentType, t.document_types)
    m(NumberingRange, t.numbering_ranges)
    m(AccountGroup, t.account_groups)
    m(PriceList, t.price_lists)
    m(Warehouse, t.warehouses)
    m(CostCenter, t.cost_centers)
    m(Charge, t.charges)
    m(
        Party,
        t.parties,
        properties={
            "place": composite(
                Place, t.parties.c.country_code, t.parties.c.state_code, t.parties.c.city_code
            ),
            "phone": _phone(t.parties, "phone"),
            "fax": _phone(t.parties, "fax"),
        },
    )
    m(
        Contact,
        t.contacts,
        properties={
            "phone": _phone(t.contacts, "phone"),
            "mobile": _phone(t.contacts, "mobile"),
            "fax": _phone(t.contacts, "fax"),
        },
    )
    m(Price, t.product_prices)
    m(
        Product,
        t.products,
        properties={
            "prices": relationship(
                Price,
                primaryjoin=sa.and_(
                    t.products.c.company_id == t.product_prices.c.company_id,
                    t.products.c.id == t.product_prices.c.product_id,
                ),
                foreign_keys=[t.product_prices.c.company_id, t.product_prices.c.product_id],
                cascade="all, delete-orphan",
                order_by=[t.product_prices.c.currency_code, t.product_prices.c.position],
                lazy="selectin",
            )
        },
    )
    m(StockMovement, t.stock_movements)
    m(LedgerAccount, t.ledger_accounts)
    _mapped = True


def allocate_ids(connection: sa.Connection, table_name: str, count: int = 1) -> list[int]:
    """The next ``count`` ids of ``table_name`` in one round trip: a PostgreSQL sequence, or a
    counter row on SQLite (whose writers hold the database lock anyway, so the counter adds no
    contention). Ids may have gaps; fiscal numbers come from numbering ranges instead."""
    if table_name not in t.ALLOCATED_ID_TABLES:
        raise ValueError(f"{table_name} does not take allocated ids")
    if connection.dialect.name == "postgresql":
        query = sa.text(
            "SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"
        )
        rows = connection.execute(query, {"sequence": f"{table_name}_id_seq", "count": count})
        return [int(value) for value in rows.scalars()]
    last = connection.execute(
        sa.update(t.id_sequences)
        .where(t.id_sequences.c.name == table_name)
        .values(value=t.id_sequences.c.value + count)
        .returning(t.id_sequences.c.value)
    ).scalar_one()
    return list(range(int(last) - count + 1, int(last) + 1))


def next_id_in_insert(connection: sa.Connection, table_name: str) -> sa.ColumnElement[Any] | None:
    """On PostgreSQL, the SQL that takes the next id of ``table_name`` from its sequence inside
    the INSERT itself (no round trip of its own); None on SQLite, where ``allocate_ids`` gives
    the ids."""
    if table_name not in t.ALLOCATED_ID_TABLES:
        raise ValueError(f"{table_name} does not take allocated ids")
    if connection.dialect.name != "postgresql":
        return None
    # table_name is one of ours (checked above), so it can be written into the SQL.
    sequence: sa.ColumnElement[Any] = sa.literal_column(f"'{table_name}_id_seq'::regclass")
    return sa.func.nextval(sequence)


def allocate_id(connection: sa.Connection, table_name: str) -> int:
    return allocate_ids(connection, table_name)[0]


@event.listens_for(Mapper, "before_insert")
def _before_insert(mapper: Mapper[Any], connection: sa.Connection, target: Any) -> None:
    table = mapper.local_table
    if not isinstance(table, sa.Table):
        return
    if table.name in t.ALLOCATED_ID_TABLES and getattr(target, "id", None) is None:
        target.id = allocate_ids(connection, table.name)[0]
    now = utc_now()
    if "created_at" in table.c and getattr(target, "created_at", None) is None:
        target.created_at = now
    if "updated_at" in table.c:
        target.updated_at = now


@event.listens_for(Mapper, "before_update")
def _before_update(mapper: Mapper[Any], connection: sa.Connection, target: Any) -> None:
    table = mapper.local_table
    if isinstance(table, sa.Table) and "updated_at" in table.c:
        target.updated_at = utc_now()
