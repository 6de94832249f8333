"""A new database built from the table definitions equals one built by every migration."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import inspect, text

from behest.gateway.store import Database
from behest.gateway.store.db import HEAD_REVISION


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_empty_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}", f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    server = str(request.getfixturevalue("postgres_server_url"))
    names = ["behest_test_" + secrets.token_hex(6) for _ in range(2)]
    with psycopg.connect(server, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_every_migration(url: str) -> Database:
    from alembic import command
    from alembic.config import Config

    from behest.gateway.store.db import MIGRATIONS

    database = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return database


def _schema(database: Database) -> dict[str, Any]:
    with database.engine.connect() as connection:
        inspector = inspect(connection)
        described: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            described[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], _default(c["default"]))
                    for c in inspector.get_columns(table)
                ],
                "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        fk["options"].get("ondelete"),
                    )
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (index["name"], tuple(index["column_names"]), index["unique"])
                    for index in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
            }
        described["triggers"] = _triggers(connection, database.is_sqlite)
        described["rows"] = {
            "config_version": connection.execute(
                text("SELECT id, version FROM config_version")
            ).all(),
            "alembic_version": connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).all(),
        }
    return described


def _default(value: str | None) -> str | None:
    return None if value is None else value.strip("'").split("::")[0].strip("'")


def _triggers(connection: Any, sqlite: bool) -> list[tuple[str, ...]]:
    if sqlite:
        query = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT trigger_name, event_object_table, event_manipulation, action_timing, "
            "action_statement FROM information_schema.triggers"
        )
    rows = connection.execute(text(query)).all()
    return sorted(tuple(" ".join(str(part).split()) for part in row) for row in rows)


def test_a_new_database_matches_every_migration_run_in_turn(
    two_empty_urls: tuple[str, str],
) -> None:
    fresh_url, migrated_url = two_empty_urls
    fresh = Database(fresh_url)
    fresh.migrate()
    migrated = _run_every_migration(migrated_url)
    try:
        assert fresh.current_revision() == migrated.current_revision() == HEAD_REVISION
        fresh_schema, migrated_schema = _schema(fresh), _schema(migrated)
        assert fresh_schema["triggers"], "the audit log's append-only triggers are missing"
        assert fresh_schema == migrated_schema
    finally:
        fresh.close()
        migrated.close()


def test_the_audit_log_of_a_new_database_is_append_only(database_url: str) -> None:
    database = Database(database_url)
    database.migrate()
    try:
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, target, status, request_id, ip) "
                    "VALUES (CURRENT_TIMESTAMP, 'admin', 'create', 'proj_a', 200, 'r1', '::1')"
                )
            )
        with pytest.raises(Exception, match="append-only"), database.engine.begin() as c:
            c.execute(text("DELETE FROM audit_log"))
    finally:
        database.close()


def test_a_database_with_our_tables_but_no_revision_goes_through_the_migrations(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'partial.db'}"
    database = Database(url)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE projects (id VARCHAR(40) PRIMARY KEY)")
    try:
        with pytest.raises(Exception, match="projects"):  # Alembic meets the table: no overwrite
            database.migrate()
    finally:
        database.close()


@pytest.mark.postgres
def test_replicas_starting_together_on_an_empty_database_all_start(postgres_url: str) -> None:
    databases = [Database(postgres_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(databases)) as pool:
            list(pool.map(Database.migrate, databases))  # raises if any start failed
        assert {database.current_revision() for database in databases} == {HEAD_REVISION}
        assert databases[0].config_version() == 1
    finally:
        for database in databases:
            database.close()
