"""Fault injection shared by every mock upstream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Fault:
    """One fault. ``remaining`` counts the requests it still applies to (-1: forever)."""

    status: int | None = None  # answer with this HTTP status and the provider's error body
    latency_ms: float = 0.0  # wait before answering (and before the first chunk)
    chunk_delay_ms: float = 0.0  # wait between streamed chunks
    break_after_chunks: int | None = None  # streams: drop the connection after N chunks
    error_event_after_chunks: int | None = None  # streams: send an in-stream error after N
    retry_after: str | None = None  # Retry-After header on an error status
    drop_connection: bool = False  # close the connection without answering (a reset)
    remaining: int = -1
    match_model: str | None = None  # only requests for this model

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(slots=True)
class Faults:
    """The faults a mock applies, first match wins; consumed as their count runs out."""

    active: list[Fault] = field(default_factory=list)
    requests_seen: int = 0
    last_request: dict[str, Any] | None = None
    last_headers: dict[str, str] | None = None

    def add(self, fault: Fault) -> None:
        self.active.append(fault)

    def clear(self) -> None:
        self.active.clear()

    def take(self, model: str | None) -> Fault | None:
        for fault in self.active:
            if fault.match_model is not None and fault.match_model != model:
                continue
            if fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.active.remove(fault)
            return fault
        return None
