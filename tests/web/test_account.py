"""Signing in and out, lockout, the temporary password's forced change, the reset link by
e-mail, and users created by an administrator — in Chromium."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from facturo.domain.access import UserType
from facturo.domain.users import UserData
from facturo.services import users
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture
from tests.mailbox import Mailbox
from tests.web.conftest import last_mail_to, screenshot, sign_in, sign_in_as_admin

WRONG = "usuario o contraseña incorrectos"


def test_a_wrong_password_is_refused_and_the_right_one_signs_in_and_out(
    page: Page, tenant: TenantFixture
) -> None:
    page.goto("/app/usuarios")  # a page that needs a session sends the browser to sign in
    expect(page).to_have_url(re.compile(r"/app/ingresar\?siguiente=/app/usuarios"))
    screenshot(page, "ingresar")

    sign_in(page, tenant.key, tenant.admin.username, "no-es-la-clave")
    expect(page.get_by_role("alert")).to_have_text(WRONG)
    expect(page.get_by_label("Usuario", exact=True)).to_have_value(tenant.admin.username)
    # An unknown company or user gets the very same words.
    sign_in(page, "no-existe", tenant.admin.username, tenant.password)
    expect(page.get_by_role("alert")).to_have_text(WRONG)

    sign_in_as_admin(page, tenant)
    screenshot(page, "inicio")
    cookie = next(c for c in page.context.cookies() if c["name"] == "facturo_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_text("Menú").click()
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("status")).to_have_text("Cerraste sesión.")
    page.goto("/app/")
    expect(page).to_have_url(re.compile("/app/ingresar"))


def test_empty_fields_are_marked_next_to_the_field(page: Page, tenant: TenantFixture) -> None:
    page.goto("/app/ingresar")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.locator("#e-company_key")).to_have_text("Este campo es obligatorio.")
    expect(page.locator("#e-password")).to_have_text("Este campo es obligatorio.")
    expect(page.get_by_label("Usuario", exact=True)).to_have_attribute("aria-invalid", "true")


def test_repeated_failures_lock_the_user_out(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    for _ in range(ctx.settings.lockout_threshold):
        sign_in(page, tenant.key, tenant.admin.username, "mala-clave-123")
        expect(page.get_by_role("alert")).to_have_text(WRONG)
    sign_in(page, tenant.key, tenant.admin.username, tenant.password)  # even the right one
    expect(page.get_by_role("alert")).to_contain_text("bloqueado temporalmente")
    screenshot(page, "ingresar-bloqueado")


def test_a_form_without_its_csrf_token_is_refused(
    server: LiveServer, tenant: TenantFixture
) -> None:
    with httpx.Client(base_url=server.url) as client:
        answer = client.post(
            "/app/ingresar",
            data={
                "company_key": tenant.key,
                "username": tenant.admin.username,
                "password": tenant.password,
            },
        )
    assert answer.status_code == 403 and "La página venció" in answer.text
    assert "facturo_session" not in answer.cookies


def test_an_administrator_creates_a_lite_user_who_must_change_the_temporary_password(
    page: Page, tenant: TenantFixture, mailbox: Mailbox
) -> None:
    sign_in_as_admin(page, tenant)
    page.goto("/app/usuarios/nuevo")
    page.get_by_role("button", name="Crear usuario").click()  # nothing filled in
    expect(page.locator("#e-username")).to_have_text("Este campo es obligatorio.")
    expect(page.locator("#e-email")).to_contain_text("obligatorio")
    page.get_by_label("Tipo de usuario").select_option("lite")
    page.get_by_label("Usuario", exact=True).fill("cajero@empresa.co")
    page.get_by_label("Correo electrónico").fill("cajero@empresa.co")
    page.get_by_label("Nombres").fill("Carlos")
    page.get_by_label("Apellidos").fill("Cajero")
    page.get_by_label("Identificación").fill("79555111")
    screenshot(page, "usuarios-nuevo")
    page.get_by_role("button", name="Crear usuario").click()
    expect(page.get_by_role("status")).to_contain_text("Le enviamos la contraseña temporal")
    expect(page.get_by_role("cell", name="cajero@empresa.co")).to_be_visible()
    screenshot(page, "usuarios")

    welcome = last_mail_to(mailbox, "cajero@empresa.co")
    assert "Bienvenido" in welcome.subject
    found = re.search(r"Contraseña temporal: (\S+)", welcome.body)
    assert found and "Usuario: cajero@empresa.co" in welcome.body and tenant.key in welcome.body
    temporary = found.group(1)

    # The new user signs in with it and must change it before anything else.
    cashier = page.context.browser.new_context(base_url=page.url.split("/app")[0])  # type: ignore[union-attr]
    other = cashier.new_page()
    sign_in(other, tenant.key, "cajero@empresa.co", temporary)
    expect(other).to_have_url(re.compile("/app/cambiar-contrasena"))
    expect(other.get_by_role("alert")).to_contain_text("contraseña temporal")
    other.goto("/app/usuarios")
    expect(other).to_have_url(re.compile("/app/cambiar-contrasena"))
    other.get_by_label("Contraseña actual").fill(temporary)
    other.get_by_label("Nueva contraseña", exact=True).fill("corta")
    other.get_by_label("Confirma la nueva contraseña").fill("corta")
    other.get_by_role("button", name="Cambiar contraseña").click()
    expect(other.locator("#e-password")).to_have_text("Debe tener al menos 8 caracteres.")
    other.get_by_label("Contraseña actual").fill(temporary)
    other.get_by_label("Nueva contraseña", exact=True).fill("ventas-seguras-2026")
    other.get_by_label("Confirma la nueva contraseña").fill("ventas-seguras-2026")
    other.get_by_role("button", name="Cambiar contraseña").click()
    # A lite user lands on the selling view; the full app tells them to ask for access.
    expect(other).to_have_url(re.compile("/app/vender"))
    other.goto("/app/usuarios")
    expect(other.get_by_role("heading", name="Acceso restringido")).to_be_visible()
    expect(other.get_by_text("Solicita autorización de acceso al administrador")).to_be_visible()
    screenshot(other, "lite-sin-acceso")
    cashier.close()


def test_a_payroll_manager_sees_only_the_profile(
    page: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    users.create(
        ctx,
        tenant.actor,
        UserData(
            username="nomina@empresa.co",
            user_type=UserType.PAYROLL,
            identification="52000111",
            first_name="Nora",
            last_name="Nómina",
        ),
        "nomina-segura-2026",
    )
    sign_in(page, tenant.key, "nomina@empresa.co", "nomina-segura-2026")
    expect(page).to_have_url(re.compile("/app/perfil"))
    expect(page.get_by_text("Gestor de nómina", exact=True)).to_be_visible()
    page.goto("/app/usuarios")
    expect(page.get_by_role("heading", name="Acceso restringido")).to_be_visible()


def test_the_reset_link_by_email_works_once(
    page: Page, tenant: TenantFixture, mailbox: Mailbox, ctx: ServiceContext
) -> None:
    admin = users.get(ctx, tenant.actor, tenant.admin.id or 0)
    users.create(
        ctx,
        tenant.actor,
        UserData(
            username="olvido@empresa.co",
            user_type=UserType.FULL,
            identification="1010101010",
            first_name="Olga",
            last_name="Olvido",
            email="olga@empresa.co",
        ),
        "clave-vieja-2026",
    )
    assert admin.active
    page.goto("/app/ingresar")
    page.get_by_role("link", name="¿Olvidaste tu contraseña?").click()
    page.get_by_label("Empresa (clave)").fill(tenant.key)
    page.get_by_label("Usuario").fill("olvido@empresa.co")
    page.get_by_role("button", name="Enviar enlace").click()
    expect(page.get_by_role("status")).to_contain_text("le enviamos un enlace")

    mail = last_mail_to(mailbox, "olga@empresa.co")
    link = re.search(r"(http://\S+/app/restablecer/\S+)", mail.body)
    assert link and "Restablece" in mail.subject
    page.goto(link.group(1))
    expect(page.get_by_text("olvido@empresa.co")).to_be_visible()
    page.get_by_label("Nueva contraseña", exact=True).fill("clave-nueva-2026")
    page.get_by_label("Confirma la nueva contraseña").fill("otra-cosa-2026")
    page.get_by_role("button", name="Guardar contraseña").click()
    expect(page.locator("#e-confirmation")).to_have_text("Las contraseñas no coinciden")
    page.get_by_label("Nueva contraseña", exact=True).fill("clave-nueva-2026")
    page.get_by_label("Confirma la nueva contraseña").fill("clave-nueva-2026")
    page.get_by_role("button", name="Guardar contraseña").click()
    expect(page.get_by_role("status")).to_contain_text("restablecida")

    page.goto(link.group(1))  # single use
    expect(page.get_by_role("alert")).to_contain_text("no es válido o ya venció")
    sign_in(page, tenant.key, "olvido@empresa.co", "clave-vieja-2026")
    expect(page.get_by_role("alert")).to_have_text(WRONG)
    sign_in(page, tenant.key, "olvido@empresa.co", "clave-nueva-2026")
    expect(page.get_by_role("heading", name=re.compile("Hola"))).to_be_visible()


def test_a_reset_asked_for_nobody_answers_the_same(page: Page, mailbox: Mailbox) -> None:
    page.goto("/app/olvide")
    page.get_by_label("Empresa (clave)").fill("no-existe")
    page.get_by_label("Usuario").fill("nadie@x.co")
    page.get_by_role("button", name="Enviar enlace").click()
    expect(page.get_by_role("status")).to_contain_text("le enviamos un enlace")
    assert mailbox.messages == []


def test_pages_fit_a_phone(phone: Page, tenant: TenantFixture) -> None:
    sign_in_as_admin(phone, tenant)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone, "inicio-telefono")
