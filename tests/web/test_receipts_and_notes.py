"""Recibos de caja and notas crédito in Chromium on both databases: a receipt collects an invoice
issued on credit (its balance goes to zero) and a credit note returns goods of an invoice (the
stock comes back), each refused once with the error next to its field."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from playwright.sync_api import Page, expect

from facturo.domain.catalogs import DocumentClass
from facturo.services import sales
from facturo.services.context import ServiceContext
from tests.conftest import LiveServer, TenantFixture
from tests.dian_env import StandInServer, set_up_einvoicing
from tests.web.conftest import screenshot, sign_in_as_admin
from tests.web.selling_support import COFFEE, COFFEE_NAME, CUSTOMER_ID, CUSTOMER_NAME, open_shop


def test_a_cash_receipt_collects_an_invoice_issued_on_credit(
    page: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    shop = open_shop(ctx, tenant)
    invoice = shop.sell_coffee(2, credit_days=30).document  # $ 42.840,00 owed
    assert invoice.balance == Decimal("42840.00")
    sign_in_as_admin(page, tenant)

    page.goto("/app/recibos")
    page.get_by_role("link", name="Crear recibo de caja").click()
    page.get_by_label("Cliente (identificación o nombre)").fill(CUSTOMER_ID)
    page.get_by_role("button", name="Buscar cliente").click()
    page.get_by_role("link", name=f"Elegir a {CUSTOMER_NAME}").click()
    expect(page.get_by_text("$ 42.840,00").first).to_be_visible()
    amount = page.get_by_label(f"Valor a abonar a {invoice.full_number} cuota 1")

    page.get_by_label("Forma de pago").select_option(label="Transferencia bancaria")
    amount.fill("42.840")
    screenshot(page, "recibo-nuevo")
    amount.fill("50.000")  # more than the balance
    page.get_by_role("button", name="Guardar recibo").click()
    expect(page.locator(f"#e-pay_{invoice.installments[0].id}")).to_have_text(
        "El valor supera el saldo de la cuota."
    )
    expect(amount).to_have_attribute("aria-invalid", "true")
    amount.fill("42.840")
    page.get_by_role("button", name="Guardar recibo").click()

    expect(page.get_by_role("status")).to_contain_text("registrado por $ 42.840,00")
    expect(page.get_by_role("heading", name=re.compile(r"Recibo de caja RC-1-\d+"))).to_be_visible()
    expect(page.get_by_role("cell", name=f"FV-1-{invoice.number}")).to_be_visible()
    paid = sales.get_view(ctx, shop.actor, invoice.id or 0, DocumentClass.SALES_INVOICE)
    assert paid.document.balance == 0

    page.get_by_role("link", name="Volver a los recibos").click()
    row = page.get_by_role("row", name=re.compile(CUSTOMER_NAME))
    expect(row).to_contain_text("Transferencia bancaria")
    expect(row).to_contain_text("$ 42.840,00")
    page.get_by_label("Cliente (identificación o nombre)").fill("nadie")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_text("No hay recibos de caja en este periodo")).to_be_visible()
    page.get_by_label("Cliente (identificación o nombre)").fill("gómez")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_role("row", name=re.compile(CUSTOMER_NAME))).to_be_visible()
    screenshot(page, "recibos")

    # Nothing owed any more: the form says so.
    page.goto("/app/recibos/nuevo?cliente_id=" + str(paid.customer.id))
    expect(page.get_by_text("no tiene facturas con saldo pendiente")).to_be_visible()


def test_a_credit_note_returns_goods_of_an_invoice(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, server: LiveServer
) -> None:
    shop = open_shop(ctx, tenant)
    invoice = shop.sell_coffee(2).document
    assert shop.stock_of(COFFEE) == 8
    sign_in_as_admin(page, tenant)

    page.goto("/app/notas-credito")
    page.get_by_role("link", name="Crear nota crédito").click()
    page.get_by_label("Número de la factura").fill("no-es-un-numero")
    page.get_by_role("button", name="Buscar factura").click()
    expect(page.locator("#e-factura")).to_contain_text("Escribe el número de la factura")
    page.get_by_label("Número de la factura").fill(invoice.full_number.lower())
    page.get_by_role("button", name="Buscar factura").click()
    expect(page.get_by_text(f"{invoice.full_number} ·")).to_be_visible()

    page.get_by_label("Concepto (DIAN)").select_option("1")
    quantity = page.get_by_label(f"Cantidad a acreditar de {COFFEE_NAME}")
    quantity.fill("1")
    page.get_by_label("Observaciones (opcional)").fill("Empaque roto")
    screenshot(page, "nota-credito-nueva")
    quantity.fill("5")  # only 2 were sold
    page.get_by_role("button", name="Guardar nota crédito").click()
    expect(page.locator("#e-qty_1")).to_have_text(f"Solo quedan 2 de {COFFEE} por devolver.")
    expect(page.get_by_label("Observaciones (opcional)")).to_have_value("Empaque roto")
    quantity.fill("1")
    page.get_by_role("button", name="Guardar nota crédito").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"registrada sobre la factura {invoice.full_number}"
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Nota crédito NC\d+"))
    expect(page.locator("[data-dian-state]")).to_have_text("Sin enviar")
    expect(page.get_by_role("cell", name="$ 21.420,00")).to_be_visible()
    expect(page.get_by_text("1 · Devolución parcial")).to_be_visible()
    assert shop.stock_of(COFFEE) == 9
    note_number = heading.inner_text().removeprefix("Nota crédito ")

    page.get_by_role("link", name="Volver a las notas").click()
    row = page.get_by_role("row", name=re.compile(note_number))
    expect(row).to_contain_text(invoice.full_number)
    expect(row).to_contain_text("$ 21.420,00")

    # The rest of the invoice annulled in one go (concept 2 reverses what is left).
    page.goto(f"/app/notas-credito/nueva?factura_id={invoice.id}")
    page.get_by_label("Concepto (DIAN)").select_option("2")
    page.get_by_role("button", name="Guardar nota crédito").click()
    expect(page.get_by_role("cell", name="$ 21.420,00")).to_be_visible()
    assert shop.stock_of(COFFEE) == 10

    with httpx.Client(base_url=server.url, cookies=_cookies(page)) as client:
        for path in (
            "/app/notas-credito/99999999999999999999999",
            f"/app/notas-credito/{invoice.id}",  # an invoice, not a note
            "/app/recibos/0",
            "/app/recibos?desde=31/02/2026",
            "/app/notas-credito/nueva?factura_id=abc",
        ):
            answer = client.get(path)
            assert answer.status_code in (200, 400, 404), (path, answer.status_code)
            assert "Ocurrió un error" not in answer.text, path


def test_a_sale_and_its_annulment_note_are_sent_to_the_dian_from_their_pages(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> None:
    shop = open_shop(ctx, tenant)
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    invoice = shop.sell_coffee(1).document
    sign_in_as_admin(page, tenant)

    page.goto(f"/app/vender/ventas/{invoice.id}")
    page.get_by_role("button", name="Enviar a la DIAN").click()
    expect(page.get_by_role("status")).to_contain_text("Estado: Pendiente de envío")
    assert electronic.drain(ctx) == {"accepted": 1}
    page.reload()
    expect(page.get_by_text("Aceptada por la DIAN")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar a la DIAN")).to_have_count(0)
    expect(page.get_by_role("link", name="Descargar PDF")).to_be_visible()

    page.goto(f"/app/notas-credito/nueva?factura_id={invoice.id}")
    page.get_by_label("Concepto (DIAN)").select_option("2")
    page.get_by_role("button", name="Guardar nota crédito").click()
    expect(page.locator("[data-dian-state]")).to_have_text("Sin enviar")
    page.get_by_role("button", name="Enviar electrónicamente").click()
    expect(page.get_by_role("status")).to_contain_text("Estado: Pendiente de envío")
    assert electronic.drain(ctx) == {"accepted": 1}
    page.reload()
    expect(page.locator("[data-dian-state]")).to_have_text("Aceptada por la DIAN")
    expect(page.get_by_text("CUDE")).to_be_visible()


def _cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}
