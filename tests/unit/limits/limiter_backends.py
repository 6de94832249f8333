"""The Redis limiter the backend tests share: a unique key prefix per test, dropped after."""

from __future__ import annotations

import os
import uuid

import pytest
from redis.exceptions import RedisError

from behest.gateway.limits import RedisLimiter
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
