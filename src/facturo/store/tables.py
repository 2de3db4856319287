"""The schema. Every tenant table is keyed (company_id, id); every foreign key between
tenant tables includes company_id, so the database itself refuses a row of one company
that points at another company's record; every unique constraint includes company_id.

Migrations (``store/migrations``) create this schema; a test checks they agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from facturo.domain.access import UserType
from facturo.domain.catalogs import DiscountType, DocumentClass, PaymentMeansType, TaxType
from facturo.domain.products import ProductType, TaxClassification
from facturo.domain.receipts import VoucherType
from facturo.domain.receivables import ApplicationSource, CreditSource
from facturo.domain.sales import DocumentStatus
from facturo.domain.stock import StockReason
from facturo.store.types import Amount, IntEnumType, UTCDateTime, enum_column_type

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Tables whose ids come from the id allocator (store/ids.py), one sequence each.
ALLOCATED_ID_TABLES = (
    "companies",
    "users",
    "refresh_tokens",
    "taxes",
    "payment_means",
    "document_types",
    "numbering_ranges",
    "account_groups",
    "price_lists",
    "warehouses",
    "cost_centers",
    "charges",
    "parties",
    "contacts",
    "products",
    "stock_movements",
    "ledger_accounts",
    "sales_documents",
    "installments",
    "installment_applications",
    "customer_credits",
    "receipts",
    "access_keys",
    "webhooks",
    "webhook_deliveries",
    "signing_certificates",
    "certificate_events",
    "dian_transmission_log",
    "dian_test_set_runs",
)


def _company_id() -> sa.Column[int]:
    return sa.Column(
        "company_id", sa.BigInteger, sa.ForeignKey("companies.id"), primary_key=True, nullable=False
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False, nullable=False)


def _tenant_fk(columns: list[str], table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["company_id", *columns], [f"{table}.company_id", f"{table}.id"])


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


# Counters behind the id allocator on SQLite (PostgreSQL uses real sequences).
id_sequences = sa.Table(
    "id_sequences",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(50), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("nit", sa.String(15), nullable=False),
    sa.Column("check_digit", sa.SmallInteger, nullable=False),
    sa.Column("allow_negative_stock", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

oauth_clients = sa.Table(
    "oauth_clients",
    metadata,
    sa.Column("client_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("secret_hash", sa.String(128), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

sign_in_throttles = sa.Table(
    "sign_in_throttles",
    metadata,
    sa.Column("company_key", sa.String(50), primary_key=True),
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime()),
    sa.Column("last_failure_at", UTCDateTime()),
)

users = sa.Table(
    "users",
    metadata,
    _company_id(),
    _id(),
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("user_type", enum_column_type(UserType), nullable=False),
    sa.Column("identification", sa.String(50), nullable=False),
    sa.Column("first_name", sa.String(50), nullable=False),
    sa.Column("last_name", sa.String(50), nullable=False),
    sa.Column("email", sa.String(100)),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("must_change_password", sa.Boolean, nullable=False),
    sa.Column("token_version", sa.Integer, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("company_id", "username"),
    sa.UniqueConstraint("company_id", "identification"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    _company_id(),
    _id(),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column(
        "client_id", sa.String(100), sa.ForeignKey("oauth_clients.client_id"), nullable=False
    ),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scope", sa.String(200), nullable=False),
    sa.Column("token_version", sa.Integer, nullable=False),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("used_at", UTCDateTime()),
    _tenant_fk(["user_id"], "users"),
)

taxes = sa.Table(
    "taxes",
    metadata,
    _company_id(),
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("tax_type", enum_column_type(TaxType), nullable=False),
    sa.Column("percentage", Amount(7, 4), nullable=False),
    sa.Column("description", sa.String(200)),
    sa.Column("active", sa.Boolean, nullable=False),
)

payment_means = sa.Table(
    "payment_means",
    metadata,
    _company_id(),
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("means_type", IntEnumType(PaymentMeansType), nullable=False),
    sa.Column("is_system", sa.Boolean, nullable=False),
    sa.Column("is_credit", sa.Boolean, nullable=False),
    sa.Column("dian_code", sa.String(3), nullable=False),
    sa.Column("account_code", sa.String(10)),
    sa.Column("active", sa.Boolean, nullable=False),
)

document_types = sa.Table(
    "document_types",
    metadata,
    _company_id(),
    _id(),
    sa.Column("document_class", enum_column_type(DocumentClass), nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("automatic_number", sa.Boolean, nullable=False),
    sa.Column("electronic", sa.Boolean, nullable=False),
    sa.Column("discount_type", enum_column_type(DiscountType), nullable=False),
    sa.Column("cost_center_mandatory", sa.Boolean, nullable=False),
    sa.Column("seller_by_item", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("company_id", "document_class", "code"),
)

numbering_ranges = sa.Table(
    "numbering_ranges",
    metadata,
    _company_id(),
    _id(),
    sa.Column("document_type_id", sa.BigInteger, nullable=False),
    sa.Column("prefix", sa.String(4), nullable=False),
    sa.Column("first_number", sa.BigInteger, nullable=False),
    sa.Column("last_number", sa.BigInteger, nullable=False),
    sa.Column("next_number", sa.BigInteger, nullable=False),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_to", sa.Date),
    sa.Column("resolution_number", sa.String(30)),
    sa.Column("resolution_date", sa.Date),
    sa.Column("technical_key", sa.String(40)),
    sa.Column("active", sa.Boolean, nullable=False),
    _tenant_fk(["document_type_id"], "document_types"),
    sa.CheckConstraint("first_number <= last_number", name="bounds"),
    sa.CheckConstraint("next_number BETWEEN first_number AND last_number + 1", name="next_inside"),
)

account_groups = sa.Table(
    "account_groups",
    metadata,
    _company_id(),
    _id(),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("inventory_account", sa.String(10)),
    sa.Column("income_account", sa.String(10)),
    sa.Column("cost_account", sa.String(10)),
    sa.Column("returns_account", sa.String(10)),
    sa.UniqueConstraint("company_id", "code"),
)

price_lists = sa.Table(
    "price_lists",
    metadata,
    _company_id(),
    _id(),
    sa.Column("position", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("company_id", "position"),
    sa.CheckConstraint("position BETWEEN 1 AND 12", name="position"),
)

warehouses = sa.Table(
    "warehouses",
    metadata,
    _company_id(),
    _id(),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("company_id", "code"),
)

cost_centers = sa.Table(
    "cost_centers",
    metadata,
    _company_id(),
    _id(),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("parent_id", sa.BigInteger),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("company_id", "code"),
    _tenant_fk(["parent_id"], "cost_centers"),
)

charges = sa.Table(
    "charges",
    metadata,
    _company_id(),
    _id(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    *_timestamps(),
)

parties = sa.Table(
    "parties",
    metadata,
    _company_id(),
    _id(),
    sa.Column("guid", sa.Uuid, nullable=False),
    sa.Column("is_customer", sa.Boolean, nullable=False),
    sa.Column("is_supplier", sa.Boolean, nullable=False),
    sa.Column("is_prospect", sa.Boolean, nullable=False),
    sa.Column("is_dealer", sa.Boolean, nullable=False),
    sa.Column("is_other", sa.Boolean, nullable=False),
    sa.Column("is_company", sa.Boolean, nullable=False),
    sa.Column("full_name", sa.String(100)),
    sa.Column("first_name", sa.String(50)),
    sa.Column("last_name", sa.String(50)),
    sa.Column("commercial_name", sa.String(100)),
    sa.Column("id_type_code", sa.String(10), nullable=False),
    sa.Column("identification", sa.String(50), nullable=False),
    sa.Column("check_digit", sa.SmallInteger),
    sa.Column("branch_office", sa.SmallInteger, nullable=False),
    sa.Column("vat_responsible", sa.Boolean, nullable=False),
    sa.Column("website", sa.String(500)),
    sa.Column("country_code", sa.String(2)),
    sa.Column("state_code", sa.String(10)),
    sa.Column("city_code", sa.String(10)),
    sa.Column("address", sa.String(250)),
    sa.Column("postal_code", sa.String(10)),
    sa.Column("phone_indicative", sa.String(10)),
    sa.Column("phone_number", sa.String(10)),
    sa.Column("phone_extension", sa.String(10)),
    sa.Column("fax_indicative", sa.String(10)),
    sa.Column("fax_number", sa.String(10)),
    sa.Column("fax_extension", sa.String(10)),
    sa.Column("email", sa.String(100)),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("director_id", sa.BigInteger),
    sa.Column("salesman_id", sa.BigInteger),
    sa.Column("collector_id", sa.BigInteger),
    sa.Column("fiscal_responsibilities", sa.JSON, nullable=False),
    sa.Column("comments", sa.String(4000)),
    *_timestamps(),
    sa.UniqueConstraint("company_id", "guid"),
    sa.UniqueConstraint("company_id", "identification", "branch_office"),
    _tenant_fk(["director_id"], "users"),
    _tenant_fk(["salesman_id"], "users"),
    _tenant_fk(["collector_id"], "users"),
)

contacts = sa.Table(
    "contacts",
    metadata,
    _company_id(),
    _id(),
    sa.Column("party_id", sa.BigInteger, nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("first_name", sa.String(50), nullable=False),
    # Optional since the current API: its contacts need only a first name.
    sa.Column("last_name", sa.String(50)),
    sa.Column("email", sa.String(100)),
    sa.Column("phone_indicative", sa.String(10)),
    sa.Column("phone_number", sa.String(10)),
    sa.Column("phone_extension", sa.String(10)),
    sa.Column("mobile_indicative", sa.String(10)),
    sa.Column("mobile_number", sa.String(10)),
    sa.Column("mobile_extension", sa.String(10)),
    sa.Column("fax_indicative", sa.String(10)),
    sa.Column("fax_number", sa.String(10)),
    sa.Column("fax_extension", sa.String(10)),
    sa.Column("is_principal", sa.Boolean, nullable=False),
    sa.Column("gender", sa.SmallInteger),
    sa.Column("charge_id", sa.BigInteger),
    sa.Column("birth_date", sa.Date),
    *_timestamps(),
    sa.UniqueConstraint("company_id", "party_id", "code"),
    _tenant_fk(["party_id"], "parties"),
    _tenant_fk(["charge_id"], "charges"),
    # At most one principal contact per tercero.
    sa.Index(
        "uq_contacts_principal",
        "company_id",
        "party_id",
        unique=True,
        sqlite_where=sa.text("is_principal"),
        postgresql_where=sa.text("is_principal"),
    ),
)

products = sa.Table(
    "products",
    metadata,
    _company_id(),
    _id(),
    sa.Column("guid", sa.Uuid, nullable=False),
    sa.Column("code", sa.String(30), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("product_type", enum_column_type(ProductType), nullable=False),
    sa.Column("account_group_id", sa.BigInteger, nullable=False),
    sa.Column("reference", sa.String(80)),
    sa.Column("unit_label", sa.String(50)),
    sa.Column("unit_code", sa.String(3), nullable=False),
    sa.Column("barcode", sa.String(30)),
    sa.Column("description", sa.String(2500)),
    sa.Column("tax_add_id", sa.BigInteger),
    sa.Column("tax_add2_id", sa.BigInteger),
    sa.Column("tax_discount_id", sa.BigInteger),
    sa.Column("tax_included", sa.Boolean, nullable=False),
    sa.Column("consumption_tax_value", Amount(18, 2)),
    sa.Column("stock_control", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("model", sa.String(50)),
    sa.Column("brand", sa.String(50)),
    sa.Column("tariff", sa.String(20)),
    sa.Column("tax_classification", enum_column_type(TaxClassification), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("company_id", "guid"),
    sa.UniqueConstraint("company_id", "code"),
    _tenant_fk(["account_group_id"], "account_groups"),
    _tenant_fk(["tax_add_id"], "taxes"),
    _tenant_fk(["tax_add2_id"], "taxes"),
    _tenant_fk(["tax_discount_id"], "taxes"),
)

product_prices = sa.Table(
    "product_prices",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    sa.Column("currency_code", sa.String(3), primary_key=True),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("value", Amount(20, 6), nullable=False),
    sa.ForeignKeyConstraint(
        ["company_id", "product_id"], ["products.company_id", "products.id"], ondelete="CASCADE"
    ),
    sa.ForeignKeyConstraint(
        ["company_id", "position"], ["price_lists.company_id", "price_lists.position"]
    ),
)

stock_movements = sa.Table(
    "stock_movements",
    metadata,
    _company_id(),
    _id(),
    sa.Column("product_id", sa.BigInteger, nullable=False),
    sa.Column("warehouse_id", sa.BigInteger, nullable=False),
    sa.Column("quantity", Amount(18, 4), nullable=False),
    sa.Column("reason", enum_column_type(StockReason), nullable=False),
    sa.Column("document_id", sa.BigInteger),
    sa.Column("note", sa.String(500)),
    sa.Column("created_by", sa.BigInteger),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    _tenant_fk(["product_id"], "products"),
    _tenant_fk(["warehouse_id"], "warehouses"),
    _tenant_fk(["created_by"], "users"),
    _tenant_fk(["document_id"], "sales_documents"),
    sa.Index("ix_stock_movements_balance", "company_id", "product_id", "warehouse_id"),
)

# The running sum of stock_movements per product and warehouse, kept in the same transaction
# as every movement. Selling updates this row (locking it), so two sales of the last unit
# queue on it and exactly one finds stock left.
stock_balances = sa.Table(
    "stock_balances",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True),
    sa.Column("warehouse_id", sa.BigInteger, primary_key=True),
    sa.Column("quantity", Amount(18, 4), nullable=False),
    _tenant_fk(["product_id"], "products"),
    _tenant_fk(["warehouse_id"], "warehouses"),
)

ledger_accounts = sa.Table(
    "ledger_accounts",
    metadata,
    _company_id(),
    _id(),
    sa.Column("code", sa.String(12), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.UniqueConstraint("company_id", "code"),
)

# Invoices (FV), credit notes (NC) and debit notes (ND): one shape, immutable once issued.
sales_documents = sa.Table(
    "sales_documents",
    metadata,
    _company_id(),
    _id(),
    sa.Column("guid", sa.Uuid, nullable=False),
    sa.Column("document_class", enum_column_type(DocumentClass), nullable=False),
    sa.Column("document_type_id", sa.BigInteger, nullable=False),
    sa.Column("numbering_range_id", sa.BigInteger, nullable=False),
    sa.Column("prefix", sa.String(4), nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.BigInteger, nullable=False),
    sa.Column("contact_id", sa.BigInteger),
    sa.Column("seller_id", sa.BigInteger, nullable=False),
    sa.Column("cost_center_id", sa.BigInteger),
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("exchange_rate", Amount(18, 6)),
    sa.Column("observations", sa.String(4000)),
    sa.Column("gross", Amount(18, 2), nullable=False),
    sa.Column("discount", Amount(18, 2), nullable=False),
    sa.Column("base", Amount(18, 2), nullable=False),
    sa.Column("vat", Amount(18, 2), nullable=False),
    sa.Column("consumption", Amount(18, 2), nullable=False),
    sa.Column("withholding", Amount(18, 2), nullable=False),
    sa.Column("reteiva_tax_id", sa.BigInteger),
    sa.Column("reteiva_name", sa.String(100)),
    sa.Column("reteiva_percentage", Amount(7, 4)),
    sa.Column("reteiva_value", Amount(18, 2), nullable=False),
    sa.Column("reteica_tax_id", sa.BigInteger),
    sa.Column("reteica_name", sa.String(100)),
    sa.Column("reteica_percentage", Amount(7, 4)),
    sa.Column("reteica_value", Amount(18, 2), nullable=False),
    sa.Column("total", Amount(18, 2), nullable=False),
    sa.Column("related_document_id", sa.BigInteger),
    sa.Column("reason_code", sa.String(2)),
    sa.Column("status", enum_column_type(DocumentStatus), nullable=False),
    sa.Column("annulled_at", UTCDateTime()),
    sa.Column("annul_reason", sa.String(500)),
    sa.Column("created_by", sa.BigInteger),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("idempotency_key", sa.String(130)),  # the key and when it was claimed
    sa.Column("order_references", sa.Text),  # purchase/delivery orders, as JSON
    sa.UniqueConstraint("company_id", "guid"),
    sa.UniqueConstraint("company_id", "document_type_id", "prefix", "number"),
    sa.UniqueConstraint("company_id", "document_class", "idempotency_key"),
    _tenant_fk(["document_type_id"], "document_types"),
    _tenant_fk(["numbering_range_id"], "numbering_ranges"),
    _tenant_fk(["customer_id"], "parties"),
    _tenant_fk(["contact_id"], "contacts"),
    _tenant_fk(["seller_id"], "users"),
    _tenant_fk(["cost_center_id"], "cost_centers"),
    _tenant_fk(["related_document_id"], "sales_documents"),
    _tenant_fk(["created_by"], "users"),
    # ``status`` rides along so that a page of a class's ids (OFFSET deep into a large company,
    # withdrawn documents left out) is an index-only walk.
    sa.Index("ix_sales_documents_class", "company_id", "document_class", "id", "status"),
    sa.Index("ix_sales_documents_date", "company_id", "date"),
    sa.Index("ix_sales_documents_customer", "company_id", "customer_id"),
    sa.Index("ix_sales_documents_related", "company_id", "related_document_id"),
)


def _tax_snapshot(slot: str) -> list[sa.Column[object]]:
    """A line keeps its taxes as they were: id, name, type and rate, and the amount."""
    return [
        sa.Column(f"{slot}_id", sa.BigInteger),
        sa.Column(f"{slot}_name", sa.String(100)),
        sa.Column(f"{slot}_type", enum_column_type(TaxType, name=f"{slot}_type")),
        sa.Column(f"{slot}_percentage", Amount(7, 4)),
        sa.Column(f"{slot}_value", Amount(18, 2), nullable=False),
    ]


sales_document_lines = sa.Table(
    "sales_document_lines",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("document_id", sa.BigInteger, primary_key=True),
    sa.Column("line_number", sa.SmallInteger, primary_key=True),
    sa.Column("product_id", sa.BigInteger, nullable=False),
    sa.Column("product_code", sa.String(30), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("quantity", Amount(18, 4), nullable=False),
    sa.Column("unit_value", Amount(20, 6), nullable=False),
    sa.Column("discount_percentage", Amount(7, 4)),
    sa.Column("gross", Amount(18, 2), nullable=False),
    sa.Column("discount", Amount(18, 2), nullable=False),
    sa.Column("base", Amount(18, 2), nullable=False),
    *_tax_snapshot("tax_add"),
    *_tax_snapshot("tax_add2"),
    *_tax_snapshot("tax_discount"),
    sa.Column("total", Amount(18, 2), nullable=False),
    sa.Column("warehouse_id", sa.BigInteger),
    sa.Column("seller_id", sa.BigInteger),
    sa.ForeignKeyConstraint(
        ["company_id", "document_id"], ["sales_documents.company_id", "sales_documents.id"]
    ),
    _tenant_fk(["product_id"], "products"),
    _tenant_fk(["warehouse_id"], "warehouses"),
    _tenant_fk(["seller_id"], "users"),
)

installments = sa.Table(
    "installments",
    metadata,
    _company_id(),
    _id(),
    sa.Column("document_id", sa.BigInteger, nullable=False),
    sa.Column("position", sa.SmallInteger, nullable=False),
    sa.Column("payment_means_id", sa.BigInteger, nullable=False),
    sa.Column("amount", Amount(18, 2), nullable=False),
    sa.Column("balance", Amount(18, 2), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("due_quote", sa.Integer),
    sa.UniqueConstraint("company_id", "document_id", "position"),
    _tenant_fk(["document_id"], "sales_documents"),
    _tenant_fk(["payment_means_id"], "payment_means"),
    sa.CheckConstraint("balance >= 0 AND balance <= amount", name="balance_within_amount"),
    sa.Index(
        "uq_installments_due_quote",
        "company_id",
        "document_id",
        "due_quote",
        unique=True,
        sqlite_where=sa.text("due_quote IS NOT NULL"),
        postgresql_where=sa.text("due_quote IS NOT NULL"),
    ),
    sa.Index(
        "ix_installments_open",
        "company_id",
        "due_date",
        sqlite_where=sa.text("balance > 0"),
        postgresql_where=sa.text("balance > 0"),
    ),
)

# Every reduction of an installment's balance, with its reason: balance = amount − Σ these.
installment_applications = sa.Table(
    "installment_applications",
    metadata,
    _company_id(),
    _id(),
    sa.Column("installment_id", sa.BigInteger, nullable=False),
    sa.Column("amount", Amount(18, 2), nullable=False),
    sa.Column("source", enum_column_type(ApplicationSource), nullable=False),
    sa.Column("source_id", sa.BigInteger),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    _tenant_fk(["installment_id"], "installments"),
    sa.Index("ix_installment_applications_installment", "company_id", "installment_id"),
)

customer_credits = sa.Table(
    "customer_credits",
    metadata,
    _company_id(),
    _id(),
    sa.Column("party_id", sa.BigInteger, nullable=False),
    sa.Column("source", enum_column_type(CreditSource), nullable=False),
    sa.Column("source_id", sa.BigInteger, nullable=False),
    sa.Column("amount", Amount(18, 2), nullable=False),
    sa.Column("remaining", Amount(18, 2), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    _tenant_fk(["party_id"], "parties"),
    sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_within_amount"),
    sa.Index("ix_customer_credits_party", "company_id", "party_id"),
)

receipts = sa.Table(
    "receipts",
    metadata,
    _company_id(),
    _id(),
    sa.Column("guid", sa.Uuid, nullable=False),
    sa.Column("document_type_id", sa.BigInteger, nullable=False),
    sa.Column("numbering_range_id", sa.BigInteger, nullable=False),
    sa.Column("prefix", sa.String(4), nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.BigInteger, nullable=False),
    sa.Column("voucher_type", IntEnumType(VoucherType), nullable=False),
    sa.Column("payment_means_id", sa.BigInteger),
    sa.Column("total", Amount(18, 2), nullable=False),
    sa.Column("observations", sa.String(500)),
    sa.Column("cost_center_id", sa.BigInteger),
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("exchange_rate", Amount(18, 6)),
    sa.Column("status", enum_column_type(DocumentStatus), nullable=False),
    sa.Column("created_by", sa.BigInteger),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("idempotency_key", sa.String(130)),  # the key and when it was claimed
    sa.UniqueConstraint("company_id", "guid"),
    sa.UniqueConstraint("company_id", "document_type_id", "prefix", "number"),
    sa.UniqueConstraint("company_id", "idempotency_key"),
    _tenant_fk(["document_type_id"], "document_types"),
    _tenant_fk(["numbering_range_id"], "numbering_ranges"),
    _tenant_fk(["customer_id"], "parties"),
    _tenant_fk(["payment_means_id"], "payment_means"),
    _tenant_fk(["cost_center_id"], "cost_centers"),
    _tenant_fk(["created_by"], "users"),
    sa.Index("ix_receipts_date", "company_id", "date"),
)

receipt_lines = sa.Table(
    "receipt_lines",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("receipt_id", sa.BigInteger, primary_key=True),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("value", Amount(18, 2), nullable=False),
    sa.Column("description", sa.String(100)),
    sa.Column("movement", sa.SmallInteger, nullable=False),
    sa.Column("account_code", sa.String(12)),
    sa.Column("installment_id", sa.BigInteger),
    sa.Column("due_date", sa.Date),
    sa.ForeignKeyConstraint(["company_id", "receipt_id"], ["receipts.company_id", "receipts.id"]),
    _tenant_fk(["installment_id"], "installments"),
)

# Idempotency-Key: the first answer to a request, replayed to its retries for 24 hours.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("company_id", sa.BigInteger, sa.ForeignKey("companies.id"), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("route", sa.String(100), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("response_status", sa.SmallInteger),
    sa.Column("response_body", sa.Text),
    sa.Column("locked_until", UTCDateTime()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
)

# A document as it was before each replacement (PUT on the current API): posted records are
# never overwritten without their earlier content kept.
sales_document_revisions = sa.Table(
    "sales_document_revisions",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("document_id", sa.BigInteger, primary_key=True),
    sa.Column("revision", sa.SmallInteger, primary_key=True),
    sa.Column("content", sa.Text, nullable=False),  # the replaced document, as JSON
    sa.Column("replaced_by", sa.BigInteger),
    sa.Column("replaced_at", UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["company_id", "document_id"], ["sales_documents.company_id", "sales_documents.id"]
    ),
    _tenant_fk(["replaced_by"], "users"),
)

# Current-API access keys (POST /auth): one user's key to one company, stored as a hash.
access_keys = sa.Table(
    "access_keys",
    metadata,
    _company_id(),
    _id(),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False, unique=True),  # public half, names the key
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("label", sa.String(100)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
    _tenant_fk(["user_id"], "users"),
    sa.Index("ix_access_keys_user", "company_id", "user_id"),
)

# Requests per company and time window, for the optional rate limit (FACTURO_RATE_LIMIT).
rate_limit_windows = sa.Table(
    "rate_limit_windows",
    metadata,
    sa.Column("company_id", sa.BigInteger, sa.ForeignKey("companies.id"), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),  # Unix seconds
    sa.Column("requests", sa.Integer, nullable=False),
)

# Webhook subscriptions (/v1/webhooks) and the deliveries of each event to each subscriber.
webhooks = sa.Table(
    "webhooks",
    metadata,
    _company_id(),
    _id(),
    sa.Column("guid", sa.Uuid, nullable=False),
    sa.Column("application_id", sa.String(100), nullable=False),
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("secret", sa.Text, nullable=False),  # the HMAC signing secret, encrypted at rest
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.BigInteger),
    *_timestamps(),
    sa.UniqueConstraint("company_id", "guid"),
    _tenant_fk(["created_by"], "users"),
    sa.Index("ix_webhooks_topic", "company_id", "topic"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    _company_id(),
    _id(),
    sa.Column("webhook_id", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),  # one event, the same for every subscriber
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # the JSON body, fixed when the event happened
    sa.Column("status", sa.String(10), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.SmallInteger, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime()),
    sa.Column("locked_until", UTCDateTime()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("delivered_at", UTCDateTime()),
    _tenant_fk(["webhook_id"], "webhooks"),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_webhook", "company_id", "webhook_id", "id"),
)

# The delivery log: every attempt, with what the receiver answered.
webhook_delivery_attempts = sa.Table(
    "webhook_delivery_attempts",
    metadata,
    sa.Column("company_id", sa.BigInteger, primary_key=True),
    sa.Column("delivery_id", sa.BigInteger, primary_key=True),
    sa.Column("attempt", sa.SmallInteger, primary_key=True),
    sa.Column("attempted_at", UTCDateTime(), nullable=False),
    sa.Column("status_code", sa.SmallInteger),
    sa.Column("error", sa.String(500)),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(
        ["company_id", "delivery_id"], ["webhook_deliveries.company_id", "webhook_deliveries.id"]
    ),
)


# --- DIAN electronic invoicing -----------------------------------------------------------

# One row per company that invoices electronically: the DIAN environment, the software
# registered in the DIAN portal, and the fiscal data the documents carry (the RUT's).
einvoicing_settings = sa.Table(
    "einvoicing_settings",
    metadata,
    sa.Column("company_id", sa.BigInteger, sa.ForeignKey("companies.id"), primary_key=True),
    sa.Column("environment", sa.String(1), nullable=False),  # 1 producción, 2 habilitación
    sa.Column("endpoint_url", sa.String(500)),  # None: the DIAN's URL for the environment
    sa.Column("software_id", sa.String(100), nullable=False),
    sa.Column("software_pin", sa.Text, nullable=False),  # sealed
    sa.Column("test_set_id", sa.String(100)),
    sa.Column("provider_nit", sa.String(15), nullable=False),
    sa.Column("provider_check_digit", sa.SmallInteger, nullable=False),
    sa.Column("provider_code", sa.String(3), nullable=False),  # file names: 000 software propio
    sa.Column("legal_name", sa.String(450), nullable=False),
    sa.Column("commercial_name", sa.String(450)),
    sa.Column("person_type", sa.String(1), nullable=False),  # 1 jurídica, 2 natural
    sa.Column("responsibilities", sa.String(200), nullable=False),  # ";"-joined codes
    sa.Column("tax_scheme", sa.String(2), nullable=False),  # 01 IVA, ZZ no aplica
    sa.Column("municipality_code", sa.String(5), nullable=False),  # DIVIPOLA
    sa.Column("address_line", sa.String(300), nullable=False),
    sa.Column("postal_code", sa.String(10)),
    sa.Column("phone", sa.String(50)),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("deliver_to_buyer", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# The company's own signing certificate and the request that obtains it
# (shared/spec/help-certificate-tracking.txt). The PKCS#12 and its password are sealed.
signing_certificates = sa.Table(
    "signing_certificates",
    metadata,
    _company_id(),
    _id(),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("observations", sa.String(1000)),
    sa.Column("pkcs12", sa.Text),
    sa.Column("password", sa.Text),
    sa.Column("subject", sa.String(500)),
    sa.Column("issuer", sa.String(500)),
    sa.Column("serial_number", sa.String(100)),
    sa.Column("not_before", UTCDateTime()),
    sa.Column("not_after", UTCDateTime()),
    sa.Column("fingerprint", sa.String(64)),
    *_timestamps(),
)

certificate_events = sa.Table(
    "certificate_events",
    metadata,
    _company_id(),
    _id(),
    sa.Column("certificate_id", sa.BigInteger, nullable=False),
    sa.Column("from_state", sa.String(12)),
    sa.Column("to_state", sa.String(12), nullable=False),
    sa.Column("observations", sa.String(1000)),
    sa.Column("user_id", sa.BigInteger),  # None: the operator at the CLI, or the clock (Vencido)
    sa.Column("at", UTCDateTime(), nullable=False),
    _tenant_fk(["certificate_id"], "signing_certificates"),
    sa.Index("ix_certificate_events_certificate", "company_id", "certificate_id", "id"),
)

# The transmission outbox: written with the document, worked by `facturo worker`. Once the
# signed XML is stored it is the only thing ever sent for the document (one number, one CUFE).
dian_transmissions = sa.Table(
    "dian_transmissions",
    metadata,
    _company_id(),
    sa.Column("document_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.SmallInteger, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime()),
    sa.Column("locked_until", UTCDateTime()),
    sa.Column("first_failure_at", UTCDateTime()),
    sa.Column("document_key", sa.String(96)),
    sa.Column("file_name", sa.String(40)),
    sa.Column("xml", sa.LargeBinary),
    sa.Column("signed_at", UTCDateTime()),
    sa.Column("application_response", sa.LargeBinary),
    sa.Column("status_code", sa.String(4)),
    sa.Column("status_description", sa.String(500)),
    sa.Column("messages", sa.Text),  # JSON list of the DIAN's messages
    sa.Column("track_id", sa.String(100)),
    sa.Column("last_error", sa.String(500)),
    sa.Column("accepted_at", UTCDateTime()),
    sa.Column("delivery_state", sa.String(10), nullable=False),  # none, pending, sent, failed
    sa.Column("delivery_attempts", sa.SmallInteger, nullable=False),
    sa.Column("delivery_next_at", UTCDateTime()),
    sa.Column("delivery_to", sa.String(1000)),
    sa.Column("delivery_error", sa.String(500)),
    sa.Column("delivered_at", UTCDateTime()),
    *_timestamps(),
    _tenant_fk(["document_id"], "sales_documents"),
    sa.Index("ix_dian_transmissions_due", "state", "next_attempt_at"),
    sa.Index("ix_dian_transmissions_delivery", "delivery_state", "delivery_next_at"),
)

dian_transmission_log = sa.Table(
    "dian_transmission_log",
    metadata,
    _company_id(),
    _id(),
    sa.Column("document_id", sa.BigInteger, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # send, status, deliver
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("status_code", sa.String(4)),
    sa.Column("detail", sa.String(1000)),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    _tenant_fk(["document_id"], "sales_documents"),
    sa.Index("ix_dian_transmission_log_document", "company_id", "document_id", "id"),
)

# File names carry a consecutive per company and year (Anexo 1.9 §6.5.7).
dian_file_counters = sa.Table(
    "dian_file_counters",
    metadata,
    _company_id(),
    sa.Column("year", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# Sendings of the habilitación test set (domain/habilitacion.py) and their progress, written
# as the run goes so that another process can show it live.
dian_test_set_runs = sa.Table(
    "dian_test_set_runs",
    metadata,
    _company_id(),
    _id(),
    sa.Column("test_set_id", sa.String(100), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # running, finished, failed
    sa.Column("invoices", sa.Integer, nullable=False),  # the composition
    sa.Column("credit_notes", sa.Integer, nullable=False),
    sa.Column("debit_notes", sa.Integer, nullable=False),
    sa.Column("sent", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("invalid", sa.Integer, nullable=False),
    sa.Column("zip_keys", sa.Text, nullable=False),  # JSON list of the DIAN's ZipKeys
    sa.Column("document_ids", sa.Text, nullable=False),  # JSON list of the documents issued
    sa.Column("error", sa.String(1000)),
    sa.Column("started_by", sa.BigInteger),  # a user; None: the operator at the CLI
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("deadline_at", UTCDateTime(), nullable=False),
    sa.Column("alive_at", UTCDateTime()),  # the running process's last heartbeat
)


# --- the web app -----------------------------------------------------------------------------


def _user_token_columns() -> list[Any]:
    """A secret handed to one user, stored only as its SHA-256."""
    return [
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("company_id", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        _tenant_fk(["user_id"], "users"),
    ]


web_sessions = sa.Table(
    "web_sessions",
    metadata,
    *_user_token_columns(),
    sa.Column("token_version", sa.Integer, nullable=False),  # the user's, when it opened
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Index(None, "company_id", "user_id"),
)

password_resets = sa.Table(
    "password_resets",
    metadata,
    *_user_token_columns(),
    sa.Column("used_at", UTCDateTime()),
)
