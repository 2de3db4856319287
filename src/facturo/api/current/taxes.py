"""``GET /v1/taxes``: the company's taxes and withholdings, a plain array."""

from __future__ import annotations

from fastapi import Response

from facturo.api.current.base import CurrentModel
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import JsonDecimal, respond
from facturo.domain.catalogs import Tax
from facturo.services import catalogs
from facturo.services.catalogs import Catalog
from facturo.services.paging import PageRequest

router = current_router("/taxes", "Current API: catalogs")

EVERYTHING = PageRequest(offset=0, limit=10_000)


class TaxOut(CurrentModel):
    id: int
    name: str
    type: str
    percentage: JsonDecimal
    active: bool

    @classmethod
    def from_domain(cls, tax: Tax) -> TaxOut:
        assert tax.id is not None
        return cls.model_construct(
            id=tax.id,
            name=tax.name,
            type=tax.tax_type.value,
            percentage=tax.percentage,
            active=tax.active,
        )


@router.get("", summary="List taxes", response_model=list[TaxOut])
def get_all(ctx: Context, actor: CurrentActor) -> Response:
    return respond(
        [TaxOut.from_domain(t) for t in catalogs.get_all(ctx, actor, Catalog.TAXES, EVERYTHING)]
    )
