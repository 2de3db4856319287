"""The UBL 2.1 builders (``facturo.dian.ubl``): XSD validity of every kind of document, the
keys recomputed from the XML by code independent of ``facturo.dian.keys``, and the
structure DIAN requires (shared/reference/dian.md §1–2)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree

from facturo.dian import schemas, ubl
from facturo.dian.errors import DianError
from facturo.dian.keys import CONSUMIDOR_FINAL, HABILITACION_TECHNICAL_KEY
from facturo.dian.model import DocumentKind, ElectronicDocument
from tests.unit.dian_samples import (
    SOFTWARE_ID,
    SOFTWARE_PIN,
    SUPPLIER,
    consumidor_final,
    natural_person_customer,
    sample_credit_note,
    sample_debit_note,
    sample_export_invoice,
    sample_invoice,
)

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "dn": "urn:oasis:names:specification:ubl:schema:xsd:DebitNote-2",
    "ar": "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2",
    "ad": "urn:oasis:names:specification:ubl:schema:xsd:AttachedDocument-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "sts": "dian:gov:co:facturaelectronica:Structures-2-1",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
SAMPLES = {
    "invoice, 1 line": lambda: sample_invoice(1),
    "invoice, 10 lines": lambda: sample_invoice(10),
    "export invoice": sample_export_invoice,
    "credit note": sample_credit_note,
    "debit note": sample_debit_note,
    "natural person (cédula)": lambda: sample_invoice(3, customer=natural_person_customer()),
    "consumidor final": lambda: sample_invoice(2, customer=consumidor_final(), credit=False),
}


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    return str(root.xpath(f"string({path})", namespaces=NS))


def independent_key(xml: bytes, secret: str) -> tuple[str, str]:
    """The CUFE/CUDE concatenation and digest read straight from the XML (dian.md §1.1)."""
    root = parse(xml)
    totals = (
        "cac:RequestedMonetaryTotal"
        if root.find("cac:RequestedMonetaryTotal", NS) is not None
        else "cac:LegalMonetaryTotal"
    )

    def tax(code: str) -> str:
        amount = text(
            root,
            f"cac:TaxTotal[cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID='{code}']/cbc:TaxAmount",
        )
        return amount or "0.00"

    concatenation = "".join(
        [
            text(root, "cbc:ID"),
            text(root, "cbc:IssueDate"),
            text(root, "cbc:IssueTime"),
            text(root, f"{totals}/cbc:LineExtensionAmount"),
            "01",
            tax("01"),
            "04",
            tax("04"),
            "03",
            tax("03"),
            text(root, f"{totals}/cbc:PayableAmount"),
            text(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
            text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"),
            secret,
            text(root, "cbc:ProfileExecutionID"),
        ]
    )
    return concatenation, hashlib.sha384(concatenation.encode("utf-8")).hexdigest()


# --- XSD validity ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_is_xsd_valid(name: str) -> None:
    built = ubl.build(SAMPLES[name]())
    assert built.xml.startswith(b'<?xml version="1.0" encoding="UTF-8"')
    assert schemas.problems(built.xml) == ()


def test_application_response_and_attached_document_are_xsd_valid() -> None:
    invoice = sample_invoice(2)
    built = ubl.build(invoice)
    response = application_response(built.document_key)
    assert schemas.problems(response) == ()
    attached = ubl.build_attached_document(
        signed_document=built.xml,
        application_response=response,
        document=invoice,
        document_key=built.document_key,
        issued_at=datetime(2024, 3, 15, 19, 31, tzinfo=UTC),
    )
    assert schemas.problems(attached) == ()


# --- keys recomputed independently ---------------------------------------------------------


def test_invoice_cufe_recomputed_from_the_xml() -> None:
    built = ubl.build(sample_invoice(1))
    concatenation, digest = independent_key(built.xml, HABILITACION_TECHNICAL_KEY)
    # 24 × 3,150.00 = 75,600.00; IVA 19 % = 14,364.00; payable 89,964.00 (withholdings apart).
    assert concatenation == (
        "SETP9900000012024-03-1514:30:05-05:0075600.000114364.00040.00030.0089964.00"
        "900373076860069804fc8eac422eba16e22ffd8c6f94b3f40a6e38162c2"
    )
    assert built.document_key == digest
    assert text(parse(built.xml), "cbc:UUID") == digest


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_key_matches_its_own_fields(name: str) -> None:
    document = SAMPLES[name]()
    built = ubl.build(document)
    secret = SOFTWARE_PIN if document.kind.is_note else HABILITACION_TECHNICAL_KEY
    _, digest = independent_key(built.xml, secret)
    root = parse(built.xml)
    assert text(root, "cbc:UUID") == digest == built.document_key
    assert text(root, "cbc:UUID/@schemeName") == f"{document.kind.key_name}-SHA384"
    assert text(root, "cbc:UUID/@schemeID") == "2"


def test_invoice_with_ten_lines_hashes_iva_and_inc() -> None:
    built = ubl.build(sample_invoice(10))
    concatenation, _ = independent_key(built.xml, HABILITACION_TECHNICAL_KEY)
    root = parse(built.xml)
    iva = text(
        root,
        "cac:TaxTotal[cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID='01']/cbc:TaxAmount",
    )
    inc = text(
        root,
        "cac:TaxTotal[cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID='04']/cbc:TaxAmount",
    )
    assert Decimal(iva) > 0 and Decimal(inc) > 0
    assert f"01{iva}04{inc}030.00" in concatenation


def test_credit_note_cude_uses_the_pin_and_references_the_invoice() -> None:
    invoice = ubl.build(sample_invoice(2))
    built = ubl.build(sample_credit_note())
    _, digest = independent_key(built.xml, SOFTWARE_PIN)
    root = parse(built.xml)
    assert built.document_key == digest
    reference = "cac:BillingReference/cac:InvoiceDocumentReference"
    assert text(root, f"{reference}/cbc:UUID") == invoice.document_key
    assert text(root, f"{reference}/cbc:UUID/@schemeName") == "CUFE-SHA384"
    assert text(root, f"{reference}/cbc:ID") == "SETP990000001"


def test_debit_note_cude_is_computed_from_requested_monetary_total() -> None:
    built = ubl.build(sample_debit_note())
    concatenation, digest = independent_key(built.xml, SOFTWARE_PIN)
    # 185,000.00 freight + IVA 19 % 35,150.00 = 220,150.00.
    assert concatenation == (
        "ND10012024-03-2214:30:05-05:00185000.000135150.00040.00030.00220150.00"
        "900373076860069804" + SOFTWARE_PIN + "2"
    )
    assert built.document_key == digest


@pytest.mark.parametrize("name", SAMPLES)
def test_software_security_code_recomputed(name: str) -> None:
    built = ubl.build(SAMPLES[name]())
    root = parse(built.xml)
    number = text(root, "cbc:ID")
    expected = hashlib.sha384(f"{SOFTWARE_ID}{SOFTWARE_PIN}{number}".encode()).hexdigest()
    written = text(
        root,
        "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sts:DianExtensions/sts:SoftwareSecurityCode",
    )
    assert written == expected == built.software_security_code


def test_consumidor_final_is_hashed_as_222222222222() -> None:
    built = ubl.build(sample_invoice(1, customer=consumidor_final(), credit=False))
    concatenation, digest = independent_key(built.xml, HABILITACION_TECHNICAL_KEY)
    assert f"900373076{CONSUMIDOR_FINAL}{HABILITACION_TECHNICAL_KEY}2" in concatenation
    assert built.document_key == digest


def test_key_inputs_read_back_every_field() -> None:
    for name, make in SAMPLES.items():
        document = make()
        built = ubl.build(document)
        inputs = ubl.key_inputs(built.xml)
        assert inputs.key_fields(document.key_secret).digest() == built.document_key, name
        assert inputs.document_key == built.document_key
        assert inputs.software_security_code == built.software_security_code
        assert inputs.number == document.number
        assert inputs.customer_id == document.customer.identification
        assert inputs.supplier.identification == SUPPLIER.identification
        assert inputs.supplier.check_digit == str(SUPPLIER.check_digit)
        assert inputs.supplier.registration_name == SUPPLIER.registration_name
        assert inputs.environment == "2"
    assert ubl.key_inputs(ubl.build(sample_debit_note()).xml).kind == "DebitNote"
    assert ubl.key_inputs(ubl.build(sample_debit_note()).xml).type_code == "92"
    assert ubl.key_inputs(parse(ubl.build(sample_credit_note()).xml)).type_code == "91"
    assert ubl.key_inputs(ubl.build(sample_invoice(1)).xml).taxes == ("14364.00", "0.00", "0.00")


def test_key_inputs_refuses_other_documents() -> None:
    with pytest.raises(DianError, match="not an invoice or note"):
        ubl.key_inputs(application_response("0" * 96))
    with pytest.raises(DianError, match="well-formed"):
        ubl.key_inputs(b"<Invoice")


# --- structure ---------------------------------------------------------------------------


def test_extensions_dian_first_and_an_empty_signature_slot_last() -> None:
    for name, make in SAMPLES.items():
        root = parse(ubl.build(make()).xml)
        extensions = root.findall("ext:UBLExtensions/ext:UBLExtension", NS)
        assert len(extensions) == 2, name
        assert extensions[0].find("ext:ExtensionContent/sts:DianExtensions", NS) is not None
        last = extensions[-1].find("ext:ExtensionContent", NS)
        assert last is not None and len(last) == 0 and not (last.text or "").strip()
        assert root[0].tag == f"{{{NS['ext']}}}UBLExtensions"


def test_invoice_control_on_invoices_only() -> None:
    invoice = parse(ubl.build(sample_invoice(1)).xml)
    control = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sts:DianExtensions/sts:InvoiceControl"
    assert text(invoice, f"{control}/sts:InvoiceAuthorization") == "18760000001"
    assert text(invoice, f"{control}/sts:AuthorizationPeriod/cbc:StartDate") == "2019-01-19"
    assert text(invoice, f"{control}/sts:AuthorizationPeriod/cbc:EndDate") == "2030-01-19"
    assert text(invoice, f"{control}/sts:AuthorizedInvoices/sts:Prefix") == "SETP"
    assert text(invoice, f"{control}/sts:AuthorizedInvoices/sts:From") == "990000000"
    assert text(invoice, f"{control}/sts:AuthorizedInvoices/sts:To") == "995000000"
    for note in (sample_credit_note(), sample_debit_note()):
        root = parse(ubl.build(note).xml)
        assert root.find(".//sts:InvoiceControl", NS) is None
        assert root.find(".//sts:SoftwareSecurityCode", NS) is not None


def test_dian_extensions_content() -> None:
    built = ubl.build(sample_invoice(1))
    root = parse(built.xml)
    dian = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sts:DianExtensions"
    assert text(root, f"{dian}/sts:InvoiceSource/cbc:IdentificationCode") == "CO"
    assert text(root, f"{dian}/sts:SoftwareProvider/sts:ProviderID") == "900373076"
    assert text(root, f"{dian}/sts:SoftwareProvider/sts:ProviderID/@schemeID") == "4"
    assert text(root, f"{dian}/sts:SoftwareProvider/sts:SoftwareID") == SOFTWARE_ID
    assert (
        text(root, f"{dian}/sts:AuthorizationProvider/sts:AuthorizationProviderID") == "800197268"
    )
    assert (
        text(root, f"{dian}/sts:AuthorizationProvider/sts:AuthorizationProviderID/@schemeID") == "4"
    )
    assert text(root, f"{dian}/sts:QRCode") == (
        "https://catalogo-vpfe-hab.dian.gov.co/document/searchqr?documentkey=" + built.document_key
    )
    assert built.qr_text.startswith("NumFac: SETP990000001\nFecFac: 2024-03-15\n")
    assert f"CUFE: {built.document_key}" in built.qr_text
    assert "ValIva: 14364.00\nValOtroIm: 0.00\nValTolFac: 89964.00" in built.qr_text


def test_issue_date_and_time_are_colombian() -> None:
    late_utc = datetime(2024, 3, 16, 2, 15, 0, tzinfo=UTC)  # 21:15 on the 15th in Bogotá
    root = parse(ubl.build(replace(sample_invoice(1), issued_at=late_utc)).xml)
    assert text(root, "cbc:IssueDate") == "2024-03-15"
    assert text(root, "cbc:IssueTime") == "21:15:00-05:00"


def test_header_of_each_kind() -> None:
    invoice = parse(ubl.build(sample_invoice(10)).xml)
    assert text(invoice, "cbc:UBLVersionID") == "UBL 2.1"
    assert text(invoice, "cbc:CustomizationID") == "10"
    assert text(invoice, "cbc:ProfileID") == "DIAN 2.1: Factura Electrónica de Venta"
    assert text(invoice, "cbc:ProfileExecutionID") == "2"
    assert text(invoice, "cbc:InvoiceTypeCode") == "01"
    assert text(invoice, "cbc:LineCountNumeric") == "10"
    assert text(invoice, "cbc:DocumentCurrencyCode") == "COP"
    assert len(invoice.findall("cac:InvoiceLine", NS)) == 10

    credit = parse(ubl.build(sample_credit_note()).xml)
    assert credit.tag == f"{{{NS['cn']}}}CreditNote"
    assert text(credit, "cbc:CreditNoteTypeCode") == "91"
    assert text(credit, "cbc:CustomizationID") == "20"
    assert text(credit, "cac:DiscrepancyResponse/cbc:ReferenceID") == "SETP990000001"
    assert text(credit, "cac:DiscrepancyResponse/cbc:ResponseCode") == "2"
    assert credit.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None
    assert credit.find("cac:LegalMonetaryTotal", NS) is not None

    debit = parse(ubl.build(sample_debit_note()).xml)
    assert debit.tag == f"{{{NS['dn']}}}DebitNote"
    assert text(debit, "cbc:CustomizationID") == "30"
    assert text(debit, "cbc:ProfileID") == "DIAN 2.1: Nota Débito de Factura Electrónica de Venta"
    assert debit.find("cac:RequestedMonetaryTotal", NS) is not None
    assert debit.find("cac:LegalMonetaryTotal", NS) is None
    assert debit.find("cbc:InvoiceTypeCode", NS) is None
    assert debit.find("cbc:CreditNoteTypeCode", NS) is None
    assert debit.find("cac:DebitNoteLine/cbc:DebitedQuantity", NS) is not None


def test_notes_left_with_the_invoice_operation_type_get_a_note_code() -> None:
    note = replace(sample_credit_note(), operation_type="10")
    assert text(parse(ubl.build(note).xml), "cbc:CustomizationID") == "20"
    unreferenced = replace(sample_debit_note(), operation_type="10", billing_reference=None)
    assert text(parse(ubl.build(unreferenced).xml), "cbc:CustomizationID") == "32"


def test_export_invoice_in_foreign_currency() -> None:
    document = sample_export_invoice()
    built = ubl.build(document)
    root = parse(built.xml)
    assert text(root, "cbc:InvoiceTypeCode") == "02"
    assert text(root, "cbc:DocumentCurrencyCode") == "USD"
    rate = "cac:PaymentExchangeRate"
    assert text(root, f"{rate}/cbc:SourceCurrencyCode") == "USD"
    assert text(root, f"{rate}/cbc:TargetCurrencyCode") == "COP"
    assert text(root, f"{rate}/cbc:CalculationRate") == "3912.45"
    assert text(root, f"{rate}/cbc:Date") == "2024-03-15"
    # 40 × 385.50 + 500 × 3.25 = 15,420.00 + 1,625.00; IVA 0 %.
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "17045.00"
    assert (
        text(
            root,
            "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID/@schemeName",
        )
        == "50"
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_every_amount_carries_the_document_currency(name: str) -> None:
    document = SAMPLES[name]()
    root = parse(ubl.build(document).xml)
    amounts = [
        element
        for element in root.iter(f"{{{NS['cbc']}}}*")
        if etree.QName(element).localname.endswith("Amount")
    ]
    assert len(amounts) > 10
    assert {element.get("currencyID") for element in amounts} == {document.currency}


@pytest.mark.parametrize("name", SAMPLES)
def test_lines_add_up(name: str) -> None:
    document = SAMPLES[name]()
    root = parse(ubl.build(document).xml)
    lines = root.xpath("cac:InvoiceLine | cac:CreditNoteLine | cac:DebitNoteLine", namespaces=NS)
    assert len(lines) == len(document.lines)
    total = Decimal(0)
    for line in lines:
        quantity = Decimal(
            text(line, "cbc:InvoicedQuantity | cbc:CreditedQuantity | cbc:DebitedQuantity")
        )
        price = Decimal(text(line, "cac:Price/cbc:PriceAmount"))
        base = Decimal(text(line, "cac:Price/cbc:BaseQuantity"))
        discount = Decimal(text(line, "cac:AllowanceCharge/cbc:Amount") or "0")
        extension = Decimal(text(line, "cbc:LineExtensionAmount"))
        assert (price * quantity / base - discount).quantize(Decimal("0.01")) == extension
        assert text(line, "cac:Item/cac:StandardItemIdentification/cbc:ID/@schemeID") == "999"
        total += extension
    totals = "cac:LegalMonetaryTotal | cac:RequestedMonetaryTotal"
    assert Decimal(text(root, f"({totals})/cbc:LineExtensionAmount")) == total


def test_parties() -> None:
    root = parse(ubl.build(sample_invoice(1)).xml)
    supplier = "cac:AccountingSupplierParty"
    assert text(root, f"{supplier}/cbc:AdditionalAccountID") == "1"
    scheme = f"{supplier}/cac:Party/cac:PartyTaxScheme"
    assert text(root, f"{scheme}/cbc:CompanyID") == "900373076"
    assert text(root, f"{scheme}/cbc:CompanyID/@schemeID") == "4"
    assert text(root, f"{scheme}/cbc:CompanyID/@schemeName") == "31"
    assert text(root, f"{scheme}/cbc:CompanyID/@schemeAgencyID") == "195"
    assert text(root, f"{scheme}/cbc:TaxLevelCode") == "O-13"
    assert text(root, f"{scheme}/cac:RegistrationAddress/cbc:ID") == "11001"
    assert text(root, f"{scheme}/cac:RegistrationAddress/cbc:CountrySubentityCode") == "11"
    assert text(root, f"{scheme}/cac:TaxScheme/cbc:ID") == "01"
    assert text(root, f"{supplier}/cac:Party/cac:PhysicalLocation/cac:Address/cbc:ID") == "11001"
    legal = f"{supplier}/cac:Party/cac:PartyLegalEntity"
    assert text(root, f"{legal}/cac:CorporateRegistrationScheme/cbc:ID") == "SETP"

    natural = parse(ubl.build(sample_invoice(1, customer=natural_person_customer())).xml)
    customer = "cac:AccountingCustomerParty"
    assert text(natural, f"{customer}/cbc:AdditionalAccountID") == "2"
    company_id = natural.find(f"{customer}/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", NS)
    assert company_id is not None and company_id.text == "1020304050"
    assert company_id.get("schemeName") == "13" and company_id.get("schemeID") is None
    assert text(natural, f"{customer}/cac:Party/cac:PartyIdentification/cbc:ID") == "1020304050"
    assert text(natural, f"{customer}/cac:Party/cac:Person/cbc:FirstName") == "María Fernanda"
    assert (
        text(natural, f"{customer}/cac:Party/cac:PartyTaxScheme/cbc:TaxLevelCode/@listName") == "49"
    )


def test_withholdings_on_invoices_not_on_notes() -> None:
    invoice = parse(ubl.build(sample_invoice(2)).xml)
    withholding = "cac:WithholdingTaxTotal/cac:TaxSubtotal"
    assert text(invoice, f"{withholding}/cac:TaxCategory/cac:TaxScheme/cbc:ID") == "06"
    assert text(invoice, f"{withholding}/cac:TaxCategory/cbc:Percent") == "2.50"
    # 75,600.00 + 142,686.00 = 218,286.00 withheld at 2.5 % line by line: 1,890.00 + 3,567.15.
    assert text(invoice, "cac:WithholdingTaxTotal/cbc:TaxAmount") == "5457.15"
    assert invoice.find("cac:InvoiceLine/cac:WithholdingTaxTotal", NS) is not None
    credit = parse(ubl.build(sample_credit_note()).xml)
    assert credit.find(".//cac:WithholdingTaxTotal", NS) is None


def test_invoice_without_numbering_authorization_is_refused() -> None:
    with pytest.raises(DianError, match="numbering authorization"):
        ubl.build(replace(sample_invoice(1), authorization=None))


def test_build_time_of_a_ten_line_invoice() -> None:
    document: ElectronicDocument = sample_invoice(10)
    ubl.build(document)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        ubl.build(document)
    elapsed = (time.perf_counter() - started) / rounds
    print(f"\nubl.build, 10-line invoice: {elapsed * 1000:.3f} ms")  # informative only


# --- ApplicationResponse and AttachedDocument ----------------------------------------------


def application_response(
    document_key: str, code: str = ubl.VALIDATED, messages: tuple[str | tuple[str, str], ...] = ()
) -> bytes:
    return ubl.build_application_response(
        response_id="18680564",
        issued_at=datetime(2024, 3, 15, 19, 30, 45, tzinfo=UTC),
        receiver=SUPPLIER,
        document_number="SETP990000001",
        document_key=document_key,
        document_type_code=DocumentKind.INVOICE.value,
        response_code=code,
        description="Documento validado por la DIAN"
        if code == ubl.VALIDATED
        else "Documento con errores en campos mandatorios.",
        messages=messages,
        document_issue_date=datetime(2024, 3, 15).date(),  # noqa: DTZ001
    )


def test_application_response_content() -> None:
    key = "a" * 96
    root = parse(
        application_response(
            key,
            ubl.REJECTED,
            (
                "Regla: FAD06, Rechazo: Valor del CUFE no está calculado correctamente.",
                ("FAJ43b", "Nombre informado No corresponde al registrado en el RUT."),
                "Documento con observaciones",
            ),
        )
    )
    assert root.tag == f"{{{NS['ar']}}}ApplicationResponse"
    assert text(root, "cbc:ID") == "18680564"
    assert text(root, "cbc:IssueDate") == "2024-03-15"
    assert text(root, "cbc:IssueTime") == "14:30:45-05:00"
    sender = "cac:SenderParty/cac:PartyTaxScheme"
    assert text(root, f"{sender}/cbc:RegistrationName") == (
        "Unidad Especial Dirección de Impuestos y Aduanas Nacionales"
    )
    assert text(root, f"{sender}/cbc:CompanyID") == "800197268"
    assert text(root, f"{sender}/cbc:CompanyID/@schemeID") == "4"
    assert text(root, "cac:ReceiverParty/cac:PartyTaxScheme/cbc:CompanyID") == "900373076"
    response = "cac:DocumentResponse"
    assert text(root, f"{response}/cac:Response/cbc:ResponseCode") == "04"
    assert text(root, f"{response}/cac:DocumentReference/cbc:UUID") == key
    assert text(root, f"{response}/cac:DocumentReference/cbc:UUID/@schemeName") == "CUFE-SHA384"
    assert text(root, f"{response}/cac:DocumentReference/cbc:DocumentTypeCode") == "01"
    codes = root.xpath(
        f"{response}/cac:LineResponse/cac:Response/cbc:ResponseCode/text()", namespaces=NS
    )
    assert codes == ["FAD06", "FAJ43b", "0"]
    line_ids = root.xpath(
        f"{response}/cac:LineResponse/cac:LineReference/cbc:LineID/text()", namespaces=NS
    )
    assert line_ids == ["1", "2", "3"]
    extensions = root.findall("ext:UBLExtensions/ext:UBLExtension", NS)
    assert len(extensions) == 1
    slot = extensions[-1].find("ext:ExtensionContent", NS)
    assert slot is not None and len(slot) == 0
    assert len(text(root, "cbc:UUID")) == 96
    assert schemas.problems(etree.tostring(root)) == ()


def test_application_response_for_a_note_names_the_cude() -> None:
    xml = ubl.build_application_response(
        response_id="1",
        issued_at=datetime(2024, 3, 20, 15, 0, tzinfo=UTC),
        receiver=ubl.TaxParty("900373076", "Soluciones Contables del Norte S.A.S.", "4"),
        document_number="NC1001",
        document_key="b" * 96,
        document_type_code="91",
        response_code=ubl.VALIDATED,
        description="Documento validado por la DIAN",
        response_key="c" * 96,
    )
    root = parse(xml)
    assert (
        text(root, "cac:DocumentResponse/cac:DocumentReference/cbc:UUID/@schemeName")
        == "CUDE-SHA384"
    )
    assert text(root, "cbc:UUID") == "c" * 96
    assert schemas.problems(xml) == ()


def test_attached_document_carries_both_documents_verbatim() -> None:
    invoice = sample_invoice(2)
    built = ubl.build(invoice)
    response = application_response(built.document_key)
    attached = ubl.build_attached_document(
        signed_document=built.xml,
        application_response=response,
        document=invoice,
        document_key=built.document_key,
        issued_at=datetime(2024, 3, 15, 19, 31, tzinfo=UTC),
    )
    assert b"<![CDATA[<?xml" in attached
    root = parse(attached)
    assert root.tag == f"{{{NS['ad']}}}AttachedDocument"
    assert text(root, "cbc:CustomizationID") == "Documentos adjuntos"
    assert text(root, "cbc:DocumentType") == "Contenedor de Factura Electrónica"
    assert text(root, "cbc:ParentDocumentID") == "SETP990000001"
    assert text(root, "cac:SenderParty/cac:PartyTaxScheme/cbc:CompanyID") == "900373076"
    assert text(root, "cac:ReceiverParty/cac:PartyTaxScheme/cbc:CompanyID") == "860069804"
    inner = text(root, "cac:Attachment/cac:ExternalReference/cbc:Description")
    assert inner.encode("utf-8") == built.xml
    assert text(root, "cac:Attachment/cac:ExternalReference/cbc:MimeCode") == "text/xml"
    reference = "cac:ParentDocumentLineReference/cac:DocumentReference"
    assert text(root, f"{reference}/cbc:UUID") == built.document_key
    assert (
        text(root, f"{reference}/cac:Attachment/cac:ExternalReference/cbc:Description").encode()
        == response
    )
    verification = f"{reference}/cac:ResultOfVerification"
    assert text(root, f"{verification}/cbc:ValidatorID") == (
        "Unidad Especial Dirección de Impuestos y Aduanas Nacionales"
    )
    assert text(root, f"{verification}/cbc:ValidationResultCode") == "02"
    assert text(root, f"{verification}/cbc:ValidationDate") == "2024-03-15"
    assert text(root, f"{verification}/cbc:ValidationTime") == "14:30:45-05:00"
    assert len(root.findall("ext:UBLExtensions/ext:UBLExtension", NS)) == 1

    unsigned = ubl.build_attached_document(
        signed_document=built.xml,
        application_response=response,
        document=invoice,
        document_key=built.document_key,
        issued_at=datetime(2024, 3, 15, 19, 31, tzinfo=UTC),
        signature_slot=False,
    )
    assert parse(unsigned).find("ext:UBLExtensions", NS) is None
    assert schemas.problems(unsigned) == ()


def test_attached_document_refuses_something_else_as_response() -> None:
    invoice = sample_invoice(1)
    built = ubl.build(invoice)
    with pytest.raises(DianError, match="ApplicationResponse"):
        ubl.build_attached_document(
            signed_document=built.xml,
            application_response=built.xml,
            document=invoice,
            document_key=built.document_key,
            issued_at=invoice.issued_at,
        )
