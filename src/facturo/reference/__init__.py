"""DIAN's code lists (genericode files shipped with the package) as lookup tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from lxml import etree

_GENERICODE_COLUMNS = "Value[@ColumnRef='{column}']/SimpleValue"


def read_code_list(file_name: str, *, value_column: str = "name") -> Mapping[str, str]:
    """code → value of one genericode list in ``facturo/reference/codelists``."""
    source = resources.files(__package__).joinpath("codelists", file_name)
    with source.open("rb") as handle:
        tree = etree.parse(handle)
    table: dict[str, str] = {}
    for row in tree.iterfind(".//SimpleCodeList/Row"):
        code = row.findtext(_GENERICODE_COLUMNS.format(column="code"))
        value = row.findtext(_GENERICODE_COLUMNS.format(column=value_column))
        if code is not None:
            table[code.strip()] = (value or "").strip()
    return MappingProxyType(table)


@dataclass(frozen=True)
class DianCodeLists:
    """The lists Facturo validates master data against; implements ``ReferenceData``."""

    countries: Mapping[str, str]
    departments: Mapping[str, str]
    municipalities: Mapping[str, str]
    units: Mapping[str, str]
    payment_means: Mapping[str, str]

    def country_name(self, code: str) -> str | None:
        return self.countries.get(code)

    def department_name(self, code: str) -> str | None:
        return self.departments.get(code)

    def municipality_name(self, code: str) -> str | None:
        return self.municipalities.get(code)

    def unit_name(self, code: str) -> str | None:
        return self.units.get(code)


@cache
def dian_code_lists() -> DianCodeLists:
    """Loaded once per process (a few milliseconds), then shared read-only."""
    return DianCodeLists(
        countries=read_code_list("Paises-2.1.gc"),
        departments=read_code_list("Departamentos-2.1.gc"),
        municipalities=read_code_list("Municipio-2.1.gc"),
        units=read_code_list("UnidadesMedida-2.1.gc"),
        payment_means=read_code_list("MediosPago-2.1.gc"),
    )
