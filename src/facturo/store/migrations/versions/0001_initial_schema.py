"""Initial schema: companies, users and access, catalogs, terceros, products and stock.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose ids come from facturo.store.mapping.allocate_id.
ID_TABLES = (
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
)

# The client the Siigo integration guide prints (Authorization: Basic U2lpZ29XZWI6...):
# registered so unmodified integrations work; operators may disable it. The digest is the
# SHA-256 of the secret the guide publishes.
SIIGO_WEB_CLIENT_ID = "SiigoWeb"
SIIGO_WEB_CLIENT_DIGEST = "f55359e461c563478c3db49e3ff1d0b64d2e96345e868243279b01f18e1e19fd"


def amount(precision: int, scale: int) -> sa.types.TypeEngine[Decimal]:
    """Exact decimals: NUMERIC on PostgreSQL, an integer of the smallest unit on SQLite
    (see facturo.store.types.Amount)."""
    return sa.Numeric(precision, scale).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nit", sa.String(length=15), nullable=False),
        sa.Column("check_digit", sa.SmallInteger(), nullable=False),
        sa.Column("allow_negative_stock", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("key", name=op.f("uq_companies_key")),
    )
    op.create_table(
        "id_sequences",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_sequences")),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_clients")),
    )
    op.create_table(
        "sign_in_throttles",
        sa.Column("company_key", sa.String(length=50), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("company_key", "username", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "account_groups",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("inventory_account", sa.String(length=10), nullable=True),
        sa.Column("income_account", sa.String(length=10), nullable=True),
        sa.Column("cost_account", sa.String(length=10), nullable=True),
        sa.Column("returns_account", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_account_groups_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_account_groups")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_account_groups_company_id_code")),
    )
    op.create_table(
        "charges",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_charges_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_charges")),
    )
    op.create_table(
        "cost_centers",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "parent_id"],
            ["cost_centers.company_id", "cost_centers.id"],
            name=op.f("fk_cost_centers_company_id_parent_id_cost_centers"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_cost_centers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_cost_centers")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_cost_centers_company_id_code")),
    )
    op.create_table(
        "document_types",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "document_class",
            sa.Enum(
                "FV",
                "RC",
                "NC",
                "ND",
                name="ck_documentclass",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("automatic_number", sa.Boolean(), nullable=False),
        sa.Column("electronic", sa.Boolean(), nullable=False),
        sa.Column(
            "discount_type",
            sa.Enum(
                "Percentage",
                "Value",
                name="ck_discounttype",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("cost_center_mandatory", sa.Boolean(), nullable=False),
        sa.Column("seller_by_item", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_document_types_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_document_types")),
        sa.UniqueConstraint(
            "company_id",
            "document_class",
            "code",
            name=op.f("uq_document_types_company_id_document_class_code"),
        ),
    )
    op.create_table(
        "payment_means",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("means_type", sa.SmallInteger(), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("is_credit", sa.Boolean(), nullable=False),
        sa.Column("dian_code", sa.String(length=3), nullable=False),
        sa.Column("account_code", sa.String(length=10), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_payment_means_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_payment_means")),
    )
    op.create_table(
        "price_lists",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("position BETWEEN 1 AND 12", name=op.f("ck_price_lists_position")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_price_lists_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_price_lists")),
        sa.UniqueConstraint(
            "company_id", "position", name=op.f("uq_price_lists_company_id_position")
        ),
    )
    op.create_table(
        "taxes",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "tax_type",
            sa.Enum(
                "IVA",
                "Impoconsumo",
                "AdValorem",
                "Retefuente",
                "ReteIVA",
                "ReteICA",
                "Autorretencion",
                name="ck_taxtype",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("percentage", amount(7, 4), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_taxes_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_taxes")),
    )
    op.create_table(
        "users",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "user_type",
            sa.Enum(
                "full",
                "lite",
                "payroll",
                name="ck_usertype",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("identification", sa.String(length=50), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "company_id", "identification", name=op.f("uq_users_company_id_identification")
        ),
        sa.UniqueConstraint("company_id", "username", name=op.f("uq_users_company_id_username")),
    )
    op.create_table(
        "warehouses",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_warehouses_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_warehouses_company_id_code")),
    )
    op.create_table(
        "numbering_ranges",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document_type_id", sa.BigInteger(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("first_number", sa.BigInteger(), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("next_number", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("resolution_number", sa.String(length=30), nullable=True),
        sa.Column("resolution_date", sa.Date(), nullable=True),
        sa.Column("technical_key", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("first_number <= last_number", name=op.f("ck_numbering_ranges_bounds")),
        sa.CheckConstraint(
            "next_number BETWEEN first_number AND last_number + 1",
            name=op.f("ck_numbering_ranges_next_inside"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "document_type_id"],
            ["document_types.company_id", "document_types.id"],
            name=op.f("fk_numbering_ranges_company_id_document_type_id_document_types"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_numbering_ranges_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_numbering_ranges")),
    )
    op.create_table(
        "parties",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guid", sa.Uuid(), nullable=False),
        sa.Column("is_customer", sa.Boolean(), nullable=False),
        sa.Column("is_supplier", sa.Boolean(), nullable=False),
        sa.Column("is_prospect", sa.Boolean(), nullable=False),
        sa.Column("is_dealer", sa.Boolean(), nullable=False),
        sa.Column("is_other", sa.Boolean(), nullable=False),
        sa.Column("is_company", sa.Boolean(), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=True),
        sa.Column("first_name", sa.String(length=50), nullable=True),
        sa.Column("last_name", sa.String(length=50), nullable=True),
        sa.Column("commercial_name", sa.String(length=100), nullable=True),
        sa.Column("id_type_code", sa.String(length=10), nullable=False),
        sa.Column("identification", sa.String(length=50), nullable=False),
        sa.Column("check_digit", sa.SmallInteger(), nullable=True),
        sa.Column("branch_office", sa.SmallInteger(), nullable=False),
        sa.Column("vat_responsible", sa.Boolean(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("state_code", sa.String(length=10), nullable=True),
        sa.Column("city_code", sa.String(length=10), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("phone_indicative", sa.String(length=10), nullable=True),
        sa.Column("phone_number", sa.String(length=10), nullable=True),
        sa.Column("phone_extension", sa.String(length=10), nullable=True),
        sa.Column("fax_indicative", sa.String(length=10), nullable=True),
        sa.Column("fax_number", sa.String(length=10), nullable=True),
        sa.Column("fax_extension", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("director_id", sa.BigInteger(), nullable=True),
        sa.Column("salesman_id", sa.BigInteger(), nullable=True),
        sa.Column("collector_id", sa.BigInteger(), nullable=True),
        sa.Column("fiscal_responsibilities", sa.JSON(), nullable=False),
        sa.Column("comments", sa.String(length=4000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "collector_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_parties_company_id_collector_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "director_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_parties_company_id_director_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "salesman_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_parties_company_id_salesman_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_parties_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_parties")),
        sa.UniqueConstraint("company_id", "guid", name=op.f("uq_parties_company_id_guid")),
        sa.UniqueConstraint(
            "company_id",
            "identification",
            "branch_office",
            name=op.f("uq_parties_company_id_identification_branch_office"),
        ),
    )
    op.create_table(
        "products",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guid", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "product_type",
            sa.Enum(
                "product",
                "service",
                "consumer_good",
                name="ck_producttype",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("account_group_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("unit_label", sa.String(length=50), nullable=True),
        sa.Column("unit_code", sa.String(length=3), nullable=False),
        sa.Column("barcode", sa.String(length=30), nullable=True),
        sa.Column("description", sa.String(length=2500), nullable=True),
        sa.Column("tax_add_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_add2_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_discount_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_included", sa.Boolean(), nullable=False),
        sa.Column("consumption_tax_value", amount(18, 2), nullable=True),
        sa.Column("stock_control", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("brand", sa.String(length=50), nullable=True),
        sa.Column("tariff", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "account_group_id"],
            ["account_groups.company_id", "account_groups.id"],
            name=op.f("fk_products_company_id_account_group_id_account_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "tax_add2_id"],
            ["taxes.company_id", "taxes.id"],
            name=op.f("fk_products_company_id_tax_add2_id_taxes"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "tax_add_id"],
            ["taxes.company_id", "taxes.id"],
            name=op.f("fk_products_company_id_tax_add_id_taxes"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "tax_discount_id"],
            ["taxes.company_id", "taxes.id"],
            name=op.f("fk_products_company_id_tax_discount_id_taxes"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_products_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_products")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_products_company_id_code")),
        sa.UniqueConstraint("company_id", "guid", name=op.f("uq_products_company_id_guid")),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_refresh_tokens_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "user_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_refresh_tokens_company_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_refresh_tokens_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_table(
        "contacts",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=100), nullable=False),
        sa.Column("phone_indicative", sa.String(length=10), nullable=True),
        sa.Column("phone_number", sa.String(length=10), nullable=True),
        sa.Column("phone_extension", sa.String(length=10), nullable=True),
        sa.Column("mobile_indicative", sa.String(length=10), nullable=True),
        sa.Column("mobile_number", sa.String(length=10), nullable=True),
        sa.Column("mobile_extension", sa.String(length=10), nullable=True),
        sa.Column("fax_indicative", sa.String(length=10), nullable=True),
        sa.Column("fax_number", sa.String(length=10), nullable=True),
        sa.Column("fax_extension", sa.String(length=10), nullable=True),
        sa.Column("is_principal", sa.Boolean(), nullable=False),
        sa.Column("gender", sa.SmallInteger(), nullable=True),
        sa.Column("charge_id", sa.BigInteger(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "charge_id"],
            ["charges.company_id", "charges.id"],
            name=op.f("fk_contacts_company_id_charge_id_charges"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "party_id"],
            ["parties.company_id", "parties.id"],
            name=op.f("fk_contacts_company_id_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_contacts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "company_id", "party_id", "code", name=op.f("uq_contacts_company_id_party_id_code")
        ),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_contacts_principal",
            ["company_id", "party_id"],
            unique=True,
            sqlite_where=sa.text("is_principal"),
            postgresql_where=sa.text("is_principal"),
        )

    op.create_table(
        "product_prices",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("value", amount(20, 6), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "position"],
            ["price_lists.company_id", "price_lists.position"],
            name=op.f("fk_product_prices_company_id_position_price_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "product_id"],
            ["products.company_id", "products.id"],
            name=op.f("fk_product_prices_company_id_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "product_id", "currency_code", "position", name=op.f("pk_product_prices")
        ),
    )
    op.create_table(
        "stock_movements",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", amount(18, 4), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "adjustment",
                "sale",
                "sale_return",
                name="ck_stockreason",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("document_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "created_by"],
            ["users.company_id", "users.id"],
            name=op.f("fk_stock_movements_company_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "product_id"],
            ["products.company_id", "products.id"],
            name=op.f("fk_stock_movements_company_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "warehouse_id"],
            ["warehouses.company_id", "warehouses.id"],
            name=op.f("fk_stock_movements_company_id_warehouse_id_warehouses"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_stock_movements_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_stock_movements")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_movements_balance", ["company_id", "product_id", "warehouse_id"], unique=False
        )

    _create_id_sequences()
    _register_siigo_web_client()


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_balance")

    op.drop_table("stock_movements")
    op.drop_table("product_prices")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contacts_principal",
            sqlite_where=sa.text("is_principal"),
            postgresql_where=sa.text("is_principal"),
        )

    op.drop_table("contacts")
    op.drop_table("refresh_tokens")
    op.drop_table("products")
    op.drop_table("parties")
    op.drop_table("numbering_ranges")
    op.drop_table("warehouses")
    op.drop_table("users")
    op.drop_table("taxes")
    op.drop_table("price_lists")
    op.drop_table("payment_means")
    op.drop_table("document_types")
    op.drop_table("cost_centers")
    op.drop_table("charges")
    op.drop_table("account_groups")
    op.drop_table("sign_in_throttles")
    op.drop_table("oauth_clients")
    op.drop_table("id_sequences")
    op.drop_table("companies")
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")


def _create_id_sequences() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"CREATE SEQUENCE {name}_id_seq")
        return
    id_sequences = sa.table(
        "id_sequences", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(id_sequences, [{"name": name, "value": 0} for name in ID_TABLES])


def _register_siigo_web_client() -> None:
    oauth_clients = sa.table(
        "oauth_clients",
        sa.column("client_id", sa.String),
        sa.column("name", sa.String),
        sa.column("secret_hash", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        oauth_clients,
        [
            {
                "client_id": SIIGO_WEB_CLIENT_ID,
                "name": "Siigo integration guide client",
                "secret_hash": SIIGO_WEB_CLIENT_DIGEST,
                "active": True,
                "created_at": datetime.now(UTC),
            }
        ],
    )
