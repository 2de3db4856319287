"""The chart of accounts (Plan Único de Cuentas, PUC) receipts post to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Nature(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


@dataclass(kw_only=True, eq=False)
class LedgerAccount:
    company_id: int
    id: int | None = None
    code: str
    name: str
    active: bool = True

    @property
    def postable(self) -> bool:
        """Movements go to subaccounts (6 digits) and auxiliaries, not to classes or groups."""
        return len(self.code) >= 6

    @property
    def nature(self) -> Nature:
        return Nature.DEBIT if self.code[:1] in ("1", "5", "6", "7") else Nature.CREDIT


# What a small Colombian trading company uses (Decreto 2650 de 1993): classes, groups,
# accounts and the subaccounts documents post to. Companies add their own later.
DEFAULT_CHART: tuple[tuple[str, str], ...] = (
    ("1", "Activo"),
    ("11", "Disponible"),
    ("1105", "Caja"),
    ("110505", "Caja general"),
    ("110510", "Cajas menores"),
    ("1110", "Bancos"),
    ("111005", "Bancos - moneda nacional"),
    ("111010", "Bancos - moneda extranjera"),
    ("1120", "Cuentas de ahorro"),
    ("112005", "Cuentas de ahorro - bancos"),
    ("13", "Deudores"),
    ("1305", "Clientes"),
    ("130505", "Clientes nacionales"),
    ("130510", "Clientes del exterior"),
    ("1330", "Anticipos y avances"),
    ("133005", "Anticipos a proveedores"),
    ("1355", "Anticipo de impuestos y contribuciones o saldos a favor"),
    ("135515", "Retención en la fuente"),
    ("135517", "Impuesto a las ventas retenido"),
    ("135518", "Impuesto de industria y comercio retenido"),
    ("1380", "Deudores varios"),
    ("138095", "Otros deudores"),
    ("14", "Inventarios"),
    ("1430", "Productos terminados"),
    ("143001", "Productos terminados"),
    ("1435", "Mercancías no fabricadas por la empresa"),
    ("143501", "Mercancías no fabricadas por la empresa"),
    ("2", "Pasivo"),
    ("21", "Obligaciones financieras"),
    ("2105", "Bancos nacionales"),
    ("210505", "Sobregiros"),
    ("22", "Proveedores"),
    ("2205", "Proveedores nacionales"),
    ("220505", "Proveedores nacionales"),
    ("23", "Cuentas por pagar"),
    ("2335", "Costos y gastos por pagar"),
    ("233595", "Otros costos y gastos por pagar"),
    ("2365", "Retención en la fuente"),
    ("236525", "Retención en la fuente - servicios"),
    ("236540", "Retención en la fuente - compras"),
    ("2367", "Impuesto a las ventas retenido"),
    ("236701", "IVA retenido"),
    ("2368", "Impuesto de industria y comercio retenido"),
    ("236801", "ICA retenido"),
    ("24", "Impuestos, gravámenes y tasas"),
    ("2408", "Impuesto sobre las ventas por pagar"),
    ("240801", "IVA generado en ventas"),
    ("240802", "IVA descontable en compras"),
    ("2412", "De industria y comercio"),
    ("241201", "Impuesto de industria y comercio por pagar"),
    ("2495", "Otros impuestos"),
    ("249501", "Impuesto nacional al consumo"),
    ("28", "Otros pasivos"),
    ("2805", "Anticipos y avances recibidos"),
    ("280505", "Anticipos de clientes"),
    ("3", "Patrimonio"),
    ("31", "Capital social"),
    ("3105", "Capital suscrito y pagado"),
    ("310505", "Capital autorizado"),
    ("36", "Resultados del ejercicio"),
    ("3605", "Utilidad del ejercicio"),
    ("360505", "Utilidad del ejercicio"),
    ("4", "Ingresos"),
    ("41", "Operacionales"),
    ("4120", "Industrias manufactureras"),
    ("412001", "Venta de productos manufacturados"),
    ("4135", "Comercio al por mayor y al por menor"),
    ("413501", "Venta de mercancías"),
    ("4155", "Actividades inmobiliarias, empresariales y de alquiler"),
    ("415501", "Prestación de servicios"),
    ("4175", "Devoluciones en ventas (DB)"),
    ("417501", "Devoluciones en ventas"),
    ("42", "No operacionales"),
    ("4210", "Financieros"),
    ("421005", "Intereses"),
    ("421040", "Descuentos comerciales condicionados"),
    ("4250", "Recuperaciones"),
    ("425050", "Reintegro de otros costos y gastos"),
    ("4295", "Diversos"),
    ("429581", "Ajuste al peso"),
    ("5", "Gastos"),
    ("51", "Operacionales de administración"),
    ("5195", "Diversos"),
    ("519595", "Otros gastos diversos"),
    ("53", "No operacionales"),
    ("5305", "Financieros"),
    ("530505", "Gastos bancarios"),
    ("530515", "Comisiones"),
    ("530535", "Descuentos comerciales condicionados"),
    ("5395", "Gastos diversos"),
    ("539581", "Ajuste al peso"),
    ("6", "Costos de ventas"),
    ("61", "Costo de ventas y de prestación de servicios"),
    ("6120", "Industrias manufactureras"),
    ("612001", "Costo de productos manufacturados"),
    ("6135", "Comercio al por mayor y al por menor"),
    ("613501", "Costo de mercancías vendidas"),
)
