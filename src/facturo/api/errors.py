"""Every error a client can cause, rendered in the dialect of the path it called.

Services raise the domain's errors (facturo.domain.errors); here they become HTTP answers:

- legacy: ``{"Message", "Errors": [{"Code", "Message", "Params", "Detail"}]}``;
- current: ``{"Status", "Errors": [{"Code", "Message", "Params", "Detail"}]}``, ``Detail``
  pointing at Siigo's page for the code (shared/reference/siigo-api.md §2.4);
- sign-in (``POST /auth``): the lowercase ``{"status", "errors": [{"code", "message"}]}``.

Field names in messages follow the dialect: each resource router declares how its domain
fields are spelled on the wire (see ``speaks``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from facturo.api.fields import field_name, pascal
from facturo.api.paths import Dialect, dialect_of
from facturo.domain.errors import (
    AuthenticationFailed,
    Conflict,
    FacturoError,
    NotFound,
    PermissionDenied,
    RuleViolations,
    Unavailable,
)

log = logging.getLogger("facturo.api")

INVALID_REQUEST = "The request is invalid."
DENIED = "Authorization has been denied for this request."


class ErrorEntry(BaseModel):
    Code: str
    Message: str
    Params: list[str]
    Detail: str | None


class ErrorBody(BaseModel):
    """Every error of the legacy dialect: 400 lists every violation at once."""

    Message: str
    Errors: list[ErrorEntry]


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The request breaks one or more rules (all listed)"},
    401: {"model": ErrorBody, "description": "Missing, invalid, expired or revoked token"},
    403: {"model": ErrorBody, "description": "The user's type does not allow this"},
    404: {"model": ErrorBody, "description": "No such record in the caller's company"},
}


class CurrentErrorBody(BaseModel):
    """Every error of the current dialect: 400 lists every violation at once."""

    Status: int
    Errors: list[ErrorEntry]


CURRENT_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {
        "model": CurrentErrorBody,
        "description": "The request breaks one or more rules (all listed), or Partner-Id is missing or malformed",
    },
    401: {"model": CurrentErrorBody, "description": "Missing, invalid, expired or revoked token"},
    403: {"model": CurrentErrorBody, "description": "The user's type does not allow this"},
    404: {"model": CurrentErrorBody, "description": "No such record in the caller's company"},
    429: {"model": CurrentErrorBody, "description": "The company's rate limit was reached"},
}


@dataclass(frozen=True)
class ErrorItem:
    code: str
    message: str
    params: list[str] = field(default_factory=list)
    detail: str | None = None


# Codes whose Detail Siigo leaves null (observed); every other code links to its page.
_CURRENT_NULL_DETAIL = frozenset({"invalid_idempotency_key"})
CURRENT_DOCS = (
    "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"
)


def speaks(field_names: Mapping[str, str]) -> Callable[[Request], None]:
    """A router dependency: how this resource spells domain fields in its messages."""

    def declare(request: Request) -> None:
        request.state.field_names = field_names

    return declare


def legacy_response(
    status: int, items: list[ErrorItem], message: str | None = None
) -> JSONResponse:
    body = {
        "Message": message or (items[0].message if len(items) == 1 else INVALID_REQUEST),
        "Errors": [
            {"Code": i.code, "Message": i.message, "Params": i.params, "Detail": i.detail}
            for i in items
        ],
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def current_response(
    status: int, items: list[ErrorItem], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {
        "Status": status,
        "Errors": [
            {
                "Code": i.code,
                "Message": i.message,
                "Params": i.params,
                "Detail": None if i.code in _CURRENT_NULL_DETAIL else CURRENT_DOCS + i.code,
            }
            for i in items
        ],
    }
    all_headers = dict(headers or {})
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(body, status_code=status, headers=all_headers or None)


def sign_in_response(status: int, items: list[ErrorItem]) -> JSONResponse:
    body = {
        "status": status,
        "errors": [{"code": i.code, "message": i.message} for i in items],
    }
    return JSONResponse(body, status_code=status)


def dialect_response(
    dialect: Dialect, status: int, items: list[ErrorItem], *, legacy_message: str | None = None
) -> JSONResponse:
    if dialect == Dialect.CURRENT:
        return current_response(status, items)
    if dialect == Dialect.SIGN_IN:
        return sign_in_response(status, items)
    return legacy_response(status, items, legacy_message)


def _field_names(request: Request) -> Mapping[str, str]:
    names: Mapping[str, str] = getattr(request.state, "field_names", {})
    return names


def error_response(request: Request, error: FacturoError) -> JSONResponse:
    """The answer to one of Facturo's own errors, in the dialect of the path called."""
    dialect = dialect_of(request.url.path)
    if isinstance(error, RuleViolations):
        names = _field_names(request)
        spell = pascal if dialect == Dialect.LEGACY else str
        items = []
        for violation in error.violations:
            name = field_name(violation.field, names, spell)
            items.append(
                ErrorItem(
                    code=violation.code,
                    message=violation.render(name or "record"),
                    params=[name] if name else [],
                    detail=violation.detail,
                )
            )
        return dialect_response(dialect, 400, items)
    if isinstance(error, NotFound):
        message = str(error)
        if dialect == Dialect.CURRENT and error.entity in _CURRENT_NOUNS:
            message = f"The {_CURRENT_NOUNS[error.entity]} {error.key} was not found"
        return dialect_response(dialect, 404, [ErrorItem("not_found", message)])
    if isinstance(error, PermissionDenied):
        return dialect_response(dialect, 403, [ErrorItem("forbidden", error.message)])
    if isinstance(error, AuthenticationFailed):
        return dialect_response(
            dialect, 401, [ErrorItem("unauthorized", error.message)], legacy_message=DENIED
        )
    if isinstance(error, Conflict):
        return dialect_response(dialect, 409, [ErrorItem(error.code, error.message)])
    if isinstance(error, Unavailable):
        return dialect_response(dialect, 503, [ErrorItem("service_unavailable", error.message)])
    raise TypeError(f"no answer for {type(error).__name__}")


async def _facturo_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FacturoError)
    return error_response(request, exc)


# The legacy guide calls a tercero an account; the current API, a customer.
_CURRENT_NOUNS = {"account": "customer"}

_PYDANTIC_CODES = {
    "missing": ("parameter_required", "The field {field} is required"),
    "json_invalid": ("invalid_value", "The request body is not valid JSON"),
    "model_attributes_type": ("invalid_type", "The field {field} must be an object"),
    "model_type": ("invalid_type", "The field {field} must be an object"),
    "list_type": ("invalid_type", "The field {field} must be a list"),
    "too_long": ("length_max", "The field {field} has too many elements"),
    "string_too_long": ("length_max", "The field {field} is too long"),
    "number_out_of_range": ("invalid_value", "The field {field} is out of range"),
}


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    dialect = dialect_of(request.url.path)
    items = []
    for error in exc.errors():
        loc = error.get("loc", ())
        location: list[int | str]
        if loc and loc[0] == "path":
            # A path parameter is the record's Id in every legacy route.
            location = ["Id"] if dialect == Dialect.LEGACY else [str(loc[-1])]
        else:
            location = [p for p in loc if p not in ("body", "query", "header")]
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location).lstrip(".")
        if error.get("type") == "missing" and not location:
            items.append(ErrorItem("parameter_required", "The request body is required"))
            continue
        code, template = _PYDANTIC_CODES.get(
            error.get("type", ""), ("invalid_type", "The field {field} has an invalid value")
        )
        message = template.replace("{field}", name or "body")
        if (code == "invalid_type" or error.get("type") == "number_out_of_range") and error.get(
            "msg"
        ):
            message = f"{message}: {error['msg']}"
        items.append(ErrorItem(code, message, [name] if name else []))
    return dialect_response(dialect, 400, items)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    dialect = dialect_of(request.url.path)
    if exc.status_code == 404:
        item = ErrorItem("not_found", f"No resource matches {request.method} {request.url.path}")
    elif exc.status_code == 405:
        item = ErrorItem(
            "method_not_allowed", f"{request.method} is not allowed on {request.url.path}"
        )
    else:
        item = ErrorItem("http_error", str(exc.detail))
    return dialect_response(dialect, exc.status_code, [item])


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return dialect_response(
        dialect_of(request.url.path),
        500,
        [ErrorItem("unhandled_error", "An unexpected error occurred; it has been logged")],
    )


# SQLSTATE numeric_value_out_of_range: PostgreSQL's answer to a number its column cannot hold.
_OUT_OF_RANGE_SQLSTATE = "22003"


async def _database_data_error(request: Request, exc: Exception) -> JSONResponse:
    """A number no column can hold. Request bodies are checked field by field before they
    reach the database (``api.models``); this catches what comes another way (a path or
    query parameter) so the client still gets a 400 rather than a 500."""
    assert isinstance(exc, DataError)
    if getattr(exc.orig, "sqlstate", None) != _OUT_OF_RANGE_SQLSTATE:
        return await _unhandled(request, exc)
    return _out_of_range(request)


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    """SQLite's driver refuses integers beyond 64 bits before the query runs."""
    return _out_of_range(request)


def _out_of_range(request: Request) -> JSONResponse:
    log.info("number out of range on %s %s", request.method, request.url.path)
    return dialect_response(
        dialect_of(request.url.path),
        400,
        [ErrorItem("invalid_value", "A number in the request is out of range")],
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FacturoError, _facturo_error)
    app.add_exception_handler(DataError, _database_data_error)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unhandled)


def unreadable_body_response(scope: Scope, status: int, message: str) -> JSONResponse:
    return dialect_response(
        dialect_of(str(scope.get("path", ""))), status, [ErrorItem("invalid_value", message)]
    )
