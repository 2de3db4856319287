"""JSON in and out of both API dialects: numbers stay exact decimals both ways.

Requests are parsed with ``Decimal`` for every number (``ExactDecimalRoute``), and money leaves
as a JSON number with every digit it has (``JsonDecimal`` + ``ExactJSONResponse``): .NET and
Python clients read them into decimals, so no digit may be lost on the way.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Coroutine, Sequence
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, PlainSerializer

# A decimal that a float cannot carry exactly leaves the serializer as this marker plus its
# digits, and routing.ExactJSONResponse writes the digits as a bare JSON number. The random
# part keeps any text a client stored from ever looking like a marker.
EXACT_NUMBER_MARKER = f"\x00exact-{secrets.token_hex(8)}:"


def json_number(value: Decimal) -> int | float | str:
    """Money and quantities as JSON numbers: whole ones without a point, the rest exact."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return f"{EXACT_NUMBER_MARKER}{value.normalize():f}"


JsonDecimal = Annotated[
    Decimal, PlainSerializer(json_number, return_type=int | float | str, when_used="json")
]


_MARKED_NUMBER = re.compile(
    '"' + re.escape(json.dumps(EXACT_NUMBER_MARKER)[1:-1]) + r'(-?\d+(?:\.\d+)?)"'
)


class ExactJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return _MARKED_NUMBER.sub(r"\1", text).encode("utf-8")


def respond(content: BaseModel | Sequence[BaseModel]) -> ExactJSONResponse:
    """The answer of a route whose records the route built itself: serialized once, without
    FastAPI validating them again against the route's response_model (which documents them)."""
    if isinstance(content, BaseModel):
        return ExactJSONResponse(content.model_dump(mode="json"))
    return ExactJSONResponse([record.model_dump(mode="json") for record in content])


class _ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


class ExactDecimalRoute(APIRoute):
    """Reads request numbers as Decimal, so 12345678901.123456 stays what the client sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            return await handler(_ExactJSONRequest(request.scope, request.receive))

        return exact
