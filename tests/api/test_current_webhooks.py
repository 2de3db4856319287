"""``/v1/webhooks`` over HTTP: subscriptions (shared/reference/siigo-api.md §2.7), their
validation, the signing secret shown once and kept encrypted, the delivery log, and who may
manage them. Deliveries themselves: tests/integration/test_webhook_worker.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from facturo.domain.access import Actor, UserType
from facturo.domain.users import UserData
from facturo.domain.webhooks import Topic
from facturo.security import SecretBox
from facturo.services import users
from facturo.services.context import ServiceContext
from facturo.store import tables as t
from tests.conftest import (
    PARTNER_ID,
    TEST_SECRET,
    LiveServer,
    TenantFixture,
    current_errors,
    current_sign_in,
    make_access_key,
    signed_in_current,
)

RECEIVER = "https://hooks.example.co/siigo"


def subscription(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "application_id": "inventario-tienda",
        "topic": "public.siigoapi.products.create",
        "url": RECEIVER,
    }
    body.update(fields)
    return body


def created(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json=subscription(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def other_current_client(
    ctx: ServiceContext, server: LiveServer, make_company: Any
) -> Iterator[httpx.Client]:
    with signed_in_current(ctx, server, make_company()) as client:
        yield client


# --- create ------------------------------------------------------------------------------------


def test_create_answers_201_with_siigos_record_and_the_secret_once(
    current_client: httpx.Client, tenant: TenantFixture
) -> None:
    body = created(current_client)
    assert list(body) == [
        "id",
        "application_id",
        "url",
        "topic",
        "company_key",
        "active",
        "created_at",
        "secret",
    ]
    assert body["application_id"] == "inventario-tienda"
    assert body["url"] == RECEIVER
    assert body["topic"] == "public.siigoapi.products.create"
    assert body["company_key"] == tenant.key
    assert body["active"] is True
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 24
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    shown = current_client.get(f"/v1/webhooks/{body['id']}")
    assert shown.status_code == 200
    assert "secret" not in shown.json()
    assert shown.json() == {k: v for k, v in body.items() if k != "secret"}


def test_each_subscription_gets_its_own_secret(current_client: httpx.Client) -> None:
    first, second = created(current_client), created(current_client)
    assert first["secret"] != second["secret"]


def test_the_secret_is_kept_encrypted(
    ctx: ServiceContext, current_client: httpx.Client, tenant: TenantFixture
) -> None:
    body = created(current_client)
    with ctx.database.writer.connect() as connection:
        stored = connection.execute(
            sa.select(t.webhooks.c.secret).where(
                t.webhooks.c.company_id == tenant.company.id,
                t.webhooks.c.guid == uuid.UUID(body["id"]),
            )
        ).scalar_one()
    assert body["secret"] not in stored
    assert SecretBox(TEST_SECRET, "webhook-secrets").open(stored) == body["secret"]
    with pytest.raises(Exception, match="cannot be decrypted"):
        SecretBox(TEST_SECRET + "-other", "webhook-secrets").open(stored)


@pytest.mark.parametrize("topic", [t.value for t in Topic])
def test_every_topic_is_accepted(current_client: httpx.Client, topic: str) -> None:
    assert created(current_client, topic=topic)["topic"] == topic


def test_topics_and_fields_are_read_leniently(current_client: httpx.Client) -> None:
    response = current_client.post(
        "/v1/webhooks",
        content=(
            "{'Application_Id': 'erp', 'topic': ' PUBLIC.SIIGOAPI.PRODUCTS.STOCK.UPDATE ', "
            f"'url': ' {RECEIVER} ', 'active': 'false'}}"
        ),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["topic"] == "public.siigoapi.products.stock.update"
    assert body["url"] == RECEIVER
    assert body["active"] is False


def test_plain_http_receivers_are_allowed_for_self_hosting(current_client: httpx.Client) -> None:
    body = created(current_client, url="http://10.0.0.5:8080/hooks?source=facturo")
    assert body["url"] == "http://10.0.0.5:8080/hooks?source=facturo"


def test_missing_fields_are_all_reported(current_client: httpx.Client) -> None:
    response = current_client.post("/v1/webhooks", json={})
    assert response.status_code == 400
    assert current_errors(response) == [
        ("parameter_required", ["application_id"]),
        ("parameter_required", ["topic"]),
        ("parameter_required", ["url"]),
    ]
    assert response.json()["Errors"][0]["Message"] == "The field application_id is required"


def test_an_unknown_topic_is_an_invalid_value(current_client: httpx.Client) -> None:
    response = current_client.post(
        "/v1/webhooks", json=subscription(topic="public.siigoapi.customers.create")
    )
    assert response.status_code == 400
    assert current_errors(response) == [("invalid_value", ["topic"])]
    message = response.json()["Errors"][0]["Message"]
    assert message.startswith("The field topic must be one of: public.siigoapi.products.create")
    assert "public.siigoapi.invoices.annul" in message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.co/x",
        "hooks.example.co/siigo",
        "/siigo/hooks",
        "https://",
        "https://hooks example.co/x",
        "https://hooks.example.co:99999/x",
        "javascript:alert(1)",
    ],
)
def test_urls_must_be_absolute_http_or_https(current_client: httpx.Client, url: str) -> None:
    response = current_client.post("/v1/webhooks", json=subscription(url=url))
    assert response.status_code == 400, url
    assert current_errors(response) == [("invalid_url", ["url"])]
    assert (
        response.json()["Errors"][0]["Message"]
        == "The field url must be an absolute http or https URL"
    )


def test_lengths_are_limited(current_client: httpx.Client) -> None:
    long_url = "https://hooks.example.co/" + "a" * 2030
    response = current_client.post(
        "/v1/webhooks", json=subscription(url=long_url, application_id="x" * 101)
    )
    assert response.status_code == 400
    assert current_errors(response) == [
        ("length_max", ["application_id"]),
        ("length_max", ["url"]),
    ]
    fits = "https://hooks.example.co/" + "a" * (2048 - 25)
    assert created(current_client, url=fits)["url"] == fits


def test_a_refused_create_writes_nothing(current_client: httpx.Client) -> None:
    current_client.post("/v1/webhooks", json=subscription(url="nope"))
    assert current_client.get("/v1/webhooks").json()["pagination"]["total_results"] == 0


# --- read and list -------------------------------------------------------------------------------


def test_list_is_a_page_with_total_and_links(current_client: httpx.Client) -> None:
    made = [created(current_client, application_id=f"app{i}") for i in range(12)]
    first = current_client.get("/v1/webhooks", params={"page_size": 10})
    assert first.status_code == 200
    body = first.json()
    assert body["pagination"] == {"page": 1, "page_size": 10, "total_results": 12}
    assert [w["id"] for w in body["results"]] == [w["id"] for w in made[:10]]
    assert "secret" not in body["results"][0]
    assert body["_links"]["next"]["href"].endswith("/v1/webhooks?page=2&page_size=10")
    second = current_client.get(body["_links"]["next"]["href"]).json()
    assert [w["id"] for w in second["results"]] == [w["id"] for w in made[10:]]
    assert "next" not in second["_links"]
    assert current_client.get("/v1/webhooks", params={"page": 9}).json()["results"] == []


@pytest.mark.parametrize("webhook_id", ["3f2b9c1e-0000-4000-8000-000000000000", "12", "nada"])
def test_an_unknown_id_is_not_found(current_client: httpx.Client, webhook_id: str) -> None:
    for response in (
        current_client.get(f"/v1/webhooks/{webhook_id}"),
        current_client.put(f"/v1/webhooks/{webhook_id}", json={"active": False}),
        current_client.delete(f"/v1/webhooks/{webhook_id}"),
        current_client.get(f"/v1/webhooks/{webhook_id}/deliveries"),
    ):
        assert response.status_code == 404
        assert current_errors(response) == [("not_found", [])]


def test_companies_do_not_see_each_others_subscriptions(
    current_client: httpx.Client, other_current_client: httpx.Client
) -> None:
    mine = created(current_client)
    assert other_current_client.get(f"/v1/webhooks/{mine['id']}").status_code == 404
    assert other_current_client.put(f"/v1/webhooks/{mine['id']}", json={}).status_code == 404
    assert other_current_client.delete(f"/v1/webhooks/{mine['id']}").status_code == 404
    assert other_current_client.get("/v1/webhooks").json()["results"] == []
    assert current_client.get(f"/v1/webhooks/{mine['id']}").status_code == 200


# --- update and delete --------------------------------------------------------------------------


def test_update_changes_what_is_sent_and_keeps_the_rest(current_client: httpx.Client) -> None:
    body = created(current_client)
    response = current_client.put(
        f"/v1/webhooks/{body['id']}",
        json={
            "url": "https://otro.example.co/hooks",
            "topic": "public.siigoapi.invoices.create",
            "active": "false",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["url"] == "https://otro.example.co/hooks"
    assert changed["topic"] == "public.siigoapi.invoices.create"
    assert changed["active"] is False
    assert changed["application_id"] == body["application_id"]
    assert changed["id"] == body["id"] and changed["created_at"] == body["created_at"]
    assert "secret" not in changed
    assert current_client.get(f"/v1/webhooks/{body['id']}").json() == changed
    again = current_client.put(
        f"/v1/webhooks/{body['id']}", json={"active": True, "application_id": "erp-2"}
    ).json()
    assert (again["active"], again["application_id"], again["url"]) == (
        True,
        "erp-2",
        "https://otro.example.co/hooks",
    )


def test_update_validates_like_create(current_client: httpx.Client) -> None:
    body = created(current_client)
    response = current_client.put(
        f"/v1/webhooks/{body['id']}",
        json={"url": "mailto:a@b.co", "topic": "x", "application_id": ""},
    )
    assert response.status_code == 400
    assert current_errors(response) == [
        ("parameter_required", ["application_id"]),
        ("invalid_value", ["topic"]),
        ("invalid_url", ["url"]),
    ]
    assert current_client.get(f"/v1/webhooks/{body['id']}").json()["url"] == RECEIVER


def test_delete_answers_like_siigo_and_the_subscription_is_gone(
    current_client: httpx.Client,
) -> None:
    body = created(current_client)
    response = current_client.delete(f"/v1/webhooks/{body['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": body["id"], "deleted": True}
    assert current_client.get(f"/v1/webhooks/{body['id']}").status_code == 404
    assert current_client.delete(f"/v1/webhooks/{body['id']}").status_code == 404
    assert current_client.get("/v1/webhooks").json()["results"] == []


# --- the delivery log ----------------------------------------------------------------------------


def test_a_new_subscription_has_an_empty_delivery_log(current_client: httpx.Client) -> None:
    body = created(current_client)
    log = current_client.get(f"/v1/webhooks/{body['id']}/deliveries")
    assert log.status_code == 200
    assert log.json()["pagination"]["total_results"] == 0
    assert log.json()["results"] == []


def test_the_delivery_log_filters_by_a_known_status(current_client: httpx.Client) -> None:
    body = created(current_client)
    for status in ("pending", "delivered", "FAILED"):
        response = current_client.get(
            f"/v1/webhooks/{body['id']}/deliveries", params={"status": status}
        )
        assert response.status_code == 200
    refused = current_client.get(f"/v1/webhooks/{body['id']}/deliveries", params={"status": "lost"})
    assert refused.status_code == 400
    assert current_errors(refused) == [("invalid_value", ["status"])]


# --- who may manage them ------------------------------------------------------------------------


def test_only_full_users_manage_webhooks(
    ctx: ServiceContext, http: httpx.Client, current_client: httpx.Client, tenant: TenantFixture
) -> None:
    body = created(current_client)
    users.create(
        ctx,
        Actor.operator(tenant.company.id or 0),
        UserData(
            username="vendedor@empresa.co",
            user_type=UserType.LITE,
            identification="55667788",
            first_name="Vera",
            last_name="Vendedora",
        ),
        "clave-vendedor-2024",
    )
    token = current_sign_in(
        http, "vendedor@empresa.co", make_access_key(ctx, tenant, "vendedor@empresa.co")
    )
    lite = {"Authorization": f"Bearer {token}", "Partner-Id": PARTNER_ID}
    for response in (
        http.get("/v1/webhooks", headers=lite),
        http.post("/v1/webhooks", json=subscription(), headers=lite),
        http.get(f"/v1/webhooks/{body['id']}", headers=lite),
        http.put(f"/v1/webhooks/{body['id']}", json={"active": False}, headers=lite),
        http.delete(f"/v1/webhooks/{body['id']}", headers=lite),
        http.get(f"/v1/webhooks/{body['id']}/deliveries", headers=lite),
    ):
        assert response.status_code == 403
        assert current_errors(response) == [("forbidden", [])]
    assert current_client.get(f"/v1/webhooks/{body['id']}").json()["active"] is True


def test_webhooks_need_partner_id_and_a_token(http: httpx.Client) -> None:
    assert current_errors(http.get("/v1/webhooks")) == [("header_required", ["Partner-Id"])]
    response = http.get("/v1/webhooks", headers={"Partner-Id": PARTNER_ID})
    assert response.status_code == 401
