"""Constraint violations the database caught, as rule violations.

Use cases check uniqueness and references before writing, but two requests can race past
those checks; the database's constraints then decide, and the loser gets the same 400 it
would have got a moment later — never a 500."""

from __future__ import annotations

import re

import sqlalchemy as sa

from facturo.domain.errors import RuleViolations, Violation
from facturo.store.tables import metadata

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.,\s]+)")


def as_rule_violations(error: sa.exc.IntegrityError) -> RuleViolations:
    unique_columns = _unique_columns(error)
    if unique_columns is not None:
        field = ".".join(c for c in unique_columns if c != "company_id") or "record"
        return RuleViolations(
            [
                Violation(
                    "already_exists",
                    field.split(".")[0],
                    "A record with this {field} already exists",
                )
            ]
        )
    return RuleViolations(
        [
            Violation(
                "invalid_reference",
                "",
                "The request refers to a record that does not exist, or removes one still in use",
            )
        ]
    )


def _unique_columns(error: sa.exc.IntegrityError) -> list[str] | None:
    original = error.orig
    diagnostics = getattr(original, "diag", None)
    if diagnostics is not None:  # PostgreSQL: the constraint's name
        if getattr(original, "sqlstate", None) != "23505":
            return None
        return _columns_of(diagnostics.constraint_name or "")
    match = _SQLITE_UNIQUE.search(str(original))
    if match is None:
        return None
    return [part.strip().split(".")[-1] for part in match["columns"].split(",")]


def _columns_of(constraint_name: str) -> list[str]:
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == constraint_name and isinstance(constraint, sa.UniqueConstraint):
                return [c.name for c in constraint.columns]
        for index in table.indexes:
            if index.name == constraint_name:
                return [c.name for c in index.columns if isinstance(c, sa.Column)]
    return []
