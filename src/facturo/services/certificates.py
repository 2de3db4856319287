"""The company's signing certificate: the request that obtains it, its upload as PKCS#12, its
history and notices (``domain.certificates`` has the state machine), and the choice of the
certificate documents are signed with.

The PKCS#12 file (base64) and its password are stored sealed with a key of their own
(purpose ``dian-certificates``). A PKCS#12 is read outside any write transaction: its key
derivation is slow on purpose and would otherwise hold SQLite's write lock.

Expiry is automatic: whenever a read or a signing sees a Completado certificate whose validity
has ended, the record moves to Vencido with an event ("Vencido automáticamente", no user);
``expire_due`` does the same for every company, for the worker.
"""

from __future__ import annotations

import base64
import binascii
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from threading import Lock

from facturo.dian.certificates import SigningCertificate, load_pkcs12, usability_problems
from facturo.dian.errors import CertificateError
from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import colombian_date
from facturo.domain.certificates import (
    CertificateEvent,
    CertificateFacts,
    CertificateRecord,
    CertificateState,
    Notice,
    check_upload_target,
    complete,
    expire,
    new_request,
    notices,
    signing_choice,
    with_certificate_id,
)
from facturo.domain.certificates import change_state as change_record_state
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.security import SecretBox, SecretUnreadable
from facturo.services.context import ServiceContext
from facturo.store.einvoicing import CertificateRepository, EInvoicingSettingsRepository
from facturo.store.unit_of_work import UnitOfWork

SECRET_PURPOSE = "dian-certificates"  # noqa: S105 - the name of a key derivation, not a secret
MAX_PKCS12_BYTES = 100_000  # a certificate with its chain is a few kilobytes
MAX_NAME_TEXT = 500  # the subject and issuer columns
CERTIFICATE_FIELD = "certificate"


@dataclass(frozen=True)
class CertificateList:
    certificates: list[CertificateRecord]  # oldest first
    notices: list[Notice]


@dataclass(frozen=True)
class CertificateDetail:
    certificate: CertificateRecord
    history: list[CertificateEvent]  # oldest first
    notices: list[Notice]  # the company's, as on the list


@dataclass(frozen=True)
class SigningSelection:
    """The record chosen for signing and its certificate, loaded."""

    record: CertificateRecord
    certificate: SigningCertificate


def _certificates(uow: UnitOfWork) -> CertificateRepository:
    return CertificateRepository(uow.session)


@lru_cache(maxsize=8)
def _box(secret: str) -> SecretBox:
    return SecretBox(secret, SECRET_PURPOSE)


def secret_box(ctx: ServiceContext) -> SecretBox:
    return _box(ctx.settings.resolved_secret_key())


# --- reads -------------------------------------------------------------------------------------


def get_all(ctx: ServiceContext, actor: Actor) -> CertificateList:
    """The company's certificate records, oldest first, with its notices."""
    actor.require(Permission.MASTER_DATA_READ)
    records = _read_all(ctx, actor.company_id)
    return CertificateList(records, notices(records, colombian_date(ctx.now())))


def get(ctx: ServiceContext, actor: Actor, certificate_id: int) -> CertificateDetail:
    """One record with its history and the company's notices."""
    actor.require(Permission.MASTER_DATA_READ)
    records, events = _read(ctx, actor.company_id, certificate_id)
    record = next((r for r in records if r.id == certificate_id), None)
    if record is None:
        raise NotFound("certificate", certificate_id)
    return CertificateDetail(record, events, notices(records, colombian_date(ctx.now())))


def history(ctx: ServiceContext, actor: Actor, certificate_id: int) -> list[CertificateEvent]:
    """The record's changes of state, oldest first."""
    return get(ctx, actor, certificate_id).history


def _read_all(ctx: ServiceContext, company_id: int) -> list[CertificateRecord]:
    return _read(ctx, company_id)[0]


def _read(
    ctx: ServiceContext, company_id: int, certificate_id: int | None = None
) -> tuple[list[CertificateRecord], list[CertificateEvent]]:
    """The company's records (and one record's history) in one read transaction. Records
    whose validity ended are expired first, in a write transaction only when there is one,
    and read again."""
    now = ctx.now()
    for _attempt in range(2):
        with ctx.unit_of_work(read_only=True) as uow:
            repository = _certificates(uow)
            records = repository.all(company_id)
            due = any(r.expiry_due(now) for r in records)
            events = (
                repository.history(company_id, certificate_id)
                if certificate_id is not None and not due
                else []
            )
        if not due:
            break
        _expire(ctx, now, company_id=company_id)
    return records, events


# --- changes -----------------------------------------------------------------------------------


def create(ctx: ServiceContext, actor: Actor, observations: str | None = None) -> CertificateRecord:
    """A new request, En trámite."""
    actor.require(Permission.MASTER_DATA_WRITE)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        repository = _certificates(uow)
        _expire_in(repository, now, actor.company_id)
        record, event = new_request(
            actor.company_id,
            observations,
            repository.open_requests(actor.company_id),
            user_id=actor.user_id,
            now=now,
        )
        repository.add(record)
        assert record.id is not None
        repository.add_events([with_certificate_id(event, record.id)])
        uow.commit()
    return record


def change_state(
    ctx: ServiceContext,
    actor: Actor,
    certificate_id: int,
    to_state: CertificateState | str,
    observations: str | None = None,
) -> CertificateRecord:
    """Moves a record to another state, if the state machine allows it."""
    actor.require(Permission.MASTER_DATA_WRITE)
    target = parse_state(to_state)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        repository = _certificates(uow)
        _expire_in(repository, now, actor.company_id)
        record = repository.get(actor.company_id, certificate_id, for_update=True)
        event = change_record_state(record, target, observations, user_id=actor.user_id, now=now)
        repository.save(record)
        repository.add_events([event])
        uow.commit()
    return record


def parse_state(value: CertificateState | str) -> CertificateState:
    if isinstance(value, CertificateState):
        return value
    parsed = CertificateState.parse(value or "")
    if parsed is None:
        names = ", ".join(f"{s.value} ({s.label})" for s in CertificateState)
        raise RuleViolations(
            [
                Violation(
                    "parameter_required" if not (value or "").strip() else "invalid_value",
                    "state",
                    f"The field {{field}} must be one of: {names}",
                )
            ]
        )
    return parsed


def upload(
    ctx: ServiceContext,
    actor: Actor,
    certificate_id: int | None,
    pkcs12: bytes,
    password: str,
) -> CertificateRecord:
    """Stores a PKCS#12 in record ``certificate_id`` (Aceptado: it becomes Completado;
    Completado: the certificate is replaced) or, with None, in a new Completado record.
    Refused with every problem found: unreadable file, wrong password, key that is not the
    certificate's, validity, algorithm, key usage, another company's NIT, the record's state."""
    actor.require(Permission.MASTER_DATA_WRITE)
    now = ctx.now()
    problems: list[Violation] = []
    certificate = _read_pkcs12(pkcs12, password, now, problems)
    box = secret_box(ctx)
    with ctx.unit_of_work() as uow:
        repository = _certificates(uow)
        _expire_in(repository, now, actor.company_id)
        record: CertificateRecord | None = None
        if certificate_id is not None:
            record = repository.get(actor.company_id, certificate_id, for_update=True)
        problems.extend(check_upload_target(record).violations)
        if certificate is not None:
            problems.extend(_ownership_problems(uow, actor.company_id, certificate))
            duplicate = next(
                (
                    r
                    for r in repository.all(actor.company_id)
                    if r.fingerprint == certificate.fingerprint_sha256
                    and r.id != certificate_id
                    and r.state is CertificateState.COMPLETADO
                ),
                None,
            )
            if duplicate is not None:
                problems.append(
                    Violation(
                        "already_exists",
                        CERTIFICATE_FIELD,
                        f"This certificate is already stored in record {duplicate.id}",
                    )
                )
        if problems:
            raise RuleViolations(problems)
        assert certificate is not None
        target = record or CertificateRecord(company_id=actor.company_id)
        event = complete(
            target,
            facts_of(certificate),
            sealed_pkcs12=box.seal(base64.b64encode(pkcs12).decode("ascii")),
            sealed_password=box.seal(password),
            user_id=actor.user_id,
            now=now,
        )
        if record is None:
            repository.add(target)
        else:
            repository.save(target)
        assert target.id is not None
        repository.add_events([with_certificate_id(event, target.id)])
        uow.commit()
    return target


def _read_pkcs12(
    pkcs12: bytes, password: str, now: datetime, problems: list[Violation]
) -> SigningCertificate | None:
    if not pkcs12:
        problems.append(
            Violation("parameter_required", CERTIFICATE_FIELD, "The field {field} is required")
        )
        return None
    if len(pkcs12) > MAX_PKCS12_BYTES:
        problems.append(
            Violation(
                "length_max",
                CERTIFICATE_FIELD,
                f"The field {{field}} exceeds {MAX_PKCS12_BYTES} bytes: it is not a certificate",
            )
        )
        return None
    try:
        certificate = load_pkcs12(pkcs12, password or "")
    except CertificateError as error:
        problems.extend(Violation("invalid_value", CERTIFICATE_FIELD, p) for p in error.problems)
        return None
    problems.extend(
        Violation("invalid_value", CERTIFICATE_FIELD, p)
        for p in usability_problems(certificate, now)
    )
    return certificate


def _ownership_problems(
    uow: UnitOfWork, company_id: int, certificate: SigningCertificate
) -> list[Violation]:
    """A certificate that names a NIT must name the company's (or its technology provider's,
    who signs for it)."""
    nit = certificate.subject_nit
    if nit is None:
        return []
    company = uow.companies.get(company_id)
    allowed = {company.nit}
    settings = EInvoicingSettingsRepository(uow.session).find(company_id)
    if settings is not None:
        allowed.add(settings.provider_nit)
    if nit in allowed:
        return []
    return [
        Violation(
            "invalid_value",
            CERTIFICATE_FIELD,
            f"El certificado fue expedido al NIT {nit}, no al de la empresa ({company.nit}).",
        )
    ]


def facts_of(certificate: SigningCertificate) -> CertificateFacts:
    return CertificateFacts(
        subject=certificate.subject[:MAX_NAME_TEXT],
        issuer=certificate.issuer[:MAX_NAME_TEXT],
        serial_number=certificate.serial_number_text,
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        fingerprint=certificate.fingerprint_sha256,
    )


# --- expiry ------------------------------------------------------------------------------------


def expire_due(ctx: ServiceContext, now: datetime) -> int:
    """Moves every company's Completado certificates whose validity ended before ``now`` to
    Vencido; returns how many. For the worker."""
    return _expire(ctx, now)


def _expire(ctx: ServiceContext, now: datetime, *, company_id: int | None = None) -> int:
    with ctx.unit_of_work() as uow:
        expired = _expire_in(_certificates(uow), now, company_id)
        if expired:
            uow.commit()
    return expired


def _expire_in(repository: CertificateRepository, now: datetime, company_id: int | None) -> int:
    """Inside the caller's write transaction (so a change never acts on a stale state)."""
    due = repository.due_for_expiry(now, company_id=company_id, for_update=True)
    events = []
    for record in due:
        event = expire(record, now)
        if event is not None:
            repository.save(record)
            events.append(event)
    repository.add_events(events)
    return len(events)


# --- signing -----------------------------------------------------------------------------------

_LOADED: OrderedDict[tuple[int, int, str, str], SigningCertificate] = OrderedDict()
_LOADED_LOCK = Lock()
_LOADED_MAX = 256


def current_signing(ctx: ServiceContext, company_id: int, at: datetime) -> SigningSelection:
    """The certificate documents signed at ``at`` use, loaded (and cached per record
    version: reading a PKCS#12 costs milliseconds). Raises ``RuleViolations``
    (``document_settings``, field ``certificate``) when there is none that may sign."""
    return select_signing(ctx, company_id, _read_all(ctx, company_id), at)


def select_signing(
    ctx: ServiceContext, company_id: int, records: list[CertificateRecord], at: datetime
) -> SigningSelection:
    """``current_signing`` over the company's records as just read (expiring those due)."""
    if any(r.expiry_due(ctx.now()) for r in records):
        records = _read_all(ctx, company_id)
    chosen = signing_choice(records, at)
    if chosen is None:
        raise RuleViolations(
            [Violation("document_settings", CERTIFICATE_FIELD, _why_none(records, at))]
        )
    certificate = _loaded(ctx, chosen)
    problems = usability_problems(certificate, at)
    if problems:
        raise RuleViolations(
            [
                Violation(
                    "document_settings",
                    CERTIFICATE_FIELD,
                    f"El certificado digital {chosen.id} no sirve para firmar: {problem}",
                )
                for problem in problems
            ]
        )
    return SigningSelection(chosen, certificate)


def _why_none(records: list[CertificateRecord], at: datetime) -> str:
    completed = [r for r in records if r.state is CertificateState.COMPLETADO]
    if any(r.not_before is not None and at < r.not_before for r in completed):
        return "El certificado digital de la empresa aún no está vigente en la fecha de firma."
    if any(r.state is CertificateState.VENCIDO for r in records) or completed:
        return (
            "El certificado digital de la empresa está vencido: genera una nueva solicitud y "
            "carga el nuevo certificado (facturo dian certificate upload)."
        )
    if any(r.state.is_open_request for r in records):
        return (
            "La solicitud del certificado digital de la empresa aún no está completada: carga "
            "el certificado (PKCS#12) cuando lo recibas."
        )
    return (
        "La empresa no tiene certificado digital: cárgalo (PKCS#12) antes de emitir documentos "
        "electrónicos."
    )


def _loaded(ctx: ServiceContext, record: CertificateRecord) -> SigningCertificate:
    assert record.id is not None and record.updated_at is not None
    key = (record.company_id, record.id, record.updated_at.isoformat(), record.fingerprint or "")
    with _LOADED_LOCK:
        cached = _LOADED.get(key)
        if cached is not None:
            _LOADED.move_to_end(key)
            return cached
    box = secret_box(ctx)
    try:
        data = base64.b64decode(box.open(record.sealed_pkcs12 or ""), validate=True)
        password = box.open(record.sealed_password or "")
        certificate = load_pkcs12(data, password)
    except (CertificateError, SecretUnreadable, binascii.Error) as error:
        raise RuleViolations(
            [
                Violation(
                    "document_settings",
                    CERTIFICATE_FIELD,
                    f"El certificado digital {record.id} guardado no se puede leer: {error}",
                )
            ]
        ) from error
    with _LOADED_LOCK:
        _LOADED[key] = certificate
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    return certificate
