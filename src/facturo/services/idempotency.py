"""Idempotency-Key: a request with a key runs once; its retries get the first answer.

The key is claimed in a short transaction of its own before the request runs, and the answer
is stored after it. The document itself also carries the key (unique per company), so even
if the process dies between committing a document and storing the answer, a retry finds the
document instead of issuing a second one.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from facturo.domain.errors import Conflict, RuleViolations, Violation
from facturo.services.context import ServiceContext
from facturo.store.idempotency import Claim, ClaimOutcome

KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
KEEP_FOR = timedelta(hours=24)
LEASE = timedelta(minutes=2)  # a first request silent this long is presumed dead


def request_hash(route: str, document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{route}\n{canonical}".encode()).hexdigest()


def claim(ctx: ServiceContext, company_id: int, key: str, *, route: str, fingerprint: str) -> Claim:
    """Holds ``key`` for this request, or says why it cannot run (replay, mismatch, in flight)."""
    if not KEY_PATTERN.fullmatch(key):
        raise RuleViolations(
            [
                Violation(
                    "invalid_idempotency_key",
                    "",
                    "The header Idempotency-Key has an invalid value: 1 to 100 letters, digits, "
                    "'-', '_', '.' or ':'",
                )
            ]
        )
    for _ in range(2):  # two first requests racing: the loser reads the winner's claim
        try:
            with ctx.unit_of_work() as uow:
                outcome = uow.idempotency_keys.claim(
                    company_id,
                    key,
                    route=route,
                    request_hash=fingerprint,
                    now=ctx.now(),
                    lease=LEASE,
                    keep_for=KEEP_FOR,
                )
                uow.commit()
        except RuleViolations:  # the unique key taken between our read and our insert
            continue
        if outcome.outcome == ClaimOutcome.MISMATCH:
            raise RuleViolations(
                [
                    Violation(
                        "idempotency_key_reused",
                        "",
                        f"The Idempotency-Key {key} was already used with a different request",
                    )
                ]
            )
        if outcome.outcome == ClaimOutcome.IN_FLIGHT:
            raise Conflict(
                "idempotency_key_in_use",
                f"A request with the Idempotency-Key {key} is still being processed; retry later",
            )
        return outcome
    raise Conflict(
        "idempotency_key_in_use", f"A request with the Idempotency-Key {key} is being processed"
    )


def record(ctx: ServiceContext, company_id: int, key: str, status: int, body: str) -> None:
    with ctx.unit_of_work() as uow:
        uow.idempotency_keys.record(company_id, key, status, body)
        uow.commit()


def release(ctx: ServiceContext, company_id: int, key: str) -> None:
    with ctx.unit_of_work() as uow:
        uow.idempotency_keys.release(company_id, key)
        uow.commit()


def purge_expired(ctx: ServiceContext) -> int:
    with ctx.unit_of_work() as uow:
        purged = uow.idempotency_keys.purge_expired(ctx.now())
        uow.commit()
    return purged
