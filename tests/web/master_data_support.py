"""Setup for the master-data pages' browser tests, through the services (never the browser):
products with stock in warehouses, and invoices on credit with past dates for the aging
report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx

from facturo.domain.access import Actor
from facturo.domain.catalogs import DocumentClass, Warehouse
from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import PartyData
from facturo.domain.products import ProductData, ProductType
from facturo.domain.sales import ItemRequest, PaymentRequest, SalesDocument
from facturo.services import catalogs, products, sales, stock
from facturo.services.context import ServiceContext
from facturo.services.sales import CustomerReference, SaleRequest
from tests.conftest import LiveServer, TenantFixture

SELLER = "1020304050"  # the tenant administrator's identification


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


def days_ago(days: int) -> date:
    return colombian_today() - timedelta(days=days)


def account_group_id(ctx: ServiceContext, tenant: TenantFixture, code: str = "1") -> int:
    assert tenant.company.id is not None
    with ctx.unit_of_work(read_only=True) as uow:
        group = uow.account_groups.find_by_code(tenant.company.id, code)
    assert group is not None and group.id is not None
    return group.id


def add_warehouse(ctx: ServiceContext, tenant: TenantFixture, code: str, name: str) -> int:
    """A second warehouse (no service creates warehouses yet: they come with the company)."""
    assert tenant.company.id is not None
    with ctx.unit_of_work() as uow:
        warehouse = uow.warehouses.add(
            Warehouse(company_id=tenant.company.id, code=code, name=name)
        )
        uow.flush()
        uow.commit()
    assert warehouse.id is not None
    return warehouse.id


def stocked_product(
    ctx: ServiceContext,
    tenant: TenantFixture,
    code: str,
    name: str,
    quantities: dict[str, Decimal],
) -> None:
    """A product that controls stock, with ``quantities`` entered per warehouse code."""
    products.create(
        ctx,
        tenant.actor,
        ProductData(
            code=code,
            name=name,
            product_type=ProductType.PRODUCT,
            account_group_id=account_group_id(ctx, tenant),
            stock_control=True,
        ),
    )
    for warehouse_code, quantity in quantities.items():
        stock.adjust(
            ctx,
            tenant.actor,
            product_code=code,
            warehouse_code=warehouse_code,
            quantity=quantity,
            note="Inventario inicial",
        )


@dataclass
class CreditShop:
    """A company ready to sell a service on credit (SRV) to new customers."""

    ctx: ServiceContext
    actor: Actor
    invoice_type_id: int
    credit_means_id: int

    def owed(
        self,
        *,
        identification: str,
        name: str,
        value: Decimal,
        issued: date,
        due: date,
    ) -> SalesDocument:
        """An invoice of ``value`` (no taxes) dated ``issued``, all of it due on ``due``."""
        return sales.issue_invoice(
            self.ctx,
            self.actor,
            SaleRequest(
                document_type_id=self.invoice_type_id,
                document_date=issued,
                customer=CustomerReference(
                    identification=identification,
                    new_party=PartyData(
                        is_customer=True,
                        is_company=True,
                        full_name=name,
                        id_type_code="31",
                        identification=identification,
                        place=Place(country_code="CO", state_code="11", city_code="11001"),
                        address="Calle 72 # 10-34",
                        phone=Phone(number="6012345678"),
                    ),
                ),
                seller_identification=SELLER,
                items=[ItemRequest("SRV", None, Decimal(1), value)],
                payments=[PaymentRequest(self.credit_means_id, value, due_date=due, due_quote=1)],
            ),
        )


def open_credit_shop(ctx: ServiceContext, tenant: TenantFixture) -> CreditShop:
    actor = tenant.actor
    products.create(
        ctx,
        actor,
        ProductData(
            code="SRV",
            name="Asesoría",
            product_type=ProductType.SERVICE,
            account_group_id=account_group_id(ctx, tenant, "3"),
        ),
    )
    invoice_type = catalogs.get_document_type_by_code(
        ctx, actor, DocumentClass.SALES_INVOICE, 1
    ).document_type
    assert tenant.company.id is not None and invoice_type.id is not None
    with ctx.unit_of_work(read_only=True) as uow:
        means = uow.catalogs(tenant.company.id).payment_means.values()
        credit = next(m.id for m in means if m.name == "Crédito")
    assert credit is not None
    return CreditShop(ctx, actor, invoice_type.id, credit)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def signed_in_client(server: LiveServer, tenant: TenantFixture) -> Iterator[httpx.Client]:
    """An HTTP client with the administrator's web session (for what a browser cannot send)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        page = client.get("/app/ingresar")
        answer = client.post(
            "/app/ingresar",
            data={
                "csrf_token": csrf_of(page.text),
                "company_key": tenant.key,
                "username": tenant.admin.username,
                "password": tenant.password,
            },
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "no form with a CSRF token on the page"
    return found.group(1)
