"""The graphic representation of an electronic document, and its delivery to the buyer.

The buyer receives one e-mail per accepted document with one ZIP (≤ 2 MB) holding the
AttachedDocument — the signed document and the DIAN's ApplicationResponse — and the PDF, under
the subject DIAN prescribes: ``NIT;Nombre facturador;número;código tipo documento;nombre
comercial;línea de negocio``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from facturo.dian import keys, pdf, ubl
from facturo.dian.model import ElectronicDocument
from facturo.domain.access import Actor, Permission
from facturo.domain.einvoicing import EInvoicingSettings
from facturo.domain.errors import RuleViolations, Unavailable, Violation
from facturo.domain.transmission import Transmission, TransmissionState
from facturo.services import einvoicing, mail, transmission
from facturo.services.context import ServiceContext
from facturo.store.transmissions import ClaimedDelivery

MAX_ZIP_BYTES = 2 * 1024 * 1024
VALIDATED_LABEL = "Documento validado por la DIAN"


@dataclass(frozen=True)
class Rendered:
    document: ElectronicDocument
    transmission: Transmission
    signed_xml: bytes
    application_response: bytes | None
    qr_text: str
    pdf: bytes


def render(ctx: ServiceContext, company_id: int, document_id: int) -> Rendered:
    """The document as the DIAN received it, with its PDF. Refused until it was signed."""
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.transmissions.find(company_id, document_id)
        xml, answer = uow.transmissions.files(company_id, document_id)
    if found is None or xml is None or not found.document_key:
        raise RuleViolations(
            [
                Violation(
                    "invalid_document",
                    "id",
                    "The document has not been sent to the DIAN: it has no CUFE/CUDE yet",
                )
            ]
        )
    # Rendering again needs the setup only: an expired certificate must not hide a PDF.
    profile = einvoicing.issuing_profile(ctx, company_id)
    builders = transmission.load_for_signing(ctx, [found])
    document = builders[(company_id, document_id)](profile)
    qr_text = qr_text_of(xml, found.document_key, key_label=document.kind.key_name)
    accepted = found.state is TransmissionState.ACCEPTED
    content = pdf.render(
        document,
        document_key=found.document_key,
        qr_text=qr_text,
        status_label=VALIDATED_LABEL if accepted and not _testing(document) else None,
        validated_at=found.accepted_at,
    )
    return Rendered(document, found, xml, answer, qr_text, content)


def qr_text_of(signed_xml: bytes, document_key: str, *, key_label: str = "CUFE") -> str:
    """The QR's content (Anexo técnico §11.7), read from the signed document the DIAN got."""
    inputs = ubl.key_inputs(signed_xml)
    return keys.QrFields(
        number=inputs.number,
        issue_date=inputs.issue_date,
        issue_time=inputs.issue_time,
        supplier_nit=inputs.supplier_nit,
        customer_id=inputs.customer_id,
        line_extension=inputs.line_extension,
        vat=inputs.taxes[0],
        other_taxes=keys.amount_text(sum((Decimal(v) for v in inputs.taxes[1:]), Decimal(0))),
        payable=inputs.payable,
        document_key=document_key,
        environment=inputs.environment,
        key_label=key_label,
    ).text()


def _testing(document: ElectronicDocument) -> bool:
    return document.environment is keys.Environment.HABILITACION


def document_pdf(ctx: ServiceContext, actor: Actor, document_id: int) -> tuple[str, bytes]:
    """The CUFE/CUDE and the PDF of a document sent to the DIAN."""
    actor.require(Permission.MASTER_DATA_READ)
    rendered = render(ctx, actor.company_id, document_id)
    assert rendered.transmission.document_key is not None
    return rendered.transmission.document_key, rendered.pdf


def package(rendered: Rendered, *, issued_at_text: str | None = None) -> tuple[str, bytes]:
    """The ZIP for the buyer and its name: the AttachedDocument and the PDF (the PDF is left
    out only if both would not fit in 2 MB)."""
    if rendered.application_response is None:
        raise ValueError("an accepted document carries the DIAN's ApplicationResponse")
    assert rendered.transmission.document_key is not None
    attached = ubl.build_attached_document(
        signed_document=rendered.signed_xml,
        application_response=rendered.application_response,
        document=rendered.document,
        document_key=rendered.transmission.document_key,
        issued_at=rendered.transmission.accepted_at or rendered.document.issued_at,
        signature_slot=False,
    )
    body = (rendered.transmission.file_name or "fv.xml")[2:].removesuffix(".xml")
    xml_name, pdf_name, zip_name = f"ad{body}.xml", f"ad{body}.pdf", f"z{body}.zip"
    for with_pdf in (True, False):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(xml_name, attached)
            if with_pdf:
                archive.writestr(pdf_name, rendered.pdf)
        if buffer.tell() <= MAX_ZIP_BYTES:
            return zip_name, buffer.getvalue()
    raise ValueError("the AttachedDocument alone is larger than the DIAN's 2 MB")


def subject(rendered: Rendered, settings: EInvoicingSettings) -> str:
    """``NIT;Nombre facturador;número;tipo;nombre comercial;línea de negocio``."""
    document = rendered.document
    parts = (
        settings.company_nit,
        settings.legal_name,
        document.number,
        document.kind.value,
        settings.commercial_name or settings.legal_name,
        "",
    )
    return ";".join(part.replace(";", ",") for part in parts)


def deliver(ctx: ServiceContext, claimed: ClaimedDelivery) -> str | None:
    """E-mails the accepted document to its buyer; the error, or None once the server took it."""
    try:
        rendered = render(ctx, claimed.company_id, claimed.document_id)
        settings = einvoicing.issuing_profile(ctx, claimed.company_id).settings
        zip_name, content = package(rendered)
    except (RuleViolations, ValueError) as failed:
        return str(failed)[:500]
    recipients = [address for _, address in getaddresses([claimed.delivery_to]) if address]
    if not recipients:
        return "No buyer e-mail address"
    message = EmailMessage()
    message["Subject"] = subject(rendered, settings)
    message["From"] = ctx.settings.smtp_from or settings.email
    message["To"] = ", ".join(recipients)
    message["Reply-To"] = settings.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.email.rpartition("@")[2] or None)
    document = rendered.document
    message.set_content(
        f"Señores {document.customer.registration_name}:\n\n"
        f"{settings.legal_name} les envía el documento electrónico {document.number}, "
        f"validado por la DIAN con el código {rendered.transmission.document_key}.\n\n"
        "Adjunto encontrarán el documento electrónico (AttachedDocument) y su representación gráfica.\n"
    )
    message.add_attachment(content, maintype="application", subtype="zip", filename=zip_name)
    if not ctx.settings.smtp_configured:
        return "Outgoing mail is not configured (FACTURO_SMTP_HOST)"
    try:
        mail.deliver(ctx.settings, message)
    except Unavailable as failed:
        return str(failed)[:500] or "The mail server did not take the message"
    return None
