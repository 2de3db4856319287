"""Notas crédito (full access): the list with each note's DIAN state, a new note on an invoice
chosen by its number — goods returned line by line, a discount or price adjustment, or the
whole invoice annulled (concept 2, which the service reverses entirely) — and the detail, with
"Enviar electrónicamente" when the company sends its notes to the DIAN."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass
from facturo.domain.errors import RuleViolations
from facturo.domain.sales import CreditNoteReason, DocumentStatus, ItemRequest, SalesLine
from facturo.domain.transmission import TransmissionState
from facturo.services import catalogs, einvoicing, sales, transmission
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.sales import NoteRequest, SaleView
from facturo.services.web_sessions import WebSession
from facturo.store.documents import DocumentFilter
from facturo.web.core import PREFIX, Context, Form, FormState, FullSession, redirect, render, text
from facturo.web.messages import spanish
from facturo.web.pages.selling import (
    MAX_ID,
    MAX_QUANTITY,
    NOT_A_DATE,
    NOT_A_NUMBER,
    checked_id,
    date_range,
    dian_state,
    parse_day,
    parse_id,
    parse_non_negative,
    stamp_message,
)

router = APIRouter(prefix="/notas-credito")

HOME = PREFIX + "/notas-credito"
PAGE_SIZE = 50
REASONS: dict[str, str] = {
    CreditNoteReason.PARTIAL_RETURN: "Devolución parcial de los bienes o no aceptación del servicio",
    CreditNoteReason.ANNULMENT: "Anulación de la factura",
    CreditNoteReason.DISCOUNT: "Rebaja o descuento parcial o total",
    CreditNoteReason.PRICE_ADJUSTMENT: "Ajuste de precio",
    CreditNoteReason.OTHER: "Otros",
}
REASON_OPTIONS = [("", "Elige…"), *((code, f"{code} · {label}") for code, label in REASONS.items())]
_INVOICE_NUMBER = re.compile(r"(?:FV-(\d{1,9})-)?([A-Z]{0,10})(\d{1,18})")


# --- the list -------------------------------------------------------------------------------


@router.get("")
def index(
    request: Request,
    ctx: Context,
    session: FullSession,
    desde: str | None = None,
    hasta: str | None = None,
    pagina: int = 1,
) -> Response:
    today = colombian_date(ctx.now())
    start, end, errors = date_range(today, desde, hasta, default_days=30)
    page = max(1, min(pagina, 10_000))
    views: list[SaleView] = []
    total = 0
    if not errors:
        where = DocumentFilter(
            document_class=DocumentClass.CREDIT_NOTE, date_from=start, date_to=end
        )
        views, total = _newest_first(ctx, session, where, page)
    states = transmission.statuses(
        ctx, session.actor.company_id, [v.document.id for v in views if v.document.id]
    )
    return render(
        request,
        "credit_notes/index.html",
        status_code=400 if errors else 200,
        form=FormState(
            {"desde": desde or start.isoformat(), "hasta": hasta or end.isoformat()}, errors
        ),
        notes=views,
        dian={v.document.id: dian_state(states.get(v.document.id or 0)) for v in views},
        reasons=REASONS,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=f"desde={start.isoformat()}&hasta={end.isoformat()}",
    )


def _newest_first(
    ctx: ServiceContext, session: WebSession, where: DocumentFilter, page: int
) -> tuple[list[SaleView], int]:
    first = sales.page_views(ctx, session.actor, PageRequest(0, PAGE_SIZE), where, with_lines=False)
    total = first.total or 0
    if total <= PAGE_SIZE:
        return (first.views[::-1] if page == 1 else []), total
    end = total - (page - 1) * PAGE_SIZE
    if end <= 0:
        return [], total
    start = max(0, end - PAGE_SIZE)
    found = sales.page_views(
        ctx, session.actor, PageRequest(start, end - start), where, with_lines=False, counted=False
    )
    return found.views[::-1], total


# --- a new note -----------------------------------------------------------------------------


def find_invoices(ctx: ServiceContext, session: WebSession, raw: str) -> list[SaleView] | None:
    """The invoices a typed number names: SETP990000001, 990000001 or FV-1-990000001 (None:
    it names no number at all)."""
    typed = re.sub(r"\s+", "", raw).upper()
    found = _INVOICE_NUMBER.fullmatch(typed)
    if found is None:
        return None
    type_code, prefix, digits = found.groups()
    number = int(digits)
    if number >= MAX_ID:
        return []
    where = DocumentFilter(
        document_class=DocumentClass.SALES_INVOICE,
        number=number,
        document_type_code=int(type_code) if type_code else None,
    )
    views = sales.page_views(
        ctx, session.actor, PageRequest(0, 20), where, with_lines=False, counted=False
    ).views
    return [v for v in views if not prefix or v.document.prefix.upper() == prefix]


def _note_types(ctx: ServiceContext, session: WebSession) -> list[tuple[int, str]]:
    return [
        (view.document_type.id or 0, view.document_type.name)
        for view in catalogs.get_document_types_of_class(
            ctx, session.actor, DocumentClass.CREDIT_NOTE
        )
        if view.document_type.active
        and view.document_type.automatic_number
        and view.active_numbering is not None
    ]


def _form_page(
    request: Request,
    ctx: ServiceContext,
    session: WebSession,
    invoice: SaleView,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    types = _note_types(ctx, session)
    values.setdefault("document_type_id", str(types[0][0]) if types else "")
    lines = invoice.document.lines
    earlier = [
        n for n in _notes_of(ctx, session, invoice) if n.document.status == DocumentStatus.ISSUED
    ]
    return render(
        request,
        "credit_notes/new.html",
        status_code=status_code,
        form=FormState(values, errors),
        view=invoice,
        invoice=invoice.document,
        lines=lines,
        earlier=earlier,
        types=types,
        reason_options=REASON_OPTIONS,
        shown=[
            "date",
            "reason_code",
            "document_type_id",
            "observations",
            *(f"qty_{line.number}" for line in lines),
            *(f"price_{line.number}" for line in lines),
        ],
    )


def _notes_of(ctx: ServiceContext, session: WebSession, invoice: SaleView) -> list[SaleView]:
    """The credit notes that correct an invoice (read through the notes of its customer)."""
    where = DocumentFilter(
        document_class=DocumentClass.CREDIT_NOTE,
        customer_id=invoice.document.customer_id,
        date_from=invoice.document.date,
    )
    views = sales.page_views(
        ctx, session.actor, PageRequest(0, 500), where, with_lines=False, counted=False
    ).views
    return [v for v in views if v.document.related_document_id == invoice.document.id]


@router.get("/nueva")
def new(
    request: Request,
    ctx: Context,
    session: FullSession,
    factura: str | None = None,
    factura_id: str | None = None,
) -> Response:
    invoice_id = parse_id(factura_id or "")
    if invoice_id is not None:
        invoice = sales.get_view(ctx, session.actor, invoice_id, DocumentClass.SALES_INVOICE)
        values = {
            "invoice_id": str(invoice_id),
            "date": colombian_date(ctx.now()).isoformat(),
            **{
                f"price_{line.number}": _editable(line.unit_value)
                for line in invoice.document.lines
            },
        }
        return _form_page(request, ctx, session, invoice, values, {})
    typed = (factura or "").strip()[:40]
    errors: dict[str, str] = {}
    found: list[SaleView] | None = None
    if typed:
        found = find_invoices(ctx, session, typed)
        if found is None:
            errors["factura"] = "Escribe el número de la factura, por ejemplo SETP990000001."
        elif len(found) == 1:
            return redirect(request, f"{HOME}/nueva?factura_id={found[0].document.id}")
    return render(
        request,
        "credit_notes/choose.html",
        status_code=400 if errors else 200,
        form=FormState({"factura": typed}, errors),
        found=found,
    )


def _editable(value: Decimal) -> str:
    """A price as the form shows it for editing: 1500 or 1500,5."""
    shown = format(value.normalize(), "f")
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown.replace(".", ",")


def _note_field(path: str, items: Sequence[SalesLine]) -> str:
    parts = path.split(".")
    head = parts[0]
    if head == "items" and len(parts) >= 3 and parts[1].isdigit():
        index = int(parts[1])
        if index >= len(items):
            return ""
        number = items[index].number
        return f"qty_{number}" if parts[2] == "quantity" else f"price_{number}"
    if head in ("date", "reason_code", "document_type_id", "observations"):
        return head
    if head == "number":
        return "document_type_id"
    return ""


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    invoice_id = parse_id(text(form, "invoice_id"))
    if invoice_id is None:
        return redirect(request, HOME + "/nueva", flash="Elige primero la factura.")
    invoice = sales.get_view(ctx, session.actor, invoice_id, DocumentClass.SALES_INVOICE)
    lines = invoice.document.lines
    values = {
        name: text(form, name)[: 4000 if name == "observations" else 200]
        for name in ("invoice_id", "date", "reason_code", "document_type_id", "observations")
    }
    errors: dict[str, str] = {}
    day: date | None = None
    try:
        day = parse_day(values["date"])
    except ValueError:
        errors["date"] = NOT_A_DATE if values["date"] else "Este campo es obligatorio."
    reason = values["reason_code"]
    if reason not in REASONS:
        errors["reason_code"] = "Elige el concepto de la nota."
    returned: list[tuple[SalesLine, Decimal, Decimal | None]] = []
    for line in lines:
        qty_name, price_name = f"qty_{line.number}", f"price_{line.number}"
        qty_raw, price_raw = text(form, qty_name)[:40], text(form, price_name)[:40]
        values[qty_name], values[price_name] = qty_raw, price_raw
        if reason == CreditNoteReason.ANNULMENT or not qty_raw:
            continue
        try:
            quantity = parse_non_negative(qty_raw, MAX_QUANTITY)
        except ValueError:
            errors[qty_name] = "Escribe una cantidad (0 para no incluir el producto)."
            continue
        price: Decimal | None = None
        if price_raw:
            try:
                price = parse_non_negative(price_raw)
            except ValueError:
                errors[price_name] = NOT_A_NUMBER
                continue
        if quantity > 0:
            returned.append((line, quantity, price))
    if reason and reason in REASONS and reason != CreditNoteReason.ANNULMENT and not returned:
        errors.setdefault(
            f"qty_{lines[0].number}" if lines else "",
            "Indica la cantidad de al menos un producto.",
        )
    if errors:
        return _form_page(request, ctx, session, invoice, values, errors, status_code=400)
    note = NoteRequest(
        document_type_id=parse_id(values["document_type_id"]),
        document_date=day,
        related_document_id=invoice_id,
        reason_code=reason,
        items=[
            ItemRequest(
                product_code=line.product_code,
                description=None,
                quantity=quantity,
                unit_value=price,
            )
            for line, quantity, price in returned
        ],
        observations=values["observations"] or None,
    )
    try:
        view = sales.issue_note_view(ctx, session.actor, note, DocumentClass.CREDIT_NOTE)
    except RuleViolations as refused:
        items = [line for line, _, _ in returned]
        for violation in refused.violations:
            errors.setdefault(_note_field(violation.field, items), spanish(violation))
        return _form_page(request, ctx, session, invoice, values, errors, status_code=400)
    return redirect(
        request,
        f"{HOME}/{view.document.id}",
        flash=f"Nota crédito {view.document.full_number} registrada sobre la factura "
        f"{invoice.document.full_number}.",
    )


# --- one note -------------------------------------------------------------------------------


@router.get("/{note_id}")
def show(request: Request, ctx: Context, session: FullSession, note_id: int) -> Response:
    view = sales.get_view(ctx, session.actor, checked_id(note_id), DocumentClass.CREDIT_NOTE)
    document = view.document
    sent = transmission.status(ctx, session.actor, document.id or 0)
    document_type = catalogs.get_document_type(
        ctx, session.actor, document.document_type_id
    ).document_type
    electronic = document_type.electronic and einvoicing.find(ctx, session.actor) is not None
    return render(
        request,
        "credit_notes/show.html",
        view=view,
        document=document,
        sent=sent,
        dian=dian_state(sent),
        electronic=electronic,
        can_stamp=electronic
        and document.status == DocumentStatus.ISSUED
        and (sent is None or sent.state is TransmissionState.CONTINGENCY),
        reason=REASONS.get(document.reason_code or "", document.reason_code or ""),
        means_names=view.payment_means_names,
    )


@router.post("/{note_id}/enviar")
def send(
    request: Request, ctx: Context, session: FullSession, note_id: int, form: Form
) -> Response:
    view = sales.get_view(ctx, session.actor, checked_id(note_id), DocumentClass.CREDIT_NOTE)
    message = stamp_message(ctx, session, view.document.id or 0)
    return redirect(request, f"{HOME}/{view.document.id}", flash=message)
