"""Property tests for the Anthropic adapter: random requests, random stream splits."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.providers.anthropic import ADAPTER
from behest.gateway.providers.base import Target
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call
from behest.testing.mock_anthropic.replies import answer, message, sse, stream_events, usage
from behest.testing.mock_anthropic.rules import validate

TARGET = Target("anthropic", "anthropic", "claude-x", "https://api.anthropic.com", "sk")
FIXTURES = Path(__file__).resolve().parents[2] / "contract" / "anthropic" / "fixtures"

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
words = st.text(alphabet="abcdefgh xyz", min_size=1, max_size=12)
int64 = st.integers(-(2**63), 2**63 - 1)  # orjson, like most JSON stacks, stops at 64 bits
arguments = st.dictionaries(st.sampled_from(["a", "b", "city"]), int64 | words, max_size=3)


@st.composite
def tool_exchange(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 3))
    ids = [f"call_{draw(st.integers(0, 10**6))}_{i}" for i in range(count)]
    calls = [
        {
            "id": i,
            "type": "function",
            "function": {"name": "f", "arguments": json.dumps(draw(arguments))},
        }
        for i in ids
    ]
    content = draw(st.sampled_from([None, "", "Let me look."]))
    turns: list[dict[str, Any]] = [{"role": "assistant", "content": content, "tool_calls": calls}]
    turns += [{"role": "tool", "tool_call_id": i, "content": draw(text)} for i in ids]
    return turns


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append(
            {"role": draw(st.sampled_from(["system", "developer"])), "content": draw(text)}
        )
    for _ in range(draw(st.integers(1, 4))):
        messages.append({"role": "user", "content": draw(words)})
        if draw(st.booleans()):
            messages += draw(tool_exchange())
        elif draw(st.booleans()):
            messages.append({"role": "system", "content": draw(words)})
        else:
            messages.append({"role": "assistant", "content": draw(text)})
    messages.append({"role": "user", "content": [{"type": "text", "text": draw(words)}]})
    body: dict[str, Any] = {"model": "m", "messages": messages}
    optional = {
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 10_000),
        "stop": st.lists(words, max_size=4) | words,
        "user": words,
        "seed": st.integers(),
        "parallel_tool_calls": st.booleans(),
        "tool_choice": st.sampled_from(["auto", "none", "required"]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    body["tools"] = [
        {
            "type": "function",
            "function": {
                "name": "f",
                "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
            },
        }
    ]
    return body


def texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content] if content else []
    return [b["text"] for b in content or [] if b.get("type") == "text"]


@settings(max_examples=150, deadline=None)
@given(requests())
def test_random_requests_translate_into_valid_anthropic(source: dict[str, Any]) -> None:
    request = ADAPTER.build_request(Call("chat", "m", source), TARGET)
    assert request.body is not None
    body = json.loads(request.body)
    validate(body)  # the mock's strict checks: the real API's schema and pairing rules
    system = [m for m in source["messages"] if m["role"] in ("system", "developer")]
    expected_system = [t for m in system for t in texts(m["content"])]
    assert [b["text"] for b in body.get("system", [])] == expected_system
    sent_uses = [b for m in body["messages"] for b in m["content"] if b["type"] == "tool_use"]
    calls = [c for m in source["messages"] for c in m.get("tool_calls") or []]
    assert [(b["id"], b["input"]) for b in sent_uses] == [
        (c["id"], json.loads(c["function"]["arguments"])) for c in calls
    ]
    if "temperature" in source:
        assert 0 <= body["temperature"] <= 1
    assert body["max_tokens"] == source.get("max_tokens", body["max_tokens"])
    assert all(b.get("text") != "" for m in body["messages"] for b in m["content"])


def replay(raw: bytes, cuts: list[int]) -> tuple[dict[str, Any], Any]:
    call = Call("chat", "m", {"messages": []}, stream=True)
    state = ADAPTER.new_stream(call, TARGET)
    decoder = SSEDecoder()
    chunks: list[dict[str, Any]] = []
    bounds = [0, *sorted(set(cuts)), len(raw)]
    for start, end in pairwise(bounds):
        for event in decoder.feed(raw[start:end]):
            chunks += ADAPTER.parse_event(event, state)
    for event in decoder.close():
        chunks += ADAPTER.parse_event(event, state)
    chunks += ADAPTER.finish_stream(state)
    return assemble(chunks), state.usage


def assemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "content": "",
        "reasoning": "",
        "calls": {},
        "finish": None,
        "ids": {c["id"] for c in chunks},
    }
    for chunk in chunks:
        delta = chunk["choices"][0]["delta"]
        result["content"] += delta.get("content") or ""
        result["reasoning"] += delta.get("reasoning_content") or ""
        for call in delta.get("tool_calls") or []:
            slot = result["calls"].setdefault(call["index"], ["", ""])
            slot[0] += call.get("function", {}).get("name") or ""
            slot[1] += call.get("function", {}).get("arguments") or ""
        result["finish"] = chunk["choices"][0]["finish_reason"] or result["finish"]
    return result


def mock_stream(prompt: str) -> bytes:
    tools = [
        {"name": n, "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
        for n in ("a", "b", "c")
    ]
    body = {
        "model": "claude-x",
        "max_tokens": 3000,
        "tools": tools,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [{"role": "user", "content": prompt}],
    }
    reply = answer(body, 1)
    full = message(body, reply, usage(body, reply, set()), 1)
    return b"".join(sse(event) for event in stream_events(full))


STREAMS = [
    (FIXTURES / name).read_bytes() for name in ("stream_parallel_tools.sse", "stream_thinking.sse")
]
STREAMS += [mock_stream("please call tools"), mock_stream("just say something long " * 5)]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(range(len(STREAMS))), st.data())
def test_any_split_of_a_stream_gives_the_same_message(which: int, data: st.DataObject) -> None:
    raw = STREAMS[which]
    cuts = data.draw(st.lists(st.integers(1, len(raw) - 1), max_size=40))
    whole, whole_usage = replay(raw, [])
    split, split_usage = replay(raw, cuts)
    assert split == whole
    assert split_usage == whole_usage
    assert len(whole["ids"]) == 1
    assert whole["finish"] is not None
    for name, arguments in whole["calls"].values():
        assert name
        json.loads(arguments or "{}")
