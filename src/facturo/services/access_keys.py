"""Access keys of the current API: issuing, listing and revoking them, and signing in with one
(``POST /auth``).

A key belongs to one user of one company. The client holds ``base64("<key_id>:<secret>")``
— base64 like Siigo's keys — and Facturo keeps the public ``key_id`` and the secret's SHA-256.
The key id names the company, so ``/auth`` needs only ``username`` and ``access_key``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from facturo.domain.access import Actor, Permission
from facturo.domain.errors import AuthenticationFailed, NotFound
from facturo.domain.users import AccessKey, User, normalize_username
from facturo.domain.validation import Checker
from facturo.security import AccessClaims, sha256_hex
from facturo.services.context import ServiceContext

CURRENT_AUDIENCE = "siigoapi"
CURRENT_SCOPE = "SiigoAPI"
# The only thing /auth says about bad credentials, whichever part was wrong (as Siigo does).
INVALID_ACCESS_KEY = "Invalid value: access_key"
TOKEN_REFUSED = "The access token is invalid or has expired"  # noqa: S105 - a message


@dataclass(frozen=True)
class IssuedKey:
    key: AccessKey
    user: User
    access_key: str  # what the client keeps; shown once, never stored


@dataclass(frozen=True)
class KeyListing:
    key: AccessKey
    username: str


@dataclass(frozen=True)
class CurrentToken:
    access_token: str
    expires_in: int


def create(ctx: ServiceContext, actor: Actor, user_id: int, label: str | None) -> IssuedKey:
    """A new key for a user; its value is returned only now."""
    actor.require(Permission.USERS_MANAGE)
    check = Checker()
    label = (label or "").strip() or None
    check.max_length(label, 100, "label")
    check.raise_if_any()
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with ctx.unit_of_work() as uow:
        user = uow.users.get(actor.company_id, user_id)
        key = uow.access_keys.add(
            AccessKey(
                company_id=actor.company_id,
                user_id=user_id,
                key_id=key_id,
                secret_hash=sha256_hex(secret),
                label=label,
            )
        )
        uow.commit()
    return IssuedKey(key=key, user=user, access_key=_encode(key_id, secret))


def get_all(ctx: ServiceContext, actor: Actor, user_id: int | None = None) -> list[KeyListing]:
    actor.require(Permission.USERS_MANAGE)
    with ctx.unit_of_work(read_only=True) as uow:
        keys = (
            uow.access_keys.of_user(actor.company_id, user_id)
            if user_id is not None
            else uow.access_keys.all(actor.company_id)
        )
        owners = uow.users.by_ids(actor.company_id, {k.user_id for k in keys})
        return [KeyListing(k, owners[k.user_id].username) for k in keys]


def revoke(ctx: ServiceContext, actor: Actor, key_id: str) -> AccessKey:
    """Revokes a key: it signs in no more, and the tokens it gave stop working at once."""
    actor.require(Permission.USERS_MANAGE)
    with ctx.unit_of_work() as uow:
        key = uow.access_keys.find_by_key_id(key_id.strip())
        if key is None or key.company_id != actor.company_id:
            raise NotFound("access key", key_id)
        if key.revoked_at is None:
            key.revoked_at = ctx.now()
        uow.commit()
    return key


def sign_in(ctx: ServiceContext, username: str, access_key: str) -> CurrentToken:
    """A 24-hour token for the user behind ``access_key``, or AuthenticationFailed."""
    decoded = _decode(access_key)
    if decoded is None:
        raise AuthenticationFailed(INVALID_ACCESS_KEY, reason="invalid_access_key")
    key_id, secret = decoded
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        key = uow.access_keys.find_by_key_id(key_id)
        if key is None or not hmac.compare_digest(key.secret_hash, sha256_hex(secret)):
            raise AuthenticationFailed(INVALID_ACCESS_KEY, reason="invalid_access_key")
        user = uow.users.get(key.company_id, key.user_id)
        company = uow.companies.get(key.company_id)
        if (
            not key.active
            or not user.active
            or not company.active
            or user.username != normalize_username(username or "")
        ):
            raise AuthenticationFailed(INVALID_ACCESS_KEY, reason="invalid_access_key")
        # Clients sign in often (some before nearly every call): a write at most once a minute.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            key.last_used_at = now
            uow.commit()
    assert user.id is not None and key.id is not None
    lifetime = ctx.settings.current_token_seconds
    token = ctx.tokens.issue(
        claims=AccessClaims(
            company_id=user.company_id,
            user_id=user.id,
            token_version=user.token_version,
            audience=CURRENT_AUDIENCE,
            scope=CURRENT_SCOPE,
            access_key_id=key.id,
        ),
        now=now,
        lifetime=timedelta(seconds=lifetime),
        extra={"company_key": company.key, "username": user.username},
    )
    return CurrentToken(access_token=token, expires_in=lifetime)


def actor_from_token(ctx: ServiceContext, token: str) -> Actor:
    """The user a valid current-API token speaks for; AuthenticationFailed otherwise."""
    claims = ctx.tokens.read(token, audience=CURRENT_AUDIENCE, now=ctx.now())
    if claims is None or claims.access_key_id is None:
        raise AuthenticationFailed(TOKEN_REFUSED, reason="invalid_token")
    with ctx.unit_of_work(read_only=True) as uow:
        standing = uow.access_keys.standing(claims.company_id, claims.user_id, claims.access_key_id)
    if standing is None or not standing.active or standing.token_version != claims.token_version:
        raise AuthenticationFailed(TOKEN_REFUSED, reason="invalid_token")
    return Actor(company_id=claims.company_id, user_id=claims.user_id, user_type=standing.user_type)


def _encode(key_id: str, secret: str) -> str:
    return base64.b64encode(f"{key_id}:{secret}".encode()).decode("ascii")


def _decode(access_key: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode((access_key or "").strip(), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    key_id, separator, secret = text.partition(":")
    if not separator or not key_id or not secret:
        return None
    return key_id, secret
