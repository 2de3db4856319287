"""Catalog reads: AccountGroups, Taxes, PaymentMeans, Warehouses, PriceList, CostCenters,
Users and ERPDocumentTypes — GetAll (pages from 0) and GetByID for each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from facturo.api.deps import Context, LegacyActor
from facturo.api.jsonio import JsonDecimal
from facturo.api.legacy.base import LegacyModel, Yyyymmdd
from facturo.api.legacy.common import NumberPage, page_request
from facturo.api.legacy.routing import legacy_router
from facturo.domain.catalogs import (
    AccountGroup,
    CostCenter,
    DocumentClass,
    NumberingRange,
    PaymentMeans,
    PriceList,
    Tax,
    Warehouse,
)
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.users import User
from facturo.services import catalogs, users
from facturo.services.catalogs import Catalog, DocumentTypeView


class TaxRecord(LegacyModel):
    Id: int
    Name: str
    Description: str | None
    TaxType: str
    Percentage: JsonDecimal
    IsRetention: bool
    IsActive: bool

    @classmethod
    def from_domain(cls, tax: Tax) -> TaxRecord:
        assert tax.id is not None
        return cls.model_construct(
            Id=tax.id,
            Name=tax.name,
            Description=tax.description,
            TaxType=tax.tax_type.value,
            Percentage=tax.percentage,
            IsRetention=tax.tax_type.is_withholding,
            IsActive=tax.active,
        )


class PaymentMeansRecord(LegacyModel):
    Id: int
    Name: str
    Type: int  # 0 cartera, 1 proveedor, 2 cartera/proveedor
    IsSystem: bool
    IsCredit: bool  # needs DueDate and DueQuote on an invoice
    DianCode: str
    AccountCode: str | None
    IsActive: bool

    @classmethod
    def from_domain(cls, means: PaymentMeans) -> PaymentMeansRecord:
        assert means.id is not None
        return cls.model_construct(
            Id=means.id,
            Name=means.name,
            Type=int(means.means_type),
            IsSystem=means.is_system,
            IsCredit=means.is_credit,
            DianCode=means.dian_code,
            AccountCode=means.account_code,
            IsActive=means.active,
        )


class AccountGroupRecord(LegacyModel):
    Id: int
    Code: str
    Name: str
    Description: str
    IsActive: bool
    InventoryAccount: str | None
    IncomeAccount: str | None
    CostAccount: str | None
    ReturnsAccount: str | None

    @classmethod
    def from_domain(cls, group: AccountGroup) -> AccountGroupRecord:
        assert group.id is not None
        return cls.model_construct(
            Id=group.id,
            Code=group.code,
            Name=group.name,
            Description=group.name,
            IsActive=group.active,
            InventoryAccount=group.inventory_account,
            IncomeAccount=group.income_account,
            CostAccount=group.cost_account,
            ReturnsAccount=group.returns_account,
        )


class PriceListRecord(LegacyModel):
    Id: int
    Position: int
    Name: str
    IsActive: bool

    @classmethod
    def from_domain(cls, price_list: PriceList) -> PriceListRecord:
        assert price_list.id is not None
        return cls.model_construct(
            Id=price_list.id,
            Position=price_list.position,
            Name=price_list.name,
            IsActive=price_list.active,
        )


class WarehouseRecord(LegacyModel):
    Id: int
    Code: str
    Name: str
    IsActive: bool

    @classmethod
    def from_domain(cls, warehouse: Warehouse) -> WarehouseRecord:
        assert warehouse.id is not None
        return cls.model_construct(
            Id=warehouse.id, Code=warehouse.code, Name=warehouse.name, IsActive=warehouse.active
        )


class CostCenterRecord(LegacyModel):
    Id: int
    Code: str
    Name: str
    ParentID: int | None
    IsActive: bool

    @classmethod
    def from_domain(cls, center: CostCenter) -> CostCenterRecord:
        assert center.id is not None
        return cls.model_construct(
            Id=center.id,
            Code=center.code,
            Name=center.name,
            ParentID=center.parent_id,
            IsActive=center.active,
        )


class UserRecord(LegacyModel):
    Id: int
    UserName: str
    Identification: str
    FirstName: str
    LastName: str
    FullName: str
    Email: str | None
    UserType: int  # 1 con acceso, 2 lite, 3 gestor de nómina
    UserTypeName: str
    IsActive: bool

    @classmethod
    def from_domain(cls, user: User) -> UserRecord:
        assert user.id is not None
        return cls.model_construct(
            Id=user.id,
            UserName=user.username,
            Identification=user.identification,
            FirstName=user.first_name,
            LastName=user.last_name,
            FullName=user.full_name,
            Email=user.email,
            UserType=user.user_type.siigo_number,
            UserTypeName=user.user_type.label,
            IsActive=user.active,
        )


class NumberingRangeRecord(LegacyModel):
    Id: int
    Prefix: str
    From: int
    To: int
    NextNumber: int
    ValidFrom: Yyyymmdd
    ValidTo: Yyyymmdd
    ResolutionNumber: str | None
    ResolutionDate: Yyyymmdd
    HasTechnicalKey: bool
    IsActive: bool

    @classmethod
    def from_domain(cls, n: NumberingRange) -> NumberingRangeRecord:
        assert n.id is not None
        return cls.model_construct(
            Id=n.id,
            Prefix=n.prefix,
            From=n.first_number,
            To=n.last_number,
            NextNumber=n.next_number,
            ValidFrom=n.valid_from,
            ValidTo=n.valid_to,
            ResolutionNumber=n.resolution_number,
            ResolutionDate=n.resolution_date,
            HasTechnicalKey=n.technical_key is not None,
            IsActive=n.active,
        )


class WarningRecord(LegacyModel):
    Code: str
    Message: str


class DocumentTypeRecord(LegacyModel):
    Id: int
    Code: int
    DocClass: str
    Name: str
    Prefix: str | None
    Consecutive: int | None  # the next number the active range will give
    IsAutomaticNumber: bool
    IsElectronic: bool
    DiscountType: str
    CostCenterMandatory: bool
    SellerByItem: bool
    IsActive: bool
    NumberingRange: NumberingRangeRecord | None
    Warnings: list[WarningRecord]  # the range running out of numbers or of validity

    @classmethod
    def from_domain(cls, view: DocumentTypeView) -> DocumentTypeRecord:
        d, numbering = view.document_type, view.active_numbering
        assert d.id is not None
        return cls.model_construct(
            Id=d.id,
            Code=d.code,
            DocClass=d.document_class.value,
            Name=d.name,
            Prefix=numbering.prefix if numbering else None,
            Consecutive=numbering.next_number if numbering else None,
            IsAutomaticNumber=d.automatic_number,
            IsElectronic=d.electronic,
            DiscountType=d.discount_type.value,
            CostCenterMandatory=d.cost_center_mandatory,
            SellerByItem=d.seller_by_item,
            IsActive=d.active,
            NumberingRange=NumberingRangeRecord.from_domain(numbering) if numbering else None,
            Warnings=[
                WarningRecord.model_construct(Code=w.code, Message=w.message) for w in view.warnings
            ],
        )


R = TypeVar("R", bound=LegacyModel)


def _catalog_router(
    prefix: str, catalog: Catalog, to_record: Callable[[Any], R], record: type[R]
) -> APIRouter:
    """GetAll and GetByID of one catalog."""
    router = legacy_router(prefix, "Legacy: catalogs")
    noun = prefix.strip("/")

    @router.get("/GetAll", summary=f"List {noun}, a page at a time", response_model=list[record])  # type: ignore[valid-type]
    def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[R]:
        return [
            to_record(r)
            for r in catalogs.get_all(ctx, actor, catalog, page_request(ctx, number_page))
        ]

    @router.get("/GetByID/{record_id}", summary=f"Read one of {noun}", response_model=record)
    def get_by_id(ctx: Context, actor: LegacyActor, record_id: int) -> R:
        return to_record(catalogs.get(ctx, actor, catalog, record_id))

    return router


taxes_router = _catalog_router("/Taxes", Catalog.TAXES, TaxRecord.from_domain, TaxRecord)
payment_means_router = _catalog_router(
    "/PaymentMeans", Catalog.PAYMENT_MEANS, PaymentMeansRecord.from_domain, PaymentMeansRecord
)
account_groups_router = _catalog_router(
    "/AccountGroups", Catalog.ACCOUNT_GROUPS, AccountGroupRecord.from_domain, AccountGroupRecord
)
price_lists_router = _catalog_router(
    "/PriceList", Catalog.PRICE_LISTS, PriceListRecord.from_domain, PriceListRecord
)
warehouses_router = _catalog_router(
    "/Warehouses", Catalog.WAREHOUSES, WarehouseRecord.from_domain, WarehouseRecord
)
cost_centers_router = _catalog_router(
    "/CostCenters", Catalog.COST_CENTERS, CostCenterRecord.from_domain, CostCenterRecord
)

users_router = legacy_router("/Users", "Legacy: catalogs")


@users_router.get(
    "/GetAll", summary="List users (their Identification is the SalesmanIdentification)"
)
def get_all_users(
    ctx: Context, actor: LegacyActor, number_page: NumberPage = 0
) -> list[UserRecord]:
    return [
        UserRecord.from_domain(u) for u in users.get_all(ctx, actor, page_request(ctx, number_page))
    ]


@users_router.get("/GetByID/{user_id}", summary="Read a user")
def get_user(ctx: Context, actor: LegacyActor, user_id: int) -> UserRecord:
    return UserRecord.from_domain(users.get(ctx, actor, user_id))


document_types_router = legacy_router(
    "/ERPDocumentTypes", "Legacy: catalogs", {"doc_class": "docClass", "doc_code": "docCode"}
)


@document_types_router.get("/GetAll", summary="List document types with their numbering")
def get_all_document_types(
    ctx: Context, actor: LegacyActor, number_page: NumberPage = 0
) -> list[DocumentTypeRecord]:
    views = catalogs.get_document_types(ctx, actor, page_request(ctx, number_page))
    return [DocumentTypeRecord.from_domain(v) for v in views]


@document_types_router.get("/GetByID/{document_type_id}", summary="Read a document type")
def get_document_type(
    ctx: Context, actor: LegacyActor, document_type_id: int
) -> DocumentTypeRecord:
    return DocumentTypeRecord.from_domain(catalogs.get_document_type(ctx, actor, document_type_id))


@document_types_router.get(
    "/GetByCode", summary="A document type by class and code (e.g. docClass=FV&docCode=1)"
)
def get_document_type_by_code(
    ctx: Context,
    actor: LegacyActor,
    doc_class: Annotated[str, Query(alias="docClass", description="FV, RC, NC or ND")],
    doc_code: Annotated[
        int, Query(alias="docCode", description="The type's code within its class")
    ],
) -> DocumentTypeRecord:
    try:
        document_class = DocumentClass(doc_class.strip().upper())
    except ValueError:
        allowed = ", ".join(c.value for c in DocumentClass)
        raise RuleViolations(
            [
                Violation(
                    "invalid_value",
                    "doc_class",
                    f"The parameter {{field}} must be one of: {allowed}",
                )
            ]
        ) from None
    return DocumentTypeRecord.from_domain(
        catalogs.get_document_type_by_code(ctx, actor, document_class, doc_code)
    )


ROUTERS = (
    taxes_router,
    payment_means_router,
    account_groups_router,
    price_lists_router,
    warehouses_router,
    cost_centers_router,
    users_router,
    document_types_router,
)

__all__ = ["ROUTERS"]
