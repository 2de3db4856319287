"""Document keys and names DIAN recomputes: CUFE, CUDE, SoftwareSecurityCode, file names, QR.

Every amount is hashed exactly as written in the XML (``amount_text``), so the XML, the keys
and the QR are formatted once, in one place (shared/reference/dian.md §1; vectors in
dian-vectors.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

# Colombia has kept UTC-05:00 all year since 1993: a fixed offset, no tz database needed.
BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")
CONSUMIDOR_FINAL = "222222222222"
HABILITACION_TECHNICAL_KEY = "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"
DIAN_NIT = "800197268"
DIAN_NIT_CHECK_DIGIT = 4
CATALOG_URLS = {
    "1": "https://catalogo-vpfe.dian.gov.co/document/searchqr?documentkey=",
    "2": "https://catalogo-vpfe-hab.dian.gov.co/document/searchqr?documentkey=",
}
# The taxes the CUFE/CUDE hash, always these three in this order (IVA, INC, ICA).
HASHED_TAX_CODES = ("01", "04", "03")


class Environment(StrEnum):
    """DIAN ``ProfileExecutionID`` / TipoAmbiente."""

    PRODUCTION = "1"
    HABILITACION = "2"


def amount_text(value: Decimal) -> str:
    """An amount as the XML, the CUFE and the QR write it: two decimals, truncated, ``.``."""
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def issue_time_text(moment: time) -> str:
    """``HH:MM:SS-05:00``: the IssueTime written in the XML and hashed into the CUFE."""
    return f"{moment.strftime('%H:%M:%S')}-05:00"


def in_bogota(moment: datetime) -> datetime:
    """``moment`` (timezone-aware) as Colombian legal time, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in a fiscal document")
    return moment.astimezone(BOGOTA).replace(microsecond=0)


def sha384(text: str) -> str:
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyFields:
    """The 15 fields of a CUFE or CUDE, already as the XML writes them."""

    number: str  # NumFac: cbc:ID, prefix and consecutive
    issue_date: str  # FecFac: YYYY-MM-DD
    issue_time: str  # HorFac: HH:MM:SS-05:00
    line_extension: str  # ValFac: LegalMonetaryTotal/LineExtensionAmount
    taxes: tuple[str, str, str]  # ValImp1..3: TaxTotal amounts of 01, 04, 03 ("0.00" if absent)
    payable: str  # ValTot: PayableAmount
    supplier_nit: str  # NitOFE, without check digit
    customer_id: str  # NumAdq, without check digit
    secret: str  # ClTec (CUFE) or Software-PIN (CUDE)
    environment: str  # TipoAmbiente: 1 or 2

    def concatenation(self) -> str:
        parts = [self.number, self.issue_date, self.issue_time, self.line_extension]
        for code, value in zip(HASHED_TAX_CODES, self.taxes, strict=True):
            parts += [code, value]
        parts += [self.payable, self.supplier_nit, self.customer_id, self.secret, self.environment]
        return "".join(parts)

    def digest(self) -> str:
        return sha384(self.concatenation())


def software_security_code(software_id: str, pin: str, document_number: str) -> str:
    """SHA-384(SoftwareID + PIN + cbc:ID)."""
    return sha384(f"{software_id}{pin}{document_number}")


class FileKind(StrEnum):
    """The prefixes of DIAN file names (Anexo 1.9 §6.5.7)."""

    INVOICE = "fv"
    CREDIT_NOTE = "nc"
    DEBIT_NOTE = "nd"
    APPLICATION_RESPONSE = "ar"
    ATTACHED_DOCUMENT = "ad"
    ZIP = "z"


def file_name(
    kind: FileKind, nit: str, year: int, consecutive: int, provider_code: str = "000"
) -> str:
    """``fv08001972680001900000011.xml``: NIT without DV in 10 digits, the provider code
    (000 = software propio), the year's two digits and a yearly consecutive in 8 hex digits."""
    if not nit.isdigit() or len(nit) > 10:
        raise ValueError(f"a NIT without check digit is up to 10 digits, got {nit!r}")
    if not 0 < consecutive <= 0xFFFFFFFF:
        raise ValueError(f"the file consecutive must be 1..{0xFFFFFFFF}, got {consecutive}")
    if len(provider_code) != 3 or not provider_code.isdigit():
        raise ValueError(f"the provider code is three digits, got {provider_code!r}")
    extension = "zip" if kind is FileKind.ZIP else "xml"
    return (
        f"{kind.value}{nit.zfill(10)}{provider_code}{year % 100:02d}{consecutive:08x}.{extension}"
    )


def catalog_url(environment: str, document_key: str) -> str:
    """Where the DIAN catalog shows the document (what the QR and ``sts:QRCode`` point at)."""
    return CATALOG_URLS[environment] + document_key


@dataclass(frozen=True, slots=True)
class QrFields:
    number: str
    issue_date: str
    issue_time: str
    supplier_nit: str
    customer_id: str
    line_extension: str
    vat: str  # ValIva: tax 01
    other_taxes: str  # ValOtroIm: every other tax
    payable: str
    document_key: str
    environment: str
    key_label: str = "CUFE"  # CUDE for notes

    def text(self) -> str:
        """The QR's content (Anexo 1.9 §11.7): one ``Key: value`` per line, then the URL."""
        return "\n".join(
            (
                f"NumFac: {self.number}",
                f"FecFac: {self.issue_date}",
                f"HorFac: {self.issue_time}",
                f"NitFac: {self.supplier_nit}",
                f"DocAdq: {self.customer_id}",
                f"ValFac: {self.line_extension}",
                f"ValIva: {self.vat}",
                f"ValOtroIm: {self.other_taxes}",
                f"ValTolFac: {self.payable}",
                f"{self.key_label}: {self.document_key}",
                f"QRCode: {catalog_url(self.environment, self.document_key)}",
            )
        )
