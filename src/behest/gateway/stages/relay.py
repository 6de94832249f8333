"""The stream relay: upstream chunks out as SSE frames, counted, kept for the thread, restored.

One read of the upstream becomes one write to the client. A stream that fails after its
first byte ends with one error frame (the client may retry at once: it is settled first).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import orjson

from behest.gateway.errors import ClientDisconnected, UpstreamError
from behest.gateway.guard import StreamRestorer
from behest.gateway.providers.base import JSON
from behest.gateway.providers.sse import DONE_FRAME, encode_data
from behest.gateway.request.call import Call
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.thread import commit_turn
from behest.gateway.threads import StreamedReply
from behest.gateway.upstream.dispatch import OpenStream

Settle = Callable[[Flight, BaseException | None], Awaitable[None]]


async def relay(flight: Flight, opened: OpenStream, settle: Settle) -> AsyncIterator[bytes]:
    call, reply = flight.call, StreamedReply()
    guard = flight.guard
    restorer = guard.restorer.stream() if guard and guard.restorer else None
    error: BaseException | None = None
    try:
        async for batch in opened.batches():
            flight.mark_first_token()
            frames = _frames(flight, batch, reply, restorer)
            if frames:
                yield frames
        flight.usage = opened.state.usage
        if reply.finished:
            await commit_turn(flight, reply.message())
        tail = _frames_of(restorer.flush()) if restorer else b""
        if call.include_usage and opened.state.usage is not None:
            tail += encode_data(orjson.dumps(usage_chunk(opened, call)))
        yield tail + DONE_FRAME
    except UpstreamError as failure:
        error = failure
        await opened.close()
        await settle(flight, failure)  # before the frame: the client may retry at once
        yield encode_data(orjson.dumps(failure.body()))
    except BaseException as failure:  # the client left: still settle what was used
        error = failure
        raise
    finally:
        await opened.close()
        await settle(flight, error)


async def abandon(flight: Flight, opened: OpenStream, settle: Settle) -> None:
    """The edge is done; settles a stream it never finished relaying."""
    if not flight.settled:
        await opened.close()
        await settle(flight, ClientDisconnected("The client left mid-stream."))


def _frames(
    flight: Flight, batch: list[JSON], reply: StreamedReply, restorer: StreamRestorer | None
) -> bytes:
    chars = 0
    for chunk in batch:
        chars += _delta_chars(chunk)
    flight.relayed_chars += chars
    if flight.turn is not None:  # the reply is kept only for a thread
        for chunk in batch:
            reply.feed(chunk)
    if restorer is None:
        return _frames_of(batch)
    return _frames_of([out for chunk in batch for out in restorer.feed(chunk)])


def _frames_of(chunks: list[JSON]) -> bytes:
    return b"".join(encode_data(orjson.dumps(chunk)) for chunk in chunks)


def _delta_chars(chunk: JSON) -> int:
    count = 0
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if isinstance(content, str):
            count += len(content)
        for call in delta.get("tool_calls") or ():
            count += len((call.get("function") or {}).get("arguments") or "")
    return count


def usage_chunk(opened: OpenStream, call: Call) -> JSON:
    state = opened.state
    return {
        "id": state.id or f"chatcmpl-{call.request_id}",
        "object": "chat.completion.chunk",
        "created": state.created,
        "model": state.model,
        "choices": [],
        "usage": state.usage,
    }
