"""A posted sales document in DIAN's terms: the ``facturo.dian.model.ElectronicDocument`` the
UBL builders take.

Pure functions over records already loaded; the transmission service loads them. What the
DIAN reads differently from Siigo is translated here, once:

- the DIAN's PayableAmount does not subtract withholdings (Siigo's ``total`` does): they are
  informed in ``WithholdingTaxTotal`` and the buyer pays the net;
- ReteIVA is a percentage of the VAT and ReteICA of the base, so their taxable amounts are those;
- only the fiscal responsibilities DIAN's TaxLevelCode accepts travel (O-13, O-15, O-23, O-47,
  R-99-PN); Siigo's regime codes (O-48, O-49) do not, and a customer left with none is R-99-PN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from facturo.dian.keys import BOGOTA, Environment
from facturo.dian.model import (
    Address,
    BillingReference,
    Discrepancy,
    DocumentKind,
    ElectronicDocument,
    ExchangeRate,
    Line,
    MonetaryTotals,
    NumberingAuthorization,
    Party,
    Payment,
    Software,
    TaxSubtotal,
    group_taxes,
)
from facturo.domain.catalogs import DocumentClass, NumberingRange, PaymentMeans, TaxType
from facturo.domain.money import total
from facturo.domain.parties import Party as Tercero
from facturo.domain.reference import ReferenceData
from facturo.domain.sales import CreditNoteReason, DebitNoteReason, SalesDocument, SalesLine

TAX_LEVEL_CODES = frozenset({"O-13", "O-15", "O-23", "O-47", "R-99-PN"})
NO_RESPONSIBILITY = "R-99-PN"
TAX_NAMES = {
    "01": "IVA",
    "02": "IC",
    "03": "ICA",
    "04": "INC",
    "05": "ReteIVA",
    "06": "ReteFuente",
    "07": "ReteICA",
}
CREDIT_REASONS: Mapping[str, str] = {
    CreditNoteReason.PARTIAL_RETURN: "Devolución parcial de los bienes",
    CreditNoteReason.ANNULMENT: "Anulación de factura electrónica",
    CreditNoteReason.DISCOUNT: "Rebaja o descuento parcial o total",
    CreditNoteReason.PRICE_ADJUSTMENT: "Ajuste de precio",
    CreditNoteReason.OTHER: "Otros",
}
DEBIT_REASONS: Mapping[str, str] = {
    DebitNoteReason.INTEREST: "Intereses",
    DebitNoteReason.EXPENSES: "Gastos por cobrar",
    DebitNoteReason.VALUE_CHANGE: "Cambio del valor",
    DebitNoteReason.OTHER: "Otros",
}


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues: the company as its RUT says, the registered software and the environment."""

    party: Party
    software: Software
    environment: Environment


@dataclass(frozen=True, slots=True)
class CorrectedInvoice:
    """The invoice a note corrects, with the CUFE the DIAN accepted it under."""

    number: str
    document_key: str
    issue_date: datetime


def issue_moment(document: SalesDocument) -> datetime:
    """IssueDate is the document's date; IssueTime the time of day it was created, both in
    Colombian time (a document dated another day keeps its date: the DIAN judges it)."""
    created = document.created_at.astimezone(BOGOTA) if document.created_at else None
    clock = created.time().replace(microsecond=0) if created else time(0, 0, 0)
    return datetime.combine(document.date, clock, BOGOTA)


def document_kind(document: SalesDocument) -> DocumentKind:
    if document.document_class == DocumentClass.CREDIT_NOTE:
        return DocumentKind.CREDIT_NOTE
    if document.document_class == DocumentClass.DEBIT_NOTE:
        return DocumentKind.DEBIT_NOTE
    if document.currency_code != "COP":
        return DocumentKind.EXPORT_INVOICE
    return DocumentKind.INVOICE


def customer_party(customer: Tercero, reference: ReferenceData) -> Party:
    responsibilities = tuple(
        code for code in customer.fiscal_responsibilities if code in TAX_LEVEL_CODES
    ) or (NO_RESPONSIBILITY,)
    phone = customer.phone.number if customer.phone and customer.phone.number else None
    return Party(
        person_type="1" if customer.is_company else "2",
        id_type=customer.id_type_code or "13",
        identification=customer.identification or "",
        check_digit=customer.check_digit if customer.id_type_code == "31" else None,
        registration_name=customer.name,
        commercial_name=customer.commercial_name,
        responsibilities=responsibilities,
        tax_scheme=("01", "IVA") if customer.vat_responsible else ("ZZ", "No aplica"),
        address=place_address(
            customer.place.city_code,
            customer.address,
            customer.postal_code,
            reference,
            country_code=customer.place.country_code,
        ),
        email=customer.email,
        phone=phone,
        first_name=None if customer.is_company else customer.first_name,
        family_name=None if customer.is_company else customer.last_name,
    )


def place_address(
    municipality_code: str | None,
    line: str | None,
    postal_code: str | None,
    reference: ReferenceData,
    *,
    country_code: str | None = None,
) -> Address | None:
    """A Colombian address from its DIVIPOLA code; None when the code is unknown (the DIAN
    only requires the buyer's address in some cases, and a wrong code is worse than none)."""
    if not municipality_code or (country_code or "CO") != "CO":
        return None
    city = reference.municipality_name(municipality_code)
    department_code = municipality_code[:2]
    department = reference.department_name(department_code)
    if city is None or department is None:
        return None
    return Address(
        municipality_code=municipality_code,
        city_name=city,
        department_name=department,
        department_code=department_code,
        line=line or city,
        postal_code=postal_code,
    )


def _tax(
    rate_type: TaxType, name: str, percent: Decimal, base: Decimal, amount: Decimal
) -> TaxSubtotal:
    code = rate_type.dian_code or "ZZ"
    return TaxSubtotal(
        code=code,
        name=TAX_NAMES.get(code, name),
        percent=percent,
        taxable_amount=base,
        tax_amount=amount,
    )


def electronic_line(line: SalesLine, unit_code: str) -> Line:
    a = line.amounts
    taxes = []
    for rate, value in ((line.tax_add, a.tax_add), (line.tax_add2, a.tax_add2)):
        if rate is not None:
            taxes.append(_tax(rate.tax_type, rate.name, rate.percentage, a.base, value))
    withholdings = []
    if line.tax_discount is not None:
        rate = line.tax_discount
        withholdings.append(_tax(rate.tax_type, rate.name, rate.percentage, a.base, a.tax_discount))
    return Line(
        number=line.number,
        code=line.product_code,
        description=line.description,
        quantity=line.quantity,
        unit_code=unit_code,
        unit_price=line.unit_value,
        line_extension=a.base,
        discount=a.discount,
        taxes=tuple(taxes),
        withholdings=tuple(withholdings),
    )


def electronic_document(
    document: SalesDocument,
    *,
    issuer: Issuer,
    customer: Tercero,
    numbering: NumberingRange,
    units: Mapping[int, str],
    means: Mapping[int, PaymentMeans],
    reference: ReferenceData,
    corrected: CorrectedInvoice | None = None,
) -> ElectronicDocument:
    """The DIAN document for ``document``. ``units`` maps product ids to DIAN unit codes;
    ``corrected`` is required for notes."""
    kind = document_kind(document)
    lines = tuple(
        electronic_line(line, units.get(line.product_id, "94")) for line in document.lines
    )
    tax_totals = group_taxes(t for line in lines for t in line.taxes)
    withholdings = [w for line in lines for w in line.withholdings]
    amounts = document.amounts
    if document.reteiva is not None and amounts.reteiva:
        withholdings.append(
            _tax(
                TaxType.RETEIVA,
                document.reteiva.name,
                document.reteiva.percentage,
                amounts.vat,
                amounts.reteiva,
            )
        )
    if document.reteica is not None and amounts.reteica:
        withholdings.append(
            _tax(
                TaxType.RETEICA,
                document.reteica.name,
                document.reteica.percentage,
                amounts.base,
                amounts.reteica,
            )
        )
    line_extension = total(line.line_extension for line in lines)
    taxed_base = total(line.line_extension for line in lines if line.taxes)
    taxes = total(t.tax_amount for t in tax_totals)
    tax_inclusive = line_extension + taxes
    totals = MonetaryTotals(
        line_extension=line_extension,
        tax_exclusive=taxed_base,
        tax_inclusive=tax_inclusive,
        payable=tax_inclusive,
    )
    installments = document.installments
    on_credit = [i for i in installments if not i.paid_at_issue]
    first_means = means.get(installments[0].payment_means_id) if installments else None
    payment = Payment(
        form="2" if on_credit else "1",
        means_code=first_means.dian_code if first_means else "10",
        due_date=max(i.due_date for i in on_credit) if on_credit else document.date,
    )
    authorization = None
    if not kind.is_note:
        if not (
            numbering.resolution_number
            and numbering.valid_from
            and numbering.valid_to
            and numbering.technical_key
        ):
            raise ValueError(
                f"the numbering range {numbering.prefix} has no DIAN resolution, dates or technical key"
            )
        authorization = NumberingAuthorization(
            resolution_number=numbering.resolution_number,
            start_date=numbering.valid_from,
            end_date=numbering.valid_to,
            prefix=numbering.prefix,
            first_number=numbering.first_number,
            last_number=numbering.last_number,
            technical_key=numbering.technical_key,
        )
    billing_reference = discrepancy = None
    operation_type = "10"
    if kind.is_note:
        if corrected is None:
            raise ValueError("a note needs the invoice it corrects and its CUFE")
        billing_reference = BillingReference(
            number=corrected.number,
            document_key=corrected.document_key,
            issue_date=corrected.issue_date.date(),
        )
        reason = document.reason_code or ("2" if kind is DocumentKind.CREDIT_NOTE else "4")
        labels: Mapping[str, str] = (
            CREDIT_REASONS if kind is DocumentKind.CREDIT_NOTE else DEBIT_REASONS
        )
        discrepancy = Discrepancy(
            reference_number=corrected.number,
            response_code=reason,
            description=(document.observations or labels.get(reason, "Otros"))[:500],
        )
        operation_type = "20" if kind is DocumentKind.CREDIT_NOTE else "30"
    exchange_rate = None
    if document.currency_code != "COP":
        exchange_rate = ExchangeRate(
            source_currency=document.currency_code,
            rate=document.exchange_rate or Decimal(1),
            on=document.date,
        )
    issued_at = issue_moment(document)
    return ElectronicDocument(
        kind=kind,
        environment=issuer.environment,
        number=document.full_number,
        issued_at=issued_at,
        supplier=issuer.party,
        customer=customer_party(customer, reference),
        software=issuer.software,
        lines=lines,
        tax_totals=tax_totals,
        withholding_totals=group_taxes(withholdings),
        totals=totals,
        payment=payment,
        currency=document.currency_code,
        operation_type=operation_type,
        due_date=payment.due_date,
        notes=(document.observations,) if document.observations else (),
        authorization=authorization,
        billing_reference=billing_reference,
        discrepancy=discrepancy,
        exchange_rate=exchange_rate,
        corporate_registration_prefix=document.prefix or None,
    )
