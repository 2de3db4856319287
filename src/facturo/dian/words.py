"""An amount in Spanish words, as Colombian invoices print it ("valor en letras").

Convention (one, everywhere): sentence case; the integer part in words, the currency noun,
then the cents as a fraction only when there are cents, and ``M/CTE`` (moneda corriente) for
pesos::

    1785000.00 COP -> "Un millón setecientos ochenta y cinco mil pesos M/CTE"
    1785000.50 COP -> "Un millón setecientos ochenta y cinco mil pesos con 50/100 M/CTE"
    1000000.00 COP -> "Un millón de pesos M/CTE"
    21.00 USD      -> "Veintiún dólares"

Long scale, as Spanish counts: 10^9 is "mil millones", 10^12 "un billón". A number spelled
before the noun takes the apocope ("veintiún pesos", "ciento un mil"), and a round number of
millions or billions takes "de" ("dos millones de pesos"). Currencies without a Spanish
noun here are named by their ISO code ("Mil doscientos MXN").

Written by hand rather than with num2words, whose Spanish says "veintiuno millones" and
"un millón pesos".
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from facturo.dian.errors import DianError

# singular, plural, suffix; every noun here is masculine, which the apocope ("un") assumes.
_CURRENCY_NOUNS: dict[str, tuple[str, str, str]] = {
    "COP": ("peso", "pesos", " M/CTE"),
    "USD": ("dólar", "dólares", ""),
    "EUR": ("euro", "euros", ""),
}

_UNITS = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_TENS = [
    "_",
    "_",
    "_",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
]
_HUNDREDS = [
    "_",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]
_MILLION = 10**6
_BILLION = 10**12
_LIMIT = 10**18  # a trillón; amounts are NUMERIC(18,2), so 10^16 is the real ceiling


class AmountInWordsError(DianError, ValueError):
    """An amount that cannot be written in words (negative or beyond a trillón)."""


def _below_thousand(number: int, *, apocope: bool) -> str:
    """1..999; ``apocope`` writes a final "uno" as "un" (before a noun or "mil")."""
    hundreds, rest = divmod(number, 100)
    words = []
    if hundreds:
        words.append("cien" if number == 100 else _HUNDREDS[hundreds])
    if rest:
        if rest < 30:
            word = _UNITS[rest]
            if apocope and rest == 1:
                word = "un"
            elif apocope and rest == 21:
                word = "veintiún"
        else:
            tens, unit = divmod(rest, 10)
            word = _TENS[tens]
            if unit:
                word += " y " + ("un" if apocope and unit == 1 else _UNITS[unit])
        words.append(word)
    return " ".join(words)


def _below_million(number: int, *, apocope: bool) -> str:
    """1..999 999."""
    thousands, rest = divmod(number, 1000)
    words = []
    if thousands == 1:
        words.append("mil")
    elif thousands:
        words.append(_below_thousand(thousands, apocope=True) + " mil")
    if rest:
        words.append(_below_thousand(rest, apocope=apocope))
    return " ".join(words)


def cardinal(number: int, *, apocope: bool = False) -> str:
    """``number`` in Spanish words (long scale), lower case. With ``apocope`` the number is
    ready to precede a masculine noun: "veintiún", "ciento un", "un millón un"."""
    if not 0 <= number < _LIMIT:
        raise AmountInWordsError(f"cannot write {number} in words (0 to 10^18 - 1)")
    if number == 0:
        return "cero"
    billions, rest = divmod(number, _BILLION)
    millions, units = divmod(rest, _MILLION)
    words = []
    for count, singular, plural in (
        (billions, "un billón", "billones"),
        (millions, "un millón", "millones"),
    ):
        if count == 1:
            words.append(singular)
        elif count:
            words.append(_below_million(count, apocope=True) + " " + plural)
    if units:
        words.append(_below_million(units, apocope=apocope))
    return " ".join(words)


def amount_in_words(value: Decimal, currency: str = "COP") -> str:
    """``value`` (cents beyond the second decimal are dropped, as the XML writes amounts) in
    words, following the convention in the module's docstring."""
    if not value.is_finite() or value < 0:
        raise AmountInWordsError(f"an amount in words must be zero or positive, got {value}")
    cents_total = int(value.quantize(Decimal("0.01"), rounding=ROUND_DOWN) * 100)
    whole, cents = divmod(cents_total, 100)
    code = currency.upper()
    words = cardinal(whole, apocope=True)
    if code in _CURRENCY_NOUNS:
        singular, plural, suffix = _CURRENCY_NOUNS[code]
        noun = singular if whole == 1 else plural
        # "un millón de pesos", "mil millones de pesos", "dos billones de pesos"
        if whole and whole % _MILLION == 0:
            words += " de"
    else:  # named by its code, which takes no "de": "Un millón MXN"
        noun, suffix = code, ""
    text = f"{words} {noun}"
    if cents:
        text += f" con {cents:02d}/100"
    text += suffix
    return text[0].upper() + text[1:]
