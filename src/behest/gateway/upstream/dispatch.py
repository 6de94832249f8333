"""The call stage: one adapter, the upstream client, fallbacks across targets.

Fallback moves to the next target only on a retryable upstream error and only before
any byte of the answer has reached the client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

from behest.gateway.errors import UpstreamError
from behest.gateway.providers import adapter_for
from behest.gateway.providers.base import JSON, Adapter, StreamState, Target
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call
from behest.gateway.upstream.client import Upstream, UpstreamStream

log = logging.getLogger("behest.upstream")


@dataclass(slots=True)
class Completed:
    target: Target
    body: JSON


@dataclass(slots=True)
class OpenStream:
    target: Target
    adapter: Adapter
    state: StreamState
    response: UpstreamStream
    exits: AsyncExitStack

    async def batches(self) -> AsyncIterator[list[JSON]]:
        """OpenAI-shaped chunks, grouped by the upstream read that carried them (so the
        edge writes once per read, not once per event); the final usage stays in state."""
        decoder = SSEDecoder()
        adapter, state = self.adapter, self.state
        async for data in self.response.chunks():
            batch = [c for event in decoder.feed(data) for c in adapter.parse_event(event, state)]
            if batch:
                yield batch
        tail = [c for event in decoder.close() for c in adapter.parse_event(event, state)]
        tail += adapter.finish_stream(state)
        if tail:
            yield tail

    async def close(self) -> None:
        await self.exits.aclose()


async def complete(upstream: Upstream, call: Call, targets: list[Target]) -> Completed:
    last: UpstreamError | None = None
    for target in targets:
        adapter = adapter_for(target.api_format)
        request = adapter.build_request(call, target)
        try:
            reply = await upstream.send(request)
            if reply.status >= 400:
                raise adapter.parse_error(reply.status, reply.headers, reply.body)
            return Completed(target, adapter.parse_response(call, reply.status, reply.body))
        except UpstreamError as error:
            last = error
            if not error.retryable:
                raise
            log.warning(
                "upstream %s failed with %s; trying the next target", target.provider, error.status
            )
    assert last is not None
    raise last


async def open_stream(upstream: Upstream, call: Call, targets: list[Target]) -> OpenStream:
    last: UpstreamError | None = None
    for target in targets:
        adapter = adapter_for(target.api_format)
        request = adapter.build_request(call, target)
        exits = AsyncExitStack()
        try:
            response = await exits.enter_async_context(upstream.stream(request))
            if response.status >= 400:
                raise adapter.parse_error(response.status, response.headers, await response.read())
            return OpenStream(target, adapter, adapter.new_stream(call, target), response, exits)
        except UpstreamError as error:
            await exits.aclose()
            last = error
            if not error.retryable:
                raise
            log.warning(
                "upstream %s failed with %s; trying the next target", target.provider, error.status
            )
        except BaseException:
            await exits.aclose()
            raise
    assert last is not None
    raise last
