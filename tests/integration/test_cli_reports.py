"""``facturo report aging`` and ``facturo report sales``, run as an operator would, on a SQLite
database whose invoices, receipts and notes were made with the services in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.domain.access import Actor
from facturo.domain.catalogs import DocumentClass
from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import PartyData
from facturo.domain.products import ProductData, ProductType
from facturo.domain.receipts import ReceiptItemRequest
from facturo.domain.sales import ItemRequest, PaymentRequest
from facturo.services import catalogs, companies, products, receipts, reports, sales
from facturo.services.context import ServiceContext
from facturo.services.receipts import ReceiptRequest
from facturo.services.sales import CustomerReference, NoteRequest, SaleRequest
from facturo.store.migrate import upgrade
from tests.conftest import fast_settings

FACTURO = Path(sys.executable).parent / "facturo"
TODAY = (datetime.now(UTC) - timedelta(hours=5)).date()
BUYER = "800197268"  # owes 100,000 due 35 days ago
OTHER_BUYER = "900373913"  # owes 40,000 due in 10 days
SELLER = "1020304050"


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@dataclass
class Books:
    """A company's documents made in-process, and the console script over the same file."""

    ctx: ServiceContext
    actor: Actor
    key: str
    database_url: str
    cwd: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {name: value for name, value in os.environ.items() if not name.startswith("FACTURO_")}
        env.update(
            FACTURO_DATABASE_URL=self.database_url,
            FACTURO_ARGON2_TIME_COST="1",
            FACTURO_ARGON2_MEMORY_KIB="64",
            FACTURO_ARGON2_PARALLELISM="1",
        )
        return subprocess.run(
            [str(FACTURO), *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )

    def report(self, *args: str) -> str:
        result = self.run("report", *args)
        assert result.returncode == 0, result.stderr or result.stdout
        return result.stdout

    def report_json(self, *args: str) -> Any:
        output = self.report(*args, "--json")
        assert len(output.splitlines()) == 1, output
        return json.loads(output)

    def fails(self, *args: str) -> str:
        """The one line a failed report prints on stderr (nothing on stdout)."""
        result = self.run("report", *args)
        assert result.returncode == 1, result.stdout
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]


def _customer(identification: str) -> CustomerReference:
    return CustomerReference(
        identification=identification,
        new_party=PartyData(
            is_customer=True,
            is_company=True,
            full_name=f"Cliente {identification} SAS",
            id_type_code="31",
            identification=identification,
            place=Place(country_code="CO", state_code="11", city_code="11001"),
            address="Calle 72 # 10-34",
            phone=Phone(number="6012345678"),
        ),
    )


def _prepare(ctx: ServiceContext) -> tuple[Actor, str]:
    """Two customers' invoices (one with IVA 19 %), a receipt, a credit note, a cash sale and an
    annulled invoice."""
    company, admin = companies.create(
        ctx,
        companies.NewCompany(
            key="reportes",
            name="Reportes SAS",
            nit="900123456",
            admin_username="admin@empresa.co",
            admin_password="clave-admin-2024",
            admin_identification=SELLER,
            admin_first_name="Ana",
        ),
    )
    assert company.id is not None and admin.id is not None
    actor = Actor(company_id=company.id, user_id=admin.id, user_type=admin.user_type)
    with ctx.unit_of_work(read_only=True) as uow:
        group_id = uow.account_groups.all(company.id)[0].id
        snapshot = uow.catalogs(company.id)
        iva = next(t.id for t in snapshot.taxes.values() if t.name == "IVA 19%")
        means = {m.name: m.id for m in snapshot.payment_means.values()}
    products.create(
        ctx,
        actor,
        ProductData(
            code="SRV",
            name="Asesoría",
            product_type=ProductType.SERVICE,
            account_group_id=group_id,
        ),
    )

    def type_id(document_class: DocumentClass) -> int:
        found = catalogs.get_document_type_by_code(ctx, actor, document_class, 1).document_type
        assert found.id is not None
        return found.id

    def sell(buyer: str, day: date, value: int, payment: PaymentRequest, **kw: Any) -> Any:
        return sales.issue_invoice(
            ctx,
            actor,
            SaleRequest(
                document_type_id=type_id(DocumentClass.SALES_INVOICE),
                document_date=day,
                customer=_customer(buyer),
                seller_identification=SELLER,
                items=[ItemRequest("SRV", None, Decimal(1), Decimal(value), **kw)],
                payments=[payment],
            ),
        )

    def credit(value: str, due: date) -> PaymentRequest:
        return PaymentRequest(means["Crédito"], Decimal(value), due_date=due, due_quote=1)

    first = sell(BUYER, days_ago(40), 100000, credit("119000", days_ago(35)), tax_add_id=iva)
    receipts.record_receipt(
        ctx,
        actor,
        ReceiptRequest(
            document_type_id=type_id(DocumentClass.CASH_RECEIPT),
            document_date=TODAY,
            identification=BUYER,
            voucher_type=0,
            payment_means_id=means["Efectivo"],
            items=[
                ReceiptItemRequest(
                    Decimal(19000),
                    due_prefix="FV-1",
                    due_consecutive=first.number,
                    due_quote=1,
                )
            ],
        ),
    )
    second = sell(OTHER_BUYER, TODAY, 50000, credit("50000", TODAY + timedelta(days=10)))
    sales.issue_credit_note(
        ctx,
        actor,
        NoteRequest(
            document_type_id=type_id(DocumentClass.CREDIT_NOTE),
            document_date=TODAY,
            related_document_id=second.id,
            reason_code="3",
            items=[ItemRequest("SRV", None, Decimal(1), Decimal(10000))],
        ),
    )
    sell(BUYER, days_ago(1), 20000, PaymentRequest(means["Efectivo"], Decimal(20000)))
    annulled = sell(OTHER_BUYER, TODAY, 70000, credit("70000", TODAY))
    sales.annul_invoice(ctx, actor, annulled.id, "Error de digitación")
    return actor, company.key


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    folder = tmp_path_factory.mktemp("cli-reports")
    url = f"sqlite:///{folder / 'facturo.db'}"
    ctx = ServiceContext.from_settings(fast_settings(url))
    upgrade(ctx.database)
    actor, key = _prepare(ctx)
    yield Books(ctx=ctx, actor=actor, key=key, database_url=url, cwd=folder)
    ctx.database.dispose()


def amounts(record: dict[str, Any], *names: str) -> list[Decimal]:
    return [Decimal(record[name]) for name in names]


AGING = ("current", "1-30", "31-60", "61-90", ">90", "total")
SALES = ("gross", "discount", "base", "vat", "withholding", "reteiva", "reteica", "total")


# --- report aging ----------------------------------------------------------------------------


def test_aging_json_shows_each_customer_by_days_past_due(books: Books) -> None:
    report = books.report_json("aging", "--company", books.key)

    assert report["date"] == TODAY.isoformat()
    assert [(c["identification"], *amounts(c, *AGING)) for c in report["customers"]] == [
        (BUYER, *map(Decimal, (0, 0, 100000, 0, 0, 100000))),
        (OTHER_BUYER, *map(Decimal, (40000, 0, 0, 0, 0, 40000))),
    ]
    assert amounts(report["totals"], *AGING) == list(map(Decimal, (40000, 0, 100000, 0, 0, 140000)))


def test_aging_json_has_the_figures_of_the_report_service(books: Books) -> None:
    report = books.report_json("aging", "--company", books.key)

    served = reports.receivables_aging(books.ctx, books.actor)
    assert [(c["account_id"], Decimal(c["total"])) for c in report["customers"]] == [
        (row.party_id, row.total) for row in served.rows
    ]
    assert Decimal(report["totals"]["total"]) == served.total


def test_aging_on_an_earlier_date_shows_the_debts_as_they_stood_that_day(books: Books) -> None:
    """30 days ago only the first invoice existed, 5 days overdue, and today's receipt of
    19,000 had not been paid yet."""
    day = days_ago(30)

    report = books.report_json("aging", "--company", books.key, "--date", day.isoformat())

    assert report["date"] == day.isoformat()
    assert amounts(report["totals"], *AGING) == list(map(Decimal, (0, 119000, 0, 0, 0, 119000)))


def test_aging_prints_a_table_with_a_total_line(books: Books) -> None:
    lines = books.report("aging", "--company", books.key).splitlines()

    assert lines[0] == f"cartera al {TODAY.isoformat()}"
    assert lines[1].split()[:2] == ["identificación", "cliente"]
    rows = [line.split() for line in lines[2:]]
    assert [(row[0], row[-6:]) for row in rows[:2]] == [
        (BUYER, ["0", "0", "100000", "0", "0", "100000"]),
        (OTHER_BUYER, ["40000", "0", "0", "0", "0", "40000"]),
    ]
    assert rows[2] == ["TOTAL", "40000", "0", "100000", "0", "0", "140000"]
    assert len(lines) == 5


# --- report sales ----------------------------------------------------------------------------


def test_sales_by_day_json_nets_credit_notes_and_leaves_out_annulled_invoices(
    books: Books,
) -> None:
    periods = books.report_json(
        "sales",
        "--company",
        books.key,
        "--from",
        days_ago(40).isoformat(),
        "--to",
        TODAY.isoformat(),
        "--by",
        "day",
    )

    assert [
        (p["period"], p["invoices"], p["credit_notes"], p["debit_notes"], *amounts(p, *SALES))
        for p in periods
    ] == [
        (
            days_ago(40).isoformat(),
            1,
            0,
            0,
            *map(Decimal, (100000, 0, 100000, 19000, 0, 0, 0, 119000)),
        ),
        (days_ago(1).isoformat(), 1, 0, 0, *map(Decimal, (20000, 0, 20000, 0, 0, 0, 0, 20000))),
        (TODAY.isoformat(), 1, 1, 0, *map(Decimal, (40000, 0, 40000, 0, 0, 0, 0, 40000))),
    ]


def test_sales_are_grouped_by_month_by_default(books: Books) -> None:
    today = TODAY.isoformat()

    periods = books.report_json("sales", "--company", books.key, "--from", today, "--to", today)

    assert [(p["period"], p["invoices"], Decimal(p["total"])) for p in periods] == [
        (TODAY.strftime("%Y-%m"), 1, Decimal(40000))
    ]


def test_sales_print_one_line_per_period(books: Books) -> None:
    day = days_ago(40).isoformat()

    lines = books.report(
        "sales", "--company", books.key, "--from", day, "--to", day, "--by", "day"
    ).splitlines()

    assert lines[0].split()[:4] == ["periodo", "FV", "NC", "ND"]
    assert lines[1].split() == [day, "1", "0", "0", "100000", "19000", "0", "0", "0", "0", "119000"]
    assert len(lines) == 2


def test_sales_of_a_period_without_documents_are_empty(books: Books) -> None:
    day = days_ago(20).isoformat()

    assert books.report_json("sales", "--company", books.key, "--from", day, "--to", day) == []


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["aging", "--date", "2026-02-30"],
            "error: --date must be a date written YYYY-MM-DD, not '2026-02-30'",
            id="aging-impossible-date",
        ),
        pytest.param(
            ["aging", "--date", "ayer"],
            "error: --date must be a date written YYYY-MM-DD, not 'ayer'",
            id="aging-not-a-date",
        ),
        pytest.param(
            ["sales", "--from", "01/11/2026", "--to", "2026-11-30"],
            "error: --from must be a date written YYYY-MM-DD, not '01/11/2026'",
            id="sales-from",
        ),
        pytest.param(
            ["sales", "--from", "2026-11-01", "--to", "2026-11-31"],
            "error: --to must be a date written YYYY-MM-DD, not '2026-11-31'",
            id="sales-to",
        ),
        pytest.param(
            ["sales", "--from", "2026-11-02", "--to", "2026-11-01"],
            "error: The period ends before it starts",
            id="sales-backwards",
        ),
        pytest.param(
            ["sales", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "week"],
            "error: --by must be month or day",
            id="sales-grouping",
        ),
    ],
)
def test_a_bad_option_fails_with_one_line(books: Books, args: list[str], message: str) -> None:
    command, *options = args

    assert books.fails(command, "--company", books.key, *options) == message


def test_a_bad_date_fails_with_one_json_object_under_json(books: Books) -> None:
    result = books.run("report", "aging", "--company", books.key, "--date", "ayer", "--json")

    assert result.returncode == 1
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "error": "--date must be a date written YYYY-MM-DD, not 'ayer'"
    }


@pytest.mark.parametrize("report", ["aging", "sales"])
def test_an_unknown_company_fails_with_one_line(books: Books, report: str) -> None:
    dates = [] if report == "aging" else ["--from", "2026-11-01", "--to", "2026-11-30"]

    assert books.fails(report, "--company", "nadie", *dates) == (
        "error: The company nadie was not found"
    )
