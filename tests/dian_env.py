"""A company set up for electronic invoicing against a DIAN stand-in on a real local port."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import uvicorn

from facturo.dian.standin import SoftwareRegistration, StandIn, create_app
from facturo.domain.einvoicing import EInvoicingSettingsData
from facturo.services import certificates, einvoicing
from facturo.services.context import ServiceContext
from facturo.worker.dian import DianDeliveries, DianTransmissions
from tests.conftest import TenantFixture
from tests.dian_pki import DEMO_PASSWORD, certificate_authority, make_certificate, pkcs12_of

SOFTWARE_PIN = "12345"


class StandInServer:
    """The DIAN stand-in served by uvicorn on a free local port."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(standin),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}/WcfDianCustomerServices.svc"

    def __enter__(self) -> StandInServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the stand-in did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.standin.close()


@pytest.fixture
def standin_server() -> Iterator[StandInServer]:
    with StandInServer(StandIn()) as server:
        yield server


@dataclass
class Electronic:
    """A tenant that invoices electronically through the stand-in."""

    tenant: TenantFixture
    standin: StandIn
    software_id: str
    test_set_id: str

    def worker(self, ctx: ServiceContext) -> DianTransmissions:
        return DianTransmissions(ctx, company_id=self.tenant.company.id)

    def deliveries(self, ctx: ServiceContext) -> DianDeliveries:
        return DianDeliveries(ctx, company_id=self.tenant.company.id)

    def drain(self, ctx: ServiceContext) -> dict[str, int]:
        """Runs the transmission job until nothing is due now."""
        totals: dict[str, int] = {}
        job = self.worker(ctx)
        for _ in range(100):  # bounded: a test that loops forever is a failing test
            done = job.run_due(lambda: False)
            if not done:
                return totals
            for name, count in done.items():
                totals[name] = totals.get(name, 0) + count
        raise AssertionError(f"the worker kept finding work: {totals}")


def set_up_einvoicing(
    ctx: ServiceContext, tenant: TenantFixture, server: StandInServer
) -> Electronic:
    """Settings pointing at the stand-in, a Completado certificate for the tenant's NIT, and
    the software registered at the stand-in with the habilitación test set's id."""
    software_id = str(uuid.uuid4())
    test_set_id = str(uuid.uuid4())
    einvoicing.update(
        ctx,
        tenant.actor,
        EInvoicingSettingsData(
            environment="2",
            endpoint_url=server.url,
            software_id=software_id,
            software_pin=SOFTWARE_PIN,
            test_set_id=test_set_id,
            legal_name=tenant.company.name,
            person_type="1",
            responsibilities=("O-13",),
            tax_scheme="01",
            municipality_code="11001",
            address_line="Calle 100 # 10-20",
            postal_code="110111",
            phone="6015550100",
            email="facturacion@empresa.co",
        ),
    )
    certificate = make_certificate(
        tenant.company.name, nit=tenant.company.nit, issuer=certificate_authority()
    )
    certificates.upload(ctx, tenant.actor, None, pkcs12_of(certificate), DEMO_PASSWORD)
    server.standin.register_software(
        SoftwareRegistration(
            nit=tenant.company.nit,
            software_id=software_id,
            pin=SOFTWARE_PIN,
            test_set_id=test_set_id,
        )
    )
    return Electronic(
        tenant=tenant, standin=server.standin, software_id=software_id, test_set_id=test_set_id
    )


def quick_retries(ctx: ServiceContext, **overrides: object) -> ServiceContext:
    """``ctx`` with the DIAN retry waits at zero (and any other setting overridden)."""
    values: dict[str, object] = {
        "dian_quick_retry_seconds": 0.0,
        "dian_slow_retry_seconds": 0.0,
        "dian_delivery_retry_seconds": 0.0,
    }
    values.update(overrides)
    return replace(ctx, settings=ctx.settings.model_copy(update=values))
