"""Redis for the integration tests: ``BEHEST_TEST_REDIS_URL`` (default
``redis://127.0.0.1:6379/0``), a unique key prefix per test, its keys dropped after it.
The tests fail when Redis is unreachable (CI must run them) and skip only when the
variable is set to the empty string."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    if not REDIS_URL:
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        pytest.fail(f"Redis unreachable at {REDIS_URL} ({exc!r}); CI must run this test")
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*", count=500):
        client.delete(key)
    client.close()
