"""Sales cycle: invoices and notes, installments, receipts, customer credits, stock balances,
the chart of accounts, idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from facturo.domain.ledger import DEFAULT_CHART

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_TABLES = (
    "ledger_accounts",
    "sales_documents",
    "installments",
    "installment_applications",
    "customer_credits",
    "receipts",
)
STOCK_REASONS = ("adjustment", "sale", "sale_return", "annulment")


def amount(precision: int, scale: int) -> sa.types.TypeEngine[Decimal]:
    """Exact decimals: NUMERIC on PostgreSQL, an integer of the smallest unit on SQLite
    (see facturo.store.types.Amount)."""
    return sa.Numeric(precision, scale).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("route", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_idempotency_keys_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_ledger_accounts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_ledger_accounts_company_id_code")),
    )
    op.create_table(
        "customer_credits",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "advance",
                "credit_note",
                name="ck_creditsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", amount(18, 2), nullable=False),
        sa.Column("remaining", amount(18, 2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= amount",
            name=op.f("ck_customer_credits_remaining_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "party_id"],
            ["parties.company_id", "parties.id"],
            name=op.f("fk_customer_credits_company_id_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_customer_credits_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_customer_credits")),
    )
    with op.batch_alter_table("customer_credits", schema=None) as batch_op:
        batch_op.create_index("ix_customer_credits_party", ["company_id", "party_id"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guid", sa.Uuid(), nullable=False),
        sa.Column("document_type_id", sa.BigInteger(), nullable=False),
        sa.Column("numbering_range_id", sa.BigInteger(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("voucher_type", sa.SmallInteger(), nullable=False),
        sa.Column("payment_means_id", sa.BigInteger(), nullable=True),
        sa.Column("total", amount(18, 2), nullable=False),
        sa.Column("observations", sa.String(length=500), nullable=True),
        sa.Column("cost_center_id", sa.BigInteger(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("exchange_rate", amount(18, 6), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "annulled",
                name="ck_documentstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=130), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id", "cost_center_id"],
            ["cost_centers.company_id", "cost_centers.id"],
            name=op.f("fk_receipts_company_id_cost_center_id_cost_centers"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "created_by"],
            ["users.company_id", "users.id"],
            name=op.f("fk_receipts_company_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["parties.company_id", "parties.id"],
            name=op.f("fk_receipts_company_id_customer_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "document_type_id"],
            ["document_types.company_id", "document_types.id"],
            name=op.f("fk_receipts_company_id_document_type_id_document_types"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "numbering_range_id"],
            ["numbering_ranges.company_id", "numbering_ranges.id"],
            name=op.f("fk_receipts_company_id_numbering_range_id_numbering_ranges"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "payment_means_id"],
            ["payment_means.company_id", "payment_means.id"],
            name=op.f("fk_receipts_company_id_payment_means_id_payment_means"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_receipts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_receipts")),
        sa.UniqueConstraint(
            "company_id",
            "document_type_id",
            "prefix",
            "number",
            name=op.f("uq_receipts_company_id_document_type_id_prefix_number"),
        ),
        sa.UniqueConstraint("company_id", "guid", name=op.f("uq_receipts_company_id_guid")),
        sa.UniqueConstraint(
            "company_id", "idempotency_key", name=op.f("uq_receipts_company_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index("ix_receipts_date", ["company_id", "date"], unique=False)

    op.create_table(
        "stock_balances",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", amount(18, 4), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "product_id"],
            ["products.company_id", "products.id"],
            name=op.f("fk_stock_balances_company_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "warehouse_id"],
            ["warehouses.company_id", "warehouses.id"],
            name=op.f("fk_stock_balances_company_id_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "product_id", "warehouse_id", name=op.f("pk_stock_balances")
        ),
    )
    op.create_table(
        "sales_documents",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guid", sa.Uuid(), nullable=False),
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
        sa.Column("document_type_id", sa.BigInteger(), nullable=False),
        sa.Column("numbering_range_id", sa.BigInteger(), nullable=False),
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("cost_center_id", sa.BigInteger(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("exchange_rate", amount(18, 6), nullable=True),
        sa.Column("observations", sa.String(length=4000), nullable=True),
        sa.Column("gross", amount(18, 2), nullable=False),
        sa.Column("discount", amount(18, 2), nullable=False),
        sa.Column("base", amount(18, 2), nullable=False),
        sa.Column("vat", amount(18, 2), nullable=False),
        sa.Column("consumption", amount(18, 2), nullable=False),
        sa.Column("withholding", amount(18, 2), nullable=False),
        sa.Column("reteiva_tax_id", sa.BigInteger(), nullable=True),
        sa.Column("reteiva_name", sa.String(length=100), nullable=True),
        sa.Column("reteiva_percentage", amount(7, 4), nullable=True),
        sa.Column("reteiva_value", amount(18, 2), nullable=False),
        sa.Column("reteica_tax_id", sa.BigInteger(), nullable=True),
        sa.Column("reteica_name", sa.String(length=100), nullable=True),
        sa.Column("reteica_percentage", amount(7, 4), nullable=True),
        sa.Column("reteica_value", amount(18, 2), nullable=False),
        sa.Column("total", amount(18, 2), nullable=False),
        sa.Column("related_document_id", sa.BigInteger(), nullable=True),
        sa.Column("reason_code", sa.String(length=2), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "annulled",
                name="ck_documentstatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("annulled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("annul_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=130), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id", "contact_id"],
            ["contacts.company_id", "contacts.id"],
            name=op.f("fk_sales_documents_company_id_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "cost_center_id"],
            ["cost_centers.company_id", "cost_centers.id"],
            name=op.f("fk_sales_documents_company_id_cost_center_id_cost_centers"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "created_by"],
            ["users.company_id", "users.id"],
            name=op.f("fk_sales_documents_company_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["parties.company_id", "parties.id"],
            name=op.f("fk_sales_documents_company_id_customer_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "document_type_id"],
            ["document_types.company_id", "document_types.id"],
            name=op.f("fk_sales_documents_company_id_document_type_id_document_types"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "numbering_range_id"],
            ["numbering_ranges.company_id", "numbering_ranges.id"],
            name=op.f("fk_sales_documents_company_id_numbering_range_id_numbering_ranges"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "related_document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_sales_documents_company_id_related_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "seller_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_sales_documents_company_id_seller_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_sales_documents_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_sales_documents")),
        sa.UniqueConstraint(
            "company_id",
            "document_class",
            "idempotency_key",
            name=op.f("uq_sales_documents_company_id_document_class_idempotency_key"),
        ),
        sa.UniqueConstraint(
            "company_id",
            "document_type_id",
            "prefix",
            "number",
            name=op.f("uq_sales_documents_company_id_document_type_id_prefix_number"),
        ),
        sa.UniqueConstraint("company_id", "guid", name=op.f("uq_sales_documents_company_id_guid")),
    )
    with op.batch_alter_table("sales_documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_documents_customer", ["company_id", "customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_sales_documents_class", ["company_id", "document_class", "id"], unique=False
        )
        batch_op.create_index("ix_sales_documents_date", ["company_id", "date"], unique=False)
        batch_op.create_index(
            "ix_sales_documents_related", ["company_id", "related_document_id"], unique=False
        )

    op.create_table(
        "installments",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("payment_means_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", amount(18, 2), nullable=False),
        sa.Column("balance", amount(18, 2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_quote", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "balance >= 0 AND balance <= amount", name=op.f("ck_installments_balance_within_amount")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_installments_company_id_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "payment_means_id"],
            ["payment_means.company_id", "payment_means.id"],
            name=op.f("fk_installments_company_id_payment_means_id_payment_means"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_installments_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_installments")),
        sa.UniqueConstraint(
            "company_id",
            "document_id",
            "position",
            name=op.f("uq_installments_company_id_document_id_position"),
        ),
    )
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_installments_open",
            ["company_id", "due_date"],
            unique=False,
            sqlite_where=sa.text("balance > 0"),
            postgresql_where=sa.text("balance > 0"),
        )
        batch_op.create_index(
            "uq_installments_due_quote",
            ["company_id", "document_id", "due_quote"],
            unique=True,
            sqlite_where=sa.text("due_quote IS NOT NULL"),
            postgresql_where=sa.text("due_quote IS NOT NULL"),
        )

    op.create_table(
        "sales_document_lines",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.SmallInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("product_code", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", amount(18, 4), nullable=False),
        sa.Column("unit_value", amount(20, 6), nullable=False),
        sa.Column("discount_percentage", amount(7, 4), nullable=True),
        sa.Column("gross", amount(18, 2), nullable=False),
        sa.Column("discount", amount(18, 2), nullable=False),
        sa.Column("base", amount(18, 2), nullable=False),
        sa.Column("tax_add_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_add_name", sa.String(length=100), nullable=True),
        sa.Column(
            "tax_add_type",
            sa.Enum(
                "IVA",
                "Impoconsumo",
                "AdValorem",
                "Retefuente",
                "ReteIVA",
                "ReteICA",
                "Autorretencion",
                name="ck_tax_add_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("tax_add_percentage", amount(7, 4), nullable=True),
        sa.Column("tax_add_value", amount(18, 2), nullable=False),
        sa.Column("tax_add2_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_add2_name", sa.String(length=100), nullable=True),
        sa.Column(
            "tax_add2_type",
            sa.Enum(
                "IVA",
                "Impoconsumo",
                "AdValorem",
                "Retefuente",
                "ReteIVA",
                "ReteICA",
                "Autorretencion",
                name="ck_tax_add2_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("tax_add2_percentage", amount(7, 4), nullable=True),
        sa.Column("tax_add2_value", amount(18, 2), nullable=False),
        sa.Column("tax_discount_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_discount_name", sa.String(length=100), nullable=True),
        sa.Column(
            "tax_discount_type",
            sa.Enum(
                "IVA",
                "Impoconsumo",
                "AdValorem",
                "Retefuente",
                "ReteIVA",
                "ReteICA",
                "Autorretencion",
                name="ck_tax_discount_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("tax_discount_percentage", amount(7, 4), nullable=True),
        sa.Column("tax_discount_value", amount(18, 2), nullable=False),
        sa.Column("total", amount(18, 2), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=True),
        sa.Column("seller_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id", "document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_sales_document_lines_company_id_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "product_id"],
            ["products.company_id", "products.id"],
            name=op.f("fk_sales_document_lines_company_id_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "seller_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_sales_document_lines_company_id_seller_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "warehouse_id"],
            ["warehouses.company_id", "warehouses.id"],
            name=op.f("fk_sales_document_lines_company_id_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "document_id", "line_number", name=op.f("pk_sales_document_lines")
        ),
    )
    op.create_table(
        "installment_applications",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("installment_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", amount(18, 2), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "sale",
                "receipt",
                "credit_note",
                "customer_credit",
                "annulment",
                name="ck_applicationsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "installment_id"],
            ["installments.company_id", "installments.id"],
            name=op.f("fk_installment_applications_company_id_installment_id_installments"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_installment_applications_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_installment_applications")),
    )
    with op.batch_alter_table("installment_applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_installment_applications_installment",
            ["company_id", "installment_id"],
            unique=False,
        )

    op.create_table(
        "receipt_lines",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("receipt_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("value", amount(18, 2), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=True),
        sa.Column("movement", sa.SmallInteger(), nullable=False),
        sa.Column("account_code", sa.String(length=12), nullable=True),
        sa.Column("installment_id", sa.BigInteger(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id", "installment_id"],
            ["installments.company_id", "installments.id"],
            name=op.f("fk_receipt_lines_company_id_installment_id_installments"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "receipt_id"],
            ["receipts.company_id", "receipts.id"],
            name=op.f("fk_receipt_lines_company_id_receipt_id_receipts"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "receipt_id", "position", name=op.f("pk_receipt_lines")
        ),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movements_company_id_document_id_sales_documents"),
            "sales_documents",
            ["company_id", "document_id"],
            ["company_id", "id"],
        )
        batch_op.drop_constraint(op.f("ck_stock_movements_ck_stockreason"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_stock_movements_ck_stockreason"),
            sa.text(f"reason IN ({', '.join(repr(r) for r in STOCK_REASONS)})"),
        )

    _create_id_sequences()
    _backfill_stock_balances()
    _give_existing_companies_a_chart()


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stock_movements_company_id_document_id_sales_documents"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(op.f("ck_stock_movements_ck_stockreason"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_stock_movements_ck_stockreason"),
            sa.text("reason IN ('adjustment', 'sale', 'sale_return')"),
        )

    op.drop_table("receipt_lines")
    with op.batch_alter_table("installment_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_installment_applications_installment")

    op.drop_table("installment_applications")
    op.drop_table("sales_document_lines")
    with op.batch_alter_table("installments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_installments_due_quote",
            sqlite_where=sa.text("due_quote IS NOT NULL"),
            postgresql_where=sa.text("due_quote IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_installments_open",
            sqlite_where=sa.text("balance > 0"),
            postgresql_where=sa.text("balance > 0"),
        )

    op.drop_table("installments")
    with op.batch_alter_table("sales_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_documents_related")
        batch_op.drop_index("ix_sales_documents_date")
        batch_op.drop_index("ix_sales_documents_class")
        batch_op.drop_index("ix_sales_documents_customer")

    op.drop_table("sales_documents")
    op.drop_table("stock_balances")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_receipts_date")

    op.drop_table("receipts")
    with op.batch_alter_table("customer_credits", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_credits_party")

    op.drop_table("customer_credits")
    op.drop_table("ledger_accounts")
    op.drop_table("idempotency_keys")
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")
    else:
        op.execute(
            sa.text("DELETE FROM id_sequences WHERE name IN :names").bindparams(
                sa.bindparam("names", value=list(ID_TABLES), expanding=True)
            )
        )


def _create_id_sequences() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"CREATE SEQUENCE {name}_id_seq")
        return
    id_sequences = sa.table(
        "id_sequences", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(id_sequences, [{"name": name, "value": 0} for name in ID_TABLES])


def _backfill_stock_balances() -> None:
    """Balances start as the sum of the movements recorded so far."""
    op.execute(
        "INSERT INTO stock_balances (company_id, product_id, warehouse_id, quantity) "
        "SELECT company_id, product_id, warehouse_id, SUM(quantity) FROM stock_movements "
        "GROUP BY company_id, product_id, warehouse_id"
    )


def _give_existing_companies_a_chart() -> None:
    """Companies created before this revision get the default chart of accounts (the chart
    as this revision knows it: facturo.domain.ledger.DEFAULT_CHART)."""
    bind = op.get_bind()
    company_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM companies ORDER BY id"))]
    if not company_ids:
        return
    ledger_accounts = sa.table(
        "ledger_accounts",
        sa.column("company_id", sa.BigInteger),
        sa.column("id", sa.BigInteger),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("active", sa.Boolean),
    )
    rows = []
    next_id = 1
    for company_id in company_ids:
        for code, name in DEFAULT_CHART:
            rows.append(
                {
                    "company_id": company_id,
                    "id": next_id,
                    "code": code,
                    "name": name,
                    "active": True,
                }
            )
            next_id += 1
    op.bulk_insert(ledger_accounts, rows)
    if bind.dialect.name == "postgresql":
        op.execute(f"SELECT setval('ledger_accounts_id_seq', {next_id - 1})")
    else:
        op.execute(
            sa.text(
                "UPDATE id_sequences SET value = :value WHERE name = 'ledger_accounts'"
            ).bindparams(value=next_id - 1)
        )
