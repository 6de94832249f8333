"""The contract every provider adapter keeps: plain data in, plain data out, no I/O.

    build_request(call, target)        -> UpstreamRequest
    parse_response(call, status, body) -> OpenAI-shaped response dict
    new_stream(call, target)           -> StreamState (one per stream)
    parse_event(event, state)          -> list of OpenAI-shaped chunk dicts
    finish_stream(state)               -> chunks still owed when the upstream ends
    parse_error(status, headers, body) -> UpstreamError

Chunks leave the adapter complete and spec-shaped (``usage: null`` and all); the
pipeline alone decides whether the client sees the final usage chunk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Target:
    """Where one call goes: a provider endpoint, the model name it knows, a credential."""

    provider: str
    api_format: str
    model: str
    base_url: str
    api_key: str
    credential_id: str = ""
    auth_style: str = "bearer"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    quirks: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    stream: bool = False


@dataclass(slots=True)
class StreamState:
    """What an adapter keeps between events of one stream; subclasses add their own."""

    id: str
    model: str
    created: int
    usage: JSON | None = None
    finish_reasons: dict[int, str] = field(default_factory=dict)
    done: bool = False


class Adapter(Protocol):
    def build_request(self, call: Call, target: Target) -> UpstreamRequest: ...

    def parse_response(self, call: Call, status: int, body: bytes) -> JSON: ...

    def new_stream(self, call: Call, target: Target) -> StreamState: ...

    def parse_event(self, event: SSEEvent, state: StreamState) -> list[JSON]: ...

    def finish_stream(self, state: StreamState) -> list[JSON]: ...

    def parse_error(
        self, status: int, headers: Mapping[str, str], body: bytes
    ) -> UpstreamError: ...


def auth_headers(target: Target) -> dict[str, str]:
    """The credential header in the style the provider expects."""
    style = target.auth_style
    if style == "bearer":
        return {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
    if style == "none":
        return {}
    return {style: target.api_key}
