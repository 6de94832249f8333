"""The Redis store (scale-out): GET, and SET with EX for the time to live.

Redis down is a miss (and a skipped write), logged; the request is served upstream.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from behest.gateway.cache.store import CacheStore

log = logging.getLogger("behest.cache")


class RedisCache(CacheStore):
    def __init__(self, client: Redis) -> None:
        self.client = client

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self.client.get(key)
        except (RedisError, OSError) as exc:
            log.warning("response cache: Redis unreachable, served upstream: %r", exc)
            return None
        return value if isinstance(value, bytes) else None

    async def put(self, key: str, value: bytes, ttl_s: int) -> None:
        try:
            await self.client.set(key, value, ex=ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("response cache: Redis unreachable, answer not kept: %r", exc)
