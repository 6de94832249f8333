"""The limiter fixture: every test here runs against both backends.

Redis tests use ``BEHEST_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) with a
unique key prefix per test; they fail when Redis is unreachable (CI must run them)
and skip only when the variable is set to the empty string.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from limiter_backends import drop_keys, redis_limiter

from behest.gateway.limits import Limiter, MemoryLimiter


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Limiter]:
    if request.param == "memory":
        yield MemoryLimiter()
        return
    backend = await redis_limiter()
    yield backend
    await drop_keys(backend)
