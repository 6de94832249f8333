from __future__ import annotations

from collections.abc import Iterator

import pytest

from behest.gateway.store import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()
