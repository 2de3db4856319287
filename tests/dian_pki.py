"""Certificates for tests: a test CA, signing certificates it issues, and the faulty ones
DIAN refuses (expired, SHA-1, 1024-bit, without key usage …).

RSA keys are slow to make, so they are made once per process and reused by slot:
``make_certificate(key_slot=1)`` gets a second, different key. ``demo_certificate()`` is the
usual signer: issued by ``certificate_authority()`` (so it has a chain), a 48-digit serial like Colombian
CAs, a NIT in its subject, valid 2024-01-01 … 2030-12-31.

Usage (other tests import these)::

    from tests.dian_pki import demo_certificate, make_certificate, pkcs12_of
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from facturo.dian.certificates import PrivateKey, SigningCertificate, random_serial, to_pkcs12

VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)
DEMO_NIT = "900373115"
DEMO_PASSWORD = "clave-del-certificado"
# An issuer name with what real Colombian CA names carry: an e-mail attribute, an OU, and a
# comma that RFC 4514 must escape.
CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CO"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Distrito Capital"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Bogotá D.C."),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Autoridad de Pruebas Facturo, S.A.S."),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "NIT 830084433-7"),
        x509.NameAttribute(NameOID.COMMON_NAME, "AC Facturo Pruebas"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ac@pruebas.facturo.co"),
    ]
)
_OID_DER = {
    "sha256": bytes.fromhex("06092a864886f70d01010b"),  # sha256WithRSAEncryption
    "sha1": bytes.fromhex("06092a864886f70d010105"),  # sha1WithRSAEncryption
}


@functools.cache
def rsa_key(key_size: int = 2048, slot: int = 0) -> rsa.RSAPrivateKey:
    """The same key for the same (size, slot) for the whole test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def subject_name(
    common_name: str, *, nit: str | None = DEMO_NIT, organization: str = "Empresa Demo S.A.S."
) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if nit:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, nit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(digital_signature: bool, non_repudiation: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _resign_with_sha1(
    certificate: x509.Certificate, issuer_key: rsa.RSAPrivateKey
) -> x509.Certificate:
    """The same certificate signed with sha1WithRSAEncryption. ``cryptography`` no longer
    signs certificates with SHA-1, but DIAN still meets such certificates; the OIDs have the
    same length, so the DER is patched in place and the TBS signed again."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    tbs = certificate.tbs_certificate_bytes
    new_tbs = tbs.replace(_OID_DER["sha256"], _OID_DER["sha1"], 1)
    new_signature = issuer_key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (a refused certificate on purpose)
    assert len(new_signature) == len(certificate.signature)
    start = der.index(tbs)
    rest = der[start + len(tbs) :]  # the outer AlgorithmIdentifier, then the signature
    rest = rest.replace(_OID_DER["sha256"], _OID_DER["sha1"], 1)
    rest = rest.replace(certificate.signature, new_signature, 1)
    patched = der[:start] + new_tbs + rest
    result = x509.load_der_x509_certificate(patched)
    assert result.signature_hash_algorithm is not None
    assert result.signature_hash_algorithm.name == "sha1"
    return result


def make_certificate(
    common_name: str = "Empresa Demo S.A.S.",
    *,
    nit: str | None = DEMO_NIT,
    subject: x509.Name | None = None,
    valid_from: datetime = VALID_FROM,
    valid_to: datetime = VALID_TO,
    key_size: int = 2048,
    key_slot: int = 0,
    key: PrivateKey | None = None,
    hash_name: str = "sha256",
    key_usage: tuple[bool, bool] | None = (True, True),
    serial: int | None = None,
    issuer: SigningCertificate | None = None,
    ca: bool = False,
) -> SigningCertificate:
    """A certificate as the test needs it. ``key_usage`` is (digital_signature,
    non_repudiation), or None for no KeyUsage extension; ``hash_name`` is sha256, sha384,
    sha512 or sha1; ``issuer`` None makes it self-signed."""
    own_key = key if key is not None else rsa_key(key_size, key_slot)
    subject = subject or subject_name(common_name, nit=nit)
    signer_key = own_key if issuer is None else issuer.private_key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(own_key.public_key())
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(_key_usage(*key_usage, ca=ca), critical=True)
    algorithms: dict[str, hashes.HashAlgorithm] = {
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    certificate = builder.sign(signer_key, algorithms.get(hash_name, hashes.SHA256()))
    if hash_name == "sha1":
        assert isinstance(signer_key, rsa.RSAPrivateKey)
        certificate = _resign_with_sha1(certificate, signer_key)
    chain = () if issuer is None else (issuer.certificate, *issuer.chain)
    return SigningCertificate(certificate=certificate, private_key=own_key, chain=chain)


@functools.cache
def certificate_authority() -> SigningCertificate:
    """A self-signed test CA (key slot 90)."""
    return make_certificate(
        subject=CA_NAME,
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
        valid_to=datetime(2040, 1, 1, tzinfo=UTC),
        key_slot=90,
        key_usage=(True, False),
        ca=True,
    )


@functools.cache
def demo_certificate() -> SigningCertificate:
    """The usual signer: issued by ``certificate_authority()``, 48-digit serial, NIT 900373115."""
    return make_certificate(issuer=certificate_authority())


@functools.cache
def other_certificate() -> SigningCertificate:
    """A second valid signer with another key (slot 1), for swapped-certificate tests."""
    return make_certificate(
        "Otra Empresa S.A.S.", nit="901210113", key_slot=1, issuer=certificate_authority()
    )


def pkcs12_of(certificate: SigningCertificate, password: str = DEMO_PASSWORD) -> bytes:
    return to_pkcs12(certificate, password)
