"""The Redis store (scale-out): GET, and SET with EX for the time to live.

Redis down is a miss (and a skipped write), logged; the request is served upstream.
"""

from __future__ import annotations

import logging

from redis.asyncio import BlockingConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from behest.gateway.cache.store import CacheStore

log = logging.getLogger("behest.cache")


def connect(url: str, *, timeout: float = 1.0, max_connections: int = 64) -> Redis:
    """A client that fails fast (no retries; commands time out after ``timeout``) and
    queues for one of ``max_connections`` connections rather than opening more.

    A refused connection fails at once; connecting may take ``2 * timeout`` because a
    burst of new connections on a busy event loop is slow, not down.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=2 * timeout,
        socket_timeout=timeout,
        socket_connect_timeout=2 * timeout,
        retry=Retry(NoBackoff(), 0),
    )
    return Redis.from_pool(pool)


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
