"""Repositories: the queries of each record kind, always within one company."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from facturo.domain.access import UserType
from facturo.domain.catalogs import (
    AccountGroup,
    Charge,
    CostCenter,
    DocumentClass,
    DocumentType,
    NumberingRange,
    PaymentMeans,
    PriceList,
    Tax,
    Warehouse,
)
from facturo.domain.companies import Company
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.ledger import LedgerAccount
from facturo.domain.parties import Contact, Party
from facturo.domain.products import Product
from facturo.domain.queries import PartyFilter, Period, ProductFilter
from facturo.domain.stock import StockMovement, WarehouseBalance
from facturo.domain.users import AccessKey, OAuthClient, RefreshToken, SignInThrottle, User
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids
from facturo.store.types import utc_now

T = TypeVar("T")


class TenantRepository(Generic[T]):
    """get / find / page / all / add / delete for one tenant table."""

    model: ClassVar[type[Any]]
    table: ClassVar[sa.Table]
    entity_name: ClassVar[str]
    # Child tables that belong to the record and go with it (not "uses" of it).
    owned_tables: ClassVar[tuple[str, ...]] = ()

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, company_id: int, record_id: int) -> T | None:
        found: T | None = self.session.get(self.model, (company_id, record_id))
        return self._hold(found)

    def _hold(self, record: T | None) -> T | None:
        """Keeps what a transaction loaded alive until it ends, so that asking for it again
        (``by_ids``) finds it in the session instead of querying: the session itself only
        holds weak references."""
        if record is not None:
            self.session.info.setdefault("held", []).append(record)
        return record

    def get(self, company_id: int, record_id: int) -> T:
        found = self.find(company_id, record_id)
        if found is None:
            raise NotFound(self.entity_name, record_id)
        return found

    def _select(self, company_id: int) -> sa.Select[Any]:
        return sa.select(self.model).where(self.table.c.company_id == company_id)

    def _first(self, query: sa.Select[Any]) -> T | None:
        found: T | None = self.session.scalar(query)
        return self._hold(found)

    def page(self, company_id: int, *, offset: int, limit: int) -> list[T]:
        query = self._select(company_id).order_by(self.table.c.id).offset(offset).limit(limit)
        return list(self.session.scalars(query))

    def all(self, company_id: int) -> list[T]:
        return list(self.session.scalars(self._select(company_id).order_by(self.table.c.id)))

    def by_ids(self, company_id: int, ids: Iterable[int]) -> dict[int, T]:
        """The records with these ids; those this transaction already loaded cost no query."""
        found: dict[int, T] = {}
        missing = set()
        for record_id in set(ids):
            loaded = self.session.identity_map.get(
                identity_key(self.model, (company_id, record_id))
            )
            if loaded is not None:
                found[record_id] = loaded
            else:
                missing.add(record_id)
        if missing:
            query = self._select(company_id).where(self.table.c.id.in_(missing))
            found.update({row.id: row for row in self.session.scalars(query)})
        return found

    def id_for_guid(self, company_id: int, guid: uuid.UUID) -> int | None:
        """The numeric id of the record the current API names by GUID (None: no such one)."""
        query = sa.select(self.table.c.id).where(
            self.table.c.company_id == company_id, self.table.c.guid == guid
        )
        found: int | None = self.session.scalar(query)
        return found

    def count(self, company_id: int) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(self.table)
            .where(self.table.c.company_id == company_id)
        )
        return int(self.session.scalar(query) or 0)

    def add(self, record: T) -> T:
        self.session.add(record)
        return record

    def delete(self, record: T) -> None:
        self.session.delete(record)

    def ensure_unused(self, company_id: int, record_id: int, *, advice: str = "") -> None:
        """Refuses (delete_not_allowed) when other records point at this one."""
        used_by = self.users_of(company_id, record_id)
        if used_by:
            message = f"The {self.entity_name} {record_id} is used by {', '.join(used_by)}{advice}"
            raise RuleViolations([Violation("delete_not_allowed", "", message)])

    def users_of(self, company_id: int, record_id: int) -> list[str]:
        """Tables with rows that point at this record, apart from its own children, in words.

        Found from the schema's foreign keys, so a new kind of document that refers to a
        tercero or a product is covered the day its table exists.
        """
        in_use: list[str] = []
        for table in t.metadata.sorted_tables:
            if table.name in self.owned_tables:
                continue
            for constraint in table.foreign_key_constraints:
                if constraint.referred_table is not self.table or len(constraint.columns) != 2:
                    continue
                company_column, id_column = constraint.columns
                if company_column.name != "company_id":
                    company_column, id_column = id_column, company_column
                exists = sa.select(sa.literal(1)).where(
                    company_column == company_id, id_column == record_id
                )
                if self.session.execute(exists.limit(1)).first() is not None:
                    in_use.append(table.name.replace("_", " "))  # "sales documents"
                    break
        return in_use


class CompanyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, company_id: int) -> Company:
        company = self.session.get(Company, company_id)
        if company is None:
            raise NotFound("company", company_id)
        return company

    def find(self, company_id: int) -> Company | None:
        return self.session.get(Company, company_id)

    def find_by_key(self, key: str) -> Company | None:
        return self.session.scalar(sa.select(Company).where(t.companies.c.key == key))

    def all(self) -> list[Company]:
        return list(self.session.scalars(sa.select(Company).order_by(t.companies.c.id)))

    def add(self, company: Company) -> Company:
        self.session.add(company)
        return company


@dataclass(frozen=True)
class UserStanding:
    """What checking a token needs of its user, in one query."""

    user_type: UserType
    token_version: int
    active: bool  # the user and the company both active


class UserRepository(TenantRepository[User]):
    model = User
    table = t.users
    entity_name = "user"

    def standing(self, company_id: int, user_id: int) -> UserStanding | None:
        u, c = t.users, t.companies
        query = (
            sa.select(
                u.c.user_type, u.c.token_version, u.c.active, c.c.active.label("company_active")
            )
            .join(c, c.c.id == u.c.company_id)
            .where(u.c.company_id == company_id, u.c.id == user_id)
        )
        row = self.session.execute(query).first()
        if row is None:
            return None
        return UserStanding(
            UserType(row.user_type), row.token_version, bool(row.active and row.company_active)
        )

    def find_by_username(self, company_id: int, username: str) -> User | None:
        return self._first(self._select(company_id).where(t.users.c.username == username))

    def find_by_identification(self, company_id: int, identification: str) -> User | None:
        return self._first(
            self._select(company_id).where(t.users.c.identification == identification)
        )


class SignInThrottleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, company_key: str, username: str) -> SignInThrottle | None:
        return self.session.get(SignInThrottle, (company_key, username))

    def for_update(self, company_key: str, username: str) -> SignInThrottle:
        """The throttle row, locked against concurrent sign-ins of the same username."""
        throttle = self.session.get(SignInThrottle, (company_key, username), with_for_update=True)
        if throttle is None:
            throttle = SignInThrottle(company_key=company_key, username=username)
            self.session.add(throttle)
        return throttle


class OAuthClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, client_id: str) -> OAuthClient | None:
        return self.session.get(OAuthClient, client_id)

    def all(self) -> list[OAuthClient]:
        return list(
            self.session.scalars(sa.select(OAuthClient).order_by(t.oauth_clients.c.client_id))
        )

    def add(self, client: OAuthClient) -> OAuthClient:
        self.session.add(client)
        return client


class RefreshTokenRepository(TenantRepository[RefreshToken]):
    model = RefreshToken
    table = t.refresh_tokens
    entity_name = "refresh token"

    def find_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        query = (
            sa.select(RefreshToken)
            .where(t.refresh_tokens.c.token_hash == token_hash)
            .with_for_update()
        )
        return self.session.scalar(query)


class AccessKeyRepository(TenantRepository[AccessKey]):
    model = AccessKey
    table = t.access_keys
    entity_name = "access key"

    def find_by_key_id(self, key_id: str) -> AccessKey | None:
        """The key with this public id, in whichever company it belongs to."""
        return self._hold(
            self.session.scalar(sa.select(AccessKey).where(t.access_keys.c.key_id == key_id))
        )

    def of_user(self, company_id: int, user_id: int) -> list[AccessKey]:
        query = self._select(company_id).where(t.access_keys.c.user_id == user_id)
        return list(self.session.scalars(query.order_by(t.access_keys.c.id)))

    def standing(self, company_id: int, user_id: int, key_row_id: int) -> UserStanding | None:
        """The user's standing for a token signed in with this key: inactive once the key
        is revoked, like the user or the company being deactivated."""
        u, c, k = t.users, t.companies, t.access_keys
        query = (
            sa.select(
                u.c.user_type,
                u.c.token_version,
                u.c.active,
                c.c.active.label("company_active"),
                k.c.revoked_at,
            )
            .join(c, c.c.id == u.c.company_id)
            .join(k, sa.and_(k.c.company_id == u.c.company_id, k.c.user_id == u.c.id))
            .where(u.c.company_id == company_id, u.c.id == user_id, k.c.id == key_row_id)
        )
        row = self.session.execute(query).first()
        if row is None:
            return None
        return UserStanding(
            UserType(row.user_type),
            row.token_version,
            bool(row.active and row.company_active and row.revoked_at is None),
        )


class TaxRepository(TenantRepository[Tax]):
    model = Tax
    table = t.taxes
    entity_name = "tax"


class PaymentMeansRepository(TenantRepository[PaymentMeans]):
    model = PaymentMeans
    table = t.payment_means
    entity_name = "payment means"


class DocumentTypeRepository(TenantRepository[DocumentType]):
    model = DocumentType
    table = t.document_types
    entity_name = "document type"
    owned_tables = ("numbering_ranges",)

    def find_by_code(
        self, company_id: int, document_class: DocumentClass, code: int
    ) -> DocumentType | None:
        query = self._select(company_id).where(
            t.document_types.c.document_class == document_class, t.document_types.c.code == code
        )
        return self._first(query)


class NumberingRangeRepository(TenantRepository[NumberingRange]):
    model = NumberingRange
    table = t.numbering_ranges
    entity_name = "numbering range"

    def take_next(self, company_id: int, numbering_range_id: int) -> int | None:
        """The range's next number, advanced in the same statement that locks the range row
        until commit; None when the range ran out meanwhile."""
        r = t.numbering_ranges
        query = (
            sa.update(r)
            .where(
                r.c.company_id == company_id,
                r.c.id == numbering_range_id,
                r.c.active.is_(True),
                r.c.next_number <= r.c.last_number,
            )
            .values(next_number=r.c.next_number + 1)
            .returning(r.c.next_number - 1)
            .execution_options(synchronize_session=False)
        )
        number = self.session.execute(query).scalar()
        return int(number) if number is not None else None

    def number_used(
        self, company_id: int, document_type: DocumentType, prefix: str, number: int
    ) -> bool:
        """Whether a document of this type already has this number (for numbering by hand)."""
        table = (
            t.receipts
            if document_type.document_class == DocumentClass.CASH_RECEIPT
            else t.sales_documents
        )
        query = sa.select(table.c.id).where(
            table.c.company_id == company_id,
            table.c.document_type_id == document_type.id,
            table.c.prefix == prefix,
            table.c.number == number,
        )
        return self.session.execute(query.limit(1)).first() is not None

    def for_document_types(
        self, company_id: int, document_type_ids: Iterable[int]
    ) -> dict[int, list[NumberingRange]]:
        ids = set(document_type_ids)
        ranges: dict[int, list[NumberingRange]] = {type_id: [] for type_id in ids}
        if not ids:
            return ranges
        query = (
            self._select(company_id)
            .where(t.numbering_ranges.c.document_type_id.in_(ids))
            .order_by(t.numbering_ranges.c.id)
        )
        for numbering in self.session.scalars(query):
            ranges[numbering.document_type_id].append(numbering)
        return ranges

    def of_class(
        self, company_id: int, document_class: DocumentClass, *, for_update: bool = False
    ) -> list[NumberingRange]:
        """The ranges of every document type of a class (FV …), oldest first; ``for_update``
        locks them until commit (merging the DIAN's ranges while invoices take numbers)."""
        r, d = t.numbering_ranges, t.document_types
        query = (
            self._select(company_id)
            .join(d, (d.c.company_id == r.c.company_id) & (d.c.id == r.c.document_type_id))
            .where(d.c.document_class == document_class)
            .order_by(r.c.id)
        )
        if for_update:
            query = query.with_for_update(of=r)
        return list(self.session.scalars(query))


class AccountGroupRepository(TenantRepository[AccountGroup]):
    model = AccountGroup
    table = t.account_groups
    entity_name = "account group"

    def find_by_code(self, company_id: int, code: str) -> AccountGroup | None:
        return self._first(self._select(company_id).where(t.account_groups.c.code == code))


class PriceListRepository(TenantRepository[PriceList]):
    model = PriceList
    table = t.price_lists
    entity_name = "price list"


class WarehouseRepository(TenantRepository[Warehouse]):
    model = Warehouse
    table = t.warehouses
    entity_name = "warehouse"

    def find_by_code(self, company_id: int, code: str) -> Warehouse | None:
        return self._first(self._select(company_id).where(t.warehouses.c.code == code))


class CostCenterRepository(TenantRepository[CostCenter]):
    model = CostCenter
    table = t.cost_centers
    entity_name = "cost center"


class ChargeRepository(TenantRepository[Charge]):
    model = Charge
    table = t.charges
    entity_name = "charge"


class PartyRepository(TenantRepository[Party]):
    model = Party
    table = t.parties
    entity_name = "account"
    owned_tables = ("contacts",)

    def search(
        self, company_id: int, filters: PartyFilter, *, offset: int, limit: int
    ) -> list[Party]:
        """A page of the terceros that match, in creation order (stable while a client walks
        the pages)."""
        query = self._matching(company_id, filters).order_by(t.parties.c.id)
        return list(self.session.scalars(query.offset(offset).limit(limit)))

    def count_matching(self, company_id: int, filters: PartyFilter) -> int:
        query = self._matching(company_id, filters).with_only_columns(sa.func.count())
        return int(self.session.scalar(query.order_by(None)) or 0)

    def _matching(self, company_id: int, filters: PartyFilter) -> sa.Select[Any]:
        p = t.parties.c
        query = self._select(company_id)
        exact = (
            (p.identification, filters.identification),
            (p.branch_office, filters.branch_office),
            (p.active, filters.active),
            (p.is_customer, filters.is_customer),
            (p.is_supplier, filters.is_supplier),
            (p.is_other, filters.is_other),
            (p.is_company, filters.is_company),
        )
        for column, value in exact:
            if value is not None:
                query = query.where(column == value)
        if filters.name:
            full = p.first_name + " " + p.last_name
            query = query.where(
                sa.or_(
                    *(
                        column.icontains(filters.name, autoescape=True)
                        for column in (p.full_name, p.commercial_name, full)
                    )
                )
            )
        query = _within(query, p.created_at, filters.created)
        return _within(query, p.updated_at, filters.updated)

    def find_by_identification(
        self, company_id: int, identification: str, branch_office: int
    ) -> Party | None:
        query = self._select(company_id).where(
            t.parties.c.identification == identification, t.parties.c.branch_office == branch_office
        )
        return self._first(query)


class ContactRepository(TenantRepository[Contact]):
    model = Contact
    table = t.contacts
    entity_name = "contact"

    def for_party(self, company_id: int, party_id: int) -> list[Contact]:
        query = (
            self._select(company_id)
            .where(t.contacts.c.party_id == party_id)
            .order_by(t.contacts.c.code)
        )
        return list(self.session.scalars(query))

    def principal_of(self, company_id: int, party_id: int) -> Contact | None:
        query = self._select(company_id).where(
            t.contacts.c.party_id == party_id, t.contacts.c.is_principal.is_(True)
        )
        return self._first(query)

    def for_parties(self, company_id: int, party_ids: Iterable[int]) -> dict[int, list[Contact]]:
        """party id → its contacts (in code order), for several terceros at once."""
        wanted = set(party_ids)
        found: dict[int, list[Contact]] = {party_id: [] for party_id in wanted}
        if not wanted:
            return found
        query = (
            self._select(company_id)
            .where(t.contacts.c.party_id.in_(wanted))
            .order_by(t.contacts.c.party_id, t.contacts.c.code)
        )
        for contact in self.session.scalars(query):
            found[contact.party_id].append(contact)
        return found

    def principal_ids(self, company_id: int, party_ids: Sequence[int]) -> dict[int, int]:
        """party id → id of its principal contact, for the parties that have one."""
        if not party_ids:
            return {}
        query = sa.select(t.contacts.c.party_id, t.contacts.c.id).where(
            t.contacts.c.company_id == company_id,
            t.contacts.c.party_id.in_(party_ids),
            t.contacts.c.is_principal.is_(True),
        )
        return {row.party_id: row.id for row in self.session.execute(query)}


@dataclass(frozen=True)
class ProductForSale:
    """What a sale reads of a product: lighter than the product with its twelve prices."""

    id: int
    code: str
    name: str
    active: bool
    stock_control: bool


class ProductRepository(TenantRepository[Product]):
    model = Product
    table = t.products
    entity_name = "product"
    owned_tables = ("product_prices",)

    def search(
        self,
        company_id: int,
        filters: ProductFilter,
        *,
        offset: int,
        limit: int,
        newest_first: bool = False,
    ) -> list[Product]:
        """A page of the products that match: in creation order, or newest first."""
        p = t.products.c
        order = (p.created_at.desc(), p.id.desc()) if newest_first else (p.id,)
        query = self._matching(company_id, filters).order_by(*order)
        return list(self.session.scalars(query.offset(offset).limit(limit)))

    def count_matching(self, company_id: int, filters: ProductFilter) -> int:
        query = self._matching(company_id, filters).with_only_columns(sa.func.count())
        return int(self.session.scalar(query.order_by(None)) or 0)

    def _matching(self, company_id: int, filters: ProductFilter) -> sa.Select[Any]:
        p = t.products.c
        query = self._select(company_id)
        exact = (
            (p.code, filters.code),
            (p.account_group_id, filters.account_group_id),
            (p.product_type, filters.product_type),
            (p.stock_control, filters.stock_control),
            (p.active, filters.active),
        )
        for column, value in exact:
            if value is not None:
                query = query.where(column == value)
        if filters.guids is not None:
            query = query.where(p.guid.in_(filters.guids))
        if filters.name:
            query = query.where(p.name.icontains(filters.name, autoescape=True))
        query = _within(query, p.created_at, filters.created)
        return _within(query, p.updated_at, filters.updated)

    def find_by_code(self, company_id: int, code: str) -> Product | None:
        return self._first(self._select(company_id).where(t.products.c.code == code))

    def for_sale(self, company_id: int, codes: Iterable[str]) -> dict[str, ProductForSale]:
        p = t.products
        wanted = set(codes)
        if not wanted:
            return {}
        query = sa.select(p.c.id, p.c.code, p.c.name, p.c.active, p.c.stock_control).where(
            p.c.company_id == company_id, p.c.code.in_(wanted)
        )
        return {row.code: ProductForSale(*row) for row in self.session.execute(query)}

    def by_codes(self, company_id: int, codes: Iterable[str]) -> list[Product]:
        wanted = set(codes)
        if not wanted:
            return []
        query = (
            self._select(company_id).where(t.products.c.code.in_(wanted)).order_by(t.products.c.id)
        )
        return list(self.session.scalars(query))


class LedgerAccountRepository(TenantRepository[LedgerAccount]):
    model = LedgerAccount
    table = t.ledger_accounts
    entity_name = "ledger account"

    def by_codes(self, company_id: int, codes: Iterable[str]) -> dict[str, LedgerAccount]:
        wanted = set(codes)
        if not wanted:
            return {}
        query = self._select(company_id).where(t.ledger_accounts.c.code.in_(wanted))
        return {account.code: account for account in self.session.scalars(query)}


class StockRepository(TenantRepository[StockMovement]):
    """Stock movements (the ledger) and stock balances (their running sum), written together."""

    model = StockMovement
    table = t.stock_movements
    entity_name = "stock movement"

    def move(self, movements: Sequence[StockMovement]) -> dict[tuple[int, int], Decimal]:
        """Records the movements and returns the new balances they leave (see ``adjust``)."""
        after = self.adjust(movements)
        self.record(movements)
        return after

    def adjust(self, movements: Sequence[StockMovement]) -> dict[tuple[int, int], Decimal]:
        """Adds the movements to the balances and returns the new balance of each product and
        warehouse they touch. The balance rows stay locked until commit, taken in one order
        (product, warehouse) so that concurrent sales never deadlock; a caller that finds a
        balance it cannot accept raises, and the whole transaction goes. ``record`` must write
        the movements themselves in the same transaction."""
        if not movements:
            return {}
        company_id = movements[0].company_id
        deltas: dict[tuple[int, int], Decimal] = {}
        for movement in movements:
            key = (movement.product_id, movement.warehouse_id)
            deltas[key] = deltas.get(key, Decimal(0)) + movement.quantity
        ordered = sorted(deltas.items())
        if self.session.get_bind().dialect.name == "postgresql":
            # One statement whatever the number of products, so PostgreSQL prepares it once.
            rows = self.session.execute(
                _UPSERT_BALANCES_POSTGRESQL,
                {
                    "company_id": company_id,
                    "products": [p for (p, _), _ in ordered],
                    "warehouses": [w for (_, w), _ in ordered],
                    "quantities": [q for _, q in ordered],
                },
            )
            return {(row.product_id, row.warehouse_id): Decimal(row.quantity) for row in rows}
        balances = t.stock_balances
        upsert = sqlite_insert(balances).values(
            [
                {"company_id": company_id, "product_id": p, "warehouse_id": w, "quantity": q}
                for (p, w), q in ordered
            ]
        )
        returning = upsert.on_conflict_do_update(
            index_elements=[balances.c.company_id, balances.c.product_id, balances.c.warehouse_id],
            set_={"quantity": balances.c.quantity + upsert.excluded.quantity},
        ).returning(balances.c.product_id, balances.c.warehouse_id, balances.c.quantity)
        return {
            (row.product_id, row.warehouse_id): row.quantity
            for row in self.session.execute(returning)
        }

    def record(self, movements: Sequence[StockMovement]) -> None:
        if not movements:
            return
        ids = allocate_ids(self.session.connection(), "stock_movements", len(movements))
        now = utc_now()
        self.session.execute(
            sa.insert(t.stock_movements),
            [
                {
                    "company_id": m.company_id,
                    "id": movement_id,
                    "product_id": m.product_id,
                    "warehouse_id": m.warehouse_id,
                    "quantity": m.quantity,
                    "reason": m.reason,
                    "document_id": m.document_id,
                    "note": m.note,
                    "created_by": m.created_by,
                    "created_at": now,
                }
                for movement_id, m in zip(ids, movements, strict=True)
            ],
        )
        for movement_id, movement in zip(ids, movements, strict=True):
            movement.id, movement.created_at = movement_id, now

    def balances(self, company_id: int, product_id: int) -> list[WarehouseBalance]:
        """Stock of one product in every active warehouse, and in any inactive one that
        still holds some."""
        b, w = t.stock_balances, t.warehouses
        query = (
            sa.select(w.c.id, w.c.code, w.c.name, b.c.quantity)
            .outerjoin(
                b,
                sa.and_(
                    b.c.company_id == w.c.company_id,
                    b.c.warehouse_id == w.c.id,
                    b.c.product_id == product_id,
                ),
            )
            .where(
                w.c.company_id == company_id,
                sa.or_(w.c.active, sa.func.coalesce(b.c.quantity, 0) != 0),
            )
            .order_by(w.c.code)
        )
        return [
            WarehouseBalance(
                warehouse_id=row.id,
                warehouse_code=row.code,
                warehouse_name=row.name,
                quantity=row.quantity if row.quantity is not None else Decimal(0),
            )
            for row in self.session.execute(query)
        ]

    def quantities(
        self, company_id: int, product_ids: Iterable[int]
    ) -> dict[tuple[int, int], Decimal]:
        """(product id, warehouse id) → balance, for the balances these products have."""
        b = t.stock_balances
        wanted = set(product_ids)
        if not wanted:
            return {}
        query = sa.select(b.c.product_id, b.c.warehouse_id, b.c.quantity).where(
            b.c.company_id == company_id, b.c.product_id.in_(wanted)
        )
        return {
            (row.product_id, row.warehouse_id): row.quantity for row in self.session.execute(query)
        }

    def last_moved(self, company_id: int, product_ids: Iterable[int]) -> dict[int, datetime]:
        """product id → when its stock last changed, for the products that ever moved."""
        m = t.stock_movements
        wanted = set(product_ids)
        if not wanted:
            return {}
        query = (
            sa.select(m.c.product_id, sa.func.max(m.c.created_at).label("last"))
            .where(m.c.company_id == company_id, m.c.product_id.in_(wanted))
            .group_by(m.c.product_id)
        )
        return {row.product_id: row.last for row in self.session.execute(query)}

    def warehouses_moved(self, company_id: int) -> set[int]:
        """The warehouses that have seen any stock movement."""
        m = t.stock_movements
        query = sa.select(m.c.warehouse_id).where(m.c.company_id == company_id).distinct()
        return set(self.session.scalars(query))

    def has_movements(self, company_id: int, product_id: int) -> bool:
        m = t.stock_movements
        query = (
            sa.select(m.c.id)
            .where(m.c.company_id == company_id, m.c.product_id == product_id)
            .limit(1)
        )
        return self.session.execute(query).first() is not None


def _within(query: sa.Select[Any], column: sa.ColumnElement[Any], period: Period) -> sa.Select[Any]:
    if period.start is not None:
        query = query.where(column >= period.start)
    if period.end is not None:
        query = query.where(column <= period.end)
    return query


_UPSERT_BALANCES_POSTGRESQL = sa.text(
    "INSERT INTO stock_balances (company_id, product_id, warehouse_id, quantity) "
    "SELECT :company_id, product_id, warehouse_id, quantity "
    "FROM unnest(CAST(:products AS bigint[]), CAST(:warehouses AS bigint[]), CAST(:quantities AS numeric[])) "
    "AS moved (product_id, warehouse_id, quantity) "
    "ORDER BY product_id, warehouse_id "
    "ON CONFLICT (company_id, product_id, warehouse_id) "
    "DO UPDATE SET quantity = stock_balances.quantity + excluded.quantity "
    "RETURNING product_id, warehouse_id, quantity"
)
