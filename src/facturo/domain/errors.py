"""The exceptions Facturo raises on purpose, and rule violations as data.

Every error a client can cause is one of these. Each face renders them in its own
dialect (legacy Siigo, current Siigo, OAuth2, the web app, the CLI); anything else that
escapes is a bug.

    FacturoError
    ├── RuleViolations       the request breaks one or more business rules (400)
    ├── NotFound             no such record in the caller's company (404)
    ├── PermissionDenied     the user's type does not allow the action (403)
    ├── AuthenticationFailed wrong credentials, locked, inactive, bad token (401/400)
    ├── Conflict             the request collides with one still in progress (409)
    └── Unavailable          the database is too busy right now; retrying later works (503)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule.

    ``code`` is the error code of the Siigo catalogue (``parameter_required``,
    ``already_exists``, ...). ``field`` is the dotted domain path of the offending value
    (``"phone.number"``, ``"contacts.2.email"``) or ``""`` for the record as a whole.
    ``message`` may contain ``{field}``, which each face replaces with its own name for
    the field, so one violation reads naturally in every dialect.
    """

    code: str
    field: str
    message: str
    detail: str | None = None

    def render(self, field_name: str) -> str:
        return self.message.replace("{field}", field_name)


class FacturoError(Exception):
    """Base class of every error Facturo raises on purpose."""


class RuleViolations(FacturoError):
    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        if not self.violations:
            raise ValueError("RuleViolations needs at least one violation")
        super().__init__("; ".join(v.render(v.field or "record") for v in self.violations))


class NotFound(FacturoError):
    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"The {entity} {key} was not found")


class PermissionDenied(FacturoError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class AuthenticationFailed(FacturoError):
    """Credentials or a token were refused. ``message`` is safe to show to the caller."""

    def __init__(self, message: str, *, reason: str = "invalid_credentials") -> None:
        self.message = message
        self.reason = reason
        super().__init__(message)


class Conflict(FacturoError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


class Unavailable(FacturoError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
