"""Contacts of a tercero over the legacy API: CRUD, the ten-contact limit, the principal mark."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import errors_of

ABSENT = object()


def create_account(client: httpx.Client, identification: str = "800197268") -> dict[str, Any]:
    response = client.post(
        "/Accounts/Create",
        json={
            "IsCustomer": True,
            "IsSocialReason": True,
            "FullName": f"Cliente {identification} SAS",
            "IdTypeCode": "31",
            "Identification": identification,
            "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
            "Address": "Calle 100 # 19-61",
            "Phone": {"Number": "6017654321"},
        },
    )
    assert response.status_code == 200, response.text
    account: dict[str, Any] = response.json()
    return account


def contact_body(account_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "AccountID": account_id,
        "FirstName": "Carlos Andrés",
        "LastName": "Pérez Duarte",
        "EMail": "carlos.perez@cliente.com.co",
    }
    for key, value in changes.items():
        if value is ABSENT:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def create_contact(client: httpx.Client, account_id: int, **changes: Any) -> dict[str, Any]:
    response = client.post("/Contacts/Create", json=contact_body(account_id, **changes))
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()
    return contact


def contacts_of(client: httpx.Client, account_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/Contacts/GetAllByAccountID/{account_id}")
    assert response.status_code == 200, response.text
    contacts: list[dict[str, Any]] = response.json()
    return contacts


def principal_ids(client: httpx.Client, account_id: int) -> list[int]:
    return [c["Id"] for c in contacts_of(client, account_id) if c["IsPrincipal"]]


def principal_contact_of_account(client: httpx.Client, account_id: int) -> int | None:
    value: int | None = client.get(f"/Accounts/GetByID/{account_id}").json()["PrincipalContactID"]
    return value


@pytest.fixture
def account(admin_client: httpx.Client) -> dict[str, Any]:
    return create_account(admin_client)


@pytest.fixture
def account_id(account: dict[str, Any]) -> int:
    value: int = account["Id"]
    return value


@pytest.fixture
def charge_id(admin_client: httpx.Client) -> int:
    response = admin_client.post("/Charges/Create", json={"Name": "Director financiero"})
    assert response.status_code == 200, response.text
    value: int = response.json()["Id"]
    return value


def test_create_echoes_every_field_with_its_id(
    admin_client: httpx.Client, account_id: int, charge_id: int
) -> None:
    body = {
        "AccountID": account_id,
        "Phone1": {"Indicative": "601", "Number": "7654321", "Extention": "204"},
        "Mobile": {"Indicative": "57", "Number": "3157654321", "Extention": None},
        "Fax": {"Indicative": "601", "Number": "7654322", "Extention": None},
        "EMail": "laura.rincon@cliente.com.co",
        "FirstName": "Laura",
        "LastName": "Rincón",
        "IsPrincipal": True,
        "Gender": 0,
        "ChargeID": charge_id,
        "BirthDate": "19850315",
    }
    response = admin_client.post("/Contacts/Create", json=body)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert isinstance(echo["Id"], int) and echo["Id"] > 0
    assert echo == {**body, "Id": echo["Id"], "Code": 1}


def test_create_assigns_id_and_code_itself(admin_client: httpx.Client, account_id: int) -> None:
    first = create_contact(admin_client, account_id, Code=7)
    second = create_contact(admin_client, account_id, Id=first["Id"], Code=1)
    assert second["Id"] != first["Id"]
    assert (first["Code"], second["Code"]) == (1, 2)
    assert len(contacts_of(admin_client, account_id)) == 2


def test_get_by_id_returns_what_create_echoed(admin_client: httpx.Client, account_id: int) -> None:
    contact = create_contact(admin_client, account_id, Gender=1, BirthDate="20000229")
    response = admin_client.get(f"/Contacts/GetByID/{contact['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == contact


def test_get_all_by_account_lists_its_contacts_in_order(
    admin_client: httpx.Client, account_id: int
) -> None:
    first = create_contact(admin_client, account_id)
    second = create_contact(admin_client, account_id, FirstName="Diana", EMail="diana@x.co")
    other_account = create_account(admin_client, identification="830084433")
    create_contact(admin_client, other_account["Id"])
    listed = contacts_of(admin_client, account_id)
    assert [c["Id"] for c in listed] == [first["Id"], second["Id"]]
    assert [c["Code"] for c in listed] == [1, 2]


def test_get_all_by_account_of_an_account_without_contacts_is_empty(
    admin_client: httpx.Client, account_id: int
) -> None:
    assert contacts_of(admin_client, account_id) == []


def test_get_all_by_unknown_account_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Contacts/GetAllByAccountID/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_get_by_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Contacts/GetByID/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_update_replaces_the_contact(
    admin_client: httpx.Client, account_id: int, charge_id: int, method: str
) -> None:
    contact = create_contact(
        admin_client,
        account_id,
        Mobile={"Number": "3001112233"},
        Gender=1,
        ChargeID=charge_id,
        BirthDate="19791201",
    )
    replacement = {
        "Id": contact["Id"],
        "AccountID": account_id,
        "FirstName": "Carlos",
        "LastName": "Pérez",
        "EMail": "cperez@cliente.com.co",
        "Phone1": {"Number": "6011234567"},
    }
    response = admin_client.request(method, "/Contacts/Update", json=replacement)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated == {
        **replacement,
        "Code": 1,
        "Phone1": {"Indicative": None, "Number": "6011234567", "Extention": None},
        "Mobile": None,
        "Fax": None,
        "IsPrincipal": True,
        "Gender": None,
        "ChargeID": None,
        "BirthDate": None,
    }
    assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").json() == updated


def test_update_without_account_keeps_the_contacts_account(
    admin_client: httpx.Client, account_id: int
) -> None:
    contact = create_contact(admin_client, account_id)
    body = contact_body(account_id, Id=contact["Id"], AccountID=ABSENT, FirstName="Carla")
    response = admin_client.post("/Contacts/Update", json=body)
    assert response.status_code == 200, response.text
    assert (response.json()["AccountID"], response.json()["FirstName"]) == (account_id, "Carla")


def test_update_cannot_move_a_contact_to_another_account(
    admin_client: httpx.Client, account_id: int
) -> None:
    contact = create_contact(admin_client, account_id)
    other = create_account(admin_client, identification="830084433")
    body = contact_body(other["Id"], Id=contact["Id"])
    response = admin_client.post("/Contacts/Update", json=body)
    assert response.status_code == 400
    assert errors_of(response) == [("non_editable", ["AccountID"])]


def test_update_without_id_is_refused(admin_client: httpx.Client, account_id: int) -> None:
    response = admin_client.post("/Contacts/Update", json=contact_body(account_id))
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Id"])]


def test_update_of_an_unknown_id_is_not_found(admin_client: httpx.Client, account_id: int) -> None:
    response = admin_client.post("/Contacts/Update", json=contact_body(account_id, Id=987654321))
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_delete_removes_the_contact(admin_client: httpx.Client, account_id: int) -> None:
    contact = create_contact(admin_client, account_id)
    response = admin_client.delete(f"/Contacts/Delete/{contact['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == {"Id": contact["Id"], "Deleted": True}
    assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").status_code == 404
    assert contacts_of(admin_client, account_id) == []
    assert principal_contact_of_account(admin_client, account_id) is None


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"AccountID": ABSENT}, "parameter_required", "AccountID", id="no-account"),
        pytest.param({"AccountID": -1}, "parameter_required", "AccountID", id="account-minus-1"),
        pytest.param(
            {"AccountID": 987654321}, "invalid_reference", "AccountID", id="unknown-account"
        ),
        pytest.param({"EMail": ABSENT}, "parameter_required", "EMail", id="no-email"),
        pytest.param({"EMail": "  "}, "parameter_required", "EMail", id="blank-email"),
        pytest.param({"EMail": "carlos@"}, "invalid_email", "EMail", id="bad-email"),
        pytest.param({"FirstName": ABSENT}, "parameter_required", "FirstName", id="no-first"),
        pytest.param({"LastName": ABSENT}, "parameter_required", "LastName", id="no-last"),
        pytest.param({"FirstName": "x" * 51}, "length_max", "FirstName", id="first-too-long"),
        pytest.param({"LastName": "x" * 51}, "length_max", "LastName", id="last-too-long"),
        pytest.param({"Gender": 2}, "invalid_value", "Gender", id="gender-2"),
        pytest.param({"Gender": -1}, "invalid_value", "Gender", id="gender-negative"),
        pytest.param({"ChargeID": 987654}, "invalid_reference", "ChargeID", id="unknown-charge"),
        pytest.param(
            {"Phone1": {"Number": "601-765"}}, "invalid_value", "Phone1.Number", id="phone1"
        ),
        pytest.param(
            {"Mobile": {"Number": "31576543210"}}, "invalid_value", "Mobile.Number", id="mobile"
        ),
        pytest.param({"BirthDate": "20231345"}, "invalid_type", "BirthDate", id="bad-date"),
        pytest.param({"BirthDate": "15/03/1985"}, "invalid_type", "BirthDate", id="dmy-date"),
    ],
)
def test_create_refuses_a_rule_violation(
    admin_client: httpx.Client, account_id: int, changes: dict[str, Any], code: str, field: str
) -> None:
    response = admin_client.post("/Contacts/Create", json=contact_body(account_id, **changes))
    assert response.status_code == 400, response.text
    assert errors_of(response) == [(code, [field])]
    assert contacts_of(admin_client, account_id) == []


def test_every_violation_is_reported_in_one_answer(
    admin_client: httpx.Client, account_id: int
) -> None:
    body = contact_body(account_id, FirstName=ABSENT, EMail="no-es-correo", Gender=7)
    response = admin_client.post("/Contacts/Create", json=body)
    assert response.status_code == 400
    assert sorted(errors_of(response)) == [
        ("invalid_email", ["EMail"]),
        ("invalid_value", ["Gender"]),
        ("parameter_required", ["FirstName"]),
    ]


def test_update_applies_the_same_rules(admin_client: httpx.Client, account_id: int) -> None:
    contact = create_contact(admin_client, account_id)
    body = contact_body(account_id, Id=contact["Id"], EMail=ABSENT, Gender=3)
    response = admin_client.post("/Contacts/Update", json=body)
    assert response.status_code == 400
    assert sorted(errors_of(response)) == [
        ("invalid_value", ["Gender"]),
        ("parameter_required", ["EMail"]),
    ]
    assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").json() == contact


@pytest.mark.parametrize("gender", [0, 1])
def test_gender_is_zero_or_one(admin_client: httpx.Client, account_id: int, gender: int) -> None:
    assert create_contact(admin_client, account_id, Gender=gender)["Gender"] == gender


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("19850315", "19850315"), ("1985-03-15", "19850315"), (19991231, "19991231")],
)
def test_birth_date_round_trips_as_yyyymmdd(
    admin_client: httpx.Client, account_id: int, sent: object, kept: str
) -> None:
    contact = create_contact(admin_client, account_id, BirthDate=sent)
    assert contact["BirthDate"] == kept
    assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").json()["BirthDate"] == kept


def test_charge_must_be_active(admin_client: httpx.Client, account_id: int) -> None:
    charge = admin_client.post("/Charges/Create", json={"Name": "Cargo viejo", "IsActive": False})
    assert charge.status_code == 200, charge.text
    response = admin_client.post(
        "/Contacts/Create", json=contact_body(account_id, ChargeID=charge.json()["Id"])
    )
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_inactive", ["ChargeID"])]


@pytest.mark.parametrize("none", [-1, 0])
def test_charge_below_one_means_none(
    admin_client: httpx.Client, account_id: int, none: int
) -> None:
    assert create_contact(admin_client, account_id, ChargeID=none)["ChargeID"] is None


def test_an_account_has_at_most_ten_contacts(admin_client: httpx.Client, account_id: int) -> None:
    for n in range(10):
        create_contact(admin_client, account_id, EMail=f"contacto{n}@cliente.com.co")
    response = admin_client.post(
        "/Contacts/Create", json=contact_body(account_id, EMail="once@cliente.com.co")
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_array", ["AccountID"])]
    assert len(contacts_of(admin_client, account_id)) == 10


def test_a_deleted_contact_frees_its_place(admin_client: httpx.Client, account_id: int) -> None:
    made = [create_contact(admin_client, account_id) for _ in range(10)]
    admin_client.delete(f"/Contacts/Delete/{made[3]['Id']}")
    eleventh = create_contact(admin_client, account_id, FirstName="Undécimo")
    assert len(contacts_of(admin_client, account_id)) == 10
    assert eleventh["Code"] == 11


def test_first_contact_becomes_principal(admin_client: httpx.Client, account_id: int) -> None:
    first = create_contact(admin_client, account_id, IsPrincipal=False)
    second = create_contact(admin_client, account_id, IsPrincipal=False)
    assert first["IsPrincipal"] is True
    assert second["IsPrincipal"] is False
    assert principal_ids(admin_client, account_id) == [first["Id"]]
    assert principal_contact_of_account(admin_client, account_id) == first["Id"]


def test_new_principal_contact_takes_the_mark(admin_client: httpx.Client, account_id: int) -> None:
    first = create_contact(admin_client, account_id)
    create_contact(admin_client, account_id)
    third = create_contact(admin_client, account_id, IsPrincipal=True)
    assert third["IsPrincipal"] is True
    assert principal_ids(admin_client, account_id) == [third["Id"]]
    assert admin_client.get(f"/Contacts/GetByID/{first['Id']}").json()["IsPrincipal"] is False
    assert principal_contact_of_account(admin_client, account_id) == third["Id"]


def test_updating_a_contact_to_principal_moves_the_mark(
    admin_client: httpx.Client, account_id: int
) -> None:
    create_contact(admin_client, account_id)
    second = create_contact(admin_client, account_id)
    response = admin_client.post("/Contacts/Update", json={**second, "IsPrincipal": True})
    assert response.status_code == 200, response.text
    assert principal_ids(admin_client, account_id) == [second["Id"]]
    assert principal_contact_of_account(admin_client, account_id) == second["Id"]


def test_principal_contact_stays_principal_when_unmarked(
    admin_client: httpx.Client, account_id: int
) -> None:
    """An account with contacts always has exactly one principal."""
    first = create_contact(admin_client, account_id)
    create_contact(admin_client, account_id)
    response = admin_client.post("/Contacts/Update", json={**first, "IsPrincipal": False})
    assert response.status_code == 200, response.text
    assert response.json()["IsPrincipal"] is True
    assert principal_ids(admin_client, account_id) == [first["Id"]]


def test_account_update_names_the_principal_contact(
    admin_client: httpx.Client, account: dict[str, Any]
) -> None:
    create_contact(admin_client, account["Id"])
    second = create_contact(admin_client, account["Id"])
    response = admin_client.post(
        "/Accounts/Update", json={**account, "PrincipalContactID": second["Id"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["PrincipalContactID"] == second["Id"]
    assert principal_ids(admin_client, account["Id"]) == [second["Id"]]


def test_account_update_without_principal_keeps_it(
    admin_client: httpx.Client, account: dict[str, Any]
) -> None:
    first = create_contact(admin_client, account["Id"])
    create_contact(admin_client, account["Id"])
    for none in (None, -1, 0):
        response = admin_client.post(
            "/Accounts/Update", json={**account, "PrincipalContactID": none}
        )
        assert response.status_code == 200, response.text
        assert response.json()["PrincipalContactID"] == first["Id"]


def test_account_update_refuses_a_contact_of_another_account(
    admin_client: httpx.Client, account: dict[str, Any]
) -> None:
    mine = create_contact(admin_client, account["Id"])
    other_account = create_account(admin_client, identification="830084433")
    foreign = create_contact(admin_client, other_account["Id"])
    response = admin_client.post(
        "/Accounts/Update", json={**account, "PrincipalContactID": foreign["Id"]}
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", ["PrincipalContactID"])]
    assert principal_ids(admin_client, account["Id"]) == [mine["Id"]]
    assert principal_ids(admin_client, other_account["Id"]) == [foreign["Id"]]


def test_deleting_the_principal_hands_it_to_the_oldest_contact(
    admin_client: httpx.Client, account_id: int
) -> None:
    first = create_contact(admin_client, account_id)
    second = create_contact(admin_client, account_id)
    third = create_contact(admin_client, account_id, IsPrincipal=True)
    fourth = create_contact(admin_client, account_id)
    admin_client.delete(f"/Contacts/Delete/{first['Id']}")
    assert principal_ids(admin_client, account_id) == [third["Id"]]
    admin_client.delete(f"/Contacts/Delete/{third['Id']}")
    assert principal_ids(admin_client, account_id) == [second["Id"]]
    assert principal_contact_of_account(admin_client, account_id) == second["Id"]
    assert fourth["Id"] not in principal_ids(admin_client, account_id)


def test_deleting_an_account_removes_its_contacts(
    admin_client: httpx.Client, account_id: int
) -> None:
    contacts = [create_contact(admin_client, account_id) for _ in range(3)]
    response = admin_client.delete(f"/Accounts/Delete/{account_id}")
    assert response.status_code == 200, response.text
    for contact in contacts:
        assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").status_code == 404
    assert admin_client.get(f"/Contacts/GetAllByAccountID/{account_id}").status_code == 404


def test_contact_of_another_company_is_not_found(
    admin_client: httpx.Client, other_client: httpx.Client, account_id: int
) -> None:
    contact = create_contact(admin_client, account_id)
    assert other_client.get(f"/Contacts/GetByID/{contact['Id']}").status_code == 404
    assert other_client.get(f"/Contacts/GetAllByAccountID/{account_id}").status_code == 404
    update = other_client.post("/Contacts/Update", json={**contact, "FirstName": "Intruso"})
    assert update.status_code == 404
    assert other_client.delete(f"/Contacts/Delete/{contact['Id']}").status_code == 404
    assert admin_client.get(f"/Contacts/GetByID/{contact['Id']}").json() == contact


def test_contact_cannot_join_an_account_of_another_company(
    other_client: httpx.Client, account_id: int
) -> None:
    response = other_client.post("/Contacts/Create", json=contact_body(account_id))
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", ["AccountID"])]


def test_contact_cannot_hold_a_charge_of_another_company(
    other_client: httpx.Client, charge_id: int
) -> None:
    account = create_account(other_client)
    response = other_client.post(
        "/Contacts/Create", json=contact_body(account["Id"], ChargeID=charge_id)
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", ["ChargeID"])]
