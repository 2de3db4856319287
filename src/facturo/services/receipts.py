"""Recibos de caja: collecting what customers owe, taking advances, detailed receipts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from facturo.domain.access import Actor, Permission
from facturo.domain.catalogs import DocumentClass, PaymentMeans
from facturo.domain.errors import NotFound, Violation
from facturo.domain.money import ZERO, money, plain
from facturo.domain.parties import Party
from facturo.domain.receipts import (
    Movement,
    Receipt,
    ReceiptItemRequest,
    ReceiptLine,
    VoucherType,
    check_balance,
    check_items_shape,
    receipt_total,
)
from facturo.domain.receivables import ApplicationSource, CreditSource, CustomerCredit
from facturo.domain.sales import DocumentStatus, Installment
from facturo.domain.validation import Checker
from facturo.services import issuing
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.transactions import run_writing
from facturo.store.documents import Application, ReceiptFilter
from facturo.store.unit_of_work import UnitOfWork

RECEIVABLES_ACCOUNT = "130505"  # clientes nacionales: where a debt payment is credited


@dataclass(frozen=True)
class ReceiptRequest:
    document_type_id: int | None
    document_date: date | None
    identification: str | None
    voucher_type: int | None
    payment_means_id: int | None
    items: Sequence[ReceiptItemRequest] | None
    branch_office: int = 0
    total: Decimal | None = None  # TotalValue as the client computed it
    number: int | None = None
    observations: str | None = None
    cost_center_code: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    idempotency_key: str | None = None
    # The current API's spelling: the customer by GUID (customer{id}), the cost center by id,
    # and rules of the request's own shape its face found while reading it.
    customer_guid: uuid.UUID | None = None
    cost_center_id: int | None = None
    face_violations: Sequence[Violation] = ()


@dataclass(frozen=True)
class ReceiptView:
    receipt: Receipt
    customer: Party
    payment_means_name: str | None = None


def record_receipt(ctx: ServiceContext, actor: Actor, request: ReceiptRequest) -> ReceiptView:
    actor.require(Permission.RECEIPTS_CREATE)
    return run_writing(ctx, lambda uow: _record(ctx, uow, actor, request))


def get(ctx: ServiceContext, actor: Actor, receipt_id: int) -> ReceiptView:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return _views(uow, actor.company_id, [uow.receipts.get(actor.company_id, receipt_id)])[0]


def get_by_guid(ctx: ServiceContext, actor: Actor, guid: uuid.UUID | None) -> ReceiptView:
    """The receipt the current API names by GUID (``None``: a malformed one, found nowhere)."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        receipt_id = uow.receipts.id_for_guid(actor.company_id, guid) if guid else None
        if receipt_id is None:
            raise NotFound("voucher", guid or "")
        return _views(uow, actor.company_id, [uow.receipts.get(actor.company_id, receipt_id)])[0]


def get_all(
    ctx: ServiceContext, actor: Actor, page: PageRequest, where: ReceiptFilter | None = None
) -> list[ReceiptView]:
    return get_page(ctx, actor, page, where)[0]


def get_page(
    ctx: ServiceContext, actor: Actor, page: PageRequest, where: ReceiptFilter | None = None
) -> tuple[list[ReceiptView], int]:
    """A page of the receipts ``where`` selects, and how many it selects in all."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        receipts = uow.receipts.page(
            actor.company_id, offset=page.offset, limit=page.limit, where=where
        )
        total = uow.receipts.count(actor.company_id, where)
        return _views(uow, actor.company_id, receipts), total


def _views(uow: UnitOfWork, company_id: int, receipts: Sequence[Receipt]) -> list[ReceiptView]:
    customers = uow.parties.by_ids(company_id, {r.customer_id for r in receipts})
    means = uow.catalogs(company_id).payment_means if receipts else {}
    return [
        ReceiptView(
            r,
            customers[r.customer_id],
            means[r.payment_means_id].name if r.payment_means_id in means else None,
        )
        for r in receipts
    ]


def _record(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, request: ReceiptRequest
) -> ReceiptView:
    company_id = actor.company_id
    if request.idempotency_key:
        earlier = uow.receipts.find_by_idempotency_key(company_id, request.idempotency_key)
        if earlier is not None:
            return _views(uow, company_id, [earlier])[0]
    check = Checker()
    check.extend(request.face_violations)
    receipt_date, document_type, numbering = issuing.heading(
        check,
        uow,
        company_id,
        ctx.now(),
        request.document_type_id,
        DocumentClass.CASH_RECEIPT,
        request.document_date,
        request.number,
    )
    voucher_type = _voucher_type(check, request.voucher_type)
    customer = _customer(
        check,
        uow,
        company_id,
        request.identification,
        request.branch_office,
        request.customer_guid,
    )
    means = _payment_means(check, uow, company_id, request.payment_means_id, voucher_type)
    cost_center_id = issuing.cost_center(
        check,
        uow,
        company_id,
        request.cost_center_code,
        document_type,
        center_id=request.cost_center_id,
    )
    currency = issuing.currency(check, request.currency_code, request.exchange_rate)
    check.max_length(request.observations, 500, "observations")
    lines: list[ReceiptLine] = []
    if voucher_type is not None:
        # What the face already found wrong with a field (a movement it could not read) is
        # reported once, not again as missing.
        reported = {v.field for v in request.face_violations}
        check.extend(
            v
            for v in check_items_shape(voucher_type, request.items).violations
            if v.field not in reported
        )
        if not check.violations and voucher_type != VoucherType.ADVANCE:
            lines = _lines(
                check, uow, company_id, voucher_type, request.items or [], customer, receipt_date
            )
    total = receipt_total(voucher_type, lines, request.total) if voucher_type is not None else ZERO
    if voucher_type == VoucherType.ADVANCE:
        if check.required(request.total, "total") and total <= 0:
            check.add("invalid_amount", "total", "An advance must be greater than zero ({field})")
    elif request.total is not None and lines and money(request.total) != total:
        check.add(
            "invalid_value",
            "total",
            f"The field {{field}} is {plain(request.total)} but the items add up to {plain(total)}",
            detail=plain(total),
        )
    check.raise_if_any()
    assert document_type is not None and numbering is not None and receipt_date is not None
    assert customer is not None and customer.id is not None and voucher_type is not None

    payments = _pay_installments(check, uow, company_id, lines)
    check.raise_if_any()
    number = issuing.take_number(uow, company_id, document_type, numbering, request.number)
    receipt = uow.receipts.add(
        Receipt(
            company_id=company_id,
            document_type_id=document_type.id or 0,
            document_type_code=document_type.code,
            numbering_range_id=numbering.id or 0,
            prefix=numbering.prefix,
            number=number,
            date=receipt_date,
            customer_id=customer.id,
            voucher_type=voucher_type,
            payment_means_id=means.id if means else None,
            total=total,
            observations=request.observations,
            cost_center_id=cost_center_id,
            currency_code=currency[0],
            exchange_rate=currency[1],
            lines=lines,
            created_by=actor.user_id,
            idempotency_key=request.idempotency_key,
        )
    )
    uow.sales_documents.apply(
        company_id,
        [
            Application(installment, value, ApplicationSource.RECEIPT, receipt.id)
            for installment, value in payments
        ],
    )
    if voucher_type == VoucherType.ADVANCE:
        uow.customer_credits.add(
            CustomerCredit(
                company_id=company_id,
                party_id=customer.id,
                source=CreditSource.ADVANCE,
                source_id=receipt.id or 0,
                amount=total,
                remaining=total,
            )
        )
    return ReceiptView(receipt, customer, means.name if means else None)


def _voucher_type(check: Checker, value: int | None) -> VoucherType | None:
    if check.has_errors_on("voucher_type") or not check.required(value, "voucher_type"):
        return None
    try:
        return VoucherType(value or 0)
    except ValueError:
        check.one_of(value, [t.value for t in VoucherType], "voucher_type")
        return None


def _customer(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    identification: str | None,
    branch: int,
    guid: uuid.UUID | None = None,
) -> Party | None:
    if guid is not None:
        party_id = uow.parties.id_for_guid(company_id, guid)
        party = uow.parties.find(company_id, party_id) if party_id is not None else None
        if party is None:
            check.add("invalid_reference", "customer.id", "The customer doesn't exist")
        return party
    if not check.required(identification, "identification"):
        return None
    customer = uow.parties.find_by_identification(
        company_id, (identification or "").strip(), branch
    )
    if customer is None:
        check.add(
            "invalid_reference", "identification", f"The customer doesn't exist ({identification})"
        )
    return customer


def _payment_means(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    means_id: int | None,
    voucher_type: VoucherType | None,
) -> PaymentMeans | None:
    """The money's way in: a receivable means that is neither a system nor a credit means.
    Detailed receipts name their accounts line by line and take none."""
    if voucher_type == VoucherType.DETAILED:
        if means_id is not None:
            check.add(
                "invalid_payment",
                "payment_means_id",
                "A detailed receipt takes no payment: its lines name the accounts ({field})",
            )
        return None
    if not check.required(means_id, "payment_means_id"):
        return None
    means = uow.payment_means.find(company_id, means_id or 0)
    if means is None:
        check.add(
            "invalid_reference",
            "payment_means_id",
            f"The payment means {means_id} in {{field}} does not exist",
        )
        return None
    if not means.usable_on_sales_invoice or means.is_credit:
        check.add(
            "invalid_payment",
            "payment_means_id",
            f"The payment means {means_id} ({means.name}) in {{field}} cannot receive money on a receipt",
        )
    return means


def _lines(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    voucher_type: VoucherType,
    items: Sequence[ReceiptItemRequest],
    customer: Party | None,
    receipt_date: date | None,
) -> list[ReceiptLine]:
    """Lines with the installments they pay and the accounts they post to."""
    # Order numbers the lines; errors keep naming items by where the client put them.
    ranks = sorted(
        range(len(items)), key=lambda i: (items[i].order if items[i].order is not None else i, i)
    )
    position_of = {index: rank for rank, index in enumerate(ranks, start=1)}
    ordered = list(enumerate(items))
    codes = {(i.account_code or "").strip() for _, i in ordered if i.account_code} | {
        RECEIVABLES_ACCOUNT
    }
    accounts = uow.ledger_accounts.by_codes(company_id, codes)
    lines = []
    seen: set[int] = set()
    for index, item in ordered:
        position = position_of[index]
        name = f"items.{index}"
        account_code = (item.account_code or "").strip() or (
            RECEIVABLES_ACCOUNT if voucher_type == VoucherType.DEBT_PAYMENT else ""
        )
        account = accounts.get(account_code)
        if account is None:
            check.add(
                "invalid_account",
                f"{name}.account_code",
                f"The account {account_code} in {{field}} is not in the chart of accounts",
            )
        elif not account.postable or not account.active:
            check.add(
                "invalid_account",
                f"{name}.account_code",
                f"The account {account_code} in {{field}} does not take movements (use a subaccount of 6 digits)",
            )
        installment_id = document_id = None
        due_date = item.due_date
        if item.names_an_installment:
            found = _installment(check, uow, company_id, item, name, customer, receipt_date)
            if found is not None:
                document_id, installment = found
                installment_id = installment.id
                due_date = installment.due_date
                if installment_id in seen:
                    check.add(
                        "invalid_array",
                        f"{name}.due_quote",
                        "The installment in {field} is paid twice in this receipt",
                    )
                seen.add(installment_id or 0)
        movement = (
            Movement.CREDIT
            if voucher_type == VoucherType.DEBT_PAYMENT
            else Movement(item.movement or -1)
        )
        assert item.value is not None
        lines.append(
            ReceiptLine(
                position=position,
                value=money(item.value),
                description=item.description,
                movement=movement,
                account_code=account_code,
                installment_id=installment_id,
                document_id=document_id,
                due_prefix=item.due_prefix,
                due_consecutive=item.due_consecutive,
                due_quote=item.due_quote,
                due_date=due_date,
            )
        )
    if voucher_type == VoucherType.DETAILED:
        check.extend(check_balance(lines).violations)
    return lines


def _installment(
    check: Checker,
    uow: UnitOfWork,
    company_id: int,
    item: ReceiptItemRequest,
    name: str,
    customer: Party | None,
    receipt_date: date | None,
) -> tuple[int, Installment] | None:
    if item.due_consecutive is None or item.due_quote is None or not item.due_prefix:
        check.add(
            "parameter_required",
            f"{name}.due_prefix",
            "An installment is named by its document's prefix, consecutive and quote ({field})",
        )
        return None
    found = uow.sales_documents.installment_for(
        company_id, item.due_prefix, item.due_consecutive, item.due_quote
    )
    label = f"{item.due_prefix.strip().upper()} {item.due_consecutive} cuota {item.due_quote}"
    if found is None:
        check.add(
            "invalid_reference",
            f"{name}.due_consecutive",
            f"There is no installment {label} ({{field}})",
        )
        return None
    document, installment = found
    if receipt_date is not None and receipt_date < document.date:
        check.add(
            "invalid_date",
            f"{name}.due_consecutive",
            f"The receipt is dated before {document.name} ({document.date.isoformat()}), which it pays",
        )
    if document.status != DocumentStatus.ISSUED:
        check.add(
            "invalid_document",
            f"{name}.due_consecutive",
            f"The document of installment {label} is annulled",
        )
    if customer is not None and document.customer_id != customer.id:
        check.add(
            "invalid_reference",
            f"{name}.due_consecutive",
            f"The installment {label} belongs to another customer",
        )
    if item.due_date is not None and item.due_date != installment.due_date:
        check.add(
            "invalid_date",
            f"{name}.due_date",
            f"The installment {label} is due on {installment.due_date.isoformat()}, not as {{field}} says",
        )
    assert document.id is not None
    return document.id, installment


def _pay_installments(
    check: Checker, uow: UnitOfWork, company_id: int, lines: Sequence[ReceiptLine]
) -> list[tuple[Installment, Decimal]]:
    """Locks the installments paid and checks each payment against its balance right now."""
    balances: Mapping[int, Decimal] = uow.sales_documents.lock_installments(
        company_id, [line.installment_id for line in lines if line.installment_id is not None]
    )
    payments = []
    for index, line in enumerate(lines):
        if line.installment_id is None:
            continue
        balance = balances.get(line.installment_id, ZERO)
        if line.value > balance:
            check.add(
                "invalid_amount",
                f"items.{index}.value",
                "No puede enviar un valor mayor al valor del saldo de la cuota: "
                f"the balance is {plain(balance)} ({{field}})",
                detail=plain(balance),
            )
            continue
        installment = Installment(
            company_id=company_id,
            id=line.installment_id,
            position=0,
            payment_means_id=0,
            amount=balance,
            balance=balance,
            due_date=line.due_date or date.min,
        )
        payments.append((installment, line.value))
    return payments
