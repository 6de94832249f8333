"""API key last use: noted in memory, written in one batch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from behest.gateway.auth.key_use import KeyUse


class Store:
    def __init__(self) -> None:
        self.batches: list[dict[str, datetime]] = []

    def touch_api_keys(self, uses: Mapping[str, datetime]) -> None:
        self.batches.append(dict(uses))


async def test_uses_are_written_once_in_a_batch_and_nothing_when_idle() -> None:
    use, store = KeyUse(), Store()
    use.seen("k1")
    use.seen("k2")
    use.seen("k1")
    assert await use.flush(store) == 2
    assert await use.flush(store) == 0
    assert [sorted(batch) for batch in store.batches] == [["k1", "k2"]]
