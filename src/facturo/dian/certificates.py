"""PKCS#12 signing certificates: loading, the checks DIAN applies, generation and sealing.

A ``SigningCertificate`` is the certificate, its private key and the chain that came with
it, plus everything the XAdES signer writes on every document (DER, base64, SHA-256 digest,
RFC 4514 issuer, decimal serial), computed once when the certificate is loaded.

DIAN refuses signatures made with certificates that are outside their validity at the
signing time, that use SHA-1, or that lack the Digital Signature and Non Repudiation key
usages (Regla-1/2, shared/reference/dian.md §3.1). ``usability_problems`` lists every such
reason so that a company learns them all at once, when it uploads the certificate.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturo.dian.errors import CertificateError

MINIMUM_RSA_BITS = 2048
ACCEPTED_SIGNATURE_HASHES = frozenset({"sha256", "sha384", "sha512"})
# Camerfirma/Certicámara's "company identifier" attribute, where Colombian CAs put the NIT.
_COMPANY_ID_OID = x509.ObjectIdentifier("1.3.6.1.4.1.4710.1.3.2")
_ORGANIZATION_IDENTIFIER_OID = x509.ObjectIdentifier("2.5.4.97")
_NIT_IN_TEXT = re.compile(
    r"\bNIT\b\s*[:.#]?\s*(?:CO-?)?(\d[\d.]{4,14})(?:\s*-\s*\d)?", re.IGNORECASE
)
# The keys a PKCS#12 can carry and a certificate can be issued with; DIAN only accepts RSA.
PrivateKey = (
    rsa.RSAPrivateKey
    | dsa.DSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)
_PRIVATE_KEY_CLASSES = (
    rsa.RSAPrivateKey,
    dsa.DSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)
_BARE_NIT = re.compile(r"^(?:NIT\s*(?:CO-?)?)?(\d[\d.]{4,14})(?:\s*-\s*\d)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class KeyUsageFlags:
    """The two key usages DIAN requires. A certificate without the KeyUsage extension has
    neither, as far as DIAN is concerned."""

    digital_signature: bool
    non_repudiation: bool


def _public_key_text(key: CertificatePublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(key).__name__


def _public_key_der(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_matches(certificate: x509.Certificate, private_key: PrivateKey) -> bool:
    """Whether ``private_key`` is the key of ``certificate`` (their public halves agree)."""
    return _public_key_der(certificate.public_key()) == _public_key_der(private_key.public_key())


def signature_hash_of(certificate: x509.Certificate) -> str | None:
    """The hash the issuer signed the certificate with (``sha256``), None for EdDSA."""
    try:
        algorithm = certificate.signature_hash_algorithm
    except Exception:  # an algorithm cryptography does not know (e.g. RSASSA-PSS variants)
        return certificate.signature_algorithm_oid.dotted_string
    return None if algorithm is None else algorithm.name


def key_usage_of(certificate: x509.Certificate) -> KeyUsageFlags:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return KeyUsageFlags(digital_signature=False, non_repudiation=False)
    return KeyUsageFlags(
        digital_signature=usage.digital_signature, non_repudiation=usage.content_commitment
    )


def nit_of(name: x509.Name) -> str | None:
    """The NIT (digits, no check digit) a subject carries, best effort: an attribute that
    says ``NIT 900123456-7``, the CA's company-identifier attribute, ``organizationIdentifier``
    (``NITCO-900123456``) or a numeric ``serialNumber``."""
    texts = [(a.oid, a.value) for a in name if isinstance(a.value, str)]
    for _, value in texts:
        found = _NIT_IN_TEXT.search(value)
        if found:
            return found.group(1).replace(".", "")
    for oid in (_COMPANY_ID_OID, _ORGANIZATION_IDENTIFIER_OID, NameOID.SERIAL_NUMBER):
        for attribute_oid, value in texts:
            if attribute_oid != oid:
                continue
            found = _BARE_NIT.match(value.strip())
            if found:
                return found.group(1).replace(".", "")
    return None


@dataclass(frozen=True, eq=False, repr=False)
class SigningCertificate:
    """A certificate with its RSA private key and chain (issuer first, root last).

    Raises ``CertificateError`` if the key is not the certificate's.
    """

    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()
    # Computed once: the signer writes them into every document.
    der: bytes = field(init=False)
    der_base64: str = field(init=False)
    digest_sha256_base64: str = field(init=False)
    fingerprint_sha256: str = field(init=False)
    chain_der_base64: tuple[str, ...] = field(init=False)
    subject: str = field(init=False)
    issuer: str = field(init=False)
    serial_number: int = field(init=False)
    serial_number_text: str = field(init=False)
    lasting_problems: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not key_matches(self.certificate, self.private_key):
            raise CertificateError(
                "La llave privada no corresponde al certificado (sus llaves públicas difieren)."
            )
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        digest = hashlib.sha256(der).digest()
        computed = {
            "der": der,
            "der_base64": base64.b64encode(der).decode("ascii"),
            "digest_sha256_base64": base64.b64encode(digest).decode("ascii"),
            "fingerprint_sha256": digest.hex(),
            "chain_der_base64": tuple(
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
                for c in self.chain
            ),
            "subject": self.certificate.subject.rfc4514_string(),
            "issuer": self.certificate.issuer.rfc4514_string(),
            "serial_number": self.certificate.serial_number,
            "serial_number_text": str(self.certificate.serial_number),
            "lasting_problems": _lasting_problems(self.certificate),
        }
        for name, value in computed.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (
            f"SigningCertificate(subject={self.subject!r}, serial_number={self.serial_number_text})"
        )

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def key_algorithm(self) -> str:
        """``RSA 2048``, ``EC secp256r1`` …"""
        return _public_key_text(self.certificate.public_key())

    @property
    def signature_hash(self) -> str | None:
        return signature_hash_of(self.certificate)

    @property
    def key_usage(self) -> KeyUsageFlags:
        return key_usage_of(self.certificate)

    @property
    def subject_nit(self) -> str | None:
        return nit_of(self.certificate.subject)

    @property
    def rsa_key(self) -> rsa.RSAPrivateKey:
        """The private key, which must be RSA to sign for DIAN."""
        if not isinstance(self.private_key, rsa.RSAPrivateKey):
            raise CertificateError(
                f"La llave del certificado es {self.key_algorithm}; la DIAN exige RSA."
            )
        return self.private_key


def _looks_like_pfx(data: bytes) -> bool:
    """Whether ``data`` starts like a DER PFX: SEQUENCE { INTEGER 3, … }."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    position = 2
    if data[1] & 0x80:
        position += data[1] & 0x7F
    return data[position : position + 3] == b"\x02\x01\x03"


def load_pkcs12(data: bytes, password: str) -> SigningCertificate:
    """Read a ``.p12``/``.pfx`` file. Raises ``CertificateError`` saying what is wrong."""
    if not _looks_like_pfx(data):
        raise CertificateError("El archivo no es un certificado PKCS#12 (.p12 o .pfx).")
    try:
        loaded = pkcs12.load_pkcs12(data, password.encode("utf-8") if password else None)
    except ValueError as error:
        raise CertificateError(
            "La contraseña del certificado no es correcta (o el archivo está dañado)."
        ) from error
    if loaded.key is None:
        raise CertificateError("El archivo PKCS#12 no contiene la llave privada.")
    key = loaded.key
    if not isinstance(key, _PRIVATE_KEY_CLASSES):
        raise CertificateError(
            f"La llave del archivo PKCS#12 es de un tipo no soportado ({type(key).__name__}); "
            "la DIAN exige RSA."
        )
    others = [c.certificate for c in loaded.additional_certs]
    leaf = loaded.cert.certificate if loaded.cert is not None else None
    if leaf is None:
        # Some exporters do not tie the certificate to the key: take the one the key fits.
        leaf = next((c for c in others if key_matches(c, key)), None)
        if leaf is None:
            if not others:
                raise CertificateError("El archivo PKCS#12 no contiene el certificado.")
            raise CertificateError(
                "La llave privada no corresponde a ninguno de los certificados del archivo."
            )
    elif not key_matches(leaf, key):
        raise CertificateError(
            "La llave privada no corresponde al certificado (sus llaves públicas difieren)."
        )
    chain = tuple(c for c in _issuer_order(leaf, others) if c != leaf)
    return SigningCertificate(certificate=leaf, private_key=key, chain=chain)


def _issuer_order(leaf: x509.Certificate, others: list[x509.Certificate]) -> list[x509.Certificate]:
    """The chain from the leaf's issuer up, then any certificate that is not on that path."""
    ordered: list[x509.Certificate] = []
    remaining = list(others)
    current = leaf
    while True:
        parent = next((c for c in remaining if c.subject == current.issuer and c != current), None)
        if parent is None:
            break
        ordered.append(parent)
        remaining.remove(parent)
        if parent.subject == parent.issuer:
            break
        current = parent
    return ordered + remaining


def to_pkcs12(cert: SigningCertificate, password: str) -> bytes:
    """Seal a certificate, its key and its chain in a PKCS#12 (AES-256, PBKDF2-SHA256)."""
    if password:
        encryption: serialization.KeySerializationEncryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(50_000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password.encode("utf-8"))
        )
    else:
        encryption = serialization.NoEncryption()
    common_names = cert.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    friendly = str(common_names[0].value) if common_names else "facturo"
    return pkcs12.serialize_key_and_certificates(
        friendly.encode("utf-8"),
        cert.private_key,
        cert.certificate,
        list(cert.chain) or None,
        encryption,
    )


def _validity_problems(certificate: x509.Certificate, at: datetime) -> list[str]:
    if at.tzinfo is None:
        raise ValueError("a naive datetime cannot be compared with a certificate's validity")
    problems = []
    if at < certificate.not_valid_before_utc:
        problems.append(
            f"El certificado aún no es válido: su vigencia empieza el "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC."
        )
    if at > certificate.not_valid_after_utc:
        problems.append(
            f"El certificado está vencido: su vigencia terminó el "
            f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC."
        )
    return problems


def _lasting_problems(certificate: x509.Certificate) -> tuple[str, ...]:
    """The problems that do not depend on the moment: key, hash, key usage."""
    problems = []
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        problems.append(
            f"La llave del certificado es {_public_key_text(public_key)}; la DIAN exige RSA."
        )
    elif public_key.key_size < MINIMUM_RSA_BITS:
        problems.append(
            f"La llave RSA del certificado tiene {public_key.key_size} bits; se exigen al menos "
            f"{MINIMUM_RSA_BITS}."
        )
    signature_hash = signature_hash_of(certificate)
    if signature_hash not in ACCEPTED_SIGNATURE_HASHES:
        problems.append(
            f"El certificado está firmado con {signature_hash or 'un algoritmo sin hash'}; la DIAN "
            "exige sha256, sha384 o sha512 (SHA-1 está vencido)."
        )
    usage = key_usage_of(certificate)
    if not usage.digital_signature:
        problems.append(
            "El certificado no tiene el uso de llave Firma digital (Digital Signature)."
        )
    if not usage.non_repudiation:
        problems.append("El certificado no tiene el uso de llave No repudio (Non Repudiation).")
    return tuple(problems)


def certificate_problems(certificate: x509.Certificate, at: datetime) -> tuple[str, ...]:
    """Every reason ``certificate`` must not sign (or have signed) a DIAN document at ``at``:
    outside its validity, not RSA or under 2048 bits, signed with SHA-1 (or anything but
    SHA-256/384/512), without the Digital Signature or Non Repudiation key usage."""
    return (*_validity_problems(certificate, at), *_lasting_problems(certificate))


def usability_problems(
    cert: SigningCertificate | x509.Certificate, at: datetime
) -> tuple[str, ...]:
    """Every reason the certificate must not sign at ``at``; empty when it may."""
    if isinstance(cert, SigningCertificate):
        return (*_validity_problems(cert.certificate, at), *cert.lasting_problems)
    return certificate_problems(cert, at)


def require_usable(cert: SigningCertificate, at: datetime) -> None:
    """Raise ``CertificateError`` listing every problem, if there is any."""
    problems = usability_problems(cert, at)
    if problems:
        raise CertificateError(
            "El certificado no sirve para firmar: " + " ".join(problems), problems
        )


def random_serial() -> int:
    """A positive serial of 48 decimal digits, as Colombian CAs issue (RFC 5280 caps serials
    at 20 octets, i.e. below 2**159)."""
    return 10**47 + secrets.randbelow(2**159 - 10**47)


def generate_certificate(
    *,
    common_name: str,
    nit: str | None,
    organization: str,
    valid_from: datetime,
    valid_to: datetime,
    key_size: int = 2048,
    serial: int | None = None,
    issuer: SigningCertificate | None = None,
    certificate_authority: bool = False,
) -> SigningCertificate:
    """A new RSA key and a certificate for it with KeyUsage Digital Signature + Non
    Repudiation, self-signed or issued by ``issuer``. For the demo company and the DIAN
    stand-in; real companies upload the certificate their CA issued."""
    if valid_from.tzinfo is None or valid_to.tzinfo is None:
        raise ValueError("certificate validity needs timezone-aware datetimes")
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CO")]
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if nit:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, nit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    subject = x509.Name(attributes)
    signer_key: PrivateKey = key if issuer is None else issuer.private_key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(random_serial() if serial is None else serial)
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(
            x509.BasicConstraints(ca=certificate_authority, path_length=None), critical=True
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=certificate_authority,
                crl_sign=certificate_authority,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    certificate = builder.sign(signer_key, hashes.SHA256())
    chain: tuple[x509.Certificate, ...] = ()
    if issuer is not None:
        chain = (issuer.certificate, *issuer.chain)
    return SigningCertificate(certificate=certificate, private_key=key, chain=chain)


def generate_pkcs12(
    *,
    common_name: str,
    nit: str | None,
    organization: str,
    password: str,
    valid_from: datetime,
    valid_to: datetime | None = None,
    key_size: int = 2048,
    serial: int | None = None,
) -> bytes:
    """A self-signed signing certificate sealed as PKCS#12 (valid two years by default)."""
    certificate = generate_certificate(
        common_name=common_name,
        nit=nit,
        organization=organization,
        valid_from=valid_from,
        valid_to=valid_to or valid_from + timedelta(days=730),
        key_size=key_size,
        serial=serial,
    )
    return to_pkcs12(certificate, password)
