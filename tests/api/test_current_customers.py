"""Customers (terceros) on the current API over HTTP: ``/v1/customers`` create, read, list with
every filter, replace, delete, every rule of shared/reference/siigo-api.md §4 "Customers", the
bodies real clients send (§2.10), and how the same terceros read through the legacy
``Accounts`` and ``Contacts`` routes (§2.7, §2.8 "Customer")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import httpx
import pytest

from facturo.services.context import ServiceContext
from tests.conftest import (
    LiveServer,
    TenantFixture,
    current_errors,
    signed_in_current,
)

Body = dict[str, Any]
DOCS = "Check the API documentation: https://developer.siigo.com/introduction/codigos-de-error/"
BOGOTA = {"country_code": "Co", "state_code": "11", "city_code": "11001"}
BOGOTA_OUT = {
    "country_code": "CO",
    "country_name": "Colombia",
    "state_code": "11",
    "state_name": "Bogotá",
    "city_code": "11001",
    "city_name": "Bogotá, D.c.",
}
ABSENT = object()


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def errors(response: httpx.Response, status: int = 400) -> list[tuple[str, list[str]]]:
    assert response.status_code == status, response.text
    return current_errors(response)


def _changed(body: Body, changes: dict[str, Any]) -> Body:
    for key, value in changes.items():
        if value is ABSENT:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def company(identification: Any = "800197268", **changes: Any) -> Body:
    """A company as real clients send it: no phone (``phones: []``), no contacts."""
    body: Body = {
        "type": "Customer",
        "person_type": "Company",
        "id_type": "31",
        "identification": identification,
        "name": ["Distribuidora La Montaña SAS"],
        "address": {"address": "Calle 100 # 15-20", "city": dict(BOGOTA)},
        "phones": [],
        "contacts": [],
    }
    return _changed(body, {"identification": identification, **changes})


def person(identification: Any = "1032456789", **changes: Any) -> Body:
    body: Body = {
        "type": "Customer",
        "person_type": "Person",
        "id_type": "13",
        "identification": identification,
        "name": ["María Fernanda", "Gómez Restrepo"],
        "address": {"address": "Carrera 7 # 72-41", "city": dict(BOGOTA)},
        "phones": [{"number": "3104567890"}],
        "contacts": [{"first_name": "María", "last_name": "Gómez", "email": "maria@correo.co"}],
    }
    return _changed(body, {"identification": identification, **changes})


class ResourceCalls:
    """The calls every test of a /v1 resource makes, on ``client`` at ``path``; bodies may be
    raw text, to send what real clients send."""

    client: httpx.Client
    path: ClassVar[str]

    def post(self, body: Body | str, content_type: str = "application/json") -> httpx.Response:
        content = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(self.path, content=content, headers={"Content-Type": content_type})

    def create(self, body: Body) -> Body:
        created: Body = ok(self.post(body), 201)
        return created

    def get(self, guid: str) -> httpx.Response:
        return self.client.get(f"{self.path}/{guid}")

    def put(self, guid: str, body: Body | str) -> httpx.Response:
        content = body if isinstance(body, str) else json.dumps(body)
        return self.client.put(
            f"{self.path}/{guid}", content=content, headers={"Content-Type": "application/json"}
        )

    def delete(self, guid: str) -> httpx.Response:
        return self.client.delete(f"{self.path}/{guid}")

    def list(self, **params: Any) -> Body:
        page: Body = ok(self.client.get(self.path, params=params))
        return page


@dataclass
class Api(ResourceCalls):
    """The tenant's administrator on both dialects: ``client`` speaks the current API,
    ``legacy`` the legacy one (to compare both faces of one tercero)."""

    client: httpx.Client
    legacy: httpx.Client
    tenant: TenantFixture
    path: ClassVar[str] = "/v1/customers"

    @property
    def admin_id(self) -> int:
        assert self.tenant.admin.id is not None
        return self.tenant.admin.id

    def identifications(self, **params: Any) -> list[str]:
        return [c["identification"] for c in self.list(**params)["results"]]

    def legacy_accounts(self) -> list[Body]:
        accounts: list[Body] = []
        for page in range(100):
            found = ok(self.legacy.get("/Accounts/GetAll", params={"numberPage": page}))
            if not found:
                break
            accounts.extend(found)
        return accounts

    def legacy_account(self, identification: str, branch_office: int = 0) -> Body:
        return next(
            a
            for a in self.legacy_accounts()
            if (a["Identification"], a["BranchOffice"]) == (identification, branch_office)
        )

    def legacy_contacts(self, account_id: int) -> list[Body]:
        contacts: list[Body] = ok(self.legacy.get(f"/Contacts/GetAllByAccountID/{account_id}"))
        return contacts

    def sell_to(self, identification: str, branch_office: int = 0) -> Body:
        """A cash invoice for the tercero, issued through /v1/invoices."""
        doc_types = {
            f"{d['DocClass']}-{d['Code']}": d["Id"]
            for d in ok(self.legacy.get("/ERPDocumentTypes/GetAll"))
        }
        means = {m["Name"]: m["Id"] for m in ok(self.legacy.get("/PaymentMeans/GetAll"))}
        if not any(
            p["Code"] == "SERV-1"
            for p in ok(self.legacy.get("/Products/GetAll", params={"numberPage": 0}))
        ):
            group = ok(self.legacy.get("/AccountGroups/GetAll"))[0]["Id"]
            ok(
                self.legacy.post(
                    "/Products/Create",
                    json={
                        "Code": "SERV-1",
                        "Description": "Asesoría",
                        "ProductTypeKey": "ProductType_Service",
                        "AccountGroupID": group,
                    },
                )
            )
        invoice: Body = ok(
            self.client.post(
                "/v1/invoices",
                json={
                    "document": {"id": doc_types["FV-1"]},
                    "date": colombian_today().isoformat(),
                    "customer": {"identification": identification, "branch_office": branch_office},
                    "seller": self.admin_id,
                    "items": [{"code": "SERV-1", "quantity": 1, "price": 50000}],
                    "payments": [{"id": means["Efectivo"], "value": 50000}],
                },
            ),
            201,
        )
        return invoice


@pytest.fixture
def legacy(admin_client: httpx.Client) -> httpx.Client:
    """The same administrator on the legacy dialect."""
    return admin_client


@pytest.fixture
def api(current_client: httpx.Client, legacy: httpx.Client, tenant: TenantFixture) -> Api:
    return Api(current_client, legacy, tenant)


@pytest.fixture
def stranger(
    ctx: ServiceContext, server: LiveServer, make_company: Callable[..., TenantFixture]
) -> Iterator[httpx.Client]:
    """The administrator of another company on the current API."""
    with signed_in_current(ctx, server, make_company()) as client:
        yield client


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- creating and reading ----------------------------------------------------------------------


def test_create_answers_201_with_the_response_shape(api: Api) -> None:
    body = person(
        check_digit=None,
        commercial_name="Tienda La 72",
        branch_office=2,
        vat_responsible=True,
        fiscal_responsibilities=[{"code": "O-13"}, {"code": "O-15"}],
        address={"address": "Carrera 7 # 72-41", "city": dict(BOGOTA), "postal_code": "110231"},
        phones=[{"indicative": "57", "number": "3104567890", "extension": "12"}, {"number": "555"}],
        contacts=[
            {
                "first_name": "María",
                "last_name": "Gómez",
                "email": "maria@correo.co",
                "phone": {"indicative": "57", "number": "3001234567", "extension": "9"},
            },
            {"first_name": "Luis"},
        ],
        comments="Cliente desde 2019",
        related_users={"seller_id": api.admin_id, "collector_id": api.admin_id},
    )

    created = api.create(body)

    assert uuid.UUID(created["id"])
    assert abs(moment(created["metadata"]["created"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert created["metadata"]["created"].endswith("Z")
    assert created == {
        "id": created["id"],
        "type": "Customer",
        "person_type": "Person",
        "id_type": {"code": "13", "name": "Cédula de ciudadanía"},
        "identification": "1032456789",
        "branch_office": 2,
        "check_digit": None,
        "name": ["María Fernanda", "Gómez Restrepo"],
        "commercial_name": "Tienda La 72",
        "active": True,
        "vat_responsible": True,
        "fiscal_responsibilities": [
            {"code": "O-13", "name": "Gran contribuyente"},
            {"code": "O-15", "name": "Autorretenedor"},
        ],
        "address": {"address": "Carrera 7 # 72-41", "city": BOGOTA_OUT, "postal_code": "110231"},
        "phones": [
            {"indicative": "57", "number": "3104567890", "extension": "12"},
            {"indicative": None, "number": "555", "extension": None},
        ],
        "contacts": [
            {
                "first_name": "María",
                "last_name": "Gómez",
                "email": "maria@correo.co",
                "phone": {"indicative": "57", "number": "3001234567", "extension": "9"},
            },
            {"first_name": "Luis", "last_name": "", "email": "", "phone": None},
        ],
        "comments": "Cliente desde 2019",
        "related_users": {"seller_id": api.admin_id, "collector_id": api.admin_id},
        "metadata": {"created": created["metadata"]["created"], "last_updated": None},
    }
    assert ok(api.get(created["id"])) == created


def test_a_company_gets_its_nit_check_digit_and_the_current_default_responsibility(
    api: Api,
) -> None:
    created = api.create(company())

    assert created["person_type"] == "Company"
    assert created["name"] == ["Distribuidora La Montaña SAS"]
    assert created["id_type"] == {"code": "31", "name": "NIT"}
    assert created["check_digit"] == "4"
    assert created["fiscal_responsibilities"] == [{"code": "R-99-PN", "name": "No responsable PN"}]
    assert created["phones"] == [] and created["contacts"] == []
    assert created["type"] == "Customer" and created["active"] is True
    assert created["vat_responsible"] is False and created["branch_office"] == 0


@pytest.mark.parametrize("kind", ["Customer", "Supplier", "Other"])
def test_the_type_names_the_kind_of_tercero(api: Api, kind: str) -> None:
    created = api.create(company(type=kind))
    assert created["type"] == kind
    legacy = api.legacy_account("800197268")
    assert (legacy["IsCustomer"], legacy["IsSupplier"], legacy["IsBank"]) == (
        kind == "Customer",
        kind == "Supplier",
        kind == "Other",
    )


def test_the_same_identification_is_accepted_only_in_a_new_branch_office(api: Api) -> None:
    api.create(company())
    again = api.post(company())
    other_branch = api.post(company(branch_office=1))

    assert errors(again) == [("already_exists", ["identification"])]
    assert ok(other_branch, 201)["branch_office"] == 1
    assert sorted(c["branch_office"] for c in api.list()["results"]) == [0, 1]


# --- replacing ---------------------------------------------------------------------------------


def test_put_replaces_the_whole_record_and_omitted_fields_become_empty(api: Api) -> None:
    created = api.create(
        person(
            commercial_name="Tienda",
            vat_responsible=True,
            active=True,
            fiscal_responsibilities=[{"code": "O-13"}],
            address={"address": "Calle 1", "city": dict(BOGOTA), "postal_code": "110111"},
            phones=[{"number": "3104567890"}, {"number": "555"}],
            comments="Primero",
            related_users={"seller_id": api.admin_id, "collector_id": api.admin_id},
        )
    )

    response = api.put(
        created["id"],
        {
            "person_type": "Company",
            "id_type": "31",
            "identification": "900373115",
            "name": ["Gómez Restrepo SAS"],
            "address": {"address": "Avenida 68 # 1-10", "city": dict(BOGOTA)},
        },
    )

    replaced = ok(response)
    assert replaced["id"] == created["id"]
    assert replaced["metadata"]["created"] == created["metadata"]["created"]
    assert moment(replaced["metadata"]["last_updated"]) >= moment(created["metadata"]["created"])
    assert replaced == {
        **created,
        "type": "Customer",
        "person_type": "Company",
        "id_type": {"code": "31", "name": "NIT"},
        "identification": "900373115",
        "check_digit": "3",
        "name": ["Gómez Restrepo SAS"],
        "commercial_name": None,
        "vat_responsible": False,
        "fiscal_responsibilities": [{"code": "R-99-PN", "name": "No responsable PN"}],
        "address": {"address": "Avenida 68 # 1-10", "city": BOGOTA_OUT, "postal_code": None},
        "phones": [],
        "contacts": [],
        "comments": None,
        "related_users": {"seller_id": None, "collector_id": None},
        "metadata": replaced["metadata"],
    }
    assert ok(api.get(created["id"])) == replaced


def test_what_get_answers_can_be_put_back_unchanged(api: Api) -> None:
    """Clients read a customer, change a field and send the whole record back: the response
    shapes (``id_type`` and responsibilities as objects, city names) must be accepted."""
    created = api.create(
        person(
            fiscal_responsibilities=[{"code": "O-15"}],
            related_users={"seller_id": api.admin_id},
            phones=[{"indicative": "57", "number": "3104567890", "extension": "1"}],
        )
    )
    read = ok(api.get(created["id"]))

    replaced = ok(api.put(created["id"], {**read, "comments": "Actualizado"}))

    assert replaced == {**read, "comments": "Actualizado", "metadata": replaced["metadata"]}


def test_put_rewrites_contacts_in_place_and_keeps_what_this_dialect_cannot_say(
    api: Api,
) -> None:
    account = ok(
        api.legacy.post(
            "/Accounts/Create",
            json={
                "IsCustomer": True,
                "IsSupplier": True,
                "IsSocialReason": True,
                "FullName": "Ferretería El Tornillo SAS",
                "IdTypeCode": "31",
                "Identification": "800197268",
                "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"},
                "Address": "Calle 10 # 4-20",
                "Phone": {"Number": "5712345"},
                "EMail": "ventas@tornillo.co",
                "WebSite": "https://tornillo.co",
            },
        )
    )
    contact = ok(
        api.legacy.post(
            "/Contacts/Create",
            json={
                "AccountID": account["Id"],
                "FirstName": "Carlos",
                "LastName": "Pérez",
                "EMail": "carlos@tornillo.co",
                "Mobile": {"Number": "3001234567"},
            },
        )
    )
    guid = api.list(identification="800197268")["results"][0]["id"]

    replaced = ok(
        api.put(
            guid,
            company(
                name=["Ferretería El Tornillo y Cía SAS"],
                contacts=[{"first_name": "Carlos Andrés", "email": "carlos@tornillo.co"}],
            ),
        )
    )

    assert replaced["type"] == "Customer"
    assert replaced["contacts"] == [
        {
            "first_name": "Carlos Andrés",
            "last_name": "",
            "email": "carlos@tornillo.co",
            "phone": None,
        }
    ]
    legacy = ok(api.legacy.get(f"/Accounts/GetByID/{account['Id']}"))
    assert legacy["FullName"] == "Ferretería El Tornillo y Cía SAS"
    assert (legacy["IsCustomer"], legacy["IsSupplier"]) == (True, True)
    assert (legacy["EMail"], legacy["WebSite"]) == ("ventas@tornillo.co", "https://tornillo.co")
    assert legacy["Phone"] is None
    [kept] = api.legacy_contacts(account["Id"])
    assert kept["Id"] == contact["Id"]
    assert (kept["FirstName"], kept["LastName"]) == ("Carlos Andrés", None)
    assert kept["Mobile"]["Number"] == "3001234567"
    assert legacy["PrincipalContactID"] == contact["Id"]


def test_put_adds_and_drops_contacts(api: Api) -> None:
    created = api.create(company(contacts=[{"first_name": "Ana"}, {"first_name": "Beto"}]))

    more = ok(
        api.put(
            created["id"],
            company(
                contacts=[{"first_name": "Ana"}, {"first_name": "Beto"}, {"first_name": "Cami"}]
            ),
        )
    )
    fewer = ok(api.put(created["id"], company(contacts=[{"first_name": "Ana María"}])))

    assert [c["first_name"] for c in more["contacts"]] == ["Ana", "Beto", "Cami"]
    assert [c["first_name"] for c in fewer["contacts"]] == ["Ana María"]
    account = api.legacy_account("800197268")
    assert [c["FirstName"] for c in api.legacy_contacts(account["Id"])] == ["Ana María"]


def test_put_cannot_drop_a_contact_that_a_document_names(api: Api) -> None:
    created = api.create(company(contacts=[{"first_name": "Ana", "email": "ana@correo.co"}]))
    api.sell_to("800197268")  # the invoice names the principal contact

    dropped = api.put(created["id"], company(contacts=[]))
    renamed = api.put(created["id"], company(contacts=[{"first_name": "Ana María"}]))

    assert errors(dropped) == [("delete_not_allowed", ["contacts"])]
    assert [c["first_name"] for c in ok(renamed)["contacts"]] == ["Ana María"]


def test_put_checks_every_rule_and_its_own_identification_is_no_duplicate(api: Api) -> None:
    first = api.create(company())
    second = api.create(company("900373115"))

    same = api.put(first["id"], company(name=["Otro nombre SAS"]))
    taken = api.put(second["id"], company())
    too_many = api.put(first["id"], company(contacts=[{"first_name": "X"}] * 11))

    assert ok(same)["name"] == ["Otro nombre SAS"]
    assert errors(taken) == [("already_exists", ["identification"])]
    assert errors(too_many) == [("invalid_array", ["contacts"])]
    assert ok(api.get(second["id"]))["identification"] == "900373115"


# --- deleting ----------------------------------------------------------------------------------


def test_delete_answers_the_id_and_the_customer_is_gone(api: Api) -> None:
    created = api.create(person())

    response = api.delete(created["id"])

    assert ok(response) == {"id": created["id"], "deleted": True}
    assert errors(api.get(created["id"]), 404) == [("not_found", [])]
    assert api.list()["results"] == []
    assert api.legacy_accounts() == []


def test_delete_is_refused_while_a_document_uses_the_customer(api: Api) -> None:
    created = api.create(company(contacts=[{"first_name": "Ana"}]))
    api.sell_to("800197268")

    response = api.delete(created["id"])

    assert errors(response) == [("delete_not_allowed", [])]
    assert ok(api.get(created["id"])) == created


# --- not found ---------------------------------------------------------------------------------


def test_unknown_malformed_and_other_companies_customers_are_404(
    api: Api, stranger: httpx.Client
) -> None:
    created = api.create(company())
    unknown = str(uuid.uuid4())

    answers = [
        api.get(unknown),
        api.get("12"),
        api.put(unknown, company()),
        api.delete(unknown),
        stranger.get(f"/v1/customers/{created['id']}"),
        stranger.put(f"/v1/customers/{created['id']}", json=company()),
        stranger.delete(f"/v1/customers/{created['id']}"),
    ]

    for response in answers:
        assert response.status_code == 404, response.text
        body = response.json()
        assert body == {
            "Status": 404,
            "Errors": [
                {
                    "Code": "not_found",
                    "Message": body["Errors"][0]["Message"],
                    "Params": [],
                    "Detail": DOCS + "not_found",
                }
            ],
        }
        # This dialect's word: a customer, not the legacy guide's "account".
        assert body["Errors"][0]["Message"].startswith("The customer ")
    assert answers[0].json()["Errors"][0]["Message"] == f"The customer {unknown} was not found"
    assert ok(stranger.get("/v1/customers"))["results"] == []
    assert ok(api.get(created["id"])) == created


# --- listing -----------------------------------------------------------------------------------


def test_the_list_is_a_page_with_links(api: Api) -> None:
    for n in range(11):
        api.create(company(f"90000000{n:02d}"))

    first = api.list(page_size=5)
    second = api.list(page=2, page_size=10)
    past = api.list(page=3, page_size=10)

    assert first["pagination"] == {"page": 1, "page_size": 10, "total_results": 11}
    assert [c["identification"] for c in first["results"]] == [
        f"90000000{n:02d}" for n in range(10)
    ]
    assert second["results"][0]["identification"] == "9000000010"
    assert first["_links"]["next"]["href"].split("?")[1].startswith("page=2&page_size=10")
    assert "next" not in second["_links"] and "previous" in second["_links"]
    assert past["results"] == []
    assert api.list(page_size=800)["pagination"]["page_size"] == 100


def test_the_list_filters_by_identification_branch_kind_person_type_state_and_name(
    api: Api,
) -> None:
    api.create(company(name=["Ferretería Central SAS"]))
    api.create(company(branch_office=1, name=["Ferretería Central Norte SAS"], type="Supplier"))
    api.create(person(active=False))
    api.create(person("79845123", type="Other", name=["Pedro", "Central"]))

    assert api.identifications(identification="800197268") == ["800197268", "800197268"]
    assert api.identifications(identification="800197268", branch_office="1") == ["800197268"]
    assert api.identifications(branch_office="0") == ["800197268", "1032456789", "79845123"]
    assert api.identifications(type="Customer") == ["800197268", "1032456789"]
    assert api.identifications(type="supplier") == ["800197268"]
    assert api.identifications(type="Other") == ["79845123"]
    assert api.identifications(person_type="Person") == ["1032456789", "79845123"]
    assert api.identifications(person_type="Company") == ["800197268", "800197268"]
    assert api.identifications(type="Company") == ["800197268", "800197268"]  # a client bug
    assert api.identifications(active="false") == ["1032456789"]
    assert api.identifications(active="true", person_type="Person") == ["79845123"]
    assert api.identifications(name="central") == ["800197268", "800197268", "79845123"]
    assert api.identifications(name="norte") == ["800197268"]
    assert api.identifications(name="gómez") == ["1032456789"]
    assert api.identifications(identification="123") == []


def test_the_list_filters_by_creation_and_update(api: Api) -> None:
    first = api.create(company())
    second = api.create(person())
    updated = ok(api.put(first["id"], company(comments="Editado")))
    today = colombian_today()
    tomorrow = today + timedelta(days=1)

    assert api.identifications(created_start=today.isoformat()) == ["800197268", "1032456789"]
    assert api.identifications(created_end=today.isoformat()) == []  # a bare date is 00:00
    assert api.identifications(created_end=tomorrow.isoformat()) == ["800197268", "1032456789"]
    assert api.identifications(created_start=second["metadata"]["created"]) == ["1032456789"]
    assert api.identifications(date_start=today.isoformat(), date_end=today.isoformat()) == [
        "800197268",
        "1032456789",
    ]
    assert api.identifications(date_start=tomorrow.isoformat()) == []
    assert api.identifications(date_end=(today - timedelta(days=1)).isoformat()) == []
    assert api.identifications(date_end="9999-12-31") == ["800197268", "1032456789"]
    assert api.identifications(updated_start=updated["metadata"]["last_updated"]) == ["800197268"]
    assert api.identifications(updated_end=tomorrow.isoformat()) == ["800197268", "1032456789"]
    assert api.identifications(updated_start=tomorrow.isoformat()) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"active": "maybe"}, ("invalid_value", ["active"])),
        ({"branch_office": "uno"}, ("invalid_value", ["branch_office"])),
        ({"branch_office": "1000"}, ("invalid_value", ["branch_office"])),
        ({"branch_office": "1" + "0" * 30}, ("invalid_value", ["branch_office"])),
        ({"type": "Partner"}, ("invalid_value", ["type"])),
        ({"person_type": "Alien"}, ("invalid_value", ["person_type"])),
        ({"created_start": "2024-13-01"}, ("invalid_date", ["created_start"])),
        ({"updated_end": "ayer"}, ("invalid_date", ["updated_end"])),
        ({"date_start": "01/02/2024"}, ("invalid_date", ["date_start"])),
    ],
)
def test_a_filter_that_cannot_mean_anything_is_refused(
    api: Api, params: dict[str, str], expected: tuple[str, list[str]]
) -> None:
    assert errors(api.client.get("/v1/customers", params=params)) == [expected]


# --- the rules of §4 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            company(person_type=ABSENT), [("parameter_required", ["person_type"])], id="no-person"
        ),
        pytest.param(
            company(person_type="Alien"), [("invalid_value", ["person_type"])], id="bad-person"
        ),
        pytest.param(company(type="Partner"), [("invalid_value", ["type"])], id="bad-type"),
        pytest.param(
            company(name=["Uno SAS", "Dos"]), [("invalid_array", ["name"])], id="company-2-names"
        ),
        pytest.param(
            person(name=["María"]),
            [("invalid_array", ["name"]), ("parameter_required", ["name[1]"])],
            id="person-1-name",
        ),
        pytest.param(company(name=ABSENT), [("parameter_required", ["name[0]"])], id="no-name"),
        pytest.param(company(name=["x" * 101]), [("length_max", ["name[0]"])], id="long-name"),
        pytest.param(
            company(id_type=ABSENT), [("parameter_required", ["id_type"])], id="no-id-type"
        ),
        pytest.param(
            company(id_type="99"), [("invalid_reference", ["id_type"])], id="unknown-id-type"
        ),
        pytest.param(
            company(identification=ABSENT),
            [("parameter_required", ["identification"])],
            id="no-identification",
        ),
        pytest.param(
            company(identification="80019726A"),
            [("invalid_identification", ["identification"])],
            id="letters-in-nit",
        ),
        pytest.param(
            person(identification="12"),
            [("invalid_identification", ["identification"])],
            id="short-cedula",
        ),
        pytest.param(
            company(identification="8" * 30),
            [("invalid_identification", ["identification"])],
            id="nit-of-30-digits",
        ),
        pytest.param(
            person(id_type="41", identification="AB_1234"),
            [("invalid_identification", ["identification"])],
            id="passport-with-underscore",
        ),
        pytest.param(
            company(check_digit="5"), [("invalid_value", ["check_digit"])], id="wrong-check-digit"
        ),
        pytest.param(
            company(check_digit="x"), [("invalid_value", ["check_digit"])], id="check-digit-letter"
        ),
        pytest.param(
            company(branch_office=1000), [("invalid_value", ["branch_office"])], id="branch-1000"
        ),
        pytest.param(
            company(branch_office=10**30), [("invalid_value", ["branch_office"])], id="huge-branch"
        ),
        pytest.param(
            company(contacts=[{"first_name": f"C{n}"} for n in range(11)]),
            [("invalid_array", ["contacts"])],
            id="eleven-contacts",
        ),
        pytest.param(
            company(contacts=[{"first_name": "Ana"}, {"last_name": "Sin nombre"}]),
            [("parameter_required", ["contacts[1].first_name"])],
            id="contact-without-first-name",
        ),
        pytest.param(
            company(contacts=[{"first_name": "Ana", "email": "ana@@correo"}]),
            [("invalid_email", ["contacts[0].email"])],
            id="contact-email",
        ),
        pytest.param(
            company(address={"address": "x" * 251, "city": dict(BOGOTA)}),
            [("length_max", ["address.address"])],
            id="long-address",
        ),
        pytest.param(
            company(address={"address": "Calle 1", "city": dict(BOGOTA), "postal_code": "11 001"}),
            [("length_max", ["address.postal_code"])],
            id="postal-code-space",
        ),
        pytest.param(
            company(address={"address": "Calle 1", "city": dict(BOGOTA), "postal_code": "1" * 11}),
            [("length_max", ["address.postal_code"])],
            id="postal-code-11",
        ),
        pytest.param(company(comments="x" * 4001), [("length_max", ["comments"])], id="comments"),
        pytest.param(
            company(address=ABSENT),
            [
                ("parameter_required", ["address.city.country_code"]),
                ("parameter_required", ["address.address"]),
            ],
            id="no-address",
        ),
        pytest.param(
            company(address={"address": "Calle 1", "city": {**BOGOTA, "city_code": "99999"}}),
            [("invalid_reference", ["address.city.city_code"])],
            id="unknown-city",
        ),
        pytest.param(
            company(phones=[{"number": "12"}, {"number": "34"}, {"number": "56"}]),
            [("invalid_array", ["phones"])],
            id="three-phones",
        ),
        pytest.param(
            company(phones=[{"number": "601-555"}]),
            [("invalid_value", ["phones[0].number"])],
            id="phone-with-hyphen",
        ),
        pytest.param(
            company(fiscal_responsibilities=[{"code": ""}]),
            [("parameter_empty", ["fiscal_responsibilities[0].code"])],
            id="empty-responsibility",
        ),
        pytest.param(
            company(fiscal_responsibilities=[{"code": "X-99"}]),
            [("invalid_reference", ["fiscal_responsibilities[0].code"])],
            id="unknown-responsibility",
        ),
        pytest.param(
            company(related_users={"seller_id": 987654}),
            [("invalid_reference", ["related_users.seller_id"])],
            id="unknown-seller",
        ),
        pytest.param(
            company(related_users={"collector_id": 10**20}),
            [("invalid_value", ["related_users.collector_id"])],
            id="huge-collector",
        ),
    ],
)
def test_each_rule_answers_its_code_and_field(
    api: Api, body: Body, expected: list[tuple[str, list[str]]]
) -> None:
    response = api.post(body)
    assert errors(response) == expected
    assert response.json()["Errors"][0]["Detail"] == DOCS + expected[0][0]
    assert api.list()["results"] == []


def test_every_broken_rule_is_reported_at_once(api: Api) -> None:
    response = api.post(
        person(
            identification="10324A6789",
            address={"address": "Calle 1", "city": {**BOGOTA, "state_code": "00"}},
            contacts=[{"first_name": "Ana", "email": "no-es-correo"}],
            related_users={"seller_id": 987654},
        )
    )

    assert sorted(errors(response)) == sorted(
        [
            ("invalid_identification", ["identification"]),
            ("invalid_reference", ["address.city.state_code"]),
            ("invalid_email", ["contacts[0].email"]),
            ("invalid_reference", ["related_users.seller_id"]),
        ]
    )


@pytest.mark.parametrize(
    "raw",
    ["[]", '"cliente"', "null", "{not json"],
    ids=["list", "string", "null", "garbage"],
)
def test_a_body_that_is_no_customer_is_a_400(api: Api, raw: str) -> None:
    response = api.post(raw)
    assert response.status_code == 400, response.text
    assert current_errors(response)


# --- lenient bodies (§2.9, §2.10) --------------------------------------------------------------


def test_a_python_repr_body_as_some_clients_send_it(api: Api) -> None:
    body = {
        "type": "Customer",
        "person_type": "Person",
        "id_type": "13",
        "identification": "79845123",
        "check_digit": None,
        "name": ["Juan", "Pérez"],
        "commercial_name": "",
        "branch_office": 0,
        "active": "true",
        "vat_responsible": "false",
        "fiscal_responsibilities": [{"code": "R-99-PN"}],
        "address": {"address": "Calle 1 # 2-3", "city": dict(BOGOTA), "postal_code": ""},
        "phones": [{"indicative": "57", "number": "3001234567", "extension": None}],
        "contacts": [{"first_name": "Juan", "last_name": "Pérez", "email": "juan@correo.co"}],
        "comments": "",
    }

    created = ok(api.post(str(body)), 201)

    assert created["name"] == ["Juan", "Pérez"]
    assert (created["active"], created["vat_responsible"]) == (True, False)
    assert created["commercial_name"] is None and created["comments"] is None
    assert created["address"]["postal_code"] is None
    assert created["contacts"][0]["email"] == "juan@correo.co"
    replaced = ok(api.put(created["id"], str({**body, "active": "false", "comments": "Repr"})))
    assert (replaced["active"], replaced["comments"]) == (False, "Repr")


def test_id_type_as_an_object_and_the_person_type_in_type(api: Api) -> None:
    created = api.create(
        person(
            type="Person",
            person_type=ABSENT,
            id_type={"code": "13"},
            fiscal_responsibilities=["o-49"],
        )
    )

    assert created["person_type"] == "Person"
    assert created["type"] == "Customer"
    assert created["id_type"] == {"code": "13", "name": "Cédula de ciudadanía"}
    assert created["fiscal_responsibilities"][0]["code"] == "O-49"


def test_numbers_and_booleans_as_strings_and_a_lone_name(api: Api) -> None:
    body = company(
        identification=800197268,
        check_digit=4,
        branch_office="3",
        active="false",
        vat_responsible="true",
        name="Distribuidora La Montaña SAS",
        related_users={"seller_id": str(api.admin_id)},
        phones=[{"indicative": 57, "number": 6011234567}],
    )
    response = api.post(json.dumps(body), content_type="text/json")

    created = ok(response, 201)
    assert (created["identification"], created["check_digit"]) == ("800197268", "4")
    assert created["branch_office"] == 3
    assert (created["active"], created["vat_responsible"]) == (False, True)
    assert created["name"] == ["Distribuidora La Montaña SAS"]
    assert created["related_users"]["seller_id"] == api.admin_id
    assert created["phones"] == [{"indicative": "57", "number": "6011234567", "extension": None}]


def test_the_alliances_path_and_a_body_on_get(api: Api) -> None:
    created = api.create(company())
    listed = api.client.request(
        "GET",
        "/alliances/api/v1/customers",
        content="{}",
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert [c["id"] for c in ok(listed)["results"]] == [created["id"]]
    assert ok(api.client.get(f"/alliances/api/v1/customers/{created['id']}")) == created


# --- both dialects, one tercero ----------------------------------------------------------------


def test_a_customer_created_here_reads_the_same_through_the_legacy_routes(api: Api) -> None:
    created = api.create(
        person(
            type="Supplier",
            branch_office=2,
            vat_responsible=True,
            commercial_name="Tienda",
            fiscal_responsibilities=[{"code": "O-13"}],
            address={"address": "Carrera 7 # 72-41", "city": dict(BOGOTA), "postal_code": "110231"},
            phones=[
                {"indicative": "57", "number": "3104567890", "extension": "1"},
                {"number": "555"},
            ],
            contacts=[
                {"first_name": "María", "last_name": "Gómez", "email": "maria@correo.co"},
                {"first_name": "Luis", "phone": {"number": "3001234567"}},
            ],
            related_users={"seller_id": api.admin_id, "collector_id": api.admin_id},
        )
    )

    account = api.legacy_account("1032456789", 2)

    assert account == {
        "Id": account["Id"],
        "IsLeaflet": False,
        "IsCustomer": False,
        "IsSupplier": True,
        "IsDealer": False,
        "IsBank": False,
        "IsSocialReason": False,
        "FullName": None,
        "FirstName": "María Fernanda",
        "LastName": "Gómez Restrepo",
        "IdTypeCode": "13",
        "Identification": "1032456789",
        "CheckDigit": None,
        "BranchOffice": 2,
        "IsVATCompanyType": True,
        "WebSite": None,
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": "Carrera 7 # 72-41",
        "PostalCode": "110231",
        "Fax": {"Indicative": None, "Number": "555", "Extention": None},
        "Phone": {"Indicative": "57", "Number": "3104567890", "Extention": "1"},
        "EMail": None,
        "IsActive": True,
        "DirectorID": None,
        "SalesmanID": api.admin_id,
        "CollectorID": api.admin_id,
        "PrincipalContactID": account["PrincipalContactID"],
        "FiscalResponsibilities": ["O-13"],
    }
    assert ok(api.legacy.get(f"/Accounts/GetByID/{account['Id']}")) == account
    contacts = api.legacy_contacts(account["Id"])
    assert [(c["FirstName"], c["LastName"], c["EMail"]) for c in contacts] == [
        ("María", "Gómez", "maria@correo.co"),
        ("Luis", None, None),
    ]
    assert contacts[1]["Phone1"]["Number"] == "3001234567"
    assert account["PrincipalContactID"] == contacts[0]["Id"]
    assert created["commercial_name"] == "Tienda"


def test_an_account_created_through_the_legacy_routes_reads_here(api: Api) -> None:
    account = ok(
        api.legacy.post(
            "/Accounts/Create",
            json={
                "IsCustomer": True,
                "IsSocialReason": True,
                "FullName": "Ferretería El Tornillo SAS",
                "IdTypeCode": "31",
                "Identification": "800197268",
                "BranchOffice": 1,
                "IsVATCompanyType": True,
                "City": {"CountryCode": "CO", "StateCode": "54", "CityCode": "54001"},
                "Address": "Calle 10 # 4-20",
                "PostalCode": "540001",
                "Phone": {"Indicative": "607", "Number": "5712345", "Extention": "3"},
                "SalesmanID": api.admin_id,
                "FiscalResponsibilities": ["O-13"],
            },
        )
    )
    ok(
        api.legacy.post(
            "/Contacts/Create",
            json={
                "AccountID": account["Id"],
                "FirstName": "Carlos",
                "LastName": "Pérez",
                "EMail": "carlos@tornillo.co",
            },
        )
    )

    [found] = api.list(identification="800197268")["results"]

    assert found == {
        "id": found["id"],
        "type": "Customer",
        "person_type": "Company",
        "id_type": {"code": "31", "name": "NIT"},
        "identification": "800197268",
        "branch_office": 1,
        "check_digit": "4",
        "name": ["Ferretería El Tornillo SAS"],
        "commercial_name": None,
        "active": True,
        "vat_responsible": True,
        "fiscal_responsibilities": [{"code": "O-13", "name": "Gran contribuyente"}],
        "address": {
            "address": "Calle 10 # 4-20",
            "city": {
                "country_code": "CO",
                "country_name": "Colombia",
                "state_code": "54",
                "state_name": "Norte de Santander",
                "city_code": "54001",
                "city_name": "San José De Cúcuta",
            },
            "postal_code": "540001",
        },
        "phones": [{"indicative": "607", "number": "5712345", "extension": "3"}],
        "contacts": [
            {
                "first_name": "Carlos",
                "last_name": "Pérez",
                "email": "carlos@tornillo.co",
                "phone": None,
            }
        ],
        "comments": None,
        "related_users": {"seller_id": api.admin_id, "collector_id": None},
        "metadata": {"created": found["metadata"]["created"], "last_updated": None},
    }
    assert ok(api.get(found["id"])) == found


def test_a_legacy_update_shows_here_and_a_delete_here_removes_it_there(api: Api) -> None:
    created = api.create(company(phones=[{"number": "6011234567"}]))  # the guide needs one
    account = api.legacy_account("800197268")

    ok(api.legacy.post("/Accounts/Update", json={**account, "FullName": "Nuevo Nombre SAS"}))
    read = ok(api.get(created["id"]))
    ok(api.delete(created["id"]))

    assert read["name"] == ["Nuevo Nombre SAS"]
    assert read["metadata"]["last_updated"] is not None
    assert api.legacy.get(f"/Accounts/GetByID/{account['Id']}").status_code == 404
