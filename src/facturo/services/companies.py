"""Creating companies with their default catalogs and first administrator."""

from __future__ import annotations

from dataclasses import dataclass

from facturo.domain.access import UserType
from facturo.domain.companies import Company, check_company, company_nit, normalize_company_key
from facturo.domain.defaults import default_catalogs
from facturo.domain.errors import NotFound
from facturo.domain.users import User, UserData, check_password, check_user, normalize_username
from facturo.domain.validation import Checker
from facturo.services.context import ServiceContext
from facturo.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class NewCompany:
    key: str
    name: str
    nit: str
    admin_username: str
    admin_password: str
    admin_identification: str
    admin_first_name: str
    admin_last_name: str = ""
    admin_email: str | None = None


def create(ctx: ServiceContext, new: NewCompany) -> tuple[Company, User]:
    key = normalize_company_key(new.key)
    admin = UserData(
        username=normalize_username(new.admin_username),
        user_type=UserType.FULL,
        identification=new.admin_identification.strip(),
        first_name=new.admin_first_name.strip(),
        last_name=new.admin_last_name.strip(),
        email=new.admin_email,
    )
    check = Checker()
    check.extend(check_company(key, new.name, new.nit).violations)
    check.extend(check_user(admin).violations, prefix="admin_")
    check.extend(check_password(new.admin_password).violations, prefix="admin_")
    with ctx.unit_of_work() as uow:
        if not check.has_errors_on("key") and uow.companies.find_by_key(key) is not None:
            check.add("already_exists", "key", f"A company with key {key} already exists")
        check.raise_if_any()
        nit, check_digit = company_nit(new.nit)
        company = uow.companies.add(
            Company(key=key, name=new.name.strip(), nit=nit, check_digit=check_digit)
        )
        uow.flush()
        assert company.id is not None
        _add_default_catalogs(uow, company.id)
        user = uow.users.add(
            User(
                company_id=company.id,
                password_hash=ctx.passwords.hash(new.admin_password),
                **vars(admin),
            )
        )
        uow.commit()
    return company, user


def _add_default_catalogs(uow: UnitOfWork, company_id: int) -> None:
    catalogs = default_catalogs(company_id)
    for record in (
        *catalogs.taxes,
        *catalogs.payment_means,
        *catalogs.account_groups,
        *catalogs.price_lists,
        *catalogs.warehouses,
        *catalogs.cost_centers,
        *catalogs.charges,
        *catalogs.ledger_accounts,
    ):
        uow.session.add(record)
    for document_type, numbering in catalogs.document_types:
        uow.document_types.add(document_type)
        uow.flush()
        assert document_type.id is not None
        numbering.document_type_id = document_type.id
        uow.numbering_ranges.add(numbering)
    uow.flush()


def get_by_key(ctx: ServiceContext, key: str) -> Company:
    with ctx.unit_of_work(read_only=True) as uow:
        company = uow.companies.find_by_key(normalize_company_key(key))
    if company is None:
        raise NotFound("company", key)
    return company


def get_all(ctx: ServiceContext) -> list[Company]:
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.companies.all()
