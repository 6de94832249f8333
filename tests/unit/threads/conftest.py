from __future__ import annotations

import pytest

from behest.gateway.store import Database
from behest.gateway.threads import ThreadService


@pytest.fixture
def service(db: Database) -> ThreadService:
    return ThreadService(db, lease_s=60)
