"""The unit of work: one transaction, and the repositories that work inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from facturo.store import repositories as r
from facturo.store.database import Database
from facturo.store.documents import (
    CustomerCreditRepository,
    ReceiptRepository,
    SalesDocumentRepository,
)
from facturo.store.idempotency import IdempotencyKeyRepository
from facturo.store.integrity import as_rule_violations
from facturo.store.snapshot import CatalogSnapshot
from facturo.store.transmissions import TransmissionRepository
from facturo.store.webhooks import DeliveryRepository, WebhookRepository


class UnitOfWork:
    """``with database.unit_of_work() as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` rolls everything back, so a failed use case
    never leaves half a document behind.
    """

    session: Session

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self.database = database
        self.read_only = read_only

    def __enter__(self) -> UnitOfWork:
        self.session = self.database.session(read_only=self.read_only)
        s = self.session
        self.companies = r.CompanyRepository(s)
        self.users = r.UserRepository(s)
        self.sign_in_throttles = r.SignInThrottleRepository(s)
        self.oauth_clients = r.OAuthClientRepository(s)
        self.refresh_tokens = r.RefreshTokenRepository(s)
        self.access_keys = r.AccessKeyRepository(s)
        self.taxes = r.TaxRepository(s)
        self.payment_means = r.PaymentMeansRepository(s)
        self.document_types = r.DocumentTypeRepository(s)
        self.numbering_ranges = r.NumberingRangeRepository(s)
        self.account_groups = r.AccountGroupRepository(s)
        self.price_lists = r.PriceListRepository(s)
        self.warehouses = r.WarehouseRepository(s)
        self.cost_centers = r.CostCenterRepository(s)
        self.charges = r.ChargeRepository(s)
        self.parties = r.PartyRepository(s)
        self.contacts = r.ContactRepository(s)
        self.products = r.ProductRepository(s)
        self.stock = r.StockRepository(s)
        self.ledger_accounts = r.LedgerAccountRepository(s)
        self.sales_documents = SalesDocumentRepository(s)
        self.customer_credits = CustomerCreditRepository(s)
        self.receipts = ReceiptRepository(s)
        self.idempotency_keys = IdempotencyKeyRepository(s)
        self.webhooks = WebhookRepository(s)
        self.webhook_deliveries = DeliveryRepository(s)
        self.transmissions = TransmissionRepository(s)
        self._snapshots: dict[int, CatalogSnapshot] = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded records
        # without expiring them, so callers can still read what a use case returned.
        self.session.close()
        if isinstance(exc, sa.exc.IntegrityError):
            raise as_rule_violations(exc) from exc

    def catalogs(self, company_id: int) -> CatalogSnapshot:
        """The company's small catalogs, read once in this unit of work."""
        snapshot = self._snapshots.get(company_id)
        if snapshot is None:
            snapshot = self._snapshots[company_id] = CatalogSnapshot(self, company_id)
        return snapshot

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that can fail alone: on a constraint violation it is rolled
        back to where it began and RuleViolations raised, and the transaction goes on."""
        nested = self.session.begin_nested()
        try:
            yield
            nested.commit()
        except sa.exc.IntegrityError as error:
            nested.rollback()
            raise as_rule_violations(error) from error
        except BaseException:
            nested.rollback()
            raise

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()
