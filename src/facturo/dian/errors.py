"""The one exception tree of ``facturo.dian``: callers catch ``DianError`` or a subclass."""

from __future__ import annotations


class DianError(Exception):
    """Base of every error raised by ``facturo.dian``."""


class CertificateError(DianError):
    """A signing certificate that cannot be read or must not be used (wrong password, key
    mismatch, expired, missing key usage …). ``problems`` lists every reason found."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class SchemaError(DianError):
    """A document that fails the DIAN XSD bundle; ``problems`` has libxml2's messages."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class SignatureError(DianError):
    """A signature that cannot be produced or does not verify."""


class TransportError(DianError):
    """The DIAN could not be reached or answered at the HTTP level (timeout, 5xx, refused).
    Transmission treats these as contingency: retry, never re-number."""


class SoapFault(DianError):
    """The DIAN answered with a SOAP fault (e.g. InvalidSecurity)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
