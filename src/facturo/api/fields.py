"""How each dialect spells a domain field in its messages and ``Params``.

Domain rules name fields by dotted domain paths (``items.2.tax_add.value``); a dialect spells
them its own way: the legacy one in PascalCase (``Items[2].TaxAddValue``), the current one in
snake_case (``items[2].taxes``). Each resource router declares the paths it names differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_SNAKE_PART = re.compile(r"_([a-z0-9])")


def pascal(segment: str) -> str:
    if not segment:
        return segment
    segment = _SNAKE_PART.sub(lambda m: m.group(1).upper(), segment)
    return segment[0].upper() + segment[1:]


def field_name(
    path: str, names: Mapping[str, str], spell: Callable[[str], str] = lambda part: part
) -> str:
    """A domain field path as a dialect spells it.

    ``names`` spells paths the dialect names differently — the longest known prefix wins
    (``is_company`` → ``IsSocialReason``) — and may use ``*`` for any position in a list
    (``items.*.total`` → ``Items[*].TotalValue``); what is left goes through ``spell`` part by
    part, and positions read ``[2]``: ``items.2.total`` → ``Items[2].TotalValue``.
    """
    if not path:
        return ""
    parts = path.split(".")
    pattern = ["*" if part.isdigit() else part for part in parts]
    positions = iter(part for part in parts if part.isdigit())
    for cut in range(len(parts), -1, -1):
        exact, general = ".".join(parts[:cut]), ".".join(pattern[:cut])
        if cut and exact not in names and general not in names:
            continue
        if cut and exact in names:  # a name for this very position (prices.3 → PriceList3)
            spelled = names[exact]
            for _ in range(sum(1 for p in parts[:cut] if p.isdigit())):
                next(positions)
        else:
            spelled = names[general] if cut else ""
            while "[*]" in spelled:
                spelled = spelled.replace("[*]", f"[{next(positions)}]", 1)
        rest = "".join(
            f"[{next(positions)}]" if p == "*" else f".{spell(p)}" for p in pattern[cut:]
        )
        return (spelled + rest).lstrip(".")
    raise AssertionError("unreachable")


def legacy_field_name(path: str, names: Mapping[str, str]) -> str:
    return field_name(path, names, pascal)
