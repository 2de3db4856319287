from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from facturo.domain.access import Actor, Permission, UserType, grants
from facturo.domain.errors import PermissionDenied, RuleViolations, Violation
from facturo.domain.users import (
    SignInThrottle,
    User,
    UserData,
    check_password,
    check_user,
    normalize_username,
)
from facturo.domain.validation import Checker

NOW = datetime(2024, 5, 10, 15, 0, tzinfo=UTC)
LOCK = timedelta(minutes=15)


def fail(throttle: SignInThrottle, times: int, at: datetime = NOW) -> None:
    for _ in range(times):
        throttle.record_failure(at, threshold=5, lock_for=LOCK)


def new_throttle() -> SignInThrottle:
    return SignInThrottle(company_key="empresa", username="ana@empresa.co")


def test_four_failures_do_not_lock() -> None:
    throttle = new_throttle()
    fail(throttle, 4)
    assert throttle.failures == 4
    assert not throttle.is_locked(NOW)


def test_fifth_failure_locks_for_the_configured_time() -> None:
    throttle = new_throttle()
    fail(throttle, 5)
    assert throttle.locked_until == NOW + LOCK
    assert throttle.last_failure_at == NOW
    assert throttle.is_locked(NOW + LOCK - timedelta(seconds=1))
    assert not throttle.is_locked(NOW + LOCK)


def test_threshold_is_a_parameter() -> None:
    throttle = new_throttle()
    throttle.record_failure(NOW, threshold=1, lock_for=timedelta(minutes=3))
    assert throttle.is_locked(NOW)
    assert throttle.locked_until == NOW + timedelta(minutes=3)


def test_failure_after_the_lock_expired_starts_a_fresh_count() -> None:
    throttle = new_throttle()
    fail(throttle, 5)
    later = NOW + LOCK + timedelta(seconds=1)
    fail(throttle, 1, at=later)
    assert throttle.failures == 1
    assert throttle.locked_until is None
    assert not throttle.is_locked(later)


def test_success_resets_failures_and_lock() -> None:
    throttle = new_throttle()
    fail(throttle, 5)
    throttle.record_success()
    assert throttle.failures == 0
    assert throttle.locked_until is None
    assert not throttle.is_locked(NOW)
    fail(throttle, 4)
    assert not throttle.is_locked(NOW)


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (timedelta(0), 15),
        (timedelta(seconds=1), 15),
        (timedelta(minutes=1), 14),
        (timedelta(minutes=14, seconds=1), 1),
        (timedelta(minutes=14, seconds=59), 1),
    ],
)
def test_minutes_left_rounds_up(elapsed: timedelta, minutes: int) -> None:
    throttle = new_throttle()
    fail(throttle, 5)
    assert throttle.minutes_left(NOW + elapsed) == minutes


def test_minutes_left_without_lock_is_zero() -> None:
    assert new_throttle().minutes_left(NOW) == 0


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", "length_min"),
        ("corta12", "length_min"),
        ("x" * 129, "length_max"),
        ("        ", "invalid_value"),
        ("aaaaaaaa", "invalid_value"),
        ("abcabcabc", "invalid_value"),
    ],
)
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    check = check_password(password, "admin_password")
    assert [(v.code, v.field) for v in check.violations] == [(code, "admin_password")]


@pytest.mark.parametrize("password", ["clave-admin-2024", "abcd1234", "x" * 124 + "abcd"])
def test_reasonable_passwords_pass(password: str) -> None:
    assert check_password(password).violations == []


def user_data(**changes: object) -> UserData:
    values: dict[str, object] = {
        "username": "ana@empresa.co",
        "user_type": UserType.LITE,
        "identification": "1020304050",
        "first_name": "Ana",
        "last_name": "Pérez",
        "email": "ana@empresa.co",
    }
    values.update(changes)
    return UserData(**values)  # type: ignore[arg-type]


def test_valid_user_passes() -> None:
    assert check_user(user_data()).violations == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"username": ""}, ("parameter_required", "username")),
        ({"username": "ana perez"}, ("invalid_value", "username")),
        ({"identification": " "}, ("parameter_required", "identification")),
        ({"first_name": ""}, ("parameter_required", "first_name")),
        ({"last_name": "x" * 51}, ("length_max", "last_name")),
        ({"email": "ana@"}, ("invalid_email", "email")),
    ],
)
def test_user_field_rules(changes: dict[str, object], expected: tuple[str, str]) -> None:
    assert [(v.code, v.field) for v in check_user(user_data(**changes)).violations] == [expected]


def test_usernames_compare_without_case_or_spaces() -> None:
    assert normalize_username("  Ana@Empresa.CO ") == "ana@empresa.co"


def test_revoking_tokens_bumps_the_version() -> None:
    user = User(company_id=1, password_hash="x", **vars(user_data()))
    before = user.token_version
    user.revoke_tokens()
    assert user.token_version == before + 1


@pytest.mark.parametrize(
    ("user_type", "number", "label"),
    [
        (UserType.FULL, 1, "Usuario con acceso"),
        (UserType.LITE, 2, "Usuario lite"),
        (UserType.PAYROLL, 3, "Gestor de nómina"),
    ],
)
def test_user_types_carry_siigo_numbers(user_type: UserType, number: int, label: str) -> None:
    assert user_type.siigo_number == number
    assert user_type.label == label


P = Permission
PERMISSION_MATRIX = {
    UserType.FULL: set(Permission),
    UserType.LITE: {P.MASTER_DATA_READ, P.CUSTOMERS_CREATE, P.INVOICES_CREATE},
    UserType.PAYROLL: {P.MASTER_DATA_READ},
}


@pytest.mark.parametrize("user_type", list(UserType))
def test_grants_follow_the_matrix(user_type: UserType) -> None:
    assert set(grants(user_type)) == PERMISSION_MATRIX[user_type]


@pytest.mark.parametrize(
    ("user_type", "permission"),
    [(t, p) for t in UserType for p in Permission],
    ids=lambda value: str(value),
)
def test_actor_can_exactly_what_its_type_grants(user_type: UserType, permission: P) -> None:
    actor = Actor(company_id=1, user_id=7, user_type=user_type)
    allowed = permission in PERMISSION_MATRIX[user_type]
    assert actor.can(permission) is allowed
    if allowed:
        actor.require(permission)
    else:
        with pytest.raises(PermissionDenied):
            actor.require(permission)


@pytest.mark.parametrize(
    ("user_type", "words"),
    [(UserType.LITE, "lite"), (UserType.PAYROLL, "gestor de nómina")],
)
def test_denial_tells_the_user_to_ask_the_administrator(user_type: UserType, words: str) -> None:
    actor = Actor(company_id=1, user_id=7, user_type=user_type)
    with pytest.raises(PermissionDenied) as denied:
        actor.require(Permission.MASTER_DATA_WRITE)
    assert words in denied.value.message
    assert "administrador" in denied.value.message


def test_operator_may_do_everything() -> None:
    operator = Actor.operator(3)
    assert (operator.company_id, operator.user_id, operator.user_type) == (3, None, None)
    assert all(operator.can(permission) for permission in Permission)


def test_checker_collects_every_violation_in_order() -> None:
    check = Checker()
    assert check.required(None, "a") is False
    assert check.required("  ", "b") is False
    assert check.required([], "c") is False
    assert check.required("x", "d") is True
    assert check.required(0, "e") is True
    check.max_length("abcd", 3, "f")
    check.max_length("abc", 3, "g")
    assert [(v.code, v.field) for v in check.violations] == [
        ("parameter_required", "a"),
        ("parameter_required", "b"),
        ("parameter_required", "c"),
        ("length_max", "f"),
    ]
    assert check.has_errors_on("f")
    assert not check.has_errors_on("g")


def test_checker_number_rules() -> None:
    check = Checker()
    check.not_negative(Decimal("-0.01"), "negative")
    check.not_negative(Decimal(0), "zero")
    check.max_decimals(Decimal("1.125"), 2, "three_places")
    check.max_decimals(Decimal("1.1200"), 2, "trailing_zeros")
    check.max_decimals(Decimal("1E+3"), 0, "exponent")
    check.one_of(2, (0, 1), "gender")
    check.one_of(None, (0, 1), "absent")
    check.matches("abc", re.compile(r"\d+"), "digits", "invalid_code")
    check.matches("", re.compile(r"\d+"), "empty", "invalid_code")
    assert [(v.code, v.field) for v in check.violations] == [
        ("invalid_amount", "negative"),
        ("invalid_amount", "three_places"),
        ("invalid_value", "gender"),
        ("invalid_code", "digits"),
    ]
    assert check.violations[2].render("Gender") == "The field Gender must be one of: 0, 1"


def test_checker_extend_prefixes_fields() -> None:
    check = Checker()
    check.extend([Violation("length_min", "password", "m")], prefix="admin_")
    assert check.violations == [Violation("length_min", "admin_password", "m")]


def test_raise_if_any_carries_all_violations() -> None:
    check = Checker()
    check.raise_if_any()
    check.add("invalid_value", "x", "The field {field} is wrong")
    check.add("parameter_required", "y", "The field {field} is required")
    with pytest.raises(RuleViolations) as raised:
        check.raise_if_any()
    assert [v.field for v in raised.value.violations] == ["x", "y"]
    assert str(raised.value) == "The field x is wrong; The field y is required"


def test_rule_violations_need_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RuleViolations([])
