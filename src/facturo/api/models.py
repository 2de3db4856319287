"""Request and response records both dialects build on: read the way Siigo's .NET backend read
them (shared/reference/siigo-api.md §0.1 item 6)."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

# What the database can hold: ids are 64-bit integers; amounts, prices and quantities have
# at most 14 integer digits (NUMERIC(20,6) unit prices). A client's number beyond these is
# refused where it was written instead of failing in the database.
LARGEST_INTEGER = 2**63 - 1
LARGEST_DECIMAL = Decimal(10) ** 14


class LenientModel(BaseModel):
    """A record as Siigo's .NET backend read it: keys in any case, numbers as strings,
    unknown or misspelled keys ignored, ``""`` meaning "not given" for non-text.

    Records the server builds from its own data (``from_domain``) use ``model_construct``:
    they need no lenient reading and no validation.
    """

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _lenient_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        fields = _field_table(cls)
        result: dict[str, Any] = {}
        for key, value in data.items():
            known = fields.get(str(key).lower())
            if known is None:
                continue
            name, takes_text = known
            if value == "" and not takes_text:
                value = None
            result[name] = value
        return result

    @field_validator("*", mode="after")
    @classmethod
    def _storable_numbers(cls, value: Any) -> Any:
        _check_storable(value)
        return value


def _check_storable(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > LARGEST_INTEGER:
        raise PydanticCustomError(
            "number_out_of_range", "must be at most {limit}", {"limit": LARGEST_INTEGER}
        )
    if isinstance(value, Decimal) and value.is_finite() and abs(value) >= LARGEST_DECIMAL:
        raise PydanticCustomError(
            "number_out_of_range", "must be less than {limit}", {"limit": LARGEST_DECIMAL}
        )
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_storable(item)


@functools.cache
def _field_table(model: type[BaseModel]) -> dict[str, tuple[str, bool]]:
    """lower-case key → (field name, whether it takes text), worked out once per model."""
    return {
        name.lower(): (name, _accepts_text(info.annotation))
        for name, info in model.model_fields.items()
    }


def _accepts_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_text(arg) for arg in typing.get_args(annotation))
    if origin is Annotated:
        return _accepts_text(typing.get_args(annotation)[0])
    return False
