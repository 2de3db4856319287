"""The web app's sessions and password-reset links (SQLAlchemy Core). Both keep only the
SHA-256 of the secret the browser or the e-mail holds, so a copy of the database opens nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.store import tables as t


@dataclass(frozen=True)
class WebSessionRow:
    token_hash: str
    company_id: int
    user_id: int
    token_version: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class PasswordResetRow:
    token_hash: str
    company_id: int
    user_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class WebSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WebSessionRow) -> None:
        self.session.execute(sa.insert(t.web_sessions).values(**vars(row)))

    def find(self, token_hash: str) -> WebSessionRow | None:
        found = self.session.execute(
            sa.select(t.web_sessions).where(t.web_sessions.c.token_hash == token_hash)
        ).first()
        return None if found is None else WebSessionRow(**found._mapping)

    def touch(self, token_hash: str, *, now: datetime, expires_at: datetime) -> None:
        ws = t.web_sessions
        self.session.execute(
            sa.update(ws)
            .where(ws.c.token_hash == token_hash)
            .values(last_seen_at=now, expires_at=expires_at)
        )

    def delete(self, token_hash: str) -> None:
        ws = t.web_sessions
        self.session.execute(sa.delete(ws).where(ws.c.token_hash == token_hash))

    def delete_for_user(self, company_id: int, user_id: int) -> None:
        ws = t.web_sessions
        self.session.execute(
            sa.delete(ws).where(ws.c.company_id == company_id, ws.c.user_id == user_id)
        )

    def delete_expired(self, now: datetime) -> int:
        ws = t.web_sessions
        result = self.session.execute(sa.delete(ws).where(ws.c.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class PasswordResetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: PasswordResetRow) -> None:
        self.session.execute(sa.insert(t.password_resets).values(**vars(row)))

    def find_for_update(self, token_hash: str) -> PasswordResetRow | None:
        pr = t.password_resets
        found = self.session.execute(
            sa.select(pr).where(pr.c.token_hash == token_hash).with_for_update()
        ).first()
        return None if found is None else PasswordResetRow(**found._mapping)

    def find(self, token_hash: str) -> PasswordResetRow | None:
        pr = t.password_resets
        found = self.session.execute(sa.select(pr).where(pr.c.token_hash == token_hash)).first()
        return None if found is None else PasswordResetRow(**found._mapping)

    def use(self, token_hash: str, now: datetime) -> None:
        pr = t.password_resets
        self.session.execute(sa.update(pr).where(pr.c.token_hash == token_hash).values(used_at=now))

    def retire_for_user(self, company_id: int, user_id: int, now: datetime) -> None:
        """Every link still open for the user stops working (a newer one was sent, or the
        password changed)."""
        pr = t.password_resets
        self.session.execute(
            sa.update(pr)
            .where(pr.c.company_id == company_id, pr.c.user_id == user_id, pr.c.used_at.is_(None))
            .values(used_at=now)
        )
