"""The database handle: engine setup for SQLite or PostgreSQL, and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url

from behest.gateway.store import tables
from behest.gateway.store.admin_queries import AdminQueries
from behest.gateway.store.audit_queries import AuditQueries
from behest.gateway.store.fresh_schema import create_at_head, holds_none_of_our_tables
from behest.gateway.store.threads_queries import ThreadQueries
from behest.gateway.store.usage_queries import UsageQueries

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration; a test keeps it equal to Alembic's head. Starting a gateway on an
# up-to-date database then needs no Alembic import (a large share of start-up time).
HEAD_REVISION = "0006"
_LOCK_KEY = int.from_bytes(b"behest-m", "big") >> 1  # the advisory lock migrations hold


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


class Database(AdminQueries, AuditQueries, ThreadQueries, UsageQueries):
    """One database: migrations plus every query, grouped by concern in mixins."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return _revision(connection)

    def migrate(self) -> None:
        """Brings the schema to head. On PostgreSQL, replicas starting together take turns
        (a transaction-scoped advisory lock), so none sees a half-built schema."""
        with self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            revision = _revision(connection)
            if revision == HEAD_REVISION:
                return
            if revision is None and holds_none_of_our_tables(inspect(connection).get_table_names()):
                create_at_head(connection, HEAD_REVISION)
                return
            _upgrade(connection)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(select(1))

    def config_version(self) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(select(tables.config_version.c.version)).first()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.engine.dispose()
