"""What each matrix feature sends and what a supported answer must hold, per feature.

A case is provider-neutral: one OpenAI request body and one check of the gateway-side
result (plus, where the mapping is the point, a look at what reached the provider).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matrix_wire import Exchange

from behest.gateway.request.call import Operation

JSON = dict[str, Any]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
    },
}
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAE"
    "hQGAhKmMIQAAAABJRU5ErkJggg=="
)
REPLY_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
    "required": ["answer", "score"],
    "additionalProperties": False,
}
_SYSTEM_FIELD = {"openai": "messages", "anthropic": "system", "gemini": "systemInstruction"}
_TURNS_FIELD = {"openai": "messages", "anthropic": "messages", "gemini": "contents"}


@dataclass(frozen=True, slots=True)
class Case:
    body: JSON
    check: Callable[[Exchange], None]
    operation: Operation = "chat"
    fault: Callable[[str], JSON] | None = None
    twin: bool = False  # also run the request unstreamed and hand it to the check


def user(text: str) -> list[JSON]:
    return [{"role": "user", "content": text}]


def _text(ex: Exchange) -> str:
    content = ex.message["content"]
    assert isinstance(content, str) and content, ex.result
    return content


def _check_text(ex: Exchange) -> None:
    assert _text(ex) == "Echo: say hello"
    assert ex.result is not None
    assert ex.result["choices"][0]["finish_reason"] == "stop"
    assert ex.result["usage"]["total_tokens"] > 0


def _check_system(ex: Exchange) -> None:
    _check_text(ex)
    sent = json.dumps(ex.sent[_SYSTEM_FIELD[ex.provider]])
    assert "Be brief." in sent and "Use plain words." in sent


def _check_multi_turn(ex: Exchange) -> None:
    assert _text(ex).endswith("second question")
    assert len(ex.sent[_TURNS_FIELD[ex.provider]]) == 3


def _check_sent(*needles: str) -> Callable[[Exchange], None]:
    def check(ex: Exchange) -> None:
        assert _text(ex)
        sent = json.dumps(ex.sent)
        for needle in needles:
            assert needle in sent, sent

    return check


def _tool_calls(message: JSON) -> list[tuple[str, JSON]]:
    calls = message.get("tool_calls") or []
    ids = [call["id"] for call in calls]
    assert all(ids) and len(set(ids)) == len(ids), ids
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


def _check_calls(*names: str) -> Callable[[Exchange], None]:
    def check(ex: Exchange) -> None:
        assert ex.result is not None
        assert ex.result["choices"][0]["finish_reason"] == "tool_calls"
        calls = _tool_calls(ex.message)
        assert [name for name, _ in calls] == list(names)
        assert all(isinstance(arguments, dict) for _, arguments in calls)

    return check


def _check_tool_results(ex: Exchange) -> None:
    assert ex.result is not None
    assert ex.result["choices"][0]["finish_reason"] == "stop"
    assert _text(ex)
    sent = json.dumps(ex.sent)
    assert "sunny" in sent and "noon" in sent
    if ex.provider == "anthropic":  # both results in the one turn after the tool_use turn
        blocks = ex.sent["messages"][-1]["content"]
        assert [b["type"] for b in blocks] == ["tool_result", "tool_result"]


def _check_json(*keys: str) -> Callable[[Exchange], None]:
    def check(ex: Exchange) -> None:
        value = json.loads(_text(ex))
        assert isinstance(value, dict)
        assert all(key in value for key in keys), value

    return check


def _streamed_text(ex: Exchange) -> str:
    return "".join(
        choice["delta"].get("content") or "" for chunk in ex.chunks for choice in chunk["choices"]
    )


def _check_stream(ex: Exchange) -> None:
    assert _streamed_text(ex) == "Echo: say hello"
    assert all(chunk["usage"] is None for chunk in ex.chunks)
    assert ex.state is not None and ex.state.usage is not None  # the gateway still books it
    assert '"choices": []' not in ex.sse


def _check_stream_usage(ex: Exchange) -> None:
    assert _streamed_text(ex) == "Echo: say hello"
    frames = [json.loads(line[6:]) for line in ex.sse.splitlines() if line.startswith("data: {")]
    *body, last = frames
    assert all(frame["usage"] is None for frame in body)
    assert last["choices"] == []
    usage = last["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def assemble(chunks: list[JSON]) -> list[tuple[str, JSON]]:
    """Streamed tool calls merged by ``index`` as OpenAI clients merge them."""
    slots: dict[int, JSON] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            for call in choice["delta"].get("tool_calls") or []:
                slot = slots.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                slot["id"] = slot["id"] or call.get("id") or ""
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
    assert all(slot["id"] for slot in slots.values())
    return [(s["name"], json.loads(s["arguments"])) for _, s in sorted(slots.items())]


def _check_stream_tools(ex: Exchange) -> None:
    finishes = [c["finish_reason"] for chunk in ex.chunks for c in chunk["choices"]]
    assert [f for f in finishes if f] == ["tool_calls"]
    streamed = assemble(ex.chunks)
    assert [name for name, _ in streamed] == ["get_weather", "get_time"]
    assert ex.twin is not None
    assert streamed == _tool_calls(ex.twin.message)


def _check_n(ex: Exchange) -> None:
    assert ex.result is not None
    choices = ex.result["choices"]
    assert [choice["index"] for choice in choices] == [0, 1]
    assert all(choice["message"]["content"] for choice in choices)


def _check_logprobs(ex: Exchange) -> None:
    assert ex.result is not None
    content = ex.result["choices"][0]["logprobs"]["content"]
    assert content and all(len(entry["top_logprobs"]) == 2 for entry in content)
    assert "".join(entry["token"] for entry in content).replace(" ", "") == _text(ex).replace(
        " ", ""
    )


def _check_seed(ex: Exchange) -> None:
    _check_text(ex)
    sent = ex.sent.get("generationConfig", ex.sent)
    assert sent.get("seed") == (None if ex.provider == "anthropic" else 7)


def _check_embeddings(ex: Exchange) -> None:
    assert ex.result is not None
    data = ex.result["data"]
    assert [item["index"] for item in data] == [0, 1]
    assert all(len(item["embedding"]) == 8 for item in data)
    assert ex.result["usage"]["prompt_tokens"] >= 0


def _check_moderations(ex: Exchange) -> None:
    assert ex.result is not None
    assert len(ex.result["results"]) == 1


def _check_error(status: int, code: str | None = None) -> Callable[[Exchange], None]:
    def check(ex: Exchange) -> None:
        assert ex.error is not None, ex.result
        assert ex.error.status == status
        assert ex.error.message
        if status == 429:
            assert ex.error.headers.get("Retry-After") == "7"
        if code and ex.provider == "anthropic":
            assert ex.error.code == code

    return check


_TOOL_TURN = [
    *user("call tools"),
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "here"}'},
            },
            {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": ""}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
    {"role": "tool", "tool_call_id": "call_b", "content": "noon"},
]
_SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "reply", "strict": True, "schema": REPLY_SCHEMA},
}
_OVERLOADED = {"anthropic": 529}

CASES: dict[str, Case] = {
    "text": Case({"messages": user("say hello")}, _check_text),
    "system": Case(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                *user("say hello"),
                {"role": "developer", "content": "Use plain words."},
            ]
        },
        _check_system,
    ),
    "multi_turn": Case(
        {
            "messages": [
                *user("first question"),
                {"role": "assistant", "content": "first answer"},
                *user("second question"),
            ]
        },
        _check_multi_turn,
    ),
    "image_data_url": Case(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "describe this"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    ],
                }
            ]
        },
        _check_sent(PNG),
    ),
    "image_https": Case(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "describe this"},
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://example.com/pic.png", "detail": "low"},
                        },
                    ],
                }
            ]
        },
        _check_sent("https://example.com/pic.png"),
    ),
    "tools_single": Case(
        {"messages": user("call tools"), "tools": [WEATHER], "tool_choice": "required"},
        _check_calls("get_weather"),
    ),
    "tools_parallel": Case(
        {"messages": user("call tools"), "tools": [WEATHER, TIME]},
        _check_calls("get_weather", "get_time"),
    ),
    "tools_one_at_a_time": Case(
        {"messages": user("call tools"), "tools": [WEATHER, TIME], "parallel_tool_calls": False},
        _check_calls("get_weather"),
    ),
    "tool_results": Case({"messages": _TOOL_TURN, "tools": [WEATHER, TIME]}, _check_tool_results),
    "json_schema": Case(
        {"messages": user("rate this"), "response_format": _SCHEMA_FORMAT},
        _check_json("answer", "score"),
    ),
    "json_object": Case(
        {"messages": user("answer in JSON"), "response_format": {"type": "json_object"}},
        _check_json(),
    ),
    "stream": Case({"messages": user("say hello"), "stream": True}, _check_stream),
    "stream_usage": Case(
        {
            "messages": user("say hello"),
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        _check_stream_usage,
    ),
    "stream_tools": Case(
        {"messages": user("call tools"), "tools": [WEATHER, TIME], "stream": True},
        _check_stream_tools,
        twin=True,
    ),
    "n": Case({"messages": user("say hello"), "n": 2}, _check_n),
    "logprobs": Case(
        {"messages": user("say hello"), "logprobs": True, "top_logprobs": 2}, _check_logprobs
    ),
    "seed": Case({"messages": user("say hello"), "seed": 7}, _check_seed),
    "embeddings": Case(
        {"input": ["alpha", "beta"], "dimensions": 8}, _check_embeddings, "embeddings"
    ),
    "moderations": Case({"input": "a calm sentence"}, _check_moderations, "moderations"),
    "error_429": Case(
        {"messages": user("say hello")},
        _check_error(429),
        fault=lambda provider: {"status": 429, "retry_after": "7"},
    ),
    "error_503": Case(
        {"messages": user("say hello")},
        _check_error(503),
        fault=lambda provider: {"status": _OVERLOADED.get(provider, 503)},
    ),
    "error_500": Case(
        {"messages": user("say hello")},
        _check_error(500),
        fault=lambda provider: {"status": 500},
    ),
    "error_400": Case(
        {"messages": user("say hello")},
        _check_error(400, "context_length_exceeded"),
        fault=lambda provider: {"status": 400},
    ),
}
