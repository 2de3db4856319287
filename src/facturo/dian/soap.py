"""The DIAN web service client: SOAP 1.2, WS-Addressing and WS-Security (X.509 token profile).

Every request carries ``wsa:Action`` and ``wsa:To``, and a ``wsse:Security`` header with a
Timestamp, the company's certificate as a BinarySecurityToken and an XML signature over
``wsa:To`` (exclusive C14N, rsa-sha256) — the layout the DIAN's WSDL policy asks for and
accepted implementations send (shared/reference/dian.md §6.3). The envelope is serialised and
parsed again before it is digested, so the bytes that are signed are the bytes that are sent.

``open_envelope`` / ``verify_envelope`` are the receiving side of the same contract (the
stand-in uses them); ``zip_document`` / ``unzip`` package documents as the DIAN expects them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import io
import re
import threading
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from hashlib import sha256, sha384, sha512
from types import TracebackType
from typing import TYPE_CHECKING, Final

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from facturo.dian.certificates import SigningCertificate
from facturo.dian.errors import DianError, SignatureError, SoapFault, TransportError
from facturo.dian.keys import BOGOTA, Environment

if TYPE_CHECKING:
    from lxml.etree import _Element

SOAP_NS: Final = "http://www.w3.org/2003/05/soap-envelope"
WSA_NS: Final = "http://www.w3.org/2005/08/addressing"
WSSE_NS: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
EC_NS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
WCF_NS: Final = "http://wcf.dian.colombia"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
# The data contracts of the answers (WCF DataContractSerializer namespaces).
DIAN_RESPONSE_NS: Final = "http://schemas.datacontract.org/2004/07/DianResponse"
ARRAYS_NS: Final = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
UPLOAD_RESPONSE_NS: Final = "http://schemas.datacontract.org/2004/07/UploadDocumentResponse"
TRACK_ID_NS: Final = "http://schemas.datacontract.org/2004/07/XmlParamsResponseTrackId"
NUMBER_RANGE_LIST_NS: Final = "http://schemas.datacontract.org/2004/07/NumberRangeResponseList"
NUMBER_RANGE_NS: Final = "http://schemas.datacontract.org/2004/07/NumberRangeResponse"
EVENT_RESPONSE_NS: Final = "http://schemas.datacontract.org/2004/07/EventResponse"

X509V3_VALUE_TYPE: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
BASE64_ENCODING: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256_DIGEST: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
ACTION_PREFIX: Final = "http://wcf.dian.colombia/IWcfDianCustomerServices/"
# The prefixes the DIAN's policy renders inclusively (§6.3).
SIGNED_INFO_PREFIXES: Final = ("wsa", "soap", "wcf")
REFERENCE_PREFIXES: Final = ("soap", "wcf")

HABILITACION_ENDPOINT: Final = "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc"
PRODUCTION_ENDPOINT: Final = "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc"
ENDPOINTS: Final[Mapping[Environment, str]] = {
    Environment.HABILITACION: HABILITACION_ENDPOINT,
    Environment.PRODUCTION: PRODUCTION_ENDPOINT,
}

MAX_ASYNC_DOCUMENTS: Final = 50  # a SendBillAsync ZIP holds fewer than 51 documents (§6.5)
# Unzipping refuses archives that inflate past this: a stand-in must not be a zip-bomb target.
MAX_UNZIPPED_BYTES: Final = 64 * 1024 * 1024
PENDING_BATCH: Final = "Batch en proceso de validación."

_SIGNATURE_HASHES: Final[Mapping[str, type[hashes.HashAlgorithm]]] = {
    RSA_SHA256: hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}
_DIGESTS: Final = {
    SHA256_DIGEST: sha256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": sha384,
    "http://www.w3.org/2001/04/xmlenc#sha512": sha512,
}
_RULE_CODE = re.compile(r"Regla:\s*([A-Za-z0-9]+)")
# Entities off and no network: envelopes come from outside. Huge trees on: a batch of 50
# documents is one base64 text node larger than libxml2's default limit. One parser per
# thread: lxml serialises the parses of a shared parser.
_parsers = threading.local()


def xml_parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        _parsers.parser = parser
    return parser


_NAMESPACES: Final = {
    "soap": SOAP_NS,
    "wsa": WSA_NS,
    "wsse": WSSE_NS,
    "wsu": WSU_NS,
    "ds": DS_NS,
    "ec": EC_NS,
}
_ELEMENTS_WITH_ID = etree.XPath("//*[@wsu:Id]", namespaces=_NAMESPACES)


class Operation(StrEnum):
    """The WcfDianCustomerServices operations Facturo uses (§6.2)."""

    SEND_BILL_SYNC = "SendBillSync"
    SEND_BILL_ASYNC = "SendBillAsync"
    SEND_TEST_SET_ASYNC = "SendTestSetAsync"
    GET_STATUS = "GetStatus"
    GET_STATUS_ZIP = "GetStatusZip"
    GET_NUMBERING_RANGE = "GetNumberingRange"
    GET_XML_BY_DOCUMENT_KEY = "GetXmlByDocumentKey"

    @property
    def action(self) -> str:
        return ACTION_PREFIX + self.value


class MalformedEnvelope(DianError):
    """A request that is not a SOAP 1.2 envelope at all (not XML, no Body …)."""


class PackageError(DianError):
    """A ZIP that cannot be read, or holds what the operation does not allow."""


class TransportFailure(TransportError):
    """``TransportError`` with the reason spelled out.

    ``kind`` is one of ``timeout`` (sent, no answer in time: the DIAN may have processed it),
    ``connect-timeout`` and ``refused`` (nothing reached the DIAN), ``network`` (the connection
    broke), ``http`` (an HTTP error without a SOAP fault; ``status_code`` says which) and
    ``invalid-response`` (an answer that is not the operation's SOAP response)."""

    def __init__(self, kind: str, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status_code = status_code

    @property
    def may_have_been_processed(self) -> bool:
        """Whether the DIAN may hold the document anyway: ask GetStatus before sending again."""
        return self.kind not in ("connect-timeout", "refused")


class RequestRefused(DianError):
    """An operation answered with a refusal code instead of data (GetXmlByDocumentKey 404 …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True, slots=True)
class DianResponse:
    """One ``DianResponse`` (SendBillSync, GetStatus, each item of GetStatusZip)."""

    is_valid: bool
    status_code: str
    status_description: str
    status_message: str = ""
    error_messages: tuple[str, ...] = ()
    xml_document_key: str = ""
    xml_file_name: str = ""
    application_response: bytes | None = None  # XmlBase64Bytes, decoded

    @property
    def rule_codes(self) -> tuple[str, ...]:
        """Every rule named in the messages, rejections and notifications alike."""
        return tuple(m.group(1) for m in map(_RULE_CODE.search, self.error_messages) if m)

    @property
    def rejection_codes(self) -> tuple[str, ...]:
        """The rules that rejected the document (``Regla: X, Rechazo: …``)."""
        return tuple(
            m.group(1)
            for message in self.error_messages
            if "Rechazo" in message and (m := _RULE_CODE.search(message))
        )

    @property
    def is_pending(self) -> bool:
        """A batch (or document) the DIAN has not finished validating."""
        return self.status_description.startswith("Batch en proceso") or self.status_code == "98"

    @property
    def is_unknown(self) -> bool:
        """``66``: the DIAN has no record of the track id."""
        return self.status_code == "66"

    @classmethod
    def from_element(cls, element: _Element) -> DianResponse:
        """Read a DianResponse data contract, whatever the order of its children and
        whichever of them are missing or nil."""
        fields = _children_by_name(element)
        messages: tuple[str, ...] = ()
        if (errors := fields.get("ErrorMessage")) is not None:
            messages = tuple(
                text for item in errors if _is_element(item) and (text := (item.text or "").strip())
            )
        return cls(
            is_valid=_text(fields.get("IsValid")).lower() == "true",
            status_code=_text(fields.get("StatusCode")),
            status_description=_text(fields.get("StatusDescription")),
            status_message=_text(fields.get("StatusMessage")),
            error_messages=messages,
            xml_document_key=_text(fields.get("XmlDocumentKey")),
            xml_file_name=_text(fields.get("XmlFileName")),
            application_response=_base64(fields.get("XmlBase64Bytes")),
        )


@dataclass(frozen=True, slots=True)
class UploadResult:
    """The acknowledgement of SendBillAsync / SendTestSetAsync: a ZipKey to poll, or errors."""

    zip_key: str
    error_messages: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return bool(self.zip_key)


@dataclass(frozen=True, slots=True)
class NumberingRange:
    """One range of GetNumberingRange."""

    resolution_number: str
    resolution_date: date | None
    prefix: str
    from_number: int
    to_number: int
    valid_from: date | None
    valid_to: date | None
    technical_key: str


@dataclass(frozen=True, slots=True)
class NumberingRangeResult:
    operation_code: str  # 100 OK, 301 no range for the NIT, 302/303 software mismatch, 401 …
    description: str
    ranges: tuple[NumberingRange, ...] = ()

    @property
    def ok(self) -> bool:
        return self.operation_code == "100"


# --------------------------------------------------------------------------- envelopes


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex.upper()}"


def _utc_text(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _c14n(element: _Element, prefixes: Sequence[str]) -> bytes:
    return etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=list(prefixes),
    )


def build_envelope(
    operation: Operation | str,
    parameters: Sequence[tuple[str, str]],
    signer: SigningCertificate,
    to: str,
    *,
    now: datetime | None = None,
    lifetime: timedelta = timedelta(minutes=5),
) -> bytes:
    """A signed SOAP 1.2 request for ``operation`` with its ``(name, text)`` parameters."""
    if not timedelta(seconds=60) <= lifetime <= timedelta(minutes=5):
        raise ValueError("the WS-Security timestamp lives between 60 seconds and 5 minutes")
    operation = Operation(operation)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    to_id, token_id = _new_id("id"), _new_id("X509")

    envelope = etree.Element(
        f"{{{SOAP_NS}}}Envelope",
        nsmap={"soap": SOAP_NS, "wcf": WCF_NS, "wsa": WSA_NS, "wsse": WSSE_NS, "wsu": WSU_NS},
    )
    header = etree.SubElement(envelope, f"{{{SOAP_NS}}}Header")
    etree.SubElement(header, f"{{{WSA_NS}}}Action").text = operation.action
    to_element = etree.SubElement(header, f"{{{WSA_NS}}}To", {f"{{{WSU_NS}}}Id": to_id})
    to_element.text = to
    security = etree.SubElement(
        header, f"{{{WSSE_NS}}}Security", {f"{{{SOAP_NS}}}mustUnderstand": "1"}
    )
    timestamp = etree.SubElement(
        security, f"{{{WSU_NS}}}Timestamp", {f"{{{WSU_NS}}}Id": _new_id("TS")}
    )
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Created").text = _utc_text(created)
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Expires").text = _utc_text(created + lifetime)
    token = etree.SubElement(
        security,
        f"{{{WSSE_NS}}}BinarySecurityToken",
        {
            "EncodingType": BASE64_ENCODING,
            "ValueType": X509V3_VALUE_TYPE,
            f"{{{WSU_NS}}}Id": token_id,
        },
    )
    token.text = signer.der_base64

    signature = etree.SubElement(
        security, f"{{{DS_NS}}}Signature", {"Id": _new_id("SIG")}, nsmap={"ds": DS_NS}
    )
    signed_info = etree.SubElement(signature, f"{{{DS_NS}}}SignedInfo")
    _exclusive_c14n_method(
        etree.SubElement(signed_info, f"{{{DS_NS}}}CanonicalizationMethod"), SIGNED_INFO_PREFIXES
    )
    etree.SubElement(signed_info, f"{{{DS_NS}}}SignatureMethod", Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, f"{{{DS_NS}}}Reference", URI=f"#{to_id}")
    transforms = etree.SubElement(reference, f"{{{DS_NS}}}Transforms")
    _exclusive_c14n_method(
        etree.SubElement(transforms, f"{{{DS_NS}}}Transform"), REFERENCE_PREFIXES
    )
    etree.SubElement(reference, f"{{{DS_NS}}}DigestMethod", Algorithm=SHA256_DIGEST)
    etree.SubElement(reference, f"{{{DS_NS}}}DigestValue")
    etree.SubElement(signature, f"{{{DS_NS}}}SignatureValue")
    key_info = etree.SubElement(signature, f"{{{DS_NS}}}KeyInfo", {"Id": _new_id("KI")})
    token_reference = etree.SubElement(
        key_info, f"{{{WSSE_NS}}}SecurityTokenReference", {f"{{{WSU_NS}}}Id": _new_id("STR")}
    )
    etree.SubElement(
        token_reference, f"{{{WSSE_NS}}}Reference", URI=f"#{token_id}", ValueType=X509V3_VALUE_TYPE
    )

    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    call = etree.SubElement(body, f"{{{WCF_NS}}}{operation.value}")
    for name, value in parameters:
        etree.SubElement(call, f"{{{WCF_NS}}}{name}").text = value

    # Digest and sign what will travel: the tree as a parser sees the serialised bytes.
    envelope = etree.fromstring(etree.tostring(envelope), xml_parser())
    header = envelope[0]
    to_element = header[1]
    signature = header[2][2]
    signed_info = signature[0]
    digest = sha256(_c14n(to_element, REFERENCE_PREFIXES)).digest()
    signed_info[2][2].text = base64.b64encode(digest).decode("ascii")
    signature_value = signer.rsa_key.sign(
        _c14n(signed_info, SIGNED_INFO_PREFIXES), padding.PKCS1v15(), hashes.SHA256()
    )
    signature[1].text = base64.b64encode(signature_value).decode("ascii")
    return etree.tostring(envelope, encoding="utf-8")


def _exclusive_c14n_method(method: _Element, prefixes: Sequence[str]) -> None:
    method.set("Algorithm", EXC_C14N)
    etree.SubElement(
        method,
        f"{{{EC_NS}}}InclusiveNamespaces",
        PrefixList=" ".join(prefixes),
        nsmap={"ec": EC_NS},
    )


@dataclass(frozen=True, slots=True)
class ReceivedEnvelope:
    """A request whose WS-Security signature verified."""

    certificate: x509.Certificate  # the signer's, from the BinarySecurityToken
    action: str  # wsa:Action
    to: str  # wsa:To (signed)
    operation: str  # the local name of the Body's element, e.g. SendBillSync
    parameters: Mapping[str, str]  # its children's local names and texts
    created: datetime  # the Timestamp's Created


def open_envelope(
    envelope: bytes, *, now: datetime | None = None, skew: timedelta = timedelta(minutes=5)
) -> ReceivedEnvelope:
    """Check the WS-Security header of a request as the DIAN does and read its Body.

    Raises ``MalformedEnvelope`` for what is not a SOAP 1.2 envelope and ``SignatureError``
    when the signature, the digest of ``wsa:To``, the token or the timestamp is wrong."""
    try:
        root = etree.fromstring(envelope, xml_parser())
    except etree.XMLSyntaxError as error:
        raise MalformedEnvelope(f"the request is not XML: {error}") from error
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise MalformedEnvelope(f"not a SOAP 1.2 envelope: {root.tag}")
    body = root.find(f"{{{SOAP_NS}}}Body")
    call = next((child for child in body if _is_element(child)), None) if body is not None else None
    if call is None:
        raise MalformedEnvelope("the envelope has no Body element")
    header = root.find(f"{{{SOAP_NS}}}Header")
    if header is None:
        raise SignatureError("the envelope has no Header, so no WS-Security")
    moment = (now or datetime.now(UTC)).astimezone(UTC)

    securities = header.findall(f"{{{WSSE_NS}}}Security")
    if len(securities) != 1:
        raise SignatureError(f"expected one wsse:Security header, found {len(securities)}")
    security = securities[0]
    created = _check_timestamp(security, moment, skew)
    signature = security.find(f"{{{DS_NS}}}Signature")
    if signature is None:
        raise SignatureError("the Security header holds no ds:Signature")
    signed_info = signature.find(f"{{{DS_NS}}}SignedInfo")
    if signed_info is None:
        raise SignatureError("the signature has no SignedInfo")

    identified: dict[str, _Element] = {}
    for element in _elements_with_id(root):
        element_id = element.get(f"{{{WSU_NS}}}Id", "")
        if element_id in identified:
            raise SignatureError(f"the id {element_id!r} appears twice in the envelope")
        identified[element_id] = element

    to_elements = header.findall(f"{{{WSA_NS}}}To")
    if len(to_elements) != 1:
        raise SignatureError("expected exactly one wsa:To header")
    to_element = to_elements[0]
    signed_to = False
    references = signed_info.findall(f"{{{DS_NS}}}Reference")
    if not references:
        raise SignatureError("the signature references nothing")
    for reference in references:
        target = _referenced(reference, identified)
        _check_digest(reference, target)
        signed_to = signed_to or target is to_element
    if not signed_to:
        raise SignatureError("wsa:To is not signed")

    certificate = _token_certificate(signature, identified)
    _check_signature_value(signature, signed_info, certificate)
    _check_validity(certificate, moment, skew)

    action_element = header.find(f"{{{WSA_NS}}}Action")
    parameters = {
        etree.QName(child).localname: child.text or "" for child in call if _is_element(child)
    }
    return ReceivedEnvelope(
        certificate=certificate,
        action=_text(action_element),
        to=_text(to_element),
        operation=etree.QName(call).localname,
        parameters=parameters,
        created=created,
    )


def verify_envelope(
    envelope: bytes, *, now: datetime | None = None, skew: timedelta = timedelta(minutes=5)
) -> x509.Certificate:
    """The signer's certificate of a request whose WS-Security checks out; ``SignatureError``
    (or ``MalformedEnvelope``) otherwise."""
    return open_envelope(envelope, now=now, skew=skew).certificate


def _elements_with_id(root: _Element) -> list[_Element]:
    found = _ELEMENTS_WITH_ID(root)
    assert isinstance(found, list)
    return [element for element in found if isinstance(element, etree._Element)]


def _check_timestamp(security: _Element, moment: datetime, skew: timedelta) -> datetime:
    timestamp = security.find(f"{{{WSU_NS}}}Timestamp")
    if timestamp is None:
        raise SignatureError("the Security header has no Timestamp")
    created = _parse_instant(timestamp.find(f"{{{WSU_NS}}}Created"), "Created")
    expires = _parse_instant(timestamp.find(f"{{{WSU_NS}}}Expires"), "Expires")
    if expires <= created:
        raise SignatureError("the Timestamp expires before it was created")
    if created > moment + skew:
        raise SignatureError(f"the Timestamp was created in the future ({_utc_text(created)})")
    if expires < moment - skew:
        raise SignatureError(f"the Timestamp expired at {_utc_text(expires)}")
    return created


def _parse_instant(element: _Element | None, name: str) -> datetime:
    text = _text(element)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SignatureError(f"the Timestamp's {name} is not a date-time: {text!r}") from None
    if moment.tzinfo is None:
        raise SignatureError(f"the Timestamp's {name} has no time zone: {text!r}")
    return moment.astimezone(UTC)


def _referenced(reference: _Element, identified: Mapping[str, _Element]) -> _Element:
    uri = reference.get("URI", "")
    if not uri.startswith("#"):
        raise SignatureError(f"only same-document references are accepted, got {uri!r}")
    target = identified.get(uri[1:])
    if target is None:
        raise SignatureError(f"the reference {uri!r} points at nothing")
    return target


def _prefix_list(method: _Element) -> list[str]:
    inclusive = method.find(f"{{{EC_NS}}}InclusiveNamespaces")
    return (inclusive.get("PrefixList") or "").split() if inclusive is not None else []


def _check_digest(reference: _Element, target: _Element) -> None:
    transforms = reference.findall(f"{{{DS_NS}}}Transforms/{{{DS_NS}}}Transform")
    prefixes: list[str] = []
    for transform in transforms:
        if transform.get("Algorithm") != EXC_C14N:
            raise SignatureError(f"unsupported transform {transform.get('Algorithm')!r}")
        prefixes = _prefix_list(transform)
    method = reference.find(f"{{{DS_NS}}}DigestMethod")
    algorithm = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    if algorithm is None:
        raise SignatureError("unsupported or missing digest method")
    expected = _decode_base64(_text(reference.find(f"{{{DS_NS}}}DigestValue")), "DigestValue")
    actual = algorithm(_c14n(target, prefixes)).digest()
    if not hmac.compare_digest(expected, actual):
        raise SignatureError(
            f"the digest of {reference.get('URI')} does not match: the header was altered"
        )


def _token_certificate(signature: _Element, identified: Mapping[str, _Element]) -> x509.Certificate:
    reference = signature.find(
        f"{{{DS_NS}}}KeyInfo/{{{WSSE_NS}}}SecurityTokenReference/{{{WSSE_NS}}}Reference"
    )
    if reference is None:
        raise SignatureError("KeyInfo does not reference a security token")
    token = _referenced(reference, identified)
    if (
        token.tag != f"{{{WSSE_NS}}}BinarySecurityToken"
        or token.get("ValueType") != X509V3_VALUE_TYPE
    ):
        raise SignatureError("the referenced token is not an X.509 BinarySecurityToken")
    der = _decode_base64(_text(token), "BinarySecurityToken")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise SignatureError(f"the BinarySecurityToken is not a certificate: {error}") from error


def _check_signature_value(
    signature: _Element, signed_info: _Element, certificate: x509.Certificate
) -> None:
    method = signed_info.find(f"{{{DS_NS}}}CanonicalizationMethod")
    if method is None or method.get("Algorithm") != EXC_C14N:
        raise SignatureError("SignedInfo must be canonicalised with exclusive C14N")
    signature_method = signed_info.find(f"{{{DS_NS}}}SignatureMethod")
    hash_type = _SIGNATURE_HASHES.get(
        signature_method.get("Algorithm", "") if signature_method is not None else ""
    )
    if hash_type is None:
        raise SignatureError("unsupported or missing signature method")
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureError("the certificate's key is not RSA")
    value = _decode_base64(_text(signature.find(f"{{{DS_NS}}}SignatureValue")), "SignatureValue")
    try:
        public_key.verify(
            value, _c14n(signed_info, _prefix_list(method)), padding.PKCS1v15(), hash_type()
        )
    except InvalidSignature:
        raise SignatureError(
            "the signature value does not verify with the token's certificate"
        ) from None


def _check_validity(certificate: x509.Certificate, moment: datetime, skew: timedelta) -> None:
    if moment + skew < certificate.not_valid_before_utc:
        raise SignatureError("the certificate is not valid yet")
    if moment - skew > certificate.not_valid_after_utc:
        raise SignatureError("the certificate has expired")


def _decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not base64") from None


# --------------------------------------------------------------------------- reading answers


def _is_element(node: object) -> bool:
    return isinstance(node, etree._Element) and isinstance(node.tag, str)


def _children_by_name(element: _Element) -> dict[str, _Element]:
    """Children by local name: WCF may order them differently or leave some out."""
    return {etree.QName(child).localname: child for child in element if _is_element(child)}


def _text(element: _Element | None) -> str:
    if element is None or element.get(f"{{{XSI_NS}}}nil") == "true":
        return ""
    return (element.text or "").strip()


def _base64(element: _Element | None) -> bytes | None:
    text = _text(element)
    if not text:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise TransportFailure("invalid-response", "XmlBase64Bytes is not base64") from None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def soap_fault(fault: _Element) -> SoapFault:
    """The SoapFault of a ``soap:Fault`` (1.2, or 1.1's faultcode/faultstring)."""
    # Code/Value, then Subcode/Value …: the innermost value is the most specific.
    values = [_text(value) for value in fault.iter(f"{{{SOAP_NS}}}Value")]
    code = (
        values[-1].rpartition(":")[2]
        if values
        else _text(fault.find("faultcode")).rpartition(":")[2]
    )
    reason = _text(fault.find(f"{{{SOAP_NS}}}Reason/{{{SOAP_NS}}}Text")) or _text(
        fault.find("faultstring")
    )
    return SoapFault(code or "Fault", reason)


def read_result(operation: Operation | str, content: bytes, http_status: int = 200) -> _Element:
    """The ``<Operation>Result`` element of an answer, or the error the answer stands for:
    ``SoapFault`` for a SOAP fault (whatever the HTTP status), ``TransportFailure`` for HTTP
    errors without one and for anything that is not the operation's response."""
    operation = Operation(operation)
    root: _Element | None
    try:
        root = etree.fromstring(content, xml_parser()) if content.strip() else None
    except etree.XMLSyntaxError:
        root = None
    body = root.find(f"{{{SOAP_NS}}}Body") if root is not None else None
    if body is not None and (fault := body.find(f"{{{SOAP_NS}}}Fault")) is not None:
        raise soap_fault(fault)
    if http_status >= 400:
        raise TransportFailure("http", f"the DIAN answered HTTP {http_status}", http_status)
    if body is None:
        raise TransportFailure("invalid-response", "the DIAN's answer is not a SOAP envelope")
    response = body.find(f"{{{WCF_NS}}}{operation.value}Response")
    if response is None:
        raise TransportFailure(
            "invalid-response", f"the DIAN's answer holds no {operation.value}Response"
        )
    result = response.find(f"{{{WCF_NS}}}{operation.value}Result")
    # A nil or absent result reads as an empty one: every field is optional.
    return result if result is not None else etree.Element(f"{{{WCF_NS}}}{operation.value}Result")


def upload_result(result: _Element) -> UploadResult:
    fields = _children_by_name(result)
    messages: list[str] = []
    if (errors := fields.get("ErrorMessageList")) is not None:
        for item in errors:
            if not _is_element(item):
                continue
            parts = _children_by_name(item)
            message = _text(parts.get("ProcessedMessage"))
            file_name = _text(parts.get("XmlFileName"))
            if message:
                messages.append(f"{file_name}: {message}" if file_name else message)
    return UploadResult(zip_key=_text(fields.get("ZipKey")), error_messages=tuple(messages))


def numbering_range_result(result: _Element) -> NumberingRangeResult:
    fields = _children_by_name(result)
    ranges = []
    if (listed := fields.get("ResponseList")) is not None:
        for item in listed:
            if not _is_element(item):
                continue
            parts = _children_by_name(item)
            ranges.append(
                NumberingRange(
                    resolution_number=_text(parts.get("ResolutionNumber")),
                    resolution_date=_date(_text(parts.get("ResolutionDate"))),
                    prefix=_text(parts.get("Prefix")),
                    from_number=_integer(_text(parts.get("FromNumber"))),
                    to_number=_integer(_text(parts.get("ToNumber"))),
                    valid_from=_date(_text(parts.get("ValidDateFrom"))),
                    valid_to=_date(_text(parts.get("ValidDateTo"))),
                    technical_key=_text(parts.get("TechnicalKey")),
                )
            )
    return NumberingRangeResult(
        operation_code=_text(fields.get("OperationCode")),
        description=_text(fields.get("OperationDescription")),
        ranges=tuple(ranges),
    )


# --------------------------------------------------------------------------- the client


class DianClient:
    """A synchronous client of one WcfDianCustomerServices endpoint, signing as one company.

    Errors: ``TransportFailure`` (a ``TransportError``) when the DIAN cannot be reached or
    answers at the HTTP level only, ``SoapFault`` when it answers with a fault. Rule
    rejections are not errors: they come back in the ``DianResponse``."""

    def __init__(
        self,
        endpoint: str,
        certificate: SigningCertificate,
        *,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.certificate = certificate
        self.timeout = timeout
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DianClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- operations

    def send_bill_sync(self, file_name: str, zip_bytes: bytes) -> DianResponse:
        """Validate one document (a ZIP with one XML) and get the verdict at once."""
        result = self._call(
            Operation.SEND_BILL_SYNC,
            (("fileName", file_name), ("contentFile", _b64(zip_bytes))),
        )
        return DianResponse.from_element(result)

    def send_bill_async(self, file_name: str, zip_bytes: bytes) -> UploadResult:
        """Queue a ZIP of up to 50 documents; poll ``get_status_zip`` with the ZipKey."""
        result = self._call(
            Operation.SEND_BILL_ASYNC,
            (("fileName", file_name), ("contentFile", _b64(zip_bytes))),
        )
        return upload_result(result)

    def send_test_set_async(
        self, file_name: str, zip_bytes: bytes, test_set_id: str
    ) -> UploadResult:
        """Send documents of the habilitación test set identified by ``test_set_id``."""
        result = self._call(
            Operation.SEND_TEST_SET_ASYNC,
            (("fileName", file_name), ("contentFile", _b64(zip_bytes)), ("testSetId", test_set_id)),
        )
        return upload_result(result)

    def get_status(self, track_id: str) -> DianResponse:
        """The verdict on a document by its CUFE/CUDE (StatusCode 66: unknown)."""
        return DianResponse.from_element(self._call(Operation.GET_STATUS, (("trackId", track_id),)))

    def get_status_zip(self, track_id: str) -> list[DianResponse]:
        """The verdicts on a batch by its ZipKey; one pending item while it is validated."""
        result = self._call(Operation.GET_STATUS_ZIP, (("trackId", track_id),))
        return [DianResponse.from_element(item) for item in result if _is_element(item)]

    def get_numbering_range(
        self, account_code: str, account_code_t: str, software_code: str
    ) -> NumberingRangeResult:
        """The numbering ranges (with technical keys) of NIT ``account_code`` for a software."""
        result = self._call(
            Operation.GET_NUMBERING_RANGE,
            (
                ("accountCode", account_code),
                ("accountCodeT", account_code_t),
                ("softwareCode", software_code),
            ),
        )
        return numbering_range_result(result)

    def get_xml_by_document_key(self, track_id: str) -> bytes:
        """The XML the DIAN holds for a CUFE/CUDE; ``RequestRefused`` when it has none."""
        result = self._call(Operation.GET_XML_BY_DOCUMENT_KEY, (("trackId", track_id),))
        fields = _children_by_name(result)
        code = _text(fields.get("Code"))
        content = _base64(fields.get("XmlBytesBase64"))
        if code != "100" or content is None:
            raise RequestRefused(
                code or "?", _text(fields.get("Message")) or "no XML in the answer"
            )
        return content

    # -- plumbing

    def _call(self, operation: Operation, parameters: Sequence[tuple[str, str]]) -> _Element:
        envelope = build_envelope(operation, parameters, self.certificate, self.endpoint)
        headers = {
            "Content-Type": f'application/soap+xml; charset=utf-8; action="{operation.action}"'
        }
        try:
            response = self._http.post(self.endpoint, content=envelope, headers=headers)
        except httpx.ConnectTimeout as error:
            raise TransportFailure(
                "connect-timeout", f"no connection to the DIAN within {self.timeout:g} s"
            ) from error
        except httpx.TimeoutException as error:
            raise TransportFailure(
                "timeout", f"the DIAN did not answer {operation.value} within {self.timeout:g} s"
            ) from error
        except httpx.ConnectError as error:
            raise TransportFailure(
                "refused", f"the DIAN refused the connection: {error}"
            ) from error
        except httpx.HTTPError as error:
            raise TransportFailure(
                "network", f"the connection to the DIAN broke: {error}"
            ) from error
        return read_result(operation, response.content, response.status_code)


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


# --------------------------------------------------------------------------- ZIP packages


def zip_document(xml_file_name: str, xml: bytes) -> bytes:
    """A ZIP (deflate) holding one XML, as SendBillSync wants it."""
    return zip_documents(((xml_file_name, xml),), limit=1)


def zip_documents(
    documents: Iterable[tuple[str, bytes]], *, limit: int = MAX_ASYNC_DOCUMENTS
) -> bytes:
    """A ZIP (deflate) of ``(file name, xml)`` pairs; at most ``limit`` of them."""
    buffer = io.BytesIO()
    moment = datetime.now(BOGOTA).timetuple()[:6]
    count = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in documents:
            count += 1
            if count > limit:
                raise PackageError(f"a DIAN ZIP holds at most {limit} documents")
            info = zipfile.ZipInfo(name, date_time=moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    if not count:
        raise PackageError("a DIAN ZIP holds at least one document")
    return buffer.getvalue()


def unzip(
    zip_bytes: bytes, *, max_files: int = MAX_ASYNC_DOCUMENTS, max_bytes: int = MAX_UNZIPPED_BYTES
) -> list[tuple[str, bytes]]:
    """The ``(file name, content)`` entries of a ZIP, folders left out of the names."""
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
            if len(entries) > max_files:
                raise PackageError(
                    f"the ZIP holds {len(entries)} files; at most {max_files} are accepted"
                )
            if sum(info.file_size for info in entries) > max_bytes:
                raise PackageError("the ZIP inflates past the accepted size")
            return [(info.filename.rpartition("/")[2], archive.read(info)) for info in entries]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
        raise PackageError(f"the content is not a readable ZIP: {error}") from error
