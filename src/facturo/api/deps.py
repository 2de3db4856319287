"""Dependencies shared by the routes: the service context and who is calling."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from facturo.domain.access import Actor
from facturo.domain.errors import AuthenticationFailed, RuleViolations, Violation
from facturo.services import access_keys, auth, rate_limits
from facturo.services.context import ServiceContext
from facturo.services.rate_limits import RateLimitState


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


Context = Annotated[ServiceContext, Depends(get_context)]


class GatewayRefusal(Exception):
    """Azure API Management's own answer to a missing or wrong subscription key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse({"statusCode": 401, "message": self.message}, status_code=401)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization`` header, with or without ``Bearer`` (clients send both)."""
    if not authorization:
        return None
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


def legacy_actor(
    ctx: Context,
    authorization: Annotated[str | None, Header()] = None,
    subscription_key: Annotated[str | None, Header(alias="Ocp-Apim-Subscription-Key")] = None,
) -> Actor:
    accepted_keys = ctx.settings.accepted_subscription_keys
    if accepted_keys:
        if not subscription_key:
            raise GatewayRefusal(
                "Access denied due to missing subscription key. Make sure to include "
                "subscription key when making requests to an API."
            )
        if subscription_key.strip() not in accepted_keys:
            raise GatewayRefusal(
                "Access denied due to invalid subscription key. Make sure to provide a valid "
                "key for an active subscription."
            )
    token = bearer_token(authorization)
    if token is None:
        raise AuthenticationFailed(auth.TOKEN_REFUSED, reason="missing_token")
    return auth.actor_from_token(ctx, token, audience=auth.LEGACY_AUDIENCE)


LegacyActor = Annotated[Actor, Depends(legacy_actor)]


PARTNER_ID = re.compile(r"[A-Za-z0-9]{3,100}")


class RateLimited(Exception):
    """The company used up its requests for this window (answered 429 ``requests_limit``)."""

    def __init__(self, state: RateLimitState) -> None:
        super().__init__("requests_limit")
        self.state = state


def rate_limit_headers(state: RateLimitState) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset_seconds),
    }
    if not state.allowed:
        headers["Retry-After"] = str(state.reset_seconds)
    return headers


def current_actor(
    request: Request,
    ctx: Context,
    authorization: Annotated[str | None, Header()] = None,
    partner_id: Annotated[str | None, Header(alias="Partner-Id")] = None,
) -> Actor:
    """Who calls the current API: ``Partner-Id`` first (required on every call but /auth),
    then the token (``Bearer`` or bare), then the company's rate limit when one is set."""
    if partner_id is None or not partner_id.strip():
        raise RuleViolations(
            [Violation("header_required", "Partner-Id", "The header {field} is required")]
        )
    if not PARTNER_ID.fullmatch(partner_id.strip()):
        raise RuleViolations(
            [
                Violation(
                    "invalid_partner_id", "Partner-Id", "The header {field} has an invalid value"
                )
            ]
        )
    token = bearer_token(authorization)
    if token is None:
        raise AuthenticationFailed(access_keys.TOKEN_REFUSED, reason="missing_token")
    actor = access_keys.actor_from_token(ctx, token)
    rule = ctx.settings.rate_limit_rule
    if rule is not None:
        state = rate_limits.take(ctx, actor.company_id, rule)
        request.state.rate_limit = state
        if not state.allowed:
            raise RateLimited(state)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
