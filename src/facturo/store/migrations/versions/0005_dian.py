"""DIAN electronic invoicing: per-company settings, the signing certificate and its request
history, the transmission outbox with its log, and the yearly file-name counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_TABLES = ("signing_certificates", "certificate_events", "dian_transmission_log")
TABLES = (
    "dian_file_counters",
    "dian_transmission_log",
    "dian_transmissions",
    "certificate_events",
    "signing_certificates",
    "einvoicing_settings",
)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dian_file_counters",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_dian_file_counters_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "year", name=op.f("pk_dian_file_counters")),
    )
    op.create_table(
        "einvoicing_settings",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("environment", sa.String(length=1), nullable=False),
        sa.Column("endpoint_url", sa.String(length=500), nullable=True),
        sa.Column("software_id", sa.String(length=100), nullable=False),
        sa.Column("software_pin", sa.Text(), nullable=False),
        sa.Column("test_set_id", sa.String(length=100), nullable=True),
        sa.Column("provider_nit", sa.String(length=15), nullable=False),
        sa.Column("provider_check_digit", sa.SmallInteger(), nullable=False),
        sa.Column("provider_code", sa.String(length=3), nullable=False),
        sa.Column("legal_name", sa.String(length=450), nullable=False),
        sa.Column("commercial_name", sa.String(length=450), nullable=True),
        sa.Column("person_type", sa.String(length=1), nullable=False),
        sa.Column("responsibilities", sa.String(length=200), nullable=False),
        sa.Column("tax_scheme", sa.String(length=2), nullable=False),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.Column("address_line", sa.String(length=300), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("deliver_to_buyer", sa.Boolean(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_einvoicing_settings_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_einvoicing_settings")),
    )
    op.create_table(
        "signing_certificates",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("observations", sa.String(length=1000), nullable=True),
        sa.Column("pkcs12", sa.Text(), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("not_before", _timestamp(), nullable=True),
        sa.Column("not_after", _timestamp(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_signing_certificates_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_signing_certificates")),
    )
    op.create_table(
        "certificate_events",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("certificate_id", sa.BigInteger(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("observations", sa.String(length=1000), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "certificate_id"],
            ["signing_certificates.company_id", "signing_certificates.id"],
            name=op.f("fk_certificate_events_company_id_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_certificate_events_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_certificate_events")),
    )
    op.create_index(
        "ix_certificate_events_certificate",
        "certificate_events",
        ["company_id", "certificate_id", "id"],
        unique=False,
    )
    op.create_table(
        "dian_transmission_log",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.String(length=4), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_dian_transmission_log_company_id_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_dian_transmission_log_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_dian_transmission_log")),
    )
    op.create_index(
        "ix_dian_transmission_log_document",
        "dian_transmission_log",
        ["company_id", "document_id", "id"],
        unique=False,
    )
    op.create_table(
        "dian_transmissions",
        sa.Column("company_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", _timestamp(), nullable=True),
        sa.Column("locked_until", _timestamp(), nullable=True),
        sa.Column("first_failure_at", _timestamp(), nullable=True),
        sa.Column("document_key", sa.String(length=96), nullable=True),
        sa.Column("file_name", sa.String(length=40), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("signed_at", _timestamp(), nullable=True),
        sa.Column("application_response", sa.LargeBinary(), nullable=True),
        sa.Column("status_code", sa.String(length=4), nullable=True),
        sa.Column("status_description", sa.String(length=500), nullable=True),
        sa.Column("messages", sa.Text(), nullable=True),
        sa.Column("track_id", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("accepted_at", _timestamp(), nullable=True),
        sa.Column("delivery_state", sa.String(length=10), nullable=False),
        sa.Column("delivery_attempts", sa.SmallInteger(), nullable=False),
        sa.Column("delivery_next_at", _timestamp(), nullable=True),
        sa.Column("delivery_to", sa.String(length=1000), nullable=True),
        sa.Column("delivery_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", _timestamp(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "document_id"],
            ["sales_documents.company_id", "sales_documents.id"],
            name=op.f("fk_dian_transmissions_company_id_document_id_sales_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_dian_transmissions_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "document_id", name=op.f("pk_dian_transmissions")),
    )
    op.create_index(
        "ix_dian_transmissions_delivery",
        "dian_transmissions",
        ["delivery_state", "delivery_next_at"],
        unique=False,
    )
    op.create_index(
        "ix_dian_transmissions_due",
        "dian_transmissions",
        ["state", "next_attempt_at"],
        unique=False,
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
    for table in TABLES:
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for name in ID_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {name}_id_seq")
    else:
        op.execute(
            sa.text("DELETE FROM id_sequences WHERE name IN :names").bindparams(
                sa.bindparam("names", value=list(ID_TABLES), expanding=True)
            )
        )
