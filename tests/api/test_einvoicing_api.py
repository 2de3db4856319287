"""``/v1/einvoicing`` over HTTP: the setup (PIN write-only, every broken rule in one 400) and
the signing certificate's tracking, upload, history and notices."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from facturo.domain.access import Actor, UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture, current_errors, signed_in_current
from tests.dian_pki import (
    DEMO_NIT,
    DEMO_PASSWORD,
    certificate_authority,
    demo_certificate,
    make_certificate,
    pkcs12_of,
)

SOFTWARE_ID = "56f2ae4e-9812-4fad-9255-643fcebfb3c9"


def settings_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "environment": "habilitacion",
        "software_id": SOFTWARE_ID,
        "software_pin": "13579",
        "test_set_id": "1f5c7e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
        "person_type": 1,
        "responsibilities": ["O-13", {"code": "o-23"}],
        "tax_scheme": "01",
        "municipality_code": "76001",
        "address_line": "Avenida 6N # 23-45",
        "postal_code": "760001",
        "email": "facturas@empresa.co",
    }
    body.update(changes)
    return body


def p12_base64(certificate: Any = None, password: str = DEMO_PASSWORD) -> str:
    return base64.b64encode(pkcs12_of(certificate or demo_certificate(), password)).decode()


@pytest.fixture
def company(make_company: Callable[..., TenantFixture]) -> TenantFixture:
    return make_company(nit=DEMO_NIT)


@pytest.fixture
def client(
    ctx: ServiceContext, server: LiveServer, company: TenantFixture
) -> Iterator[httpx.Client]:
    with signed_in_current(ctx, server, company) as signed_in:
        yield signed_in


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_settings(client: httpx.Client, company: TenantFixture) -> None:
    missing = client.get("/v1/einvoicing/settings")
    assert missing.status_code == 404
    assert current_errors(missing) == [("not_found", [])]
    made = ok(client.put("/v1/einvoicing/settings", json=settings_body()))
    assert made == ok(client.get("/v1/einvoicing/settings"))
    assert "software_pin" not in made and made["software_pin_set"] is True
    assert "13579" not in str(made)
    assert (made["environment"], made["environment_name"]) == ("2", "Habilitación")
    assert made["endpoint"] == "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc"
    assert made["endpoint_url"] is None
    assert made["company"] == {"nit": DEMO_NIT, "check_digit": 3, "name": company.company.name}
    assert (made["provider_nit"], made["provider_code"], made["software_propio"]) == (
        DEMO_NIT,
        "000",
        True,
    )
    assert made["responsibilities"] == [
        {"code": "O-13", "name": "Gran contribuyente"},
        {"code": "O-23", "name": "Agente de retención IVA"},
    ]
    assert (made["municipality_name"], made["department_code"], made["department_name"]) == (
        "Cali",
        "76",
        "Valle del Cauca",
    )
    assert (made["tax_scheme"], made["tax_scheme_name"]) == ("01", "IVA")
    assert made["deliver_to_buyer"] is True and made["legal_name"] == company.company.name
    # A PUT without the PIN keeps it; the environment may be written as a word.
    changed = ok(
        client.put(
            "/v1/einvoicing/settings",
            json=settings_body(
                software_pin=None, environment="Producción", deliver_to_buyer="false"
            ),
        )
    )
    assert (changed["environment"], changed["software_pin_set"]) == ("1", True)
    assert changed["deliver_to_buyer"] is False
    assert changed["endpoint"] == "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"


def test_settings_list_every_problem(client: httpx.Client) -> None:
    response = client.put(
        "/v1/einvoicing/settings",
        json={
            "environment": "pruebas-x",
            "software_id": "abc",
            "responsibilities": ["O-48", "R-99-PN"],
            "municipality_code": "76001",
            "postal_code": "110111",
            "email": "facturas@",
        },
    )
    assert response.status_code == 400
    assert current_errors(response) == [
        ("invalid_value", ["environment"]),
        ("invalid_value", ["software_id"]),
        ("parameter_required", ["software_pin"]),
        ("invalid_reference", ["responsibilities[0]"]),
        ("parameter_required", ["address_line"]),
        ("invalid_value", ["postal_code"]),
        ("invalid_email", ["email"]),
    ]
    messages = [e["Message"] for e in response.json()["Errors"]]
    assert messages[2] == "The field software_pin is required"
    assert messages[3].startswith("The responsibility O-48 in responsibilities[0] cannot go")


def test_a_lite_user_reads_but_does_not_change(
    ctx: ServiceContext, server: LiveServer, company: TenantFixture, client: httpx.Client
) -> None:
    ok(client.put("/v1/einvoicing/settings", json=settings_body()))
    operator = Actor.operator(company.company.id or 0)
    users.create(
        ctx,
        operator,
        UserData(
            username="cajero@empresa.co",
            user_type=UserType.LITE,
            identification="1040506070",
            first_name="Caja",
            last_name="Uno",
        ),
        "clave-cajero-2024",
    )
    with signed_in_current(ctx, server, company, "cajero@empresa.co") as lite:
        assert ok(lite.get("/v1/einvoicing/settings"))["software_id"] == SOFTWARE_ID
        assert lite.put("/v1/einvoicing/settings", json=settings_body()).status_code == 403
        assert lite.post("/v1/einvoicing/certificates", json={}).status_code == 403
        assert ok(lite.get("/v1/einvoicing/certificates")) == {"results": [], "notices": []}


def test_the_certificate_request_and_its_upload(client: httpx.Client) -> None:
    created = ok(
        client.post("/v1/einvoicing/certificates", json={"observations": "Solicitud en Andes"}),
        201,
    )
    assert (created["state"], created["state_name"]) == ("en_tramite", "En trámite")
    assert created["next_states"] == ["aceptado", "rechazado", "vencido"]
    assert created["has_certificate"] is False and created["serial_number"] is None
    number = created["id"]
    base = f"/v1/einvoicing/certificates/{number}"
    listed = ok(client.get("/v1/einvoicing/certificates"))
    assert [c["id"] for c in listed["results"]] == [number]
    assert [n["kind"] for n in listed["notices"]] == ["in_progress"]
    assert "8 días hábiles" in listed["notices"][0]["message"]

    rejected = client.put(f"{base}/state", json={"state": "rechazado"})
    assert rejected.status_code == 400
    assert current_errors(rejected) == [("parameter_required", ["observations"])]
    ok(client.put(f"{base}/state", json={"state": "Rechazado", "observations": "RUT vencido"}))
    ok(client.put(f"{base}/state", json={"state": "en_tramite", "observations": "Corregido"}))
    early = client.post(f"{base}/pkcs12", json={"content": p12_base64(), "password": DEMO_PASSWORD})
    assert current_errors(early) == [("update_not_allowed", ["state"])]
    ok(client.put(f"{base}/state", json={"state": "aceptado"}))

    # A certificate issued ten days ago: in its first months, so the tracking notice shows.
    now = datetime.now(UTC)
    fresh = make_certificate(
        valid_from=now - timedelta(days=10),
        valid_to=now + timedelta(days=365),
        issuer=certificate_authority(),
    )
    uploaded = ok(
        client.post(
            f"{base}/pkcs12", json={"content": p12_base64(fresh), "password": DEMO_PASSWORD}
        )
    )
    assert (uploaded["id"], uploaded["state"], uploaded["has_certificate"]) == (
        number,
        "completado",
        True,
    )
    assert uploaded["serial_number"] == str(fresh.serial_number)
    assert uploaded["fingerprint"] == fresh.fingerprint_sha256
    assert uploaded["subject"] == fresh.subject and uploaded["issuer"] == fresh.issuer
    assert uploaded["next_states"] == ["vencido"]
    assert uploaded["not_after"].startswith((now + timedelta(days=365)).strftime("%Y-%m-%d"))

    detail = ok(client.get(base))
    assert [(e["from_state"], e["to_state"]) for e in detail["history"]] == [
        (None, "en_tramite"),
        ("en_tramite", "rechazado"),
        ("rechazado", "en_tramite"),
        ("en_tramite", "aceptado"),
        ("aceptado", "completado"),
    ]
    assert detail["history"][1]["observations"] == "RUT vencido"
    assert all(isinstance(e["user_id"], int) for e in detail["history"])
    assert [n["kind"] for n in detail["notices"]] == ["tracking"]

    completed = client.put(f"{base}/state", json={"state": "completado"})
    assert current_errors(completed) == [("update_not_allowed", ["state"])]
    closed = ok(client.put(f"{base}/state", json={"state": "vencido", "observations": "Revocado"}))
    assert (closed["state"], closed["next_states"]) == ("vencido", [])
    assert [n["kind"] for n in ok(client.get(base))["notices"]] == ["expired"]


def test_a_certificate_without_request(client: httpx.Client) -> None:
    made = ok(
        client.post(
            "/v1/einvoicing/certificates",
            json={"content": p12_base64(), "password": DEMO_PASSWORD},
        ),
        201,
    )
    assert made["state"] == "completado"
    assert made["serial_number"] == str(demo_certificate().serial_number)
    history = ok(client.get(f"/v1/einvoicing/certificates/{made['id']}"))["history"]
    assert [(e["from_state"], e["to_state"]) for e in history] == [(None, "completado")]


def test_every_problem_of_a_certificate_is_listed(client: httpx.Client) -> None:
    now = datetime.now(UTC)
    bad = make_certificate(
        nit="800197268",
        valid_from=now - timedelta(days=500),
        valid_to=now - timedelta(days=1),
        hash_name="sha1",
        key_usage=(True, False),
    )
    response = client.post(
        "/v1/einvoicing/certificates", json={"content": p12_base64(bad), "password": DEMO_PASSWORD}
    )
    assert response.status_code == 400
    errors = response.json()["Errors"]
    assert [(e["Code"], e["Params"]) for e in errors] == [("invalid_value", ["content"])] * 4
    messages = [e["Message"] for e in errors]
    assert messages[0].startswith("El certificado está vencido")
    assert "sha1" in messages[1]
    assert "No repudio" in messages[2]
    assert "NIT 800197268" in messages[3]
    assert ok(client.get("/v1/einvoicing/certificates"))["results"] == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"content": "no es base64!"}, [("invalid_value", ["content"])]),
        (
            {"content": base64.b64encode(b"0" * 64).decode(), "password": "x"},
            [("invalid_value", ["content"])],
        ),
        ({"content": None, "password": "x"}, [("parameter_required", ["content"])]),
    ],
    ids=["not-base64", "not-pkcs12", "no-content"],
)
def test_unreadable_uploads(
    client: httpx.Client, body: dict[str, Any], expected: list[tuple[str, list[str]]]
) -> None:
    request = ok(client.post("/v1/einvoicing/certificates", json={}), 201)
    ok(client.put(f"/v1/einvoicing/certificates/{request['id']}/state", json={"state": "aceptado"}))
    response = client.post(f"/v1/einvoicing/certificates/{request['id']}/pkcs12", json=body)
    assert response.status_code == 400
    assert current_errors(response) == expected


def test_a_wrong_password(client: httpx.Client) -> None:
    response = client.post(
        "/v1/einvoicing/certificates", json={"content": p12_base64(), "password": "otra"}
    )
    assert current_errors(response) == [("invalid_value", ["content"])]
    assert "contraseña" in response.json()["Errors"][0]["Message"]


def test_records_of_other_companies_and_unknown_ids(
    client: httpx.Client,
    ctx: ServiceContext,
    server: LiveServer,
    make_company: Callable[..., TenantFixture],
) -> None:
    mine = ok(client.post("/v1/einvoicing/certificates", json={}), 201)
    with signed_in_current(ctx, server, make_company()) as other:
        assert other.get(f"/v1/einvoicing/certificates/{mine['id']}").status_code == 404
        moved = other.put(
            f"/v1/einvoicing/certificates/{mine['id']}/state", json={"state": "aceptado"}
        )
        assert moved.status_code == 404
    for unknown in ("abc", "0", "99999999999999999999999", str(mine["id"] + 100_000)):
        response = client.get(f"/v1/einvoicing/certificates/{unknown}")
        assert response.status_code == 404, unknown
        assert current_errors(response) == [("not_found", [])]
    assert ok(client.get(f"/v1/einvoicing/certificates/{mine['id']}"))["state"] == "en_tramite"
