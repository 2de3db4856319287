"""Accounts (terceros) over the legacy API: CRUD, every validation rule, isolation, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import PartyData
from facturo.services import parties
from facturo.services.context import ServiceContext
from tests.conftest import TenantFixture, errors_of

ABSENT = object()
KINDS = "IsCustomer, IsSupplier, IsLeaflet, IsDealer or IsBank"


def company_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "IsCustomer": True,
        "IsSocialReason": True,
        "FullName": "Ferretería El Tornillo SAS",
        "IdTypeCode": "31",
        "Identification": "800197268",
        "IsVATCompanyType": True,
        "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"},
        "Address": "Calle 10 # 4-20",
        "Phone": {"Number": "5712345"},
    }
    return _changed(body, changes)


def person_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "IsCustomer": True,
        "IsSocialReason": False,
        "FirstName": "María Fernanda",
        "LastName": "Gómez Restrepo",
        "IdTypeCode": "13",
        "Identification": "1032456789",
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": "Carrera 7 # 72-41",
        "Phone": {"Number": "3104567890"},
    }
    return _changed(body, changes)


def _changed(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if value is ABSENT:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/Accounts/Create", json=body)
    assert response.status_code == 200, response.text
    account: dict[str, Any] = response.json()
    return account


def test_create_echoes_every_field_of_the_guide_with_its_id(
    admin_client: httpx.Client, tenant: TenantFixture
) -> None:
    admin_id = tenant.admin.id
    body = {
        "IsLeaflet": True,
        "IsCustomer": True,
        "IsSupplier": True,
        "IsDealer": True,
        "IsBank": True,
        "IsSocialReason": True,
        "FullName": "Distribuidora La Montaña SAS",
        "FirstName": None,
        "LastName": None,
        "IdTypeCode": "31",
        "Identification": "830084433",
        "CheckDigit": 7,
        "BranchOffice": 2,
        "IsVATCompanyType": True,
        "WebSite": "https://lamontana.com.co",
        "City": {"CountryCode": "CO", "StateCode": "05", "CityCode": "05001"},
        "Address": "Carrera 43A # 1-50",
        "PostalCode": "050021",
        "Fax": {"Indicative": "604", "Number": "4441234", "Extention": "12"},
        "Phone": {"Indicative": "604", "Number": "4445678", "Extention": "101"},
        "EMail": "compras@lamontana.com.co",
        "IsActive": True,
        "DirectorID": admin_id,
        "SalesmanID": admin_id,
        "CollectorID": admin_id,
        "PrincipalContactID": None,
        "FiscalResponsibilities": ["O-13", "O-15"],
    }
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert isinstance(echo["Id"], int) and echo["Id"] > 0
    assert echo == {**body, "Id": echo["Id"]}


def test_create_ignores_an_id_in_the_body(admin_client: httpx.Client) -> None:
    first = create(admin_client, company_body())
    second = create(admin_client, person_body(Id=first["Id"]))
    assert second["Id"] != first["Id"]
    assert admin_client.get(f"/Accounts/GetByID/{first['Id']}").json() == first


def test_get_by_id_returns_what_create_echoed(admin_client: httpx.Client) -> None:
    account = create(admin_client, person_body(EMail="maria@correo.com.co"))
    response = admin_client.get(f"/Accounts/GetByID/{account['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == account


def test_get_all_lists_the_created_accounts(admin_client: httpx.Client) -> None:
    first = create(admin_client, company_body())
    second = create(admin_client, person_body())
    response = admin_client.get("/Accounts/GetAll", params={"numberPage": 0})
    assert response.status_code == 200, response.text
    assert response.json() == [first, second]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_update_replaces_the_whole_record(admin_client: httpx.Client, method: str) -> None:
    original = create(
        admin_client,
        company_body(
            WebSite="https://tornillo.co",
            EMail="ventas@tornillo.co",
            Fax={"Number": "5719999"},
            PostalCode="540001",
        ),
    )
    replacement = person_body(
        Id=original["Id"], IsCustomer=False, IsSupplier=True, Identification="79845123"
    )
    response = admin_client.request(method, "/Accounts/Update", json=replacement)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["Id"] == original["Id"]
    assert updated["IsCustomer"] is False and updated["IsSupplier"] is True
    assert updated["IsSocialReason"] is False
    assert (updated["FirstName"], updated["LastName"]) == ("María Fernanda", "Gómez Restrepo")
    assert updated["FullName"] is None
    assert (updated["IdTypeCode"], updated["Identification"]) == ("13", "79845123")
    assert updated["CheckDigit"] is None
    assert updated["WebSite"] is None and updated["EMail"] is None
    assert updated["Fax"] is None and updated["PostalCode"] is None
    assert updated["FiscalResponsibilities"] == ["O-49"]
    assert admin_client.get(f"/Accounts/GetByID/{original['Id']}").json() == updated


def test_update_keeping_its_own_identification_is_not_a_duplicate(
    admin_client: httpx.Client,
) -> None:
    account = create(admin_client, company_body())
    response = admin_client.post(
        "/Accounts/Update", json={**account, "FullName": "Ferretería El Tornillo y Cía SAS"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["FullName"] == "Ferretería El Tornillo y Cía SAS"


def test_update_without_id_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Accounts/Update", json=company_body())
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Id"])]


def test_update_of_an_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Accounts/Update", json=company_body(Id=987654321))
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_delete_removes_the_account(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body())
    response = admin_client.delete(f"/Accounts/Delete/{account['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == {"Id": account["Id"], "Deleted": True}
    gone = admin_client.get(f"/Accounts/GetByID/{account['Id']}")
    assert gone.status_code == 404
    assert gone.json()["Errors"][0]["Code"] == "not_found"
    assert admin_client.get("/Accounts/GetAll?numberPage=0").json() == []


def test_delete_of_an_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.delete("/Accounts/Delete/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        pytest.param(company_body(IsCustomer=False), "invalid_value", KINDS, id="no-kind"),
        pytest.param(
            company_body(IsCustomer=False, IsLeaflet=False, IsSupplier=False, IsDealer=False),
            "invalid_value",
            KINDS,
            id="all-kinds-false",
        ),
        pytest.param(
            company_body(FullName=ABSENT), "parameter_required", "FullName", id="no-full-name"
        ),
        pytest.param(
            company_body(FullName="   "), "parameter_required", "FullName", id="blank-full-name"
        ),
        pytest.param(
            company_body(FullName="x" * 101), "length_max", "FullName", id="full-name-too-long"
        ),
        pytest.param(
            person_body(FirstName=ABSENT), "parameter_required", "FirstName", id="no-first-name"
        ),
        pytest.param(
            person_body(LastName=ABSENT), "parameter_required", "LastName", id="no-last-name"
        ),
        pytest.param(
            person_body(FirstName="x" * 51), "length_max", "FirstName", id="first-name-too-long"
        ),
        pytest.param(
            person_body(LastName="x" * 51), "length_max", "LastName", id="last-name-too-long"
        ),
        pytest.param(
            person_body(IdTypeCode=ABSENT), "parameter_required", "IdTypeCode", id="no-id-type"
        ),
        pytest.param(
            person_body(IdTypeCode="99"), "invalid_reference", "IdTypeCode", id="id-type-unknown"
        ),
        pytest.param(
            person_body(Identification=ABSENT),
            "parameter_required",
            "Identification",
            id="no-identification",
        ),
        pytest.param(
            person_body(Identification="10324A6789"),
            "invalid_identification",
            "Identification",
            id="letters-in-cedula",
        ),
        pytest.param(
            person_body(Identification="12"),
            "invalid_identification",
            "Identification",
            id="identification-too-short",
        ),
        pytest.param(
            person_body(Identification="12345678901234"),
            "invalid_identification",
            "Identification",
            id="identification-too-long",
        ),
        pytest.param(
            person_body(IdTypeCode="41", Identification="AB-12345678901234567890"),
            "invalid_identification",
            "Identification",
            id="passport-too-long",
        ),
        pytest.param(
            company_body(CheckDigit=5), "invalid_value", "CheckDigit", id="wrong-check-digit"
        ),
        pytest.param(
            company_body(CheckDigit=12), "invalid_value", "CheckDigit", id="check-digit-not-a-digit"
        ),
        pytest.param(
            company_body(BranchOffice=1000), "invalid_value", "BranchOffice", id="branch-over-999"
        ),
        pytest.param(
            company_body(BranchOffice=-1), "invalid_value", "BranchOffice", id="branch-negative"
        ),
        pytest.param(
            company_body(City=ABSENT), "parameter_required", "City.CountryCode", id="no-city"
        ),
        pytest.param(
            company_body(City={"CountryCode": "XX", "StateCode": "54", "CityCode": "54001"}),
            "invalid_reference",
            "City.CountryCode",
            id="country-not-iso",
        ),
        pytest.param(
            company_body(City={"CountryCode": "CO", "StateCode": "42", "CityCode": "54001"}),
            "invalid_reference",
            "City.StateCode",
            id="state-not-a-department",
        ),
        pytest.param(
            company_body(City={"CountryCode": "CO", "StateCode": "54", "CityCode": "54999"}),
            "invalid_reference",
            "City.CityCode",
            id="city-not-a-municipality",
        ),
        pytest.param(
            company_body(City={"CountryCode": "CO", "StateCode": "54", "CityCode": "05001"}),
            "invalid_reference",
            "City.CityCode",
            id="city-of-another-department",
        ),
        pytest.param(
            company_body(City={"CountryCode": "CO", "StateCode": "54"}),
            "parameter_required",
            "City.CityCode",
            id="no-city-code",
        ),
        pytest.param(
            company_body(Address=ABSENT), "parameter_required", "Address", id="no-address"
        ),
        pytest.param(
            company_body(Address="x" * 251), "length_max", "Address", id="address-too-long"
        ),
        pytest.param(
            company_body(Phone=ABSENT), "parameter_required", "Phone.Number", id="no-phone"
        ),
        pytest.param(
            company_body(Phone={"Indicative": "57"}),
            "parameter_required",
            "Phone.Number",
            id="phone-without-number",
        ),
        pytest.param(
            company_body(Phone={"Number": "571-2345"}),
            "invalid_value",
            "Phone.Number",
            id="phone-not-digits",
        ),
        pytest.param(
            company_body(Phone={"Number": "31045678901"}),
            "invalid_value",
            "Phone.Number",
            id="phone-over-10-digits",
        ),
        pytest.param(
            company_body(EMail="ventas.tornillo.co"), "invalid_email", "EMail", id="bad-email"
        ),
        pytest.param(
            company_body(FiscalResponsibilities=["O-98"]),
            "invalid_reference",
            "FiscalResponsibilities[0]",
            id="unknown-responsibility",
        ),
        pytest.param(
            company_body(FiscalResponsibilities=["O-13", "Z-1"]),
            "invalid_reference",
            "FiscalResponsibilities[1]",
            id="second-responsibility-unknown",
        ),
        pytest.param(
            company_body(DirectorID=987654), "invalid_reference", "DirectorID", id="no-director"
        ),
        pytest.param(
            company_body(SalesmanID=987654), "invalid_reference", "SalesmanID", id="no-salesman"
        ),
        pytest.param(
            company_body(CollectorID=987654),
            "invalid_reference",
            "CollectorID",
            id="no-collector",
        ),
    ],
)
def test_create_refuses_a_rule_violation(
    admin_client: httpx.Client, body: dict[str, Any], code: str, field: str
) -> None:
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 400, response.text
    assert errors_of(response) == [(code, [field])]
    assert field in response.json()["Message"]
    assert admin_client.get("/Accounts/GetAll?numberPage=0").json() == []


def test_update_applies_the_same_rules(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body())
    response = admin_client.post(
        "/Accounts/Update", json={**account, "IsCustomer": False, "Address": ""}
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_value", [KINDS]), ("parameter_required", ["Address"])]
    assert admin_client.get(f"/Accounts/GetByID/{account['Id']}").json() == account


def test_every_violation_is_reported_in_one_answer(admin_client: httpx.Client) -> None:
    body = person_body(
        IsCustomer=False,
        LastName=ABSENT,
        Identification="12AB",
        City={"CountryCode": "CO", "StateCode": "42", "CityCode": "54001"},
        Phone={"Number": "abc"},
        EMail="sin-arroba",
        SalesmanID=987654,
    )
    response = admin_client.post("/Accounts/Create", json=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["Message"] == "The request is invalid."
    assert sorted(errors_of(response)) == sorted(
        [
            ("invalid_value", [KINDS]),
            ("parameter_required", ["LastName"]),
            ("invalid_identification", ["Identification"]),
            ("invalid_reference", ["City.StateCode"]),
            ("invalid_value", ["Phone.Number"]),
            ("invalid_email", ["EMail"]),
            ("invalid_reference", ["SalesmanID"]),
        ]
    )
    assert all(set(error) == {"Code", "Message", "Params", "Detail"} for error in payload["Errors"])


def test_wrong_check_digit_message_states_the_right_one(admin_client: httpx.Client) -> None:
    response = admin_client.post(
        "/Accounts/Create", json=company_body(Identification="830084433", CheckDigit=1)
    )
    assert response.status_code == 400
    message = response.json()["Errors"][0]["Message"]
    assert "830084433" in message
    assert message.endswith("is 7")


@pytest.mark.parametrize(("nit", "digit"), [("800197268", 4), ("830084433", 7), ("901210113", 3)])
def test_check_digit_of_a_nit_is_computed_when_omitted(
    admin_client: httpx.Client, nit: str, digit: int
) -> None:
    account = create(admin_client, company_body(Identification=nit))
    assert account["CheckDigit"] == digit


def test_check_digit_given_right_is_accepted(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body(Identification="901210113", CheckDigit=3))
    assert account["CheckDigit"] == 3


def test_nit_written_with_its_check_digit_is_split(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body(Identification="800197268-4"))
    assert (account["Identification"], account["CheckDigit"]) == ("800197268", 4)


def test_nit_written_with_dots_is_cleaned(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body(Identification="830.084.433-7"))
    assert (account["Identification"], account["CheckDigit"]) == ("830084433", 7)


def test_nit_written_with_a_wrong_check_digit_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.post(
        "/Accounts/Create", json=company_body(Identification="800197268-5")
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_value", ["CheckDigit"])]


def test_check_digit_is_not_computed_for_a_cedula(admin_client: httpx.Client) -> None:
    account = create(admin_client, person_body())
    assert account["CheckDigit"] is None


def test_identification_is_unique_per_branch_office(admin_client: httpx.Client) -> None:
    first = create(admin_client, company_body())
    response = admin_client.post(
        "/Accounts/Create", json=company_body(FullName="Otra razón social SAS")
    )
    assert response.status_code == 400
    assert errors_of(response) == [("already_exists", ["Identification"])]
    assert f"(Id {first['Id']})" in response.json()["Errors"][0]["Message"]


def test_same_identification_with_another_branch_office_is_allowed(
    admin_client: httpx.Client,
) -> None:
    main = create(admin_client, company_body())
    branch = create(admin_client, company_body(BranchOffice=1))
    assert branch["Id"] != main["Id"]
    assert (branch["Identification"], branch["BranchOffice"]) == ("800197268", 1)


def test_update_onto_another_accounts_identification_is_refused(
    admin_client: httpx.Client,
) -> None:
    create(admin_client, company_body())
    other = create(admin_client, person_body())
    response = admin_client.post(
        "/Accounts/Update", json=company_body(Id=other["Id"], FullName="Clon SAS")
    )
    assert response.status_code == 400
    assert errors_of(response) == [("already_exists", ["Identification"])]


def test_branch_office_999_is_the_highest_accepted(admin_client: httpx.Client) -> None:
    assert create(admin_client, company_body(BranchOffice=999))["BranchOffice"] == 999


def test_branch_office_defaults_to_zero(admin_client: httpx.Client) -> None:
    assert create(admin_client, company_body())["BranchOffice"] == 0


@pytest.mark.parametrize("country", ["Co", "co", " CO "])
def test_country_code_is_normalized_to_upper_case(admin_client: httpx.Client, country: str) -> None:
    city = {"CountryCode": country, "StateCode": "54", "CityCode": "54001"}
    account = create(admin_client, company_body(City=city))
    assert account["City"] == {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"}


@pytest.mark.parametrize(
    ("state", "city", "expected"),
    [("54", "001", ("54", "54001")), ("5", "1", ("05", "05001")), ("11", "1", ("11", "11001"))],
)
def test_city_code_relative_to_its_state_is_made_whole(
    admin_client: httpx.Client, state: str, city: str, expected: tuple[str, str]
) -> None:
    sent = {"CountryCode": "CO", "StateCode": state, "CityCode": city}
    account = create(admin_client, company_body(City=sent))
    assert (account["City"]["StateCode"], account["City"]["CityCode"]) == expected


def test_foreign_city_is_not_checked_against_dian_lists(admin_client: httpx.Client) -> None:
    city = {"CountryCode": "US", "StateCode": "FL", "CityCode": "MIA"}
    account = create(
        admin_client, person_body(IdTypeCode="41", Identification="X1234567", City=city)
    )
    assert account["City"] == city


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(company_body(), ["O-48"], id="company-default"),
        pytest.param(person_body(), ["O-49"], id="person-default"),
        pytest.param(company_body(FiscalResponsibilities=[]), ["O-48"], id="empty-list"),
        pytest.param(company_body(FiscalResponsibilities=["0-13"]), ["O-13"], id="zero-for-o"),
        pytest.param(company_body(FiscalResponsibilities=["o-15"]), ["O-15"], id="lower-case"),
        pytest.param(
            company_body(FiscalResponsibilities=[{"Code": "O-13"}, {"code": "R-99-PN"}]),
            ["O-13", "R-99-PN"],
            id="objects",
        ),
        pytest.param(company_body(FiscalResponsibilities="O-13"), ["O-13"], id="one-string"),
    ],
)
def test_fiscal_responsibilities(
    admin_client: httpx.Client, body: dict[str, Any], expected: list[str]
) -> None:
    assert create(admin_client, body)["FiscalResponsibilities"] == expected


@pytest.mark.parametrize("none", [-1, 0, None])
def test_user_references_below_one_mean_none(admin_client: httpx.Client, none: int | None) -> None:
    account = create(admin_client, company_body(DirectorID=none, SalesmanID=none, CollectorID=none))
    assert (account["DirectorID"], account["SalesmanID"], account["CollectorID"]) == (
        None,
        None,
        None,
    )


def test_user_references_accept_an_existing_user(
    admin_client: httpx.Client, tenant: TenantFixture
) -> None:
    admin_id = tenant.admin.id
    account = create(admin_client, company_body(SalesmanID=admin_id))
    assert account["SalesmanID"] == admin_id


def test_user_of_another_company_is_not_a_valid_reference(
    admin_client: httpx.Client, make_company: Callable[..., TenantFixture]
) -> None:
    stranger = make_company().admin.id
    response = admin_client.post("/Accounts/Create", json=company_body(CollectorID=stranger))
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_reference", ["CollectorID"])]


def test_account_of_another_company_is_not_found_for_reading(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    account = create(admin_client, company_body())
    response = other_client.get(f"/Accounts/GetByID/{account['Id']}")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]
    assert "Tornillo" not in response.text


def test_account_of_another_company_is_not_found_for_updating(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    account = create(admin_client, company_body())
    response = other_client.post(
        "/Accounts/Update", json={**account, "FullName": "Secuestrada SAS"}
    )
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]
    assert admin_client.get(f"/Accounts/GetByID/{account['Id']}").json() == account


def test_account_of_another_company_is_not_found_for_deleting(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    account = create(admin_client, company_body())
    response = other_client.delete(f"/Accounts/Delete/{account['Id']}")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]
    assert admin_client.get(f"/Accounts/GetByID/{account['Id']}").status_code == 200


def test_get_all_lists_only_the_callers_company(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    mine = create(admin_client, company_body())
    theirs = create(other_client, company_body())
    assert theirs["Id"] != mine["Id"]
    assert [a["Id"] for a in admin_client.get("/Accounts/GetAll?numberPage=0").json()] == [
        mine["Id"]
    ]
    assert [a["Id"] for a in other_client.get("/Accounts/GetAll?numberPage=0").json()] == [
        theirs["Id"]
    ]


def test_same_identification_is_allowed_in_another_company(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    create(admin_client, company_body())
    assert create(other_client, company_body())["Identification"] == "800197268"


def _customer(number: int) -> PartyData:
    return PartyData(
        is_customer=True,
        first_name=f"Cliente {number}",
        last_name="Prueba",
        id_type_code="13",
        identification=str(10_000_000 + number),
        place=Place("CO", "11", "11001"),
        address=f"Calle {number} # 1-1",
        phone=Phone(number="3000000000"),
    )


def test_get_all_pages_by_id_100_at_a_time(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    created = [parties.create(ctx, tenant.actor, _customer(n)).party.id for n in range(107)]

    pages = [admin_client.get("/Accounts/GetAll", params={"numberPage": n}) for n in range(4)]

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    first, second, third, fourth = (p.json() for p in pages)
    assert (len(first), len(second), third, fourth) == (100, 7, [], [])
    ids = [a["Id"] for a in first + second]
    assert ids == sorted(ids)
    assert ids == created
    assert admin_client.get("/Accounts/GetAll", params={"numberPage": 0}).json() == first
    assert admin_client.get("/Accounts/GetAll", params={"numberPage": 1}).json() == second


def test_get_all_far_past_the_end_is_an_empty_page(admin_client: httpx.Client) -> None:
    create(admin_client, company_body())
    response = admin_client.get("/Accounts/GetAll", params={"numberPage": 5000})
    assert response.status_code == 200
    assert response.json() == []


def test_get_all_without_number_page_is_the_first_page(admin_client: httpx.Client) -> None:
    account = create(admin_client, company_body())
    assert admin_client.get("/Accounts/GetAll").json() == [account]


def test_get_all_refuses_a_negative_page(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Accounts/GetAll", params={"numberPage": -1})
    assert response.status_code == 400
    assert [params for _, params in errors_of(response)] == [["numberPage"]]
