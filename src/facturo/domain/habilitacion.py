"""Habilitación: the test set a company sends to the DIAN before it may invoice in production.

The DIAN portal shows each company the set it must send (in 2026: 30 invoices, 10 debit
notes and 10 credit notes; shared/reference/dian.md §6.6); Facturo issues that many real
documents of the company, sends them with SendTestSetAsync and follows GetStatusZip. Each run
is recorded (``TestSetRun``) with its progress, so a person — or the web app — can watch it
while it runs and read its outcome afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from facturo.domain.validation import Checker

# A running test set writes a heartbeat this often; silent for the lapse, its process is gone.
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_LAPSE = timedelta(seconds=90)
MAX_DOCUMENTS_PER_KIND = 500  # far above any set the DIAN asks for; a typo should not issue 10⁶


@dataclass(frozen=True, slots=True)
class Composition:
    """How many documents of each kind the test set holds."""

    invoices: int = 30
    credit_notes: int = 10
    debit_notes: int = 10

    @property
    def total(self) -> int:
        return self.invoices + self.credit_notes + self.debit_notes

    @property
    def notes(self) -> int:
        return self.credit_notes + self.debit_notes


DEFAULT_COMPOSITION = Composition()


def check_composition(composition: Composition) -> Checker:
    check = Checker()
    for name in ("invoices", "credit_notes", "debit_notes"):
        count = getattr(composition, name)
        if not 0 <= count <= MAX_DOCUMENTS_PER_KIND:
            check.add(
                "invalid_range",
                name,
                f"The field {{field}} must lie between 0 and {MAX_DOCUMENTS_PER_KIND}",
            )
    if composition.invoices < 1 and not check.violations:
        check.add(
            "invalid_range",
            "invoices",
            "The test set needs at least one invoice (notes correct invoices of the set)",
        )
    return check


class RunState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"  # every document has the DIAN's verdict (or failed locally)
    FAILED = "failed"  # the run could not finish: the reason is in ``error``


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"


@dataclass(kw_only=True)
class TestSetRun:
    """One sending of the test set and how far it got. ``pending`` counts the documents of
    the composition without a verdict yet (not yet issued, sent or answered)."""

    __test__ = False  # not a pytest test class, despite its name

    company_id: int
    id: int | None = None
    test_set_id: str
    state: RunState = RunState.RUNNING
    composition: Composition
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    invalid: int = 0  # failed locally (signing, XSD): never sent
    zip_keys: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    error: str | None = None
    started_by: int | None = None  # None: the operator at the command line
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    deadline_at: datetime  # a run still "running" past this instant was interrupted
    # The running process's last heartbeat: written by a thread of its own, so left out of
    # comparisons between two readings of the same run.
    alive_at: datetime | None = field(default=None, compare=False)

    @property
    def total(self) -> int:
        return self.composition.total

    @property
    def pending(self) -> int:
        return max(self.total - self.accepted - self.rejected - self.invalid, 0)

    @property
    def passed(self) -> bool:
        """Finished with every document accepted."""
        return self.state is RunState.FINISHED and self.accepted == self.total

    def stale(self, now: datetime) -> bool:
        """Still "running" but interrupted: past its deadline, or its process stopped beating
        (a server restarted in the middle of it)."""
        if self.state is not RunState.RUNNING:
            return False
        silent = self.alive_at is not None and now - self.alive_at > HEARTBEAT_LAPSE
        return now > self.deadline_at or silent
