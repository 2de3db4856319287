"""What every use case needs: the database, the code lists, credentials, the clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from facturo.config import Settings
from facturo.domain.reference import ReferenceData
from facturo.reference import dian_code_lists
from facturo.security import PasswordHasher, SecretBox, TokenCodec
from facturo.store.database import Database
from facturo.store.types import utc_now
from facturo.store.unit_of_work import UnitOfWork


class WebhookPayloads(Protocol):
    """How a webhook event shows the record it is about, rendered inside the transaction that
    changed it. The current API's face implements it (its own record shapes); the composition
    roots (``api.app.create_app``, the CLI) set it on the context, so services never import a
    face. Numbers may be ``Decimal``; the payload is written exactly."""

    def product(self, uow: UnitOfWork, company_id: int, product_id: int) -> Mapping[str, Any]: ...

    def invoice(self, uow: UnitOfWork, company_id: int, document_id: int) -> Mapping[str, Any]: ...


@dataclass
class ServiceContext:
    settings: Settings
    database: Database
    passwords: PasswordHasher
    tokens: TokenCodec
    reference: ReferenceData = field(default_factory=dian_code_lists)
    clock: Callable[[], datetime] = utc_now
    # Webhook signing secrets are kept encrypted with a key of their own.
    webhook_secrets: SecretBox | None = None
    # None: services.webhooks renders its documented minimal shapes.
    webhook_payloads: WebhookPayloads | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceContext:
        return cls(
            settings=settings,
            database=Database(settings.sqlalchemy_url, pool_size=settings.database_pool_size),
            passwords=PasswordHasher(settings),
            tokens=TokenCodec(settings.resolved_secret_key()),
            webhook_secrets=SecretBox(settings.resolved_secret_key(), "webhook-secrets"),
        )

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.database, read_only=read_only)

    def now(self) -> datetime:
        return self.clock()
