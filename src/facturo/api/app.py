"""The ASGI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import facturo
from facturo.api.current import routes as current
from facturo.api.deps import Context, GatewayRefusal, RateLimited, rate_limit_headers
from facturo.api.errors import (
    ErrorItem,
    current_response,
    install_error_handlers,
    unreadable_body_response,
)
from facturo.api.legacy import routes as legacy
from facturo.api.middleware import CaseInsensitivePaths, LenientJsonBodies, RateLimitHeaders
from facturo.api.paths import CURRENT_PREFIXES, LEGACY_PREFIXES, LEGACY_TOKEN_PATHS, SIGN_IN_PATHS
from facturo.services.context import ServiceContext

DESCRIPTION = """
Facturo speaks both Siigo APIs over one set of books.

**Current API** (`api.siigo.com`): `POST /auth` with `{"username", "access_key"}` (keys come
from `facturo user access-key create`), then `/v1/<resource>` with `Authorization: Bearer
<token>` (or the bare token) and a `Partner-Id` header (3–100 letters and digits). Also served
under `/alliances/api/v1/`, with sign-in at `/alliances/api/siigoapi-users/v1/sign-in`. Lists are
pages `{pagination, results, _links}` from `page=1`; catalogs are plain arrays.

**Legacy API** (the integration guide): get a token at `POST /connect/token`
(`/auth/connect/token` too), then call `/siigo/api/v1/<Resource>/<Action>` — also served
under `/api/v1/` and `/nube/api/v1/` — with `Authorization: <token>` or
`Authorization: Bearer <token>`. Paths are case-insensitive and the `namespace` query
parameter is ignored. Pages (`numberPage`) start at 0 and come back as bare arrays.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded so far (code, code lists, mappings) lives as long as the process: moved
    # out of the garbage collector's way, its full collections stop pausing requests for 100 ms.
    gc.collect()
    gc.freeze()
    worker = None
    if app.state.run_worker:
        from facturo.worker import Worker, job_kinds

        context: ServiceContext = app.state.context
        worker = Worker(job_kinds(context), poll_seconds=context.settings.worker_poll_seconds)
        thread = worker.start_thread()
    try:
        yield
    finally:
        if worker is not None:
            # Finishes the delivery in hand (bounded by its timeout), gives back the rest.
            worker.stop()
            await run_in_threadpool(
                thread.join, timeout=context.settings.webhook_timeout_seconds + 10
            )


def create_app(context: ServiceContext, *, run_worker: bool | None = None) -> FastAPI:
    """The application over ``context``. ``run_worker`` runs the background worker (webhook
    deliveries) in a thread of this process; None leaves it to FACTURO_IN_PROCESS_WORKER."""
    if context.webhook_payloads is None:
        from facturo.api.current.payloads import CurrentPayloads

        context.webhook_payloads = CurrentPayloads()
    app = FastAPI(
        lifespan=_lifespan,
        title="Facturo",
        version=facturo.__version__,
        description=DESCRIPTION,
        openapi_tags=[{"name": "Service", "description": "Health of the running service"}],
    )
    app.state.context = context
    app.state.run_worker = context.settings.in_process_worker if run_worker is None else run_worker
    install_error_handlers(app)

    @app.exception_handler(GatewayRefusal)
    async def _gateway_refusal(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GatewayRefusal)
        return exc.response()

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RateLimited)
        return current_response(
            429,
            [
                ErrorItem(
                    "requests_limit",
                    f"The company has used its {exc.state.limit} requests of this period; "
                    f"try again in {exc.state.reset_seconds} seconds",
                )
            ],
            headers=rate_limit_headers(exc.state),
        )

    @app.get("/health", tags=["Service"], summary="Liveness and database reachability")
    def health(ctx: Context) -> dict[str, str]:
        with ctx.unit_of_work(read_only=True) as uow:
            uow.session.execute(sa.text("SELECT 1"))
        return {"status": "ok", "version": facturo.__version__}

    app.include_router(current.sign_in_router)
    for index, prefix in enumerate(CURRENT_PREFIXES):
        app.include_router(
            current.resources_router,
            prefix=prefix,
            include_in_schema=index == 0,
        )
    app.include_router(legacy.token_router)
    for index, prefix in enumerate(LEGACY_PREFIXES):
        app.include_router(
            legacy.resources_router,
            prefix=prefix,
            tags=None if index == 0 else [f"Legacy (alias {prefix})"],
        )

    from facturo import web

    web.install(app)  # the staff's web app under /app; its errors answer as pages

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(
        LenientJsonBodies,
        prefixes=LEGACY_PREFIXES + CURRENT_PREFIXES + SIGN_IN_PATHS,
        skip=LEGACY_TOKEN_PATHS,
        on_unreadable=unreadable_body_response,
    )
    app.add_middleware(
        CaseInsensitivePaths,
        route_paths=[
            prefix + path for prefix in LEGACY_PREFIXES for path in legacy.resource_paths()
        ],
        prefixes=LEGACY_PREFIXES,
    )
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description, without the 422 answers Facturo never gives (bad input is a
    400 in the dialect of the route, documented on each route)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                operation.get("responses", {}).pop("422", None)
        schemas = schema.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
    return app.openapi_schema
