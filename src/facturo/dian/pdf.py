"""The graphic representation (PDF) of an electronic invoice or note.

DIAN leaves the layout free but asks for the document's data, its CUFE/CUDE and a QR of at
least 2 cm on every page (shared/reference/dian.md §4). Every page repeats the supplier, the
title and number, the page number, the numbering resolution and a 2.5 cm QR in its header; the
footer says what the document is, its CUFE/CUDE and who made the software; the lines table
repeats its headings after each page break.

Letter pages, fpdf2's core Helvetica in Windows-1252 (Spanish accents, ñ, ¿, € and dashes need
no font file); text outside that code page loses its accents ("ő" → "o") or becomes "?". The
same document renders byte for byte the same: the PDF's creation date is the issue time and
its /ID a hash of the content.

Amounts are written the Colombian way, ``$ 1.785.000,00`` (``.`` groups thousands, ``,``
separates decimals), with the document currency's symbol (``US$``, ``€``, else the ISO code).

Text is wrapped and placed here (``wrap``, ``text``) rather than with fpdf2's ``multi_cell``
and ``table``, which made a 500-line invoice six times slower.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from functools import cache

import segno
from fpdf import FPDF

from facturo.dian.keys import Environment, in_bogota
from facturo.dian.model import ZERO, DocumentKind, ElectronicDocument, Line, Party, TaxTotal
from facturo.dian.words import amount_in_words
from facturo.reference import read_code_list

QR_SIZE_MM = 25.0  # DIAN asks for at least 2 cm
TEST_DOCUMENT_LABEL = "Documento de prueba (habilitación DIAN) — sin validez fiscal"

TITLES = {
    DocumentKind.INVOICE: "Factura electrónica de venta",
    DocumentKind.EXPORT_INVOICE: "Factura electrónica de exportación",
    DocumentKind.CREDIT_NOTE: "Nota crédito electrónica",
    DocumentKind.DEBIT_NOTE: "Nota débito electrónica",
}
TOTAL_LABELS = {
    DocumentKind.INVOICE: "Total factura",
    DocumentKind.EXPORT_INVOICE: "Total factura",
    DocumentKind.CREDIT_NOTE: "Total nota crédito",
    DocumentKind.DEBIT_NOTE: "Total nota débito",
}
NET_LABEL = "Neto a pagar (total menos retenciones)"
_CURRENCY_SYMBOLS = {"COP": "$", "USD": "US$", "EUR": "€"}
# TipoIdFiscal as Colombian documents abbreviate it.
_ID_TYPE_LABELS = {
    "11": "R.C.",
    "12": "T.I.",
    "13": "C.C.",
    "21": "T.E.",
    "22": "C.E.",
    "31": "NIT",
    "41": "Pasaporte",
    "42": "Doc. extranjero",
    "47": "PEP",
    "48": "PPT",
    "50": "NIT de otro país",
    "91": "NUIP",
}
_VAT = "01"
# TipoIdFiscal numbers issued in Colombia, grouped by thousands when printed.
_COLOMBIAN_ID_TYPES = frozenset({"11", "12", "13", "21", "22", "31", "91"})
# Latin letters with a stroke have no Unicode decomposition into letter + accent.
_UNDECOMPOSABLE = str.maketrans("ŁłĐđĦħıŦŧ", "LlDdHhiTt")
_CODE_PAGE = "windows-1252"

# Letter, millimetres.
_PAGE_WIDTH = 215.9
_MARGIN = 12.0
_TOP = 10.0
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_FOOTER_HEIGHT = 14.0
_FONT_SIZE = 7.0
_LINE = 3.6  # line height of 7-point text
_PAD = 1.0  # horizontal padding inside cells
_ROW_PAD = 0.6  # vertical padding of table rows
_GREY = 225


@dataclass(frozen=True, slots=True)
class _Column:
    heading: str
    width: float
    align: str  # L, R or C


_LINE_COLUMNS = (
    _Column("Código", 20.0, "L"),
    _Column("Descripción", 59.9, "L"),
    _Column("Cant.", 14.0, "R"),
    _Column("Unidad", 15.0, "L"),
    _Column("Vlr. unitario", 24.0, "R"),
    _Column("Descuento", 20.0, "R"),
    _Column("IVA %", 12.0, "R"),
    _Column("Subtotal", 27.0, "R"),
)
_RATE_WIDTHS = (32.0, 16.0, 25.0, 25.0)


def render(
    document: ElectronicDocument,
    *,
    document_key: str,
    qr_text: str,
    status_label: str | None = None,
    validated_at: datetime | None = None,
) -> bytes:
    """The PDF of ``document``, whose CUFE/CUDE is ``document_key`` and whose QR encodes
    ``qr_text`` (``BuiltDocument.qr_text``).

    ``status_label`` is printed under every page's header (e.g. "Validada por la DIAN"); a
    habilitación document also says, always, that it is a test without fiscal value.
    ``validated_at`` is when the DIAN accepted the document, if it has.
    """
    labels = [status_label] if status_label else []
    if document.environment is Environment.HABILITACION:
        labels.append(TEST_DOCUMENT_LABEL)
    sheet = _Sheet(document, document_key, qr_text, tuple(labels))
    sheet.add_page()
    sheet.parties_and_dates(validated_at)
    if document.kind.is_note:
        sheet.referenced_invoice()
    sheet.lines_table()
    sheet.summary()
    sheet.closing(validated_at)
    return bytes(sheet.output())


# --- formatting ------------------------------------------------------------------------


def number_text(value: Decimal, *, min_decimals: int = 2, max_decimals: int = 2) -> str:
    """``1234567.5`` → ``1.234.567,50``: thousands with ``.``, decimals with ``,``. Digits
    beyond ``max_decimals`` are dropped (as the XML drops them), zeros beyond
    ``min_decimals`` too."""
    exponent = Decimal(1).scaleb(-max_decimals)
    digits = format(value.quantize(exponent, rounding=ROUND_DOWN), f",.{max_decimals}f")
    if max_decimals > min_decimals:
        whole, _, fraction = digits.partition(".")
        fraction = fraction.rstrip("0").ljust(min_decimals, "0")
        digits = f"{whole}.{fraction}" if fraction else whole
    return digits.replace(",", "_").replace(".", ",").replace("_", ".")


def money_text(value: Decimal, currency: str = "COP") -> str:
    """``$ 1.785.000,00`` (``US$``, ``€``, or the ISO code for other currencies)."""
    symbol = _CURRENCY_SYMBOLS.get(currency, currency)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol} {number_text(abs(value))}"


def percent_text(value: Decimal) -> str:
    """``19.00`` → ``19``; ``2.50`` → ``2,5``."""
    return number_text(value, min_decimals=0, max_decimals=4)


def identification_text(identification: str, check_digit: int | None = None) -> str:
    """``900123456``, 7 → ``900.123.456-7``; identifications with letters stay as they are."""
    text = identification
    if identification.isdigit():
        text = number_text(Decimal(identification), min_decimals=0, max_decimals=0)
    return text if check_digit is None else f"{text}-{check_digit}"


def _party_id_text(party: Party) -> str:
    label = _ID_TYPE_LABELS.get(party.id_type) or _code_list("TipoIdFiscal-2.1.gc").get(
        party.id_type, party.id_type
    )
    if party.id_type in _COLOMBIAN_ID_TYPES:
        number = identification_text(party.identification, party.check_digit)
    else:  # a foreign number is printed as its country writes it
        number = party.identification
        if party.check_digit is not None:
            number += f"-{party.check_digit}"
    return f"{label} {number}"


def _line_taxes_text(line: Line) -> str:
    """IVA as its rate ("19"); other taxes of the line by short name or code too ("INC 8",
    "22 66"): the column is narrow, the summary below names them in full."""
    parts = []
    for tax in line.taxes:
        if tax.code == _VAT:
            parts.append(percent_text(tax.percent))
        else:
            label = tax.name if len(tax.name) <= 6 else tax.code
            parts.append(f"{label} {percent_text(tax.percent)}")
    return " ".join(parts)


def _date_text(day: date) -> str:
    return day.isoformat()


def _moment_text(moment: datetime) -> str:
    return in_bogota(moment).strftime("%Y-%m-%d %H:%M:%S -05:00")


def _printable(text: str) -> str:
    """``text`` in what the core fonts draw: Windows-1252, else without accents, else "?"."""
    try:
        text.encode(_CODE_PAGE)
    except UnicodeEncodeError:
        return "".join(_printable_char(char) for char in text)
    return text


def _printable_char(char: str) -> str:
    try:
        char.encode(_CODE_PAGE)
    except UnicodeEncodeError:
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).translate(_UNDECOMPOSABLE)
        try:
            base.encode(_CODE_PAGE)
        except UnicodeEncodeError:
            return "?"
        return base or "?"
    return char


@cache
def _code_list(file_name: str) -> Mapping[str, str]:
    return read_code_list(file_name)


def _coded(code: str, file_name: str) -> str:
    """``10 - Efectivo`` (the code alone when the list does not know it)."""
    name = _code_list(file_name).get(code)
    return f"{code} - {name}" if name else code


def _unit_text(unit_code: str) -> str:
    """The unit's name when it fits the column ("unidad", "kilogramo"), else its code."""
    name = _code_list("UnidadesMedida-2.1.gc").get(unit_code, "")
    return name if name and len(name) <= 11 else unit_code


def _qr_png(qr_text: str) -> io.BytesIO:
    # Five pixels a module keep the edges sharp in viewers that smooth scaled images. The
    # quiet zone is the white page around the image, not part of it, so the symbol itself
    # measures QR_SIZE_MM.
    buffer = io.BytesIO()
    segno.make(qr_text, micro=False).save(buffer, kind="png", scale=5, border=0)
    buffer.seek(0)
    return buffer


# --- layout ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    value: str
    bold: bool = False


class _Sheet(FPDF):
    """One document's pages: the header and footer of every page, then the body's parts in
    the order ``render`` calls them. Text is placed with ``text()`` at computed positions;
    ``self.y`` is the top of what comes next."""

    def __init__(
        self,
        document: ElectronicDocument,
        document_key: str,
        qr_text: str,
        labels: tuple[str, ...],
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.document = document
        self.document_key = document_key
        self.title_text = TITLES[document.kind]
        self.labels = labels
        self.qr_image = _qr_png(qr_text)
        self.body_top = _TOP
        self.core_fonts_encoding = _CODE_PAGE
        self.set_margins(_MARGIN, _TOP, _MARGIN)
        # Breaks are decided here (``room``), never inside fpdf2.
        self.set_auto_page_break(auto=False, margin=_FOOTER_HEIGHT + 3)
        self.set_creation_date(in_bogota(document.issued_at))
        self.set_title(_printable(f"{self.title_text} {document.number}"))
        self.set_author(_printable(document.supplier.registration_name))
        self.set_creator("Facturo")
        self.set_lang("es-CO")

    # -- text primitives -------------------------------------------------------------

    def use_font(self, style: str = "", size: float = _FONT_SIZE) -> None:
        self.set_font("Helvetica", style, size)

    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` (already printable) broken into lines no wider than ``width`` in the
        current font: at spaces, and inside words longer than a line."""
        lines: list[str] = []
        space = self.get_string_width(" ")
        for paragraph in text.split("\n"):
            current, current_width = "", 0.0
            for word in paragraph.split():
                word_width = self.get_string_width(word)
                if word_width > width:
                    if current:
                        lines.append(current)
                    *pieces, current = self.break_word(word, width)
                    lines += pieces
                    current_width = self.get_string_width(current)
                elif current and current_width + space + word_width > width:
                    lines.append(current)
                    current, current_width = word, word_width
                else:
                    current_width += (space if current else 0) + word_width
                    current = f"{current} {word}" if current else word
            lines.append(current)
        return lines

    def break_word(self, word: str, width: float) -> list[str]:
        pieces, current = [], ""
        for char in word:
            if current and self.get_string_width(current + char) > width:
                pieces.append(current)
                current = ""
            current += char
        return [*pieces, current]

    def paragraph(
        self,
        x: float,
        width: float,
        text: str,
        *,
        style: str = "",
        size: float = _FONT_SIZE,
        align: str = "L",
    ) -> None:
        """``text`` wrapped to ``width`` from ``self.y`` down; ``self.y`` ends below it."""
        self.use_font(style, size)
        height = _LINE * size / _FONT_SIZE
        top = self.y
        for line in self.wrap(_printable(text), width - 2 * _PAD):
            self.text_at(x, top, width, line, align, height)
            top += height
        self.set_y(top)

    def text_at(
        self, x: float, top: float, width: float, text: str, align: str, height: float
    ) -> None:
        if not text:
            return
        if align == "L":
            left = x + _PAD
        else:
            text_width = self.get_string_width(text)
            left = x + width - _PAD - text_width if align == "R" else x + (width - text_width) / 2
        self.text(left, top + height / 2 + 0.3 * self.font_size, text)

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` fits above the footer."""
        if self.y + height > self.page_break_trigger:
            self.add_page()

    # -- every page ------------------------------------------------------------------

    def header(self) -> None:
        document, supplier = self.document, self.document.supplier
        qr_x = _PAGE_WIDTH - _MARGIN - QR_SIZE_MM
        self.image(self.qr_image, x=qr_x, y=_TOP, w=QR_SIZE_MM, h=QR_SIZE_MM)

        left_width = 104.0
        self.set_y(_TOP)
        self.paragraph(_MARGIN, left_width, supplier.registration_name, style="B", size=10)
        if supplier.commercial_name and supplier.commercial_name != supplier.registration_name:
            self.paragraph(_MARGIN, left_width, supplier.commercial_name, size=8)
        vat = "Responsable de IVA" if supplier.tax_scheme[0] == _VAT else "No responsable de IVA"
        self.paragraph(_MARGIN, left_width, f"{_party_id_text(supplier)} · {vat}", size=8)
        self.paragraph(
            _MARGIN,
            left_width,
            "Responsabilidades fiscales: " + ", ".join(supplier.responsibilities),
        )
        for line in _contact_lines(supplier):
            self.paragraph(_MARGIN, left_width, line)
        left_bottom = self.y

        title_x = _MARGIN + left_width + 2
        title_width = qr_x - 3 - title_x
        self.set_y(_TOP + 2)
        self.paragraph(title_x, title_width, self.title_text, style="B", size=10, align="C")
        self.paragraph(
            title_x, title_width, f"No. {document.number}", style="B", size=11, align="C"
        )
        # cell(), unlike text(), replaces the page-count alias when the PDF is written.
        self.use_font("", 7.5)
        self.set_x(title_x)
        self.cell(
            title_width, _LINE, f"Página {self.page_no()} de {self.str_alias_nb_pages}", align="C"
        )
        self.set_y(self.y + _LINE)
        self.rect(title_x, _TOP, title_width, max(self.y - _TOP + 2, 18))

        self.set_y(max(left_bottom, _TOP + QR_SIZE_MM, self.y + 2) + 1.5)
        if document.authorization is not None:
            self.paragraph(_MARGIN, _CONTENT_WIDTH, _resolution_text(document))
        self.set_text_color(170, 0, 0)
        for label in self.labels:
            self.paragraph(_MARGIN, _CONTENT_WIDTH, label, style="B", size=9, align="C")
        self.set_text_color(0)
        self.line(_MARGIN, self.y + 1, _PAGE_WIDTH - _MARGIN, self.y + 1)
        self.set_y(self.y + 2.5)
        self.body_top = self.y

    def footer(self) -> None:
        document, supplier, software = self.document, self.document.supplier, self.document.software
        self.set_y(self.h - _FOOTER_HEIGHT)
        self.line(_MARGIN, self.y, _PAGE_WIDTH - _MARGIN, self.y)
        self.set_y(self.y + 0.8)
        what = self.title_text[0].lower() + self.title_text[1:]
        self.paragraph(
            _MARGIN,
            _CONTENT_WIDTH,
            f"Representación gráfica de la {what} {document.number} · "
            f"{document.kind.key_name}: {self.document_key}",
            size=6.5,
        )
        provider = identification_text(software.provider_nit, software.provider_check_digit)
        if software.provider_code == "000" or software.provider_nit == supplier.identification:
            maker = f"Software propio de {supplier.registration_name}, NIT {provider}"
        else:
            maker = f"Proveedor de software: NIT {provider}"
        self.paragraph(
            _MARGIN,
            _CONTENT_WIDTH,
            f"{maker} · Elaborado con Facturo · Emitida el {_moment_text(document.issued_at)}",
            size=6.5,
        )

    # -- body ------------------------------------------------------------------------

    def parties_and_dates(self, validated_at: datetime | None) -> None:
        document, customer = self.document, self.document.customer
        customer_rows = [
            _Row("Nombre", customer.registration_name, bold=True),
            _Row("Identificación", _party_id_text(customer)),
        ]
        if customer.commercial_name and customer.commercial_name != customer.registration_name:
            customer_rows.append(_Row("Nom. comercial", customer.commercial_name))
        if customer.address is not None:
            address = customer.address
            customer_rows.append(_Row("Dirección", address.line))
            region = (
                address.department_name if address.country_code == "CO" else address.country_name
            )
            customer_rows.append(_Row("Ciudad", f"{address.city_name}, {region}"))
        if customer.phone:
            customer_rows.append(_Row("Teléfono", customer.phone))
        if customer.email:
            customer_rows.append(_Row("Correo", customer.email))
        customer_rows.append(_Row("Resp. fiscales", ", ".join(customer.responsibilities)))

        payment = document.payment
        due_date = payment.due_date or document.due_date
        document_rows = [
            _Row("Fecha de emisión", _moment_text(document.issued_at)),
            _Row("Fecha de vencimiento", _date_text(due_date) if due_date else "—"),
            _Row("Forma de pago", _coded(payment.form, "FormasPago-2.1.gc")),
            _Row("Medio de pago", _coded(payment.means_code, "MediosPago-2.1.gc")),
            _Row("Moneda", document.currency),
        ]
        if document.exchange_rate is not None:
            rate = document.exchange_rate
            document_rows.append(
                _Row(
                    "Tasa de cambio",
                    f"1 {rate.source_currency} = {money_text(rate.rate, rate.target_currency)} "
                    f"({_date_text(rate.on)})",
                )
            )
        if document.order_reference is not None:
            order = document.order_reference
            when = f" del {_date_text(order.issue_date)}" if order.issue_date else ""
            document_rows.append(_Row("Orden de compra", order.number + when))
        if validated_at is not None:
            document_rows.append(_Row("Validación DIAN", _moment_text(validated_at)))

        top = self.y
        half = (_CONTENT_WIDTH - 3) / 2
        left_bottom = self.box(_MARGIN, top, half, "Adquiriente", customer_rows, label_width=24)
        right_x = _MARGIN + half + 3
        right_bottom = self.box(
            right_x, top, half, "Datos del documento", document_rows, label_width=30
        )
        self.set_y(max(left_bottom, right_bottom) + 3)

    def referenced_invoice(self) -> None:
        document = self.document
        rows: list[_Row] = []
        if document.billing_reference is not None:
            reference = document.billing_reference
            rows += [
                _Row(
                    "Factura",
                    f"{reference.number} del {_date_text(reference.issue_date)}",
                    bold=True,
                ),
                _Row("CUFE", reference.document_key),
            ]
        if document.discrepancy is not None:
            concepts = (
                "ConceptoNotaCredito-2.1.gc"
                if document.kind is DocumentKind.CREDIT_NOTE
                else "ConceptoNotaDebito-2.1.gc"
            )
            rows += [
                _Row("Concepto", _coded(document.discrepancy.response_code, concepts)),
                _Row("Descripción", document.discrepancy.description),
            ]
        if rows:
            bottom = self.box(
                _MARGIN, self.y, _CONTENT_WIDTH, "Documento referenciado", rows, label_width=22
            )
            self.set_y(bottom + 3)

    def lines_table(self) -> None:
        rows = []
        for line in self.document.lines:
            rows.append(
                (
                    line.code,
                    line.description,
                    number_text(line.quantity, min_decimals=0, max_decimals=4),
                    _unit_text(line.unit_code),
                    number_text(line.unit_price, min_decimals=2, max_decimals=6),
                    number_text(line.discount) if line.discount else "",
                    _line_taxes_text(line),
                    number_text(line.line_extension),
                )
            )
        self.grid(_MARGIN, _LINE_COLUMNS, rows)
        self.set_y(self.y + 1)
        self.room(_LINE)
        self.paragraph(
            _MARGIN,
            _CONTENT_WIDTH,
            f"Valores en {self.document.currency}. Número de líneas: {len(self.document.lines)}.",
            size=6.5,
        )
        self.set_y(self.y + 2)

    def summary(self) -> None:
        """Taxes and withholdings by rate (left) beside the totals (right), on one page."""
        document = self.document
        currency = document.currency
        totals = document.totals
        line_discounts = sum((line.discount for line in document.lines), ZERO)
        withheld = sum((total.tax_amount for total in document.withholding_totals), ZERO)

        total_rows: list[_Row] = []
        if line_discounts:
            total_rows += [
                _Row("Total bruto", money_text(totals.line_extension + line_discounts, currency)),
                _Row("Descuentos", money_text(line_discounts, currency)),
            ]
        total_rows.append(_Row("Subtotal", money_text(totals.line_extension, currency)))
        total_rows += [
            _Row(tax.name, money_text(tax.tax_amount, currency)) for tax in document.tax_totals
        ]
        if totals.allowance_total:
            total_rows.append(
                _Row("Descuentos globales", money_text(totals.allowance_total, currency))
            )
        if totals.charge_total:
            total_rows.append(_Row("Cargos", money_text(totals.charge_total, currency)))
        if totals.prepaid:
            total_rows.append(_Row("Anticipos", money_text(totals.prepaid, currency)))
        total_label = TOTAL_LABELS[document.kind]
        total_rows.append(_Row(total_label, money_text(totals.payable, currency), bold=True))
        if document.withholding_totals:
            total_rows += [
                _Row("Retenciones", money_text(withheld, currency)),
                _Row(NET_LABEL, money_text(totals.payable - withheld, currency), bold=True),
            ]

        tax_rows = _rate_rows(document.tax_totals, currency) or [("Sin impuestos", "", "", "")]
        withholding_rows = _rate_rows(document.withholding_totals, currency)
        left_width = sum(_RATE_WIDTHS)
        right_x = _MARGIN + left_width + 4
        right_width = _PAGE_WIDTH - _MARGIN - right_x
        left_height = self.grid_height(_rate_columns("Impuesto"), tax_rows)
        if withholding_rows:
            left_height += 2 + self.grid_height(_rate_columns("Retención"), withholding_rows)
        right_height = self.box_height(right_width, total_rows, label_width=50)
        self.room(max(left_height, right_height) + 3)

        top = self.y
        self.grid(_MARGIN, _rate_columns("Impuesto"), tax_rows)
        if withholding_rows:
            self.set_y(self.y + 2)
            self.grid(_MARGIN, _rate_columns("Retención"), withholding_rows)
        left_bottom = self.y
        right_bottom = self.box(
            right_x, top, right_width, "Totales", total_rows, label_width=50, value_align="R"
        )
        self.set_y(max(left_bottom, right_bottom) + 3)

    def closing(self, validated_at: datetime | None) -> None:
        document = self.document
        total_label = TOTAL_LABELS[document.kind].lower()
        parts = [
            _Row(
                f"Valor en letras ({total_label})",
                amount_in_words(document.totals.payable, document.currency),
                bold=True,
            )
        ]
        parts += [_Row("Observaciones", note) for note in document.notes]
        parts.append(_Row(document.kind.key_name, self.document_key))
        parts.append(_Row("Fecha y hora de emisión", _moment_text(document.issued_at)))
        if validated_at is not None:
            parts.append(_Row("Validación DIAN", _moment_text(validated_at)))
        for part in parts:
            self.use_font("B" if part.bold else "")
            value_lines = len(self.wrap(_printable(part.value), _CONTENT_WIDTH - 2 * _PAD))
            self.room((1 + value_lines) * _LINE + 1)
            self.paragraph(_MARGIN, _CONTENT_WIDTH, part.label + ":", style="B")
            self.paragraph(_MARGIN, _CONTENT_WIDTH, part.value, style="B" if part.bold else "")
            self.set_y(self.y + 1)

    # -- building blocks -----------------------------------------------------------------

    def box(
        self,
        x: float,
        y: float,
        width: float,
        title: str,
        rows: Sequence[_Row],
        *,
        label_width: float,
        value_align: str = "L",
    ) -> float:
        """A titled, framed list of label/value rows; returns its bottom."""
        self.set_fill_color(_GREY)
        self.rect(x, y, width, _LINE + 0.8, style="DF")
        self.use_font("B", 7.5)
        self.text_at(x, y + 0.4, width, _printable(title), "L", _LINE)
        self.set_y(y + _LINE + 1.4)
        for row in rows:
            top = self.y
            self.paragraph(x, label_width, row.label, style="B")
            label_bottom = self.y
            self.set_y(top)
            self.paragraph(
                x + label_width,
                width - label_width,
                row.value,
                style="B" if row.bold else "",
                align=value_align,
            )
            self.set_y(max(self.y, label_bottom))
        bottom = self.y + 0.6
        self.rect(x, y, width, bottom - y)
        return bottom

    def box_height(self, width: float, rows: Sequence[_Row], *, label_width: float) -> float:
        """What ``box`` will take, measured without drawing."""
        height = _LINE + 2
        for row in rows:
            self.use_font("B")
            label_lines = len(self.wrap(_printable(row.label), label_width - 2 * _PAD))
            self.use_font("B" if row.bold else "")
            value_width = width - label_width - 2 * _PAD
            value_lines = len(self.wrap(_printable(row.value), value_width))
            height += max(label_lines, value_lines) * _LINE
        return height

    def grid_height(self, columns: Sequence[_Column], rows: Iterable[Sequence[str]]) -> float:
        """What ``grid`` will take on one page, measured without drawing."""
        self.use_font()
        height = _LINE + 2 * _ROW_PAD
        for cells in rows:
            counts = [
                len(self.wrap(_printable(text), column.width - 2 * _PAD))
                for text, column in zip(cells, columns, strict=True)
                if text
            ]
            height += max(1, *counts) * _LINE + 2 * _ROW_PAD
        return height

    def grid(self, x: float, columns: Sequence[_Column], rows: Iterable[Sequence[str]]) -> None:
        """A table from ``self.y`` down whose rows wrap their cells; the headings open the
        table and every page it continues on. A row moves whole to the next page unless it
        is taller than a page."""
        width = sum(column.width for column in columns)
        self.grid_headings(x, columns, width)
        for cells in rows:
            self.use_font()
            wrapped = [
                self.wrap(_printable(text), column.width - 2 * _PAD) if text else []
                for text, column in zip(cells, columns, strict=True)
            ]
            count = max(1, *(len(lines) for lines in wrapped))
            height = count * _LINE + 2 * _ROW_PAD
            fits_a_page = self.body_top + (_LINE + 2 * _ROW_PAD) + height <= self.page_break_trigger
            if self.y + height > self.page_break_trigger and fits_a_page:
                self.add_page()
                self.grid_headings(x, columns, width)
            top = self.y + _ROW_PAD
            for index in range(count):
                if top + _LINE + _ROW_PAD > self.page_break_trigger:
                    self.add_page()
                    self.grid_headings(x, columns, width)
                    top = self.y + _ROW_PAD
                self.use_font()
                left = x
                for lines, column in zip(wrapped, columns, strict=True):
                    if index < len(lines):
                        self.text_at(left, top, column.width, lines[index], column.align, _LINE)
                    left += column.width
                top += _LINE
            self.set_y(top + _ROW_PAD)
            self.line(x, self.y, x + width, self.y)

    def grid_headings(self, x: float, columns: Sequence[_Column], width: float) -> None:
        height = _LINE + 2 * _ROW_PAD
        self.set_fill_color(_GREY)
        self.rect(x, self.y, width, height, style="F")
        self.use_font("B")
        left = x
        for column in columns:
            self.text_at(left, self.y + _ROW_PAD, column.width, column.heading, column.align, _LINE)
            left += column.width
        self.set_y(self.y + height)


def _rate_columns(first_heading: str) -> tuple[_Column, ...]:
    headings = (first_heading, "Tarifa", "Base", "Valor")
    aligns = ("L", "R", "R", "R")
    return tuple(_Column(h, w, a) for h, w, a in zip(headings, _RATE_WIDTHS, aligns, strict=True))


def _rate_rows(totals: Iterable[TaxTotal], currency: str) -> list[tuple[str, str, str, str]]:
    return [
        (
            subtotal.name,
            percent_text(subtotal.percent) + " %",
            money_text(subtotal.taxable_amount, currency),
            money_text(subtotal.tax_amount, currency),
        )
        for total in totals
        for subtotal in total.subtotals
    ]


def _contact_lines(party: Party) -> list[str]:
    lines = []
    if party.address is not None:
        address = party.address
        place = f"{address.city_name}, {address.department_name}"
        if address.country_code != "CO":
            place += f", {address.country_name}"
        lines.append(f"{address.line} · {place}")
    reach = " · ".join(
        part for part in (party.phone and f"Tel. {party.phone}", party.email) if part
    )
    if reach:
        lines.append(reach)
    return lines


def _resolution_text(document: ElectronicDocument) -> str:
    authorization = document.authorization
    assert authorization is not None
    return (
        f"Autorización de numeración de facturación DIAN No. {authorization.resolution_number} "
        f"del {_date_text(authorization.start_date)}, prefijo {authorization.prefix} "
        f"del {authorization.first_number} al {authorization.last_number}, "
        f"vigencia desde {_date_text(authorization.start_date)} hasta "
        f"{_date_text(authorization.end_date)}."
    )
