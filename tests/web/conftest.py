"""The web app in a real browser: Debian's Chromium driven by Playwright, against the live
server of the suite (both databases). Screenshots of the pages go to build/screenshots/.

Without Chromium the browser tests are skipped, unless FACTURO_REQUIRE_BROWSER=1 (as in CI),
which makes a missing browser a failure."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import LiveServer, TenantFixture
from tests.mailbox import Mailbox

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
REQUIRE_BROWSER = os.environ.get("FACTURO_REQUIRE_BROWSER") == "1"


def chromium_path() -> str | None:
    return (
        os.environ.get("FACTURO_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if REQUIRE_BROWSER:
            pytest.fail("Chromium is required (FACTURO_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url, locale="es-CO", viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[Page]:
    """A phone-sized browser."""
    context = browser.new_context(
        base_url=server.url, locale="es-CO", viewport={"width": 390, "height": 780}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Keeps a picture of the page (the README shows a few of them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, company_key: str, username: str, password: str) -> None:
    page.goto("/app/ingresar")
    page.get_by_label("Empresa (clave)", exact=True).fill(company_key)
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Ingresar").click()


def sign_in_as_admin(page: Page, tenant: TenantFixture) -> None:
    sign_in(page, tenant.key, tenant.admin.username, tenant.password)
    expect(page.get_by_role("heading", name=re.compile("Hola"))).to_be_visible()


@dataclass
class Mail:
    """The last message the test SMTP server received for an address."""

    subject: str
    body: str


def last_mail_to(mailbox: Mailbox, address: str) -> Mail:
    for recipients, message in reversed(mailbox.messages):
        if address in recipients:
            part = message.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            return Mail(str(message["Subject"]), str(body))
    raise AssertionError(f"no mail to {address}: {[r for r, _ in mailbox.messages]}")
