"""Signing certificates: PKCS#12 in and out, what is read from them, and every reason DIAN
refuses one (Regla-1/2: validity, RSA ≥ 2048, SHA-256/384/512, Digital Signature + Non
Repudiation)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturo.dian.certificates import (
    KeyUsageFlags,
    SigningCertificate,
    generate_certificate,
    generate_pkcs12,
    load_pkcs12,
    nit_of,
    require_usable,
    to_pkcs12,
    usability_problems,
)
from facturo.dian.errors import CertificateError, DianError
from tests.dian_pki import (
    DEMO_PASSWORD,
    VALID_FROM,
    VALID_TO,
    certificate_authority,
    demo_certificate,
    make_certificate,
    pkcs12_of,
    rsa_key,
)

INSIDE = datetime(2026, 11, 21, 15, 15, 30, tzinfo=UTC)


def _encrypted(password: bytes) -> serialization.KeySerializationEncryption:
    return serialization.BestAvailableEncryption(password)


# ------------------------------------------------------------------------------------------
# PKCS#12


def test_pkcs12_round_trip_keeps_certificate_key_and_chain() -> None:
    original = demo_certificate()
    loaded = load_pkcs12(pkcs12_of(original), DEMO_PASSWORD)

    assert loaded.der == original.der
    assert loaded.chain == (certificate_authority().certificate,)
    assert loaded.private_key.private_numbers() == original.private_key.private_numbers()
    assert loaded.subject == "CN=Empresa Demo S.A.S.,2.5.4.5=900373115,O=Empresa Demo S.A.S.,C=CO"
    assert loaded.issuer == (
        "1.2.840.113549.1.9.1=ac@pruebas.facturo.co,CN=AC Facturo Pruebas,OU=NIT 830084433-7,"
        "O=Autoridad de Pruebas Facturo\\, S.A.S.,L=Bogotá D.C.,ST=Distrito Capital,C=CO"
    )
    assert loaded.serial_number == original.certificate.serial_number
    assert loaded.serial_number_text == str(original.certificate.serial_number)
    assert len(loaded.serial_number_text) == 48
    assert loaded.not_before == VALID_FROM
    assert loaded.not_after == VALID_TO
    assert loaded.not_before.utcoffset() == timedelta(0)
    assert loaded.key_algorithm == "RSA 2048"
    assert loaded.signature_hash == "sha256"
    assert loaded.key_usage == KeyUsageFlags(digital_signature=True, non_repudiation=True)
    assert loaded.fingerprint_sha256 == hashlib.sha256(original.der).hexdigest()
    assert loaded.subject_nit == "900373115"
    assert usability_problems(loaded, INSIDE) == ()


def test_chain_is_ordered_from_the_issuer_up_whatever_the_file_order() -> None:
    root = certificate_authority()
    intermediate = make_certificate(
        "AC Subordinada", nit=None, key_slot=91, issuer=root, ca=True, key_usage=(True, False)
    )
    leaf = make_certificate(issuer=intermediate, key_slot=2)
    data = pkcs12.serialize_key_and_certificates(
        b"x",
        leaf.private_key,
        leaf.certificate,
        [root.certificate, intermediate.certificate],
        _encrypted(b"pw"),
    )

    loaded = load_pkcs12(data, "pw")

    assert loaded.chain == (intermediate.certificate, root.certificate)


def test_wrong_password_is_said_so() -> None:
    with pytest.raises(CertificateError, match="contraseña del certificado no es correcta"):
        load_pkcs12(pkcs12_of(demo_certificate()), "otra-clave")


@pytest.mark.parametrize(
    "data",
    [
        b"not a certificate at all",
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        b"",
    ],
)
def test_a_file_that_is_not_pkcs12_is_said_so(data: bytes) -> None:
    with pytest.raises(CertificateError, match="no es un certificado PKCS#12"):
        load_pkcs12(data, DEMO_PASSWORD)


def test_a_bare_der_certificate_is_not_pkcs12() -> None:
    with pytest.raises(CertificateError, match="no es un certificado PKCS#12"):
        load_pkcs12(demo_certificate().der, DEMO_PASSWORD)


def test_pkcs12_without_key_is_refused() -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"x", None, demo_certificate().certificate, None, _encrypted(b"pw")
    )
    with pytest.raises(CertificateError, match="no contiene la llave privada"):
        load_pkcs12(data, "pw")


def test_pkcs12_without_certificate_is_refused() -> None:
    data = pkcs12.serialize_key_and_certificates(b"x", rsa_key(), None, None, _encrypted(b"pw"))
    with pytest.raises(CertificateError, match="no contiene el certificado"):
        load_pkcs12(data, "pw")


def test_pkcs12_whose_key_fits_no_certificate_is_refused() -> None:
    # cryptography refuses to seal a certificate with another key; a file with the key and
    # the certificate merely side by side (as some exporters write) is the same situation.
    data = pkcs12.serialize_key_and_certificates(
        b"x", rsa_key(2048, 7), None, [demo_certificate().certificate], _encrypted(b"pw")
    )
    with pytest.raises(CertificateError, match="no corresponde a ninguno de los certificados"):
        load_pkcs12(data, "pw")


def test_pkcs12_with_the_certificate_beside_its_key_finds_it() -> None:
    demo = demo_certificate()
    data = pkcs12.serialize_key_and_certificates(
        b"x", demo.private_key, None, [certificate_authority().certificate, demo.certificate],
        _encrypted(b"pw"),
    )  # fmt: skip
    loaded = load_pkcs12(data, "pw")
    assert loaded.der == demo.der
    assert loaded.chain == (certificate_authority().certificate,)


def test_a_key_that_is_not_the_certificates_is_refused() -> None:
    with pytest.raises(CertificateError, match="no corresponde al certificado"):
        SigningCertificate(certificate=demo_certificate().certificate, private_key=rsa_key(2048, 7))


def test_certificate_errors_are_dian_errors_with_problems() -> None:
    with pytest.raises(DianError) as caught:
        load_pkcs12(b"junk", "x")
    assert isinstance(caught.value, CertificateError)
    assert caught.value.problems == (str(caught.value),)


def test_pkcs12_without_password_loads_with_an_empty_one() -> None:
    loaded = load_pkcs12(to_pkcs12(demo_certificate(), ""), "")
    assert loaded.der == demo_certificate().der


def test_generated_pkcs12_is_a_usable_self_signed_certificate_with_a_big_serial() -> None:
    data = generate_pkcs12(
        common_name="Demo Facturo S.A.S.",
        nit="900373115",
        organization="Demo Facturo S.A.S.",
        password="demo",
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
    )
    certificate = load_pkcs12(data, "demo")

    assert (
        certificate.subject == "CN=Demo Facturo S.A.S.,2.5.4.5=900373115,O=Demo Facturo S.A.S.,C=CO"
    )
    assert certificate.issuer == certificate.subject
    assert certificate.chain == ()
    assert len(certificate.serial_number_text) == 48
    assert certificate.serial_number.bit_length() < 160  # RFC 5280: at most 20 octets
    assert certificate.key_algorithm == "RSA 2048"
    assert certificate.key_usage == KeyUsageFlags(digital_signature=True, non_repudiation=True)
    assert certificate.subject_nit == "900373115"
    assert usability_problems(certificate, INSIDE) == ()
    assert usability_problems(certificate, VALID_TO + timedelta(seconds=1)) != ()


def test_generated_serial_can_be_chosen() -> None:
    data = generate_pkcs12(
        common_name="x",
        nit=None,
        organization="y",
        password="p",
        valid_from=VALID_FROM,
        serial=123456789,
    )
    certificate = load_pkcs12(data, "p")
    assert certificate.serial_number == 123456789
    assert certificate.not_after == VALID_FROM + timedelta(days=730)
    assert certificate.subject_nit is None


def test_generated_certificate_can_be_issued_by_another() -> None:
    authority = certificate_authority()
    certificate = generate_certificate(
        common_name="Estándar DIAN de pruebas",
        nit="800197268",
        organization="DIAN",
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
    )
    issued = generate_certificate(
        common_name="Firmante",
        nit=None,
        organization="Demo",
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
        issuer=authority,
    )

    assert certificate.issuer == certificate.subject
    certificate.certificate.verify_directly_issued_by(certificate.certificate)
    assert issued.issuer == authority.subject
    assert issued.chain == (authority.certificate,)
    issued.certificate.verify_directly_issued_by(authority.certificate)
    assert usability_problems(issued, INSIDE) == ()


# ------------------------------------------------------------------------------------------
# What DIAN refuses


EXPIRED = "El certificado está vencido: su vigencia terminó el 2030-12-31 23:59:59 UTC."
NOT_YET = "El certificado aún no es válido: su vigencia empieza el 2024-01-01 00:00:00 UTC."
SHA1 = (
    "El certificado está firmado con sha1; la DIAN exige sha256, sha384 o sha512 "
    "(SHA-1 está vencido)."
)
SHORT_KEY = "La llave RSA del certificado tiene 1024 bits; se exigen al menos 2048."
NO_DIGITAL_SIGNATURE = "El certificado no tiene el uso de llave Firma digital (Digital Signature)."
NO_NON_REPUDIATION = "El certificado no tiene el uso de llave No repudio (Non Repudiation)."


def test_a_good_certificate_is_usable_on_both_edges_of_its_validity() -> None:
    certificate = demo_certificate()
    assert usability_problems(certificate, VALID_FROM) == ()
    assert usability_problems(certificate, VALID_TO) == ()
    require_usable(certificate, INSIDE)


def test_expired() -> None:
    at = VALID_TO + timedelta(seconds=1)
    assert usability_problems(demo_certificate(), at) == (EXPIRED,)


def test_not_yet_valid() -> None:
    at = VALID_FROM - timedelta(seconds=1)
    assert usability_problems(demo_certificate(), at) == (NOT_YET,)


def test_sha1_signed_certificate() -> None:
    certificate = make_certificate(hash_name="sha1", issuer=certificate_authority())
    assert certificate.signature_hash == "sha1"
    assert usability_problems(certificate, INSIDE) == (SHA1,)


@pytest.mark.parametrize("hash_name", ["sha384", "sha512"])
def test_sha384_and_sha512_are_accepted(hash_name: str) -> None:
    certificate = make_certificate(hash_name=hash_name)
    assert certificate.signature_hash == hash_name
    assert usability_problems(certificate, INSIDE) == ()


def test_1024_bit_key() -> None:
    certificate = make_certificate(key_size=1024)
    assert certificate.key_algorithm == "RSA 1024"
    assert usability_problems(certificate, INSIDE) == (SHORT_KEY,)


def test_not_rsa() -> None:
    certificate = make_certificate(key=ec.generate_private_key(ec.SECP256R1()))
    assert certificate.key_algorithm == "EC secp256r1"
    assert usability_problems(certificate, INSIDE) == (
        "La llave del certificado es EC secp256r1; la DIAN exige RSA.",
    )
    with pytest.raises(CertificateError, match="exige RSA"):
        _ = certificate.rsa_key


def test_without_key_usage_extension_both_usages_are_missing() -> None:
    certificate = make_certificate(key_usage=None)
    assert certificate.key_usage == KeyUsageFlags(digital_signature=False, non_repudiation=False)
    assert usability_problems(certificate, INSIDE) == (NO_DIGITAL_SIGNATURE, NO_NON_REPUDIATION)


def test_digital_signature_without_non_repudiation() -> None:
    certificate = make_certificate(key_usage=(True, False))
    assert usability_problems(certificate, INSIDE) == (NO_NON_REPUDIATION,)


def test_non_repudiation_without_digital_signature() -> None:
    certificate = make_certificate(key_usage=(False, True))
    assert usability_problems(certificate, INSIDE) == (NO_DIGITAL_SIGNATURE,)


def test_every_problem_is_listed_at_once() -> None:
    certificate = make_certificate(
        hash_name="sha1", key_size=1024, key_usage=None, valid_to=datetime(2025, 1, 1, tzinfo=UTC)
    )
    expected = (
        "El certificado está vencido: su vigencia terminó el 2025-01-01 00:00:00 UTC.",
        SHORT_KEY,
        SHA1,
        NO_DIGITAL_SIGNATURE,
        NO_NON_REPUDIATION,
    )
    assert usability_problems(certificate, INSIDE) == expected
    assert usability_problems(certificate.certificate, INSIDE) == expected

    with pytest.raises(CertificateError) as caught:
        require_usable(certificate, INSIDE)
    assert caught.value.problems == expected
    assert all(problem in str(caught.value) for problem in expected)


def test_a_naive_moment_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive"):
        usability_problems(demo_certificate(), datetime(2026, 1, 1))  # noqa: DTZ001


# ------------------------------------------------------------------------------------------
# The NIT in a subject


def _name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


@pytest.mark.parametrize(
    ("name", "nit"),
    [
        (_name((NameOID.ORGANIZATIONAL_UNIT_NAME, "NIT 830084433-7")), "830084433"),
        (_name((NameOID.SERIAL_NUMBER, "900373115")), "900373115"),
        (_name((NameOID.SERIAL_NUMBER, "900.373.115-1")), "900373115"),
        (_name((NameOID.COMMON_NAME, "EMPRESA SAS NIT: 901210113-3")), "901210113"),
        (_name((NameOID.ORGANIZATION_IDENTIFIER, "NITCO-900373115")), "900373115"),
        (_name((x509.ObjectIdentifier("1.3.6.1.4.1.4710.1.3.2"), "900373115")), "900373115"),
        (_name((NameOID.COMMON_NAME, "Juan Pérez"), (NameOID.SERIAL_NUMBER, "CC-12")), None),
        (_name((NameOID.COMMON_NAME, "Empresa Sin Nit")), None),
    ],
)
def test_nit_of_subject(name: x509.Name, nit: str | None) -> None:
    assert nit_of(name) == nit
