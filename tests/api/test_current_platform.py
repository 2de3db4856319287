"""The current API's platform rules over HTTP: POST /auth and its alias, access keys, the
Authorization and Partner-Id headers, the error envelope and the optional rate limit
(shared/reference/siigo-api.md §2.2–§2.4, §2.6, §4 "Platform")."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import httpx
import jwt
import pytest

from facturo.domain.access import Actor, UserType
from facturo.domain.users import UserData
from facturo.services import access_keys, users
from facturo.services.context import ServiceContext
from tests.conftest import (
    PARTNER_ID,
    LiveServer,
    TenantFixture,
    current_errors,
    current_sign_in,
    fast_settings,
    make_access_key,
)

DOCS = "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID}


# --- POST /auth ------------------------------------------------------------------------------


def test_auth_answers_a_24_hour_bearer_token(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    response = http.post("/auth", json={"username": "admin@empresa.co", "access_key": key})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope"]
    assert body["expires_in"] == 86400
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "SiigoAPI"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86400
    assert claims["company_key"] == tenant.key


def test_the_key_is_base64_like_siigos(ctx: ServiceContext, tenant: TenantFixture) -> None:
    key = make_access_key(ctx, tenant)
    decoded = base64.b64decode(key, validate=True).decode()
    key_id, _, secret = decoded.partition(":")
    assert key_id and len(secret) >= 40


def test_alliances_sign_in_alias(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    response = http.post(
        "/alliances/api/siigoapi-users/v1/sign-in",
        json={"username": "admin@empresa.co", "access_key": key},
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    listed = http.get("/alliances/api/v1/taxes", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert any(t["type"] == "IVA" for t in listed.json())


def test_auth_needs_no_partner_id_and_tolerates_one(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    body = {"username": "admin@empresa.co", "access_key": key}
    assert http.post("/auth", json=body).status_code == 200
    assert http.post("/auth", json=body, headers={"Partner-Id": "has-a-hyphen"}).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        lambda body: {**body, "access_key": base64.b64encode(b"nokey:nosecret").decode()},
        lambda body: {**body, "access_key": "not base64 at all!"},
        lambda body: {**body, "access_key": body["access_key"][:-4] + "AAAA"},
        lambda body: {**body, "username": "otro@empresa.co"},
    ],
    ids=["unknown-key", "garbage", "wrong-secret", "someone-elses-key"],
)
def test_bad_credentials_answer_the_lowercase_variant(
    ctx: ServiceContext,
    http: httpx.Client,
    tenant: TenantFixture,
    change: Callable[[dict[str, str]], dict[str, str]],
) -> None:
    key = make_access_key(ctx, tenant)
    response = http.post("/auth", json=change({"username": "admin@empresa.co", "access_key": key}))
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "errors": [{"code": "invalid_value", "message": "Invalid value: access_key"}],
    }


def test_auth_missing_fields(http: httpx.Client) -> None:
    response = http.post("/auth", json={"username": "  "})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert [e["code"] for e in body["errors"]] == ["parameter_required", "parameter_required"]
    assert http.post("/auth", content=b"").status_code == 400


def test_auth_reads_a_python_repr_body(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    body = str({"username": "admin@empresa.co", "access_key": key})  # single quotes
    response = http.post("/auth", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text


def test_username_is_matched_without_regard_to_case(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    current_sign_in(http, " Admin@Empresa.CO ", key)


def test_each_key_identifies_its_company(
    ctx: ServiceContext, http: httpx.Client, make_company: Callable[..., TenantFixture]
) -> None:
    first, second = make_company(), make_company()
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, second))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["company_key"] == second.key != first.key


def test_frequent_sign_ins_all_work(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    tokens = [current_sign_in(http, "admin@empresa.co", key) for _ in range(5)]
    for token in tokens:
        assert http.get("/v1/taxes", headers=bearer(token)).status_code == 200


# --- keys: revocation, users ------------------------------------------------------------------


def test_revoking_a_key_stops_sign_in_and_its_tokens(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    key = make_access_key(ctx, tenant)
    other_key = make_access_key(ctx, tenant)
    token = current_sign_in(http, "admin@empresa.co", key)
    other_token = current_sign_in(http, "admin@empresa.co", other_key)
    key_id = base64.b64decode(key).decode().partition(":")[0]
    access_keys.revoke(ctx, tenant.actor, key_id)

    refused = http.get("/v1/taxes", headers=bearer(token))
    assert refused.status_code == 401
    assert current_errors(refused) == [("unauthorized", [])]
    assert http.post("/auth", json={"username": "admin@empresa.co", "access_key": key}).json()[
        "errors"
    ][0]["code"] == ("invalid_value")
    # The user's other key is untouched.
    assert http.get("/v1/taxes", headers=bearer(other_token)).status_code == 200


def test_a_deactivated_user_loses_keys_and_tokens(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    seller = users.create(
        ctx,
        tenant.actor,
        UserData(
            username="vendedor@empresa.co",
            user_type=UserType.LITE,
            identification="55667788",
            first_name="Vera",
            last_name="Vendedora",
        ),
        "clave-vendedor-2024",
    )
    key = make_access_key(ctx, tenant, "vendedor@empresa.co")
    token = current_sign_in(http, "vendedor@empresa.co", key)
    assert http.get("/v1/taxes", headers=bearer(token)).status_code == 200
    users.deactivate(ctx, tenant.actor, seller.id or 0)
    assert http.get("/v1/taxes", headers=bearer(token)).status_code == 401
    assert (
        http.post("/auth", json={"username": "vendedor@empresa.co", "access_key": key}).status_code
        == 400
    )


def test_keys_are_listed_without_their_values(ctx: ServiceContext, tenant: TenantFixture) -> None:
    key = make_access_key(ctx, tenant)
    listed = access_keys.get_all(ctx, tenant.actor)
    key_id = base64.b64decode(key).decode().partition(":")[0]
    assert [k.key.key_id for k in listed] == [key_id]
    assert listed[0].username == "admin@empresa.co"
    assert key not in repr(listed[0].key)


def test_only_user_managers_issue_keys(ctx: ServiceContext, tenant: TenantFixture) -> None:
    from facturo.domain.errors import PermissionDenied

    seller = users.create(
        ctx,
        tenant.actor,
        UserData(
            username="caja@empresa.co",
            user_type=UserType.LITE,
            identification="11223344",
            first_name="Carla",
            last_name="Cajera",
        ),
        "clave-cajera-2024",
    )
    lite = Actor(company_id=tenant.company.id or 0, user_id=seller.id, user_type=UserType.LITE)
    with pytest.raises(PermissionDenied):
        access_keys.create(ctx, lite, seller.id or 0, None)


# --- Authorization and Partner-Id ---------------------------------------------------------------


def test_authorization_with_or_without_bearer(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, tenant))
    for authorization in (f"Bearer {token}", token, f"bearer   {token}"):
        response = http.get(
            "/v1/taxes", headers={"Authorization": authorization, "Partner-Id": PARTNER_ID}
        )
        assert response.status_code == 200, authorization


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"]
)
def test_missing_or_invalid_token_is_401_unauthorized(
    http: httpx.Client, authorization: str | None
) -> None:
    headers = {"Partner-Id": PARTNER_ID}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = http.get("/v1/taxes", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["Status"] == 401
    assert body["Errors"][0]["Code"] == "unauthorized"
    assert body["Errors"][0]["Detail"] == DOCS + "unauthorized"


def test_a_legacy_token_does_not_open_the_current_api(
    http: httpx.Client, tenant: TenantFixture, legacy_token: Callable[..., str]
) -> None:
    token = legacy_token(tenant.key, "admin@empresa.co", tenant.password)
    assert http.get("/v1/taxes", headers=bearer(token)).status_code == 401


def test_a_current_token_does_not_open_the_legacy_api(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, tenant))
    response = http.get("/siigo/api/v1/Taxes/GetAll", headers={"Authorization": token})
    assert response.status_code == 401


def test_partner_id_is_required(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, tenant))
    response = http.get("/v1/taxes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json() == {
        "Status": 400,
        "Errors": [
            {
                "Code": "header_required",
                "Message": "The header Partner-Id is required",
                "Params": ["Partner-Id"],
                "Detail": DOCS + "header_required",
            }
        ],
    }


@pytest.mark.parametrize("partner_id", ["ab", "has-hyphen", "with space", "x" * 101, "ñandú"])
def test_partner_id_must_be_3_to_100_letters_and_digits(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture, partner_id: str
) -> None:
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, tenant))
    response = http.get(
        "/v1/taxes",
        headers={"Authorization": f"Bearer {token}", "Partner-Id": partner_id.encode()},
    )
    assert response.status_code == 400
    error = response.json()["Errors"][0]
    assert error["Code"] == "invalid_partner_id"
    assert error["Message"] == "The header Partner-Id has an invalid value"


@pytest.mark.parametrize(
    "partner_id", ["abc", "GearPlug", "DesarrolloPropio", "x" * 100, "App2024"]
)
def test_valid_partner_ids(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture, partner_id: str
) -> None:
    token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, tenant))
    response = http.get(
        "/v1/taxes", headers={"Authorization": f"Bearer {token}", "Partner-Id": partner_id}
    )
    assert response.status_code == 200


def test_partner_id_is_checked_before_the_token(http: httpx.Client) -> None:
    response = http.get("/v1/taxes")
    assert response.status_code == 400
    assert current_errors(response) == [("header_required", ["Partner-Id"])]


# --- the envelope -------------------------------------------------------------------------------


def test_unknown_routes_answer_in_the_current_envelope(current_client: httpx.Client) -> None:
    response = current_client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert current_errors(response) == [("not_found", [])]
    aliased = current_client.get("/alliances/api/v1/no-such-thing")
    assert aliased.status_code == 404
    assert "Status" in aliased.json()


def test_json_bodies_on_get_are_tolerated(current_client: httpx.Client) -> None:
    for body in (b"{}", b"[]"):
        response = current_client.request(
            "GET", "/v1/taxes", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text


def test_taxes_are_a_plain_array_with_the_documented_fields(current_client: httpx.Client) -> None:
    taxes = current_client.get("/v1/taxes").json()
    assert isinstance(taxes, list) and taxes
    assert set(taxes[0]) == {"id", "name", "type", "percentage", "active"}
    assert {t["type"] for t in taxes} >= {"IVA", "Retefuente", "ReteIVA", "ReteICA"}
    iva = next(t for t in taxes if t["type"] == "IVA" and t["percentage"] == 19)
    assert isinstance(iva["id"], int)


def test_companies_do_not_see_each_other(
    ctx: ServiceContext, http: httpx.Client, make_company: Callable[..., TenantFixture]
) -> None:
    first, second = make_company(), make_company()
    first_token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, first))
    second_token = current_sign_in(http, "admin@empresa.co", make_access_key(ctx, second))
    first_ids = {t["id"] for t in http.get("/v1/taxes", headers=bearer(first_token)).json()}
    second_ids = {t["id"] for t in http.get("/v1/taxes", headers=bearer(second_token)).json()}
    assert first_ids.isdisjoint(second_ids)


# --- rate limiting ------------------------------------------------------------------------------


@pytest.fixture
def limited_server(database_url: str, ctx: ServiceContext) -> Iterator[LiveServer]:
    """A second server on the same database with a limit of 5 requests a minute."""
    limited_ctx = ServiceContext.from_settings(fast_settings(database_url, rate_limit="5/minute"))
    live = LiveServer(limited_ctx)
    live.start()
    yield live
    live.stop()
    limited_ctx.database.dispose()


def test_rate_limit_answers_429_with_retry_after(
    ctx: ServiceContext,
    limited_server: LiveServer,
    make_company: Callable[..., TenantFixture],
) -> None:
    limited, neighbour = make_company(), make_company()
    with httpx.Client(base_url=limited_server.url, timeout=30) as client:
        token = current_sign_in(client, "admin@empresa.co", make_access_key(ctx, limited))
        other = current_sign_in(client, "admin@empresa.co", make_access_key(ctx, neighbour))
        answers = [client.get("/v1/taxes", headers=bearer(token)) for _ in range(7)]
        first = answers[0]
        assert first.status_code == 200
        assert first.headers["X-RateLimit-Limit"] == "5"
        assert first.headers["X-RateLimit-Remaining"] == "4"
        assert 1 <= int(first.headers["X-RateLimit-Reset"]) <= 60
        statuses = [a.status_code for a in answers]
        if statuses[:5] != [200] * 5:  # a minute boundary fell inside the burst: counts restart
            pytest.skip("the minute changed during the burst")
        assert statuses[5:] == [429, 429]
        refused = answers[5]
        assert current_errors(refused) == [("requests_limit", [])]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        # Another company has its own count.
        assert client.get("/v1/taxes", headers=bearer(other)).status_code == 200
        # Sign-in is not counted against the limit.
        assert (
            client.post(
                "/auth",
                json={"username": "admin@empresa.co", "access_key": make_access_key(ctx, limited)},
            ).status_code
            == 200
        )


def test_no_rate_limit_by_default(current_client: httpx.Client) -> None:
    answers = [current_client.get("/v1/taxes") for _ in range(12)]
    assert all(a.status_code == 200 for a in answers)
    assert "X-RateLimit-Limit" not in answers[-1].headers
