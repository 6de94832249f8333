"""Dropping a Redis limiter's keys after a test: every key under its unique prefix."""

from __future__ import annotations

from behest.gateway.limits import RedisLimiter


async def drop_keys(limiter: RedisLimiter) -> None:
    client, match = limiter.client, f"{limiter.keys.prefix}*"
    cursor = b"0"
    while True:
        cursor, keys = await client.execute("SCAN", cursor, "MATCH", match, "COUNT", 500)
        if keys:
            await client.execute("DEL", *keys)
        if cursor == b"0":
            break
    await limiter.aclose()
