"""The DIAN SOAP client: signed envelopes, the answers it reads, ZIP packages."""

from __future__ import annotations

import base64
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import XMLVerifier

from facturo.dian import certificates, keys, soap
from facturo.dian.certificates import SigningCertificate
from facturo.dian.errors import SignatureError, SoapFault, TransportError

ENDPOINT = soap.HABILITACION_ENDPOINT
NS = {
    "soap": soap.SOAP_NS,
    "wsa": soap.WSA_NS,
    "wsse": soap.WSSE_NS,
    "wsu": soap.WSU_NS,
    "ds": soap.DS_NS,
    "ec": soap.EC_NS,
    "wcf": soap.WCF_NS,
}


def _certificate(name: str, *, days: int = 365) -> SigningCertificate:
    now = datetime.now(UTC)
    return certificates.generate_certificate(
        common_name=name,
        nit="900123456",
        organization=f"{name} S.A.S.",
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=days),
    )


@pytest.fixture(scope="module")
def company() -> SigningCertificate:
    return _certificate("Empresa de Prueba")


@pytest.fixture(scope="module")
def stranger() -> SigningCertificate:
    return _certificate("Otra Empresa")


def _first(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, path
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def _envelope(signer: SigningCertificate, **options: object) -> bytes:
    return soap.build_envelope(
        soap.Operation.SEND_BILL_SYNC,
        (("fileName", "z0900123456000240000001a.zip"), ("contentFile", "UEsDBA==")),
        signer,
        ENDPOINT,
        **options,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- envelopes


def test_envelope_has_the_layout_of_the_dian_policy(company: SigningCertificate) -> None:
    created = datetime(2026, 3, 5, 14, 30, 0, 250000, tzinfo=UTC)
    root = etree.fromstring(_envelope(company, now=created))

    assert root.tag == f"{{{soap.SOAP_NS}}}Envelope"
    assert _first(root, "soap:Header/wsa:Action").text == (
        "http://wcf.dian.colombia/IWcfDianCustomerServices/SendBillSync"
    )
    to = _first(root, "soap:Header/wsa:To")
    assert to.text == ENDPOINT
    to_id = to.get(f"{{{soap.WSU_NS}}}Id")
    assert to_id

    security = _first(root, "soap:Header/wsse:Security")
    assert security.get(f"{{{soap.SOAP_NS}}}mustUnderstand") == "1"
    assert [etree.QName(child).localname for child in security] == [
        "Timestamp",
        "BinarySecurityToken",
        "Signature",
    ]
    assert _first(security, "wsu:Timestamp/wsu:Created").text == "2026-03-05T14:30:00.250Z"
    assert _first(security, "wsu:Timestamp/wsu:Expires").text == "2026-03-05T14:35:00.250Z"

    token = _first(security, "wsse:BinarySecurityToken")
    assert token.get("ValueType") == (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
    )
    assert token.get("EncodingType") == (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
    )
    assert base64.b64decode(token.text or "") == company.certificate.public_bytes(Encoding.DER)

    signed_info = _first(security, "ds:Signature/ds:SignedInfo")
    c14n = _first(signed_info, "ds:CanonicalizationMethod")
    assert c14n.get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert _first(c14n, "ec:InclusiveNamespaces").get("PrefixList") == "wsa soap wcf"
    assert _first(signed_info, "ds:SignatureMethod").get("Algorithm") == (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    references = signed_info.findall(f"{{{soap.DS_NS}}}Reference")
    assert [reference.get("URI") for reference in references] == [f"#{to_id}"]
    transform = _first(references[0], "ds:Transforms/ds:Transform")
    assert transform.get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert _first(transform, "ec:InclusiveNamespaces").get("PrefixList") == "soap wcf"
    assert _first(references[0], "ds:DigestMethod").get("Algorithm") == (
        "http://www.w3.org/2001/04/xmlenc#sha256"
    )
    token_reference = _first(
        security, "ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference"
    )
    assert token_reference.get("URI") == f"#{token.get(f'{{{soap.WSU_NS}}}Id')}"

    call = _first(root, "soap:Body/wcf:SendBillSync")
    assert [(etree.QName(child).localname, child.text) for child in call] == [
        ("fileName", "z0900123456000240000001a.zip"),
        ("contentFile", "UEsDBA=="),
    ]


def test_envelope_verifies_with_an_independent_verifier(company: SigningCertificate) -> None:
    envelope = _envelope(company)
    # signxml's bundled xmldsig XSD does not know ec:InclusiveNamespaces, and the key is
    # referenced through a WS-Security token: give it the certificate, skip the XSD.
    result = XMLVerifier().verify(
        envelope,
        x509_cert=company.certificate,
        validate_schema=False,
        ignore_ambiguous_key_info=True,
    )
    assert not isinstance(result, list)
    assert result.signed_xml is not None
    assert result.signed_xml.tag == f"{{{soap.WSA_NS}}}To"
    assert result.signed_xml.text == ENDPOINT


def test_a_received_envelope_gives_its_signer_and_its_call(company: SigningCertificate) -> None:
    received = soap.open_envelope(_envelope(company))

    assert received.certificate == company.certificate
    assert soap.verify_envelope(_envelope(company)) == company.certificate
    assert received.action == soap.Operation.SEND_BILL_SYNC.action
    assert received.to == ENDPOINT
    assert received.operation == "SendBillSync"
    assert dict(received.parameters) == {
        "fileName": "z0900123456000240000001a.zip",
        "contentFile": "UEsDBA==",
    }


def test_tampered_to_is_refused(company: SigningCertificate) -> None:
    envelope = _envelope(company).replace(
        ENDPOINT.encode(), b"https://attacker.example/WcfDianCustomerServices.svc"
    )
    with pytest.raises(SignatureError, match="digest"):
        soap.verify_envelope(envelope)


def test_expired_timestamp_is_refused(company: SigningCertificate) -> None:
    sent = datetime.now(UTC) - timedelta(minutes=20)
    with pytest.raises(SignatureError, match="expired"):
        soap.verify_envelope(_envelope(company, now=sent))
    # Within the clock-skew allowance the same envelope passes.
    assert soap.verify_envelope(_envelope(company, now=sent), skew=timedelta(minutes=16))


def test_timestamp_from_the_future_is_refused(company: SigningCertificate) -> None:
    with pytest.raises(SignatureError, match="future"):
        soap.verify_envelope(_envelope(company, now=datetime.now(UTC) + timedelta(minutes=30)))


def test_the_signature_must_match_the_token_certificate(
    company: SigningCertificate, stranger: SigningCertificate
) -> None:
    envelope = _envelope(company)
    root = etree.fromstring(envelope)
    token = _first(root, "//wsse:BinarySecurityToken")
    token.text = base64.b64encode(stranger.certificate.public_bytes(Encoding.DER)).decode()
    with pytest.raises(SignatureError, match="does not verify"):
        soap.verify_envelope(etree.tostring(root))


def test_an_altered_signature_value_is_refused(company: SigningCertificate) -> None:
    root = etree.fromstring(_envelope(company))
    value = _first(root, "//ds:SignatureValue")
    raw = bytearray(base64.b64decode(value.text or ""))
    raw[10] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureError):
        soap.verify_envelope(etree.tostring(root))


def test_an_expired_certificate_is_refused() -> None:
    now = datetime.now(UTC)
    old = certificates.generate_certificate(
        common_name="Vencida",
        nit="900123456",
        organization="Vencida S.A.S.",
        valid_from=now - timedelta(days=400),
        valid_to=now - timedelta(days=30),
    )
    with pytest.raises(SignatureError, match="expired"):
        soap.verify_envelope(_envelope(old))


def test_a_missing_timestamp_is_refused(company: SigningCertificate) -> None:
    root = etree.fromstring(_envelope(company))
    timestamp = _first(root, "//wsu:Timestamp")
    timestamp.getparent().remove(timestamp)  # type: ignore[union-attr]
    with pytest.raises(SignatureError, match="Timestamp"):
        soap.verify_envelope(etree.tostring(root))


def test_a_duplicated_id_is_refused(company: SigningCertificate) -> None:
    """Signature wrapping: a second element with the signed id must not be accepted."""
    root = etree.fromstring(_envelope(company))
    to = _first(root, "//wsa:To")
    body = _first(root, "soap:Body")
    decoy = etree.SubElement(
        body, f"{{{soap.WSA_NS}}}To", {f"{{{soap.WSU_NS}}}Id": to.get(f"{{{soap.WSU_NS}}}Id", "")}
    )
    decoy.text = ENDPOINT
    with pytest.raises(SignatureError, match="twice"):
        soap.verify_envelope(etree.tostring(root))


def test_not_an_envelope_is_malformed() -> None:
    with pytest.raises(soap.MalformedEnvelope):
        soap.open_envelope(b"<html>no</html")
    with pytest.raises(soap.MalformedEnvelope):
        soap.open_envelope(b"<Envelope/>")


def test_timestamp_lifetime_is_bounded(company: SigningCertificate) -> None:
    with pytest.raises(ValueError, match="60 seconds"):
        _envelope(company, lifetime=timedelta(minutes=10))
    root = etree.fromstring(
        _envelope(
            company, now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), lifetime=timedelta(seconds=60)
        )
    )
    assert _first(root, "//wsu:Expires").text == "2026-01-02T03:05:05.000Z"


# --------------------------------------------------------------------------- answers

_HEADER = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://www.w3.org/2005/08/addressing" '
    'xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">'
    '<s:Header><a:Action s:mustUnderstand="1">http://wcf.dian.colombia/IWcfDianCustomerServices/{op}Response</a:Action>'
    '<o:Security s:mustUnderstand="1" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
    '<u:Timestamp u:Id="_0"><u:Created>2026-03-05T14:30:01.123Z</u:Created><u:Expires>2026-03-05T14:35:01.123Z</u:Expires></u:Timestamp>'
    "</o:Security></s:Header><s:Body>"
)
_FOOTER = "</s:Body></s:Envelope>"
APPLICATION_RESPONSE = (
    b'<?xml version="1.0" encoding="UTF-8"?><ApplicationResponse '
    b'xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"/>'
)
CUFE = "8bb918b19ba22a694f1da11c643b5e9de39adf60311cf179179e9b33381030bcd4c3c3f156c506ed5908f9276f5bd9b4"


def _answer(op: str, result: str) -> bytes:
    return (
        _HEADER.format(op=op)
        + f'<{op}Response xmlns="http://wcf.dian.colombia">{result}</{op}Response>'
        + _FOOTER
    ).encode()


def _dian_response(inner: str, *, op: str = "SendBillSync") -> str:
    return (
        f'<{op}Result xmlns:b="http://schemas.datacontract.org/2004/07/DianResponse" '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">{inner}</{op}Result>'
    )


ACCEPTED = _answer(
    "SendBillSync",
    _dian_response(
        '<b:ErrorMessage xmlns:c="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>'
        "<b:IsValid>true</b:IsValid><b:StatusCode>00</b:StatusCode>"
        "<b:StatusDescription>Procesado Correctamente.</b:StatusDescription>"
        "<b:StatusMessage>La Factura electrónica SETP990000002, ha sido autorizada.</b:StatusMessage>"
        f"<b:XmlBase64Bytes>{base64.b64encode(APPLICATION_RESPONSE).decode()}</b:XmlBase64Bytes>"
        '<b:XmlBytes i:nil="true"/>'
        f"<b:XmlDocumentKey>{CUFE}</b:XmlDocumentKey>"
        "<b:XmlFileName>fv09001234560002600000002</b:XmlFileName>"
    ),
)
# The same contract with its children shuffled and some left out: WCF does not promise order.
REJECTED = _answer(
    "SendBillSync",
    _dian_response(
        f"<b:XmlDocumentKey>{CUFE}</b:XmlDocumentKey>"
        "<b:StatusCode>99</b:StatusCode><b:IsValid>false</b:IsValid>"
        '<b:ErrorMessage xmlns:c="http://schemas.microsoft.com/2003/10/Serialization/Arrays">'
        "<c:string>Regla: FAD06, Rechazo: Valor del CUFE no está calculado correctamente</c:string>"
        "<c:string>Regla: FAJ50, Notificación: El prefijo debe corresponder al código de la sucursal</c:string>"
        "<c:string>Regla: ZE02, Rechazo: Valor de la firma inválido</c:string>"
        "</b:ErrorMessage>"
        "<b:StatusDescription>Validación contiene errores en campos mandatorios.</b:StatusDescription>"
    ),
)
FAULT = (
    b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">'
    b'<s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header>'
    b"<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>"
    b'<s:Value xmlns:a="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">a:InvalidSecurity</s:Value>'
    b'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">An error occurred when verifying security for the message.</s:Text>'
    b"</s:Reason></s:Fault></s:Body></s:Envelope>"
)
ZIP_KEY = "79351fbb-b8cd-4504-bf19-09a7f6f2d3d7"
UPLOADED = _answer(
    "SendTestSetAsync",
    '<SendTestSetAsyncResult xmlns:b="http://schemas.datacontract.org/2004/07/UploadDocumentResponse" '
    'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
    '<b:ErrorMessageList i:nil="true" xmlns:c="http://schemas.datacontract.org/2004/07/XmlParamsResponseTrackId"/>'
    f"<b:ZipKey>{ZIP_KEY}</b:ZipKey></SendTestSetAsyncResult>",
)
UPLOAD_REFUSED = _answer(
    "SendBillAsync",
    '<SendBillAsyncResult xmlns:b="http://schemas.datacontract.org/2004/07/UploadDocumentResponse">'
    '<b:ErrorMessageList xmlns:c="http://schemas.datacontract.org/2004/07/XmlParamsResponseTrackId">'
    "<c:XmlParamsResponseTrackId><c:DocumentKey/><c:ProcessedMessage>Error al almacenar archivo zip.</c:ProcessedMessage>"
    "<c:Success>false</c:Success><c:XmlFileName>z1.zip</c:XmlFileName></c:XmlParamsResponseTrackId>"
    "</b:ErrorMessageList><b:ZipKey/></SendBillAsyncResult>",
)
BATCH_PENDING = _answer(
    "GetStatusZip",
    _dian_response(
        "<b:DianResponse>"
        '<b:ErrorMessage i:nil="true" xmlns:c="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>'
        "<b:IsValid>false</b:IsValid><b:StatusCode/>"
        "<b:StatusDescription>Batch en proceso de validación.</b:StatusDescription>"
        '<b:StatusMessage i:nil="true"/><b:XmlBase64Bytes i:nil="true"/><b:XmlBytes i:nil="true"/>'
        '<b:XmlDocumentKey i:nil="true"/><b:XmlFileName i:nil="true"/></b:DianResponse>',
        op="GetStatusZip",
    ),
)
BATCH_DONE = _answer(
    "GetStatusZip",
    _dian_response(
        "<b:DianResponse><b:IsValid>true</b:IsValid><b:StatusCode>00</b:StatusCode>"
        f"<b:StatusDescription>Procesado Correctamente.</b:StatusDescription><b:XmlDocumentKey>{CUFE}</b:XmlDocumentKey>"
        "</b:DianResponse><b:DianResponse><b:IsValid>false</b:IsValid><b:StatusCode>99</b:StatusCode>"
        '<b:ErrorMessage xmlns:c="http://schemas.microsoft.com/2003/10/Serialization/Arrays">'
        "<c:string>Regla: FAB10a, Rechazo: El prefijo no corresponde</c:string></b:ErrorMessage>"
        "</b:DianResponse>",
        op="GetStatusZip",
    ),
)
UNKNOWN_TRACK_ID = _answer(
    "GetStatus",
    _dian_response(
        "<b:IsValid>false</b:IsValid><b:StatusCode>66</b:StatusCode>"
        "<b:StatusDescription>TrackId no existe en los registros de la DIAN.</b:StatusDescription>",
        op="GetStatus",
    ),
)
RANGES = _answer(
    "GetNumberingRange",
    '<GetNumberingRangeResult xmlns:b="http://schemas.datacontract.org/2004/07/NumberRangeResponseList" '
    'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
    "<b:OperationCode>100</b:OperationCode><b:OperationDescription>Acción completada OK.</b:OperationDescription>"
    '<b:ResponseList xmlns:c="http://schemas.datacontract.org/2004/07/NumberRangeResponse">'
    "<c:NumberRangeResponse><c:ResolutionNumber>18760000001</c:ResolutionNumber><c:ResolutionDate>2019-01-19</c:ResolutionDate>"
    "<c:Prefix>SETP</c:Prefix><c:FromNumber>990000000</c:FromNumber><c:ToNumber>995000000</c:ToNumber>"
    "<c:ValidDateFrom>2019-01-19</c:ValidDateFrom><c:ValidDateTo>2030-01-19</c:ValidDateTo>"
    f"<c:TechnicalKey>{keys.HABILITACION_TECHNICAL_KEY}</c:TechnicalKey></c:NumberRangeResponse>"
    "</b:ResponseList></GetNumberingRangeResult>",
)
XML_NOT_FOUND = _answer(
    "GetXmlByDocumentKey",
    '<GetXmlByDocumentKeyResult xmlns:b="http://schemas.datacontract.org/2004/07/EventResponse">'
    f"<b:Code>404</b:Code><b:Message>Xml con CUFE: '{CUFE}' no encontrado.</b:Message>"
    '<b:XmlBytesBase64 i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/></GetXmlByDocumentKeyResult>',
)
XML_FOUND = _answer(
    "GetXmlByDocumentKey",
    '<GetXmlByDocumentKeyResult xmlns:b="http://schemas.datacontract.org/2004/07/EventResponse">'
    "<b:Code>100</b:Code><b:Message>Accion completada OK</b:Message>"
    f"<b:XmlBytesBase64>{base64.b64encode(b'<Invoice/>').decode()}</b:XmlBytesBase64></GetXmlByDocumentKeyResult>",
)


class Recorder:
    """A mock transport that answers with canned bytes and keeps what was sent."""

    def __init__(
        self, answer: bytes | Callable[[httpx.Request], httpx.Response], status: int = 200
    ) -> None:
        self.answer = answer
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self.answer):
            return self.answer(request)
        return httpx.Response(
            self.status,
            content=self.answer,
            headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        )


def _client(company: SigningCertificate, recorder: Recorder) -> soap.DianClient:
    return soap.DianClient(ENDPOINT, company, transport=httpx.MockTransport(recorder))


def test_an_accepted_document(company: SigningCertificate) -> None:
    recorder = Recorder(ACCEPTED)
    with _client(company, recorder) as client:
        response = client.send_bill_sync("z0900123456000260000002.zip", b"PK-zip-bytes")

    assert response.is_valid
    assert response.status_code == "00"
    assert response.status_description == "Procesado Correctamente."
    assert response.status_message == "La Factura electrónica SETP990000002, ha sido autorizada."
    assert response.error_messages == ()
    assert response.rule_codes == ()
    assert response.xml_document_key == CUFE
    assert response.xml_file_name == "fv09001234560002600000002"
    assert response.application_response == APPLICATION_RESPONSE

    # What went over the wire: the SOAP 1.2 content type with the action, a signed envelope.
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == ENDPOINT
    assert request.headers["Content-Type"] == (
        'application/soap+xml; charset=utf-8; action="http://wcf.dian.colombia/IWcfDianCustomerServices/SendBillSync"'
    )
    received = soap.open_envelope(request.content)
    assert received.certificate == company.certificate
    assert received.parameters["fileName"] == "z0900123456000260000002.zip"
    assert base64.b64decode(received.parameters["contentFile"]) == b"PK-zip-bytes"


def test_a_rejected_document_lists_its_rules_in_any_order(company: SigningCertificate) -> None:
    with _client(company, Recorder(REJECTED)) as client:
        response = client.send_bill_sync("z.zip", b"zip")

    assert not response.is_valid
    assert response.status_code == "99"
    assert response.status_description == "Validación contiene errores en campos mandatorios."
    assert response.status_message == ""
    assert response.error_messages == (
        "Regla: FAD06, Rechazo: Valor del CUFE no está calculado correctamente",
        "Regla: FAJ50, Notificación: El prefijo debe corresponder al código de la sucursal",
        "Regla: ZE02, Rechazo: Valor de la firma inválido",
    )
    assert response.rule_codes == ("FAD06", "FAJ50", "ZE02")
    assert response.rejection_codes == ("FAD06", "ZE02")
    assert response.application_response is None
    assert response.xml_file_name == ""


def test_a_soap_fault_is_raised_with_its_code(company: SigningCertificate) -> None:
    with (
        _client(company, Recorder(FAULT, status=500)) as client,
        pytest.raises(SoapFault) as raised,
    ):
        client.get_status(CUFE)
    assert raised.value.code == "InvalidSecurity"
    assert raised.value.reason == "An error occurred when verifying security for the message."


def test_an_async_upload_returns_its_zip_key(company: SigningCertificate) -> None:
    recorder = Recorder(UPLOADED)
    with _client(company, recorder) as client:
        result = client.send_test_set_async("z.zip", b"zip", "0f6a1d3c-test-set")
    assert result == soap.UploadResult(zip_key=ZIP_KEY, error_messages=())
    assert result.accepted
    received = soap.open_envelope(recorder.requests[0].content)
    assert received.operation == "SendTestSetAsync"
    assert received.parameters["testSetId"] == "0f6a1d3c-test-set"

    with _client(company, Recorder(UPLOAD_REFUSED)) as client:
        refused = client.send_bill_async("z1.zip", b"zip")
    assert not refused.accepted
    assert refused.error_messages == ("z1.zip: Error al almacenar archivo zip.",)


def test_a_pending_batch_then_its_verdicts(company: SigningCertificate) -> None:
    with _client(company, Recorder(BATCH_PENDING)) as client:
        (pending,) = client.get_status_zip(ZIP_KEY)
    assert pending.is_pending
    assert not pending.is_valid
    assert pending.status_code == ""
    assert pending.status_description == soap.PENDING_BATCH
    assert pending.error_messages == ()

    with _client(company, Recorder(BATCH_DONE)) as client:
        accepted, rejected = client.get_status_zip(ZIP_KEY)
    assert (accepted.is_valid, accepted.status_code, accepted.xml_document_key) == (
        True,
        "00",
        CUFE,
    )
    assert not accepted.is_pending
    assert (rejected.is_valid, rejected.status_code, rejected.rule_codes) == (
        False,
        "99",
        ("FAB10a",),
    )


def test_an_unknown_track_id(company: SigningCertificate) -> None:
    with _client(company, Recorder(UNKNOWN_TRACK_ID)) as client:
        response = client.get_status("no-such-key")
    assert response.is_unknown
    assert response.status_description == "TrackId no existe en los registros de la DIAN."


def test_numbering_ranges(company: SigningCertificate) -> None:
    recorder = Recorder(RANGES)
    with _client(company, recorder) as client:
        result = client.get_numbering_range("900123456", "900123456", "software-id")
    assert result.ok
    assert result.description == "Acción completada OK."
    assert result.ranges == (
        soap.NumberingRange(
            resolution_number="18760000001",
            resolution_date=date(2019, 1, 19),
            prefix="SETP",
            from_number=990000000,
            to_number=995000000,
            valid_from=date(2019, 1, 19),
            valid_to=date(2030, 1, 19),
            technical_key=keys.HABILITACION_TECHNICAL_KEY,
        ),
    )
    parameters = soap.open_envelope(recorder.requests[0].content).parameters
    assert dict(parameters) == {
        "accountCode": "900123456",
        "accountCodeT": "900123456",
        "softwareCode": "software-id",
    }


def test_xml_by_document_key(company: SigningCertificate) -> None:
    with _client(company, Recorder(XML_FOUND)) as client:
        assert client.get_xml_by_document_key(CUFE) == b"<Invoice/>"
    with (
        _client(company, Recorder(XML_NOT_FOUND)) as client,
        pytest.raises(soap.RequestRefused) as raised,
    ):
        client.get_xml_by_document_key(CUFE)
    assert raised.value.code == "404"
    assert CUFE in raised.value.message


@pytest.mark.parametrize(
    ("failure", "kind", "processed"),
    [
        (httpx.ReadTimeout("read timed out"), "timeout", True),
        (httpx.ConnectTimeout("connect timed out"), "connect-timeout", False),
        (httpx.ConnectError("[Errno 111] Connection refused"), "refused", False),
        (httpx.RemoteProtocolError("peer closed connection"), "network", True),
    ],
)
def test_transport_failures_say_what_happened(
    company: SigningCertificate, failure: httpx.HTTPError, kind: str, processed: bool
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with _client(company, Recorder(fail)) as client, pytest.raises(TransportError) as raised:
        client.send_bill_sync("z.zip", b"zip")
    assert isinstance(raised.value, soap.TransportFailure)
    assert raised.value.kind == kind
    assert raised.value.may_have_been_processed is processed


def test_http_errors_without_a_fault_are_transport_errors(company: SigningCertificate) -> None:
    unavailable = Recorder(lambda request: httpx.Response(503, text="Service Unavailable"))
    with _client(company, unavailable) as client, pytest.raises(soap.TransportFailure) as raised:
        client.get_status(CUFE)
    assert (raised.value.kind, raised.value.status_code) == ("http", 503)
    assert "503" in str(raised.value)

    nonsense = Recorder(b"<html>maintenance</html>")
    with _client(company, nonsense) as client, pytest.raises(soap.TransportFailure) as raised:
        client.get_status(CUFE)
    assert raised.value.kind == "invalid-response"


# --------------------------------------------------------------------------- packages


def test_zip_round_trip_and_naming() -> None:
    xml_name = keys.file_name(keys.FileKind.INVOICE, "900123456", 2026, 1)
    zip_name = keys.file_name(keys.FileKind.ZIP, "900123456", 2026, 1)
    assert (xml_name, zip_name) == ("fv09001234560002600000001.xml", "z09001234560002600000001.zip")

    package = soap.zip_document(xml_name, b"<Invoice>uno</Invoice>")
    with zipfile.ZipFile(BytesIO(package)) as archive:
        (info,) = archive.infolist()
        assert info.filename == xml_name
        assert info.compress_type == zipfile.ZIP_DEFLATED
    assert soap.unzip(package) == [(xml_name, b"<Invoice>uno</Invoice>")]

    documents = [(f"fv{i}.xml", f"<Invoice>{i}</Invoice>".encode()) for i in range(3)]
    assert soap.unzip(soap.zip_documents(documents)) == documents


def test_zip_limits() -> None:
    with pytest.raises(soap.PackageError, match="at most 50"):
        soap.zip_documents([(f"{i}.xml", b"<x/>") for i in range(51)])
    with pytest.raises(soap.PackageError, match="at least one"):
        soap.zip_documents([])
    with pytest.raises(soap.PackageError, match="not a readable ZIP"):
        soap.unzip(b"this is no zip")
    two = soap.zip_documents([("a.xml", b"<a/>"), ("b.xml", b"<b/>")])
    with pytest.raises(soap.PackageError, match="at most 1"):
        soap.unzip(two, max_files=1)
    with pytest.raises(soap.PackageError, match="size"):
        soap.unzip(soap.zip_document("big.xml", b" " * 10_000), max_bytes=1_000)


def test_endpoints() -> None:
    assert soap.ENDPOINTS[keys.Environment.HABILITACION] == (
        "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc"
    )
    assert soap.ENDPOINTS[keys.Environment.PRODUCTION] == (
        "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"
    )
