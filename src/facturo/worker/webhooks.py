"""Webhook deliveries: claim what is due, POST each payload signed, record the answer.

Requests go out with no transaction open, so a slow receiver never holds a database lock.
Delivery is at least once: a receiver may see an event again (a worker that died after the
POST and before recording it, a lease that ran out), and tells repeats by ``X-Facturo-Event-Id``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

import httpx

import facturo
from facturo.domain.webhooks import DeliveryStatus, signature
from facturo.security import SecretUnreadable
from facturo.services import webhooks
from facturo.services.context import ServiceContext
from facturo.store.webhooks import ClaimedDelivery
from facturo.worker.runner import Outcomes

log = logging.getLogger("facturo.worker.webhooks")

BATCH = 20  # deliveries claimed at a time
USER_AGENT = f"Facturo-Webhooks/{facturo.__version__}"
ANSWER_SHOWN = 200  # characters of a refusing receiver's answer kept in the log

# How each recorded outcome is counted.
_OUTCOMES = {
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.PENDING: "retrying",
    DeliveryStatus.FAILED: "failed",
    None: "lapsed",  # the claim ran out or the subscription went away meanwhile
}


class WebhookDeliveries:
    name = "webhooks"

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        company_id: int | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.ctx = ctx
        self.company_id = company_id
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(ctx.settings.webhook_timeout_seconds),
            follow_redirects=False,  # a receiver that moved says so with its new URL
            headers={"User-Agent": USER_AGENT},
        )

    def run_due(self, stopping: Callable[[], bool]) -> Outcomes:
        claimed = webhooks.claim_due(self.ctx, limit=BATCH, company_id=self.company_id)
        outcomes: Counter[str] = Counter()
        for index, delivery in enumerate(claimed):
            if stopping():
                webhooks.release(self.ctx, claimed[index:])
                break
            outcomes[_OUTCOMES[self.deliver(delivery)]] += 1
        return outcomes

    def deliver(self, delivery: ClaimedDelivery) -> DeliveryStatus | None:
        """One attempt at one delivery, recorded in its log."""
        attempted_at = self.ctx.now()
        status_code: int | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            secret = webhooks.secret_box(self.ctx).open(delivery.sealed_secret)
        except SecretUnreadable as unreadable:
            error = str(unreadable)
        else:
            body = delivery.payload.encode()
            stamp = int(attempted_at.timestamp())
            headers = {
                "Content-Type": "application/json",
                "X-Facturo-Event-Id": str(delivery.event_id),
                "X-Facturo-Delivery-Id": str(delivery.id),
                "X-Facturo-Topic": delivery.topic,
                "X-Facturo-Attempt": str(delivery.attempts + 1),
                "X-Facturo-Timestamp": str(stamp),
                "X-Facturo-Signature": signature(secret, stamp, body),
            }
            try:
                with self.client.stream(
                    "POST", delivery.url, content=body, headers=headers
                ) as response:
                    status_code = response.status_code
                    if not response.is_success:
                        error = f"HTTP {status_code}" + _answer(response)
            except httpx.HTTPError as failure:
                error = f"{type(failure).__name__}: {failure}".rstrip(": ")
        duration_ms = round((time.perf_counter() - started) * 1000)
        status = webhooks.settle(
            self.ctx,
            delivery,
            attempted_at=attempted_at,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
        log.info(
            "webhook delivery %s (%s) to %s: %s%s",
            delivery.id,
            delivery.topic,
            delivery.url,
            _OUTCOMES[status],
            f" ({error})" if error else "",
        )
        return status

    def close(self) -> None:
        self.client.close()


def _answer(response: httpx.Response) -> str:
    """The start of a refusing receiver's answer, for the log."""
    try:
        for chunk in response.iter_text():
            text = " ".join(chunk.split())[:ANSWER_SHOWN]
            return f": {text}" if text else ""
    except httpx.HTTPError:
        pass
    return ""
