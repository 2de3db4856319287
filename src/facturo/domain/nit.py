"""The DIAN check digit (dígito de verificación) of a NIT."""

from __future__ import annotations

# DIAN's modulo-11 weights, applied to the digits from right to left.
_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def split_nit(raw: str) -> tuple[str, int | None]:
    """A NIT as people write it (``800.197.268-4``) → its number and the check digit
    written with it, if any (``("800197268", 4)``)."""
    text = "".join(ch for ch in raw.strip() if ch not in ". ,")
    number, separator, written = text.partition("-")
    if separator and len(written) == 1 and written.isdigit():
        return number, int(written)
    return text, None


def nit_check_digit(nit: str) -> int:
    """The check digit of ``nit`` (digits only, without its own check digit)."""
    if not nit.isdigit() or len(nit) > len(_WEIGHTS):
        raise ValueError(f"A NIT is up to {len(_WEIGHTS)} digits, got {nit!r}")
    total = sum(int(digit) * weight for digit, weight in zip(reversed(nit), _WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder in (0, 1) else 11 - remainder
