"""Validation against the DIAN XSD bundle (``facturo.dian.schemas``): broken documents are
refused with messages that say what and where, the in-memory relaxations (dian.md §10) accept
exactly what DIAN accepts, and a signature is validated against the XAdES 1.3.2 schema."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from lxml import etree

from facturo.dian import schemas, ubl
from facturo.dian.errors import DianError, SchemaError
from tests.unit.dian_samples import sample_credit_note, sample_debit_note, sample_invoice

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "sts": "dian:gov:co:facturaelectronica:Structures-2-1",
}
DIAN = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sts:DianExtensions"

# A ds:Signature shaped like DIAN's XAdES-EPES (dian.md §3.1); values are not a real signature,
# the schema only checks their shape. SIGNING_CERTIFICATE and SERIAL are filled in by tests.
SIGNATURE = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Id="xmldsig-1">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<ds:Reference Id="xmldsig-1-ref0" URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>dLf5V+GFB7WMxVXfw0g2i56EEW3XhHM1V5n+bhWKJns=</ds:DigestValue></ds:Reference>
<ds:Reference URI="#xmldsig-1-keyinfo"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>/zU76YLuqJRIwZZPoi58sG2gnBYqdSZzPAdMsbnrYFE=</ds:DigestValue></ds:Reference>
<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xmldsig-1-signedprops"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>Uwk+auurDMWJckOzGc/VXslG0LYOJmhIb16tRqbVtbQ=</ds:DigestValue></ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue Id="xmldsig-1-sigvalue">YWnkDlrICaNPbZUQR8Q5ghSEo/horyeZRHJ861DZMexGDqzLjvySZatXwZwIUMjl</ds:SignatureValue>
<ds:KeyInfo Id="xmldsig-1-keyinfo"><ds:X509Data><ds:X509Certificate>MIIInjCCBoagAwIBAgIIcODxB1g2Y9gwDQYJKoZIhvcNAQELBQAw</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
<ds:Object><xades:QualifyingProperties Target="#xmldsig-1"><xades:SignedProperties Id="xmldsig-1-signedprops"><xades:SignedSignatureProperties>
<xades:SigningTime>2024-03-15T14:30:05-05:00</xades:SigningTime>
<xades:SIGNING_CERTIFICATE><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>Weat+v8zFLsCT4m5Mg26ksAMXciJZ3VgZ6YY6pbMPCs=</ds:DigestValue></xades:CertDigest><xades:IssuerSerial><ds:X509IssuerName>C=CO,O=Facturo Pruebas,CN=Facturo Test CA</ds:X509IssuerName><ds:X509SerialNumber>SERIAL</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SIGNING_CERTIFICATE>
<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId><xades:SigPolicyId><xades:Identifier>https://facturaelectronica.dian.gov.co/politicadefirma/v2/politicadefirmav2.pdf</xades:Identifier><xades:Description>Política de firma para facturas electrónicas de la República de Colombia.</xades:Description></xades:SigPolicyId><xades:SigPolicyHash><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y=</ds:DigestValue></xades:SigPolicyHash></xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>
<xades:SignerRole><xades:ClaimedRoles><xades:ClaimedRole>supplier</xades:ClaimedRole></xades:ClaimedRoles></xades:SignerRole>
</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>
</ds:Signature>"""
# A Colombian CA's serial: 48 decimal digits (dian.md §3.2).
LONG_SERIAL = "199839390723768342225486123456789012345678901234"


def invoice_tree() -> etree._Element:
    return etree.fromstring(ubl.build(sample_invoice(2)).xml)


def find(root: etree._Element, path: str) -> etree._Element:
    element = root.find(path, NS)
    assert element is not None, path
    return element


def remove(root: etree._Element, path: str) -> etree._Element:
    element = find(root, path)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return root


def signed(
    root: etree._Element, certificate: str = "SigningCertificate", serial: str = LONG_SERIAL
) -> bytes:
    slot = root.findall("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)[-1]
    signature = SIGNATURE.replace("SIGNING_CERTIFICATE", certificate).replace("SERIAL", serial)
    slot.append(etree.fromstring(signature))
    return etree.tostring(root)


# --- refusals --------------------------------------------------------------------------------


def test_a_document_without_its_monetary_total_is_refused() -> None:
    broken = remove(invoice_tree(), "cac:LegalMonetaryTotal")
    with pytest.raises(SchemaError) as refused:
        schemas.validate(etree.tostring(broken))
    assert isinstance(refused.value, DianError)
    (problem,) = refused.value.problems
    assert problem.startswith("line ")
    assert "InvoiceLine': This element is not expected" in problem
    assert "LegalMonetaryTotal" in problem  # what was expected instead
    assert "(at /*/cac:InvoiceLine" in problem
    assert str(refused.value).startswith(
        "the document does not follow the DIAN schema (1 problems)"
    )


def test_misordered_elements_are_refused() -> None:
    root = invoice_tree()
    find(root, "cbc:IssueDate").addprevious(find(root, "cbc:IssueTime"))
    problems = schemas.problems(root)
    assert len(problems) == 1
    assert "IssueTime': This element is not expected. Expected is ( " in problems[0]
    assert "IssueDate" in problems[0]


def test_every_problem_is_reported() -> None:
    root = invoice_tree()
    find(root, "cbc:IssueDate").text = "15/03/2024"
    find(root, "cac:InvoiceLine/cbc:InvoicedQuantity").text = "doce"
    problems = schemas.problems(root)
    assert len(problems) >= 2
    assert any("'15/03/2024' is not a valid value" in problem for problem in problems)
    assert any("'doce' is not a valid value" in problem for problem in problems)


def test_a_debit_note_with_a_legal_monetary_total_is_refused() -> None:
    root = etree.fromstring(ubl.build(sample_debit_note()).xml)
    find(root, "cac:RequestedMonetaryTotal").tag = f"{{{NS['cac']}}}LegalMonetaryTotal"
    (problem,) = schemas.problems(root)
    assert "LegalMonetaryTotal': This element is not expected" in problem


def test_dian_extensions_are_validated_too() -> None:
    # ext:ExtensionContent is processContents="lax": without the bundle's DIAN import the
    # extension would pass unchecked.
    root = remove(invoice_tree(), f"{DIAN}/sts:SoftwareSecurityCode")
    (problem,) = schemas.problems(root)
    assert "AuthorizationProvider': This element is not expected" in problem
    assert "SoftwareSecurityCode" in problem

    root = invoice_tree()
    find(root, f"{DIAN}/sts:SoftwareProvider/sts:ProviderID").set("schemeAgencyID", "196")
    (problem,) = schemas.problems(root)
    assert "The value '196' is not an element of the set {'195'}" in problem


def test_unknown_roots_and_malformed_xml_are_refused() -> None:
    party = find(invoice_tree(), "cac:AccountingSupplierParty")
    (problem,) = schemas.problems(etree.tostring(party))
    assert "is not a root the DIAN bundle validates" in problem
    with pytest.raises(SchemaError, match="not well-formed"):
        schemas.validate(b"<Invoice><cbc:ID></Invoice>")


# --- what DIAN accepts ---------------------------------------------------------------------


def test_inputs_may_be_bytes_elements_or_trees() -> None:
    built = ubl.build(sample_credit_note()).xml
    schemas.validate(built)
    schemas.validate(etree.fromstring(built))
    schemas.validate(etree.ElementTree(etree.fromstring(built)))


def test_check_digit_in_provider_ids_is_accepted() -> None:
    # The bundle restricts @schemeID to identification types; DIAN writes the DV there.
    root = invoice_tree()
    assert find(root, f"{DIAN}/sts:SoftwareProvider/sts:ProviderID").get("schemeID") == "4"
    authorization = find(root, f"{DIAN}/sts:AuthorizationProvider/sts:AuthorizationProviderID")
    assert authorization.get("schemeID") == "4"
    assert schemas.problems(root) == ()


def test_qr_code_may_hold_the_whole_qr_text() -> None:
    built = ubl.build(sample_invoice(1))
    root = etree.fromstring(built.xml)
    find(root, f"{DIAN}/sts:QRCode").text = built.qr_text
    assert "\n" in built.qr_text
    assert schemas.problems(root) == ()


# --- signatures ----------------------------------------------------------------------------


def test_an_unsigned_document_passes_unless_a_signature_is_required() -> None:
    xml = ubl.build(sample_invoice(1)).xml
    assert schemas.problems(xml) == ()
    assert schemas.problems(xml, signed=True) == (
        "the last ext:UBLExtension holds no ds:Signature",
    )
    with pytest.raises(SchemaError, match="holds no ds:Signature"):
        schemas.validate(xml, signed=True)


def test_a_xades_signature_is_validated_against_xades_132() -> None:
    assert schemas.problems(signed(invoice_tree()), signed=True) == ()

    (problem,) = schemas.problems(signed(invoice_tree(), certificate="SigningCertificateV2"))
    assert "SigningCertificateV2': This element is not expected" in problem

    (problem,) = schemas.problems(signed(invoice_tree(), serial="12A"))
    assert "X509SerialNumber" in problem and "'12A' is not a valid value" in problem

    root = invoice_tree()
    slot = root.findall("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)[-1]
    slot.append(etree.fromstring('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>'))
    (problem,) = schemas.problems(root)
    assert "Signature': Missing child element(s)" in problem


def test_signed_application_response_validates() -> None:
    response = ubl.build_application_response(
        response_id="1",
        issued_at=sample_invoice(1).issued_at,
        receiver=ubl.TaxParty("900373076", "Soluciones Contables del Norte S.A.S.", "4"),
        document_number="SETP990000001",
        document_key="a" * 96,
        document_type_code="01",
        response_code=ubl.VALIDATED,
        description="Documento validado por la DIAN",
    )
    assert schemas.problems(signed(etree.fromstring(response)), signed=True) == ()


# --- concurrency -----------------------------------------------------------------------------


def test_concurrent_validations_keep_their_own_problems() -> None:
    good = ubl.build(sample_invoice(3)).xml
    bad = etree.tostring(remove(invoice_tree(), "cac:LegalMonetaryTotal"))
    failures: list[str] = []

    def check(xml: bytes, expected: Callable[[tuple[str, ...]], bool]) -> None:
        for _ in range(25):
            found = schemas.problems(xml)
            if not expected(found):
                failures.append(repr(found))

    threads = [
        threading.Thread(target=check, args=(good, lambda found: found == ())),
        threading.Thread(target=check, args=(bad, lambda found: len(found) == 1)),
        threading.Thread(target=check, args=(good, lambda found: found == ())),
        threading.Thread(target=check, args=(bad, lambda found: len(found) == 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
