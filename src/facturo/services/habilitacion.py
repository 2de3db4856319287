"""Habilitación: sending the DIAN's test set (shared/reference/dian.md §6.6, docs/dian.md).

A run issues real documents of the company — invoices first, then credit and debit notes
that correct the invoices the DIAN accepted — through the same use cases as any sale, with a
test customer and product. Each document goes through the transmission outbox like any
other: it is signed once (``transmission.prepare``) and its verdict recorded on its
transmission row, which ends accepted, rejected or invalid. Only the route differs: the
documents go in ZIPs of at most 50 with SendTestSetAsync(testSetId), and their verdicts come
from GetStatusZip, polled until no batch is "en proceso de validación".

While the run holds them, the documents' outbox rows are claimed until the run's deadline,
so no worker sends them on its own. If the run stops early, what was not answered goes back
to the outbox like any other document: rows sent in an acknowledged ZIP as ``sent`` (the
worker asks GetStatus for their CUFE), rows never sent as ``pending``.

The run and its progress are stored (``dian_test_set_runs``) as it goes, and a progress
callback sees every step, so a face can show it live. The network is never touched inside a
database transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from facturo.dian import keys, soap
from facturo.dian.errors import SoapFault, TransportError
from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, DocumentType, PaymentMeans, TaxType
from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import Conflict, NotFound, RuleViolations, Violation
from facturo.domain.habilitacion import (
    DEFAULT_COMPOSITION,
    HEARTBEAT_SECONDS,
    Composition,
    DocumentKind,
    RunState,
    TestSetRun,
    check_composition,
)
from facturo.domain.numbering import can_issue
from facturo.domain.parties import PartyData
from facturo.domain.products import Price, ProductData, ProductType
from facturo.domain.sales import CreditNoteReason, DebitNoteReason, ItemRequest, PaymentRequest
from facturo.domain.transmission import TransmissionState, rule_codes
from facturo.services import einvoicing, parties, products, sales, transmission
from facturo.services.context import ServiceContext
from facturo.store.documents import DocumentFilter
from facturo.store.einvoicing import EInvoicingSettingsRepository
from facturo.store.test_sets import TestSetRunRepository
from facturo.store.transmissions import ClaimedTransmission, LogRecord

log = logging.getLogger("facturo.habilitacion")

POLL_SECONDS = 5.0
MAX_WAIT_SECONDS = 600.0  # per phase (invoices, then notes)
MAX_POLL_FAILURES = 5  # GetStatusZip failing this many times in a row ends the run
# Issuing and signing come on top of the two waits; past the deadline a run that still says
# "running" was interrupted, and its documents' claims have lapsed.
RUN_MARGIN = timedelta(minutes=15)
ACTION = "test_set"  # in the transmission log

# The test customer and product, found by these keys or created once.
TEST_CUSTOMER_ID = keys.CONSUMIDOR_FINAL
TEST_PRODUCT_CODE = "SET-PRUEBAS-DIAN"
INVOICE_VALUE = Decimal(100000)
NOTE_VALUE = Decimal(1000)
OBSERVATIONS = "Set de pruebas de habilitación DIAN"

_KINDS = {
    DocumentClass.SALES_INVOICE: DocumentKind.INVOICE,
    DocumentClass.CREDIT_NOTE: DocumentKind.CREDIT_NOTE,
    DocumentClass.DEBIT_NOTE: DocumentKind.DEBIT_NOTE,
}


class TestSetPort(Protocol):
    """What the test set needs of the DIAN web service (``facturo.dian.soap.DianClient``)."""

    def send_test_set_async(self, file_name: str, zip_bytes: bytes, test_set_id: str) -> Any: ...

    def get_status_zip(self, track_id: str) -> list[Any]: ...


TestSetClients = Callable[[einvoicing.SigningProfile], TestSetPort]


def soap_client(ctx: ServiceContext) -> TestSetClients:
    def client_for(profile: einvoicing.SigningProfile) -> TestSetPort:
        return soap.DianClient(
            profile.endpoint, profile.certificate, timeout=ctx.settings.dian_timeout_seconds
        )

    return client_for


@dataclass(frozen=True)
class Progress:
    """A step of a run: ``phase`` is issuing, sending, waiting or done; ``run`` its counts."""

    phase: str
    run: TestSetRun


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class DocumentResult:
    document_id: int
    kind: DocumentKind
    number: str
    document_key: str | None  # CUFE / CUDE, once signed
    status: str  # the transmission's state (accepted, rejected, invalid, sent …) or "not_sent"
    status_code: str | None
    messages: tuple[str, ...]  # the DIAN's (or the local failure's)

    @property
    def rule_codes(self) -> tuple[str, ...]:
        return rule_codes(self.messages)


@dataclass(frozen=True)
class TestSetReport:
    __test__ = False  # not a pytest test class, despite its name

    run: TestSetRun
    documents: list[DocumentResult]


# --- reading ---------------------------------------------------------------------------------


def latest(ctx: ServiceContext, actor: Actor) -> TestSetRun | None:
    """The company's newest run, running or not (``run.stale(now)``: it was interrupted)."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return TestSetRunRepository(uow.session).latest(actor.company_id)


def get(ctx: ServiceContext, actor: Actor, run_id: int) -> TestSetRun:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = TestSetRunRepository(uow.session).find(actor.company_id, run_id)
    if found is None:
        raise NotFound("test set run", run_id)
    return found


def report(ctx: ServiceContext, actor: Actor, run_id: int | None = None) -> TestSetReport:
    """A run (default: the newest) with each of its documents: number, CUFE/CUDE, status and
    the DIAN's messages, read from the documents' transmission rows."""
    actor.require(Permission.MASTER_DATA_READ)
    company_id = actor.company_id
    with ctx.unit_of_work(read_only=True) as uow:
        repository = TestSetRunRepository(uow.session)
        run = (
            repository.latest(company_id) if run_id is None else repository.find(company_id, run_id)
        )
        if run is None:
            raise NotFound("test set run", run_id if run_id is not None else "(none was sent yet)")
        ids = run.document_ids
        documents = (
            uow.sales_documents.page(
                company_id,
                offset=0,
                limit=len(ids),
                where=DocumentFilter(document_ids=frozenset(ids)),
                with_lines=False,
            )
            if ids
            else []
        )
        sent = uow.transmissions.by_document_ids(company_id, ids)
    by_id = {d.id: d for d in documents}
    results = []
    for document_id in ids:
        document = by_id.get(document_id)
        if document is None:
            continue
        row = sent.get(document_id)
        messages = row.messages if row else ()
        if row is not None and not messages and row.last_error:
            messages = (row.last_error,)
        results.append(
            DocumentResult(
                document_id=document_id,
                kind=_KINDS[document.document_class],
                number=document.full_number,
                document_key=row.document_key if row else None,
                status=row.state.value if row else "not_sent",
                status_code=row.status_code if row else None,
                messages=tuple(messages),
            )
        )
    return TestSetReport(run=run, documents=results)


# --- running ---------------------------------------------------------------------------------


def run_test_set(
    ctx: ServiceContext,
    actor: Actor,
    composition: Composition = DEFAULT_COMPOSITION,
    *,
    clients: TestSetClients | None = None,
    progress: ProgressCallback | None = None,
    poll_seconds: float = POLL_SECONDS,
    max_wait_seconds: float = MAX_WAIT_SECONDS,
) -> TestSetReport:
    """Starts a run and carries it to its end (``start`` then ``execute``)."""
    run = start(ctx, actor, composition, max_wait_seconds=max_wait_seconds)
    return execute(
        ctx,
        actor,
        run,
        clients=clients,
        progress=progress,
        poll_seconds=poll_seconds,
        max_wait_seconds=max_wait_seconds,
    )


def start(
    ctx: ServiceContext,
    actor: Actor,
    composition: Composition = DEFAULT_COMPOSITION,
    *,
    max_wait_seconds: float = MAX_WAIT_SECONDS,
) -> TestSetRun:
    """Records a new run (``running``) after checking that the company can send the test set:
    habilitación, a test set id, a certificate that signs, document types with numbering.
    Refuses with every reason at once (``RuleViolations``), or ``Conflict`` while another
    run of the company is under way. A run found past its deadline is marked failed."""
    actor.require(Permission.MASTER_DATA_WRITE)
    actor.require(Permission.INVOICES_CREATE)
    actor.require(Permission.DOCUMENTS_CORRECT)
    ready = _ready(ctx, actor, composition)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        # The settings row serializes the starts of one company (PostgreSQL; SQLite has one
        # writer at a time anyway).
        EInvoicingSettingsRepository(uow.session).find(actor.company_id, for_update=True)
        repository = TestSetRunRepository(uow.session)
        for running in repository.running(actor.company_id):
            if not running.stale(now):
                raise Conflict(
                    "test_set_running",
                    f"The test set run {running.id} of this company, started at "
                    f"{running.started_at.isoformat(timespec='seconds')}, is still running",
                )
            running.state = RunState.FAILED
            running.error = "interrupted: the run stopped before it finished"
            running.finished_at = running.updated_at = now
            repository.save(running)
        run = repository.add(
            TestSetRun(
                company_id=actor.company_id,
                test_set_id=ready.test_set_id,
                composition=composition,
                started_by=actor.user_id,
                started_at=now,
                updated_at=now,
                deadline_at=now + timedelta(seconds=2 * max_wait_seconds) + RUN_MARGIN,
                alive_at=now,
            )
        )
        uow.commit()
    return run


def execute(
    ctx: ServiceContext,
    actor: Actor,
    run: TestSetRun,
    *,
    clients: TestSetClients | None = None,
    progress: ProgressCallback | None = None,
    poll_seconds: float = POLL_SECONDS,
    max_wait_seconds: float = MAX_WAIT_SECONDS,
) -> TestSetReport:
    """Carries a started run to its end and reports it. What stops the run (a refusal, the
    DIAN unreachable, no verdict in time) ends it ``failed`` with the reason; it does not
    raise. The run ends ``finished`` when every document has its verdict."""
    if run.state is not RunState.RUNNING:
        raise Conflict("test_set_ended", f"The test set run {run.id} has already ended")
    tracker = _Tracker(ctx, run, progress)
    try:
        # Checked again: the setup may have changed since the run was started.
        ready = _ready(ctx, actor, run.composition)
        client = (clients or soap_client(ctx))(ready.profile)
        try:
            with _Heartbeat(ctx, run):
                _carry_out(ctx, actor, ready, client, tracker, poll_seconds, max_wait_seconds)
        finally:
            close = getattr(client, "close", None)
            if callable(close):
                close()
    except _RunFailed as failed:
        tracker.end(RunState.FAILED, str(failed))
    except RuleViolations as refused:
        tracker.end(
            RunState.FAILED, "; ".join(v.render(v.field or "record") for v in refused.violations)
        )
    except BaseException as failed:  # a bug or an interruption: the run must not stay running
        tracker.end(RunState.FAILED, f"{type(failed).__name__}: {failed}".strip())
        raise
    else:
        if run.pending:
            tracker.end(RunState.FAILED, f"{run.pending} documents got no verdict")
        else:
            tracker.end(RunState.FINISHED, None)
    return report(ctx, actor, run.id)


class _Heartbeat:
    """Writes the run's heartbeat every ``HEARTBEAT_SECONDS`` from a thread of its own while
    the run is carried out, so that waiting on the DIAN or signing a large batch never looks
    like a dead process, and a process that died shows as interrupted within a minute and a
    half instead of at the deadline."""

    def __init__(self, ctx: ServiceContext, run: TestSetRun) -> None:
        self.ctx = ctx
        self.run = run
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"test-set-{run.id}-heartbeat", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        assert self.run.id is not None
        while not self._stopping.wait(HEARTBEAT_SECONDS):
            try:
                with self.ctx.unit_of_work() as uow:
                    TestSetRunRepository(uow.session).beat(
                        self.run.company_id, self.run.id, self.ctx.now()
                    )
                    uow.commit()
            except Exception:  # a missed beat is not the run's failure; the next one may land
                log.warning("test set run %s: heartbeat not written", self.run.id, exc_info=True)


class _RunFailed(Exception):
    """What ends a run early, in words for the person running it."""


@dataclass(frozen=True)
class _Ready:
    profile: einvoicing.SigningProfile
    test_set_id: str
    types: dict[DocumentClass, DocumentType]


def _ready(ctx: ServiceContext, actor: Actor, composition: Composition) -> _Ready:
    """Everything the run needs, or every reason it cannot run."""
    problems = list(check_composition(composition).violations)
    settings = einvoicing.find(ctx, actor)
    test_set_id = ""
    if settings is not None:
        if settings.environment != keys.Environment.HABILITACION.value:
            problems.append(
                Violation(
                    "document_settings",
                    "environment",
                    f"The test set is sent in habilitación only; the company is in "
                    f"{settings.environment_name} (facturo dian setup --environment habilitacion)",
                )
            )
        test_set_id = settings.test_set_id or ""
        if not test_set_id:
            problems.append(
                Violation(
                    "parameter_required",
                    "test_set_id",
                    "The company has no test set id: copy it from the DIAN portal "
                    "(facturo dian setup --test-set-id …)",
                )
            )
    profile: einvoicing.SigningProfile | None = None
    try:
        profile = einvoicing.signing_profile(ctx, actor.company_id, ctx.now())
    except RuleViolations as refused:
        problems.extend(refused.violations)
    types = _document_types(ctx, actor, composition, problems)
    if problems:
        raise RuleViolations(problems)
    assert profile is not None
    return _Ready(profile=profile, test_set_id=test_set_id, types=types)


def _document_types(
    ctx: ServiceContext, actor: Actor, composition: Composition, problems: list[Violation]
) -> dict[DocumentClass, DocumentType]:
    """The electronic document type of each class the set uses, with an active range."""
    needed = {
        DocumentClass.SALES_INVOICE: composition.invoices,
        DocumentClass.CREDIT_NOTE: composition.credit_notes,
        DocumentClass.DEBIT_NOTE: composition.debit_notes,
    }
    today = colombian_date(ctx.now())
    with ctx.unit_of_work(read_only=True) as uow:
        types = [d for d in uow.document_types.all(actor.company_id) if d.electronic and d.active]
        ranges = uow.numbering_ranges.for_document_types(
            actor.company_id, [d.id for d in types if d.id is not None]
        )
    found: dict[DocumentClass, DocumentType] = {}
    for document_class, count in needed.items():
        if not count:
            continue
        candidates = sorted(
            (
                d
                for d in types
                if d.document_class == document_class
                and any(n.active for n in ranges.get(d.id or 0, []))
            ),
            key=lambda d: (d.code, d.id or 0),
        )
        if not candidates:
            problems.append(
                Violation(
                    "document_settings",
                    "document_type_id",
                    f"The company has no active electronic {document_class.value} document "
                    "type with an active numbering range",
                )
            )
            continue
        chosen = candidates[0]
        if document_class == DocumentClass.SALES_INVOICE:
            active = next(n for n in ranges[chosen.id or 0] if n.active)
            if not can_issue(active, today, production=False):
                problems.append(
                    Violation(
                        "invalid_dian_resolution",
                        "document_type_id",
                        f"The numbering range {active.prefix} of FV-{chosen.code} has no DIAN "
                        "resolution, technical key or validity covering today, or is exhausted",
                    )
                )
        found[document_class] = chosen
    return found


# --- the run's steps ---------------------------------------------------------------------------


class _Tracker:
    """The run's counts: stored as they change and shown to the progress callback."""

    def __init__(
        self, ctx: ServiceContext, run: TestSetRun, progress: ProgressCallback | None
    ) -> None:
        self.ctx = ctx
        self.run = run
        self.progress = progress

    def save(self, phase: str) -> None:
        self.run.updated_at = self.ctx.now()
        with self.ctx.unit_of_work() as uow:
            TestSetRunRepository(uow.session).save(self.run)
            uow.commit()
        self.notify(phase)

    def notify(self, phase: str) -> None:
        if self.progress is not None:
            run = self.run
            self.progress(
                Progress(
                    phase,
                    replace(run, zip_keys=list(run.zip_keys), document_ids=list(run.document_ids)),
                )
            )

    def end(self, state: RunState, error: str | None) -> None:
        self.run.state = state
        self.run.error = error
        self.run.finished_at = self.ctx.now()
        self.save("done")


@dataclass(frozen=True)
class _Sample:
    """What the set's documents are made of."""

    customer_id: int
    product_code: str
    tax_id: int | None
    tax_percentage: Decimal
    seller_id: int
    cash_id: int


def _carry_out(
    ctx: ServiceContext,
    actor: Actor,
    ready: _Ready,
    client: TestSetPort,
    tracker: _Tracker,
    poll_seconds: float,
    max_wait_seconds: float,
) -> None:
    run = tracker.run
    composition = run.composition
    sample = _sample(ctx, actor)
    sender = _Sender(ctx, ready, client, tracker, poll_seconds, max_wait_seconds)
    invoices = _issue_invoices(ctx, actor, ready, sample, composition.invoices, tracker)
    accepted = sender.send(invoices)
    if not composition.notes:
        return
    if not accepted:
        raise _RunFailed(
            "No invoice of the test set was accepted, so the notes (which correct them) were "
            "not issued"
        )
    notes = _issue_notes(ctx, actor, ready, sample, composition, accepted, tracker)
    sender.send(notes)


def _sample(ctx: ServiceContext, actor: Actor) -> _Sample:
    """The test customer (consumidor final) and product, created the first time; the IVA 19 %
    tax, a cash means of payment and a seller."""
    company_id = actor.company_id
    with ctx.unit_of_work(read_only=True) as uow:
        customer = uow.parties.find_by_identification(company_id, TEST_CUSTOMER_ID, 0)
        product = uow.products.find_by_code(company_id, TEST_PRODUCT_CODE)
        catalogs = uow.catalogs(company_id)
        taxes = [
            t
            for t in catalogs.taxes.values()
            if t.active and t.tax_type == TaxType.IVA and t.percentage == 19
        ]
        groups = uow.account_groups.all(company_id)
        means = [m for m in catalogs.payment_means.values() if m.usable_on_sales_invoice]
        users = [u for u in uow.users.all(company_id) if u.active]
    tax = taxes[0] if taxes else None
    if customer is None:
        customer = parties.create(
            ctx,
            actor,
            PartyData(
                is_customer=True,
                first_name="Consumidor",
                last_name="final (set de pruebas DIAN)",
                id_type_code="13",
                identification=TEST_CUSTOMER_ID,
                place=Place("CO", "11", "11001"),
                address="Calle 1 # 1-1",
                phone=Phone(number="3000000000"),
                fiscal_responsibilities=["R-99-PN"],
                comments="Cliente del set de pruebas de habilitación de la DIAN (Facturo).",
            ),
        ).party
    if product is None:
        group = next((g for g in groups if g.code == "3"), groups[0] if groups else None)
        product = products.create(
            ctx,
            actor,
            ProductData(
                code=TEST_PRODUCT_CODE,
                name="Servicio de prueba del set de habilitación DIAN",
                product_type=ProductType.SERVICE,
                account_group_id=group.id if group else None,
                tax_add_id=tax.id if tax else None,
                unit_code="94",
                prices=[Price(1, INVOICE_VALUE)],
            ),
        )
    cash = _cash(means)
    seller = next((u for u in users if u.id == actor.user_id), users[0] if users else None)
    if cash is None or seller is None or customer.id is None:
        raise _RunFailed("The company needs an active cash means of payment and an active user")
    assert seller.id is not None and cash.id is not None
    return _Sample(
        customer_id=customer.id,
        product_code=TEST_PRODUCT_CODE,
        tax_id=tax.id if tax else None,
        tax_percentage=tax.percentage if tax else Decimal(0),
        seller_id=seller.id,
        cash_id=cash.id,
    )


def _cash(means: Sequence[PaymentMeans]) -> PaymentMeans | None:
    cash = [m for m in means if not m.is_credit]
    return next((m for m in cash if m.dian_code == "10"), cash[0] if cash else None)


def _issue_invoices(
    ctx: ServiceContext,
    actor: Actor,
    ready: _Ready,
    sample: _Sample,
    count: int,
    tracker: _Tracker,
) -> list[int]:
    """Issues the invoices one transaction each, recording each on the run at once."""
    invoice_type = ready.types[DocumentClass.SALES_INVOICE]
    # One unit at INVOICE_VALUE plus its IVA: exact in cents for any rate of up to 4 decimals.
    total = INVOICE_VALUE + INVOICE_VALUE * sample.tax_percentage / 100
    ids = []
    for _ in range(count):
        invoice = sales.issue_invoice(
            ctx,
            actor,
            sales.SaleRequest(
                document_type_id=invoice_type.id,
                document_date=colombian_date(ctx.now()),
                customer=sales.CustomerReference(party_id=sample.customer_id),
                seller_identification=None,
                seller_id=sample.seller_id,
                items=[
                    ItemRequest(
                        sample.product_code,
                        None,
                        Decimal(1),
                        INVOICE_VALUE,
                        tax_add_id=sample.tax_id,
                    )
                ],
                payments=[PaymentRequest(sample.cash_id, total)],
                observations=OBSERVATIONS,
            ),
        )
        assert invoice.id is not None
        ids.append(invoice.id)
        tracker.run.document_ids.append(invoice.id)
        tracker.save("issuing")
    return ids


def _issue_notes(
    ctx: ServiceContext,
    actor: Actor,
    ready: _Ready,
    sample: _Sample,
    composition: Composition,
    invoices: list[int],
    tracker: _Tracker,
) -> list[int]:
    """Credit notes (a discount) and debit notes (a value change) on the accepted invoices,
    in turn."""
    plan = [(DocumentClass.CREDIT_NOTE, i) for i in range(composition.credit_notes)] + [
        (DocumentClass.DEBIT_NOTE, i) for i in range(composition.debit_notes)
    ]
    ids = []
    for position, (document_class, _) in enumerate(plan):
        credit = document_class == DocumentClass.CREDIT_NOTE
        request = sales.NoteRequest(
            document_type_id=ready.types[document_class].id,
            document_date=colombian_date(ctx.now()),
            related_document_id=invoices[position % len(invoices)],
            reason_code=(
                CreditNoteReason.DISCOUNT if credit else DebitNoteReason.VALUE_CHANGE
            ).value,
            items=[
                ItemRequest(
                    sample.product_code,
                    None,
                    Decimal(1),
                    NOTE_VALUE,
                    # A credit note takes the invoice's taxes; a debit note names its own.
                    tax_add_id=None if credit else sample.tax_id,
                )
            ],
            observations=OBSERVATIONS,
        )
        note = (sales.issue_credit_note if credit else sales.issue_debit_note)(ctx, actor, request)
        assert note.id is not None
        ids.append(note.id)
        tracker.run.document_ids.append(note.id)
        tracker.save("issuing")
    return ids


class _Sender:
    """Signs, packs, sends and follows one phase's documents."""

    def __init__(
        self,
        ctx: ServiceContext,
        ready: _Ready,
        client: TestSetPort,
        tracker: _Tracker,
        poll_seconds: float,
        max_wait_seconds: float,
    ) -> None:
        self.ctx = ctx
        self.ready = ready
        self.client = client
        self.tracker = tracker
        self.poll_seconds = poll_seconds
        self.max_wait_seconds = max_wait_seconds

    @property
    def run(self) -> TestSetRun:
        return self.tracker.run

    def send(self, document_ids: list[int]) -> list[int]:
        """Sends the documents and waits for their verdicts; returns those accepted."""
        now = self.ctx.now()
        with self.ctx.unit_of_work() as uow:
            claimed = uow.transmissions.enqueue_claimed(
                self.run.company_id, document_ids, now=now, lease=self.run.deadline_at
            )
            uow.commit()
        prepared, outcomes = transmission.prepare(self.ctx, claimed)
        self.run.invalid += outcomes.get("invalid", 0)
        batches = [
            prepared[start : start + soap.MAX_ASYNC_DOCUMENTS]
            for start in range(0, len(prepared), soap.MAX_ASYNC_DOCUMENTS)
        ]
        self.tracker.save("sending")
        waiting: dict[str, list[transmission.Prepared]] = {}
        for index, batch in enumerate(batches):
            try:
                waiting[self._upload(batch)] = batch
            except _RunFailed:
                self._give_back([p for later in batches[index + 1 :] for p in later], sent=False)
                self._give_back([p for items in waiting.values() for p in items], sent=True)
                raise
        return self._follow(waiting)

    def _upload(self, batch: list[transmission.Prepared]) -> str:
        """Sends one ZIP; its ZipKey, or ``_RunFailed`` with the batch given back."""
        settings = self.ready.profile.settings
        now = self.ctx.now()
        year = keys.in_bogota(now).year
        with self.ctx.unit_of_work() as uow:
            (number,) = uow.transmissions.next_file_numbers(self.run.company_id, year, 1)
            uow.commit()
        zip_name = keys.file_name(
            keys.FileKind.ZIP, settings.provider_nit, year, number, settings.provider_code
        )
        package = soap.zip_documents([(p.file_name, p.xml) for p in batch])
        try:
            upload = self.client.send_test_set_async(zip_name, package, self.run.test_set_id)
        except (TransportError, SoapFault) as failed:
            # A lost answer may hide a ZIP the DIAN took: GetStatus will tell, per CUFE.
            lost = isinstance(failed, TransportError) and getattr(
                failed, "may_have_been_processed", True
            )
            self._give_back(batch, sent=lost, reason=str(failed))
            raise _RunFailed(f"SendTestSetAsync failed: {failed}") from None
        if not upload.zip_key:
            reason = "; ".join(upload.error_messages) or "no ZipKey in the answer"
            self._give_back(batch, sent=False, reason=reason)
            raise _RunFailed(f"The DIAN refused the test set's ZIP {zip_name}: {reason}")
        now = self.ctx.now()
        with self.ctx.unit_of_work() as uow:
            uow.transmissions.log(
                *(
                    LogRecord(
                        item.claimed.company_id,
                        item.claimed.document_id,
                        at=now,
                        action=ACTION,
                        outcome="sent",
                        duration_ms=0,
                        detail=f"{zip_name} ZipKey {upload.zip_key}",
                    )
                    for item in batch
                    if uow.transmissions.mark_sent_in_batch(
                        item.claimed, zip_key=upload.zip_key, now=now
                    )
                )
            )
            self.run.zip_keys.append(upload.zip_key)
            self.run.sent += len(batch)
            self.run.updated_at = now
            TestSetRunRepository(uow.session).save(self.run)
            uow.commit()
        self.tracker.notify("sending")
        return str(upload.zip_key)

    def _follow(self, waiting: dict[str, list[transmission.Prepared]]) -> list[int]:
        """Polls GetStatusZip for each ZipKey until every batch is answered."""
        accepted: list[int] = []
        deadline = time.monotonic() + self.max_wait_seconds
        failures = 0
        last = ""
        while waiting:
            for zip_key in list(waiting):
                try:
                    responses = self.client.get_status_zip(zip_key)
                except (TransportError, SoapFault) as failed:
                    failures += 1
                    last = str(failed)
                    if failures >= MAX_POLL_FAILURES:
                        self._give_back([p for b in waiting.values() for p in b], sent=True)
                        raise _RunFailed(
                            f"GetStatusZip failed {failures} times in a row ({failed}); the "
                            "worker settles the documents with GetStatus"
                        ) from None
                    continue
                failures = 0
                if _still_validating(responses):
                    last = responses[0].status_description if responses else "no answer"
                    continue
                accepted += self._record(waiting.pop(zip_key), responses)
            self.tracker.save("waiting")
            if not waiting:
                break
            if time.monotonic() >= deadline:
                self._give_back([p for b in waiting.values() for p in b], sent=True)
                raise _RunFailed(
                    f"The DIAN had not validated the test set after {self.max_wait_seconds:g} s "
                    f"(last answer: {last or 'none'}); the worker settles the documents with "
                    "GetStatus"
                )
            time.sleep(self.poll_seconds)
        return accepted

    def _record(self, batch: list[transmission.Prepared], responses: list[Any]) -> list[int]:
        """Records the verdicts of one batch on the documents' transmission rows; those the
        answer does not name go back to the outbox. Returns the documents accepted."""
        by_key = {p.document_key.lower(): p for p in batch}
        by_name = {_base_name(p.file_name): p for p in batch}
        answered: dict[int, Any] = {}
        for response in responses:
            item = by_key.get((response.xml_document_key or "").lower()) or by_name.get(
                _base_name(response.xml_file_name or "")
            )
            if item is not None:
                answered.setdefault(item.claimed.document_id, response)
        accepted = []
        unanswered = []
        for item in batch:
            response = answered.get(item.claimed.document_id)
            if response is None:
                unanswered.append(item)
                continue
            outcome = transmission.record_answer(self.ctx, item, response, action=ACTION)
            if outcome == "accepted":
                self.run.accepted += 1
                accepted.append(item.claimed.document_id)
            elif outcome == "rejected":
                self.run.rejected += 1
        self._give_back(unanswered, sent=True, reason="GetStatusZip gave no verdict for it")
        return accepted

    def _give_back(
        self, items: list[transmission.Prepared], *, sent: bool, reason: str = ""
    ) -> None:
        """Returns documents the run could not settle to the outbox, due now: ``sent`` ones
        (the DIAN may have them) are settled by GetStatus, the others sent as usual."""
        if not items:
            return
        now = self.ctx.now()
        state = TransmissionState.SENT if sent else TransmissionState.PENDING
        with self.ctx.unit_of_work() as uow:
            given_back: list[LogRecord] = []
            for item in items:
                claimed: ClaimedTransmission = item.claimed
                if uow.transmissions.record(
                    claimed,
                    state=state,
                    now=now,
                    next_attempt_at=now,
                    last_error=reason or "the test set run stopped before its verdict",
                ):
                    given_back.append(
                        LogRecord(
                            claimed.company_id,
                            claimed.document_id,
                            at=now,
                            action=ACTION,
                            outcome="given_back",
                            duration_ms=0,
                            detail=reason or None,
                        )
                    )
            uow.transmissions.log(*given_back)
            uow.commit()


def _still_validating(responses: list[Any]) -> bool:
    """ "Batch en proceso de validación" (or nothing yet, or a ZipKey the DIAN does not know
    yet): keep waiting."""
    if not responses:
        return True
    if any(r.is_pending for r in responses):
        return True
    return len(responses) == 1 and responses[0].is_unknown and not responses[0].xml_document_key


def _base_name(file_name: str) -> str:
    name = file_name.rpartition("/")[2].lower()
    return name[:-4] if name.endswith(".xml") else name
