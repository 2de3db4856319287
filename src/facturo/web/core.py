"""What every page of the web app shares: the templates and their filters, the session, CSRF
protection, flash messages and rendering.

Every page is server-rendered (Jinja2) and works without JavaScript; small scripts in
``static/app.js`` only add live progress and conveniences. Every form carries the session's
CSRF token (the anonymous forms, a token in a cookie of their own: double submit), every
state change is a POST, cookies are HttpOnly and SameSite=Lax (and Secure when
``FACTURO_SECURE_COOKIES`` is on, as it must be behind HTTPS).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from facturo.domain.access import Permission, UserType
from facturo.domain.errors import RuleViolations
from facturo.services import web_sessions
from facturo.services.context import ServiceContext
from facturo.services.web_sessions import WebSession
from facturo.web import format as fmt
from facturo.web.messages import field_errors

PREFIX = "/app"
SESSION_COOKIE = "facturo_session"
ANONYMOUS_CSRF_COOKIE = "facturo_csrf"
FLASH_COOKIE = "facturo_flash"
HERE = Path(__file__).parent

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    pesos=fmt.pesos, number=fmt.number, fecha=fmt.fecha, fecha_hora=fmt.fecha_hora
)
templates.env.globals["PREFIX"] = PREFIX


class SignInRequired(Exception):
    """No live session: the page sends the browser to sign in (and back afterwards)."""


class PasswordChangeRequired(Exception):
    """Signed in with a temporary password: nothing but the change until it is done."""


class CsrfRefused(Exception):
    """A form came without the session's token (another site's form, or an old page)."""


def context_of(request: Request) -> ServiceContext:
    ctx = request.app.state.context
    assert isinstance(ctx, ServiceContext)
    return ctx


Context = Annotated[ServiceContext, Depends(context_of)]


def optional_session(request: Request) -> WebSession | None:
    if hasattr(request.state, "web_session"):
        cached: WebSession | None = request.state.web_session
        return cached
    found = web_sessions.resume(context_of(request), request.cookies.get(SESSION_COOKIE))
    request.state.web_session = found
    return found


def signed_in(request: Request) -> WebSession:
    """The session of a page that needs one; a temporary password must be changed first."""
    found = optional_session(request)
    if found is None:
        raise SignInRequired()
    if found.user.must_change_password:
        raise PasswordChangeRequired()
    return found


def signed_in_even_with_temporary_password(request: Request) -> WebSession:
    found = optional_session(request)
    if found is None:
        raise SignInRequired()
    return found


Session = Annotated[WebSession, Depends(signed_in)]
AnySession = Annotated[WebSession, Depends(signed_in_even_with_temporary_password)]


def require_full_app(session: WebSession) -> None:
    """The full app is for users with access; a lite user or payroll manager is told to ask
    the administrator (the help text's message) and shown where they may go."""
    if session.user.user_type is not UserType.FULL:
        session.actor.require(Permission.USERS_MANAGE)  # raises with the type's message


def full_access(request: Request) -> WebSession:
    session = signed_in(request)
    require_full_app(session)
    return session


FullSession = Annotated[WebSession, Depends(full_access)]


# --- CSRF ----------------------------------------------------------------------------------


def csrf_token_for(request: Request) -> str:
    """The token the page's forms carry: the session's, or the anonymous cookie's."""
    session = optional_session(request)
    if session is not None:
        return session.csrf_token
    token = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or getattr(
        request.state, "new_anonymous_csrf", None
    )
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_anonymous_csrf = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    session = optional_session(request)
    expected = session.csrf_token if session else request.cookies.get(ANONYMOUS_CSRF_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()
    return form


Form = Annotated[FormData, Depends(checked_form)]


# --- flash messages ------------------------------------------------------------------------


def _flash_signature(ctx: ServiceContext, text: str) -> str:
    key = ctx.settings.resolved_secret_key().encode()
    return hmac.new(key, b"flash:" + text.encode(), hashlib.sha256).hexdigest()[:32]


def redirect(request: Request, url: str, *, flash: str | None = None) -> RedirectResponse:
    """303 to ``url`` (after a POST), with a message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        signature = _flash_signature(context_of(request), flash)
        response.set_cookie(
            FLASH_COOKIE,
            quote(f"{signature}|{flash}"),
            httponly=True,
            samesite="lax",
            path=PREFIX,
            secure=context_of(request).settings.secure_cookies,
        )
    return response


def _take_flash(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    signature, _, text = unquote(raw).partition("|")
    expected = _flash_signature(context_of(request), text)
    return text if hmac.compare_digest(signature, expected) else None


# --- rendering -----------------------------------------------------------------------------


@dataclass
class FormState:
    """What a form shows again after a refusal: the values typed and the errors by field."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def refused(
        cls,
        values: Mapping[str, Any],
        refusal: RuleViolations,
        fields: Mapping[str, str] | None = None,
    ) -> FormState:
        shown = {
            k: v for k, v in values.items() if k not in ("csrf_token",) and "password" not in k
        }
        return cls(shown, field_errors(refusal.violations, fields))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = optional_session(request)
    context.setdefault("form", FormState())
    response = templates.TemplateResponse(
        request,
        template,
        {
            "session": session,
            "csrf_token": csrf_token_for(request),
            "flash": _take_flash(request),
            "can": (lambda p: session is not None and session.actor.can(Permission(p))),
            "full": session is not None and session.user.user_type is UserType.FULL,
            **context,
        },
        status_code=status_code,
    )
    finish(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def finish(request: Request, response: Response) -> None:
    """Cookies a response owes: a new anonymous CSRF token, a consumed flash."""
    settings = context_of(request).settings
    new_token = getattr(request.state, "new_anonymous_csrf", None)
    if new_token:
        response.set_cookie(
            ANONYMOUS_CSRF_COOKIE,
            new_token,
            httponly=True,
            samesite="lax",
            path=PREFIX,
            secure=settings.secure_cookies,
        )
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path=PREFIX)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = context_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path=PREFIX,
        secure=settings.secure_cookies,
        max_age=settings.web_session_max_hours * 3600,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)


def public_base(request: Request) -> str:
    """Where links in e-mails point: FACTURO_PUBLIC_URL, or the address the browser used."""
    configured = context_of(request).settings.public_url
    base = configured.rstrip("/") if configured else str(request.base_url).rstrip("/")
    return base + PREFIX


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
