"""How people get and recover their passwords in the web app: the welcome e-mail with a
temporary password (changed at the first sign-in), an administrator's reset, and the
"¿Olvidaste tu contraseña?" link — expiring, single use, and silent about which users exist.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from facturo.domain.access import Actor, Permission
from facturo.domain.companies import Company, normalize_company_key
from facturo.domain.errors import RuleViolations, Unavailable, Violation
from facturo.domain.users import (
    User,
    UserData,
    check_password,
    check_user,
    normalize_username,
)
from facturo.services import mail, users
from facturo.services.context import ServiceContext
from facturo.store.web import PasswordResetRepository, PasswordResetRow, WebSessionRepository

log = logging.getLogger("facturo.credentials")

# No 0/O, 1/l/I: a temporary password is read off an e-mail and typed by hand.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK_REFUSED = (
    "El enlace para restablecer la contraseña no es válido o ya venció. Solicita uno nuevo."
)


def temporary_password() -> str:
    groups = ["".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


@dataclass(frozen=True)
class Handed:
    """A user and the temporary password they were given; ``mailed`` says whether the e-mail
    reached the mail server (if not, the administrator hands the password over)."""

    user: User
    temporary_password: str
    mailed: bool
    mail_problem: str = ""


def invite(ctx: ServiceContext, actor: Actor, data: UserData, sign_in_url: str) -> Handed:
    """Creates a user with a temporary password and sends the welcome e-mail with their user
    name and that password."""
    actor.require(Permission.USERS_MANAGE)
    if not (data.email or "").strip():
        # The welcome e-mail is how the password reaches them: refuse with every other
        # problem of the form at once.
        check = check_user(data)
        check.add(
            "parameter_required", "email", "El correo es obligatorio: allí llega la contraseña."
        )
        check.raise_if_any()
    password = temporary_password()
    user = users.create(ctx, actor, data, password, must_change_password=True)
    return _hand_over(ctx, actor, user, password, sign_in_url, welcome=True)


def reset_by_administrator(
    ctx: ServiceContext, actor: Actor, user_id: int, sign_in_url: str
) -> Handed:
    """A new temporary password for someone else, e-mailed to them; their sessions end."""
    actor.require(Permission.USERS_MANAGE)
    password = temporary_password()
    user = users.set_password(ctx, actor, user_id, password, temporary=True)
    return _hand_over(ctx, actor, user, password, sign_in_url, welcome=False)


def _hand_over(
    ctx: ServiceContext, actor: Actor, user: User, password: str, url: str, *, welcome: bool
) -> Handed:
    with ctx.unit_of_work(read_only=True) as uow:
        company = uow.companies.get(actor.company_id)
    if not user.email:
        return Handed(user, password, False, "El usuario no tiene correo electrónico")
    subject = (
        f"Bienvenido a Facturo — {company.name}"
        if welcome
        else f"Tu nueva contraseña temporal — {company.name}"
    )
    opening = (
        f"{company.name} te creó un usuario en Facturo."
        if welcome
        else f"El administrador de {company.name} restableció tu contraseña."
    )
    body = (
        f"Hola {user.first_name}:\n\n{opening}\n\n"
        f"  Empresa (clave): {company.key}\n"
        f"  Usuario: {user.username}\n"
        f"  Contraseña temporal: {password}\n\n"
        f"Ingresa en {url}. Al ingresar deberás cambiar la contraseña temporal por una tuya.\n"
    )
    problem = _send(ctx, user.email, subject, body)
    return Handed(user, password, not problem, problem)


def _send(ctx: ServiceContext, to: str, subject: str, body: str) -> str:
    """Sends a plain message; the problem, or "" once the server took it."""
    settings = ctx.settings
    if not settings.smtp_configured:
        return "El envío de correo no está configurado (FACTURO_SMTP_HOST y FACTURO_SMTP_FROM)"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from or ""
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    message.set_content(body)
    try:
        mail.deliver(settings, message)
    except Unavailable as failed:
        log.warning("mail to %s failed: %s", to, failed)
        return f"No se pudo enviar el correo: {failed}"
    return ""


# --- "¿Olvidaste tu contraseña?" ----------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(ctx: ServiceContext, company_key: str, username: str, link_base: str) -> None:
    """E-mails a single-use link to the user, if such an active user with an e-mail exists.
    Answers the same either way, so the form cannot be used to find out who has an account."""
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        company = uow.companies.find_by_key(normalize_company_key(company_key))
        user = None
        if company is not None and company.active and company.id is not None:
            user = uow.users.find_by_username(company.id, normalize_username(username))
        if user is None or not user.active or not user.email or user.id is None:
            log.info("password reset asked for an unknown or unreachable user")
            return
        token = secrets.token_urlsafe(32)
        resets = PasswordResetRepository(uow.session)
        resets.retire_for_user(user.company_id, user.id, now)  # only the newest link works
        resets.add(
            PasswordResetRow(
                token_hash=_hash(token),
                company_id=user.company_id,
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(minutes=ctx.settings.password_reset_minutes),
                used_at=None,
            )
        )
        uow.commit()
        assert company is not None
    minutes = ctx.settings.password_reset_minutes
    _send(
        ctx,
        user.email,
        f"Restablece tu contraseña de Facturo — {company.name}",
        f"Hola {user.first_name}:\n\n"
        f"Recibimos una solicitud para restablecer la contraseña del usuario {user.username} "
        f"en {company.name}.\n\n"
        f"Abre este enlace para elegir una nueva (sirve una sola vez y vence en {minutes} "
        f"minutos):\n\n  {link_base.rstrip('/')}/{token}\n\n"
        "Si no fuiste tú, ignora este mensaje: tu contraseña no cambia.\n",
    )


def reset_link_user(ctx: ServiceContext, token: str) -> tuple[Company, User] | None:
    """Whom a reset link is for, while it still works."""
    with ctx.unit_of_work(read_only=True) as uow:
        row = PasswordResetRepository(uow.session).find(_hash(token))
        if row is None or row.used_at is not None or row.expires_at <= ctx.now():
            return None
        user = uow.users.find(row.company_id, row.user_id)
        company = uow.companies.find(row.company_id)
    if user is None or not user.active or company is None:
        return None
    return company, user


def complete_reset(ctx: ServiceContext, token: str, password: str, confirmation: str) -> User:
    """Sets the new password through the link, once; every session of the user ends."""
    check = check_password(password)
    if password != confirmation:
        check.add("invalid_value", "confirmation", "Las contraseñas no coinciden")
    now = ctx.now()
    with ctx.unit_of_work() as uow:
        resets = PasswordResetRepository(uow.session)
        row = resets.find_for_update(_hash(token))
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise RuleViolations([Violation("invalid_value", "token", LINK_REFUSED)])
        check.raise_if_any()
        user = uow.users.get(row.company_id, row.user_id)
        if not user.active:
            raise RuleViolations([Violation("invalid_value", "token", LINK_REFUSED)])
        user.password_hash = ctx.passwords.hash(password)
        user.must_change_password = False
        user.revoke_tokens()
        resets.use(row.token_hash, now)
        WebSessionRepository(uow.session).delete_for_user(row.company_id, row.user_id)
        uow.commit()
    return user


def change_own_password(
    ctx: ServiceContext, actor: Actor, current: str, password: str, confirmation: str
) -> User:
    """The signed-in user's own change (forced after a temporary password). Checks the
    current password; the new one must differ from it."""
    assert actor.user_id is not None
    with ctx.unit_of_work(read_only=True) as uow:
        user = uow.users.get(actor.company_id, actor.user_id)
    check = check_password(password)
    if not ctx.passwords.verify(user.password_hash, current):
        check.add("invalid_value", "current", "La contraseña actual no es correcta")
    elif password == current:
        check.add("invalid_value", "password", "La nueva contraseña debe ser distinta de la actual")
    if password != confirmation:
        check.add("invalid_value", "confirmation", "Las contraseñas no coinciden")
    check.raise_if_any()
    changed = users.set_password(ctx, actor, actor.user_id, password, temporary=False)
    with ctx.unit_of_work() as uow:
        PasswordResetRepository(uow.session).retire_for_user(
            actor.company_id, actor.user_id, ctx.now()
        )
        uow.commit()
    return changed
