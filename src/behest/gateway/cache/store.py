"""The one store interface: bytes under a key for a time. A failing store is a miss."""

from __future__ import annotations

from abc import ABC, abstractmethod


class CacheStore(ABC):
    @abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    async def put(self, key: str, value: bytes, ttl_s: int) -> None: ...
