"""The legacy token endpoint (POST /connect/token) and the tokens it issues, over HTTP."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import jwt
import pytest

from facturo.domain.access import UserType
from facturo.domain.errors import AuthenticationFailed, RuleViolations
from facturo.domain.users import User, UserData
from facturo.security import AccessClaims, TokenCodec
from facturo.services import auth, users
from facturo.services.context import ServiceContext
from facturo.store.types import utc_now
from tests.conftest import ADMIN_PASSWORD, SIIGO_WEB_BASIC, TEST_SECRET, TenantFixture

SIIGO_WEB_SECRET = "ABA08B6A-B56C-40A5-90CF-7C1E54891B61"
ADMIN = "admin@empresa.co"
FORM = "application/x-www-form-urlencoded"
WRONG_CREDENTIALS = "usuario o contraseña incorrectos"
DENIED = "Authorization has been denied for this request."
RESOURCE = "/siigo/api/v1/Accounts/GetAll"
USER_PASSWORD = "clave-usuario-2024"


def guide_body(
    key: str,
    username: str = ADMIN,
    password: str = ADMIN_PASSWORD,
    scope: str = "WebApi offline_access",
) -> str:
    """The body exactly as the integration guide writes it: unencoded backslash and space."""
    return f"grant_type=password&username={key}\\{username}&password={password}&scope={scope}"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def post_token(
    http: httpx.Client,
    body: str,
    *,
    path: str = "/connect/token",
    authorization: str | None = SIIGO_WEB_BASIC,
    content_type: str = FORM,
) -> httpx.Response:
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return http.post(path, content=body, headers=headers)


def tokens_of(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    document: dict[str, object] = response.json()
    return document


def refresh(http: httpx.Client, refresh_token: object) -> httpx.Response:
    return post_token(http, f"grant_type=refresh_token&refresh_token={refresh_token}")


def call_resource(http: httpx.Client, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return http.get(RESOURCE, headers=headers)


def assert_oauth_error(
    response: httpx.Response, status: int, error: str, description: str | None = None
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    if description is not None:
        assert body["error_description"] == description


def assert_denied(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["Message"] == DENIED
    assert len(body["Errors"]) == 1
    assert body["Errors"][0]["Code"] == "unauthorized"
    assert "WWW-Authenticate" in response.headers


def new_user(
    ctx: ServiceContext,
    tenant: TenantFixture,
    user_type: UserType = UserType.LITE,
    password: str = USER_PASSWORD,
) -> User:
    suffix = secrets.token_hex(3)
    return users.create(
        ctx,
        tenant.actor,
        UserData(
            username=f"usuario{suffix}@empresa.co",
            user_type=user_type,
            identification=str(10_000_000 + int(suffix, 16)),
            first_name="Carlos",
            last_name="Vendedor",
        ),
        password,
    )


# The guide's request and the shape of the answer.


@pytest.mark.parametrize("path", ["/connect/token", "/auth/connect/token"])
def test_guide_request_returns_compact_token_answer(
    http: httpx.Client, tenant: TenantFixture, path: str
) -> None:
    response = post_token(http, guide_body(tenant.key), path=path)

    body = tokens_of(response)
    assert response.text.startswith('{"access_token":"')
    assert response.text == json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 90000
    assert isinstance(body["refresh_token"], str) and body["refresh_token"]
    assert body["scope"] == "WebApi offline_access"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("application/json")


def test_php_client_substring_trick_yields_the_token(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    """One PHP client cuts the raw body at the first comma and reads from offset 17."""
    response = post_token(http, guide_body(tenant.key))

    first_member = response.text.split(",", 1)[0]
    assert first_member[17:].rstrip('"') == tokens_of(response)["access_token"]


def test_access_token_is_a_jwt_describing_the_user(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    body = tokens_of(post_token(http, guide_body(tenant.key)))

    claims = jwt.decode(str(body["access_token"]), options={"verify_signature": False})
    assert claims["exp"] - claims["nbf"] == body["expires_in"]
    assert claims["client_id"] == "SiigoWeb"
    assert claims["cloud_tenant_company_key"] == tenant.key
    assert claims["users_id"] == tenant.admin.id
    assert claims["user_license_type"] == 1


def test_refresh_token_only_with_offline_access(http: httpx.Client, tenant: TenantFixture) -> None:
    response = post_token(http, guide_body(tenant.key, scope="WebApi"))

    body = tokens_of(response)
    assert "refresh_token" not in body
    assert body["scope"] == "WebApi"
    assert response.text.startswith('{"access_token":"')


def test_issued_token_opens_the_resources(http: httpx.Client, tenant: TenantFixture) -> None:
    token = tokens_of(post_token(http, guide_body(tenant.key)))["access_token"]

    response = call_resource(http, str(token))

    assert response.status_code == 200, response.text
    assert response.json() == []


# Bodies as real clients send them.


SLOPPY_BODIES: dict[str, tuple[str, str]] = {
    "newlines between fields": (
        "grant_type=password\nusername={key}\\admin@empresa.co\npassword=clave-admin-2024\n"
        "scope=WebApi offline_access",
        FORM,
    ),
    "CRLF between fields": (
        "grant_type=password\r\nusername={key}\\admin@empresa.co\r\npassword=clave-admin-2024\r\n"
        "scope=WebApi offline_access\r\n",
        FORM,
    ),
    "form body labelled as JSON": (
        "grant_type=password&username={key}\\admin@empresa.co&password=clave-admin-2024"
        "&scope=WebApi offline_access",
        "application/json",
    ),
    "JSON body": (
        '{{"grant_type": "password", "username": "{key}\\\\admin@empresa.co", '
        '"password": "clave-admin-2024", "scope": "WebApi offline_access"}}',
        "application/json",
    ),
    "percent-encoded form": (
        "grant_type=password&username={key}%5Cadmin%40empresa.co&password=clave-admin-2024"
        "&scope=WebApi+offline_access",
        FORM,
    ),
    "extra whitespace": (
        "  grant_type = password &\n username = {key}\\admin@empresa.co & "
        "password=clave-admin-2024 &scope= WebApi  offline_access \n\n",
        FORM,
    ),
}


@pytest.mark.parametrize("case", SLOPPY_BODIES)
def test_sloppy_bodies_are_understood(http: httpx.Client, tenant: TenantFixture, case: str) -> None:
    template, content_type = SLOPPY_BODIES[case]

    response = post_token(http, template.format(key=tenant.key), content_type=content_type)

    body = tokens_of(response)
    assert body["scope"] == "WebApi offline_access"
    assert "refresh_token" in body
    assert call_resource(http, str(body["access_token"])).status_code == 200


@pytest.mark.parametrize(
    ("key_case", "username"),
    [(str.upper, ADMIN), (str.lower, "ADMIN@Empresa.CO"), (str.upper, " Admin@EMPRESA.co ")],
)
def test_company_key_and_username_ignore_case(
    http: httpx.Client,
    tenant: TenantFixture,
    key_case: Callable[[str], str],
    username: str,
) -> None:
    response = post_token(http, guide_body(key_case(tenant.key), username=username))

    token = tokens_of(response)["access_token"]
    claims = jwt.decode(str(token), options={"verify_signature": False})
    assert claims["users_id"] == tenant.admin.id


# Client authentication.


def test_client_credentials_in_the_body_are_accepted(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    body = f"{guide_body(tenant.key)}&client_id=SiigoWeb&client_secret={SIIGO_WEB_SECRET}"

    response = post_token(http, body, authorization=None)

    assert "access_token" in tokens_of(response)


@pytest.mark.parametrize(
    ("authorization", "extra_fields"),
    [
        pytest.param(None, "", id="no client authentication"),
        pytest.param(basic("SiigoWeb", "wrong-secret"), "", id="wrong secret"),
        pytest.param(basic("OtroCliente", SIIGO_WEB_SECRET), "", id="unknown client"),
        pytest.param("Basic ###not-base64###", "", id="unreadable basic header"),
        pytest.param(
            None, "&client_id=SiigoWeb&client_secret=wrong-secret", id="wrong secret in body"
        ),
        pytest.param(
            None, f"&client_id=Nadie&client_secret={SIIGO_WEB_SECRET}", id="unknown in body"
        ),
    ],
)
def test_client_authentication_failures_are_invalid_client(
    http: httpx.Client, tenant: TenantFixture, authorization: str | None, extra_fields: str
) -> None:
    response = post_token(http, guide_body(tenant.key) + extra_fields, authorization=authorization)

    assert_oauth_error(response, 401, "invalid_client")
    assert "WWW-Authenticate" in response.headers


def test_disabled_client_is_refused(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    auth.set_client_active(ctx, "SiigoWeb", False)
    try:
        refused = post_token(http, guide_body(tenant.key))
    finally:
        auth.set_client_active(ctx, "SiigoWeb", True)

    assert_oauth_error(refused, 401, "invalid_client")
    assert "access_token" in tokens_of(post_token(http, guide_body(tenant.key)))


# Request errors.


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "grant_type=password&password=clave-admin-2024&scope=WebApi", id="no username"
        ),
        pytest.param(
            "grant_type=password&username={key}\\admin@empresa.co&scope=WebApi", id="no password"
        ),
        pytest.param(
            "grant_type=password&username={key}\\admin@empresa.co&password=&scope=WebApi",
            id="empty password",
        ),
        pytest.param(
            "username={key}\\admin@empresa.co&password=clave-admin-2024&scope=WebApi",
            id="no grant_type",
        ),
        pytest.param("grant_type=refresh_token", id="no refresh_token"),
        pytest.param("", id="empty body"),
    ],
)
def test_incomplete_requests_are_invalid_request(
    http: httpx.Client, tenant: TenantFixture, body: str
) -> None:
    response = post_token(http, body.format(key=tenant.key))

    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code", "implicit"])
def test_other_grant_types_are_unsupported(
    http: httpx.Client, tenant: TenantFixture, grant_type: str
) -> None:
    body = guide_body(tenant.key).replace("grant_type=password", f"grant_type={grant_type}")

    response = post_token(http, body)

    assert_oauth_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize("scope", ["WebApi admin", "openid", "WebApi offline_access SiigoAPI"])
def test_unknown_scopes_are_invalid_scope(
    http: httpx.Client, tenant: TenantFixture, scope: str
) -> None:
    response = post_token(http, guide_body(tenant.key, scope=scope))

    assert_oauth_error(response, 400, "invalid_scope")


BAD_CREDENTIALS: dict[str, Callable[[str], str]] = {
    "wrong password": lambda key: guide_body(key, password="clave-equivocada"),
    "unknown user": lambda key: guide_body(key, username="nadie@empresa.co"),
    "unknown company": lambda key: guide_body(f"{key}x"),
    "no backslash": lambda key: guide_body(key).replace(f"{key}\\", ""),
    "empty company key": lambda key: guide_body(""),
    "empty username": lambda key: guide_body(key, username=""),
}


@pytest.mark.parametrize("case", BAD_CREDENTIALS)
def test_bad_credentials_get_one_indistinct_answer(
    http: httpx.Client, tenant: TenantFixture, case: str
) -> None:
    response = post_token(http, BAD_CREDENTIALS[case](tenant.key))

    assert_oauth_error(response, 400, "invalid_grant", WRONG_CREDENTIALS)


# Refresh tokens.


def test_refresh_token_grant_returns_new_working_tokens(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    first = tokens_of(post_token(http, guide_body(tenant.key)))

    response = refresh(http, first["refresh_token"])

    second = tokens_of(response)
    assert response.text.startswith('{"access_token":"')
    assert response.headers["Cache-Control"] == "no-store"
    assert second["token_type"] == "Bearer"
    assert second["expires_in"] == 90000
    assert second["scope"] == "WebApi offline_access"
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] not in (None, first["refresh_token"])
    assert call_resource(http, str(second["access_token"])).status_code == 200


def test_refresh_token_can_be_chained(http: httpx.Client, tenant: TenantFixture) -> None:
    first = tokens_of(post_token(http, guide_body(tenant.key)))
    second = tokens_of(refresh(http, first["refresh_token"]))

    third = tokens_of(refresh(http, second["refresh_token"]))

    assert call_resource(http, str(third["access_token"])).status_code == 200


def test_reused_refresh_token_is_refused_and_revokes_the_users_tokens(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    first = tokens_of(post_token(http, guide_body(tenant.key)))
    second = tokens_of(refresh(http, first["refresh_token"]))
    assert call_resource(http, str(first["access_token"])).status_code == 200

    replay = refresh(http, first["refresh_token"])

    assert_oauth_error(replay, 400, "invalid_grant")
    assert_denied(call_resource(http, str(first["access_token"])))
    assert_denied(call_resource(http, str(second["access_token"])))
    assert_oauth_error(refresh(http, second["refresh_token"]), 400, "invalid_grant")


def test_unknown_refresh_token_is_invalid_grant(http: httpx.Client) -> None:
    assert_oauth_error(refresh(http, "no-such-refresh-token"), 400, "invalid_grant")


def test_refresh_token_belongs_to_its_client(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    other, secret = auth.add_client(ctx, f"Otro{secrets.token_hex(4)}", "Otro integrador")
    first = tokens_of(post_token(http, guide_body(tenant.key)))

    response = post_token(
        http,
        f"grant_type=refresh_token&refresh_token={first['refresh_token']}",
        authorization=basic(other.client_id, secret),
    )

    assert_oauth_error(response, 400, "invalid_grant")
    assert "access_token" in tokens_of(refresh(http, first["refresh_token"]))


# Presenting tokens to the resources.


@pytest.fixture
def admin_token(http: httpx.Client, tenant: TenantFixture) -> str:
    return str(tokens_of(post_token(http, guide_body(tenant.key)))["access_token"])


@pytest.mark.parametrize("form", ["{token}", "Bearer {token}", "bearer {token}", "Bearer  {token}"])
def test_resources_accept_raw_and_bearer_tokens(
    http: httpx.Client, admin_token: str, form: str
) -> None:
    response = call_resource(http, form.format(token=admin_token))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "garbage", "Bearer abc.def.ghi", SIIGO_WEB_BASIC],
)
def test_missing_or_garbage_token_is_denied(http: httpx.Client, authorization: str | None) -> None:
    assert_denied(call_resource(http, authorization))


def _reencode(segment: dict[str, object]) -> str:
    raw = json.dumps(segment, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_tampered_token_is_denied(http: httpx.Client, admin_token: str) -> None:
    header, _, signature = admin_token.split(".")
    claims = jwt.decode(admin_token, options={"verify_signature": False})
    claims["exp"] += 86400 * 365

    forged = f"{header}.{_reencode(claims)}.{signature}"

    assert_denied(call_resource(http, forged))


def test_token_with_no_signature_algorithm_is_denied(http: httpx.Client, admin_token: str) -> None:
    claims = jwt.decode(admin_token, options={"verify_signature": False})

    unsigned = f"{_reencode({'alg': 'none', 'typ': 'JWT'})}.{_reencode(claims)}."

    assert_denied(call_resource(http, unsigned))


def mint(
    tenant: TenantFixture,
    *,
    now: datetime,
    secret: str = TEST_SECRET,
    audience: str = auth.LEGACY_AUDIENCE,
    token_version: int | None = None,
) -> str:
    assert tenant.company.id is not None and tenant.admin.id is not None
    claims = AccessClaims(
        company_id=tenant.company.id,
        user_id=tenant.admin.id,
        token_version=tenant.admin.token_version if token_version is None else token_version,
        audience=audience,
        scope="WebApi",
    )
    return TokenCodec(secret).issue(claims=claims, now=now, lifetime=timedelta(hours=1))


def test_minted_token_for_the_admin_is_accepted(http: httpx.Client, tenant: TenantFixture) -> None:
    """The control for the refusals below: the same minting, valid in every other respect."""
    response = call_resource(http, mint(tenant, now=utc_now()))

    assert response.status_code == 200, response.text


OTHER_SECRET = "another-secret-that-is-long-enough-for-facturo"


@pytest.mark.parametrize(
    ("age", "secret", "audience", "token_version"),
    [
        pytest.param(timedelta(hours=2), TEST_SECRET, auth.LEGACY_AUDIENCE, None, id="expired"),
        pytest.param(
            timedelta(hours=1), TEST_SECRET, auth.LEGACY_AUDIENCE, None, id="just expired"
        ),
        pytest.param(timedelta(0), OTHER_SECRET, auth.LEGACY_AUDIENCE, None, id="other secret"),
        pytest.param(timedelta(0), TEST_SECRET, "siigo-current", None, id="other audience"),
        pytest.param(timedelta(0), TEST_SECRET, auth.LEGACY_AUDIENCE, 0, id="stale version"),
    ],
)
def test_invalid_minted_tokens_are_denied(
    http: httpx.Client,
    tenant: TenantFixture,
    age: timedelta,
    secret: str,
    audience: str,
    token_version: int | None,
) -> None:
    token = mint(
        tenant,
        now=utc_now() - age,
        secret=secret,
        audience=audience,
        token_version=token_version,
    )

    assert_denied(call_resource(http, token))
    assert_denied(call_resource(http, f"Bearer {token}"))


# Lockout.


def sign_in_status(http: httpx.Client, key: str, username: str, password: str) -> httpx.Response:
    return post_token(http, guide_body(key, username=username, password=password))


def test_five_failures_lock_out_even_the_right_password(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    for _ in range(5):
        failure = sign_in_status(http, tenant.key, ADMIN, "clave-equivocada")
        assert_oauth_error(failure, 400, "invalid_grant", WRONG_CREDENTIALS)

    locked = sign_in_status(http, tenant.key, ADMIN, tenant.password)

    assert_oauth_error(locked, 400, "invalid_grant")
    assert "bloqueado" in locked.json()["error_description"]
    assert "15" in locked.json()["error_description"]


def test_four_failures_do_not_lock(http: httpx.Client, tenant: TenantFixture) -> None:
    for _ in range(4):
        sign_in_status(http, tenant.key, ADMIN, "clave-equivocada")

    assert "access_token" in tokens_of(sign_in_status(http, tenant.key, ADMIN, tenant.password))


def test_unknown_username_locks_out_the_same_way(http: httpx.Client, tenant: TenantFixture) -> None:
    """Otherwise the lockout would tell which usernames exist."""
    for _ in range(5):
        failure = sign_in_status(http, tenant.key, "fantasma@empresa.co", "clave-cualquiera")
        assert_oauth_error(failure, 400, "invalid_grant", WRONG_CREDENTIALS)

    locked = sign_in_status(http, tenant.key, "fantasma@empresa.co", "clave-cualquiera")

    assert_oauth_error(locked, 400, "invalid_grant")
    assert "bloqueado" in locked.json()["error_description"]


def test_lockout_counts_usernames_regardless_of_case(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    for username in ["ADMIN@empresa.co", "admin@EMPRESA.co", ADMIN, "Admin@Empresa.Co", ADMIN]:
        sign_in_status(http, tenant.key.upper(), username, "clave-equivocada")

    locked = sign_in_status(http, tenant.key, ADMIN, tenant.password)

    assert "bloqueado" in locked.json()["error_description"]


def test_lockout_leaves_other_users_and_companies_alone(
    ctx: ServiceContext,
    http: httpx.Client,
    tenant: TenantFixture,
    make_company: Callable[..., TenantFixture],
) -> None:
    colleague = new_user(ctx, tenant, UserType.FULL, password="clave-colega-2024")
    other_company = make_company()
    for _ in range(5):
        sign_in_status(http, tenant.key, ADMIN, "clave-equivocada")

    colleague_answer = sign_in_status(http, tenant.key, colleague.username, "clave-colega-2024")
    same_name_elsewhere = sign_in_status(http, other_company.key, ADMIN, other_company.password)

    assert "access_token" in tokens_of(colleague_answer)
    assert "access_token" in tokens_of(same_name_elsewhere)


def test_success_before_the_threshold_resets_the_count(
    http: httpx.Client, tenant: TenantFixture
) -> None:
    for _ in range(4):
        sign_in_status(http, tenant.key, ADMIN, "clave-equivocada")
    tokens_of(sign_in_status(http, tenant.key, ADMIN, tenant.password))
    for _ in range(4):
        sign_in_status(http, tenant.key, ADMIN, "clave-equivocada")

    response = sign_in_status(http, tenant.key, ADMIN, tenant.password)

    assert "access_token" in tokens_of(response)


@pytest.fixture
def clocked(ctx: ServiceContext) -> tuple[ServiceContext, list[datetime]]:
    """The shared services with a clock the test moves by hand."""
    moment = [utc_now()]
    return dataclasses.replace(ctx, clock=lambda: moment[0]), moment


def test_lock_lifts_after_fifteen_minutes(
    clocked: tuple[ServiceContext, list[datetime]], tenant: TenantFixture
) -> None:
    services, moment = clocked
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(services, tenant.key, ADMIN, "clave-equivocada")

    moment[0] += timedelta(minutes=14, seconds=59)
    with pytest.raises(AuthenticationFailed) as still_locked:
        auth.sign_in(services, tenant.key, ADMIN, tenant.password)
    moment[0] += timedelta(seconds=1)
    user = auth.sign_in(services, tenant.key, ADMIN, tenant.password)

    assert still_locked.value.reason == "locked"
    assert "bloqueado" in still_locked.value.message
    assert user.id == tenant.admin.id


def test_failures_after_an_expired_lock_count_from_zero(
    clocked: tuple[ServiceContext, list[datetime]], tenant: TenantFixture
) -> None:
    services, moment = clocked
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(services, tenant.key, ADMIN, "clave-equivocada")
    moment[0] += timedelta(minutes=16)

    with pytest.raises(AuthenticationFailed) as wrong:
        auth.sign_in(services, tenant.key, ADMIN, "clave-equivocada")
    user = auth.sign_in(services, tenant.key, ADMIN, tenant.password)

    assert wrong.value.message == WRONG_CREDENTIALS
    assert user.id == tenant.admin.id


# Deactivation and password changes.


def test_deactivated_user_cannot_sign_in_and_loses_their_tokens(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    seller = new_user(ctx, tenant, UserType.LITE, password="clave-vendedor-2024")
    before = tokens_of(sign_in_status(http, tenant.key, seller.username, "clave-vendedor-2024"))
    assert call_resource(http, str(before["access_token"])).status_code == 200
    assert seller.id is not None

    users.deactivate(ctx, tenant.actor, seller.id)

    assert_oauth_error(
        sign_in_status(http, tenant.key, seller.username, "clave-vendedor-2024"),
        400,
        "invalid_grant",
        WRONG_CREDENTIALS,
    )
    assert_denied(call_resource(http, str(before["access_token"])))
    assert_oauth_error(refresh(http, before["refresh_token"]), 400, "invalid_grant")


def test_deactivated_user_with_wrong_password_gets_the_same_answer(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    seller = new_user(ctx, tenant, UserType.LITE)
    assert seller.id is not None
    users.deactivate(ctx, tenant.actor, seller.id)

    response = sign_in_status(http, tenant.key, seller.username, "clave-equivocada")

    assert_oauth_error(response, 400, "invalid_grant", WRONG_CREDENTIALS)


def test_last_active_full_user_cannot_be_deactivated(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    new_user(ctx, tenant, UserType.LITE)
    assert tenant.admin.id is not None

    with pytest.raises(RuleViolations) as refused:
        users.deactivate(ctx, tenant.actor, tenant.admin.id)

    assert [v.field for v in refused.value.violations] == ["active"]
    assert "access_token" in tokens_of(sign_in_status(http, tenant.key, ADMIN, tenant.password))


def test_a_full_user_can_be_deactivated_while_another_remains(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    new_user(ctx, tenant, UserType.FULL)
    assert tenant.admin.id is not None

    users.deactivate(ctx, tenant.actor, tenant.admin.id)

    assert_oauth_error(
        sign_in_status(http, tenant.key, ADMIN, tenant.password), 400, "invalid_grant"
    )


def test_password_change_revokes_tokens_and_the_new_password_works(
    ctx: ServiceContext, http: httpx.Client, tenant: TenantFixture
) -> None:
    before = tokens_of(post_token(http, guide_body(tenant.key)))
    assert tenant.admin.id is not None

    users.set_password(ctx, tenant.actor, tenant.admin.id, "nueva-clave-2025")

    assert_denied(call_resource(http, str(before["access_token"])))
    assert_oauth_error(refresh(http, before["refresh_token"]), 400, "invalid_grant")
    assert_oauth_error(
        sign_in_status(http, tenant.key, ADMIN, tenant.password),
        400,
        "invalid_grant",
        WRONG_CREDENTIALS,
    )
    after = tokens_of(sign_in_status(http, tenant.key, ADMIN, "nueva-clave-2025"))
    assert call_resource(http, str(after["access_token"])).status_code == 200
