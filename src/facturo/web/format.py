"""Colombian formats for the pages: $ 1.234.567,89, 1.234,5, 21/11/2026."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from facturo.dian.keys import in_bogota
from facturo.domain.calendar import colombian_date


def pesos(value: Decimal | int | None, *, decimals: int = 2) -> str:
    if value is None:
        return ""
    amount = Decimal(value)
    text = f"{abs(amount):,.{decimals}f}"
    whole, _, cents = text.partition(".")
    sign = "-" if amount < 0 else ""
    whole = whole.replace(",", ".")
    return f"{sign}$ {whole},{cents}" if decimals else f"{sign}$ {whole}"


def number(value: Decimal | int | None) -> str:
    """A quantity without trailing zeros: 1.234,5."""
    if value is None:
        return ""
    amount = Decimal(value)
    text = f"{amount.normalize():f}" if amount == amount.to_integral() else f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    negative = whole.startswith("-")
    digits = whole.lstrip("-")
    grouped = f"{int(digits or '0'):,}".replace(",", ".")
    return ("-" if negative else "") + grouped + ("," + fraction if fraction else "")


def fecha(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = colombian_date(value)
    return value.strftime("%d/%m/%Y")


def fecha_hora(value: datetime | None) -> str:
    if value is None:
        return ""
    local = in_bogota(value)
    return local.strftime("%d/%m/%Y %I:%M %p").replace("AM", "a. m.").replace("PM", "p. m.")


_AMOUNT = re.compile(r"-?[0-9.,]+")
_GROUPED = {".": re.compile(r"\d{1,3}(\.\d{3})+"), ",": re.compile(r"\d{1,3}(,\d{3})+")}


def parse_amount(raw: str) -> Decimal:
    """A number as people type it in a form → ``Decimal``; ``ValueError`` when it is not one.

    Colombian first: ``1.234.567,89``, ``1234,5``, ``-3``, ``$ 1.234`` (a single point followed
    by exactly three digits groups thousands); also ``1234567.89`` and ``1,234,567.89``
    (whichever separator comes last is the decimal one when both appear). Spaces and ``$`` are
    ignored; exponents, ``NaN`` and more than 30 digits are refused. Bounds are the caller's."""
    text = raw.strip().replace("$", "").replace(" ", "").replace("\u00a0", "")
    if not text or len(text) > 40 or not _AMOUNT.fullmatch(text):
        raise ValueError(f"not an amount: {raw!r}")
    negative = text.startswith("-")
    text = text.lstrip("-")
    last = max(text.rfind("."), text.rfind(","))
    mark = text[last] if last >= 0 else ""
    whole, fraction = (text[:last], text[last + 1 :]) if mark else (text, "")
    if (
        mark
        and mark not in whole
        and len(fraction) == 3
        and whole
        and not whole.startswith("0")  # 0.125 is a fraction: no one groups a zero
        and (mark == "." or "." in whole)
    ):
        whole, fraction = text, ""  # 1.234 or 1.234.567: Colombian thousands
    elif mark and mark in whole:
        whole, fraction = text, ""  # 1,234,567 or 1.234.567: only thousands
    if "." in whole or "," in whole:
        group = "." if "." in whole else ","
        if ("." in whole and "," in whole) or not _GROUPED[group].fullmatch(whole):
            raise ValueError(f"not an amount: {raw!r}")
        whole = whole.replace(group, "")
    digits = whole + fraction
    if not digits or not digits.isdigit() or len(digits) > 30:
        raise ValueError(f"not an amount: {raw!r}")
    try:
        value = Decimal(f"{whole or '0'}.{fraction}" if fraction else whole)
    except InvalidOperation as error:  # pragma: no cover - the checks above admit digits only
        raise ValueError(f"not an amount: {raw!r}") from error
    return -value if negative else value


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str) -> str:
    """Typed text without control characters (a NUL cannot even be stored by PostgreSQL)."""
    return _CONTROLS.sub("", value)
