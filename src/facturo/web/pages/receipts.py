"""Recibos de caja (full access): the list by date and customer, collecting a customer's open
installments (abono a deuda) and the receipt's detail. Recording goes through
``services.receipts.record_receipt``, which checks every balance again under lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass, PaymentMeans
from facturo.domain.errors import RuleViolations
from facturo.domain.parties import Party
from facturo.domain.queries import PartyFilter
from facturo.domain.receipts import ReceiptItemRequest, VoucherType
from facturo.domain.sales import DocumentStatus, Installment, SalesDocument
from facturo.services import catalogs, parties, receipts, sales
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.receipts import ReceiptRequest, ReceiptView
from facturo.services.web_sessions import WebSession
from facturo.store.documents import DocumentFilter, ReceiptFilter
from facturo.web.core import PREFIX, Context, Form, FormState, FullSession, redirect, render, text
from facturo.web.format import pesos
from facturo.web.messages import spanish
from facturo.web.pages.selling import (
    NOT_A_DATE,
    checked_id,
    date_range,
    parse_day,
    parse_id,
    parse_positive,
)

router = APIRouter(prefix="/recibos")

HOME = PREFIX + "/recibos"
PAGE_SIZE = 50
DOCUMENT_CHUNK = 200
MAX_DOCUMENTS = 10_000
RESULTS = 20


@dataclass(frozen=True)
class OpenInstallment:
    """An installment the customer still owes, with the document it belongs to."""

    document: SalesDocument
    installment: Installment

    @property
    def field(self) -> str:
        return f"pay_{self.installment.id}"

    @property
    def label(self) -> str:
        return f"{self.document.full_number} cuota {self.installment.due_quote}"


def open_installments(
    ctx: ServiceContext, session: WebSession, customer_id: int
) -> list[OpenInstallment]:
    """What the customer owes, installment by installment, oldest due first."""
    where = DocumentFilter(customer_id=customer_id)
    found: list[OpenInstallment] = []
    offset = 0
    while offset < MAX_DOCUMENTS:
        chunk = sales.page_views(
            ctx,
            session.actor,
            PageRequest(offset, DOCUMENT_CHUNK),
            where,
            with_lines=False,
            counted=False,
        ).views
        for view in chunk:
            document = view.document
            if document.status != DocumentStatus.ISSUED or document.document_class not in (
                DocumentClass.SALES_INVOICE,
                DocumentClass.DEBIT_NOTE,
            ):
                continue
            found.extend(
                OpenInstallment(document, i)
                for i in document.installments
                if i.balance > 0 and i.due_quote is not None and i.id is not None
            )
        if len(chunk) < DOCUMENT_CHUNK:
            break
        offset += DOCUMENT_CHUNK
    return sorted(found, key=lambda o: (o.installment.due_date, o.document.id or 0))


def _means(ctx: ServiceContext, session: WebSession) -> list[PaymentMeans]:
    return [
        m
        for m in catalogs.payment_means_for(ctx, session.actor, purchases=False)
        if m.usable_on_sales_invoice and not m.is_credit
    ]


def _receipt_types(ctx: ServiceContext, session: WebSession) -> list[tuple[int, str]]:
    return [
        (view.document_type.id or 0, view.document_type.name)
        for view in catalogs.get_document_types_of_class(
            ctx, session.actor, DocumentClass.CASH_RECEIPT
        )
        if view.document_type.active
        and view.document_type.automatic_number
        and view.active_numbering is not None
    ]


def _find_parties(ctx: ServiceContext, session: WebSession, query: str) -> list[Party]:
    query = query.strip()[:100]
    if not query:
        return []
    found: dict[int, Party] = {}
    for filters in (
        PartyFilter(identification=query),
        PartyFilter(name=query) if len(query) >= 2 else None,
    ):
        if filters is None:
            continue
        for view in parties.search(ctx, session.actor, filters, PageRequest(0, RESULTS)).views:
            if view.party.id is not None:
                found.setdefault(view.party.id, view.party)
    return list(found.values())[:RESULTS]


# --- the list -------------------------------------------------------------------------------


@router.get("")
def index(
    request: Request,
    ctx: Context,
    session: FullSession,
    desde: str | None = None,
    hasta: str | None = None,
    cliente: str | None = None,
    pagina: int = 1,
) -> Response:
    today = colombian_date(ctx.now())
    start, end, errors = date_range(today, desde, hasta, default_days=30)
    cliente = (cliente or "").strip()[:100]
    page = max(1, min(pagina, 10_000))
    views: list[ReceiptView] = []
    total = 0
    if not errors:
        where = ReceiptFilter(date_from=start, date_to=end)
        if cliente:
            wanted = frozenset(p.id for p in _find_parties(ctx, session, cliente) if p.id)
            where = replace(where, customer_ids=wanted)
        views, total = _newest_first(ctx, session, where, page)
    return render(
        request,
        "receipts/index.html",
        status_code=400 if errors else 200,
        form=FormState(
            {
                "desde": desde or start.isoformat(),
                "hasta": hasta or end.isoformat(),
                "cliente": cliente,
            },
            errors,
        ),
        receipts=views,
        total=total,
        sum_total=sum((v.receipt.total for v in views), Decimal(0)),
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=f"desde={start.isoformat()}&hasta={end.isoformat()}&cliente={cliente}",
    )


def _newest_first(
    ctx: ServiceContext, session: WebSession, where: ReceiptFilter, page: int
) -> tuple[list[ReceiptView], int]:
    """Page ``page`` of the receipts, newest first (the store walks them oldest first)."""
    first, total = receipts.get_page(ctx, session.actor, PageRequest(0, PAGE_SIZE), where)
    if total <= PAGE_SIZE:
        return first[::-1] if page == 1 else [], total
    end = total - (page - 1) * PAGE_SIZE
    if end <= 0:
        return [], total
    start = max(0, end - PAGE_SIZE)
    found, total = receipts.get_page(ctx, session.actor, PageRequest(start, end - start), where)
    return found[::-1], total


# --- a new receipt ----------------------------------------------------------------------


def _form_page(
    request: Request,
    ctx: ServiceContext,
    session: WebSession,
    customer: Party,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    assert customer.id is not None
    owed = open_installments(ctx, session, customer.id)
    types = _receipt_types(ctx, session)
    means = _means(ctx, session)
    values.setdefault("document_type_id", str(types[0][0]) if types else "")
    return render(
        request,
        "receipts/new.html",
        status_code=status_code,
        form=FormState(values, errors),
        customer=customer,
        owed=owed,
        owed_total=sum((o.installment.balance for o in owed), Decimal(0)),
        types=types,
        means_options=[("", "Elige…"), *((m.id, m.name) for m in means)],
        shown=[
            "date",
            "payment_means_id",
            "document_type_id",
            "observations",
            *(o.field for o in owed),
        ],
    )


@router.get("/nuevo")
def new(
    request: Request,
    ctx: Context,
    session: FullSession,
    cliente: str | None = None,
    cliente_id: str | None = None,
) -> Response:
    customer_id = parse_id(cliente_id or "")
    if customer_id is not None:
        customer = parties.get(ctx, session.actor, customer_id).party
        cash = next((m.id for m in _means(ctx, session) if m.dian_code == "10"), None)
        values = {
            "date": colombian_date(ctx.now()).isoformat(),
            "payment_means_id": str(cash or ""),
            "customer_id": str(customer_id),
        }
        return _form_page(request, ctx, session, customer, values, {})
    query = (cliente or "").strip()[:100]
    found = _find_parties(ctx, session, query) if query else None
    return render(
        request,
        "receipts/choose.html",
        form=FormState({"cliente": query}),
        found=found,
    )


def _item_field(path: str, items: Sequence[OpenInstallment]) -> str:
    parts = path.split(".")
    if parts[0] == "items" and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        return items[index].field if index < len(items) else ""
    if parts[0] in ("date", "payment_means_id", "document_type_id", "observations"):
        return parts[0]
    if parts[0] == "number":
        return "document_type_id"
    return ""


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    customer_id = parse_id(text(form, "customer_id"))
    if customer_id is None:
        return redirect(request, HOME + "/nuevo", flash="Elige primero el cliente.")
    customer = parties.get(ctx, session.actor, customer_id).party
    owed = open_installments(ctx, session, customer_id)
    values = {
        name: text(form, name)[:200]
        for name in ("customer_id", "date", "payment_means_id", "document_type_id", "observations")
    }
    errors: dict[str, str] = {}
    day: date | None = None
    try:
        day = parse_day(values["date"])
    except ValueError:
        errors["date"] = NOT_A_DATE if values["date"] else "Este campo es obligatorio."
    paying: list[tuple[OpenInstallment, Decimal]] = []
    for entry in owed:
        raw = text(form, entry.field)[:40]
        values[entry.field] = raw
        if not raw:
            continue
        try:
            amount = parse_positive(raw)
        except ValueError:
            errors[entry.field] = "Escribe un valor mayor que cero, por ejemplo 150.000."
            continue
        paying.append((entry, amount))
    if not paying and not errors:
        errors[""] = (
            "Escribe el valor a abonar en al menos una cuota."
            if owed
            else "El cliente no tiene saldos pendientes."
        )
    if errors:
        return _form_page(request, ctx, session, customer, values, errors, status_code=400)
    request_ = ReceiptRequest(
        document_type_id=parse_id(values["document_type_id"]),
        document_date=day,
        identification=customer.identification,
        branch_office=customer.branch_office,
        voucher_type=VoucherType.DEBT_PAYMENT,
        payment_means_id=parse_id(values["payment_means_id"]),
        items=[
            ReceiptItemRequest(
                value=amount,
                due_prefix=entry.document.due_prefix,
                due_consecutive=entry.document.number,
                due_quote=entry.installment.due_quote,
            )
            for entry, amount in paying
        ],
        observations=values["observations"] or None,
    )
    try:
        view = receipts.record_receipt(ctx, session.actor, request_)
    except RuleViolations as refused:
        items = [entry for entry, _ in paying]
        for violation in refused.violations:
            errors.setdefault(_item_field(violation.field, items), spanish(violation))
        return _form_page(request, ctx, session, customer, values, errors, status_code=400)
    return redirect(
        request,
        f"{HOME}/{view.receipt.id}",
        flash=f"Recibo {view.receipt.name} registrado por {pesos(view.receipt.total)}.",
    )


# --- one receipt ----------------------------------------------------------------------------


@router.get("/{receipt_id}")
def show(request: Request, ctx: Context, session: FullSession, receipt_id: int) -> Response:
    view = receipts.get(ctx, session.actor, checked_id(receipt_id))
    return render(request, "receipts/show.html", view=view, receipt=view.receipt)
