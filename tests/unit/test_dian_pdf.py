"""The graphic representation (``facturo.dian.pdf``) and the amount in words
(``facturo.dian.words``), checked by reading the rendered PDF back with pypdf."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pypdf
import pytest
import segno
from num2words import num2words

from facturo.dian import pdf
from facturo.dian.errors import DianError
from facturo.dian.keys import BOGOTA, Environment, KeyFields, QrFields, amount_text, in_bogota
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
from facturo.dian.words import AmountInWordsError, amount_in_words, cardinal
from tests.unit import dian_samples

D = Decimal
CENT = D("0.01")
MM = 72 / 25.4  # points per millimetre


# --- a small factory (documents shaped like the services build them) ----------------------


SUPPLIER = Party(
    person_type="1",
    id_type="31",
    identification="900123456",
    check_digit=8,
    registration_name="Ferretería La Ñapa S.A.S.",
    commercial_name="La Ñapa",
    responsibilities=("O-13", "O-15"),
    tax_scheme=("01", "IVA"),
    address=Address("11001", "Bogotá, D.C.", "Bogotá", "11", "Cra 7 # 12-34"),
    email="facturas@lanapa.co",
    phone="6015551234",
)
CUSTOMER = Party(
    person_type="2",
    id_type="13",
    identification="1020304050",
    registration_name="José Ángel Muñoz Peña",
    address=Address("05001", "Medellín", "Antioquia", "05", "Calle 10 # 43-12 apto 501"),
    email="jose@example.co",
    phone="3001234567",
)
AUTHORIZATION = NumberingAuthorization(
    resolution_number="18760000001",
    start_date=date(2019, 1, 19),
    end_date=date(2030, 1, 19),
    prefix="SETP",
    first_number=990000000,
    last_number=995000000,
    technical_key="fc8eac422eba16e22ffd8c6f94b3f40a6e38162c",
)
SOFTWARE = Software(
    provider_nit="900123456", provider_check_digit=8, software_id="sw-1", pin="12345"
)
ISSUED_AT = datetime(2024, 3, 15, 10, 30, 0, tzinfo=BOGOTA)


def make_line(
    number: int, quantity: str, price: str, *, discount: str = "0.00", vat: str | None = "19"
) -> Line:
    gross = (D(quantity) * D(price)).quantize(CENT)
    extension = gross - D(discount)
    taxes = ()
    if vat is not None:
        taxes = (
            TaxSubtotal("01", "IVA", D(vat), extension, (extension * D(vat) / 100).quantize(CENT)),
        )
    return Line(
        number=number,
        code=f"PRD-{number:04d}",
        description=f"Tornillo galvanizado ¿{number}? cabeza hexagonal ref {number * 7}",
        quantity=D(quantity),
        unit_code="94",
        unit_price=D(price),
        line_extension=extension,
        discount=D(discount),
        taxes=taxes,
    )


def make_document(
    lines: tuple[Line, ...],
    *,
    kind: DocumentKind = DocumentKind.INVOICE,
    withholding_percent: str | None = "2.5",
    **changes: object,
) -> ElectronicDocument:
    line_extension = sum((line.line_extension for line in lines), ZERO)
    tax_totals = group_taxes(tax for line in lines for tax in line.taxes)
    taxes = sum((total.tax_amount for total in tax_totals), ZERO)
    withholdings = ()
    if withholding_percent is not None:
        amount = (line_extension * D(withholding_percent) / 100).quantize(CENT)
        withholdings = group_taxes(
            [TaxSubtotal("06", "ReteFuente", D(withholding_percent), line_extension, amount)]
        )
    document = ElectronicDocument(
        kind=kind,
        environment=Environment.PRODUCTION,
        number="SETP990000123",
        issued_at=ISSUED_AT,
        supplier=SUPPLIER,
        customer=CUSTOMER,
        software=SOFTWARE,
        lines=lines,
        tax_totals=tax_totals,
        withholding_totals=withholdings,
        totals=MonetaryTotals(
            line_extension=line_extension,
            tax_exclusive=line_extension,
            tax_inclusive=line_extension + taxes,
            payable=line_extension + taxes,
        ),
        payment=Payment(form="2", means_code="42", due_date=date(2024, 4, 14)),
        authorization=None if kind.is_note else AUTHORIZATION,
        notes=("Entregar en la portería del edificio.",),
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def numbered_lines(count: int) -> tuple[Line, ...]:
    return tuple(
        make_line(
            n, str(1 + n % 7), f"{1000 + 37 * n}.50", discount="100.00" if n % 3 == 0 else "0.00"
        )
        for n in range(1, count + 1)
    )


def keys_of(document: ElectronicDocument) -> tuple[str, str]:
    """(CUFE/CUDE, QR text) as the builder computes them."""
    moment = in_bogota(document.issued_at)
    taxes = {total.code: amount_text(total.tax_amount) for total in document.tax_totals}
    fields = KeyFields(
        number=document.number,
        issue_date=moment.date().isoformat(),
        issue_time=moment.strftime("%H:%M:%S-05:00"),
        line_extension=amount_text(document.totals.line_extension),
        taxes=(taxes.get("01", "0.00"), taxes.get("04", "0.00"), taxes.get("03", "0.00")),
        payable=amount_text(document.totals.payable),
        supplier_nit=document.supplier.identification,
        customer_id=document.customer.identification,
        secret=document.key_secret,
        environment=document.environment.value,
    )
    key = fields.digest()
    qr = QrFields(
        number=fields.number,
        issue_date=fields.issue_date,
        issue_time=fields.issue_time,
        supplier_nit=fields.supplier_nit,
        customer_id=fields.customer_id,
        line_extension=fields.line_extension,
        vat=fields.taxes[0],
        other_taxes=amount_text(
            sum((t.tax_amount for t in document.tax_totals if t.code != "01"), ZERO)
        ),
        payable=fields.payable,
        document_key=key,
        environment=fields.environment,
        key_label=document.kind.key_name,
    )
    return key, qr.text()


def render(document: ElectronicDocument, **options: object) -> tuple[bytes, str, str]:
    key, qr_text = keys_of(document)
    return pdf.render(document, document_key=key, qr_text=qr_text, **options), key, qr_text  # type: ignore[arg-type]


def read(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in read(data).pages]


def flat(text: str) -> str:
    """Text without line breaks (wrapped cells) and with single spaces."""
    return re.sub(r"\s+", " ", text)


# --- amount in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1785000.00", "COP", "Un millón setecientos ochenta y cinco mil pesos M/CTE"),
        ("1785000.50", "COP", "Un millón setecientos ochenta y cinco mil pesos con 50/100 M/CTE"),
        ("1785000.05", "COP", "Un millón setecientos ochenta y cinco mil pesos con 05/100 M/CTE"),
        ("0", "COP", "Cero pesos M/CTE"),
        ("0.99", "COP", "Cero pesos con 99/100 M/CTE"),
        ("1", "COP", "Un peso M/CTE"),
        ("1.01", "COP", "Un peso con 01/100 M/CTE"),
        ("2", "COP", "Dos pesos M/CTE"),
        ("15", "COP", "Quince pesos M/CTE"),
        ("16", "COP", "Dieciséis pesos M/CTE"),
        ("21", "COP", "Veintiún pesos M/CTE"),
        ("22", "COP", "Veintidós pesos M/CTE"),
        ("31", "COP", "Treinta y un pesos M/CTE"),
        ("100", "COP", "Cien pesos M/CTE"),
        ("101", "COP", "Ciento un pesos M/CTE"),
        ("115", "COP", "Ciento quince pesos M/CTE"),
        ("500", "COP", "Quinientos pesos M/CTE"),
        ("777", "COP", "Setecientos setenta y siete pesos M/CTE"),
        ("999", "COP", "Novecientos noventa y nueve pesos M/CTE"),
        ("1000", "COP", "Mil pesos M/CTE"),
        ("1001", "COP", "Mil un pesos M/CTE"),
        ("2021", "COP", "Dos mil veintiún pesos M/CTE"),
        ("21000", "COP", "Veintiún mil pesos M/CTE"),
        ("100000", "COP", "Cien mil pesos M/CTE"),
        ("101000", "COP", "Ciento un mil pesos M/CTE"),
        (
            "999999",
            "COP",
            "Novecientos noventa y nueve mil novecientos noventa y nueve pesos M/CTE",
        ),
        ("1000000", "COP", "Un millón de pesos M/CTE"),
        ("1000000.50", "COP", "Un millón de pesos con 50/100 M/CTE"),
        ("1000001", "COP", "Un millón un pesos M/CTE"),
        ("1001000", "COP", "Un millón mil pesos M/CTE"),
        ("2000000", "COP", "Dos millones de pesos M/CTE"),
        ("21000000", "COP", "Veintiún millones de pesos M/CTE"),
        ("100000000", "COP", "Cien millones de pesos M/CTE"),
        ("1000000000", "COP", "Mil millones de pesos M/CTE"),
        ("1500000000", "COP", "Mil quinientos millones de pesos M/CTE"),
        ("1001000000", "COP", "Mil un millones de pesos M/CTE"),
        ("21000000000", "COP", "Veintiún mil millones de pesos M/CTE"),
        ("1000000000000", "COP", "Un billón de pesos M/CTE"),
        ("2000000000000", "COP", "Dos billones de pesos M/CTE"),
        ("2000000000001", "COP", "Dos billones un pesos M/CTE"),
        (
            "3500000200000",
            "COP",
            "Tres billones quinientos mil millones doscientos mil pesos M/CTE",
        ),
        ("12.349", "COP", "Doce pesos con 34/100 M/CTE"),  # truncated, as the XML writes it
        ("1", "USD", "Un dólar"),
        ("21.50", "USD", "Veintiún dólares con 50/100"),
        ("1000000", "USD", "Un millón de dólares"),
        ("1", "EUR", "Un euro"),
        ("1250", "eur", "Mil doscientos cincuenta euros"),
        ("1200.50", "MXN", "Mil doscientos MXN con 50/100"),
        ("1000000", "MXN", "Un millón MXN"),
    ],
)
def test_amount_in_words(value: str, currency: str, expected: str) -> None:
    assert amount_in_words(D(value), currency) == expected


def test_amount_in_words_default_currency_is_pesos() -> None:
    assert amount_in_words(D("4473622.93")) == (
        "Cuatro millones cuatrocientos setenta y tres mil seiscientos veintidós pesos con 93/100 M/CTE"
    )


def test_the_largest_amount_a_document_can_hold() -> None:
    assert amount_in_words(D("9999999999999999.99")) == (
        "Nueve mil novecientos noventa y nueve billones novecientos noventa y nueve mil "
        "novecientos noventa y nueve millones novecientos noventa y nueve mil novecientos "
        "noventa y nueve pesos con 99/100 M/CTE"
    )


@pytest.mark.parametrize("value", [D("-1"), D("-0.01"), D("NaN"), D("Infinity"), D("1E18")])
def test_amounts_that_have_no_words(value: Decimal) -> None:
    with pytest.raises(AmountInWordsError) as raised:
        amount_in_words(value)
    assert isinstance(raised.value, DianError)


def _num2words_with_apocope(number: int) -> str:
    # num2words writes "veintiuno mil", "treinta y uno millones"; Spanish shortens "uno"
    # before "mil" and the scale nouns. Everything else must agree word for word.
    text = num2words(number, lang="es")
    text = re.sub(r"\bveintiuno (?=mil\b|millones\b|billones\b)", "veintiún ", text)
    return re.sub(r"\buno (?=mil\b|millones\b|billones\b)", "un ", text)


def test_cardinal_agrees_with_num2words() -> None:
    import random

    generator = random.Random(2024)
    numbers = [
        *range(3000),
        *range(0, 10**6, 997),
        *(generator.randrange(10**9) for _ in range(1500)),
        *(generator.randrange(10**16) for _ in range(1500)),
    ]
    disagreements = [(n, cardinal(n)) for n in numbers if cardinal(n) != _num2words_with_apocope(n)]
    assert disagreements == []


# --- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1785000", "COP", "$ 1.785.000,00"),
        ("1785000.5", "COP", "$ 1.785.000,50"),
        ("0", "COP", "$ 0,00"),
        ("999.999", "COP", "$ 999,99"),
        ("1234567890123.45", "COP", "$ 1.234.567.890.123,45"),
        ("-5", "COP", "-$ 5,00"),
        ("1234.5", "USD", "US$ 1.234,50"),
        ("10", "EUR", "€ 10,00"),
        ("10", "MXN", "MXN 10,00"),
    ],
)
def test_money_text(value: str, currency: str, expected: str) -> None:
    assert pdf.money_text(D(value), currency) == expected


@pytest.mark.parametrize(
    ("value", "min_decimals", "max_decimals", "expected"),
    [
        ("1.5000", 0, 4, "1,5"),
        ("1000.0000", 0, 4, "1.000"),
        ("0.0001", 0, 4, "0,0001"),
        ("1234.567800", 2, 6, "1.234,5678"),
        ("1234.000000", 2, 6, "1.234,00"),
        ("1234.1234567", 2, 6, "1.234,123456"),
    ],
)
def test_number_text(value: str, min_decimals: int, max_decimals: int, expected: str) -> None:
    assert (
        pdf.number_text(D(value), min_decimals=min_decimals, max_decimals=max_decimals) == expected
    )


def test_percent_and_identification_text() -> None:
    assert pdf.percent_text(D("19.00")) == "19"
    assert pdf.percent_text(D("2.50")) == "2,5"
    assert pdf.percent_text(D("0.414")) == "0,414"
    assert pdf.identification_text("900123456", 8) == "900.123.456-8"
    assert pdf.identification_text("1020304050") == "1.020.304.050"
    assert pdf.identification_text("AB123456") == "AB123456"


# --- the invoice -----------------------------------------------------------------------------


def test_invoice_shows_its_data() -> None:
    document = make_document(numbered_lines(10))
    started = time.perf_counter()
    data, key, _ = render(document)
    elapsed = time.perf_counter() - started
    print(f"\nrender, 10 lines: {elapsed * 1000:.1f} ms, {len(data)} bytes")

    texts = page_texts(data)
    assert len(texts) == 1
    text = flat(texts[0])
    assert "Factura electrónica de venta" in text
    assert "No. SETP990000123" in text
    assert "Página 1 de 1" in text
    # supplier
    assert "Ferretería La Ñapa S.A.S." in text
    assert "NIT 900.123.456-8 · Responsable de IVA" in text
    assert "Responsabilidades fiscales: O-13, O-15" in text
    assert "Cra 7 # 12-34 · Bogotá, D.C., Bogotá" in text
    assert "Tel. 6015551234 · facturas@lanapa.co" in text
    assert (
        "Autorización de numeración de facturación DIAN No. 18760000001 del 2019-01-19, "
        "prefijo SETP del 990000000 al 995000000, vigencia desde 2019-01-19 hasta 2030-01-19."
    ) in text
    # customer, dates and payment
    assert "Nombre José Ángel Muñoz Peña" in text
    assert "Identificación C.C. 1.020.304.050" in text
    assert "Dirección Calle 10 # 43-12 apto 501" in text
    assert "Ciudad Medellín, Antioquia" in text
    assert "Fecha de emisión 2024-03-15 10:30:00 -05:00" in text
    assert "Fecha de vencimiento 2024-04-14" in text
    assert "Forma de pago 2 - Crédito" in text
    assert "Medio de pago 42 - " in text
    # lines, each with its own figures
    for line in document.lines:
        assert line.description in text
        row = (
            f"{line.code} {line.description} {pdf.number_text(line.quantity, min_decimals=0, max_decimals=4)} "
            f"unidad {pdf.number_text(line.unit_price)}"
        )
        assert row in text
        assert f"19 {pdf.number_text(line.line_extension)}" in text
    assert (
        "PRD-0003 Tornillo galvanizado ¿3? cabeza hexagonal ref 21 4 unidad 1.111,50 100,00 19 4.346,00"
        in text
    )
    # taxes, withholdings and totals, Colombian style
    assert "IVA 19 % $ 44.192,50 $ 8.396,57" in text
    assert "ReteFuente 2,5 % $ 44.192,50 $ 1.104,81" in text
    assert "Total bruto $ 44.492,50" in text
    assert "Descuentos $ 300,00" in text
    assert "Subtotal $ 44.192,50" in text
    assert "Total factura $ 52.589,07" in text
    assert "Retenciones $ 1.104,81" in text
    assert "Neto a pagar (total menos retenciones) $ 51.484,26" in text
    assert document.totals.payable == D("52589.07")
    assert (
        "Valor en letras (total factura): "
        "Cincuenta y dos mil quinientos ochenta y nueve pesos con 07/100 M/CTE"
    ) in text
    assert "Observaciones: Entregar en la portería del edificio." in text
    assert f"CUFE: {key}" in text
    assert "Fecha y hora de emisión: 2024-03-15 10:30:00 -05:00" in text
    # footer
    assert (
        f"Representación gráfica de la factura electrónica de venta SETP990000123 · CUFE: {key}"
        in text
    )
    assert (
        "Software propio de Ferretería La Ñapa S.A.S., NIT 900.123.456-8 · Elaborado con Facturo"
        in text
    )
    # production documents carry no test label
    assert "sin validez fiscal" not in text
    assert elapsed < 2.0


def test_the_qr_is_on_every_page_at_2_5_cm_and_encodes_the_qr_text() -> None:
    document = make_document(numbered_lines(200))
    data, _, qr_text = render(document)
    reader = read(data)
    assert len(reader.pages) > 1
    expected = segno.make(qr_text, micro=False).matrix
    modules = len(expected)
    for page in reader.pages:
        # one image drawn per page, 2.5 cm wide and high (DIAN: at least 2 cm = 56.7 pt)
        placements = re.findall(
            rb"([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm /(\w+) Do", page.get_contents().get_data()
        )
        assert len(placements) == 1
        width, height = float(placements[0][0]), float(placements[0][1])
        assert width == height == pytest.approx(pdf.QR_SIZE_MM * MM, abs=0.01)
        assert width >= 20 * MM
        # inside the page, clear of the right margin
        assert float(placements[0][2]) + width <= 215.9 * MM - 12 * MM + 0.01
        (image,) = page.images
        picture = image.image.convert("L")
        assert picture.width == picture.height
        scale = picture.width // modules
        assert scale * modules == picture.width
        # sample each module's centre: dark pixels are the matrix's ones
        drawn = [
            [
                1
                if picture.getpixel((col * scale + scale // 2, row * scale + scale // 2)) < 128
                else 0
                for col in range(modules)
            ]
            for row in range(modules)
        ]
        assert drawn == [list(row) for row in expected]


def test_many_lines_break_pages_and_repeat_the_headings() -> None:
    ten = len(read(render(make_document(numbered_lines(10)))[0]).pages)
    document = make_document(numbered_lines(200))
    data, key, _ = render(document)
    texts = page_texts(data)
    assert len(texts) > ten
    assert len(texts) >= 5
    total = len(texts)
    every_marker = []
    for number, text in enumerate(texts, start=1):
        text = flat(text)
        assert f"Página {number} de {total}" in text
        assert "No. SETP990000123" in text
        assert "Autorización de numeración de facturación DIAN No. 18760000001" in text
        assert f"CUFE: {key}" in text
        if number < total:
            assert "Código Descripción Cant. Unidad Vlr. unitario Descuento IVA % Subtotal" in text
        every_marker += re.findall(r"PRD-(\d{4}) Tornillo galvanizado ¿(\d+)\?", text)
    # every line printed once, in order, code and description together
    assert every_marker == [(f"{n:04d}", str(n)) for n in range(1, 201)]
    last = flat(texts[-1])
    assert "Total factura " + pdf.money_text(document.totals.payable) in last
    assert amount_in_words(document.totals.payable) in last


def test_500_lines_stay_small() -> None:
    document = make_document(numbered_lines(500))
    started = time.perf_counter()
    data, _, _ = render(document)
    elapsed = time.perf_counter() - started
    pages = len(read(data).pages)
    print(f"\nrender, 500 lines: {elapsed * 1000:.0f} ms, {len(data)} bytes, {pages} pages")
    assert len(data) <= 2 * 1024 * 1024
    assert pages > 10


def test_rendering_is_deterministic_and_dated_at_issue() -> None:
    document = make_document(numbered_lines(30))
    first, _, _ = render(document)
    second, _, _ = render(document)
    assert first == second
    later, _, _ = render(replace(document, issued_at=ISSUED_AT + timedelta(seconds=1)))
    assert later != first
    assert read(first).metadata.creation_date == ISSUED_AT
    assert read(first).metadata.title == "Factura electrónica de venta SETP990000123"


def test_habilitacion_documents_say_they_are_tests() -> None:
    document = make_document(numbered_lines(3), environment=Environment.HABILITACION)
    text = flat(page_texts(render(document)[0])[0])
    assert pdf.TEST_DOCUMENT_LABEL in text
    assert "Documento de prueba (habilitación DIAN) — sin validez fiscal" in text
    # even a validated test document says it has no fiscal value
    validated = flat(page_texts(render(document, status_label="Validada por la DIAN")[0])[0])
    assert f"Validada por la DIAN {pdf.TEST_DOCUMENT_LABEL}" in validated


def test_status_label_and_validation_time_on_every_page() -> None:
    document = make_document(numbered_lines(120))
    validated_at = datetime(2024, 3, 15, 20, 31, 5, tzinfo=UTC)  # printed in Colombian time
    data, _, _ = render(document, status_label="Validada por la DIAN", validated_at=validated_at)
    texts = [flat(text) for text in page_texts(data)]
    assert len(texts) > 1
    assert all("Validada por la DIAN" in text for text in texts)
    assert "Validación DIAN 2024-03-15 15:31:05 -05:00" in texts[0]
    assert "Validación DIAN: 2024-03-15 15:31:05 -05:00" in texts[-1]


def test_credit_note() -> None:
    invoice_key = "a" * 96
    document = make_document(
        numbered_lines(2),
        kind=DocumentKind.CREDIT_NOTE,
        withholding_percent=None,
        number="NC45",
        operation_type="20",
        billing_reference=BillingReference("SETP990000123", invoice_key, date(2024, 3, 15)),
        discrepancy=Discrepancy("SETP990000123", "2", "Anulación por error en el NIT"),
    )
    data, key, _ = render(document)
    text = flat(page_texts(data)[0])
    assert "Nota crédito electrónica" in text
    assert "No. NC45" in text
    assert "Autorización de numeración" not in text
    assert "Documento referenciado" in text
    assert "Factura SETP990000123 del 2024-03-15" in text
    assert f"CUFE {invoice_key}" in text
    assert "Concepto 2 - Anulación de factura electrónica" in text
    assert "Descripción Anulación por error en el NIT" in text
    assert f"CUDE: {key}" in text
    assert "Total nota crédito " + pdf.money_text(document.totals.payable) in text
    assert "Retenciones" not in text and "Neto a pagar" not in text
    assert "Representación gráfica de la nota crédito electrónica NC45" in text


def test_debit_note() -> None:
    document = make_document(
        numbered_lines(1),
        kind=DocumentKind.DEBIT_NOTE,
        number="ND7",
        billing_reference=BillingReference("SETP990000123", "b" * 96, date(2024, 3, 15)),
        discrepancy=Discrepancy("SETP990000123", "1", "Intereses de mora marzo"),
    )
    text = flat(page_texts(render(document)[0])[0])
    assert "Nota débito electrónica" in text
    assert "Concepto 1 - Intereses" in text
    assert "Total nota débito" in text
    assert "Representación gráfica de la nota débito electrónica ND7" in text


def test_export_invoice_in_dollars() -> None:
    customer = Party(
        person_type="1",
        id_type="50",
        identification="98-7654321",
        registration_name="Acme Imports LLC",
        address=Address(
            "00000",
            "Miami",
            "Florida",
            "00",
            "100 Biscayne Blvd",
            country_code="US",
            country_name="Estados Unidos",
        ),
    )
    lines = (make_line(1, "3", "1200.00", vat=None),)
    document = make_document(
        lines,
        kind=DocumentKind.EXPORT_INVOICE,
        withholding_percent=None,
        customer=customer,
        currency="USD",
        exchange_rate=ExchangeRate("USD", D("3912.45"), date(2024, 3, 14)),
    )
    text = flat(page_texts(render(document)[0])[0])
    assert "Factura electrónica de exportación" in text
    assert "Identificación NIT de otro país 98-7654321" in text  # not regrouped
    assert "Ciudad Miami, Estados Unidos" in text
    assert "Moneda USD" in text
    assert "Tasa de cambio 1 USD = $ 3.912,45 (2024-03-14)" in text
    assert "Sin impuestos" in text
    assert "Total factura US$ 3.600,00" in text
    assert "Tres mil seiscientos dólares" in text
    assert "Valores en USD" in text


def test_text_outside_the_core_fonts_is_transliterated() -> None:
    lines = (replace(make_line(1, "1", "10.00"), description="Café Łódź — 東京 “premium” 2½ €"),)
    document = make_document(lines, customer=replace(CUSTOMER, registration_name="Zoë Ørsted Š."))
    text = flat(page_texts(render(document)[0])[0])
    assert "Café Lódz — ?? “premium” 2½ €" in text
    assert "Zoë Ørsted Š." in text


def test_a_description_longer_than_a_page_continues_on_the_next() -> None:
    words = [f"palabra{n:04d}" for n in range(1500)]
    lines = (
        make_line(1, "1", "10.00"),
        replace(make_line(2, "1", "20.00"), description=" ".join(words)),
    )
    data, _, _ = render(make_document(lines))
    texts = page_texts(data)
    assert len(texts) >= 2
    printed = re.findall(r"palabra\d{4}", " ".join(texts))
    assert printed == words


def test_a_document_without_taxes_or_withholdings() -> None:
    lines = (make_line(1, "2", "50000.00", vat=None),)
    document = make_document(lines, withholding_percent=None)
    text = flat(page_texts(render(document)[0])[0])
    assert "Sin impuestos" in text
    assert "Total factura $ 100.000,00" in text
    assert "Cien mil pesos M/CTE" in text
    assert "Neto a pagar" not in text and "Descuentos" not in text


# --- the shared samples, keyed by the real builder -------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        dian_samples.sample_invoice,
        dian_samples.sample_export_invoice,
        dian_samples.sample_credit_note,
        dian_samples.sample_debit_note,
    ],
)
def test_sample_documents(make: Callable[[], ElectronicDocument]) -> None:
    from facturo.dian.ubl import build

    document = make()
    built = build(document)
    data = pdf.render(document, document_key=built.document_key, qr_text=built.qr_text)
    reader = read(data)
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assert pdf.TITLES[document.kind] in text
    assert f"No. {document.number}" in text
    assert f"{document.kind.key_name}: {built.document_key}" in text
    assert pdf.TEST_DOCUMENT_LABEL in text  # the samples are habilitación documents
    assert (
        pdf.identification_text(document.supplier.identification, document.supplier.check_digit)
        in text
    )
    assert document.customer.registration_name in text
    for line in document.lines:
        assert f"{line.code} {line.description}" in text
    for total in document.tax_totals:
        for subtotal in total.subtotals:
            rate = f"{subtotal.name} {pdf.percent_text(subtotal.percent)} % "
            assert rate + pdf.money_text(subtotal.taxable_amount, document.currency) in text
    payable = pdf.money_text(document.totals.payable, document.currency)
    assert f"{pdf.TOTAL_LABELS[document.kind]} {payable}" in text
    assert amount_in_words(document.totals.payable, document.currency) in text
    if document.withholding_totals:
        withheld = sum((t.tax_amount for t in document.withholding_totals), ZERO)
        net = pdf.money_text(document.totals.payable - withheld, document.currency)
        assert f"{pdf.NET_LABEL} {net}" in text
    if document.billing_reference is not None:
        assert f"CUFE {document.billing_reference.document_key}" in text
    (image,) = reader.pages[0].images
    expected = segno.make(built.qr_text, micro=False).matrix
    picture = image.image.convert("L")
    scale = picture.width // len(expected)
    assert [
        [
            int(picture.getpixel((c * scale + scale // 2, r * scale + scale // 2)) < 128)
            for c in range(len(expected))
        ]
        for r in range(len(expected))
    ] == [list(row) for row in expected]


def test_sample_invoice_with_iva_and_inc() -> None:
    document = dian_samples.sample_invoice(lines=10)
    data, _, _ = render(document)
    text = flat(page_texts(data)[0])
    codes = {total.code for total in document.tax_totals}
    assert codes == {"01", "04"}
    for total in document.tax_totals:
        assert f"{total.name} {pdf.money_text(total.tax_amount)}" in text
    # every third line bears INC instead of IVA, named in the tax column
    third = document.lines[2]
    assert (
        f"{pdf.number_text(third.unit_price)} INC 8 {pdf.number_text(third.line_extension)}" in text
    )
    first = document.lines[0]
    assert f"{pdf.number_text(first.unit_price)} 19 {pdf.number_text(first.line_extension)}" in text
    assert "Identificación NIT de otro país 981234567" in flat(
        page_texts(render(dian_samples.sample_export_invoice())[0])[0]
    )
    assert "Identificación NIT 860.069.804-2" in text


def _placed_texts(page: pypdf.PageObject) -> list[tuple[float, str]]:
    placed: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            placed.append((tm[5] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return placed


@pytest.mark.parametrize("count", range(20, 46, 2))
def test_nothing_runs_into_the_footer(count: int) -> None:
    # Line counts around the end of the first page: the table, the summary (whose tax
    # names wrap) and the closing block must all stop above the footer.
    bag_tax = TaxSubtotal(
        "22", "Impuesto nacional al consumo de bolsas plásticas", D("66"), D("0"), D("66.00")
    )
    lines = tuple(
        replace(line, taxes=(*line.taxes, bag_tax)) if line.number == 1 else line
        for line in numbered_lines(count)
    )
    document = make_document(lines)
    data, _, _ = render(document)
    reader = read(data)
    footer_top = 14.0 * MM  # PDF y grows upwards from the bottom edge
    for page in reader.pages:
        below = [text for y, text in _placed_texts(page) if y < footer_top]
        assert below
        assert all(
            text.startswith(("Representación gráfica", "Software propio"))
            or re.fullmatch(r"[0-9a-f]+", text.strip())
            for text in below
        ), below
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    # the long name wraps inside its column, beside its figures
    assert "66 % $ 0,00 $ 66,00" in text
    assert text.count("plásticas") == 2  # by rate, and in the totals
    assert "Neto a pagar (total menos retenciones)" in text
    assert "Fecha y hora de emisión: 2024-03-15 10:30:00 -05:00" in text
