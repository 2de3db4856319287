"""The signing certificate's state machine, automatic expiry and notices (domain only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from facturo.domain.certificates import (
    AUTOMATIC_EXPIRY,
    MANUAL_TRANSITIONS,
    CertificateFacts,
    CertificateRecord,
    CertificateState,
    NoticeKind,
    add_months,
    change_state,
    check_upload_target,
    complete,
    expire,
    new_request,
    notices,
    signing_choice,
)
from facturo.domain.errors import RuleViolations

S = CertificateState
NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
ALLOWED = sorted((a, b) for a, targets in MANUAL_TRANSITIONS.items() for b in targets)
REFUSED = sorted(
    (a, b) for a in S for b in S if b not in MANUAL_TRANSITIONS[a] and b is not S.COMPLETADO
)


def record(state: CertificateState = S.EN_TRAMITE, **values: object) -> CertificateRecord:
    return CertificateRecord(company_id=7, id=3, state=state, **values)  # type: ignore[arg-type]


def active(
    not_before: datetime, not_after: datetime, *, record_id: int = 3, **values: object
) -> CertificateRecord:
    made = record(
        S.COMPLETADO,
        not_before=not_before,
        not_after=not_after,
        sealed_pkcs12="sealed",
        sealed_password="sealed",
        **values,
    )
    made.id = record_id
    return made


def codes(error: RuleViolations) -> list[tuple[str, str]]:
    return [(v.code, v.field) for v in error.violations]


FACTS = CertificateFacts(
    subject="CN=Empresa Demo",
    issuer="CN=AC Pruebas",
    serial_number="123456789012345678901234567890123456789012345678",
    not_before=datetime(2025, 1, 1, 5, tzinfo=UTC),
    not_after=datetime(2027, 1, 1, 5, tzinfo=UTC),
    fingerprint="ab" * 32,
)


# --- the table ---------------------------------------------------------------------------------


def test_the_table_is_the_documented_one() -> None:
    assert (
        sorted(
            [
                (S.EN_TRAMITE, S.ACEPTADO),
                (S.EN_TRAMITE, S.RECHAZADO),
                (S.EN_TRAMITE, S.VENCIDO),
                (S.RECHAZADO, S.EN_TRAMITE),
                (S.RECHAZADO, S.VENCIDO),
                (S.ACEPTADO, S.VENCIDO),
                (S.COMPLETADO, S.VENCIDO),
            ]
        )
        == ALLOWED
    )
    assert MANUAL_TRANSITIONS[S.VENCIDO] == frozenset()


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_change(source: CertificateState, target: CertificateState) -> None:
    made = record(source)
    event = change_state(made, target, "  motivo del cambio  ", user_id=42, now=NOW)
    assert made.state is target
    assert made.observations == "motivo del cambio"
    assert made.updated_at == NOW
    assert (event.company_id, event.certificate_id) == (7, 3)
    assert (event.from_state, event.to_state) == (source, target)
    assert (event.observations, event.user_id, event.at) == ("motivo del cambio", 42, NOW)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_refused_change(source: CertificateState, target: CertificateState) -> None:
    made = record(source, observations="antes")
    with pytest.raises(RuleViolations) as refused:
        change_state(made, target, "por qué", user_id=1, now=NOW)
    assert codes(refused.value) == [("update_not_allowed", "state")]
    message = refused.value.violations[0].message
    assert f"state {source.label} cannot change to {target.label}" in message
    assert (made.state, made.observations, made.updated_at) == (source, "antes", None)


@pytest.mark.parametrize("source", [s for s in S if s is not S.COMPLETADO])
def test_completado_comes_only_from_an_upload(source: CertificateState) -> None:
    made = record(source)
    with pytest.raises(RuleViolations) as refused:
        change_state(made, S.COMPLETADO, None, user_id=None, now=NOW)
    assert codes(refused.value) == [("update_not_allowed", "state")]
    assert "uploaded" in refused.value.violations[0].message
    assert made.state is source


def test_completado_to_completado_is_refused() -> None:
    with pytest.raises(RuleViolations) as refused:
        change_state(record(S.COMPLETADO), S.COMPLETADO, "x", user_id=None, now=NOW)
    assert codes(refused.value) == [("update_not_allowed", "state")]


@pytest.mark.parametrize("observations", [None, "", "   "])
def test_rejected_requires_observations(observations: str | None) -> None:
    made = record(S.EN_TRAMITE)
    with pytest.raises(RuleViolations) as refused:
        change_state(made, S.RECHAZADO, observations, user_id=1, now=NOW)
    assert codes(refused.value) == [("parameter_required", "observations")]
    assert "what must be corrected" in refused.value.violations[0].message
    assert made.state is S.EN_TRAMITE


@pytest.mark.parametrize("source", [S.EN_TRAMITE, S.ACEPTADO, S.RECHAZADO, S.COMPLETADO])
def test_closing_by_hand_requires_observations(source: CertificateState) -> None:
    with pytest.raises(RuleViolations) as refused:
        change_state(record(source), S.VENCIDO, None, user_id=1, now=NOW)
    assert codes(refused.value) == [("parameter_required", "observations")]


def test_accepting_needs_no_observations() -> None:
    made = record(S.EN_TRAMITE, observations="radicado 123")
    event = change_state(made, S.ACEPTADO, None, user_id=None, now=NOW)
    assert made.state is S.ACEPTADO and made.observations is None
    assert event.user_id is None


def test_observations_are_at_most_1000_characters() -> None:
    with pytest.raises(RuleViolations) as refused:
        change_state(record(S.EN_TRAMITE), S.RECHAZADO, "x" * 1001, user_id=1, now=NOW)
    assert codes(refused.value) == [("length_max", "observations")]
    change_state(record(S.EN_TRAMITE), S.RECHAZADO, "x" * 1000, user_id=1, now=NOW)


def test_next_states() -> None:
    assert record(S.EN_TRAMITE).next_states() == (S.ACEPTADO, S.RECHAZADO, S.VENCIDO)
    assert record(S.RECHAZADO).next_states() == (S.EN_TRAMITE, S.VENCIDO)
    assert record(S.COMPLETADO).next_states() == (S.VENCIDO,)
    assert record(S.VENCIDO).next_states() == ()


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("En trámite", S.EN_TRAMITE),
        ("en_tramite", S.EN_TRAMITE),
        ("EN TRAMITE", S.EN_TRAMITE),
        ("en-trámite", S.EN_TRAMITE),
        (" Aceptado ", S.ACEPTADO),
        ("RECHAZADO", S.RECHAZADO),
        ("completado", S.COMPLETADO),
        ("Vencido", S.VENCIDO),
        ("activo", None),
        ("", None),
    ],
)
def test_states_as_people_write_them(text: str, state: CertificateState | None) -> None:
    assert S.parse(text) is state


# --- requests ----------------------------------------------------------------------------------


def test_a_new_request_is_en_tramite() -> None:
    made, event = new_request(7, " solicitud en Andes ", [], user_id=5, now=NOW)
    assert (made.company_id, made.id, made.state) == (7, None, S.EN_TRAMITE)
    assert made.observations == "solicitud en Andes"
    assert (made.created_at, made.updated_at) == (NOW, NOW)
    assert (event.from_state, event.to_state, event.user_id, event.at) == (
        None,
        S.EN_TRAMITE,
        5,
        NOW,
    )


@pytest.mark.parametrize("state", [S.EN_TRAMITE, S.ACEPTADO, S.RECHAZADO])
def test_one_open_request_at_a_time(state: CertificateState) -> None:
    with pytest.raises(RuleViolations) as refused:
        new_request(7, None, [record(state)], user_id=None, now=NOW)
    assert codes(refused.value) == [("already_exists", "")]
    assert f"request 3 is still {state.label}" in refused.value.violations[0].message


# --- uploads -----------------------------------------------------------------------------------


def test_uploading_completes_an_accepted_request() -> None:
    made = record(S.ACEPTADO)
    event = complete(made, FACTS, sealed_pkcs12="p12", sealed_password="pw", user_id=9, now=NOW)
    assert made.state is S.COMPLETADO and made.has_pkcs12
    assert (made.subject, made.issuer, made.serial_number, made.fingerprint) == (
        FACTS.subject,
        FACTS.issuer,
        FACTS.serial_number,
        FACTS.fingerprint,
    )
    assert (made.not_before, made.not_after) == (FACTS.not_before, FACTS.not_after)
    assert (made.sealed_pkcs12, made.sealed_password) == ("p12", "pw")
    assert made.observations == (
        f"Certificado cargado: serial {FACTS.serial_number}, vigente del 2025-01-01 al 2027-01-01"
    )
    assert (event.from_state, event.to_state, event.user_id) == (S.ACEPTADO, S.COMPLETADO, 9)


def test_uploading_again_replaces_the_certificate() -> None:
    made = active(FACTS.not_before, FACTS.not_after)
    event = complete(made, FACTS, sealed_pkcs12="new", sealed_password="pw", user_id=1, now=NOW)
    assert made.sealed_pkcs12 == "new"
    assert (event.from_state, event.to_state) == (S.COMPLETADO, S.COMPLETADO)
    assert (made.observations or "").startswith("Certificado reemplazado")


def test_uploading_without_a_request_makes_a_completed_record() -> None:
    made = CertificateRecord(company_id=7)
    event = complete(made, FACTS, sealed_pkcs12="p", sealed_password="w", user_id=None, now=NOW)
    assert made.state is S.COMPLETADO and made.created_at == NOW
    assert (event.from_state, event.to_state, event.certificate_id) == (None, S.COMPLETADO, 0)


@pytest.mark.parametrize("state", [S.EN_TRAMITE, S.RECHAZADO, S.VENCIDO])
def test_uploading_is_refused_in_other_states(state: CertificateState) -> None:
    assert [(v.code, v.field) for v in check_upload_target(record(state)).violations] == [
        ("update_not_allowed", "state")
    ]
    made = record(state)
    with pytest.raises(RuleViolations):
        complete(made, FACTS, sealed_pkcs12="p", sealed_password="w", user_id=None, now=NOW)
    assert made.state is state and not made.has_pkcs12


# --- automatic expiry --------------------------------------------------------------------------


def test_a_completed_certificate_expires_automatically() -> None:
    end = datetime(2025, 3, 1, tzinfo=UTC)
    made = active(end - timedelta(days=365), end)
    assert expire(made, end) is None  # still valid at its last instant
    assert made.state is S.COMPLETADO
    later = end + timedelta(seconds=1)
    event = expire(made, later)
    assert event is not None
    assert made.state is S.VENCIDO and made.observations == AUTOMATIC_EXPIRY
    assert (event.from_state, event.to_state, event.user_id, event.at) == (
        S.COMPLETADO,
        S.VENCIDO,
        None,
        later,
    )
    assert event.observations == "Vencido automáticamente"
    assert expire(made, later) is None  # once


@pytest.mark.parametrize("state", [S.EN_TRAMITE, S.ACEPTADO, S.RECHAZADO, S.VENCIDO])
def test_only_completed_certificates_expire(state: CertificateState) -> None:
    made = record(state, not_after=NOW - timedelta(days=10))
    assert expire(made, NOW) is None
    assert made.state is state


def test_signing_uses_the_newest_valid_certificate() -> None:
    old = active(NOW - timedelta(days=300), NOW + timedelta(days=60), record_id=1)
    renewal = active(NOW - timedelta(days=5), NOW + timedelta(days=730), record_id=2)
    future = active(NOW + timedelta(days=1), NOW + timedelta(days=800), record_id=3)
    expired = active(NOW - timedelta(days=800), NOW - timedelta(days=1), record_id=4)
    no_file = active(NOW - timedelta(days=1), NOW + timedelta(days=9), record_id=5)
    no_file.sealed_pkcs12 = None
    assert signing_choice([old, renewal, future, expired, no_file], NOW) is renewal
    assert signing_choice([old, future], NOW) is old
    assert signing_choice([future, expired, no_file], NOW) is None
    closed = active(NOW - timedelta(days=5), NOW + timedelta(days=5))
    closed.state = S.VENCIDO
    assert signing_choice([closed], NOW) is None


# --- notices -----------------------------------------------------------------------------------

START = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # 12:00 in Colombia
END = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


def kinds(today: date, *records: CertificateRecord) -> list[NoticeKind]:
    return [n.kind for n in notices(records, today)]


def test_tracking_notice_in_the_first_11_months() -> None:
    certificate = active(START, END)
    for months in (0, 10):
        found = notices([certificate], add_months(date(2025, 1, 15), months))
        assert [n.kind for n in found] == [NoticeKind.TRACKING]
        assert found[0].certificate_id == 3
        assert found[0].message == (
            "Tu certificado digital está activo hasta el 2026-01-15: consulta su estado en "
            "Seguimiento certificado digital."
        )
    assert kinds(date(2025, 12, 14), certificate) == [NoticeKind.TRACKING]


def test_expiring_notice_after_11_months() -> None:
    certificate = active(START, END)
    found = notices([certificate], date(2025, 12, 15))  # 11 months
    assert [n.kind for n in found] == [NoticeKind.EXPIRING]
    assert found[0].message.startswith("Tu certificado digital vence el 2026-01-15 (en 31 días)")
    assert "hoy" in notices([certificate], date(2026, 1, 15))[0].message  # 12 months: last day


def test_expired_notice_at_12_months() -> None:
    certificate = active(START, END)
    found = notices([certificate], date(2026, 1, 16))
    assert [n.kind for n in found] == [NoticeKind.EXPIRED]
    assert found[0].message.startswith("Tu certificado digital venció el 2026-01-15")
    assert "nueva solicitud" in found[0].message
    expire(certificate, END + timedelta(seconds=1))
    assert kinds(date(2026, 1, 16), certificate) == [NoticeKind.EXPIRED]


def test_a_two_year_certificate_is_quiet_between_tracking_and_renewal() -> None:
    certificate = active(START, START + timedelta(days=730))
    assert kinds(date(2025, 12, 15), certificate) == []
    assert kinds(date(2026, 12, 1), certificate) == [NoticeKind.EXPIRING]


def test_request_notices() -> None:
    in_progress = notices([record(S.EN_TRAMITE)], date(2025, 3, 1))
    assert [n.kind for n in in_progress] == [NoticeKind.IN_PROGRESS]
    assert in_progress[0].message.startswith("Tu certificado digital está en trámite")
    assert "8 días hábiles" in in_progress[0].message
    rejected = notices([record(S.RECHAZADO, observations="RUT ilegible")], date(2025, 3, 1))
    assert [n.kind for n in rejected] == [NoticeKind.REJECTED]
    assert rejected[0].message.endswith("Observaciones: RUT ilegible")
    assert kinds(date(2025, 3, 1), record(S.ACEPTADO)) == [NoticeKind.ACCEPTED]


def test_an_expired_certificate_needs_no_notice_once_renewed() -> None:
    old = active(START, END, record_id=1)
    old.state = S.VENCIDO
    renewal = active(END - timedelta(days=10), END + timedelta(days=365), record_id=2)
    assert kinds(date(2026, 2, 1), old, renewal) == [NoticeKind.TRACKING]
    request = record(S.EN_TRAMITE)
    request.id = 5
    assert kinds(date(2026, 2, 1), old, request) == [NoticeKind.IN_PROGRESS]


def test_add_months_keeps_the_day_or_takes_the_last() -> None:
    assert add_months(date(2025, 1, 15), 11) == date(2025, 12, 15)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
