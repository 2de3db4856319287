"""The habilitación test set's runs (SQLAlchemy Core): one row per run, rewritten as it goes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.domain.habilitacion import Composition, RunState, TestSetRun
from facturo.store import tables as t
from facturo.store.mapping import allocate_ids

MAX_ERROR = 1000


class TestSetRunRepository:
    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: TestSetRun) -> TestSetRun:
        run.id = allocate_ids(self.session.connection(), "dian_test_set_runs")[0]
        self.session.execute(sa.insert(t.dian_test_set_runs).values(**_columns(run)))
        return run

    def save(self, run: TestSetRun) -> None:
        """Writes the run's progress (everything but its identity and start)."""
        r = t.dian_test_set_runs
        values = _columns(run)
        # The heartbeat is written by its own thread (``beat``), never from the progress.
        for fixed in ("company_id", "id", "test_set_id", "started_by", "started_at", "alive_at"):
            del values[fixed]
        self.session.execute(
            sa.update(r).where(r.c.company_id == run.company_id, r.c.id == run.id).values(values)
        )

    def beat(self, company_id: int, run_id: int, at: datetime) -> None:
        """The running process is alive at ``at``."""
        r = t.dian_test_set_runs
        self.session.execute(
            sa.update(r).where(r.c.company_id == company_id, r.c.id == run_id).values(alive_at=at)
        )

    def find(self, company_id: int, run_id: int) -> TestSetRun | None:
        r = t.dian_test_set_runs
        row = self.session.execute(
            sa.select(r).where(r.c.company_id == company_id, r.c.id == run_id)
        ).first()
        return None if row is None else _run(row)

    def latest(self, company_id: int) -> TestSetRun | None:
        """The company's newest run (ids grow with time)."""
        r = t.dian_test_set_runs
        row = self.session.execute(
            sa.select(r).where(r.c.company_id == company_id).order_by(r.c.id.desc()).limit(1)
        ).first()
        return None if row is None else _run(row)

    def running(self, company_id: int) -> list[TestSetRun]:
        r = t.dian_test_set_runs
        rows = self.session.execute(
            sa.select(r)
            .where(r.c.company_id == company_id, r.c.state == RunState.RUNNING.value)
            .order_by(r.c.id)
        )
        return [_run(row) for row in rows]


def _columns(run: TestSetRun) -> dict[str, Any]:
    return {
        "company_id": run.company_id,
        "id": run.id,
        "test_set_id": run.test_set_id,
        "state": run.state.value,
        "invoices": run.composition.invoices,
        "credit_notes": run.composition.credit_notes,
        "debit_notes": run.composition.debit_notes,
        "sent": run.sent,
        "accepted": run.accepted,
        "rejected": run.rejected,
        "invalid": run.invalid,
        "zip_keys": json.dumps(run.zip_keys),
        "document_ids": json.dumps(run.document_ids),
        "error": (run.error or "")[:MAX_ERROR] or None,
        "started_by": run.started_by,
        "started_at": run.started_at,
        "updated_at": run.updated_at,
        "finished_at": run.finished_at,
        "deadline_at": run.deadline_at,
        "alive_at": run.alive_at,
    }


def _run(row: Any) -> TestSetRun:
    return TestSetRun(
        company_id=row.company_id,
        id=row.id,
        test_set_id=row.test_set_id,
        state=RunState(row.state),
        composition=Composition(
            invoices=row.invoices, credit_notes=row.credit_notes, debit_notes=row.debit_notes
        ),
        sent=row.sent,
        accepted=row.accepted,
        rejected=row.rejected,
        invalid=row.invalid,
        zip_keys=list(json.loads(row.zip_keys)),
        document_ids=[int(i) for i in json.loads(row.document_ids)],
        error=row.error,
        started_by=row.started_by,
        started_at=row.started_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
        deadline_at=row.deadline_at,
        alive_at=row.alive_at,
    )
