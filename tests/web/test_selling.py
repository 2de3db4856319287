"""Vender, the selling view of lite users (sellers and POS cashiers), in Chromium on both
databases: the full app tells them to ask the administrator; they find or create the customer,
sell from a warehouse, take the payment with the change due, see the receipt and find the sale
in "Mis ventas"; the stock goes down."""

from __future__ import annotations

import importlib.util
import re
from decimal import Decimal

import httpx
from playwright.sync_api import Page, expect

from facturo.domain.access import UserType
from facturo.domain.catalogs import DocumentClass
from facturo.domain.queries import PartyFilter
from facturo.services import parties, sales
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.store.documents import DocumentFilter
from tests.conftest import LiveServer, TenantFixture
from tests.mailbox import Mailbox
from tests.web.conftest import last_mail_to, screenshot, sign_in
from tests.web.selling_support import (
    COFFEE,
    COFFEE_NAME,
    CUSTOMER_NAME,
    SELLER_PASSWORD,
    SERVICE_NAME,
    open_shop,
)

ASK_THE_ADMINISTRATOR = "Solicita autorización de acceso al administrador"


def test_a_lite_user_sells_from_a_warehouse_and_finds_the_sale_in_mis_ventas(
    page: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    shop = open_shop(ctx, tenant)
    cashier = shop.seller("cajera@empresa.co", number="1030111222")
    sign_in(page, tenant.key, "cajera@empresa.co", SELLER_PASSWORD)
    expect(page).to_have_url(re.compile("/app/vender$"))

    # The full app is not theirs: the help text's message.
    full_pages = ["/app/usuarios", "/app/recibos", "/app/notas-credito"]
    if importlib.util.find_spec("facturo.web.pages.invoices") is not None:
        full_pages.insert(0, "/app/facturas")
    for path in full_pages:
        page.goto(path)
        expect(page.get_by_role("heading", name="Acceso restringido")).to_be_visible()
        expect(page.get_by_text(ASK_THE_ADMINISTRATOR)).to_be_visible()
    page.get_by_role("link", name="Ir a vender").click()

    # Charging an empty sale says what is missing, next to each part.
    page.get_by_role("button", name="Cobrar y facturar").click()
    expect(page.locator("#e-customer_query")).to_contain_text("elige el cliente")
    expect(page.locator("#e-product_query")).to_have_text("Agrega al menos un producto.")

    page.get_by_label("Buscar cliente (identificación o nombre)").fill("laura")
    page.get_by_role("button", name="Buscar cliente").click()
    page.get_by_role("button", name=f"Elegir a {CUSTOMER_NAME}").click()
    expect(page.locator("[data-customer]")).to_have_text(CUSTOMER_NAME)

    page.get_by_label("Bodega").select_option(label="1 · Bodega principal")
    page.get_by_label("Buscar producto (código o nombre)").fill("café")
    page.get_by_label("Buscar producto (código o nombre)").press("Enter")
    found = page.get_by_role("row", name=re.compile(COFFEE))
    expect(found).to_contain_text("$ 18.000,00")
    expect(found.get_by_role("cell").nth(3)).to_have_text("10")
    found.get_by_role("button", name=f"Agregar {COFFEE_NAME}").click()
    page.get_by_label(f"Cantidad de {COFFEE_NAME}").fill("2")
    page.get_by_role("button", name="Actualizar totales").click()
    expect(page.locator("#total-venta")).to_have_text("$ 42.840,00")  # 2 × 18.000 + IVA 19 %

    # Paid in cash with a 50.000 bill (the change shows as it is typed); too little is refused.
    page.get_by_label("Forma de pago").select_option(label="Efectivo")
    page.get_by_label("Valor recibido").fill("50.000")
    expect(page.locator("[data-change]")).to_have_text("$ 7.160,00")
    screenshot(page, "vender")
    page.get_by_label("Valor recibido").fill("40.000")
    page.get_by_role("button", name="Cobrar y facturar").click()
    expect(page.locator("#e-received")).to_have_text(
        "El valor recibido es menor que el total a pagar."
    )
    page.get_by_label("Valor recibido").fill("50.000")
    page.get_by_role("button", name="Cobrar y facturar").click()

    expect(page.get_by_role("status")).to_contain_text("Venta registrada: factura SETP")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Venta SETP\d+"))
    number = heading.inner_text().removeprefix("Venta ")
    expect(page.locator("[data-change-due]")).to_have_text("$ 7.160,00")
    expect(page.get_by_role("cell", name="$ 42.840,00")).to_be_visible()
    expect(page.get_by_role("link", name="Imprimir")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar a la DIAN")).to_have_count(0)  # not set up
    screenshot(page, "venta-recibo")

    # E-mail is not configured on this server: said in Spanish, nothing breaks.
    page.get_by_role("button", name="Enviar por correo").click()
    expect(page.get_by_role("alert")).to_contain_text("El envío de correos no está configurado")

    with page.expect_popup() as printing:
        page.get_by_role("link", name="Imprimir").click()
    ticket = printing.value
    expect(ticket.get_by_text(f"Factura de venta {number}")).to_be_visible()
    expect(ticket.get_by_role("button", name="Imprimir")).to_be_visible()
    ticket.close()

    page.get_by_role("link", name="Ver mis ventas").click()
    expect(page.get_by_role("heading", name="Mis ventas")).to_be_visible()
    row = page.get_by_role("row", name=re.compile(number))
    expect(row).to_contain_text(CUSTOMER_NAME)
    expect(row).to_contain_text("$ 42.840,00")
    expect(page.get_by_text("1 venta por $ 42.840,00")).to_be_visible()
    screenshot(page, "mis-ventas")

    assert shop.stock_of(COFFEE) == Decimal(8)
    mine = sales.page_views(
        ctx,
        cashier,
        PageRequest(0, 10),
        DocumentFilter(document_class=DocumentClass.SALES_INVOICE),
        with_lines=True,
    ).views
    assert [(v.document.full_number, v.document.seller_id) for v in mine] == [
        (number, cashier.user_id)
    ]


def test_a_seller_creates_the_customer_quickly_mails_the_invoice_and_sees_only_their_sales(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, server: LiveServer, mailbox: Mailbox
) -> None:
    shop = open_shop(ctx, tenant)
    shop.seller("vendedor@empresa.co", number="1030999888")
    admins_sale = shop.sell_coffee(1)  # sold by the administrator
    sign_in(page, tenant.key, "vendedor@empresa.co", SELLER_PASSWORD)
    expect(page).to_have_url(re.compile("/app/vender$"))

    page.get_by_label("Buscar cliente (identificación o nombre)").fill("1098765432")
    page.get_by_role("button", name="Buscar cliente").click()
    expect(page.get_by_text("No encontramos clientes")).to_be_visible()
    page.get_by_label("Tipo de identificación").select_option("13")
    page.get_by_label("Número de identificación").fill("1098765432")
    page.get_by_label("Nombre completo o razón social").fill("Pedro Pérez Rojas")
    page.get_by_label("Correo electrónico del cliente").fill("pedro@@correo")
    page.get_by_role("button", name="Crear cliente").click()
    expect(page.locator("#e-new_email")).to_have_text("El correo electrónico no es válido.")
    page.get_by_label("Correo electrónico del cliente").fill("pedro@correo.co")
    page.get_by_role("button", name="Crear cliente").click()
    expect(page.locator("[data-customer]")).to_have_text("Pedro Pérez Rojas")
    created = parties.search(
        ctx, shop.actor, PartyFilter(identification="1098765432"), PageRequest(0, 1)
    ).views[0]
    assert (created.party.first_name, created.party.last_name) == ("Pedro", "Pérez Rojas")
    assert created.party.email == "pedro@correo.co" and created.party.is_customer

    page.get_by_label("Buscar producto (código o nombre)").fill("molienda")
    page.get_by_role("button", name="Buscar producto").click()
    page.get_by_role("button", name=f"Agregar {SERVICE_NAME}").click()
    page.get_by_label("Forma de pago").select_option(label="Tarjeta débito")
    page.get_by_role("button", name="Cobrar y facturar").click()
    expect(page.get_by_role("status")).to_contain_text("Venta registrada")
    expect(page.get_by_text("Tarjeta débito $ 5.000,00")).to_be_visible()
    expect(page.get_by_label("Correo del cliente")).to_have_value("pedro@correo.co")
    page.get_by_role("button", name="Enviar por correo").click()
    expect(page.get_by_role("status")).to_contain_text("a pedro@correo.co")
    mail = last_mail_to(mailbox, "pedro@correo.co")
    assert "5.000" in mail.body

    page.goto("/app/vender/mis-ventas")
    expect(page.get_by_role("row")).to_have_count(2)  # the header and their one sale
    expect(page.get_by_role("cell", name="Pedro Pérez Rojas")).to_be_visible()
    # The administrator's sale is not theirs to open; bad ids are not found either.
    for path in (
        f"/app/vender/ventas/{admins_sale.document.id}",
        "/app/vender/ventas/99999999999999999999999",
        "/app/vender/mis-ventas?desde=ayer",
    ):
        with httpx.Client(base_url=server.url, cookies=_cookies(page)) as client:
            answer = client.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert "Ocurrió un error" not in answer.text


def test_a_payroll_manager_may_not_sell(
    page: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    shop = open_shop(ctx, tenant)
    shop.seller("nomina@empresa.co", UserType.PAYROLL, number="52000111")
    sign_in(page, tenant.key, "nomina@empresa.co", SELLER_PASSWORD)
    page.goto("/app/vender")
    expect(page.get_by_role("heading", name="Acceso restringido")).to_be_visible()
    expect(page.get_by_text(ASK_THE_ADMINISTRATOR)).to_be_visible()


def test_the_selling_view_fits_a_phone(
    phone: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    shop = open_shop(ctx, tenant)
    shop.seller("movil@empresa.co", number="1030555444")
    sign_in(phone, tenant.key, "movil@empresa.co", SELLER_PASSWORD)
    phone.get_by_label("Buscar producto (código o nombre)").fill(COFFEE)
    phone.get_by_role("button", name="Buscar producto").click()
    phone.get_by_role("button", name=f"Agregar {COFFEE_NAME}").click()
    expect(phone.locator("#total-venta")).to_have_text("$ 21.420,00")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "vender-telefono")


def _cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}
