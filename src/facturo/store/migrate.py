"""Applying the schema migrations (Alembic) to a database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from facturo.store.database import Database


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", "facturo.store:migrations")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(database: Database) -> str | None:
    with database.writer.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(database: Database) -> bool:
    return current_revision(database) == head_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply pending migrations in one transaction per run."""
    if database.is_sqlite and database.url.database not in (None, "", ":memory:"):
        from pathlib import Path

        Path(database.url.database).parent.mkdir(parents=True, exist_ok=True)
    config = _config()
    with database.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
