"""Cartera and recibos de caja: aging, customer credits, the shape of receipt items, their
balance and total, and what credit notes have returned."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from facturo.domain.catalogs import DocumentClass
from facturo.domain.money import ZERO
from facturo.domain.receipts import (
    Movement,
    ReceiptItemRequest,
    ReceiptLine,
    VoucherType,
    check_balance,
    check_items_shape,
    receipt_total,
)
from facturo.domain.receivables import (
    AgingBucket,
    AgingRow,
    CreditSource,
    CustomerCredit,
    aging_bucket,
    empty_buckets,
    take_from_credits,
)
from facturo.domain.sales import (
    CreditNoteReason,
    DocumentAmounts,
    DocumentStatus,
    SalesDocument,
    SalesLine,
    line_amounts,
    returned_quantities,
)

AS_OF = date(2024, 6, 30)

# --- aging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [
        (-15, AgingBucket.CURRENT),
        (-1, AgingBucket.CURRENT),
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.DAYS_1_30),
        (30, AgingBucket.DAYS_1_30),
        (31, AgingBucket.DAYS_31_60),
        (60, AgingBucket.DAYS_31_60),
        (61, AgingBucket.DAYS_61_90),
        (90, AgingBucket.DAYS_61_90),
        (91, AgingBucket.OVER_90),
        (400, AgingBucket.OVER_90),
    ],
)
def test_aging_bucket_boundaries(days_overdue: int, bucket: AgingBucket) -> None:
    assert aging_bucket(AS_OF - timedelta(days=days_overdue), AS_OF) == bucket


def test_aging_buckets_are_the_five_of_the_report() -> None:
    assert [b.value for b in AgingBucket] == ["current", "1-30", "31-60", "61-90", ">90"]


def test_an_aging_row_totals_its_buckets() -> None:
    buckets = empty_buckets()
    buckets[AgingBucket.CURRENT] = Decimal("119000.00")
    buckets[AgingBucket.OVER_90] = Decimal("0.01")
    row = AgingRow(party_id=1, identification="900123456", name="Cliente", buckets=buckets)
    assert row.total == Decimal("119000.01")


def test_empty_buckets_start_at_zero() -> None:
    assert empty_buckets() == dict.fromkeys(AgingBucket, ZERO)


# --- customer credits -------------------------------------------------------------------------


def credits(*remaining: str) -> list[CustomerCredit]:
    """Customer credits, oldest first."""
    return [
        CustomerCredit(
            company_id=1,
            id=number,
            party_id=7,
            source=CreditSource.ADVANCE,
            source_id=number,
            amount=Decimal("100000"),
            remaining=Decimal(value),
        )
        for number, value in enumerate(remaining, start=1)
    ]


def taken_ids(taken: list[tuple[CustomerCredit, Decimal]]) -> list[tuple[int | None, Decimal]]:
    return [(credit.id, portion) for credit, portion in taken]


def test_credits_are_taken_oldest_first() -> None:
    available = credits("30000", "50000", "20000")

    taken = take_from_credits(available, Decimal("60000"))

    assert taken_ids(taken) == [(1, Decimal("30000")), (2, Decimal("30000"))]
    assert [c.remaining for c in available] == [Decimal("0"), Decimal("20000"), Decimal("20000")]


def test_a_credit_can_be_consumed_in_part() -> None:
    available = credits("50000")

    taken = take_from_credits(available, Decimal("12345.67"))

    assert taken_ids(taken) == [(1, Decimal("12345.67"))]
    assert available[0].remaining == Decimal("37654.33")


def test_exhausted_credits_are_skipped() -> None:
    available = credits("0", "40000")
    assert taken_ids(take_from_credits(available, Decimal("10000"))) == [(2, Decimal("10000"))]


def test_taking_exactly_everything_empties_every_credit() -> None:
    available = credits("30000", "20000")

    taken = take_from_credits(available, Decimal("50000"))

    assert taken_ids(taken) == [(1, Decimal("30000")), (2, Decimal("20000"))]
    assert [c.remaining for c in available] == [Decimal("0"), Decimal("0")]


def test_later_credits_are_untouched_once_the_amount_is_covered() -> None:
    available = credits("30000", "20000")
    take_from_credits(available, Decimal("30000"))
    assert available[1].remaining == Decimal("20000")


def test_taking_more_than_the_credits_hold_raises() -> None:
    with pytest.raises(ValueError, match="not enough customer credit"):
        take_from_credits(credits("30000", "20000"), Decimal("50000.01"))


# --- receipt items ----------------------------------------------------------------------------


def debt_item(**changes: object) -> ReceiptItemRequest:
    values: dict[str, object] = {
        "value": Decimal("50000"),
        "due_prefix": "FV-1",
        "due_consecutive": 990000001,
        "due_quote": 1,
        "due_date": date(2024, 7, 15),
    }
    values.update(changes)
    return ReceiptItemRequest(**values)  # type: ignore[arg-type]


def ledger_item(
    movement: int | None, account: str | None = "11050501", **changes: object
) -> ReceiptItemRequest:
    values: dict[str, object] = {
        "value": Decimal("50000"),
        "movement": movement,
        "account_code": account,
    }
    values.update(changes)
    return ReceiptItemRequest(**values)  # type: ignore[arg-type]


def shape_errors(
    voucher_type: VoucherType, items: list[ReceiptItemRequest] | None
) -> list[tuple[str, str]]:
    return [(v.code, v.field) for v in check_items_shape(voucher_type, items).violations]


@pytest.mark.parametrize("items", [None, []])
def test_an_advance_takes_no_items(items: list[ReceiptItemRequest] | None) -> None:
    assert shape_errors(VoucherType.ADVANCE, items) == []


def test_an_advance_with_items_is_refused() -> None:
    assert shape_errors(VoucherType.ADVANCE, [debt_item()]) == [("invalid_array", "items")]


@pytest.mark.parametrize("voucher_type", [VoucherType.DEBT_PAYMENT, VoucherType.DETAILED])
@pytest.mark.parametrize("items", [None, []])
def test_debt_payments_and_detailed_receipts_need_items(
    voucher_type: VoucherType, items: list[ReceiptItemRequest] | None
) -> None:
    assert shape_errors(voucher_type, items) == [("parameter_required", "items")]


def test_a_debt_payment_item_naming_an_installment_passes() -> None:
    assert shape_errors(VoucherType.DEBT_PAYMENT, [debt_item()]) == []


@pytest.mark.parametrize(
    ("missing", "value"),
    [("due_prefix", None), ("due_prefix", "  "), ("due_consecutive", None), ("due_quote", None)],
)
def test_a_debt_payment_item_must_name_the_installment(missing: str, value: object) -> None:
    items = [debt_item(), debt_item(**{missing: value})]
    assert shape_errors(VoucherType.DEBT_PAYMENT, items) == [
        ("parameter_required", f"items.1.{missing}")
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("parameter_required", "items.0.value")),
        (Decimal("0"), ("invalid_amount", "items.0.value")),
        (Decimal("-100"), ("invalid_amount", "items.0.value")),
        (Decimal("100.001"), ("invalid_amount", "items.0.value")),
    ],
)
@pytest.mark.parametrize("voucher_type", [VoucherType.DEBT_PAYMENT, VoucherType.DETAILED])
def test_each_item_needs_a_positive_cents_value(
    voucher_type: VoucherType, value: Decimal | None, expected: tuple[str, str]
) -> None:
    item = debt_item(value=value, movement=-1, account_code="13050501")
    assert shape_errors(voucher_type, [item]) == [expected]


def test_balanced_detailed_items_pass_the_shape_check() -> None:
    items = [ledger_item(1), ledger_item(-1, "13050501")]
    assert shape_errors(VoucherType.DETAILED, items) == []


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(ledger_item(None), ("parameter_required", "items.0.movement"), id="no-dc"),
        pytest.param(ledger_item(0), ("invalid_value", "items.0.movement"), id="dc-zero"),
        pytest.param(ledger_item(2), ("invalid_value", "items.0.movement"), id="dc-two"),
        pytest.param(ledger_item(1, None), ("parameter_required", "items.0.account_code"), id="no-account"),
        pytest.param(ledger_item(1, ""), ("parameter_required", "items.0.account_code"), id="blank-account"),
    ],
)  # fmt: skip
def test_a_detailed_item_needs_dc_plus_or_minus_one_and_an_account(
    item: ReceiptItemRequest, expected: tuple[str, str]
) -> None:
    assert shape_errors(VoucherType.DETAILED, [item]) == [expected]


@pytest.mark.parametrize(
    "installment",
    [
        pytest.param({"due_prefix": "FV-1", "due_consecutive": 990000001, "due_quote": 1}, id="full"),
        pytest.param({"due_prefix": "FV-1"}, id="prefix-only"),
        pytest.param({"due_consecutive": 990000001}, id="consecutive-only"),
    ],
)  # fmt: skip
def test_a_detailed_line_paying_an_installment_must_be_a_credit(
    installment: dict[str, object],
) -> None:
    assert shape_errors(VoucherType.DETAILED, [ledger_item(-1, "13050501", **installment)]) == []
    assert shape_errors(VoucherType.DETAILED, [ledger_item(1, "13050501", **installment)]) == [
        ("invalid_array", "items.0.movement")
    ]


@pytest.mark.parametrize("voucher_type", [VoucherType.DEBT_PAYMENT, VoucherType.DETAILED])
def test_item_descriptions_are_at_most_100_characters(voucher_type: VoucherType) -> None:
    def item(description: str) -> ReceiptItemRequest:
        return debt_item(description=description, movement=-1, account_code="13050501")

    assert shape_errors(voucher_type, [item("x" * 100)]) == []
    assert shape_errors(voucher_type, [item("x" * 101)]) == [("length_max", "items.0.description")]


# --- receipt balance and total ----------------------------------------------------------------


def line(value: str, movement: Movement, position: int = 1) -> ReceiptLine:
    return ReceiptLine(
        position=position,
        value=Decimal(value),
        description=None,
        movement=movement,
        account_code="11050501" if movement == Movement.DEBIT else "13050501",
    )


DEBIT, CREDIT = Movement.DEBIT, Movement.CREDIT


def test_balanced_debits_and_credits_pass() -> None:
    lines = [line("100000", DEBIT), line("60000.50", CREDIT, 2), line("39999.50", CREDIT, 3)]
    assert check_balance(lines).violations == []


def test_unbalanced_debits_and_credits_are_refused_showing_both_sums() -> None:
    lines = [line("100000", DEBIT), line("60000", CREDIT, 2), line("39999.99", CREDIT, 3)]

    [violation] = check_balance(lines).violations

    assert (violation.code, violation.field) == ("invalid_balance", "items")
    assert violation.message == (
        "The debits (100000) and credits (99999.99) of the receipt must be equal"
    )


def test_a_receipt_with_only_debits_does_not_balance() -> None:
    [violation] = check_balance([line("5000", DEBIT)]).violations
    assert violation.code == "invalid_balance"


@pytest.mark.parametrize(
    ("voucher_type", "lines", "advance", "expected"),
    [
        pytest.param(VoucherType.ADVANCE, [], Decimal("50000"), "50000.00", id="advance"),
        pytest.param(VoucherType.ADVANCE, [], None, "0.00", id="advance-without-value"),
        pytest.param(
            VoucherType.DEBT_PAYMENT,
            [line("30000", CREDIT), line("20000.25", CREDIT, 2)],
            None,
            "50000.25",
            id="debt-payment-sums-its-items",
        ),
        pytest.param(
            VoucherType.DETAILED,
            [line("70000", DEBIT), line("30000", DEBIT, 2), line("100000", CREDIT, 3)],
            None,
            "100000.00",
            id="detailed-sums-its-debits",
        ),
    ],
)
def test_receipt_total_per_voucher_type(
    voucher_type: VoucherType, lines: list[ReceiptLine], advance: Decimal | None, expected: str
) -> None:
    total = receipt_total(voucher_type, lines, advance)
    assert total == Decimal(expected)
    assert str(total) == expected


# --- credit notes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "returns_goods"),
    [("1", True), ("2", True), ("3", False), ("4", False), ("5", False)],
)
def test_only_partial_returns_and_annulments_return_goods(reason: str, returns_goods: bool) -> None:
    assert CreditNoteReason(reason).returns_goods is returns_goods


def note_line(number: int, product_id: int, quantity: str) -> SalesLine:
    amounts = line_amounts(quantity=Decimal(quantity), unit_value=Decimal("1000"))
    return SalesLine(
        number=number,
        product_id=product_id,
        product_code=f"P{product_id}",
        description=f"Producto {product_id}",
        quantity=Decimal(quantity),
        unit_value=Decimal("1000"),
        discount_percentage=None,
        tax_add=None,
        tax_add2=None,
        tax_discount=None,
        amounts=amounts,
    )


def credit_note(
    reason: str | None,
    *returned: tuple[int, str],
    status: DocumentStatus = DocumentStatus.ISSUED,
) -> SalesDocument:
    """A credit note returning ``(product id, quantity)`` pairs."""
    lines = [note_line(n, product, qty) for n, (product, qty) in enumerate(returned, start=1)]
    gross = sum((item.amounts.gross for item in lines), ZERO)
    return SalesDocument(
        company_id=1,
        document_class=DocumentClass.CREDIT_NOTE,
        document_type_id=5,
        document_type_code=1,
        numbering_range_id=5,
        prefix="NC",
        number=1,
        date=AS_OF,
        customer_id=7,
        seller_id=1,
        lines=lines,
        amounts=DocumentAmounts(
            gross=gross,
            discount=ZERO,
            base=gross,
            vat=ZERO,
            consumption=ZERO,
            withholding=ZERO,
            reteiva=ZERO,
            reteica=ZERO,
            total=gross,
        ),
        related_document_id=1,
        reason_code=reason,
        status=status,
    )


def test_returned_quantities_add_up_per_product_over_notes() -> None:
    notes = [
        credit_note("1", (1, "2"), (2, "1.5")),
        credit_note("1", (1, "0.25")),
        credit_note("2", (1, "1"), (3, "4")),
    ]
    assert returned_quantities(notes) == {1: Decimal("3.25"), 2: Decimal("1.5"), 3: Decimal("4")}


@pytest.mark.parametrize(
    "ignored",
    [
        pytest.param(credit_note("1", (1, "10"), status=DocumentStatus.ANNULLED), id="annulled"),
        pytest.param(credit_note("3", (1, "10")), id="discount"),
        pytest.param(credit_note("4", (1, "10")), id="price-adjustment"),
        pytest.param(credit_note("5", (1, "10")), id="other"),
        pytest.param(credit_note(None, (1, "10")), id="no-reason"),
    ],
)
def test_notes_that_return_no_goods_are_ignored(ignored: SalesDocument) -> None:
    notes = [credit_note("1", (1, "2")), ignored]
    assert returned_quantities(notes) == {1: Decimal("2")}


def test_no_notes_no_returns() -> None:
    assert returned_quantities([]) == {}
