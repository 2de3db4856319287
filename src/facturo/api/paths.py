"""Where each dialect lives: the path prefixes that decide how a request is read and answered."""

from __future__ import annotations

from enum import StrEnum

# Siigo's legacy API lived under these bases (shared/reference/siigo-api.md §1.1).
LEGACY_PREFIXES = ("/siigo/api/v1", "/api/v1", "/nube/api/v1")
LEGACY_TOKEN_PATHS = ("/connect/token", "/auth/connect/token")

# The current API (§2.1): api.siigo.com/v1/... and its alias under services.siigo.com.
CURRENT_PREFIXES = ("/v1", "/alliances/api/v1")
SIGN_IN_PATHS = ("/auth", "/alliances/api/siigoapi-users/v1/sign-in")


class Dialect(StrEnum):
    LEGACY = "legacy"
    CURRENT = "current"
    SIGN_IN = "sign-in"  # POST /auth: the current API's lowercase error variant


def dialect_of(path: str) -> Dialect:
    lowered = path.lower().rstrip("/")
    if lowered in SIGN_IN_PATHS:
        return Dialect.SIGN_IN
    if any(lowered == p or lowered.startswith(p + "/") for p in CURRENT_PREFIXES):
        return Dialect.CURRENT
    return Dialect.LEGACY
