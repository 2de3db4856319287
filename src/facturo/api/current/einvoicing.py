"""``/v1/einvoicing``: the company's electronic-invoicing setup and its signing certificate
(a Facturo addition in the current dialect's style).

- ``GET/PUT /v1/einvoicing/settings``: environment, software registered in the DIAN portal,
  fiscal data. The software PIN is write-only: answers say ``software_pin_set``; a PUT without
  it keeps the stored one.
- ``GET/POST /v1/einvoicing/certificates``: the certificate records with the company's notices;
  a POST with ``observations`` starts a request (En trámite), with ``content`` (the .p12 in
  base64) and ``password`` it stores a certificate obtained outside the tracking (Completado).
- ``GET /v1/einvoicing/certificates/{id}``: one record with its history and the notices.
- ``PUT /v1/einvoicing/certificates/{id}/state``: ``{state, observations}``.
- ``POST /v1/einvoicing/certificates/{id}/pkcs12``: ``{content, password}``; every problem the
  certificate has is listed in one 400.
- ``POST /v1/einvoicing/numbering-ranges/fetch``: GetNumberingRange merged into the company's
  sales-invoice ranges (``{document_type_id}`` optional); what was added, updated, unchanged.
- ``GET /v1/einvoicing/test-set-runs/latest``: the newest habilitación test set run, its
  progress and each document's verdict (``facturo dian test-set`` sends one).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import Response

from facturo.api.current.base import CurrentModel, timestamp
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import respond
from facturo.domain.catalogs import NumberingRange
from facturo.domain.certificates import CertificateEvent, CertificateRecord, Notice
from facturo.domain.einvoicing import (
    INVOICE_RESPONSIBILITIES,
    PERSON_TYPES,
    EInvoicingSettings,
    EInvoicingSettingsData,
)
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.numbering import MergeOutcome
from facturo.domain.validation import MAX_RECORD_ID
from facturo.services import certificates, dian_numbering, einvoicing, habilitacion
from facturo.services.certificates import MAX_PKCS12_BYTES, CertificateDetail

router = current_router(
    "/einvoicing",
    "Current API: electronic invoicing (Facturo)",
    # The service names the uploaded file "certificate"; this face receives it as "content".
    {"certificate": "content"},
)


# --- settings ----------------------------------------------------------------------------------


class SettingsIn(CurrentModel):
    environment: str | None = None  # "2"/habilitacion (default) or "1"/produccion
    endpoint_url: str | None = None
    software_id: str | None = None
    software_pin: str | None = None  # write-only; omitted: the stored PIN stays
    test_set_id: str | None = None
    provider_nit: str | None = None
    provider_code: str | None = None
    legal_name: str | None = None
    commercial_name: str | None = None
    person_type: str | None = None
    responsibilities: list[Any] | None = None  # ["O-13"] or [{"code": "O-13"}]
    tax_scheme: str | None = None
    municipality_code: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    deliver_to_buyer: bool | None = None

    def to_domain(self) -> EInvoicingSettingsData:
        defaults = EInvoicingSettingsData()
        return EInvoicingSettingsData(
            environment=self.environment if self.environment is not None else defaults.environment,
            endpoint_url=self.endpoint_url,
            software_id=self.software_id,
            software_pin=self.software_pin,
            test_set_id=self.test_set_id,
            provider_nit=self.provider_nit,
            provider_code=self.provider_code,
            legal_name=self.legal_name,
            commercial_name=self.commercial_name,
            person_type=self.person_type if self.person_type is not None else defaults.person_type,
            responsibilities=(
                tuple(_code(item) for item in self.responsibilities)
                if self.responsibilities is not None
                else defaults.responsibilities
            ),
            tax_scheme=self.tax_scheme if self.tax_scheme is not None else defaults.tax_scheme,
            municipality_code=self.municipality_code,
            address_line=self.address_line,
            postal_code=self.postal_code,
            phone=self.phone,
            email=self.email,
            deliver_to_buyer=True if self.deliver_to_buyer is None else self.deliver_to_buyer,
        )


def _code(item: Any) -> str:
    if isinstance(item, dict):
        lowered = {str(k).lower(): v for k, v in item.items()}
        return str(lowered.get("code") or "")
    return "" if item is None else str(item)


class CodeName(CurrentModel):
    code: str
    name: str


class CompanyOut(CurrentModel):
    nit: str
    check_digit: int
    name: str


class SettingsOut(CurrentModel):
    environment: str
    environment_name: str
    endpoint_url: str | None
    endpoint: str  # where documents go: endpoint_url, or the DIAN's for the environment
    software_id: str
    software_pin_set: bool
    test_set_id: str | None
    provider_nit: str
    provider_check_digit: int
    provider_code: str
    software_propio: bool
    company: CompanyOut
    legal_name: str
    commercial_name: str | None
    person_type: str
    person_type_name: str
    responsibilities: list[CodeName]
    tax_scheme: str
    tax_scheme_name: str
    municipality_code: str
    municipality_name: str
    department_code: str
    department_name: str
    address_line: str
    postal_code: str | None
    phone: str | None
    email: str
    deliver_to_buyer: bool
    created_at: str | None
    updated_at: str | None

    @classmethod
    def from_domain(cls, s: EInvoicingSettings) -> SettingsOut:
        return cls.model_construct(
            environment=s.environment,
            environment_name=s.environment_name,
            endpoint_url=s.endpoint_url,
            endpoint=s.endpoint,
            software_id=s.software_id,
            software_pin_set=bool(s.sealed_software_pin),
            test_set_id=s.test_set_id,
            provider_nit=s.provider_nit,
            provider_check_digit=s.provider_check_digit,
            provider_code=s.provider_code,
            software_propio=s.software_propio,
            company=CompanyOut.model_construct(
                nit=s.company_nit, check_digit=s.company_check_digit, name=s.company_name
            ),
            legal_name=s.legal_name,
            commercial_name=s.commercial_name,
            person_type=s.person_type,
            person_type_name=PERSON_TYPES.get(s.person_type, ""),
            responsibilities=[
                CodeName.model_construct(code=code, name=INVOICE_RESPONSIBILITIES.get(code, ""))
                for code in s.responsibilities
            ],
            tax_scheme=s.tax_scheme,
            tax_scheme_name=s.tax_scheme_name,
            municipality_code=s.municipality_code,
            municipality_name=s.municipality_name,
            department_code=s.department_code,
            department_name=s.department_name,
            address_line=s.address_line,
            postal_code=s.postal_code,
            phone=s.phone,
            email=s.email,
            deliver_to_buyer=s.deliver_to_buyer,
            created_at=timestamp(s.created_at),
            updated_at=timestamp(s.updated_at),
        )


@router.get(
    "/settings", summary="The company's electronic-invoicing setup", response_model=SettingsOut
)
def get_settings(ctx: Context, actor: CurrentActor) -> Response:
    return respond(SettingsOut.from_domain(einvoicing.get(ctx, actor)))


@router.put(
    "/settings",
    summary="Set up (or replace the setup of) electronic invoicing; the PIN is write-only",
    response_model=SettingsOut,
)
def update_settings(ctx: Context, actor: CurrentActor, body: SettingsIn) -> Response:
    return respond(SettingsOut.from_domain(einvoicing.update(ctx, actor, body.to_domain())))


# --- certificates ------------------------------------------------------------------------------


class CertificateOut(CurrentModel):
    id: int
    state: str
    state_name: str
    observations: str | None
    has_certificate: bool
    subject: str | None
    issuer: str | None
    serial_number: str | None
    not_before: str | None
    not_after: str | None
    fingerprint: str | None
    next_states: list[str]
    created_at: str | None
    updated_at: str | None

    @classmethod
    def fields_of(cls, record: CertificateRecord) -> dict[str, Any]:
        return {
            "id": record.id or 0,
            "state": record.state.value,
            "state_name": record.state.label,
            "observations": record.observations,
            "has_certificate": record.has_pkcs12,
            "subject": record.subject,
            "issuer": record.issuer,
            "serial_number": record.serial_number,
            "not_before": timestamp(record.not_before),
            "not_after": timestamp(record.not_after),
            "fingerprint": record.fingerprint,
            "next_states": [s.value for s in record.next_states()],
            "created_at": timestamp(record.created_at),
            "updated_at": timestamp(record.updated_at),
        }

    @classmethod
    def from_domain(cls, record: CertificateRecord) -> CertificateOut:
        return cls.model_construct(**cls.fields_of(record))


class EventOut(CurrentModel):
    id: int
    from_state: str | None
    to_state: str
    observations: str | None
    user_id: int | None  # None: the operator at the command line, or the clock
    at: str | None

    @classmethod
    def from_domain(cls, event: CertificateEvent) -> EventOut:
        return cls.model_construct(
            id=event.id or 0,
            from_state=event.from_state.value if event.from_state else None,
            to_state=event.to_state.value,
            observations=event.observations,
            user_id=event.user_id,
            at=timestamp(event.at),
        )


class NoticeOut(CurrentModel):
    kind: str
    certificate_id: int | None
    message: str

    @classmethod
    def from_domain(cls, notice: Notice) -> NoticeOut:
        return cls.model_construct(
            kind=notice.kind.value, certificate_id=notice.certificate_id, message=notice.message
        )


class CertificateDetailOut(CertificateOut):
    history: list[EventOut]
    notices: list[NoticeOut]

    @classmethod
    def detail(cls, found: CertificateDetail) -> CertificateDetailOut:
        return cls.model_construct(
            **CertificateOut.fields_of(found.certificate),
            history=[EventOut.from_domain(e) for e in found.history],
            notices=[NoticeOut.from_domain(n) for n in found.notices],
        )


class CertificateListOut(CurrentModel):
    results: list[CertificateOut]
    notices: list[NoticeOut]


class CertificateIn(CurrentModel):
    observations: str | None = None
    content: str | None = None  # the .p12/.pfx file, base64
    password: str | None = None


class Pkcs12In(CurrentModel):
    content: str | None = None
    password: str | None = None


class StateIn(CurrentModel):
    state: str | None = None
    observations: str | None = None


def _certificate_id(value: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise NotFound("certificate", value) from None
    if not 0 < number <= MAX_RECORD_ID:
        raise NotFound("certificate", value)
    return number


def _pkcs12(content: str | None) -> bytes:
    """The uploaded file: base64, line breaks allowed (as ``base64`` tools wrap it)."""
    text = "".join((content or "").split())
    if not text:
        raise RuleViolations(
            [Violation("parameter_required", "content", "The field {field} is required")]
        )
    if len(text) > MAX_PKCS12_BYTES * 4 // 3 + 4:
        raise RuleViolations(
            [
                Violation(
                    "length_max",
                    "content",
                    f"The field {{field}} exceeds {MAX_PKCS12_BYTES} bytes: it is not a certificate",
                )
            ]
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolations(
            [
                Violation(
                    "invalid_value",
                    "content",
                    "The field {field} must be the .p12 or .pfx file encoded in base64",
                )
            ]
        ) from None


@router.get(
    "/certificates",
    summary="The company's signing-certificate records, with its notices",
    response_model=CertificateListOut,
)
def list_certificates(ctx: Context, actor: CurrentActor) -> Response:
    found = certificates.get_all(ctx, actor)
    return respond(
        CertificateListOut.model_construct(
            results=[CertificateOut.from_domain(r) for r in reversed(found.certificates)],
            notices=[NoticeOut.from_domain(n) for n in found.notices],
        )
    )


@router.post(
    "/certificates",
    summary="Start a certificate request (En trámite), or store a certificate obtained outside "
    "the tracking (content + password: Completado)",
    status_code=201,
    response_model=CertificateOut,
)
def create_certificate(ctx: Context, actor: CurrentActor, body: CertificateIn) -> Response:
    if body.content is not None and body.content.strip():
        record = certificates.upload(ctx, actor, None, _pkcs12(body.content), body.password or "")
    else:
        record = certificates.create(ctx, actor, body.observations)
    response = respond(CertificateOut.from_domain(record))
    response.status_code = 201
    return response


@router.get(
    "/certificates/{certificate_id}",
    summary="A certificate record with its history and the company's notices",
    response_model=CertificateDetailOut,
)
def get_certificate(ctx: Context, actor: CurrentActor, certificate_id: str) -> Response:
    found = certificates.get(ctx, actor, _certificate_id(certificate_id))
    return respond(CertificateDetailOut.detail(found))


@router.put(
    "/certificates/{certificate_id}/state",
    summary="Change the state of a certificate record (Rechazado and manual Vencido need "
    "observations; Completado comes from uploading the PKCS#12)",
    response_model=CertificateOut,
)
def change_certificate_state(
    ctx: Context, actor: CurrentActor, certificate_id: str, body: StateIn
) -> Response:
    record = certificates.change_state(
        ctx, actor, _certificate_id(certificate_id), body.state or "", body.observations
    )
    return respond(CertificateOut.from_domain(record))


@router.post(
    "/certificates/{certificate_id}/pkcs12",
    summary="Upload the certificate (.p12/.pfx in base64, with its password): an Aceptado "
    "request becomes Completado; a Completado one gets the new certificate",
    response_model=CertificateOut,
)
def upload_certificate(
    ctx: Context, actor: CurrentActor, certificate_id: str, body: Pkcs12In
) -> Response:
    record_id = _certificate_id(certificate_id)
    record = certificates.upload(ctx, actor, record_id, _pkcs12(body.content), body.password or "")
    return respond(CertificateOut.from_domain(record))


# --- numbering ranges from the DIAN ------------------------------------------------------------


class NumberingFetchIn(CurrentModel):
    document_type_id: int | None = None  # where new ranges go (default: the first electronic)


class NumberingRangeOut(CurrentModel):
    id: int
    document_type_id: int
    prefix: str
    first_number: int
    last_number: int
    next_number: int
    valid_from: str | None
    valid_to: str | None
    resolution_number: str | None
    resolution_date: str | None
    technical_key: str | None
    active: bool

    @classmethod
    def from_domain(cls, n: NumberingRange) -> NumberingRangeOut:
        return cls.model_construct(
            id=n.id or 0,
            document_type_id=n.document_type_id,
            prefix=n.prefix,
            first_number=n.first_number,
            last_number=n.last_number,
            next_number=n.next_number,
            valid_from=n.valid_from.isoformat() if n.valid_from else None,
            valid_to=n.valid_to.isoformat() if n.valid_to else None,
            resolution_number=n.resolution_number,
            resolution_date=n.resolution_date.isoformat() if n.resolution_date else None,
            technical_key=n.technical_key,
            active=n.active,
        )


class RangeChangeOut(CurrentModel):
    outcome: str  # added, updated, unchanged, skipped
    prefix: str
    first_number: int
    last_number: int
    resolution_number: str
    range_id: int | None
    changed: list[str]
    notes: list[str]


class NumberingFetchOut(CurrentModel):
    operation_code: str
    description: str
    document_type_id: int
    added: int
    updated: int
    unchanged: int
    skipped: int
    changes: list[RangeChangeOut]
    deactivated: list[int]
    ranges: list[NumberingRangeOut]


@router.post(
    "/numbering-ranges/fetch",
    summary="Fetch the numbering ranges the DIAN authorizes (GetNumberingRange) and merge them "
    "into the company's sales-invoice ranges",
    response_model=NumberingFetchOut,
)
def fetch_numbering_ranges(
    ctx: Context, actor: CurrentActor, body: NumberingFetchIn | None = None
) -> Response:
    result = dian_numbering.fetch(
        ctx, actor, document_type_id=body.document_type_id if body else None
    )
    return respond(
        NumberingFetchOut.model_construct(
            operation_code=result.operation_code,
            description=result.description,
            document_type_id=result.document_type.id or 0,
            added=len(result.with_outcome(MergeOutcome.ADDED)),
            updated=len(result.with_outcome(MergeOutcome.UPDATED)),
            unchanged=len(result.with_outcome(MergeOutcome.UNCHANGED)),
            skipped=len(result.with_outcome(MergeOutcome.SKIPPED)),
            changes=[
                RangeChangeOut.model_construct(
                    outcome=entry.outcome.value,
                    prefix=entry.authorized.prefix,
                    first_number=entry.authorized.first_number,
                    last_number=entry.authorized.last_number,
                    resolution_number=entry.authorized.resolution_number,
                    range_id=entry.numbering.id if entry.numbering is not None else None,
                    changed=list(entry.changed),
                    notes=list(entry.notes),
                )
                for entry in result.entries
            ],
            deactivated=[n.id or 0 for n in result.deactivated],
            ranges=[NumberingRangeOut.from_domain(n) for n in result.ranges],
        )
    )


# --- the habilitación test set ------------------------------------------------------------------


class TestSetDocumentOut(CurrentModel):
    __test__ = False  # not a pytest test class, despite its name

    id: int
    kind: str  # invoice, credit_note, debit_note
    number: str
    document_key: str | None  # CUFE / CUDE
    status: str  # accepted, rejected, invalid, sent, pending …
    status_code: str | None
    rule_codes: list[str]
    messages: list[str]


class TestSetRunOut(CurrentModel):
    __test__ = False

    id: int
    test_set_id: str
    state: str  # running, finished, failed
    interrupted: bool  # still "running" past its deadline: the run stopped
    invoices: int
    credit_notes: int
    debit_notes: int
    total: int
    sent: int
    accepted: int
    rejected: int
    invalid: int
    pending: int
    zip_keys: list[str]
    error: str | None
    started_at: str | None
    updated_at: str | None
    finished_at: str | None
    documents: list[TestSetDocumentOut]


@router.get(
    "/test-set-runs/latest",
    summary="The newest habilitación test set run: progress and each document's verdict",
    response_model=TestSetRunOut,
)
def latest_test_set_run(ctx: Context, actor: CurrentActor) -> Response:
    found = habilitacion.report(ctx, actor)
    run = found.run
    return respond(
        TestSetRunOut.model_construct(
            id=run.id or 0,
            test_set_id=run.test_set_id,
            state=run.state.value,
            interrupted=run.stale(ctx.now()),
            invoices=run.composition.invoices,
            credit_notes=run.composition.credit_notes,
            debit_notes=run.composition.debit_notes,
            total=run.total,
            sent=run.sent,
            accepted=run.accepted,
            rejected=run.rejected,
            invalid=run.invalid,
            pending=run.pending,
            zip_keys=list(run.zip_keys),
            error=run.error,
            started_at=timestamp(run.started_at),
            updated_at=timestamp(run.updated_at),
            finished_at=timestamp(run.finished_at),
            documents=[
                TestSetDocumentOut.model_construct(
                    id=d.document_id,
                    kind=d.kind.value,
                    number=d.number,
                    document_key=d.document_key,
                    status=d.status,
                    status_code=d.status_code,
                    rule_codes=list(d.rule_codes),
                    messages=list(d.messages),
                )
                for d in found.documents
            ],
        )
    )
