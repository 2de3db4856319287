"""Sessions of the web app: signing in opens one, every page resumes it, signing out (or a
password change, or deactivation) ends it.

The browser holds a random token in an HttpOnly cookie; the database keeps its SHA-256, the
user's token version at sign-in and the session's CSRF token. A session ends when it has been
unused for ``web_session_idle_minutes``, ``web_session_max_hours`` after sign-in, or as soon
as the user's token version moves (password changed, user deactivated).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from facturo.domain.access import Actor
from facturo.domain.companies import Company
from facturo.domain.users import User
from facturo.services import auth
from facturo.services.context import ServiceContext
from facturo.store.web import WebSessionRepository, WebSessionRow

# Refreshing last_seen on every request would write on every page view; once a minute is
# precise enough for an idle timeout counted in hours.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    csrf_token: str
    user: User
    company: Company

    @property
    def actor(self) -> Actor:
        assert self.company.id is not None
        return Actor(
            company_id=self.company.id, user_id=self.user.id, user_type=self.user.user_type
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(ctx: ServiceContext, company_key: str, username: str, password: str) -> str:
    """Checks the credentials (with the lockout) and opens a session; returns its token."""
    return open_for(ctx, auth.sign_in(ctx, company_key, username, password))


def open_for(ctx: ServiceContext, user: User) -> str:
    """A new session for ``user`` (after sign-in, or to keep them in after their own
    password change, which ends every older session)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        WebSessionRepository(uow.session).add(
            WebSessionRow(
                token_hash=token_hash(token),
                company_id=user.company_id,
                user_id=user.id,
                token_version=user.token_version,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=_expiry(ctx, now, now),
            )
        )
        uow.commit()
    return token


def _expiry(ctx: ServiceContext, created_at: datetime, now: datetime) -> datetime:
    settings = ctx.settings
    return min(
        created_at + timedelta(hours=settings.web_session_max_hours),
        now + timedelta(minutes=settings.web_session_idle_minutes),
    )


def resume(ctx: ServiceContext, token: str | None) -> WebSession | None:
    """The session this token opens, or None (unknown, expired, user gone or changed)."""
    if not token or len(token) > 100:
        return None
    hashed = token_hash(token)
    now = ctx.now()
    with ctx.unit_of_work(read_only=True) as uow:
        row = WebSessionRepository(uow.session).find(hashed)
        if row is None:
            return None
        user = uow.users.find(row.company_id, row.user_id)
        company = uow.companies.find(row.company_id)
    alive = (
        row.expires_at > now
        and user is not None
        and user.active
        and user.token_version == row.token_version
        and company is not None
        and company.active
    )
    if not alive:
        close(ctx, token)
        return None
    assert user is not None and company is not None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        with ctx.unit_of_work() as uow:
            WebSessionRepository(uow.session).touch(
                hashed, now=now, expires_at=_expiry(ctx, row.created_at, now)
            )
            uow.commit()
    return WebSession(token_hash=hashed, csrf_token=row.csrf_token, user=user, company=company)


def close(ctx: ServiceContext, token: str) -> None:
    """Signs out: the token opens nothing any more."""
    with ctx.unit_of_work() as uow:
        WebSessionRepository(uow.session).delete(token_hash(token))
        uow.commit()
