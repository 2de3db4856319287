"""The DIAN in the legacy dialect (Facturo's spellings of the current API's stamp, xml and
pdf), the same for invoices, credit notes and debit notes: ``Stamp/{id}`` ("Enviar
electrónicamente"), ``GetStamp/{id}``, ``GetXML/{id}`` and ``GetPDF/{id}``. ``Cufe`` holds the
CUDE for a note, as the current API's ``cude``."""

from __future__ import annotations

import base64

from fastapi import APIRouter

from facturo.api.deps import Context, LegacyActor
from facturo.api.legacy.base import LegacyModel
from facturo.domain.catalogs import DocumentClass
from facturo.domain.transmission import Transmission
from facturo.services import delivery, sales, transmission

NOUNS = {
    DocumentClass.SALES_INVOICE: "invoice",
    DocumentClass.CREDIT_NOTE: "credit note",
    DocumentClass.DEBIT_NOTE: "debit note",
}


class StampAnswer(LegacyModel):
    Id: int
    StampStatus: str
    Cufe: str | None = None
    Observations: str
    Errors: list[str]

    @classmethod
    def of(cls, document_id: int, sent: Transmission | None) -> StampAnswer:
        if sent is None:
            return cls(
                Id=document_id,
                StampStatus="NotSent",
                Observations="Not sent to the DIAN",
                Errors=[],
            )
        return cls(
            Id=document_id,
            StampStatus=sent.state.stamp_status,
            Cufe=sent.document_key,
            Observations=sent.observations,
            Errors=sent.errors,
        )


class FileAnswer(LegacyModel):
    Id: int
    Cufe: str | None
    Base64: str


def add_dian_routes(router: APIRouter, document_class: DocumentClass) -> None:
    noun = NOUNS[document_class]

    def check_class(ctx: Context, actor: LegacyActor, document_id: int) -> None:
        sales.get_view(ctx, actor, document_id, document_class)  # 404 for another class

    @router.post("/Stamp/{document_id}", summary=f"Send a {noun} to the DIAN")
    def stamp(ctx: Context, actor: LegacyActor, document_id: int) -> StampAnswer:
        check_class(ctx, actor, document_id)
        return StampAnswer.of(document_id, transmission.stamp(ctx, actor, document_id))

    @router.get("/GetStamp/{document_id}", summary=f"Where a {noun} stands with the DIAN")
    def get_stamp(ctx: Context, actor: LegacyActor, document_id: int) -> StampAnswer:
        check_class(ctx, actor, document_id)
        return StampAnswer.of(document_id, transmission.status(ctx, actor, document_id))

    @router.get("/GetXML/{document_id}", summary=f"The {noun}'s signed XML")
    def get_xml(ctx: Context, actor: LegacyActor, document_id: int) -> FileAnswer:
        check_class(ctx, actor, document_id)
        files = transmission.signed_files(ctx, actor, document_id)
        return FileAnswer(
            Id=document_id,
            Cufe=files.transmission.document_key,
            Base64=base64.b64encode(files.xml).decode("ascii"),
        )

    @router.get("/GetPDF/{document_id}", summary=f"The {noun}'s graphic representation (PDF)")
    def get_pdf(ctx: Context, actor: LegacyActor, document_id: int) -> FileAnswer:
        check_class(ctx, actor, document_id)
        key, content = delivery.document_pdf(ctx, actor, document_id)
        return FileAnswer(
            Id=document_id, Cufe=key, Base64=base64.b64encode(content).decode("ascii")
        )
