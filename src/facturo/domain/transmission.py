"""Sending electronic documents to the DIAN: the states a document goes through and the
contingency rules for retrying.

    pending ──send──▶ accepted | rejected
       │  └──answer lost (timeout)──▶ sent ──GetStatus──▶ accepted | rejected | pending
       └──transport failures──▶ pending (3 tries, 20 s apart) ──▶ contingency (every 30 min,
                                  for 48 h after the first failure, then it waits for a person)
    pending ──local XSD/keys check fails──▶ invalid (never sent; the reason is shown)

A document is signed once: the signed XML is stored before the first send and every retry
sends those same bytes, so the DIAN never sees a second CUFE for one number. "Procesado
anteriormente" and a lost answer are both settled by asking GetStatus for that CUFE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class TransmissionState(StrEnum):
    PENDING = "pending"  # waiting for its (next) send
    SENT = "sent"  # posted, answer lost: GetStatus settles it
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONTINGENCY = "contingency"  # the DIAN unreachable after the quick retries
    INVALID = "invalid"  # refused locally before sending

    @property
    def final(self) -> bool:
        return self in (
            TransmissionState.ACCEPTED,
            TransmissionState.REJECTED,
            TransmissionState.INVALID,
        )

    @property
    def stamp_status(self) -> str:
        """The current API's ``stamp.status``: Draft until the DIAN decides."""
        if self is TransmissionState.ACCEPTED:
            return "Accepted"
        if self in (TransmissionState.REJECTED, TransmissionState.INVALID):
            return "Rejected"
        return "Draft"


class DeliveryState(StrEnum):
    """Delivery of the AttachedDocument to the buyer by e-mail."""

    NONE = "none"  # not requested, or nobody to send it to
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # retries exhausted; a person can ask again


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """DIAN's contingency rules: three quick tries, then every half hour for 48 hours."""

    quick_tries: int = 3
    quick_interval: timedelta = timedelta(seconds=20)
    slow_interval: timedelta = timedelta(minutes=30)
    window: timedelta = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Retry:
    state: TransmissionState
    next_attempt_at: datetime | None  # None: no more automatic tries


def after_transport_failure(
    policy: RetryPolicy, *, failures: int, first_failure_at: datetime, now: datetime
) -> Retry:
    """What follows the ``failures``-th consecutive transport failure."""
    if failures < policy.quick_tries:
        return Retry(TransmissionState.PENDING, now + policy.quick_interval)
    following = now + policy.slow_interval
    if following > first_failure_at + policy.window:
        return Retry(TransmissionState.CONTINGENCY, None)
    return Retry(TransmissionState.CONTINGENCY, following)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    tries: int = 5
    first_interval: timedelta = timedelta(minutes=1)

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """Doubling waits (1, 2, 4, 8 minutes); None once ``tries`` are spent."""
        if attempts >= self.tries:
            return None
        wait: timedelta = self.first_interval * (2 ** (attempts - 1))
        return now + wait


_RULE = re.compile(r"Regla:\s*([A-Za-z0-9]+)")
ALREADY_PROCESSED_RULE = "90"


def rule_codes(messages: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The DIAN rule codes in its messages ("Regla: FAD06, Rechazo: …" → FAD06)."""
    found: list[str] = []
    for message in messages:
        match = _RULE.search(message)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return tuple(found)


def already_processed(messages: tuple[str, ...] | list[str]) -> bool:
    """Whether the DIAN refused the document because it already has it."""
    return ALREADY_PROCESSED_RULE in rule_codes(messages) or any(
        "procesado anteriormente" in message.lower() for message in messages
    )


@dataclass(frozen=True, slots=True)
class Transmission:
    """Where a document stands with the DIAN (the signed XML and the DIAN's answer are read
    apart: they are large)."""

    company_id: int
    document_id: int
    state: TransmissionState
    attempts: int
    next_attempt_at: datetime | None
    document_key: str | None  # CUFE or CUDE, fixed when the document was signed
    file_name: str | None
    signed_at: datetime | None
    status_code: str | None
    status_description: str | None
    messages: tuple[str, ...]
    last_error: str | None
    accepted_at: datetime | None
    delivery_state: DeliveryState
    delivery_to: str | None
    delivery_attempts: int
    delivery_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def rule_codes(self) -> tuple[str, ...]:
        return rule_codes(self.messages)

    @property
    def errors(self) -> list[str]:
        """Why the DIAN (or the local check before sending) refused the document."""
        if self.state.stamp_status == "Rejected":
            return list(self.messages) or [self.last_error or self.status_description or "Refused"]
        return []

    @property
    def observations(self) -> str:
        """Where the document stands, in a sentence."""
        if self.state.stamp_status == "Accepted":
            return self.status_description or ""
        if self.last_error:
            return self.last_error
        return _OBSERVATIONS.get(self.state, self.status_description or "")


_OBSERVATIONS = {
    TransmissionState.PENDING: "Waiting to be sent to the DIAN",
    TransmissionState.SENT: "Sent; waiting for the DIAN's answer",
    TransmissionState.CONTINGENCY: (
        "The DIAN cannot be reached; sending again under the contingency rules"
    ),
}


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: datetime
    action: str  # sign, send, status, deliver
    outcome: str
    status_code: str | None
    detail: str | None
    duration_ms: int
