"""The current API's pages (shared/reference/siigo-api.md §2.5):
``{"pagination": {page, page_size, total_results}, "results": [...], "_links": {...}}``.

``page`` counts from 1; ``page_size`` defaults to ``FACTURO_CURRENT_PAGE_SIZE`` and is held
between 10 and 100 without complaint (clients ask for 800); a page past the end is empty,
not an error. Links are absolute, built from the host the client called, ``page`` first, the
other filters kept; ``next`` is left out on the last page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from facturo.api.deps import Context
from facturo.api.jsonio import ExactJSONResponse
from facturo.services.paging import PageRequest

MIN_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000_000  # times MAX_PAGE_SIZE, an offset every database can take
HUGE = Decimal(10) ** 18


@dataclass(frozen=True)
class PageQuery:
    page: int
    page_size: int

    @property
    def request(self) -> PageRequest:
        return PageRequest.numbered(self.page, self.page_size, first=1)


def _whole_number(value: str | None) -> Decimal | None:
    """The whole number a client wrote (``3``, `` 3 ``, ``3.0``, ``3e1``), or None for anything
    else. The reference (§2.5) names no error for a malformed ``page`` or ``page_size`` and has
    real clients that must never be stopped by paging, so a value that is not a whole number is
    read as if it had not been sent: the first page, the default size."""
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if not -HUGE < number < HUGE:
        return number  # past any bound: brought within by _within, never rounded
    return number if number == number.to_integral_value() else None


def _within(number: Decimal, low: int, high: int) -> int:
    # Compared as a Decimal first: int() of a number like 1e999999999 would be enormous.
    return low if number < low else high if number > high else int(number)


def page_query(
    ctx: Context,
    page: Annotated[str | None, Query(description="Page number, from 1")] = None,
    page_size: Annotated[
        str | None, Query(description="Records per page: 10 to 100 (others are brought within)")
    ] = None,
) -> PageQuery:
    number = _whole_number(page)
    size = _whole_number(page_size)
    return PageQuery(
        # Pages before the first are the first (§2.5 counts from 1); pages past MAX_PAGE are
        # past the end of any list and would overflow the database's offset.
        page=_within(number, 1, MAX_PAGE) if number is not None else 1,
        page_size=_within(size, MIN_PAGE_SIZE, MAX_PAGE_SIZE)
        if size is not None
        else ctx.settings.current_page_size,
    )


Paging = Annotated[PageQuery, Depends(page_query)]


class Link(BaseModel):
    href: str


class Links(BaseModel):
    previous: Link | None = None
    self: Link
    next: Link | None = None


class Pagination(BaseModel):
    page: int
    page_size: int
    total_results: int


def page_response(
    request: Request, paging: PageQuery, results: Sequence[BaseModel], total: int
) -> ExactJSONResponse:
    """The page envelope around ``results``, serialized once."""
    links: dict[str, Any] = {"self": {"href": _link(request, paging.page, paging.page_size)}}
    if paging.page > 1:
        links["previous"] = {"href": _link(request, paging.page - 1, paging.page_size)}
    if paging.page * paging.page_size < total:
        links["next"] = {"href": _link(request, paging.page + 1, paging.page_size)}
    ordered = {key: links[key] for key in ("previous", "self", "next") if key in links}
    return ExactJSONResponse(
        {
            "pagination": {
                "page": paging.page,
                "page_size": paging.page_size,
                "total_results": total,
            },
            "results": [record.model_dump(mode="json") for record in results],
            "_links": ordered,
        }
    )


def _link(request: Request, page: int, page_size: int) -> str:
    others = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key.lower() not in ("page", "page_size")
    ]
    query = urlencode([("page", page), ("page_size", page_size), *others])
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}?{query}"
