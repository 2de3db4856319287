"""Users of a company, their credentials' rules and sign-in throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from facturo.domain.access import UserType
from facturo.domain.validation import EMAIL_PATTERN, Checker

WRONG_CREDENTIALS = "usuario o contraseña incorrectos"
LOCKED_OUT = (
    "El usuario está bloqueado temporalmente por intentos fallidos. "
    "Intenta de nuevo en {minutes} minutos."
)

USERNAME_PATTERN = re.compile(r"[\w.@+-]{1,100}")
COMPANY_KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{1,49}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def normalize_username(username: str) -> str:
    """Usernames (often e-mail addresses) compare without regard to case or outer spaces."""
    return username.strip().lower()


@dataclass(kw_only=True)
class UserData:
    username: str
    user_type: UserType
    identification: str
    first_name: str
    last_name: str
    email: str | None = None


@dataclass(kw_only=True, eq=False)
class User(UserData):
    company_id: int
    id: int | None = None
    password_hash: str
    active: bool = True
    must_change_password: bool = False
    # Bumped on every password change or deactivation: tokens carry it and die with it.
    token_version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def revoke_tokens(self) -> None:
        self.token_version += 1


def check_user(data: UserData) -> Checker:
    check = Checker()
    if check.required(data.username, "username"):
        check.matches(data.username, USERNAME_PATTERN, "username", "invalid_value")
    if check.required(data.identification, "identification"):
        check.max_length(data.identification, 50, "identification")
    if check.required(data.first_name, "first_name"):
        check.max_length(data.first_name, 50, "first_name")
    check.max_length(data.last_name, 50, "last_name")
    if data.email:
        check.max_length(data.email, 100, "email")
        check.matches(data.email, EMAIL_PATTERN, "email", "invalid_email")
    return check


def check_password(password: str, field_name: str = "password") -> Checker:
    check = Checker()
    if len(password) < MIN_PASSWORD_LENGTH:
        check.add(
            "length_min",
            field_name,
            f"The field {{field}} must have at least {MIN_PASSWORD_LENGTH} characters",
        )
    elif len(password) > MAX_PASSWORD_LENGTH:
        check.max_length(password, MAX_PASSWORD_LENGTH, field_name)
    elif password.strip() == "" or len(set(password)) < 4:
        check.add("invalid_value", field_name, "The field {field} is too easy to guess")
    return check


@dataclass(kw_only=True, eq=False)
class SignInThrottle:
    """Failed sign-ins for one company key and username, whether or not the user exists.

    Keeping it apart from the user means a locked answer says nothing about which
    usernames exist.
    """

    company_key: str
    username: str
    failures: int = 0
    locked_until: datetime | None = None
    last_failure_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def minutes_left(self, now: datetime) -> int:
        if self.locked_until is None:
            return 0
        return max(1, -(-int((self.locked_until - now).total_seconds()) // 60))

    def record_failure(self, now: datetime, *, threshold: int, lock_for: timedelta) -> None:
        if self.locked_until is not None and now >= self.locked_until:
            self.failures = 0  # the previous lock has run out: a fresh count
            self.locked_until = None
        self.failures += 1
        self.last_failure_at = now
        if self.failures >= threshold:
            self.locked_until = now + lock_for

    def record_success(self) -> None:
        self.failures = 0
        self.locked_until = None


@dataclass(kw_only=True, eq=False)
class RefreshToken:
    """An OAuth2 refresh token, stored only as its hash; used once, then replaced."""

    company_id: int
    id: int | None = None
    user_id: int
    client_id: str
    token_hash: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    token_version: int
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(kw_only=True, eq=False)
class OAuthClient:
    """A client application of the legacy token endpoint (e.g. Siigo's ``SiigoWeb``)."""

    client_id: str
    name: str
    secret_hash: str  # SHA-256 hex: client secrets are long random values, not passwords
    active: bool = True
    created_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class AccessKey:
    """A current-API access key (``POST /auth``): one user's key to one company.

    The key a client holds is ``base64("<key_id>:<secret>")``; only the secret's SHA-256 is
    kept (the secret is 256 random bits, so a fast hash is as safe as a slow one). The public
    ``key_id`` names the key, and through it the company, so signing in needs no company key.
    """

    company_id: int
    id: int | None = None
    user_id: int
    key_id: str
    secret_hash: str
    label: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
