"""Legacy catalog reads over HTTP: paging, GetByID, tenant isolation, and the defaults a new
company starts with (taxes, payment means, document types and their numbering...)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from facturo.services.context import ServiceContext
from tests.conftest import TenantFixture, errors_of

RESOURCES = [
    "Taxes",
    "PaymentMeans",
    "AccountGroups",
    "PriceList",
    "Warehouses",
    "CostCenters",
    "Users",
    "ERPDocumentTypes",
]
WITHHOLDING_TYPES = {"Retefuente", "ReteIVA", "ReteICA", "Autorretencion"}


def get_all(client: httpx.Client, resource: str, page: int = 0) -> list[dict[str, Any]]:
    response = client.get(f"/{resource}/GetAll", params={"numberPage": page, "namespace": "v1"})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def document_type(client: httpx.Client, doc_class: str, code: int) -> dict[str, Any]:
    return next(
        d
        for d in get_all(client, "ERPDocumentTypes")
        if d["DocClass"] == doc_class and d["Code"] == code
    )


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


@pytest.mark.parametrize("resource", RESOURCES)
def test_first_page_returns_records_with_ids(admin_client: httpx.Client, resource: str) -> None:
    records = get_all(admin_client, resource)
    assert records
    ids = [r["Id"] for r in records]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert get_all(admin_client, resource) == records


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_page_past_the_end_is_an_empty_array(admin_client: httpx.Client, resource: str) -> None:
    assert get_all(admin_client, resource, page=1000) == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_negative_page_is_refused(admin_client: httpx.Client, resource: str) -> None:
    response = admin_client.get(f"/{resource}/GetAll", params={"numberPage": -1})
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_type", ["numberPage"])]


@pytest.mark.parametrize("resource", RESOURCES)
def test_get_by_id_returns_the_record_listed(admin_client: httpx.Client, resource: str) -> None:
    records = get_all(admin_client, resource)
    for record in (records[0], records[-1]):
        response = admin_client.get(f"/{resource}/GetByID/{record['Id']}?namespace=v1")
        assert response.status_code == 200, response.text
        assert response.json() == record


@pytest.mark.parametrize("resource", RESOURCES)
def test_get_by_id_of_another_companys_record_is_not_found(
    admin_client: httpx.Client, other_client: httpx.Client, resource: str
) -> None:
    foreign = get_all(other_client, resource)[0]
    assert foreign["Id"] not in {r["Id"] for r in get_all(admin_client, resource)}
    response = admin_client.get(f"/{resource}/GetByID/{foreign['Id']}")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


@pytest.mark.parametrize("resource", RESOURCES)
def test_get_by_id_of_an_unknown_id_is_not_found(admin_client: httpx.Client, resource: str) -> None:
    response = admin_client.get(f"/{resource}/GetByID/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


@pytest.mark.parametrize("resource", RESOURCES)
def test_catalogs_need_a_token(http: httpx.Client, resource: str) -> None:
    response = http.get(f"/siigo/api/v1/{resource}/GetAll", params={"numberPage": 0})
    assert response.status_code == 401
    assert errors_of(response)[0][0] == "unauthorized"


def test_catalog_paths_are_case_insensitive(admin_client: httpx.Client) -> None:
    response = admin_client.get("/taxes/getall", params={"numberPage": 0})
    assert response.status_code == 200, response.text
    assert response.json() == get_all(admin_client, "Taxes")


def test_default_taxes_have_the_colombian_rates(admin_client: httpx.Client) -> None:
    taxes = get_all(admin_client, "Taxes")
    rates = {(t["TaxType"], t["Percentage"]) for t in taxes}
    assert {("IVA", 19), ("IVA", 5), ("IVA", 0), ("Impoconsumo", 8), ("ReteIVA", 15)} <= rates
    assert len([t for t in taxes if t["TaxType"] == "Retefuente"]) >= 2
    assert len({t["Percentage"] for t in taxes if t["TaxType"] == "Retefuente"}) >= 2
    assert any(t["TaxType"] == "ReteICA" and 0 < t["Percentage"] < 2 for t in taxes)


def test_every_tax_says_its_type_rate_and_whether_it_withholds(
    admin_client: httpx.Client,
) -> None:
    for tax in get_all(admin_client, "Taxes"):
        assert tax["Name"]
        assert isinstance(tax["Percentage"], int | float)
        assert 0 <= tax["Percentage"] <= 100
        assert tax["IsRetention"] is (tax["TaxType"] in WITHHOLDING_TYPES), tax
        assert tax["IsActive"] is True


def test_payment_means_have_type_and_system_flag(admin_client: httpx.Client) -> None:
    means = get_all(admin_client, "PaymentMeans")
    assert {m["Type"] for m in means} <= {0, 1, 2}
    assert all(isinstance(m["IsSystem"], bool) and m["Name"] for m in means)
    assert any(m["IsSystem"] for m in means)
    assert any(m["Type"] == 1 for m in means)
    assert any(m["Type"] == 2 for m in means)


def test_means_usable_on_a_sales_invoice_include_cash_and_credit(
    admin_client: httpx.Client,
) -> None:
    """The guide: a sales invoice takes means of Type 0 or 2 that are not system means."""
    usable = [
        m
        for m in get_all(admin_client, "PaymentMeans")
        if m["Type"] in (0, 2) and not m["IsSystem"]
    ]
    assert any(m["DianCode"] == "10" and not m["IsCredit"] for m in usable)
    assert any(m["IsCredit"] for m in usable)


def test_fv_1_is_electronic_with_the_habilitacion_numbering(admin_client: httpx.Client) -> None:
    fv = document_type(admin_client, "FV", 1)
    assert fv["IsElectronic"] is True
    assert fv["IsActive"] is True
    assert fv["Prefix"] == "SETP"
    numbering = fv["NumberingRange"]
    assert numbering["Prefix"] == "SETP"
    assert numbering["From"] == 990000000
    assert numbering["To"] == 995000000
    assert numbering["From"] <= numbering["NextNumber"] <= numbering["To"]
    assert fv["Consecutive"] == numbering["NextNumber"]
    assert numbering["ResolutionNumber"] == "18760000001"
    assert numbering["HasTechnicalKey"] is True
    valid_from, valid_to = numbering["ValidFrom"], numbering["ValidTo"]
    assert len(valid_from) == len(valid_to) == 8
    assert valid_from.isdigit() and valid_to.isdigit()
    assert valid_from < valid_to
    assert numbering["ResolutionDate"] is not None


def test_document_types_include_receipts_and_notes(admin_client: httpx.Client) -> None:
    types = get_all(admin_client, "ERPDocumentTypes")
    assert {"FV", "RC", "NC", "ND"} <= {d["DocClass"] for d in types}
    for d in types:
        assert d["Name"]
        assert isinstance(d["Code"], int)


def test_the_technical_key_is_never_returned(
    admin_client: httpx.Client, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    assert tenant.company.id is not None
    with ctx.unit_of_work(read_only=True) as uow:
        keys = [
            n.technical_key for n in uow.numbering_ranges.all(tenant.company.id) if n.technical_key
        ]
    assert keys
    fv = document_type(admin_client, "FV", 1)
    responses = [
        admin_client.get("/ERPDocumentTypes/GetAll", params={"numberPage": 0}),
        admin_client.get(f"/ERPDocumentTypes/GetByID/{fv['Id']}"),
        admin_client.get("/ERPDocumentTypes/GetByCode", params={"docClass": "FV", "docCode": 1}),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert not any(key in response.text for key in keys)
        assert {k for k in keys_of(response.json()) if "technicalkey" in k.lower()} == {
            "HasTechnicalKey"
        }


@pytest.mark.parametrize("doc_class", ["FV", "fv", "Fv"])
def test_get_by_code_finds_fv_1(admin_client: httpx.Client, doc_class: str) -> None:
    response = admin_client.get(
        "/ERPDocumentTypes/GetByCode", params={"docClass": doc_class, "docCode": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json() == document_type(admin_client, "FV", 1)


@pytest.mark.parametrize(("doc_class", "code"), [("RC", 1), ("NC", 1), ("ND", 1), ("FV", 2)])
def test_get_by_code_finds_each_default_type(
    admin_client: httpx.Client, doc_class: str, code: int
) -> None:
    response = admin_client.get(
        "/ERPDocumentTypes/GetByCode", params={"docClass": doc_class, "docCode": code}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["DocClass"], response.json()["Code"]) == (doc_class, code)


def test_get_by_code_of_an_unknown_code_is_not_found(admin_client: httpx.Client) -> None:
    response = admin_client.get(
        "/ERPDocumentTypes/GetByCode", params={"docClass": "FV", "docCode": 99}
    )
    assert response.status_code == 404
    assert errors_of(response) == [("not_found", [])]


def test_get_by_code_with_a_bad_doc_class_is_refused(admin_client: httpx.Client) -> None:
    response = admin_client.get(
        "/ERPDocumentTypes/GetByCode", params={"docClass": "XX", "docCode": 1}
    )
    assert response.status_code == 400
    assert errors_of(response) == [("invalid_value", ["docClass"])]


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"docClass": "FV"}, "parameter_required", "docCode"),
        ({"docCode": 1}, "parameter_required", "docClass"),
        ({"docClass": "FV", "docCode": "uno"}, "invalid_type", "docCode"),
    ],
)
def test_get_by_code_parameters_are_checked(
    admin_client: httpx.Client, params: dict[str, Any], code: str, param: str
) -> None:
    response = admin_client.get("/ERPDocumentTypes/GetByCode", params=params)
    assert response.status_code == 400
    assert errors_of(response) == [(code, [param])]


def test_price_lists_are_positions_1_to_12(admin_client: httpx.Client) -> None:
    lists = get_all(admin_client, "PriceList")
    assert sorted(p["Position"] for p in lists) == list(range(1, 13))
    assert all(p["Name"] and p["IsActive"] is True for p in lists)


def test_users_show_the_administrator_with_identification(admin_client: httpx.Client) -> None:
    users = get_all(admin_client, "Users")
    admin = next(u for u in users if u["UserName"] == "admin@empresa.co")
    assert admin["Identification"] == "1020304050"
    assert admin["UserType"] == 1
    assert admin["FirstName"] == "Ana"
    assert admin["LastName"] == "Administradora"
    assert admin["IsActive"] is True
    assert "Password" not in str(keys_of(users))
    assert not any("hash" in k.lower() for k in keys_of(users))


def test_account_groups_carry_code_description_and_puc_accounts(
    admin_client: httpx.Client,
) -> None:
    groups = get_all(admin_client, "AccountGroups")
    assert len(groups) >= 2
    for group in groups:
        assert group["Code"]
        assert group["Description"]
        assert group["IncomeAccount"].isdigit() and group["IncomeAccount"].startswith("4")
    inventory = [g["InventoryAccount"] for g in groups if g["InventoryAccount"]]
    assert inventory
    assert all(a.isdigit() and a.startswith("14") for a in inventory)


def test_a_new_company_has_an_active_warehouse_and_cost_centers(
    admin_client: httpx.Client,
) -> None:
    warehouses = get_all(admin_client, "Warehouses")
    assert any(w["IsActive"] and w["Code"] and w["Name"] for w in warehouses)
    centers = get_all(admin_client, "CostCenters")
    assert all(c["Code"] and c["Name"] for c in centers)


@pytest.mark.parametrize("resource", RESOURCES)
def test_openapi_describes_get_all_and_get_by_id(http: httpx.Client, resource: str) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    get_all_path = paths[f"/siigo/api/v1/{resource}/GetAll"]["get"]
    assert "numberPage" in {p["name"] for p in get_all_path["parameters"]}
    by_id = [p for p in paths if p.startswith(f"/siigo/api/v1/{resource}/GetByID/{{")]
    assert len(by_id) == 1
    assert "get" in paths[by_id[0]]


def test_openapi_describes_get_by_code(http: httpx.Client) -> None:
    operation = http.get("/openapi.json").json()["paths"][
        "/siigo/api/v1/ERPDocumentTypes/GetByCode"
    ]
    assert {p["name"] for p in operation["get"]["parameters"]} >= {"docClass", "docCode"}
