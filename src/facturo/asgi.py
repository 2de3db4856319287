"""The application for ``uvicorn facturo.asgi:app`` (several workers, PostgreSQL)."""

from facturo.api.app import create_app
from facturo.config import Settings
from facturo.services.context import ServiceContext

app = create_app(ServiceContext.from_settings(Settings()))
