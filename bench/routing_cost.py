"""The added cost per request of routing: deadline, breaker check and record, the route
header, and (when on) load balancing, measured in process against the same call without
them. No network: the upstream answers from memory, so only the gateway's work counts.

    python bench/routing_cost.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import orjson

from behest.gateway.providers import adapter_for
from behest.gateway.providers.base import Target, UpstreamRequest
from behest.gateway.request.call import Call
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.policy import RoutingPolicy
from behest.gateway.upstream.client import Limits, Upstream, UpstreamReply
from behest.gateway.upstream.dispatch import Plan, complete

BODY = orjson.dumps(
    {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
)


class Memory(Upstream):
    async def send(self, request: UpstreamRequest, limits: Limits | None = None) -> UpstreamReply:
        return UpstreamReply(200, {}, BODY)


def _call() -> Call:
    body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}
    return Call("chat", "gpt-4o-mini", body)


async def bare(upstream: Memory, target: Target) -> None:
    """What the call stage did per request before routing: translate, send, translate."""
    call = _call()
    adapter = adapter_for(target.api_format)
    reply = await upstream.send(adapter.build_request(call, target))
    adapter.parse_response(call, reply.status, reply.body)


async def measure(calls: int) -> dict[str, float]:
    upstream = Memory()
    targets = [
        Target("openai", "openai", "gpt-4o-mini", f"http://{n}/v1", "sk", credential_id=n)
        for n in ("a", "b", "c")
    ]
    breakers = Breakers()
    plans = {
        "routing + breakers": Plan("p", targets[:1], RoutingPolicy(), breakers),
        "+ least_in_flight over 3": Plan(
            "p",
            targets,
            RoutingPolicy.parse(load_balance={"strategy": "least_in_flight"}),
            breakers,
        ),
    }
    results: dict[str, float] = {}
    for _ in range(2):  # the first round warms up
        started = time.perf_counter()
        for _ in range(calls):
            await bare(upstream, targets[0])
        results["bare call stage"] = (time.perf_counter() - started) / calls * 1e6
        for name, plan in plans.items():
            started = time.perf_counter()
            for _ in range(calls):
                await complete(upstream, _call(), plan)
            results[name] = (time.perf_counter() - started) / calls * 1e6
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    results = asyncio.run(measure(parser.parse_args().calls))
    base = results["bare call stage"]
    print("| call stage | µs per call | added µs |\n| --- | ---: | ---: |")
    for name, us in results.items():
        print(f"| {name} | {us:.1f} | {us - base:+.1f} |")


if __name__ == "__main__":
    main()
