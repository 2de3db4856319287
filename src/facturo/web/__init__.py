"""The web app for a company's staff, in Spanish, under ``/app`` (docs/web.md).

Pages are server-rendered and call the same services as the APIs. ``install`` mounts the
pages and the static files on the application and makes errors on ``/app`` answer as pages
(the APIs keep their JSON dialects)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from facturo.domain.access import UserType
from facturo.domain.errors import (
    FacturoError,
    NotFound,
    PermissionDenied,
    RuleViolations,
    Unavailable,
)
from facturo.web.core import (
    HERE,
    PREFIX,
    CsrfRefused,
    PasswordChangeRequired,
    SignInRequired,
    optional_session,
    render,
)
from facturo.web.messages import spanish

log = logging.getLogger("facturo.web")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_web(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def install(app: FastAPI) -> None:
    from facturo.web.pages import routers

    for router in routers():
        app.include_router(router, prefix=PREFIX, include_in_schema=False)
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="web-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(PREFIX + "/", status_code=307)

    for kind in (
        SignInRequired,
        PasswordChangeRequired,
        CsrfRefused,
        FacturoError,
        RequestValidationError,
        OverflowError,
        DataError,
        StarletteHTTPException,
        Exception,
    ):
        api_handler = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _by_face(api_handler))


def _by_face(api_handler: Any) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_web(request):
            return web_error(request, exc)
        if api_handler is None:
            raise exc
        response: Response = await api_handler(request, exc)
        return response

    return handle


def _page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    return render(request, "error.html", status_code=status, title=title, message=message, **extra)


def web_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{PREFIX}/ingresar?siguiente={quote(target)}", status_code=303)
    if isinstance(exc, PasswordChangeRequired):
        return RedirectResponse(f"{PREFIX}/cambiar-contrasena", status_code=303)
    if isinstance(exc, CsrfRefused):
        return _page(
            request,
            403,
            "La página venció",
            "El formulario no se pudo verificar (la página venció o viene de otro sitio). "
            "Recarga la página e intenta de nuevo.",
        )
    if isinstance(exc, PermissionDenied):
        session = optional_session(request)
        lite = session is not None and session.user.user_type is UserType.LITE
        return _page(request, 403, "Acceso restringido", exc.message, selling_link=lite)
    if isinstance(exc, NotFound):
        return _page(request, 404, "No encontrado", "El registro que buscas no existe.")
    if isinstance(exc, RuleViolations):
        messages = "; ".join(spanish(v) for v in exc.violations)
        return _page(request, 400, "No se pudo completar", messages)
    if isinstance(exc, Unavailable):
        return _page(request, 503, "Servicio ocupado", "Intenta de nuevo en unos segundos.")
    if isinstance(exc, RequestValidationError | OverflowError | DataError):
        return _page(request, 404, "No encontrado", "La dirección no es válida.")
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 405:
            return _page(request, 405, "Operación no permitida", "Usa los botones de la página.")
        return _page(request, exc.status_code, "No encontrado", "La página que buscas no existe.")
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _page(
        request,
        500,
        "Ocurrió un error",
        "Ocurrió un error inesperado y quedó registrado. Intenta de nuevo.",
    )
