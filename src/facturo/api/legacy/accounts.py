"""Accounts (terceros): Create, GetByID, GetAll, Update, Delete."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from facturo.api.deps import Context, LegacyActor
from facturo.api.legacy.base import LegacyModel, none_if_not_positive
from facturo.api.legacy.common import (
    CityRecord,
    Deleted,
    NumberPage,
    PhoneRecord,
    page_request,
    phone_of,
    place_of,
    required_id,
)
from facturo.api.legacy.routing import legacy_router
from facturo.domain.parties import PartyData
from facturo.services import parties
from facturo.services.parties import PartyView

FIELD_NAMES = {
    "kinds": "IsCustomer, IsSupplier, IsLeaflet, IsDealer or IsBank",
    "is_prospect": "IsLeaflet",
    "is_other": "IsBank",
    "is_company": "IsSocialReason",
    "vat_responsible": "IsVATCompanyType",
    "website": "WebSite",
    "place": "City",
    "email": "EMail",
    "active": "IsActive",
    "director_id": "DirectorID",
    "salesman_id": "SalesmanID",
    "collector_id": "CollectorID",
    "principal_contact_id": "PrincipalContactID",
    "phone.extension": "Phone.Extention",
    "fax.extension": "Fax.Extention",
}

router = legacy_router("/Accounts", "Legacy: accounts (terceros)", FIELD_NAMES)


def _responsibility_codes(value: Any) -> Any:
    """Codes as strings (``["O-13"]``), objects (``[{"Code": "O-13"}]``) or one string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [code for code in value.replace(";", ",").split(",") if code.strip()]
    if isinstance(value, list):
        codes = []
        for item in value:
            if isinstance(item, dict):
                item = next((v for k, v in item.items() if str(k).lower() == "code"), None)
            if item is not None and str(item).strip():
                codes.append(str(item))
        return codes
    return value


class AccountRecord(LegacyModel):
    Id: int | None = None
    IsLeaflet: bool = False
    IsCustomer: bool = False
    IsSupplier: bool = False
    IsDealer: bool = False
    IsBank: bool = False
    IsSocialReason: bool = False
    FullName: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    IdTypeCode: str | None = None
    Identification: str | None = None
    CheckDigit: int | None = None
    BranchOffice: int | None = 0
    IsVATCompanyType: bool = False
    WebSite: str | None = None
    City: CityRecord | None = None
    Address: str | None = None
    PostalCode: str | None = None
    Fax: PhoneRecord | None = None
    Phone: PhoneRecord | None = None
    EMail: str | None = None
    IsActive: bool = True
    DirectorID: int | None = None
    SalesmanID: int | None = None
    CollectorID: int | None = None
    PrincipalContactID: int | None = None
    FiscalResponsibilities: Annotated[list[str], BeforeValidator(_responsibility_codes)] = Field(
        default_factory=list
    )

    def to_domain(self) -> PartyData:
        return PartyData(
            is_customer=self.IsCustomer,
            is_supplier=self.IsSupplier,
            is_prospect=self.IsLeaflet,
            is_dealer=self.IsDealer,
            is_other=self.IsBank,
            is_company=self.IsSocialReason,
            full_name=self.FullName,
            first_name=self.FirstName,
            last_name=self.LastName,
            id_type_code=self.IdTypeCode,
            identification=self.Identification,
            check_digit=self.CheckDigit,
            branch_office=self.BranchOffice or 0,
            vat_responsible=self.IsVATCompanyType,
            website=self.WebSite,
            place=place_of(self.City),
            address=self.Address,
            postal_code=self.PostalCode,
            phone=phone_of(self.Phone),
            fax=phone_of(self.Fax),
            email=self.EMail,
            active=self.IsActive,
            director_id=none_if_not_positive(self.DirectorID),
            salesman_id=none_if_not_positive(self.SalesmanID),
            collector_id=none_if_not_positive(self.CollectorID),
            fiscal_responsibilities=list(self.FiscalResponsibilities),
        )

    @classmethod
    def from_domain(cls, view: PartyView) -> AccountRecord:
        p = view.party
        return cls.model_construct(
            Id=p.id,
            IsLeaflet=p.is_prospect,
            IsCustomer=p.is_customer,
            IsSupplier=p.is_supplier,
            IsDealer=p.is_dealer,
            IsBank=p.is_other,
            IsSocialReason=p.is_company,
            FullName=p.full_name,
            FirstName=p.first_name,
            LastName=p.last_name,
            IdTypeCode=p.id_type_code,
            Identification=p.identification,
            CheckDigit=p.check_digit,
            BranchOffice=p.branch_office,
            IsVATCompanyType=p.vat_responsible,
            WebSite=p.website,
            City=CityRecord.from_domain(p.place),
            Address=p.address,
            PostalCode=p.postal_code,
            Fax=PhoneRecord.from_domain(p.fax),
            Phone=PhoneRecord.from_domain(p.phone),
            EMail=p.email,
            IsActive=p.active,
            DirectorID=p.director_id,
            SalesmanID=p.salesman_id,
            CollectorID=p.collector_id,
            PrincipalContactID=view.principal_contact_id,
            FiscalResponsibilities=list(p.fiscal_responsibilities),
        )


@router.post("/Create", summary="Create a tercero")
def create(ctx: Context, actor: LegacyActor, record: AccountRecord) -> AccountRecord:
    return AccountRecord.from_domain(parties.create(ctx, actor, record.to_domain()))


@router.get("/GetByID/{account_id}", summary="Read a tercero")
def get_by_id(ctx: Context, actor: LegacyActor, account_id: int) -> AccountRecord:
    return AccountRecord.from_domain(parties.get(ctx, actor, account_id))


@router.get("/GetAll", summary="List terceros, a page at a time")
def get_all(ctx: Context, actor: LegacyActor, number_page: NumberPage = 0) -> list[AccountRecord]:
    return [
        AccountRecord.from_domain(v)
        for v in parties.get_all(ctx, actor, page_request(ctx, number_page))
    ]


@router.post("/Update", summary="Replace a tercero (its Id in the body)")
@router.put("/Update", summary="Replace a tercero (its Id in the body)")
def update(ctx: Context, actor: LegacyActor, record: AccountRecord) -> AccountRecord:
    view = parties.update(
        ctx,
        actor,
        required_id(record.Id),
        record.to_domain(),
        principal_contact_id=none_if_not_positive(record.PrincipalContactID),
    )
    return AccountRecord.from_domain(view)


@router.delete("/Delete/{account_id}", summary="Delete a tercero no document uses")
def delete(ctx: Context, actor: LegacyActor, account_id: int) -> Deleted:
    parties.delete(ctx, actor, account_id)
    return Deleted(Id=account_id)
