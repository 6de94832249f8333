"""The request spine: one request, top to bottom.

    authenticate   (edge)  credentials → Principal
    parse          (edge)  body → Call
    thread                 X-Thread-Id → stored history prepended, the thread leased
    guard (in)             PII / injection policy over everything the model will see
    route                  model → ordered targets; history trimmed to the context window
    admit                  every limit layer and the budget, in one step
    call                   adapter + upstream, fallbacks, stream relayed as it arrives
    thread (out)           the new messages and the finished reply appended
    guard (out)            placeholders restored
    settle                 reservation settled to actual usage, the usage record queued

Each stage is a small unit elsewhere; this module only strings them together. Every
request that reaches the pipeline is settled exactly once, whatever way it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import Directory, ProjectView
from behest.gateway.errors import (
    AuthenticationFailed,
    ClientDisconnected,
    GatewayError,
    RateLimited,
    UpstreamError,
)
from behest.gateway.guard import StreamRestorer, inspect_request
from behest.gateway.limits import AdmissionRequest, Limiter
from behest.gateway.providers.base import JSON, Target
from behest.gateway.providers.sse import DONE_FRAME, encode_data
from behest.gateway.request.call import Call
from behest.gateway.request.reply import JsonReply, StreamReply
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.route import models_for, route
from behest.gateway.stages.settle import usage_record
from behest.gateway.threads import (
    StreamedReply,
    ThreadService,
    context_budget,
    reply_message,
    trim_to_budget,
)
from behest.gateway.upstream.client import Upstream
from behest.gateway.upstream.dispatch import OpenStream, complete, open_stream
from behest.gateway.usage.accounting import estimate, partial_usage, total_tokens
from behest.gateway.usage.service import UsageService

GUARD_HEADER = "x-behest-guard"
THREAD_HEADER = "x-thread-id"


class Pipeline:
    def __init__(
        self,
        directory: Directory,
        upstream: Upstream,
        *,
        limiter: Limiter,
        catalog: Catalog,
        threads: ThreadService,
        usage: UsageService,
    ) -> None:
        self.directory = directory
        self.upstream = upstream
        self.limiter = limiter
        self.catalog = catalog
        self.threads = threads
        self.usage = usage
        self._routes: dict[tuple[str, str], list[Target]] = {}
        self._routes_of: object = None

    def project(self, principal: Principal) -> ProjectView:
        project = self.directory.snapshot.projects.get(principal.project_id)
        if project is None:
            raise AuthenticationFailed("The caller's project no longer exists.")
        return project

    async def handle(self, principal: Principal, call: Call) -> JsonReply | StreamReply:
        flight = Flight(principal, self.project(principal), call)
        try:
            return await self._run(flight)
        except BaseException as error:
            await self.settle(flight, error)
            raise

    async def _run(self, flight: Flight) -> JsonReply | StreamReply:
        call = flight.call
        await self.thread_in(flight)
        self.guard_in(flight)
        flight.targets = self.route(flight.project, call.model)
        self.fit_context(flight)
        await self.admit(flight)
        if call.stream:
            opened = await open_stream(self.upstream, call, flight.targets)
            flight.served_by = opened.target
            relay = self._relay(flight, opened)
            return StreamReply(relay, flight.headers, lambda: self._abandon(flight, opened))
        done = await complete(self.upstream, call, flight.targets)
        flight.served_by, flight.usage = done.target, done.body.get("usage")
        await self.thread_out(flight, reply_message(done.body))
        body = self.guard_out(flight, done.body)
        await self.settle(flight)
        return JsonReply(body, flight.headers)

    async def thread_in(self, flight: Flight) -> None:
        thread_id = flight.call.metadata.get("thread_id")
        if not thread_id or flight.call.operation != "chat":
            return
        principal = flight.principal
        turn = await self.threads.begin(
            principal.project_id, principal.user_id, thread_id, flight.call.messages
        )
        flight.turn = turn
        flight.call.body["messages"] = turn.conversation()
        flight.headers[THREAD_HEADER] = turn.thread_id

    def guard_in(self, flight: Flight) -> None:
        if flight.call.operation != "chat":
            return
        result = inspect_request(flight.call.body, flight.project.guard)
        flight.guard = result
        flight.call.body = result.body
        flight.headers[GUARD_HEADER] = result.report.header_value()

    def route(self, project: ProjectView, model: str) -> list[Target]:
        """Targets for a model, remembered until the configuration changes."""
        snapshot = self.directory.snapshot
        if self._routes_of is not snapshot or len(self._routes) > 10_000:
            self._routes, self._routes_of = {}, snapshot
        key = (project.id, model)
        targets = self._routes.get(key)
        if targets is None:
            targets = self._routes[key] = route(project, model, self.catalog)
        return targets

    def fit_context(self, flight: Flight) -> None:
        """Long threads lose their oldest turns (never system or the new messages)."""
        if flight.turn is None:
            return
        target, body = flight.targets[0], flight.call.body
        info = self.catalog.describe(target.provider, target.model)
        budget = context_budget(info.context_window, body, info.max_output_tokens)
        keep = len(flight.turn.incoming)
        body["messages"] = trim_to_budget(flight.call.messages, budget, keep_tail=keep)

    async def admit(self, flight: Flight) -> None:
        principal, call = flight.principal, flight.call
        flight.estimate = estimate(call, flight.targets[0], self.catalog)
        flight.admission = await self.limiter.admit(
            AdmissionRequest(
                principal.project_id,
                principal.user_id,
                principal.ip or None,
                flight.project.limits,
                credential_id=flight.targets[0].credential_id,
                estimated_tokens=flight.estimate.total_tokens,
                estimated_cost_usd=flight.estimate.cost_usd,
                tier=principal.tier or None,
            )
        )
        flight.headers.update(flight.admission.headers)

    async def thread_out(self, flight: Flight, reply: JSON | None) -> None:
        """Stores what was sent (redacted) and the reply as the model wrote it."""
        if flight.turn is not None and reply is not None:
            await flight.turn.commit(flight.call.messages, [reply])

    def guard_out(self, flight: Flight, body: JSON) -> JSON:
        restorer = flight.guard.restorer if flight.guard else None
        return restorer.restore_completion(body) if restorer else body

    async def settle(self, flight: Flight, error: BaseException | None = None) -> None:
        """Books the request once: limits settled or released, thread freed, usage queued.

        Shielded: a client that leaves while this runs (the server then cancels its
        handler) must not leave the reservation, the thread lease or the record behind.
        """
        if flight.settled:
            return
        flight.settled = True
        await asyncio.shield(self._book(flight, error))

    async def _book(self, flight: Flight, error: BaseException | None) -> None:
        if isinstance(error, GatewayError):
            flight.status, flight.error_type = error.status, error.error_type
        elif error is not None:
            flight.status, flight.error_type = 499, type(error).__name__
        if flight.turn is not None:
            await flight.turn.abort()  # a no-op once the reply was committed
        if flight.usage is None and flight.relayed_chars and flight.estimate:
            flight.usage = partial_usage(flight.estimate.prompt_tokens, flight.relayed_chars)
        cost = self._cost(flight)
        if flight.admission is not None and flight.usage is None:
            await self.limiter.release(flight.admission)
        elif flight.admission is not None:
            await self.limiter.settle(flight.admission, total_tokens(flight.usage), cost)
        limited = "limited" if isinstance(error, RateLimited) else "admitted"
        thread_id = flight.turn.thread_id if flight.turn else None
        self.usage.record(usage_record(flight, cost, thread_id=thread_id, rate_limit=limited))

    def _cost(self, flight: Flight) -> float:
        target = flight.served_by
        if flight.usage is None or target is None:
            return 0.0
        overrides = flight.project.settings.price_overrides
        return self.catalog.cost_usd(target.provider, target.model, flight.usage, overrides)

    async def _relay(self, flight: Flight, opened: OpenStream) -> AsyncIterator[bytes]:
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
                await self.thread_out(flight, reply.message())
            tail = _frames_of(restorer.flush()) if restorer else b""
            if call.include_usage and opened.state.usage is not None:
                tail += encode_data(orjson.dumps(usage_chunk(opened, call)))
            yield tail + DONE_FRAME
        except UpstreamError as failure:
            error = failure
            await opened.close()
            await self.settle(flight, failure)  # before the frame: the client may retry at once
            yield encode_data(orjson.dumps(failure.body()))
        except BaseException as failure:  # the client left: still settle what was used
            error = failure
            raise
        finally:
            await opened.close()
            await self.settle(flight, error)

    async def _abandon(self, flight: Flight, opened: OpenStream) -> None:
        """The edge is done; settles a stream it never finished relaying."""
        if not flight.settled:
            await opened.close()
            await self.settle(flight, ClientDisconnected("The client left mid-stream."))

    def list_models(self, principal: Principal) -> JsonReply:
        project = self.project(principal)
        created = int(project.record.created_at.timestamp())
        data: list[dict[str, Any]] = [
            {"id": name, "object": "model", "created": created, "owned_by": credential.provider}
            for name, credential in models_for(project)
        ]
        return JsonReply({"object": "list", "data": data})


def _frames(
    flight: Flight, batch: list[JSON], reply: StreamedReply, restorer: StreamRestorer | None
) -> bytes:
    """One upstream read's chunks as SSE frames: counted, kept for the thread, restored."""
    out: list[JSON] = []
    for chunk in batch:
        flight.relayed_chars += _delta_chars(chunk)
        reply.feed(chunk)
        if restorer is None:
            out.append(chunk)
        else:
            out.extend(restorer.feed(chunk))
    return _frames_of(out)


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
