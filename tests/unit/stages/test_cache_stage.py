"""The cache stage: when it is used, what a hit returns, what is never kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from behest.gateway.auth.principal import Principal
from behest.gateway.cache import CachePolicy, MemoryCache
from behest.gateway.config.directory import ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.request.call import Call
from behest.gateway.request.reply import JsonReply, StreamReply
from behest.gateway.stages.cache import CACHE_HEADER, ResponseCache
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.settle import usage_record
from behest.gateway.store import ProjectRecord
from behest.gateway.store.usage_record import TokenCounts

ANSWER: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
ON = CachePolicy(enabled=True)


def _flight(
    policy: CachePolicy = ON, *, user: str = "alice", project: str = "proj_a", **body: Any
) -> Flight:
    now = datetime.now(UTC)
    record = ProjectRecord(project, project, {}, now, now)
    view = ProjectView(record, ProjectSettings(), (), cache=policy)
    stream = bool(body.get("stream"))
    call = Call(
        "chat",
        "gpt-4o-mini",
        {"messages": [{"role": "user", "content": "q"}], **body},
        stream=stream,
    )
    return Flight(Principal(project, user, "s", "jwt", "k"), view, call)


class Cache:
    def __init__(self) -> None:
        self.settled: list[Flight] = []
        self.store = MemoryCache()
        self.stage = ResponseCache(self.store, self._settle)

    async def _settle(self, flight: Flight, error: BaseException | None) -> None:
        self.settled.append(flight)

    async def fill(self, flight: Flight, answer: dict[str, Any] = ANSWER) -> None:
        assert await self.stage.lookup(flight) is None
        await self.stage.keep(flight, answer)


@pytest.fixture
def cache() -> Cache:
    return Cache()


async def test_a_second_identical_request_is_a_hit_with_the_identical_body(cache: Cache) -> None:
    first = _flight(temperature=0)
    await cache.fill(first)
    assert first.headers[CACHE_HEADER] == "miss"
    second = _flight(temperature=0)
    hit = await cache.stage.lookup(second)
    assert isinstance(hit, JsonReply) and hit.body == ANSWER
    assert hit.headers[CACHE_HEADER] == "hit"
    assert hit.headers["x-behest-route"] == "attempts=0; reason=cache"
    assert second.route is not None and second.route.reason == "cache"
    assert cache.settled == [second] and second.usage is None  # no tokens, no cost


async def test_users_are_kept_apart_unless_the_project_shares(cache: Cache) -> None:
    await cache.fill(_flight(temperature=0, user="alice"))
    assert await cache.stage.lookup(_flight(temperature=0, user="bob")) is None
    shared = CachePolicy(enabled=True, shared_across_users=True)
    await cache.fill(_flight(shared, temperature=0, user="alice"))
    assert await cache.stage.lookup(_flight(shared, temperature=0, user="bob")) is not None


async def test_projects_never_share(cache: Cache) -> None:
    shared = CachePolicy(enabled=True, shared_across_users=True)
    await cache.fill(_flight(shared, temperature=0, project="proj_a"))
    assert await cache.stage.lookup(_flight(shared, temperature=0, project="proj_b")) is None


async def test_off_for_the_project_means_no_header_and_no_lookup(cache: Cache) -> None:
    flight = _flight(CachePolicy(), temperature=0)
    assert await cache.stage.lookup(flight) is None
    assert CACHE_HEADER not in flight.headers and flight.cache_key is None


@pytest.mark.parametrize(
    ("body", "asked", "policy", "outcome"),
    [
        ({"temperature": 0}, None, ON, "miss"),
        ({"temperature": 0.7}, None, ON, "bypass"),
        ({}, None, ON, "bypass"),  # absent temperature is OpenAI's 1
        ({"temperature": "hot"}, None, ON, "bypass"),
        ({}, "on", ON, "miss"),
        ({"temperature": 1.2}, "refresh", ON, "miss"),
        ({"temperature": 0}, "off", ON, "bypass"),
        ({}, None, CachePolicy(enabled=True, allow_temperature=True), "miss"),
        ({}, "off", CachePolicy(enabled=True, allow_temperature=True), "bypass"),
    ],
)
async def test_bypass_rules(
    cache: Cache, body: dict[str, Any], asked: str | None, policy: CachePolicy, outcome: str
) -> None:
    flight = _flight(policy, **body)
    if asked:
        flight.call.metadata["cache"] = asked
    assert await cache.stage.lookup(flight) is None
    assert flight.headers[CACHE_HEADER] == outcome
    assert (flight.cache_key is not None) is (outcome == "miss")


async def test_refresh_skips_the_stored_answer_and_replaces_it(cache: Cache) -> None:
    await cache.fill(_flight(temperature=0))
    fresh = _flight(temperature=0)
    fresh.call.metadata["cache"] = "refresh"
    newer = {**ANSWER, "id": "chatcmpl-2"}
    await cache.fill(fresh, newer)
    hit = await cache.stage.lookup(_flight(temperature=0))
    assert isinstance(hit, JsonReply) and hit.body["id"] == "chatcmpl-2"


async def test_other_operations_are_never_cached(cache: Cache) -> None:
    flight = _flight(temperature=0)
    flight.call.operation = "embeddings"
    assert await cache.stage.lookup(flight) is None
    assert flight.headers[CACHE_HEADER] == "bypass"


@pytest.mark.parametrize("finish", ["length", "content_filter", None])
async def test_answers_cut_short_are_not_kept(cache: Cache, finish: str | None) -> None:
    cut = {**ANSWER, "choices": [{**ANSWER["choices"][0], "finish_reason": finish}]}
    await cache.fill(_flight(temperature=0), cut)
    assert await cache.stage.lookup(_flight(temperature=0)) is None


async def test_an_answer_over_max_entry_bytes_is_not_kept(cache: Cache) -> None:
    small = CachePolicy(enabled=True, max_entry_bytes=64)
    await cache.fill(_flight(small, temperature=0))
    assert await cache.stage.lookup(_flight(small, temperature=0)) is None


def _frame(chunk: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


CHUNKS = [
    _frame(
        {"id": "c1", "choices": [{"index": 0, "delta": {"content": "h"}, "finish_reason": None}]}
    ),
    _frame(
        {"id": "c1", "choices": [{"index": 0, "delta": {"content": "i"}, "finish_reason": None}]}
    )
    + _frame({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    b"data: [DONE]\n\n",
]


async def _frames(frames: list[bytes]) -> AsyncIterator[bytes]:
    for frame in frames:
        yield frame


async def _relay(cache: Cache, flight: Flight, frames: list[bytes]) -> bytes:
    assert await cache.stage.lookup(flight) is None
    return b"".join([f async for f in cache.stage.record(flight, _frames(frames))])


async def test_a_stream_is_replayed_byte_for_byte(cache: Cache) -> None:
    relayed = await _relay(cache, _flight(temperature=0, stream=True), CHUNKS)
    hit = await cache.stage.lookup(_flight(temperature=0, stream=True))
    assert isinstance(hit, StreamReply)
    replayed = [frame async for frame in hit.frames]
    assert b"".join(replayed) == relayed == b"".join(CHUNKS)
    assert len(replayed) == 4  # one write per SSE frame


async def test_streams_and_plain_answers_are_kept_apart(cache: Cache) -> None:
    await _relay(cache, _flight(temperature=0, stream=True), CHUNKS)
    assert await cache.stage.lookup(_flight(temperature=0)) is None


@pytest.mark.parametrize(
    "frames",
    [
        CHUNKS[:2],  # no [DONE]: the stream was cut
        [CHUNKS[0], _frame({"error": {"message": "boom"}})],
        [
            CHUNKS[0],
            _frame({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}),
            CHUNKS[2],
        ],
        [CHUNKS[0], CHUNKS[2]],  # never finished
    ],
)
async def test_a_stream_that_failed_or_was_cut_is_not_kept(
    cache: Cache, frames: list[bytes]
) -> None:
    await _relay(cache, _flight(temperature=0, stream=True), frames)
    assert await cache.stage.lookup(_flight(temperature=0, stream=True)) is None


async def test_a_stream_left_by_the_client_is_not_kept(cache: Cache) -> None:
    flight = _flight(temperature=0, stream=True)
    assert await cache.stage.lookup(flight) is None
    frames = cache.stage.record(flight, _frames(CHUNKS))
    async for _ in frames:
        break
    await frames.aclose()  # type: ignore[attr-defined]
    assert await cache.stage.lookup(_flight(temperature=0, stream=True)) is None


async def test_a_hit_is_booked_at_zero_cost_with_route_cache(cache: Cache) -> None:
    await cache.fill(_flight(temperature=0))
    hit = _flight(temperature=0)
    await cache.stage.lookup(hit)
    record = usage_record(hit, 0.0)
    assert (record.route, record.attempts, record.cost_usd) == ("cache", 0, 0.0)
    assert record.tokens == TokenCounts()  # tokens the limits do not count either
