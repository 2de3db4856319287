"""E-invoicing settings, signing-certificate records and their history. SQLAlchemy Core: one
settings row per company, a handful of certificate rows, events written once and never
changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.domain.certificates import CertificateEvent, CertificateRecord, CertificateState
from facturo.domain.einvoicing import EInvoicingSettings
from facturo.domain.errors import NotFound
from facturo.domain.validation import MAX_RECORD_ID
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids

RESPONSIBILITY_SEPARATOR = ";"


class EInvoicingSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, company_id: int, *, for_update: bool = False) -> EInvoicingSettings | None:
        """The company's settings with its NIT and name (place names left for the caller,
        who has the code lists)."""
        s, c = t.einvoicing_settings, t.companies
        query = (
            sa.select(s, c.c.nit, c.c.check_digit, c.c.name.label("company_name"))
            .join(c, c.c.id == s.c.company_id)
            .where(s.c.company_id == company_id)
        )
        if for_update:
            query = query.with_for_update(of=s)
        row = self.session.execute(query).first()
        return None if row is None else _settings(row)

    def exists(self, company_id: int) -> bool:
        query = sa.select(t.einvoicing_settings.c.company_id).where(
            t.einvoicing_settings.c.company_id == company_id
        )
        return self.session.execute(query).first() is not None

    def add(self, settings: EInvoicingSettings) -> None:
        self.session.execute(sa.insert(t.einvoicing_settings).values(**_settings_columns(settings)))

    def replace(self, settings: EInvoicingSettings) -> None:
        values = _settings_columns(settings)
        del values["company_id"], values["created_at"]
        s = t.einvoicing_settings
        self.session.execute(
            sa.update(s).where(s.c.company_id == settings.company_id).values(**values)
        )


def _settings_columns(settings: EInvoicingSettings) -> dict[str, Any]:
    return {
        "company_id": settings.company_id,
        "environment": settings.environment,
        "endpoint_url": settings.endpoint_url,
        "software_id": settings.software_id,
        "software_pin": settings.sealed_software_pin,
        "test_set_id": settings.test_set_id,
        "provider_nit": settings.provider_nit,
        "provider_check_digit": settings.provider_check_digit,
        "provider_code": settings.provider_code,
        "legal_name": settings.legal_name,
        "commercial_name": settings.commercial_name,
        "person_type": settings.person_type,
        "responsibilities": RESPONSIBILITY_SEPARATOR.join(settings.responsibilities),
        "tax_scheme": settings.tax_scheme,
        "municipality_code": settings.municipality_code,
        "address_line": settings.address_line,
        "postal_code": settings.postal_code,
        "phone": settings.phone,
        "email": settings.email,
        "deliver_to_buyer": settings.deliver_to_buyer,
        "created_at": settings.created_at,
        "updated_at": settings.updated_at,
    }


def _settings(row: Any) -> EInvoicingSettings:
    return EInvoicingSettings(
        company_id=row.company_id,
        company_nit=row.nit,
        company_check_digit=row.check_digit,
        company_name=row.company_name,
        environment=row.environment,
        endpoint_url=row.endpoint_url,
        software_id=row.software_id,
        sealed_software_pin=row.software_pin,
        test_set_id=row.test_set_id,
        provider_nit=row.provider_nit,
        provider_check_digit=row.provider_check_digit,
        provider_code=row.provider_code,
        legal_name=row.legal_name,
        commercial_name=row.commercial_name,
        person_type=row.person_type,
        responsibilities=tuple(
            code for code in row.responsibilities.split(RESPONSIBILITY_SEPARATOR) if code
        ),
        tax_scheme=row.tax_scheme,
        municipality_code=row.municipality_code,
        address_line=row.address_line,
        postal_code=row.postal_code,
        phone=row.phone,
        email=row.email,
        deliver_to_buyer=row.deliver_to_buyer,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class CertificateRepository:
    """Signing-certificate records and their events."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, company_id: int) -> list[CertificateRecord]:
        c = t.signing_certificates
        query = sa.select(c).where(c.c.company_id == company_id).order_by(c.c.id)
        return [_record(row) for row in self.session.execute(query)]

    def find(
        self, company_id: int, certificate_id: int, *, for_update: bool = False
    ) -> CertificateRecord | None:
        if not -MAX_RECORD_ID <= certificate_id <= MAX_RECORD_ID:
            return None
        c = t.signing_certificates
        query = sa.select(c).where(c.c.company_id == company_id, c.c.id == certificate_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else _record(row)

    def get(
        self, company_id: int, certificate_id: int, *, for_update: bool = False
    ) -> CertificateRecord:
        found = self.find(company_id, certificate_id, for_update=for_update)
        if found is None:
            raise NotFound("certificate", certificate_id)
        return found

    def open_requests(self, company_id: int) -> list[CertificateRecord]:
        c = t.signing_certificates
        query = (
            sa.select(c)
            .where(
                c.c.company_id == company_id,
                c.c.state.in_(
                    [
                        CertificateState.EN_TRAMITE.value,
                        CertificateState.ACEPTADO.value,
                        CertificateState.RECHAZADO.value,
                    ]
                ),
            )
            .order_by(c.c.id)
        )
        return [_record(row) for row in self.session.execute(query)]

    def completed(self, company_id: int) -> list[CertificateRecord]:
        """The company's Completado records (what signing chooses from)."""
        c = t.signing_certificates
        query = (
            sa.select(c)
            .where(c.c.company_id == company_id, c.c.state == CertificateState.COMPLETADO.value)
            .order_by(c.c.id)
        )
        return [_record(row) for row in self.session.execute(query)]

    def due_for_expiry(
        self, now: datetime, *, company_id: int | None = None, for_update: bool = False
    ) -> list[CertificateRecord]:
        """Completado records whose validity ended before ``now``."""
        c = t.signing_certificates
        query = (
            sa.select(c)
            .where(c.c.state == CertificateState.COMPLETADO.value, c.c.not_after < now)
            .order_by(c.c.company_id, c.c.id)
        )
        if company_id is not None:
            query = query.where(c.c.company_id == company_id)
        if for_update:
            query = query.with_for_update()
        return [_record(row) for row in self.session.execute(query)]

    def add(self, record: CertificateRecord) -> CertificateRecord:
        record.id = allocate_ids(self.session.connection(), "signing_certificates")[0]
        self.session.execute(sa.insert(t.signing_certificates).values(**_record_columns(record)))
        return record

    def save(self, record: CertificateRecord) -> None:
        values = _record_columns(record)
        del values["company_id"], values["id"], values["created_at"]
        c = t.signing_certificates
        self.session.execute(
            sa.update(c)
            .where(c.c.company_id == record.company_id, c.c.id == record.id)
            .values(**values)
        )

    def add_events(self, events: Sequence[CertificateEvent]) -> None:
        if not events:
            return
        ids = allocate_ids(self.session.connection(), "certificate_events", len(events))
        self.session.execute(
            sa.insert(t.certificate_events),
            [
                {
                    "company_id": event.company_id,
                    "id": event_id,
                    "certificate_id": event.certificate_id,
                    "from_state": event.from_state.value if event.from_state else None,
                    "to_state": event.to_state.value,
                    "observations": event.observations,
                    "user_id": event.user_id,
                    "at": event.at,
                }
                for event_id, event in zip(ids, events, strict=True)
            ],
        )

    def history(self, company_id: int, certificate_id: int) -> list[CertificateEvent]:
        """The record's events, oldest first."""
        e = t.certificate_events
        query = (
            sa.select(e)
            .where(e.c.company_id == company_id, e.c.certificate_id == certificate_id)
            .order_by(e.c.id)
        )
        return [
            CertificateEvent(
                company_id=row.company_id,
                id=row.id,
                certificate_id=row.certificate_id,
                from_state=CertificateState(row.from_state) if row.from_state else None,
                to_state=CertificateState(row.to_state),
                observations=row.observations,
                user_id=row.user_id,
                at=row.at,
            )
            for row in self.session.execute(query)
        ]


def _record_columns(record: CertificateRecord) -> dict[str, Any]:
    return {
        "company_id": record.company_id,
        "id": record.id,
        "state": record.state.value,
        "observations": record.observations,
        "pkcs12": record.sealed_pkcs12,
        "password": record.sealed_password,
        "subject": record.subject,
        "issuer": record.issuer,
        "serial_number": record.serial_number,
        "not_before": record.not_before,
        "not_after": record.not_after,
        "fingerprint": record.fingerprint,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _record(row: Any) -> CertificateRecord:
    return CertificateRecord(
        company_id=row.company_id,
        id=row.id,
        state=CertificateState(row.state),
        observations=row.observations,
        sealed_pkcs12=row.pkcs12,
        sealed_password=row.password,
        subject=row.subject,
        issuer=row.issuer,
        serial_number=row.serial_number,
        not_before=row.not_before,
        not_after=row.not_after,
        fingerprint=row.fingerprint,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
