"""``POST /connect/token``: the OAuth2 password grant of Siigo's IdentityServer, as the
integration guide shows it, plus ``refresh_token``.

The body is read by hand: clients send it with newlines between fields, with a JSON
content type, or as JSON. Answers are compact JSON with ``access_token`` first, because
one client cuts the token out of the raw text at a fixed offset."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from facturo.api.deps import Context
from facturo.domain.errors import AuthenticationFailed
from facturo.domain.users import OAuthClient
from facturo.services import auth
from facturo.services.context import ServiceContext

router = APIRouter(tags=["Legacy: token"])


class TokenAnswer(BaseModel):
    access_token: str
    expires_in: int
    token_type: str
    refresh_token: str | None = None
    scope: str


class OAuthError(BaseModel):
    error: str
    error_description: str


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _compact(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers={**_NO_STORE, **(headers or {})},
    )


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="facturo"'} if status == 401 else None
    return _compact({"error": error, "error_description": description}, status, headers)


def read_token_request(raw: bytes) -> dict[str, str]:
    """Form fields (or JSON members) by lower-case name, tolerant of stray whitespace."""
    text = raw.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            return {
                str(k).strip().lower(): str(v).strip() for k, v in document.items() if v is not None
            }
    fields: dict[str, str] = {}
    for piece in text.replace("\r", "").replace("\n", "&").split("&"):
        piece = piece.strip()
        if not piece:
            continue
        for key, value in parse_qsl(piece, keep_blank_values=True):
            fields[key.strip().lower()] = value.strip()
    return fields


def _client_credentials(
    authorization: str | None, fields: dict[str, str]
) -> tuple[str, str] | None:
    if authorization and authorization.strip().lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization.strip()[6:].strip(), validate=False).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, separator, secret = decoded.partition(":")
        return (unquote(client_id), unquote(secret)) if separator else None
    if "client_id" in fields:
        return fields["client_id"], fields.get("client_secret", "")
    return None


_TOKEN_ROUTE: dict[str, Any] = {
    "summary": "Get an access token (OAuth2 password or refresh_token grant)",
    "description": (
        "Form body `grant_type=password&username=COMPANYKEY\\user&password=...&scope=WebApi "
        "offline_access`, client credentials in `Authorization: Basic`; "
        "`grant_type=refresh_token&refresh_token=...` to renew."
    ),
    "responses": {
        200: {"model": TokenAnswer, "description": "Compact JSON, access_token first"},
        400: {
            "model": OAuthError,
            "description": "invalid_request, invalid_grant, invalid_scope, unsupported_grant_type",
        },
        401: {"model": OAuthError, "description": "invalid_client"},
    },
}


@router.post("/connect/token", **_TOKEN_ROUTE)
@router.post("/auth/connect/token", **_TOKEN_ROUTE)
async def token(
    request: Request,
    ctx: Context,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    fields = read_token_request(await request.body())
    credentials = _client_credentials(authorization, fields)
    if credentials is None:
        return _oauth_error(
            "invalid_client", "Client authentication is required (Authorization: Basic)", 401
        )
    try:
        client = await run_in_threadpool(auth.authenticate_client, ctx, *credentials)
    except AuthenticationFailed as failure:
        return _oauth_error("invalid_client", failure.message, 401)

    grant_type = fields.get("grant_type", "")
    try:
        if grant_type == "password":
            return await _password_grant(ctx, client, fields)
        if grant_type == "refresh_token":
            presented = fields.get("refresh_token")
            if not presented:
                return _oauth_error("invalid_request", "refresh_token is required")
            grant = await run_in_threadpool(auth.refresh_legacy_tokens, ctx, client, presented)
            return _grant_response(grant)
    except AuthenticationFailed as failure:
        return _oauth_error("invalid_grant", failure.message)
    if not grant_type:
        return _oauth_error("invalid_request", "grant_type is required")
    return _oauth_error("unsupported_grant_type", f"The grant type {grant_type} is not supported")


async def _password_grant(
    ctx: ServiceContext, client: OAuthClient, fields: dict[str, str]
) -> Response:
    username, password = fields.get("username", ""), fields.get("password", "")
    if not username or not password:
        return _oauth_error("invalid_request", "username and password are required")
    scopes = frozenset(fields.get("scope", "WebApi").split()) or frozenset({"WebApi"})
    unknown = scopes - auth.LEGACY_SCOPES
    if unknown:
        return _oauth_error("invalid_scope", f"Unknown scope: {' '.join(sorted(unknown))}")
    company_key, separator, user = username.partition("\\")
    if not separator or not company_key or not user:
        # Without the company key there is no user to check; the answer stays the same.
        return _oauth_error("invalid_grant", "usuario o contraseña incorrectos")
    signed_in = await run_in_threadpool(auth.sign_in, ctx, company_key, user, password)
    return _grant_response(
        await run_in_threadpool(auth.issue_legacy_tokens, ctx, signed_in, client, scopes)
    )


def _grant_response(grant: auth.TokenGrant) -> Response:
    body: dict[str, Any] = {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "token_type": "Bearer",
    }
    if grant.refresh_token:
        body["refresh_token"] = grant.refresh_token
    body["scope"] = grant.scope
    return _compact(body, 200)
