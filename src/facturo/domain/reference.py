"""What the domain needs to know of DIAN's public code lists, as an interface.

The lists themselves are data files read by :mod:`facturo.reference`; rules receive an
object with this shape so they stay pure and easy to test.
"""

from __future__ import annotations

from typing import Protocol


class ReferenceData(Protocol):
    def country_name(self, code: str) -> str | None:
        """ISO 3166-1 alpha-2 country code → name (DIAN Paises)."""
        ...

    def department_name(self, code: str) -> str | None:
        """Two-digit DIVIPOLA department code → name (DIAN Departamentos)."""
        ...

    def municipality_name(self, code: str) -> str | None:
        """Five-digit DIVIPOLA municipality code → name (DIAN Municipio)."""
        ...

    def unit_name(self, code: str) -> str | None:
        """UN/ECE rec. 20 unit code → name (DIAN UnidadesMedida)."""
        ...


COLOMBIA = "CO"
