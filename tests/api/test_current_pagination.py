"""The current API's page contract on every paginated route (shared/reference/siigo-api.md
§2.5, §2.10 "Pagination walks"): ``{pagination{page, page_size, total_results}, results,
_links}``, absolute links with ``page`` first that keep the other filters, no ``next`` on the
last page, ``page_size`` held between 10 and 100, and pages past the end empty, not errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.api.test_current_invoices import colombian_today
from tests.conftest import LiveServer, TenantFixture

Body = dict[str, Any]
ROUTES = ["customers", "products", "invoices", "vouchers", "users", "webhooks", "deliveries"]
SEEDED = 12  # more than the smallest page, fewer than two of them


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def customer(number: int, name: str = "Cliente") -> Body:
    return {
        "person_type": "Person",
        "id_type": "13",
        "identification": str(10_000 + number),
        "name": [name, f"Número {number}"],
        "address": {
            "address": "Calle 1 # 2-3",
            "city": {"country_code": "Co", "state_code": "11", "city_code": "11001"},
        },
        "phones": [{"number": "3001234567"}],
        "contacts": [{"first_name": name, "last_name": "Contacto", "email": "c@cliente.co"}],
    }


@dataclass
class Seeder:
    """Makes records of each paginated resource for the tenant, through the current API
    (users, which it cannot create, through the service)."""

    client: httpx.Client
    ctx: ServiceContext
    tenant: TenantFixture
    webhook: str | None = None  # the subscription whose deliveries are listed

    def path(self, route: str) -> str:
        if route == "deliveries":
            return f"/v1/webhooks/{self.subscription()}/deliveries"
        return f"/v1/{route}"

    def seed(self, route: str, count: int = SEEDED) -> list[Any]:
        """``count`` records of ``route``, as ids the list shows."""
        make: Callable[[int], list[Any]] = getattr(self, route)
        ids = make(count)
        assert len(set(ids)) == count
        return ids

    def customers(self, count: int, name: str = "Cliente") -> list[Any]:
        return [
            ok(self.client.post("/v1/customers", json=customer(n, name)), 201)["id"]
            for n in range(count)
        ]

    def product(self, code: str) -> Body:
        group = ok(self.client.get("/v1/account-groups"))[0]["id"]
        body = {"code": code, "name": f"Artículo {code}", "account_group": group, "type": "Service"}
        made: Body = ok(self.client.post("/v1/products", json=body), 201)
        return made

    def products(self, count: int) -> list[Any]:
        return [self.product(f"P{n}")["id"] for n in range(count)]

    def document(self, doc_class: str) -> int:
        found: int = ok(self.client.get("/v1/document-types", params={"type": doc_class}))[0]["id"]
        return found

    def cash(self) -> int:
        means = ok(self.client.get("/v1/payment-types", params={"document_type": "FV"}))
        found: int = next(m["id"] for m in means if m["name"] == "Efectivo")
        return found

    def invoices(self, count: int) -> list[Any]:
        self.product("SRV")
        self.customers(1)
        body = {
            "document": {"id": self.document("FV")},
            "date": colombian_today().isoformat(),
            "customer": {"identification": "10000"},
            "seller": self.tenant.admin.id,
            "items": [{"code": "SRV", "quantity": 1, "price": 1000}],
            "payments": [{"id": self.cash(), "value": 1000}],
        }
        return [ok(self.client.post("/v1/invoices", json=body), 201)["id"] for _ in range(count)]

    def vouchers(self, count: int) -> list[Any]:
        self.customers(1)
        body = {
            "document": {"id": self.document("RC")},
            "date": colombian_today().isoformat(),
            "type": "AdvancePayment",
            "customer": {"identification": "10000"},
            "payment": {"id": self.cash(), "value": 5000},
        }
        return [ok(self.client.post("/v1/vouchers", json=body), 201)["id"] for _ in range(count)]

    def users(self, count: int) -> list[Any]:
        for n in range(count - 1):  # with the administrator
            users.create(
                self.ctx,
                self.tenant.actor,
                UserData(
                    username=f"vendedor{n}@empresa.co",
                    user_type=UserType.LITE,
                    identification=str(50_000_000 + n),
                    first_name="Vendedor",
                    last_name=str(n),
                ),
                "clave-vendedor-2024",
            )
        return [
            u["id"] for u in ok(self.client.get("/v1/users", params={"page_size": 100}))["results"]
        ]

    def webhooks(self, count: int) -> list[Any]:
        return [self.subscribe(f"https://erp.example.co/hooks/{n}") for n in range(count)]

    def subscribe(self, url: str) -> str:
        body = {"application_id": "erp", "topic": "public.siigoapi.products.create", "url": url}
        made: str = ok(self.client.post("/v1/webhooks", json=body), 201)["id"]
        return made

    def subscription(self) -> str:
        if self.webhook is None:
            self.webhook = self.subscribe("https://erp.example.co/hooks/products")
        return self.webhook

    def deliveries(self, count: int) -> list[Any]:
        """Each product created is one delivery to the subscription."""
        self.subscription()
        self.products(count)
        listed = ok(self.client.get(self.path("deliveries"), params={"page_size": 100}))
        return [d["id"] for d in listed["results"]]


@pytest.fixture
def seeder(ctx: ServiceContext, tenant: TenantFixture, current_client: httpx.Client) -> Seeder:
    return Seeder(current_client, ctx, tenant)


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query, keep_blank_values=True)


def ids_of(page: Body) -> list[Any]:
    return [record["id"] for record in page["results"]]


# --- the envelope and a walk through it --------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_following_next_visits_every_record_once_and_stops(
    seeder: Seeder, server: LiveServer, route: str
) -> None:
    seeded = seeder.seed(route)
    base = f"{server.url}{seeder.path(route)}"

    first = ok(seeder.client.get(f"{base}?page_size=10"))
    second = ok(seeder.client.get(first["_links"]["next"]["href"]))

    assert set(first) == set(second) == {"pagination", "results", "_links"}
    assert first["pagination"] == {"page": 1, "page_size": 10, "total_results": SEEDED}
    assert second["pagination"] == {"page": 2, "page_size": 10, "total_results": SEEDED}
    assert first["_links"] == {
        "self": {"href": f"{base}?page=1&page_size=10"},
        "next": {"href": f"{base}?page=2&page_size=10"},
    }
    assert second["_links"] == {
        "previous": {"href": f"{base}?page=1&page_size=10"},
        "self": {"href": f"{base}?page=2&page_size=10"},
    }
    assert len(first["results"]) == 10 and len(second["results"]) == 2
    walked = ids_of(first) + ids_of(second)
    assert sorted(walked, key=str) == sorted(seeded, key=str)
    assert ok(seeder.client.get(second["_links"]["previous"]["href"])) == first


@pytest.mark.parametrize("route", ROUTES)
def test_links_start_with_the_called_base_url_and_page_first(
    seeder: Seeder, server: LiveServer, route: str
) -> None:
    """Clients strip their base URL from the href and read the page from its first argument."""
    seeder.seed(route)

    page = ok(seeder.client.get(seeder.path(route), params={"page_size": 10, "page": 2}))

    for link in page["_links"].values():
        href = link["href"]
        assert href.startswith(f"{server.url}{seeder.path(route)}?page="), href
        assert [key for key, _ in query_of(href)][:2] == ["page", "page_size"]


@pytest.mark.parametrize("route", ROUTES)
def test_links_name_the_host_and_prefix_the_client_called(
    seeder: Seeder, server: LiveServer, route: str
) -> None:
    seeder.seed(route)
    path = seeder.path(route)

    aliased = ok(seeder.client.get(f"/alliances/api{path}", params={"page_size": 10}))
    proxied = ok(
        seeder.client.get(path, params={"page_size": 10}, headers={"Host": "facturo.example:8443"})
    )

    assert aliased["_links"]["next"]["href"] == (
        f"{server.url}/alliances/api{path}?page=2&page_size=10"
    )
    assert ids_of(aliased) == ids_of(ok(seeder.client.get(path, params={"page_size": 10})))
    assert proxied["_links"]["self"]["href"] == (
        f"http://facturo.example:8443{path}?page=1&page_size=10"
    )


# --- page sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_page_size_is_held_between_10_and_100(seeder: Seeder, route: str) -> None:
    """§2.5: below 10 comes back as 10; above 100 (clients ask for 800) is capped, never an
    error."""
    seeder.seed(route)
    path = seeder.path(route)

    for asked in ("1", "9", "0", "-5"):
        page = ok(seeder.client.get(path, params={"page_size": asked}))
        assert page["pagination"]["page_size"] == 10, asked
        assert len(page["results"]) == 10, asked
        assert query_of(page["_links"]["next"]["href"])[:2] == [("page", "2"), ("page_size", "10")]
    for asked in ("101", "800", "1e6", "99999999999999999999999"):
        page = ok(seeder.client.get(path, params={"page_size": asked}))
        assert page["pagination"] == {"page": 1, "page_size": 100, "total_results": SEEDED}
        assert len(page["results"]) == SEEDED, asked
        assert "next" not in page["_links"]
        assert query_of(page["_links"]["self"]["href"])[:2] == [("page", "1"), ("page_size", "100")]


@pytest.mark.parametrize("route", ROUTES)
def test_without_page_size_the_default_applies(
    seeder: Seeder, ctx: ServiceContext, route: str
) -> None:
    seeder.seed(route)
    default = ctx.settings.current_page_size

    page = ok(seeder.client.get(seeder.path(route)))

    assert default == 25  # FACTURO_CURRENT_PAGE_SIZE unset; the reference's examples use 25
    assert page["pagination"] == {"page": 1, "page_size": default, "total_results": SEEDED}
    assert query_of(page["_links"]["self"]["href"]) == [("page", "1"), ("page_size", "25")]


def test_the_default_page_size_limits_the_page(seeder: Seeder) -> None:
    seeder.customers(27)

    first = ok(seeder.client.get("/v1/customers"))
    second = ok(seeder.client.get(first["_links"]["next"]["href"]))

    assert (len(first["results"]), len(second["results"])) == (25, 2)
    assert query_of(first["_links"]["next"]["href"]) == [("page", "2"), ("page_size", "25")]


def test_a_page_size_over_100_returns_100_records_and_links_on(seeder: Seeder) -> None:
    made = seeder.customers(105)

    first = ok(seeder.client.get("/v1/customers", params={"page": 1, "page_size": 800}))
    second = ok(seeder.client.get(first["_links"]["next"]["href"]))

    assert first["pagination"] == {"page": 1, "page_size": 100, "total_results": 105}
    assert len(first["results"]) == 100
    assert first["_links"]["next"]["href"].endswith("/v1/customers?page=2&page_size=100")
    assert len(second["results"]) == 5 and "next" not in second["_links"]
    assert sorted(ids_of(first) + ids_of(second)) == sorted(made)


# --- pages past the end and odd page values ---------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_a_page_past_the_end_is_empty_not_an_error(seeder: Seeder, route: str) -> None:
    """Clients that loop ``page=1,2,…`` until ``results == []`` must stop (§2.5)."""
    seeder.seed(route)
    path = seeder.path(route)

    for asked in ("3", "1000", "99999999999999999999999", "1e400"):
        page = ok(seeder.client.get(path, params={"page": asked, "page_size": 10}))
        assert page["results"] == [], asked
        assert page["pagination"]["total_results"] == SEEDED
        assert page["pagination"]["page"] >= 3
        assert "next" not in page["_links"]


@pytest.mark.parametrize("route", ROUTES)
def test_page_numbers_before_the_first_are_the_first(seeder: Seeder, route: str) -> None:
    """§2.5 counts pages from 1 and names no error for lower ones: they read as page 1."""
    seeder.seed(route)
    path = seeder.path(route)
    first = ok(seeder.client.get(path, params={"page": 1, "page_size": 10}))

    for asked in ("0", "-1", "-99999999999999999999"):
        assert ok(seeder.client.get(path, params={"page": asked, "page_size": 10})) == first


@pytest.mark.parametrize("route", ROUTES)
def test_malformed_page_values_are_read_as_not_sent(seeder: Seeder, route: str) -> None:
    """The reference is silent on a ``page`` or ``page_size`` that is not a whole number and
    asks that paging never stop a client, so such a value is read as if it were absent (the
    first page, the default size) rather than refused. ``2.0`` and `` 2 `` are whole numbers."""
    seeder.seed(route)
    path = seeder.path(route)
    first = ok(seeder.client.get(path, params={"page": 1, "page_size": 10}))
    default = ok(seeder.client.get(path))

    for asked in ("abc", "", "2.5", "NaN", "Infinity", "0x2"):
        assert ok(seeder.client.get(path, params={"page": asked, "page_size": 10})) == first
        assert ok(seeder.client.get(path, params={"page_size": asked})) == default
    for asked in ("2.0", " 2 ", "+2", "2e0"):
        page = ok(seeder.client.get(path, params={"page": asked, "page_size": "10.0"}))
        assert page["pagination"] == {"page": 2, "page_size": 10, "total_results": SEEDED}
        assert page["_links"]["self"]["href"].endswith("?page=2&page_size=10")


# --- links keep the filters ------------------------------------------------------------------

# A filter every seeded record passes, per route (users and webhooks have none: an argument
# the route does not know is kept all the same).
ALL_PASS: dict[str, list[tuple[str, str]]] = {
    "customers": [("active", "true"), ("type", "Customer")],
    "products": [("active", "true"), ("type", "Service")],
    "invoices": [("date_start", colombian_today().isoformat())],
    "vouchers": [("date_start", colombian_today().isoformat())],
    "users": [("namespace", "v1")],
    "webhooks": [("namespace", "v1")],
    "deliveries": [("status", "pending")],
}


@pytest.mark.parametrize("route", ROUTES)
def test_links_keep_the_other_filters_after_the_page(
    seeder: Seeder, server: LiveServer, route: str
) -> None:
    seeder.seed(route)
    path = seeder.path(route)
    filters = ALL_PASS[route]

    first = ok(seeder.client.get(path, params=[*filters, ("page_size", "10")]))
    second = ok(seeder.client.get(first["_links"]["next"]["href"]))

    assert first["pagination"]["total_results"] == SEEDED
    assert query_of(first["_links"]["next"]["href"]) == [
        ("page", "2"),
        ("page_size", "10"),
        *filters,
    ]
    assert query_of(second["_links"]["previous"]["href"]) == [
        ("page", "1"),
        ("page_size", "10"),
        *filters,
    ]
    assert second == ok(
        seeder.client.get(path, params=[("page", "2"), ("page_size", "10"), *filters])
    )


def test_a_narrowing_filter_pages_only_what_it_matches(seeder: Seeder, server: LiveServer) -> None:
    seeder.customers(11, "María José")
    seeder.client.post("/v1/customers", json=customer(50, "Pedro"))

    first = ok(seeder.client.get("/v1/customers", params={"name": "María José", "page_size": 10}))
    second = ok(seeder.client.get(first["_links"]["next"]["href"]))
    one = ok(seeder.client.get("/v1/customers", params={"identification": "10050"}))

    assert first["pagination"]["total_results"] == 11
    assert query_of(first["_links"]["next"]["href"]) == [
        ("page", "2"),
        ("page_size", "10"),
        ("name", "María José"),
    ]
    assert len(second["results"]) == 1 and "next" not in second["_links"]
    assert one["pagination"]["total_results"] == 1
    assert set(one["_links"]) == {"self"}
    assert one["_links"]["self"]["href"] == (
        f"{server.url}/v1/customers?page=1&page_size=25&identification=10050"
    )


def test_an_empty_list_is_one_empty_page(seeder: Seeder, server: LiveServer) -> None:
    page = ok(seeder.client.get("/v1/webhooks"))

    assert page == {
        "pagination": {"page": 1, "page_size": 25, "total_results": 0},
        "results": [],
        "_links": {"self": {"href": f"{server.url}/v1/webhooks?page=1&page_size=25"}},
    }
