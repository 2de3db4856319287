"""A company's electronic-invoicing setup: the DIAN environment and web service, the software
registered in the DIAN portal, and the fiscal data (the RUT's) every document carries.

``EInvoicingSettingsData`` is what the operator sets; ``normalize`` reads it the way people
write it (``habilitacion``, ``natural``, ``o-13``) and ``check_settings`` reports every broken
rule at once. ``EInvoicingSettings`` is the stored record, with the company's NIT and name and
the names the code lists give its codes. The software PIN never sits in a record in plain:
the record holds it sealed (``sealed_software_pin``), and the faces only say whether it is set.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime

from facturo.domain.nit import nit_check_digit, split_nit
from facturo.domain.reference import ReferenceData
from facturo.domain.validation import EMAIL_PATTERN, Checker
from facturo.domain.webhooks import is_http_url

PRODUCTION = "1"
HABILITACION = "2"
ENVIRONMENTS = {PRODUCTION: "Producción", HABILITACION: "Habilitación"}
# The DIAN's WcfDianCustomerServices per environment (shared reference §6.1).
DIAN_ENDPOINTS = {
    PRODUCTION: "https://vpfe.dian.gov.co/WcfDianCustomerServices.svc",
    HABILITACION: "https://vpfe-hab.dian.gov.co/WcfDianCustomerServices.svc",
}
_ENVIRONMENT_WORDS = {
    "1": PRODUCTION,
    "produccion": PRODUCTION,
    "production": PRODUCTION,
    "2": HABILITACION,
    "habilitacion": HABILITACION,
    "pruebas": HABILITACION,
    "test": HABILITACION,
}

PERSON_TYPES = {"1": "Persona jurídica", "2": "Persona natural"}  # TipoOrganizacion
_PERSON_TYPE_WORDS = {"1": "1", "juridica": "1", "2": "2", "natural": "2"}

TAX_SCHEMES = {"01": "IVA", "ZZ": "No aplica"}
# The responsibilities an electronic invoice may carry in TaxLevelCode (Anexo 1.9, table
# 13.2.6.1). The RUT knows many more (domain.annexes); the shipped 2.1 code list predates
# R-99-PN, so the table is kept here.
INVOICE_RESPONSIBILITIES = {
    "O-13": "Gran contribuyente",
    "O-15": "Autorretenedor",
    "O-23": "Agente de retención IVA",
    "O-47": "Régimen simple de tributación",
    "R-99-PN": "No aplica – Otros",
}
SOFTWARE_PROPIO = "000"  # the provider code of file names when the company is its own provider

GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
PIN = re.compile(r"[0-9A-Za-z]{1,50}")
PROVIDER_CODE = re.compile(r"\d{3}")
MUNICIPALITY_CODE = re.compile(r"\d{5}")
POSTAL_CODE = re.compile(r"\d{6}")  # Colombian postal codes: the department's code, then 4 digits
PHONE = re.compile(r"[0-9+()\- ]{1,50}")
NIT_DIGITS = re.compile(r"\d{3,15}")

MAX_NAME_LENGTH = 450
MAX_ADDRESS_LENGTH = 300
MAX_EMAIL_LENGTH = 200
MAX_URL_LENGTH = 500


@dataclass(kw_only=True)
class EInvoicingSettingsData:
    """What the operator sets. An update replaces all of it, except the PIN: None keeps the
    stored one (it is never shown, so a client cannot send it back)."""

    environment: str | None = HABILITACION
    endpoint_url: str | None = None  # None: the DIAN's URL for the environment
    software_id: str | None = None
    software_pin: str | None = None
    test_set_id: str | None = None
    provider_nit: str | None = None  # None: the company's own NIT (software propio)
    provider_code: str | None = SOFTWARE_PROPIO
    legal_name: str | None = None  # None: the company's name
    commercial_name: str | None = None
    person_type: str | None = "1"
    responsibilities: tuple[str, ...] = ("R-99-PN",)
    tax_scheme: str | None = "ZZ"
    municipality_code: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    deliver_to_buyer: bool = True


@dataclass(frozen=True, kw_only=True)
class EInvoicingSettings:
    """A company's stored setup, with what it derives from the company and the code lists."""

    company_id: int
    company_nit: str
    company_check_digit: int
    company_name: str
    environment: str
    endpoint_url: str | None
    software_id: str
    sealed_software_pin: str
    test_set_id: str | None
    provider_nit: str
    provider_check_digit: int
    provider_code: str
    legal_name: str
    commercial_name: str | None
    person_type: str
    responsibilities: tuple[str, ...]
    tax_scheme: str
    municipality_code: str
    address_line: str
    postal_code: str | None
    phone: str | None
    email: str
    deliver_to_buyer: bool
    municipality_name: str = ""
    department_code: str = ""
    department_name: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def endpoint(self) -> str:
        """The web service documents go to: the configured URL, or the DIAN's."""
        return self.endpoint_url or DIAN_ENDPOINTS[self.environment]

    @property
    def environment_name(self) -> str:
        return ENVIRONMENTS[self.environment]

    @property
    def is_production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def software_propio(self) -> bool:
        """The company is its own technology provider (the file names' code is 000)."""
        return self.provider_nit == self.company_nit

    @property
    def tax_scheme_name(self) -> str:
        return TAX_SCHEMES[self.tax_scheme]

    def data(self) -> EInvoicingSettingsData:
        """What the operator set, to change some of it (the PIN stays as stored)."""
        return EInvoicingSettingsData(
            environment=self.environment,
            endpoint_url=self.endpoint_url,
            software_id=self.software_id,
            software_pin=None,
            test_set_id=self.test_set_id,
            provider_nit=self.provider_nit,
            provider_code=self.provider_code,
            legal_name=self.legal_name,
            commercial_name=self.commercial_name,
            person_type=self.person_type,
            responsibilities=self.responsibilities,
            tax_scheme=self.tax_scheme,
            municipality_code=self.municipality_code,
            address_line=self.address_line,
            postal_code=self.postal_code,
            phone=self.phone,
            email=self.email,
            deliver_to_buyer=self.deliver_to_buyer,
        )


@dataclass(frozen=True, kw_only=True)
class CompanyIdentity:
    """What the settings take from the company record."""

    nit: str
    check_digit: int
    name: str


@dataclass(frozen=True)
class ProviderNit:
    number: str
    check_digit: int


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _fold(text: str) -> str:
    """Lower case without the accents people type or leave out (habilitación, jurídica)."""
    table = str.maketrans("áéíóúü", "aeiouu")
    return text.strip().lower().translate(table)


def normalize(data: EInvoicingSettingsData, company: CompanyIdentity) -> EInvoicingSettingsData:
    """The data in stored form: words turned into codes, blanks into None, the provider and
    the legal name defaulting to the company's own, responsibilities upper case and unique."""
    environment = _text(data.environment)
    if environment is not None:
        environment = _ENVIRONMENT_WORDS.get(_fold(environment), environment)
    person_type = _text(data.person_type)
    if person_type is not None:
        person_type = _PERSON_TYPE_WORDS.get(_fold(person_type), person_type)
    tax_scheme = _text(data.tax_scheme)
    if tax_scheme is not None:
        tax_scheme = {"iva": "01", "no aplica": "ZZ"}.get(_fold(tax_scheme), tax_scheme.upper())
    responsibilities = [
        code.strip().upper() for code in data.responsibilities if code and code.strip()
    ]
    pin = data.software_pin.strip() if data.software_pin is not None else None
    return EInvoicingSettingsData(
        environment=environment,
        endpoint_url=_text(data.endpoint_url),
        software_id=_text(data.software_id),
        software_pin=pin,
        test_set_id=_text(data.test_set_id),
        provider_nit=_text(data.provider_nit) or f"{company.nit}-{company.check_digit}",
        provider_code=_text(data.provider_code) or SOFTWARE_PROPIO,
        legal_name=_text(data.legal_name) or company.name,
        commercial_name=_text(data.commercial_name),
        person_type=person_type,
        responsibilities=tuple(dict.fromkeys(responsibilities)),
        tax_scheme=tax_scheme,
        municipality_code=_text(data.municipality_code),
        address_line=_text(data.address_line),
        postal_code=_text(data.postal_code),
        phone=_text(data.phone),
        email=_text(data.email),
        deliver_to_buyer=data.deliver_to_buyer,
    )


def provider_nit(text: str) -> ProviderNit:
    """The provider's NIT and check digit (``check_settings`` has accepted ``text``)."""
    number, _ = split_nit(text)
    return ProviderNit(number, nit_check_digit(number))


def check_settings(
    data: EInvoicingSettingsData,
    refs: ReferenceData,
    *,
    pin_stored: bool,
    postal_codes: Container[str] | None = None,
) -> Checker:
    """Every broken rule of normalized ``data``. ``pin_stored``: an earlier setup left a PIN,
    so this one may omit it. ``postal_codes``: the DIAN's list, when the caller has it."""
    check = Checker()
    if check.required(data.environment, "environment") and data.environment not in ENVIRONMENTS:
        check.add(
            "invalid_value",
            "environment",
            "The field {field} must be habilitacion (2) or produccion (1)",
        )
    if data.endpoint_url is not None:
        if len(data.endpoint_url) > MAX_URL_LENGTH:
            check.max_length(data.endpoint_url, MAX_URL_LENGTH, "endpoint_url")
        elif not is_http_url(data.endpoint_url):
            check.add(
                "invalid_url",
                "endpoint_url",
                "The field {field} must be an absolute http or https URL",
            )
    if check.required(data.software_id, "software_id"):
        _guid(check, data.software_id, "software_id")
    if data.software_pin is None or data.software_pin == "":
        if not pin_stored:
            check.required(None, "software_pin")
    elif not PIN.fullmatch(data.software_pin):
        check.add(
            "invalid_value",
            "software_pin",
            "The field {field} must be 1 to 50 letters or digits, as registered in the DIAN portal",
        )
    if data.test_set_id is not None:
        _guid(check, data.test_set_id, "test_set_id")
    _check_provider(check, data)
    if check.required(data.legal_name, "legal_name"):
        check.max_length(data.legal_name, MAX_NAME_LENGTH, "legal_name")
    check.max_length(data.commercial_name, MAX_NAME_LENGTH, "commercial_name")
    if check.required(data.person_type, "person_type") and data.person_type not in PERSON_TYPES:
        check.add(
            "invalid_value",
            "person_type",
            "The field {field} must be 1 (persona jurídica) or 2 (persona natural)",
        )
    _check_responsibilities(check, data.responsibilities)
    if check.required(data.tax_scheme, "tax_scheme") and data.tax_scheme not in TAX_SCHEMES:
        check.add(
            "invalid_value",
            "tax_scheme",
            "The field {field} must be 01 (IVA) or ZZ (No aplica)",
        )
    municipality_ok = check.required(data.municipality_code, "municipality_code")
    municipality = data.municipality_code or ""
    if municipality_ok and (
        not MUNICIPALITY_CODE.fullmatch(municipality)
        or refs.municipality_name(municipality) is None
    ):
        check.add(
            "invalid_reference",
            "municipality_code",
            "The field {field} is not a DIAN municipality (DIVIPOLA, 5 digits)",
        )
        municipality_ok = False
    if check.required(data.address_line, "address_line"):
        check.max_length(data.address_line, MAX_ADDRESS_LENGTH, "address_line")
    if data.postal_code is not None:
        _check_postal_code(
            check, data.postal_code, municipality if municipality_ok else None, postal_codes
        )
    if data.phone is not None and not PHONE.fullmatch(data.phone):
        check.add(
            "invalid_value",
            "phone",
            "The field {field} must be at most 50 digits, spaces, +, - or parentheses",
        )
    if check.required(data.email, "email"):
        if len(data.email or "") > MAX_EMAIL_LENGTH:
            check.max_length(data.email, MAX_EMAIL_LENGTH, "email")
        else:
            check.matches(data.email, EMAIL_PATTERN, "email", "invalid_email")
    return check


def _guid(check: Checker, value: str | None, field_name: str) -> None:
    if value is not None and not GUID.fullmatch(value):
        check.add(
            "invalid_value",
            field_name,
            "The field {field} must be the GUID the DIAN portal shows "
            "(8-4-4-4-12 hexadecimal digits)",
        )


def _check_provider(check: Checker, data: EInvoicingSettingsData) -> None:
    if check.required(data.provider_nit, "provider_nit"):
        number, written = split_nit(data.provider_nit or "")
        if not NIT_DIGITS.fullmatch(number):
            check.add(
                "invalid_identification", "provider_nit", "The field {field} must be 3 to 15 digits"
            )
        elif written is not None and written != nit_check_digit(number):
            check.add(
                "invalid_value",
                "provider_nit",
                f"The field {{field}} is wrong: the check digit of NIT {number} is "
                f"{nit_check_digit(number)}",
            )
    if check.required(data.provider_code, "provider_code") and not PROVIDER_CODE.fullmatch(
        data.provider_code or ""
    ):
        check.add(
            "invalid_value",
            "provider_code",
            "The field {field} must be 3 digits (000 for software propio)",
        )


def _check_responsibilities(check: Checker, codes: tuple[str, ...]) -> None:
    if not codes:
        check.required(None, "responsibilities")
        return
    allowed = ", ".join(INVOICE_RESPONSIBILITIES)
    for index, code in enumerate(codes):
        if code not in INVOICE_RESPONSIBILITIES:
            check.add(
                "invalid_reference",
                f"responsibilities.{index}",
                f"The responsibility {code} in {{field}} cannot go on an electronic invoice: "
                f"use {allowed}",
            )


def _check_postal_code(
    check: Checker,
    postal_code: str,
    municipality: str | None,
    postal_codes: Container[str] | None,
) -> None:
    if not POSTAL_CODE.fullmatch(postal_code):
        check.add("invalid_value", "postal_code", "The field {field} must be 6 digits")
    elif postal_codes is not None and postal_code not in postal_codes:
        check.add(
            "invalid_reference", "postal_code", "The field {field} is not a Colombian postal code"
        )
    elif municipality is not None and not postal_code.startswith(municipality[:2]):
        check.add(
            "invalid_value",
            "postal_code",
            f"The field {{field}} is not a postal code of department {municipality[:2]}",
        )


def build_settings(
    data: EInvoicingSettingsData,
    *,
    company_id: int,
    company: CompanyIdentity,
    sealed_software_pin: str,
    refs: ReferenceData,
    created_at: datetime | None = None,
) -> EInvoicingSettings:
    """The record of normalized, checked ``data``."""
    provider = provider_nit(data.provider_nit or "")
    municipality = data.municipality_code or ""
    names = place_names(municipality, refs)
    return EInvoicingSettings(
        company_id=company_id,
        company_nit=company.nit,
        company_check_digit=company.check_digit,
        company_name=company.name,
        environment=data.environment or HABILITACION,
        endpoint_url=data.endpoint_url,
        software_id=data.software_id or "",
        sealed_software_pin=sealed_software_pin,
        test_set_id=data.test_set_id,
        provider_nit=provider.number,
        provider_check_digit=provider.check_digit,
        provider_code=data.provider_code or SOFTWARE_PROPIO,
        legal_name=data.legal_name or company.name,
        commercial_name=data.commercial_name,
        person_type=data.person_type or "1",
        responsibilities=data.responsibilities,
        tax_scheme=data.tax_scheme or "ZZ",
        municipality_code=municipality,
        address_line=data.address_line or "",
        postal_code=data.postal_code,
        phone=data.phone,
        email=data.email or "",
        deliver_to_buyer=data.deliver_to_buyer,
        created_at=created_at,
        municipality_name=names.municipality_name,
        department_code=names.department_code,
        department_name=names.department_name,
    )


@dataclass(frozen=True)
class PlaceNames:
    municipality_name: str
    department_code: str
    department_name: str


def place_names(municipality_code: str, refs: ReferenceData) -> PlaceNames:
    """The municipality's and its department's names (the department is the code's first two
    digits, as DIVIPOLA builds it)."""
    department = municipality_code[:2]
    return PlaceNames(
        municipality_name=refs.municipality_name(municipality_code) or "",
        department_code=department,
        department_name=refs.department_name(department) or "",
    )
