"""Signing in and out, the forced change of a temporary password, the own password change
and profile, and "¿Olvidaste tu contraseña?"."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facturo.domain.errors import AuthenticationFailed, RuleViolations
from facturo.services import credentials, web_sessions
from facturo.web.core import (
    PREFIX,
    SESSION_COOKIE,
    AnySession,
    Context,
    Form,
    FormState,
    clear_session_cookie,
    optional_session,
    public_base,
    redirect,
    render,
    set_session_cookie,
    text,
)

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path inside the app: never an open redirect to another site."""
    if not target:
        return PREFIX + "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(PREFIX) or target.startswith("//"):
        return PREFIX + "/"
    return target


@router.get("/ingresar")
def sign_in_page(request: Request, siguiente: str | None = None) -> Response:
    if optional_session(request) is not None:
        return redirect(request, _safe_next(siguiente))
    return render(request, "account/sign_in.html", next=siguiente or "")


@router.post("/ingresar")
def sign_in(request: Request, ctx: Context, form: Form) -> Response:
    company_key, username = text(form, "company_key"), text(form, "username")
    password = str(form.get("password") or "")
    values = {"company_key": company_key, "username": username}
    target = _safe_next(text(form, "next"))
    missing = {
        name: "Este campo es obligatorio."
        for name, value in (
            ("company_key", company_key),
            ("username", username),
            ("password", password),
        )
        if not value
    }
    if missing:
        return render(
            request,
            "account/sign_in.html",
            status_code=400,
            form=FormState(values, missing),
            next=target,
        )
    try:
        token = web_sessions.sign_in(ctx, company_key, username, password)
    except AuthenticationFailed as failed:
        return render(
            request,
            "account/sign_in.html",
            status_code=401,
            form=FormState(values, {"": failed.message}),
            next=target,
        )
    response = redirect(request, target)
    set_session_cookie(request, response, token)
    return response


@router.post("/salir")
def sign_out(request: Request, ctx: Context, form: Form) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        web_sessions.close(ctx, token)
    response = redirect(request, PREFIX + "/ingresar", flash="Cerraste sesión.")
    clear_session_cookie(response)
    return response


@router.get("/cambiar-contrasena")
def change_password_page(request: Request, session: AnySession) -> Response:
    return render(request, "account/change_password.html", forced=session.user.must_change_password)


@router.post("/cambiar-contrasena")
def change_password(request: Request, ctx: Context, session: AnySession, form: Form) -> Response:
    try:
        user = credentials.change_own_password(
            ctx,
            session.actor,
            str(form.get("current") or ""),
            str(form.get("password") or ""),
            str(form.get("confirmation") or ""),
        )
    except RuleViolations as refused:
        return render(
            request,
            "account/change_password.html",
            status_code=400,
            form=FormState.refused({}, refused),
            forced=session.user.must_change_password,
        )
    # The change ended every session (the old one too): this browser gets a fresh one.
    response = redirect(request, PREFIX + "/", flash="Tu contraseña quedó cambiada.")
    set_session_cookie(request, response, web_sessions.open_for(ctx, user))
    return response


@router.get("/perfil")
def profile(request: Request, session: AnySession) -> Response:
    return render(request, "account/profile.html")


@router.get("/olvide")
def forgot_page(request: Request) -> Response:
    return render(request, "account/forgot.html", sent=False)


@router.post("/olvide")
def forgot(request: Request, ctx: Context, form: Form) -> Response:
    company_key, username = text(form, "company_key"), text(form, "username")
    errors = {
        name: "Este campo es obligatorio."
        for name, value in (("company_key", company_key), ("username", username))
        if not value
    }
    if errors:
        return render(
            request,
            "account/forgot.html",
            status_code=400,
            form=FormState({"company_key": company_key, "username": username}, errors),
            sent=False,
        )
    credentials.request_reset(ctx, company_key, username, public_base(request) + "/restablecer")
    return render(request, "account/forgot.html", sent=True)


@router.get("/restablecer/{token}")
def reset_page(request: Request, ctx: Context, token: str) -> Response:
    found = credentials.reset_link_user(ctx, token)
    if found is None:
        return render(request, "account/reset.html", status_code=410, valid=False, token="")
    company, user = found
    return render(request, "account/reset.html", valid=True, token=token, who=user, company=company)


@router.post("/restablecer/{token}")
def reset(request: Request, ctx: Context, token: str, form: Form) -> Response:
    try:
        credentials.complete_reset(
            ctx, token, str(form.get("password") or ""), str(form.get("confirmation") or "")
        )
    except RuleViolations as refused:
        found = credentials.reset_link_user(ctx, token)
        if found is None:
            return render(request, "account/reset.html", status_code=410, valid=False, token="")
        return render(
            request,
            "account/reset.html",
            status_code=400,
            form=FormState.refused({}, refused),
            valid=True,
            token=token,
            who=found[1],
            company=found[0],
        )
    return redirect(
        request, PREFIX + "/ingresar", flash="Tu contraseña quedó restablecida. Ingresa con ella."
    )
