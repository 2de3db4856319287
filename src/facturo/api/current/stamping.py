"""The DIAN as the current API shows it, shared by invoices and credit notes: ``stamp`` on a
document, ``POST …/stamp`` ("Enviar electrónicamente"), ``POST …/stamp`` on the collection
(envío masivo, a Facturo addition), ``…/stamp/errors``, ``…/xml`` and ``…/pdf``.

``stamp.status`` is Draft until the DIAN decides, then Accepted or Rejected; ``cufe`` (``cude``
for notes) appears once the document is signed.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from pydantic import BaseModel

from facturo.api.current.base import CurrentModel, date_filter
from facturo.api.current.documents import document_id_of
from facturo.api.deps import Context, CurrentActor
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.transmission import Transmission
from facturo.services import delivery, transmission


class StampIn(CurrentModel):
    mail_to: str | None = None
    email: str | None = None
    copy_to: str | None = None


class StampManyIn(CurrentModel):
    ids: list[str] | None = None
    date_start: str | None = None
    date_end: str | None = None


class StampErrorOut(CurrentModel):
    message: str


class DeliveryOut(CurrentModel):
    """Facturo: where the buyer's e-mail stands (none, pending and retried, sent, failed)."""

    status: str
    mail_to: str | None
    attempts: int
    observations: str


class StampOut(CurrentModel):
    status: str
    cufe: str | None = None
    observations: str
    errors: list[StampErrorOut]
    delivery: DeliveryOut

    @classmethod
    def from_domain(cls, sent: Transmission) -> StampOut:
        return cls.model_construct(
            status=sent.state.stamp_status,
            cufe=sent.document_key,
            observations=sent.observations,
            errors=[StampErrorOut.model_construct(message=m) for m in sent.errors],
            delivery=DeliveryOut.model_construct(
                status=sent.delivery_state.value,
                mail_to=sent.delivery_to,
                attempts=sent.delivery_attempts,
                observations=sent.delivery_error or "",
            ),
        )


def stamp_record(sent: Transmission, key_name: str) -> dict[str, Any]:
    record = StampOut.from_domain(sent).model_dump(mode="json")
    if key_name != "cufe":
        record[key_name] = record.pop("cufe")
    return record


def stamp_answer(
    ctx: Context, actor: CurrentActor, guid: str, document_id: int, body: StampIn | None
) -> dict[str, Any]:
    mail_to = (body.mail_to or body.email) if body else None
    if body and body.copy_to:
        mail_to = ";".join(filter(None, [mail_to, body.copy_to]))
    sent = transmission.stamp(ctx, actor, document_id, deliver_to=mail_to)
    return {
        "id": guid,
        "stamp": stamp_record(sent, "cufe"),
        "mail": {"status": sent.delivery_state.value, "observations": sent.delivery_error or ""},
    }


def stamp_errors_answer(
    ctx: Context, actor: CurrentActor, guid: str, document_id: int
) -> dict[str, Any]:
    sent = transmission.status(ctx, actor, document_id)
    messages = sent.errors if sent is not None else []
    if sent is not None and not messages and sent.last_error:
        messages = [sent.last_error]
    return {"id": guid, "errors": [{"message": m} for m in messages]}


def xml_answer(
    ctx: Context, actor: CurrentActor, guid: str, document_id: int, key_name: str
) -> dict[str, Any]:
    files = transmission.signed_files(ctx, actor, document_id)
    return {
        "id": guid,
        key_name: files.transmission.document_key,
        "base64": base64.b64encode(files.xml).decode("ascii"),
    }


def pdf_answer(
    ctx: Context, actor: CurrentActor, guid: str, document_id: int, key_name: str
) -> dict[str, Any]:
    key, content = delivery.document_pdf(ctx, actor, document_id)
    return {"id": guid, key_name: key, "base64": base64.b64encode(content).decode("ascii")}


class MassSendOut(BaseModel):
    queued: int
    already: int
    refused: list[dict[str, Any]]


def stamp_many_answer(
    ctx: Context,
    actor: CurrentActor,
    body: StampManyIn,
    document_class: DocumentClass,
    noun: str,
) -> dict[str, Any]:
    ids: list[int] | None = None
    if body.ids is not None:
        ids = [document_id_of(ctx, actor, guid, document_class, noun) for guid in body.ids]
    date_from = date_filter(body.date_start, "date_start") if body.date_start else None
    date_to = date_filter(body.date_end, "date_end") if body.date_end else None
    if ids is None and date_from is None and date_to is None:
        raise RuleViolations(
            [
                Violation(
                    "parameter_required",
                    "ids",
                    "Send ids, or date_start and date_end, to choose the documents",
                )
            ]
        )
    result = transmission.stamp_many(
        ctx,
        actor,
        document_ids=ids,
        date_from=date_from,
        date_to=date_to,
        document_class=document_class,
    )
    guids = transmission.guids_of(ctx, actor.company_id, list(result.refused))
    return MassSendOut(
        queued=len(result.queued),
        already=len(result.already),
        refused=[
            {
                "id": str(guids.get(document_id, uuid.UUID(int=0))),
                "errors": [{"code": v.code, "message": v.message} for v in violations],
            }
            for document_id, violations in result.refused.items()
        ],
    ).model_dump(mode="json")
