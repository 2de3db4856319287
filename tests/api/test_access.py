"""What each user type may do over the legacy API, and the optional subscription-key gate."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.conftest import SIIGO_WEB_BASIC, LiveServer, TenantFixture, fast_settings

USER_PASSWORD = "clave-usuario-2024"
API = "/siigo/api/v1"

Operation = Callable[[httpx.Client, "Seed"], httpx.Response]


@dataclass
class Seed:
    """Records the administrator created, for the others to read and try to change."""

    account: dict[str, Any]
    product: dict[str, Any]
    charge: dict[str, Any]
    contact: dict[str, Any]
    account_group_id: int


def person_body(identification: str, **kinds: bool) -> dict[str, Any]:
    return {
        "IsCustomer": False,
        **kinds,
        "IsSocialReason": False,
        "FirstName": "Lucía",
        "LastName": "Pérez",
        "IdTypeCode": "13",
        "Identification": identification,
        "City": {"CountryCode": "Co", "StateCode": "11", "CityCode": "11001"},
        "Address": "Carrera 7 # 12-30",
        "Phone": {"Number": "3001234567"},
    }


def product_body(code: str, account_group_id: int) -> dict[str, Any]:
    return {
        "Code": code,
        "Description": "Martillo de uña 16 oz",
        "ProductTypeKey": "ProductType_Product",
        "AccountGroupID": account_group_id,
        "MeasurementUnitCode": "94",
        "PriceList1": 25000,
    }


def contact_body(account_id: int) -> dict[str, Any]:
    return {
        "AccountID": account_id,
        "FirstName": "Jorge",
        "LastName": "Compras",
        "EMail": "compras@cliente.co",
    }


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def ok_list(response: httpx.Response) -> list[Any]:
    assert response.status_code == 200, response.text
    document: list[Any] = response.json()
    return document


@pytest.fixture
def seed(admin_client: httpx.Client) -> Seed:
    group_id = admin_client.get("/AccountGroups/GetAll").json()[0]["Id"]
    account_id = ok(
        admin_client.post("/Accounts/Create", json=person_body("52111222", IsCustomer=True))
    )["Id"]
    contact = ok(admin_client.post("/Contacts/Create", json=contact_body(account_id)))
    return Seed(
        account=ok(admin_client.get(f"/Accounts/GetByID/{account_id}")),
        product=ok(admin_client.post("/Products/Create", json=product_body("MART-16", group_id))),
        charge=ok(admin_client.post("/Charges/Create", json={"Name": "Jefe de compras"})),
        contact=contact,
        account_group_id=group_id,
    )


@pytest.fixture
def client_for(
    ctx: ServiceContext,
    server: LiveServer,
    tenant: TenantFixture,
    legacy_token: Callable[..., str],
) -> Iterator[Callable[[UserType], httpx.Client]]:
    """A new user of the given type in the tenant's company, signed in over HTTP."""
    clients: list[httpx.Client] = []

    def sign_in(user_type: UserType) -> httpx.Client:
        suffix = secrets.token_hex(3)
        user = users.create(
            ctx,
            tenant.actor,
            UserData(
                username=f"{user_type.value}{suffix}@empresa.co",
                user_type=user_type,
                identification=str(20_000_000 + int(suffix, 16)),
                first_name="Usuario",
                last_name=user_type.label,
            ),
            USER_PASSWORD,
        )
        token = legacy_token(tenant.key, user.username, USER_PASSWORD)
        client = httpx.Client(
            base_url=f"{server.url}{API}", headers={"Authorization": token}, timeout=30
        )
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


# Reads.

READS = [
    "/Accounts/GetAll",
    "/Accounts/GetByID/{account}",
    "/Contacts/GetAllByAccountID/{account}",
    "/Contacts/GetByID/{contact}",
    "/Charges/GetAll",
    "/Charges/GetByID/{charge}",
    "/Products/GetAll",
    "/Products/GetByID/{product}",
    "/Products/GetAllByCode?codes=MART-16",
    "/Products/GetProductBalanceByCode?code=MART-16",
    "/Taxes/GetAll",
    "/PaymentMeans/GetAll",
    "/AccountGroups/GetAll",
    "/PriceList/GetAll",
    "/Warehouses/GetAll",
    "/CostCenters/GetAll",
    "/Users/GetAll",
    "/ERPDocumentTypes/GetAll",
    "/ERPDocumentTypes/GetByCode?docClass=FV&docCode=1",
]


@pytest.mark.parametrize("user_type", list(UserType))
@pytest.mark.parametrize("path", READS)
def test_every_user_type_reads_master_data_and_catalogs(
    client_for: Callable[[UserType], httpx.Client], seed: Seed, user_type: UserType, path: str
) -> None:
    client = client_for(user_type)

    response = client.get(
        path.format(
            account=seed.account["Id"],
            contact=seed.contact["Id"],
            charge=seed.charge["Id"],
            product=seed.product["Id"],
        )
    )

    assert response.status_code == 200, response.text
    assert response.json() not in ([], None, {})


def test_lite_user_sees_the_users_list_with_types(
    client_for: Callable[[UserType], httpx.Client],
) -> None:
    client = client_for(UserType.LITE)

    listed = client.get("/Users/GetAll").json()

    assert sorted(u["UserType"] for u in listed) == [1, 2]


# Writes.


def _create_customer(client: httpx.Client, seed: Seed) -> httpx.Response:
    return client.post("/Accounts/Create", json=person_body("79333444", IsCustomer=True))


WRITES: dict[str, Operation] = {
    "create supplier": lambda c, s: c.post(
        "/Accounts/Create", json=person_body("79555666", IsSupplier=True)
    ),
    "create customer that is also a supplier": lambda c, s: c.post(
        "/Accounts/Create", json=person_body("79555667", IsCustomer=True, IsSupplier=True)
    ),
    "create dealer": lambda c, s: c.post(
        "/Accounts/Create", json=person_body("79555668", IsDealer=True)
    ),
    "update account": lambda c, s: c.post(
        "/Accounts/Update", json={**s.account, "LastName": "Gómez"}
    ),
    "update account (PUT)": lambda c, s: c.put(
        "/Accounts/Update", json={**s.account, "LastName": "Gómez"}
    ),
    "delete account": lambda c, s: c.delete(f"/Accounts/Delete/{s.account['Id']}"),
    "create product": lambda c, s: c.post(
        "/Products/Create", json=product_body("SERR-01", s.account_group_id)
    ),
    "update product": lambda c, s: c.post(
        "/Products/Update", json={**s.product, "Description": "Martillo de bola"}
    ),
    "delete product": lambda c, s: c.delete(f"/Products/Delete/{s.product['Id']}"),
    "create contact": lambda c, s: c.post("/Contacts/Create", json=contact_body(s.account["Id"])),
    "update contact": lambda c, s: c.post(
        "/Contacts/Update", json={**s.contact, "FirstName": "Jorge Iván"}
    ),
    "delete contact": lambda c, s: c.delete(f"/Contacts/Delete/{s.contact['Id']}"),
    "create charge": lambda c, s: c.post("/Charges/Create", json={"Name": "Tesorero"}),
    "update charge": lambda c, s: c.post(
        "/Charges/Update", json={**s.charge, "Name": "Jefe de compras y pagos"}
    ),
    "delete charge": lambda c, s: c.delete(f"/Charges/Delete/{s.charge['Id']}"),
}


def assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert set(body) == {"Message", "Errors"}
    assert len(body["Errors"]) == 1
    error = body["Errors"][0]
    assert error["Code"] == "forbidden"
    assert error["Message"] == body["Message"]
    assert "administrador" in body["Message"]


@pytest.mark.parametrize("operation", WRITES)
def test_full_user_may_write_everything(
    client_for: Callable[[UserType], httpx.Client], seed: Seed, operation: str
) -> None:
    client = client_for(UserType.FULL)

    response = WRITES[operation](client, seed)

    assert response.status_code == 200, response.text


def test_full_user_may_create_a_customer(
    client_for: Callable[[UserType], httpx.Client], seed: Seed
) -> None:
    assert ok(_create_customer(client_for(UserType.FULL), seed))["IsCustomer"] is True


def test_lite_user_may_create_a_customer(
    client_for: Callable[[UserType], httpx.Client], admin_client: httpx.Client, seed: Seed
) -> None:
    client = client_for(UserType.LITE)

    created = ok(_create_customer(client, seed))

    assert created["Id"] > 0
    assert created["IsCustomer"] is True
    assert created["IsSupplier"] is False
    assert ok(admin_client.get(f"/Accounts/GetByID/{created['Id']}")) == created


@pytest.mark.parametrize("operation", WRITES)
def test_lite_user_is_refused_every_other_write(
    client_for: Callable[[UserType], httpx.Client], seed: Seed, operation: str
) -> None:
    client = client_for(UserType.LITE)

    response = WRITES[operation](client, seed)

    assert_forbidden(response)
    assert "lite" in response.json()["Message"]


@pytest.mark.parametrize("operation", [*WRITES, "create customer"])
def test_payroll_user_is_refused_every_write(
    client_for: Callable[[UserType], httpx.Client], seed: Seed, operation: str
) -> None:
    client = client_for(UserType.PAYROLL)
    write = _create_customer if operation == "create customer" else WRITES[operation]

    response = write(client, seed)

    assert_forbidden(response)
    assert "nómina" in response.json()["Message"]


def snapshot(admin_client: httpx.Client, seed: Seed) -> list[Any]:
    paths = [
        "/Accounts/GetAll",
        "/Products/GetAll",
        "/Charges/GetAll",
        f"/Contacts/GetAllByAccountID/{seed.account['Id']}",
    ]
    return [ok_list(admin_client.get(path)) for path in paths]


@pytest.mark.parametrize("user_type", [UserType.LITE, UserType.PAYROLL])
def test_refused_writes_change_nothing(
    client_for: Callable[[UserType], httpx.Client],
    admin_client: httpx.Client,
    seed: Seed,
    user_type: UserType,
) -> None:
    client = client_for(user_type)
    before = snapshot(admin_client, seed)

    statuses = {name: write(client, seed).status_code for name, write in WRITES.items()}

    assert set(statuses.values()) == {403}
    assert snapshot(admin_client, seed) == before
    assert ok(admin_client.get(f"/Accounts/GetByID/{seed.account['Id']}")) == seed.account
    assert ok(admin_client.get(f"/Products/GetByID/{seed.product['Id']}")) == seed.product
    assert ok(admin_client.get(f"/Contacts/GetByID/{seed.contact['Id']}")) == seed.contact
    assert ok(admin_client.get(f"/Charges/GetByID/{seed.charge['Id']}")) == seed.charge


# Ocp-Apim-Subscription-Key.


@pytest.mark.parametrize("key", [None, "", "cualquier-cosa", "0123456789abcdef0123456789abcdef"])
def test_subscription_key_is_not_enforced_by_default(
    admin_client: httpx.Client, key: str | None
) -> None:
    headers = {} if key is None else {"Ocp-Apim-Subscription-Key": key}

    response = admin_client.get("/Taxes/GetAll", headers=headers)

    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def keyed_server(ctx: ServiceContext, database_url: str) -> Iterator[LiveServer]:
    """A second server on the same database whose settings list subscription keys."""
    context = ServiceContext.from_settings(fast_settings(database_url, subscription_keys="k1, k2"))
    live = LiveServer(context)
    live.start()
    yield live
    live.stop()
    context.database.dispose()


@pytest.fixture
def keyed_client(
    keyed_server: LiveServer, tenant: TenantFixture, legacy_token: Callable[..., str]
) -> Iterator[httpx.Client]:
    token = legacy_token(tenant.key, "admin@empresa.co", tenant.password)
    with httpx.Client(
        base_url=f"{keyed_server.url}{API}", headers={"Authorization": token}, timeout=30
    ) as client:
        yield client


@pytest.mark.parametrize("key", ["k1", "k2"])
def test_listed_subscription_key_passes(keyed_client: httpx.Client, key: str) -> None:
    response = keyed_client.get("/Taxes/GetAll", headers={"Ocp-Apim-Subscription-Key": key})

    assert response.status_code == 200, response.text
    assert response.json() != []


@pytest.mark.parametrize("headers", [{}, {"Ocp-Apim-Subscription-Key": ""}])
def test_missing_subscription_key_is_refused_like_azure_apim(
    keyed_client: httpx.Client, headers: dict[str, str]
) -> None:
    response = keyed_client.get("/Taxes/GetAll", headers=headers)

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"statusCode", "message"}
    assert body["statusCode"] == 401
    assert body["message"].startswith("Access denied due to missing subscription key.")


@pytest.mark.parametrize("key", ["k3", "0123456789abcdef0123456789abcdef"])
def test_wrong_subscription_key_is_refused_like_azure_apim(
    keyed_client: httpx.Client, key: str
) -> None:
    response = keyed_client.get("/Taxes/GetAll", headers={"Ocp-Apim-Subscription-Key": key})

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"statusCode", "message"}
    assert body["statusCode"] == 401
    assert body["message"].startswith("Access denied due to invalid subscription key.")


def test_subscription_key_is_checked_before_the_token(keyed_server: LiveServer) -> None:
    response = httpx.get(f"{keyed_server.url}{API}/Taxes/GetAll", timeout=30)

    assert response.status_code == 401
    assert "missing subscription key" in response.json()["message"]


def test_valid_key_without_token_is_still_denied(keyed_server: LiveServer) -> None:
    response = httpx.get(
        f"{keyed_server.url}{API}/Taxes/GetAll",
        headers={"Ocp-Apim-Subscription-Key": "k1"},
        timeout=30,
    )

    assert response.status_code == 401
    assert response.json()["Errors"][0]["Code"] == "unauthorized"


def test_token_endpoint_needs_no_subscription_key(
    keyed_server: LiveServer, tenant: TenantFixture
) -> None:
    """The token endpoint lived on Siigo's identity server, not behind the API gateway."""
    response = httpx.post(
        f"{keyed_server.url}/connect/token",
        content=(
            f"grant_type=password&username={tenant.key}\\admin@empresa.co"
            f"&password={tenant.password}&scope=WebApi"
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": SIIGO_WEB_BASIC,
        },
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert response.text.startswith('{"access_token":"')
