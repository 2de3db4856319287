"""``/v1/webhooks``: subscriptions to product and invoice events (shared/reference §2.7), and
``/v1/webhooks/{id}/deliveries``, the delivery log (a Facturo addition). docs/webhooks.md
describes the topics, payloads, signature and retries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from facturo.api.current.base import CurrentModel, guid_or_none, timestamp
from facturo.api.current.pagination import Links, Pagination, Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import ExactJSONResponse, respond
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.webhooks import Delivery, DeliveryAttempt, DeliveryStatus, WebhookData
from facturo.services import webhooks
from facturo.services.webhooks import Subscription, WebhookChanges

router = current_router("/webhooks", "Current API: webhooks")


class WebhookIn(CurrentModel):
    application_id: str | None = None
    topic: str | None = None
    url: str | None = None
    active: bool | None = None


class WebhookOut(CurrentModel):
    id: str
    application_id: str
    url: str
    topic: str
    company_key: str
    active: bool
    created_at: str | None

    @classmethod
    def from_domain(cls, subscription: Subscription) -> WebhookOut:
        webhook = subscription.webhook
        return cls.model_construct(
            id=str(webhook.guid),
            application_id=webhook.application_id or "",
            url=webhook.url or "",
            topic=webhook.topic or "",
            company_key=subscription.company_key,
            active=webhook.active,
            created_at=timestamp(webhook.created_at),
        )


class WebhookCreatedOut(WebhookOut):
    secret: str  # signs every delivery; shown in this answer only

    @classmethod
    def created(cls, subscription: webhooks.CreatedSubscription) -> WebhookCreatedOut:
        shown = WebhookOut.from_domain(subscription)
        return cls.model_construct(**shown.__dict__, secret=subscription.secret)


class DeletedOut(CurrentModel):
    id: str
    deleted: bool


class AttemptOut(CurrentModel):
    attempt: int
    attempted_at: str | None
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def from_domain(cls, attempt: DeliveryAttempt) -> AttemptOut:
        return cls.model_construct(
            attempt=attempt.attempt,
            attempted_at=timestamp(attempt.attempted_at),
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )


class DeliveryOut(CurrentModel):
    id: int
    event_id: str
    topic: str
    status: str
    attempts: int
    created_at: str | None
    next_attempt_at: str | None  # None once delivered or failed
    delivered_at: str | None
    log: list[AttemptOut]

    @classmethod
    def from_domain(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_construct(
            id=delivery.id,
            event_id=str(delivery.event_id),
            topic=delivery.topic,
            status=delivery.status.value,
            attempts=delivery.attempts,
            created_at=timestamp(delivery.created_at),
            next_attempt_at=timestamp(delivery.next_attempt_at),
            delivered_at=timestamp(delivery.delivered_at),
            log=[AttemptOut.from_domain(a) for a in delivery.log],
        )


class WebhookPage(BaseModel):
    pagination: Pagination
    results: list[WebhookOut]
    links: Links = Field(alias="_links")


class DeliveryPage(BaseModel):
    pagination: Pagination
    results: list[DeliveryOut]
    links: Links = Field(alias="_links")


def _guid(value: str) -> uuid.UUID:
    guid = guid_or_none(value)
    if guid is None:
        raise NotFound("webhook", value)
    return guid


@router.get("", summary="List webhook subscriptions", response_model=WebhookPage)
def get_all(request: Request, ctx: Context, actor: CurrentActor, paging: Paging) -> Response:
    found = webhooks.get_all(ctx, actor, paging.request)
    return page_response(
        request, paging, [WebhookOut.from_domain(s) for s in found.subscriptions], found.total
    )


@router.post(
    "",
    summary="Subscribe a URL to a topic; the answer carries the signing secret, once",
    status_code=201,
    response_model=WebhookCreatedOut,
)
def create(ctx: Context, actor: CurrentActor, body: WebhookIn) -> Response:
    created = webhooks.create(
        ctx,
        actor,
        WebhookData(
            application_id=body.application_id,
            topic=body.topic,
            url=body.url,
            active=True if body.active is None else body.active,
        ),
    )
    response = respond(WebhookCreatedOut.created(created))
    response.status_code = 201
    return response


@router.get("/{webhook_id}", summary="Get a webhook subscription", response_model=WebhookOut)
def get(ctx: Context, actor: CurrentActor, webhook_id: str) -> Response:
    return respond(WebhookOut.from_domain(webhooks.get(ctx, actor, _guid(webhook_id))))


@router.put(
    "/{webhook_id}",
    summary="Change a subscription's URL, topic, application or active state (omitted fields stay)",
    response_model=WebhookOut,
)
def update(ctx: Context, actor: CurrentActor, webhook_id: str, body: WebhookIn) -> Response:
    changed = webhooks.update(
        ctx,
        actor,
        _guid(webhook_id),
        WebhookChanges(
            application_id=body.application_id,
            topic=body.topic,
            url=body.url,
            active=body.active,
        ),
    )
    return respond(WebhookOut.from_domain(changed))


@router.delete(
    "/{webhook_id}",
    summary="Delete a subscription; its pending deliveries are not sent",
    response_model=DeletedOut,
)
def delete(ctx: Context, actor: CurrentActor, webhook_id: str) -> Response:
    guid = _guid(webhook_id)
    webhooks.delete(ctx, actor, guid)
    return respond(DeletedOut.model_construct(id=str(guid), deleted=True))


@router.get(
    "/{webhook_id}/deliveries",
    summary="The subscription's deliveries, newest first, with every attempt (Facturo)",
    response_model=DeliveryPage,
)
def deliveries(
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    paging: Paging,
    webhook_id: str,
    status: Annotated[
        str | None, Query(description="pending, delivered or failed; all when absent")
    ] = None,
) -> ExactJSONResponse:
    found = webhooks.deliveries(
        ctx, actor, paging.request, webhook=_guid(webhook_id), status=_status(status)
    )
    return page_response(
        request, paging, [DeliveryOut.from_domain(d) for d in found.deliveries], found.total
    )


def _status(value: str | None) -> DeliveryStatus | None:
    if value is None or not value.strip():
        return None
    try:
        return DeliveryStatus(value.strip().lower())
    except ValueError:
        raise RuleViolations(
            [
                Violation(
                    "invalid_value",
                    "status",
                    "The field {field} must be one of: "
                    + ", ".join(s.value for s in DeliveryStatus),
                )
            ]
        ) from None
