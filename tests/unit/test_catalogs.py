"""The default catalogs and the guide's annex tables, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from facturo.domain import annexes
from facturo.domain.catalogs import DocumentClass, PaymentMeans, PaymentMeansType, TaxType
from facturo.domain.defaults import HABILITACION_TECHNICAL_KEY, default_catalogs


@pytest.mark.parametrize(
    ("means_type", "is_system", "active", "usable"),
    [
        (PaymentMeansType.RECEIVABLE, False, True, True),
        (PaymentMeansType.BOTH, False, True, True),
        (PaymentMeansType.PAYABLE, False, True, False),
        (PaymentMeansType.RECEIVABLE, True, True, False),
        (PaymentMeansType.BOTH, True, True, False),
        (PaymentMeansType.RECEIVABLE, False, False, False),
    ],
)
def test_sales_invoices_take_receivable_means_that_are_not_system(
    means_type: PaymentMeansType, is_system: bool, active: bool, usable: bool
) -> None:
    means = PaymentMeans(
        company_id=1, name="x", means_type=means_type, is_system=is_system, active=active
    )
    assert means.usable_on_sales_invoice is usable


def test_default_payment_means_exercise_every_branch_of_the_rule() -> None:
    means = default_catalogs(1).payment_means
    assert any(m.usable_on_sales_invoice and not m.is_credit for m in means)
    assert any(m.usable_on_sales_invoice and m.is_credit for m in means)
    assert any(m.is_system for m in means)
    assert any(m.means_type == PaymentMeansType.PAYABLE for m in means)
    assert any(m.means_type == PaymentMeansType.BOTH for m in means)


def test_default_taxes_are_the_colombian_ones() -> None:
    rates = {(t.tax_type, t.percentage) for t in default_catalogs(1).taxes}
    for expected in [
        (TaxType.IVA, Decimal(19)),
        (TaxType.IVA, Decimal(5)),
        (TaxType.IVA, Decimal(0)),
        (TaxType.CONSUMPTION, Decimal(8)),
        (TaxType.RETEIVA, Decimal(15)),
    ]:
        assert expected in rates
    assert sum(1 for kind, _ in rates if kind == TaxType.RETEFUENTE) >= 3
    assert any(kind == TaxType.RETEICA for kind, _ in rates)
    assert TaxType.RETEFUENTE.is_withholding and not TaxType.IVA.is_withholding
    assert (TaxType.IVA.dian_code, TaxType.CONSUMPTION.dian_code, TaxType.RETEICA.dian_code) == (
        "01",
        "04",
        "07",
    )


def test_default_document_types_number_within_their_ranges() -> None:
    document_types = default_catalogs(1).document_types
    classes = {d.document_class for d, _ in document_types}
    assert classes == set(DocumentClass)
    for document_type, numbering in document_types:
        assert numbering.first_number <= numbering.next_number <= numbering.last_number
        if document_type.electronic and document_type.document_class == DocumentClass.SALES_INVOICE:
            assert numbering.technical_key == HABILITACION_TECHNICAL_KEY
            assert numbering.resolution_number and numbering.valid_from and numbering.valid_to
    assert any(not d.automatic_number for d, _ in document_types)


def test_default_price_lists_cover_the_twelve_positions() -> None:
    assert [p.position for p in default_catalogs(1).price_lists] == list(range(1, 13))


def test_every_default_record_belongs_to_the_company() -> None:
    catalogs = default_catalogs(42)
    records = [
        *catalogs.taxes,
        *catalogs.payment_means,
        *catalogs.account_groups,
        *catalogs.price_lists,
        *catalogs.warehouses,
        *catalogs.cost_centers,
        *catalogs.charges,
        *(d for d, _ in catalogs.document_types),
        *(n for _, n in catalogs.document_types),
    ]
    assert {r.company_id for r in records} == {42}


def test_annex_tables() -> None:
    assert len(annexes.ID_TYPES) == 13
    assert annexes.ID_TYPES[annexes.NIT_ID_TYPE] == "NIT"
    assert len(annexes.CURRENCIES) == 22
    assert {"COP", "USD", "EUR"} <= set(annexes.CURRENCIES)
    responsibilities = annexes.FISCAL_RESPONSIBILITIES
    for code in ("O-13", "O-15", "O-23", "O-47", "O-48", "O-49", "R-99-PN", "A-28", "E-22"):
        assert code in responsibilities
    assert annexes.DEFAULT_RESPONSIBILITY_PERSON in responsibilities
    assert annexes.DEFAULT_RESPONSIBILITY_COMPANY in responsibilities
    assert not any(
        ch.isdigit() and "247" in name for name in responsibilities.values() for ch in name[:1]
    )
    assert "Transportador internacional" in responsibilities["A-28"]
