"""Configuración → Habilitaciones DIAN in Chromium (both databases): the certificate tracking
through its states with the help text's notices, the setup form with its field errors, the
numbering ranges with their warnings and the DIAN's ranges (GetNumberingRange, from the
stand-in), and a small habilitación test set followed live to its end."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from facturo.dian import keys
from facturo.dian.standin import RangeRegistration
from facturo.domain.catalogs import DocumentClass
from facturo.domain.defaults import HABILITACION_TECHNICAL_KEY
from facturo.services import certificates, einvoicing
from facturo.services.context import ServiceContext
from facturo.web.pages import dian_settings
from tests.conftest import TenantFixture
from tests.dian_env import StandInServer, set_up_einvoicing
from tests.dian_pki import DEMO_PASSWORD, certificate_authority, make_certificate, pkcs12_of
from tests.web.conftest import screenshot, sign_in_as_admin

HOME = "/app/configuracion/habilitaciones-dian"
FEV_KEY = "693ff6f2a553c3646a063436fd4dd9ded0311471"


def bogota_today() -> date:
    return datetime.now(keys.BOGOTA).date()


def write_p12(tmp_path: Path, tenant: TenantFixture) -> Path:
    """A certificate for the tenant's NIT that started ten days ago (so in its first 11
    months), issued by the test CA."""
    now = datetime.now(UTC)
    certificate = make_certificate(
        tenant.company.name,
        nit=tenant.company.nit,
        issuer=certificate_authority(),
        valid_from=now - timedelta(days=10),
        valid_to=now + timedelta(days=720),
    )
    path = tmp_path / "certificado.p12"
    path.write_bytes(pkcs12_of(certificate))
    return path


def change_state(page: Page, state: str, observations: str = "") -> None:
    page.get_by_text("✎ Editar estado").click()
    page.get_by_label("Nuevo estado").select_option(label=state)
    page.get_by_label("Observaciones", exact=True).fill(observations)
    page.get_by_role("button", name="Cambiar estado").click()


def test_a_certificate_request_is_followed_to_completado_with_its_notices(
    page: Page, tenant: TenantFixture, tmp_path: Path
) -> None:
    p12 = write_p12(tmp_path, tenant)
    sign_in_as_admin(page, tenant)
    page.goto(HOME + "/certificado")
    expect(page.get_by_text("La empresa aún no tiene certificado digital")).to_be_visible()

    page.get_by_label("Observaciones (entidad, número de trámite…)").fill("Andes, trámite 4711")
    page.get_by_role("button", name="Registrar solicitud").click()
    expect(page.get_by_role("status")).to_contain_text("registrada: En trámite")
    expect(page.locator("#certificate-state")).to_have_text("En trámite")
    expect(page.locator("[data-notice=in_progress]")).to_contain_text("8 días hábiles")
    # Only the changes the state machine allows are offered.
    page.get_by_text("✎ Editar estado").click()
    options = page.get_by_label("Nuevo estado").locator("option").all_text_contents()
    assert options == ["Aceptado", "Rechazado", "Vencido"]
    page.get_by_text("✎ Editar estado").click()

    # Rechazado needs observations: the error stands next to them.
    change_state(page, "Rechazado")
    expect(page.locator("#e-state-observations")).to_contain_text("qué se debe corregir")
    page.get_by_label("Nuevo estado").select_option(label="Rechazado")
    page.get_by_label("Observaciones", exact=True).fill("El RUT anexado no está actualizado")
    page.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator("#certificate-state")).to_have_text("Rechazado")
    expect(page.locator("#certificate-observations")).to_have_text(
        "El RUT anexado no está actualizado"
    )
    expect(page.locator("[data-notice=rejected]")).to_contain_text("RUT anexado")

    change_state(page, "En trámite", "Corregido y enviado de nuevo")
    expect(page.locator("#certificate-state")).to_have_text("En trámite")
    change_state(page, "Aceptado")
    expect(page.locator("#certificate-state")).to_have_text("Aceptado")
    expect(page.locator("[data-notice=accepted]")).to_contain_text("carga el archivo PKCS#12")

    # A wrong password: the problem is listed next to the file field; nothing changes.
    page.get_by_label("Archivo del certificado (.p12 o .pfx)").set_input_files(p12)
    page.get_by_label("Contraseña del certificado").fill("no-es-la-clave")
    page.get_by_role("button", name="Cargar certificado").click()
    expect(page.locator("#e-certificate")).to_contain_text(
        "La contraseña del certificado no es correcta"
    )
    expect(page.get_by_label("Archivo del certificado (.p12 o .pfx)")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.locator("#certificate-state")).to_have_text("Aceptado")

    page.get_by_label("Archivo del certificado (.p12 o .pfx)").set_input_files(p12)
    page.get_by_label("Contraseña del certificado").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Cargar certificado").click()
    expect(page.get_by_role("status")).to_contain_text("Certificado digital cargado: Completado")
    expect(page.locator("#certificate-state")).to_have_text("Completado")
    facts = page.locator(".certificate-facts")
    expect(facts).to_contain_text(tenant.company.nit)  # the subject
    expect(facts).to_contain_text("AC Facturo Pruebas")  # the issuer
    start = (bogota_today() - timedelta(days=10)).strftime("%d/%m/%Y")
    expect(facts).to_contain_text(start)
    # Active in its first 11 months: the notice sends users to the tracking.
    expect(page.locator("[data-notice=tracking]")).to_contain_text("Seguimiento certificado")
    history = page.locator(".certificate-history tbody tr")
    expect(history).to_have_count(5)
    expect(history.first).to_contain_text("Completado")
    expect(page.get_by_label("Nuevo estado").locator("option")).to_have_text(["Vencido"])
    screenshot(page, "dian-certificado")

    # The DIAN setup page shows the same notice, with the way to the tracking.
    page.goto(HOME)
    tracking = page.locator("[data-notice=tracking]")
    expect(tracking).to_contain_text(re.compile(r"activo hasta el \d\d/\d\d/\d{4}"))
    tracking.get_by_role("link", name="Ir al seguimiento del certificado digital").click()
    expect(page).to_have_url(re.compile("/certificado$"))

    # Closed by hand (a lost key): the notice asks for a new request.
    change_state(page, "Vencido", "Se perdió el token con la llave")
    expect(page.locator("#certificate-state")).to_have_text("Vencido")
    expect(page.locator("[data-notice=expired]")).to_contain_text("genera una nueva solicitud")
    expect(page.get_by_role("button", name="Registrar solicitud")).to_be_visible()


def test_the_setup_is_refused_with_errors_next_to_the_fields_then_saved(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    sign_in_as_admin(page, tenant)
    page.goto(HOME)
    expect(page.get_by_text("aún no tiene configurada la facturación electrónica")).to_be_visible()
    expect(page.get_by_label("Ambiente")).to_have_value("2")
    expect(page.get_by_label("Razón social")).to_have_value("")

    page.get_by_label("Identificador del software").fill("no-es-un-guid")
    page.get_by_label("Municipio (código DIVIPOLA)").fill("99999")
    page.get_by_label("Código postal").fill("12")
    page.get_by_label("Correo electrónico de facturación").fill("facturacion@empresa.co")
    page.get_by_label("Razón social").fill("Empresa de Prueba S.A.S.")
    page.get_by_role("button", name="Guardar configuración").click()

    expect(page.locator("#e-software_id")).to_contain_text("GUID")
    expect(page.locator("#e-software_pin")).to_have_text("Este campo es obligatorio.")
    expect(page.locator("#e-municipality_code")).to_contain_text("municipio de la DIAN")
    expect(page.locator("#e-postal_code")).to_have_text("Debe tener 6 dígitos.")
    expect(page.locator("#e-address_line")).to_have_text("Este campo es obligatorio.")
    expect(page.get_by_label("Identificador del software")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Razón social")).to_have_value("Empresa de Prueba S.A.S.")
    assert einvoicing.find(ctx, tenant.actor) is None

    software_id = str(uuid.uuid4())
    page.get_by_label("Identificador del software").fill(software_id)
    page.get_by_label("PIN del software").fill("98765")
    page.get_by_label("Municipio (código DIVIPOLA)").fill("05001")
    page.get_by_label("Dirección", exact=True).fill("Carrera 43A # 1-50")
    page.get_by_label("Código postal").fill("050021")
    page.get_by_label("Teléfono").fill("604 5550100")
    page.get_by_label("R-99-PN · No aplica – Otros").uncheck()
    page.get_by_label("O-13 · Gran contribuyente").check()
    page.get_by_label("O-23 · Agente de retención IVA").check()
    page.get_by_role("button", name="Guardar configuración").click()

    expect(page.get_by_role("status")).to_have_text(
        "Configuración de facturación electrónica guardada."
    )
    expect(page.locator("dl.facts")).to_contain_text("Medellín, Antioquia (05001)")
    expect(page.get_by_label("PIN del software")).to_have_value("")  # never shown back
    expect(page.get_by_text("Ya hay un PIN guardado")).to_be_visible()
    expect(page.get_by_label("O-13 · Gran contribuyente")).to_be_checked()
    expect(page.get_by_label("R-99-PN · No aplica – Otros")).not_to_be_checked()
    assert "98765" not in page.content()
    # No test set id yet: the run is not offered.
    expect(page.get_by_role("button", name="Ejecutar set de pruebas")).to_have_count(0)

    # Saved again with the PIN left blank: the stored one stays.
    test_set_id = str(uuid.uuid4())
    page.get_by_label("Identificador del set de pruebas (TestSetId)").fill(test_set_id)
    page.get_by_role("button", name="Guardar configuración").click()
    expect(page.get_by_role("status")).to_contain_text("guardada")
    saved = einvoicing.get(ctx, tenant.actor)
    assert (saved.software_id, saved.test_set_id, saved.municipality_code) == (
        software_id,
        test_set_id,
        "05001",
    )
    assert saved.responsibilities == ("O-13", "O-23")
    assert einvoicing.issuing_profile(ctx, tenant.company.id or 0).software_pin == "98765"
    expect(page.get_by_role("button", name="Ejecutar set de pruebas")).to_be_visible()


def test_the_numbering_shows_its_warnings_and_fetches_the_dians_ranges(
    page: Page, tenant: TenantFixture, ctx: ServiceContext, standin_server: StandInServer
) -> None:
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    today = bogota_today()
    # The habilitación range nearly used up and about to expire.
    with ctx.unit_of_work() as uow:
        (setp,) = [
            n
            for n in uow.numbering_ranges.of_class(
                tenant.company.id or 0, DocumentClass.SALES_INVOICE, for_update=True
            )
            if n.prefix == "SETP"
        ]
        setp.next_number = setp.last_number - 99
        setp.valid_to = today + timedelta(days=12)
        uow.commit()
    electronic.standin.register_range(
        RangeRegistration(
            nit=tenant.company.nit,
            prefix="FEV",
            first_number=1,
            last_number=5000,
            resolution_number="18764000001234",
            resolution_date=today - timedelta(days=30),
            valid_from=today - timedelta(days=30),
            valid_to=today + timedelta(days=335),
            technical_key=FEV_KEY,
        )
    )

    sign_in_as_admin(page, tenant)
    page.goto(HOME)
    numbering = page.locator("#numeracion")
    warnings = numbering.locator(".numbering-warning")
    expect(warnings).to_have_count(2)
    expect(warnings.nth(0)).to_contain_text("ya usó el 99 % de sus números (quedan 100 números)")
    expect(warnings.nth(1)).to_contain_text(
        f"vence el {(today + timedelta(days=12)):%d/%m/%Y} (quedan 12 días)"
    )
    setp_row = numbering.get_by_role("row", name=re.compile("^SETP"))
    expect(setp_row).to_contain_text("990000000")
    expect(setp_row).to_contain_text("Activo")
    expect(setp_row).to_contain_text("Sí")  # it has a technical key …
    assert HABILITACION_TECHNICAL_KEY not in page.content()  # … never shown
    screenshot(page, "dian-configuracion")

    page.get_by_role("button", name="Consultar numeración en la DIAN").click()
    expect(page.get_by_role("status")).to_contain_text("1 rango agregado")
    expect(page.get_by_role("status")).to_contain_text("FEV1-FEV5000")
    fev_row = numbering.get_by_role("row", name=re.compile("^FEV"))
    expect(fev_row).to_contain_text("18764000001234")
    expect(fev_row).to_contain_text("Inactivo")  # habilitación keeps issuing with SETP
    assert FEV_KEY not in page.content()

    # The DIAN refusing (a software it does not know) is said in Spanish, in place.
    settings = einvoicing.get(ctx, tenant.actor)
    data = settings.data()
    data.software_id = str(uuid.uuid4())
    einvoicing.update(ctx, tenant.actor, data)
    page.get_by_role("button", name="Consultar numeración en la DIAN").click()
    expect(numbering.get_by_role("alert")).to_contain_text("La DIAN rechazó la consulta")


def test_a_small_test_set_runs_to_the_end_with_live_progress(
    page: Page,
    tenant: TenantFixture,
    ctx: ServiceContext,
    standin_server: StandInServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    electronic = set_up_einvoicing(ctx, tenant, standin_server)
    electronic.standin.async_delay = 1.5  # "Batch en proceso de validación" for a while
    monkeypatch.setattr(dian_settings, "POLL_SECONDS", 0.2)

    sign_in_as_admin(page, tenant)
    page.goto(HOME + "/set-de-pruebas")
    expect(page.get_by_text("Aún no se ha ejecutado ningún set de pruebas.")).to_be_visible()
    page.get_by_label("Facturas", exact=True).fill("600")
    page.get_by_role("button", name="Ejecutar set de pruebas").click()
    expect(page.locator("#e-invoices")).to_contain_text("número entero")

    page.get_by_label("Facturas", exact=True).fill("1")
    page.get_by_label("Notas crédito").fill("1")
    page.get_by_label("Notas débito").fill("1")
    page.get_by_role("button", name="Ejecutar set de pruebas").click()
    expect(page.get_by_role("status")).to_contain_text("Set de pruebas iniciado: 3 documentos")
    run = page.locator(".test-set-run")
    expect(run).to_have_attribute("data-progress-url", f"{HOME}/set-de-pruebas/progreso")
    label = run.locator("[data-progress-label]")
    expect(label).to_contain_text("Validando en la DIAN", timeout=30_000)  # seen live
    expect(run).to_have_attribute("data-finished", "true", timeout=60_000)
    expect(label).to_have_text(
        "Set de pruebas terminado: 3 aceptados, 0 rechazados y 0 inválidos de 3 documentos."
    )
    expect(run.locator("[data-run-state]")).to_have_text("Aprobado: todos los documentos aceptados")
    rows = run.locator(".test-set-documents tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Factura")
    expect(rows.nth(1)).to_contain_text("Nota crédito")
    expect(rows.nth(2)).to_contain_text("Nota débito")
    for index in range(3):
        expect(rows.nth(index)).to_contain_text("Aceptado")
    expect(run.locator("progress")).to_have_attribute("value", "9")
    screenshot(page, "dian-set-de-pruebas")

    # The page read again shows the finished report; the setup page sums it up.
    page.reload()
    expect(page.locator(".test-set-run")).to_have_attribute("data-finished", "true")
    expect(page.get_by_role("button", name="Ejecutar set de pruebas")).to_be_visible()
    page.goto(HOME)
    expect(page.locator("#set-de-pruebas")).to_contain_text("3 aceptados, 0 rechazados de 3")


def test_no_input_makes_a_page_fail_and_unknown_ids_are_not_found(
    page: Page, tenant: TenantFixture, ctx: ServiceContext
) -> None:
    sign_in_as_admin(page, tenant)
    page.goto(HOME)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    post = page.request.post

    def form(**fields: str) -> dict[str, str | float | bool]:
        return {"csrf_token": token, **fields}

    odd = {
        "environment": "x" * 5000,
        "software_id": "ñ" * 3000,
        "software_pin": "\u0000",
        "responsibilities": "Z-99" * 100,
        "municipality_code": "1" * 40,
        "email": "@",
    }
    answer = post(HOME, form=form(**odd))
    assert answer.status == 400 and "Elige habilitación o producción." in answer.text()
    assert einvoicing.find(ctx, tenant.actor) is None

    answer = post(HOME + "/numeracion", form=form())
    assert answer.status == 400 and "configúrala primero" in answer.text()

    bad_counts = form(invoices="99999999999999999999", credit_notes="-1", debit_notes="1e3")
    answer = post(HOME + "/set-de-pruebas", form=bad_counts)
    assert answer.status == 400 and answer.text().count("número entero entre 0 y 500") == 3
    answer = post(
        HOME + "/set-de-pruebas", form=form(invoices="1", credit_notes="0", debit_notes="0")
    )
    assert answer.status == 400 and "configúrala primero" in answer.text()

    progress = page.request.get(HOME + "/set-de-pruebas/progreso")
    assert progress.status == 200 and progress.json()["finished"] is True

    answer = post(HOME + "/certificado/solicitud", form=form(observations="x" * 5000))
    assert answer.status == 400 and "Admite máximo 1000 caracteres." in answer.text()
    answer = post(HOME + "/certificado/solicitud", form=form())
    assert answer.status == 303 or answer.ok  # followed to the tracking page
    (record,) = certificates.get_all(ctx, tenant.actor).certificates
    answer = post(f"{HOME}/certificado/{record.id}/estado", form=form(state="bogus"))
    assert answer.status == 400 and "Elige un estado de la lista." in answer.text()
    answer = post(f"{HOME}/certificado/{record.id}/estado", form=form(state="completado"))
    assert answer.status == 400 and "queda Completado al cargar" in answer.text()
    for bad in ("99999999999999999999", "0", "x"):
        answer = post(f"{HOME}/certificado/{bad}/estado", form=form(state="aceptado"))
        assert answer.status == 404, bad

    upload: dict[str, Any] = {
        "csrf_token": token,
        "password": "clave",
        "certificate": {
            "name": "c.p12",
            "mimeType": "application/x-pkcs12",
            "buffer": b"\x00" * 10,
        },
    }
    answer = post(HOME + "/certificado/cargar", multipart=upload)
    assert answer.status == 400 and "no es un certificado PKCS#12" in answer.text()
    # Into an En trámite request: refused with the reason, the file's problem as well.
    answer = post(
        HOME + "/certificado/cargar",
        multipart={**upload, "certificate_id": str(record.id)},
    )
    assert answer.status == 400 and "debe estar Aceptada" in answer.text()
    answer = post(HOME + "/certificado/cargar", multipart={**upload, "certificate_id": "abc"})
    assert answer.status == 404
    answer = post(HOME + "/certificado/cargar", multipart={"csrf_token": token, "password": ""})
    assert answer.status == 400 and "Este campo es obligatorio." in answer.text()

    for bad in ("999999", "99999999999999999999999", "abc", "-1"):
        assert page.request.get(f"{HOME}/certificado/{bad}").status == 404, bad
    shown = page.goto(f"{HOME}/certificado/99999999999999999999999")
    assert shown is not None and shown.status == 404
    expect(page.get_by_role("heading", name="No encontrado")).to_be_visible()
