"""Races past a use case's own checks end at the database's constraints, as a 400 and not a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from facturo.domain.contact_info import Phone, Place
from facturo.domain.errors import RuleViolations
from facturo.domain.parties import PartyData
from facturo.services import parties
from facturo.services.context import ServiceContext
from facturo.store import repositories
from tests.conftest import TenantFixture


def _customer(identification: str) -> PartyData:
    return PartyData(
        is_customer=True,
        first_name="Rosa",
        last_name="Díaz",
        id_type_code="13",
        identification=identification,
        place=Place("CO", "11", "11001"),
        address="Calle 1",
        phone=Phone(number="3001234567"),
    )


def test_concurrent_duplicates_end_as_already_exists(
    ctx: ServiceContext, tenant: TenantFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests pass the uniqueness check before either writes; one wins, one gets already_exists."""
    if ctx.database.is_sqlite:
        pytest.skip("SQLite admits one writer at a time: the second request sees the first's row")
    both_checked = threading.Barrier(2, timeout=10)
    original: Callable[..., object] = repositories.PartyRepository.find_by_identification

    def find_then_wait(self: repositories.PartyRepository, *args: object) -> object:
        found = original(self, *args)
        both_checked.wait()
        return found

    monkeypatch.setattr(repositories.PartyRepository, "find_by_identification", find_then_wait)
    outcomes: list[object] = []

    def create() -> None:
        try:
            outcomes.append(parties.create(ctx, tenant.actor, _customer("52999888")))
        except RuleViolations as refused:
            outcomes.append(refused)

    workers = [threading.Thread(target=create) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    refusals = [o for o in outcomes if isinstance(o, RuleViolations)]
    assert len(outcomes) == 2
    assert len(refusals) == 1
    assert [(v.code, v.field) for v in refusals[0].violations] == [
        ("already_exists", "identification")
    ]
