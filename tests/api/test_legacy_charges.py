"""Charges (cargos), the positions contacts hold, over the legacy API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import errors_of

DEFAULT_CHARGES = ["Gerente", "Contador", "Compras", "Tesorería", "Vendedor"]


def create_charge(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/Charges/Create", json=body)
    assert response.status_code == 200, response.text
    charge: dict[str, Any] = response.json()
    return charge


def create_contact_holding(client: httpx.Client, charge_id: int) -> dict[str, Any]:
    account = client.post(
        "/Accounts/Create",
        json={
            "IsSupplier": True,
            "IsSocialReason": True,
            "FullName": "Proveedora Andina SAS",
            "IdTypeCode": "31",
            "Identification": "901210113",
            "City": {"CountryCode": "CO", "StateCode": "76", "CityCode": "76001"},
            "Address": "Avenida 6N # 23-45",
            "Phone": {"Number": "6023334455"},
        },
    )
    assert account.status_code == 200, account.text
    contact = client.post(
        "/Contacts/Create",
        json={
            "AccountID": account.json()["Id"],
            "FirstName": "Julián",
            "LastName": "Ospina",
            "EMail": "julian@andina.com.co",
            "ChargeID": charge_id,
        },
    )
    assert contact.status_code == 200, contact.text
    created: dict[str, Any] = contact.json()
    return created


def test_a_new_company_has_the_default_charges(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Charges/GetAll", params={"numberPage": 0})
    assert response.status_code == 200, response.text
    charges = response.json()
    assert [c["Name"] for c in charges] == DEFAULT_CHARGES
    assert all(c["IsActive"] is True for c in charges)
    ids = [c["Id"] for c in charges]
    assert ids == sorted(ids)


def test_create_echoes_the_charge_with_its_id(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Charges/Create", json={"Name": "Jefe de compras"})
    assert response.status_code == 200, response.text
    charge = response.json()
    assert isinstance(charge["Id"], int) and charge["Id"] > 0
    assert charge == {"Id": charge["Id"], "Name": "Jefe de compras", "IsActive": True}


def test_create_keeps_an_inactive_charge_inactive(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Auxiliar", IsActive=False)
    assert charge["IsActive"] is False


def test_get_by_id_returns_what_create_echoed(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Revisor fiscal")
    response = admin_client.get(f"/Charges/GetByID/{charge['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == charge


def test_get_all_lists_a_created_charge_after_the_defaults(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Revisor fiscal")
    listed = admin_client.get("/Charges/GetAll", params={"numberPage": 0}).json()
    assert [c["Name"] for c in listed] == [*DEFAULT_CHARGES, "Revisor fiscal"]
    assert listed[-1] == charge


def test_get_all_past_the_end_is_an_empty_page(admin_client: httpx.Client) -> None:
    response = admin_client.get("/Charges/GetAll", params={"numberPage": 1})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_update_replaces_the_charge(admin_client: httpx.Client, method: str) -> None:
    charge = create_charge(admin_client, Name="Jefe de compras")
    response = admin_client.request(
        method,
        "/Charges/Update",
        json={"Id": charge["Id"], "Name": "Director de compras", "IsActive": False},
    )
    assert response.status_code == 200, response.text
    updated = {"Id": charge["Id"], "Name": "Director de compras", "IsActive": False}
    assert response.json() == updated
    assert admin_client.get(f"/Charges/GetByID/{charge['Id']}").json() == updated


def test_update_without_is_active_reactivates(admin_client: httpx.Client) -> None:
    """Update replaces the record: an omitted IsActive takes its default, true."""
    charge = create_charge(admin_client, Name="Auxiliar", IsActive=False)
    response = admin_client.post("/Charges/Update", json={"Id": charge["Id"], "Name": "Auxiliar"})
    assert response.status_code == 200, response.text
    assert response.json()["IsActive"] is True


def test_update_without_id_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Charges/Update", json={"Name": "Sin id"})
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Id"])]


def test_update_of_an_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.post("/Charges/Update", json={"Id": 987654321, "Name": "Nadie"})
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_delete_removes_the_charge(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Temporal")
    response = admin_client.delete(f"/Charges/Delete/{charge['Id']}")
    assert response.status_code == 200, response.text
    assert response.json() == {"Id": charge["Id"], "Deleted": True}
    gone = admin_client.get(f"/Charges/GetByID/{charge['Id']}")
    assert gone.status_code == 404
    assert errors_of(gone) == [("not_found", [])]
    names = [c["Name"] for c in admin_client.get("/Charges/GetAll?numberPage=0").json()]
    assert names == DEFAULT_CHARGES


def test_a_default_charge_can_be_deleted(admin_client: httpx.Client) -> None:
    gerente = admin_client.get("/Charges/GetAll?numberPage=0").json()[0]
    assert admin_client.delete(f"/Charges/Delete/{gerente['Id']}").status_code == 200
    names = [c["Name"] for c in admin_client.get("/Charges/GetAll?numberPage=0").json()]
    assert names == DEFAULT_CHARGES[1:]


def test_delete_of_an_unknown_id_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.delete("/Charges/Delete/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_delete_of_a_charge_a_contact_holds_is_refused(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Gerente de compras")
    create_contact_holding(admin_client, charge["Id"])
    response = admin_client.delete(f"/Charges/Delete/{charge['Id']}")
    assert response.status_code == 400
    assert errors_of(response) == [("delete_not_allowed", [])]
    assert admin_client.get(f"/Charges/GetByID/{charge['Id']}").json() == charge


def test_charge_is_deletable_once_no_contact_holds_it(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Gerente de compras")
    contact = create_contact_holding(admin_client, charge["Id"])
    assert admin_client.delete(f"/Contacts/Delete/{contact['Id']}").status_code == 200
    assert admin_client.delete(f"/Charges/Delete/{charge['Id']}").status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({}, "parameter_required", id="no-name"),
        pytest.param({"Name": None}, "parameter_required", id="null-name"),
        pytest.param({"Name": "   "}, "parameter_required", id="blank-name"),
        pytest.param({"Name": "x" * 101}, "length_max", id="name-too-long"),
    ],
)
def test_create_refuses_a_bad_name(
    admin_client: httpx.Client, body: dict[str, Any], code: str
) -> None:
    response = admin_client.post("/Charges/Create", json=body)
    assert response.status_code == 400, response.text
    assert errors_of(response) == [(code, ["Name"])]
    assert len(admin_client.get("/Charges/GetAll?numberPage=0").json()) == len(DEFAULT_CHARGES)


def test_update_refuses_a_missing_name(admin_client: httpx.Client) -> None:
    charge = create_charge(admin_client, Name="Asistente")
    response = admin_client.post("/Charges/Update", json={"Id": charge["Id"], "Name": ""})
    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Name"])]
    assert admin_client.get(f"/Charges/GetByID/{charge['Id']}").json() == charge


def test_charge_of_another_company_is_not_found(
    admin_client: httpx.Client, other_client: httpx.Client
) -> None:
    charge = create_charge(admin_client, Name="Confidencial")
    assert other_client.get(f"/Charges/GetByID/{charge['Id']}").status_code == 404
    update = other_client.post("/Charges/Update", json={**charge, "Name": "Intruso"})
    assert update.status_code == 404
    assert other_client.delete(f"/Charges/Delete/{charge['Id']}").status_code == 404
    assert admin_client.get(f"/Charges/GetByID/{charge['Id']}").json() == charge
    theirs = [c["Name"] for c in other_client.get("/Charges/GetAll?numberPage=0").json()]
    assert theirs == DEFAULT_CHARGES
