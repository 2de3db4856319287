"""What real Siigo clients send: paths in any case, three prefixes, namespaces, sloppy bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, errors_of

PREFIXES = ["/siigo/api/v1", "/api/v1", "/nube/api/v1"]

ACCOUNT = {
    "IsCustomer": True,
    "IsSocialReason": True,
    "FullName": "Ferretería El Tornillo SAS",
    "IdTypeCode": "31",
    "Identification": "800197268",
    "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"},
    "Address": "Calle 10 # 4-20",
    "Phone": {"Number": "5712345"},
}

PYTHON_REPR_ACCOUNT = """{'IsCustomer': True, 'IsSupplier': False, 'IsSocialReason': False,
 'FullName': None, 'FirstName': 'José', 'LastName': "O'Neill", 'IdTypeCode': '13',
 'Identification': '79845123', 'City': {'CountryCode': 'CO', 'StateCode': '11',
 'CityCode': '11001'}, 'Address': 'Calle 1 # 2-3', 'Phone': {'Number': '3001234567'},
 'EMail': None, 'DirectorID': -1}"""

TRAILING_COMMAS_ACCOUNT = """{
  "IsCustomer": true,
  "IsSocialReason": true,
  "FullName": "Comas SAS",
  "IdTypeCode": "31",
  "Identification": "830084433",
  "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001",},
  "Address": 'Calle 5 # 6-7',
  "Phone": {"Number": "5712345",},
  "FiscalResponsibilities": ["O-13",],
}"""

LEADING_ZERO_PHONE_ACCOUNT = """{"IsCustomer": true, "IsSocialReason": true,
 "FullName": "Ceros SAS", "IdTypeCode": 31, "Identification": 901210113,
 "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"},
 "Address": "Calle 8", "Phone": {"Indicative": 057, "Number": 0343214444}}"""


def create_account(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = client.post("/Accounts/Create", json={**ACCOUNT, **changes})
    assert response.status_code == 200, response.text
    account: dict[str, Any] = response.json()
    return account


def post_raw(client: httpx.Client, path: str, text: str) -> httpx.Response:
    return client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})


@pytest.fixture
def root_client(server: LiveServer, admin_client: httpx.Client) -> Iterator[httpx.Client]:
    """The tenant's token on a client at the server root, to call any prefix."""
    headers = {"Authorization": admin_client.headers["Authorization"]}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/getbyid/{id}",
        "/ACCOUNTS/GETBYID/{id}",
        "/Accounts/GetById/{id}",
        "/aCcOuNtS/gEtById/{id}/",
    ],
)
def test_paths_are_case_insensitive_for_get_by_id(admin_client: httpx.Client, path: str) -> None:
    account = create_account(admin_client)
    response = admin_client.get(path.format(id=account["Id"]))
    assert response.status_code == 200, response.text
    assert response.json() == account


@pytest.mark.parametrize("path", ["/accounts/getall", "/ACCOUNTS/GETALL", "/Accounts/getAll"])
def test_paths_are_case_insensitive_for_get_all(admin_client: httpx.Client, path: str) -> None:
    account = create_account(admin_client)
    response = admin_client.get(path, params={"numberPage": 0})
    assert response.status_code == 200, response.text
    assert response.json() == [account]


def test_paths_are_case_insensitive_for_contacts_of_an_account(
    admin_client: httpx.Client,
) -> None:
    account = create_account(admin_client)
    contact = admin_client.post(
        "/contacts/create",
        json={
            "AccountID": account["Id"],
            "FirstName": "Ana",
            "LastName": "Ruiz",
            "EMail": "ana@tornillo.co",
        },
    )
    assert contact.status_code == 200, contact.text
    response = admin_client.get(f"/Contacts/getallbyaccountid/{account['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == [contact.json()]


def test_paths_are_case_insensitive_for_writes(admin_client: httpx.Client) -> None:
    created = admin_client.post("/ACCOUNTS/CREATE", json=ACCOUNT)
    assert created.status_code == 200, created.text
    account = created.json()
    updated = admin_client.put("/accounts/update", json={**account, "FullName": "Tornillos SAS"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["FullName"] == "Tornillos SAS"
    deleted = admin_client.delete(f"/accounts/delete/{account['Id']}")
    assert deleted.status_code == 200, deleted.text
    assert admin_client.get(f"/Accounts/GetByID/{account['Id']}").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["?namespace=v1", "?namespace=namespace=v1", "?namespace=", "?namespace=v2&numberPage=0"],
)
def test_any_namespace_is_tolerated(admin_client: httpx.Client, query: str) -> None:
    account = create_account(admin_client)
    listed = admin_client.get(f"/Accounts/GetAll{query}")
    assert listed.status_code == 200, listed.text
    assert listed.json() == [account]
    fetched = admin_client.get(f"/Accounts/GetByID/{account['Id']}{query}")
    assert fetched.status_code == 200, fetched.text
    created = admin_client.post(
        f"/Accounts/Create{query}", json={**ACCOUNT, "Identification": "830084433"}
    )
    assert created.status_code == 200, created.text


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_serves_the_same_accounts(root_client: httpx.Client, prefix: str) -> None:
    created = root_client.post(f"{prefix}/Accounts/Create?namespace=v1", json=ACCOUNT)
    assert created.status_code == 200, created.text
    account = created.json()
    for other in PREFIXES:
        fetched = root_client.get(f"{other}/Accounts/GetByID/{account['Id']}")
        assert fetched.status_code == 200, (other, fetched.text)
        assert fetched.json() == account
        assert root_client.get(f"{other}/accounts/getall?numberPage=0").json() == [account]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_serves_contacts_and_charges(root_client: httpx.Client, prefix: str) -> None:
    account = root_client.post(f"{prefix}/Accounts/Create", json=ACCOUNT).json()
    contact = root_client.post(
        f"{prefix}/Contacts/Create",
        json={"AccountID": account["Id"], "FirstName": "A", "LastName": "B", "EMail": "a@b.co"},
    )
    assert contact.status_code == 200, contact.text
    listed = root_client.get(f"{prefix}/Contacts/GetAllByAccountID/{account['Id']}")
    assert listed.json() == [contact.json()]
    charges = root_client.get(f"{prefix}/Charges/GetAll?numberPage=0")
    assert charges.status_code == 200, charges.text
    assert charges.json()[0]["Name"] == "Gerente"


@pytest.mark.parametrize("prefix", ["/SIIGO/API/V1", "/Api/V1", "/Nube/Api/v1"])
def test_prefixes_are_case_insensitive(root_client: httpx.Client, prefix: str) -> None:
    account = root_client.post(f"{prefix}/accounts/create", json=ACCOUNT)
    assert account.status_code == 200, account.text
    listed = root_client.get(f"{prefix}/Accounts/GetAll?numberPage=0")
    assert listed.status_code == 200, listed.text
    assert listed.json() == [account.json()]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_requires_a_token(server: LiveServer, prefix: str) -> None:
    response = httpx.get(f"{server.url}{prefix}/Accounts/GetAll?numberPage=0")
    assert response.status_code == 401
    assert errors_of(response) == [("unauthorized", [])]


def test_python_repr_body_is_read(admin_client: httpx.Client) -> None:
    response = post_raw(admin_client, "/Accounts/Create", PYTHON_REPR_ACCOUNT)
    assert response.status_code == 200, response.text
    account = response.json()
    assert (account["FirstName"], account["LastName"]) == ("José", "O'Neill")
    assert account["FullName"] is None and account["EMail"] is None
    assert account["IsCustomer"] is True and account["IsSupplier"] is False
    assert account["DirectorID"] is None


def test_trailing_commas_and_single_quotes_are_read(admin_client: httpx.Client) -> None:
    response = post_raw(admin_client, "/Accounts/Create", TRAILING_COMMAS_ACCOUNT)
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["FullName"] == "Comas SAS"
    assert account["Address"] == "Calle 5 # 6-7"
    assert account["FiscalResponsibilities"] == ["O-13"]
    assert account["CheckDigit"] == 7


def test_numbers_with_leading_zeros_are_kept_as_text(admin_client: httpx.Client) -> None:
    response = post_raw(admin_client, "/Accounts/Create", LEADING_ZERO_PHONE_ACCOUNT)
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["Phone"] == {"Indicative": "057", "Number": "0343214444", "Extention": None}
    assert (account["IdTypeCode"], account["Identification"]) == ("31", "901210113")
    assert account["CheckDigit"] == 3


def test_leading_zero_repair_leaves_text_inside_strings_alone(
    admin_client: httpx.Client,
) -> None:
    text = LEADING_ZERO_PHONE_ACCOUNT.replace('"Calle 8"', '"Vereda El Salitre, 045, Km 5"')
    response = post_raw(admin_client, "/Accounts/Create", text)
    assert response.status_code == 200, response.text
    assert response.json()["Address"] == "Vereda El Salitre, 045, Km 5"
    assert response.json()["Phone"]["Number"] == "0343214444"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/json; charset=UTF-8", "application/json"]
)
def test_json_is_read_whatever_the_declared_text_type(
    admin_client: httpx.Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = ("\ufeff" + json.dumps(ACCOUNT)).encode()
    response = admin_client.post("/Accounts/Create", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["FullName"] == "Ferretería El Tornillo SAS"


def test_numbers_and_booleans_written_as_text_are_read(admin_client: httpx.Client) -> None:
    body = {
        **ACCOUNT,
        "IdTypeCode": 31,
        "Identification": 800197268,
        "CheckDigit": "4",
        "BranchOffice": "0",
        "IsCustomer": "true",
        "IsSupplier": "false",
        "IsSocialReason": "True",
        "IsActive": "false",
        "Phone": {"Number": 5712345},
    }
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 200, response.text
    account = response.json()
    assert (account["IdTypeCode"], account["Identification"]) == ("31", "800197268")
    assert (account["CheckDigit"], account["BranchOffice"]) == (4, 0)
    assert (account["IsCustomer"], account["IsSupplier"]) == (True, False)
    assert (account["IsSocialReason"], account["IsActive"]) == (True, False)
    assert account["Phone"]["Number"] == "5712345"


def test_keys_are_read_in_any_case(admin_client: httpx.Client) -> None:
    body = {
        "iscustomer": True,
        "ISSOCIALREASON": False,
        "firstname": "Luz",
        "LAstNAme": "Arango",
        "idtypecode": "13",
        "identification": "43567890",
        "city": {"countrycode": "co", "STATECODE": "05", "CityCode": "001"},
        "ADDRESS": "Calle 50 # 50-50",
        "phone": {"NUMBER": "6045556677", "indicative": "604"},
        "email": "luz@arango.co",
    }
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 200, response.text
    account = response.json()
    assert (account["FirstName"], account["LastName"]) == ("Luz", "Arango")
    assert account["City"] == {"CountryCode": "CO", "StateCode": "05", "CityCode": "05001"}
    assert account["Phone"] == {"Indicative": "604", "Number": "6045556677", "Extention": None}
    assert account["EMail"] == "luz@arango.co"


def test_unknown_or_misspelled_keys_are_ignored(admin_client: httpx.Client) -> None:
    body = {
        **ACCOUNT,
        "FullNmae": "Ignorada SAS",
        "Apellido": "Nadie",
        "LastNAmee": "Tampoco",
        "Phone": {"Number": "5712345", "Numero": "999"},
        "Extra": {"anything": [1, 2, 3]},
    }
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["FullName"] == "Ferretería El Tornillo SAS"
    assert account["LastName"] is None
    assert account["Phone"]["Number"] == "5712345"
    assert "FullNmae" not in account and "Extra" not in account


def test_misspelled_required_key_counts_as_missing(admin_client: httpx.Client) -> None:
    body = {key: value for key, value in ACCOUNT.items() if key != "Address"}
    response = admin_client.post("/Accounts/Create", json={**body, "Adress": "Calle 1"})
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Address"])]


@pytest.mark.parametrize(
    "text",
    [
        "esto no es json",
        "IsCustomer=true&FullName=x",
        '{"IsCustomer": true, "FullName": ',
        "<Account><FullName>x</FullName></Account>",
    ],
)
def test_body_that_is_not_json_is_refused_clearly(admin_client: httpx.Client, text: str) -> None:
    response = post_raw(admin_client, "/Accounts/Create", text)
    assert response.status_code == 400
    payload = response.json()
    assert payload["Message"] == "The request body is not valid JSON"
    assert errors_of(response) == [("invalid_value", [])]
    assert admin_client.get("/Accounts/GetAll?numberPage=0").json() == []


def test_body_that_is_a_json_list_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Accounts/Create", json=[ACCOUNT])
    assert response.status_code == 400
    assert response.json()["Errors"][0]["Code"] == "invalid_type"


def test_empty_body_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Accounts/Create")
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", [])]


@pytest.mark.parametrize("body", ["{}", "[]"])
def test_get_with_a_body_works(admin_client: httpx.Client, body: str) -> None:
    account = create_account(admin_client)
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    listed = admin_client.request(
        "GET", "/Accounts/GetAll?numberPage=0", content=body, headers=headers
    )
    assert listed.status_code == 200, listed.text
    assert listed.json() == [account]
    fetched = admin_client.request(
        "GET", f"/Accounts/GetByID/{account['Id']}", content=body, headers=headers
    )
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == account


@pytest.mark.parametrize(
    "path", ["/Accounts/Nothing", "/NoSuchResource/GetAll", "/Accounts/GetByID", "/Accounts"]
)
def test_unknown_route_is_a_legacy_404(admin_client: httpx.Client, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 404
    payload = response.json()
    assert set(payload) == {"Message", "Errors"}
    assert errors_of(response) == [("not_found", [])]
    assert path in payload["Errors"][0]["Message"]


def test_get_by_id_that_is_not_a_number_is_a_400(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Accounts/GetByID/abc")
    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == ["invalid_type"]


def test_openapi_lists_the_routes_under_every_prefix(http: httpx.Client) -> None:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    routes = {
        "/Accounts/Create": "post",
        "/Accounts/GetByID/{account_id}": "get",
        "/Accounts/GetAll": "get",
        "/Accounts/Update": "put",
        "/Accounts/Delete/{account_id}": "delete",
        "/Contacts/Create": "post",
        "/Contacts/GetByID/{contact_id}": "get",
        "/Contacts/GetAllByAccountID/{account_id}": "get",
        "/Contacts/Update": "post",
        "/Contacts/Delete/{contact_id}": "delete",
        "/Charges/Create": "post",
        "/Charges/GetByID/{charge_id}": "get",
        "/Charges/GetAll": "get",
        "/Charges/Update": "post",
        "/Charges/Delete/{charge_id}": "delete",
    }
    missing = [
        f"{method.upper()} {prefix}{route}"
        for prefix in PREFIXES
        for route, method in routes.items()
        if method not in paths.get(prefix + route, {})
    ]
    assert missing == []
    for prefix in PREFIXES:
        assert {"post", "put"} <= set(paths[f"{prefix}/Accounts/Update"])
        parameters = paths[f"{prefix}/Accounts/GetAll"]["get"]["parameters"]
        assert "numberPage" in [p["name"] for p in parameters]


GUIDE_ACCOUNT_FIELDS = [
    "Id", "IsLeaflet", "IsCustomer", "IsSupplier", "IsDealer", "IsBank", "IsSocialReason",
    "FullName", "FirstName", "LastName", "IdTypeCode", "Identification", "CheckDigit",
    "BranchOffice", "IsVATCompanyType", "WebSite", "City", "Address", "PostalCode", "Fax",
    "Phone", "EMail", "IsActive", "DirectorID", "SalesmanID", "CollectorID",
    "PrincipalContactID", "FiscalResponsibilities",
]  # fmt: skip


def test_openapi_describes_the_account_body_with_every_guide_field(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"]["/siigo/api/v1/Accounts/Create"]["post"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert list(schema["properties"]) == GUIDE_ACCOUNT_FIELDS


def test_openapi_does_not_promise_422_answers(http: httpx.Client) -> None:
    """Invalid requests answer 400 in the legacy error shape; the document must not say 422."""
    paths = http.get("/openapi.json").json()["paths"]
    promising_422 = sorted(
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if path.startswith("/siigo/api/v1/")
        for method, operation in operations.items()
        if "422" in operation.get("responses", {})
    )
    assert promising_422 == []
