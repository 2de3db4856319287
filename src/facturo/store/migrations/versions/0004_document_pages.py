"""Document pages stay index-only once withdrawn documents are left out of them: the class
index carries the status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_sales_documents_class"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="sales_documents")
    op.create_index(INDEX, "sales_documents", ["company_id", "document_class", "id", "status"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="sales_documents")
    op.create_index(INDEX, "sales_documents", ["company_id", "document_class", "id"])
