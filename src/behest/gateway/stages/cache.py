"""The cache stage: a hit served after admission, a complete answer kept after the call.

A hit counts as a request against the rate limits but uses no tokens and costs nothing
(its reservation is released); its usage record has ``route="cache"``, no upstream
attempt. The rules, with the setting and the ``X-Behest-Cache`` header, are in
docs/routing.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson

from behest.gateway.cache import CachePolicy, CacheStore, cache_key
from behest.gateway.providers.sse import DONE_FRAME
from behest.gateway.request.reply import JsonReply, StreamReply
from behest.gateway.stages.flight import Flight
from behest.gateway.upstream.dispatch import ROUTE_HEADER, Route

CACHE_HEADER = "x-behest-cache"
ASKED = "cache"  # the call's metadata key for the X-Behest-Cache header: on, off, refresh
FINISHED = frozenset({"stop", "tool_calls", "function_call"})  # not length, content_filter

Settle = Callable[[Flight, BaseException | None], Awaitable[None]]


class ResponseCache:
    def __init__(self, store: CacheStore, settle: Settle) -> None:
        self.store = store
        self.settle = settle

    async def lookup(self, flight: Flight) -> JsonReply | StreamReply | None:
        """The stored answer for this request (the flight settled), else None; a miss
        leaves ``flight.cache_key`` set for :meth:`keep` or :meth:`record`."""
        key = self._key(flight)
        if key is None:
            return None
        stored = None if flight.call.metadata.get(ASKED) == "refresh" else await self.store.get(key)
        if stored is None:
            flight.cache_key, flight.headers[CACHE_HEADER] = key, "miss"
            return None
        flight.headers[CACHE_HEADER] = "hit"
        flight.route = Route(attempts=0, reason="cache")
        flight.headers[ROUTE_HEADER] = flight.route.header()
        await self.settle(flight, None)
        if flight.call.stream:
            return StreamReply(_replay(stored), flight.headers)
        return JsonReply(orjson.loads(stored), flight.headers)

    async def keep(self, flight: Flight, body: dict[str, Any]) -> None:
        if flight.cache_key is None or not _finished(body.get("choices")):
            return
        value = orjson.dumps(body)
        policy = flight.project.cache
        if len(value) <= policy.max_entry_bytes:
            await self.store.put(flight.cache_key, value, policy.ttl_s)

    def record(self, flight: Flight, frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The frames relayed as they come, kept once the stream ended complete."""
        if flight.cache_key is None:
            return frames
        return self._recording(flight, flight.cache_key, frames)

    async def _recording(
        self, flight: Flight, key: str, frames: AsyncIterator[bytes]
    ) -> AsyncIterator[bytes]:
        """Kept before ``[DONE]`` goes out, so the client's next request finds it."""
        kept: list[bytes] | None = []
        size, policy = 0, flight.project.cache
        try:
            async for frame in frames:
                size += len(frame)
                if kept is not None and size <= policy.max_entry_bytes:
                    kept.append(frame)
                else:
                    kept = None  # too large to keep: relayed, not stored
                if kept is not None and frame.endswith(DONE_FRAME):
                    stream = b"".join(kept)
                    if _complete_stream(stream):
                        await self.store.put(key, stream, policy.ttl_s)
                yield frame
        finally:
            close = getattr(frames, "aclose", None)
            if close is not None:
                await close()

    @staticmethod
    def _key(flight: Flight) -> str | None:
        policy = flight.project.cache
        if not policy.enabled:
            return None
        if not _cacheable(flight, policy):
            flight.headers[CACHE_HEADER] = "bypass"
            return None
        call, principal = flight.call, flight.principal
        user = None if policy.shared_across_users else principal.user_id
        return cache_key(principal.project_id, user, call.model, call.body)


def _cacheable(flight: Flight, policy: CachePolicy) -> bool:
    """Chat only; not when asked off, in a thread (history moves), or after redaction
    (placeholders would let different secrets share an answer); not when sampling
    (temperature above 0, and absent means OpenAI's 1) unless the project or request says so."""
    call, asked = flight.call, flight.call.metadata.get(ASKED)
    if asked == "off" or call.operation != "chat" or flight.turn is not None:
        return False
    if flight.guard is not None and flight.guard.restorer is not None:
        return False
    temperature = call.body.get("temperature", 1)
    sampled = not isinstance(temperature, int | float) or temperature > 0
    return not sampled or policy.allow_temperature or asked in ("on", "refresh")


def _finished(choices: Any) -> bool:
    if not isinstance(choices, list) or not choices:
        return False
    return all(isinstance(c, dict) and c.get("finish_reason") in FINISHED for c in choices)


def _complete_stream(stream: bytes) -> bool:
    """Ended with ``[DONE]``, no error frame, every choice finished (not cut short)."""
    if not stream.endswith(DONE_FRAME):
        return False
    reasons: dict[int, Any] = {}
    for frame in stream[: -len(DONE_FRAME)].split(b"\n\n"):
        if not frame.startswith(b"data: "):
            continue
        chunk = orjson.loads(frame[6:])
        if "error" in chunk:
            return False
        for choice in chunk.get("choices") or ():
            if choice.get("finish_reason") is not None:
                reasons[choice.get("index", 0)] = choice["finish_reason"]
    return bool(reasons) and all(reason in FINISHED for reason in reasons.values())


async def _replay(stream: bytes) -> AsyncIterator[bytes]:
    for frame in stream.split(b"\n\n")[:-1]:
        yield frame + b"\n\n"
