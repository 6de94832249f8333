"""What the pipeline hands back to the edge: a JSON body or a stream of SSE frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class JsonReply:
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(slots=True)
class StreamReply:
    frames: AsyncIterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)
