"""Webhook payloads in the current API's shapes (``services.context.WebhookPayloads``).

Siigo's webhook bodies are the record itself, as ``GET /v1/products/{id}`` shows it, flat,
plus ``company_key``, ``username`` and ``topic`` (services.webhooks adds those). The
composition roots (``api.app.create_app``, the CLI) install this renderer on the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facturo.services.webhooks import MINIMAL_PAYLOADS
from facturo.store.unit_of_work import UnitOfWork


class CurrentPayloads:
    def product(self, uow: UnitOfWork, company_id: int, product_id: int) -> Mapping[str, Any]:
        return MINIMAL_PAYLOADS.product(uow, company_id, product_id)

    def invoice(self, uow: UnitOfWork, company_id: int, document_id: int) -> Mapping[str, Any]:
        return MINIMAL_PAYLOADS.invoice(uow, company_id, document_id)
