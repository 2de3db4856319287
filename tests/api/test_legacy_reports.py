"""Reports over HTTP: Reports/ReceivablesAging (what each customer owes, by days past due) and
Reports/Sales (net sales per period with taxes and withholdings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from facturo.services.context import ServiceContext
from tests.api.test_legacy_vouchers import (
    CUSTOMER,
    OTHER_CUSTOMER,
    TODAY,
    Body,
    Shop,
    days_ago,
    debt,
    dec,
    item,
    ok,
    refused,
    sign_in_lite,
    ymd,
)
from tests.conftest import LiveServer, TenantFixture, errors_of

BUCKETS = ("Current", "Days1To30", "Days31To60", "Days61To90", "Over90")
ZERO = Decimal(0)


@pytest.fixture
def shop(admin_client: httpx.Client) -> Shop:
    shop = Shop.open(admin_client)
    shop.product("SRV", stock_control=False)
    return shop


@pytest.fixture
def lite_client(
    ctx: ServiceContext, server: LiveServer, tenant: TenantFixture, legacy_token: Any
) -> Iterator[httpx.Client]:
    with sign_in_lite(ctx, server, tenant, legacy_token) as client:
        yield client


def owed(
    shop: Shop,
    *installments: tuple[object, date],
    day: date | None = None,
    customer: str = CUSTOMER,
) -> Body:
    """An invoice of the service paid with credit installments (value, due date), dated
    ``day`` or, by default, the earliest due date."""
    issued = day or min(due for _, due in installments)
    return shop.sell(
        [item("SRV", 1, sum(dec(value) for value, _ in installments))],
        [
            shop.credit(value, due=due, quote=quote)
            for quote, (value, due) in enumerate(installments, 1)
        ],
        customer=customer,
        day=issued,
    )


def buckets(record: Body) -> dict[str, Decimal]:
    """The five buckets and the total of a customer row or of Totals."""
    return {name: dec(record[name]) for name in (*BUCKETS, "Total")}


def expected(**amounts: object) -> dict[str, Decimal]:
    values = {name: dec(amounts.get(name, 0)) for name in BUCKETS}
    return {**values, "Total": sum(values.values(), ZERO)}


def rows_by_customer(report: Body) -> dict[str, dict[str, Decimal]]:
    return {row["Identification"]: buckets(row) for row in report["Customers"]}


def bucket_for(due: date, on: date) -> str:
    """Where an installment due on ``due`` belongs on ``on``."""
    overdue = (on - due).days
    for limit, name in ((0, "Current"), (30, "Days1To30"), (60, "Days31To60"), (90, "Days61To90")):
        if overdue <= limit:
            return name
    return "Over90"


# --- receivables aging -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overdue", "bucket"),
    [
        (-10, "Current"),
        (0, "Current"),
        (1, "Days1To30"),
        (30, "Days1To30"),
        (31, "Days31To60"),
        (60, "Days31To60"),
        (61, "Days61To90"),
        (90, "Days61To90"),
        (91, "Over90"),
        (1000, "Over90"),
    ],
)
def test_an_open_installment_lands_in_the_bucket_of_its_days_past_due(
    shop: Shop, overdue: int, bucket: str
) -> None:
    owed(shop, ("12345.67", days_ago(overdue)), day=min(TODAY, days_ago(overdue + 5)))

    report = shop.aging()

    assert report["Date"] == ymd(TODAY)
    assert rows_by_customer(report) == {CUSTOMER: expected(**{bucket: "12345.67"})}
    assert buckets(report["Totals"]) == expected(**{bucket: "12345.67"})


def test_the_date_parameter_sets_the_day_debts_are_aged_on(shop: Shop) -> None:
    due = days_ago(100)
    owed(shop, (5000, due), day=days_ago(200))
    days = [due - timedelta(days=50), due, due + timedelta(days=1), due + timedelta(days=30)]
    days += [due + timedelta(days=31), due + timedelta(days=61), due + timedelta(days=91)]

    placed = [
        next(name for name in BUCKETS if dec(shop.aging(day)["Totals"][name])) for day in days
    ]

    assert placed == [
        "Current",
        "Current",
        "Days1To30",
        "Days1To30",
        "Days31To60",
        "Days61To90",
        "Over90",
    ]


def test_the_report_has_one_row_per_customer_and_the_totals(shop: Shop) -> None:
    owed(shop, (100000, TODAY + timedelta(days=30)), day=TODAY)
    owed(shop, (20000, days_ago(45)), ("7000.50", days_ago(5)))
    owed(shop, (30000, days_ago(91)), customer=OTHER_CUSTOMER)
    shop.sell([item("SRV", 1, 99999)], [shop.cash(99999)], customer="900555111")

    report = shop.aging()

    assert [(r["Identification"], r["Name"]) for r in report["Customers"]] == [
        (CUSTOMER, "Cliente SAS"),
        (OTHER_CUSTOMER, "Cliente SAS"),
    ]
    assert rows_by_customer(report) == {
        CUSTOMER: expected(Current=100000, Days1To30="7000.50", Days31To60=20000),
        OTHER_CUSTOMER: expected(Over90=30000),
    }
    assert buckets(report["Totals"]) == expected(
        Current=100000, Days1To30="7000.50", Days31To60=20000, Over90=30000
    )


def test_the_report_names_each_customer_by_its_account_id(shop: Shop) -> None:
    owed(shop, (1000, TODAY))

    [row] = shop.aging()["Customers"]
    account = ok(shop.client.get(f"/Accounts/GetByID/{row['AccountID']}"))

    assert account["Identification"] == CUSTOMER


def test_a_company_without_debts_has_an_empty_report(shop: Shop) -> None:
    shop.sell([item("SRV", 1, 5000)], [shop.cash(5000)])

    report = shop.aging()

    assert report["Customers"] == []
    assert buckets(report["Totals"]) == expected()


def test_the_report_reconciles_after_receipts_credit_notes_and_annulments(shop: Shop) -> None:
    first = owed(
        shop,
        (50000, days_ago(95)),
        (30000, days_ago(40)),
        (20000, TODAY + timedelta(days=10)),
        day=days_ago(100),
    )
    ok(shop.receive([debt(first["Number"], 1, 10000)]))
    ok(shop.credit_note(first["Id"], "3", [item("SRV", 1, 25000)]))  # last installments first
    annulled = owed(shop, (15000, days_ago(5)), day=days_ago(20))
    shop.annul(annulled["Id"])
    other = owed(shop, ("12345.67", days_ago(65)), customer=OTHER_CUSTOMER)

    report = shop.aging()

    assert rows_by_customer(report) == {
        CUSTOMER: expected(Days31To60=25000, Over90=40000),
        OTHER_CUSTOMER: expected(Days61To90="12345.67"),
    }
    open_balances = [
        balance
        for invoice in (first, annulled, other)
        for balance in shop.installment_balances(invoice["Id"])
    ]
    assert dec(report["Totals"]["Total"]) == sum(open_balances, ZERO) == Decimal("77345.67")


def test_a_lite_user_cannot_read_the_aging_report(lite_client: httpx.Client) -> None:
    response = lite_client.get("/Reports/ReceivablesAging")

    assert response.status_code == 403
    assert errors_of(response) == [("forbidden", [])]


def test_a_malformed_date_is_refused(shop: Shop) -> None:
    response = shop.client.get("/Reports/ReceivablesAging", params={"date": "20261341"})

    assert refused(response) == [("invalid_type", ["date"])]


# The property: whatever happens to a company's invoices, the aging report is exactly the
# open installments (each read back with Invoice/GetByID) placed in their buckets.

cents = st.integers(min_value=1, max_value=50_000_000).map(lambda n: Decimal(n).scaleb(-2))
share = st.integers(min_value=1, max_value=100)
pick = st.integers(min_value=0, max_value=20)
issue_step = st.tuples(
    st.just("invoice"),
    st.sampled_from([CUSTOMER, OTHER_CUSTOMER]),
    st.integers(min_value=0, max_value=400),  # the invoice is that many days old
    st.lists(
        st.tuples(cents, st.integers(min_value=0, max_value=150)),  # value, days after issue
        min_size=1,
        max_size=3,
    ),
)
later_step = st.tuples(st.sampled_from(["receipt", "discount", "annul"]), pick, share)
operations = st.tuples(
    issue_step, st.lists(st.one_of(issue_step, later_step), min_size=2, max_size=8)
)


@pytest.fixture
def open_shop(
    server: LiveServer, make_company: Callable[..., TenantFixture], legacy_token: Any
) -> Iterator[Callable[[], Shop]]:
    """A new company each time (one per hypothesis example), signed in over HTTP."""
    clients: list[httpx.Client] = []

    def open_one() -> Shop:
        company = make_company()
        token = legacy_token(company.key, "admin@empresa.co", company.password)
        client = httpx.Client(
            base_url=f"{server.url}/siigo/api/v1", headers={"Authorization": token}, timeout=30
        )
        clients.append(client)
        shop = Shop.open(client)
        shop.product("SRV", stock_control=False)
        return shop

    yield open_one
    for client in clients:
        client.close()


class Ledger:
    """Runs the generated operations and remembers what the server must then allow."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.invoices: list[dict[str, Any]] = []

    def run(self, step: tuple[Any, ...]) -> None:
        if step[0] == "invoice":
            _, customer, age, installments = step
            issued = days_ago(age)
            header = owed(
                self.shop,
                *((value, issued + timedelta(days=after)) for value, after in installments),
                day=issued,
                customer=customer,
            )
            self.invoices.append(
                {
                    **header,
                    "left": dec(header["TotalValue"]),
                    "touched_by": set(),
                    "annulled": False,
                }
            )
            return
        kind, index, percent = step
        invoice = self.invoices[index % len(self.invoices)]
        if invoice["annulled"]:
            return
        getattr(self, kind)(invoice, Decimal(percent) / 100)
        event(kind)

    def receipt(self, invoice: dict[str, Any], fraction: Decimal) -> None:
        payments = self.shop.invoice(invoice["Id"])["Payments"]
        open_ones = [p for p in payments if dec(p["Balance"]) > 0]
        if not open_ones:
            return
        paid = open_ones[0]
        value = max(Decimal("0.01"), (dec(paid["Balance"]) * fraction).quantize(Decimal("0.01")))
        customer = invoice["Account"]["Identification"]
        ok(self.shop.receive([debt(invoice["Number"], paid["DueQuote"], value)], customer=customer))
        invoice["touched_by"].add("receipt")

    def discount(self, invoice: dict[str, Any], fraction: Decimal) -> None:
        value = (invoice["left"] * fraction).quantize(Decimal("0.01"))
        if value <= 0:
            return
        ok(self.shop.credit_note(invoice["Id"], "3", [item("SRV", 1, value)]))
        invoice["left"] -= value
        invoice["touched_by"].add("note")

    def annul(self, invoice: dict[str, Any], _fraction: Decimal) -> None:
        response = self.shop.client.post(
            f"/Invoice/Annul/{invoice['Id']}", json={"Reason": "Prueba"}
        )
        if invoice["touched_by"]:  # one refusal for its notes, one for its receipts
            assert refused(response) == [("delete_not_allowed", [])] * len(invoice["touched_by"])
        else:
            ok(response)
            invoice["annulled"] = True

    def expected_rows(self) -> dict[str, dict[str, Decimal]]:
        rows: dict[str, dict[str, Decimal]] = {}
        for invoice in self.invoices:
            found = self.shop.invoice(invoice["Id"])
            for payment in found["Payments"]:
                balance = dec(payment["Balance"])
                if balance == 0:
                    continue
                due = date.fromisoformat(payment["DueDate"])
                row = rows.setdefault(found["Header"]["Account"]["Identification"], expected())
                row[bucket_for(due, TODAY)] += balance
                row["Total"] += balance
        return rows


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=operations)
def test_the_aging_report_is_exactly_the_open_installments(
    open_shop: Callable[[], Shop], plan: tuple[tuple[Any, ...], list[tuple[Any, ...]]]
) -> None:
    first, rest = plan
    ledger = Ledger(open_shop())
    for step in (first, *rest):
        ledger.run(step)

    report = ledger.shop.aging(TODAY)

    rows = ledger.expected_rows()
    assert rows_by_customer(report) == rows
    totals = {name: sum((row[name] for row in rows.values()), ZERO) for name in (*BUCKETS, "Total")}
    assert buckets(report["Totals"]) == totals


# --- sales per period ------------------------------------------------------------------------

SALES_FIELDS = (
    "TotalBase",
    "DiscountValue",
    "Subtotal",
    "VATTotalValue",
    "ConsumptionTaxTotalValue",
    "TaxDiscTotalValue",
    "RetVATTotalValue",
    "RetICATotalValue",
    "TotalValue",
)


@pytest.fixture
def taxed(shop: Shop) -> Shop:
    shop.product("A", stock_control=False)
    shop.product("B", stock_control=False)
    return shop


def taxed_sale(shop: Shop, day: date = TODAY) -> Body:
    """2 × A at 50,000 with IVA 19 % and Retefuente 2.5 %, 1 × B at 20,000 less 2,000 with
    impuesto al consumo 8 %, ReteIVA 15 % and ReteICA 9.66 per thousand: 131,950.12."""
    items = [
        item(
            "A",
            2,
            50000,
            TaxAddId=shop.taxes["IVA 19%"],
            TaxDiscountId=shop.taxes["Retefuente compras 2,5%"],
        ),
        item("B", 1, 20000, DiscountValue=2000, TaxAddId=shop.taxes["Impuesto al consumo 8%"]),
    ]
    return shop.sell(
        items,
        [shop.credit("131950.12", due=day)],
        day=day,
        RetVATTotalID=shop.taxes["ReteIVA 15%"],
        RetICATotalID=shop.taxes["ReteICA 9,66 x mil"],
    )


def sales(shop: Shop, date_from: date, date_to: date, **params: str) -> list[Body]:
    report: list[Body] = ok(
        shop.client.get(
            "/Reports/Sales",
            params={"dateFrom": ymd(date_from), "dateTo": ymd(date_to), **params},
        )
    )
    return report


def figures(period: Body) -> tuple[Any, ...]:
    counts = (period["Period"], period["Invoices"], period["CreditNotes"], period["DebitNotes"])
    return (*counts, *(dec(period[name]) for name in SALES_FIELDS))


def test_an_invoice_counts_with_all_its_taxes_and_withholdings(taxed: Shop) -> None:
    taxed_sale(taxed)

    [period] = sales(taxed, TODAY, TODAY)

    assert figures(period) == (
        TODAY.strftime("%Y-%m"),
        1,
        0,
        0,
        *map(Decimal, ("120000", "2000", "118000", "19000", "1440", "2500", "2850", "1139.88")),
        Decimal("131950.12"),
    )


def test_credit_notes_subtract_and_debit_notes_add(taxed: Shop) -> None:
    invoice = taxed_sale(taxed)
    ok(taxed.credit_note(invoice["Id"], "1", [{"ProductCode": "A", "Quantity": 1}]))  # 56,342
    ok(taxed.debit_note(invoice["Id"], [item("SRV", 1, 5000)]))  # 5,000 less ReteICA: 4,951.70

    [period] = sales(taxed, TODAY, TODAY)

    assert figures(period) == (
        TODAY.strftime("%Y-%m"),
        1,
        1,
        1,
        *map(Decimal, ("75000", "2000", "73000", "9500", "1440", "1250", "1425", "705.18")),
        Decimal("80559.82"),
    )


def test_annulled_invoices_are_left_out(taxed: Shop) -> None:
    taxed_sale(taxed)
    annulled = taxed_sale(taxed)
    taxed.annul(annulled["Id"])

    [period] = sales(taxed, TODAY, TODAY)

    assert (period["Invoices"], dec(period["TotalValue"])) == (1, Decimal("131950.12"))


def test_sales_group_by_day(shop: Shop) -> None:
    for day, value in ((days_ago(3), 1000), (days_ago(1), 2000), (days_ago(1), 500)):
        shop.sell([item("SRV", 1, value)], [shop.cash(value)], day=day)

    report = sales(shop, days_ago(3), TODAY, groupBy="day")

    assert [(p["Period"], p["Invoices"], dec(p["TotalValue"])) for p in report] == [
        (days_ago(3).isoformat(), 1, Decimal(1000)),
        (days_ago(1).isoformat(), 2, Decimal(2500)),
    ]


def test_sales_group_by_month_by_default(shop: Shop) -> None:
    earlier = TODAY.replace(day=1) - timedelta(days=1)
    for day, value in ((earlier, 1000), (TODAY, 2000), (TODAY.replace(day=1), 500)):
        shop.sell([item("SRV", 1, value)], [shop.cash(value)], day=day)

    report = sales(shop, earlier, TODAY)

    assert [(p["Period"], p["Invoices"], dec(p["Subtotal"])) for p in report] == [
        (earlier.strftime("%Y-%m"), 1, Decimal(1000)),
        (TODAY.strftime("%Y-%m"), 2, Decimal(2500)),
    ]


def test_only_documents_inside_the_period_count(shop: Shop) -> None:
    for day, value in ((days_ago(10), 1000), (days_ago(5), 2000), (TODAY, 4000)):
        shop.sell([item("SRV", 1, value)], [shop.cash(value)], day=day)

    inside = sales(shop, days_ago(9), days_ago(1))
    nothing = sales(shop, days_ago(4), days_ago(1))

    assert [(p["Invoices"], dec(p["TotalValue"])) for p in inside] == [(1, Decimal(2000))]
    assert nothing == []


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        pytest.param({}, ["dateFrom", "dateTo"], id="both"),
        pytest.param({"dateTo": ymd(TODAY)}, ["dateFrom"], id="from"),
        pytest.param({"dateFrom": ymd(TODAY)}, ["dateTo"], id="to"),
    ],
)
def test_the_sales_report_needs_both_dates(
    shop: Shop, params: dict[str, str], missing: list[str]
) -> None:
    response = shop.client.get("/Reports/Sales", params=params)

    assert refused(response) == [("parameter_required", [name]) for name in missing]


def test_a_period_that_ends_before_it_starts_is_refused(shop: Shop) -> None:
    response = shop.client.get(
        "/Reports/Sales", params={"dateFrom": ymd(TODAY), "dateTo": ymd(days_ago(1))}
    )

    assert refused(response) == [("invalid_date_range", ["dateTo"])]


def test_an_unknown_grouping_is_refused(shop: Shop) -> None:
    response = shop.client.get(
        "/Reports/Sales", params={"dateFrom": ymd(TODAY), "dateTo": ymd(TODAY), "groupBy": "week"}
    )

    assert refused(response) == [("invalid_type", ["groupBy"])]


def test_a_lite_user_cannot_read_the_sales_report(lite_client: httpx.Client) -> None:
    response = lite_client.get(
        "/Reports/Sales", params={"dateFrom": ymd(TODAY), "dateTo": ymd(TODAY)}
    )

    assert response.status_code == 403
    assert errors_of(response) == [("forbidden", [])]


def test_reports_never_show_another_companys_documents(
    shop: Shop, other_client: httpx.Client
) -> None:
    owed(shop, (1000, days_ago(3)))

    assert ok(other_client.get("/Reports/ReceivablesAging"))["Customers"] == []
    assert (
        ok(
            other_client.get(
                "/Reports/Sales", params={"dateFrom": ymd(days_ago(3)), "dateTo": ymd(TODAY)}
            )
        )
        == []
    )
