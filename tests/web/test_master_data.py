"""Terceros, productos, inventario and cartera por edades in Chromium: a tercero refused with
errors next to its fields and then created and edited, a product created and listed, stock
per warehouse and an adjustment, the aging report with its chart — and no page answering
500 to garbage."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect

from facturo.domain.queries import PartyFilter, ProductFilter
from facturo.services import parties, products
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from tests.conftest import LiveServer, TenantFixture
from tests.web.conftest import screenshot, sign_in_as_admin
from tests.web.master_data_support import (
    add_warehouse,
    colombian_today,
    csrf_of,
    days_ago,
    open_credit_shop,
    signed_in_client,
    stocked_product,
)

# --- terceros --------------------------------------------------------------------------------


def test_a_tercero_refused_next_to_its_fields_is_then_created_and_edited(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    sign_in_as_admin(page, tenant)
    page.goto("/app/terceros")
    page.get_by_role("link", name="Crear tercero").click()

    page.get_by_label("Tipo de persona").select_option("company")
    expect(page.get_by_label("Nombres", exact=True).first).to_be_hidden()  # only the razón social
    page.get_by_label("Tipo de identificación").select_option("31")
    page.get_by_label("Número de identificación").fill("800.197.268")
    expect(page.get_by_label("DV", exact=True)).to_have_value("4")  # computed as it is typed
    page.get_by_label("DV", exact=True).fill("7")
    page.get_by_label("Razón social").fill("Ferretería El Tornillo SAS")
    page.get_by_label("Ciudad (código DIVIPOLA)").fill("Medellín")
    page.get_by_label("Dirección").fill("Carrera 50 # 10-20")
    page.locator("#f-phone_number").fill("6044445566")
    page.locator("#f-email").fill("compras@")
    page.locator("#f-contact_0_first_name").fill("Marta")
    page.locator("#f-contact_0_email").fill("marta-sin-arroba")
    page.get_by_role("button", name="Crear tercero").click()

    expect(page.locator("#e-check_digit")).to_have_text(
        "El dígito de verificación del NIT 800197268 es 4."
    )
    expect(page.locator("#e-email")).to_have_text("El correo electrónico no es válido.")
    expect(page.locator("#e-contact_0_email")).to_have_text("El correo electrónico no es válido.")
    expect(page.locator("#f-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-email")).to_have_attribute("aria-describedby", "e-email")
    expect(page.get_by_label("Razón social")).to_have_value("Ferretería El Tornillo SAS")
    screenshot(page, "tercero-nuevo")

    page.get_by_label("DV", exact=True).fill("")  # left empty: computed
    page.locator("#f-email").fill("compras@tornillo.co")
    page.locator("#f-contact_0_email").fill("marta@tornillo.co")
    page.get_by_role("button", name="Crear tercero").click()
    expect(page.get_by_role("status")).to_have_text("Tercero Ferretería El Tornillo SAS creado.")

    page.get_by_label("Buscar por identificación o nombre").fill("800.197.268-4")
    page.get_by_role("button", name="Buscar").click()
    row = page.get_by_role("row", name=re.compile("Ferretería El Tornillo SAS"))
    expect(row).to_contain_text("800197268-4")
    expect(row).to_contain_text("Medellín")
    screenshot(page, "terceros")

    row.get_by_role("link", name="Ferretería El Tornillo SAS").click()
    expect(page.get_by_role("heading", name="Ferretería El Tornillo SAS")).to_be_visible()
    page.get_by_label("Nombre comercial").fill("El Tornillo")
    page.get_by_label("Proveedor").check()
    page.locator("#f-contact_1_first_name").fill("Luis")
    page.locator("#f-contact_1_phone").fill("3001234567x")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.locator("#e-contact_1_phone")).to_have_text("Solo dígitos, máximo 10.")
    page.locator("#f-contact_1_phone").fill("3001234567")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status")).to_have_text(
        "Tercero Ferretería El Tornillo SAS actualizado."
    )

    [view] = parties.search(
        ctx, tenant.actor, PartyFilter(identification="800197268"), PageRequest(0, 5)
    ).views
    party = view.party
    assert (party.check_digit, party.commercial_name) == (4, "El Tornillo")
    assert party.is_customer and party.is_supplier and party.is_company
    assert (party.place.state_code, party.place.city_code) == ("05", "05001")
    assert [(c.first_name, c.email, c.phone.number, c.is_principal) for c in view.contacts] == [
        ("Marta", "marta@tornillo.co", None, True),
        ("Luis", None, "3001234567", False),
    ]


# --- productos -------------------------------------------------------------------------------


def test_a_product_is_created_and_shows_in_the_list(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    sign_in_as_admin(page, tenant)
    page.goto("/app/productos/nuevo")
    page.locator("#f-code").fill("TORN-38")
    page.get_by_label("Nombre", exact=True).fill("Tornillo drywall 3/8")
    page.get_by_label("Impuesto (IVA o impuesto al consumo)").select_option(label="IVA 19%")
    page.get_by_label("Maneja inventario").check()
    page.get_by_label("Precio de venta 1", exact=True).fill("1.250,50")
    page.get_by_label("Precio de venta 2", exact=True).fill("mil pesos")
    page.get_by_role("button", name="Crear producto").click()
    expect(page.locator("#e-price_2")).to_have_text(
        "Escribe un valor en pesos, p. ej. 12.500 o 12500,50."
    )
    page.get_by_label("Precio de venta 2", exact=True).fill("1200")
    page.get_by_role("button", name="Crear producto").click()

    expect(page.get_by_role("status")).to_have_text(
        "Producto TORN-38 · Tornillo drywall 3/8 creado."
    )
    row = page.get_by_role("row", name=re.compile("TORN-38"))
    expect(row).to_contain_text("Tornillo drywall 3/8")
    expect(row).to_contain_text("$ 1.250,50")
    expect(row).to_contain_text("IVA 19%")
    screenshot(page, "productos")

    [view] = products.search(
        ctx, tenant.actor, ProductFilter(code="TORN-38"), PageRequest(0, 5)
    ).views
    assert view.product.stock_control
    assert {(p.position, p.value) for p in view.product.prices} == {
        (1, Decimal("1250.5")),
        (2, Decimal(1200)),
    }


# --- inventario ------------------------------------------------------------------------------


def test_stock_shows_per_warehouse_and_an_adjustment_moves_it(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    add_warehouse(ctx, tenant, "2", "Bodega norte")
    stocked_product(ctx, tenant, "TORN-1", "Tornillo 1/4", {"1": Decimal(40), "2": Decimal("2.5")})
    stocked_product(ctx, tenant, "TUER-1", "Tuerca 1/4", {"1": Decimal(7)})

    sign_in_as_admin(page, tenant)
    page.goto("/app/inventario")
    screw = page.get_by_role("row", name="Tornillo 1/4")
    expect(screw.locator("td.num")).to_have_text(["40", "2,5", "42,5"])
    nut = page.get_by_role("row", name="Tuerca 1/4")
    expect(nut.locator("td.num")).to_have_text(["7", "0", "7"])
    screenshot(page, "inventario")

    page.get_by_label("Bodega").select_option("2")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_role("columnheader", name="Bodega principal")).to_have_count(0)
    expect(screw.locator("td.num")).to_have_text(["2,5"])

    page.get_by_label("Producto (código o nombre)").fill("tuerca")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_role("row", name=re.compile("Tornillo"))).to_have_count(0)
    nut.get_by_role("link", name=re.compile("Ajustar")).click()

    expect(page.get_by_label("Código del producto")).to_have_value("TUER-1")
    page.get_by_label("Bodega").select_option("1")
    page.get_by_label("Movimiento").select_option("out")
    page.get_by_label("Cantidad").fill("10")
    page.get_by_role("button", name="Registrar ajuste").click()
    expect(page.locator("#e-quantity")).to_have_text("No hay existencias suficientes.")
    page.get_by_label("Cantidad").fill("2,5")
    page.get_by_role("button", name="Registrar ajuste").click()
    expect(page.get_by_role("status")).to_have_text(
        "Salida de 2,5 registrada: TUER-1 queda con 4,5 en la bodega 1."
    )
    expect(nut.locator("td.num")).to_have_text(["4,5", "0", "4,5"])


# --- cartera por edades ----------------------------------------------------------------------


def test_the_aging_report_puts_an_overdue_balance_in_its_bucket_with_a_chart(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    shop = open_credit_shop(ctx, tenant)
    shop.owed(
        identification="800197268",
        name="Cliente Moroso SAS",
        value=Decimal(1500000),
        issued=days_ago(50),
        due=days_ago(45),  # 45 days overdue: 31 to 60
    )
    shop.owed(
        identification="900373913",
        name="Cliente Puntual SAS",
        value=Decimal("250000.50"),
        issued=days_ago(1),
        due=colombian_today() + timedelta(days=20),
    )

    sign_in_as_admin(page, tenant)
    page.goto("/app/informes/cartera")
    late = page.get_by_role("row", name=re.compile("Cliente Moroso SAS"))
    expect(late.locator('td[data-bucket="31-60"]')).to_have_text("$ 1.500.000,00")
    expect(late.locator('td[data-bucket="1-30"]')).to_have_text("$ 0,00")
    expect(late.locator("td").last).to_have_text("$ 1.500.000,00")
    punctual = page.get_by_role("row", name=re.compile("Cliente Puntual SAS"))
    expect(punctual.locator('td[data-bucket="current"]')).to_have_text("$ 250.000,50")
    expect(page.locator("tfoot td").last).to_have_text("$ 1.750.000,50")

    chart = page.get_by_role("img", name=re.compile("Cartera por edades al"))
    expect(chart).to_be_visible()
    assert chart.evaluate("e => e.tagName.toLowerCase()") == "svg"
    expect(chart.locator('rect[data-bucket="31 a 60 días"] title')).to_have_text(
        "Cliente Moroso SAS · 31 a 60 días: $ 1.500.000,00"
    )
    expect(chart.locator("desc")).to_contain_text("Total $ 1.750.000,50")
    screenshot(page, "cartera")

    # Thirty days ago the same invoice was 15 days overdue, and the other did not exist.
    page.get_by_label("Fecha de corte").fill(days_ago(30).isoformat())
    page.get_by_role("button", name="Ver cartera").click()
    expect(late.locator('td[data-bucket="1-30"]')).to_have_text("$ 1.500.000,00")
    expect(page.get_by_role("row", name=re.compile("Cliente Puntual SAS"))).to_have_count(0)


# --- garbage in, never a 500 -----------------------------------------------------------------


def test_garbage_gets_field_errors_or_404_pages_never_a_500(
    server: LiveServer, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    stocked_product(ctx, tenant, "TORN-1", "Tornillo 1/4", {"1": Decimal(3)})
    huge = "9" * 30
    with signed_in_client(server, tenant) as client:
        for path in (
            f"/app/terceros/{huge}",
            f"/app/productos/{huge}",
            "/app/terceros/-1",
            "/app/productos/0",
            "/app/terceros/abc",
            "/app/productos/²",
        ):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "No encontrado" in answer.text
        for path in (
            "/app/terceros?pagina=²&q=%25%00",
            "/app/productos?pagina=99999999999999999999&q=" + "x" * 500,
            "/app/inventario?bodega=&producto=%27%22&pagina=-3",
        ):
            assert client.get(path).status_code == 200, path
        assert client.get("/app/inventario?bodega=nope").status_code == 400
        assert client.get("/app/informes/cartera?fecha=31/02/2025").status_code == 400
        assert client.get("/app/informes/cartera?fecha=9999-12-31").status_code == 400

        token = csrf_of(client.get("/app/terceros/nuevo").text)
        tercero = client.post(
            "/app/terceros",
            data={
                "csrf_token": token,
                "person_type": "robot",
                "id_type_code": "31",
                "identification": huge,
                "check_digit": "²",
                "branch_office": "1e9",
                "country_code": "ZZ",
                "state_code": "99",
                "city_code": huge,
                "phone_number": "abc",
                "fiscal_responsibilities": ["O-13", "NADA"],
                "contact_9_email": "sin-nombre@",
            },
        )
        assert tercero.status_code == 400
        for field in ("branch_office", "check_digit", "identification", "phone_number"):
            assert f'id="e-{field}"' in tercero.text, field
        assert 'id="e-contact_9_first_name"' in tercero.text

        product = client.post(
            "/app/productos",
            data={
                "csrf_token": token,
                "code": "X" * 40,
                "product_type": "???",
                "account_group_id": huge,
                "tax_add_id": "abc",
                "tax_discount_id": huge,
                "tax_classification": "",
                "consumption_tax_value": "1.2.3",
                "price_1": huge,
                "price_3": "12,5,6",
            },
        )
        assert product.status_code == 400
        for field in ("code", "account_group_id", "tax_add_id", "price_1", "price_3"):
            assert f'id="e-{field}"' in product.text, field
        assert client.post(f"/app/productos/{huge}", data={"csrf_token": token}).status_code == 404
        assert client.post(f"/app/terceros/{huge}", data={"csrf_token": token}).status_code == 404

        for quantity in ("diez", huge, "-0", "1,23456"):
            adjusted = client.post(
                "/app/inventario/ajuste",
                data={
                    "csrf_token": token,
                    "product_code": "TORN-1",
                    "warehouse_code": "1",
                    "direction": "in",
                    "quantity": quantity,
                },
            )
            assert adjusted.status_code == 400, quantity
            assert 'id="e-quantity"' in adjusted.text
        assert products.stock_balance(ctx, tenant.actor, code="TORN-1").total == 3
