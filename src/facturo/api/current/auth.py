"""``POST /auth``: an access token for ``{username, access_key}`` (shared/reference §2.2).

Also served at ``/alliances/api/siigoapi-users/v1/sign-in``, where Siigo's own SDK signs in.
``Partner-Id`` is not required here. Errors use the lowercase variant Siigo answers on this
route: ``{"status": 400, "errors": [{"code": "invalid_value", "message": "Invalid value: access_key"}]}``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from facturo.api.current.base import CurrentModel
from facturo.api.deps import Context
from facturo.api.errors import ErrorItem, sign_in_response
from facturo.api.paths import SIGN_IN_PATHS
from facturo.domain.errors import AuthenticationFailed
from facturo.services import access_keys

router = APIRouter(tags=["Current API: sign-in"])


class TokenIn(CurrentModel):
    username: str | None = None
    access_key: str | None = None


class TokenOut(BaseModel):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the scheme, not a secret
    scope: str = access_keys.CURRENT_SCOPE


class SignInError(BaseModel):
    code: str
    message: str


class SignInErrorBody(BaseModel):
    status: int
    errors: list[SignInError]


async def sign_in(ctx: Context, body: TokenIn) -> JSONResponse:
    missing = [
        ErrorItem("parameter_required", f"The field {name} is required")
        for name, value in (("username", body.username), ("access_key", body.access_key))
        if not (value or "").strip()
    ]
    if missing:
        return sign_in_response(400, missing)
    assert body.username is not None and body.access_key is not None
    try:
        token = await run_in_threadpool(
            access_keys.sign_in, ctx, body.username.strip(), body.access_key
        )
    except AuthenticationFailed as failure:
        return sign_in_response(400, [ErrorItem("invalid_value", failure.message)])
    return JSONResponse(
        TokenOut(access_token=token.access_token, expires_in=token.expires_in).model_dump()
    )


for _path in SIGN_IN_PATHS:
    router.add_api_route(
        _path,
        sign_in,
        methods=["POST"],
        summary="Sign in with a username and an access key",
        response_model=TokenOut,
        responses={400: {"model": SignInErrorBody, "description": "Missing or wrong credentials"}},
        include_in_schema=_path == SIGN_IN_PATHS[0],
    )
