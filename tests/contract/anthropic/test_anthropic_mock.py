"""The mock Anthropic upstream: strict like the real API, faithful to its spec, faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from anthropic_support import (
    ADAPTER,
    TARGET,
    TIME,
    WEATHER,
    as_openai_sse,
    assemble,
    make_call,
    replay,
    validators,
)

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.anthropic import parse_models
from behest.testing.mock_anthropic import build_app

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
BASE = {"model": "claude-sonnet-4-5", "max_tokens": 100}


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(build_app())) as test_client:
        yield test_client


async def post(client: TestClient[Any, Any], body: dict[str, Any], **headers: str) -> Any:
    return await client.post("/v1/messages", json=body, headers={**HEADERS, **headers})


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


REJECTED = {
    "unknown key": {**BASE, "messages": user("hi"), "n": 2},
    "empty text block": {
        **BASE,
        "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}],
    },
    "missing max_tokens": {"model": "claude-sonnet-4-5", "messages": user("hi")},
    "bad role": {**BASE, "messages": [{"role": "tool", "content": "x"}]},
    "temperature above 1": {**BASE, "messages": user("hi"), "temperature": 1.5},
    "orphan tool_result": {
        **BASE,
        "messages": [
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}],
            }
        ],
    },
    "tool_use without result": {
        **BASE,
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
            },
            {"role": "user", "content": "next"},
        ],
    },
}


@pytest.mark.parametrize("case", sorted(REJECTED))
async def test_mock_rejects_like_the_real_api(client: TestClient[Any, Any], case: str) -> None:
    response = await post(client, REJECTED[case])
    body = await response.json()
    assert response.status == 400
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"


async def test_mock_needs_an_api_key(client: TestClient[Any, Any]) -> None:
    response = await client.post("/v1/messages", json={**BASE, "messages": user("hi")})
    assert response.status == 401
    assert (await response.json())["error"]["type"] == "authentication_error"


async def test_mock_unknown_model_is_404(client: TestClient[Any, Any]) -> None:
    response = await post(client, {**BASE, "model": "gpt-4o", "messages": user("hi")})
    assert response.status == 404


@pytest.mark.shared
async def test_mock_answers_validate_against_the_spec(
    client: TestClient[Any, Any], shared_dir: Path
) -> None:
    anthropic_validator, _ = validators(shared_dir)
    tools = [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
        {"name": "get_time", "input_schema": {"type": "object"}},
    ]
    for body in (
        {**BASE, "messages": user("hello")},
        {**BASE, "messages": user("please call tools"), "tools": tools},
        {
            **BASE,
            "messages": user("hi"),
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "max_tokens": 2000,
        },
    ):
        response = await post(client, body)
        assert anthropic_validator.validate_message(await response.json()) == []
        streamed = await post(client, {**body, "stream": True})
        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert anthropic_validator.validate_sse(await streamed.text()) == []


async def test_mock_parallel_tools_and_usage(client: TestClient[Any, Any]) -> None:
    tools = [
        {"name": "a", "input_schema": {"type": "object"}},
        {"name": "b", "input_schema": {"type": "object"}},
    ]
    body = {**BASE, "messages": user("call tools"), "tools": tools}
    message = await (await post(client, body)).json()
    assert [b["name"] for b in message["content"] if b["type"] == "tool_use"] == ["a", "b"]
    assert message["stop_reason"] == "tool_use"
    single = {**body, "tool_choice": {"type": "auto", "disable_parallel_tool_use": True}}
    message = await (await post(client, single)).json()
    assert [b["name"] for b in message["content"] if b["type"] == "tool_use"] == ["a"]


async def test_mock_cache_tokens_written_then_read(client: TestClient[Any, Any]) -> None:
    system = [{"type": "text", "text": "x" * 400, "cache_control": {"type": "ephemeral"}}]
    body = {**BASE, "system": system, "messages": user("hi")}
    first = (await (await post(client, body)).json())["usage"]
    second = (await (await post(client, body)).json())["usage"]
    assert first["cache_creation_input_tokens"] > 0 == first["cache_read_input_tokens"]
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]


async def test_mock_fault_status_with_retry_after(client: TestClient[Any, Any]) -> None:
    await client.post("/__mock__/faults", json={"status": 429, "retry_after": "3", "remaining": 1})
    response = await post(client, {**BASE, "messages": user("hi")})
    assert response.status == 429
    error = ADAPTER.parse_error(429, response.headers, await response.read())
    assert (error.status, error.headers["Retry-After"]) == (429, "3")
    assert (await post(client, {**BASE, "messages": user("hi")})).status == 200


async def test_mock_fault_overloaded_maps_to_503(client: TestClient[Any, Any]) -> None:
    await client.post("/__mock__/faults", json={"status": 529})
    response = await post(client, {**BASE, "messages": user("hi")})
    assert response.status == 529
    assert ADAPTER.parse_error(529, response.headers, await response.read()).status == 503
    await client.post("/__mock__/faults", json={"clear": True})
    assert (await post(client, {**BASE, "messages": user("hi")})).status == 200


async def test_mock_in_stream_error_event(client: TestClient[Any, Any]) -> None:
    await client.post("/__mock__/faults", json={"error_event_after_chunks": 3})
    response = await post(client, {**BASE, "messages": user("hi"), "stream": True})
    raw = await response.read()
    assert b"event: error" in raw
    with pytest.raises(UpstreamError) as info:
        replay(raw)
    assert info.value.status == 503


async def test_mock_break_mid_stream_is_an_incomplete_stream(client: TestClient[Any, Any]) -> None:
    await client.post("/__mock__/faults", json={"break_after_chunks": 4, "chunk_delay_ms": 1})
    response = await post(client, {**BASE, "messages": user("hi"), "stream": True})
    raw = b""
    try:
        async for piece in response.content.iter_any():
            raw += piece
    except Exception:  # noqa: BLE001 - the point is that the connection dies
        pass
    assert b"message_stop" not in raw
    with pytest.raises(UpstreamError):
        replay(raw)


async def test_mock_records_the_last_request(client: TestClient[Any, Any]) -> None:
    await post(client, {**BASE, "messages": user("remember me")})
    seen = await (await client.get("/__mock__/last_request")).json()
    assert seen["body"]["messages"] == user("remember me")
    assert seen["headers"]["anthropic-version"] == "2023-06-01"


async def test_mock_models_listing(client: TestClient[Any, Any]) -> None:
    response = await client.get("/v1/models", headers=HEADERS)
    models = parse_models(await response.read())
    assert {m["id"] for m in models} >= {"claude-sonnet-4-5"}
    assert all(m["created"] > 1_700_000_000 for m in models)


# ------------------------------------------------------------- the adapter against the mock


async def roundtrip(client: TestClient[Any, Any], stream: bool, **body: Any) -> Any:
    call = make_call(stream=stream, **body)
    request = ADAPTER.build_request(call, TARGET)
    response = await client.post("/v1/messages", data=request.body, headers=dict(request.headers))
    raw = await response.read()
    if response.status != 200:
        raise ADAPTER.parse_error(response.status, response.headers, raw)
    if stream:
        return replay(raw, call=call)
    return ADAPTER.parse_response(call, 200, raw)


CALLS: dict[str, dict[str, Any]] = {
    "text": {
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Hello there"},
        ]
    },
    "tools_parallel": {"messages": user("please call tools"), "tools": [WEATHER, TIME]},
    "tools_forced": {
        "tools": [WEATHER, TIME],
        "tool_choice": {"type": "function", "function": {"name": "get_time"}},
    },
    "json_schema": {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "c",
                "schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
            },
        }
    },
    "reasoning": {"reasoning_effort": "low"},
    "stop": {"messages": user("one two three"), "stop": "two"},
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(CALLS))
async def test_streamed_equals_non_streamed_through_the_mock(
    client: TestClient[Any, Any], shared_dir: Path, name: str
) -> None:
    _, openai_validator = validators(shared_dir)
    completion = await roundtrip(client, False, **CALLS[name])
    assert openai_validator.validate_response("POST", "/v1/chat/completions", 200, completion) == []
    chunks, state = await roundtrip(client, True, **CALLS[name])
    raw = as_openai_sse(chunks, state.usage)
    assert openai_validator.validate_sse("POST", "/v1/chat/completions", raw) == []
    streamed = assemble(chunks)
    message = completion["choices"][0]["message"]
    assert streamed["content"] == (message["content"] or "")
    assert streamed["finish"] == completion["choices"][0]["finish_reason"]
    calls = [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    ]
    streamed_calls = [c for _, c in sorted(streamed["tool_calls"].items())]
    assert [(c["name"], json.loads(c["arguments"] or "{}")) for c in streamed_calls] == calls
    assert all(c["id"].startswith("toolu_") for c in streamed_calls)  # ids differ per request
    assert state.usage["completion_tokens"] == completion["usage"]["completion_tokens"]


async def test_tool_results_round_trip_through_the_mock(client: TestClient[Any, Any]) -> None:
    first = await roundtrip(client, False, messages=user("call tools"), tools=[WEATHER, TIME])
    assistant = first["choices"][0]["message"]
    results = [
        {"role": "tool", "tool_call_id": c["id"], "content": f"result {i}"}
        for i, c in enumerate(assistant["tool_calls"])
    ]
    messages = [*user("call tools"), assistant, *results]
    second = await roundtrip(client, False, messages=messages, tools=[WEATHER, TIME])
    assert second["choices"][0]["message"]["content"] == "Got 2 tool result(s): result 0; result 1"


async def test_json_schema_answer_is_json(client: TestClient[Any, Any]) -> None:
    completion = await roundtrip(client, False, **CALLS["json_schema"])
    assert json.loads(completion["choices"][0]["message"]["content"]) == {"n": 1}
