from __future__ import annotations

from collections.abc import Iterator

import pytest

from behest.gateway.store import Database
from behest.gateway.threads import ThreadService


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def service(db: Database) -> ThreadService:
    return ThreadService(db, lease_s=60)
