"""The web app's sessions and password-reset links.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _user_columns(table: str) -> list[Any]:
    return [
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "user_id"],
            ["users.company_id", "users.id"],
            name=op.f(f"fk_{table}_company_id_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        *_user_columns("web_sessions"),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", _timestamp(), nullable=False),
    )
    op.create_index(
        op.f("ix_web_sessions_company_id_user_id"), "web_sessions", ["company_id", "user_id"]
    )
    op.create_table(
        "password_resets",
        *_user_columns("password_resets"),
        sa.Column("used_at", _timestamp(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("password_resets")
    op.drop_index(op.f("ix_web_sessions_company_id_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
