"""The worker loop: every job kind in turn, sleeping when none had anything due."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from facturo.services.context import ServiceContext

log = logging.getLogger("facturo.worker")

Outcomes = Mapping[str, int]  # e.g. {"delivered": 3, "retrying": 1}


class JobKind(Protocol):
    """One kind of background work."""

    name: str

    def run_due(self, stopping: Callable[[], bool]) -> Outcomes:
        """Claims what is due now, does it one job at a time, and returns how each job ended.
        When ``stopping()`` turns true it finishes the job in hand, gives back the rest of
        what it claimed (due again at once), and returns. Nothing due: an empty mapping."""
        ...

    def close(self) -> None:
        """Releases what the kind holds (connections)."""
        ...


def job_kinds(ctx: ServiceContext, *, company_id: int | None = None) -> list[JobKind]:
    """Every kind of background work, in the order a pass runs them. ``company_id`` limits
    them to one company's work (an operator looking at one receiver)."""
    from facturo.worker.dian import CertificateExpiry, DianDeliveries, DianTransmissions
    from facturo.worker.webhooks import WebhookDeliveries

    kinds: list[JobKind] = [
        WebhookDeliveries(ctx, company_id=company_id),
        DianTransmissions(ctx, company_id=company_id),
        DianDeliveries(ctx, company_id=company_id),
    ]
    if company_id is None:  # expiry is every company's housekeeping
        kinds.append(CertificateExpiry(ctx))
    return kinds


class Worker:
    def __init__(self, kinds: Sequence[JobKind], *, poll_seconds: float) -> None:
        self.kinds = list(kinds)
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self.totals: dict[str, Counter[str]] = {kind.name: Counter() for kind in self.kinds}

    def stop(self) -> None:
        """Asks the worker to stop after the job in hand."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_pass(self) -> int:
        """Runs every kind once; returns how many jobs were done. A kind that fails (the
        database is down, say) is logged and tried again at the next pass."""
        done = 0
        for kind in self.kinds:
            if self.stopping:
                break
            try:
                outcomes = kind.run_due(lambda: self._stop.is_set())
            except Exception:
                log.exception("the %s jobs failed; trying again shortly", kind.name)
                continue
            self.totals[kind.name].update(outcomes)
            done += sum(outcomes.values())
        return done

    def drain(self) -> dict[str, dict[str, int]]:
        """Runs passes until one finds nothing due (``facturo worker --once``); returns what
        was done, by kind and outcome."""
        try:
            while not self.stopping and self.run_pass():
                pass
        finally:
            self.close()
        return self.summary()

    def run(self) -> None:
        """Runs until ``stop()``: passes back to back while there is work, otherwise a pass
        every ``poll_seconds``."""
        log.info("worker started: %s", ", ".join(kind.name for kind in self.kinds))
        try:
            while not self.stopping:
                if not self.run_pass():
                    self._stop.wait(self.poll_seconds)
        finally:
            self.close()
            log.info("worker stopped")

    def start_thread(self) -> threading.Thread:
        """Runs the worker in a daemon thread (inside ``facturo serve``)."""
        thread = threading.Thread(target=self.run, name="facturo-worker", daemon=True)
        thread.start()
        return thread

    def summary(self) -> dict[str, dict[str, int]]:
        return {name: dict(counts) for name, counts in self.totals.items()}

    def close(self) -> None:
        for kind in self.kinds:
            try:
                kind.close()
            except Exception:  # closing must not hide why the worker stopped
                log.exception("closing the %s jobs failed", kind.name)
