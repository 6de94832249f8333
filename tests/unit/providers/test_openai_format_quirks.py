"""Each quirk of the OpenAI-compatible family, and plain OpenAI left untouched."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from behest.gateway.providers.base import StreamState, Target
from behest.gateway.providers.openai_format import ADAPTER, QUIRKS
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call


def _target(*quirks: str, **fields: Any) -> Target:
    values: dict[str, Any] = {
        "provider": "p",
        "api_format": "openai",
        "model": "m-up",
        "base_url": "https://up.example/v1",
        "api_key": "sk-test",
        "quirks": frozenset(quirks),
    }
    values.update(fields)
    return Target(**values)


def _chat(stream: bool = False, **body: Any) -> Call:
    payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **body}
    if stream:
        payload["stream"] = True
    return Call("chat", "m", payload, stream=stream)


def _body(call: Call, target: Target) -> dict[str, Any]:
    request = ADAPTER.build_request(call, target)
    assert request.body is not None
    body: dict[str, Any] = orjson.loads(request.body)
    return body


def _event(data: dict[str, Any] | str) -> SSEEvent:
    return SSEEvent(data.encode() if isinstance(data, str) else orjson.dumps(data))


def _chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m-up",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


def _run(state: StreamState, chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for chunk in chunks:
        out += ADAPTER.parse_event(_event(chunk), state)
    out += ADAPTER.parse_event(_event("[DONE]"), state)
    return out + ADAPTER.finish_stream(state)


def test_plain_openai_keeps_its_behaviour() -> None:
    call = _chat(stream=True, parallel_tool_calls=False, max_completion_tokens=5)
    request = ADAPTER.build_request(call, _target())
    body = orjson.loads(request.body or b"")
    assert request.url == "https://up.example/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert body["stream_options"] == {"include_usage": True}
    assert body["parallel_tool_calls"] is False
    assert body["max_completion_tokens"] == 5
    assert body["model"] == "m-up"
    assert type(ADAPTER.new_stream(call, _target())) is StreamState


def test_no_stream_options_drops_the_field() -> None:
    call = _chat(stream=True, stream_options={"include_usage": True})
    assert "stream_options" not in _body(call, _target("no_stream_options"))


def test_no_parallel_tool_calls_drops_the_field() -> None:
    body = _body(_chat(parallel_tool_calls=True), _target("no_parallel_tool_calls"))
    assert "parallel_tool_calls" not in body


def test_max_completion_tokens_becomes_max_tokens() -> None:
    body = _body(_chat(max_completion_tokens=64), _target("max_completion_tokens_to_max_tokens"))
    assert body["max_tokens"] == 64
    assert "max_completion_tokens" not in body


def test_max_tokens_alone_is_left_as_is() -> None:
    body = _body(_chat(max_tokens=32), _target("max_completion_tokens_to_max_tokens"))
    assert body["max_tokens"] == 32


@pytest.mark.parametrize("operation", ["chat", "embeddings"])
def test_azure_deployment_url(operation: str) -> None:
    target = _target(
        "azure_deployment_url",
        model="my deploy",
        base_url="https://res.openai.azure.com/",
        auth_style="api-key",
        query={"api-version": "2024-10-21"},
    )
    call = Call(operation, "m", {"model": "m", "input": "x"})  # type: ignore[arg-type]
    request = ADAPTER.build_request(call, target)
    path = "chat/completions" if operation == "chat" else "embeddings"
    assert request.url == (
        f"https://res.openai.azure.com/openai/deployments/my%20deploy/{path}?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == "sk-test"
    assert "Authorization" not in request.headers


def test_empty_tool_call_ids_in_a_stream_get_one_stable_id() -> None:
    target = _target("empty_tool_call_ids")
    state = ADAPTER.new_stream(_chat(stream=True), target)
    first = {"tool_calls": [{"index": 0, "id": "", "function": {"name": "f", "arguments": ""}}]}
    more = {"tool_calls": [{"index": 0, "id": "", "function": {"arguments": '{"a":1}'}}]}
    second = {"tool_calls": [{"index": 1, "function": {"name": "g", "arguments": "{}"}}]}
    out = _run(state, [_chunk(first), _chunk(more), _chunk(second), _chunk({}, "tool_calls")])
    calls = [c["choices"][0]["delta"].get("tool_calls") for c in out]
    assert calls[0][0]["id"].startswith("call_")
    assert calls[0][0]["type"] == "function"
    assert "id" not in calls[1][0]
    assert calls[2][0]["id"].startswith("call_")
    assert calls[2][0]["id"] != calls[0][0]["id"]


def test_whole_tool_calls_without_index_are_numbered() -> None:
    state = ADAPTER.new_stream(_chat(stream=True), _target("empty_tool_call_ids"))
    whole = {"tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]}
    out = _run(state, [_chunk(whole), _chunk(whole)])
    indexes = [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in out]
    ids = {c["choices"][0]["delta"]["tool_calls"][0]["id"] for c in out}
    assert indexes == [0, 1]
    assert len(ids) == 2


def test_real_tool_call_ids_are_kept() -> None:
    state = ADAPTER.new_stream(_chat(stream=True), _target("empty_tool_call_ids"))
    delta = {"tool_calls": [{"index": 0, "id": "call_up", "type": "function", "function": {}}]}
    out = _run(state, [_chunk(delta)])
    assert out[0]["choices"][0]["delta"]["tool_calls"][0]["id"] == "call_up"


def test_empty_tool_call_ids_in_a_response_are_filled() -> None:
    message = {
        "role": "assistant",
        "tool_calls": [{"id": "", "function": {"name": "f", "arguments": "{}"}}],
    }
    body = {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message}]}
    data = ADAPTER.parse_response(_chat(), 200, orjson.dumps(body))
    call = data["choices"][0]["message"]["tool_calls"][0]
    assert call["id"].startswith("call_")
    assert call["type"] == "function"


def test_finish_reason_on_every_chunk_is_held_to_the_end() -> None:
    state = ADAPTER.new_stream(_chat(stream=True), _target("finish_reason_on_every_chunk"))
    chunks = [
        _chunk({"role": "assistant", "content": "Hel"}, "stop"),
        _chunk({"content": "lo"}, "stop"),
    ]
    chunks.append(_chunk({}, "stop"))
    out = _run(state, chunks)
    reasons = [c["choices"][0]["finish_reason"] for c in out]
    assert reasons == [None, None, "stop"]
    assert out[-1]["choices"][0]["delta"] == {}
    assert out[-1]["id"] == "chatcmpl-1"
    assert out[-1]["usage"] is None
    assert state.finish_reasons == {0: "stop"}


def test_held_finish_reason_is_released_when_the_upstream_just_ends() -> None:
    state = ADAPTER.new_stream(_chat(stream=True), _target("finish_reason_on_every_chunk"))
    out = ADAPTER.parse_event(_event(_chunk({"content": "x"}, "length")), state)
    out += ADAPTER.finish_stream(state)
    assert [c["choices"][0]["finish_reason"] for c in out] == [None, "length"]
    assert ADAPTER.finish_stream(state) == []


def test_usage_is_still_recorded_with_quirks() -> None:
    state = ADAPTER.new_stream(_chat(stream=True), _target("finish_reason_on_every_chunk"))
    usage = {"prompt_tokens": 3, "completion_tokens": 2}
    ADAPTER.parse_event(_event(_chunk({"content": "x"}, "stop")), state)
    assert (
        ADAPTER.parse_event(_event({"id": "chatcmpl-1", "choices": [], "usage": usage}), state)
        == []
    )
    assert state.usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def test_every_quirk_has_a_test() -> None:
    tested = {
        "no_stream_options",
        "no_parallel_tool_calls",
        "azure_deployment_url",
        "max_completion_tokens_to_max_tokens",
        "empty_tool_call_ids",
        "finish_reason_on_every_chunk",
    }
    assert tested == QUIRKS
