"""Gemini adapter properties: valid OpenAI requests translate; any byte split streams alike."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.providers.base import Target
from behest.gateway.providers.gemini import ADAPTER, chat_body
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call

TARGET = Target(
    "google", "gemini", "gemini-2.5-flash", "https://generativelanguage.googleapis.com", "k"
)
text = st.text(min_size=1, max_size=30)
names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_-]{0,20}", fullmatch=True)
json_scalars = st.one_of(st.integers(-1000, 1000), st.booleans(), text, st.none())
args = st.dictionaries(names, json_scalars, max_size=3)
leaf_schema = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer"},
        {"type": ["number", "null"]},
        {"type": "boolean", "default": True},
        {"enum": ["a", "b"]},
        {"const": "c"},
    ]
)
parameters = st.dictionaries(names, leaf_schema, min_size=1, max_size=4).map(
    lambda props: {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "title": "P",
    }
)


@st.composite
def conversations(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append(
            {"role": draw(st.sampled_from(["system", "developer"])), "content": draw(text)}
        )
    messages.append({"role": "user", "content": draw(text)})
    functions: list[str] = []
    for turn in range(draw(st.integers(0, 2))):
        calls = [
            (f"call_{turn}_{n}", draw(names), draw(args)) for n in range(draw(st.integers(1, 3)))
        ]
        functions += [name for _, name, _ in calls]
        messages.append(
            {
                "role": "assistant",
                "content": draw(st.one_of(st.none(), text)),
                "tool_calls": [
                    {
                        "id": i,
                        "type": "function",
                        "function": {"name": n, "arguments": json.dumps(a)},
                    }
                    for i, n, a in calls
                ],
            }
        )
        messages += [
            {"role": "tool", "tool_call_id": i, "content": draw(text)} for i, _, _ in calls
        ]
        messages.append({"role": "user", "content": draw(text)})
    return messages, functions


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    messages, _ = draw(conversations())
    body: dict[str, Any] = {"model": "gemini-2.5-flash", "messages": messages}
    optional = {
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 4096),
        "seed": st.integers(0, 2**31),
        "n": st.integers(1, 4),
        "stop": st.lists(text, min_size=1, max_size=4),
        "tools": st.lists(
            st.builds(
                lambda n, p: {"type": "function", "function": {"name": n, "parameters": p}},
                names,
                parameters,
            ),
            min_size=1,
            max_size=3,
        ),
        "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    return body


@settings(max_examples=150, deadline=None)
@given(requests())
def test_valid_requests_translate_and_keep_what_survives(body: dict[str, Any]) -> None:
    request = chat_body(body)
    config = request.get("generationConfig", {})
    texts = [p["text"] for c in request["contents"] for p in c["parts"] if "text" in p]
    system = [p["text"] for p in (request.get("systemInstruction") or {}).get("parts", [])]
    for message in body["messages"]:
        if (
            isinstance(message.get("content"), str)
            and message["content"]
            and message["role"] != "tool"
        ):
            assert message["content"] in (
                system if message["role"] in ("system", "developer") else texts
            )
    assert all(c["role"] in ("user", "model") and c["parts"] for c in request["contents"])
    sent_calls = [
        p["functionCall"] for c in request["contents"] for p in c["parts"] if "functionCall" in p
    ]
    original = [tc for m in body["messages"] for tc in m.get("tool_calls", [])]
    assert [c["args"] for c in sent_calls] == [
        json.loads(tc["function"]["arguments"]) for tc in original
    ]
    results = [
        p["functionResponse"]["name"]
        for c in request["contents"]
        for p in c["parts"]
        if "functionResponse" in p
    ]
    assert results == [tc["function"]["name"] for tc in original]
    assert config.get("temperature") == body.get("temperature")
    assert config.get("maxOutputTokens") == body.get("max_tokens")
    assert config.get("stopSequences", []) == body.get("stop", [])
    assert config.get("candidateCount", 1) == body.get("n", 1)
    assert "additionalProperties" not in json.dumps(request.get("tools", []))


def _stream() -> bytes:
    frames = [
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "Héllo, "}]}, "index": 0}
            ]
        },
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "wörld"}]}, "index": 1}]},
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {
                                "functionCall": {"name": "f", "args": {"q": "x\ny"}},
                                "thoughtSignature": "c2ln",
                            }
                        ],
                    },
                    "index": 0,
                }
            ]
        },
        {
            "candidates": [
                {"finishReason": "STOP", "index": 0},
                {"finishReason": "MAX_TOKENS", "index": 1},
            ],
            "usageMetadata": {
                "promptTokenCount": 3,
                "candidatesTokenCount": 4,
                "totalTokenCount": 7,
            },
        },
    ]
    return b"".join(
        b"data: " + json.dumps(f, ensure_ascii=False).encode() + b"\r\n\r\n" for f in frames
    )


RAW = _stream()


def _final(splits: list[int]) -> tuple[Any, ...]:
    state = ADAPTER.new_stream(Call("chat", "m", {}, stream=True, request_id="fixed"), TARGET)
    decoder, start, chunks = SSEDecoder(), 0, []
    for offset in [*sorted(set(splits)), len(RAW)]:
        for event in decoder.feed(RAW[start:offset]):
            chunks += ADAPTER.parse_event(event, state)
        start = offset
    for event in decoder.close():
        chunks += ADAPTER.parse_event(event, state)
    chunks += ADAPTER.finish_stream(state)
    merged: dict[int, list[Any]] = {}
    for chunk in chunks:
        choice = chunk["choices"][0]
        slot = merged.setdefault(choice["index"], ["", [], None])
        slot[0] += choice["delta"].get("content") or ""
        slot[1] += [
            (t["index"], t["function"]["name"], t["function"]["arguments"])
            for t in choice["delta"].get("tool_calls", [])
        ]
        slot[2] = choice["finish_reason"] or slot[2]
    return tuple(sorted((k, v[0], tuple(v[1]), v[2]) for k, v in merged.items())), json.dumps(
        state.usage
    )


WHOLE = _final([])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, len(RAW) - 1), max_size=12))
def test_any_byte_split_gives_the_same_final_message(splits: list[int]) -> None:
    assert _final(splits) == WHOLE


def test_whole_stream_result() -> None:
    messages, _ = WHOLE
    assert messages[0][1:] == ("Héllo, ", ((0, "f", '{"q":"x\\ny"}'),), "tool_calls")
    assert messages[1][1:] == ("wörld", (), "length")
