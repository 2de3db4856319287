"""Signing in, OAuth2 clients and access tokens."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from facturo.domain.access import Actor
from facturo.domain.companies import normalize_company_key
from facturo.domain.errors import AuthenticationFailed, NotFound
from facturo.domain.users import (
    LOCKED_OUT,
    WRONG_CREDENTIALS,
    OAuthClient,
    RefreshToken,
    User,
    normalize_username,
)
from facturo.domain.validation import Checker
from facturo.security import AccessClaims, new_opaque_token, sha256_hex
from facturo.services.context import ServiceContext

LEGACY_AUDIENCE = "siigo-legacy"
LEGACY_SCOPES = frozenset({"WebApi", "offline_access"})
TOKEN_REFUSED = "Authorization has been denied for this request."  # noqa: S105 - a message


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None


def sign_in(ctx: ServiceContext, company_key: str, username: str, password: str) -> User:
    """The user behind these credentials, or AuthenticationFailed.

    Failures are counted per company key and username whether or not the user exists, so
    neither the message nor the lockout tells which usernames are real. The password is
    checked outside the write transaction: Argon2 is slow on purpose, and on SQLite the
    write lock would make every other request wait for it.
    """
    key = normalize_company_key(company_key)
    name = normalize_username(username)
    now = ctx.now()
    with ctx.unit_of_work(read_only=True) as uow:
        throttle = uow.sign_in_throttles.find(key, name)
        if throttle is not None and throttle.is_locked(now):
            raise AuthenticationFailed(
                LOCKED_OUT.format(minutes=throttle.minutes_left(now)), reason="locked"
            )
        company = uow.companies.find_by_key(key)
        user = None
        if company is not None and company.active and company.id is not None:
            user = uow.users.find_by_username(company.id, name)
    password_ok = ctx.passwords.verify(user.password_hash if user else None, password)
    with ctx.unit_of_work() as uow:
        throttle = uow.sign_in_throttles.for_update(key, name)
        if throttle.is_locked(now):  # a concurrent attempt locked it meanwhile
            raise AuthenticationFailed(
                LOCKED_OUT.format(minutes=throttle.minutes_left(now)), reason="locked"
            )
        if password_ok and user is not None and user.active:
            throttle.record_success()
            if ctx.passwords.needs_rehash(user.password_hash):
                stored = uow.users.get(user.company_id, user.id or 0)
                stored.password_hash = user.password_hash = ctx.passwords.hash(password)
            uow.commit()
            return user
        throttle.record_failure(
            now,
            threshold=ctx.settings.lockout_threshold,
            lock_for=timedelta(minutes=ctx.settings.lockout_minutes),
        )
        uow.commit()
    # A deactivated user gets the same answer: telling them apart would confirm the password.
    raise AuthenticationFailed(WRONG_CREDENTIALS)


def authenticate_client(ctx: ServiceContext, client_id: str, secret: str) -> OAuthClient:
    with ctx.unit_of_work(read_only=True) as uow:
        client = uow.oauth_clients.find(client_id)
    if (
        client is None
        or not client.active
        or not hmac.compare_digest(client.secret_hash, sha256_hex(secret))
    ):
        raise AuthenticationFailed(
            "The client is unknown, disabled or its secret is wrong", reason="invalid_client"
        )
    return client


def issue_legacy_tokens(
    ctx: ServiceContext, user: User, client: OAuthClient, scopes: frozenset[str]
) -> TokenGrant:
    """An access token, and a refresh token when ``offline_access`` was asked for."""
    refresh_token = None
    offline = "offline_access" in scopes
    with ctx.unit_of_work(read_only=not offline) as uow:
        company = uow.companies.get(user.company_id)
        if offline:
            refresh_token = _new_refresh_token(ctx, user, client, scopes)
            uow.refresh_tokens.add(refresh_token[1])
            uow.commit()
    access_token = ctx.tokens.issue(
        claims=_claims(user, scopes),
        now=ctx.now(),
        lifetime=timedelta(seconds=ctx.settings.legacy_token_seconds),
        extra={
            "client_id": client.client_id,
            "name": user.full_name,
            "cloud_tenant_company_key": company.key,
            "users_id": user.id,
            "user_license_type": user.user_type.siigo_number,
        },
    )
    return TokenGrant(
        access_token=access_token,
        expires_in=ctx.settings.legacy_token_seconds,
        scope=" ".join(sorted(scopes, key=_scope_order)),
        refresh_token=refresh_token[0] if refresh_token else None,
    )


def refresh_legacy_tokens(ctx: ServiceContext, client: OAuthClient, presented: str) -> TokenGrant:
    """Trades a refresh token for new tokens. Each refresh token works once; presenting a
    used one again means it leaked, so every token of that user is revoked."""
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        stored = uow.refresh_tokens.find_by_hash_for_update(sha256_hex(presented))
        if stored is None or stored.client_id != client.client_id:
            raise AuthenticationFailed("The refresh token is invalid", reason="invalid_grant")
        user = uow.users.get(stored.company_id, stored.user_id)
        if stored.used_at is not None:
            user.revoke_tokens()
            uow.commit()
            raise AuthenticationFailed("The refresh token was already used", reason="invalid_grant")
        if not stored.usable(now) or stored.token_version != user.token_version or not user.active:
            raise AuthenticationFailed(
                "The refresh token has expired or was revoked", reason="invalid_grant"
            )
        stored.used_at = now
        uow.commit()
    return issue_legacy_tokens(ctx, user, client, frozenset(stored.scope.split()))


def actor_from_token(ctx: ServiceContext, token: str, *, audience: str) -> Actor:
    """The user a valid access token speaks for; AuthenticationFailed otherwise."""
    claims = ctx.tokens.read(token, audience=audience, now=ctx.now())
    if claims is None:
        raise AuthenticationFailed(TOKEN_REFUSED, reason="invalid_token")
    with ctx.unit_of_work(read_only=True) as uow:
        standing = uow.users.standing(claims.company_id, claims.user_id)
    if standing is None or not standing.active or standing.token_version != claims.token_version:
        raise AuthenticationFailed(TOKEN_REFUSED, reason="invalid_token")
    return Actor(company_id=claims.company_id, user_id=claims.user_id, user_type=standing.user_type)


def _claims(user: User, scopes: frozenset[str]) -> AccessClaims:
    assert user.id is not None
    return AccessClaims(
        company_id=user.company_id,
        user_id=user.id,
        token_version=user.token_version,
        audience=LEGACY_AUDIENCE,
        scope=" ".join(sorted(scopes, key=_scope_order)),
    )


def _scope_order(scope: str) -> tuple[int, str]:
    return (0 if scope == "WebApi" else 1, scope)


def _new_refresh_token(
    ctx: ServiceContext, user: User, client: OAuthClient, scopes: frozenset[str]
) -> tuple[str, RefreshToken]:
    assert user.id is not None
    token = new_opaque_token()
    now = ctx.now()
    return token, RefreshToken(
        company_id=user.company_id,
        user_id=user.id,
        client_id=client.client_id,
        token_hash=sha256_hex(token),
        scope=" ".join(sorted(scopes, key=_scope_order)),
        issued_at=now,
        expires_at=now + timedelta(days=ctx.settings.legacy_refresh_token_days),
        token_version=user.token_version,
    )


# Operator commands for OAuth clients.


def add_client(ctx: ServiceContext, client_id: str, name: str) -> tuple[OAuthClient, str]:
    """Registers a client; returns it with its secret, which is shown only now."""
    check = Checker()
    if check.required(client_id, "client_id"):
        check.max_length(client_id, 100, "client_id")
    check.required(name, "name")
    with ctx.unit_of_work() as uow:
        if client_id and uow.oauth_clients.find(client_id) is not None:
            check.add("already_exists", "client_id", f"The client {client_id} already exists")
        check.raise_if_any()
        secret = new_opaque_token()
        client = uow.oauth_clients.add(
            OAuthClient(
                client_id=client_id, name=name, secret_hash=sha256_hex(secret), created_at=ctx.now()
            )
        )
        uow.commit()
    return client, secret


def set_client_active(ctx: ServiceContext, client_id: str, active: bool) -> OAuthClient:
    with ctx.unit_of_work() as uow:
        client = uow.oauth_clients.find(client_id)
        if client is None:
            raise NotFound("client", client_id)
        client.active = active
        uow.commit()
    return client


def list_clients(ctx: ServiceContext) -> list[OAuthClient]:
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.oauth_clients.all()
