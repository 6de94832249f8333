"""``Memo``: a bounded least-recently-used map from a text to what the guard found in it.

System prompts and thread history come back on every request; their verdicts need not be
computed again. Bounded by entries and by the total length of the texts kept, so one
stream of huge prompts cannot hold much memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(self, max_entries: int = 4096, max_chars: int = 8_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[str, Hashable], V] = OrderedDict()
        self._chars = 0
        self.owner: object = None  # what computed the values, for callers that may swap it

    def get(self, text: str, key: Hashable, compute: Callable[[str], V]) -> V:
        """``compute(text)``, remembered under ``(text, key)``."""
        slot = (text, key)
        try:
            value = self._items[slot]
        except KeyError:
            value = compute(text)
            self._put(slot, value)
            return value
        self._items.move_to_end(slot)
        return value

    def clear(self) -> None:
        self._items.clear()
        self._chars = 0

    def __len__(self) -> int:
        return len(self._items)

    def _put(self, slot: tuple[str, Hashable], value: V) -> None:
        size = len(slot[0])
        if size > self.max_chars:
            return
        self._items[slot] = value
        self._chars += size
        while len(self._items) > self.max_entries or self._chars > self.max_chars:
            (old, _), _ = self._items.popitem(last=False)
            self._chars -= len(old)
