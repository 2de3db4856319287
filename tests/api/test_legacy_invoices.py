"""Sales invoices over the legacy API: Invoice/Save, GetByID, GetAll and Annul — customers,
totals, numbering, stock, payments, every validation rule and who may issue them."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture, errors_of

Body = dict[str, Any]
Errors = list[tuple[str, list[str]]]

FIRST_FV1 = 990000000
CUSTOMER_NIT = "800197268"
USER_PASSWORD = "clave-usuario-2024"


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


def yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def new_account(identification: str = CUSTOMER_NIT, **fields: Any) -> Body:
    """A Header.Account complete enough to create the customer, as Siigo does."""
    account: Body = {
        "IsSocialReason": True,
        "FullName": "Distribuidora El Cliente SAS",
        "IdTypeCode": "31",
        "Identification": identification,
        "BranchOffice": 0,
        "City": {"CountryCode": "CO", "StateCode": "11", "CityCode": "11001"},
        "Address": "Calle 100 # 15-20",
        "Phone": {"Number": "6011234567"},
    }
    account.update(fields)
    return account


def item(
    code: str,
    quantity: Any,
    unit_value: Any,
    *,
    tax: int | None = None,
    withholding: int | None = None,
    warehouse: str | None = None,
    **fields: Any,
) -> Body:
    line: Body = {"ProductCode": code, "Quantity": quantity, "UnitValue": unit_value}
    if tax is not None:
        line["TaxAddId"] = tax
    if withholding is not None:
        line["TaxDiscountId"] = withholding
    if warehouse is not None:
        line["WareHouseCode"] = warehouse
    line.update(fields)
    return line


@dataclass
class Shop:
    """A company ready to sell: its catalogs by name, a service SERV-1 and a stock-controlled
    product PROD-1 with 10 units in warehouse "1"."""

    client: httpx.Client
    taxes: dict[str, int]
    means: dict[str, int]
    doc_types: dict[str, int]

    def tax(self, name: str) -> int:
        return self.taxes[name]

    def cash(self, value: Any) -> Body:
        return {"PaymentMeansCode": self.means["Efectivo"], "Value": value}

    def credit(self, value: Any, quote: int = 1, due: date | None = None) -> Body:
        return {
            "PaymentMeansCode": self.means["Crédito"],
            "Value": value,
            "DueDate": yyyymmdd(due or colombian_today() + timedelta(days=30)),
            "DueQuote": quote,
        }

    def body(
        self,
        *,
        items: list[Body] | None = None,
        payments: list[Body] | None = None,
        account: Body | None = None,
        **header: Any,
    ) -> Body:
        """A valid invoice: by default 2 × SERV-1 at 50 000 with IVA 19 %, paid 119 000 cash."""
        return {
            "Header": {
                "DocCode": self.doc_types["FV-1"],
                "DocDate": yyyymmdd(colombian_today()),
                "SalesmanIdentification": "1020304050",
                "Account": account or new_account(),
                **header,
            },
            "Items": items
            if items is not None
            else [item("SERV-1", 2, 50000, tax=self.tax("IVA 19%"))],
            "Payments": payments if payments is not None else [self.cash(119000)],
        }

    def save(self, body: Body, **headers: str) -> httpx.Response:
        return self.client.post("/Invoice/Save", json=body, headers=headers)

    def issue(self, body: Body | None = None) -> Body:
        invoice: Body = ok(self.save(body or self.body()))
        return invoice

    def product(self, code: str, *, service: bool = False, active: bool = True) -> None:
        ok(
            self.client.post(
                "/Products/Create",
                json={
                    "Code": code,
                    "Description": f"Artículo {code}",
                    "ProductTypeKey": "ProductType_Service" if service else "ProductType_Product",
                    "AccountGroupID": ok(self.client.get("/AccountGroups/GetAll"))[0]["Id"],
                    "IsInventoryControl": not service,
                    "State": 1 if active else 0,
                },
            )
        )

    def add_stock(self, code: str, quantity: Any) -> None:
        ok(
            self.client.post(
                "/Inventory/Adjust",
                json={"ProductCode": code, "WareHouseCode": "1", "Quantity": quantity},
            )
        )

    def stock(self, code: str) -> Decimal:
        balance = ok(self.client.get("/Products/GetProductBalanceByCode", params={"code": code}))
        return dec(balance["TotalBalance"])

    def next_number(self, doc: str = "FV-1") -> int:
        doc_class, code = doc.split("-")
        found = ok(
            self.client.get(
                "/ERPDocumentTypes/GetByCode", params={"docClass": doc_class, "docCode": code}
            )
        )
        return int(found["NumberingRange"]["NextNumber"])

    def invoices(self, **params: Any) -> list[Body]:
        found: list[Body] = ok(self.client.get("/Invoice/GetAll", params=params))
        return found


def open_shop(client: httpx.Client) -> Shop:
    shop = Shop(
        client=client,
        taxes={t["Name"]: t["Id"] for t in ok(client.get("/Taxes/GetAll"))},
        means={m["Name"]: m["Id"] for m in ok(client.get("/PaymentMeans/GetAll"))},
        doc_types={
            f"{d['DocClass']}-{d['Code']}": d["Id"]
            for d in ok(client.get("/ERPDocumentTypes/GetAll"))
        },
    )
    shop.product("SERV-1", service=True)
    shop.product("PROD-1")
    shop.add_stock("PROD-1", 10)
    return shop


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    return open_shop(admin_client)


@pytest.fixture
def user_client(
    ctx: ServiceContext,
    server: LiveServer,
    tenant: TenantFixture,
    legacy_token: Callable[..., str],
) -> Iterator[Callable[[UserType, str], httpx.Client]]:
    """A new user of the tenant with the given type and identification, signed in over HTTP."""
    clients: list[httpx.Client] = []

    def sign_in(user_type: UserType, identification: str) -> httpx.Client:
        user = users.create(
            ctx,
            tenant.actor,
            UserData(
                username=f"{user_type.value}{secrets.token_hex(3)}@empresa.co",
                user_type=user_type,
                identification=identification,
                first_name="Vendedor",
                last_name="Mostrador",
            ),
            USER_PASSWORD,
        )
        token = legacy_token(tenant.key, user.username, USER_PASSWORD)
        client = httpx.Client(
            base_url=f"{server.url}/siigo/api/v1", headers={"Authorization": token}, timeout=30
        )
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


# --- customers -------------------------------------------------------------------------------


def test_an_existing_customer_is_found_by_identification_and_branch_office(shop: Shop) -> None:
    for branch, name in ((0, "Sede Principal"), (1, "Sede Norte")):
        ok(
            shop.client.post(
                "/Accounts/Create",
                json=new_account("52111222", IdTypeCode="13", BranchOffice=branch, FullName=name)
                | {"IsCustomer": True},
            )
        )

    invoice = shop.issue(shop.body(account={"Identification": "52111222", "BranchOffice": 1}))

    assert invoice["Header"]["Account"]["FullName"] == "Sede Norte"
    assert invoice["Header"]["Account"]["BranchOffice"] == 1
    assert len(ok(shop.client.get("/Accounts/GetAll"))) == 2


def test_a_new_customer_is_created_from_the_account_with_its_contact(shop: Shop) -> None:
    contact = {"FirstName": "Jorge", "LastName": "Compras", "EMail": "compras@cliente.co"}
    body = shop.body()
    body["Header"]["Contact"] = contact

    invoice = shop.issue(body)

    accounts = ok(shop.client.get("/Accounts/GetAll"))
    assert [(a["Identification"], a["FullName"], a["IsCustomer"]) for a in accounts] == [
        (CUSTOMER_NIT, "Distribuidora El Cliente SAS", True)
    ]
    contacts = ok(shop.client.get(f"/Contacts/GetAllByAccountID/{accounts[0]['Id']}"))
    assert [(c["FirstName"], c["EMail"], c["IsPrincipal"]) for c in contacts] == [
        ("Jorge", "compras@cliente.co", True)
    ]
    assert invoice["Header"]["Contact"]["EMail"] == "compras@cliente.co"
    assert invoice["Header"]["Account"]["CheckDigit"] == 4


def test_the_customer_created_by_one_invoice_is_reused_by_the_next(shop: Shop) -> None:
    first = shop.issue()
    second = shop.issue(shop.body(account=new_account(FullName="Otro nombre que se ignora")))

    accounts = ok(shop.client.get("/Accounts/GetAll"))
    assert len(accounts) == 1
    assert second["Header"]["Account"]["FullName"] == "Distribuidora El Cliente SAS"
    assert first["Header"]["Account"] == second["Header"]["Account"]


def test_a_new_customer_with_a_wrong_account_is_refused_with_account_field_names(
    shop: Shop,
) -> None:
    account = new_account()
    del account["Address"]

    response = shop.save(shop.body(account=account))

    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Header.Account.Address"])]
    assert ok(shop.client.get("/Accounts/GetAll")) == []


def test_a_new_customer_with_a_wrong_contact_is_refused_with_contact_field_names(
    shop: Shop,
) -> None:
    body = shop.body()
    body["Header"]["Contact"] = {"FirstName": "Jorge", "EMail": "compras@cliente.co"}

    response = shop.save(body)

    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Header.Contact.LastName"])]
    assert ok(shop.client.get("/Accounts/GetAll")) == []


# --- the answer --------------------------------------------------------------------------------


def test_the_first_invoice_echoes_id_number_totals_items_and_payments(shop: Shop) -> None:
    iva, retefuente = shop.tax("IVA 19%"), shop.tax("Retefuente compras 2,5%")
    body = shop.body(
        items=[
            item("PROD-1", 3, 20000, tax=iva, withholding=retefuente, warehouse="1"),
            item("SERV-1", 1, 10000.5, DiscountValue=0.5),
        ],
        # PROD-1: 60 000 + IVA 11 400 − retefuente 1 500 = 69 900; SERV-1: 10 000.
        payments=[shop.cash(29900), shop.credit(50000, quote=1)],
        Observations="Entrega en bodega",
    )

    invoice = shop.issue(body)

    header = invoice["Header"]
    assert isinstance(header["Id"], int) and header["Id"] > 0
    assert (header["Number"], header["Prefix"], header["Name"]) == (
        FIRST_FV1,
        "SETP",
        f"FV-1-{FIRST_FV1}",
    )
    assert {
        name: dec(header[name])
        for name in (
            "TotalBase",
            "DiscountValue",
            "VATTotalValue",
            "ConsumptionTaxTotalValue",
            "TaxDiscTotalValue",
            "RetVATTotalValue",
            "RetICATotalValue",
            "TotalValue",
            "Balance",
        )
    } == {
        "TotalBase": Decimal("70000.5"),
        "DiscountValue": Decimal("0.5"),
        "VATTotalValue": Decimal(11400),
        "ConsumptionTaxTotalValue": Decimal(0),
        "TaxDiscTotalValue": Decimal(1500),
        "RetVATTotalValue": Decimal(0),
        "RetICATotalValue": Decimal(0),
        "TotalValue": Decimal(79900),
        "Balance": Decimal(50000),
    }
    assert (header["RetVATTotalID"], header["RetICATotalID"]) == (-1, -1)
    assert header["Status"] == "Issued"
    assert header["DocDate"] == yyyymmdd(colombian_today())
    assert header["SalesmanIdentification"] == "1020304050"
    assert header["Observations"] == "Entrega en bodega"
    assert header["MoneyCode"] == "COP"
    product_line, service_line = invoice["Items"]
    assert {k: product_line[k] for k in ("ProductCode", "Description", "WareHouseCode")} == {
        "ProductCode": "PROD-1",
        "Description": "Artículo PROD-1",
        "WareHouseCode": "1",
    }
    assert [
        dec(product_line[k])
        for k in ("GrossValue", "BaseValue", "TaxAddValue", "TaxDiscountValue", "TotalValue")
    ] == [Decimal(60000), Decimal(60000), Decimal(11400), Decimal(1500), Decimal(69900)]
    assert (product_line["TaxAddName"], product_line["TaxAddId"]) == ("IVA 19%", iva)
    assert dec(product_line["TaxAddPercentage"]) == 19
    assert (product_line["TaxDiscountName"], product_line["TaxDiscountId"]) == (
        "Retefuente compras 2,5%",
        retefuente,
    )
    assert dec(product_line["TaxDiscountPercentage"]) == Decimal("2.5")
    assert (service_line["TaxAddId"], service_line["TaxDiscountId"]) == (-1, -1)
    assert service_line["WareHouseCode"] is None
    assert [
        dec(service_line[k]) for k in ("GrossValue", "DiscountValue", "BaseValue", "TotalValue")
    ] == [Decimal("10000.5"), Decimal("0.5"), Decimal(10000), Decimal(10000)]
    assert [
        (p["PaymentMeansCode"], dec(p["Value"]), p["DueQuote"], dec(p["Balance"]))
        for p in invoice["Payments"]
    ] == [
        (shop.means["Efectivo"], Decimal(29900), None, Decimal(0)),
        (shop.means["Crédito"], Decimal(50000), 1, Decimal(50000)),
    ]
    assert invoice["Payments"][1]["DueDate"] == yyyymmdd(colombian_today() + timedelta(days=30))
    assert shop.stock("PROD-1") == 7


def test_a_ten_line_invoice_with_iva_consumption_retefuente_and_reteica_totals_exactly(
    shop: Shop,
) -> None:
    """Every amount below was worked out by hand, rounding half up to cents at each step."""
    iva, inc = shop.tax("IVA 19%"), shop.tax("Impuesto al consumo 8%")
    rf25, rf4 = shop.tax("Retefuente compras 2,5%"), shop.tax("Retefuente servicios 4%")
    for code in ("ARROZ", "CAFE", "AZUCAR"):
        shop.product(code)
        shop.add_stock(code, 100)
    shop.product("ASESORIA", service=True)
    lines = [
        # quantity × unit value = gross; − discount = base; + tax; − withholding = total
        (item("ARROZ", 3, 12345.67, tax=iva, withholding=rf25, warehouse="1"),
         "37037.01", "0", "7037.03", "925.93", "43148.11"),  # 7037.0319, 925.92525
        (item("CAFE", 2.5, 8999.99, tax=inc, warehouse="1"),
         "22499.98", "0", "1800.00", "0", "24299.98"),  # 22499.975, 1799.9984
        (item("ASESORIA", 1, 1500000, tax=iva, withholding=rf4),
         "1500000", "0", "285000", "60000", "1725000"),
        (item("ARROZ", 7, 1234.56, tax=iva, warehouse="1", DiscountValue=500),
         "8641.92", "500", "1546.96", "0", "9688.88"),  # 8141.92 × 19 % = 1546.9648
        (item("CAFE", 1, 45678.9, tax=inc, withholding=rf25, warehouse="1",
              DiscountPercentage=10),
         "45678.9", "4567.89", "3288.88", "1027.78", "43372.11"),  # base 41111.01
        (item("ASESORIA", 0.75, 333333.33, tax=iva),
         "250000", "0", "47500", "0", "297500"),  # 249999.9975
        (item("AZUCAR", 12, 3210.5, warehouse="1", TaxAddId=-1, TaxDiscountId=0),
         "38526", "0", "0", "0", "38526"),
        (item("AZUCAR", 4, 999.995, tax=iva, withholding=rf25, warehouse="1"),
         "3999.98", "0", "760", "100", "4659.98"),  # 759.9962, 99.9995
        (item("ASESORIA", 2, 87654.32, tax=inc, withholding=rf4),
         "175308.64", "0", "14024.69", "7012.35", "182320.98"),  # 7012.3456
        (item("ARROZ", 1.25, 19999.99, tax=iva, warehouse="1"),
         "24999.99", "0", "4750", "0", "29749.99"),  # 24999.9875, 4749.9981
    ]  # fmt: skip
    # Σ lines 2 398 266.03; ReteIVA 15 % of VAT 346 593.99 = 51 989.0985 → 51 989.10;
    # ReteICA 9.66 ‰ of base 2 101 624.53 = 20 301.69296 → 20 301.69.
    total = Decimal("2325975.24")
    body = shop.body(
        items=[line for line, *_ in lines],
        payments=[shop.cash(325975.24), shop.credit(1000000, 1), shop.credit(1000000, 2)],
        RetVATTotalID=shop.tax("ReteIVA 15%"),
        RetICATotalID=shop.tax("ReteICA 9,66 x mil"),
        TotalValue=float(total),
        TotalBase=2106692.42,
    )

    invoice = shop.issue(body)

    header = invoice["Header"]
    assert {
        name: dec(header[name])
        for name in (
            "TotalBase",
            "DiscountValue",
            "VATTotalValue",
            "ConsumptionTaxTotalValue",
            "TaxDiscTotalValue",
            "RetVATTotalValue",
            "RetVATTotalPercentage",
            "RetICATotalValue",
            "RetICATotaPercentage",
            "TotalValue",
            "Balance",
        )
    } == {
        "TotalBase": Decimal("2106692.42"),
        "DiscountValue": Decimal("5067.89"),
        "VATTotalValue": Decimal("346593.99"),
        "ConsumptionTaxTotalValue": Decimal("19113.57"),
        "TaxDiscTotalValue": Decimal("69066.06"),
        "RetVATTotalValue": Decimal("51989.10"),
        "RetVATTotalPercentage": Decimal(15),
        "RetICATotalValue": Decimal("20301.69"),
        "RetICATotaPercentage": Decimal("0.966"),
        "TotalValue": total,
        "Balance": Decimal(2000000),
    }
    assert (header["RetVATTotalID"], header["RetICATotalID"]) == (
        shop.tax("ReteIVA 15%"),
        shop.tax("ReteICA 9,66 x mil"),
    )
    assert [
        tuple(
            dec(line[k])
            for k in (
                "GrossValue",
                "DiscountValue",
                "TaxAddValue",
                "TaxDiscountValue",
                "TotalValue",
            )
        )
        for line in invoice["Items"]
    ] == [tuple(Decimal(v) for v in expected) for _, *expected in lines]
    assert shop.stock("ARROZ") == Decimal("88.75")
    assert shop.stock("CAFE") == Decimal("96.5")
    assert shop.stock("AZUCAR") == 84


def test_tax_ids_of_minus_one_and_zero_mean_no_tax(shop: Shop) -> None:
    body = shop.body(
        items=[item("SERV-1", 2, 50000, TaxAddId=-1, TaxAdd2Id=0, TaxDiscountId=-1)],
        payments=[shop.cash(100000)],
        RetVATTotalID=0,
        RetICATotalID=-1,
    )

    invoice = shop.issue(body)

    line = invoice["Items"][0]
    assert (line["TaxAddId"], line["TaxAdd2Id"], line["TaxDiscountId"]) == (-1, -1, -1)
    assert (line["TaxAddName"], dec(line["TaxAddValue"])) == ("", Decimal(0))
    assert dec(invoice["Header"]["TotalValue"]) == 100000


def test_consecutive_invoices_get_consecutive_numbers(shop: Shop) -> None:
    numbers = [shop.issue()["Header"]["Number"] for _ in range(3)]

    assert numbers == [FIRST_FV1, FIRST_FV1 + 1, FIRST_FV1 + 2]
    assert shop.next_number() == FIRST_FV1 + 3


def test_get_by_id_returns_the_document_the_save_answered(shop: Shop) -> None:
    body = shop.body(payments=[shop.cash(19000), shop.credit(100000)])
    body["Header"]["Contact"] = {
        "FirstName": "Jorge",
        "LastName": "Compras",
        "EMail": "compras@cliente.co",
    }
    saved = shop.issue(body)

    assert ok(shop.client.get(f"/Invoice/GetByID/{saved['Header']['Id']}")) == saved


def test_another_companys_invoice_is_not_found(shop: Shop, other_client: httpx.Client) -> None:
    invoice_id = shop.issue()["Header"]["Id"]

    response = other_client.get(f"/Invoice/GetByID/{invoice_id}")

    assert response.status_code == 404
    assert [code for code, _ in errors_of(response)] == ["not_found"]
    assert ok(other_client.get("/Invoice/GetAll")) == []


# --- GetAll ----------------------------------------------------------------------------------


def test_get_all_lists_headers_and_payments_without_items(shop: Shop) -> None:
    first, second = shop.issue(), shop.issue()

    listed = shop.invoices(numberPage=0)

    assert [i["Header"]["Number"] for i in listed] == [FIRST_FV1, FIRST_FV1 + 1]
    assert [i["Items"] for i in listed] == [None, None]
    assert listed[0]["Header"] == first["Header"]
    assert listed[1]["Payments"] == second["Payments"]


def test_get_all_with_include_items_adds_the_items(shop: Shop) -> None:
    saved = shop.issue()

    listed = shop.invoices(numberPage=0, includeItems="true")

    assert listed == [saved]


def test_get_all_past_the_last_page_is_empty(shop: Shop) -> None:
    shop.issue()

    assert shop.invoices(numberPage=1) == []


def test_get_all_filters_by_date(shop: Shop) -> None:
    today = colombian_today()
    for days_ago in (40, 10, 0):
        shop.issue(shop.body(DocDate=yyyymmdd(today - timedelta(days=days_ago))))

    def dates(**window: date) -> list[str]:
        params = {name: yyyymmdd(day) for name, day in window.items()}
        return [i["Header"]["DocDate"] for i in shop.invoices(**params)]

    assert dates(dateFrom=today - timedelta(days=10)) == [
        yyyymmdd(today - timedelta(days=10)),
        yyyymmdd(today),
    ]
    assert dates(dateTo=today - timedelta(days=11)) == [yyyymmdd(today - timedelta(days=40))]
    assert dates(dateFrom=today - timedelta(days=39), dateTo=today - timedelta(days=1)) == [
        yyyymmdd(today - timedelta(days=10))
    ]


def test_get_all_filters_by_customer_identification(shop: Shop) -> None:
    shop.issue()
    other = shop.issue(shop.body(account=new_account("900373115")))
    shop.issue()

    listed = shop.invoices(customerIdentification="900373115")

    assert [i["Header"]["Id"] for i in listed] == [other["Header"]["Id"]]
    assert shop.invoices(customerIdentification="11111111") == []


def test_get_all_filters_by_document_type(shop: Shop) -> None:
    shop.issue()
    manual = shop.issue(shop.body(DocCode=shop.doc_types["FV-2"], Number=7))

    listed = shop.invoices(docCode=shop.doc_types["FV-2"])

    assert [(i["Header"]["Id"], i["Header"]["Name"]) for i in listed] == [
        (manual["Header"]["Id"], "FV-2-7")
    ]
    assert len(shop.invoices(docCode=shop.doc_types["FV-1"])) == 1


# --- validation: one rule at a time ----------------------------------------------------------

Change = Callable[[Shop, Body], None]
Value = Any  # a value, or a function of the Shop giving it (catalog ids)


def _resolved(shop: Shop, fields: dict[str, Value]) -> Body:
    return {name: value(shop) if callable(value) else value for name, value in fields.items()}


def in_header(**fields: Value) -> Change:
    return lambda shop, body: body["Header"].update(_resolved(shop, fields))


def in_item(**fields: Value) -> Change:
    return lambda shop, body: body["Items"][0].update(_resolved(shop, fields))


def in_payment(**fields: Value) -> Change:
    return lambda shop, body: body["Payments"][0].update(_resolved(shop, fields))


def payments(make: Callable[[Shop], list[Body]]) -> Change:
    return lambda shop, body: body.update(Payments=make(shop))


def tax(name: str) -> Callable[[Shop], int]:
    return lambda shop: shop.tax(name)


def means(name: str) -> Callable[[Shop], int]:
    return lambda shop: shop.means[name]


def doc_type(code: str) -> Callable[[Shop], int]:
    return lambda shop: shop.doc_types[code]


def days_from_today(days: int) -> Callable[[Shop], str]:
    return lambda _: yyyymmdd(colombian_today() + timedelta(days=days))


def without_due(field: str) -> Callable[[Shop], list[Body]]:
    def make(shop: Shop) -> list[Body]:
        payment = shop.credit(119000)
        del payment[field]
        return [payment]

    return make


def rule(name: str, change: Change, *errors: tuple[str, str]) -> Any:
    """A case of the rules table: the change to a valid invoice and its (Code, Param)s."""
    return pytest.param(change, [(code, [field]) for code, field in errors], id=name)


RULES = [
    rule("doc code missing", in_header(DocCode=None), ("parameter_required", "Header.DocCode")),
    rule(
        "doc code of a receipt type",
        in_header(DocCode=doc_type("RC-1")),
        ("invalid_reference", "Header.DocCode"),
    ),
    rule("doc code unknown", in_header(DocCode=987654), ("invalid_reference", "Header.DocCode")),
    rule("doc date missing", in_header(DocDate=None), ("parameter_required", "Header.DocDate")),
    rule(
        "doc date tomorrow",
        in_header(DocDate=days_from_today(1)),
        ("invalid_date", "Header.DocDate"),
    ),
    rule(
        "salesman missing",
        in_header(SalesmanIdentification=None),
        ("parameter_required", "Header.SalesmanIdentification"),
    ),
    rule(
        "salesman unknown",
        in_header(SalesmanIdentification="99887766"),
        ("invalid_reference", "Header.SalesmanIdentification"),
    ),
    rule(
        "observations of 1001 characters",
        in_header(Observations="x" * 1001),
        ("length_max", "Header.Observations"),
    ),
    rule(
        "money code unknown", in_header(MoneyCode="XYZ"), ("invalid_currency", "Header.MoneyCode")
    ),
    rule(
        "dollars without exchange value",
        in_header(MoneyCode="USD"),
        ("invalid_value", "Header.ExchangeValue"),
    ),
    rule("items empty", lambda _, body: body.update(Items=[]), ("parameter_required", "Items")),
    rule(
        "product unknown",
        in_item(ProductCode="NO-EXISTE"),
        ("invalid_reference", "Items[0].ProductCode"),
    ),
    rule("quantity zero", in_item(Quantity=0), ("invalid_amount", "Items[0].Quantity")),
    rule("quantity negative", in_item(Quantity=-2), ("invalid_amount", "Items[0].Quantity")),
    rule("unit value negative", in_item(UnitValue=-1), ("invalid_amount", "Items[0].UnitValue")),
    rule(
        "unit value with 7 decimals",
        in_item(UnitValue=50000.1234567),
        ("invalid_amount", "Items[0].UnitValue"),
    ),
    rule(  # the total turns negative too; the payments are then not compared with it
        "discount above the gross value",
        in_item(DiscountValue=100000.01),
        ("invalid_amount", "Items[0].DiscountValue"),
        ("invalid_amount", "Header.TotalValue"),
    ),
    rule(
        "charge tax that is a retefuente",
        in_item(TaxAddId=tax("Retefuente compras 2,5%")),
        ("invalid_reference", "Items[0].TaxAddId"),
    ),
    rule(
        "charge tax unknown", in_item(TaxAddId=987654), ("invalid_reference", "Items[0].TaxAddId")
    ),
    rule(
        "withholding that is not a retefuente",
        in_item(TaxDiscountId=tax("IVA 5%")),
        ("invalid_reference", "Items[0].TaxDiscountId"),
    ),
    rule(
        "reteiva that is a reteica",
        in_header(RetVATTotalID=tax("ReteICA 9,66 x mil")),
        ("invalid_reference", "Header.RetVATTotalID"),
    ),
    rule(
        "stock-controlled product without warehouse",
        in_item(ProductCode="PROD-1"),
        ("parameter_required", "Items[0].WareHouseCode"),
    ),
    rule(
        "warehouse on a service",
        in_item(WareHouseCode="1"),
        ("product_settings", "Items[0].WareHouseCode"),
    ),
    rule("payments empty", payments(lambda _: []), ("parameter_required", "Payments")),
    rule(
        "supplier payment means (Type 1)",
        in_payment(PaymentMeansCode=means("Cuentas por pagar a proveedores")),
        ("invalid_payment", "Payments[0].PaymentMeansCode"),
    ),
    rule(
        "system payment means",
        in_payment(PaymentMeansCode=means("Cruce de anticipos")),
        ("invalid_payment", "Payments[0].PaymentMeansCode"),
    ),
    rule(
        "credit without due date",
        payments(without_due("DueDate")),
        ("parameter_required", "Payments[0].DueDate"),
    ),
    rule(
        "credit without due quote",
        payments(without_due("DueQuote")),
        ("parameter_required", "Payments[0].DueQuote"),
    ),
    rule(
        "repeated due quote",
        payments(lambda shop: [shop.credit(59500, 1), shop.credit(59500, 1)]),
        ("invalid_array", "Payments[1].DueQuote"),
    ),
    rule(
        "due date before the document date",
        payments(lambda shop: [shop.credit(119000, 1, colombian_today() - timedelta(days=1))]),
        ("invalid_date", "Payments[0].DueDate"),
    ),
]


@pytest.mark.parametrize(("change", "expected"), RULES)
def test_each_rule_refuses_the_invoice(shop: Shop, change: Change, expected: Errors) -> None:
    body = shop.body()
    change(shop, body)

    response = shop.save(body)

    assert response.status_code == 400, response.text
    assert errors_of(response) == expected
    assert shop.invoices() == []


def test_an_inactive_product_is_refused(shop: Shop) -> None:
    shop.product("VIEJO", service=True, active=False)

    response = shop.save(shop.body(items=[item("VIEJO", 1, 119000)]))

    assert response.status_code == 400
    assert errors_of(response) == [("parameter_inactive", ["Items[0].ProductCode"])]


def test_an_inactive_salesman_is_refused(
    shop: Shop, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    seller = users.create(
        ctx,
        tenant.actor,
        UserData(
            username="vendedor@empresa.co",
            user_type=UserType.LITE,
            identification="77665544",
            first_name="Vendedor",
            last_name="Retirado",
        ),
        USER_PASSWORD,
    )
    assert seller.id is not None
    users.deactivate(ctx, tenant.actor, seller.id)

    response = shop.save(shop.body(SalesmanIdentification="77665544"))

    assert response.status_code == 400
    assert errors_of(response) == [("parameter_inactive", ["Header.SalesmanIdentification"])]


def test_payments_that_do_not_add_up_answer_the_calculated_total(shop: Shop) -> None:
    body = shop.body(
        items=[item("SERV-1", 3, 33333.33, tax=shop.tax("IVA 19%"))],
        payments=[shop.cash(100000), shop.credit(18999.9)],
    )  # 99 999.99 + 18 999.9981 → 19 000.00 = 118 999.99

    response = shop.save(body)

    assert response.status_code == 400
    assert response.json()["Errors"] == [
        {
            "Code": "invalid_total_payments",
            "Message": "The total payments must be equal to the total invoice. "
            "The total invoice calculated is 118999.99",
            "Params": ["Payments"],
            "Detail": "118999.99",
        }
    ]
    assert float(response.json()["Errors"][0]["Message"].split()[-1]) == 118999.99


DECLARED: list[tuple[Change, str, str, str]] = [
    (in_header(TotalValue=119000), "Header.TotalValue", "119000", "118034"),
    (in_item(TaxAddValue=19000.01), "Items[0].TaxAddValue", "19000.01", "19000"),
    (in_item(GrossValue=99999), "Items[0].GrossValue", "99999", "100000"),
    (in_header(RetICATotalValue=9660), "Header.RetICATotalValue", "9660", "966"),
]


def _with_reteica(shop: Shop) -> Body:
    """2 × 50 000 + IVA 19 % − ReteICA 9.66 ‰ of 100 000 (966) = 118 034."""
    return shop.body(payments=[shop.cash(118034)], RetICATotalID=shop.tax("ReteICA 9,66 x mil"))


@pytest.mark.parametrize(
    ("change", "field", "sent", "computed"), DECLARED, ids=[d[1] for d in DECLARED]
)
def test_a_declared_value_that_differs_from_the_computed_one_is_named(
    shop: Shop, change: Change, field: str, sent: str, computed: str
) -> None:
    body = _with_reteica(shop)
    change(shop, body)

    response = shop.save(body)

    assert response.status_code == 400
    assert response.json()["Errors"] == [
        {
            "Code": "invalid_value",
            "Message": f"The field {field} is {sent} but the computed value is {computed}",
            "Params": [field],
            "Detail": computed,
        }
    ]


def test_every_wrong_declared_value_is_named_at_once(shop: Shop) -> None:
    body = _with_reteica(shop)
    for change, *_ in DECLARED:
        change(shop, body)

    response = shop.save(body)

    assert response.status_code == 400
    assert sorted((e["Params"][0], e["Detail"]) for e in response.json()["Errors"]) == sorted(
        (field, computed) for _, field, _, computed in DECLARED
    )


def test_correct_declared_values_are_accepted(shop: Shop) -> None:
    body = _with_reteica(shop)
    body["Header"].update(TotalValue=118034, TotalBase=100000, RetICATotalValue=966)
    body["Items"][0].update(GrossValue=100000, TaxAddValue=19000, TotalValue=119000)

    assert dec(shop.issue(body)["Header"]["TotalValue"]) == 118034


def test_several_violations_are_listed_at_once(shop: Shop) -> None:
    body = shop.body(
        DocDate=yyyymmdd(colombian_today() + timedelta(days=2)),
        SalesmanIdentification="99887766",
        MoneyCode="XYZ",
        items=[item("SERV-1", 0, -5)],
    )

    response = shop.save(body)

    assert response.status_code == 400
    assert sorted(errors_of(response)) == [
        ("invalid_amount", ["Items[0].Quantity"]),
        ("invalid_amount", ["Items[0].UnitValue"]),
        ("invalid_currency", ["Header.MoneyCode"]),
        ("invalid_date", ["Header.DocDate"]),
        ("invalid_reference", ["Header.SalesmanIdentification"]),
    ]


# --- stock -----------------------------------------------------------------------------------


def test_insufficient_stock_is_refused_with_the_available_quantity(shop: Shop) -> None:
    shop.product("PROD-2")
    shop.add_stock("PROD-2", 1.5)
    body = shop.body(
        items=[
            item("PROD-1", 4, 10000, warehouse="1"),
            item("PROD-2", 2, 10000, warehouse="1"),
        ],
        payments=[shop.cash(60000)],
    )

    response = shop.save(body)

    assert response.status_code == 400
    assert errors_of(response) == [("invalid_amount", ["Items[1].Quantity"])]
    assert response.json()["Errors"][0]["Detail"] == "1.5"
    assert (shop.stock("PROD-1"), shop.stock("PROD-2")) == (Decimal(10), Decimal("1.5"))
    assert shop.next_number() == FIRST_FV1


def test_a_company_that_allows_negative_stock_sells_beyond_it(
    shop: Shop, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        uow.companies.get(tenant.company.id).allow_negative_stock = True
        uow.commit()

    invoice = shop.issue(
        shop.body(items=[item("PROD-1", 12, 10000, warehouse="1")], payments=[shop.cash(120000)])
    )

    assert invoice["Header"]["Number"] == FIRST_FV1
    assert shop.stock("PROD-1") == -2


def test_a_failed_invoice_consumes_no_number_and_moves_no_stock(shop: Shop) -> None:
    shop.issue()
    sale = [item("PROD-1", 3, 10000, warehouse="1")]
    refused = shop.save(shop.body(items=sale, payments=[shop.cash(29999)]))
    assert refused.status_code == 400
    too_much = shop.save(
        shop.body(items=[item("PROD-1", 11, 1, warehouse="1")], payments=[shop.cash(11)])
    )
    assert too_much.status_code == 400

    after = shop.issue(shop.body(items=sale, payments=[shop.cash(30000)]))

    assert after["Header"]["Number"] == FIRST_FV1 + 1
    assert shop.stock("PROD-1") == 7


# --- manual numbering (FV-2) -----------------------------------------------------------------


def test_a_manually_numbered_invoice_keeps_the_number_it_was_given(shop: Shop) -> None:
    invoice = shop.issue(shop.body(DocCode=shop.doc_types["FV-2"], Number=99999))

    header = invoice["Header"]
    assert (header["Number"], header["Prefix"], header["Name"]) == (99999, "TAL", "FV-2-99999")
    assert shop.next_number() == FIRST_FV1


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (None, [("parameter_required", ["Header.Number"])]),
        (100000, [("invalid_range", ["Header.Number"])]),
        (-3, [("invalid_range", ["Header.Number"])]),
    ],
)
def test_manual_numbering_needs_a_number_within_the_range(
    shop: Shop, number: int | None, expected: Errors
) -> None:
    response = shop.save(shop.body(DocCode=shop.doc_types["FV-2"], Number=number))

    assert response.status_code == 400
    assert errors_of(response) == expected


def test_a_manual_number_already_used_is_refused(shop: Shop) -> None:
    shop.issue(shop.body(DocCode=shop.doc_types["FV-2"], Number=15))

    response = shop.save(shop.body(DocCode=shop.doc_types["FV-2"], Number=15))

    assert response.status_code == 400
    assert errors_of(response) == [("duplicated_document", ["Header.Number"])]
    assert len(shop.invoices()) == 1


# --- annulment -------------------------------------------------------------------------------


def annul(
    shop: Shop, invoice_id: int, reason: str | None = "Error de digitación"
) -> httpx.Response:
    return shop.client.post(f"/Invoice/Annul/{invoice_id}", json={"Reason": reason})


def _credit_sale(shop: Shop) -> Body:
    """3 × PROD-1 at 10 000 + IVA 19 % = 35 700, on credit."""
    return shop.issue(
        shop.body(
            items=[item("PROD-1", 3, 10000, tax=shop.tax("IVA 19%"), warehouse="1")],
            payments=[shop.credit(35700)],
        )
    )


def test_annulment_restores_stock_and_receivables_and_marks_the_invoice(shop: Shop) -> None:
    invoice_id = _credit_sale(shop)["Header"]["Id"]
    assert shop.stock("PROD-1") == 7

    annulled = ok(annul(shop, invoice_id))

    assert (annulled["Header"]["Status"], dec(annulled["Header"]["Balance"])) == (
        "Annulled",
        Decimal(0),
    )
    assert [dec(p["Balance"]) for p in annulled["Payments"]] == [0]
    assert shop.stock("PROD-1") == 10
    stored = ok(shop.client.get(f"/Invoice/GetByID/{invoice_id}"))
    assert (stored["Header"]["Status"], dec(stored["Header"]["Balance"])) == (
        "Annulled",
        Decimal(0),
    )
    aging = ok(shop.client.get("/Reports/ReceivablesAging"))
    assert (aging["Customers"], dec(aging["Totals"]["Total"])) == ([], Decimal(0))


def test_an_annulled_invoice_keeps_its_number(shop: Shop) -> None:
    first = shop.issue()
    ok(annul(shop, first["Header"]["Id"]))

    assert shop.issue()["Header"]["Number"] == FIRST_FV1 + 1


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_annulment_needs_a_reason(shop: Shop, reason: str | None) -> None:
    invoice_id = shop.issue()["Header"]["Id"]

    response = annul(shop, invoice_id, reason)

    assert response.status_code == 400
    assert errors_of(response) == [("parameter_required", ["Reason"])]
    assert ok(shop.client.get(f"/Invoice/GetByID/{invoice_id}"))["Header"]["Status"] == "Issued"


def test_an_invoice_cannot_be_annulled_twice(shop: Shop) -> None:
    invoice_id = _credit_sale(shop)["Header"]["Id"]
    ok(annul(shop, invoice_id))

    response = annul(shop, invoice_id)

    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == ["update_not_allowed"]
    assert shop.stock("PROD-1") == 10


def test_an_invoice_with_a_receipt_cannot_be_annulled(shop: Shop) -> None:
    invoice = _credit_sale(shop)
    ok(
        shop.client.post(
            "/Voucher/Save",
            json={
                "Header": {
                    "DocCode": shop.doc_types["RC-1"],
                    "DocDate": yyyymmdd(colombian_today()),
                    "Identification": CUSTOMER_NIT,
                    "VoucherType": 0,
                    "PaymentMeanCode": shop.means["Efectivo"],
                },
                "Items": [
                    {
                        "Value": 10000,
                        "DuePrefix": "FV-1",
                        "DueConsecutive": invoice["Header"]["Number"],
                        "DueQuote": 1,
                    }
                ],
            },
        )
    )

    response = annul(shop, invoice["Header"]["Id"])

    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == ["delete_not_allowed"]
    stored = ok(shop.client.get(f"/Invoice/GetByID/{invoice['Header']['Id']}"))
    assert (stored["Header"]["Status"], dec(stored["Header"]["Balance"])) == (
        "Issued",
        Decimal(25700),
    )


def test_an_invoice_with_a_credit_note_cannot_be_annulled(shop: Shop) -> None:
    invoice = _credit_sale(shop)
    ok(
        shop.client.post(
            "/CreditNote/Save",
            json={
                "Header": {
                    "DocCode": shop.doc_types["NC-1"],
                    "DocDate": yyyymmdd(colombian_today()),
                    "InvoiceId": invoice["Header"]["Id"],
                    "ReasonCode": "1",
                },
                "Items": [{"ProductCode": "PROD-1", "Quantity": 1}],
            },
        )
    )

    response = annul(shop, invoice["Header"]["Id"])

    assert response.status_code == 400
    assert [code for code, _ in errors_of(response)] == ["delete_not_allowed"]
    assert shop.stock("PROD-1") == 8


def test_annulling_another_companys_invoice_is_not_found(
    shop: Shop, other_client: httpx.Client
) -> None:
    invoice_id = shop.issue()["Header"]["Id"]

    response = other_client.post(f"/Invoice/Annul/{invoice_id}", json={"Reason": "Intruso"})

    assert response.status_code == 404
    assert ok(shop.client.get(f"/Invoice/GetByID/{invoice_id}"))["Header"]["Status"] == "Issued"


# --- who may issue ---------------------------------------------------------------------------


def test_a_lite_user_issues_invoices_as_salesman(
    shop: Shop, user_client: Callable[[UserType, str], httpx.Client]
) -> None:
    lite = user_client(UserType.LITE, "1098765432")

    response = lite.post("/Invoice/Save", json=shop.body(SalesmanIdentification="1098765432"))

    invoice = ok(response)
    assert invoice["Header"]["Number"] == FIRST_FV1
    assert invoice["Header"]["SalesmanIdentification"] == "1098765432"


def test_a_payroll_user_may_not_issue_invoices_or_receipts(
    shop: Shop, user_client: Callable[[UserType, str], httpx.Client]
) -> None:
    invoice = shop.issue(shop.body(payments=[shop.credit(119000)]))
    payroll = user_client(UserType.PAYROLL, "1011121314")
    receipt = {
        "Header": {
            "DocCode": shop.doc_types["RC-1"],
            "DocDate": yyyymmdd(colombian_today()),
            "Identification": CUSTOMER_NIT,
            "VoucherType": 0,
            "PaymentMeanCode": shop.means["Efectivo"],
        },
        "Items": [
            {
                "Value": 1000,
                "DuePrefix": "FV-1",
                "DueConsecutive": invoice["Header"]["Number"],
                "DueQuote": 1,
            }
        ],
    }

    refused_invoice = payroll.post("/Invoice/Save", json=shop.body())
    refused_receipt = payroll.post("/Voucher/Save", json=receipt)

    assert (refused_invoice.status_code, refused_receipt.status_code) == (403, 403)
    assert [code for code, _ in errors_of(refused_invoice)] == ["forbidden"]
    assert [code for code, _ in errors_of(refused_receipt)] == ["forbidden"]
    assert len(shop.invoices()) == 1
    assert ok(shop.client.get("/Voucher/GetAll")) == []
