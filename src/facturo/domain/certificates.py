"""The company's own signing certificate ("certificado digital propio") and the request that
obtains it (shared/spec/help-certificate-tracking.txt), as a state machine with a history.

A company may keep several records over time: each one is a request to the certification
authority and, once issued, the certificate it produced. Every change of state is an event
(from, to, observations, user, moment).

States and the changes allowed (anything else is refused):

==============  ==============================  ====================================================
from            to                              how
==============  ==============================  ====================================================
(new)           En trámite                      a new request (observations optional)
(new)           Completado                      uploading a PKCS#12 obtained outside the tracking
En trámite      Aceptado                        the authority accepted the request
En trámite      Rechazado                       observations required: what to correct
Rechazado       En trámite                      corrected and submitted again
Aceptado        Completado                      only by uploading the PKCS#12, whose checks pass
Completado      Completado                      uploading a replacement PKCS#12 (same record)
Completado      Vencido                         automatically once ``not_after`` has passed
                                                ("Vencido automáticamente", no user); or by hand
                                                (revoked, lost key), observations required
En trámite,     Vencido                         by hand, observations required: a request given
Aceptado,                                       up is closed
Rechazado
Vencido         —                               terminal: a new request is a new record
==============  ==============================  ====================================================

Only one request may be open (En trámite, Aceptado or Rechazado) at a time. Several records
may be Completado at once (a renewal issued before the old certificate expires); documents are
signed with the one that started most recently among those valid at the signing time.

``notices`` computes the messages the help describes: a request in progress, an active
certificate in its first 11 months of validity (pointing to the tracking), one about to
expire, and an expired one that needs a new request.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from facturo.domain.calendar import colombian_date
from facturo.domain.validation import Checker

MAX_OBSERVATIONS_LENGTH = 1000
AUTOMATIC_EXPIRY = "Vencido automáticamente"
TRACKING_MONTHS = 11  # the help shows the tracking message in a certificate's first 11 months
RENEWAL_NOTICE_DAYS = 45  # after those months, warn this many days before the expiry


class CertificateState(StrEnum):
    EN_TRAMITE = "en_tramite"
    ACEPTADO = "aceptado"
    RECHAZADO = "rechazado"
    COMPLETADO = "completado"
    VENCIDO = "vencido"

    @property
    def label(self) -> str:
        """As Siigo's screen writes it."""
        return _LABELS[self]

    @property
    def is_open_request(self) -> bool:
        return self in OPEN_REQUEST_STATES

    @classmethod
    def parse(cls, text: str) -> CertificateState | None:
        """A state as people write it: ``En trámite``, ``en_tramite``, ``EN TRAMITE``,
        ``aceptado`` …; None when it names none."""
        plain = unicodedata.normalize("NFKD", text.strip().lower())
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        plain = plain.replace(" ", "_").replace("-", "_")
        try:
            return cls(plain)
        except ValueError:
            return None


_LABELS = {
    CertificateState.EN_TRAMITE: "En trámite",
    CertificateState.ACEPTADO: "Aceptado",
    CertificateState.RECHAZADO: "Rechazado",
    CertificateState.COMPLETADO: "Completado",
    CertificateState.VENCIDO: "Vencido",
}

OPEN_REQUEST_STATES = frozenset(
    {CertificateState.EN_TRAMITE, CertificateState.ACEPTADO, CertificateState.RECHAZADO}
)

# The changes of state a user may ask for (change_state). Completado is reached by upload only.
MANUAL_TRANSITIONS: dict[CertificateState, frozenset[CertificateState]] = {
    CertificateState.EN_TRAMITE: frozenset(
        {CertificateState.ACEPTADO, CertificateState.RECHAZADO, CertificateState.VENCIDO}
    ),
    CertificateState.RECHAZADO: frozenset({CertificateState.EN_TRAMITE, CertificateState.VENCIDO}),
    CertificateState.ACEPTADO: frozenset({CertificateState.VENCIDO}),
    CertificateState.COMPLETADO: frozenset({CertificateState.VENCIDO}),
    CertificateState.VENCIDO: frozenset(),
}
# The states a PKCS#12 may be uploaded in (to a record that exists).
UPLOADABLE_STATES = frozenset({CertificateState.ACEPTADO, CertificateState.COMPLETADO})
# Changing to these needs observations: why it was rejected, why it was closed by hand.
OBSERVATIONS_REQUIRED = frozenset({CertificateState.RECHAZADO, CertificateState.VENCIDO})


@dataclass(frozen=True, kw_only=True)
class CertificateFacts:
    """What a checked PKCS#12 says about its certificate."""

    subject: str
    issuer: str
    serial_number: str  # decimal: Colombian CAs issue serials of about 48 digits
    not_before: datetime
    not_after: datetime
    fingerprint: str  # SHA-256 of the DER certificate, hex


@dataclass(kw_only=True, eq=False)
class CertificateRecord:
    """One request and, once uploaded, the certificate it produced."""

    company_id: int
    id: int | None = None
    state: CertificateState = CertificateState.EN_TRAMITE
    observations: str | None = None
    sealed_pkcs12: str | None = None  # base64 of the .p12, sealed
    sealed_password: str | None = None
    subject: str | None = None
    issuer: str | None = None
    serial_number: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    fingerprint: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def has_pkcs12(self) -> bool:
        return self.sealed_pkcs12 is not None

    def expiry_due(self, now: datetime) -> bool:
        """A Completado certificate whose validity ended before ``now``."""
        return (
            self.state is CertificateState.COMPLETADO
            and self.not_after is not None
            and self.not_after < now
        )

    def valid_at(self, moment: datetime) -> bool:
        """Completado and inside its validity at ``moment``."""
        return (
            self.state is CertificateState.COMPLETADO
            and self.not_before is not None
            and self.not_after is not None
            and self.not_before <= moment <= self.not_after
        )

    def next_states(self) -> tuple[CertificateState, ...]:
        """What a user may change the state to (Completado is reached by uploading)."""
        return tuple(s for s in CertificateState if s in MANUAL_TRANSITIONS[self.state])


@dataclass(frozen=True, kw_only=True)
class CertificateEvent:
    company_id: int
    certificate_id: int
    from_state: CertificateState | None  # None: the record was created
    to_state: CertificateState
    observations: str | None
    user_id: int | None  # None: the operator at the CLI, or the clock
    at: datetime
    id: int | None = None


def clean_observations(text: str | None) -> str | None:
    return (text or "").strip() or None


def check_observations(check: Checker, observations: str | None) -> None:
    check.max_length(observations, MAX_OBSERVATIONS_LENGTH, "observations")


def new_request(
    company_id: int,
    observations: str | None,
    open_requests: Sequence[CertificateRecord],
    *,
    user_id: int | None,
    now: datetime,
) -> tuple[CertificateRecord, CertificateEvent]:
    """A new request, En trámite. Refused while another request is open: a rejected one is
    corrected and submitted again, not replaced."""
    observations = clean_observations(observations)
    check = Checker()
    check_observations(check, observations)
    for other in open_requests:
        check.add(
            "already_exists",
            "",
            f"The certificate request {other.id} is still {other.state.label}: follow it up "
            "(or close it as Vencido) before requesting another",
        )
    check.raise_if_any()
    record = CertificateRecord(
        company_id=company_id,
        state=CertificateState.EN_TRAMITE,
        observations=observations,
        created_at=now,
        updated_at=now,
    )
    return record, _event(record, None, user_id=user_id, at=now)


def change_state(
    record: CertificateRecord,
    to_state: CertificateState,
    observations: str | None,
    *,
    user_id: int | None,
    now: datetime,
) -> CertificateEvent:
    """Moves ``record`` to ``to_state`` as a user asked, or raises every reason it cannot."""
    observations = clean_observations(observations)
    check = Checker()
    check_observations(check, observations)
    current = record.state
    if to_state is CertificateState.COMPLETADO and current is not CertificateState.COMPLETADO:
        check.add(
            "update_not_allowed",
            "state",
            "A certificate becomes Completado when its PKCS#12 is uploaded and passes the checks"
            + (
                ""
                if current is CertificateState.ACEPTADO
                else "; the request must be Aceptado first"
            ),
        )
    elif to_state not in MANUAL_TRANSITIONS[current]:
        allowed = ", ".join(s.label for s in record.next_states()) or "nothing (it is final)"
        check.add(
            "update_not_allowed",
            "state",
            f"A certificate in state {current.label} cannot change to {to_state.label}; "
            f"it can change to: {allowed}",
        )
    elif to_state in OBSERVATIONS_REQUIRED and observations is None:
        why = (
            "what must be corrected"
            if to_state is CertificateState.RECHAZADO
            else "why it is closed before its expiry"
        )
        check.add(
            "parameter_required",
            "observations",
            f"The field {{field}} is required to change to {to_state.label}: say {why}",
        )
    check.raise_if_any()
    from_state = record.state
    record.state = to_state
    record.observations = observations
    record.updated_at = now
    return _event(record, from_state, user_id=user_id, at=now)


def check_upload_target(record: CertificateRecord | None) -> Checker:
    """Whether a PKCS#12 may be uploaded to ``record`` (None: a new record)."""
    check = Checker()
    if record is not None and record.state not in UPLOADABLE_STATES:
        hint = {
            CertificateState.EN_TRAMITE: "mark the request Aceptado first",
            CertificateState.RECHAZADO: "correct and resubmit the request; it must be Aceptado",
            CertificateState.VENCIDO: "a Vencido record is final: upload it as a new certificate",
        }.get(record.state, "")
        check.add(
            "update_not_allowed",
            "state",
            f"A certificate cannot be uploaded to a record in state {record.state.label}: {hint}",
        )
    return check


def complete(
    record: CertificateRecord,
    facts: CertificateFacts,
    *,
    sealed_pkcs12: str,
    sealed_password: str,
    user_id: int | None,
    now: datetime,
) -> CertificateEvent:
    """Stores a checked certificate in ``record`` (Aceptado, Completado, or new with id None)
    and makes it Completado."""
    check_upload_target(record if record.id is not None else None).raise_if_any()
    from_state = None if record.id is None else record.state
    replacing = from_state is CertificateState.COMPLETADO
    record.state = CertificateState.COMPLETADO
    record.sealed_pkcs12 = sealed_pkcs12
    record.sealed_password = sealed_password
    record.subject = facts.subject
    record.issuer = facts.issuer
    record.serial_number = facts.serial_number
    record.not_before = facts.not_before
    record.not_after = facts.not_after
    record.fingerprint = facts.fingerprint
    verb = "reemplazado" if replacing else "cargado"
    record.observations = (
        f"Certificado {verb}: serial {facts.serial_number}, vigente del "
        f"{colombian_date(facts.not_before).isoformat()} al "
        f"{colombian_date(facts.not_after).isoformat()}"
    )
    record.updated_at = now
    if record.created_at is None:
        record.created_at = now
    return _event(record, from_state, user_id=user_id, at=now)


def expire(record: CertificateRecord, now: datetime) -> CertificateEvent | None:
    """Vencido automatically once the validity ended; None if it is not due."""
    if not record.expiry_due(now):
        return None
    record.state = CertificateState.VENCIDO
    record.observations = AUTOMATIC_EXPIRY
    record.updated_at = now
    return _event(record, CertificateState.COMPLETADO, user_id=None, at=now)


def _event(
    record: CertificateRecord,
    from_state: CertificateState | None,
    *,
    user_id: int | None,
    at: datetime,
) -> CertificateEvent:
    return CertificateEvent(
        company_id=record.company_id,
        certificate_id=record.id or 0,  # a new record's id is filled in when it is stored
        from_state=from_state,
        to_state=record.state,
        observations=record.observations,
        user_id=user_id,
        at=at,
    )


def with_certificate_id(event: CertificateEvent, certificate_id: int) -> CertificateEvent:
    return replace(event, certificate_id=certificate_id)


def signing_choice(records: Iterable[CertificateRecord], at: datetime) -> CertificateRecord | None:
    """The record documents signed at ``at`` use: Completado, valid at ``at``, the one that
    started most recently (a renewal takes over from the certificate it renews)."""
    valid = [r for r in records if r.valid_at(at) and r.has_pkcs12]
    if not valid:
        return None
    return max(valid, key=lambda r: (r.not_before or at, r.id or 0))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class NoticeKind(StrEnum):
    IN_PROGRESS = "in_progress"  # En trámite
    ACCEPTED = "accepted"  # Aceptado: the PKCS#12 is awaited
    REJECTED = "rejected"  # Rechazado: correct and resubmit
    TRACKING = "tracking"  # active, in its first 11 months
    EXPIRING = "expiring"  # active, expires soon
    EXPIRED = "expired"  # nothing active and the last certificate expired: request a new one


@dataclass(frozen=True, kw_only=True)
class Notice:
    kind: NoticeKind
    certificate_id: int | None
    message: str


def notices(certificates: Iterable[CertificateRecord], today: date) -> list[Notice]:
    """The messages a company sees about its certificates on ``today`` (a Colombian date),
    newest record first."""
    records = sorted(certificates, key=lambda r: r.id or 0, reverse=True)
    found: list[Notice] = []
    for record in records:
        notice = _notice(record, today)
        if notice is not None:
            found.append(notice)
    has_active = any(_active_on(r, today) for r in records)
    has_open = any(r.state.is_open_request for r in records)
    if not has_active and not has_open:
        expired = next((r for r in records if _expired_on(r, today)), None)
        if expired is not None:
            ended = colombian_date(expired.not_after).isoformat() if expired.not_after else ""
            found.append(
                Notice(
                    kind=NoticeKind.EXPIRED,
                    certificate_id=expired.id,
                    message=(
                        f"Tu certificado digital venció el {ended}: genera una nueva solicitud "
                        "de certificado digital para seguir firmando tus facturas electrónicas."
                    ),
                )
            )
    return found


def _active_on(record: CertificateRecord, today: date) -> bool:
    return (
        record.state is CertificateState.COMPLETADO
        and record.not_after is not None
        and colombian_date(record.not_after) >= today
    )


def _expired_on(record: CertificateRecord, today: date) -> bool:
    if record.not_after is None:
        return False
    if record.state is CertificateState.VENCIDO:
        return True
    return record.state is CertificateState.COMPLETADO and colombian_date(record.not_after) < today


def _notice(record: CertificateRecord, today: date) -> Notice | None:
    state = record.state
    if state is CertificateState.EN_TRAMITE:
        return Notice(
            kind=NoticeKind.IN_PROGRESS,
            certificate_id=record.id,
            message=(
                "Tu certificado digital está en trámite: después de realizar la validación de "
                "identidad que se enviará a tu correo, consulta el estado de tu solicitud en un "
                "plazo máximo de 8 días hábiles."
            ),
        )
    if state is CertificateState.ACEPTADO:
        return Notice(
            kind=NoticeKind.ACCEPTED,
            certificate_id=record.id,
            message=(
                "La solicitud de tu certificado digital fue aceptada: cuando lo recibas, carga el "
                "archivo PKCS#12 (.p12 o .pfx) para completarla."
            ),
        )
    if state is CertificateState.RECHAZADO:
        why = f" Observaciones: {record.observations}" if record.observations else ""
        return Notice(
            kind=NoticeKind.REJECTED,
            certificate_id=record.id,
            message=(
                "La solicitud de tu certificado digital fue rechazada: corrige los documentos "
                f"anexados y envíala nuevamente.{why}"
            ),
        )
    if not _active_on(record, today) or record.not_before is None or record.not_after is None:
        return None
    start = colombian_date(record.not_before)
    end = colombian_date(record.not_after)
    if today < add_months(start, TRACKING_MONTHS):
        return Notice(
            kind=NoticeKind.TRACKING,
            certificate_id=record.id,
            message=(
                f"Tu certificado digital está activo hasta el {end.isoformat()}: consulta su "
                "estado en Seguimiento certificado digital."
            ),
        )
    days_left = (end - today).days
    if days_left <= RENEWAL_NOTICE_DAYS:
        return Notice(
            kind=NoticeKind.EXPIRING,
            certificate_id=record.id,
            message=(
                f"Tu certificado digital vence el {end.isoformat()} ({_days(days_left)}): "
                "solicita uno nuevo a tiempo para no interrumpir tu facturación electrónica."
            ),
        )
    return None


def _days(count: int) -> str:
    if count == 0:
        return "hoy"
    return "en 1 día" if count == 1 else f"en {count} días"
