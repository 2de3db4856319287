"""Users (administrators only): the list, creating one of the three types with the welcome
e-mail and a temporary password, deactivating, and resetting someone's password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.access import Permission, UserType
from facturo.domain.errors import RuleViolations
from facturo.domain.users import UserData
from facturo.services import credentials, users
from facturo.services.paging import PageRequest
from facturo.web.core import (
    PREFIX,
    Context,
    Form,
    FormState,
    FullSession,
    public_base,
    redirect,
    render,
    text,
)

router = APIRouter(prefix="/usuarios")

PAGE_SIZE = 50
TYPES = [(t.value, t.label) for t in UserType]


def _handed_notice(handed: credentials.Handed, verb: str) -> str:
    who = handed.user.username
    if handed.mailed:
        return f"Usuario {who} {verb}. Le enviamos la contraseña temporal a {handed.user.email}."
    return (
        f"Usuario {who} {verb}, pero el correo no salió ({handed.mail_problem}). "
        f"Entrégale la contraseña temporal: {handed.temporary_password}"
    )


@router.get("")
def index(request: Request, ctx: Context, session: FullSession, pagina: int = 1) -> Response:
    session.actor.require(Permission.USERS_MANAGE)
    page = max(1, min(pagina, 10_000))
    found, total = users.get_page(
        ctx, session.actor, PageRequest.numbered(page, PAGE_SIZE, first=1)
    )
    return render(
        request,
        "users/index.html",
        users=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@router.get("/nuevo")
def new(request: Request, session: FullSession) -> Response:
    session.actor.require(Permission.USERS_MANAGE)
    return render(request, "users/new.html", types=TYPES, form=FormState({"user_type": "full"}))


@router.post("")
def create(request: Request, ctx: Context, session: FullSession, form: Form) -> Response:
    session.actor.require(Permission.USERS_MANAGE)
    values = {
        name: text(form, name)
        for name in ("username", "user_type", "identification", "first_name", "last_name", "email")
    }
    try:
        user_type = UserType(values["user_type"])
    except ValueError:
        return render(
            request,
            "users/new.html",
            status_code=400,
            types=TYPES,
            form=FormState(values, {"user_type": "Elige el tipo de usuario."}),
        )
    data = UserData(
        username=values["username"],
        user_type=user_type,
        identification=values["identification"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"] or None,
    )
    try:
        handed = credentials.invite(ctx, session.actor, data, public_base(request) + "/ingresar")
    except RuleViolations as refused:
        return render(
            request,
            "users/new.html",
            status_code=400,
            types=TYPES,
            form=FormState.refused(values, refused),
        )
    return redirect(request, PREFIX + "/usuarios", flash=_handed_notice(handed, "creado"))


@router.post("/{user_id}/desactivar")
def deactivate(
    request: Request, ctx: Context, session: FullSession, user_id: int, form: Form
) -> Response:
    try:
        user = users.deactivate(ctx, session.actor, user_id)
    except RuleViolations as refused:
        from facturo.web.messages import spanish

        return redirect(
            request, PREFIX + "/usuarios", flash="; ".join(spanish(v) for v in refused.violations)
        )
    return redirect(request, PREFIX + "/usuarios", flash=f"Usuario {user.username} desactivado.")


@router.post("/{user_id}/restablecer")
def reset_password(
    request: Request, ctx: Context, session: FullSession, user_id: int, form: Form
) -> Response:
    handed = credentials.reset_by_administrator(
        ctx, session.actor, user_id, public_base(request) + "/ingresar"
    )
    return redirect(
        request, PREFIX + "/usuarios", flash=_handed_notice(handed, "con contraseña restablecida")
    )
