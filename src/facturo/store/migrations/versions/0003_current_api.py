"""Current Siigo API: access keys, rate-limit windows, webhooks and their deliveries, document
revisions, and deletable (withdrawn) documents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_TABLES = ("access_keys", "webhooks", "webhook_deliveries")
STATUSES_BEFORE = ("issued", "annulled")
STATUSES_AFTER = ("issued", "annulled", "deleted")
STOCK_REASONS_BEFORE = ("adjustment", "sale", "sale_return", "annulment")
STOCK_REASONS_AFTER = (*STOCK_REASONS_BEFORE, "replacement")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sales_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", _timestamp(), nullable=True))
        batch_op.add_column(sa.Column("order_references", sa.Text(), nullable=True))
    _document_statuses(STATUSES_AFTER)
    _stock_reasons(STOCK_REASONS_AFTER)

    _products_tax_classification()
    _optional_contact_fields(optional=True)

    op.create_table(
        "sales_document_revisions",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.SmallInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("replaced_by", sa.BigInteger(), nullable=True),
        sa.Column("replaced_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_sales_document_revisions_company_id_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "replaced_by"],
            ["users.company_id", "users.id"],
            name=op.f("fk_sales_document_revisions_company_id_replaced_by_users"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "document_id", "revision", name=op.f("pk_sales_document_revisions")
        ),
    )
    op.create_table(
        "access_keys",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("last_used_at", _timestamp(), nullable=True),
        sa.Column("revoked_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_access_keys_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "user_id"],
            ["users.company_id", "users.id"],
            name=op.f("fk_access_keys_company_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_access_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_access_keys_key_id")),
    )
    op.create_index("ix_access_keys_user", "access_keys", ["company_id", "user_id"])
    op.create_table(
        "rate_limit_windows",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_rate_limit_windows_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_table(
        "webhooks",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guid", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_webhooks_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "created_by"],
            ["users.company_id", "users.id"],
            name=op.f("fk_webhooks_company_id_created_by_users"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("company_id", "guid", name=op.f("uq_webhooks_company_id_guid")),
    )
    op.create_index("ix_webhooks_topic", "webhooks", ["company_id", "topic"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", _timestamp(), nullable=True),
        sa.Column("locked_until", _timestamp(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("delivered_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_webhook_deliveries_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "webhook_id"],
            ["webhooks.company_id", "webhooks.id"],
            name=op.f("fk_webhook_deliveries_company_id_webhook_id_webhooks"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_webhook", "webhook_deliveries", ["company_id", "webhook_id", "id"]
    )
    op.create_table(
        "webhook_delivery_attempts",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("attempted_at", _timestamp(), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "delivery_id"],
            ["webhook_deliveries.company_id", "webhook_deliveries.id"],
            name=op.f("fk_webhook_delivery_attempts_company_id_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "delivery_id", "attempt", name=op.f("pk_webhook_delivery_attempts")
        ),
    )
    _create_id_sequences()


def downgrade() -> None:
    op.drop_table("webhook_delivery_attempts")
    op.drop_index("ix_webhook_deliveries_webhook", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhooks_topic", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_table("rate_limit_windows")
    op.drop_index("ix_access_keys_user", table_name="access_keys")
    op.drop_table("access_keys")
    op.drop_table("sales_document_revisions")
    _optional_contact_fields(optional=False)
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_products_ck_taxclassification"), type_="check")
        batch_op.drop_column("tax_classification")
    op.execute("DELETE FROM sales_documents WHERE status = 'deleted'")
    _document_statuses(STATUSES_BEFORE)
    # A replaced invoice's undone lines read, before this revision, as goods returned.
    op.execute("UPDATE stock_movements SET reason = 'sale_return' WHERE reason = 'replacement'")
    _stock_reasons(STOCK_REASONS_BEFORE)
    with op.batch_alter_table("sales_documents", schema=None) as batch_op:
        batch_op.drop_column("order_references")
        batch_op.drop_column("updated_at")
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")
    else:
        op.execute(
            sa.text("DELETE FROM id_sequences WHERE name IN :names").bindparams(
                sa.bindparam("names", value=list(ID_TABLES), expanding=True)
            )
        )


def _document_statuses(statuses: tuple[str, ...]) -> None:
    """The CHECK constraint on sales_documents.status, for this set of statuses."""
    name = op.f("ck_sales_documents_ck_documentstatus")
    with op.batch_alter_table("sales_documents", schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(
            name, sa.text(f"status IN ({', '.join(repr(s) for s in statuses)})")
        )


def _stock_reasons(reasons: tuple[str, ...]) -> None:
    """The CHECK constraint on stock_movements.reason, for this set of reasons."""
    name = op.f("ck_stock_movements_ck_stockreason")
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(
            name, sa.text(f"reason IN ({', '.join(repr(r) for r in reasons)})")
        )


def _products_tax_classification() -> None:
    """Siigo's IVA classification of a product; existing products are taxed (its default)."""
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "tax_classification", sa.String(length=8), nullable=False, server_default="Taxed"
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_products_ck_taxclassification"),
            sa.text("tax_classification IN ('Taxed', 'Exempt', 'Excluded')"),
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("tax_classification", server_default=None)


def _optional_contact_fields(*, optional: bool) -> None:
    """A contact's last name and e-mail: optional since the current API (only the first name
    is required there)."""
    if not optional:
        op.execute("UPDATE contacts SET last_name = '' WHERE last_name IS NULL")
        op.execute("UPDATE contacts SET email = '' WHERE email IS NULL")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.alter_column("last_name", existing_type=sa.String(length=50), nullable=optional)
        batch_op.alter_column("email", existing_type=sa.String(length=100), nullable=optional)


def _create_id_sequences() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"CREATE SEQUENCE {name}_id_seq")
        return
    id_sequences = sa.table(
        "id_sequences", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(id_sequences, [{"name": name, "value": 0} for name in ID_TABLES])
