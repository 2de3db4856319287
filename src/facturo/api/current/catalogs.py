"""The current API's catalogs (shared/reference §2.7, §2.8 "Catalog record shapes", §4):
document types, payment types, users, warehouses, price lists, cost centers and account
groups. Plain arrays, except ``/v1/users``, which is paginated. Taxes are in ``taxes.py``.

Document types show what Facturo keeps of each type and its active numbering range; the
settings Siigo has and Facturo does not are answered with what Facturo actually does:
``cost_center`` true (every document may carry one), ``decimals`` true, ``advance_payment`` true
for invoices (they apply customer advances), ``reteiva``/``reteica`` true for invoices and notes,
``self_withholding`` false (no autorretención), no global discounts or charges, no
transport, health-sector or per-item customer data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from facturo.api.current.base import CurrentModel
from facturo.api.current.pagination import Paging, page_response
from facturo.api.current.routing import current_router
from facturo.api.deps import Context, CurrentActor
from facturo.api.jsonio import ExactJSONResponse, JsonDecimal, respond
from facturo.domain.catalogs import (
    AccountGroup,
    AccountGroupData,
    CostCenter,
    DocumentClass,
    PaymentMeans,
    PaymentMeansType,
    PriceList,
)
from facturo.domain.errors import NotFound, RuleViolations, Violation
from facturo.domain.users import User
from facturo.services import catalogs, users
from facturo.services.catalogs import Catalog, DocumentTypeView, WarehouseView
from facturo.services.paging import PageRequest

CATALOGS_TAG = "Current API: catalogs"
EVERYTHING = PageRequest(offset=0, limit=10_000)
MAX_ID = 2**63 - 1

# Siigo's document classes that Facturo does not keep (purchases, journals, payment
# receipts, …): a company has none of them, so asking lists none.
OTHER_SIIGO_CLASSES = frozenset({"FC", "CC", "RP", "C", "DS"})


def _required(value: str | None, parameter: str) -> str:
    text = (value or "").strip().upper()
    if not text:
        raise RuleViolations(
            [Violation("parameter_required", parameter, "The field {field} is required")]
        )
    return text


# --- document types ----------------------------------------------------------------------------

ELECTRONIC_TYPES = {
    DocumentClass.SALES_INVOICE: "ElectronicInvoice",
    DocumentClass.CREDIT_NOTE: "ElectronicCreditNote",
    DocumentClass.DEBIT_NOTE: "ElectronicDebitNote",
}
_WITH_RETENTIONS = frozenset(
    {DocumentClass.SALES_INVOICE, DocumentClass.CREDIT_NOTE, DocumentClass.DEBIT_NOTE}
)


class DocumentTypeOut(CurrentModel):
    id: int
    code: str
    name: str
    description: str
    type: str
    active: bool
    seller_by_item: bool
    cost_center: bool
    cost_center_mandatory: bool
    cost_center_default: int | None
    automatic_number: bool
    consecutive: int | None  # the next number its active range gives
    discount_type: str
    decimals: bool
    advance_payment: bool
    reteiva: bool
    reteica: bool
    self_withholding: bool
    self_withholding_limit: JsonDecimal
    electronic_type: str
    prefix: str | None
    global_discounts: list[int]
    global_charges: list[int]
    cargo_transportation: bool
    healthcare_company: bool
    customer_by_item: bool

    @classmethod
    def from_domain(cls, view: DocumentTypeView) -> DocumentTypeOut:
        d, numbering = view.document_type, view.active_numbering
        assert d.id is not None
        return cls.model_construct(
            id=d.id,
            code=str(d.code),
            name=d.name,
            description=d.name,
            type=d.document_class.value,
            active=d.active,
            seller_by_item=d.seller_by_item,
            cost_center=True,
            cost_center_mandatory=d.cost_center_mandatory,
            cost_center_default=None,
            automatic_number=d.automatic_number,
            consecutive=numbering.next_number if numbering else None,
            discount_type=d.discount_type.value,
            decimals=True,
            advance_payment=d.document_class == DocumentClass.SALES_INVOICE,
            reteiva=d.document_class in _WITH_RETENTIONS,
            reteica=d.document_class in _WITH_RETENTIONS,
            self_withholding=False,
            self_withholding_limit=Decimal(0),
            electronic_type=ELECTRONIC_TYPES.get(d.document_class, "NoElectronic")
            if d.electronic
            else "NoElectronic",
            prefix=numbering.prefix if numbering else None,
            global_discounts=[],
            global_charges=[],
            cargo_transportation=False,
            healthcare_company=False,
            customer_by_item=False,
        )


document_types_router = current_router("/document-types", CATALOGS_TAG)


@document_types_router.get(
    "", summary="Document types of one class (FV, NC, ND, RC)", response_model=list[DocumentTypeOut]
)
def get_document_types(
    ctx: Context,
    actor: CurrentActor,
    document_class: Annotated[
        str | None, Query(alias="type", description="FV, NC, ND or RC (required)")
    ] = None,
) -> Response:
    wanted = _required(document_class, "type")
    if wanted in OTHER_SIIGO_CLASSES:
        return respond([])
    try:
        chosen = DocumentClass(wanted)
    except ValueError:
        known = ", ".join([*(c.value for c in DocumentClass), *sorted(OTHER_SIIGO_CLASSES)])
        raise RuleViolations(
            [Violation("invalid_value", "type", f"The field {{field}} must be one of: {known}")]
        ) from None
    views = catalogs.get_document_types_of_class(ctx, actor, chosen)
    return respond([DocumentTypeOut.from_domain(v) for v in views])


# --- payment types -----------------------------------------------------------------------------

PAYMENT_TYPE_NAMES = {
    PaymentMeansType.RECEIVABLE: "Cartera",
    PaymentMeansType.PAYABLE: "Proveedor",
    PaymentMeansType.BOTH: "CarteraProveedor",
}
SALES_CLASSES = frozenset(c.value for c in DocumentClass)  # invoices, notes, cash receipts
PURCHASE_CLASSES = frozenset({"FC"})


class PaymentTypeOut(CurrentModel):
    id: int
    name: str
    type: str  # Cartera, Proveedor or CarteraProveedor
    active: bool
    due_date: bool  # a credit means: the payment needs a due date

    @classmethod
    def from_domain(cls, means: PaymentMeans) -> PaymentTypeOut:
        assert means.id is not None
        return cls.model_construct(
            id=means.id,
            name=means.name,
            type=PAYMENT_TYPE_NAMES[means.means_type],
            active=means.active,
            due_date=means.is_credit,
        )


payment_types_router = current_router("/payment-types", CATALOGS_TAG)


@payment_types_router.get(
    "",
    summary="Payment types usable on one class of document",
    response_model=list[PaymentTypeOut],
)
def get_payment_types(
    ctx: Context,
    actor: CurrentActor,
    document_type: Annotated[
        str | None, Query(description="FV, NC, ND, RC or FC (required)")
    ] = None,
) -> Response:
    wanted = _required(document_type, "document_type")
    if wanted not in SALES_CLASSES | PURCHASE_CLASSES:
        raise NotFound("payment types of document type", wanted)
    means = catalogs.payment_means_for(ctx, actor, purchases=wanted in PURCHASE_CLASSES)
    return respond([PaymentTypeOut.from_domain(m) for m in means])


# --- users -------------------------------------------------------------------------------------


class UserOut(CurrentModel):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str | None
    active: bool
    identification: str

    @classmethod
    def from_domain(cls, user: User) -> UserOut:
        assert user.id is not None
        return cls.model_construct(
            id=user.id,
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            active=user.active,
            identification=user.identification,
        )


users_router = current_router("/users", CATALOGS_TAG)


@users_router.get("", summary="List users, a page at a time", response_model=list[UserOut])
def get_users(request: Request, ctx: Context, actor: CurrentActor, paging: Paging) -> Response:
    found, total = users.get_page(ctx, actor, paging.request)
    return page_response(request, paging, [UserOut.from_domain(u) for u in found], total)


# --- warehouses, price lists, cost centers -----------------------------------------------------


class WarehouseOut(CurrentModel):
    id: int
    name: str
    active: bool
    has_movements: bool

    @classmethod
    def from_domain(cls, view: WarehouseView) -> WarehouseOut:
        w = view.warehouse
        assert w.id is not None
        return cls.model_construct(
            id=w.id, name=w.name, active=w.active, has_movements=view.has_movements
        )


class PriceListOut(CurrentModel):
    id: int
    name: str
    active: bool
    position: int

    @classmethod
    def from_domain(cls, price_list: PriceList) -> PriceListOut:
        assert price_list.id is not None
        return cls.model_construct(
            id=price_list.id,
            name=price_list.name,
            active=price_list.active,
            position=price_list.position,
        )


class CostCenterOut(CurrentModel):
    id: int
    code: str
    name: str
    active: bool

    @classmethod
    def from_domain(cls, center: CostCenter) -> CostCenterOut:
        assert center.id is not None
        return cls.model_construct(
            id=center.id, code=center.code, name=center.name, active=center.active
        )


warehouses_router = current_router("/warehouses", CATALOGS_TAG)
price_lists_router = current_router("/price-lists", CATALOGS_TAG)
cost_centers_router = current_router("/cost-centers", CATALOGS_TAG)


@warehouses_router.get("", summary="List warehouses", response_model=list[WarehouseOut])
def get_warehouses(ctx: Context, actor: CurrentActor) -> Response:
    return respond([WarehouseOut.from_domain(v) for v in catalogs.get_warehouses(ctx, actor)])


@price_lists_router.get("", summary="List price lists", response_model=list[PriceListOut])
def get_price_lists(ctx: Context, actor: CurrentActor) -> Response:
    found = catalogs.get_all(ctx, actor, Catalog.PRICE_LISTS, EVERYTHING)
    return respond([PriceListOut.from_domain(p) for p in found])


@cost_centers_router.get("", summary="List cost centers", response_model=list[CostCenterOut])
def get_cost_centers(ctx: Context, actor: CurrentActor) -> Response:
    found = catalogs.get_all(ctx, actor, Catalog.COST_CENTERS, EVERYTHING)
    return respond([CostCenterOut.from_domain(c) for c in found])


# --- account groups ----------------------------------------------------------------------------


class AccountGroupIn(CurrentModel):
    code: str | None = None
    name: str | None = None
    active: bool | None = None

    def to_domain(self) -> AccountGroupData:
        return AccountGroupData(
            code=self.code, name=self.name, active=self.active if self.active is not None else True
        )


class AccountGroupOut(CurrentModel):
    id: int
    name: str
    active: bool

    @classmethod
    def from_domain(cls, group: AccountGroup) -> AccountGroupOut:
        assert group.id is not None
        return cls.model_construct(id=group.id, name=group.name, active=group.active)


account_groups_router = current_router("/account-groups", CATALOGS_TAG)


@account_groups_router.get(
    "", summary="List account groups (inventory groups)", response_model=list[AccountGroupOut]
)
def get_account_groups(ctx: Context, actor: CurrentActor) -> Response:
    found = catalogs.get_all(ctx, actor, Catalog.ACCOUNT_GROUPS, EVERYTHING)
    return respond([AccountGroupOut.from_domain(g) for g in found])


@account_groups_router.post(
    "", summary="Create an account group", status_code=201, response_model=AccountGroupOut
)
def create_account_group(ctx: Context, actor: CurrentActor, body: AccountGroupIn) -> Response:
    group = catalogs.create_account_group(ctx, actor, body.to_domain())
    return _created(AccountGroupOut.from_domain(group))


@account_groups_router.put(
    "/{group_id}",
    summary="Change an account group's code and name (answers 201, as Siigo's does)",
    status_code=201,
    response_model=AccountGroupOut,
)
def update_account_group(
    ctx: Context, actor: CurrentActor, group_id: str, body: AccountGroupIn
) -> Response:
    number = group_id.strip()
    # Ids are 64-bit: a longer number names no record (and would overflow the database).
    if not number.isdigit() or int(number) > MAX_ID:
        raise NotFound("account group", number)
    data = body.to_domain()
    if body.active is None:
        # Siigo's PUT body is only {code, name}: a group a client deactivated stays so.
        data.active = catalogs.get(ctx, actor, Catalog.ACCOUNT_GROUPS, int(number)).active
    group = catalogs.update_account_group(ctx, actor, int(number), data)
    return _created(AccountGroupOut.from_domain(group))


def _created(record: CurrentModel) -> Response:
    return ExactJSONResponse(record.model_dump(mode="json"), status_code=201)


ROUTERS: tuple[APIRouter, ...] = (
    document_types_router,
    payment_types_router,
    users_router,
    warehouses_router,
    price_lists_router,
    cost_centers_router,
    account_groups_router,
)
