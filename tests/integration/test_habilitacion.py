"""Numbering ranges from the DIAN (GetNumberingRange) and the habilitación test set
(SendTestSetAsync + GetStatusZip), through the services against the DIAN stand-in on a real
port, on SQLite and PostgreSQL; and ``facturo dian numbering`` / ``facturo dian test-set`` as
an operator runs them."""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from facturo.dian import keys
from facturo.dian.standin import Fault, FaultKind, RangeRegistration, SoftwareRegistration
from facturo.domain.catalogs import DocumentClass, NumberingRange
from facturo.domain.errors import Conflict, RuleViolations, Unavailable
from facturo.domain.habilitacion import Composition, DocumentKind, RunState
from facturo.domain.numbering import MergeOutcome
from facturo.domain.transmission import TransmissionState
from facturo.services import companies, dian_numbering, einvoicing, habilitacion, transmission
from facturo.services.context import ServiceContext
from facturo.store.test_sets import TestSetRunRepository
from tests.conftest import ADMIN_PASSWORD, TEST_SECRET, TenantFixture, fast_settings
from tests.dian_env import Electronic, StandInServer, quick_retries, set_up_einvoicing
from tests.integration.test_cli import BACKENDS, Cli, fresh_cli

PRODUCTION_KEY = "693ff6f2a553c3646a063436fd4dd9ded0311471"
OTHER_KEY = "0123456789abcdef0123456789abcdef01234567"
SMALL = Composition(invoices=1, credit_notes=1, debit_notes=1)
QUICK = {"poll_seconds": 0.05, "max_wait_seconds": 30.0}


@pytest.fixture
def electronic(
    ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> Electronic:
    return set_up_einvoicing(ctx, tenant, standin_server)


def bogota_today() -> date:
    return datetime.now(keys.BOGOTA).date()


def fev_range(nit: str, *, key: str = PRODUCTION_KEY, valid_to: date | None = None) -> Any:
    start = bogota_today() - timedelta(days=30)
    return RangeRegistration(
        nit=nit,
        prefix="FEV",
        first_number=1,
        last_number=5000,
        resolution_number="18764000001234",
        resolution_date=start,
        valid_from=start,
        valid_to=valid_to or bogota_today() + timedelta(days=335),
        technical_key=key,
    )


def invoice_ranges(ctx: ServiceContext, company_id: int) -> dict[str, NumberingRange]:
    with ctx.unit_of_work(read_only=True) as uow:
        ranges = uow.numbering_ranges.of_class(company_id, DocumentClass.SALES_INVOICE)
    return {n.prefix: n for n in ranges}


def change_settings(ctx: ServiceContext, tenant: TenantFixture, **changes: Any) -> None:
    current = einvoicing.get(ctx, tenant.actor)
    einvoicing.update(ctx, tenant.actor, dataclasses.replace(current.data(), **changes))


# --- numbering ranges ----------------------------------------------------------------------------


def test_fetching_adds_the_dians_ranges_then_updates_them(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    tenant = electronic.tenant
    company_id = tenant.company.id or 0
    electronic.standin.register_range(fev_range(tenant.company.nit))

    first = dian_numbering.fetch(ctx, tenant.actor)

    assert (first.operation_code, first.description) == ("100", "Acción completada OK.")
    outcomes = {e.authorized.prefix: e.outcome for e in first.entries}
    assert outcomes == {"SETP": MergeOutcome.UNCHANGED, "FEV": MergeOutcome.ADDED}
    ranges = invoice_ranges(ctx, company_id)
    fev, setp = ranges["FEV"], ranges["SETP"]
    assert (fev.first_number, fev.last_number, fev.next_number) == (1, 5000, 1)
    assert (fev.technical_key, fev.resolution_number) == (PRODUCTION_KEY, "18764000001234")
    assert fev.document_type_id == setp.document_type_id == first.document_type.id
    # Habilitación still issues with SETP: the new resolution waits, inactive.
    assert (setp.active, fev.active) == (True, False)
    assert {n.prefix for n in first.ranges} == {"SETP", "FEV", "TAL"}

    renewed = bogota_today() + timedelta(days=700)
    electronic.standin.register_range(
        fev_range(tenant.company.nit, key=OTHER_KEY, valid_to=renewed)
    )
    second = dian_numbering.fetch(ctx, tenant.actor)

    (updated,) = second.with_outcome(MergeOutcome.UPDATED)
    assert updated.authorized.prefix == "FEV"
    assert updated.changed == ["technical_key", "valid_to"]
    assert [e.authorized.prefix for e in second.with_outcome(MergeOutcome.UNCHANGED)] == ["SETP"]
    fev = invoice_ranges(ctx, company_id)["FEV"]
    assert (fev.technical_key, fev.valid_to, fev.next_number) == (OTHER_KEY, renewed, 1)
    assert not second.with_outcome(MergeOutcome.ADDED)


def test_in_production_the_dians_range_replaces_the_habilitacion_range(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    tenant = electronic.tenant
    electronic.standin.register_range(fev_range(tenant.company.nit))
    change_settings(ctx, tenant, environment="1")

    result = dian_numbering.fetch(ctx, tenant.actor)

    entries = {e.authorized.prefix: e for e in result.entries}
    assert entries["FEV"].outcome is MergeOutcome.ADDED
    # The stand-in lists SETP in production too; switched off, it is an update.
    assert (entries["SETP"].outcome, entries["SETP"].changed) == (
        MergeOutcome.UPDATED,
        ["active"],
    )
    ranges = invoice_ranges(ctx, tenant.company.id or 0)
    assert (ranges["FEV"].active, ranges["SETP"].active) == (True, False)
    # Fetching again changes nothing.
    again = dian_numbering.fetch(ctx, tenant.actor)
    assert {e.outcome for e in again.entries} == {MergeOutcome.UNCHANGED}
    assert again.deactivated == []


def test_a_refusal_of_the_dian_is_a_clear_error(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    tenant = electronic.tenant
    change_settings(ctx, tenant, software_id=str(uuid.uuid4()))

    with pytest.raises(RuleViolations) as refused:
        dian_numbering.fetch(ctx, tenant.actor)

    (violation,) = refused.value.violations
    assert (violation.code, violation.field) == ("document_settings", "numbering_ranges")
    assert violation.message.startswith("The DIAN refused GetNumberingRange (OperationCode 30")
    assert invoice_ranges(ctx, tenant.company.id or 0).keys() == {"SETP", "TAL"}


def test_an_unreachable_dian_and_a_missing_setup(
    ctx: ServiceContext, electronic: Electronic, make_company: Callable[..., TenantFixture]
) -> None:
    change_settings(
        ctx, electronic.tenant, endpoint_url="http://127.0.0.1:9/WcfDianCustomerServices.svc"
    )
    with pytest.raises(Unavailable) as unreachable:
        dian_numbering.fetch(ctx, electronic.tenant.actor)
    assert "could not be reached" in str(unreachable.value)

    bare = make_company()
    with pytest.raises(RuleViolations) as nothing:
        dian_numbering.fetch(ctx, bare.actor)
    assert [v.field for v in nothing.value.violations] == ["einvoicing_settings", "certificate"]


# --- the test set --------------------------------------------------------------------------------


def test_a_small_test_set_ends_all_accepted(ctx: ServiceContext, electronic: Electronic) -> None:
    tenant = electronic.tenant
    electronic.standin.async_delay = 0.3  # "Batch en proceso de validación" a few times
    seen: list[habilitacion.Progress] = []

    found = habilitacion.run_test_set(ctx, tenant.actor, SMALL, progress=seen.append, **QUICK)

    run = found.run
    assert run.error is None
    assert (run.state, run.passed) == (RunState.FINISHED, True)
    assert (run.total, run.sent, run.accepted, run.rejected, run.invalid, run.pending) == (
        3,
        3,
        3,
        0,
        0,
        0,
    )
    assert len(run.zip_keys) == 2  # the invoices, then the notes that correct them
    assert [d.kind for d in found.documents] == [
        DocumentKind.INVOICE,
        DocumentKind.CREDIT_NOTE,
        DocumentKind.DEBIT_NOTE,
    ]
    invoice = found.documents[0]
    assert invoice.number.startswith("SETP99")
    for document in found.documents:
        assert (document.status, document.status_code, document.messages) == (
            "accepted",
            "00",
            (),
        )
        assert document.document_key and len(document.document_key) == 96
    # The DIAN received them as the company's test set, in the ZIPs the run recorded.
    received = {d.key: d for d in electronic.standin.documents()}
    for document in found.documents:
        assert document.document_key is not None
        arrived = received[document.document_key]
        assert arrived.test_set_id == electronic.test_set_id
        assert arrived.zip_key in run.zip_keys
    assert electronic.standin.request_counts()["GetStatusZip"] > 2
    # Each document's outbox row ended like any other: accepted, answer kept, nothing due.
    signed = transmission.signed_files(ctx, tenant.actor, invoice.document_id)
    assert signed.application_response and signed.transmission.state is TransmissionState.ACCEPTED
    assert electronic.drain(ctx) == {}
    # Progress was shown and stored as it went.
    phases = [step.phase for step in seen]
    assert phases[0] == "issuing" and phases[-1] == "done"
    assert {"sending", "waiting"} <= set(phases)
    assert [step.run.accepted for step in seen if step.phase == "waiting"][-1] == 3
    assert habilitacion.latest(ctx, tenant.actor) == run
    assert habilitacion.report(ctx, tenant.actor, run.id).documents == found.documents


def test_batches_hold_at_most_the_zip_limit(
    ctx: ServiceContext, electronic: Electronic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(habilitacion.soap, "MAX_ASYNC_DOCUMENTS", 2)

    found = habilitacion.run_test_set(ctx, electronic.tenant.actor, Composition(3, 2, 0), **QUICK)

    assert found.run.passed and found.run.accepted == 5
    assert len(found.run.zip_keys) == 3  # invoices 2 + 1, notes 2
    sizes = dict.fromkeys(found.run.zip_keys, 0)
    for document in electronic.standin.documents():
        sizes[document.zip_key or ""] += 1
    assert sorted(sizes.values()) == [1, 2, 2]


def test_rejections_are_reported_per_document(ctx: ServiceContext, electronic: Electronic) -> None:
    electronic.standin.add_fault(
        Fault(
            FaultKind.REJECT,
            operation="SendTestSetAsync",
            rule="FAJ43b",
            message="Nombre informado No corresponde al registrado en el RUT.",
        )
    )

    found = habilitacion.run_test_set(ctx, electronic.tenant.actor, Composition(2, 0, 0), **QUICK)

    run = found.run
    assert (run.state, run.accepted, run.rejected, run.passed) == (
        RunState.FINISHED,
        0,
        2,
        False,
    )
    for document in found.documents:
        assert (document.status, document.status_code) == ("rejected", "99")
        assert document.rule_codes == ("FAJ43b",)
        assert document.messages == (
            "Regla: FAJ43b, Rechazo: Nombre informado No corresponde al registrado en el RUT.",
        )


def test_notes_wait_for_an_accepted_invoice(ctx: ServiceContext, electronic: Electronic) -> None:
    electronic.standin.add_fault(Fault(FaultKind.REJECT, operation="SendTestSetAsync"))

    found = habilitacion.run_test_set(ctx, electronic.tenant.actor, SMALL, **QUICK)

    run = found.run
    assert (run.state, run.rejected, run.pending) == (RunState.FAILED, 1, 2)
    assert run.error and "notes" in run.error
    assert [d.kind for d in found.documents] == [DocumentKind.INVOICE]


def test_an_unknown_test_set_id_gives_the_documents_back(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    tenant = electronic.tenant
    electronic.standin.register_software(
        SoftwareRegistration(
            nit=tenant.company.nit,
            software_id=electronic.software_id,
            pin="12345",
            test_set_id=str(uuid.uuid4()),
        )
    )

    found = habilitacion.run_test_set(ctx, tenant.actor, Composition(1, 0, 0), **QUICK)

    run = found.run
    assert run.state is RunState.FAILED and run.sent == 0
    assert run.error and electronic.test_set_id in run.error and "refused" in run.error
    (document,) = found.documents
    # Back in the outbox, due now: the worker sends it as it sends any document.
    assert document.status == "pending"
    assert electronic.drain(quick_retries(ctx)) == {"accepted": 1}


def test_an_unreachable_dian_fails_the_run_and_keeps_the_documents(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    tenant = electronic.tenant
    change_settings(ctx, tenant, endpoint_url="http://127.0.0.1:9/WcfDianCustomerServices.svc")

    found = habilitacion.run_test_set(ctx, tenant.actor, Composition(1, 0, 0), **QUICK)

    assert found.run.state is RunState.FAILED
    assert found.run.error and found.run.error.startswith("SendTestSetAsync failed:")
    (document,) = found.documents
    # Nothing reached the DIAN: due again as any document, signed once already.
    assert (document.status, len(document.document_key or "")) == ("pending", 96)


def test_no_verdict_in_time_leaves_the_documents_to_the_worker(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    electronic.standin.async_delay = 30

    found = habilitacion.run_test_set(
        ctx, electronic.tenant.actor, Composition(1, 0, 0), poll_seconds=0.05, max_wait_seconds=0.3
    )

    run = found.run
    assert (run.state, run.sent, run.pending) == (RunState.FAILED, 1, 1)
    assert run.error and "had not validated" in run.error
    assert "Batch en proceso de validación" in run.error
    (document,) = found.documents
    assert document.status == "sent"
    # The worker asks GetStatus for the CUFE instead of sending it again.
    assert electronic.drain(ctx) == {"accepted": 1}
    assert electronic.standin.request_counts().get("SendBillSync", 0) == 0


def test_the_test_set_is_refused_with_every_reason(
    ctx: ServiceContext, electronic: Electronic, make_company: Callable[..., TenantFixture]
) -> None:
    tenant = electronic.tenant
    change_settings(ctx, tenant, environment="1", test_set_id="")

    with pytest.raises(RuleViolations) as refused:
        habilitacion.run_test_set(ctx, tenant.actor, Composition(0, 1, 0), **QUICK)

    assert [(v.code, v.field) for v in refused.value.violations] == [
        ("invalid_range", "invoices"),
        ("document_settings", "environment"),
        ("parameter_required", "test_set_id"),
    ]
    assert "habilitación only" in refused.value.violations[1].message
    assert habilitacion.latest(ctx, tenant.actor) is None  # nothing was started or issued

    without_certificate = make_company()
    einvoicing.update(
        ctx,
        without_certificate.actor,
        dataclasses.replace(
            einvoicing.get(ctx, tenant.actor).data(),
            environment="2",
            test_set_id=electronic.test_set_id,
            software_pin="12345",
            legal_name=None,
        ),
    )
    with pytest.raises(RuleViolations) as unsigned:
        habilitacion.run_test_set(ctx, without_certificate.actor, SMALL, **QUICK)
    assert [(v.code, v.field) for v in unsigned.value.violations] == [
        ("document_settings", "certificate")
    ]
    assert habilitacion.latest(ctx, without_certificate.actor) is None


def test_one_run_at_a_time(ctx: ServiceContext, electronic: Electronic) -> None:
    actor = electronic.tenant.actor
    first = habilitacion.start(ctx, actor, SMALL, max_wait_seconds=60)
    with pytest.raises(Conflict) as busy:
        habilitacion.start(ctx, actor, SMALL)
    assert busy.value.code == "test_set_running"

    later = dataclasses.replace(ctx, clock=lambda: ctx.now() + timedelta(hours=1))
    second = habilitacion.start(later, actor, SMALL)
    interrupted = habilitacion.get(ctx, actor, first.id or 0)
    assert (interrupted.state, interrupted.error) == (
        RunState.FAILED,
        "interrupted: the run stopped before it finished",
    )
    assert habilitacion.latest(ctx, actor) == second


def test_a_run_whose_process_stopped_beating_is_interrupted_before_its_deadline(
    ctx: ServiceContext, electronic: Electronic
) -> None:
    """A server restarted in the middle of a run: its heartbeat stops, and within a minute
    and a half the run reads as interrupted, long before its deadline."""
    actor = electronic.tenant.actor
    first = habilitacion.start(ctx, actor, SMALL, max_wait_seconds=600)
    started = ctx.now()

    def at(seconds: int) -> ServiceContext:
        return dataclasses.replace(ctx, clock=lambda: started + timedelta(seconds=seconds))

    assert not habilitacion.get(ctx, actor, first.id or 0).stale(at(60).now())
    with pytest.raises(Conflict):
        habilitacion.start(at(60), actor, SMALL)
    assert habilitacion.get(ctx, actor, first.id or 0).stale(at(120).now())
    second = habilitacion.start(at(120), actor, SMALL)
    assert habilitacion.get(ctx, actor, first.id or 0).state is RunState.FAILED
    assert habilitacion.latest(ctx, actor) == second


def test_a_running_test_set_writes_its_heartbeat(
    ctx: ServiceContext, electronic: Electronic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(habilitacion, "HEARTBEAT_SECONDS", 0.05)
    electronic.standin.async_delay = 0.4  # long enough for several beats
    beats: list[object] = []
    original = TestSetRunRepository.beat

    def counted(self: TestSetRunRepository, *args: Any) -> None:
        beats.append(args)
        original(self, *args)

    monkeypatch.setattr(TestSetRunRepository, "beat", counted)

    found = habilitacion.run_test_set(ctx, electronic.tenant.actor, SMALL, **QUICK)

    assert found.run.state is RunState.FINISHED
    assert len(beats) >= 2
    stored = habilitacion.get(ctx, electronic.tenant.actor, found.run.id or 0)
    assert stored.alive_at is not None and stored.alive_at > found.run.started_at


# --- facturo dian numbering / test-set -------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def dian_cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cli, ServiceContext]]:
    """The CLI and the services over one database, sharing the secret that seals the PIN
    and the certificate."""
    with fresh_cli(request.param, tmp_path_factory.mktemp("dian-cli")) as cli:
        cli.env["FACTURO_SECRET_KEY"] = TEST_SECRET
        (cli.cwd / "var").mkdir(exist_ok=True)  # the embedded database's folder
        cli.ok("db", "upgrade")
        services = ServiceContext.from_settings(fast_settings(cli.database_url))
        yield cli, services
        services.database.dispose()


def cli_company(services: ServiceContext, server: StandInServer) -> Electronic:
    key = f"empresa{secrets.token_hex(4)}"
    company, admin = companies.create(
        services,
        companies.NewCompany(
            key=key,
            name=f"Empresa {key} SAS",
            nit="900123456",
            admin_username="admin@empresa.co",
            admin_password=ADMIN_PASSWORD,
            admin_identification="1020304050",
            admin_first_name="Ana",
            admin_last_name="Administradora",
        ),
    )
    tenant = TenantFixture(company=company, admin=admin, password=ADMIN_PASSWORD)
    return set_up_einvoicing(services, tenant, server)


def test_the_cli_fetches_numbering_and_sends_the_test_set(
    dian_cli: tuple[Cli, ServiceContext], standin_server: StandInServer
) -> None:
    cli, services = dian_cli
    electronic = cli_company(services, standin_server)
    company = ("--company", electronic.tenant.key)
    electronic.standin.register_range(fev_range(electronic.tenant.company.nit))

    fetched = cli.ok_json("dian", "numbering", *company)
    assert (fetched["operation_code"], fetched["added"], fetched["unchanged"]) == ("100", 1, 1)
    assert {(r["prefix"], r["active"]) for r in fetched["ranges"]} == {
        ("SETP", True),
        ("FEV", False),
        ("TAL", True),
    }
    text = cli.ok("dian", "numbering", *company)
    assert "sin cambios: FEV1-FEV5000 resolución 18764000001234" in text
    assert "clave técnica 693ff6f2…" in text

    small = ("--invoices", "1", "--credit-notes", "1", "--debit-notes", "1")
    quick = ("--poll-seconds", "0.05", "--max-wait", "30")
    sent = cli.ok_json("dian", "test-set", *company, *small, *quick)
    assert sent["run"]["state"] == "finished" and "error" not in sent
    assert (sent["run"]["accepted"], sent["run"]["pending"]) == (3, 0)
    assert [(d["kind"], d["status"]) for d in sent["documents"]] == [
        ("invoice", "accepted"),
        ("credit_note", "accepted"),
        ("debit_note", "accepted"),
    ]
    assert all(len(d["document_key"]) == 96 for d in sent["documents"])

    electronic.standin.add_fault(
        Fault(FaultKind.REJECT, operation="SendTestSetAsync", rule="FAJ44b", message="NIT")
    )
    rejected = cli.run("dian", "test-set", *company, "--invoices", "1", "--credit-notes", "0",
                       "--debit-notes", "0", *quick)  # fmt: skip
    assert rejected.returncode == 1, rejected.stderr
    assert "0 aceptados, 1 rechazados, 0 inválidos, 0 sin respuesta de 1" in rejected.stdout
    assert "Regla: FAJ44b, Rechazo: NIT" in rejected.stdout
    assert "Emitiendo" in rejected.stderr  # the progress bar
    last = cli.run("dian", "test-set", *company, "--last", "--json")
    assert last.returncode == 1
    shown = json.loads(last.stdout)
    assert (shown["error"], shown["run"]["rejected"]) == ("1 rejected, 0 invalid", 1)
    assert shown["documents"][0]["rule_codes"] == ["FAJ44b"]

    cli.ok("dian", "setup", *company, "--environment", "produccion")
    line = cli.fails("dian", "test-set", *company)
    assert line.startswith("error: The test set is sent in habilitación only")
