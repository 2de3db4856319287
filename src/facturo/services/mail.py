"""Sending documents to customers by e-mail over SMTP (``FACTURO_SMTP_*``).

A message is built first (``invoice_message``: a Spanish summary of the invoice as text and
HTML, with room for attachments — the DIAN's ZIP and the PDF will join it), then handed to the
configured server (``deliver``). "Sent" means the server accepted the message for at least one
recipient; a server that cannot be reached or refuses the message is reported as unavailable,
never as sent.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import Any

import jinja2

from facturo.config import Settings
from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import DocumentClass
from facturo.domain.companies import Company
from facturo.domain.errors import RuleViolations, Unavailable, Violation
from facturo.domain.money import ZERO
from facturo.domain.sales import DocumentStatus
from facturo.domain.validation import EMAIL_PATTERN, Checker
from facturo.services import sales
from facturo.services.context import ServiceContext
from facturo.services.sales import SaleView

MAX_COPIES = 5
SENT = "sent"
NOT_SENT = "not_sent"
_ADDRESS_SEPARATORS = re.compile(r"[;,]")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class MailOutcome:
    """What became of a message: ``sent`` (observations name any recipient the server
    refused), or ``not_sent`` with the reason."""

    status: str
    observations: str = ""
    recipients: tuple[str, ...] = ()


def send_invoice(
    ctx: ServiceContext,
    actor: Actor,
    invoice_id: int,
    *,
    mail_to: str | None = None,
    copy_to: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> MailOutcome:
    """Mails the invoice to ``mail_to`` (by default, its customer's e-mail) with copies to
    ``copy_to`` (up to five addresses separated by ``;``)."""
    actor.require(Permission.INVOICES_CREATE)
    check = Checker()
    to = (mail_to or "").strip()
    copies = [a.strip() for a in _ADDRESS_SEPARATORS.split(copy_to or "") if a.strip()]
    if to:
        _check_address(check, to, "mail_to")
    if len(copies) > MAX_COPIES:
        check.add(
            "invalid_array", "copy_to", f"The field {{field}} takes at most {MAX_COPIES} addresses"
        )
    for copy in copies:
        _check_address(check, copy, "copy_to")
    check.raise_if_any()
    with ctx.unit_of_work(read_only=True) as uow:
        document = uow.sales_documents.get(
            actor.company_id, invoice_id, DocumentClass.SALES_INVOICE
        )
        view = sales.describe(uow, actor.company_id, [document])[0]
        company = uow.companies.get(actor.company_id)
    if not to:
        to = _customer_address(view) or ""
        if not to:
            raise RuleViolations(
                [
                    Violation(
                        "parameter_required",
                        "mail_to",
                        "The field {field} is required: the customer has no e-mail address",
                    )
                ]
            )
    settings = _configured(ctx.settings)
    message = invoice_message(
        company,
        view,
        sender=settings.smtp_from or "",
        to=to,
        copies=copies,
        attachments=attachments,
    )
    return deliver(settings, message)


def _check_address(check: Checker, address: str, field_name: str) -> None:
    if len(address) > 100 or not EMAIL_PATTERN.fullmatch(address):
        check.add(
            "invalid_email", field_name, f"The e-mail address {address} in {{field}} is not valid"
        )


def _customer_address(view: SaleView) -> str | None:
    if view.contact is not None and view.contact.email:
        return view.contact.email
    return view.customer.email


def _configured(settings: Settings) -> Settings:
    if not settings.smtp_configured:
        raise RuleViolations(
            [
                Violation(
                    "company_settings",
                    "",
                    "Sending e-mail is not configured: the operator must set FACTURO_SMTP_HOST "
                    "and FACTURO_SMTP_FROM",
                )
            ]
        )
    return settings


# --- the message ---------------------------------------------------------------------------


def invoice_message(
    company: Company,
    view: SaleView,
    *,
    sender: str,
    to: str,
    copies: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The e-mail of an invoice: a summary in Spanish, as text and as HTML, and attachments."""
    document = view.document
    context = _summary(company, view)
    message = EmailMessage()
    message["Subject"] = (
        f"{company.name}: factura de venta {document.full_number} del {context['date']}"
    )
    message["From"] = sender
    message["To"] = to
    if copies:
        message["Cc"] = ", ".join(copies)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(_TEMPLATES.get_template("invoice.txt").render(context))
    message.add_alternative(_TEMPLATES.get_template("invoice.html").render(context), subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def _summary(company: Company, view: SaleView) -> dict[str, Any]:
    d, a = view.document, view.document.amounts
    credit = [
        {"due_date": i.due_date.strftime("%d/%m/%Y"), "amount": pesos(i.amount)}
        for i in d.installments
        if i.due_quote is not None
    ]
    return {
        "company": company.name,
        "company_nit": f"{company.nit}-{company.check_digit}",
        "number": d.full_number,
        "name": d.name,
        "date": d.date.strftime("%d/%m/%Y"),
        "annulled": d.status == DocumentStatus.ANNULLED,
        "customer": view.customer.name,
        "customer_identification": view.customer.identification or "",
        "currency": d.currency_code,
        "lines": [
            {
                "code": line.product_code,
                "description": line.description,
                "quantity": _quantity(line.quantity),
                "price": pesos(line.unit_value),
                "total": pesos(line.amounts.total),
            }
            for line in d.lines
        ],
        "gross": pesos(a.gross),
        "discount": pesos(a.discount) if a.discount else None,
        "vat": pesos(a.vat) if a.vat else None,
        "consumption": pesos(a.consumption) if a.consumption else None,
        "withholding": pesos(a.withholding) if a.withholding else None,
        "reteiva": pesos(a.reteiva) if a.reteiva else None,
        "reteica": pesos(a.reteica) if a.reteica else None,
        "total": pesos(a.total),
        "balance": pesos(d.balance),
        "owes": d.balance > ZERO,
        "credit": credit,
        "observations": d.observations or "",
    }


def pesos(value: Decimal) -> str:
    """Money as Colombians write it: $ 1.234.567,89."""
    whole, _, cents = f"{abs(value):,.2f}".partition(".")
    sign = "-" if value < 0 else ""
    return f"{sign}$ {whole.replace(',', '.')},{cents}"


def _quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _domain_of(sender: str) -> str | None:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or None


_TEXT = """\
{{ company }} (NIT {{ company_nit }})
Factura de venta {{ number }}{% if annulled %} (ANULADA){% endif %}
Fecha: {{ date }}
Cliente: {{ customer }} ({{ customer_identification }})

{% for line in lines -%}
{{ line.quantity }} × {{ line.code }} {{ line.description }}: {{ line.price }} c/u = {{ line.total }}
{% endfor %}
Total bruto: {{ gross }}
{% if discount %}Descuentos: {{ discount }}
{% endif %}{% if vat %}IVA: {{ vat }}
{% endif %}{% if consumption %}Impuesto al consumo: {{ consumption }}
{% endif %}{% if withholding %}Retención en la fuente: {{ withholding }}
{% endif %}{% if reteiva %}ReteIVA: {{ reteiva }}
{% endif %}{% if reteica %}ReteICA: {{ reteica }}
{% endif %}Total a pagar ({{ currency }}): {{ total }}
Saldo pendiente: {{ balance }}
{% for due in credit %}Vence el {{ due.due_date }}: {{ due.amount }}
{% endfor %}{% if observations %}
Observaciones: {{ observations }}
{% endif %}
Este mensaje fue enviado por {{ company }}.
"""

_HTML = """\
<!doctype html>
<html lang="es"><body style="font-family: sans-serif">
<h2>{{ company }}</h2>
<p>NIT {{ company_nit }}</p>
<h3>Factura de venta {{ number }}{% if annulled %} (ANULADA){% endif %}</h3>
<p>Fecha: {{ date }}<br>Cliente: {{ customer }} ({{ customer_identification }})</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Código</th><th>Descripción</th><th>Cantidad</th><th>Valor unitario</th><th>Total</th></tr>
{% for line in lines %}<tr><td>{{ line.code }}</td><td>{{ line.description }}</td>
<td>{{ line.quantity }}</td><td>{{ line.price }}</td><td>{{ line.total }}</td></tr>
{% endfor %}</table>
<table cellpadding="2">
<tr><td>Total bruto</td><td>{{ gross }}</td></tr>
{% if discount %}<tr><td>Descuentos</td><td>{{ discount }}</td></tr>{% endif %}
{% if vat %}<tr><td>IVA</td><td>{{ vat }}</td></tr>{% endif %}
{% if consumption %}<tr><td>Impuesto al consumo</td><td>{{ consumption }}</td></tr>{% endif %}
{% if withholding %}<tr><td>Retención en la fuente</td><td>{{ withholding }}</td></tr>{% endif %}
{% if reteiva %}<tr><td>ReteIVA</td><td>{{ reteiva }}</td></tr>{% endif %}
{% if reteica %}<tr><td>ReteICA</td><td>{{ reteica }}</td></tr>{% endif %}
<tr><td><strong>Total a pagar ({{ currency }})</strong></td><td><strong>{{ total }}</strong></td></tr>
<tr><td>Saldo pendiente</td><td>{{ balance }}</td></tr>
{% for due in credit %}<tr><td>Vence el {{ due.due_date }}</td><td>{{ due.amount }}</td></tr>{% endfor %}
</table>
{% if observations %}<p>Observaciones: {{ observations }}</p>{% endif %}
<p>Este mensaje fue enviado por {{ company }}.</p>
</body></html>
"""

_TEMPLATES = jinja2.Environment(
    loader=jinja2.DictLoader({"invoice.txt": _TEXT, "invoice.html": _HTML}),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


# --- delivery ------------------------------------------------------------------------------


def deliver(settings: Settings, message: EmailMessage) -> MailOutcome:
    """Hands the message to the SMTP server. A server that cannot be reached, or refuses the
    message or every recipient, raises ``Unavailable``: nothing was sent."""
    recipients = [
        address.addr_spec for header in ("To", "Cc") for address in _addresses(message, header)
    ]
    host, port = settings.smtp_host or "", settings.smtp_port
    timeout = settings.smtp_timeout_seconds
    try:
        client: smtplib.SMTP
        if settings.smtp_ssl:
            client = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.smtp_starttls and not settings.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password or "")
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        raise Unavailable(
            "The mail server refused every recipient: " + ", ".join(sorted(error.recipients))
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise Unavailable(
            f"The mail server {host}:{port} did not take the message: {error}"
        ) from error
    accepted = tuple(r for r in recipients if r not in refused)
    observations = "The mail server refused: " + ", ".join(sorted(refused)) if refused else ""
    return MailOutcome(SENT, observations, accepted)


def _addresses(message: EmailMessage, header: str) -> list[Address]:
    value = message[header]
    if value is None:
        return []
    return list(value.addresses)
