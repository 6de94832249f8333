"""The limiter fixture: every test here runs against both backends.

Redis tests use ``BEHEST_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) with a
unique key prefix per test; they fail when Redis is unreachable (CI must run them)
and skip only when the variable is set to the empty string.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisError

from behest.gateway.limits import Limiter, MemoryLimiter, RedisLimiter
from behest.gateway.limits.redis_backend import connect

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_limiter() -> RedisLimiter:
    if not REDIS_URL:
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    client = connect(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        pytest.fail(
            f"Redis unreachable at {REDIS_URL} ({exc!r}); start it or set "
            "BEHEST_TEST_REDIS_URL='' to skip the Redis tests"
        )
    return RedisLimiter(client, key_prefix=f"test:{uuid.uuid4().hex}:")


async def drop_keys(limiter: RedisLimiter) -> None:
    async for key in limiter.client.scan_iter(match=f"{limiter.keys.prefix}*", count=500):
        await limiter.client.delete(key)
    await limiter.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[Limiter]:
    if request.param == "memory":
        yield MemoryLimiter()
        return
    backend = await redis_limiter()
    yield backend
    await drop_keys(backend)
