"""Reading request bodies the way Siigo's .NET backend did: real clients send single quotes,
trailing commas, Python reprs and numbers with leading zeros (shared/reference §1.3, §2.10)."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import json5

_LEADING_ZERO_NUMBER = re.compile(r"0\d+(?:\.\d+)?")


class UnreadableBody(ValueError):
    """The body is not JSON in any of the dialects real clients speak."""


def read_lenient(text: str) -> Any:
    """The value of a body; strict JSON first, then the forms real clients send."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    for attempt in (_json5, _python_literal, _json5_with_leading_zeros):
        try:
            return attempt(text)
        except (ValueError, SyntaxError, TypeError, RecursionError):
            continue
    raise UnreadableBody("The request body is not valid JSON")


def _json5(text: str) -> Any:
    return json5.loads(text)


def _python_literal(text: str) -> Any:
    value = ast.literal_eval(text)
    if not isinstance(value, (dict, list)):
        raise ValueError("not a document")
    return value


def _json5_with_leading_zeros(text: str) -> Any:
    return json5.loads(quote_leading_zero_numbers(text))


def quote_leading_zero_numbers(text: str) -> str:
    """Quotes numbers written with a leading zero (``"Number": 0343214444``) outside string
    literals. They are phone numbers and codes: the zero matters, so they stay text."""
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in "\"'":  # copy a string literal untouched, escapes included
            end = index + 1
            while end < length and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            out.append(text[index : end + 1])
            index = end + 1
            continue
        number = _LEADING_ZERO_NUMBER.match(text, index)
        starts_value = not out or not (out[-1][-1:].isalnum() or out[-1][-1:] in "._")
        if number and starts_value:
            out.append(f'"{number.group()}"')
            index = number.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)


def normalize_body(raw: bytes) -> bytes | None:
    """Strict JSON for the framework, or None when ``raw`` already is strict JSON."""
    text = raw.decode("utf-8-sig", errors="replace").strip()
    if not text:
        return None
    try:
        json.loads(text)
    except ValueError:
        return json.dumps(read_lenient(text), ensure_ascii=False).encode()
    return None
