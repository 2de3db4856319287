"""A company ready to sell, set up through the services, for the browser tests of selling
(invoices, the lite selling view, receipts, credit notes).

``set_up_selling(ctx, tenant)`` gives two customers (one with an e-mail), a service SERV-1
(price list 1: $ 50.000) and a stock-controlled PROD-1 (price list 1: $ 20.000, 10 units in
warehouse "1"); ``sell(...)`` issues an invoice through ``sales.issue_invoice_view``, paid in
cash for its exact total unless told otherwise. For electronic invoicing add
``tests.dian_env.set_up_einvoicing(ctx, tenant, standin_server)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from facturo.domain.access import Actor
from facturo.domain.catalogs import DocumentClass
from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import Party, PartyData
from facturo.domain.products import Price, ProductData, ProductType
from facturo.domain.sales import (
    ItemRequest,
    PaymentRequest,
    SalesLine,
    TaxRate,
    document_amounts,
    line_amounts,
)
from facturo.services import catalogs, parties, products, sales, stock
from facturo.services.catalogs import Catalog
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.sales import CustomerReference, SaleRequest, SaleView
from tests.conftest import TenantFixture

CUSTOMER_NIT = "800197268"
CUSTOMER_NAME = "Distribuidora El Cliente SAS"
CUSTOMER_EMAIL = "compras@cliente.co"
OTHER_NIT = "900373913"
OTHER_NAME = "Ferretería La Tuerca SAS"

Line = tuple[str, str | int | Decimal, str | int | Decimal, str | None]
"""An invoice line for ``sell``: product code, quantity, unit price, charge tax name (or None)."""


def colombian_today() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


@dataclass
class Selling:
    """A company's catalogs by name, and what ``set_up_selling`` created."""

    ctx: ServiceContext
    tenant: TenantFixture
    taxes: dict[str, int]
    tax_rates: dict[str, TaxRate]
    means: dict[str, int]
    document_types: dict[str, int]  # "FV-1" → id
    warehouse_code: str
    account_group_id: int
    customers: dict[str, Party] = field(default_factory=dict)  # by identification
    products: list[str] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return self.tenant.actor

    def tax(self, name: str) -> int:
        return self.taxes[name]

    def add_customer(self, identification: str, name: str, *, email: str | None = None) -> Party:
        view = parties.create(
            self.ctx,
            self.actor,
            PartyData(
                is_customer=True,
                is_company=True,
                full_name=name,
                id_type_code="31",
                identification=identification,
                place=Place(country_code="CO", state_code="11", city_code="11001"),
                address="Calle 72 # 10-34",
                phone=Phone(number="6012345678"),
                email=email,
            ),
        )
        self.customers[identification] = view.party
        return view.party

    def add_product(
        self,
        code: str,
        name: str,
        price: int | str | Decimal,
        *,
        stock_quantity: int | None = None,
        service: bool = False,
    ) -> None:
        products.create(
            self.ctx,
            self.actor,
            ProductData(
                code=code,
                name=name,
                product_type=ProductType.SERVICE if service else ProductType.PRODUCT,
                account_group_id=self.account_group_id,
                stock_control=not service,
                prices=[Price(position=1, value=Decimal(str(price)))],
            ),
        )
        if stock_quantity:
            stock.adjust(
                self.ctx,
                self.actor,
                product_code=code,
                warehouse_code=self.warehouse_code,
                quantity=Decimal(stock_quantity),
            )
        self.products.append(code)

    def total_of(self, lines: Sequence[Line]) -> Decimal:
        """What the invoice of ``lines`` comes to, by the domain's engine."""
        priced = []
        for position, (code, quantity, price, tax) in enumerate(lines, start=1):
            rate = self.tax_rates[tax] if tax else None
            amounts = line_amounts(
                quantity=Decimal(str(quantity)), unit_value=Decimal(str(price)), tax_add=rate
            )
            priced.append(
                SalesLine(
                    number=position,
                    product_id=0,
                    product_code=code,
                    description=code,
                    quantity=Decimal(str(quantity)),
                    unit_value=Decimal(str(price)),
                    discount_percentage=None,
                    tax_add=rate,
                    tax_add2=None,
                    tax_discount=None,
                    amounts=amounts,
                )
            )
        return document_amounts(priced, reteiva=None, reteica=None).total

    def sell(
        self,
        *,
        customer: str = CUSTOMER_NIT,
        lines: Sequence[Line] = (("SERV-1", 2, 50000, "IVA 19%"),),
        on: date | None = None,
        document_type: str = "FV-1",
        number: int | None = None,
        credit_due: date | None = None,
        stamp: bool = False,
    ) -> SaleView:
        """Issues an invoice through the service: cash for its total, or on credit."""
        total = self.total_of(lines)
        if credit_due is not None:
            payment = PaymentRequest(self.means["Crédito"], total, credit_due, due_quote=1)
        else:
            payment = PaymentRequest(self.means["Efectivo"], total)
        return sales.issue_invoice_view(
            self.ctx,
            self.actor,
            SaleRequest(
                document_type_id=self.document_types[document_type],
                document_date=on or colombian_today(),
                customer=CustomerReference(identification=customer),
                seller_identification=self.tenant.admin.identification,
                items=[
                    ItemRequest(
                        product_code=code,
                        description=None,
                        quantity=Decimal(str(quantity)),
                        unit_value=Decimal(str(price)),
                        tax_add_id=self.taxes[tax] if tax else None,
                        warehouse_code=None if code.startswith("SERV") else self.warehouse_code,
                    )
                    for code, quantity, price, tax in lines
                ],
                payments=[payment],
                number=number,
                stamp=stamp,
            ),
        )


def set_up_selling(ctx: ServiceContext, tenant: TenantFixture) -> Selling:
    """Two customers, SERV-1 (a service) and PROD-1 (10 units in warehouse "1")."""
    actor = tenant.actor
    taxes = catalogs.get_all(ctx, actor, Catalog.TAXES, PageRequest(0, 1000))
    means = catalogs.get_all(ctx, actor, Catalog.PAYMENT_MEANS, PageRequest(0, 1000))
    groups = catalogs.get_all(ctx, actor, Catalog.ACCOUNT_GROUPS, PageRequest(0, 10))
    warehouses = catalogs.get_warehouses(ctx, actor)
    types = {
        f"{view.document_type.document_class.value}-{view.document_type.code}": (
            view.document_type.id or 0
        )
        for document_class in (DocumentClass.SALES_INVOICE, DocumentClass.CREDIT_NOTE)
        for view in catalogs.get_document_types_of_class(ctx, actor, document_class)
    }
    selling = Selling(
        ctx=ctx,
        tenant=tenant,
        taxes={t.name: t.id for t in taxes},
        tax_rates={t.name: TaxRate(t.id, t.name, t.tax_type, t.percentage) for t in taxes},
        means={m.name: m.id for m in means},
        document_types=types,
        warehouse_code=warehouses[0].warehouse.code,
        account_group_id=groups[0].id,
    )
    selling.add_customer(CUSTOMER_NIT, CUSTOMER_NAME, email=CUSTOMER_EMAIL)
    selling.add_customer(OTHER_NIT, OTHER_NAME)
    selling.add_product("SERV-1", "Asesoría contable", 50000, service=True)
    selling.add_product("PROD-1", "Taladro percutor", 20000, stock_quantity=10)
    return selling
