"""A company's electronic-invoicing setup (``domain.einvoicing``), and the signing profile the
transmission of its documents needs: settings, software PIN, certificate and endpoint.

The software PIN is stored sealed with a key of its own (purpose ``dian-secrets``) and never
leaves through a face; they show whether it is set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from facturo.dian.certificates import SigningCertificate
from facturo.dian.keys import Environment
from facturo.dian.model import Address, Party, Software
from facturo.domain.access import Actor, Permission
from facturo.domain.certificates import CertificateRecord
from facturo.domain.einvoicing import (
    TAX_SCHEMES,
    CompanyIdentity,
    EInvoicingSettings,
    EInvoicingSettingsData,
    build_settings,
    check_settings,
    normalize,
    place_names,
)
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.reference import ReferenceData
from facturo.reference import read_code_list
from facturo.security import SecretBox, SecretUnreadable
from facturo.services import certificates
from facturo.services.context import ServiceContext
from facturo.services.electronic_documents import Issuer
from facturo.store.einvoicing import CertificateRepository, EInvoicingSettingsRepository
from facturo.store.unit_of_work import UnitOfWork

SECRET_PURPOSE = "dian-secrets"  # noqa: S105 - the name of a key derivation, not a secret
SETTINGS_FIELD = "einvoicing_settings"


@dataclass(frozen=True)
class IssuingProfile:
    """Who issues the company's documents: its setup, the software PIN and the endpoint. Enough
    to build (or render again) a document; signing needs a ``SigningProfile``."""

    settings: EInvoicingSettings
    software_pin: str
    endpoint: str

    @property
    def environment(self) -> Environment:
        return Environment(self.settings.environment)

    def software(self) -> Software:
        s = self.settings
        return Software(
            provider_nit=s.provider_nit,
            provider_check_digit=s.provider_check_digit,
            software_id=s.software_id,
            pin=self.software_pin,
            provider_code=s.provider_code,
        )

    def supplier(self) -> Party:
        """The company as the supplier of its documents (``AccountingSupplierParty``)."""
        s = self.settings
        return Party(
            person_type=s.person_type,
            id_type="31",  # NIT
            identification=s.company_nit,
            check_digit=s.company_check_digit,
            registration_name=s.legal_name,
            commercial_name=s.commercial_name,
            responsibilities=s.responsibilities,
            tax_scheme=(s.tax_scheme, TAX_SCHEMES[s.tax_scheme]),
            address=Address(
                municipality_code=s.municipality_code,
                city_name=s.municipality_name,
                department_name=s.department_name,
                department_code=s.department_code,
                line=s.address_line,
                postal_code=s.postal_code,
            ),
            email=s.email,
            phone=s.phone,
        )


@dataclass(frozen=True)
class SigningProfile(IssuingProfile):
    """An issuing profile with the certificate that may sign at the moment asked for."""

    certificate: SigningCertificate
    certificate_record: CertificateRecord


def issuer(profile: IssuingProfile, refs: ReferenceData) -> Issuer:
    """The issuer the document builders take (``services.electronic_documents``)."""
    settings = profile.settings
    if not settings.municipality_name:
        profile = replace(profile, settings=named(settings, refs))
    return Issuer(
        party=profile.supplier(), software=profile.software(), environment=profile.environment
    )


def _settings(uow: UnitOfWork) -> EInvoicingSettingsRepository:
    return EInvoicingSettingsRepository(uow.session)


@lru_cache(maxsize=8)
def _box(secret: str) -> SecretBox:
    return SecretBox(secret, SECRET_PURPOSE)


def secret_box(ctx: ServiceContext) -> SecretBox:
    return _box(ctx.settings.resolved_secret_key())


@lru_cache(maxsize=1)
def postal_codes() -> frozenset[str]:
    """The DIAN's list of Colombian postal codes, read once per process."""
    return frozenset(read_code_list("CodigoPostal1.gc", value_column="code"))


def named(settings: EInvoicingSettings, refs: ReferenceData) -> EInvoicingSettings:
    """``settings`` with the names the code lists give its municipality and department."""
    names = place_names(settings.municipality_code, refs)
    return replace(
        settings,
        municipality_name=names.municipality_name,
        department_code=names.department_code,
        department_name=names.department_name,
    )


# --- settings ----------------------------------------------------------------------------------


def find(ctx: ServiceContext, actor: Actor) -> EInvoicingSettings | None:
    """The company's settings, or None before the first setup."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = _settings(uow).find(actor.company_id)
    return None if found is None else named(found, ctx.reference)


def get(ctx: ServiceContext, actor: Actor) -> EInvoicingSettings:
    """The company's settings; ``NotFound`` before the first setup."""
    found = find(ctx, actor)
    if found is None:
        raise NotFound("electronic invoicing setup", "of this company (set it up first)")
    return found


def update(ctx: ServiceContext, actor: Actor, data: EInvoicingSettingsData) -> EInvoicingSettings:
    """Sets the company up, or replaces its setup (a PIN left out keeps the stored one)."""
    actor.require(Permission.MASTER_DATA_WRITE)
    box = secret_box(ctx)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        company = uow.companies.get(actor.company_id)
        repository = _settings(uow)
        current = repository.find(actor.company_id, for_update=True)
        data = normalize(
            data,
            CompanyIdentity(nit=company.nit, check_digit=company.check_digit, name=company.name),
        )
        check_settings(
            data, ctx.reference, pin_stored=current is not None, postal_codes=postal_codes()
        ).raise_if_any()
        if data.software_pin:
            sealed_pin = box.seal(data.software_pin)
        else:
            assert current is not None  # check_settings required the PIN otherwise
            sealed_pin = current.sealed_software_pin
        settings = replace(
            build_settings(
                data,
                company_id=actor.company_id,
                company=CompanyIdentity(
                    nit=company.nit, check_digit=company.check_digit, name=company.name
                ),
                sealed_software_pin=sealed_pin,
                refs=ctx.reference,
                created_at=current.created_at if current is not None else now,
            ),
            updated_at=now,
        )
        if current is None:
            repository.add(settings)
        else:
            repository.replace(settings)
        uow.commit()
    return settings


# --- signing -----------------------------------------------------------------------------------


def issuing_profile(ctx: ServiceContext, company_id: int) -> IssuingProfile:
    """The company's setup and PIN, with no certificate: for building or rendering a document
    already signed. Raises ``RuleViolations`` (``document_settings``) before the setup."""
    with ctx.unit_of_work(read_only=True) as uow:
        settings = _settings(uow).find(company_id)
    problems: list[Violation] = []
    pin = _pin(ctx, settings, problems)
    if problems:
        raise RuleViolations(problems)
    assert settings is not None
    settings = named(settings, ctx.reference)
    return IssuingProfile(settings=settings, software_pin=pin, endpoint=settings.endpoint)


def signing_profile(ctx: ServiceContext, company_id: int, at: datetime) -> SigningProfile:
    """Everything signing and sending the company's documents at ``at`` needs. Raises
    ``RuleViolations`` (``document_settings``) listing what is missing: the setup, a
    certificate that may sign at ``at`` (Completado, inside its validity, passing the DIAN's
    checks), a PIN that can be opened."""
    with ctx.unit_of_work(read_only=True) as uow:
        settings = _settings(uow).find(company_id)
        records = CertificateRepository(uow.session).all(company_id)
    problems: list[Violation] = []
    pin = _pin(ctx, settings, problems)
    selection: certificates.SigningSelection | None = None
    try:
        selection = certificates.select_signing(ctx, company_id, records, at)
    except RuleViolations as refused:
        problems.extend(refused.violations)
    if problems:
        raise RuleViolations(problems)
    assert settings is not None and selection is not None
    settings = named(settings, ctx.reference)
    return SigningProfile(
        settings=settings,
        software_pin=pin,
        endpoint=settings.endpoint,
        certificate=selection.certificate,
        certificate_record=selection.record,
    )


def _pin(
    ctx: ServiceContext, settings: EInvoicingSettings | None, problems: list[Violation]
) -> str:
    if settings is None:
        problems.append(
            Violation(
                "document_settings",
                SETTINGS_FIELD,
                "La empresa no tiene configurada la facturación electrónica (ambiente, software "
                "y datos fiscales): configúrala primero (facturo dian setup).",
            )
        )
        return ""
    try:
        return _open(ctx.settings.resolved_secret_key(), settings.sealed_software_pin)
    except SecretUnreadable as error:
        problems.append(Violation("document_settings", "software_pin", str(error)))
        return ""


@lru_cache(maxsize=256)
def _open(secret: str, sealed: str) -> str:
    return _box(secret).open(sealed)
