"""Benchmark: DIAN electronic invoicing — signing one document, and envío masivo.

1. Build + sign per document, on one core: a 10-line sales invoice (IVA 19 %, INC 8 % on every
   third line, ReteFuente withheld on each line) built as UBL 2.1 (``facturo.dian.ubl.build``)
   and signed XAdES-EPES (``facturo.dian.xades.sign``), ``--runs`` times. The XSD validation
   the worker runs after signing (``facturo.dian.schemas.validate``) and the stand-in's XAdES
   check (``facturo.dian.xades.verify``) are timed apart. Target: build + sign ≤ 2 ms.
2. Mass sending, for each ``--workers`` count (1 and 4): a scratch PostgreSQL database with a
   company set up for electronic invoicing against the DIAN stand-in (``facturo dian
   standin``, a process of its own), ``--invoices`` invoices issued with sending requested
   (so they wait in the outbox; this setup is timed but not measured), then ``facturo worker``
   processes. The wall time runs from their start until every transmission is accepted; then
   they are stopped (SIGTERM) and the run is checked: all accepted, none rejected, and the
   stand-in received each document exactly once. Target: 5,000 in ≤ 60 s with 4 workers.
   Before the run the company sends one invoice, so that it has sent this year before
   (``--cold`` leaves that out). Each run first waits (``--quiet-wait``) until nothing else
   keeps the cores busy, and says how much other processes used while it ran.

Prints one table, then the checks and the CPU seconds each kind of process spent while
sending (what the machine's cores went to). ``--profile DIR`` runs the workers under cProfile
and profiles, in-process, the CPU each side of one send costs (the worker's signing and
envelope; the stand-in's checks and answer).

    .venv/bin/python bench/dian.py --database-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/dian.py --database-url ... --invoices 200 --runs 100
    .venv/bin/python bench/dian.py --database-url ... --invoices 200 --workers 4 --profile /tmp/p

Without ``--database-url`` (or ``FACTURO_BENCH_DATABASE_URL``) only part 1 runs.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from multiprocessing import get_context
from pathlib import Path

import httpx
import sqlalchemy as sa

from facturo.config import Settings
from facturo.dian import schemas, soap, ubl, xades
from facturo.dian.certificates import SigningCertificate, generate_certificate, to_pkcs12
from facturo.dian.keys import BOGOTA, HABILITACION_TECHNICAL_KEY, Environment
from facturo.dian.model import (
    ZERO,
    Address,
    DocumentKind,
    ElectronicDocument,
    Line,
    MonetaryTotals,
    NumberingAuthorization,
    Party,
    Payment,
    Software,
    TaxSubtotal,
    group_taxes,
)
from facturo.dian.standin import SoftwareRegistration, StandIn
from facturo.domain.access import Actor
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, TaxType
from facturo.domain.contact_info import Phone, Place
from facturo.domain.einvoicing import EInvoicingSettingsData
from facturo.domain.nit import nit_check_digit
from facturo.domain.parties import PartyData
from facturo.domain.products import Price, ProductData, ProductType
from facturo.domain.sales import (
    ItemRequest,
    PaymentRequest,
    SalesLine,
    TaxRate,
    document_amounts,
    line_amounts,
)
from facturo.services import certificates, companies, einvoicing, parties, sales
from facturo.services import products as product_service
from facturo.services.context import ServiceContext
from facturo.services.sales import CustomerReference, SaleRequest

BIN = Path(sys.executable).parent
CENT = Decimal("0.01")
PASSWORD = "clave-benchmark-1"
CERTIFICATE_PASSWORD = "clave-del-certificado"
COMPANY_NIT = "900373076"
CUSTOMER_NIT = "860069804"
SOFTWARE_PIN = "75315"
TERMINAL_STATES = ("accepted", "rejected", "invalid")
BUILD_SIGN_TARGET_MS = 2.0
SENDING_TARGET_SECONDS = 60.0
SENDING_TARGET_WORKERS = 4
ISSUE_TIMEOUT_SECONDS = 1800
QUIET_PERCENT = 10  # the machine's load under which a run starts (see --quiet-wait)
WARM_UP = (
    "import facturo.cli, facturo.api.current.payloads, facturo.worker.dian, "
    "facturo.worker.webhooks, facturo.services.delivery, facturo.dian.soap, facturo.dian.standin"
)


# --------------------------------------------------------------------------------------------
# Results


def percentile(ordered: Sequence[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@dataclass
class Timing:
    """Milliseconds per document of one step of signing."""

    operation: str
    samples_ms: list[float]
    target_ms: float | None = None

    def row(self) -> str:
        ordered = sorted(self.samples_ms)
        mean = statistics.fmean(ordered)
        target = ""
        if self.target_ms is not None:
            target = f"≤ {self.target_ms:g} ms " + ("met" if mean <= self.target_ms else "MISSED")
        return (
            f"| {self.operation:<40} | {len(ordered):>6} | {mean:>8.2f} | {statistics.median(ordered):>8.2f} "
            f"| {percentile(ordered, 0.95):>8.2f} | {1000 / mean:>8.1f} | {sum(ordered) / 1000:>8.2f} | {target:<16} |"
        )


@dataclass
class Sending:
    """One mass-sending run: how long, what came out of it, and where the CPU went."""

    workers: int
    invoices: int
    lines: int
    setup_seconds: float
    seconds: float = 0.0
    first_accepted_seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    round_trips_ms: list[float] = field(default_factory=list)  # SendBillSync, worker's view
    standin_documents: int = 0
    standin_distinct: int = 0
    standin_repeats: int = 0  # documents the stand-in received more than once
    standin_sends: int = 0  # SendBillSync requests
    keys_match: bool = False  # the stand-in's CUFEs are exactly the database's
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    background_percent: float = 0.0  # the machine's load just before sending
    worker_errors: list[str] = field(default_factory=list)  # one line per error they logged
    gave_up: str = ""  # why the run was cut short (--timeout)
    profiles: list[Path] = field(default_factory=list)  # the workers' (--profile)

    @property
    def accepted(self) -> int:
        return self.states.get("accepted", 0)

    @property
    def steady_rate(self) -> float:
        """Documents per second once the workers are up (their start-up left out)."""
        running = self.seconds - self.first_accepted_seconds
        return (self.invoices - 1) / running if running > 0 else 0.0

    @property
    def ok(self) -> bool:
        return (
            self.accepted == self.invoices
            and self.states.get("rejected", 0) == 0
            and self.standin_distinct == self.invoices
            and self.standin_documents == self.invoices
            and self.standin_repeats == 0
            and self.standin_sends == self.invoices
            and self.keys_match
            and not self.worker_errors
            and not self.gave_up
        )

    def row(self) -> str:
        ordered = sorted(self.round_trips_ms) or [0.0]
        target = ""
        if self.workers == SENDING_TARGET_WORKERS:
            # The target is for 5,000 documents; other counts are scaled to it.
            allowed = SENDING_TARGET_SECONDS * self.invoices / 5000
            target = f"≤ {allowed:g} s " + ("met" if self.seconds <= allowed else "MISSED")
        name = f"send {self.lines}-line invoices, {self.workers} worker{'s' if self.workers > 1 else ''}"
        return (
            f"| {name:<40} | {self.invoices:>6} | {self.seconds * 1000 / self.invoices:>8.2f} "
            f"| {statistics.median(ordered):>8.2f} | {percentile(ordered, 0.95):>8.2f} "
            f"| {self.invoices / self.seconds:>8.1f} | {self.seconds:>8.2f} | {target:<16} |"
        )

    def notes(self) -> list[str]:
        states = ", ".join(f"{n} {s}" for s, n in sorted(self.states.items()))
        lines = [
            f"{self.workers} worker(s): setup {self.setup_seconds:.1f} s (not measured); first "
            f"acceptance after {self.first_accepted_seconds:.2f} s, then "
            f"{self.steady_rate:.1f} docs/s; outbox: {states}; stand-in: "
            f"{self.standin_documents} documents, {self.standin_distinct} distinct, "
            f"{self.standin_repeats} received twice, {self.standin_sends} SendBillSync; CUFEs "
            f"{'match' if self.keys_match else 'DO NOT match'} the database's "
            f"-> {'OK' if self.ok else 'FAILED'}"
        ]
        cpu, cores = self.cpu_seconds, os.cpu_count() or 1
        capacity = self.seconds * cores
        if "stand-in" in cpu:
            ours = {name: cpu[name] for name in ("stand-in", "workers", "postgres")}
            per_document = sum(ours.values()) * 1000 / self.invoices
            others = max(0.0, cpu["machine"] - sum(ours.values()))
            split = ", ".join(
                f"{name} {seconds:.1f} s ({seconds * 1000 / self.invoices:.1f} ms/doc)"
                for name, seconds in ours.items()
            )
            lines.append(
                f"    CPU while sending: {split}; together {per_document:.1f} ms/doc, so "
                f"{cores} cores give at most {cores * 1000 / per_document:.0f} docs/s"
            )
            lines.append(
                f"    other processes on the machine: {others:.1f} s of {capacity:.1f} s "
                f"({100 * others / capacity:.0f} %), {self.background_percent:.0f} % just before"
                + (" — figures disturbed" if 100 * others / capacity > QUIET_PERCENT else "")
            )
        else:
            lines.append("    (CPU not split under --profile)")
        if self.gave_up:
            lines.append(f"    {self.gave_up}")
        if self.worker_errors:
            lines.append(
                f"    the workers logged {len(self.worker_errors)} error(s); the first: "
                f"{self.worker_errors[0]}"
            )
        return lines


# --------------------------------------------------------------------------------------------
# Part 1: build + sign one document


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def tax(code: str, name: str, percent: str, base: Decimal) -> TaxSubtotal:
    rate = Decimal(percent)
    return TaxSubtotal(code, name, rate, base, cents(base * rate / 100))


_PRODUCTS = (
    ("ARZ-500", "Arroz blanco premium bolsa 500 g", "24", "3150.00"),
    ("ACE-1000", "Aceite de girasol botella 1 L", "12", "11890.50"),
    ("ALM-SERV", "Servicio de almuerzo ejecutivo", "15", "18500.00"),
    ("CAF-250", "Café tostado molido 250 g", "30", "12400.00"),
    ("AZU-1000", "Azúcar refinada 1 kg", "20", "4690.00"),
    ("REF-SERV", "Servicio de refrigerio empresarial", "40", "7200.00"),
    ("PAS-250", "Pasta larga 250 g", "36", "2380.00"),
    ("CHO-CAJ", "Chocolate de mesa caja x 12", "6", "21750.00"),
    ("CAT-SERV", "Servicio de catering por persona", "25", "32000.00"),
    ("LEC-1100", "Leche entera UHT 1.1 L", "48", "4290.00"),
)


def sample_invoice(number: int, issued_at: datetime, lines: int = 10) -> ElectronicDocument:
    """A Bogotá company's invoice to a Medellín company in DIAN's habilitación range: IVA 19 %
    (INC 8 % on every third line), ReteFuente 2.5 % withheld on every line."""
    document_lines = []
    for index in range(lines):
        code, description, quantity, price = _PRODUCTS[index % len(_PRODUCTS)]
        base = cents(Decimal(quantity) * Decimal(price))
        charge = (
            tax("04", "INC", "8", base) if (index + 1) % 3 == 0 else tax("01", "IVA", "19", base)
        )
        document_lines.append(
            Line(
                number=index + 1,
                code=f"{code}-{index + 1}",
                description=description,
                quantity=Decimal(quantity),
                unit_code="94",
                unit_price=Decimal(price),
                line_extension=base,
                taxes=(charge,),
                withholdings=(tax("06", "ReteFuente", "2.5", base),),
            )
        )
    extension = sum((line.line_extension for line in document_lines), ZERO)
    taxes = sum((t.tax_amount for line in document_lines for t in line.taxes), ZERO)
    software = Software(COMPANY_NIT, nit_check_digit(COMPANY_NIT), str(uuid.uuid4()), SOFTWARE_PIN)
    due = issued_at.date() + timedelta(days=30)
    return ElectronicDocument(
        kind=DocumentKind.INVOICE,
        environment=Environment.HABILITACION,
        number=f"SETP{990000000 + number}",
        issued_at=issued_at,
        supplier=Party(
            person_type="1",
            id_type="31",
            identification=COMPANY_NIT,
            check_digit=nit_check_digit(COMPANY_NIT),
            registration_name="Soluciones Contables del Norte S.A.S.",
            responsibilities=("O-13",),
            tax_scheme=("01", "IVA"),
            address=Address("11001", "Bogotá, D.C.", "Bogotá", "11", "Carrera 7 # 71-21", "110231"),
            email="facturacion@solucionesnorte.com.co",
        ),
        customer=Party(
            person_type="1",
            id_type="31",
            identification=CUSTOMER_NIT,
            check_digit=nit_check_digit(CUSTOMER_NIT),
            registration_name="Comercializadora Andina de Alimentos S.A.",
            responsibilities=("O-15",),
            tax_scheme=("01", "IVA"),
            address=Address("05001", "Medellín", "Antioquia", "05", "Calle 10 Sur # 50FF-28"),
            email="recepcion.fe@andinaalimentos.com.co",
        ),
        software=software,
        lines=tuple(document_lines),
        tax_totals=group_taxes(t for line in document_lines for t in line.taxes),
        withholding_totals=group_taxes(t for line in document_lines for t in line.withholdings),
        totals=MonetaryTotals(
            line_extension=extension,
            tax_exclusive=extension,
            tax_inclusive=extension + taxes,
            payable=extension + taxes,
        ),
        payment=Payment("2", "42", due),
        due_date=due,
        authorization=NumberingAuthorization(
            resolution_number="18760000001",
            start_date=date(2019, 1, 19),
            end_date=date(2030, 1, 19),
            prefix="SETP",
            first_number=990000000,
            last_number=995000000,
            technical_key=HABILITACION_TECHNICAL_KEY,
        ),
        corporate_registration_prefix="SETP",
    )


def company_certificate(nit: str) -> SigningCertificate:
    """A signing certificate for ``nit`` issued by a test CA, so ``ds:KeyInfo`` carries a
    chain as real Colombian certificates do."""
    now = datetime.now(UTC)
    authority = generate_certificate(
        common_name="AC Facturo Benchmark",
        nit=None,
        organization="Autoridad de Pruebas Facturo S.A.S.",
        valid_from=now - timedelta(days=30),
        valid_to=now + timedelta(days=3650),
        certificate_authority=True,
    )
    return generate_certificate(
        common_name="Benchmark DIAN SAS",
        nit=nit,
        organization="Benchmark DIAN SAS",
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=365),
        issuer=authority,
    )


def time_signing(runs: int) -> tuple[list[Timing], float]:
    """The rows of part 1, and the share of the machine other processes used meanwhile."""
    certificate = company_certificate(COMPANY_NIT)
    issued_at = datetime.now(BOGOTA).replace(microsecond=0)
    documents = [sample_invoice(number, issued_at) for number in range(runs + 50)]
    # Warm-up: the XSD bundle compiles once per process, the builders' templates once per
    # thread; neither belongs in a per-document figure.
    for document in documents[runs:]:
        built = ubl.build(document)
        signed = xades.sign(built.root, certificate, signing_time=issued_at)
        schemas.validate(built.root)
        xades.verify(signed)
    build_ms, sign_ms, both_ms, schema_ms, verify_ms = [], [], [], [], []
    clock = time.perf_counter
    machine_before, own_before, wall_before = machine_busy_seconds(), time.process_time(), clock()
    for document in documents[:runs]:
        started = clock()
        built = ubl.build(document)
        between = clock()
        signed = xades.sign(built.root, certificate, signing_time=issued_at)
        ended = clock()
        schemas.validate(built.root)
        validated = clock()
        xades.verify(signed)
        verified = clock()
        build_ms.append((between - started) * 1000)
        sign_ms.append((ended - between) * 1000)
        both_ms.append((ended - started) * 1000)
        schema_ms.append((validated - ended) * 1000)
        verify_ms.append((verified - validated) * 1000)
    others = (machine_busy_seconds() - machine_before) - (time.process_time() - own_before)
    others_percent = 100 * others / ((clock() - wall_before) * (os.cpu_count() or 1))
    return [
        Timing("UBL 2.1 build (10 lines)", build_ms),
        Timing("XAdES-EPES sign", sign_ms),
        Timing("build + sign", both_ms, BUILD_SIGN_TARGET_MS),
        Timing("XSD validation of the signed XML", schema_ms),
        Timing("XAdES verify (the stand-in's check)", verify_ms),
    ], max(0.0, others_percent)


# --------------------------------------------------------------------------------------------
# Part 2: mass sending — the scratch company


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    admin_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    if admin_url.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the benchmark only talks to a PostgreSQL on this machine (127.0.0.1)")
    name = f"facturo_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Company:
    database_url: str
    secret_key: str
    company_id: int
    software_id: str


def service_context(database_url: str, secret_key: str) -> ServiceContext:
    return ServiceContext.from_settings(
        Settings(database_url=database_url, secret_key=secret_key, database_pool_size=2)
    )


def set_up_company(
    database_url: str, env: dict[str, str], workdir: Path, port: int, products: int
) -> Company:
    """The schema, a company (as an operator would: ``facturo db upgrade``, ``facturo company
    create``), its e-invoicing setup pointing at the stand-in on ``port``, a certificate for
    its NIT, a customer without e-mail (so nothing is mailed), and service products."""

    def facturo(*args: str) -> None:
        subprocess.run(
            [BIN / "facturo", *args], cwd=workdir, env=env, check=True, capture_output=True
        )

    facturo("db", "upgrade")
    facturo(
        "company", "create", "--key", "bench", "--name", "Benchmark DIAN SAS", "--nit", COMPANY_NIT,
        "--admin-username", "admin", "--admin-identification", "1", "--admin-password", PASSWORD,
    )  # fmt: skip
    secret_key = env["FACTURO_SECRET_KEY"]
    ctx = service_context(database_url, secret_key)
    try:
        company_id = companies.get_by_key(ctx, "bench").id
        assert company_id is not None
        operator = Actor.operator(company_id)
        software_id = str(uuid.uuid4())
        endpoint = f"http://127.0.0.1:{port}/WcfDianCustomerServices.svc"
        einvoicing.update(
            ctx,
            operator,
            EInvoicingSettingsData(
                environment="2",
                endpoint_url=endpoint,
                software_id=software_id,
                software_pin=SOFTWARE_PIN,
                test_set_id=str(uuid.uuid4()),
                person_type="1",
                responsibilities=("O-13",),
                tax_scheme="01",
                municipality_code="11001",
                address_line="Calle 100 # 10-20",
                postal_code="110111",
                phone="6015550100",
                email="facturacion@benchmark.co",
                deliver_to_buyer=False,
            ),
        )
        pkcs12 = to_pkcs12(company_certificate(COMPANY_NIT), CERTIFICATE_PASSWORD)
        certificates.upload(ctx, operator, None, pkcs12, CERTIFICATE_PASSWORD)
        parties.create(
            ctx,
            operator,
            PartyData(
                is_customer=True,
                is_company=True,
                full_name="Comercializadora Andina de Alimentos S.A.",
                id_type_code="31",
                identification=CUSTOMER_NIT,
                vat_responsible=True,
                place=Place("CO", "05", "05001"),
                address="Calle 10 Sur # 50FF-28",
                phone=Phone(number="6043115500"),
                fiscal_responsibilities=["O-15"],
            ),
        )
        with ctx.unit_of_work(read_only=True) as uow:
            group = next(g.id for g in uow.account_groups.all(company_id) if g.code == "3")
        for index in range(products):
            code, description, _, price = _PRODUCTS[index % len(_PRODUCTS)]
            product_service.create(
                ctx,
                operator,
                ProductData(
                    code=f"{code}-{index}",
                    name=description,
                    product_type=ProductType.SERVICE,  # no stock rows to lock while issuing
                    account_group_id=group,
                    prices=[Price(1, Decimal(price))],
                ),
            )
    finally:
        ctx.database.dispose()
    return Company(database_url, secret_key, company_id, software_id)


def issue_invoices(
    database_url: str, secret_key: str, company_id: int, count: int, lines: int
) -> int:
    """Issues ``count`` invoices with sending requested (``stamp``), in this process. Runs in
    a pool of processes: issuing is setup, and one core alone would make it slow."""
    ctx = service_context(database_url, secret_key)
    try:
        operator = Actor.operator(company_id)
        with ctx.unit_of_work(read_only=True) as uow:
            catalogs = uow.catalogs(company_id)
            taxes = list(catalogs.taxes.values())
            credit = next(m for m in catalogs.payment_means.values() if m.name == "Crédito")
            invoice_type = next(
                t
                for t in uow.document_types.all(company_id)
                if t.document_class == DocumentClass.SALES_INVOICE and t.electronic
            )
        rates = {
            t.id: TaxRate(t.id, t.name, t.tax_type, t.percentage) for t in taxes if t.id is not None
        }

        def tax_id(kind: TaxType, percentage: int | None = None) -> int:
            found = next(
                t.id for t in taxes if t.tax_type == kind and percentage in (None, t.percentage)
            )
            assert found is not None
            return found

        iva, inc = tax_id(TaxType.IVA, 19), tax_id(TaxType.CONSUMPTION)
        retefuente = tax_id(TaxType.RETEFUENTE)
        today = colombian_date(datetime.now(UTC))
        items, priced = [], []
        for index in range(lines):
            code, description, quantity, price = _PRODUCTS[index % len(_PRODUCTS)]
            charge = inc if (index + 1) % 3 == 0 else iva
            items.append(
                ItemRequest(
                    f"{code}-{index}",
                    description,
                    Decimal(quantity),
                    Decimal(price),
                    tax_add_id=charge,
                    tax_discount_id=retefuente,
                )
            )
            amounts = line_amounts(
                quantity=Decimal(quantity),
                unit_value=Decimal(price),
                tax_add=rates[charge],
                tax_discount=rates[retefuente],
            )
            priced.append(
                SalesLine(
                    number=index + 1,
                    product_id=0,
                    product_code="",
                    description="",
                    quantity=Decimal(quantity),
                    unit_value=Decimal(price),
                    discount_percentage=None,
                    tax_add=rates[charge],
                    tax_add2=None,
                    tax_discount=rates[retefuente],
                    amounts=amounts,
                )
            )
        total = document_amounts(priced, reteiva=None, reteica=None).total
        request = SaleRequest(
            document_type_id=invoice_type.id,
            document_date=today,
            customer=CustomerReference(identification=CUSTOMER_NIT),
            seller_identification="1",
            items=items,
            payments=[PaymentRequest(credit.id, total, today + timedelta(days=30), 1)],
            stamp=True,
        )
        for _ in range(count):
            sales.issue_invoice(ctx, operator, request)
    finally:
        ctx.database.dispose()
    return count


def issue_all(company: Company, invoices: int, lines: int, processes: int) -> None:
    chunks = [
        invoices // processes + (1 if i < invoices % processes else 0) for i in range(processes)
    ]
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(
                issue_invoices,
                company.database_url,
                company.secret_key,
                company.company_id,
                n,
                lines,
            )
            for n in chunks
            if n
        ]
        # Bounded: issuing is setup, and a database that stopped answering must not hang it.
        issued = sum(future.result(timeout=ISSUE_TIMEOUT_SECONDS) for future in futures)
    assert issued == invoices


# --------------------------------------------------------------------------------------------
# Part 2: the processes, and what they spent


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (Linux /proc); 0 where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu_seconds(engine: sa.Engine) -> float:
    """CPU of the PostgreSQL backends serving the scratch database (the server runs on this
    machine, and may be serving others too)."""
    with engine.connect() as connection:
        pids = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        return sum(process_cpu_seconds(int(pid)) for pid in pids)


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def background_percent(seconds: float = 1.0) -> float:
    """How busy the machine's cores are when the benchmark itself is idle."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    return 100 * (machine_busy_seconds() - before) / (seconds * (os.cpu_count() or 1))


def wait_for_quiet(patience: float) -> float:
    """Waits (at most ``patience`` seconds) until nothing else keeps the cores busy, since
    the stand-in, the workers and PostgreSQL share them; returns the last load seen."""
    deadline = time.monotonic() + patience
    while True:
        load = background_percent()
        if load < QUIET_PERCENT or time.monotonic() > deadline:
            return load


def facturo_command(args: Sequence[str], profile: Path | None) -> list[str]:
    """``facturo …``, or the same under cProfile writing ``profile`` when the process exits.
    The profile counts CPU time, so waiting on the stand-in and PostgreSQL is left out."""
    if profile is None:
        return [str(BIN / "facturo"), *args]
    bootstrap = (
        "import cProfile, runpy, sys, time\n"
        "profiler = cProfile.Profile(time.process_time)\n"
        "sys.argv = sys.argv[1:]\n"
        "try:\n"
        "    profiler.runcall(runpy.run_path, sys.argv[0], run_name='__main__')\n"
        "finally:\n"
        f"    profiler.dump_stats({str(profile)!r})\n"
    )
    return [sys.executable, "-c", bootstrap, str(BIN / "facturo"), *args]


def stop(process: subprocess.Popen[bytes], name: str, how: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print(f"  {name} did not stop within 60 s of SIGTERM: killed", file=sys.stderr)
            process.kill()
            process.wait(timeout=10)


@contextmanager
def standin_process(
    port: int, registration: str, workdir: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    command = facturo_command(
        ["dian", "standin", "--port", str(port), "--register", registration], None
    )
    with open(workdir / "standin.log", "wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/_standin/requests", timeout=5).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the DIAN stand-in did not start:\n"
                    + (workdir / "standin.log").read_text()[-2000:]
                )
            time.sleep(0.1)
        yield process
    finally:
        stop(process, "the stand-in")


def traceback_ends(log: str) -> list[str]:
    """One line per error logged with a traceback: the exception that ends it (the first
    one's, for a chain of exceptions, which says what went wrong)."""
    ends: list[str] = []
    inside = chained = False
    previous = ""
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
            chained = previous.startswith(("The above exception", "During handling"))
        elif inside and line and not line.startswith((" ", "\t")):
            if not chained:
                ends.append(line[:300])
            inside = False
        if line.strip():
            previous = line
    return ends


def outbox_states(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT state, count(*) FROM dian_transmissions GROUP BY state")
        )
        return {str(state): int(count) for state, count in rows}


def send_first_invoice(company: Company, env: dict[str, str], workdir: Path, port: int) -> str:
    """Issues and sends one invoice with ``facturo worker --once``, then clears the stand-in's
    record of it; returns its CUFE. The measured run is then that of a company that has sent
    this year before, as a mass send usually is: the year's first send creates the company's
    file-number counter, and workers creating it at the same moment collide (the losers'
    batches wait out their 5-minute lease; see the report that came with this benchmark)."""
    issue_invoices(company.database_url, company.secret_key, company.company_id, 1, 1)
    done = subprocess.run(
        [BIN / "facturo", "worker", "--once"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    engine = database_engine(company.database_url)
    try:
        if done.returncode != 0 or outbox_states(engine) != {"accepted": 1}:
            raise RuntimeError(
                f"the first invoice was not accepted ({outbox_states(engine)}):\n"
                + (done.stdout + done.stderr)[-3000:]
            )
        with engine.connect() as connection:
            key = str(
                connection.execute(sa.text("SELECT document_key FROM dian_transmissions")).scalar()
            )
    finally:
        engine.dispose()
    httpx.post(f"http://127.0.0.1:{port}/_standin/reset", timeout=30).raise_for_status()
    return key.lower()


def database_engine(database_url: str) -> sa.Engine:
    return sa.create_engine(
        sa.engine.make_url(database_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
    )


def send_all(
    company: Company,
    result: Sending,
    env: dict[str, str],
    workdir: Path,
    standin: subprocess.Popen[bytes],
    port: int,
    timeout: float,
    profile_dir: Path | None,
    earlier_key: str | None,
    quiet_wait: float,
) -> None:
    """Starts the workers, waits until the outbox is done, stops them, and checks the run
    against the database and the stand-in. ``earlier_key``: the CUFE sent before the run."""
    earlier = 0 if earlier_key is None else 1
    engine = database_engine(company.database_url)
    workers: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        queued = outbox_states(engine)
        if queued != {"pending": result.invoices, **({"accepted": 1} if earlier else {})}:
            raise RuntimeError(
                f"the outbox should hold {result.invoices} pending documents: {queued}"
            )
        result.background_percent = wait_for_quiet(quiet_wait)
        standin_before = process_cpu_seconds(standin.pid)
        postgres_before = postgres_cpu_seconds(engine)
        machine_before = machine_busy_seconds()
        started = time.perf_counter()
        for index in range(result.workers):
            profile = None
            if profile_dir is not None:
                profile = profile_dir / f"worker-{result.workers}w-{index}.prof"
                result.profiles.append(profile)
            log = open(workdir / f"worker-{index}.log", "wb")  # noqa: SIM115 - closed below
            logs.append(log)
            workers.append(
                subprocess.Popen(
                    facturo_command(["worker"], profile),
                    cwd=workdir,
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        deadline = started + timeout
        while True:
            states = outbox_states(engine)
            elapsed = time.perf_counter() - started
            if states.get("accepted", 0) > earlier and not result.first_accepted_seconds:
                result.first_accepted_seconds = elapsed
            if sum(states.get(s, 0) for s in TERMINAL_STATES) >= result.invoices + earlier:
                result.seconds = elapsed
                break
            if any(w.poll() is not None for w in workers):
                raise RuntimeError(f"a worker exited early; see {workdir}/worker-*.log")
            if time.perf_counter() > deadline:
                result.seconds = elapsed
                result.gave_up = f"gave up after {timeout:.0f} s: the outbox still held {states}"
                break
            time.sleep(0.1)
        # CPU is read before the workers stop: a process that exited cannot be asked.
        result.cpu_seconds = {
            "stand-in": process_cpu_seconds(standin.pid) - standin_before,
            "workers": sum(process_cpu_seconds(w.pid) for w in workers),
            "postgres": postgres_cpu_seconds(engine) - postgres_before,
            "machine": machine_busy_seconds() - machine_before,
        }
        if profile_dir is not None:  # cProfile's own overhead is in these figures
            result.cpu_seconds = {k: v for k, v in result.cpu_seconds.items() if k == "machine"}
    finally:
        for index, worker in enumerate(workers):
            stop(worker, f"worker {index}")
        for log in logs:
            log.close()
        result.worker_errors = [
            error
            for index in range(len(workers))
            for error in traceback_ends(
                (workdir / f"worker-{index}.log").read_text(errors="replace")
            )
        ]
    states = outbox_states(engine)
    states["accepted"] = states.get("accepted", 0) - earlier  # the invoice sent before the run
    result.states = {state: count for state, count in states.items() if count}
    with engine.connect() as connection:
        result.round_trips_ms = [
            float(ms)
            for (ms,) in connection.execute(
                sa.text(
                    "SELECT duration_ms FROM dian_transmission_log WHERE action = 'send' ORDER BY id"
                )
            )
        ][earlier:]  # the first is the earlier invoice's
        database_keys = {
            str(key).lower()
            for (key,) in connection.execute(
                sa.text(
                    "SELECT document_key FROM dian_transmissions WHERE document_key IS NOT NULL"
                )
            )
        } - {earlier_key}
    engine.dispose()
    control = f"http://127.0.0.1:{port}/_standin"
    documents = httpx.get(f"{control}/documents", timeout=60).json()
    requests = httpx.get(f"{control}/requests", timeout=60).json()
    standin_keys = {d["key"] for d in documents if d["key"]}
    result.standin_documents = len(documents)
    result.standin_distinct = len(standin_keys)
    result.standin_repeats = sum(1 for d in documents if d["times_received"] != 1)
    result.standin_sends = int(requests.get("SendBillSync", 0))
    result.keys_match = standin_keys == database_keys


def mass_send(
    server_url: str,
    workers: int,
    invoices: int,
    lines: int,
    batch: int | None,
    timeout: float,
    profile_dir: Path | None,
    quiet_wait: float,
    cold: bool,
) -> Sending:
    with ExitStack() as stack:
        pycache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="facturo-pyc-")))
        database_url = stack.enter_context(scratch_database(server_url))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            # Compiled modules cached for the run (as any installation has them), outside the
            # source tree: each worker would otherwise compile every module it imports.
            "PYTHONPYCACHEPREFIX": str(pycache),
            "FACTURO_DATABASE_URL": database_url,
            "FACTURO_SECRET_KEY": secrets.token_urlsafe(40),
            "FACTURO_WORKER_POLL_SECONDS": "0.2",
        }
        if batch is not None:
            env["FACTURO_DIAN_BATCH"] = str(batch)
        port = free_port()
        setup_started = time.perf_counter()
        # Fills the bytecode cache with what the workers import, so that they start as they
        # would on an installed system.
        subprocess.run([sys.executable, "-c", WARM_UP], env=env, check=True)
        company = set_up_company(database_url, env, workdir, port, products=min(lines, 10))
        registration = f"{COMPANY_NIT}:{company.software_id}:{SOFTWARE_PIN}"
        standin = stack.enter_context(standin_process(port, registration, workdir, env))
        earlier_key = None if cold else send_first_invoice(company, env, workdir, port)
        issue_all(company, invoices, lines, processes=os.cpu_count() or 1)
        result = Sending(workers, invoices, lines, time.perf_counter() - setup_started)
        send_all(
            company,
            result,
            env,
            workdir,
            standin,
            port,
            timeout,
            profile_dir,
            earlier_key,
            quiet_wait,
        )
        return result


# --------------------------------------------------------------------------------------------
# Profiles


def print_stats(title: str, stats: pstats.Stats, top: int) -> None:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    print(f"\n--- {title} ---")
    print(body[body.find("   ncalls") :].rstrip())


def profile_in_process(documents: int, top: int) -> None:
    """Per-document CPU of each side of one SendBillSync, in this process, without HTTP or
    the database: what a worker does to a claimed document (build, sign, XSD, ZIP, signed
    envelope) and what the stand-in's ``handle`` does with the envelope. The stand-in runs
    ``handle`` in a thread, which cProfile in its process would not see."""
    certificate = company_certificate(COMPANY_NIT)
    issued_at = datetime.now(BOGOTA).replace(microsecond=0)
    first = sample_invoice(0, issued_at)
    invoices = [
        replace(sample_invoice(n, issued_at), software=first.software)
        for n in range(documents + 20)
    ]
    standin = StandIn(
        software=[SoftwareRegistration(COMPANY_NIT, first.software.software_id, SOFTWARE_PIN)]
    )
    endpoint = "http://127.0.0.1:9/WcfDianCustomerServices.svc"  # never called

    def worker_side(document: ElectronicDocument) -> bytes:
        built = ubl.build(document)
        signed = xades.sign(built.root, certificate, signing_time=datetime.now(UTC))
        schemas.validate(built.root)
        content = base64.b64encode(soap.zip_document("fv.xml", signed)).decode("ascii")
        return soap.build_envelope(
            soap.Operation.SEND_BILL_SYNC,
            (("fileName", "z.zip"), ("contentFile", content)),
            certificate,
            endpoint,
        )

    envelopes = [worker_side(document) for document in invoices]
    for envelope in envelopes[documents:]:  # warm-up
        standin.handle(envelope)
    try:
        for title, work in (
            ("worker side: build, sign, XSD, ZIP, envelope", lambda i: worker_side(invoices[i])),
            ("stand-in side: StandIn.handle(envelope)", lambda i: standin.handle(envelopes[i])),
        ):
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for index in range(documents):
                work(index)
            profiler.disable()
            stats = pstats.Stats(profiler)
            per_document = stats.total_tt * 1000 / documents  # type: ignore[attr-defined]
            print_stats(
                f"{title}: {per_document:.1f} ms CPU per document (under cProfile), "
                f"{documents} documents",
                stats,
                top,
            )
    finally:
        standin.close()


def print_worker_profiles(result: Sending, top: int) -> None:
    present = [str(p) for p in result.profiles if p.exists()]
    if present:
        print_stats(
            f"worker processes under cProfile, {result.workers} worker(s), CPU time",
            pstats.Stats(*present),
            top,
        )


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FACTURO_BENCH_DATABASE_URL"),
        help="PostgreSQL server on 127.0.0.1 (a scratch database is made per run)",
    )
    parser.add_argument(
        "--runs", type=int, default=500, help="documents built and signed (0: skip)"
    )
    parser.add_argument(
        "--invoices", type=int, default=5000, help="invoices sent per run (0: skip)"
    )
    parser.add_argument("--lines", type=int, default=10, help="lines per invoice sent")
    parser.add_argument(
        "--workers", default="1,4", help="worker process counts, one run each (comma-separated)"
    )
    parser.add_argument("--batch", type=int, help="FACTURO_DIAN_BATCH for the workers (default 20)")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds a run may take before giving up"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="send from a company that has not sent this year yet (no first invoice sent "
        "before the run)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="seconds to wait, before each run, for other work on the machine to calm down",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run the workers under cProfile (files in DIR), and profile both sides of a send "
        "in-process",
    )
    args = parser.parse_args()

    # SIGTERM (a timeout, an impatient operator) unwinds like Ctrl-C: the worker and stand-in
    # processes are stopped and the scratch database dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    timings: list[Timing] = []
    signing_background = signing_others = 0.0
    if args.runs > 0:
        signing_background = wait_for_quiet(args.quiet_wait)
        timings, signing_others = time_signing(args.runs)
    sendings: list[Sending] = []
    if args.invoices > 0 and args.database_url:
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
        for count in (int(w) for w in args.workers.split(",")):
            sendings.append(
                mass_send(
                    args.database_url,
                    count,
                    args.invoices,
                    args.lines,
                    args.batch,
                    args.timeout,
                    args.profile,
                    args.quiet_wait,
                    args.cold,
                )
            )
    print(
        f"\nFacturo DIAN, {os.cpu_count()} CPU cores shared by the stand-in, the workers, "
        f"PostgreSQL and the benchmark; Python {sys.version.split()[0]}\n"
    )
    print(
        "| measurement                              |  count |  mean ms |   p50 ms |   p95 ms "
        "|   docs/s |  total s | target           |"
    )
    print(
        "|------------------------------------------|-------:|---------:|---------:|---------:"
        "|---------:|---------:|------------------|"
    )
    for timing in timings:
        print(timing.row())
    for sending in sendings:
        print(sending.row())
    if timings:
        print(
            f"\nSigning rows: one core, in this process; other processes kept the machine "
            f"{signing_background:.0f} % busy just before and {signing_others:.0f} % meanwhile"
            + (" — figures disturbed." if signing_others > QUIET_PERCENT else ".")
        )
    if sendings:
        print(
            "\nSending rows: mean ms = wall time per document; p50/p95 = one SendBillSync round "
            "trip as the worker timed it (stand-in included); total s = from the workers' start "
            "until every document was accepted."
        )
        for sending in sendings:
            print("\n".join(sending.notes()))
        for sending in sendings:
            print_worker_profiles(sending, top=20)
    elif args.invoices > 0:
        print(
            "\n(mass sending skipped: give --database-url postgresql://…@127.0.0.1/… "
            "or set FACTURO_BENCH_DATABASE_URL)"
        )
    if args.profile is not None:
        profile_in_process(documents=min(args.runs, 200) or 200, top=25)
    if any(not s.ok for s in sendings):
        sys.exit(1)


if __name__ == "__main__":
    main()
