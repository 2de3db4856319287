"""Sending electronic documents to the DIAN and delivering them to the buyer.

Asking to send ("Enviar electrónicamente", the current API's ``stamp``) writes an outbox row
(``dian_transmissions``) in the caller's transaction — with the document itself when the
request creates it. The worker (``worker/dian.py``) then, for each due row:

1. signs the document once: builds the UBL, signs it (XAdES-EPES), checks it against the DIAN
   XSD, and stores the signed bytes with their CUFE/CUDE and file name *before* sending — every
   later try sends those same bytes, so a number never gets a second CUFE;
2. sends it with SendBillSync and records the answer: accepted (with the DIAN's
   ApplicationResponse), rejected (with its rules), or — when the DIAN cannot be reached — a
   retry under the contingency rules (``domain/transmission.py``);
3. when the answer was lost (a timeout after the DIAN may have processed it), or the DIAN says
   it already has the document, asks GetStatus for the CUFE instead of sending again.

Accepted documents with a buyer e-mail are delivered: the AttachedDocument with the
ApplicationResponse and the PDF, zipped, by SMTP, retried on failure.

The network is never touched inside a database transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from facturo.dian import keys, schemas, ubl, xades
from facturo.dian.errors import DianError, SchemaError, SoapFault, TransportError
from facturo.dian.model import ElectronicDocument
from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import DocumentClass, DocumentType, NumberingRange
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.sales import DocumentStatus, SalesDocument
from facturo.domain.transmission import (
    DeliveryPolicy,
    DeliveryState,
    LogEntry,
    RetryPolicy,
    Transmission,
    TransmissionState,
    after_transport_failure,
    already_processed,
)
from facturo.services import einvoicing
from facturo.services.context import ServiceContext
from facturo.services.electronic_documents import (
    CorrectedInvoice,
    electronic_document,
    issue_moment,
)
from facturo.store.documents import DocumentFilter
from facturo.store.transmissions import (
    ClaimedDelivery,
    ClaimedTransmission,
    LogRecord,
    SignedFile,
)
from facturo.store.unit_of_work import UnitOfWork

log = logging.getLogger("facturo.dian")

SEND_REFUSED = "The send cannot be used, you must verify the document settings"
LEASE = timedelta(minutes=5)


class DianResponseLike(Protocol):
    is_valid: bool
    status_code: str | None
    status_description: str | None
    error_messages: tuple[str, ...]
    application_response: bytes | None


class DianPort(Protocol):
    """What transmission needs of the DIAN web service (``facturo.dian.soap.DianClient``)."""

    def send_bill_sync(self, file_name: str, content: bytes) -> Any: ...

    def get_status(self, track_id: str) -> Any: ...


ClientFactory = Callable[[einvoicing.SigningProfile], DianPort]


# --- asking to send -----------------------------------------------------------------------


def sendable_problems(
    ctx: ServiceContext, uow: UnitOfWork, document: SalesDocument, *, field_name: str
) -> list[Violation]:
    """Why ``document`` cannot be sent electronically (empty: it can)."""
    problems: list[Violation] = []
    if document.status != DocumentStatus.ISSUED:
        problems.append(
            Violation(
                "invalid_document", field_name, f"The document {document.full_number} is annulled"
            )
        )
    document_type = uow.document_types.find(document.company_id, document.document_type_id)
    numbering = uow.numbering_ranges.find(document.company_id, document.numbering_range_id)
    corrects = None
    if document.related_document_id is not None:
        corrects = uow.sales_documents.find(document.company_id, document.related_document_id)
    problems.extend(
        stamp_problems(
            ctx, uow, document.company_id, document_type, numbering, corrects, field_name=field_name
        )
    )
    return problems


def stamp_problems(
    ctx: ServiceContext,
    uow: UnitOfWork,
    company_id: int,
    document_type: DocumentType | None,
    numbering: NumberingRange | None,
    corrects: SalesDocument | None,
    *,
    field_name: str,
) -> list[Violation]:
    """Why a document of this type and range (a note: correcting ``corrects``) cannot be sent."""
    if document_type is None or not document_type.electronic:
        return [Violation("document_settings", field_name, SEND_REFUSED)]
    problems: list[Violation] = []
    try:
        einvoicing.signing_profile(ctx, company_id, ctx.now())
    except RuleViolations as refused:
        problems.extend(
            Violation("document_settings", field_name, v.message, v.detail)
            for v in refused.violations
        )
    if document_type.document_class == DocumentClass.SALES_INVOICE:
        if numbering is None or not (
            numbering.resolution_number
            and numbering.technical_key
            and numbering.valid_from
            and numbering.valid_to
        ):
            problems.append(
                Violation(
                    "invalid_dian_resolution",
                    field_name,
                    "The numbering range has no DIAN resolution, validity dates or technical key",
                )
            )
    elif corrects is not None:
        assert corrects.id is not None
        sent = uow.transmissions.find(company_id, corrects.id)
        if sent is None or sent.state is not TransmissionState.ACCEPTED:
            problems.append(
                Violation(
                    "invalid_document",
                    field_name,
                    f"The invoice {corrects.full_number} has not been accepted by the DIAN",
                )
            )
    return problems


def check_stampable(
    ctx: ServiceContext,
    uow: UnitOfWork,
    document_type: DocumentType,
    numbering: NumberingRange,
    *,
    corrects: SalesDocument | None = None,
) -> None:
    """Refuses ``stamp.send`` on a document about to be issued, before anything is written."""
    problems = stamp_problems(
        ctx,
        uow,
        document_type.company_id,
        document_type,
        numbering,
        corrects,
        field_name="stamp.send",
    )
    if problems:
        raise RuleViolations(problems)


def enqueue_issued(
    ctx: ServiceContext, uow: UnitOfWork, document: SalesDocument, *, deliver_to: str | None = None
) -> None:
    """Puts a document just issued (and checked with ``check_stampable``) in the outbox, in
    the issuing transaction."""
    assert document.id is not None
    uow.transmissions.enqueue(
        document.company_id,
        [document.id],
        now=ctx.now(),
        deliver_to=deliver_to or _buyer_email(uow, document),
    )


def enqueue(
    ctx: ServiceContext,
    uow: UnitOfWork,
    document: SalesDocument,
    *,
    deliver_to: str | None = None,
    field_name: str = "stamp.send",
) -> None:
    """Puts an existing ``document`` in the outbox within the caller's transaction, or refuses
    with every reason it cannot be sent."""
    problems = sendable_problems(ctx, uow, document, field_name=field_name)
    if problems:
        raise RuleViolations(problems)
    enqueue_issued(ctx, uow, document, deliver_to=deliver_to)


def _buyer_email(uow: UnitOfWork, document: SalesDocument) -> str | None:
    """Where the buyer receives it: the document's contact, else the tercero's e-mail."""
    if document.contact_id is not None:
        contact = uow.contacts.find(document.company_id, document.contact_id)
        if contact is not None and contact.email:
            return str(contact.email)
    customer = uow.parties.find(document.company_id, document.customer_id)
    return customer.email if customer is not None and customer.email else None


def stamp(
    ctx: ServiceContext,
    actor: Actor,
    document_id: int,
    *,
    deliver_to: str | None = None,
) -> Transmission:
    """Sends one existing document ("Enviar electrónicamente"). Asking again for a document
    already in the outbox changes nothing; one in contingency is tried again at once."""
    actor.require(Permission.INVOICES_CREATE)
    with ctx.unit_of_work() as uow:
        document = uow.sales_documents.find(actor.company_id, document_id)
        if document is None:
            raise NotFound("invoice", document_id)
        existing = uow.transmissions.find(actor.company_id, document_id)
        if existing is None:
            enqueue(ctx, uow, document, deliver_to=deliver_to, field_name="id")
        elif existing.state is TransmissionState.CONTINGENCY:
            uow.transmissions.retry(actor.company_id, document_id, now=ctx.now())
        elif existing.state is TransmissionState.ACCEPTED and (
            deliver_to or (existing.delivery_state is DeliveryState.FAILED and existing.delivery_to)
        ):
            # Asking again for an accepted document mails it (again): to whom the caller
            # says, or once more to the buyer after the retries ran out.
            uow.transmissions.request_delivery(
                actor.company_id,
                document_id,
                to=deliver_to or existing.delivery_to or "",
                now=ctx.now(),
            )
        uow.commit()
        found = uow.transmissions.find(actor.company_id, document_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class MassSend:
    """What "envío masivo" did: documents queued, already queued, and refused with why."""

    queued: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    refused: dict[int, list[Violation]] = field(default_factory=dict)


MASS_SEND_CHUNK = 500  # documents read at a time while queuing a mass sending


def stamp_many(
    ctx: ServiceContext,
    actor: Actor,
    *,
    document_ids: Sequence[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    document_class: DocumentClass | None = DocumentClass.SALES_INVOICE,
) -> MassSend:
    """Queues a selection of documents, or every one dated in a range, in one transaction.
    Documents that cannot be sent are listed with their reasons; the rest are queued."""
    actor.require(Permission.INVOICES_CREATE)
    if document_ids is None and date_from is None and date_to is None:
        # Never "everything the company ever issued" by omission.
        raise RuleViolations(
            [
                Violation(
                    "parameter_required",
                    "documents",
                    "Choose the documents to send: their ids, or a date range",
                )
            ]
        )
    result = MassSend()
    where = DocumentFilter(
        document_class=document_class,
        date_from=date_from,
        date_to=date_to,
        document_ids=None if document_ids is None else frozenset(document_ids),
    )
    with ctx.unit_of_work() as uow:
        now = ctx.now()
        offset = 0
        while True:
            # Nothing this loop writes changes which documents match, so the pages hold still.
            documents = uow.sales_documents.page(
                actor.company_id,
                offset=offset,
                limit=MASS_SEND_CHUNK,
                where=where,
                with_lines=False,
            )
            offset += len(documents)
            present = uow.transmissions.by_document_ids(
                actor.company_id, [d.id for d in documents if d.id is not None]
            )
            for document in documents:
                assert document.id is not None
                if document.id in present:
                    result.already.append(document.id)
                    continue
                problems = sendable_problems(ctx, uow, document, field_name="documents")
                if problems:
                    result.refused[document.id] = problems
                    continue
                uow.transmissions.enqueue(
                    actor.company_id,
                    [document.id],
                    now=now,
                    deliver_to=_buyer_email(uow, document),
                )
                result.queued.append(document.id)
            if len(documents) < MASS_SEND_CHUNK:
                break
        uow.commit()
    return result


# --- reading -----------------------------------------------------------------------------


def status(ctx: ServiceContext, actor: Actor, document_id: int) -> Transmission | None:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.transmissions.find(actor.company_id, document_id)


def counts_by_state(
    ctx: ServiceContext, actor: Actor, where: DocumentFilter
) -> dict[TransmissionState, int]:
    """How many of the documents ``where`` selects stand in each transmission state."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.sales_documents.transmission_counts(actor.company_id, where)


def statuses(ctx: ServiceContext, company_id: int, ids: Sequence[int]) -> dict[int, Transmission]:
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.transmissions.by_document_ids(company_id, ids)


def history(ctx: ServiceContext, actor: Actor, document_id: int) -> list[LogEntry]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.transmissions.log_of(actor.company_id, document_id)


@dataclass(frozen=True)
class SignedFiles:
    transmission: Transmission
    xml: bytes
    application_response: bytes | None


def signed_files(ctx: ServiceContext, actor: Actor, document_id: int) -> SignedFiles:
    """The signed XML the DIAN received (and its answer). Refused until it was signed."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.transmissions.find(actor.company_id, document_id)
        xml, answer = uow.transmissions.files(actor.company_id, document_id)
    if found is None or xml is None:
        raise RuleViolations(
            [
                Violation(
                    "invalid_document", "id", "The document has not been signed for the DIAN yet"
                )
            ]
        )
    return SignedFiles(found, xml, answer)


# --- the worker: signing and sending ----------------------------------------------------------


def retry_policy(ctx: ServiceContext) -> RetryPolicy:
    s = ctx.settings
    return RetryPolicy(
        quick_tries=s.dian_quick_retries,
        quick_interval=timedelta(seconds=s.dian_quick_retry_seconds),
        slow_interval=timedelta(seconds=s.dian_slow_retry_seconds),
        window=timedelta(hours=s.dian_contingency_hours),
    )


def claim_due(
    ctx: ServiceContext, *, limit: int, company_id: int | None = None
) -> list[ClaimedTransmission]:
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        claimed = uow.transmissions.claim(
            now=now, lease=now + LEASE, limit=limit, company_id=company_id
        )
        uow.commit()
    return claimed


def release(ctx: ServiceContext, claimed: Sequence[ClaimedTransmission]) -> None:
    if claimed:
        with ctx.unit_of_work() as uow:
            uow.transmissions.release(claimed, now=ctx.now())
            uow.commit()


@dataclass(frozen=True)
class Prepared:
    """A claimed document, signed (now or at an earlier try) and ready to send."""

    claimed: ClaimedTransmission
    profile: einvoicing.SigningProfile
    xml: bytes
    document_key: str
    file_name: str


def prepare(
    ctx: ServiceContext, claimed: Sequence[ClaimedTransmission]
) -> tuple[list[Prepared], dict[str, int]]:
    """Signs what was claimed and not yet signed, and stores the signed bytes in one
    transaction; documents that cannot be signed or fail the XSD are marked invalid with the
    reason. Returns what is ready to send, and counts of what was not."""
    outcomes: dict[str, int] = {}
    ready: list[Prepared] = []
    to_store: list[tuple[ClaimedTransmission, bytes, str, str, datetime]] = []
    invalid: list[tuple[ClaimedTransmission, str]] = []
    now = ctx.now()
    profiles: dict[int, einvoicing.SigningProfile] = {}
    unsigned = [c for c in claimed if c.xml is None]
    documents = load_for_signing(ctx, unsigned) if unsigned else {}
    for item in claimed:
        try:
            profile = profiles.get(item.company_id)
            if profile is None:
                profile = profiles[item.company_id] = einvoicing.signing_profile(
                    ctx, item.company_id, now
                )
        except RuleViolations as refused:
            invalid.append((item, "; ".join(v.message for v in refused.violations)))
            continue
        if item.xml is not None and item.document_key and item.file_name:
            ready.append(Prepared(item, profile, item.xml, item.document_key, item.file_name))
            continue
        source = documents.get((item.company_id, item.document_id))
        if source is None:
            invalid.append((item, "The document no longer exists"))
            continue
        try:
            electronic = source(profile)
            built = ubl.build(electronic)
            # Signed and validated in memory: the bytes are written once, by the signer.
            signed = xades.sign(built.root, profile.certificate, signing_time=now)
            schemas.validate(built.root)
        except SchemaError as failed:
            invalid.append((item, "XSD: " + " | ".join(failed.problems)[:480]))
            continue
        except (DianError, ValueError) as failed:
            invalid.append((item, str(failed)))
            continue
        to_store.append(
            (item, signed, built.document_key, _kind_tag(electronic), electronic.issued_at)
        )
    if to_store or invalid:
        with ctx.unit_of_work() as uow:
            by_company: dict[
                tuple[int, int], list[tuple[ClaimedTransmission, bytes, str, str, datetime]]
            ] = {}
            for entry in to_store:
                year = keys.in_bogota(entry[4]).year
                by_company.setdefault((entry[0].company_id, year), []).append(entry)
            sign_log: list[LogRecord] = []
            for (company_id, year), entries in by_company.items():
                numbers = uow.transmissions.next_file_numbers(company_id, year, len(entries))
                profile = profiles[company_id]
                files = [
                    SignedFile(
                        item,
                        signed,
                        key,
                        keys.file_name(
                            keys.FileKind(tag),
                            profile.settings.provider_nit,
                            year,
                            number,
                            profile.settings.provider_code,
                        ),
                    )
                    for (item, signed, key, tag, _issued), number in zip(
                        entries, numbers, strict=True
                    )
                ]
                for file in uow.transmissions.store_signed(files, signed_at=now):
                    item = file.claimed
                    sign_log.append(
                        LogRecord(
                            item.company_id,
                            item.document_id,
                            at=now,
                            action="sign",
                            outcome="signed",
                            duration_ms=0,
                            detail=f"{file.file_name} {file.document_key}",
                        )
                    )
                    ready.append(
                        Prepared(item, profile, file.xml, file.document_key, file.file_name)
                    )
            for item, reason in invalid:
                if uow.transmissions.record(
                    item,
                    state=TransmissionState.INVALID,
                    now=now,
                    last_error=reason,
                    messages=[reason],
                ):
                    sign_log.append(
                        LogRecord(
                            item.company_id,
                            item.document_id,
                            at=now,
                            action="sign",
                            outcome="invalid",
                            duration_ms=0,
                            detail=reason,
                        )
                    )
                    outcomes["invalid"] = outcomes.get("invalid", 0) + 1
            uow.transmissions.log(*sign_log)
            uow.commit()
    return ready, outcomes


def _kind_tag(document: ElectronicDocument) -> str:
    if document.kind.value == "91":
        return keys.FileKind.CREDIT_NOTE.value
    if document.kind.value == "92":
        return keys.FileKind.DEBIT_NOTE.value
    return keys.FileKind.INVOICE.value


class DocumentRef(Protocol):
    """A document by company and id (a claim, a transmission)."""

    @property
    def company_id(self) -> int: ...

    @property
    def document_id(self) -> int: ...


DocumentBuilder = Callable[[einvoicing.IssuingProfile], ElectronicDocument]


def load_for_signing(
    ctx: ServiceContext, claimed: Sequence[DocumentRef]
) -> dict[tuple[int, int], DocumentBuilder]:
    """For each document, a function of the issuer's profile that gives its DIAN document:
    everything it needs is read here, in one read transaction per company."""
    found: dict[tuple[int, int], DocumentBuilder] = {}
    by_company: dict[int, list[int]] = {}
    for item in claimed:
        by_company.setdefault(item.company_id, []).append(item.document_id)
    with ctx.unit_of_work(read_only=True) as uow:
        for company_id, ids in by_company.items():
            documents = uow.sales_documents.page(
                company_id,
                offset=0,
                limit=len(ids),
                where=DocumentFilter(document_ids=frozenset(ids)),
            )
            customers = uow.parties.by_ids(company_id, {d.customer_id for d in documents})
            product_ids = {line.product_id for d in documents for line in d.lines}
            units = {
                p.id: p.unit_code
                for p in uow.products.by_ids(company_id, product_ids).values()
                if p.id is not None
            }
            catalogs = uow.catalogs(company_id)
            means = {m.id: m for m in catalogs.payment_means.values() if m.id is not None}
            ranges = {
                n.id: n
                for n in uow.numbering_ranges.by_ids(
                    company_id, {d.numbering_range_id for d in documents}
                ).values()
            }
            related_ids = [d.related_document_id for d in documents if d.related_document_id]
            related_docs = (
                {
                    r.id: r
                    for r in uow.sales_documents.page(
                        company_id,
                        offset=0,
                        limit=max(len(related_ids), 1),
                        where=DocumentFilter(document_ids=frozenset(related_ids)),
                        with_lines=False,
                    )
                }
                if related_ids
                else {}
            )
            related_keys = uow.transmissions.by_document_ids(company_id, related_ids)
            for document in documents:
                assert document.id is not None
                corrected = None
                if document.related_document_id:
                    invoice = related_docs.get(document.related_document_id)
                    sent = related_keys.get(document.related_document_id)
                    if invoice is not None and sent is not None and sent.document_key:
                        corrected = CorrectedInvoice(
                            number=invoice.full_number,
                            document_key=sent.document_key,
                            issue_date=issue_moment(invoice),
                        )
                found[(company_id, document.id)] = _builder(
                    ctx,
                    document,
                    customers[document.customer_id],
                    ranges[document.numbering_range_id],
                    units,
                    means,
                    corrected,
                )
    return found


def _builder(
    ctx: ServiceContext,
    document: SalesDocument,
    customer: Any,
    numbering: Any,
    units: Mapping[int, str],
    means: Mapping[int, Any],
    corrected: CorrectedInvoice | None,
) -> DocumentBuilder:
    def build(profile: einvoicing.IssuingProfile) -> ElectronicDocument:
        return electronic_document(
            document,
            issuer=einvoicing.issuer(profile, ctx.reference),
            customer=customer,
            numbering=numbering,
            units=units,
            means=means,
            reference=ctx.reference,
            corrected=corrected,
        )

    return build


def send(ctx: ServiceContext, client: DianPort, item: Prepared) -> str:
    """Sends (or settles, when an earlier answer was lost) one signed document and records
    the outcome. Returns the outcome's name."""
    claimed = item.claimed
    started = time.perf_counter()
    action = "status" if claimed.state is TransmissionState.SENT else "send"
    try:
        if claimed.state is TransmissionState.SENT:
            response = client.get_status(item.document_key)
            if _unknown_track(response):
                action = "send"
                response = client.send_bill_sync(item.file_name, _zip(item))
        else:
            response = client.send_bill_sync(item.file_name, _zip(item))
        if not response.is_valid and already_processed(tuple(response.error_messages)):
            action = "status"
            response = client.get_status(item.document_key)
    except (TransportError, SoapFault) as failed:
        return _transport_failure(ctx, item, failed, action, _elapsed(started))
    return _record_answer(ctx, item, response, action, _elapsed(started))


def _zip(item: Prepared) -> bytes:
    from facturo.dian import soap

    return soap.zip_document(item.file_name, item.xml)


def _unknown_track(response: Any) -> bool:
    return (response.status_code or "") == "66"


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _record_answer(
    ctx: ServiceContext, item: Prepared, response: Any, action: str, duration_ms: int
) -> str:
    claimed, now = item.claimed, ctx.now()
    messages = list(response.error_messages)
    if response.is_valid:
        state, outcome = TransmissionState.ACCEPTED, "accepted"
    elif _unknown_track(response):
        # GetStatus does not know the CUFE: the lost send never arrived; send it again now.
        state, outcome = TransmissionState.PENDING, "resend"
    else:
        state, outcome = TransmissionState.REJECTED, "rejected"
    with ctx.unit_of_work() as uow:
        recorded = uow.transmissions.record(
            claimed,
            state=state,
            now=now,
            next_attempt_at=now if state is TransmissionState.PENDING else None,
            attempts=claimed.attempts + 1,
            status_code=response.status_code or "",
            status_description=response.status_description,
            messages=messages,
            application_response=response.application_response,
        )
        if not recorded:
            return "lapsed"
        uow.transmissions.log(
            LogRecord(
                claimed.company_id,
                claimed.document_id,
                at=now,
                action=action,
                outcome=outcome,
                duration_ms=duration_ms,
                status_code=response.status_code,
                detail="; ".join(messages)[:1000] or response.status_description,
            )
        )
        uow.commit()
    return outcome


def _transport_failure(
    ctx: ServiceContext, item: Prepared, failed: DianError, action: str, duration_ms: int
) -> str:
    """The DIAN could not be reached, or its answer was lost. A send whose answer was lost
    becomes ``sent``: the next try asks GetStatus before sending again."""
    claimed, now = item.claimed, ctx.now()
    first_failure = claimed.first_failure_at or now
    failures = claimed.attempts + 1
    retry = after_transport_failure(
        retry_policy(ctx), failures=failures, first_failure_at=first_failure, now=now
    )
    answer_lost = isinstance(failed, TransportError) and getattr(failed, "maybe_delivered", True)
    state = retry.state
    if answer_lost and action == "send":
        state = TransmissionState.SENT if retry.state is TransmissionState.PENDING else retry.state
    with ctx.unit_of_work() as uow:
        recorded = uow.transmissions.record(
            claimed,
            state=state,
            now=now,
            next_attempt_at=retry.next_attempt_at,
            attempts=failures,
            first_failure_at=first_failure,
            last_error=str(failed),
        )
        if not recorded:
            return "lapsed"
        uow.transmissions.log(
            LogRecord(
                claimed.company_id,
                claimed.document_id,
                at=now,
                action=action,
                outcome="unreachable",
                duration_ms=duration_ms,
                detail=str(failed),
            )
        )
        uow.commit()
    return "contingency" if state is TransmissionState.CONTINGENCY else "retrying"


# --- delivery to the buyer ------------------------------------------------------------------


def claim_deliveries(
    ctx: ServiceContext, *, limit: int, company_id: int | None = None
) -> list[ClaimedDelivery]:
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        claimed = uow.transmissions.claim_deliveries(
            now=now, lease=now + LEASE, limit=limit, company_id=company_id
        )
        uow.commit()
    return claimed


def delivery_policy(ctx: ServiceContext) -> DeliveryPolicy:
    return DeliveryPolicy(
        tries=ctx.settings.dian_delivery_tries,
        first_interval=timedelta(seconds=ctx.settings.dian_delivery_retry_seconds),
    )


def record_delivery(
    ctx: ServiceContext,
    claimed: ClaimedDelivery,
    *,
    sent: bool,
    error: str | None,
    duration_ms: int,
) -> str:
    now = ctx.now()
    next_at = None if sent else delivery_policy(ctx).next_attempt(claimed.attempts + 1, now)
    state = (
        DeliveryState.SENT if sent else (DeliveryState.PENDING if next_at else DeliveryState.FAILED)
    )
    with ctx.unit_of_work() as uow:
        if not uow.transmissions.record_delivery(
            claimed, state=state, now=now, next_at=next_at, error=error
        ):
            return "lapsed"
        uow.transmissions.log(
            LogRecord(
                claimed.company_id,
                claimed.document_id,
                at=now,
                action="deliver",
                outcome=state.value,
                duration_ms=duration_ms,
                detail=error or claimed.delivery_to,
            )
        )
        uow.commit()
    return "delivered" if sent else ("delivery_retrying" if next_at else "delivery_failed")


def guids_of(ctx: ServiceContext, company_id: int, ids: Sequence[int]) -> dict[int, Any]:
    """The GUIDs the current API names documents by."""
    if not ids:
        return {}
    with ctx.unit_of_work(read_only=True) as uow:
        documents = uow.sales_documents.page(
            company_id,
            offset=0,
            limit=len(ids),
            where=DocumentFilter(document_ids=frozenset(ids)),
            with_lines=False,
        )
    return {d.id: d.guid for d in documents if d.id is not None}


# --- verdicts that arrive by another route ----------------------------------------------------


def record_answer(
    ctx: ServiceContext, item: Prepared, response: Any, *, action: str, duration_ms: int = 0
) -> str:
    """Records the DIAN's verdict on a claimed, signed document that was not sent by ``send``
    (the habilitación test set: SendTestSetAsync, verdicts from GetStatusZip), exactly as
    ``send`` records its own. Returns the outcome's name."""
    return _record_answer(ctx, item, response, action, duration_ms)
