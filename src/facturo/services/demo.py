"""The demo company ``make run`` starts with: catalogs, users, customers, products in stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from facturo.domain.access import Actor, UserType
from facturo.domain.catalogs import TaxType
from facturo.domain.contact_info import Phone, Place
from facturo.domain.parties import ContactData, PartyData
from facturo.domain.products import Price, ProductData, ProductType
from facturo.domain.users import UserData
from facturo.services import access_keys, companies, contacts, parties, products, stock, users
from facturo.services.context import ServiceContext

DEMO_KEY = "demo"
DEMO_ADMIN = "admin"
DEMO_SELLER = "vendedor"
DEMO_PASSWORD = "demo-facturo"  # noqa: S105 - printed on purpose: the demo is for trying Facturo out
DEMO_KEY_LABEL = "demo (facturo demo)"


@dataclass(frozen=True)
class DemoCompany:
    company_key: str
    admin_username: str
    seller_username: str
    password: str
    access_key: str  # the administrator's current-API key (POST /auth)
    created: bool


def ensure(ctx: ServiceContext) -> DemoCompany:
    """Creates the demo company unless it exists; either way, says how to sign in. Access keys
    are shown only once, so each run issues the administrator a fresh demo key and revokes the
    demo keys printed before."""
    with ctx.unit_of_work(read_only=True) as uow:
        exists = uow.companies.find_by_key(DEMO_KEY) is not None
    if not exists:
        _create(ctx)
    return DemoCompany(
        DEMO_KEY,
        DEMO_ADMIN,
        DEMO_SELLER,
        DEMO_PASSWORD,
        access_key=_fresh_access_key(ctx),
        created=not exists,
    )


def _fresh_access_key(ctx: ServiceContext) -> str:
    company = companies.get_by_key(ctx, DEMO_KEY)
    assert company.id is not None
    operator = Actor.operator(company.id)
    admin = users.find_by_username(ctx, operator, DEMO_ADMIN)
    assert admin is not None and admin.id is not None
    for listed in access_keys.get_all(ctx, operator, admin.id):
        if listed.key.label == DEMO_KEY_LABEL and listed.key.active:
            access_keys.revoke(ctx, operator, listed.key.key_id)
    return access_keys.create(ctx, operator, admin.id, DEMO_KEY_LABEL).access_key


def _create(ctx: ServiceContext) -> None:
    company, admin = companies.create(
        ctx,
        companies.NewCompany(
            key=DEMO_KEY,
            name="Comercializadora Demo SAS",
            nit="901210113",
            admin_username=DEMO_ADMIN,
            admin_password=DEMO_PASSWORD,
            admin_identification="52123456",
            admin_first_name="Adriana",
            admin_last_name="Gómez",
            admin_email="admin@demo.facturo.co",
        ),
    )
    assert company.id is not None and admin.id is not None
    actor = Actor(company_id=company.id, user_id=admin.id, user_type=UserType.FULL)
    users.create(
        ctx,
        actor,
        UserData(
            username=DEMO_SELLER,
            user_type=UserType.LITE,
            identification="1032456789",
            first_name="Camilo",
            last_name="Rojas",
            email="ventas@demo.facturo.co",
        ),
        DEMO_PASSWORD,
    )
    _customers(ctx, actor)
    _products(ctx, actor)


def _customers(ctx: ServiceContext, actor: Actor) -> None:
    bogota = Place("CO", "11", "11001")
    medellin = Place("CO", "05", "05001")
    customers = [
        (
            PartyData(
                is_customer=True,
                is_company=True,
                full_name="Ferretería El Tornillo SAS",
                id_type_code="31",
                identification="800197268",
                vat_responsible=True,
                place=bogota,
                address="Calle 13 # 68-45",
                phone=Phone("601", "4123456"),
                email="compras@eltornillo.co",
                fiscal_responsibilities=["O-13", "O-23"],
            ),
            ContactData(first_name="Marta", last_name="Suárez", email="marta@eltornillo.co"),
        ),
        (
            PartyData(
                is_customer=True,
                is_company=True,
                full_name="Distribuidora Antioqueña Ltda",
                id_type_code="31",
                identification="830084433",
                vat_responsible=True,
                place=medellin,
                address="Carrera 43A # 1-50",
                phone=Phone("604", "3217654"),
                email="pagos@distrianti.co",
            ),
            ContactData(first_name="Jorge", last_name="Mejía", email="jorge@distrianti.co"),
        ),
        (
            PartyData(
                is_customer=True,
                first_name="Luisa Fernanda",
                last_name="Pérez",
                id_type_code="13",
                identification="1020304050",
                place=bogota,
                address="Avenida 68 # 22-10 apto 301",
                phone=Phone(number="3001234567"),
                email="luisa.perez@correo.co",
            ),
            None,
        ),
    ]
    for data, contact in customers:
        view = parties.create(ctx, actor, data)
        if contact is not None:
            contact.party_id = view.party.id
            contacts.create(ctx, actor, contact)


def _products(ctx: ServiceContext, actor: Actor) -> None:
    with ctx.unit_of_work(read_only=True) as uow:
        taxes = {t.name: t for t in uow.taxes.all(actor.company_id)}
        groups = {g.code: g for g in uow.account_groups.all(actor.company_id)}
    iva19 = next(t.id for t in taxes.values() if t.tax_type == TaxType.IVA and t.percentage == 19)
    catalog = [
        ("TORN-001", "Tornillo drywall 6x1 (caja x100)", "1", "12500", "20", True),
        ("TAL-550", "Taladro percutor 550 W", "1", "189900", "5", True),
        ("PINT-GAL", "Pintura vinilo blanco galón", "1", "64900", "12", True),
        ("SERV-INST", "Servicio de instalación (hora)", "3", "45000", None, False),
    ]
    for code, name, group, price, quantity, stocked in catalog:
        products.create(
            ctx,
            actor,
            ProductData(
                code=code,
                name=name,
                product_type=ProductType.PRODUCT if stocked else ProductType.SERVICE,
                account_group_id=groups[group].id,
                tax_add_id=iva19,
                stock_control=stocked,
                unit_code="94" if stocked else "HUR",
                prices=[
                    Price(1, Decimal(price)),
                    Price(2, (Decimal(price) * Decimal("0.9")).quantize(Decimal(1))),
                ],
            ),
        )
        if quantity is not None:
            stock.adjust(
                ctx,
                actor,
                product_code=code,
                warehouse_code="1",
                quantity=Decimal(quantity),
                note="Inventario inicial de la empresa demo",
            )
