"""The habilitación test set's runs and their progress.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_TABLES = ("dian_test_set_runs",)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dian_test_set_runs",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("test_set_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("credit_notes", sa.Integer(), nullable=False),
        sa.Column("debit_notes", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("zip_keys", sa.Text(), nullable=False),
        sa.Column("document_ids", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.Column("deadline_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_dian_test_set_runs_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_dian_test_set_runs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"CREATE SEQUENCE {name}_id_seq")
        return
    id_sequences = sa.table(
        "id_sequences", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(id_sequences, [{"name": name, "value": 0} for name in ID_TABLES])


def downgrade() -> None:
    op.drop_table("dian_test_set_runs")
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")
    else:
        op.execute(
            sa.text("DELETE FROM id_sequences WHERE name IN :names").bindparams(
                sa.bindparam("names", value=list(ID_TABLES), expanding=True)
            )
        )
