"""The Redis limiter the backend tests share: a unique key prefix per test, dropped after."""

from __future__ import annotations

import os
import uuid

import pytest

from behest.gateway.limits import RedisLimiter
from behest.gateway.limits.resp import RespClient, RespError
from redis_keys import drop_keys

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_limiter() -> RedisLimiter:
    if not REDIS_URL:
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    client = RespClient.from_url(REDIS_URL)
    try:
        await client.execute("PING")
    except (RespError, OSError) as exc:
        await client.aclose()
        pytest.fail(
            f"Redis unreachable at {REDIS_URL} ({exc!r}); start it or set "
            "BEHEST_TEST_REDIS_URL='' to skip the Redis tests"
        )
    return RedisLimiter(client, key_prefix=f"test:{uuid.uuid4().hex}:")


__all__ = ["REDIS_URL", "drop_keys", "redis_limiter"]
