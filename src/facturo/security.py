"""Password hashing (Argon2id), token signing (JWT, HS256) and secret derivation."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from facturo.config import Settings


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, so the one configured secret never serves two."""
    return hmac.new(secret.encode(), f"facturo:{purpose}".encode(), hashlib.sha256).digest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


class PasswordHasher:
    """Argon2id with the configured cost; hashes made with older costs are upgraded at sign-in."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = Argon2Hasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )

    @functools.cached_property
    def _decoy(self) -> str:
        """Verified against when the username does not exist, so both cases take as long.
        Made at the first sign-in rather than at start-up: workers and CLI commands that
        never verify a password do not pay for it (0.3–0.5 s per process)."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        # Read first whichever user signs in, so the first call costs the same either way.
        decoy = self._decoy
        try:
            return (
                self._hasher.verify(password_hash or decoy, password) and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class AccessClaims:
    company_id: int
    user_id: int
    token_version: int
    audience: str
    scope: str
    access_key_id: int | None = None  # current-API tokens: the access key they came from


class TokenCodec:
    """Signs and checks access tokens. Tokens are JWTs, as Siigo's are, so clients that
    decode them for their expiry keep working."""

    ISSUER = "facturo"

    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "access-token")

    def issue(
        self,
        *,
        claims: AccessClaims,
        now: datetime,
        lifetime: timedelta,
        extra: dict[str, Any] | None = None,
    ) -> str:
        payload: dict[str, Any] = {
            "iss": self.ISSUER,
            "aud": claims.audience,
            "sub": str(claims.user_id),
            "cid": claims.company_id,
            "ver": claims.token_version,
            "scope": claims.scope,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "jti": secrets.token_hex(8),
            **(extra or {}),
        }
        if claims.access_key_id is not None:
            payload["akid"] = claims.access_key_id
        return jwt.encode(payload, self._key, algorithm="HS256")

    def read(self, token: str, *, audience: str, now: datetime) -> AccessClaims | None:
        """The claims of a valid token for ``audience``, or None."""
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=audience,
                issuer=self.ISSUER,
                options={"require": ["exp", "sub", "cid", "ver"], "verify_iat": False},
                leeway=0,
            )
        except jwt.PyJWTError:
            return None
        if payload["exp"] <= now.timestamp():
            return None
        try:
            return AccessClaims(
                company_id=int(payload["cid"]),
                user_id=int(payload["sub"]),
                token_version=int(payload["ver"]),
                audience=audience,
                scope=str(payload.get("scope", "")),
                access_key_id=int(payload["akid"]) if "akid" in payload else None,
            )
        except (TypeError, ValueError):
            return None


class SecretBox:
    """Encrypts secrets Facturo must read back (webhook signing secrets), with a key derived
    from the configured secret for one purpose. Fernet: AES-128-CBC with HMAC-SHA256, so a
    ciphertext that was tampered with, or made with another key, is refused, not misread."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, purpose)))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, ciphertext: str) -> str:
        """The plaintext; raises ``SecretUnreadable`` when the key changed or the text did."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError) as error:
            raise SecretUnreadable(
                "a stored secret cannot be decrypted: FACTURO_SECRET_KEY changed since it was stored"
            ) from error


class SecretUnreadable(Exception):
    """A stored secret no longer decrypts with the configured key."""
