"""How current-API resource routers are made: exact numbers, and each resource's field spelling."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Depends

from facturo.api.errors import CURRENT_ERROR_RESPONSES, speaks
from facturo.api.jsonio import ExactDecimalRoute, ExactJSONResponse


def current_router(
    prefix: str, tag: str, field_names: Mapping[str, str] | None = None
) -> APIRouter:
    """A router of one current-API resource. ``field_names`` spells the domain paths its
    messages name differently (``payments.*.payment_means_id`` → ``payments[*].id``)."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=ExactDecimalRoute,
        default_response_class=ExactJSONResponse,
        dependencies=[Depends(speaks(field_names or {}))],
        responses=CURRENT_ERROR_RESPONSES,
    )
