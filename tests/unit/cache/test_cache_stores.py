"""Both stores alike (in-process and real Redis), then the LRU's byte bound.

Redis tests use ``BEHEST_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); they fail
when Redis is unreachable and skip only when the variable is set to the empty string.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import RedisError

from behest.gateway.cache import CacheStore, MemoryCache
from behest.gateway.cache.redis_store import RedisCache, connect

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _redis() -> RedisCache:
    if not REDIS_URL:
        pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
    client = connect(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        pytest.fail(f"Redis unreachable at {REDIS_URL} ({exc!r})")
    return RedisCache(client)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[CacheStore]:
    if request.param == "memory":
        yield MemoryCache()
        return
    redis = await _redis()
    yield redis
    async for key in redis.client.scan_iter(match="test:cache:*", count=500):
        await redis.client.delete(key)
    await redis.client.aclose()


def _key() -> str:
    return f"test:cache:{uuid.uuid4().hex}"


async def test_a_miss_then_the_stored_bytes(store: CacheStore) -> None:
    key = _key()
    assert await store.get(key) is None
    await store.put(key, b'{"id":"x"}', 60)
    assert await store.get(key) == b'{"id":"x"}'


async def test_a_second_put_replaces_the_first(store: CacheStore) -> None:
    key = _key()
    await store.put(key, b"one", 60)
    await store.put(key, b"two", 60)
    assert await store.get(key) == b"two"


async def test_an_entry_expires_after_its_ttl(store: CacheStore) -> None:
    key = _key()
    await store.put(key, b"soon gone", 1)
    assert await store.get(key) == b"soon gone"
    await asyncio.sleep(1.1)
    assert await store.get(key) is None


async def test_redis_down_is_a_miss_and_a_skipped_write() -> None:
    store = RedisCache(connect("redis://127.0.0.1:1/0", timeout=0.2))
    await store.put("k", b"v", 60)
    assert await store.get("k") is None
    await store.client.aclose()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_memory_ttl_by_the_clock() -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    await cache.put("k", b"v", 10)
    clock.now = 9.9
    assert await cache.get("k") == b"v"
    clock.now = 10.0
    assert await cache.get("k") is None
    assert (len(cache), cache.size) == (0, 0)


async def test_the_lru_stays_within_its_bytes_dropping_the_least_recently_used() -> None:
    cache = MemoryCache(max_bytes=30)
    for name in "abc":
        await cache.put(name, name.encode() * 10, 60)
    assert await cache.get("a") == b"a" * 10  # a is now the most recently used
    await cache.put("d", b"d" * 10, 60)
    assert await cache.get("b") is None
    assert [await cache.get(n) for n in "acd"] == [b"a" * 10, b"c" * 10, b"d" * 10]
    assert cache.size == 30


async def test_an_entry_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = MemoryCache(max_bytes=8)
    await cache.put("small", b"1234", 60)
    await cache.put("big", b"123456789", 60)
    assert await cache.get("big") is None
    assert await cache.get("small") == b"1234"


async def test_replacing_an_entry_counts_its_bytes_once() -> None:
    cache = MemoryCache(max_bytes=100)
    await cache.put("k", b"x" * 60, 60)
    await cache.put("k", b"y" * 60, 60)
    assert (len(cache), cache.size) == (1, 60)
