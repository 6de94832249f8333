"""The call stage: one adapter, the upstream client; retries, fallbacks, breakers.

For each target in order (the model's own, then its fallback chain):
- an open circuit breaker skips the target at once;
- a retryable error moves on to the next target; the same target is retried first
  (``retries.max`` times, jittered backoff, ``Retry-After`` honoured) only when the
  provider cannot have acted on the request: connection refused or timed out, 429, 503;
- nothing is retried or moved once the answer's first byte has reached the client (a
  stream is handed to the relay once its first chunk has arrived, so a stream that
  breaks or stalls before any content still falls back);
- every attempt and every wait fits in the request's deadline (``timeouts.total_s``).

What served, after how many attempts and why, is kept in a :class:`Route` for the
``x-behest-route`` header and the usage record.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from behest.gateway.providers import adapter_for
from behest.gateway.providers.base import JSON, Adapter, StreamState, Target
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call
from behest.gateway.routing.backoff import backoff_s, retry_after_s
from behest.gateway.routing.balance import balanced
from behest.gateway.routing.breakers import Breaker, Breakers, State
from behest.gateway.routing.policy import RoutingPolicy
from behest.gateway.upstream.client import Limits, Upstream, UpstreamStream

log = logging.getLogger("behest.upstream")

ROUTE_HEADER = "x-behest-route"
# Bytes of a stream decoded at a time: a read that the upstream's speed made long (a
# backlog of hundreds of events) is relayed a slice at a time, not held all parsed at once.
DECODE_SLICE = 16 * 1024
T = TypeVar("T")
Attempt = Callable[[Target, Limits, Breaker], Awaitable[T]]
_SAFE_CODES = frozenset({"upstream_unreachable", "upstream_connect_timeout"})
_CAUSES = {
    "upstream_unreachable": "connect",
    "upstream_connect_timeout": "connect_timeout",
    "upstream_timeout": "timeout",
    "upstream_reset": "reset",
    "circuit_open": "breaker_open",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a call may go and by which rules."""

    project_id: str
    targets: list[Target]
    policy: RoutingPolicy = field(default_factory=RoutingPolicy)
    breakers: Breakers = field(default_factory=Breakers)
    defaulted: bool = False  # the project's default model, for a call that named none
    weights: Mapping[str, float] = field(default_factory=dict)  # credential id → weight
    chosen: str = ""  # why a smart route chose the targets' order (auto:cost…), if one did

    def balanced(self) -> Plan:
        """The plan with its load-balanced group put in this call's order, once: the
        pipeline asks before admission, so that the credential tried first is the one whose
        aggregate limits the call reserves."""
        if self.policy.balance.strategy == "ordered":
            return self
        ordered = replace(self.policy.balance, strategy="ordered")
        return replace(self, targets=_ordered(self), policy=replace(self.policy, balance=ordered))

    def with_targets(self, targets: list[Target]) -> Plan:
        """The plan with admission's targets (a credential at its limit left out)."""
        return self if targets is self.targets else replace(self, targets=targets)


@dataclass(slots=True)
class Route:
    """What served a call and how: ``x-behest-route`` and the usage record's fields."""

    attempts: int = 0
    reason: str = "primary"
    target: Target | None = None

    def header(self) -> str:
        target = self.target
        served = f"model={target.model}; provider={target.provider}; " if target else ""
        return f"{served}attempts={self.attempts}; reason={self.reason}"


@dataclass(slots=True)
class Completed:
    target: Target
    body: JSON
    route: Route = field(default_factory=Route)


@dataclass(slots=True)
class OpenStream:
    target: Target
    adapter: Adapter
    state: StreamState
    response: UpstreamStream
    exits: AsyncExitStack
    route: Route = field(default_factory=Route)
    _reads: AsyncIterator[list[JSON]] | None = None
    _first: list[JSON] | None = None

    async def prime(self, limits: Limits) -> None:
        """Reads the first batch before the stream is handed on: until it arrives, a break,
        an error event or silence past ``first_byte_s`` can still fall back."""
        self._reads = self._batches()
        try:
            async with asyncio.timeout(limits.first_byte_s()):
                self._first = await anext(self._reads, None)
        except TimeoutError as exc:
            raise UpstreamTimeout(
                "The upstream provider did not start its stream in time.", code="upstream_timeout"
            ) from exc

    def batches(self) -> AsyncIterator[list[JSON]]:
        """OpenAI-shaped chunks, grouped by the upstream read that carried them (so the
        edge writes once per read, not once per event; a read longer than ``DECODE_SLICE``
        once per slice of it); the final usage stays in state."""
        reads = self._reads if self._reads is not None else self._batches()
        first, self._first = self._first, None
        return reads if first is None else _Primed(first, reads)

    async def _batches(self) -> AsyncIterator[list[JSON]]:
        decoder = SSEDecoder()
        adapter, state = self.adapter, self.state
        parse = adapter.parse_event
        async for data in self.response.chunks():
            if len(data) <= DECODE_SLICE:  # the usual read: no slice, no copy
                batch = [c for event in decoder.feed(data) for c in parse(event, state)]
                if batch:
                    yield batch
                continue
            for at in range(0, len(data), DECODE_SLICE):
                events = decoder.feed(data[at : at + DECODE_SLICE])
                batch = [c for event in events for c in parse(event, state)]
                if batch:
                    yield batch
        tail = [c for event in decoder.close() for c in adapter.parse_event(event, state)]
        tail += adapter.finish_stream(state)
        if tail:
            yield tail

    async def close(self) -> None:
        await self.exits.aclose()


class _Primed:
    """The primed first batch, then the rest of the reads: no generator in between, so
    a batch costs no extra frame on its way to the relay."""

    __slots__ = ("_first", "_reads")

    def __init__(self, first: list[JSON], reads: AsyncIterator[list[JSON]]) -> None:
        self._first: list[JSON] | None = first
        self._reads = reads

    def __aiter__(self) -> _Primed:
        return self

    def __anext__(self) -> Awaitable[list[JSON]]:
        first, self._first = self._first, None
        return self._reads.__anext__() if first is None else _ready(first)


async def _ready(batch: list[JSON]) -> list[JSON]:
    return batch


async def complete(upstream: Upstream, call: Call, plan: Plan) -> Completed:
    async def attempt(target: Target, limits: Limits, load: Breaker) -> Completed:
        adapter = adapter_for(target.api_format)
        load.enter()
        try:
            reply = await upstream.send(adapter.build_request(call, target), limits)
        finally:
            load.leave()
        if reply.status >= 400:
            raise adapter.parse_error(reply.status, reply.headers, reply.body)
        return Completed(target, adapter.parse_response(call, reply.status, reply.body))

    done, route = await _walk(plan, upstream.limits(plan.policy.timeouts), attempt)
    done.route = route
    return done


async def open_stream(upstream: Upstream, call: Call, plan: Plan) -> OpenStream:
    async def attempt(target: Target, limits: Limits, load: Breaker) -> OpenStream:
        adapter = adapter_for(target.api_format)
        request = adapter.build_request(call, target)
        exits = AsyncExitStack()
        load.enter()
        exits.callback(load.leave)  # the stream counts as in flight until it is closed
        try:
            response = await exits.enter_async_context(upstream.stream(request, limits))
            if response.status >= 400:
                raise adapter.parse_error(response.status, response.headers, await response.read())
            opened = OpenStream(target, adapter, adapter.new_stream(call, target), response, exits)
            await opened.prime(limits)
            return opened
        except BaseException:
            await exits.aclose()
            raise

    opened, route = await _walk(plan, upstream.limits(plan.policy.timeouts), attempt)
    opened.route = route
    return opened


async def _walk(plan: Plan, limits: Limits, attempt: Attempt[T]) -> tuple[T, Route]:
    """Each target in turn (skipping open breakers), retried while that is safe."""
    walk = _Walk(plan, attempt, limits)
    cause, last = "", None
    for index, target in enumerate(_ordered(plan)):
        breaker = _breaker(plan, target)
        if not breaker.allow(plan.breakers.clock()):
            cause = "breaker_open"
            continue
        try:
            result, retried = await walk.one(target, breaker)
        except UpstreamError as error:
            if not error.retryable:
                raise _explained(error, plan, walk.route, "failed") from error.__cause__
            if walk.limits.remaining_s() <= 0:
                raise _explained(error, plan, walk.route, "deadline") from error.__cause__
            last, cause = error, _cause(error)
            log.warning("upstream %s failed (%s); trying the next target", target.provider, cause)
            continue
        walk.route.target = target
        walk.route.reason = _reason(plan, index, cause, retried)
        return result, walk.route
    if last is None:
        last = UpstreamUnavailable(
            "Every provider for this model is failing; try again shortly.", code="circuit_open"
        )
    raise _explained(last, plan, walk.route, "exhausted")


@dataclass(slots=True)
class _Walk(Generic[T]):
    plan: Plan
    attempt: Attempt[T]
    limits: Limits
    route: Route = field(default_factory=Route)

    async def one(self, target: Target, breaker: Breaker) -> tuple[T, str]:
        """One target, retried on errors the provider cannot have acted on; (result, cause)."""
        clock, retried = self.plan.breakers.clock, ""
        for retry in range(self.plan.policy.retries.max + 1):
            if self.limits.remaining_s() <= 0:
                breaker.release()  # a probe taken but never sent
                raise UpstreamTimeout("The request's deadline passed.", code="upstream_timeout")
            self.route.attempts += 1
            started = clock()
            try:
                result = await self.attempt(target, self.limits, breaker)
            except UpstreamError as error:
                breaker.record(error.status < 500, clock())  # a 4xx is a healthy provider
                delay = _retry_delay(error, retry, self.plan, self.limits)
                if delay is None or breaker.state is State.OPEN:  # just opened: move on
                    raise
                retried = _cause(error)
                await asyncio.sleep(delay)
                continue
            except BaseException:
                breaker.release()
                raise
            now = clock()
            breaker.record(True, now)
            breaker.observe(now - started)  # for routes that prefer latency
            return result, retried
        raise AssertionError("unreachable: the last attempt raises or returns")


def _breaker(plan: Plan, target: Target) -> Breaker:
    policy = plan.policy.breaker
    return plan.breakers.get(plan.project_id, target.credential_id, target.model, policy)


def _ordered(plan: Plan) -> list[Target]:
    strategy = plan.policy.balance.strategy
    if strategy == "ordered":
        return plan.targets

    def in_flight(target: Target) -> int:
        return _breaker(plan, target).in_flight

    return balanced(plan.targets, strategy, plan.weights, in_flight, random.random)


def _retry_delay(error: UpstreamError, retry: int, plan: Plan, limits: Limits) -> float | None:
    retries = plan.policy.retries
    safe = error.status in (429, 503) or error.code in _SAFE_CODES
    if not safe or retry >= retries.max:
        return None
    asked = retry_after_s(error.headers, time.time())
    delay = backoff_s(retry, retries, asked, random.random())
    if delay is None or delay >= limits.remaining_s():
        return None
    return delay


def _cause(error: UpstreamError) -> str:
    return _CAUSES.get(error.code or "", f"upstream_{error.status}")


def _reason(plan: Plan, index: int, cause: str, retried: str) -> str:
    """The route header's reason: one step, or (after a smart route's choice) two, joined
    by a comma: ``auto:cost,fallback:upstream_503``."""
    if index > 0 or cause:
        step = f"fallback:{cause}"
    elif retried:
        step = f"retry:{retried}"
    elif plan.chosen:
        return plan.chosen
    else:
        return "default_model" if plan.defaulted else "primary"
    return f"{plan.chosen},{step}" if plan.chosen else step


def _explained(error: UpstreamError, plan: Plan, route: Route, how: str) -> UpstreamError:
    """The error the client gets, with the route header saying how far the call got."""
    step = f"{how}:{_cause(error)}"
    reason = f"{plan.chosen},{step}" if plan.chosen else step
    error.headers[ROUTE_HEADER] = f"attempts={route.attempts}; reason={reason}"
    return error
