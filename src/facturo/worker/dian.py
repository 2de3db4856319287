"""DIAN transmission and delivery jobs for the worker loop.

Each pass claims a batch of due documents, signs those not yet signed (stored before any send),
sends them one at a time with no transaction open, and records each answer as it comes. A
worker killed mid-batch loses nothing: its claims lapse and the documents are due again, with
their signed bytes kept, so nothing is sent as a second document.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from facturo.services import certificates, delivery, einvoicing, transmission
from facturo.services.context import ServiceContext
from facturo.worker.runner import Outcomes

log = logging.getLogger("facturo.worker.dian")


def soap_client_factory(ctx: ServiceContext) -> transmission.ClientFactory:
    """DIAN clients per company profile, reused while the profile (endpoint, certificate) is
    the same."""
    from facturo.dian.soap import DianClient

    cache: dict[tuple[str, str], DianClient] = {}

    def client_for(profile: einvoicing.SigningProfile) -> transmission.DianPort:
        key = (profile.endpoint, profile.certificate.fingerprint_sha256)
        client = cache.get(key)
        if client is None:
            client = cache[key] = DianClient(
                profile.endpoint, profile.certificate, timeout=ctx.settings.dian_timeout_seconds
            )
        return client

    return client_for


class DianTransmissions:
    name = "dian"

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        company_id: int | None = None,
        clients: transmission.ClientFactory | None = None,
    ) -> None:
        self.ctx = ctx
        self.company_id = company_id
        self.clients = clients or soap_client_factory(ctx)

    def run_due(self, stopping: Callable[[], bool]) -> Outcomes:
        claimed = transmission.claim_due(
            self.ctx, limit=self.ctx.settings.dian_batch, company_id=self.company_id
        )
        if not claimed:
            return {}
        outcomes: Counter[str] = Counter()
        ready, not_ready = transmission.prepare(self.ctx, claimed)
        outcomes.update(not_ready)
        for index, item in enumerate(ready):
            if stopping():
                transmission.release(self.ctx, [r.claimed for r in ready[index:]])
                break
            try:
                outcome = transmission.send(self.ctx, self.clients(item.profile), item)
            except Exception:  # one document's surprise must not stop the others
                log.exception("sending document %s failed", item.claimed.document_id)
                outcome = "error"
            outcomes[outcome] += 1
        return outcomes

    def close(self) -> None:
        pass


class DianDeliveries:
    """E-mails accepted documents to their buyers (AttachedDocument + PDF, zipped)."""

    name = "dian-delivery"

    def __init__(self, ctx: ServiceContext, *, company_id: int | None = None) -> None:
        self.ctx = ctx
        self.company_id = company_id

    def run_due(self, stopping: Callable[[], bool]) -> Outcomes:
        claimed = transmission.claim_deliveries(self.ctx, limit=20, company_id=self.company_id)
        outcomes: Counter[str] = Counter()
        for item in claimed:
            started = time.perf_counter()
            error = delivery.deliver(self.ctx, item)
            outcomes[
                transmission.record_delivery(
                    self.ctx,
                    item,
                    sent=error is None,
                    error=error,
                    duration_ms=int((time.perf_counter() - started) * 1000),
                )
            ] += 1
        return outcomes

    def close(self) -> None:
        pass


class CertificateExpiry:
    """Moves certificates whose validity ended to Vencido (the help text's automatic state),
    so the tracking shows it and nothing is signed with them. Once a minute is plenty: signing
    checks the validity itself at every use."""

    name = "certificates"
    interval_seconds = 60.0

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._next_check = 0.0

    def run_due(self, stopping: Callable[[], bool]) -> Outcomes:
        if time.monotonic() < self._next_check:
            return {}
        self._next_check = time.monotonic() + self.interval_seconds
        expired = certificates.expire_due(self.ctx, self.ctx.now())
        return {"expired": expired} if expired else {}

    def close(self) -> None:
        pass
