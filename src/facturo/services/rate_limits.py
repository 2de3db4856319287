"""The optional per-company request limit of the current API (``FACTURO_RATE_LIMIT``).

Requests are counted per company in fixed windows (a minute for Siigo's 100/min) in the
database, so every API process of a deployment shares one count.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from facturo.config import RateLimitRule
from facturo.services.context import ServiceContext
from facturo.store import tables as t


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends and the count starts again
    allowed: bool


def take(ctx: ServiceContext, company_id: int, rule: RateLimitRule) -> RateLimitState:
    """Counts one request of the company and says whether it is within the limit."""
    now = ctx.now().timestamp()
    window_start = int(now // rule.seconds) * rule.seconds
    table = t.rate_limit_windows
    with ctx.unit_of_work() as uow:
        dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).values(
            company_id=company_id, window_start=window_start, requests=1
        )
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.company_id, table.c.window_start],
            set_={"requests": table.c.requests + 1},
        ).returning(table.c.requests)
        requests = int(uow.session.execute(statement).scalar_one())
        if requests == 1:  # a new window: forget the company's old ones
            uow.session.execute(
                sa.delete(table).where(
                    table.c.company_id == company_id,
                    table.c.window_start < window_start - rule.seconds,
                )
            )
        uow.commit()
    reset = max(1, int(window_start + rule.seconds - now + 0.999))
    return RateLimitState(
        limit=rule.requests,
        remaining=max(0, rule.requests - requests),
        reset_seconds=reset,
        allowed=requests <= rule.requests,
    )
