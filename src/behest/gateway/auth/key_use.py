"""When each API key was last used: noted in memory on the request path (one dict write),
written to the store in one batch a minute by :func:`flush_forever`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

log = logging.getLogger("behest.auth")
FLUSH_EVERY_S = 60.0


class KeyUseStore(Protocol):
    def touch_api_keys(self, uses: Mapping[str, datetime]) -> None: ...


class KeyUse:
    def __init__(self) -> None:
        self._pending: dict[str, datetime] = {}

    def seen(self, key_id: str) -> None:
        self._pending[key_id] = datetime.now(UTC)

    def drain(self) -> dict[str, datetime]:
        pending, self._pending = self._pending, {}
        return pending

    async def flush(self, store: KeyUseStore) -> int:
        pending = self.drain()
        if pending:
            await asyncio.to_thread(store.touch_api_keys, pending)
        return len(pending)


async def flush_forever(use: KeyUse, store: KeyUseStore, every_s: float = FLUSH_EVERY_S) -> None:
    """Runs until cancelled; a failed write is logged and its uses dropped (they are hints)."""
    try:
        while True:
            await asyncio.sleep(every_s)
            try:
                await use.flush(store)
            except Exception:
                log.exception("writing API key last-used times failed")
    finally:
        await use.flush(store)  # on shutdown
