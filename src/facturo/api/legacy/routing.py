"""How legacy resource routers are made: exact numbers, and each resource's field spelling."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends

from facturo.api.errors import ERROR_RESPONSES, speaks
from facturo.api.jsonio import ExactDecimalRoute, ExactJSONResponse


def legacy_router(prefix: str, tag: str, field_names: Mapping[str, str] | None = None) -> APIRouter:
    """A router of one legacy resource: exact numbers, and its spelling of domain fields."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=ExactDecimalRoute,
        default_response_class=ExactJSONResponse,
        dependencies=[Depends(speaks(field_names or {}))],
        responses=ERROR_RESPONSES,
    )
