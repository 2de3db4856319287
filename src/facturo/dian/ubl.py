"""UBL 2.1 builders for the DIAN: invoices (01, 02), credit notes (91), debit notes (92), the
DIAN's ApplicationResponse and the AttachedDocument sent to the buyer; and ``key_inputs``,
which reads back from a document the fields its CUFE/CUDE is computed from.

Element order follows the UBL 2.1 XSD sequences (``xsd/maindoc``, ``xsd/common``), which are
strict: notes, for instance, put a line's ``cac:TaxTotal`` *before* its
``cac:AllowanceCharge`` and have no ``cac:WithholdingTaxTotal`` at all. Every text that enters
a key is formatted once (``keys.amount_text``, ``keys.issue_time_text``) and that same string
is written to the XML and hashed (shared/reference/dian.md §1–2).

Trees are built with ``etree.SubElement`` and Clark-notation names computed at import time;
nothing is validated here (``facturo.dian.schemas`` does that).
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from facturo.dian.errors import DianError
from facturo.dian.keys import (
    DIAN_NIT,
    DIAN_NIT_CHECK_DIGIT,
    HASHED_TAX_CODES,
    KeyFields,
    QrFields,
    amount_text,
    catalog_url,
    in_bogota,
    issue_time_text,
    sha384,
    software_security_code,
)
from facturo.dian.model import (
    Address,
    DocumentKind,
    ElectronicDocument,
    Line,
    MonetaryTotals,
    NumberingAuthorization,
    Party,
    Software,
    TaxSubtotal,
    TaxTotal,
)

# ---------------------------------------------------------------------------------------
# Namespaces and names

CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EXT: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
STS: Final = "dian:gov:co:facturaelectronica:Structures-2-1"
DS: Final = "http://www.w3.org/2000/09/xmldsig#"
XADES: Final = "http://uri.etsi.org/01903/v1.3.2#"
XADES141: Final = "http://uri.etsi.org/01903/v1.4.1#"


def root_namespace(root: str) -> str:
    """``Invoice`` → ``urn:oasis:names:specification:ubl:schema:xsd:Invoice-2``."""
    return f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"


def _nsmap(root: str) -> dict[Any, str]:  # the stubs forget the default namespace's None
    # ds/xades are declared on the root, as in DIAN's own documents, so the signature the
    # signer inserts later needs no declarations of its own and canonicalizes the same way.
    return {
        None: root_namespace(root),
        "cac": CAC,
        "cbc": CBC,
        "ext": EXT,
        "sts": STS,
        "ds": DS,
        "xades": XADES,
        "xades141": XADES141,
    }


_C = "{" + CAC + "}"
_B = "{" + CBC + "}"
_E = "{" + EXT + "}"
_S = "{" + STS + "}"


DIAN_AGENCY_ID: Final = "195"
DIAN_AGENCY_NAME: Final = "CO, DIAN (Dirección de Impuestos y Aduanas Nacionales)"
DIAN_NAME: Final = "Unidad Especial Dirección de Impuestos y Aduanas Nacionales"
NIT_TYPE: Final = "31"
# How every document Facturo builds begins (DIAN's own samples declare standalone="no").
XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'

_AGENCY: Final = {"schemeAgencyID": DIAN_AGENCY_ID, "schemeAgencyName": DIAN_AGENCY_NAME}
_COUNTRY_CODE_LIST: Final = {
    "listAgencyID": "6",
    "listAgencyName": "United Nations Economic Commission for Europe",
    "listSchemeURI": "urn:oasis:names:specification:ubl:codelist:gc:CountryIdentificationCode-2.1",
}
_CURRENCY_CODE_LIST: Final = {
    "listAgencyID": "6",
    "listAgencyName": "United Nations Economic Commission for Europe",
    "listID": "ISO 4217 Alpha",
}
_SPANISH: Final = {"languageID": "es"}

PROFILES: Final = {
    DocumentKind.INVOICE: "DIAN 2.1: Factura Electrónica de Venta",
    DocumentKind.EXPORT_INVOICE: "DIAN 2.1: Factura Electrónica de Venta",
    DocumentKind.CREDIT_NOTE: "DIAN 2.1: Nota Crédito de Factura Electrónica de Venta",
    DocumentKind.DEBIT_NOTE: "DIAN 2.1: Nota Débito de Factura Electrónica de Venta",
}
ROOTS: Final = {
    DocumentKind.INVOICE: "Invoice",
    DocumentKind.EXPORT_INVOICE: "Invoice",
    DocumentKind.CREDIT_NOTE: "CreditNote",
    DocumentKind.DEBIT_NOTE: "DebitNote",
}
_NAMESPACED_ROOTS: Final = {
    name: f"{{{root_namespace(name)}}}{name}"
    for name in ("Invoice", "CreditNote", "DebitNote", "ApplicationResponse", "AttachedDocument")
}


# TipoOperacion of notes: with a reference to an invoice, without one, legacy (dian.md §2.6).
_NOTE_OPERATIONS: Final = {
    DocumentKind.CREDIT_NOTE: ("20", "22", "23"),
    DocumentKind.DEBIT_NOTE: ("30", "32", "33"),
}
# RegimenFiscal (TaxLevelCode/@listName): 48 responsable de IVA, 49 no responsable.
_VAT_REGIME: Final = {True: "48", False: "49"}


@dataclass(frozen=True, slots=True)
class BuiltDocument:
    """A built UBL document and what was computed for it.

    ``root`` is the document in memory. ``xades.sign(built.root, ...)`` signs it in place,
    which spares a serialize-and-parse per document; ``xml`` serializes the document as it
    stands (unsigned until then, signed after).
    """

    root: etree._Element
    document_key: str  # CUFE or CUDE
    software_security_code: str
    qr_text: str

    @property
    def xml(self) -> bytes:
        return _declared(self.root)


# ---------------------------------------------------------------------------------------
# Small writers


def _add(
    parent: etree._Element, tag: str, text: str | None = None, attrib: dict[str, str] | None = None
) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _amount(parent: etree._Element, tag: str, value: str, currency: str) -> None:
    etree.SubElement(parent, tag, currencyID=currency).text = value


def _percent(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _quantity(value: Decimal) -> str:
    # As given (the store keeps 4 decimals); never in exponent notation.
    return f"{value:f}"


# Parts that repeat from document to document (a company's party block, its DIAN extension,
# a tax's category) are built once per thread and deep-copied: libxml2 copies a subtree much
# faster than Python creates its elements one by one. Templates declare their namespaces on
# their own root; appending a copy drops those declarations, which the document repeats.
_PART_NSMAP: Final = {"cac": CAC, "cbc": CBC, "sts": STS}
_TEMPLATE_LIMIT: Final = 512
_templates = threading.local()


def _template(key: tuple[Any, ...], make: Callable[..., etree._Element]) -> etree._Element:
    """A fresh copy of ``make(*key[1:])``, built once per thread."""
    cache: dict[tuple[Any, ...], etree._Element] | None = getattr(_templates, "cache", None)
    if cache is None:
        cache = _templates.cache = {}
    template = cache.get(key)
    if template is None:
        if len(cache) >= _TEMPLATE_LIMIT:
            cache.clear()
        template = cache[key] = make(*key[1:])
    return copy.deepcopy(template)


def _declared(root: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def _extensions(root: etree._Element) -> tuple[etree._Element, etree._Element]:
    """``ext:UBLExtensions`` with its first ``ExtensionContent`` (for DIAN's extension) and
    the last, empty one, where the signer puts ``ds:Signature``."""
    extensions = etree.SubElement(root, _E + "UBLExtensions")
    first = etree.SubElement(
        etree.SubElement(extensions, _E + "UBLExtension"), _E + "ExtensionContent"
    )
    last = etree.SubElement(
        etree.SubElement(extensions, _E + "UBLExtension"), _E + "ExtensionContent"
    )
    return first, last


def _signature_slot(root: etree._Element) -> None:
    extensions = etree.SubElement(root, _E + "UBLExtensions")
    etree.SubElement(etree.SubElement(extensions, _E + "UBLExtension"), _E + "ExtensionContent")


# ---------------------------------------------------------------------------------------
# Parties


@dataclass(frozen=True, slots=True)
class TaxParty:
    """A party as a ``cac:PartyTaxScheme`` names it: enough for an ApplicationResponse's or
    AttachedDocument's sender and receiver (and what ``key_inputs`` reads back)."""

    identification: str  # without check digit
    registration_name: str
    check_digit: str | None = None  # as written in @schemeID (NITs only)
    id_type: str = NIT_TYPE  # @schemeName: TipoIdFiscal
    tax_level_code: str | None = None  # "O-13;O-15", "R-99-PN"
    tax_scheme: tuple[str, str] = ("01", "IVA")

    @classmethod
    def of(cls, party: Party) -> TaxParty:
        return cls(
            identification=party.identification,
            registration_name=party.registration_name,
            check_digit=None if party.check_digit is None else str(party.check_digit),
            id_type=party.id_type,
            tax_level_code=";".join(party.responsibilities) or None,
            tax_scheme=party.tax_scheme,
        )


DIAN_PARTY: Final = TaxParty(
    identification=DIAN_NIT,
    registration_name=DIAN_NAME,
    check_digit=str(DIAN_NIT_CHECK_DIGIT),
)


def _company_id_attributes(id_type: str, check_digit: str | None) -> dict[str, str]:
    attributes = dict(_AGENCY)
    if check_digit is not None:
        attributes["schemeID"] = check_digit
    attributes["schemeName"] = id_type
    return attributes


def _party_company_id(party: Party) -> dict[str, str]:
    check_digit = None if party.check_digit is None else str(party.check_digit)
    return _company_id_attributes(party.id_type, check_digit)


def _address(parent: etree._Element, tag: str, address: Address) -> None:
    element = etree.SubElement(parent, tag)
    if address.municipality_code:
        _add(element, _B + "ID", address.municipality_code)
    _add(element, _B + "CityName", address.city_name)
    if address.postal_code:
        _add(element, _B + "PostalZone", address.postal_code)
    _add(element, _B + "CountrySubentity", address.department_name)
    if address.department_code:
        _add(element, _B + "CountrySubentityCode", address.department_code)
    _add(etree.SubElement(element, _C + "AddressLine"), _B + "Line", address.line)
    country = etree.SubElement(element, _C + "Country")
    _add(country, _B + "IdentificationCode", address.country_code)
    _add(country, _B + "Name", address.country_name, _SPANISH)


def _tax_scheme(parent: etree._Element, code: str, name: str) -> None:
    scheme = etree.SubElement(parent, _C + "TaxScheme")
    _add(scheme, _B + "ID", code)
    _add(scheme, _B + "Name", name)


def _party(
    parent: etree._Element, tag: str, party: Party, registration_prefix: str | None = None
) -> None:
    parent.append(_template(("party", tag, party, registration_prefix), _party_element))


def _party_element(tag: str, party: Party, registration_prefix: str | None) -> etree._Element:
    """``cac:AccountingSupplierParty`` / ``cac:AccountingCustomerParty`` (dian.md §2.4)."""
    role = etree.Element(tag, nsmap=_PART_NSMAP)
    _add(role, _B + "AdditionalAccountID", party.person_type)
    element = etree.SubElement(role, _C + "Party")
    company_id = _party_company_id(party)
    _add(
        etree.SubElement(element, _C + "PartyIdentification"),
        _B + "ID",
        party.identification,
        company_id,
    )
    _add(
        etree.SubElement(element, _C + "PartyName"),
        _B + "Name",
        party.commercial_name or party.registration_name,
    )
    if party.address is not None:
        _address(etree.SubElement(element, _C + "PhysicalLocation"), _C + "Address", party.address)
    tax_scheme = etree.SubElement(element, _C + "PartyTaxScheme")
    _add(tax_scheme, _B + "RegistrationName", party.registration_name)
    _add(tax_scheme, _B + "CompanyID", party.identification, company_id)
    _add(
        tax_scheme,
        _B + "TaxLevelCode",
        ";".join(party.responsibilities),
        {"listName": _VAT_REGIME[party.tax_scheme[0] == "01"]},
    )
    if party.address is not None:
        _address(tax_scheme, _C + "RegistrationAddress", party.address)
    _tax_scheme(tax_scheme, *party.tax_scheme)
    legal = etree.SubElement(element, _C + "PartyLegalEntity")
    _add(legal, _B + "RegistrationName", party.registration_name)
    _add(legal, _B + "CompanyID", party.identification, company_id)
    if registration_prefix:
        _add(
            etree.SubElement(legal, _C + "CorporateRegistrationScheme"),
            _B + "ID",
            registration_prefix,
        )
    if party.phone or party.email:
        contact = etree.SubElement(element, _C + "Contact")
        if party.phone:
            _add(contact, _B + "Telephone", party.phone)
        if party.email:
            _add(contact, _B + "ElectronicMail", party.email)
    if party.first_name or party.family_name:
        person = etree.SubElement(element, _C + "Person")
        if party.first_name:
            _add(person, _B + "FirstName", party.first_name)
        if party.family_name:
            _add(person, _B + "FamilyName", party.family_name)
    return role


def _tax_party(parent: etree._Element, tag: str, party: TaxParty) -> None:
    """``cac:SenderParty`` / ``cac:ReceiverParty``: only the ``cac:PartyTaxScheme``."""
    scheme = etree.SubElement(etree.SubElement(parent, tag), _C + "PartyTaxScheme")
    _add(scheme, _B + "RegistrationName", party.registration_name)
    _add(
        scheme,
        _B + "CompanyID",
        party.identification,
        _company_id_attributes(party.id_type, party.check_digit),
    )
    if party.tax_level_code:
        _add(scheme, _B + "TaxLevelCode", party.tax_level_code)
    _tax_scheme(scheme, *party.tax_scheme)


# ---------------------------------------------------------------------------------------
# Taxes, totals, lines


def _tax_subtotal(parent: etree._Element, subtotal: TaxSubtotal, currency: str) -> None:
    element = etree.SubElement(parent, _C + "TaxSubtotal")
    _amount(element, _B + "TaxableAmount", amount_text(subtotal.taxable_amount), currency)
    _amount(element, _B + "TaxAmount", amount_text(subtotal.tax_amount), currency)
    element.append(
        _template(("category", subtotal.code, subtotal.name, subtotal.percent), _tax_category)
    )


def _tax_category(code: str, name: str, percent: Decimal) -> etree._Element:
    category = etree.Element(_C + "TaxCategory", nsmap=_PART_NSMAP)
    _add(category, _B + "Percent", _percent(percent))
    _tax_scheme(category, code, name)
    return category


def _tax_total(
    parent: etree._Element, tag: str, total: TaxTotal, currency: str, amount: str | None = None
) -> None:
    element = etree.SubElement(parent, tag)
    _amount(element, _B + "TaxAmount", amount or amount_text(total.tax_amount), currency)
    for subtotal in total.subtotals:
        _tax_subtotal(element, subtotal, currency)


def _line_tax_totals(subtotals: Iterable[TaxSubtotal]) -> list[TaxTotal]:
    """A line's subtotals as one ``TaxTotal`` per scheme, in the order they come."""
    by_code: dict[str, list[TaxSubtotal]] = {}
    for subtotal in subtotals:
        by_code.setdefault(subtotal.code, []).append(subtotal)
    return [TaxTotal(code, parts[0].name, tuple(parts)) for code, parts in by_code.items()]


def _monetary_total(
    parent: etree._Element, tag: str, totals: MonetaryTotals, texts: _KeyTexts, currency: str
) -> None:
    element = etree.SubElement(parent, tag)
    _amount(element, _B + "LineExtensionAmount", texts.line_extension, currency)
    _amount(element, _B + "TaxExclusiveAmount", amount_text(totals.tax_exclusive), currency)
    _amount(element, _B + "TaxInclusiveAmount", amount_text(totals.tax_inclusive), currency)
    _amount(element, _B + "AllowanceTotalAmount", amount_text(totals.allowance_total), currency)
    _amount(element, _B + "ChargeTotalAmount", amount_text(totals.charge_total), currency)
    if totals.prepaid:
        _amount(element, _B + "PrepaidAmount", amount_text(totals.prepaid), currency)
    _amount(element, _B + "PayableAmount", texts.payable, currency)


_LINE_TAGS: Final = {
    "Invoice": (_C + "InvoiceLine", _B + "InvoicedQuantity"),
    "CreditNote": (_C + "CreditNoteLine", _B + "CreditedQuantity"),
    "DebitNote": (_C + "DebitNoteLine", _B + "DebitedQuantity"),
}
_UNIT_BASE: Final = "1"


def _line(parent: etree._Element, root: str, line: Line, currency: str) -> None:
    line_tag, quantity_tag = _LINE_TAGS[root]
    element = etree.SubElement(parent, line_tag)
    _add(element, _B + "ID", str(line.number))
    _add(element, quantity_tag, _quantity(line.quantity), {"unitCode": line.unit_code})
    _amount(element, _B + "LineExtensionAmount", amount_text(line.line_extension), currency)
    taxes = _line_tax_totals(line.taxes)
    # InvoiceLine: AllowanceCharge, TaxTotal, WithholdingTaxTotal; the notes' lines put
    # TaxTotal first and have no withholdings (UBL 2.1 sequences).
    if root == "Invoice":
        _line_discount(element, line, currency)
        for total in taxes:
            _tax_total(element, _C + "TaxTotal", total, currency)
        for total in _line_tax_totals(line.withholdings):
            _tax_total(element, _C + "WithholdingTaxTotal", total, currency)
    else:
        for total in taxes:
            _tax_total(element, _C + "TaxTotal", total, currency)
        _line_discount(element, line, currency)
    item = etree.SubElement(element, _C + "Item")
    _add(item, _B + "Description", line.description)
    _add(etree.SubElement(item, _C + "SellersItemIdentification"), _B + "ID", line.code)
    # 999: the seller's own coding scheme (TipoCodigoProducto); missing → FAZ09.
    _add(
        etree.SubElement(item, _C + "StandardItemIdentification"),
        _B + "ID",
        line.code,
        {"schemeID": "999"},
    )
    price = etree.SubElement(element, _C + "Price")
    # PriceAmount is the price of BaseQuantity units: one unit (FAV06: price × quantity).
    _amount(price, _B + "PriceAmount", amount_text(line.unit_price), currency)
    _add(price, _B + "BaseQuantity", _UNIT_BASE, {"unitCode": line.unit_code})


def _line_discount(parent: etree._Element, line: Line, currency: str) -> None:
    if not line.discount:
        return
    allowance = etree.SubElement(parent, _C + "AllowanceCharge")
    _add(allowance, _B + "ID", "1")
    _add(allowance, _B + "ChargeIndicator", "false")
    _add(allowance, _B + "AllowanceChargeReason", "Descuento")
    _add(allowance, _B + "MultiplierFactorNumeric", _percent(line.discount_percent))
    _amount(allowance, _B + "Amount", amount_text(line.discount), currency)
    _amount(
        allowance, _B + "BaseAmount", amount_text(line.line_extension + line.discount), currency
    )


# ---------------------------------------------------------------------------------------
# Invoices and notes


@dataclass(frozen=True, slots=True)
class _KeyTexts:
    """The strings that enter the key, written to the XML exactly as hashed."""

    issue_date: str
    issue_time: str
    line_extension: str
    payable: str
    taxes: tuple[str, str, str]


def _key_texts(document: ElectronicDocument) -> _KeyTexts:
    moment = in_bogota(document.issued_at)
    by_code = {total.code: amount_text(total.tax_amount) for total in document.tax_totals}
    iva, inc, ica = (by_code.get(code, "0.00") for code in HASHED_TAX_CODES)
    return _KeyTexts(
        issue_date=moment.date().isoformat(),
        issue_time=issue_time_text(moment.time()),
        line_extension=amount_text(document.totals.line_extension),
        payable=amount_text(document.totals.payable),
        taxes=(iva, inc, ica),
    )


def _operation_type(document: ElectronicDocument) -> str:
    allowed = _NOTE_OPERATIONS.get(document.kind)
    if allowed is None or document.operation_type in allowed:
        return document.operation_type
    # A note left with the invoice default: the code for "with / without a reference".
    return allowed[0] if document.billing_reference is not None else allowed[1]


def _dian_extensions(
    content: etree._Element, document: ElectronicDocument, security_code: str, qr_url: str
) -> None:
    """``sts:DianExtensions`` (dian.md §2.2); ``InvoiceControl`` on invoices only."""
    authorization = None if document.kind.is_note else document.authorization
    extensions = _template(("dian", document.software, authorization), _dian_extensions_element)
    # The template's last three children: SoftwareSecurityCode, AuthorizationProvider, QRCode.
    extensions[-3].text = security_code
    extensions[-1].text = qr_url
    content.append(extensions)


def _dian_extensions_element(
    software: Software, authorization: NumberingAuthorization | None
) -> etree._Element:
    extensions = etree.Element(_S + "DianExtensions", nsmap=_PART_NSMAP)
    if authorization is not None:
        control = etree.SubElement(extensions, _S + "InvoiceControl")
        _add(control, _S + "InvoiceAuthorization", authorization.resolution_number)
        period = etree.SubElement(control, _S + "AuthorizationPeriod")
        _add(period, _B + "StartDate", authorization.start_date.isoformat())
        _add(period, _B + "EndDate", authorization.end_date.isoformat())
        authorized = etree.SubElement(control, _S + "AuthorizedInvoices")
        if authorization.prefix:
            _add(authorized, _S + "Prefix", authorization.prefix)
        _add(authorized, _S + "From", str(authorization.first_number))
        _add(authorized, _S + "To", str(authorization.last_number))
    _add(
        etree.SubElement(extensions, _S + "InvoiceSource"),
        _B + "IdentificationCode",
        "CO",
        _COUNTRY_CODE_LIST,
    )
    provider = etree.SubElement(extensions, _S + "SoftwareProvider")
    _add(
        provider,
        _S + "ProviderID",
        software.provider_nit,
        {**_AGENCY, "schemeID": str(software.provider_check_digit), "schemeName": NIT_TYPE},
    )
    _add(provider, _S + "SoftwareID", software.software_id, _AGENCY)
    _add(extensions, _S + "SoftwareSecurityCode", None, _AGENCY)
    _add(
        etree.SubElement(extensions, _S + "AuthorizationProvider"),
        _S + "AuthorizationProviderID",
        DIAN_NIT,
        {**_AGENCY, "schemeID": str(DIAN_NIT_CHECK_DIGIT), "schemeName": NIT_TYPE},
    )
    _add(extensions, _S + "QRCode")
    return extensions


def build(document: ElectronicDocument) -> BuiltDocument:
    """The unsigned UBL 2.1 document (Invoice, CreditNote or DebitNote, after
    ``document.kind``), its CUFE/CUDE, SoftwareSecurityCode and QR text.

    The last ``ext:UBLExtension`` is left with an empty ``ext:ExtensionContent`` for the
    signer. UBL 2.1 notes have no ``cac:WithholdingTaxTotal``: withholdings are written on
    invoices only.
    """
    kind = document.kind
    if not kind.is_note and document.authorization is None:
        raise DianError(f"invoice {document.number} has no numbering authorization")
    root_name = ROOTS[kind]
    is_invoice = root_name == "Invoice"
    currency = document.currency
    customer = document.customer
    texts = _key_texts(document)
    key = KeyFields(
        number=document.number,
        issue_date=texts.issue_date,
        issue_time=texts.issue_time,
        line_extension=texts.line_extension,
        taxes=texts.taxes,
        payable=texts.payable,
        supplier_nit=document.supplier.identification,
        customer_id=customer.identification,
        secret=document.key_secret,
        environment=document.environment.value,
    ).digest()
    security_code = software_security_code(
        document.software.software_id, document.software.pin, document.number
    )
    qr_url = catalog_url(document.environment.value, key)

    root = etree.Element(_NAMESPACED_ROOTS[root_name], nsmap=_nsmap(root_name))
    dian_content, _ = _extensions(root)
    _dian_extensions(dian_content, document, security_code, qr_url)
    _add(root, _B + "UBLVersionID", "UBL 2.1")
    _add(root, _B + "CustomizationID", _operation_type(document))
    _add(root, _B + "ProfileID", PROFILES[kind])
    _add(root, _B + "ProfileExecutionID", document.environment.value)
    _add(root, _B + "ID", document.number)
    _add(
        root,
        _B + "UUID",
        key,
        {"schemeID": document.environment.value, "schemeName": f"{kind.key_name}-SHA384"},
    )
    _add(root, _B + "IssueDate", texts.issue_date)
    _add(root, _B + "IssueTime", texts.issue_time)
    if is_invoice:
        if document.due_date is not None:
            _add(root, _B + "DueDate", document.due_date.isoformat())
        _add(root, _B + "InvoiceTypeCode", kind.value)
    elif kind is DocumentKind.CREDIT_NOTE:
        _add(root, _B + "CreditNoteTypeCode", kind.value)
    for note in document.notes:
        _add(root, _B + "Note", note)
    _add(root, _B + "DocumentCurrencyCode", currency, _CURRENCY_CODE_LIST)
    _add(root, _B + "LineCountNumeric", str(len(document.lines)))
    if not is_invoice and document.discrepancy is not None:
        discrepancy = etree.SubElement(root, _C + "DiscrepancyResponse")
        _add(discrepancy, _B + "ReferenceID", document.discrepancy.reference_number)
        _add(discrepancy, _B + "ResponseCode", document.discrepancy.response_code)
        _add(discrepancy, _B + "Description", document.discrepancy.description)
    if document.order_reference is not None:
        order = etree.SubElement(root, _C + "OrderReference")
        _add(order, _B + "ID", document.order_reference.number)
        if document.order_reference.issue_date is not None:
            _add(order, _B + "IssueDate", document.order_reference.issue_date.isoformat())
    if document.billing_reference is not None:
        reference = document.billing_reference
        invoice = etree.SubElement(
            etree.SubElement(root, _C + "BillingReference"), _C + "InvoiceDocumentReference"
        )
        _add(invoice, _B + "ID", reference.number)
        _add(invoice, _B + "UUID", reference.document_key, {"schemeName": reference.key_scheme})
        _add(invoice, _B + "IssueDate", reference.issue_date.isoformat())
    _party(
        root,
        _C + "AccountingSupplierParty",
        document.supplier,
        document.corporate_registration_prefix,
    )
    _party(root, _C + "AccountingCustomerParty", customer)
    means = etree.SubElement(root, _C + "PaymentMeans")
    _add(means, _B + "ID", document.payment.form)
    _add(means, _B + "PaymentMeansCode", document.payment.means_code)
    due = document.payment.due_date or document.due_date
    if due is not None:
        _add(means, _B + "PaymentDueDate", due.isoformat())
    if document.exchange_rate is not None:
        rate = document.exchange_rate
        exchange = etree.SubElement(root, _C + "PaymentExchangeRate")
        _add(exchange, _B + "SourceCurrencyCode", rate.source_currency)
        _add(exchange, _B + "SourceCurrencyBaseRate", "1.00")
        _add(exchange, _B + "TargetCurrencyCode", rate.target_currency)
        _add(exchange, _B + "TargetCurrencyBaseRate", "1.00")
        _add(exchange, _B + "CalculationRate", f"{rate.rate:f}")
        _add(exchange, _B + "Date", rate.on.isoformat())
    hashed = dict(zip(HASHED_TAX_CODES, texts.taxes, strict=True))
    for total in document.tax_totals:
        _tax_total(root, _C + "TaxTotal", total, currency, hashed.get(total.code))
    if is_invoice:
        for total in document.withholding_totals:
            _tax_total(root, _C + "WithholdingTaxTotal", total, currency)
    monetary_tag = _C + (
        "RequestedMonetaryTotal" if kind is DocumentKind.DEBIT_NOTE else "LegalMonetaryTotal"
    )
    _monetary_total(root, monetary_tag, document.totals, texts, currency)
    for line in document.lines:
        _line(root, root_name, line, currency)

    taxes_by_code = {total.code: total.tax_amount for total in document.tax_totals}
    other_taxes = sum(
        (amount for code, amount in taxes_by_code.items() if code != "01"), Decimal(0)
    )
    qr_text = QrFields(
        number=document.number,
        issue_date=texts.issue_date,
        issue_time=texts.issue_time,
        supplier_nit=document.supplier.identification,
        customer_id=customer.identification,
        line_extension=texts.line_extension,
        vat=texts.taxes[0],
        other_taxes=amount_text(other_taxes),
        payable=texts.payable,
        document_key=key,
        environment=document.environment.value,
        key_label=kind.key_name,
    ).text()
    return BuiltDocument(
        root=root,
        document_key=key,
        software_security_code=security_code,
        qr_text=qr_text,
    )


# ---------------------------------------------------------------------------------------
# ApplicationResponse (the DIAN's validation result)

VALIDATED: Final = "02"
REJECTED: Final = "04"
_RULE_CODE = re.compile(r"Regla:\s*([A-Za-z0-9]+)")


def build_application_response(
    *,
    response_id: str,
    issued_at: datetime,
    receiver: TaxParty | Party,
    document_number: str,
    document_key: str,
    document_type_code: str,
    response_code: str,
    description: str,
    messages: Sequence[str | tuple[str, str]] = (),
    environment: str = "2",
    document_issue_date: date | None = None,
    response_key: str | None = None,
    sender: TaxParty = DIAN_PARTY,
) -> bytes:
    """The unsigned ApplicationResponse in which the DIAN tells an issuer whether a document
    passed validation (the stand-in signs and returns it; it goes to the buyer inside the
    AttachedDocument). Shaped as the DIAN's own responses.

    - ``response_id``: the response's ``cbc:ID`` (DIAN numbers them, e.g. ``18680564``).
    - ``issued_at``: timezone-aware; written as IssueDate/IssueTime in Colombian time.
    - ``receiver``: the issuer of the validated document (``TaxParty`` — e.g.
      ``key_inputs(xml).supplier`` — or a ``model.Party``). ``sender`` defaults to the DIAN
      (NIT 800197268, DV 4).
    - ``document_number``, ``document_key`` (its CUFE/CUDE), ``document_type_code`` (01, 02,
      91, 92 …; 91/92 are keyed by CUDE), ``document_issue_date`` (optional) identify it.
    - ``response_code``: ``"02"`` validated (``VALIDATED``) or ``"04"`` rejected (``REJECTED``),
      with ``description`` (e.g. "Documento validado por la DIAN").
    - ``messages``: one ``cac:LineResponse`` each, numbered from 1. A ``(rule, text)`` pair
      writes the rule as ResponseCode (``("FAJ43b", "Nombre informado …")``); a plain string
      uses the rule found in a ``"Regla: FAJ43b, Rechazo: …"`` text, else ``"0"``.
    - ``response_key``: the response's own ``cbc:UUID``; by default the SHA-384 of its ID,
      date, time, the document key and the response code (the stand-in's convention: the
      DIAN does not publish how it keys its responses).

    The only ``ext:UBLExtension`` has an empty ``ext:ExtensionContent`` for ``ds:Signature``.
    """
    moment = in_bogota(issued_at)
    issue_date = moment.date().isoformat()
    issue_time = issue_time_text(moment.time())
    if response_key is None:
        response_key = sha384(f"{response_id}{issue_date}{issue_time}{document_key}{response_code}")
    root = etree.Element(
        _NAMESPACED_ROOTS["ApplicationResponse"], nsmap=_nsmap("ApplicationResponse")
    )
    _signature_slot(root)
    _add(root, _B + "UBLVersionID", "UBL 2.1")
    _add(root, _B + "CustomizationID", "1")
    _add(root, _B + "ProfileID", "DIAN 2.1")
    _add(root, _B + "ProfileExecutionID", environment)
    _add(root, _B + "ID", response_id)
    _add(root, _B + "UUID", response_key, {"schemeName": "CUDE-SHA384"})
    _add(root, _B + "IssueDate", issue_date)
    _add(root, _B + "IssueTime", issue_time)
    _tax_party(root, _C + "SenderParty", sender)
    _tax_party(
        root,
        _C + "ReceiverParty",
        receiver if isinstance(receiver, TaxParty) else TaxParty.of(receiver),
    )
    document_response = etree.SubElement(root, _C + "DocumentResponse")
    response = etree.SubElement(document_response, _C + "Response")
    _add(response, _B + "ResponseCode", response_code)
    _add(response, _B + "Description", description)
    reference = etree.SubElement(document_response, _C + "DocumentReference")
    _add(reference, _B + "ID", document_number)
    key_name = "CUDE" if document_type_code in ("91", "92") else "CUFE"
    _add(reference, _B + "UUID", document_key, {"schemeName": f"{key_name}-SHA384"})
    if document_issue_date is not None:
        _add(reference, _B + "IssueDate", document_issue_date.isoformat())
    _add(reference, _B + "DocumentTypeCode", document_type_code)
    for number, message in enumerate(messages, start=1):
        if isinstance(message, tuple):
            rule, text = message
        else:
            found = _RULE_CODE.search(message)
            rule, text = (found.group(1) if found else "0"), message
        line = etree.SubElement(document_response, _C + "LineResponse")
        _add(etree.SubElement(line, _C + "LineReference"), _B + "LineID", str(number))
        line_response = etree.SubElement(line, _C + "Response")
        _add(line_response, _B + "ResponseCode", rule)
        _add(line_response, _B + "Description", text)
    return _declared(root)


# ---------------------------------------------------------------------------------------
# AttachedDocument (the container the buyer receives)


def _cdata(xml: bytes, what: str) -> etree.CDATA:
    text = xml.decode("utf-8")
    if "]]>" in text:
        raise DianError(f"the {what} contains ']]>' and cannot travel as CDATA")
    return etree.CDATA(text)


def _response_outcome(application_response: bytes) -> tuple[str, str, str]:
    """(IssueDate, IssueTime, ResponseCode) of a DIAN ApplicationResponse."""
    try:
        root = etree.fromstring(
            application_response, etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as error:
        raise DianError(f"the ApplicationResponse is not well-formed XML: {error}") from error
    if root.tag != _NAMESPACED_ROOTS["ApplicationResponse"]:
        raise DianError(f"expected an ApplicationResponse, got {root.tag}")
    return (
        root.findtext(_B + "IssueDate") or "",
        root.findtext(_B + "IssueTime") or "",
        root.findtext(f"{_C}DocumentResponse/{_C}Response/{_B}ResponseCode") or "",
    )


def build_attached_document(
    *,
    signed_document: bytes,
    application_response: bytes,
    document: ElectronicDocument,
    document_key: str,
    issued_at: datetime,
    attached_id: str | None = None,
    signature_slot: bool = True,
) -> bytes:
    """The AttachedDocument sent to the buyer: the signed invoice or note and the DIAN's
    signed ApplicationResponse, both verbatim as CDATA (shaped as the containers DIAN-listed
    providers deliver).

    ``document_key`` is the CUFE/CUDE; ``issued_at`` the container's own date and time;
    ``attached_id`` its ``cbc:ID`` (default: the document's number). The validation date,
    time and result come from the ApplicationResponse itself. With ``signature_slot`` the
    container gets one ``ext:UBLExtension`` with an empty ``ext:ExtensionContent`` for a later
    signature.
    """
    validation_date, validation_time, validation_code = _response_outcome(application_response)
    moment = in_bogota(issued_at)
    root = etree.Element(_NAMESPACED_ROOTS["AttachedDocument"], nsmap=_nsmap("AttachedDocument"))
    if signature_slot:
        _signature_slot(root)
    _add(root, _B + "UBLVersionID", "UBL 2.1")
    _add(root, _B + "CustomizationID", "Documentos adjuntos")
    _add(root, _B + "ProfileID", "Factura Electrónica de Venta")
    _add(root, _B + "ProfileExecutionID", document.environment.value)
    _add(root, _B + "ID", attached_id or document.number)
    _add(root, _B + "IssueDate", moment.date().isoformat())
    _add(root, _B + "IssueTime", issue_time_text(moment.time()))
    _add(root, _B + "DocumentType", "Contenedor de Factura Electrónica")
    _add(root, _B + "ParentDocumentID", document.number)
    _tax_party(root, _C + "SenderParty", TaxParty.of(document.supplier))
    _tax_party(root, _C + "ReceiverParty", TaxParty.of(document.customer))
    _external_reference(
        etree.SubElement(root, _C + "Attachment"), _cdata(signed_document, "document")
    )
    line = etree.SubElement(root, _C + "ParentDocumentLineReference")
    _add(line, _B + "LineID", "1")
    reference = etree.SubElement(line, _C + "DocumentReference")
    _add(reference, _B + "ID", document.number)
    _add(reference, _B + "UUID", document_key, {"schemeName": f"{document.kind.key_name}-SHA384"})
    _add(reference, _B + "IssueDate", in_bogota(document.issued_at).date().isoformat())
    _add(reference, _B + "DocumentType", "ApplicationResponse")
    _external_reference(
        etree.SubElement(reference, _C + "Attachment"),
        _cdata(application_response, "ApplicationResponse"),
    )
    verification = etree.SubElement(reference, _C + "ResultOfVerification")
    _add(verification, _B + "ValidatorID", DIAN_NAME)
    _add(verification, _B + "ValidationResultCode", validation_code)
    _add(verification, _B + "ValidationDate", validation_date)
    _add(verification, _B + "ValidationTime", validation_time)
    return _declared(root)


def _external_reference(attachment: etree._Element, content: etree.CDATA) -> None:
    reference = etree.SubElement(attachment, _C + "ExternalReference")
    _add(reference, _B + "MimeCode", "text/xml")
    _add(reference, _B + "EncodingCode", "UTF-8")
    etree.SubElement(reference, _B + "Description").text = content


# ---------------------------------------------------------------------------------------
# Reading the key's inputs back


@dataclass(frozen=True, slots=True)
class KeyInputs:
    """What a document's CUFE/CUDE is computed from, as its XML writes it (everything but
    the 14th field, the technical key or PIN, which never travels)."""

    kind: str  # root element's local name: Invoice, CreditNote, DebitNote
    number: str
    issue_date: str
    issue_time: str
    line_extension: str
    taxes: tuple[str, str, str]  # 01, 04, 03; "0.00" if absent
    payable: str
    supplier_nit: str
    customer_id: str
    environment: str  # ProfileExecutionID
    document_key: str  # cbc:UUID as written
    key_scheme: str  # cbc:UUID/@schemeName: CUFE-SHA384, CUDE-SHA384
    software_security_code: str
    type_code: str  # 01/02 (InvoiceTypeCode), 91 (CreditNoteTypeCode), 92 (debit notes)
    supplier: TaxParty

    def key_fields(self, secret: str) -> KeyFields:
        """The 15 fields, completed with the technical key (invoices) or PIN (notes)."""
        return KeyFields(
            number=self.number,
            issue_date=self.issue_date,
            issue_time=self.issue_time,
            line_extension=self.line_extension,
            taxes=self.taxes,
            payable=self.payable,
            supplier_nit=self.supplier_nit,
            customer_id=self.customer_id,
            secret=secret,
            environment=self.environment,
        )


_NS: Final = {"cac": CAC, "cbc": CBC, "ext": EXT, "sts": STS}


def _text(path: str) -> etree.XPath:
    return etree.XPath(f"string({path})", namespaces=_NS)


_X_NUMBER = _text("cbc:ID")
_X_DATE = _text("cbc:IssueDate")
_X_TIME = _text("cbc:IssueTime")
_X_ENVIRONMENT = _text("cbc:ProfileExecutionID")
_X_UUID = _text("cbc:UUID")
_X_UUID_SCHEME = _text("cbc:UUID/@schemeName")
_X_TYPE_CODE = _text("cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode")
_X_LINE_EXTENSION = _text(
    "(cac:LegalMonetaryTotal | cac:RequestedMonetaryTotal)/cbc:LineExtensionAmount"
)
_X_PAYABLE = _text("(cac:LegalMonetaryTotal | cac:RequestedMonetaryTotal)/cbc:PayableAmount")
_X_TAX = etree.XPath(
    "string(cac:TaxTotal[cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID = $code][1]/cbc:TaxAmount)",
    namespaces=_NS,
)
_X_SUPPLIER_SCHEME = etree.XPath(
    "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[1]", namespaces=_NS
)
_X_CUSTOMER_ID = _text("cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme[1]/cbc:CompanyID")
_X_SECURITY_CODE = _text(
    "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sts:DianExtensions/sts:SoftwareSecurityCode"
)
_KEYED_ROOTS: Final = {
    _NAMESPACED_ROOTS[name]: name for name in ("Invoice", "CreditNote", "DebitNote")
}


def key_inputs(xml: bytes | etree._Element) -> KeyInputs:
    """Read from an Invoice, CreditNote or DebitNote (signed or not) the fields its key is
    computed from; a debit note's totals are in ``cac:RequestedMonetaryTotal``."""
    if isinstance(xml, bytes):
        try:
            root = etree.fromstring(
                xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
            )
        except etree.XMLSyntaxError as error:
            raise DianError(f"not well-formed XML: {error}") from error
    else:
        root = xml
    kind = _KEYED_ROOTS.get(root.tag)
    if kind is None:
        raise DianError(f"{root.tag} is not an invoice or note")
    schemes = _X_SUPPLIER_SCHEME(root)
    assert isinstance(schemes, list)
    supplier_scheme = schemes[0] if schemes else None
    if not isinstance(supplier_scheme, etree._Element):
        raise DianError("the document names no supplier (cac:PartyTaxScheme)")
    supplier_id = supplier_scheme.find(_B + "CompanyID")
    tax_scheme = supplier_scheme.find(f"{_C}TaxScheme")
    supplier = TaxParty(
        identification=(supplier_id.text or "") if supplier_id is not None else "",
        registration_name=supplier_scheme.findtext(_B + "RegistrationName") or "",
        check_digit=supplier_id.get("schemeID") if supplier_id is not None else None,
        id_type=(supplier_id.get("schemeName") or NIT_TYPE)
        if supplier_id is not None
        else NIT_TYPE,
        tax_level_code=supplier_scheme.findtext(_B + "TaxLevelCode"),
        tax_scheme=(
            (tax_scheme.findtext(_B + "ID") or "", tax_scheme.findtext(_B + "Name") or "")
            if tax_scheme is not None
            else ("ZZ", "No aplica")
        ),
    )
    taxes = tuple(str(_X_TAX(root, code=code)) or "0.00" for code in HASHED_TAX_CODES)
    return KeyInputs(
        kind=kind,
        number=str(_X_NUMBER(root)),
        issue_date=str(_X_DATE(root)),
        issue_time=str(_X_TIME(root)),
        line_extension=str(_X_LINE_EXTENSION(root)),
        taxes=(taxes[0], taxes[1], taxes[2]),
        payable=str(_X_PAYABLE(root)),
        supplier_nit=supplier.identification,
        customer_id=str(_X_CUSTOMER_ID(root)),
        environment=str(_X_ENVIRONMENT(root)),
        document_key=str(_X_UUID(root)),
        key_scheme=str(_X_UUID_SCHEME(root)),
        software_security_code=str(_X_SECURITY_CODE(root)),
        type_code=DocumentKind.DEBIT_NOTE.value if kind == "DebitNote" else str(_X_TYPE_CODE(root)),
        supplier=supplier,
    )


__all__ = [
    "DIAN_PARTY",
    "REJECTED",
    "VALIDATED",
    "KeyInputs",
    "TaxParty",
    "build",
    "build_application_response",
    "build_attached_document",
    "key_inputs",
    "root_namespace",
]
