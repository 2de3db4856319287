"""Who may do what: the three Siigo user types and their permissions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facturo.domain.errors import PermissionDenied


class UserType(StrEnum):
    FULL = "full"  # usuario con acceso
    LITE = "lite"  # vendedores y cajeros POS
    PAYROLL = "payroll"  # gestor de nómina

    @property
    def siigo_number(self) -> int:
        """The number the Siigo guide gives each type (1 con acceso, 2 lite, 3 nómina)."""
        return _SIIGO_NUMBERS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_SIIGO_NUMBERS = {UserType.FULL: 1, UserType.LITE: 2, UserType.PAYROLL: 3}
_LABELS = {
    UserType.FULL: "Usuario con acceso",
    UserType.LITE: "Usuario lite",
    UserType.PAYROLL: "Gestor de nómina",
}


class Permission(StrEnum):
    MASTER_DATA_READ = "master_data.read"  # terceros, products, catalogs, users list
    CUSTOMERS_CREATE = "customers.create"
    MASTER_DATA_WRITE = "master_data.write"  # any other create, update or delete
    INVOICES_CREATE = "invoices.create"
    DOCUMENTS_CORRECT = "documents.correct"  # credit and debit notes, annulment
    RECEIPTS_CREATE = "receipts.create"
    STOCK_ADJUST = "stock.adjust"
    REPORTS_READ = "reports.read"
    USERS_MANAGE = "users.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"  # subscriptions and their delivery log


_GRANTS: dict[UserType, frozenset[Permission]] = {
    UserType.FULL: frozenset(Permission),
    # A lite user sells: reads what a sale needs, creates customers and invoices.
    UserType.LITE: frozenset(
        {Permission.MASTER_DATA_READ, Permission.CUSTOMERS_CREATE, Permission.INVOICES_CREATE}
    ),
    # A payroll manager sees master data but neither invoices nor changes it.
    UserType.PAYROLL: frozenset({Permission.MASTER_DATA_READ}),
}

_DENIALS = {
    UserType.LITE: (
        "Tu usuario es lite (vendedores y cajeros POS) y no tiene acceso a esta opción. "
        "Solicita autorización de acceso al administrador de tu empresa."
    ),
    UserType.PAYROLL: (
        "Tu usuario es gestor de nómina y no tiene acceso a esta opción. "
        "Solicita autorización de acceso al administrador de tu empresa."
    ),
    UserType.FULL: "Tu usuario no tiene acceso a esta opción.",
}


def grants(user_type: UserType) -> frozenset[Permission]:
    return _GRANTS[user_type]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: a user of a company, or the operator at the command line."""

    company_id: int
    user_id: int | None
    user_type: UserType | None  # None: the operator, who may do everything

    @classmethod
    def operator(cls, company_id: int) -> Actor:
        return cls(company_id=company_id, user_id=None, user_type=None)

    def can(self, permission: Permission) -> bool:
        return self.user_type is None or permission in _GRANTS[self.user_type]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            assert self.user_type is not None
            raise PermissionDenied(_DENIALS[self.user_type])
