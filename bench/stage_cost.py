"""The added cost per request of the cache stage's lookup and of the smart-route chooser,
measured in process (no upstream, no HTTP): only the stage's own work counts.

- cache lookup: off (the project has the cache off: one attribute check), miss (key
  hashed, store asked, nothing found) and hit (found: the stored body parsed, the
  reservation settled; the settle here is a no-op), on the in-process store and, when
  Redis answers at ``--redis`` (default redis://127.0.0.1:6379/0), on Redis (a local
  round trip per lookup);
- route: a model name (``targets`` from the route table) for a project with no smart
  routes, through ``route_call`` (what a project without ``auto`` pays: one dict check),
  and ``model: "auto"`` with 4 candidates under each ``prefer``.

The request is a small chat body (system + user, ~150 bytes). In-process figures are CPU
time (``time.process_time``: less disturbed by other processes on a shared machine), the
Redis ones wall time (the round trip is waiting, not CPU). A warm-up round, then the best
of ``--rounds``.

    python bench/stage_cost.py [--calls 20000] [--rounds 3] [--redis URL | --redis '']
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import orjson

from behest.gateway.auth.principal import Principal
from behest.gateway.cache import CachePolicy, CacheStore, MemoryCache, cache_key
from behest.gateway.config.directory import CredentialView, Directory, ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.providers.profiles import profile_for
from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.cache import ResponseCache
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.route import RouteTable, route_call
from behest.gateway.store import ProjectRecord

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "temperature": 0,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France? Answer in one word."},
    ],
}
ANSWER = orjson.dumps(
    {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 1, "total_tokens": 21},
    }
)
CANDIDATES = ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash", "gpt-4o"]


def _project(project_id: str, **settings: Any) -> ProjectView:
    now = datetime.now(UTC)
    parsed = ProjectSettings.from_dict(settings)
    credentials = tuple(
        CredentialView(cid, project_id, cid, provider, "", (), {}, profile_for(provider), None, "k")
        for cid, provider in (("oa", "openai"), ("an", "anthropic"), ("ge", "gemini"))
    )
    record = ProjectRecord(project_id, "bench", settings, now, now)
    return ProjectView(
        record, parsed, credentials, routing=parsed.routing(), cache=parsed_cache(settings)
    )


def parsed_cache(settings: dict[str, Any]) -> CachePolicy:
    return CachePolicy.parse(settings.get("cache", {}))


def _flight(project: ProjectView, model: str = "gpt-4o-mini") -> Flight:
    call = Call("chat", model, {**BODY, "model": model}, request_id="r")
    return Flight(Principal(project.id, "alice", "s", "jwt", "k"), project, call)


async def _no_settle(flight: Flight, error: BaseException | None) -> None:
    return None


async def _timed(
    calls: int,
    make: Callable[[], Flight],
    step: Callable[[Flight], Any],
    clock: Callable[[], float] = time.process_time,
) -> float:
    """µs per call of ``step`` (awaited when it returns an awaitable), flights made ahead."""
    flights = [make() for _ in range(calls)]
    started = clock()
    for flight in flights:
        result = step(flight)
        if isinstance(result, Awaitable):
            await result
    return (clock() - started) / calls * 1e6


async def cache_lookups(calls: int, store: CacheStore, name: str) -> dict[str, float]:
    project_id = f"bench-{uuid.uuid4().hex[:8]}"
    off = _project(project_id)
    on = _project(project_id, cache={"enabled": True})
    lookup = ResponseCache(store, _no_settle).lookup
    hit_key = cache_key(project_id, "alice", "gpt-4o-mini", {**BODY, "model": "gpt-4o-mini"})
    await store.put(hit_key, ANSWER, 300)
    clock = time.process_time if isinstance(store, MemoryCache) else time.perf_counter
    return {
        f"cache off ({name})": await _timed(calls, lambda: _flight(off), lookup, clock),
        f"cache miss ({name})": await _timed(calls, lambda: _flight(on, "gpt-4o"), lookup, clock),
        f"cache hit ({name})": await _timed(calls, lambda: _flight(on), lookup, clock),
    }


async def routes(calls: int) -> dict[str, float]:
    directory = cast(Directory, SimpleNamespace(snapshot=object()))
    table = RouteTable(directory, Catalog())
    plain = _project("p")
    results = {
        "model name, table lookup only": await _timed(
            calls, lambda: _flight(plain), lambda f: table.targets(f.project, f.call.model)
        ),
        "model name, through route_call (no auto)": await _timed(
            calls, lambda: _flight(plain), lambda f: route_call(table, f)
        ),
    }
    for prefer in ("cost", "latency", "order"):
        smart = _project("s", auto={"candidates": CANDIDATES, "prefer": prefer})
        results[f"auto, 4 candidates, prefer {prefer}"] = await _timed(
            calls, lambda smart=smart: _flight(smart, "auto"), lambda f: route_call(table, f)
        )
    return results


async def _redis_store(url: str) -> CacheStore | None:
    if not url:
        return None
    from redis.exceptions import RedisError

    from behest.gateway.cache.redis_store import RedisCache
    from behest.gateway.limits.redis_backend import connect

    client = connect(url)
    try:
        await client.ping()
    except (RedisError, OSError):
        await client.aclose()
        return None
    return RedisCache(client)


async def measure(calls: int, rounds: int, redis_url: str) -> dict[str, float]:
    best: dict[str, float] = {}
    redis = await _redis_store(redis_url)
    try:
        for round_ in range(rounds + 1):  # round 0 warms up
            results = await routes(calls)
            results |= await cache_lookups(calls, MemoryCache(), "in-process")
            if redis is not None:
                results |= await cache_lookups(max(1, calls // 4), redis, "Redis")
            if round_:
                best = {k: min(v, best.get(k, v)) for k, v in results.items()}
    finally:
        if redis is not None:
            client = getattr(redis, "client")  # noqa: B009 - RedisCache's connection
            await client.aclose()
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    results = asyncio.run(measure(args.calls, args.rounds, args.redis))
    print("| stage | µs per request |\n| --- | ---: |")
    for name, us in results.items():
        print(f"| {name} | {us:.2f} |")


if __name__ == "__main__":
    main()
