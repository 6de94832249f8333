"""The response cache: policy, key and the two stores (in-process LRU, Redis)."""

from __future__ import annotations

from behest.gateway.cache.key import cache_key
from behest.gateway.cache.memory import MemoryCache
from behest.gateway.cache.policy import CachePolicy
from behest.gateway.cache.store import CacheStore


def build_cache(redis_url: str | None) -> CacheStore:
    """Redis when a URL is given (connects lazily), else the in-process LRU."""
    if not redis_url:
        return MemoryCache()
    from behest.gateway.cache.redis_store import RedisCache, connect  # only when used

    return RedisCache(connect(redis_url))


__all__ = ["CachePolicy", "CacheStore", "MemoryCache", "build_cache", "cache_key"]
