"""The company's numbering ranges from the DIAN: GetNumberingRange, merged into the ranges of
its sales-invoice document types (``domain.numbering.merge_authorized`` has the rules).

The DIAN is asked outside any transaction; the merge is one write transaction that locks the
company's sales-invoice ranges, so an invoice taking a number meanwhile waits a moment
instead of racing the update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from facturo.dian.errors import SoapFault, TransportError
from facturo.dian.keys import Environment
from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, DocumentType, NumberingRange
from facturo.domain.errors import RuleViolations, Unavailable, Violation
from facturo.domain.numbering import (
    AuthorizedRange,
    MergeOutcome,
    RangeMerge,
    merge_authorized,
)
from facturo.services import einvoicing
from facturo.services.context import ServiceContext
from facturo.services.transactions import run_writing
from facturo.store.unit_of_work import UnitOfWork

FIELD = "numbering_ranges"


class NumberingPort(Protocol):
    """What fetching ranges needs of the DIAN web service (``facturo.dian.soap.DianClient``)."""

    def get_numbering_range(
        self, account_code: str, account_code_t: str, software_code: str
    ) -> Any: ...


NumberingClients = Callable[[einvoicing.SigningProfile], NumberingPort]


def soap_client(ctx: ServiceContext) -> NumberingClients:
    from facturo.dian.soap import DianClient

    def client_for(profile: einvoicing.SigningProfile) -> NumberingPort:
        return DianClient(
            profile.endpoint, profile.certificate, timeout=ctx.settings.dian_timeout_seconds
        )

    return client_for


@dataclass(frozen=True)
class NumberingFetch:
    """The DIAN's answer and what it changed: one entry per range the DIAN reported, the
    ranges switched off, and every sales-invoice range of the company afterwards."""

    operation_code: str
    description: str
    document_type: DocumentType  # where new ranges went
    entries: list[RangeMerge]
    deactivated: list[NumberingRange]
    ranges: list[NumberingRange]

    def with_outcome(self, outcome: MergeOutcome) -> list[RangeMerge]:
        return [entry for entry in self.entries if entry.outcome is outcome]


def fetch(
    ctx: ServiceContext,
    actor: Actor,
    *,
    document_type_id: int | None = None,
    clients: NumberingClients | None = None,
) -> NumberingFetch:
    """Asks the DIAN for the ranges authorized to the company's software and merges them.
    ``document_type_id``: the sales-invoice document type new ranges belong to (default: the
    company's first active electronic one). Raises ``RuleViolations`` when the setup cannot
    sign or the DIAN refuses (OperationCode other than 100), ``Unavailable`` when the DIAN
    cannot be reached."""
    actor.require(Permission.MASTER_DATA_WRITE)
    company_id = actor.company_id
    now = ctx.now()
    problems: list[Violation] = []
    profile: einvoicing.SigningProfile | None = None
    try:
        profile = einvoicing.signing_profile(ctx, company_id, now)
    except RuleViolations as refused:
        problems.extend(refused.violations)
    with ctx.unit_of_work(read_only=True) as uow:
        document_type = _target_type(uow, company_id, document_type_id, problems)
    if problems:
        raise RuleViolations(problems)
    assert profile is not None and document_type is not None and document_type.id is not None
    settings = profile.settings
    client = (clients or soap_client(ctx))(profile)
    try:
        # accountCodeT is the provider's NIT: the company's own for software propio (§6.2).
        answer = client.get_numbering_range(
            settings.company_nit, settings.provider_nit, settings.software_id
        )
    except TransportError as failed:
        raise Unavailable(f"The DIAN could not be reached to fetch the ranges: {failed}") from None
    except SoapFault as fault:
        raise RuleViolations(
            [Violation("document_settings", FIELD, f"The DIAN answered with a fault: {fault}")]
        ) from None
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()
    if not answer.ok:
        raise RuleViolations(
            [
                Violation(
                    "document_settings",
                    FIELD,
                    f"The DIAN refused GetNumberingRange (OperationCode {answer.operation_code}): "
                    f"{answer.description or 'no description'}",
                    detail=answer.operation_code,
                )
            ]
        )
    authorized = [
        AuthorizedRange(
            prefix=r.prefix.strip(),
            first_number=r.from_number,
            last_number=r.to_number,
            resolution_number=r.resolution_number.strip(),
            resolution_date=r.resolution_date,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            technical_key=r.technical_key.strip(),
        )
        for r in answer.ranges
    ]
    production = profile.environment is Environment.PRODUCTION
    type_id = document_type.id

    def merge(uow: UnitOfWork) -> NumberingFetch:
        ranges = uow.numbering_ranges.of_class(
            company_id, DocumentClass.SALES_INVOICE, for_update=True
        )
        merged = merge_authorized(
            ranges,
            authorized,
            company_id=company_id,
            document_type_id=type_id,
            today=colombian_date(now),
            production=production,
        )
        for numbering in merged.added:
            uow.numbering_ranges.add(numbering)
        uow.flush()  # the new ranges get their ids
        return NumberingFetch(
            operation_code=answer.operation_code,
            description=answer.description,
            document_type=document_type,
            entries=merged.entries,
            deactivated=merged.deactivated,
            ranges=ranges + merged.added,
        )

    return run_writing(ctx, merge)


def _target_type(
    uow: UnitOfWork, company_id: int, document_type_id: int | None, problems: list[Violation]
) -> DocumentType | None:
    types = [
        d
        for d in uow.document_types.all(company_id)
        if d.document_class == DocumentClass.SALES_INVOICE
    ]
    if document_type_id is not None:
        found = next((d for d in types if d.id == document_type_id), None)
        if found is None:
            problems.append(
                Violation(
                    "invalid_reference",
                    "document_type_id",
                    f"The document type {document_type_id} in {{field}} is not a sales-invoice "
                    "type of the company",
                )
            )
        return found
    electronic = sorted(
        (d for d in types if d.electronic and d.active), key=lambda d: (d.code, d.id or 0)
    )
    if not electronic:
        problems.append(
            Violation(
                "document_settings",
                "document_type_id",
                "The company has no active electronic sales-invoice document type for the ranges",
            )
        )
        return None
    return electronic[0]
