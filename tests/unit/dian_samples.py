"""Realistic ``ElectronicDocument``s for tests of ``facturo.dian``: a Bogotá company issuing in
the habilitación environment with DIAN's test numbering range.

- ``sample_invoice(lines=10, ...)``: IVA 19 % on most lines, INC 8 % on every third line, a
  10 % discount on every fourth, ReteFuente 2.5 % withheld by a NIT customer.
- ``sample_export_invoice()``: type 02 in USD with ``cac:PaymentExchangeRate``, IVA 0 %.
- ``sample_credit_note()`` (91, anulación) and ``sample_debit_note()`` (92, cambio del valor),
  both referencing ``sample_invoice(lines=2)`` by its real CUFE.
- Parties: ``SUPPLIER`` (NIT 900373076-4), ``NIT_CUSTOMER`` (NIT 860069804-2, Medellín),
  ``natural_person_customer()`` (cédula) and ``consumidor_final()`` (222222222222).

Every amount is computed with the rounding the totals engine uses (half up to cents), so the
documents add up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from facturo.dian.keys import BOGOTA, CONSUMIDOR_FINAL, HABILITACION_TECHNICAL_KEY, Environment
from facturo.dian.model import (
    ZERO,
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
from facturo.domain.nit import nit_check_digit

CENT = Decimal("0.01")
VAT = ("01", "IVA", Decimal("19.00"))
INC = ("04", "INC", Decimal("8.00"))
VAT_EXEMPT = ("01", "IVA", Decimal("0.00"))
RETEFUENTE = ("06", "ReteFuente", Decimal("2.50"))

SUPPLIER_NIT = "900373076"
SOFTWARE_ID = "56f2ae4e-9812-4fad-9255-08fcfcd5ccb0"
SOFTWARE_PIN = "75315"
ISSUED_AT = datetime(2024, 3, 15, 14, 30, 5, tzinfo=BOGOTA)

BOGOTA_ADDRESS = Address(
    municipality_code="11001",
    city_name="Bogotá, D.C.",
    department_name="Bogotá",
    department_code="11",
    line="Carrera 7 # 71-21 Torre B Oficina 1202",
    postal_code="110231",
)
MEDELLIN_ADDRESS = Address(
    municipality_code="05001",
    city_name="Medellín",
    department_name="Antioquia",
    department_code="05",
    line="Calle 10 Sur # 50FF-28",
    postal_code="050021",
)

SUPPLIER = Party(
    person_type="1",
    id_type="31",
    identification=SUPPLIER_NIT,
    check_digit=nit_check_digit(SUPPLIER_NIT),
    registration_name="Soluciones Contables del Norte S.A.S.",
    commercial_name="Facturo Demo",
    responsibilities=("O-13",),
    tax_scheme=("01", "IVA"),
    address=BOGOTA_ADDRESS,
    email="facturacion@solucionesnorte.com.co",
    phone="6017441234",
)
NIT_CUSTOMER = Party(
    person_type="1",
    id_type="31",
    identification="860069804",
    check_digit=nit_check_digit("860069804"),
    registration_name="Comercializadora Andina de Alimentos S.A.",
    commercial_name="Andina Alimentos",
    responsibilities=("O-15",),
    tax_scheme=("01", "IVA"),
    address=MEDELLIN_ADDRESS,
    email="recepcion.fe@andinaalimentos.com.co",
    phone="6043115500",
)
SOFTWARE = Software(
    provider_nit=SUPPLIER_NIT,
    provider_check_digit=nit_check_digit(SUPPLIER_NIT),
    software_id=SOFTWARE_ID,
    pin=SOFTWARE_PIN,
)
HABILITACION_RANGE = NumberingAuthorization(
    resolution_number="18760000001",
    start_date=date(2019, 1, 19),
    end_date=date(2030, 1, 19),
    prefix="SETP",
    first_number=990000000,
    last_number=995000000,
    technical_key=HABILITACION_TECHNICAL_KEY,
)


def natural_person_customer() -> Party:
    """A persona natural identified by cédula (no check digit), not responsible for IVA."""
    return Party(
        person_type="2",
        id_type="13",
        identification="1020304050",
        registration_name="María Fernanda Rojas Gómez",
        responsibilities=("R-99-PN",),
        tax_scheme=("ZZ", "No aplica"),
        address=BOGOTA_ADDRESS,
        email="mfrojas@example.com",
        first_name="María Fernanda",
        family_name="Rojas Gómez",
    )


def consumidor_final() -> Party:
    """DIAN's generic final consumer (identification 222222222222)."""
    return Party(
        person_type="2",
        id_type="13",
        identification=CONSUMIDOR_FINAL,
        registration_name="Consumidor final",
        responsibilities=("R-99-PN",),
        tax_scheme=("ZZ", "No aplica"),
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _subtotal(tax: tuple[str, str, Decimal], base: Decimal) -> TaxSubtotal:
    code, name, percent = tax
    return TaxSubtotal(code, name, percent, base, _cents(base * percent / 100))


def make_line(
    number: int,
    code: str,
    description: str,
    quantity: str,
    unit_price: str,
    *,
    tax: tuple[str, str, Decimal] | None = VAT,
    discount_percent: str = "0",
    withholding: tuple[str, str, Decimal] | None = None,
    unit_code: str = "94",
) -> Line:
    """One line with its taxes computed: base = quantity × price − discount."""
    gross = _cents(Decimal(quantity) * Decimal(unit_price))
    discount = _cents(gross * Decimal(discount_percent) / 100)
    base = gross - discount
    return Line(
        number=number,
        code=code,
        description=description,
        quantity=Decimal(quantity),
        unit_code=unit_code,
        unit_price=Decimal(unit_price),
        line_extension=base,
        discount=discount,
        taxes=() if tax is None else (_subtotal(tax, base),),
        withholdings=() if withholding is None else (_subtotal(withholding, base),),
    )


_CATALOG = (
    ("ARZ-500", "Arroz blanco premium bolsa 500 g", "24", "3150.00"),
    ("ACE-1000", "Aceite de girasol botella 1 L", "12", "11890.50"),
    ("ALM-SERV", "Servicio de almuerzo ejecutivo", "15", "18500.00"),
    ("CAF-250", "Café tostado molido 250 g", "30", "12400.00"),
    ("AZU-1000", "Azúcar refinada 1 kg", "20", "4690.00"),
    ("REF-SERV", "Servicio de refrigerio empresarial", "40", "7200.00"),
    ("PAS-250", "Pasta larga 250 g", "36", "2380.00"),
    ("CHO-CAJ", "Chocolate de mesa caja x 12", "6", "21750.00"),
    ("CAT-SERV", "Servicio de catering por persona", "25", "32000.00"),
    ("LEC-1100", "Leche entera UHT 1.1 L", "48", "4290.00"),
)


def sample_lines(count: int, *, withholding: bool = True) -> tuple[Line, ...]:
    """``count`` lines: INC 8 % on every third (food services), IVA 19 % otherwise, 10 %
    discount on every fourth, ReteFuente 2.5 % when ``withholding``."""
    lines = []
    for index in range(count):
        code, description, quantity, price = _CATALOG[index % len(_CATALOG)]
        number = index + 1
        lines.append(
            make_line(
                number,
                code if index < len(_CATALOG) else f"{code}-{number}",
                description,
                quantity,
                price,
                tax=INC if number % 3 == 0 else VAT,
                discount_percent="10" if number % 4 == 0 else "0",
                withholding=RETEFUENTE if withholding else None,
            )
        )
    return tuple(lines)


def totals_of(lines: tuple[Line, ...]) -> MonetaryTotals:
    line_extension = sum((line.line_extension for line in lines), ZERO)
    taxed_base = sum((line.line_extension for line in lines if line.taxes), ZERO)
    taxes = sum((tax.tax_amount for line in lines for tax in line.taxes), ZERO)
    return MonetaryTotals(
        line_extension=line_extension,
        tax_exclusive=taxed_base,
        tax_inclusive=line_extension + taxes,
        payable=line_extension + taxes,
    )


def _document(
    kind: DocumentKind,
    number: str,
    lines: tuple[Line, ...],
    *,
    customer: Party,
    issued_at: datetime,
    payment: Payment,
    **extra: object,
) -> ElectronicDocument:
    return ElectronicDocument(
        kind=kind,
        environment=Environment.HABILITACION,
        number=number,
        issued_at=issued_at,
        supplier=SUPPLIER,
        customer=customer,
        software=SOFTWARE,
        lines=lines,
        tax_totals=group_taxes(tax for line in lines for tax in line.taxes),
        withholding_totals=group_taxes(tax for line in lines for tax in line.withholdings),
        totals=totals_of(lines),
        payment=payment,
        corporate_registration_prefix=HABILITACION_RANGE.prefix,
        **extra,  # type: ignore[arg-type]
    )


def sample_invoice(
    lines: int = 10,
    *,
    customer: Party | None = None,
    number: str = "SETP990000001",
    issued_at: datetime = ISSUED_AT,
    credit: bool = True,
) -> ElectronicDocument:
    """A sales invoice (01). The NIT customer withholds ReteFuente; natural persons do not.
    ``credit``: 30 days by bank transfer (else cash)."""
    buyer = customer or NIT_CUSTOMER
    withholding = buyer.id_type == "31"
    due = issued_at.date() + timedelta(days=30)
    return _document(
        DocumentKind.INVOICE,
        number,
        sample_lines(lines, withholding=withholding),
        customer=buyer,
        issued_at=issued_at,
        payment=Payment("2", "42", due) if credit else Payment("1", "10"),
        due_date=due if credit else None,
        authorization=HABILITACION_RANGE,
        notes=("Factura de prueba del set de habilitación",),
    )


def foreign_customer() -> Party:
    return Party(
        person_type="1",
        id_type="50",
        identification="981234567",
        registration_name="Andes Gourmet Imports LLC",
        responsibilities=("R-99-PN",),
        tax_scheme=("ZZ", "No aplica"),
        address=Address(
            municipality_code="",
            city_name="Miami",
            department_name="Florida",
            department_code="",
            line="1450 Brickell Avenue Suite 900",
            postal_code="33131",
            country_code="US",
            country_name="Estados Unidos",
        ),
        email="ap@andesgourmet.example",
    )


def sample_export_invoice(*, issued_at: datetime = ISSUED_AT) -> ElectronicDocument:
    """An export invoice (02) in US dollars: exempt from IVA (0 %), with the day's rate."""
    lines = (
        make_line(
            1,
            "CAF-EXP-5K",
            "Café verde excelso saco 70 kg",
            "40",
            "385.50",
            tax=VAT_EXEMPT,
            unit_code="KGM",
        ),
        make_line(
            2, "PAN-EXP-1K", "Panela orgánica pulverizada 1 kg", "500", "3.25", tax=VAT_EXEMPT
        ),
    )
    return _document(
        DocumentKind.EXPORT_INVOICE,
        "SETP990000002",
        lines,
        customer=foreign_customer(),
        issued_at=issued_at,
        payment=Payment("2", "42", issued_at.date() + timedelta(days=60)),
        currency="USD",
        exchange_rate=ExchangeRate(
            source_currency="USD", rate=Decimal("3912.45"), on=issued_at.date()
        ),
        authorization=HABILITACION_RANGE,
    )


def _referenced_invoice() -> tuple[ElectronicDocument, BillingReference]:
    # Imported here: the samples module stays importable by tests that never build XML.
    from facturo.dian.ubl import build

    invoice = sample_invoice(lines=2)
    reference = BillingReference(
        number=invoice.number,
        document_key=build(invoice).document_key,
        issue_date=invoice.issued_at.date(),
    )
    return invoice, reference


def sample_credit_note(
    *, issued_at: datetime = ISSUED_AT + timedelta(days=5)
) -> ElectronicDocument:
    """A credit note (91) annulling ``sample_invoice(lines=2)``."""
    invoice, reference = _referenced_invoice()
    return _document(
        DocumentKind.CREDIT_NOTE,
        "NC1001",
        invoice.lines,
        customer=invoice.customer,
        issued_at=issued_at,
        payment=Payment("1", "10"),
        operation_type="20",
        billing_reference=reference,
        discrepancy=Discrepancy(invoice.number, "2", "Anulación de factura electrónica"),
    )


def sample_debit_note(*, issued_at: datetime = ISSUED_AT + timedelta(days=7)) -> ElectronicDocument:
    """A debit note (92) charging freight omitted from ``sample_invoice(lines=2)``."""
    invoice, reference = _referenced_invoice()
    lines = (make_line(1, "FLE-MED", "Flete Bogotá - Medellín no facturado", "1", "185000.00"),)
    return _document(
        DocumentKind.DEBIT_NOTE,
        "ND1001",
        lines,
        customer=invoice.customer,
        issued_at=issued_at,
        payment=Payment("1", "10"),
        operation_type="30",
        billing_reference=reference,
        discrepancy=Discrepancy(invoice.number, "3", "Cambio del valor: flete no facturado"),
    )


def with_customer(document: ElectronicDocument, customer: Party) -> ElectronicDocument:
    """The same document for another buyer (withholdings kept as they are)."""
    return replace(document, customer=customer)
