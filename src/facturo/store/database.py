"""Engines and sessions for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from facturo.store.mapping import start_mappers


class Database:
    """The engines of one database.

    SQLite allows one writer at a time. A transaction that reads and later writes would
    fail when another writer committed in between, so write transactions take the write
    lock up front (``BEGIN IMMEDIATE``) and wait their turn, while reads use a second engine
    with ordinary transactions that never block. PostgreSQL uses a single engine.
    """

    def __init__(self, url: URL, *, echo: bool = False, pool_size: int = 10) -> None:
        start_mappers()
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.writer = _sqlite_engine(url, echo=echo, begin="BEGIN IMMEDIATE")
            self.reader = _sqlite_engine(url, echo=echo, begin="BEGIN")
        else:
            self.writer = sa.create_engine(
                url,
                echo=echo,
                pool_pre_ping=True,
                pool_size=pool_size,
                # Headroom for bursts; beyond it a request waits for a free connection.
                max_overflow=pool_size * 2,
            )
            self.reader = self.writer
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False, autoflush=True)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False, autoflush=True)

    def session(self, *, read_only: bool = False) -> Session:
        return (self._read_sessions if read_only else self._write_sessions)()

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def _sqlite_engine(url: URL, *, echo: bool, begin: str) -> sa.Engine:
    engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches by name ("CAFÉ" finds "Café") need
        # Unicode case folding, as PostgreSQL's ILIKE does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
