"""A shop set up through the services for the browser tests of selling (the lite selling view,
cash receipts, credit notes): a customer with an e-mail, a stock-controlled coffee with IVA
19 % (10 units in warehouse "1"), a service without taxes, and sellers of each user type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from facturo.domain.access import Actor, UserType
from facturo.domain.calendar import colombian_date
from facturo.domain.catalogs import DocumentClass
from facturo.domain.contact_info import Place
from facturo.domain.parties import CURRENT_RULES, PartyData
from facturo.domain.products import Price, ProductData, ProductType
from facturo.domain.sales import ItemRequest, PaymentRequest
from facturo.domain.users import UserData
from facturo.services import catalogs, parties, products, sales, stock, users
from facturo.services.catalogs import Catalog
from facturo.services.context import ServiceContext
from facturo.services.paging import PageRequest
from facturo.services.sales import CustomerReference, SaleRequest, SaleView
from tests.conftest import TenantFixture

COFFEE = "CAFE-500"
COFFEE_NAME = "Café de origen 500 g"
COFFEE_PRICE = Decimal(18000)  # before IVA 19 %: 21.420 each
SERVICE = "SERV-MOLIDO"
SERVICE_NAME = "Servicio de molienda"
CUSTOMER_ID = "52111222"
CUSTOMER_NAME = "Laura Gómez"
CUSTOMER_EMAIL = "laura@cliente.co"
SELLER_PASSWORD = "ventas-seguras-2026"


@dataclass
class Shop:
    ctx: ServiceContext
    tenant: TenantFixture
    means: dict[str, int]
    iva: int
    document_types: dict[str, int]  # "FV-1" → id

    @property
    def actor(self) -> Actor:
        return self.tenant.actor

    def stock_of(self, code: str = COFFEE) -> Decimal:
        return products.stock_balance(self.ctx, self.actor, code=code).total

    def seller(self, username: str, user_type: UserType = UserType.LITE, *, number: str) -> Actor:
        """A user of the given type who may sign in with ``SELLER_PASSWORD`` right away."""
        user = users.create(
            self.ctx,
            self.actor,
            UserData(
                username=username,
                user_type=user_type,
                identification=number,
                first_name="Camila",
                last_name="Caja",
                email=username,
            ),
            SELLER_PASSWORD,
            must_change_password=False,
        )
        assert self.tenant.company.id is not None
        return Actor(company_id=self.tenant.company.id, user_id=user.id, user_type=user_type)

    def sell_coffee(
        self, quantity: int = 2, *, credit_days: int | None = None, actor: Actor | None = None
    ) -> SaleView:
        """An invoice of ``quantity`` coffees to the customer, cash or on credit."""
        total = (COFFEE_PRICE * quantity * Decimal("1.19")).quantize(Decimal("0.01"))
        today = colombian_date(self.ctx.now())
        if credit_days is None:
            payment = PaymentRequest(self.means["Efectivo"], total)
        else:
            due: date = today + timedelta(days=credit_days)
            payment = PaymentRequest(self.means["Crédito"], total, due, due_quote=1)
        seller = actor or self.actor
        return sales.issue_invoice_view(
            self.ctx,
            seller,
            SaleRequest(
                document_type_id=self.document_types["FV-1"],
                document_date=today,
                customer=CustomerReference(identification=CUSTOMER_ID),
                seller_identification=None,
                seller_id=seller.user_id,
                items=[
                    ItemRequest(
                        product_code=COFFEE,
                        description=None,
                        quantity=Decimal(quantity),
                        unit_value=COFFEE_PRICE,
                        tax_add_id=self.iva,
                        warehouse_code="1",
                    )
                ],
                payments=[payment],
            ),
        )


def open_shop(ctx: ServiceContext, tenant: TenantFixture) -> Shop:
    actor = tenant.actor
    taxes = {t.name: t.id for t in catalogs.get_all(ctx, actor, Catalog.TAXES, PageRequest(0, 100))}
    means = {
        m.name: m.id
        for m in catalogs.get_all(ctx, actor, Catalog.PAYMENT_MEANS, PageRequest(0, 100))
    }
    group = catalogs.get_all(ctx, actor, Catalog.ACCOUNT_GROUPS, PageRequest(0, 1))[0]
    types = {}
    for document_class in (DocumentClass.SALES_INVOICE, DocumentClass.CREDIT_NOTE):
        for view in catalogs.get_document_types_of_class(ctx, actor, document_class):
            types[f"{document_class.value}-{view.document_type.code}"] = view.document_type.id
    products.create(
        ctx,
        actor,
        ProductData(
            code=COFFEE,
            name=COFFEE_NAME,
            product_type=ProductType.PRODUCT,
            account_group_id=group.id,
            stock_control=True,
            tax_add_id=taxes["IVA 19%"],
            prices=[Price(position=1, value=COFFEE_PRICE)],
        ),
    )
    stock.adjust(ctx, actor, product_code=COFFEE, warehouse_code="1", quantity=Decimal(10))
    products.create(
        ctx,
        actor,
        ProductData(
            code=SERVICE,
            name=SERVICE_NAME,
            product_type=ProductType.SERVICE,
            account_group_id=group.id,
            prices=[Price(position=1, value=Decimal(5000))],
        ),
    )
    parties.create(
        ctx,
        actor,
        PartyData(
            is_customer=True,
            first_name="Laura",
            last_name="Gómez",
            id_type_code="13",
            identification=CUSTOMER_ID,
            place=Place(country_code="CO", state_code="11", city_code="11001"),
            address="Carrera 7 # 45-10",
            email=CUSTOMER_EMAIL,
        ),
        rules=CURRENT_RULES,
    )
    return Shop(
        ctx=ctx,
        tenant=tenant,
        means={name: i for name, i in means.items() if i is not None},
        iva=taxes["IVA 19%"] or 0,
        document_types={k: v or 0 for k, v in types.items()},
    )
