"""Managing a company's users."""

from __future__ import annotations

from dataclasses import replace

from facturo.domain.access import Actor, Permission, UserType
from facturo.domain.errors import RuleViolations, Violation
from facturo.domain.users import User, UserData, check_password, check_user, normalize_username
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store.unit_of_work import UnitOfWork


def get(ctx: ServiceContext, actor: Actor, user_id: int) -> User:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.users.get(actor.company_id, user_id)


def get_all(ctx: ServiceContext, actor: Actor, page: PageRequest) -> list[User]:
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.users.page(actor.company_id, offset=page.offset, limit=page.limit)


def get_page(ctx: ServiceContext, actor: Actor, page: PageRequest) -> tuple[list[User], int]:
    """A page of the company's users and how many there are in all."""
    actor.require(Permission.MASTER_DATA_READ)
    with ctx.unit_of_work(read_only=True) as uow:
        found = uow.users.page(actor.company_id, offset=page.offset, limit=page.limit)
        return found, uow.users.count(actor.company_id)


def find_by_username(ctx: ServiceContext, actor: Actor, username: str) -> User | None:
    with ctx.unit_of_work(read_only=True) as uow:
        return uow.users.find_by_username(actor.company_id, normalize_username(username))


def create(
    ctx: ServiceContext,
    actor: Actor,
    data: UserData,
    password: str,
    *,
    must_change_password: bool = False,
) -> User:
    actor.require(Permission.USERS_MANAGE)
    data = replace(
        data,
        username=normalize_username(data.username),
        identification=data.identification.strip(),
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=(data.email or "").strip() or None,
    )
    check = check_user(data)
    check.extend(check_password(password).violations)
    with ctx.unit_of_work() as uow:
        if data.username and uow.users.find_by_username(actor.company_id, data.username):
            check.add(
                "already_exists", "username", f"The username {data.username} is already taken"
            )
        if data.identification and uow.users.find_by_identification(
            actor.company_id, data.identification
        ):
            check.add(
                "already_exists",
                "identification",
                f"A user with identification {data.identification} already exists",
            )
        check.raise_if_any()
        user = uow.users.add(
            User(
                company_id=actor.company_id,
                password_hash=ctx.passwords.hash(password),
                must_change_password=must_change_password,
                **vars(data),
            )
        )
        uow.commit()
    return user


def set_password(
    ctx: ServiceContext, actor: Actor, user_id: int, password: str, *, temporary: bool = False
) -> User:
    """Sets a user's password and revokes every token issued before.

    Anyone may change their own password; changing someone else's needs user management.
    A temporary password must be replaced at the next sign-in to the web app.
    """
    if actor.user_id != user_id:
        actor.require(Permission.USERS_MANAGE)
    check_password(password).raise_if_any()
    with ctx.unit_of_work() as uow:
        user = uow.users.get(actor.company_id, user_id)
        user.password_hash = ctx.passwords.hash(password)
        user.must_change_password = temporary
        user.revoke_tokens()
        uow.commit()
    return user


def deactivate(ctx: ServiceContext, actor: Actor, user_id: int) -> User:
    actor.require(Permission.USERS_MANAGE)
    with ctx.unit_of_work() as uow:
        user = uow.users.get(actor.company_id, user_id)
        if user.active and user.user_type == UserType.FULL:
            _refuse_losing_last_administrator(uow, user)
        user.active = False
        user.revoke_tokens()
        uow.commit()
    return user


def _refuse_losing_last_administrator(uow: UnitOfWork, leaving: User) -> None:
    others = [
        u
        for u in uow.users.all(leaving.company_id)
        if u.active and u.user_type == UserType.FULL and u.id != leaving.id
    ]
    if not others:
        raise RuleViolations(
            [
                Violation(
                    "update_not_allowed",
                    "active",
                    "The last active user with full access cannot be deactivated",
                )
            ]
        )
