"""The XAdES-EPES signer and verifier of DIAN documents (shared/reference/dian.md §3).

Built by hand on lxml and ``cryptography``: the signature goes into the last
``ext:UBLExtension/ext:ExtensionContent`` of any UBL document, with inclusive C14N 1.0,
RSA-SHA256, three SHA-256 references (the document through the enveloped-signature
transform, the ``ds:KeyInfo`` and the ``xades:SignedProperties``) and the signed properties
DIAN's validator (xades4j) checks: SigningTime in Colombian time, the legacy
``SigningCertificate`` (never ``SigningCertificateV2``, which DIAN's XAdES 1.3.2 schema
refuses) with a decimal serial, DIAN's signature policy and the signer's claimed role.

The digests of ``ds:KeyInfo`` and ``xades:SignedProperties`` are computed once they sit in the
document, because inclusive C14N of a subtree carries every namespace declared above it.
The verifier is the DIAN stand-in's: it applies the transforms each reference declares, so
documents signed by other conformant signers verify too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree

from facturo.dian.certificates import SigningCertificate, certificate_problems, require_usable
from facturo.dian.errors import SignatureError
from facturo.dian.keys import in_bogota

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WITH_COMMENTS = C14N + "#WithComments"
EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXCLUSIVE_C14N_WITH_COMMENTS = EXCLUSIVE_C14N + "WithComments"
ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

POLICY_IDENTIFIER = (
    "https://facturaelectronica.dian.gov.co/politicadefirma/v2/politicadefirmav2.pdf"
)
POLICY_DESCRIPTION = "Política de firma para facturas electrónicas de la República de Colombia."
# Digests of politicadefirmav2.pdf (1 272 898 bytes), per digest method; hard-coded on purpose:
# the policy is never downloaded at signing time.
POLICY_DIGESTS = {
    SHA256: "dMoMvtcG5aIzgYo0tIsSQeVJBDnUnfSOfBpxXrmor0Y=",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": (
        "EQC0kiWPaAME6IsEZ7WuaTWJ97Zmf6hIO69rMCVURmQxBB9ebgLrjhL5BArQ0a0l"
    ),
    "http://www.w3.org/2001/04/xmlenc#sha512": (
        "Zcjw1Z9nGQn2j6NyGx8kAaLbOfJGd/fJxRTCeirlqAg7zRG27piJkJOpflGu7XACpMj9hC6dVMcCyzqHxxPZeQ=="
    ),
}
# DIAN Regla-3/4: SHA-1 has expired for every digest and signature of the document.
DIGEST_METHODS = {
    SHA256: "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
SIGNATURE_METHODS: dict[str, hashes.HashAlgorithm] = {
    RSA_SHA256: hashes.SHA256(),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384(),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512(),
}
_SHA1_METHODS = (
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
)
_CANONICALIZATIONS = (C14N, C14N_WITH_COMMENTS, EXCLUSIVE_C14N, EXCLUSIVE_C14N_WITH_COMMENTS)


def _ds(local: str) -> str:
    return f"{{{DS}}}{local}"


def _xades(local: str) -> str:
    return f"{{{XADES}}}{local}"


_SIGNATURE = _ds("Signature")
_UBL_EXTENSIONS = f"{{{EXT}}}UBLExtensions"
_UBL_EXTENSION = f"{{{EXT}}}UBLExtension"
_EXTENSION_CONTENT = f"{{{EXT}}}ExtensionContent"
_XML_ATTRIBUTE_PREFIX = f"{{{XML_NAMESPACE}}}"

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml serializes threads sharing one). Entities are never
    resolved and nothing is fetched: documents come from outside."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False
        )
        _local.parser = parser
    return parser


def _parse(xml: bytes) -> etree._ElementTree:
    try:
        return etree.fromstring(xml, _parser()).getroottree()
    except etree.XMLSyntaxError as error:
        raise SignatureError(f"El documento no es XML bien formado: {error}") from error


def _b64_digest(data: bytes, algorithm: str = "sha256") -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii")


def _inclusive_c14n(element: etree._Element, *, with_comments: bool = False) -> bytes:
    """Inclusive C14N 1.0 of a subtree inside its document.

    lxml already writes the namespaces in scope on the apex; C14N 1.0 also makes the apex
    inherit the ``xml:*`` attributes of its ancestors (xml:lang …), which lxml does not, so
    they are lent to the apex for the duration of the serialization.
    """
    inherited: dict[str, str] = {}
    ancestor = element.getparent()
    while ancestor is not None:
        for key, value in ancestor.attrib.items():
            name, text = str(key), str(value)
            if (
                name.startswith(_XML_ATTRIBUTE_PREFIX)
                and name not in inherited
                and name not in element.attrib
            ):
                inherited[name] = text
        ancestor = ancestor.getparent()
    if not inherited:
        return etree.tostring(element, method="c14n", with_comments=with_comments)
    for name, value in inherited.items():
        element.set(name, value)
    try:
        return etree.tostring(element, method="c14n", with_comments=with_comments)
    finally:
        for name in inherited:
            del element.attrib[name]


def _last_extension_content(root: etree._Element) -> etree._Element | None:
    """The ``ext:ExtensionContent`` of the last ``ext:UBLExtension`` (DIAN: the signature's)."""
    extensions = root.find(_UBL_EXTENSIONS)
    if extensions is None:
        return None
    children = extensions.findall(_UBL_EXTENSION)
    return children[-1].find(_EXTENSION_CONTENT) if children else None


def _signature_slot(root: etree._Element) -> etree._Element:
    """The last ``ext:UBLExtension/ext:ExtensionContent``, which must be empty."""
    if root.find(_UBL_EXTENSIONS) is None:
        raise SignatureError("El documento no tiene ext:UBLExtensions donde poner la firma.")
    content = _last_extension_content(root)
    if content is None:
        raise SignatureError("La última ext:UBLExtension no tiene ext:ExtensionContent.")
    if content.find(_SIGNATURE) is not None:
        raise SignatureError("El documento ya está firmado.")
    if len(content) or (content.text or "").strip():
        raise SignatureError(
            "La última ext:ExtensionContent debe estar vacía: es la que lleva la firma."
        )
    return content


def _add(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _add_reference(
    signed_info: etree._Element, uri: str, *, transforms: tuple[str, ...] = (), **attributes: str
) -> etree._Element:
    """A ``ds:Reference``; returns its (still empty) ``ds:DigestValue``."""
    reference = _add(signed_info, _ds("Reference"), **attributes, URI=uri)
    if transforms:
        container = _add(reference, _ds("Transforms"))
        for algorithm in transforms:
            _add(container, _ds("Transform"), Algorithm=algorithm)
    _add(reference, _ds("DigestMethod"), Algorithm=SHA256)
    return _add(reference, _ds("DigestValue"))


def sign(
    xml: bytes | etree._Element,
    certificate: SigningCertificate,
    *,
    signing_time: datetime,
    role: str = "supplier",
    signature_id: str | None = None,
) -> bytes:
    """Sign a UBL document (Invoice, CreditNote, DebitNote, ApplicationResponse,
    AttachedDocument …) whose last ``ext:ExtensionContent`` is empty; return its bytes.

    ``xml`` is the document's bytes, or the root element of a tree built in memory, which is
    then signed in place (that saves parsing it again).

    ``signing_time`` (timezone-aware) is written in Colombian time and must fall inside the
    certificate's validity; ``role`` is ``supplier`` when the issuer signs, ``third party``
    when a provider does. Raises ``CertificateError`` for a certificate that must not sign.
    """
    require_usable(certificate, signing_time)
    if not role.strip():
        raise SignatureError("El rol del firmante (ClaimedRole) no puede estar vacío.")
    key = certificate.rsa_key
    tree = _parse(xml) if isinstance(xml, bytes) else xml.getroottree()
    root = tree.getroot()
    slot = _signature_slot(root)
    # The enveloped-signature transform removes exactly what is added below, so the
    # document's digest is that of the document as it came.
    document_digest = _b64_digest(etree.tostring(tree, method="c14n", with_comments=False))

    sid = signature_id or f"xmldsig-{uuid.uuid4()}"
    signature = etree.SubElement(slot, _SIGNATURE, {"Id": sid}, nsmap={"ds": DS})
    signed_info = _add(signature, _ds("SignedInfo"))
    _add(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    _add(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA256)
    _add_reference(
        signed_info, "", transforms=(ENVELOPED_SIGNATURE,), Id=f"{sid}-ref0"
    ).text = document_digest
    key_info_digest = _add_reference(signed_info, f"#{sid}-keyinfo")
    properties_digest = _add_reference(
        signed_info, f"#{sid}-signedprops", Type=SIGNED_PROPERTIES_TYPE
    )
    signature_value = _add(signature, _ds("SignatureValue"), Id=f"{sid}-sigvalue")

    key_info = _add(signature, _ds("KeyInfo"), Id=f"{sid}-keyinfo")
    x509_data = _add(key_info, _ds("X509Data"))
    _add(x509_data, _ds("X509Certificate"), certificate.der_base64)
    for der_base64 in certificate.chain_der_base64:
        _add(x509_data, _ds("X509Certificate"), der_base64)

    ds_object = _add(signature, _ds("Object"))
    qualifying = etree.SubElement(
        ds_object, _xades("QualifyingProperties"), {"Target": f"#{sid}"}, nsmap={"xades": XADES}
    )
    signed_properties = _add(qualifying, _xades("SignedProperties"), Id=f"{sid}-signedprops")
    properties = _add(signed_properties, _xades("SignedSignatureProperties"))
    _add(properties, _xades("SigningTime"), in_bogota(signing_time).isoformat())
    cert = _add(_add(properties, _xades("SigningCertificate")), _xades("Cert"))
    cert_digest = _add(cert, _xades("CertDigest"))
    _add(cert_digest, _ds("DigestMethod"), Algorithm=SHA256)
    _add(cert_digest, _ds("DigestValue"), certificate.digest_sha256_base64)
    issuer_serial = _add(cert, _xades("IssuerSerial"))
    _add(issuer_serial, _ds("X509IssuerName"), certificate.issuer)
    _add(issuer_serial, _ds("X509SerialNumber"), certificate.serial_number_text)
    policy_id = _add(
        _add(properties, _xades("SignaturePolicyIdentifier")), _xades("SignaturePolicyId")
    )
    sig_policy_id = _add(policy_id, _xades("SigPolicyId"))
    _add(sig_policy_id, _xades("Identifier"), POLICY_IDENTIFIER)
    _add(sig_policy_id, _xades("Description"), POLICY_DESCRIPTION)
    policy_hash = _add(policy_id, _xades("SigPolicyHash"))
    _add(policy_hash, _ds("DigestMethod"), Algorithm=SHA256)
    _add(policy_hash, _ds("DigestValue"), POLICY_DIGESTS[SHA256])
    claimed_roles = _add(_add(properties, _xades("SignerRole")), _xades("ClaimedRoles"))
    _add(claimed_roles, _xades("ClaimedRole"), role)

    key_info_digest.text = _b64_digest(_inclusive_c14n(key_info))
    properties_digest.text = _b64_digest(_inclusive_c14n(signed_properties))
    signed_info_c14n = _inclusive_c14n(signed_info)
    signature_value.text = base64.b64encode(
        key.sign(signed_info_c14n, padding.PKCS1v15(), hashes.SHA256())
    ).decode("ascii")

    declaration = b'<?xml version="1.0" encoding="UTF-8"'
    if tree.docinfo.standalone is not None:
        declaration += b' standalone="yes"' if tree.docinfo.standalone else b' standalone="no"'
    return declaration + b"?>" + etree.tostring(tree, encoding="UTF-8")


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """What a valid signature says about itself."""

    signature_id: str
    signing_time: datetime  # as written (Colombian time for DIAN documents)
    certificate: x509.Certificate  # the signer's
    chain: tuple[x509.Certificate, ...]  # the other certificates in ds:KeyInfo
    role: str  # xades:ClaimedRole
    policy_identifier: str


def _one(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.find(path, namespaces={"ds": DS, "xades": XADES})
    if found is None:
        raise SignatureError(f"Falta {what} en la firma.")
    return found


def _text(parent: etree._Element, path: str, what: str) -> str:
    text = (_one(parent, path, what).text or "").strip()
    if not text:
        raise SignatureError(f"{what} está vacío en la firma.")
    return text


def _digest_algorithm(method: etree._Element, where: str) -> str:
    uri = method.get("Algorithm", "")
    if uri in _SHA1_METHODS:
        raise SignatureError(f"{where} usa SHA-1, que la DIAN ya no acepta (Regla-4).")
    algorithm = DIGEST_METHODS.get(uri)
    if algorithm is None:
        raise SignatureError(f"{where} usa un método de digest no soportado: {uri!r}.")
    return algorithm


def _decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureError(f"{what} no es base64 válido.") from error


def _find_signature(root: etree._Element) -> etree._Element:
    if root.find(_UBL_EXTENSIONS) is not None:
        content = _last_extension_content(root)
        signature = None if content is None else content.find(_SIGNATURE)
        if signature is None:
            raise SignatureError(
                "No hay ds:Signature en la última ext:UBLExtension/ext:ExtensionContent."
            )
        return signature
    signatures = list(root.iter(_SIGNATURE))
    if len(signatures) != 1:
        raise SignatureError(f"Se esperaba una ds:Signature y hay {len(signatures)}.")
    return signatures[0]


def _ids(root: etree._Element) -> tuple[dict[str, etree._Element], set[str]]:
    """Elements by their Id (Id, ID or id attribute), and the ids used more than once —
    a reference to those is refused (signature wrapping)."""
    by_id: dict[str, etree._Element] = {}
    repeated: set[str] = set()
    for element in root.iter(etree.Element):
        for attribute in ("Id", "ID", "id"):
            value = element.get(attribute)
            if value is None:
                continue
            if value in by_id and by_id[value] is not element:
                repeated.add(value)
            by_id[value] = element
    return by_id, repeated


class _WithoutSignature:
    """The document as the enveloped-signature transform sees it: without the signature.

    Built lazily from a second parse of the same bytes, because detaching the signature from
    the tree being verified and putting it back would let lxml rewrite the namespace
    declarations inside it (and so the digests of KeyInfo and SignedProperties). Removing the
    signature does not move any of its ancestors, so their paths are the same in both trees.
    """

    def __init__(self, xml: bytes, tree: etree._ElementTree, signature: etree._Element) -> None:
        self._xml = xml
        self._tree = tree
        self._signature_path = tree.getelementpath(signature)
        self._copy: etree._ElementTree | None = None

    def _without_signature(self) -> etree._ElementTree:
        if self._copy is None:
            copy = _parse(self._xml)
            signature = copy.find(self._signature_path)
            parent = None if signature is None else signature.getparent()
            if signature is None or parent is None:
                raise SignatureError(
                    "La ds:Signature no puede ser la raíz de un documento envolvente."
                )
            if signature.tail:  # the text after the signature stays in the document
                previous = signature.getprevious()
                if previous is None:
                    parent.text = (parent.text or "") + signature.tail
                else:
                    previous.tail = (previous.tail or "") + signature.tail
            parent.remove(signature)
            self._copy = copy
        return self._copy

    def counterpart(
        self, target: etree._Element | etree._ElementTree
    ) -> etree._Element | etree._ElementTree:
        """``target`` (the document or an ancestor of the signature) in the copy."""
        copy = self._without_signature()
        if isinstance(target, etree._ElementTree):
            return copy
        element = copy.find(self._tree.getelementpath(target))
        if element is None:  # cannot happen: the two trees come from the same bytes
            raise SignatureError("No se pudo aplicar la transformación enveloped-signature.")
        return element


def _canonicalize(
    target: etree._Element | etree._ElementTree,
    algorithm: str,
    *,
    comments_selected: bool,
    prefixes: list[str] | None = None,
) -> bytes:
    with_comments = comments_selected and algorithm.endswith("WithComments")
    if algorithm.startswith(EXCLUSIVE_C14N):
        return etree.tostring(
            target,
            method="c14n",
            exclusive=True,
            with_comments=with_comments,
            inclusive_ns_prefixes=prefixes or None,
        )
    if isinstance(target, etree._ElementTree):
        return etree.tostring(target, method="c14n", with_comments=with_comments)
    return _inclusive_c14n(target, with_comments=with_comments)


def _exclusive_prefixes(method: etree._Element) -> list[str] | None:
    inclusive = method.find(f"{{{EXCLUSIVE_C14N}}}InclusiveNamespaces")
    if inclusive is None:
        return None
    return inclusive.get("PrefixList", "").split()


_XPOINTER_ID = re.compile(r"^#xpointer\(id\(['\"]([^'\"]+)['\"]\)\)$")


def _reference_target(
    uri: str,
    tree: etree._ElementTree,
    by_id: dict[str, etree._Element],
    repeated: set[str],
) -> tuple[etree._Element | etree._ElementTree, bool]:
    """What a same-document reference selects, and whether comments are part of it."""
    if uri == "":
        return tree, False
    if uri == "#xpointer(/)":
        return tree, True
    match = _XPOINTER_ID.match(uri)
    identifier, comments = (match.group(1), True) if match else (uri[1:], False)
    if not uri.startswith("#") or not identifier:
        raise SignatureError(f"Referencia no soportada (solo al mismo documento): URI={uri!r}.")
    if identifier in repeated:
        raise SignatureError(f"El Id {identifier!r} aparece más de una vez en el documento.")
    element = by_id.get(identifier)
    if element is None:
        raise SignatureError(f"La referencia URI={uri!r} no apunta a ningún elemento.")
    return element, comments


def _reference_octets(
    reference: etree._Element,
    target: etree._Element | etree._ElementTree,
    comments: bool,
    signature: etree._Element,
    without_signature: _WithoutSignature,
) -> bytes:
    """Apply the reference's transforms to its target (XMLDSig §4.3.3)."""
    enveloped = False
    canonicalizations: list[tuple[str, list[str] | None]] = []
    for transform in reference.iterfind("ds:Transforms/ds:Transform", namespaces={"ds": DS}):
        algorithm = transform.get("Algorithm", "")
        if algorithm == ENVELOPED_SIGNATURE:
            if canonicalizations:
                raise SignatureError(
                    "enveloped-signature después de canonicalizar no es soportado."
                )
            enveloped = True
        elif algorithm in _CANONICALIZATIONS:
            canonicalizations.append((algorithm, _exclusive_prefixes(transform)))
        else:
            raise SignatureError(f"Transformación no soportada: {algorithm!r}.")
    if not canonicalizations:
        canonicalizations.append((C14N, None))
    root = target.getroot() if isinstance(target, etree._ElementTree) else target
    contains_signature = enveloped and (
        root is signature or any(a is root for a in signature.iterancestors())
    )
    if contains_signature and root is signature:
        return b""
    first, prefixes = canonicalizations[0]
    if contains_signature:
        target = without_signature.counterpart(target)
    octets = _canonicalize(target, first, comments_selected=comments, prefixes=prefixes)
    for algorithm, prefixes in canonicalizations[1:]:
        # Octets fed to a further canonicalization are parsed back into a node-set.
        reparsed = _parse(octets)
        octets = _canonicalize(reparsed, algorithm, comments_selected=True, prefixes=prefixes)
    return octets


def _load_certificates(key_info: etree._Element) -> list[x509.Certificate]:
    certificates = []
    for element in key_info.iterfind("ds:X509Data/ds:X509Certificate", namespaces={"ds": DS}):
        der = _decode_base64(element.text or "", "ds:X509Certificate")
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError as error:
            raise SignatureError("Un ds:X509Certificate no es un certificado X.509.") from error
    if not certificates:
        raise SignatureError("Falta ds:KeyInfo/ds:X509Data/ds:X509Certificate en la firma.")
    return certificates


def _signer(
    certificates: list[x509.Certificate],
    signed_info_octets: bytes,
    signature_value: bytes,
    hash_algorithm: hashes.HashAlgorithm,
) -> x509.Certificate:
    """The certificate of ``ds:KeyInfo`` whose key made the signature (the first one, by
    convention; the others are tried for signers that write the chain root first)."""
    for certificate in certificates:
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            continue
        try:
            public_key.verify(
                signature_value, signed_info_octets, padding.PKCS1v15(), hash_algorithm
            )
        except InvalidSignature:
            continue
        return certificate
    raise SignatureError(
        "El valor de la firma (ds:SignatureValue) no es válido para el certificado de ds:KeyInfo."
    )


# Attribute names seen in X509IssuerName besides RFC 4514's (Java, .NET and OpenSSL spellings).
_EXTRA_ATTRIBUTE_NAMES = {
    "E": NameOID.EMAIL_ADDRESS,
    "EMAIL": NameOID.EMAIL_ADDRESS,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
    "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    "T": NameOID.TITLE,
    "TITLE": NameOID.TITLE,
    "G": NameOID.GIVEN_NAME,
    "GN": NameOID.GIVEN_NAME,
    "GIVENNAME": NameOID.GIVEN_NAME,
    "SURNAME": NameOID.SURNAME,
    "S": NameOID.STATE_OR_PROVINCE_NAME,
    "ORGANIZATIONIDENTIFIER": NameOID.ORGANIZATION_IDENTIFIER,
    "CN": NameOID.COMMON_NAME,
    "C": NameOID.COUNTRY_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "STREET": NameOID.STREET_ADDRESS,
    "DC": NameOID.DOMAIN_COMPONENT,
    "UID": NameOID.USER_ID,
}
_NAME_OVERRIDES = {
    spelling: oid
    for name, oid in _EXTRA_ATTRIBUTE_NAMES.items()
    for spelling in (name, name.lower(), name.title())
}
_STRING_TAGS = {0x0C: "utf-8", 0x13: "latin-1", 0x16: "latin-1", 0x14: "latin-1", 0x1E: "utf-16-be"}
_HEX_VALUE = re.compile(r"=#([0-9A-Fa-f]+)")
_SPACE_AFTER_SEPARATOR = re.compile(r"(?<!\\)([,+])\s+")
_OID_PREFIX = re.compile(r"(^|[,+])\s*OID\.", re.IGNORECASE)


def _hex_value_as_text(match: re.Match[str]) -> str:
    """``=#130444454D4F`` (a DER string, as Java writes unknown attributes) → ``=DEMO``."""
    der = bytes.fromhex(match.group(1))
    if len(der) < 2 or der[0] not in _STRING_TAGS or der[1] & 0x80:
        return match.group(0)
    value = der[2 : 2 + der[1]].decode(_STRING_TAGS[der[0]], errors="replace")
    escaped = re.sub(r'([\\,+"<>;=])', r"\\\1", value)
    if escaped.startswith(("#", " ")):
        escaped = "\\" + escaped
    return "=" + escaped


def _parse_name(text: str) -> x509.Name | None:
    normalized = _SPACE_AFTER_SEPARATOR.sub(r"\1", text.strip())
    normalized = _OID_PREFIX.sub(r"\1", normalized)
    normalized = _HEX_VALUE.sub(_hex_value_as_text, normalized)
    try:
        return x509.Name.from_rfc4514_string(normalized, _NAME_OVERRIDES)
    except ValueError:
        return None


def _name_key(name: x509.Name) -> list[frozenset[tuple[str, str]]]:
    """A name for comparison as X.500 matches it: case and repeated spaces do not count."""
    return [
        frozenset((a.oid.dotted_string, " ".join(str(a.value).casefold().split())) for a in rdn)
        for rdn in name.rdns
    ]


def same_name(text: str, name: x509.Name) -> bool:
    """Whether an ``X509IssuerName`` text names ``name``."""
    parsed = _parse_name(text)
    return parsed is not None and (parsed == name or _name_key(parsed) == _name_key(name))


def _check_signing_certificate(properties: etree._Element, signer: x509.Certificate) -> None:
    if properties.find(_xades("SigningCertificateV2")) is not None:
        raise SignatureError(
            "La firma trae xades:SigningCertificateV2, que el esquema XAdES 1.3.2 de la DIAN no "
            "admite: debe usar xades:SigningCertificate."
        )
    signing_certificate = _one(properties, "xades:SigningCertificate", "xades:SigningCertificate")
    cert_refs = signing_certificate.findall(_xades("Cert"))
    if not cert_refs:
        raise SignatureError("Falta xades:SigningCertificate/xades:Cert en la firma.")
    signer_der = signer.public_bytes(Encoding.DER)
    for cert_ref in cert_refs:
        digest = _one(cert_ref, "xades:CertDigest", "xades:CertDigest")
        algorithm = _digest_algorithm(
            _one(digest, "ds:DigestMethod", "xades:CertDigest/ds:DigestMethod"), "xades:CertDigest"
        )
        expected = _decode_base64(
            _text(digest, "ds:DigestValue", "xades:CertDigest/ds:DigestValue"), "CertDigest"
        )
        if hashlib.new(algorithm, signer_der).digest() != expected:
            continue
        issuer_serial = _one(cert_ref, "xades:IssuerSerial", "xades:IssuerSerial")
        issuer_text = _text(issuer_serial, "ds:X509IssuerName", "ds:X509IssuerName")
        serial_text = _text(issuer_serial, "ds:X509SerialNumber", "ds:X509SerialNumber")
        if not serial_text.isdigit() or int(serial_text) != signer.serial_number:
            raise SignatureError(
                f"xades:IssuerSerial no corresponde al certificado: X509SerialNumber {serial_text} "
                f"≠ {signer.serial_number} (decimal)."
            )
        if not same_name(issuer_text, signer.issuer):
            raise SignatureError(
                f"xades:IssuerSerial no corresponde al certificado: X509IssuerName {issuer_text!r} "
                f"≠ {signer.issuer.rfc4514_string()!r}."
            )
        return
    raise SignatureError(
        "xades:SigningCertificate/xades:Cert/xades:CertDigest no corresponde al certificado "
        "que firmó."
    )


def _check_policy(properties: etree._Element) -> str:
    identifier = _one(
        properties, "xades:SignaturePolicyIdentifier", "xades:SignaturePolicyIdentifier"
    )
    policy = _one(
        identifier, "xades:SignaturePolicyId", "xades:SignaturePolicyId (política explícita)"
    )
    uri = _text(policy, "xades:SigPolicyId/xades:Identifier", "xades:SigPolicyId/xades:Identifier")
    if uri != POLICY_IDENTIFIER:
        raise SignatureError(
            f"La política de firma {uri!r} no es la de la DIAN ({POLICY_IDENTIFIER})."
        )
    policy_hash = _one(policy, "xades:SigPolicyHash", "xades:SigPolicyHash")
    method = _one(policy_hash, "ds:DigestMethod", "xades:SigPolicyHash/ds:DigestMethod")
    _digest_algorithm(method, "xades:SigPolicyHash")
    value = _text(policy_hash, "ds:DigestValue", "xades:SigPolicyHash/ds:DigestValue")
    expected = POLICY_DIGESTS[method.get("Algorithm", "")]
    if _decode_base64(value, "SigPolicyHash") != base64.b64decode(expected):
        raise SignatureError(
            f"xades:SigPolicyHash no es el digest de la política de firma de la DIAN "
            f"(se esperaba {expected})."
        )
    return uri


def _signing_time(properties: etree._Element) -> datetime:
    text = _text(properties, "xades:SigningTime", "xades:SigningTime")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise SignatureError(f"xades:SigningTime no es una fecha y hora: {text!r}.") from error
    if moment.tzinfo is None:
        raise SignatureError(f"xades:SigningTime no tiene zona horaria: {text!r}.")
    return moment


def _claimed_role(properties: etree._Element) -> str:
    signer_role = _one(properties, "xades:SignerRole", "xades:SignerRole")
    return _text(
        signer_role, "xades:ClaimedRoles/xades:ClaimedRole", "xades:ClaimedRoles/xades:ClaimedRole"
    )


def verify(xml: bytes) -> VerifiedSignature:
    """Check the XAdES-EPES signature of a DIAN document as DIAN does; raise
    ``SignatureError`` naming the first thing wrong."""
    tree = _parse(xml)
    root = tree.getroot()
    signature = _find_signature(root)
    signature_id = signature.get("Id")
    if not signature_id:
        raise SignatureError("La ds:Signature no tiene atributo Id.")
    signed_info = signature[0] if len(signature) else None
    if signed_info is None or signed_info.tag != _ds("SignedInfo"):
        raise SignatureError("El primer hijo de ds:Signature debe ser ds:SignedInfo.")
    key_info = _one(signature, "ds:KeyInfo", "ds:KeyInfo")
    qualifying = next(
        (
            q
            for q in signature.iterfind(
                "ds:Object/xades:QualifyingProperties", {"ds": DS, "xades": XADES}
            )
            if q.get("Target") == f"#{signature_id}"
        ),
        None,
    )
    if qualifying is None:
        raise SignatureError(
            f'Falta ds:Object/xades:QualifyingProperties con Target="#{signature_id}".'
        )
    signed_properties = _one(qualifying, "xades:SignedProperties", "xades:SignedProperties")
    properties = _one(
        signed_properties, "xades:SignedSignatureProperties", "xades:SignedSignatureProperties"
    )

    c14n_method = _one(signed_info, "ds:CanonicalizationMethod", "ds:CanonicalizationMethod")
    c14n_algorithm = c14n_method.get("Algorithm", "")
    if c14n_algorithm not in _CANONICALIZATIONS:
        raise SignatureError(f"Canonicalización de ds:SignedInfo no soportada: {c14n_algorithm!r}.")
    signature_method = _one(signed_info, "ds:SignatureMethod", "ds:SignatureMethod").get(
        "Algorithm", ""
    )
    if signature_method in _SHA1_METHODS:
        raise SignatureError("La firma usa rsa-sha1, vencido para la DIAN (Regla-3).")
    hash_algorithm = SIGNATURE_METHODS.get(signature_method)
    if hash_algorithm is None:
        raise SignatureError(f"Método de firma no soportado: {signature_method!r}.")

    by_id, repeated = _ids(root)
    references = signed_info.findall(_ds("Reference"))
    if not references:
        raise SignatureError("ds:SignedInfo no tiene ninguna ds:Reference.")
    # What each reference selects, first: a missing or ambiguous target is named before any
    # digest is compared.
    targets = []
    for reference in references:
        uri = reference.get("URI")
        if uri is None:
            raise SignatureError(
                "Una ds:Reference no tiene URI (referencias externas no soportadas)."
            )
        targets.append((reference, uri, *_reference_target(uri, tree, by_id, repeated)))
    selected = [target for _, _, target, _ in targets]
    if not any(target is tree or target is root for target in selected):
        raise SignatureError('Ninguna ds:Reference cubre el documento completo (URI="").')
    if not any(target is key_info for target in selected):
        raise SignatureError("Ninguna ds:Reference cubre ds:KeyInfo (la DIAN exige firmarlo).")
    if not any(target is signed_properties for target in selected):
        raise SignatureError("Ninguna ds:Reference cubre xades:SignedProperties.")

    without_signature = _WithoutSignature(xml, tree, signature)
    for reference, uri, target, comments in targets:
        if target is signed_properties and reference.get("Type") != SIGNED_PROPERTIES_TYPE:
            raise SignatureError(
                f'La referencia a xades:SignedProperties debe tener Type="{SIGNED_PROPERTIES_TYPE}".'
            )
        algorithm = _digest_algorithm(
            _one(reference, "ds:DigestMethod", f"ds:DigestMethod de la referencia {uri!r}"),
            f"La referencia URI={uri!r}",
        )
        expected = _decode_base64(
            _text(reference, "ds:DigestValue", f"ds:DigestValue de la referencia {uri!r}"),
            f"El ds:DigestValue de la referencia {uri!r}",
        )
        octets = _reference_octets(reference, target, comments, signature, without_signature)
        if hashlib.new(algorithm, octets).digest() != expected:
            what = "el documento" if target is tree or target is root else f"{uri!r}"
            raise SignatureError(
                f"El digest de la referencia URI={uri!r} no coincide: {what} cambió después de firmar."
            )

    prefixes = (
        _exclusive_prefixes(c14n_method) if c14n_algorithm.startswith(EXCLUSIVE_C14N) else None
    )
    signed_info_octets = _canonicalize(
        signed_info, c14n_algorithm, comments_selected=True, prefixes=prefixes
    )
    signature_value = _decode_base64(
        _text(signature, "ds:SignatureValue", "ds:SignatureValue"), "ds:SignatureValue"
    )
    certificates = _load_certificates(key_info)
    signer = _signer(certificates, signed_info_octets, signature_value, hash_algorithm)

    signing_time = _signing_time(properties)
    _check_signing_certificate(properties, signer)
    policy_identifier = _check_policy(properties)
    role = _claimed_role(properties)
    problems = certificate_problems(signer, signing_time)
    if problems:
        raise SignatureError(
            "El certificado no podía firmar en xades:SigningTime: " + " ".join(problems)
        )
    return VerifiedSignature(
        signature_id=signature_id,
        signing_time=signing_time,
        certificate=signer,
        chain=tuple(c for c in certificates if c is not signer),
        role=role,
        policy_identifier=policy_identifier,
    )
