"""What the pipeline hands back to the edge: a JSON body or a stream of SSE frames."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class JsonReply:
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


async def _nothing() -> None:
    return None


@dataclass(slots=True)
class StreamReply:
    """SSE frames to relay; ``close`` must be awaited when the edge is done with them,
    also when it never started iterating (the client left before the headers went out)."""

    frames: AsyncIterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    close: Callable[[], Awaitable[None]] = _nothing
