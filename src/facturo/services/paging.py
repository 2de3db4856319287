"""Page requests, the same for every list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageRequest:
    offset: int
    limit: int

    @classmethod
    def numbered(cls, number: int, size: int, *, first: int = 0) -> PageRequest:
        """Page ``number`` of ``size`` records, counting pages from ``first`` (0 or 1)."""
        return cls(offset=max(0, number - first) * size, limit=size)
