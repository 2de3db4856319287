"""The catalogs a new Colombian company starts with: realistic, and all editable later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from facturo.domain.catalogs import (
    AccountGroup,
    CatalogSet,
    Charge,
    CostCenter,
    DocumentClass,
    DocumentType,
    NumberingRange,
    PaymentMeans,
    PaymentMeansType,
    PriceList,
    Tax,
    TaxType,
    Warehouse,
)
from facturo.domain.ledger import DEFAULT_CHART, LedgerAccount

# DIAN's habilitación numbering: the range every company uses for its test set until its
# production resolution arrives (then replaced through the DIAN setup).
HABILITACION_PREFIX = "SETP"
HABILITACION_FIRST = 990000000
HABILITACION_LAST = 995000000
HABILITACION_RESOLUTION = "18760000001"
HABILITACION_TECHNICAL_KEY = "fc8eac422eba16e22ffd8c6f94b3f40a6e38162c"
HABILITACION_VALID_FROM = date(2019, 1, 19)
HABILITACION_VALID_TO = date(2030, 1, 19)

_TAXES: tuple[tuple[str, TaxType, str, str | None], ...] = (
    ("IVA 19%", TaxType.IVA, "19", "Tarifa general"),
    ("IVA 5%", TaxType.IVA, "5", "Bienes y servicios al 5 %"),
    ("IVA 0% exento", TaxType.IVA, "0", "Bienes y servicios exentos"),
    ("IVA excluido", TaxType.IVA, "0", "Bienes y servicios excluidos"),
    ("Impuesto al consumo 8%", TaxType.CONSUMPTION, "8", "Tarifa general INC"),
    ("Retefuente compras 2,5%", TaxType.RETEFUENTE, "2.5", "Compras generales (declarantes)"),
    ("Retefuente compras 3,5%", TaxType.RETEFUENTE, "3.5", "Compras generales (no declarantes)"),
    ("Retefuente servicios 4%", TaxType.RETEFUENTE, "4", "Servicios generales (declarantes)"),
    ("Retefuente servicios 6%", TaxType.RETEFUENTE, "6", "Servicios generales (no declarantes)"),
    (
        "Retefuente honorarios 11%",
        TaxType.RETEFUENTE,
        "11",
        "Honorarios y comisiones (personas jurídicas)",
    ),
    ("ReteIVA 15%", TaxType.RETEIVA, "15", "Retención de IVA"),
    ("ReteICA 9,66 x mil", TaxType.RETEICA, "0.966", "Actividades comerciales (Bogotá)"),
    ("ReteICA 4,14 x mil", TaxType.RETEICA, "0.414", "Actividades industriales (Bogotá)"),
)

# (name, Type, system, credit, DIAN MediosPago code, PUC account)
_PAYMENT_MEANS: tuple[tuple[str, PaymentMeansType, bool, bool, str, str], ...] = (
    ("Efectivo", PaymentMeansType.RECEIVABLE, False, False, "10", "110505"),
    ("Crédito", PaymentMeansType.RECEIVABLE, False, True, "1", "130505"),
    ("Tarjeta débito", PaymentMeansType.RECEIVABLE, False, False, "49", "111005"),
    ("Tarjeta crédito", PaymentMeansType.RECEIVABLE, False, False, "48", "111005"),
    ("Transferencia bancaria", PaymentMeansType.BOTH, False, False, "47", "111005"),
    ("Consignación bancaria", PaymentMeansType.BOTH, False, False, "42", "111005"),
    ("Cheque", PaymentMeansType.BOTH, False, False, "20", "110510"),
    ("Cuentas por pagar a proveedores", PaymentMeansType.PAYABLE, False, True, "1", "220505"),
    ("Cruce de anticipos", PaymentMeansType.RECEIVABLE, True, False, "ZZZ", "280505"),
)

_ACCOUNT_GROUPS: tuple[tuple[str, str, str | None, str, str | None, str], ...] = (
    ("1", "Mercancía no fabricada por la empresa", "143501", "413501", "613501", "417501"),
    ("2", "Productos terminados", "143001", "412001", "612001", "417501"),
    ("3", "Servicios", None, "415501", None, "417501"),
)

_CHARGES = ("Gerente", "Contador", "Compras", "Tesorería", "Vendedor")


def default_catalogs(company_id: int) -> CatalogSet:
    """Fresh catalog records for ``company_id`` (not yet stored)."""
    catalogs = CatalogSet()
    catalogs.taxes = [
        Tax(
            company_id=company_id,
            name=name,
            tax_type=kind,
            percentage=Decimal(rate),
            description=concept,
        )
        for name, kind, rate, concept in _TAXES
    ]
    catalogs.payment_means = [
        PaymentMeans(
            company_id=company_id,
            name=name,
            means_type=means_type,
            is_system=system,
            is_credit=credit,
            dian_code=dian_code,
            account_code=account,
        )
        for name, means_type, system, credit, dian_code, account in _PAYMENT_MEANS
    ]
    fv = DocumentClass.SALES_INVOICE
    catalogs.document_types = [
        (
            _type(company_id, fv, 1, "Factura electrónica de venta", electronic=True),
            NumberingRange(
                company_id=company_id,
                document_type_id=0,
                prefix=HABILITACION_PREFIX,
                first_number=HABILITACION_FIRST,
                last_number=HABILITACION_LAST,
                next_number=HABILITACION_FIRST,
                valid_from=HABILITACION_VALID_FROM,
                valid_to=HABILITACION_VALID_TO,
                resolution_number=HABILITACION_RESOLUTION,
                resolution_date=HABILITACION_VALID_FROM,
                technical_key=HABILITACION_TECHNICAL_KEY,
            ),
        ),
        (
            _type(company_id, fv, 2, "Factura de talonario (contingencia)", automatic_number=False),
            _internal_numbering(company_id, "TAL", last_number=99999),
        ),
        (
            _type(company_id, DocumentClass.CASH_RECEIPT, 1, "Recibo de caja"),
            _internal_numbering(company_id, "RC"),
        ),
        (
            _type(
                company_id,
                DocumentClass.CREDIT_NOTE,
                1,
                "Nota crédito electrónica",
                electronic=True,
            ),
            _internal_numbering(company_id, "NC"),
        ),
        (
            _type(
                company_id, DocumentClass.DEBIT_NOTE, 1, "Nota débito electrónica", electronic=True
            ),
            _internal_numbering(company_id, "ND"),
        ),
    ]
    catalogs.account_groups = [
        AccountGroup(
            company_id=company_id,
            code=code,
            name=name,
            inventory_account=inventory,
            income_account=income,
            cost_account=cost,
            returns_account=returns,
        )
        for code, name, inventory, income, cost, returns in _ACCOUNT_GROUPS
    ]
    catalogs.price_lists = [
        PriceList(company_id=company_id, position=position, name=f"Precio de venta {position}")
        for position in range(1, 13)
    ]
    catalogs.warehouses = [Warehouse(company_id=company_id, code="1", name="Bodega principal")]
    catalogs.cost_centers = [
        CostCenter(company_id=company_id, code="1", name="Administración"),
        CostCenter(company_id=company_id, code="2", name="Ventas"),
    ]
    catalogs.charges = [Charge(company_id=company_id, name=name) for name in _CHARGES]
    catalogs.ledger_accounts = [
        LedgerAccount(company_id=company_id, code=code, name=name) for code, name in DEFAULT_CHART
    ]
    return catalogs


def _type(
    company_id: int,
    document_class: DocumentClass,
    code: int,
    name: str,
    *,
    electronic: bool = False,
    automatic_number: bool = True,
) -> DocumentType:
    return DocumentType(
        company_id=company_id,
        document_class=document_class,
        code=code,
        name=name,
        electronic=electronic,
        automatic_number=automatic_number,
    )


def _internal_numbering(
    company_id: int, prefix: str, *, last_number: int = 999_999_999
) -> NumberingRange:
    """Numbering that needs no DIAN resolution (receipts, notes, talonario)."""
    return NumberingRange(
        company_id=company_id,
        document_type_id=0,  # set once the document type has its id
        prefix=prefix,
        first_number=1,
        last_number=last_number,
        next_number=1,
    )
