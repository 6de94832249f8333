"""Fixtures every test layer shares: the ``../shared`` folder and the real services."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from behest.gateway.store import Database

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BEHEST_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (specs, evaldata); tests that need it skip, with the reason, without it."""
    if not (SHARED / "specs").is_dir():
        pytest.skip(f"needs the project's shared folder at {SHARED} (set BEHEST_SHARED_DIR)")
    return SHARED


def _admin_postgres_url() -> str:
    return os.environ.get(
        "BEHEST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """A reachable PostgreSQL server; a missing server fails the run (CI must exercise it)."""
    url = _admin_postgres_url()
    if not url:
        pytest.skip("BEHEST_TEST_POSTGRES_URL is set empty: PostgreSQL tests disabled")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    name = "behest_test_" + secrets.token_hex(6)
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_server_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'behest.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated store on each backend, closed afterwards."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()
