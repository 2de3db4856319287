"""``/v1/einvoicing/numbering-ranges/fetch`` and ``/v1/einvoicing/test-set-runs/latest`` over
HTTP, with the DIAN stand-in on a real port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from facturo.dian import keys
from facturo.dian.standin import RangeRegistration
from facturo.domain.habilitacion import Composition
from facturo.services import einvoicing, habilitacion
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture, current_errors, signed_in_current
from tests.dian_env import Electronic, StandInServer, set_up_einvoicing

KEY = "693ff6f2a553c3646a063436fd4dd9ded0311471"


@pytest.fixture
def electronic(
    ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> Electronic:
    return set_up_einvoicing(ctx, tenant, standin_server)


@pytest.fixture
def client(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture
) -> Iterator[httpx.Client]:
    with signed_in_current(ctx, server, tenant) as signed_in:
        yield signed_in


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_fetching_the_numbering_ranges(client: httpx.Client, electronic: Electronic) -> None:
    today = datetime.now(keys.BOGOTA).date()
    electronic.standin.register_range(
        RangeRegistration(
            nit=electronic.tenant.company.nit,
            prefix="FEV",
            first_number=1,
            last_number=5000,
            resolution_number="18764000001234",
            resolution_date=today - timedelta(days=10),
            valid_from=today - timedelta(days=10),
            valid_to=today + timedelta(days=355),
            technical_key=KEY,
        )
    )

    fetched = ok(client.post("/v1/einvoicing/numbering-ranges/fetch"))

    assert (fetched["operation_code"], fetched["added"], fetched["unchanged"]) == ("100", 1, 1)
    (added,) = [c for c in fetched["changes"] if c["outcome"] == "added"]
    assert (added["prefix"], added["first_number"], added["last_number"]) == ("FEV", 1, 5000)
    fev = next(r for r in fetched["ranges"] if r["id"] == added["range_id"])
    assert fev == {
        "id": added["range_id"],
        "document_type_id": fetched["document_type_id"],
        "prefix": "FEV",
        "first_number": 1,
        "last_number": 5000,
        "next_number": 1,
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_to": (today + timedelta(days=355)).isoformat(),
        "resolution_number": "18764000001234",
        "resolution_date": (today - timedelta(days=10)).isoformat(),
        "technical_key": KEY,
        "active": False,
    }
    again = ok(client.post("/v1/einvoicing/numbering-ranges/fetch", json={}))
    assert (again["added"], again["unchanged"]) == (0, 2)


def test_a_refusal_and_a_wrong_document_type(
    ctx: ServiceContext, client: httpx.Client, electronic: Electronic
) -> None:
    wrong_type = client.post(
        "/v1/einvoicing/numbering-ranges/fetch", json={"document_type_id": 999999}
    )
    assert wrong_type.status_code == 400
    assert current_errors(wrong_type) == [("invalid_reference", ["document_type_id"])]

    settings = einvoicing.get(ctx, electronic.tenant.actor)
    einvoicing.update(
        ctx,
        electronic.tenant.actor,
        replace(settings.data(), software_id=str(uuid.uuid4())),
    )
    refused = client.post("/v1/einvoicing/numbering-ranges/fetch")
    assert refused.status_code == 400
    ((code, _),) = current_errors(refused)
    assert code == "document_settings"
    assert "OperationCode 30" in refused.json()["Errors"][0]["Message"]


def test_the_latest_test_set_run(
    ctx: ServiceContext, client: httpx.Client, electronic: Electronic
) -> None:
    none_yet = client.get("/v1/einvoicing/test-set-runs/latest")
    assert none_yet.status_code == 404

    habilitacion.run_test_set(
        ctx,
        electronic.tenant.actor,
        Composition(1, 1, 0),
        poll_seconds=0.05,
        max_wait_seconds=30,
    )

    run = ok(client.get("/v1/einvoicing/test-set-runs/latest"))
    assert (run["state"], run["interrupted"], run["error"]) == ("finished", False, None)
    assert (run["total"], run["accepted"], run["rejected"], run["pending"]) == (2, 2, 0, 0)
    assert run["test_set_id"] == electronic.test_set_id and len(run["zip_keys"]) == 2
    assert [(d["kind"], d["status"], d["rule_codes"]) for d in run["documents"]] == [
        ("invoice", "accepted", []),
        ("credit_note", "accepted", []),
    ]
    assert run["documents"][0]["number"].startswith("SETP")
    assert run["finished_at"].endswith("Z")
