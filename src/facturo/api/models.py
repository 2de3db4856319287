"""Request and response records both dialects build on: read the way Siigo's .NET backend read
them (shared/reference/siigo-api.md §0.1 item 6)."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, model_validator


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
