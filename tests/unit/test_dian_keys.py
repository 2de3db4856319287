"""``facturo.dian.keys`` against the published vectors (shared/reference/dian-vectors.md):
the concatenation string first (it pins field order and formatting), then the digest."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from facturo.dian.keys import (
    HABILITACION_TECHNICAL_KEY,
    FileKind,
    KeyFields,
    QrFields,
    amount_text,
    catalog_url,
    file_name,
    in_bogota,
    issue_time_text,
    software_security_code,
)
from facturo.domain.nit import nit_check_digit, split_nit

CUFE_1 = KeyFields(
    number="323200000129",
    issue_date="2019-01-16",
    issue_time="10:53:10-05:00",
    line_extension="1500000.00",
    taxes=("285000.00", "0.00", "0.00"),
    payable="1785000.00",
    supplier_nit="700085371",
    customer_id="800199436",
    secret="693ff6f2a553c3646a063436fd4dd9ded0311471",
    environment="1",
)
CUDE_1 = KeyFields(
    number="8110007871",
    issue_date="2019-01-12",
    issue_time="07:00:00-05:00",
    line_extension="5000.00",
    taxes=("950.00", "0.00", "0.00"),
    payable="5950.00",
    supplier_nit="900373076",
    customer_id="8355990",
    secret="12301",
    environment="1",
)


def test_cufe_1_dian_example() -> None:
    assert CUFE_1.concatenation() == (
        "3232000001292019-01-1610:53:10-05:001500000.0001285000.00040.00030.001785000.00"
        "700085371800199436693ff6f2a553c3646a063436fd4dd9ded03114711"
    )
    assert CUFE_1.digest() == (
        "8bb918b19ba22a694f1da11c643b5e9de39adf60311cf179179e9b33381030bc"
        "d4c3c3f156c506ed5908f9276f5bd9b4"
    )


def test_cude_1_dian_credit_note_example() -> None:
    assert CUDE_1.concatenation() == (
        "81100078712019-01-1207:00:00-05:005000.0001950.00040.00030.005950.009003730768355990123011"
    )
    assert CUDE_1.digest() == (
        "907e4444decc9e59c160a2fb3b6659b33dc5b632a5008922b9a62f83f757b1c4"
        "48e47f5867f2b50dbdb96f48c7681168"
    )


def test_digest_is_lowercase_sha384_of_the_concatenation() -> None:
    digest = CUFE_1.digest()
    assert len(digest) == 96 and digest == digest.lower()
    assert digest == hashlib.sha384(CUFE_1.concatenation().encode()).hexdigest()


def test_key_changes_with_any_field() -> None:
    from dataclasses import replace

    assert replace(CUFE_1, environment="2").digest() != CUFE_1.digest()
    assert replace(CUFE_1, taxes=("285000.00", "0.01", "0.00")).digest() != CUFE_1.digest()


def test_software_security_code_ssc_1() -> None:
    software_id = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert software_security_code(software_id, "12345", "SETP990000008") == (
        "54d15940890b5ed395e7476d294a972cee650200942adb7a899de35cb0cf22f9"
        "8831e7c9a95d90b961c6845340b09efd"
    )


@pytest.mark.parametrize(
    ("nit", "check_digit"), [("800197268", 4), ("830084433", 7), ("901210113", 3)]
)
def test_nit_check_digit_vectors(nit: str, check_digit: int) -> None:
    assert nit_check_digit(nit) == check_digit


def test_nit_separators_are_ignored() -> None:
    assert split_nit("800.197.268-4") == ("800197268", 4)


@pytest.mark.parametrize(
    ("kind", "consecutive", "expected"),
    [
        (FileKind.INVOICE, 0x11, "fv08001972680001900000011.xml"),
        (FileKind.CREDIT_NOTE, 1, "nc08001972680001900000001.xml"),
        (FileKind.DEBIT_NOTE, 3, "nd08001972680001900000003.xml"),
        (FileKind.APPLICATION_RESPONSE, 8, "ar08001972680001900000008.xml"),
        (FileKind.ATTACHED_DOCUMENT, 1, "ad08001972680001900000001.xml"),
        (FileKind.ZIP, 0x11, "z08001972680001900000011.zip"),
    ],
)
def test_file_name_vectors(kind: FileKind, consecutive: int, expected: str) -> None:
    assert file_name(kind, "800197268", 2019, consecutive) == expected


def test_file_name_refuses_malformed_inputs() -> None:
    with pytest.raises(ValueError, match="NIT"):
        file_name(FileKind.INVOICE, "800197268-4", 2019, 1)
    with pytest.raises(ValueError, match="consecutive"):
        file_name(FileKind.INVOICE, "800197268", 2019, 0)


def test_amounts_have_two_decimals_truncated() -> None:
    assert amount_text(Decimal(1000)) == "1000.00"
    assert amount_text(Decimal("1069.779")) == "1069.77"
    assert amount_text(Decimal("0")) == "0.00"


def test_issue_time_is_colombian_with_offset() -> None:
    moment = in_bogota(datetime(2024, 3, 16, 0, 30, 5, 999, tzinfo=UTC))
    assert moment.date().isoformat() == "2024-03-15"  # still the 15th in Bogotá
    assert issue_time_text(moment.time()) == "19:30:05-05:00"
    assert issue_time_text(time(7, 0, 0)) == "07:00:00-05:00"
    with pytest.raises(ValueError, match="naive"):
        in_bogota(datetime(2024, 1, 1))  # noqa: DTZ001
    assert in_bogota(datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=-5)))).hour == 0


def test_habilitacion_constants() -> None:
    assert HABILITACION_TECHNICAL_KEY == "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"
    assert catalog_url("2", "abc") == (
        "https://catalogo-vpfe-hab.dian.gov.co/document/searchqr?documentkey=abc"
    )
    assert catalog_url("1", "abc").startswith("https://catalogo-vpfe.dian.gov.co/")


def test_qr_text_lines() -> None:
    text = QrFields(
        number="SETP990000001",
        issue_date="2024-03-15",
        issue_time="14:30:05-05:00",
        supplier_nit="900373076",
        customer_id="860069804",
        line_extension="100.00",
        vat="19.00",
        other_taxes="0.00",
        payable="119.00",
        document_key="k" * 96,
        environment="2",
    ).text()
    lines = text.split("\n")
    assert lines[0] == "NumFac: SETP990000001"
    assert lines[9] == "CUFE: " + "k" * 96
    assert lines[-1] == "QRCode: " + catalog_url("2", "k" * 96)
