"""Contacts of a tercero: Create, GetByID, GetAllByAccountID, Update, Delete."""

from __future__ import annotations

from facturo.api.deps import Context, LegacyActor
from facturo.api.legacy.base import LegacyModel, Yyyymmdd, none_if_not_positive
from facturo.api.legacy.common import Deleted, PhoneRecord, phone_of, required_id
from facturo.api.legacy.routing import legacy_router
from facturo.domain.parties import Contact, ContactData
from facturo.services import contacts

FIELD_NAMES = {
    "party_id": "AccountID",
    "email": "EMail",
    "phone": "Phone1",
    "phone.extension": "Phone1.Extention",
    "mobile.extension": "Mobile.Extention",
    "fax.extension": "Fax.Extention",
    "charge_id": "ChargeID",
}

router = legacy_router("/Contacts", "Legacy: contacts", FIELD_NAMES)


class ContactRecord(LegacyModel):
    Id: int | None = None
    Code: int | None = None
    AccountID: int | None = None
    Phone1: PhoneRecord | None = None
    Mobile: PhoneRecord | None = None
    Fax: PhoneRecord | None = None
    EMail: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    IsPrincipal: bool = False
    Gender: int | None = None
    ChargeID: int | None = None
    BirthDate: Yyyymmdd = None

    def to_domain(self) -> ContactData:
        return ContactData(
            party_id=none_if_not_positive(self.AccountID),
            first_name=self.FirstName,
            last_name=self.LastName,
            email=(self.EMail or "").strip() or None,
            phone=phone_of(self.Phone1),
            mobile=phone_of(self.Mobile),
            fax=phone_of(self.Fax),
            is_principal=self.IsPrincipal,
            gender=self.Gender,
            charge_id=none_if_not_positive(self.ChargeID),
            birth_date=self.BirthDate,
        )

    @classmethod
    def from_domain(cls, c: Contact) -> ContactRecord:
        return cls.model_construct(
            Id=c.id,
            Code=c.code,
            AccountID=c.party_id,
            Phone1=PhoneRecord.from_domain(c.phone),
            Mobile=PhoneRecord.from_domain(c.mobile),
            Fax=PhoneRecord.from_domain(c.fax),
            EMail=c.email,
            FirstName=c.first_name,
            LastName=c.last_name,
            IsPrincipal=c.is_principal,
            Gender=c.gender,
            ChargeID=c.charge_id,
            BirthDate=c.birth_date,
        )


@router.post("/Create", summary="Add a contact to a tercero (at most 10)")
def create(ctx: Context, actor: LegacyActor, record: ContactRecord) -> ContactRecord:
    return ContactRecord.from_domain(contacts.create(ctx, actor, record.to_domain()))


@router.get("/GetByID/{contact_id}", summary="Read a contact")
def get_by_id(ctx: Context, actor: LegacyActor, contact_id: int) -> ContactRecord:
    return ContactRecord.from_domain(contacts.get(ctx, actor, contact_id))


@router.get("/GetAllByAccountID/{account_id}", summary="The contacts of a tercero")
def get_all_by_account(ctx: Context, actor: LegacyActor, account_id: int) -> list[ContactRecord]:
    return [
        ContactRecord.from_domain(c) for c in contacts.get_all_for_party(ctx, actor, account_id)
    ]


@router.post("/Update", summary="Replace a contact (its Id in the body)")
@router.put("/Update", summary="Replace a contact (its Id in the body)")
def update(ctx: Context, actor: LegacyActor, record: ContactRecord) -> ContactRecord:
    return ContactRecord.from_domain(
        contacts.update(ctx, actor, required_id(record.Id), record.to_domain())
    )


@router.delete("/Delete/{contact_id}", summary="Delete a contact")
def delete(ctx: Context, actor: LegacyActor, contact_id: int) -> Deleted:
    contacts.delete(ctx, actor, contact_id)
    return Deleted(Id=contact_id)
