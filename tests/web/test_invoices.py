"""Facturas in Chromium: creating one through the form (a field error first), sending it to the
DIAN stand-in and downloading its PDF and XML; the list's filters; mass sending from the
list and by dates, followed live to the end; Spanish refusals and no 500 for nonsense."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Dialog, Page, expect

from facturo.services import transmission
from facturo.services.context import ServiceContext
from tests.conftest import TenantFixture
from tests.dian_env import StandInServer, set_up_einvoicing
from tests.web.conftest import screenshot, sign_in_as_admin
from tests.web.invoices_support import (
    CUSTOMER_NAME,
    CUSTOMER_NIT,
    OTHER_NAME,
    OTHER_NIT,
    colombian_today,
    set_up_selling,
)


def error_of(page: Page, field: str) -> str:
    return page.locator(f'[id="e-{field}"]').inner_text()


def signed_in(page: Page, tenant: TenantFixture) -> None:
    """Signs in as the administrator; the browser's first page may take long on a busy
    machine (Chromium starting its renderer), so it gets more time than the rest."""
    page.goto("/app/ingresar", timeout=60_000)
    sign_in_as_admin(page, tenant)


def submit(page: Page, button: str) -> None:
    """Clicks a form's button and waits for the page that answers."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def accept_dialogs(page: Page) -> None:
    def accept(dialog: Dialog) -> None:
        dialog.accept()

    page.on("dialog", accept)


def test_an_invoice_made_in_the_form_after_a_field_error_is_accepted_by_the_dian(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> None:
    set_up_selling(ctx, tenant)
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    signed_in(page, tenant)

    page.goto("/app/facturas/nueva")
    page.get_by_label("Cliente", exact=True).fill(CUSTOMER_NIT)
    page.get_by_label("Producto, línea 1").fill("SERV-1")
    page.get_by_label("Cantidad, línea 1").fill("abc")
    page.get_by_label("Impuesto, línea 1").select_option(label="IVA 19%")
    page.get_by_label("Producto, línea 2").fill("PROD-1")
    page.get_by_label("Cantidad, línea 2").fill("3")
    page.get_by_label("Precio unitario, línea 2").fill("20.000")
    screenshot(page, "factura-nueva")
    submit(page, "Guardar factura")

    # The refusal: next to the quantity, everything typed kept.
    expect(page.locator('[id="e-items.0.quantity"]')).to_contain_text("Escribe un número")
    expect(page.get_by_label("Cantidad, línea 1")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Producto, línea 2")).to_have_value("PROD-1")
    expect(page.get_by_label("Cliente", exact=True)).to_have_value(CUSTOMER_NIT)

    page.get_by_label("Cantidad, línea 1").fill("2")
    submit(page, "Guardar factura")

    # 2 × 50.000 + IVA 19 % and 3 × 20.000, paid in cash for the total (value left blank).
    expect(page.get_by_role("status")).to_contain_text("creada por $ 179.000,00")
    expect(page.get_by_role("heading", name=re.compile(r"Factura SETP\d+"))).to_be_visible()
    expect(page.locator(".dian [data-dian-state]")).to_have_text("Sin enviar")
    expect(page.get_by_text(CUSTOMER_NAME).first).to_be_visible()

    submit(page, "Enviar electrónicamente")
    expect(page.get_by_role("status")).to_contain_text("quedó en cola")
    expect(page.locator(".dian [data-dian-state]")).to_have_text("Pendiente")

    assert electronic.drain(ctx) == {"accepted": 1}
    # The page follows the sending by itself; a reload shows the same.
    expect(page.locator(".dian [data-dian-state]")).to_have_text("Aceptada", timeout=15_000)
    page.reload()
    expect(page.locator(".dian [data-dian-state]")).to_have_text("Aceptada")
    cufe = page.locator("[data-cufe]").inner_text()
    assert re.fullmatch(r"[0-9a-f]{96}", cufe)
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar electrónicamente")).to_have_count(0)
    screenshot(page, "factura-detalle")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Descargar PDF").click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as xml_download:
        page.get_by_role("link", name="Descargar XML").click()
    signed = Path(xml_download.value.path()).read_bytes()
    assert signed.startswith(b"<?xml") and cufe.encode() in signed


def test_the_list_filters_and_sends_the_chosen_invoices_in_one_go(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> None:
    selling = set_up_selling(ctx, tenant)
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    today = colombian_today()
    first = selling.sell()
    earlier = selling.sell(customer=OTHER_NIT, on=today - timedelta(days=3))
    on_credit = selling.sell(
        customer=OTHER_NIT,
        lines=[("PROD-1", 2, 20000, None)],
        credit_due=today + timedelta(days=30),
    )
    last = selling.sell(lines=[("SERV-1", 1, 50000, "IVA 19%")])
    transmission.stamp(ctx, tenant.actor, first.document.id or 0)
    assert electronic.drain(ctx) == {"accepted": 1}
    signed_in(page, tenant)

    page.goto("/app/facturas")
    rows = page.locator("table.invoices tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(last.document.full_number)  # newest first
    credit_row = page.locator("tr", has_text=on_credit.document.full_number)
    expect(credit_row).to_contain_text("$ 40.000,00")  # total and balance both
    expect(credit_row.locator("td.num").nth(1)).to_have_text("$ 40.000,00")
    expect(page.locator("tr", has_text=first.document.full_number)).to_contain_text("Aceptada")
    screenshot(page, "facturas")

    def filtered(**fields: str) -> list[str]:
        page.goto("/app/facturas")
        for label, value in fields.items():
            target = page.get_by_label(label, exact=True)
            if label == "Estado DIAN":
                target.select_option(label=value)
            else:
                target.fill(value)
        submit(page, "Filtrar")
        return [
            re.sub(r"\s+", " ", text)
            for text in page.locator("table.invoices tbody tr td:nth-child(2)").all_inner_texts()
        ]

    assert filtered(**{"Estado DIAN": "Aceptada"}) == [first.document.full_number]
    assert filtered(**{"Estado DIAN": "Sin enviar"}) == [
        last.document.full_number,
        on_credit.document.full_number,
        earlier.document.full_number,
    ]
    assert filtered(**{"Cliente (identificación o nombre)": "tuerca"}) == [
        on_credit.document.full_number,
        earlier.document.full_number,
    ]
    assert filtered(**{"Cliente (identificación o nombre)": CUSTOMER_NIT}) == [
        last.document.full_number,
        first.document.full_number,
    ]
    assert filtered(Número=str(earlier.document.number)) == [earlier.document.full_number]
    assert filtered(Desde=today.isoformat()) == [
        last.document.full_number,
        on_credit.document.full_number,
        first.document.full_number,
    ]
    assert OTHER_NAME in page.locator("table.invoices").inner_text()

    # Mass sending of the chosen ones, followed to the end.
    filtered(**{"Estado DIAN": "Sin enviar"})
    for view in (last, on_credit, earlier):
        page.get_by_label(f"Seleccionar {view.document.full_number}").check()
    accept_dialogs(page)
    submit(page, "Envío masivo de comprobantes electrónicos")
    expect(page.get_by_text("3 facturas en cola para la DIAN")).to_be_visible()
    progress = page.locator("[data-progress-url]")
    expect(progress.locator("[data-progress-label]")).to_contain_text("0 de 3", timeout=15_000)

    # The DIAN refuses the one dated three days ago: its date is not the signing date.
    assert electronic.drain(ctx) == {"accepted": 2, "rejected": 1}
    expect(progress).to_have_attribute("data-finished", "true", timeout=20_000)
    expect(progress.locator("progress")).to_have_js_property("value", 3)
    expect(progress.locator("progress")).to_have_js_property("max", 3)
    summary = progress.locator("[data-progress-html]")
    for view in (last, on_credit):
        expect(summary.locator("tr", has_text=view.document.full_number)).to_contain_text(
            "Aceptada"
        )
    refused = summary.locator("tr", has_text=earlier.document.full_number)
    expect(refused).to_contain_text("Rechazada")
    expect(refused).to_contain_text("no corresponde a la fecha de firma")
    expect(summary.locator("tr", has_text=first.document.full_number)).to_have_count(0)
    assert filtered(**{"Estado DIAN": "Rechazada"}) == [earlier.document.full_number]
    assert filtered(**{"Estado DIAN": "Sin enviar"}) == []


def test_mass_sending_by_dates_lists_the_refused_and_progresses_to_the_end(
    page: Page, ctx: ServiceContext, tenant: TenantFixture, standin_server: StandInServer
) -> None:
    selling = set_up_selling(ctx, tenant)
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    sent = [selling.sell() for _ in range(3)]
    by_hand = selling.sell(document_type="FV-2", number=7)  # talonario: not electronic
    signed_in(page, tenant)

    page.goto("/app/facturas/envio-masivo")
    today = colombian_today().isoformat()
    page.get_by_label("Desde").fill(today)
    page.get_by_label("Hasta").fill(today)
    screenshot(page, "envio-masivo")
    accept_dialogs(page)
    submit(page, "Enviar a la DIAN")

    expect(page.get_by_text("3 facturas en cola para la DIAN")).to_be_visible()
    refused = page.locator("ul.refused li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(by_hand.document.full_number)
    expect(refused).to_contain_text("no es electrónico")

    assert electronic.drain(ctx) == {"accepted": 3}
    progress = page.locator("[data-progress-url]")
    expect(progress).to_have_attribute("data-finished", "true", timeout=20_000)
    expect(progress.locator("[data-progress-label]")).to_contain_text("3 de 3")
    screenshot(page, "envio-masivo-progreso")
    for view in sent:
        expect(progress.locator("tr", has_text=view.document.full_number)).to_contain_text(
            "Aceptada"
        )


def test_refusals_are_spanish_and_nonsense_never_answers_500(
    page: Page, phone: Page, ctx: ServiceContext, tenant: TenantFixture
) -> None:
    selling = set_up_selling(ctx, tenant)  # no electronic invoicing set up
    sold = selling.sell()
    invoice_id = sold.document.id
    signed_in(page, tenant)

    page.goto(f"/app/facturas/{invoice_id}")
    submit(page, "Enviar electrónicamente")
    expect(page.get_by_role("alert")).to_contain_text(
        "no tiene configurada la facturación electrónica"
    )

    # The form: an unknown customer, a price that is no number, nothing in the rest.
    page.goto("/app/facturas/nueva")
    page.get_by_label("Cliente", exact=True).fill("123456789")
    page.get_by_label("Producto, línea 3").fill("NO-EXISTE")
    page.get_by_label("Cantidad, línea 3").fill("1")
    page.get_by_label("Precio unitario, línea 3").fill("1e5")
    page.get_by_label("Valor del pago 1").fill("muchos")
    submit(page, "Guardar factura")
    assert error_of(page, "customer") == "El cliente no existe."
    assert (
        error_of(page, "items.2.product_code") == "No existe un producto con el código NO-EXISTE."
    )
    assert "Escribe un número" in error_of(page, "items.2.unit_value")
    assert "Escribe un número" in error_of(page, "payments.0.value")

    # "Agregar línea" adds a fourth... sixth line that posts like the others.
    page.get_by_role("button", name="Agregar línea").click()
    expect(page.get_by_label("Producto, línea 6")).to_be_visible()
    page.get_by_label("Cliente", exact=True).fill(CUSTOMER_NIT)
    page.get_by_label("Producto, línea 3").fill("")
    page.get_by_label("Cantidad, línea 3").fill("")
    page.get_by_label("Precio unitario, línea 3").fill("")
    page.get_by_label("Valor del pago 1").fill("")
    page.get_by_label("Producto, línea 6").fill("PROD-1")
    page.get_by_label("Cantidad, línea 6").fill("11")
    submit(page, "Guardar factura")
    assert "existencias" in error_of(page, "items.5.quantity")

    # On credit: the due date is asked for next to the payment; the first row's means alone
    # (nothing typed) steps aside when another row says how much is paid.
    page.get_by_label("Cantidad, línea 6").fill("1")
    page.get_by_label("Forma de pago 2").select_option(label="Crédito")
    page.get_by_label("Valor del pago 2").fill("20.000")
    submit(page, "Guardar factura")
    assert error_of(page, "payments.1.due_date") == "Este campo es obligatorio."
    due = colombian_today() + timedelta(days=30)
    page.get_by_label("Vencimiento del pago 2").fill(due.isoformat())
    submit(page, "Guardar factura")
    expect(page.get_by_role("status")).to_contain_text("creada por $ 20.000,00")
    expect(page.locator("tr", has_text="Crédito")).to_contain_text(due.strftime("%d/%m/%Y"))
    expect(page.locator(".totals")).to_contain_text("Saldo$ 20.000,00")

    answers = {
        "/app/facturas/99999999999999999999999999": 404,
        "/app/facturas/abc": 404,
        "/app/facturas/0": 404,
        "/app/facturas?desde=zzz&pagina=-4&estado=otro&numero=x": 400,
        "/app/facturas?cliente=%00%27&pagina=999999999": 200,
        f"/app/facturas/{invoice_id}/pdf": 400,
        f"/app/facturas/{invoice_id}/xml": 400,
        "/app/facturas/envio-masivo/progreso?momento=abc": 400,
        "/app/facturas/envio-masivo/progreso?momento=1&ids=a,-1,99999999999999999999": 200,
        "/app/facturas/buscar-clientes?q=%25": 200,
    }
    for url, status in answers.items():
        assert page.request.get(url).status == status, url

    found = page.request.get("/app/facturas/buscar-productos?codigo=PROD-1").json()
    assert [(p["code"], Decimal(p["stock"][0]["quantity"])) for p in found] == [
        ("PROD-1", Decimal(9))
    ]
    clients = page.request.get("/app/facturas/buscar-clientes?q=cliente").json()
    assert [c["identification"] for c in clients] == [CUSTOMER_NIT]

    token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    posted = page.request.post(
        "/app/facturas",
        form={
            "csrf_token": token,
            "document_type_id": "99999999999999999999999",
            "date": "2026-02-31",
            "customer": "\x00",
            "items.999.quantity": "5",
            "items.0.product_code": "SERV-1",
            "items.0.quantity": "1" * 60,
            "items.0.tax_add_id": "-3",
            "payments.0.payment_means_id": "abc",
            "payments.0.due_date": "31/12/99999",
        },
    )
    assert posted.status == 400
    posted = page.request.post(
        "/app/facturas/envio-masivo",
        form={"csrf_token": token, "desde": "ayer", "hasta": ""},
    )
    assert posted.status == 400 and "Escribe la fecha" in posted.text()

    # On a phone the pages fit the screen's width (wide tables scroll inside their box).
    signed_in(phone, tenant)
    for url in ("/app/facturas", "/app/facturas/nueva", f"/app/facturas/{invoice_id}"):
        phone.goto(url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, url
