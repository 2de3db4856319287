"""Issuing sales invoices, credit notes and debit notes; annulling invoices.

Every issuance is one transaction that checks everything first — customer, seller, products,
taxes, payments, declared totals — then takes what must be taken in a fixed order: the stock
balance rows of the products sold, then the numbering range row, then writes the document,
its lines, installments, stock movements and the applications of what was paid at once. The
range row is held from the moment its number is taken until commit, and nothing slow happens
in between, so numbers stay gapless without making every sale wait long.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from facturo.domain import annexes
from facturo.domain.access import Actor, Permission
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import (
    DiscountType,
    DocumentClass,
    DocumentType,
    NumberingRange,
    PaymentMeans,
    Tax,
    TaxType,
    Warehouse,
)
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.money import HUNDRED, ZERO, money, plain
from facturo.domain.parties import GUIDE_RULES, Contact, ContactData, Party, PartyData, PartyRules
from facturo.domain.receivables import (
    ApplicationSource,
    CreditSource,
    CustomerCredit,
    take_from_credits,
)
from facturo.domain.sales import (
    CreditNoteReason,
    DebitNoteReason,
    DocumentAmounts,
    DocumentStatus,
    Installment,
    ItemRequest,
    OrderReference,
    PaymentRequest,
    SalesDocument,
    SalesLine,
    TaxRate,
    check_declared,
    check_item_numbers,
    check_line_amounts,
    check_order_references,
    check_payments,
    computed_values,
    document_amounts,
    installments_for,
    line_amounts,
    one_credit_payment,
    positive_total,
    returned_quantities,
)
from facturo.domain.stock import StockMovement, StockReason, insufficient_stock
from facturo.domain.transmission import TransmissionState
from facturo.domain.users import User
from facturo.domain.validation import Checker
from facturo.domain.webhooks import Topic
from facturo.services import contacts, issuing, parties, transmission, webhooks
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.transactions import run_writing
from facturo.store.documents import Application, DocumentFilter
from facturo.store.repositories import ProductForSale
from facturo.store.unit_of_work import UnitOfWork

MAX_OBSERVATIONS = 4000


@dataclass(frozen=True)
class CustomerReference:
    """Who buys: an existing tercero (by id, or by identification and branch office), or one
    to create from ``new_party`` when none has that identification, as Siigo does."""

    identification: str | None = None
    branch_office: int = 0
    party_id: int | None = None
    new_party: PartyData | None = None
    new_contact: ContactData | None = None
    party_guid: uuid.UUID | None = None  # the current API's customer{id}
    more_contacts: Sequence[ContactData] = ()  # further contacts of a customer to create
    rules: PartyRules = GUIDE_RULES  # what the caller's dialect requires of a new customer


@dataclass(frozen=True)
class SaleRequest:
    document_type_id: int | None
    document_date: date | None
    customer: CustomerReference
    seller_identification: str | None
    items: Sequence[ItemRequest]
    payments: Sequence[PaymentRequest]
    number: int | None = None  # only for document types numbered by hand
    cost_center_code: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    observations: str | None = None
    reteiva_tax_id: int | None = None
    reteica_tax_id: int | None = None
    advance_payment: Decimal | None = None  # the customer's credit to apply to this invoice
    declared: Mapping[str, Decimal | None] = field(
        default_factory=dict
    )  # totals the client computed
    idempotency_key: str | None = None
    # The current API's spelling: the seller and cost center by id, retentions[{id}] mapped
    # onto ReteIVA/ReteICA by type, at most one payment on credit (installment 1), order
    # references, and rules of the request's own shape its face found while reading it.
    seller_id: int | None = None
    cost_center_id: int | None = None
    retention_ids: Sequence[int | None] | None = None
    one_credit_payment: bool = False
    order_references: Mapping[str, OrderReference] = field(default_factory=dict)
    face_violations: Sequence[Violation] = ()
    stamp: bool = False  # send it to the DIAN once committed (current API stamp.send)


@dataclass(frozen=True)
class NoteRequest:
    """A credit or debit note on an invoice. Credit-note items take the invoice's taxes for the
    same product; a full annulment (reason 2) may leave items out to reverse every line."""

    document_type_id: int | None
    document_date: date | None
    related_document_id: int | None
    reason_code: str | None
    items: Sequence[ItemRequest]
    number: int | None = None
    seller_identification: str | None = None
    observations: str | None = None
    due_date: date | None = None  # debit notes: when the added amount is due
    declared: Mapping[str, Decimal | None] = field(default_factory=dict)
    idempotency_key: str | None = None
    # The invoice may be named instead by its type (FV-1) and number, as receipts name it.
    related_prefix: str | None = None
    related_number: int | None = None
    # The current API's spelling: the invoice by GUID (as sent), and payments[] that must add
    # up to the note's total (None: the dialect sends none, nothing is checked).
    related_guid: str | None = None
    payments: Sequence[PaymentRequest] | None = None
    face_violations: Sequence[Violation] = ()  # what the face found wrong reading the body
    stamp: bool = False  # send it to the DIAN once committed


# --- reading -------------------------------------------------------------------------------


def customer_id_for(
    ctx: ServiceContext, actor: Actor, identification: str, branch_office: int | None
) -> int | None:
    """The tercero a list filter names by identification (None: no such tercero)."""
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.parties.find_by_identification(
            actor.company_id, identification.strip(), branch_office or 0
        )
    return found.id if found else None


# --- invoices -----------------------------------------------------------------------------


def issue_invoice(ctx: ServiceContext, actor: Actor, request: SaleRequest) -> SalesDocument:
    actor.require(Permission.INVOICES_CREATE)
    return run_writing(ctx, lambda uow: _issue_invoice(ctx, uow, actor, request))


def _issue_invoice(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, request: SaleRequest
) -> SalesDocument:
    company_id = actor.company_id
    if request.idempotency_key:
        earlier = uow.sales_documents.find_by_idempotency_key(
            company_id, DocumentClass.SALES_INVOICE, request.idempotency_key
        )
        if earlier is not None:  # a retry of a request whose answer was lost
            return earlier
    draft = _check_invoice(ctx, uow, actor, request)
    if request.stamp:
        transmission.check_stampable(ctx, uow, draft.document_type, draft.numbering)
    installments, advance_installment = _installments(company_id, draft)
    # Everything is written first; only then are the shared rows locked — the stock balances of
    # the products sold and the numbering range — so they are held for a few statements only.
    document = uow.sales_documents.add(
        SalesDocument(
            company_id=company_id,
            document_class=DocumentClass.SALES_INVOICE,
            document_type_id=draft.document_type.id or 0,
            document_type_code=draft.document_type.code,
            numbering_range_id=draft.numbering.id or 0,
            prefix=draft.numbering.prefix,
            created_by=actor.user_id,
            idempotency_key=request.idempotency_key,
            **_content(uow, company_id, draft, request, installments),
        )
    )
    movements = _sale_movements(actor, draft.lines, document.id)
    uow.stock.record(movements)
    _settle_at_issue(uow, company_id, document, advance_installment, draft.credits)
    _take_stock(uow, company_id, movements, draft.lines)
    uow.sales_documents.set_number(
        document,
        issuing.take_number(uow, company_id, draft.document_type, draft.numbering, request.number),
    )
    if request.stamp:
        transmission.enqueue_issued(ctx, uow, document)
    webhooks.publish_sale(ctx, uow, actor, Topic.INVOICES_CREATE, document, movements)
    return document


@dataclass
class _InvoiceDraft:
    """An invoice request checked against everything it names, ready to be written."""

    document_type: DocumentType
    numbering: NumberingRange
    date: date
    customer: Party
    seller_id: int
    cost_center_id: int | None
    currency: tuple[str, Decimal | None]
    lines: list[SalesLine]
    amounts: DocumentAmounts
    reteiva: TaxRate | None
    reteica: TaxRate | None
    payments: Sequence[PaymentRequest]
    means: Mapping[int, PaymentMeans]
    advance: Decimal
    credits: list[CustomerCredit]


def _check_invoice(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    request: SaleRequest,
    *,
    replacing: SalesDocument | None = None,
) -> _InvoiceDraft:
    """Every rule of an invoice, checked together: issuing one, or replacing ``replacing``
    (which keeps its type, numbering range and number)."""
    company_id = actor.company_id
    check = Checker()
    check.extend(request.face_violations)
    if replacing is None:
        document_date, document_type, numbering = issuing.heading(
            check,
            uow,
            company_id,
            ctx.now(),
            request.document_type_id,
            DocumentClass.SALES_INVOICE,
            request.document_date,
            request.number,
        )
    else:
        document_date, document_type, numbering = issuing.replacement_heading(
            check, uow, company_id, ctx.now(), replacing, request.document_date
        )
    if request.seller_id is not None:
        seller = issuing.seller_by_id(check, uow, company_id, request.seller_id, "seller_id")
    else:
        seller = issuing.seller(
            check, uow, company_id, request.seller_identification, "seller_identification"
        )
    cost_center_id = issuing.cost_center(
        check,
        uow,
        company_id,
        request.cost_center_code,
        document_type,
        center_id=request.cost_center_id,
    )
    currency = issuing.currency(check, request.currency_code, request.exchange_rate)
    check.max_length(request.observations, MAX_OBSERVATIONS, "observations")
    check.extend(check_order_references(request.order_references, "order_references").violations)
    lines = _price_items(
        check,
        uow,
        company_id,
        request.items,
        discount_type=document_type.discount_type if document_type else None,
    )
    reteiva_id, reteica_id = request.reteiva_tax_id, request.reteica_tax_id
    # The total depends on the retentions: when they are refused it cannot be known, so the
    # payments are not held against it.
    known_before_retentions = len(check.violations)
    if request.retention_ids is not None:
        reteiva_id, reteica_id = _retention_slots(check, uow, company_id, request.retention_ids)
    reteiva = _withholding(check, uow, company_id, reteiva_id, TaxType.RETEIVA, "reteiva.id")
    reteica = _withholding(check, uow, company_id, reteica_id, TaxType.RETEICA, "reteica.id")
    retentions_known = len(check.violations) == known_before_retentions
    amounts = document_amounts(lines, reteiva=reteiva, reteica=reteica)
    if lines and len(lines) == len(request.items):
        check.extend(
            check_declared(request.declared, _declarable(lines, amounts, reteiva, reteica))
        )
        check.extend(positive_total(amounts))
    means = uow.catalogs(company_id).payment_means
    payments = request.payments
    if request.one_credit_payment:
        payments, refused = one_credit_payment(payments, means)
        check.extend(refused)
    advance = money(request.advance_payment) if request.advance_payment else ZERO
    if advance and (advance < 0 or advance > amounts.total):
        check.add(
            "invalid_amount",
            "advance_payment",
            "The field {field} must be between 0 and the invoice total",
        )
    if (
        retentions_known
        and not check.has_errors_on("total")
        and lines
        and len(lines) == len(request.items)
    ):
        check.extend(
            check_payments(
                payments,
                expected_total=amounts.total - advance,
                means=means,
                document_date=document_date or colombian_date(ctx.now()),
            ).violations
        )
    customer = _customer(ctx, check, uow, actor, request.customer)
    credits: list[CustomerCredit] = []
    if advance > 0 and customer is not None and customer.id is not None:
        credits = uow.customer_credits.available(company_id, customer.id, for_update=True)
        available = sum((c.remaining for c in credits), ZERO)
        if available < advance:
            check.add(
                "invalid_amount",
                "advance_payment",
                f"The customer has {plain(available)} in advances and credits, less than the {{field}}",
            )
    check.raise_if_any()
    assert document_type is not None and numbering is not None and document_date is not None
    assert (
        seller is not None
        and customer is not None
        and customer.id is not None
        and seller.id is not None
    )
    return _InvoiceDraft(
        document_type=document_type,
        numbering=numbering,
        date=document_date,
        customer=customer,
        seller_id=seller.id,
        cost_center_id=cost_center_id,
        currency=currency,
        lines=lines,
        amounts=amounts,
        reteiva=reteiva,
        reteica=reteica,
        payments=payments,
        means=means,
        advance=advance,
        credits=credits,
    )


def _installments(
    company_id: int, draft: _InvoiceDraft
) -> tuple[list[Installment], Installment | None]:
    """One installment per payment, and one for what the customer's advances pay (if any)."""
    installments = installments_for(company_id, draft.payments, draft.means, draft.date)
    advance_installment = None
    if draft.advance > 0:
        advance_installment = _advance_installment(
            company_id, draft.means, draft.advance, draft.date, len(installments) + 1
        )
        installments.append(advance_installment)
    return installments, advance_installment


def _content(
    uow: UnitOfWork,
    company_id: int,
    draft: _InvoiceDraft,
    request: SaleRequest,
    installments: list[Installment],
) -> dict[str, Any]:
    """What an invoice's request sets on the document (issued or replaced alike)."""
    assert draft.customer.id is not None
    return {
        "date": draft.date,
        "customer_id": draft.customer.id,
        "contact_id": _principal_contact_id(uow, company_id, draft.customer.id),
        "seller_id": draft.seller_id,
        "cost_center_id": draft.cost_center_id,
        "currency_code": draft.currency[0],
        "exchange_rate": draft.currency[1],
        "observations": request.observations,
        "lines": draft.lines,
        "installments": installments,
        "amounts": draft.amounts,
        "reteiva": draft.reteiva,
        "reteica": draft.reteica,
        "order_references": dict(request.order_references),
    }


def _sale_movements(
    actor: Actor, lines: Sequence[SalesLine], document_id: int | None
) -> list[StockMovement]:
    return [
        StockMovement(
            company_id=actor.company_id,
            product_id=line.product_id,
            warehouse_id=line.warehouse_id,
            quantity=-line.quantity,
            reason=StockReason.SALE,
            document_id=document_id,
            created_by=actor.user_id,
        )
        for line in lines
        if line.warehouse_id is not None
    ]


def _advance_installment(
    company_id: int, means: Mapping[int, PaymentMeans], advance: Decimal, on: date, position: int
) -> Installment:
    """The part of an invoice paid with the customer's advances: a system payment means."""
    system = next(
        (m for m in means.values() if m.is_system and m.active and m.means_type.serves_sales), None
    )
    if system is None or system.id is None:
        raise RuleViolations(
            [
                Violation(
                    "company_settings",
                    "advance_payment",
                    "The company has no system payment means for advances",
                )
            ]
        )
    return Installment(
        company_id=company_id,
        position=position,
        payment_means_id=system.id,
        amount=advance,
        balance=advance,
        due_date=on,
        paid_at_issue=True,
    )


def _settle_at_issue(
    uow: UnitOfWork,
    company_id: int,
    document: SalesDocument,
    advance_installment: Installment | None,
    credits: list[CustomerCredit],
) -> None:
    """Installments paid at the sale (cash, cards, advances) are settled by the sale itself."""
    applications = []
    for installment in document.installments:
        if not installment.paid_at_issue:
            continue
        if installment is advance_installment:
            for credit, portion in take_from_credits(credits, installment.amount):
                applications.append(
                    Application(installment, portion, ApplicationSource.CUSTOMER_CREDIT, credit.id)
                )
        else:
            applications.append(
                Application(installment, installment.amount, ApplicationSource.SALE, document.id)
            )
    uow.sales_documents.apply(company_id, applications)
    uow.customer_credits.save_remaining(credits)


# --- credit and debit notes ----------------------------------------------------------------


def issue_credit_note(ctx: ServiceContext, actor: Actor, request: NoteRequest) -> SalesDocument:
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(
        ctx, lambda uow: _issue_note(ctx, uow, actor, request, DocumentClass.CREDIT_NOTE)
    )


def issue_debit_note(ctx: ServiceContext, actor: Actor, request: NoteRequest) -> SalesDocument:
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(
        ctx, lambda uow: _issue_note(ctx, uow, actor, request, DocumentClass.DEBIT_NOTE)
    )


def _issue_note(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    request: NoteRequest,
    document_class: DocumentClass,
) -> SalesDocument:
    company_id = actor.company_id
    if request.idempotency_key:
        earlier = uow.sales_documents.find_by_idempotency_key(
            company_id, document_class, request.idempotency_key
        )
        if earlier is not None:
            return earlier
    credit = document_class == DocumentClass.CREDIT_NOTE
    check = Checker()
    check.extend(request.face_violations)
    note_date, document_type, numbering = issuing.heading(
        check,
        uow,
        company_id,
        ctx.now(),
        request.document_type_id,
        document_class,
        request.document_date,
        request.number,
    )
    reasons = CreditNoteReason if credit else DebitNoteReason
    reason_code = (request.reason_code or "").strip()
    if check.required(reason_code, "reason_code") and reason_code not in {r.value for r in reasons}:
        check.one_of(reason_code, [r.value for r in reasons], "reason_code")
    invoice = _invoice_to_correct(
        check,
        uow,
        company_id,
        _related_id(uow, company_id, request),
        note_date,
        named=request.related_guid,
    )
    check.max_length(request.observations, MAX_OBSERVATIONS, "observations")
    seller_id: int | None = invoice.seller_id if invoice else None
    if request.seller_identification:
        seller = issuing.seller(
            check, uow, company_id, request.seller_identification, "seller_identification"
        )
        seller_id = seller.id if seller else None
    check.raise_if_any()
    assert (
        invoice is not None
        and invoice.id is not None
        and document_type is not None
        and numbering is not None
    )
    assert note_date is not None and seller_id is not None

    earlier_notes = [
        n
        for n in uow.sales_documents.related(company_id, invoice.id)
        if n.status == DocumentStatus.ISSUED
    ]
    items = list(request.items)
    if credit and not items and reason_code == CreditNoteReason.ANNULMENT:
        if any(_changed_value(n) for n in earlier_notes):
            check.add(
                "parameter_required",
                "items",
                "Earlier notes changed the value of this invoice: send the items that reverse "
                "what is left of it ({field})",
            )
        items = _reverse_all(invoice, earlier_notes)
    lines = (
        _price_note_items(
            check,
            uow,
            company_id,
            invoice,
            items,
            discount_type=document_type.discount_type if document_type else None,
        )
        if credit
        else _price_items(check, uow, company_id, items, moves_stock=False)
    )
    amounts = document_amounts(lines, reteiva=invoice.reteiva, reteica=invoice.reteica)
    if lines and len(lines) == len(items):
        check.extend(
            check_declared(
                request.declared, _declarable(lines, amounts, invoice.reteiva, invoice.reteica)
            )
        )
        check.extend(positive_total(amounts))
    if credit and lines and not check.violations:
        _check_credit_fits(
            check, invoice, earlier_notes, lines, amounts, CreditNoteReason(reason_code)
        )
    if request.payments is not None and lines and not check.violations:
        check.extend(
            check_payments(
                request.payments,
                expected_total=amounts.total,
                means=uow.catalogs(company_id).payment_means,
                document_date=note_date,
                document_noun="credit note" if credit else "debit note",
                installments=False,
            ).violations
        )
    due_date = request.due_date or note_date
    if not credit and due_date < note_date:
        check.add("invalid_date", "due_date", "The field {field} cannot be before the note's date")
    check.raise_if_any()
    if request.stamp:
        transmission.check_stampable(ctx, uow, document_type, numbering, corrects=invoice)

    movements: list[StockMovement] = []
    if credit and CreditNoteReason(reason_code).returns_goods:
        movements = [
            StockMovement(
                company_id=company_id,
                product_id=line.product_id,
                warehouse_id=line.warehouse_id,
                quantity=line.quantity,
                reason=StockReason.SALE_RETURN,
                created_by=actor.user_id,
            )
            for line in lines
            if line.warehouse_id is not None
        ]
    installments = (
        [] if credit else [_debit_installment(uow, company_id, invoice, amounts.total, due_date)]
    )
    note = uow.sales_documents.add(
        SalesDocument(
            company_id=company_id,
            document_class=document_class,
            document_type_id=document_type.id or 0,
            document_type_code=document_type.code,
            numbering_range_id=numbering.id or 0,
            prefix=numbering.prefix,
            date=note_date,
            customer_id=invoice.customer_id,
            contact_id=invoice.contact_id,
            seller_id=seller_id,
            cost_center_id=invoice.cost_center_id,
            currency_code=invoice.currency_code,
            exchange_rate=invoice.exchange_rate,
            observations=request.observations,
            lines=lines,
            installments=installments,
            amounts=amounts,
            reteiva=invoice.reteiva,
            reteica=invoice.reteica,
            related_document_id=invoice.id,
            reason_code=reason_code,
            created_by=actor.user_id,
            idempotency_key=request.idempotency_key,
        )
    )
    for movement in movements:
        movement.document_id = note.id
    uow.stock.record(movements)
    if credit:
        _credit_receivable(uow, company_id, invoice, note)
    uow.stock.adjust(movements)
    uow.sales_documents.set_number(
        note, issuing.take_number(uow, company_id, document_type, numbering, request.number)
    )
    if request.stamp:
        transmission.enqueue_issued(ctx, uow, note)
    webhooks.publish_sale(ctx, uow, actor, None, note, movements)
    return note


def _related_id(uow: UnitOfWork, company_id: int, request: NoteRequest) -> int | None:
    if request.related_guid is not None:
        try:
            guid = uuid.UUID(request.related_guid.strip())
        except ValueError:
            return -1  # names nothing: reported as an unknown invoice
        found_id = uow.sales_documents.id_for_guid(company_id, guid, DocumentClass.SALES_INVOICE)
        return found_id if found_id is not None else -1
    if (
        request.related_document_id is not None
        or not request.related_prefix
        or request.related_number is None
    ):
        return request.related_document_id
    document_class, _, code = request.related_prefix.strip().upper().partition("-")
    if document_class != DocumentClass.SALES_INVOICE or not code.isdigit():
        return -1  # names nothing: reported as an unknown invoice
    found = uow.sales_documents.find_by_number(
        company_id, DocumentClass.SALES_INVOICE, int(code), request.related_number
    )
    return found.id if found else -1


def _invoice_to_correct(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    invoice_id: int | None,
    note_date: date | None,
    *,
    named: str | None = None,
) -> SalesDocument | None:
    """The invoice a note corrects, locked; ``named`` is how the client named it, for the
    message when it names none."""
    if not check.required(invoice_id, "related_document_id"):
        return None
    invoice = uow.sales_documents.find(company_id, invoice_id or 0, for_update=True)
    if invoice is None or invoice.document_class != DocumentClass.SALES_INVOICE:
        check.add(
            "invalid_reference",
            "related_document_id",
            f"The invoice {named or invoice_id} in {{field}} does not exist",
        )
        return None
    if invoice.status != DocumentStatus.ISSUED:
        check.add(
            "invalid_document",
            "related_document_id",
            f"The invoice {invoice.full_number} is annulled",
        )
    if note_date is not None and note_date < invoice.date:
        check.add("invalid_date", "date", "A note cannot be dated before the invoice it corrects")
    return invoice


def _changed_value(note: SalesDocument) -> bool:
    """Whether a note changed the invoice's value other than by returning goods."""
    if note.document_class == DocumentClass.DEBIT_NOTE:
        return True
    return note.reason_code is not None and not CreditNoteReason(note.reason_code).returns_goods


def _reverse_all(
    invoice: SalesDocument, earlier_notes: Sequence[SalesDocument]
) -> list[ItemRequest]:
    """The items of a full reversal: every invoice line, less what earlier notes returned."""
    returned = returned_quantities(
        n for n in earlier_notes if n.document_class == DocumentClass.CREDIT_NOTE
    )
    items = []
    for line in invoice.lines:
        left = line.quantity - returned.get(line.product_id, ZERO)
        returned[line.product_id] = max(ZERO, returned.get(line.product_id, ZERO) - line.quantity)
        if left > 0:
            items.append(
                ItemRequest(
                    product_code=line.product_code,
                    description=line.description,
                    quantity=left,
                    unit_value=line.unit_value,
                    discount_percentage=line.discount_percentage
                    if line.discount_percentage
                    else None,
                    discount_value=None
                    if line.discount_percentage
                    else _prorated_discount(line, left),
                )
            )
    return items


def _prorated_discount(line: SalesLine, quantity: Decimal) -> Decimal | None:
    if line.amounts.discount == 0:
        return None
    return money(line.amounts.discount * quantity / line.quantity)


def _price_note_items(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    invoice: SalesDocument,
    items: Sequence[ItemRequest],
    *,
    discount_type: DiscountType | None = None,
) -> list[SalesLine]:
    """Credit-note lines: products of the invoice, with the invoice line's taxes and warehouse.
    Items written the current API's way (``taxes[{id}]``, ``taxed_price``, ``discount``) are
    resolved first; a ``taxed_price`` without ``taxes`` is read with the invoice line's taxes."""
    if not check.required(items, "items"):
        return []
    by_code = {line.product_code: line for line in invoice.lines}
    taxes = uow.catalogs(company_id).taxes
    lines = []
    for index, item in enumerate(items):
        name = f"items.{index}"
        item = resolve_item(check, taxes, _with_invoice_taxes(item, by_code), name, discount_type)
        check.extend(check_item_numbers(_with_invoice_price(item, by_code), name).violations)
        invoiced = by_code.get((item.product_code or "").strip())
        if invoiced is None:
            check.add(
                "invalid_reference",
                f"{name}.product_code",
                f"The product {item.product_code} in {{field}} is not on the invoice",
            )
            continue
        for slot in ("tax_add_id", "tax_add2_id", "tax_discount_id"):
            sent = getattr(item, slot)
            kept = getattr(invoiced, slot.removesuffix("_id"))
            if sent is not None and sent != (kept.id if kept else None):
                check.add(
                    "invalid_value",
                    f"{name}.{slot}",
                    "The field {field} must be the invoice line's tax",
                )
        item = _with_invoice_price(item, by_code)
        if (
            item.quantity is None
            or item.unit_value is None
            or check.has_errors_on(f"{name}.quantity")
        ):
            continue
        amounts = line_amounts(
            quantity=item.quantity,
            unit_value=item.unit_value,
            discount_value=item.discount_value,
            discount_percentage=item.discount_percentage,
            tax_add=invoiced.tax_add,
            tax_add2=invoiced.tax_add2,
            tax_discount=invoiced.tax_discount,
        )
        line = SalesLine(
            number=index + 1,
            product_id=invoiced.product_id,
            product_code=invoiced.product_code,
            description=(item.description or invoiced.description).strip(),
            quantity=item.quantity,
            unit_value=item.unit_value,
            discount_percentage=item.discount_percentage,
            tax_add=invoiced.tax_add,
            tax_add2=invoiced.tax_add2,
            tax_discount=invoiced.tax_discount,
            amounts=amounts,
            warehouse_id=invoiced.warehouse_id,
            seller_id=invoiced.seller_id,
        )
        check.extend(check_line_amounts(line, name).violations)
        lines.append(line)
    return lines


def _with_invoice_taxes(item: ItemRequest, by_code: Mapping[str, SalesLine]) -> ItemRequest:
    invoiced = by_code.get((item.product_code or "").strip())
    if item.taxed_price is None or item.tax_ids or invoiced is None:
        return item
    kept = (invoiced.tax_add, invoiced.tax_add2, invoiced.tax_discount)
    return replace(item, tax_ids=tuple(rate.id for rate in kept if rate is not None))


def _with_invoice_price(item: ItemRequest, by_code: Mapping[str, SalesLine]) -> ItemRequest:
    invoiced = by_code.get((item.product_code or "").strip())
    if item.unit_value is not None or invoiced is None:
        return item
    return ItemRequest(
        product_code=item.product_code,
        description=item.description,
        quantity=item.quantity,
        unit_value=invoiced.unit_value,
        discount_value=item.discount_value,
        discount_percentage=item.discount_percentage if item.discount_value is None else None,
        tax_add_id=item.tax_add_id,
        tax_add2_id=item.tax_add2_id,
        tax_discount_id=item.tax_discount_id,
        warehouse_code=item.warehouse_code,
        seller_identification=item.seller_identification,
    )


def _check_credit_fits(
    check: Checker,
    invoice: SalesDocument,
    earlier_notes: Sequence[SalesDocument],
    lines: Sequence[SalesLine],
    amounts: DocumentAmounts,
    reason: CreditNoteReason,
) -> None:
    credited = sum(
        (n.amounts.total for n in earlier_notes if n.document_class == DocumentClass.CREDIT_NOTE),
        ZERO,
    )
    debited = sum(
        (n.amounts.total for n in earlier_notes if n.document_class == DocumentClass.DEBIT_NOTE),
        ZERO,
    )
    left = invoice.amounts.total + debited - credited
    if amounts.total > left:
        check.add(
            "invalid_amount",
            "total",
            f"The credit note's total {plain(amounts.total)} exceeds what is left of invoice "
            f"{invoice.full_number}: {plain(left)}",
            detail=plain(left),
        )
    if reason == CreditNoteReason.ANNULMENT and amounts.total != left:
        check.add(
            "invalid_amount",
            "total",
            f"An annulment note (reason 2) must reverse all that is left of the invoice: {plain(left)}",
            detail=plain(left),
        )
    if not reason.returns_goods:
        return
    invoiced: dict[int, Decimal] = {}
    for line in invoice.lines:
        invoiced[line.product_id] = invoiced.get(line.product_id, ZERO) + line.quantity
    returned = returned_quantities(
        n for n in earlier_notes if n.document_class == DocumentClass.CREDIT_NOTE
    )
    for index, line in enumerate(lines):
        returned[line.product_id] = returned.get(line.product_id, ZERO) + line.quantity
        if returned[line.product_id] > invoiced.get(line.product_id, ZERO):
            left_to_return = invoiced.get(line.product_id, ZERO) - (
                returned[line.product_id] - line.quantity
            )
            check.add(
                "invalid_amount",
                f"items.{index}.quantity",
                f"Only {plain(max(left_to_return, ZERO))} of {line.product_code} are left to return ({{field}})",
                detail=plain(max(left_to_return, ZERO)),
            )


def _credit_receivable(
    uow: UnitOfWork, company_id: int, invoice: SalesDocument, note: SalesDocument
) -> None:
    """A credit note lowers what the customer owes on the invoice, latest installments first;
    what it gives back beyond that debt becomes the customer's credit."""
    open_installments = sorted(
        (i for i in invoice.installments if i.balance > 0),
        key=lambda i: (i.due_date, i.position),
        reverse=True,
    )
    balances = uow.sales_documents.lock_installments(
        company_id, [i.id for i in open_installments if i.id]
    )
    left = note.amounts.total
    applications = []
    for installment in open_installments:
        installment.balance = balances.get(installment.id or 0, installment.balance)
        portion = min(installment.balance, left)
        if portion > 0:
            applications.append(
                Application(installment, portion, ApplicationSource.CREDIT_NOTE, note.id)
            )
            left -= portion
    uow.sales_documents.apply(company_id, applications)
    if left > 0:
        uow.customer_credits.add(
            CustomerCredit(
                company_id=company_id,
                party_id=invoice.customer_id,
                source=CreditSource.CREDIT_NOTE,
                source_id=note.id or 0,
                amount=left,
                remaining=left,
            )
        )


def _debit_installment(
    uow: UnitOfWork, company_id: int, invoice: SalesDocument, amount: Decimal, due: date
) -> Installment:
    """A debit note is owed on credit: one installment, due when the note says."""
    means = uow.catalogs(company_id).payment_means.values()
    credit = next((m for m in means if m.is_credit and m.usable_on_sales_invoice), None)
    if credit is None or credit.id is None:
        raise RuleViolations(
            [Violation("company_settings", "", "The company has no credit payment means")]
        )
    return Installment(
        company_id=company_id,
        position=1,
        payment_means_id=credit.id,
        amount=amount,
        balance=amount,
        due_date=due,
        due_quote=1,
    )


# --- annulment, replacement and withdrawal ---------------------------------------------------


def annul_invoice(
    ctx: ServiceContext, actor: Actor, invoice_id: int, reason: str | None
) -> SalesDocument:
    """Annuls an invoice nothing else depends on: its goods go back to stock, what is owed on
    it is written off (advances applied come back to the customer), its number stays used."""
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(ctx, lambda uow: _annul(ctx, uow, actor, invoice_id, reason))


def _annul(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, invoice_id: int, reason: str | None
) -> SalesDocument:
    company_id = actor.company_id
    invoice = _invoice_to_change(uow, company_id, invoice_id)
    check = Checker()
    if check.required(reason, "reason"):
        check.max_length(reason, 500, "reason")
    if invoice.status == DocumentStatus.ANNULLED:
        check.add(
            "update_not_allowed", "", f"The invoice {invoice.full_number} is already annulled"
        )
    check_changeable(check, uow, invoice)
    check.raise_if_any()
    _undo_invoice(uow, actor, invoice)
    uow.sales_documents.mark_annulled(invoice, (reason or "").strip(), ctx.now())
    returned = _return_goods(actor, invoice, StockReason.ANNULMENT)
    webhooks.publish_sale(ctx, uow, actor, Topic.INVOICES_ANNUL, invoice, returned)
    return invoice


def delete_invoice(ctx: ServiceContext, actor: Actor, invoice_id: int) -> SalesDocument:
    """Withdraws an invoice the DIAN has not seen and nothing depends on (the current API's
    DELETE): as an annulment, its goods go back to stock and what is owed on it is written
    off; its number stays used, and it is kept for the audit trail but no longer shown."""
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(ctx, lambda uow: _delete(ctx, uow, actor, invoice_id))


def _delete(ctx: ServiceContext, uow: UnitOfWork, actor: Actor, invoice_id: int) -> SalesDocument:
    invoice = _invoice_to_change(uow, actor.company_id, invoice_id)
    check = Checker()
    _check_not_annulled(check, invoice)
    check_changeable(check, uow, invoice)
    check.raise_if_any()
    _undo_invoice(uow, actor, invoice)
    uow.sales_documents.mark_deleted(invoice, ctx.now())
    returned = _return_goods(actor, invoice, StockReason.ANNULMENT)
    webhooks.publish_sale(ctx, uow, actor, Topic.INVOICES_DELETE, invoice, returned)
    return invoice


def replace_invoice(
    ctx: ServiceContext, actor: Actor, invoice_id: int, request: SaleRequest
) -> SalesDocument:
    """Replaces an invoice's content while nothing depends on it (the current API's PUT): in
    one transaction, with the invoice locked, its goods come back and its installments go,
    then the new content is checked and written exactly as issuing does — same id, GUID and
    number — and the content it had is kept as a revision."""
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(ctx, lambda uow: _replace_invoice(ctx, uow, actor, invoice_id, request))


def replace_invoice_view(
    ctx: ServiceContext, actor: Actor, invoice_id: int, request: SaleRequest
) -> SaleView:
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(
        ctx,
        lambda uow: describe(
            uow, actor.company_id, [_replace_invoice(ctx, uow, actor, invoice_id, request)]
        )[0],
    )


def _replace_invoice(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, invoice_id: int, request: SaleRequest
) -> SalesDocument:
    company_id = actor.company_id
    invoice = _invoice_to_change(uow, company_id, invoice_id)
    check = Checker()
    _check_not_annulled(check, invoice)
    check_changeable(check, uow, invoice)
    _check_non_editable(check, uow, invoice, request)
    check.raise_if_any()
    now = ctx.now()
    uow.sales_documents.add_revision(invoice, replaced_by=actor.user_id, replaced_at=now)
    # The old content is undone first, so the new one is checked against the stock and the
    # customer credits as they would be without it; a refusal rolls all of it back.
    returned = _return_goods(actor, invoice, StockReason.REPLACEMENT)
    _return_applied_credits(uow, company_id, invoice)
    uow.sales_documents.drop_installments(invoice)
    draft = _check_invoice(ctx, uow, actor, request, replacing=invoice)
    installments, advance_installment = _installments(company_id, draft)
    document = SalesDocument(
        company_id=company_id,
        id=invoice.id,
        guid=invoice.guid,
        document_class=invoice.document_class,
        document_type_id=invoice.document_type_id,
        document_type_code=invoice.document_type_code,
        numbering_range_id=invoice.numbering_range_id,
        prefix=invoice.prefix,
        number=invoice.number,
        created_by=invoice.created_by,
        created_at=invoice.created_at,
        updated_at=now,
        idempotency_key=invoice.idempotency_key,
        **_content(uow, company_id, draft, request, installments),
    )
    uow.sales_documents.replace(document)
    movements = _sale_movements(actor, draft.lines, document.id)
    uow.stock.record([*returned, *movements])
    _settle_at_issue(uow, company_id, document, advance_installment, draft.credits)
    _take_stock(uow, company_id, movements, draft.lines, returned=returned)
    webhooks.publish_sale(ctx, uow, actor, Topic.INVOICES_UPDATE, document, [*returned, *movements])
    return document


def _invoice_to_change(uow: UnitOfWork, company_id: int, invoice_id: int) -> SalesDocument:
    """The invoice, locked until commit, so that nothing else changes it meanwhile."""
    invoice = uow.sales_documents.find(company_id, invoice_id, for_update=True)
    if invoice is None or invoice.document_class != DocumentClass.SALES_INVOICE:
        raise NotFound("invoice", invoice_id)
    # Receipts lock the installments they pay: one that comes now waits for this change.
    uow.sales_documents.lock_installments(company_id, [i.id for i in invoice.installments if i.id])
    return invoice


def sent_to_dian(uow: UnitOfWork, invoice: SalesDocument) -> bool:
    """Whether the invoice is being sent to the DIAN or was accepted by it (it has a CUFE the
    DIAN knows). A rejected or locally refused one may still be corrected and sent again."""
    assert invoice.id is not None
    found = uow.transmissions.find(invoice.company_id, invoice.id)
    return found is not None and found.state not in (
        TransmissionState.REJECTED,
        TransmissionState.INVALID,
    )


def check_changeable(check: Checker, uow: UnitOfWork, invoice: SalesDocument) -> None:
    """Whether an invoice may still be replaced, withdrawn or annulled: not once the DIAN has
    it, nor while notes correct it or receipts pay it (``delete_not_allowed``)."""
    if sent_to_dian(uow, invoice):
        check.add(
            "delete_not_allowed",
            "",
            f"The invoice {invoice.full_number} was sent to the DIAN; correct it with a credit note",
        )
    assert invoice.id is not None
    notes = [
        n
        for n in uow.sales_documents.related(invoice.company_id, invoice.id)
        if n.status == DocumentStatus.ISSUED
    ]
    if notes:
        check.add(
            "delete_not_allowed",
            "",
            f"The invoice {invoice.full_number} has notes ({', '.join(n.full_number for n in notes)}); "
            "correct it with a credit note instead",
        )
    if uow.receipts.paying(invoice.company_id, [i.id for i in invoice.installments if i.id]):
        check.add(
            "delete_not_allowed",
            "",
            f"Receipts have paid installments of invoice {invoice.full_number}",
        )


def _check_not_annulled(check: Checker, invoice: SalesDocument) -> None:
    if invoice.status == DocumentStatus.ANNULLED:
        check.add("update_not_allowed", "", f"The invoice {invoice.full_number} is annulled")


def _check_non_editable(
    check: Checker, uow: UnitOfWork, invoice: SalesDocument, request: SaleRequest
) -> None:
    """What a replacement cannot change: the type, the customer, the currency, a number given
    by hand (``non_editable``)."""

    def refuse(field_name: str, what: str) -> None:
        check.add("non_editable", field_name, f"The field {{field}} cannot be changed: {what}")

    if (
        request.document_type_id is not None
        and request.document_type_id != invoice.document_type_id
    ):
        refuse("document_type_id", f"the invoice is of document type {invoice.document_type_id}")
    customer = uow.parties.get(invoice.company_id, invoice.customer_id)
    ref = request.customer
    if ref.party_guid is not None and ref.party_guid != customer.guid:
        refuse("customer.id", f"the invoice's customer is {customer.guid}")
    elif ref.party_id is not None and ref.party_id != customer.id:
        refuse("customer", f"the invoice's customer is {customer.identification}")
    elif ref.identification is not None and (
        ref.identification.strip() != customer.identification
        or ref.branch_office != customer.branch_office
    ):
        refuse(
            "customer.identification",
            f"the invoice's customer is {customer.identification} "
            f"(branch office {customer.branch_office})",
        )
    currency = (request.currency_code or "").strip().upper() or annexes.LOCAL_CURRENCY
    if currency != invoice.currency_code:
        refuse("currency_code", f"the invoice is in {invoice.currency_code}")
    document_type = uow.document_types.get(invoice.company_id, invoice.document_type_id)
    if (
        not document_type.automatic_number
        and request.number is not None
        and request.number != invoice.number
    ):
        refuse("number", f"the invoice's number is {invoice.number}")


def _return_goods(actor: Actor, invoice: SalesDocument, reason: StockReason) -> list[StockMovement]:
    """The movements that bring an invoice's goods back to their warehouses."""
    return [
        StockMovement(
            company_id=actor.company_id,
            product_id=line.product_id,
            warehouse_id=line.warehouse_id,
            quantity=line.quantity,
            reason=reason,
            document_id=invoice.id,
            created_by=actor.user_id,
        )
        for line in invoice.lines
        if line.warehouse_id is not None
    ]


def _undo_invoice(uow: UnitOfWork, actor: Actor, invoice: SalesDocument) -> None:
    """What annulling or withdrawing an invoice undoes: its goods come back to stock, what is
    still owed on it is written off, and the advances it consumed return to the customer."""
    company_id = actor.company_id
    uow.stock.move(_return_goods(actor, invoice, StockReason.ANNULMENT))
    balances = uow.sales_documents.lock_installments(
        company_id, [i.id for i in invoice.installments if i.id]
    )
    write_offs = []
    for installment in invoice.installments:
        installment.balance = balances.get(installment.id or 0, installment.balance)
        if installment.balance > 0:
            write_offs.append(
                Application(
                    installment, installment.balance, ApplicationSource.ANNULMENT, invoice.id
                )
            )
    uow.sales_documents.apply(company_id, write_offs)
    _return_applied_credits(uow, company_id, invoice)


def _return_applied_credits(uow: UnitOfWork, company_id: int, invoice: SalesDocument) -> None:
    applied = uow.customer_credits.applications_to(
        company_id, [i.id for i in invoice.installments if i.id]
    )
    if not applied:
        return
    credits = {
        c.id: c
        for c in uow.customer_credits.available(company_id, invoice.customer_id, for_update=True)
    }
    returned: dict[int, Decimal] = {}
    for credit_id, _installment_id, amount in applied:
        returned[credit_id] = returned.get(credit_id, ZERO) + amount
    restored = []
    for credit_id, amount in returned.items():
        credit = credits.get(credit_id) or uow.customer_credits.by_ids(company_id, [credit_id])[0]
        credit.remaining += amount
        restored.append(credit)
    uow.customer_credits.save_remaining(restored)


# --- shared pieces -------------------------------------------------------------------------


def _price_items(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    items: Sequence[ItemRequest],
    *,
    moves_stock: bool = True,
    discount_type: DiscountType | None = None,
) -> list[SalesLine]:
    """Lines priced by the totals engine, after checking products, taxes and warehouses.
    ``discount_type`` is how the document type reads an item's ``discount``."""
    if not check.required(items, "items"):
        return []
    if len(items) > 500:
        check.add("invalid_array", "items", "A document has at most 500 items")
        return []
    codes = {(i.product_code or "").strip() for i in items}
    products = uow.products.for_sale(company_id, codes)
    taxes = uow.catalogs(company_id).taxes
    warehouses = uow.catalogs(company_id).warehouses_by_code
    warehouses_by_id = uow.catalogs(company_id).warehouses
    sellers: dict[str, User | None] = {}
    sellers_by_id: dict[int, User | None] = {}
    lines = []
    for index, item in enumerate(items):
        name = f"items.{index}"
        resolving = Checker()
        item = resolve_item(resolving, taxes, item, name, discount_type)
        item_check = check_item_numbers(item, name)
        item_check.extend(resolving.violations)
        product = _product(item_check, products, item.product_code, f"{name}.product_code")
        rates = [
            _rate(item_check, taxes, item.tax_add_id, CHARGE_TAXES, f"{name}.tax_add_id"),
            _rate(item_check, taxes, item.tax_add2_id, CHARGE_TAXES, f"{name}.tax_add2_id"),
            _rate(
                item_check,
                taxes,
                item.tax_discount_id,
                {TaxType.RETEFUENTE},
                f"{name}.tax_discount_id",
            ),
        ]
        if rates[0] and rates[1] and rates[0].tax_type == rates[1].tax_type:
            item_check.add(
                "invalid_array",
                f"{name}.tax_add2_id",
                "A line cannot carry two taxes of one type ({field})",
            )
        warehouse_id = (
            _warehouse(
                item_check,
                warehouses,
                product,
                item.warehouse_code,
                f"{name}.warehouse_code",
                by_id=warehouses_by_id,
                warehouse_id=item.warehouse_id,
            )
            if moves_stock
            else None
        )
        seller_id = None
        if item.seller_id is not None:
            if item.seller_id not in sellers_by_id:
                sellers_by_id[item.seller_id] = issuing.seller_by_id(
                    item_check, uow, company_id, item.seller_id, f"{name}.seller_id"
                )
            found_seller = sellers_by_id[item.seller_id]
            seller_id = found_seller.id if found_seller else None
        elif item.seller_identification:
            key = item.seller_identification.strip()
            if key not in sellers:
                sellers[key] = issuing.seller(
                    item_check, uow, company_id, key, f"{name}.seller_identification"
                )
            seller = sellers[key]
            seller_id = seller.id if seller else None
        description = (item.description or (product.name if product else "") or "").strip()
        item_check.max_length(description, 500, f"{name}.description")
        check.extend(item_check.violations)
        if item_check.violations or product is None or product.id is None:
            continue
        assert item.quantity is not None and item.unit_value is not None
        line = SalesLine(
            number=index + 1,
            product_id=product.id,
            product_code=product.code or "",
            description=description,
            quantity=item.quantity,
            unit_value=item.unit_value,
            discount_percentage=item.discount_percentage if item.discount_value is None else None,
            tax_add=rates[0],
            tax_add2=rates[1],
            tax_discount=rates[2],
            amounts=line_amounts(
                quantity=item.quantity,
                unit_value=item.unit_value,
                discount_value=item.discount_value,
                discount_percentage=item.discount_percentage,
                tax_add=rates[0],
                tax_add2=rates[1],
                tax_discount=rates[2],
            ),
            warehouse_id=warehouse_id,
            seller_id=seller_id,
        )
        check.extend(check_line_amounts(line, name).violations)
        lines.append(line)
    return lines


CHARGE_TAXES = frozenset({TaxType.IVA, TaxType.CONSUMPTION, TaxType.AD_VALOREM})
MAX_ITEM_TAXES = 3
UNIT_VALUE_PLACES = Decimal("0.000001")


def resolve_item(
    check: Checker,
    taxes: Mapping[int, Tax],
    item: ItemRequest,
    name: str,
    discount_type: DiscountType | None,
) -> ItemRequest:
    """An item as the current API writes it — ``taxes[{id}]``, a VAT-inclusive
    ``taxed_price``, a ``discount`` the document type reads as a percentage or a value — in
    the slots the totals engine uses: charge taxes (IVA, consumo, ad valorem) in tax_add and
    tax_add2, retención en la fuente in tax_discount, and the price before taxes."""
    resolved = item
    if item.tax_ids is not None:
        slots = _tax_slots(check, taxes, item.tax_ids, name)
        resolved = replace(
            resolved, tax_add_id=slots[0], tax_add2_id=slots[1], tax_discount_id=slots[2]
        )
    if item.taxed_price is not None:
        charged = sum(
            (
                taxes[tax_id].percentage
                for tax_id in (resolved.tax_add_id, resolved.tax_add2_id)
                if tax_id is not None and tax_id in taxes
            ),
            ZERO,
        )
        price = (item.taxed_price * HUNDRED / (HUNDRED + charged)).quantize(
            UNIT_VALUE_PLACES, ROUND_HALF_UP
        )
        resolved = replace(resolved, unit_value=price)
    if item.discount is not None:
        if discount_type == DiscountType.VALUE:
            resolved = replace(resolved, discount_value=item.discount, discount_percentage=None)
        else:
            resolved = replace(resolved, discount_percentage=item.discount, discount_value=None)
    return resolved


def _tax_slots(
    check: Checker, taxes: Mapping[int, Tax], tax_ids: Sequence[int | None], name: str
) -> tuple[int | None, int | None, int | None]:
    """(tax_add, tax_add2, tax_discount) for a line's ``taxes``: at most three, one per type,
    no ReteIVA/ReteICA (they go in the document's retentions), at most two charge taxes."""
    if len(tax_ids) > MAX_ITEM_TAXES:
        check.add(
            "invalid_array",
            f"{name}.taxes",
            f"A line has at most {MAX_ITEM_TAXES} taxes ({{field}})",
        )
        return None, None, None
    charges: list[int] = []
    withholding: int | None = None
    seen: set[TaxType] = set()
    for position, tax_id in enumerate(tax_ids):
        field_name = f"{name}.taxes.{position}"
        if not check.required(tax_id, field_name):
            continue
        tax = taxes.get(tax_id or 0)
        if tax is None or tax.id is None:
            check.add(
                "invalid_reference", field_name, f"The tax {tax_id} in {{field}} does not exist"
            )
            continue
        if not tax.active:
            check.add(
                "parameter_inactive", field_name, f"The tax {tax_id} in {{field}} is inactive"
            )
            continue
        if tax.tax_type in seen:
            check.add(
                "invalid_array",
                field_name,
                f"A line cannot carry two taxes of type {tax.tax_type.value} ({{field}})",
            )
            continue
        seen.add(tax.tax_type)
        if tax.tax_type in CHARGE_TAXES:
            charges.append(tax.id)
        elif tax.tax_type == TaxType.RETEFUENTE:
            withholding = tax.id
        else:
            check.add(
                "invalid_array",
                field_name,
                f"The tax {tax_id} ({tax.tax_type.value}) cannot go on an item ({{field}}); "
                "ReteIVA and ReteICA go in the invoice's retentions",
            )
    if len(charges) > 2:
        check.add(
            "invalid_array",
            f"{name}.taxes",
            "A line carries at most two of IVA, Impoconsumo and AdValorem ({field})",
        )
        return None, None, withholding
    return (
        charges[0] if charges else None,
        charges[1] if len(charges) > 1 else None,
        withholding,
    )


def _retention_slots(
    check: Checker, uow: UnitOfWork, company_id: int, tax_ids: Sequence[int | None]
) -> tuple[int | None, int | None]:
    """(ReteIVA, ReteICA) of the current API's ``retentions[{id}]``: one of each at most;
    any other tax there is refused with ``invalid_retentions``."""
    taxes = uow.catalogs(company_id).taxes
    found: dict[TaxType, int] = {}
    for position, tax_id in enumerate(tax_ids):
        field_name = f"retentions.{position}"
        if not check.required(tax_id, field_name):
            continue
        tax = taxes.get(tax_id or 0)
        if tax is None or tax.id is None:
            check.add(
                "invalid_retentions",
                field_name,
                f"The retention {tax_id} in {{field}} does not exist",
            )
        elif tax.tax_type not in (TaxType.RETEIVA, TaxType.RETEICA):
            check.add(
                "invalid_retentions",
                field_name,
                f"The tax {tax_id} ({tax.name}) in {{field}} is not a ReteIVA or ReteICA retention",
            )
        elif tax.tax_type in found:
            check.add(
                "invalid_retentions",
                field_name,
                f"Only one {tax.tax_type.value} retention can be applied ({{field}})",
            )
        else:
            found[tax.tax_type] = tax.id
    return found.get(TaxType.RETEIVA), found.get(TaxType.RETEICA)


def _product(
    check: Checker, products: Mapping[str, ProductForSale], code: str | None, field_name: str
) -> ProductForSale | None:
    if not check.required(code, field_name):
        return None
    product = products.get((code or "").strip())
    if product is None:
        check.add(
            "invalid_reference", field_name, f"The product {code} in {{field}} does not exist"
        )
        return None
    if not product.active:
        check.add("parameter_inactive", field_name, f"The product {code} in {{field}} is inactive")
        return None
    return product


def _rate(
    check: Checker,
    taxes: Mapping[int, Tax],
    tax_id: int | None,
    kinds: frozenset[TaxType] | set[TaxType],
    field_name: str,
) -> TaxRate | None:
    if tax_id is None:
        return None
    tax = taxes.get(tax_id)
    if tax is None:
        check.add("invalid_reference", field_name, f"The tax {tax_id} in {{field}} does not exist")
        return None
    if not tax.active:
        check.add("parameter_inactive", field_name, f"The tax {tax_id} in {{field}} is inactive")
        return None
    if tax.tax_type not in kinds:
        allowed = ", ".join(sorted(k.value for k in kinds))
        check.add(
            "invalid_reference",
            field_name,
            f"The tax {tax_id} in {{field}} must be one of: {allowed}",
        )
        return None
    assert tax.id is not None
    return TaxRate(tax.id, tax.name, tax.tax_type, tax.percentage)


def _withholding(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    tax_id: int | None,
    kind: TaxType,
    field_name: str,
) -> TaxRate | None:
    if tax_id is None:
        return None
    return _rate(check, uow.catalogs(company_id).taxes, tax_id, {kind}, field_name)


def _warehouse(
    check: Checker,
    warehouses: Mapping[str, Warehouse],
    product: ProductForSale | None,
    code: str | None,
    field_name: str,
    *,
    by_id: Mapping[int, Warehouse] | None = None,
    warehouse_id: int | None = None,
) -> int | None:
    """The line's warehouse, by code (legacy ``WareHouseCode``) or by id (the current API's
    ``warehouse``): required for products that control stock, refused for the others."""
    if product is None:
        return None
    code = (code or "").strip()
    if warehouse_id is not None:
        field_name = field_name.removesuffix("_code") + "_id"
    if not product.stock_control:
        if code or warehouse_id is not None:
            check.add(
                "product_settings",
                field_name,
                f"The product {product.code} does not control stock ({{field}})",
            )
        return None
    if warehouse_id is not None:
        warehouse = (by_id or {}).get(warehouse_id)
        code = str(warehouse_id) if warehouse is None else warehouse.code
    elif not check.required(code, field_name):
        return None
    else:
        warehouse = warehouses.get(code)
    if warehouse is None:
        check.add(
            "invalid_reference", field_name, f"The warehouse {code} in {{field}} does not exist"
        )
        return None
    if not warehouse.active:
        check.add(
            "parameter_inactive", field_name, f"The warehouse {code} in {{field}} is inactive"
        )
        return None
    return warehouse.id


def _take_stock(
    uow: UnitOfWork,
    company_id: int,
    movements: list[StockMovement],
    lines: Sequence[SalesLine],
    *,
    returned: Sequence[StockMovement] = (),
) -> None:
    """Adds a sale's movements to the stock balances (with ``returned``, the goods a replaced
    invoice gives back first, in the same statement) and refuses a sale that leaves less
    than nothing in a warehouse, unless the company allows negative stock."""
    after = uow.stock.adjust([*returned, *movements])
    if not any(balance < 0 for balance in after.values()):
        return
    if uow.companies.get(company_id).allow_negative_stock:
        return
    codes = {w.id: w.code for w in uow.catalogs(company_id).warehouses.values()}
    violations: list[Violation] = []
    for index, line in enumerate(lines):
        if line.warehouse_id is None:
            continue
        balance = after[(line.product_id, line.warehouse_id)]
        if balance < 0:
            sold = sum(
                (
                    m.quantity
                    for m in movements
                    if (m.product_id, m.warehouse_id) == (line.product_id, line.warehouse_id)
                ),
                ZERO,
            )
            violations.extend(
                insufficient_stock(
                    line.product_code,
                    codes.get(line.warehouse_id, "?"),
                    balance - sold,
                    f"items.{index}.quantity",
                ).violations
            )
    raise RuleViolations(violations)


def _customer(
    ctx: ServiceContext, check: Checker, uow: UnitOfWork, actor: Actor, ref: CustomerReference
) -> Party | None:
    company_id = actor.company_id
    party_id = ref.party_id
    if ref.party_guid is not None:
        party_id = uow.parties.id_for_guid(company_id, ref.party_guid) or 0
    if party_id is not None:
        party = uow.parties.find(company_id, party_id)
        if party is None:
            field_name = "customer.id" if ref.party_guid is not None else "customer"
            check.add("invalid_reference", field_name, "The customer doesn't exist")
            return None
    else:
        identification = (ref.identification or "").strip()
        if not check.required(identification, "customer.identification"):
            return None
        party = uow.parties.find_by_identification(company_id, identification, ref.branch_office)
        if party is None and ref.new_party is None:
            check.add(
                "invalid_reference",
                "customer.identification",
                f"The customer doesn't exist ({identification})",
            )
            return None
        if party is None and ref.new_party is not None:
            if check.violations:  # create it only for a sale that can happen
                return None
            party = _create_customer(ctx, uow, actor, ref, identification)
    assert party is not None
    if not party.active:
        check.add(
            "parameter_inactive", "customer", f"The customer {party.identification} is inactive"
        )
    return party


def _create_customer(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, ref: CustomerReference, identification: str
) -> Party:
    """Creates the customer a sale names for the first time. When another sale creates the same
    customer at the same moment, this one uses theirs: the creation runs in a savepoint, and
    losing the race on the identification's unique key just means the customer now exists."""
    actor.require(Permission.CUSTOMERS_CREATE)
    assert ref.new_party is not None
    try:
        with uow.savepoint():
            party = parties.add(
                ctx, uow, actor, ref.new_party, field_prefix="customer.", rules=ref.rules
            )
            if ref.new_contact is not None and ref.new_contact.email and party.id is not None:
                contact = replace(ref.new_contact, party_id=party.id)
                contacts.add_to_party(
                    uow,
                    actor,
                    contact,
                    field_prefix="customer.contact.",
                    required=ref.rules.contact_fields,
                )
            for position, more in enumerate(ref.more_contacts, start=1):
                if more.email and party.id is not None:
                    contacts.add_to_party(
                        uow,
                        actor,
                        replace(more, party_id=party.id),
                        field_prefix=f"customer.contacts.{position}.",
                        required=ref.rules.contact_fields,
                    )
            return party
    except RuleViolations as refused:
        if not any(v.code == "already_exists" for v in refused.violations):
            raise
        existing = uow.parties.find_by_identification(
            actor.company_id, identification, ref.branch_office
        )
        if existing is None:
            raise
        return existing


def _principal_contact_id(uow: UnitOfWork, company_id: int, party_id: int) -> int | None:
    """The customer's principal contact, loaded now so that describing the document later
    (while the issuing locks are held) needs no query."""
    contact = uow.contacts.principal_of(company_id, party_id)
    return contact.id if contact else None


def _declarable(
    lines: Sequence[SalesLine],
    amounts: DocumentAmounts,
    reteiva: TaxRate | None,
    reteica: TaxRate | None,
) -> dict[str, Decimal]:
    """The values a client may send along with a document, as the server computes them."""
    values = computed_values(lines, amounts)
    for index, line in enumerate(lines):
        for slot in ("tax_add", "tax_add2", "tax_discount"):
            rate = getattr(line, slot)
            values[f"items.{index}.{slot}.percentage"] = rate.percentage if rate else ZERO
    values["reteiva.percentage"] = reteiva.percentage if reteiva else ZERO
    values["reteica.percentage"] = reteica.percentage if reteica else ZERO
    return values


# --- what faces show of a document -----------------------------------------------------------


@dataclass(frozen=True)
class SaleView:
    """A document with the records it points at, as faces show it."""

    document: SalesDocument
    customer: Party
    contact: Contact | None
    user_identifications: Mapping[int, str]
    warehouse_codes: Mapping[int, str]
    cost_center_code: str | None
    system_means_ids: frozenset[int] = frozenset()
    related: SalesDocument | None = None  # the invoice a note corrects
    payment_means_names: Mapping[int, str] = field(default_factory=dict)
    warehouse_names: Mapping[int, str] = field(default_factory=dict)

    @property
    def seller_identification(self) -> str:
        return self.user_identifications.get(self.document.seller_id, "")

    def paid_with_credit(self, installment: Installment) -> bool:
        """Whether the installment was paid with the customer's advances (a system means)."""
        return installment.payment_means_id in self.system_means_ids


def describe(
    uow: UnitOfWork, company_id: int, documents: Sequence[SalesDocument]
) -> list[SaleView]:
    """Views of ``documents``, loading what they refer to in a few queries."""
    if not documents:
        return []
    customers = uow.parties.by_ids(company_id, {d.customer_id for d in documents})
    contact_ids = {d.contact_id for d in documents if d.contact_id}
    contact_records = uow.contacts.by_ids(company_id, contact_ids)
    user_ids = {d.seller_id for d in documents} | {
        line.seller_id for d in documents for line in d.lines if line.seller_id is not None
    }
    identifications = {
        u.id: u.identification for u in uow.users.by_ids(company_id, user_ids).values() if u.id
    }
    catalogs = uow.catalogs(company_id)
    used_warehouses = (
        [w for w in catalogs.warehouses.values() if w.id is not None]
        if any(line.warehouse_id for d in documents for line in d.lines)
        else []
    )
    warehouses = {w.id: w.code for w in used_warehouses if w.id is not None}
    warehouse_names = {w.id: w.name for w in used_warehouses if w.id is not None}
    means_names = {m.id: m.name for m in catalogs.payment_means.values() if m.id is not None}
    centers = (
        {c.id: c.code for c in catalogs.cost_centers.values() if c.id is not None}
        if any(d.cost_center_id for d in documents)
        else {}
    )
    system_means = frozenset(
        m.id for m in catalogs.payment_means.values() if m.is_system and m.id is not None
    )
    related_ids = {d.related_document_id for d in documents if d.related_document_id}
    related = (
        {
            r.id: r
            for r in uow.sales_documents.page(
                company_id,
                offset=0,
                limit=len(related_ids),
                where=DocumentFilter(document_ids=frozenset(related_ids)),
                with_lines=False,
            )
        }
        if related_ids
        else {}
    )
    return [
        SaleView(
            document=d,
            customer=customers[d.customer_id],
            contact=contact_records.get(d.contact_id) if d.contact_id else None,
            user_identifications=identifications,
            warehouse_codes=warehouses,
            cost_center_code=centers.get(d.cost_center_id) if d.cost_center_id else None,
            system_means_ids=system_means,
            related=related.get(d.related_document_id) if d.related_document_id else None,
            payment_means_names=means_names,
            warehouse_names=warehouse_names,
        )
        for d in documents
    ]


def issue_invoice_view(ctx: ServiceContext, actor: Actor, request: SaleRequest) -> SaleView:
    actor.require(Permission.INVOICES_CREATE)
    return run_writing(
        ctx,
        lambda uow: describe(uow, actor.company_id, [_issue_invoice(ctx, uow, actor, request)])[0],
    )


def issue_note_view(
    ctx: ServiceContext, actor: Actor, request: NoteRequest, document_class: DocumentClass
) -> SaleView:
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(
        ctx,
        lambda uow: describe(
            uow, actor.company_id, [_issue_note(ctx, uow, actor, request, document_class)]
        )[0],
    )


def annul_invoice_view(
    ctx: ServiceContext, actor: Actor, invoice_id: int, reason: str | None
) -> SaleView:
    actor.require(Permission.DOCUMENTS_CORRECT)
    return run_writing(
        ctx,
        lambda uow: describe(uow, actor.company_id, [_annul(ctx, uow, actor, invoice_id, reason)])[
            0
        ],
    )


def get_view(
    ctx: ServiceContext, actor: Actor, document_id: int, document_class: DocumentClass
) -> SaleView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        document = uow.sales_documents.get(actor.company_id, document_id, document_class)
        return describe(uow, actor.company_id, [document])[0]


def get_all_views(
    ctx: ServiceContext, actor: Actor, page: PageRequest, where: DocumentFilter, *, with_lines: bool
) -> list[SaleView]:
    return page_views(ctx, actor, page, where, with_lines=with_lines, counted=False).views


@dataclass(frozen=True)
class ViewPage:
    views: list[SaleView]
    total: int | None  # how many documents match in all (None when not counted)


def page_views(
    ctx: ServiceContext,
    actor: Actor,
    page: PageRequest,
    where: DocumentFilter,
    *,
    with_lines: bool,
    counted: bool = True,
) -> ViewPage:
    """A page of documents and, when ``counted``, how many match in all (one read)."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        documents = uow.sales_documents.page(
            actor.company_id,
            offset=page.offset,
            limit=page.limit,
            where=where,
            with_lines=with_lines,
        )
        total = uow.sales_documents.count(actor.company_id, where) if counted else None
        return ViewPage(describe(uow, actor.company_id, documents), total)


def document_id_for(
    ctx: ServiceContext, actor: Actor, guid: uuid.UUID | None, document_class: DocumentClass
) -> int:
    """The numeric id of the document the current API names by GUID (a withdrawn one, or one
    of another class, is not found)."""
    actor.require(Permission.MASTER_DATA_READ)
    entity = {DocumentClass.CREDIT_NOTE: "credit note", DocumentClass.DEBIT_NOTE: "debit note"}
    with ctx.unit_of_work(read_only=True) as uow:
        found = (
            uow.sales_documents.id_for_guid(actor.company_id, guid, document_class)
            if guid
            else None
        )
    if found is None:
        raise NotFound(entity.get(document_class, "invoice"), str(guid) if guid else "")
    return found
