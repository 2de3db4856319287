"""The totals engine of sales documents: the guide's formulas worked by hand, then properties
that must hold for any lines (hypothesis)."""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, NamedTuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from facturo.domain.catalogs import PaymentMeans, PaymentMeansType, TaxType
from facturo.domain.errors import Violation
from facturo.domain.money import CENT, plain
from facturo.domain.sales import (
    DocumentAmounts,
    LineAmounts,
    PaymentRequest,
    SalesLine,
    TaxRate,
    check_declared,
    check_payments,
    computed_values,
    document_amounts,
    installments_for,
    line_amounts,
    positive_total,
)

IVA_19 = TaxRate(1, "IVA 19%", TaxType.IVA, Decimal("19"))
IVA_5 = TaxRate(2, "IVA 5%", TaxType.IVA, Decimal("5"))
IVA_0 = TaxRate(3, "IVA 0% exento", TaxType.IVA, Decimal("0"))
INC_8 = TaxRate(4, "Impuesto al consumo 8%", TaxType.CONSUMPTION, Decimal("8"))
AD_VALOREM = TaxRate(5, "Impuesto ad valorem 10%", TaxType.AD_VALOREM, Decimal("10"))
RETEFUENTE_2_5 = TaxRate(6, "Retefuente compras 2,5%", TaxType.RETEFUENTE, Decimal("2.5"))
RETEFUENTE_3_5 = TaxRate(7, "Retefuente compras 3,5%", TaxType.RETEFUENTE, Decimal("3.5"))
RETEFUENTE_4 = TaxRate(8, "Retefuente servicios 4%", TaxType.RETEFUENTE, Decimal("4"))
RETEFUENTE_11 = TaxRate(9, "Retefuente honorarios 11%", TaxType.RETEFUENTE, Decimal("11"))
RETEIVA_15 = TaxRate(10, "ReteIVA 15%", TaxType.RETEIVA, Decimal("15"))
RETEICA_966 = TaxRate(11, "ReteICA 9,66 x mil", TaxType.RETEICA, Decimal("0.966"))
RETEICA_414 = TaxRate(12, "ReteICA 4,14 x mil", TaxType.RETEICA, Decimal("0.414"))

DOC_DATE = date(2024, 3, 15)
CASH, CREDIT, CARD, SUPPLIERS, ADVANCES, RETIRED = 1, 2, 3, 4, 5, 6


def _means(
    id_: int,
    kind: PaymentMeansType,
    *,
    is_credit: bool = False,
    is_system: bool = False,
    active: bool = True,
) -> PaymentMeans:
    return PaymentMeans(
        company_id=1,
        id=id_,
        name=f"means {id_}",
        means_type=kind,
        is_credit=is_credit,
        is_system=is_system,
        active=active,
    )


MEANS = {
    CASH: _means(CASH, PaymentMeansType.RECEIVABLE),
    CREDIT: _means(CREDIT, PaymentMeansType.RECEIVABLE, is_credit=True),
    CARD: _means(CARD, PaymentMeansType.BOTH),
    SUPPLIERS: _means(SUPPLIERS, PaymentMeansType.PAYABLE),
    ADVANCES: _means(ADVANCES, PaymentMeansType.RECEIVABLE, is_system=True),
    RETIRED: _means(RETIRED, PaymentMeansType.RECEIVABLE, active=False),
}


@pytest.fixture(autouse=True)
def no_floats() -> Iterator[None]:
    """Any float mixed into Decimal arithmetic or comparisons raises inside these tests."""
    with decimal.localcontext() as context:
        context.traps[decimal.FloatOperation] = True
        yield


def sales_line(
    quantity: str | Decimal,
    unit_value: str | Decimal,
    *,
    number: int = 1,
    discount_value: str | Decimal | None = None,
    discount_percentage: str | Decimal | None = None,
    tax_add: TaxRate | None = None,
    tax_add2: TaxRate | None = None,
    tax_discount: TaxRate | None = None,
) -> SalesLine:
    values: dict[str, Any] = {
        "quantity": Decimal(quantity),
        "unit_value": Decimal(unit_value),
        "discount_value": None if discount_value is None else Decimal(discount_value),
        "discount_percentage": None
        if discount_percentage is None
        else Decimal(discount_percentage),
        "tax_add": tax_add,
        "tax_add2": tax_add2,
        "tax_discount": tax_discount,
    }
    return SalesLine(
        number=number,
        product_id=number,
        product_code=f"P{number}",
        description=f"Producto {number}",
        quantity=values["quantity"],
        unit_value=values["unit_value"],
        discount_percentage=values["discount_percentage"],
        tax_add=tax_add,
        tax_add2=tax_add2,
        tax_discount=tax_discount,
        amounts=line_amounts(**values),
    )


def cents(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


def as_tuple(amounts: LineAmounts) -> tuple[Decimal, ...]:
    return (
        amounts.gross,
        amounts.discount,
        amounts.base,
        amounts.tax_add,
        amounts.tax_add2,
        amounts.tax_discount,
        amounts.total,
    )


# --- lines, by hand ---------------------------------------------------------------------------

#        quantity, unit value, options → gross, discount, base, tax_add, tax_add2, tax_disc, total
LINE_CASES = [
    pytest.param(
        "1", "100000", {"tax_add": IVA_19},
        cents("100000", "0", "100000", "19000", "0", "0", "119000"),
        id="iva-19",
    ),
    pytest.param(
        "3", "33333.33", {"discount_percentage": "10", "tax_add": IVA_19, "tax_discount": RETEFUENTE_2_5},
        cents("99999.99", "10000.00", "89999.99", "17100.00", "0", "2250.00", "104849.99"),
        id="discount-percentage-iva-retefuente",
    ),
    pytest.param(
        "2", "50000", {"discount_value": "1234.56", "tax_add": INC_8},
        cents("100000", "1234.56", "98765.44", "7901.24", "0", "0", "106666.68"),
        id="discount-value-consumption-tax",
    ),
    pytest.param(
        "4", "2500", {"tax_add": IVA_19, "tax_add2": INC_8},
        cents("10000", "0", "10000", "1900", "800", "0", "12700"),
        id="two-charge-taxes",
    ),
    pytest.param(
        "2", "35000", {"tax_add": IVA_0},
        cents("70000", "0", "70000", "0", "0", "0", "70000"),
        id="iva-0-exempt",
    ),
    pytest.param(
        "1", "5000", {"discount_percentage": "100", "tax_add": IVA_19},
        cents("5000", "5000", "0", "0", "0", "0", "0"),
        id="full-discount",
    ),
    pytest.param(
        "1", "0.005", {},
        cents("0.01", "0", "0.01", "0", "0", "0", "0.01"),
        id="half-cent-unit-value-rounds-up",
    ),
    pytest.param(
        "1", "0.125", {},
        cents("0.13", "0", "0.13", "0", "0", "0", "0.13"),
        id="half-cent-gross-rounds-up-not-to-even",
    ),
    pytest.param(
        "1", "10.10", {"discount_percentage": "5"},
        cents("10.10", "0.51", "9.59", "0", "0", "0", "9.59"),
        id="half-cent-discount-rounds-up",
    ),
    pytest.param(
        "1", "1.50", {"tax_add": IVA_19, "tax_discount": RETEFUENTE_11},
        cents("1.50", "0", "1.50", "0.29", "0", "0.17", "1.62"),
        id="half-cent-taxes-round-up",
    ),
    pytest.param(
        "3", "1234.567891", {"tax_add": IVA_19},
        cents("3703.70", "0", "3703.70", "703.70", "0", "0", "4407.40"),
        id="six-decimal-unit-value",
    ),
    pytest.param(
        "2.5005", "1999.99", {"tax_add": IVA_5},
        cents("5000.97", "0", "5000.97", "250.05", "0", "0", "5251.02"),
        id="four-decimal-quantity",
    ),
    pytest.param(
        "3", "0.333333", {},
        cents("1.00", "0", "1.00", "0", "0", "0", "1.00"),
        id="six-decimal-unit-value-rounds-up-to-a-unit",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("quantity", "unit_value", "options", "expected"), LINE_CASES)
def test_line_amounts_follow_the_guide(
    quantity: str, unit_value: str, options: dict[str, Any], expected: tuple[Decimal, ...]
) -> None:
    assert as_tuple(sales_line(quantity, unit_value, **options).amounts) == expected


# --- documents, by hand -----------------------------------------------------------------------


def guide_example() -> list[SalesLine]:
    return [
        sales_line("2", "50000", number=1, tax_add=IVA_19, tax_discount=RETEFUENTE_2_5),
        sales_line("1", "20000", number=2, discount_percentage="10", tax_add=INC_8),
        sales_line("3", "1500.50", number=3, tax_add=IVA_5),
    ]


def test_document_amounts_of_three_lines_with_reteiva_and_reteica() -> None:
    amounts = document_amounts(guide_example(), reteiva=RETEIVA_15, reteica=RETEICA_966)

    assert amounts == DocumentAmounts(
        gross=Decimal("124501.50"),
        discount=Decimal("2000.00"),
        base=Decimal("122501.50"),
        vat=Decimal("19225.08"),  # 19000 + 225.08 (IVA 5 % of 4501.50 = 225.075)
        consumption=Decimal("1440.00"),
        withholding=Decimal("2500.00"),
        reteiva=Decimal("2883.76"),  # 15 % of 19225.08 = 2883.762
        reteica=Decimal("1183.36"),  # 0.966 % of 122501.50 = 1183.36449
        total=Decimal("136599.46"),  # 140666.58 − 2883.76 − 1183.36
    )
    assert amounts.lines_total == Decimal("140666.58")


def test_reteica_half_cent_rounds_up() -> None:
    """0.966 % of 750 is exactly 7.245: half up gives 7.25 (half even would give 7.24)."""
    amounts = document_amounts([sales_line("1", "750")], reteiva=None, reteica=RETEICA_966)
    assert amounts.reteica == Decimal("7.25")
    assert amounts.total == Decimal("742.75")


def test_reteica_applies_to_the_base_after_discounts() -> None:
    line = sales_line("1", "1000", discount_percentage="10", tax_add=IVA_19)
    amounts = document_amounts([line], reteiva=None, reteica=RETEICA_414)
    assert amounts.reteica == Decimal("3.73")  # 0.414 % of 900 = 3.726, not of the gross 1000


def test_reteiva_applies_to_vat_only() -> None:
    lines = [
        sales_line("1", "750", number=1, tax_add=IVA_19),
        sales_line("1", "10000", number=2, tax_add=INC_8),
    ]
    amounts = document_amounts(lines, reteiva=RETEIVA_15, reteica=None)
    assert amounts.vat == Decimal("142.50")
    assert amounts.reteiva == Decimal("21.38")  # 15 % of 142.50 = 21.375; INC's 800 excluded
    assert amounts.total == Decimal("11671.12")  # 892.50 + 10800 − 21.38


def test_vat_counts_iva_in_either_tax_slot_and_consumption_the_other_charge_taxes() -> None:
    lines = [
        sales_line("1", "1000", number=1, tax_add=AD_VALOREM, tax_add2=IVA_19),
        sales_line("1", "1000", number=2, tax_add=INC_8, tax_add2=IVA_5),
    ]
    amounts = document_amounts(lines, reteiva=None, reteica=None)
    assert (amounts.vat, amounts.consumption) == (Decimal("240.00"), Decimal("180.00"))


def test_withholding_is_the_sum_of_the_lines_retefuente() -> None:
    lines = [
        sales_line("1", "1000", number=1, tax_discount=RETEFUENTE_3_5),
        sales_line("1", "333.33", number=2, tax_discount=RETEFUENTE_4),
    ]
    amounts = document_amounts(lines, reteiva=None, reteica=None)
    assert amounts.withholding == Decimal("48.33")  # 35.00 + 13.33
    assert amounts.total == Decimal("1285.00")  # 965.00 + 320.00


def test_without_header_withholdings_total_is_the_sum_of_line_totals() -> None:
    amounts = document_amounts(guide_example(), reteiva=None, reteica=None)
    assert (amounts.reteiva, amounts.reteica) == (Decimal("0"), Decimal("0"))
    assert amounts.total == Decimal("140666.58")


# --- what the client declares -----------------------------------------------------------------


def example_computed() -> dict[str, Decimal]:
    lines = guide_example()
    return computed_values(lines, document_amounts(lines, reteiva=RETEIVA_15, reteica=RETEICA_966))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("gross", "124501.50"),
        ("discount_value", "2000.00"),
        ("vat", "19225.08"),
        ("consumption", "1440.00"),
        ("withholding", "2500.00"),
        ("reteiva.value", "2883.76"),
        ("reteica.value", "1183.36"),
        ("total", "136599.46"),
        ("items.0.tax_discount.value", "2500.00"),
        ("items.1.discount_value", "2000.00"),
        ("items.1.base", "18000.00"),
        ("items.1.tax_add.value", "1440.00"),
        ("items.2.gross", "4501.50"),
        ("items.2.tax_add2.value", "0"),
        ("items.2.total", "4726.58"),
    ],
)
def test_computed_values_name_every_declarable_amount(path: str, expected: str) -> None:
    assert example_computed()[path] == Decimal(expected)


def test_declaring_the_computed_values_passes() -> None:
    computed = example_computed()
    declared: dict[str, Decimal | None] = dict(computed)
    assert check_declared(declared, computed) == []


def test_declared_values_compare_by_amount_not_by_scale() -> None:
    declared: dict[str, Decimal | None] = {
        "total": Decimal("136599.460"),
        "gross": Decimal("124501.5"),
    }
    assert check_declared(declared, example_computed()) == []


def test_undeclared_and_unknown_values_are_not_checked() -> None:
    declared: dict[str, Decimal | None] = {"total": None, "items.9.total": Decimal("1")}
    assert check_declared(declared, example_computed()) == []


def test_each_wrong_declared_value_is_named_with_the_expected_value() -> None:
    declared: dict[str, Decimal | None] = {
        "total": Decimal("136600"),
        "vat": Decimal("19225.08"),
        "items.2.tax_add.value": Decimal("225.07"),
    }
    assert check_declared(declared, example_computed()) == [
        Violation(
            "invalid_value",
            "total",
            "The field {field} is 136600 but the computed value is 136599.46",
            detail="136599.46",
        ),
        Violation(
            "invalid_value",
            "items.2.tax_add.value",
            "The field {field} is 225.07 but the computed value is 225.08",
            detail="225.08",
        ),
    ]


# --- the document's total ---------------------------------------------------------------------


def with_total(value: str) -> DocumentAmounts:
    zero = Decimal("0.00")
    total = Decimal(value)
    return DocumentAmounts(
        gross=total,
        discount=zero,
        base=total,
        vat=zero,
        consumption=zero,
        withholding=zero,
        reteiva=zero,
        reteica=zero,
        total=total,
    )


@pytest.mark.parametrize("value", ["0.01", "119000", "9999999999999.99"])
def test_positive_total_accepts_totals_up_to_the_maximum(value: str) -> None:
    assert positive_total(with_total(value)) == []


@pytest.mark.parametrize("value", ["0", "-0.01", "10000000000000.00"])
def test_positive_total_refuses_zero_negative_and_huge_totals(value: str) -> None:
    assert [(v.code, v.field) for v in positive_total(with_total(value))] == [
        ("invalid_amount", "total")
    ]


# --- payments ---------------------------------------------------------------------------------


def cash(value: str) -> PaymentRequest:
    return PaymentRequest(CASH, Decimal(value))


def credit(value: str, *, days: int | None = 30, quote: int | None = 1) -> PaymentRequest:
    due = None if days is None else DOC_DATE + timedelta(days=days)
    return PaymentRequest(CREDIT, Decimal(value), due_date=due, due_quote=quote)


def payment_errors(
    payments: Sequence[PaymentRequest], total: str = "119000.00"
) -> list[tuple[str, str]]:
    check = check_payments(
        payments, expected_total=Decimal(total), means=MEANS, document_date=DOC_DATE
    )
    return [(v.code, v.field) for v in check.violations]


@pytest.mark.parametrize(
    "payments",
    [
        pytest.param([cash("119000")], id="cash"),
        pytest.param([cash("19000"), credit("100000")], id="cash-and-credit"),
        pytest.param([PaymentRequest(CARD, Decimal("119000.00"))], id="type-2-means"),
        pytest.param(
            [credit("59500", quote=1), credit("59500", days=60, quote=2)], id="two-installments"
        ),
        pytest.param([credit("119000", days=0)], id="credit-due-on-the-document-date"),
    ],
)
def test_payments_adding_up_to_the_total_pass(payments: list[PaymentRequest]) -> None:
    assert payment_errors(payments) == []


@pytest.mark.parametrize(
    ("total", "shown"), [("119000.00", "119000"), ("3119.42", "3119.42"), ("50529.30", "50529.3")]
)
def test_payments_not_adding_up_name_the_computed_total(total: str, shown: str) -> None:
    check = check_payments(
        [cash("100")], expected_total=Decimal(total), means=MEANS, document_date=DOC_DATE
    )
    [violation] = check.violations
    assert (violation.code, violation.field) == ("invalid_total_payments", "payments")
    assert violation.message == (
        "The total payments must be equal to the total invoice. "
        f"The total invoice calculated is {shown}"
    )
    assert violation.detail == shown


@pytest.mark.parametrize("value", ["118999.99", "119000.01"])
def test_payments_one_cent_off_fail(value: str) -> None:
    assert payment_errors([cash(value)]) == [("invalid_total_payments", "payments")]


def test_payments_are_required() -> None:
    assert payment_errors([]) == [("parameter_required", "payments")]


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        pytest.param(credit("119000", days=None), ("parameter_required", "payments.0.due_date"), id="no-due-date"),
        pytest.param(credit("119000", days=-1), ("invalid_date", "payments.0.due_date"), id="due-before-document"),
        pytest.param(credit("119000", quote=None), ("parameter_required", "payments.0.due_quote"), id="no-due-quote"),
        pytest.param(credit("119000", quote=0), ("invalid_value", "payments.0.due_quote"), id="due-quote-zero"),
    ],
)  # fmt: skip
def test_credit_payment_needs_due_date_and_installment_number(
    payment: PaymentRequest, expected: tuple[str, str]
) -> None:
    assert payment_errors([payment]) == [expected]


def test_credit_installment_numbers_must_be_unique() -> None:
    payments = [credit("59500", quote=1), credit("59500", days=60, quote=1)]
    assert payment_errors(payments) == [("invalid_array", "payments.1.due_quote")]


@pytest.mark.parametrize(
    "means_id",
    [
        pytest.param(SUPPLIERS, id="type-1"),
        pytest.param(ADVANCES, id="system"),
        pytest.param(RETIRED, id="inactive"),
    ],
)
def test_payment_means_must_serve_sales(means_id: int) -> None:
    payments = [PaymentRequest(means_id, Decimal("119000"))]
    assert payment_errors(payments) == [("invalid_payment", "payments.0.payment_means_id")]


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        pytest.param(PaymentRequest(99, Decimal("119000")), ("invalid_reference", "payments.0.payment_means_id"), id="unknown-means"),
        pytest.param(PaymentRequest(None, Decimal("119000")), ("parameter_required", "payments.0.payment_means_id"), id="no-means"),
        pytest.param(PaymentRequest(CASH, None), ("parameter_required", "payments.0.value"), id="no-value"),
        pytest.param(PaymentRequest(CASH, Decimal("0")), ("invalid_amount", "payments.0.value"), id="zero-value"),
        pytest.param(PaymentRequest(CASH, Decimal("118999.995")), ("invalid_amount", "payments.0.value"), id="three-decimals"),
    ],
)  # fmt: skip
def test_each_payment_needs_known_means_and_a_positive_cents_value(
    payment: PaymentRequest, expected: tuple[str, str]
) -> None:
    assert payment_errors([payment]) == [expected]


def test_cash_is_settled_at_issue_and_credit_stays_open() -> None:
    payments = [cash("19000"), credit("60000", quote=1), credit("40000", days=60, quote=2)]

    installments = installments_for(7, payments, MEANS, DOC_DATE)

    assert [
        (i.position, i.payment_means_id, i.amount, i.balance, i.due_date, i.due_quote, i.paid_at_issue)
        for i in installments
    ] == [
        (1, CASH, Decimal("19000.00"), Decimal("19000.00"), DOC_DATE, None, True),
        (2, CREDIT, Decimal("60000.00"), Decimal("60000.00"), date(2024, 4, 14), 1, False),
        (3, CREDIT, Decimal("40000.00"), Decimal("40000.00"), date(2024, 5, 14), 2, False),
    ]  # fmt: skip
    assert {i.company_id for i in installments} == {7}


# --- properties -------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None, database=None)

CHARGE_TAXES = [None, IVA_19, IVA_5, IVA_0, INC_8]
SECOND_CHARGE_TAXES = [None, INC_8]
WITHHOLDINGS = [None, RETEFUENTE_2_5, RETEFUENTE_3_5, RETEFUENTE_4, RETEFUENTE_11]


@st.composite
def random_line(draw: st.DrawFn, number: int = 1) -> SalesLine:
    quantity = draw(st.decimals(Decimal("0.0001"), Decimal("10000"), places=4))
    unit_value = draw(st.decimals(Decimal("0"), Decimal("10000000"), places=6))
    gross = (quantity * unit_value).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    discount = draw(st.sampled_from(["none", "value", "percentage"]))
    return sales_line(
        quantity,
        unit_value,
        number=number,
        discount_value=(
            draw(st.decimals(Decimal("0"), gross, places=2)) if discount == "value" else None
        ),
        discount_percentage=(
            draw(st.decimals(Decimal("0"), Decimal("100"), places=2))
            if discount == "percentage"
            else None
        ),
        tax_add=draw(st.sampled_from(CHARGE_TAXES)),
        tax_add2=draw(st.sampled_from(SECOND_CHARGE_TAXES)),
        tax_discount=draw(st.sampled_from(WITHHOLDINGS)),
    )


class Document(NamedTuple):
    lines: list[SalesLine]
    reteiva: TaxRate | None
    reteica: TaxRate | None

    @property
    def amounts(self) -> DocumentAmounts:
        return document_amounts(self.lines, reteiva=self.reteiva, reteica=self.reteica)


@st.composite
def random_document(draw: st.DrawFn) -> Document:
    count = draw(st.integers(1, 8))
    return Document(
        [draw(random_line(number)) for number in range(1, count + 1)],
        draw(st.sampled_from([None, RETEIVA_15])),
        draw(st.sampled_from([None, RETEICA_966, RETEICA_414])),
    )


def document_tuple(amounts: DocumentAmounts) -> tuple[Decimal, ...]:
    return (
        amounts.gross,
        amounts.discount,
        amounts.base,
        amounts.vat,
        amounts.consumption,
        amounts.withholding,
        amounts.reteiva,
        amounts.reteica,
        amounts.total,
    )


def is_cents(value: object) -> bool:
    if type(value) is not Decimal:
        return False
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -2


def sum_of(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal("0"))


@PROPERTY
@given(random_document())
def test_every_amount_is_a_decimal_with_at_most_two_places(document: Document) -> None:
    lines, amounts = document.lines, document.amounts
    for line in lines:
        assert all(is_cents(value) for value in as_tuple(line.amounts)), line.amounts
    assert all(is_cents(value) for value in document_tuple(amounts)), amounts
    assert all(is_cents(value) for value in computed_values(lines, amounts).values())


@PROPERTY
@given(random_line())
def test_line_total_is_base_plus_charge_taxes_minus_withholding(line: SalesLine) -> None:
    a = line.amounts
    assert a.base == a.gross - a.discount
    assert a.total == a.base + a.tax_add + a.tax_add2 - a.tax_discount


@PROPERTY
@given(random_document())
def test_header_amounts_are_the_sums_of_the_lines(document: Document) -> None:
    lines, amounts = document.lines, document.amounts

    def charged(kind: str) -> Decimal:
        return sum_of(
            [
                value
                for line in lines
                for rate, value in (
                    (line.tax_add, line.amounts.tax_add),
                    (line.tax_add2, line.amounts.tax_add2),
                )
                if rate is not None and (rate.tax_type == TaxType.IVA) == (kind == "vat")
            ]
        )

    assert amounts.gross == sum_of([line.amounts.gross for line in lines])
    assert amounts.discount == sum_of([line.amounts.discount for line in lines])
    assert amounts.base == sum_of([line.amounts.base for line in lines])
    assert amounts.vat == charged("vat")
    assert amounts.consumption == charged("consumption")
    assert amounts.withholding == sum_of([line.amounts.tax_discount for line in lines])


@PROPERTY
@given(random_document())
def test_header_total_plus_reteiva_and_reteica_is_the_sum_of_line_totals(
    document: Document,
) -> None:
    lines, amounts = document.lines, document.amounts
    assert amounts.total + amounts.reteiva + amounts.reteica == sum_of(
        [line.amounts.total for line in lines]
    )


@PROPERTY
@given(random_document())
def test_computing_twice_gives_identical_amounts(document: Document) -> None:
    lines, amounts = document.lines, document.amounts
    again = [
        sales_line(
            line.quantity,
            line.unit_value,
            number=line.number,
            discount_value=line.amounts.discount if line.discount_percentage is None else None,
            discount_percentage=line.discount_percentage,
            tax_add=line.tax_add,
            tax_add2=line.tax_add2,
            tax_discount=line.tax_discount,
        )
        for line in lines
    ]
    assert [line.amounts for line in again] == [line.amounts for line in lines]
    assert Document(again, document.reteiva, document.reteica).amounts == amounts


@PROPERTY
@given(random_line())
def test_rounded_line_amounts_are_a_fixed_point(line: SalesLine) -> None:
    """Recomputing a line from its own rounded gross and discount changes nothing."""
    a = line.amounts
    again = line_amounts(
        quantity=Decimal("1"),
        unit_value=a.gross,
        discount_value=a.discount,
        tax_add=line.tax_add,
        tax_add2=line.tax_add2,
        tax_discount=line.tax_discount,
    )
    assert again == a


@PROPERTY
@given(random_document(), st.data())
def test_a_declared_value_one_cent_off_is_reported_with_the_expected_value(
    document: Document, data: st.DataObject
) -> None:
    computed = computed_values(document.lines, document.amounts)
    path = data.draw(st.sampled_from(sorted(computed)))
    declared: dict[str, Decimal | None] = dict(computed)
    assert check_declared(declared, computed) == []

    declared[path] = computed[path] + data.draw(st.sampled_from([CENT, -CENT]))

    assert [(v.code, v.field, v.detail) for v in check_declared(declared, computed)] == [
        ("invalid_value", path, plain(computed[path]))
    ]


@st.composite
def split_payments(draw: st.DrawFn, total: Decimal) -> list[PaymentRequest]:
    """``total`` cut into 2 or 3 positive parts: the first in cash, the rest on credit."""
    whole = int(total * 100)
    parts = draw(st.integers(2, 3))
    assume(whole >= parts)
    cuts = st.lists(st.integers(1, whole - 1), min_size=parts - 1, max_size=parts - 1, unique=True)
    bounds = [0, *sorted(draw(cuts)), whole]
    values = [Decimal(high - low) / 100 for low, high in pairwise(bounds)]
    return [
        PaymentRequest(CASH, values[0]),
        *(
            PaymentRequest(CREDIT, value, DOC_DATE + timedelta(days=30 * quote), quote)
            for quote, value in enumerate(values[1:], start=1)
        ),
    ]


@PROPERTY
@given(random_document(), st.data())
def test_payments_that_add_up_to_the_total_always_pass(
    document: Document, data: st.DataObject
) -> None:
    total = document.amounts.total
    assume(total > 0)
    payments = data.draw(split_payments(total))

    check = check_payments(payments, expected_total=total, means=MEANS, document_date=DOC_DATE)

    assert check.violations == []


@PROPERTY
@given(random_document(), st.data())
def test_payments_with_one_part_off_by_a_cent_fail(document: Document, data: st.DataObject) -> None:
    total = document.amounts.total
    assume(total > 0)
    payments = data.draw(split_payments(total))
    index = data.draw(st.integers(0, len(payments) - 1))
    off = payments[index]
    assert off.value is not None
    step = CENT if off.value == CENT else data.draw(st.sampled_from([CENT, -CENT]))
    payments[index] = PaymentRequest(
        off.payment_means_id, off.value + step, off.due_date, off.due_quote
    )

    check = check_payments(payments, expected_total=total, means=MEANS, document_date=DOC_DATE)

    assert [(v.code, v.field, v.detail) for v in check.violations] == [
        ("invalid_total_payments", "payments", plain(total))
    ]
