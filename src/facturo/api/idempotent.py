"""Running a write route of either dialect under its Idempotency-Key (see
services/idempotency.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi import Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from facturo.api.errors import error_response
from facturo.api.jsonio import ExactJSONResponse
from facturo.domain.access import Actor
from facturo.domain.errors import FacturoError, RuleViolations, Violation
from facturo.services import idempotency
from facturo.services.context import ServiceContext
from facturo.store.idempotency import ClaimOutcome

REPLAYED_HEADER = "Idempotent-Replayed"


async def run_once(
    request: Request,
    ctx: ServiceContext,
    actor: Actor,
    *,
    route: str,
    produce: Callable[[str | None], BaseModel],
    status_code: int = 200,
    key_pattern: re.Pattern[str] | None = None,
) -> Response:
    """Answers ``status_code`` with ``produce(document_key)``; with an Idempotency-Key, only the
    first request with that key and body runs, and its retries get the same answer (errors
    included, except ours: a 5xx frees the key so that a retry runs again). A dialect with a
    stricter rule for keys than the service's gives it as ``key_pattern``."""

    def success(model: BaseModel) -> Response:
        return ExactJSONResponse(model.model_dump(mode="json"), status_code=status_code)

    key = request.headers.get("Idempotency-Key")
    if key is None:
        return success(await run_in_threadpool(produce, None))
    key = key.strip()
    if key_pattern is not None and not key_pattern.fullmatch(key):
        raise RuleViolations(
            [
                Violation(
                    "invalid_idempotency_key", "", "The header Idempotency-Key has an invalid value"
                )
            ]
        )
    fingerprint = idempotency.request_hash(route, _document(await request.body()))
    claim = await run_in_threadpool(
        idempotency.claim, ctx, actor.company_id, key, route=route, fingerprint=fingerprint
    )
    if claim.outcome == ClaimOutcome.REPLAY:
        return Response(
            content=claim.body or "",
            status_code=claim.status or 200,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
    try:
        # The document records the key with the moment its use began (see Claim.document_key).
        response: Response = success(
            await run_in_threadpool(produce, f"{key}@{claim.document_key}")
        )
    except FacturoError as error:
        response = error_response(request, error)
        if response.status_code >= 500:
            await run_in_threadpool(idempotency.release, ctx, actor.company_id, key)
            return response
    except BaseException:
        await run_in_threadpool(idempotency.release, ctx, actor.company_id, key)
        raise
    await run_in_threadpool(
        idempotency.record,
        ctx,
        actor.company_id,
        key,
        response.status_code,
        bytes(response.body).decode(),
    )
    return response


def _document(body: bytes) -> object:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode("utf-8", errors="replace")
