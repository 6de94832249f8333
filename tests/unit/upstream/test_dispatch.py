"""The call stage's rules over a scripted upstream: what is retried, what moves on, what
is skipped, and that no attempt or wait outlives the request's deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import orjson
import pytest

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from behest.gateway.providers.base import Target, UpstreamRequest
from behest.gateway.request.call import Call
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.policy import RoutingPolicy
from behest.gateway.upstream.client import Limits, Upstream, UpstreamReply
from behest.gateway.upstream.dispatch import Plan, _Walk, complete

OK = orjson.dumps(
    {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
    }
)


class Scripted(Upstream):
    """Answers from a script per base URL: an int status, an exception, or a pause."""

    def __init__(self, script: Mapping[str, list[Any]]) -> None:
        super().__init__()
        self.script = {url: list(steps) for url, steps in script.items()}
        self.calls: list[str] = []

    async def send(self, request: UpstreamRequest, limits: Limits | None = None) -> UpstreamReply:
        base = request.url.split("/v1/")[0]
        self.calls.append(base)
        steps = self.script[base]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, BaseException):
            raise step
        status, headers = (step, {}) if isinstance(step, int) else step
        body = OK if status == 200 else orjson.dumps({"error": {"message": "x", "type": "t"}})
        return UpstreamReply(status, headers, body)


def _target(name: str) -> Target:
    return Target("openai", "openai", "gpt-4o", f"http://{name}/v1", "sk", credential_id=name)


def _plan(policy: dict[str, Any], *names: str, breakers: Breakers | None = None) -> Plan:
    parsed = RoutingPolicy.parse(**policy)
    return Plan("proj", [_target(n) for n in names], parsed, breakers or Breakers())


async def _complete(upstream: Scripted, plan: Plan) -> Any:
    call = Call(
        "chat", "gpt-4o", {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}
    )
    return await complete(upstream, call, plan)


FAST = {"max": 3, "base_ms": 1, "max_ms": 5}


@pytest.mark.parametrize(
    "failure",
    [503, 429, UpstreamUnavailable("refused", code="upstream_unreachable")],
    ids=["503", "429", "refused"],
)
async def test_errors_the_provider_never_acted_on_are_retried_in_place(failure: Any) -> None:
    upstream = Scripted({"http://a": [failure, failure, 200], "http://b": [200]})
    done = await _complete(upstream, _plan({"retries": FAST}, "a", "b"))
    assert upstream.calls == ["http://a"] * 3
    assert done.route.attempts == 3 and done.route.reason.startswith("retry:")


@pytest.mark.parametrize(
    "failure",
    [
        500,
        502,
        UpstreamTimeout("slow", code="upstream_timeout"),
        UpstreamError("cut", code="upstream_reset"),
    ],
    ids=["500", "502", "timeout", "reset"],
)
async def test_errors_the_provider_may_have_acted_on_move_on_without_a_retry(failure: Any) -> None:
    upstream = Scripted({"http://a": [failure], "http://b": [200]})
    done = await _complete(upstream, _plan({"retries": FAST}, "a", "b"))
    assert upstream.calls == ["http://a", "http://b"]
    assert done.route.reason.startswith("fallback:") and done.route.target.credential_id == "b"


async def test_a_client_error_is_neither_retried_nor_moved() -> None:
    upstream = Scripted({"http://a": [400], "http://b": [200]})
    with pytest.raises(UpstreamError) as raised:
        await _complete(upstream, _plan({"retries": FAST}, "a", "b"))
    assert raised.value.status == 400 and upstream.calls == ["http://a"]
    assert raised.value.headers["x-behest-route"] == "attempts=1; reason=failed:upstream_400"


async def test_a_retry_after_beyond_the_cap_moves_on_at_once() -> None:
    upstream = Scripted({"http://a": [(429, {"Retry-After": "30"})], "http://b": [200]})
    started = time.monotonic()
    done = await _complete(upstream, _plan({"retries": {"max": 2, "max_ms": 1000}}, "a", "b"))
    assert time.monotonic() - started < 0.5
    assert upstream.calls == ["http://a", "http://b"] and done.route.attempts == 2


async def test_a_retry_after_within_the_cap_is_waited_for() -> None:
    upstream = Scripted({"http://a": [(503, {"Retry-After": "0.2"}), 200]})
    started = time.monotonic()
    done = await _complete(upstream, _plan({"retries": {"max": 1, "max_ms": 1000}}, "a"))
    assert time.monotonic() - started >= 0.2
    assert done.route.reason == "retry:upstream_503"


async def test_retries_never_outlive_the_deadline() -> None:
    upstream = Scripted({"http://a": [503]})
    policy = {"retries": {"max": 10, "base_ms": 150, "max_ms": 400}, "timeouts": {"total_s": 0.5}}
    started = time.monotonic()
    with pytest.raises(UpstreamError) as raised:
        await _complete(upstream, _plan(policy, "a"))
    assert time.monotonic() - started < 0.5
    assert raised.value.status == 503 and 1 < len(upstream.calls) < 11


async def test_an_open_breaker_skips_its_target_without_a_call() -> None:
    breakers = Breakers()
    policy = {"breaker": {"failures": 2, "cooldown_s": 60}}
    upstream = Scripted({"http://a": [500], "http://b": [200]})
    for _ in range(2):
        await _complete(upstream, _plan(policy, "a", "b", breakers=breakers))
    upstream.calls.clear()
    done = await _complete(upstream, _plan(policy, "a", "b", breakers=breakers))
    assert upstream.calls == ["http://b"]
    assert (done.route.attempts, done.route.reason) == (1, "fallback:breaker_open")
    [a, _] = breakers.describe("proj")
    assert (a["credential_id"], a["state"], a["times_opened"]) == ("a", "open", 1)


async def test_every_breaker_open_is_a_503_at_once() -> None:
    breakers = Breakers()
    policy = {"breaker": {"failures": 1, "cooldown_s": 60}}
    upstream = Scripted({"http://a": [500]})
    with pytest.raises(UpstreamError):
        await _complete(upstream, _plan(policy, "a", breakers=breakers))
    with pytest.raises(UpstreamUnavailable) as raised:
        await _complete(upstream, _plan(policy, "a", breakers=breakers))
    assert raised.value.code == "circuit_open" and upstream.calls == ["http://a"]


async def test_a_cancelled_probe_frees_the_half_open_slot() -> None:
    clock = [0.0]
    breakers = Breakers(clock=lambda: clock[0])
    policy = {"breaker": {"failures": 1, "cooldown_s": 1}}
    upstream = Scripted({"http://a": [500]})
    with pytest.raises(UpstreamError):
        await _complete(upstream, _plan(policy, "a", breakers=breakers))
    clock[0] = 2.0
    upstream.script["http://a"] = [asyncio.CancelledError()]
    with pytest.raises(asyncio.CancelledError):
        await _complete(upstream, _plan(policy, "a", breakers=breakers))
    upstream.script["http://a"] = [200]
    done = await _complete(upstream, _plan(policy, "a", breakers=breakers))
    assert done.route.target.credential_id == "a"
    assert breakers.describe()[0]["state"] == "closed"


async def test_a_target_whose_breaker_opens_is_not_retried_further() -> None:
    upstream = Scripted({"http://a": [503], "http://b": [200]})
    policy = {"retries": FAST, "breaker": {"failures": 2, "cooldown_s": 60}}
    done = await _complete(upstream, _plan(policy, "a", "b"))
    assert upstream.calls == ["http://a", "http://a", "http://b"]
    assert done.route.reason == "fallback:upstream_503"


async def test_a_probe_that_the_deadline_stops_is_given_back() -> None:
    clock = [0.0]
    breakers = Breakers(clock=lambda: clock[0])
    policy: dict[str, Any] = {"breaker": {"failures": 1, "cooldown_s": 1}}
    upstream = Scripted({"http://a": [500]})
    with pytest.raises(UpstreamError):
        await _complete(upstream, _plan(policy, "a", breakers=breakers))
    clock[0] = 2.0
    [breaker] = breakers._breakers.values()
    plan = _plan(policy, "a", breakers=breakers)
    walk_limits = Limits(plan.policy.timeouts, asyncio.get_running_loop().time() - 1)
    assert breaker.allow(clock[0])  # the probe is taken …
    with pytest.raises(UpstreamTimeout):
        await _Walk(plan, lambda *_: asyncio.sleep(0), walk_limits).one(_target("a"), breaker)
    assert not breaker.probing  # … and given back when the deadline stops it


async def test_a_smart_routes_reason_leads_and_a_fallback_is_added_after_it() -> None:
    plan = replace(_plan({}, "a", "b"), chosen="auto:cost(needs=tools)")
    upstream = Scripted({"http://a": [200]})
    done = await _complete(upstream, plan)
    assert done.route.reason == "auto:cost(needs=tools)"
    upstream = Scripted({"http://a": [503], "http://b": [200]})
    done = await _complete(upstream, plan)
    assert done.route.reason == "auto:cost(needs=tools),fallback:upstream_503"
    upstream = Scripted({"http://a": [503], "http://b": [503]})
    with pytest.raises(UpstreamError) as raised:
        await _complete(upstream, plan)
    assert raised.value.headers["x-behest-route"] == (
        "attempts=2; reason=auto:cost(needs=tools),exhausted:upstream_503"
    )


async def test_a_successful_attempt_is_timed_for_the_latency_ewma() -> None:
    now = [100.0]
    breakers = Breakers(clock=lambda: now[0])

    class Slow(Scripted):
        async def send(
            self, request: UpstreamRequest, limits: Limits | None = None
        ) -> UpstreamReply:
            now[0] += 0.5
            return await super().send(request, limits)

    plan = _plan({}, "a", breakers=breakers)
    await _complete(Slow({"http://a": [200]}), plan)
    assert breakers.latency("proj", "a", "gpt-4o") == pytest.approx(0.5)
    await _complete(Slow({"http://a": [200]}), plan)
    assert breakers.latency("proj", "a", "gpt-4o") == pytest.approx(0.5)
    breakers.get("proj", "a", "gpt-4o", plan.policy.breaker).observe(1.5)
    assert breakers.latency("proj", "a", "gpt-4o") == pytest.approx(0.5 + 0.2 * 1.0)
    assert breakers.latency("proj", "nobody", "gpt-4o") is None
