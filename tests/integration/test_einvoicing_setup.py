"""E-invoicing setup, signing-certificate tracking and the signing profile, through the
services on SQLite and PostgreSQL; and ``facturo dian`` as an operator runs it."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from facturo.domain.access import Actor, UserType
from facturo.domain.certificates import CertificateState
from facturo.domain.einvoicing import EInvoicingSettingsData
from facturo.domain.errors import NotFound, PermissionDenied, RuleViolations
from facturo.domain.users import UserData
from facturo.security import SecretBox, SecretUnreadable
from facturo.services import certificates, einvoicing, users
from facturo.services.context import ServiceContext
from facturo.store import tables as t
from facturo.worker import Worker, job_kinds
from tests.conftest import TEST_SECRET, TenantFixture
from tests.dian_pki import (
    DEMO_NIT,
    DEMO_PASSWORD,
    certificate_authority,
    demo_certificate,
    make_certificate,
    other_certificate,
    pkcs12_of,
    rsa_key,
)
from tests.integration.test_cli import BACKENDS, Cli, company_args, fresh_cli

SOFTWARE_ID = "56f2ae4e-9812-4fad-9255-643fcebfb3c9"
TEST_SET_ID = "1f5c7e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
PIN = "12345"
MakeCompany = Callable[..., TenantFixture]


def setup_data(**changes: object) -> EInvoicingSettingsData:
    values: dict[str, object] = {
        "software_id": SOFTWARE_ID,
        "software_pin": PIN,
        "test_set_id": TEST_SET_ID,
        "responsibilities": ("O-13", "O-15"),
        "tax_scheme": "01",
        "municipality_code": "11001",
        "address_line": "Calle 100 # 19-61",
        "postal_code": "110111",
        "phone": "+57 601 3000000",
        "email": "facturacion@empresa.co",
    }
    values.update(changes)
    return EInvoicingSettingsData(**values)  # type: ignore[arg-type]


def codes(error: RuleViolations) -> list[tuple[str, str]]:
    return [(v.code, v.field) for v in error.violations]


@pytest.fixture
def company(make_company: MakeCompany) -> TenantFixture:
    """A company whose NIT is the one the demo certificate was issued to."""
    return make_company(nit=DEMO_NIT)


def at(ctx: ServiceContext, moment: datetime) -> ServiceContext:
    """The same services with the clock stopped at ``moment``."""
    return dataclasses.replace(ctx, clock=lambda: moment)


# --- settings ----------------------------------------------------------------------------------


def test_settings_before_the_setup_are_not_found(
    ctx: ServiceContext, company: TenantFixture
) -> None:
    with pytest.raises(NotFound):
        einvoicing.get(ctx, company.actor)
    assert einvoicing.find(ctx, company.actor) is None


def test_setup_with_defaults(ctx: ServiceContext, company: TenantFixture) -> None:
    made = einvoicing.update(ctx, company.actor, setup_data())
    found = einvoicing.get(ctx, company.actor)
    for settings in (made, found):
        assert settings.environment == "2" and settings.environment_name == "Habilitación"
        assert settings.endpoint_url is None
        assert settings.endpoint == "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc"
        assert (settings.software_id, settings.test_set_id) == (SOFTWARE_ID, TEST_SET_ID)
        assert (settings.provider_nit, settings.provider_check_digit) == (DEMO_NIT, 3)
        assert (settings.company_nit, settings.company_check_digit) == (DEMO_NIT, 3)
        assert settings.provider_code == "000" and settings.software_propio
        assert settings.legal_name == company.company.name
        assert (settings.person_type, settings.tax_scheme) == ("1", "01")
        assert settings.responsibilities == ("O-13", "O-15")
        assert (settings.municipality_code, settings.department_code) == ("11001", "11")
        assert settings.deliver_to_buyer is True
        assert settings.sealed_software_pin != PIN
    assert (found.municipality_name, found.department_name) == ("Bogotá, D.c.", "Bogotá")
    assert found.created_at is not None and found.updated_at is not None


def test_the_pin_is_stored_sealed(ctx: ServiceContext, company: TenantFixture) -> None:
    einvoicing.update(ctx, company.actor, setup_data(software_pin="A1b2C3"))
    with ctx.database.writer.connect() as connection:
        stored = connection.execute(
            sa.select(t.einvoicing_settings.c.software_pin).where(
                t.einvoicing_settings.c.company_id == company.company.id
            )
        ).scalar_one()
    assert "A1b2C3" not in stored
    assert SecretBox(TEST_SECRET, "dian-secrets").open(stored) == "A1b2C3"
    with pytest.raises(SecretUnreadable):
        SecretBox(TEST_SECRET, "webhook-secrets").open(stored)


def test_an_update_without_pin_keeps_it(ctx: ServiceContext, company: TenantFixture) -> None:
    first = einvoicing.update(ctx, company.actor, setup_data())
    second = einvoicing.update(
        ctx,
        company.actor,
        setup_data(software_pin=None, environment="produccion", endpoint_url=None),
    )
    assert second.sealed_software_pin == first.sealed_software_pin
    assert second.environment == "1"
    assert second.endpoint == "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"
    assert second.created_at == first.created_at
    third = einvoicing.update(ctx, company.actor, setup_data(software_pin="99999"))
    assert SecretBox(TEST_SECRET, "dian-secrets").open(third.sealed_software_pin) == "99999"


def test_words_people_write(ctx: ServiceContext, company: TenantFixture) -> None:
    settings = einvoicing.update(
        ctx,
        company.actor,
        setup_data(
            environment=" Producción ",
            endpoint_url="http://127.0.0.1:8800/WcfDianCustomerServices.svc",
            person_type="Natural",
            tax_scheme="no aplica",
            responsibilities=("r-99-pn", "R-99-PN", " o-47 "),
            provider_nit="830.084.433-7",
            provider_code="123",
            commercial_name="  La Tienda  ",
            deliver_to_buyer=False,
            postal_code=None,
            test_set_id="",
        ),
    )
    assert (settings.environment, settings.person_type, settings.tax_scheme) == ("1", "2", "ZZ")
    assert settings.endpoint == "http://127.0.0.1:8800/WcfDianCustomerServices.svc"
    assert settings.responsibilities == ("R-99-PN", "O-47")
    assert (settings.provider_nit, settings.provider_check_digit) == ("830084433", 7)
    assert not settings.software_propio and settings.provider_code == "123"
    assert settings.commercial_name == "La Tienda"
    assert (settings.deliver_to_buyer, settings.postal_code, settings.test_set_id) == (
        False,
        None,
        None,
    )


def test_every_broken_rule_is_reported(ctx: ServiceContext, company: TenantFixture) -> None:
    with pytest.raises(RuleViolations) as refused:
        einvoicing.update(
            ctx,
            company.actor,
            EInvoicingSettingsData(
                environment="3",
                endpoint_url="ftp://dian",
                software_id="not-a-guid",
                software_pin=None,
                test_set_id="123",
                provider_nit="900373115-1",
                provider_code="12",
                legal_name=None,
                person_type="3",
                responsibilities=("O-48", "O-13", "X-1"),
                tax_scheme="02",
                municipality_code="99999",
                address_line=" ",
                postal_code="05001",
                phone="llamar",
                email="no-es-correo",
            ),
        )
    assert codes(refused.value) == [
        ("invalid_value", "environment"),
        ("invalid_url", "endpoint_url"),
        ("invalid_value", "software_id"),
        ("parameter_required", "software_pin"),
        ("invalid_value", "test_set_id"),
        ("invalid_value", "provider_nit"),
        ("invalid_value", "provider_code"),
        ("invalid_value", "person_type"),
        ("invalid_reference", "responsibilities.0"),
        ("invalid_reference", "responsibilities.2"),
        ("invalid_value", "tax_scheme"),
        ("invalid_reference", "municipality_code"),
        ("parameter_required", "address_line"),
        ("invalid_value", "postal_code"),
        ("invalid_value", "phone"),
        ("invalid_email", "email"),
    ]
    messages = {v.field: v.render(v.field) for v in refused.value.violations}
    assert messages["provider_nit"] == (
        "The field provider_nit is wrong: the check digit of NIT 900373115 is 3"
    )
    assert "O-13, O-15, O-23, O-47, R-99-PN" in messages["responsibilities.0"]
    assert einvoicing.find(ctx, company.actor) is None  # nothing was stored


def test_required_fields(ctx: ServiceContext, company: TenantFixture) -> None:
    with pytest.raises(RuleViolations) as refused:
        einvoicing.update(ctx, company.actor, EInvoicingSettingsData(responsibilities=()))
    assert codes(refused.value) == [
        ("parameter_required", "software_id"),
        ("parameter_required", "software_pin"),
        ("parameter_required", "responsibilities"),
        ("parameter_required", "municipality_code"),
        ("parameter_required", "address_line"),
        ("parameter_required", "email"),
    ]


def test_postal_codes_are_checked_against_the_list_and_the_department(
    ctx: ServiceContext, company: TenantFixture
) -> None:
    with pytest.raises(RuleViolations) as refused:
        einvoicing.update(ctx, company.actor, setup_data(postal_code="050001"))
    assert codes(refused.value) == [("invalid_value", "postal_code")]
    assert "department 11" in refused.value.violations[0].message
    with pytest.raises(RuleViolations) as unknown:
        einvoicing.update(ctx, company.actor, setup_data(postal_code="119999"))
    assert codes(unknown.value) == [("invalid_reference", "postal_code")]
    settings = einvoicing.update(
        ctx, company.actor, setup_data(municipality_code="05001", postal_code="050001")
    )
    assert (settings.department_code, settings.department_name) == ("05", "Antioquia")


def lite_actor(ctx: ServiceContext, company: TenantFixture) -> Actor:
    operator = Actor.operator(company.company.id or 0)
    seller = users.create(
        ctx,
        operator,
        UserData(
            username=f"vendedor{secrets.token_hex(3)}@empresa.co",
            user_type=UserType.LITE,
            identification="1030405060",
            first_name="Vendedor",
            last_name="Lite",
        ),
        "clave-vendedor-2024",
    )
    return Actor(company_id=company.company.id or 0, user_id=seller.id, user_type=UserType.LITE)


def test_only_full_users_change_the_setup(ctx: ServiceContext, company: TenantFixture) -> None:
    seller = lite_actor(ctx, company)
    with pytest.raises(PermissionDenied):
        einvoicing.update(ctx, seller, setup_data())
    with pytest.raises(PermissionDenied):
        certificates.create(ctx, seller)
    einvoicing.update(ctx, Actor.operator(company.company.id or 0), setup_data())
    assert einvoicing.get(ctx, seller).software_id == SOFTWARE_ID
    assert certificates.get_all(ctx, seller).certificates == []


# --- certificates ------------------------------------------------------------------------------


def test_the_tracking_of_a_request(ctx: ServiceContext, company: TenantFixture) -> None:
    actor = company.actor
    request = certificates.create(ctx, actor, "Solicitud en Andes")
    assert request.state is CertificateState.EN_TRAMITE and request.id is not None
    with pytest.raises(RuleViolations) as twice:
        certificates.create(ctx, actor)
    assert codes(twice.value) == [("already_exists", "")]
    with pytest.raises(RuleViolations) as no_reason:
        certificates.change_state(ctx, actor, request.id, "rechazado")
    assert codes(no_reason.value) == [("parameter_required", "observations")]
    certificates.change_state(ctx, actor, request.id, "Rechazado", "Falta el RUT")
    certificates.change_state(ctx, actor, request.id, CertificateState.EN_TRAMITE, "Corregido")
    certificates.change_state(ctx, actor, request.id, "aceptado")
    with pytest.raises(RuleViolations) as unknown:
        certificates.change_state(ctx, actor, request.id, "activo")
    assert codes(unknown.value) == [("invalid_value", "state")]
    detail = certificates.get(ctx, actor, request.id)
    assert detail.certificate.state is CertificateState.ACEPTADO
    assert [(e.from_state, e.to_state, e.observations, e.user_id) for e in detail.history] == [
        (None, CertificateState.EN_TRAMITE, "Solicitud en Andes", actor.user_id),
        (CertificateState.EN_TRAMITE, CertificateState.RECHAZADO, "Falta el RUT", actor.user_id),
        (CertificateState.RECHAZADO, CertificateState.EN_TRAMITE, "Corregido", actor.user_id),
        (CertificateState.EN_TRAMITE, CertificateState.ACEPTADO, None, actor.user_id),
    ]
    assert [n.kind.value for n in detail.notices] == ["accepted"]
    assert certificates.history(ctx, actor, request.id) == detail.history
    with pytest.raises(NotFound):
        certificates.get(ctx, actor, request.id + 10_000)


def test_another_companys_records_are_not_found(
    ctx: ServiceContext, company: TenantFixture, make_company: MakeCompany
) -> None:
    request = certificates.create(ctx, company.actor)
    other = make_company()
    assert request.id is not None
    with pytest.raises(NotFound):
        certificates.get(ctx, other.actor, request.id)
    with pytest.raises(NotFound):
        certificates.change_state(ctx, other.actor, request.id, "aceptado")


def test_uploading_completes_the_request(ctx: ServiceContext, company: TenantFixture) -> None:
    actor = company.actor
    request = certificates.create(ctx, actor)
    assert request.id is not None
    certificates.change_state(ctx, actor, request.id, "aceptado")
    p12 = pkcs12_of(demo_certificate())
    record = certificates.upload(ctx, actor, request.id, p12, DEMO_PASSWORD)
    demo = demo_certificate()
    assert (record.id, record.state) == (request.id, CertificateState.COMPLETADO)
    assert record.subject == demo.subject and record.issuer == demo.issuer
    assert record.serial_number == str(demo.serial_number) and len(record.serial_number) == 48
    assert (record.not_before, record.not_after) == (demo.not_before, demo.not_after)
    assert record.fingerprint == demo.fingerprint_sha256
    with ctx.database.writer.connect() as connection:
        row = connection.execute(
            sa.select(t.signing_certificates.c.pkcs12, t.signing_certificates.c.password).where(
                t.signing_certificates.c.company_id == company.company.id,
                t.signing_certificates.c.id == request.id,
            )
        ).one()
    box = SecretBox(TEST_SECRET, "dian-certificates")
    assert base64.b64encode(p12).decode() not in row.pkcs12 and DEMO_PASSWORD not in row.password
    assert base64.b64decode(box.open(row.pkcs12)) == p12
    assert box.open(row.password) == DEMO_PASSWORD
    history = certificates.history(ctx, actor, request.id)
    assert (history[-1].from_state, history[-1].to_state) == (
        CertificateState.ACEPTADO,
        CertificateState.COMPLETADO,
    )
    # Valid since 2024 until 2030: past its first 11 months and far from its expiry.
    assert certificates.get_all(ctx, actor).notices == []
    with pytest.raises(RuleViolations) as again:
        certificates.upload(ctx, actor, None, p12, DEMO_PASSWORD)
    assert codes(again.value) == [("already_exists", "certificate")]


def test_a_bad_certificate_is_refused_with_every_problem(
    ctx: ServiceContext, company: TenantFixture
) -> None:
    now = datetime.now(UTC)
    bad = make_certificate(
        valid_from=now - timedelta(days=400),
        valid_to=now - timedelta(days=30),
        key_size=1024,
        hash_name="sha1",
        key_usage=None,
    )
    request = certificates.create(ctx, company.actor)  # En trámite: not ready for a file
    with pytest.raises(RuleViolations) as refused:
        certificates.upload(ctx, company.actor, request.id, pkcs12_of(bad), DEMO_PASSWORD)
    found = refused.value.violations
    assert [(v.code, v.field) for v in found] == [
        ("invalid_value", "certificate"),
        ("invalid_value", "certificate"),
        ("invalid_value", "certificate"),
        ("invalid_value", "certificate"),
        ("invalid_value", "certificate"),
        ("update_not_allowed", "state"),
    ]
    text = " | ".join(v.message for v in found)
    for words in ("vencido", "1024 bits", "sha1", "Firma digital", "No repudio", "Aceptado"):
        assert words in text, words
    assert certificates.get(ctx, company.actor, request.id or 0).certificate.state is (
        CertificateState.EN_TRAMITE
    )


@pytest.mark.parametrize(
    ("content", "password", "words"),
    [
        (lambda: pkcs12_of(demo_certificate()), "otra-clave", "contraseña"),
        (lambda: b"esto no es un certificado", DEMO_PASSWORD, "no es un certificado PKCS#12"),
        (lambda: b"", DEMO_PASSWORD, "required"),
        (lambda: pkcs12_of(other_certificate()), DEMO_PASSWORD, "NIT 901210113"),
        (
            # The certificate travels without its key, next to another key.
            lambda: pkcs12.serialize_key_and_certificates(
                b"x",
                rsa_key(2048, 7),
                None,
                [demo_certificate().certificate],
                serialization.BestAvailableEncryption(DEMO_PASSWORD.encode()),
            ),
            DEMO_PASSWORD,
            "no corresponde",
        ),
    ],
    ids=["wrong-password", "not-pkcs12", "empty", "other-nit", "key-mismatch"],
)
def test_unusable_files(
    ctx: ServiceContext,
    company: TenantFixture,
    content: Callable[[], bytes],
    password: str,
    words: str,
) -> None:
    with pytest.raises(RuleViolations) as refused:
        certificates.upload(ctx, company.actor, None, content(), password)
    assert [v.field for v in refused.value.violations] == ["certificate"]
    assert words in refused.value.violations[0].message
    assert certificates.get_all(ctx, company.actor).certificates == []


def test_a_technology_providers_certificate_is_accepted(
    ctx: ServiceContext, company: TenantFixture
) -> None:
    einvoicing.update(ctx, company.actor, setup_data(provider_nit="901210113"))
    record = certificates.upload(
        ctx, company.actor, None, pkcs12_of(other_certificate()), DEMO_PASSWORD
    )
    assert record.state is CertificateState.COMPLETADO


# --- signing profile ---------------------------------------------------------------------------


def test_signing_profile_says_everything_missing(
    ctx: ServiceContext, company: TenantFixture
) -> None:
    company_id = company.company.id or 0
    with pytest.raises(RuleViolations) as nothing:
        einvoicing.signing_profile(ctx, company_id, ctx.now())
    assert codes(nothing.value) == [
        ("document_settings", "einvoicing_settings"),
        ("document_settings", "certificate"),
    ]
    assert "no tiene certificado digital" in nothing.value.violations[1].message
    einvoicing.update(ctx, company.actor, setup_data())
    certificates.create(ctx, company.actor)
    with pytest.raises(RuleViolations) as pending:
        einvoicing.signing_profile(ctx, company_id, ctx.now())
    assert codes(pending.value) == [("document_settings", "certificate")]
    assert "aún no está completada" in pending.value.violations[0].message


def test_signing_profile(ctx: ServiceContext, company: TenantFixture) -> None:
    company_id = company.company.id or 0
    einvoicing.update(ctx, company.actor, setup_data(software_pin="77777"))
    record = certificates.upload(
        ctx, company.actor, None, pkcs12_of(demo_certificate()), DEMO_PASSWORD
    )
    profile = einvoicing.signing_profile(ctx, company_id, ctx.now())
    assert profile.software_pin == "77777"
    assert profile.endpoint == "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc"
    assert profile.environment.value == "2"
    assert profile.certificate.fingerprint_sha256 == demo_certificate().fingerprint_sha256
    assert profile.certificate_record.id == record.id
    assert (profile.settings.company_nit, profile.settings.municipality_name) == (
        DEMO_NIT,
        "Bogotá, D.c.",
    )
    software = profile.software()
    assert (software.software_id, software.pin, software.provider_nit) == (
        SOFTWARE_ID,
        "77777",
        DEMO_NIT,
    )
    supplier = profile.supplier()
    assert (supplier.identification, supplier.check_digit, supplier.tax_scheme) == (
        DEMO_NIT,
        3,
        ("01", "IVA"),
    )
    assert supplier.address is not None and supplier.address.department_code == "11"
    again = einvoicing.signing_profile(ctx, company_id, ctx.now())
    assert again.certificate is profile.certificate  # loaded once, then cached
    issuing = einvoicing.issuing_profile(ctx, company_id)
    assert (issuing.software_pin, issuing.settings.software_id) == ("77777", SOFTWARE_ID)
    issuer = einvoicing.issuer(issuing, ctx.reference)
    assert issuer.party.registration_name == company.company.name
    with pytest.raises(RuleViolations) as before:
        einvoicing.signing_profile(ctx, company_id, datetime(2023, 6, 1, tzinfo=UTC))
    assert "aún no está vigente" in before.value.violations[0].message


def test_expiry_is_automatic(ctx: ServiceContext, company: TenantFixture) -> None:
    """A certificate seen past its validity becomes Vencido, with an event and no user."""
    company_id = company.company.id or 0
    ends = datetime(2024, 6, 30, tzinfo=UTC)
    short = make_certificate(
        valid_from=datetime(2024, 1, 1, tzinfo=UTC), valid_to=ends, issuer=certificate_authority()
    )
    einvoicing.update(ctx, company.actor, setup_data())
    in_june = at(ctx, datetime(2024, 6, 1, tzinfo=UTC))
    record = certificates.upload(in_june, company.actor, None, pkcs12_of(short), DEMO_PASSWORD)
    assert record.id is not None
    assert einvoicing.signing_profile(in_june, company_id, in_june.now()).certificate
    in_july = at(ctx, datetime(2024, 7, 1, tzinfo=UTC))
    with pytest.raises(RuleViolations) as expired:
        einvoicing.signing_profile(in_july, company_id, in_july.now())
    assert codes(expired.value) == [("document_settings", "certificate")]
    assert "vencido" in expired.value.violations[0].message
    detail = certificates.get(in_july, company.actor, record.id)
    assert detail.certificate.state is CertificateState.VENCIDO
    last = detail.history[-1]
    assert (last.from_state, last.to_state, last.observations, last.user_id, last.at) == (
        CertificateState.COMPLETADO,
        CertificateState.VENCIDO,
        "Vencido automáticamente",
        None,
        datetime(2024, 7, 1, tzinfo=UTC),
    )
    assert [n.kind.value for n in detail.notices] == ["expired"]
    assert len([e for e in detail.history if e.to_state is CertificateState.VENCIDO]) == 1
    with pytest.raises(RuleViolations) as final:
        certificates.change_state(in_july, company.actor, record.id, "en_tramite")
    assert codes(final.value) == [("update_not_allowed", "state")]


def test_expire_due_for_the_worker(ctx: ServiceContext, make_company: MakeCompany) -> None:
    ends = datetime(2024, 3, 31, tzinfo=UTC)
    short = make_certificate(
        "Corta S.A.S.",
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        valid_to=ends,
        issuer=certificate_authority(),
    )
    in_march = at(ctx, datetime(2024, 3, 1, tzinfo=UTC))
    owners = [make_company(nit=DEMO_NIT) for _ in range(2)]
    made = [
        certificates.upload(in_march, o.actor, None, pkcs12_of(short), DEMO_PASSWORD)
        for o in owners
    ]
    assert certificates.expire_due(ctx, ends) == 0  # valid through its last instant
    assert certificates.expire_due(ctx, ends + timedelta(seconds=1)) >= 2
    assert certificates.expire_due(ctx, ends + timedelta(seconds=1)) == 0
    for owner, record in zip(owners, made, strict=True):
        history = certificates.history(ctx, owner.actor, record.id or 0)
        assert [(e.to_state, e.user_id) for e in history] == [
            (CertificateState.COMPLETADO, owner.actor.user_id),
            (CertificateState.VENCIDO, None),
        ]


def test_the_worker_expires_certificates(ctx: ServiceContext, make_company: MakeCompany) -> None:
    ends = datetime(2024, 5, 31, tzinfo=UTC)
    short = make_certificate(
        "Vence S.A.S.",
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        valid_to=ends,
        issuer=certificate_authority(),
    )
    owner = make_company(nit=DEMO_NIT)
    record = certificates.upload(
        at(ctx, datetime(2024, 3, 1, tzinfo=UTC)),
        owner.actor,
        None,
        pkcs12_of(short),
        DEMO_PASSWORD,
    )
    later = at(ctx, ends + timedelta(days=1))
    worker = Worker(job_kinds(later), poll_seconds=0.05)
    assert "certificates" in [kind.name for kind in worker.kinds]
    assert worker.drain()["certificates"]["expired"] >= 1
    assert (
        certificates.get(later, owner.actor, record.id or 0).certificate.state
        is CertificateState.VENCIDO
    )
    # One company's worker leaves the housekeeping to the all-companies one.
    assert "certificates" not in [
        k.name for k in job_kinds(later, company_id=owner.actor.company_id)
    ]


# --- facturo dian ------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def dian_cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cli]:
    with fresh_cli(request.param, tmp_path_factory.mktemp("dian-cli")) as shared:
        shared.ok("db", "upgrade")
        yield shared


def test_the_cli_sets_up_and_tracks_the_certificate(dian_cli: Cli, tmp_path: Path) -> None:
    key = f"empresa{secrets.token_hex(4)}"
    dian_cli.ok_json(*company_args(key, nit=DEMO_NIT))
    company = ("--company", key)
    assert "not found" in dian_cli.fails("dian", "show", *company)
    setup = [
        "dian", "setup", *company, "--software-id", SOFTWARE_ID, "--pin", "24680",
        "--responsibility", "O-13", "--responsibility", "o-15", "--tax-scheme", "iva",
        "--municipality", "05001", "--address", "Carrera 43A # 1-50",
        "--email", "fe@empresa.co", "--postal-code", "050021",
    ]  # fmt: skip
    made = dian_cli.ok_json(*setup)
    assert (made["environment"], made["software_id"], made["software_pin_set"]) == (
        "2",
        SOFTWARE_ID,
        True,
    )
    assert [r["code"] for r in made["responsibilities"]] == ["O-13", "O-15"]
    assert (made["municipality_name"], made["department_name"]) == ("Medellín", "Antioquia")
    assert made["provider_nit"] == DEMO_NIT and made["software_propio"] is True
    switched = dian_cli.ok_json(
        "dian", "setup", *company, "--environment", "produccion", "--no-deliver-to-buyer"
    )
    assert (switched["environment"], switched["software_id"], switched["deliver_to_buyer"]) == (
        "1",
        SOFTWARE_ID,
        False,
    )
    assert switched["endpoint"] == "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"
    shown = dian_cli.ok("dian", "show", *company)
    assert "ambiente: Producción (1)" in shown and "PIN: configurado" in shown
    assert "24680" not in shown + json.dumps(made) + json.dumps(switched)
    refused = dian_cli.fails_json(
        "dian", "setup", *company, "--software-id", "x", "--email", "mal", "--person-type", "3"
    )
    assert [(v["code"], v["field"]) for v in refused["violations"]] == [
        ("invalid_value", "software_id"),
        ("invalid_value", "person_type"),
        ("invalid_email", "email"),
    ]

    requested = dian_cli.ok_json("dian", "certificate", "request", *company)
    assert requested["state"] == "en_tramite"
    line = dian_cli.fails("dian", "certificate", "state", *company, "--to", "rechazado")
    assert line.startswith("error: The field observations is required to change to Rechazado")
    for state in ("rechazado", "en_tramite", "aceptado"):
        changed = dian_cli.ok_json(
            "dian", "certificate", "state", *company, "--to", state, "--observations", "ok"
        )
        assert changed["state"] == state
    p12 = tmp_path / "empresa.p12"
    p12.write_bytes(pkcs12_of(demo_certificate()))
    wrong = dian_cli.fails(
        "dian", "certificate", "upload", *company, "--file", str(p12), "--password", "mala"
    )
    assert "contraseña" in wrong
    uploaded = dian_cli.ok_json(
        "dian", "certificate", "upload", *company, "--file", str(p12), "--password", DEMO_PASSWORD
    )
    assert (uploaded["id"], uploaded["state"]) == (requested["id"], "completado")
    assert uploaded["serial_number"] == str(demo_certificate().serial_number)
    detail = dian_cli.ok_json("dian", "certificate", "show", *company)
    assert [(e["from_state"], e["to_state"]) for e in detail["history"]] == [
        (None, "en_tramite"),
        ("en_tramite", "rechazado"),
        ("rechazado", "en_tramite"),
        ("en_tramite", "aceptado"),
        ("aceptado", "completado"),
    ]
    assert all(e["user_id"] is None for e in detail["history"])
    assert detail["notices"] == []  # valid 2024-2030: no longer new, not expiring yet
    text = dian_cli.ok("dian", "certificate", "show", *company)
    assert "Certificado" in text and "Completado" in text and "Historial:" in text
    assert "vencimiento: 2030-12-31" in text
    listed = dian_cli.ok_json("dian", "certificate", "list", *company)
    assert [c["id"] for c in listed["certificates"]] == [requested["id"]]
