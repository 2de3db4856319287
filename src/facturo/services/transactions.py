"""Running a use case's transaction, again when the database asks for it."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from facturo.domain.errors import Unavailable
from facturo.services.context import ServiceContext
from facturo.store.unit_of_work import UnitOfWork

T = TypeVar("T")

# PostgreSQL's serialization_failure and deadlock_detected: the transaction did nothing and
# may simply run again.
_RETRYABLE = frozenset({"40001", "40P01"})
ATTEMPTS = 5


def run_writing(ctx: ServiceContext, work: Callable[[UnitOfWork], T]) -> T:
    """Runs ``work`` in one write transaction and commits; retries it from the start when
    PostgreSQL reports a serialization failure or a deadlock (nothing of a failed attempt is
    kept — not even a number taken from a range)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with ctx.unit_of_work() as uow:
                result = work(uow)
                uow.commit()
                return result
        except sa.exc.DBAPIError as error:
            if _retryable(error) and attempt < ATTEMPTS:
                time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 - jitter, not secrecy
                continue
            if "database is locked" in str(error.orig):
                raise Unavailable("The database is busy; try again in a moment") from error
            raise
    raise AssertionError("unreachable")


def _retryable(error: sa.exc.DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _RETRYABLE
