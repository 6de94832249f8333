"""Translation overhead of each provider adapter, in microseconds, without any I/O.

    request   build_request + parse_response for a typical chat call (system prompt,
              three turns, one tool, ~40-word answer)
    event     parse_event per upstream stream event (text deltas of the same answer,
              usage and finish included), new_stream/finish_stream spread over them

Upstream answers come from the mocks' own pure reply functions, so each adapter parses
what its provider sends. Best of several timeit repeats.

    .venv/bin/python bench/adapters.py
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from behest.gateway.providers import anthropic, gemini, openai_format
from behest.gateway.providers.base import Adapter, Target
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call
from behest.testing.mock_anthropic import replies as anthropic_mock
from behest.testing.mock_gemini import answers as gemini_mock

JSON = dict[str, Any]
WORDS = " ".join(f"word{i}" for i in range(40))
BODY: JSON = {
    "messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What can you do?"},
        {"role": "assistant", "content": "I answer questions and call tools."},
        {"role": "user", "content": WORDS},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ],
    "max_tokens": 512,
    "temperature": 0.7,
}


@dataclass(frozen=True, slots=True)
class Row:
    adapter: str
    request_us: float
    event_us: float
    events: int


def _call(model: str, stream: bool) -> Call:
    return Call("chat", model, {**BODY, "model": model, "stream": stream}, stream, False)


def _openai_upstream(_: JSON) -> tuple[bytes, list[SSEEvent]]:
    base = {"id": "chatcmpl-1", "created": 1700000000, "model": "gpt-4o-mini"}
    message = {"role": "assistant", "content": "Echo: " + WORDS, "refusal": None}
    usage = {"prompt_tokens": 60, "completion_tokens": 41, "total_tokens": 101}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    full = {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
    chunks = [
        {"index": 0, "delta": {"content": word + " "}, "logprobs": None, "finish_reason": None}
        for word in message["content"].split()
    ]
    chunks.append({"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"})
    frames = [{**base, "object": "chat.completion.chunk", "choices": [c]} for c in chunks]
    frames.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
    events = [SSEEvent(orjson.dumps(frame)) for frame in frames] + [SSEEvent(b"[DONE]")]
    return orjson.dumps(full), events


def _anthropic_upstream(sent: JSON) -> tuple[bytes, list[SSEEvent]]:
    reply = anthropic_mock.answer(sent, 1)
    full = anthropic_mock.message(sent, reply, anthropic_mock.usage(sent, reply, set()), 1)
    events = anthropic_mock.stream_events(full)
    return orjson.dumps(full), [SSEEvent(orjson.dumps(e), e["type"]) for e in events]


def _gemini_upstream(sent: JSON) -> tuple[bytes, list[SSEEvent]]:
    full = gemini_mock.generate(sent, "gemini-2.5-flash")
    events = gemini_mock.stream_events(full)
    return orjson.dumps(full), [SSEEvent(orjson.dumps(event)) for event in events]


ADAPTERS: dict[str, tuple[Adapter, str, Callable[[JSON], tuple[bytes, list[SSEEvent]]]]] = {
    "openai": (openai_format.ADAPTER, "gpt-4o-mini", _openai_upstream),
    "anthropic": (anthropic.ADAPTER, "claude-sonnet-4-5", _anthropic_upstream),
    "gemini": (gemini.ADAPTER, "gemini-2.5-flash", _gemini_upstream),
}


def _best_us(action: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(action, number=number, repeat=5)) / number * 1e6


def measure_one(name: str, number: int = 2000) -> Row:
    adapter, model, upstream = ADAPTERS[name]
    target = Target(name, name, model, "https://upstream.example", "key")
    call, stream_call = _call(model, False), _call(model, True)
    sent = adapter.build_request(call, target).body or b"{}"
    body, events = upstream(json.loads(sent))

    def request() -> None:
        adapter.build_request(call, target)
        adapter.parse_response(call, 200, body)

    def stream() -> None:
        state = adapter.new_stream(stream_call, target)
        for event in events:
            adapter.parse_event(event, state)
        adapter.finish_stream(state)

    request_us = _best_us(request, number)
    event_us = _best_us(stream, max(1, number // 10)) / len(events)
    return Row(name, request_us, event_us, len(events))


def measure(number: int = 2000) -> list[Row]:
    return [measure_one(name, number) for name in ADAPTERS]


def markdown(rows: list[Row]) -> str:
    lines = [
        "| adapter | build_request + parse_response (µs) | per stream event (µs) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {r.adapter} | {r.request_us:.1f} | {r.event_us:.2f} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(measure()))
