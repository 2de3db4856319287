"""The XAdES-EPES signer and verifier (shared/reference/dian.md §3).

Our signatures are checked by an independent verifier (signxml, test-only), against the
bundle's xmldsig and XAdES 1.3.2 schemas, and field by field against what DIAN requires.
Our verifier is checked on our signatures, on signxml's, and on documents tampered in every
way DIAN would notice; the tampered documents are re-sealed (digests and signature value
recomputed by the helper below) so that only the defect under test remains.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.exceptions import InvalidSignature
from signxml.util import SigningSettings
from signxml.xades import XAdESSignaturePolicy, XAdESSigner, XAdESVerifier

import facturo.dian
from facturo.dian import schemas, ubl, xades
from facturo.dian.certificates import SigningCertificate
from facturo.dian.errors import CertificateError, SignatureError
from facturo.dian.keys import in_bogota
from facturo.dian.model import ElectronicDocument
from tests.dian_pki import (
    certificate_authority,
    demo_certificate,
    make_certificate,
    other_certificate,
)
from tests.unit import dian_samples

DS = xades.DS
XADES = xades.XADES
EXT = xades.EXT
NS = {"ds": DS, "xades": XADES, "ext": EXT}
SIGNATURE_PATH = "ext:UBLExtensions/ext:UBLExtension[last()]/ext:ExtensionContent/ds:Signature"
SIGNED_AT = datetime(2026, 11, 21, 15, 15, 30, tzinfo=UTC)  # 10:15:30 in Bogotá

INVOICE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
    xmlns:sts="dian:gov:co:facturaelectronica:Structures-2-1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <ext:UBLExtensions>
    <ext:UBLExtension>
      <ext:ExtensionContent>
        <sts:DianExtensions>
          <sts:InvoiceSource><cbc:IdentificationCode listAgencyID="6">CO</cbc:IdentificationCode></sts:InvoiceSource>
          <sts:SoftwareSecurityCode schemeAgencyID="195">5a1b</sts:SoftwareSecurityCode>
        </sts:DianExtensions>
      </ext:ExtensionContent>
    </ext:UBLExtension>
    <ext:UBLExtension>
      <ext:ExtensionContent>
      </ext:ExtensionContent>
    </ext:UBLExtension>
  </ext:UBLExtensions>
  <cbc:UBLVersionID>UBL 2.1</cbc:UBLVersionID>
  <cbc:ID>SETP990000001</cbc:ID>
  <cbc:IssueDate>2026-11-21</cbc:IssueDate>
  <cbc:IssueTime>10:15:30-05:00</cbc:IssueTime>
  <!-- comments are not signed -->
  <cbc:Note>Entrega en Bogotá, D.C. — línea 1 &amp; 2</cbc:Note>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="COP">1190000.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
{lines}</Invoice>
"""
LINE = """  <cac:InvoiceLine>
    <cbc:ID>{n}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="94">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="COP">100000.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Description>Servicio técnico {n}</cbc:Description></cac:Item>
  </cac:InvoiceLine>
"""


def invoice_xml(lines: int = 2) -> bytes:
    body = "".join(LINE.format(n=n) for n in range(1, lines + 1))
    return INVOICE.replace("{lines}", body).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signature_of(xml: bytes) -> etree._Element:
    found = etree.fromstring(xml).find(SIGNATURE_PATH, NS)
    assert found is not None
    return found


@functools.cache
def signed_invoice() -> bytes:
    return xades.sign(invoice_xml(), demo_certificate(), signing_time=SIGNED_AT)


def reseal(
    signed: bytes,
    signer: SigningCertificate,
    change: Callable[[etree._Element], None],
    *,
    exclusive: bool = False,
) -> bytes:
    """Apply ``change`` to the signature, then recompute the digests of the references to
    elements (the document's does not change) and the signature value, independently of
    ``facturo.dian.xades``."""
    root = etree.fromstring(signed)
    signature = root.find(SIGNATURE_PATH, NS)
    assert signature is not None
    change(signature)
    signed_info = signature.find("ds:SignedInfo", NS)
    assert signed_info is not None
    for reference in signed_info.findall("ds:Reference", NS):
        uri = reference.get("URI", "")
        targets = root.xpath("//*[@Id=$id]", id=uri[1:]) if uri.startswith("#") else []
        if len(targets) == 1:
            c14n = etree.tostring(
                targets[0], method="c14n", exclusive=exclusive, with_comments=False
            )
            reference.find("ds:DigestValue", NS).text = b64(hashlib.sha256(c14n).digest())
    c14n = etree.tostring(signed_info, method="c14n", exclusive=exclusive, with_comments=False)
    value = signer.rsa_key.sign(c14n, padding.PKCS1v15(), hashes.SHA256())
    signature.find("ds:SignatureValue", NS).text = b64(value)
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)


def properties_of(signature: etree._Element) -> etree._Element:
    found = signature.find(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties/"
        "xades:SignedSignatureProperties",
        NS,
    )
    assert found is not None
    return found


@functools.cache
def signature_schema() -> etree.XMLSchema:
    """The bundle's xmldsig and XAdES 1.3.2 schemas: ds:Object's content is lax, so
    xades:QualifyingProperties is validated strictly against the XAdES declarations."""
    common = Path(facturo.dian.__file__).parent / "xsd" / "common"
    wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
        targetNamespace="urn:facturo:tests:signature">
      <xs:import namespace="{DS}"
          schemaLocation="{(common / "UBL-xmldsig-core-schema-2.1.xsd").as_uri()}"/>
      <xs:import namespace="{XADES}"
          schemaLocation="{(common / "UBL-XAdESv132-2.1.xsd").as_uri()}"/>
    </xs:schema>"""
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def schema_errors(signature: etree._Element) -> list[str]:
    schema = signature_schema()
    schema.validate(etree.ElementTree(copy.deepcopy(signature)))
    return [entry.message for entry in schema.error_log]


# ------------------------------------------------------------------------------------------
# What the signer writes


def test_signature_has_the_dian_layout() -> None:
    certificate = demo_certificate()
    signed = xades.sign(
        invoice_xml(), certificate, signing_time=SIGNED_AT, signature_id="xmldsig-abc"
    )
    root = etree.fromstring(signed)
    contents = root.findall("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)
    assert [len(c) for c in contents] == [1, 1]
    assert contents[0][0].tag == "{dian:gov:co:facturaelectronica:Structures-2-1}DianExtensions"
    signature = contents[1][0]
    assert signature.tag == f"{{{DS}}}Signature"
    assert signature.prefix == "ds"
    assert signature.get("Id") == "xmldsig-abc"
    assert [etree.QName(c).localname for c in signature] == [
        "SignedInfo",
        "SignatureValue",
        "KeyInfo",
        "Object",
    ]

    signed_info = signature[0]
    assert signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    assert signed_info.find("ds:SignatureMethod", NS).get("Algorithm") == (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    references = signed_info.findall("ds:Reference", NS)
    assert [(r.get("URI"), r.get("Type")) for r in references] == [
        ("", None),
        ("#xmldsig-abc-keyinfo", None),
        ("#xmldsig-abc-signedprops", "http://uri.etsi.org/01903#SignedProperties"),
    ]
    assert [
        t.get("Algorithm") for t in references[0].iterfind("ds:Transforms/ds:Transform", NS)
    ] == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature"]
    assert {r.find("ds:DigestMethod", NS).get("Algorithm") for r in references} == {
        "http://www.w3.org/2001/04/xmlenc#sha256"
    }
    assert signature[1].get("Id") == "xmldsig-abc-sigvalue"

    key_info = signature[2]
    assert key_info.get("Id") == "xmldsig-abc-keyinfo"
    assert [c.text for c in key_info.iterfind("ds:X509Data/ds:X509Certificate", NS)] == [
        b64(certificate.der),
        b64(certificate_authority().der),
    ]

    qualifying = signature.find("ds:Object/xades:QualifyingProperties", NS)
    assert qualifying.prefix == "xades"
    assert qualifying.get("Target") == "#xmldsig-abc"
    assert qualifying.find("xades:SignedProperties", NS).get("Id") == "xmldsig-abc-signedprops"
    properties = properties_of(signature)
    assert [etree.QName(c).localname for c in properties] == [
        "SigningTime",
        "SigningCertificate",
        "SignaturePolicyIdentifier",
        "SignerRole",
    ]
    assert properties.findtext("xades:SigningTime", namespaces=NS) == "2026-11-21T10:15:30-05:00"
    (cert,) = properties.findall("xades:SigningCertificate/xades:Cert", NS)
    assert cert.find("xades:CertDigest/ds:DigestMethod", NS).get("Algorithm") == (
        "http://www.w3.org/2001/04/xmlenc#sha256"
    )
    assert cert.findtext("xades:CertDigest/ds:DigestValue", namespaces=NS) == b64(
        hashlib.sha256(certificate.der).digest()
    )
    issuer_name = cert.findtext("xades:IssuerSerial/ds:X509IssuerName", namespaces=NS)
    assert issuer_name == certificate.certificate.issuer.rfc4514_string()
    assert "O=Autoridad de Pruebas Facturo\\, S.A.S." in issuer_name
    serial = cert.findtext("xades:IssuerSerial/ds:X509SerialNumber", namespaces=NS)
    assert serial == str(certificate.certificate.serial_number)
    assert re.fullmatch(r"[1-9]\d{47}", serial)
    policy = properties.find("xades:SignaturePolicyIdentifier/xades:SignaturePolicyId", NS)
    assert policy.findtext("xades:SigPolicyId/xades:Identifier", namespaces=NS) == (
        "https://facturaelectronica.dian.gov.co/politicadefirma/v2/politicadefirmav2.pdf"
    )
    assert policy.findtext("xades:SigPolicyId/xades:Description", namespaces=NS) == (
        "Política de firma para facturas electrónicas de la República de Colombia."
    )
    assert policy.find("xades:SigPolicyHash/ds:DigestMethod", NS).get("Algorithm") == (
        "http://www.w3.org/2001/04/xmlenc#sha256"
    )
    assert policy.findtext("xades:SigPolicyHash/ds:DigestValue", namespaces=NS) == (
        "dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y="
    )
    assert (
        properties.findtext("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", namespaces=NS)
        == "supplier"
    )
    assert properties.find("xades:SigningCertificateV2", NS) is None


def test_signing_leaves_the_document_as_it_was_apart_from_the_signature() -> None:
    signed = signed_invoice()
    root = etree.fromstring(signed)
    signature = root.find(SIGNATURE_PATH, NS)
    signature.getparent().remove(signature)

    original = etree.fromstring(invoice_xml()).getroottree()
    assert etree.tostring(root, method="c14n") == etree.tostring(original, method="c14n")
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>')
    assert "Entrega en Bogotá, D.C. — línea 1 &amp; 2".encode() in signed
    # Never pretty-printed: the signature is one line, the input's own layout is kept.
    assert b"\n" not in etree.tostring(signature_of(signed))
    assert b"\n  <cbc:UBLVersionID>UBL 2.1</cbc:UBLVersionID>\n  <cbc:ID>" in signed


def test_digests_and_signature_value_recomputed_by_hand() -> None:
    signed = signed_invoice()
    signature = signature_of(signed)
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    original = etree.fromstring(invoice_xml()).getroottree()
    document_digest = hashlib.sha256(etree.tostring(original, method="c14n", with_comments=False))
    assert references[0].findtext("ds:DigestValue", namespaces=NS) == b64(document_digest.digest())

    key_info_c14n = etree.tostring(signature.find("ds:KeyInfo", NS), method="c14n")
    # Inclusive C14N of the subtree carries the namespaces declared on the document's root.
    assert key_info_c14n.startswith(
        b'<ds:KeyInfo xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"'
    )
    assert references[1].findtext("ds:DigestValue", namespaces=NS) == b64(
        hashlib.sha256(key_info_c14n).digest()
    )

    signed_info_c14n = etree.tostring(signature.find("ds:SignedInfo", NS), method="c14n")
    demo_certificate().certificate.public_key().verify(
        base64.b64decode(signature.findtext("ds:SignatureValue", namespaces=NS)),
        signed_info_c14n,
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_signing_in_place_an_element_built_in_memory() -> None:
    root = etree.fromstring(invoice_xml())
    signed = xades.sign(root, demo_certificate(), signing_time=SIGNED_AT)
    assert root.find(SIGNATURE_PATH, NS) is not None
    assert xades.verify(signed).signing_time == datetime.fromisoformat("2026-11-21T10:15:30-05:00")


# ------------------------------------------------------------------------------------------
# Independent verification: signxml and the bundle's schemas


def signxml_verify(signed: bytes) -> list[object]:
    return XMLVerifier().verify(
        signed,
        x509_cert=demo_certificate().certificate,
        expect_config=SignatureConfiguration(expect_references=3),
    )


DIAN_POLICY = XAdESSignaturePolicy(
    Identifier=xades.POLICY_IDENTIFIER,
    Description=xades.POLICY_DESCRIPTION,
    DigestMethod=DigestAlgorithm.SHA256,
    DigestValue="dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y=",
)


def test_signxml_verifies_our_signature() -> None:
    signed = signed_invoice()
    results = signxml_verify(signed)
    assert [etree.QName(r.signed_xml).localname for r in results] == [
        "Invoice",
        "KeyInfo",
        "SignedProperties",
    ]
    xades_results = XAdESVerifier().verify(
        signed, x509_cert=demo_certificate().certificate, expect_signature_policy=DIAN_POLICY
    )
    assert len(xades_results) == 3


def test_signxml_refuses_our_signature_once_one_byte_changes() -> None:
    signed = signed_invoice()
    tampered = signed.replace(b">1190000.00<", b">1190000.01<")
    assert len(tampered) == len(signed) and tampered != signed
    with pytest.raises(InvalidSignature):
        signxml_verify(tampered)
    with pytest.raises(SignatureError, match="URI='' no coincide: el documento cambió"):
        xades.verify(tampered)


def test_signxml_refuses_a_changed_signing_time() -> None:
    signed = signed_invoice()
    tampered = signed.replace(b"T10:15:30-05:00<", b"T10:15:31-05:00<")
    assert tampered != signed
    with pytest.raises(InvalidSignature):
        signxml_verify(tampered)


def test_signature_is_valid_against_the_bundles_xades_and_xmldsig_schemas() -> None:
    signature = signature_of(signed_invoice())
    assert schema_errors(signature) == []

    # The check has teeth: DIAN's XAdES 1.3.2 schema has no SigningCertificateV2.
    properties = properties_of(signature)
    properties.insert(1, etree.Element(f"{{{XADES}}}SigningCertificateV2"))
    assert any("SigningCertificateV2" in error for error in schema_errors(signature))


# ------------------------------------------------------------------------------------------
# Documents from the UBL builder


@pytest.mark.parametrize(
    "make",
    [
        lambda: dian_samples.sample_invoice(10),
        dian_samples.sample_credit_note,
        dian_samples.sample_debit_note,
        dian_samples.sample_export_invoice,
    ],
    ids=["invoice", "credit-note", "debit-note", "export-invoice"],
)
def test_built_documents_are_signed_schema_valid_and_verified(
    make: Callable[[], ElectronicDocument],
) -> None:
    document = make()
    built = ubl.build(document)
    signed = xades.sign(built.xml, demo_certificate(), signing_time=document.issued_at)

    schemas.validate(signed, signed=True)
    signxml_verify(signed)
    verified = xades.verify(signed)
    assert verified.certificate == demo_certificate().certificate
    root = etree.fromstring(signed)
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    signing_time = properties_of(signature_of(signed)).findtext("xades:SigningTime", namespaces=NS)
    # FAD09e: the signing date is the generation date, both in Colombian time.
    assert signing_time[:10] == root.findtext(f"{cbc}IssueDate")
    assert signing_time[11:] == root.findtext(f"{cbc}IssueTime")


def test_a_built_tree_signed_in_memory_is_the_document_its_bytes_would_give() -> None:
    """The worker signs and validates ``built.root`` without a serialize-and-parse; the
    result must be exactly what signing the serialized document gives."""
    document = dian_samples.sample_invoice(10)
    from_bytes = xades.sign(
        ubl.build(document).xml,
        demo_certificate(),
        signing_time=document.issued_at,
        signature_id="xmldsig-same",
    )
    built = ubl.build(document)
    in_memory = xades.sign(
        built.root, demo_certificate(), signing_time=document.issued_at, signature_id="xmldsig-same"
    )

    def body(xml: bytes) -> bytes:
        return xml[xml.index(b"?>") + 2 :].lstrip()

    assert body(in_memory) == body(from_bytes)
    assert body(built.xml) == body(from_bytes)  # ``xml`` now reads the signed document
    schemas.validate(built.root, signed=True)
    signxml_verify(in_memory)
    assert xades.verify(in_memory).signature_id == "xmldsig-same"


def test_application_response_and_attached_document_are_signed_and_verified() -> None:
    invoice = dian_samples.sample_invoice(2)
    built = ubl.build(invoice)
    signed_invoice_xml = xades.sign(built.xml, demo_certificate(), signing_time=invoice.issued_at)
    dian = other_certificate()
    validated_at = invoice.issued_at + timedelta(minutes=1)
    response = ubl.build_application_response(
        response_id="18680564",
        issued_at=validated_at,
        receiver=invoice.supplier,
        document_number=invoice.number,
        document_key=built.document_key,
        document_type_code="01",
        response_code=ubl.VALIDATED,
        description="Documento validado por la DIAN",
    )
    signed_response = xades.sign(response, dian, signing_time=validated_at, role="third party")
    schemas.validate(signed_response, signed=True)
    assert xades.verify(signed_response).role == "third party"

    attached = ubl.build_attached_document(
        signed_document=signed_invoice_xml,
        application_response=signed_response,
        document=invoice,
        document_key=built.document_key,
        issued_at=validated_at,
    )
    signed_attached = xades.sign(attached, demo_certificate(), signing_time=validated_at)
    schemas.validate(signed_attached, signed=True)
    verified = xades.verify(signed_attached)
    assert verified.certificate == demo_certificate().certificate
    # The invoice travels inside as CDATA and still verifies on its own.
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    descriptions = [
        d.text for d in etree.fromstring(signed_attached).iter(f"{cbc}Description") if d.text
    ]
    inner = next(d for d in descriptions if "<Invoice" in d)
    assert xades.verify(inner.encode("utf-8")).certificate == demo_certificate().certificate


# ------------------------------------------------------------------------------------------
# Signing time in Colombian time


def test_signing_time_is_written_in_colombian_time() -> None:
    bogota = in_bogota(SIGNED_AT)
    for moment in (SIGNED_AT, bogota):
        signed = xades.sign(invoice_xml(), demo_certificate(), signing_time=moment)
        text = properties_of(signature_of(signed)).findtext("xades:SigningTime", namespaces=NS)
        assert text == "2026-11-21T10:15:30-05:00"


def test_an_evening_signature_keeps_the_colombian_date() -> None:
    one_am_utc = datetime(2026, 11, 22, 1, 0, 0, tzinfo=UTC)  # 20:00 of the 21st in Bogotá
    signed = xades.sign(invoice_xml(), demo_certificate(), signing_time=one_am_utc)
    text = properties_of(signature_of(signed)).findtext("xades:SigningTime", namespaces=NS)
    assert text == "2026-11-21T20:00:00-05:00"
    issue_date = etree.fromstring(signed).findtext(
        "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}IssueDate"
    )
    assert text[:10] == issue_date
    assert xades.verify(signed).signing_time == one_am_utc


# ------------------------------------------------------------------------------------------
# What the signer refuses


@pytest.mark.parametrize(
    ("certificate", "problem"),
    [
        (lambda: make_certificate(valid_to=datetime(2026, 1, 1, tzinfo=UTC)), "vencido"),
        (lambda: make_certificate(valid_from=datetime(2027, 1, 1, tzinfo=UTC)), "aún no es válido"),
        (lambda: make_certificate(hash_name="sha1"), "sha1"),
        (lambda: make_certificate(key_size=1024), "1024 bits"),
        (lambda: make_certificate(key_usage=(True, False)), "No repudio"),
    ],
    ids=["expired", "not-yet-valid", "sha1", "1024-bit", "no-non-repudiation"],
)
def test_a_certificate_that_must_not_sign_is_refused(
    certificate: Callable[[], SigningCertificate], problem: str
) -> None:
    with pytest.raises(CertificateError) as caught:
        xades.sign(invoice_xml(), certificate(), signing_time=SIGNED_AT)
    assert len(caught.value.problems) == 1
    assert problem in caught.value.problems[0]


def test_a_document_without_extensions_cannot_be_signed() -> None:
    xml = re.sub(rb"<ext:UBLExtensions>.*</ext:UBLExtensions>", b"", invoice_xml(), flags=re.S)
    with pytest.raises(SignatureError, match="no tiene ext:UBLExtensions"):
        xades.sign(xml, demo_certificate(), signing_time=SIGNED_AT)


def test_the_last_extension_must_be_empty() -> None:
    xml = invoice_xml().replace(
        b"<ext:ExtensionContent>\n      </ext:ExtensionContent>",
        b"<ext:ExtensionContent><cbc:Note>x</cbc:Note></ext:ExtensionContent>",
    )
    with pytest.raises(SignatureError, match="debe estar vac"):
        xades.sign(xml, demo_certificate(), signing_time=SIGNED_AT)


def test_a_signed_document_is_not_signed_again() -> None:
    with pytest.raises(SignatureError, match="ya está firmado"):
        xades.sign(signed_invoice(), demo_certificate(), signing_time=SIGNED_AT)


def test_malformed_xml_is_a_signature_error() -> None:
    with pytest.raises(SignatureError, match="bien formado"):
        xades.sign(b"<Invoice>", demo_certificate(), signing_time=SIGNED_AT)


# ------------------------------------------------------------------------------------------
# Our verifier


def test_verify_returns_what_the_signature_says() -> None:
    verified = xades.verify(signed_invoice())
    assert verified.signing_time == SIGNED_AT
    assert verified.signing_time.utcoffset() == timedelta(hours=-5)
    assert verified.certificate == demo_certificate().certificate
    assert verified.chain == (certificate_authority().certificate,)
    assert verified.role == "supplier"
    assert verified.policy_identifier == xades.POLICY_IDENTIFIER
    assert verified.signature_id.startswith("xmldsig-")


def test_comments_are_not_signed() -> None:
    changed = signed_invoice().replace(b"comments are not signed", b"a different comment")
    assert changed != signed_invoice()
    assert xades.verify(changed).role == "supplier"
    signxml_verify(changed)


def test_a_changed_key_info_certificate_breaks_its_reference() -> None:
    signed = signed_invoice()
    swapped = signed.replace(
        b64(demo_certificate().der).encode(), b64(other_certificate().der).encode()
    )
    with pytest.raises(SignatureError, match=r"URI='#xmldsig-[0-9a-f-]+-keyinfo' no coincide"):
        xades.verify(swapped)


def test_a_changed_signature_value_is_refused() -> None:
    def flip(signature: etree._Element) -> None:
        value = signature.find("ds:SignatureValue", NS)
        raw = bytearray(base64.b64decode(value.text))
        raw[10] ^= 1
        value.text = b64(bytes(raw))

    root = etree.fromstring(signed_invoice())
    flip(root.find(SIGNATURE_PATH, NS))
    with pytest.raises(SignatureError, match="ds:SignatureValue"):
        xades.verify(etree.tostring(root))


def _set_certificates(*certificates: SigningCertificate) -> Callable[[etree._Element], None]:
    def change(signature: etree._Element) -> None:
        x509_data = signature.find("ds:KeyInfo/ds:X509Data", NS)
        for element in list(x509_data):
            x509_data.remove(element)
        for certificate in certificates:
            etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = b64(certificate.der)

    return change


def test_a_swapped_certificate_does_not_match_signing_certificate() -> None:
    # Signed by another valid key, whose certificate is in KeyInfo, but SignedProperties
    # still describes the demo certificate.
    swapped = reseal(signed_invoice(), other_certificate(), _set_certificates(other_certificate()))
    signxml_verify_other = XMLVerifier().verify(
        swapped,
        x509_cert=other_certificate().certificate,
        expect_config=SignatureConfiguration(expect_references=3),
    )
    assert len(signxml_verify_other) == 3  # the reseal itself is sound
    with pytest.raises(SignatureError, match="CertDigest no corresponde al certificado"):
        xades.verify(swapped)


def _set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(signature: etree._Element) -> None:
        element = signature.find(path, NS)
        assert element is not None
        element.text = text

    return change


PROPERTIES = (
    "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties/"
)
POLICY = PROPERTIES + "xades:SignaturePolicyIdentifier/xades:SignaturePolicyId/"
ISSUER_SERIAL = PROPERTIES + "xades:SigningCertificate/xades:Cert/xades:IssuerSerial/"


def test_the_reseal_helper_alone_keeps_the_signature_valid() -> None:
    resealed = reseal(signed_invoice(), demo_certificate(), lambda signature: None)
    assert xades.verify(resealed).role == "supplier"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set_text(POLICY + "xades:SigPolicyHash/ds:DigestValue", b64(b"\0" * 32)),
            "SigPolicyHash no es el digest de la política de firma de la DIAN",
        ),
        (
            _set_text(POLICY + "xades:SigPolicyId/xades:Identifier", "https://example.com/p.pdf"),
            "no es la de la DIAN",
        ),
        (
            _set_text(ISSUER_SERIAL + "ds:X509SerialNumber", "12345"),
            "X509SerialNumber 12345",
        ),
        (
            _set_text(ISSUER_SERIAL + "ds:X509SerialNumber", "0x2A"),
            "X509SerialNumber 0x2A",
        ),
        (
            _set_text(ISSUER_SERIAL + "ds:X509IssuerName", "CN=AC Facturo Pruebas,C=CO"),
            "X509IssuerName 'CN=AC Facturo Pruebas,C=CO'",
        ),
        (
            _set_text(PROPERTIES + "xades:SigningTime", "2031-06-01T10:00:00-05:00"),
            "no podía firmar en xades:SigningTime: El certificado está vencido",
        ),
        (
            _set_text(PROPERTIES + "xades:SigningTime", "2026-11-21T10:15:30"),
            "SigningTime no tiene zona horaria",
        ),
        (
            _set_text(PROPERTIES + "xades:SigningTime", "ayer"),
            "SigningTime no es una fecha",
        ),
    ],
    ids=[
        "policy-hash",
        "policy-identifier",
        "serial",
        "serial-not-decimal",
        "issuer-name",
        "signing-time-after-expiry",
        "signing-time-without-zone",
        "signing-time-garbage",
    ],
)
def test_wrong_signed_properties_are_refused(
    change: Callable[[etree._Element], None], message: str
) -> None:
    tampered = reseal(signed_invoice(), demo_certificate(), change)
    with pytest.raises(SignatureError, match=re.escape(message)):
        xades.verify(tampered)


def test_issuer_name_is_compared_as_a_name_not_as_text() -> None:
    # How Java and .NET print the same issuer: spaces after commas, other keywords,
    # unknown attributes as #hex DER; and another letter case.
    issuer = (
        "E=AC@pruebas.facturo.co, CN=AC Facturo Pruebas, OU=NIT 830084433-7, "
        "O=Autoridad de Pruebas Facturo\\, S.A.S., L=Bogotá D.C., "
        "OID.2.5.4.8=#0c10446973747269746f204361706974616c, C=co"
    )
    change = _set_text(ISSUER_SERIAL + "ds:X509IssuerName", issuer)
    assert xades.verify(reseal(signed_invoice(), demo_certificate(), change)).role == "supplier"


def test_signing_certificate_v2_is_refused() -> None:
    def add_v2(signature: etree._Element) -> None:
        properties = signature.find(PROPERTIES.rstrip("/"), NS)
        v2 = copy.deepcopy(properties.find("xades:SigningCertificate", NS))
        v2.tag = f"{{{XADES}}}SigningCertificateV2"
        properties.insert(2, v2)

    tampered = reseal(signed_invoice(), demo_certificate(), add_v2)
    with pytest.raises(SignatureError, match="SigningCertificateV2"):
        xades.verify(tampered)


def test_a_sha1_cert_digest_is_refused() -> None:
    def sha1_digest(signature: etree._Element) -> None:
        digest = signature.find(
            PROPERTIES + "xades:SigningCertificate/xades:Cert/xades:CertDigest", NS
        )
        digest.find("ds:DigestMethod", NS).set(
            "Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1"
        )
        digest.find("ds:DigestValue", NS).text = b64(
            hashlib.sha1(demo_certificate().der).digest()  # noqa: S324
        )

    with pytest.raises(SignatureError, match="CertDigest usa SHA-1"):
        xades.verify(reseal(signed_invoice(), demo_certificate(), sha1_digest))


def _remove(path: str) -> Callable[[etree._Element], None]:
    def change(signature: etree._Element) -> None:
        element = signature.find(path, NS)
        assert element is not None
        element.getparent().remove(element)

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_remove(PROPERTIES + "xades:SignerRole"), "Falta xades:SignerRole"),
        (
            _remove(PROPERTIES + "xades:SignaturePolicyIdentifier"),
            "Falta xades:SignaturePolicyIdentifier",
        ),
        (_remove(PROPERTIES + "xades:SigningCertificate"), "Falta xades:SigningCertificate"),
        (_remove(PROPERTIES + "xades:SigningTime"), "Falta xades:SigningTime"),
        (_remove("ds:SignedInfo/ds:Reference[2]"), "Ninguna ds:Reference cubre ds:KeyInfo"),
        (
            _remove("ds:SignedInfo/ds:Reference[3]"),
            "Ninguna ds:Reference cubre xades:SignedProperties",
        ),
        (_remove("ds:SignedInfo/ds:Reference[1]"), "Ninguna ds:Reference cubre el documento"),
        (_remove("ds:Object"), "Falta ds:Object/xades:QualifyingProperties"),
    ],
    ids=[
        "signer-role",
        "policy",
        "signing-certificate",
        "signing-time",
        "keyinfo-reference",
        "properties-reference",
        "document-reference",
        "qualifying-properties",
    ],
)
def test_missing_elements_are_named(change: Callable[[etree._Element], None], message: str) -> None:
    with pytest.raises(SignatureError, match=re.escape(message)):
        xades.verify(reseal(signed_invoice(), demo_certificate(), change))


def test_rsa_sha1_is_refused() -> None:
    signed = signed_invoice().replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )
    with pytest.raises(SignatureError, match="rsa-sha1"):
        xades.verify(signed)


def test_a_repeated_id_is_refused() -> None:
    # Signature wrapping: a second element carrying the KeyInfo's Id elsewhere.
    root = etree.fromstring(signed_invoice())
    key_info = root.find(SIGNATURE_PATH + "/ds:KeyInfo", NS)
    first_content = root.find("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)
    first_content.append(copy.deepcopy(key_info))
    with pytest.raises(SignatureError, match="aparece más de una vez"):
        xades.verify(etree.tostring(root))


def test_an_unsigned_document_has_no_signature() -> None:
    with pytest.raises(SignatureError, match="No hay ds:Signature"):
        xades.verify(invoice_xml())


def test_a_signature_outside_the_last_extension_is_not_dians() -> None:
    root = etree.fromstring(signed_invoice())
    signature = root.find(SIGNATURE_PATH, NS)
    first_content = root.find("ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent", NS)
    first_content.append(signature)
    with pytest.raises(SignatureError, match="No hay ds:Signature en la última"):
        xades.verify(etree.tostring(root))


# ------------------------------------------------------------------------------------------
# Signatures made by other signers


class DianXAdESSigner(XAdESSigner):
    """signxml's XAdES signer made DIAN-shaped (shared/reference/dian.md §3.3): SigningTime
    in Colombian time, the legacy SigningCertificate with a SHA-256 digest, RFC 4514 issuer
    and decimal serial, and no DataObjectFormat."""

    def __init__(self, signing_time: datetime, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.signing_time = signing_time
        self.signed_data_object_properties_annotators = []

    def add_signing_time(
        self,
        properties: etree._Element,
        sig_root: etree._Element,
        signing_settings: SigningSettings,
    ) -> None:
        element = etree.SubElement(properties, f"{{{XADES}}}SigningTime")
        element.text = in_bogota(self.signing_time).isoformat()

    def add_signing_certificate(
        self,
        properties: etree._Element,
        sig_root: etree._Element,
        signing_settings: SigningSettings,
    ) -> None:
        assert signing_settings.cert_chain is not None
        certificate = signing_settings.cert_chain[0]
        der = certificate.public_bytes(serialization.Encoding.DER)
        cert = etree.SubElement(
            etree.SubElement(properties, f"{{{XADES}}}SigningCertificate"), f"{{{XADES}}}Cert"
        )
        digest = etree.SubElement(cert, f"{{{XADES}}}CertDigest")
        etree.SubElement(digest, f"{{{DS}}}DigestMethod", Algorithm=DigestAlgorithm.SHA256.value)
        etree.SubElement(digest, f"{{{DS}}}DigestValue").text = b64(hashlib.sha256(der).digest())
        issuer_serial = etree.SubElement(cert, f"{{{XADES}}}IssuerSerial")
        etree.SubElement(
            issuer_serial, f"{{{DS}}}X509IssuerName"
        ).text = certificate.issuer.rfc4514_string()
        etree.SubElement(issuer_serial, f"{{{DS}}}X509SerialNumber").text = str(
            certificate.serial_number
        )


def signxml_signed_invoice() -> bytes:
    certificate = demo_certificate()
    root = etree.fromstring(invoice_xml())
    content = root.find("ext:UBLExtensions/ext:UBLExtension[last()]/ext:ExtensionContent", NS)
    content.text = None
    etree.SubElement(content, f"{{{DS}}}Signature", Id="placeholder")
    signer = DianXAdESSigner(
        SIGNED_AT,
        signature_policy=DIAN_POLICY,
        claimed_roles=["supplier"],
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed_root = signer.sign(
        root, key=certificate.private_key, cert=[certificate.certificate, *certificate.chain]
    )
    return etree.tostring(signed_root.getroottree(), encoding="UTF-8", xml_declaration=True)


def test_we_verify_a_signature_made_by_signxml() -> None:
    signed = signxml_signed_invoice()
    signature = signature_of(signed)
    # signxml orders the references differently and adds a C14N transform and a KeyValue.
    uris = [r.get("URI") for r in signature.iterfind("ds:SignedInfo/ds:Reference", NS)]
    assert uris[0] == "" and "SignedProperties" in uris[1]
    assert signature.find("ds:KeyInfo/ds:KeyValue", NS) is not None
    assert schema_errors(signature) == []

    verified = xades.verify(signed)
    assert verified.role == "supplier"
    assert verified.signing_time == SIGNED_AT
    assert verified.certificate == demo_certificate().certificate

    with pytest.raises(SignatureError, match="URI='' no coincide"):
        xades.verify(signed.replace(b">1190000.00<", b">1190000.09<"))


def exclusive_variant(signed: bytes) -> bytes:
    """Our signature redone with exclusive C14N everywhere, declared as transforms."""

    def to_exclusive(signature: etree._Element) -> None:
        signature.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).set(
            "Algorithm", xades.EXCLUSIVE_C14N
        )
        references = signature.findall("ds:SignedInfo/ds:Reference", NS)
        etree.SubElement(
            references[0].find("ds:Transforms", NS),
            f"{{{DS}}}Transform",
            Algorithm=xades.EXCLUSIVE_C14N,
        )
        original = etree.fromstring(invoice_xml()).getroottree()
        document_c14n = etree.tostring(original, method="c14n", exclusive=True, with_comments=False)
        references[0].find("ds:DigestValue", NS).text = b64(hashlib.sha256(document_c14n).digest())
        for reference in references[1:]:
            transforms = etree.Element(f"{{{DS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=xades.EXCLUSIVE_C14N)
            reference.insert(0, transforms)

    return reseal(signed, demo_certificate(), to_exclusive, exclusive=True)


def test_we_verify_an_exclusive_c14n_signature() -> None:
    signed = exclusive_variant(signed_invoice())
    signxml_verify(signed)  # the variant is sound
    assert xades.verify(signed).role == "supplier"
    with pytest.raises(SignatureError, match="URI='' no coincide"):
        xades.verify(signed.replace(b">1190000.00<", b">1190000.09<"))


def test_transforms_we_do_not_apply_are_refused() -> None:
    def add_xpath(signature: etree._Element) -> None:
        transforms = signature.find("ds:SignedInfo/ds:Reference/ds:Transforms", NS)
        etree.SubElement(
            transforms,
            f"{{{DS}}}Transform",
            Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116",
        )

    with pytest.raises(SignatureError, match="Transformación no soportada"):
        xades.verify(reseal(signed_invoice(), demo_certificate(), add_xpath))


# ------------------------------------------------------------------------------------------
# Speed (printed, not asserted: the target is build + sign ≤ 2 ms per 10-line invoice)


def test_print_signing_time_of_a_ten_line_invoice() -> None:
    document = dian_samples.sample_invoice(10)
    xml = ubl.build(document).xml
    certificate = demo_certificate()
    xades.sign(xml, certificate, signing_time=document.issued_at)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        xades.sign(xml, certificate, signing_time=document.issued_at)
    signing = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    for _ in range(rounds):
        xades.sign(ubl.build(document).xml, certificate, signing_time=document.issued_at)
    both = (time.perf_counter() - started) / rounds * 1000
    print(f"\nxades.sign of a 10-line invoice: {signing:.3f} ms; build + sign: {both:.3f} ms")
