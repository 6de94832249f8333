"""The mock Gemini upstream: strict like the real API, faithful to its spec, faults; the adapter
talks to it end to end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from gemini_support import ADAPTER, TARGET, TIME, WEATHER, assemble, make_call, replay, validators

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.base import Target
from behest.gateway.providers.gemini import parse_models
from behest.gateway.request.call import Call
from behest.testing.faults import Fault, Faults
from behest.testing.mock_gemini import build_app

pytestmark = pytest.mark.shared
Client = TestClient[Any, Any]
GEN = "/v1beta/models/gemini-2.5-flash:generateContent"


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_app())) as test_client:
        yield test_client


async def send(client: Client, call: Call, target: Target = TARGET) -> tuple[int, bytes, str]:
    """Sends the adapter's request to the mock: (status, body, path)."""
    request = ADAPTER.build_request(call, target)
    path = request.url.removeprefix(target.base_url)
    response = await client.post(path, data=request.body, headers=dict(request.headers))
    return response.status, await response.read(), path


async def chat(client: Client, call: Call, target: Target = TARGET) -> dict[str, Any]:
    status, body, _ = await send(client, call, target)
    if status != 200:
        raise ADAPTER.parse_error(status, {}, body)
    return ADAPTER.parse_response(call, status, body)


async def test_text_round_trip_is_spec_valid_both_sides(client: Client, shared_dir: Path) -> None:
    gemini, openai = validators(shared_dir)
    call = make_call(
        messages=[{"role": "system", "content": "S"}, {"role": "user", "content": "Hi there"}]
    )
    status, body, path = await send(client, call)
    assert status == 200
    assert gemini.validate_response("POST", path, json.loads(body)) == []
    result = ADAPTER.parse_response(call, status, body)
    assert openai.validate_response("POST", "/v1/chat/completions", 200, result) == []
    assert result["choices"][0]["message"]["content"] == "Echo: Hi there"
    usage = result["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


async def test_unknown_fields_and_json_schema_keywords_are_rejected(client: Client) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "f",
                        "description": "",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {"a": {"type": "STRING"}},
                            "additionalProperties": False,
                        },
                    }
                ]
            }
        ],
    }
    response = await client.post(GEN, json=body, headers={"x-goog-api-key": "k"})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "additionalProperties"' in error["message"]
    assert "tools[0].functionDeclarations[0].parameters" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"contents": [{"role": "assistant", "parts": [{"text": "hi"}]}]},
        {"contents": [{"role": "user", "parts": []}]},
        {"messages": [{"role": "user", "content": "hi"}]},
        {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "generationConfig": {"max_tokens": 5},
        },
    ],
)
async def test_openai_isms_are_rejected(client: Client, body: dict[str, Any]) -> None:
    response = await client.post(GEN, json=body, headers={"x-goog-api-key": "k"})
    assert response.status == 400


async def test_auth_by_header_or_query_and_errors_otherwise(client: Client) -> None:
    body = {"contents": [{"parts": [{"text": "hi"}]}]}
    assert (await client.post(GEN, json=body)).status == 403
    assert (await client.post(GEN + "?key=k", json=body)).status == 200
    bad = await client.post(GEN, json=body, headers={"x-goog-api-key": "invalid-key"})
    error = ADAPTER.parse_error(bad.status, {}, await bad.read())
    assert (bad.status, error.status) == (400, 502)  # the gateway's own credential is at fault
    query = replace(TARGET, auth_style="query")
    assert (await chat(client, make_call(), query))["choices"][0]["message"]["content"]


async def test_parallel_tool_calls_then_results_close_the_loop(client: Client) -> None:
    call = make_call(
        messages=[{"role": "user", "content": "Paris please, call tools"}], tools=[WEATHER, TIME]
    )
    result = await chat(client, call)
    choice = result["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["function"]["arguments"])["city"] == "sample"
    messages = [*call.body["messages"], choice["message"]]
    messages += [
        {"role": "tool", "tool_call_id": c["id"], "content": '{"ok": true}'} for c in calls
    ]
    final = await chat(client, make_call(messages=messages, tools=[WEATHER, TIME]))
    assert (
        final["choices"][0]["message"]["content"]
        == 'Results: get_weather={"ok":true}; get_time={"ok":true}'
    )


async def test_gemini3_thought_signature_survives_the_round_trip(client: Client) -> None:
    target = replace(TARGET, model="gemini-3-pro-preview")
    call = make_call(messages=[{"role": "user", "content": "call tool"}], tools=[WEATHER])
    message = (await chat(client, call, target))["choices"][0]["message"]
    tool_call = message["tool_calls"][0]
    answer = {"role": "tool", "tool_call_id": tool_call["id"], "content": "sunny"}
    plain = {k: v for k, v in tool_call.items() if k != "extra_content"}  # clients that drop extras
    history = [
        *call.body["messages"],
        {"role": "assistant", "content": None, "tool_calls": [plain]},
        answer,
    ]
    final = await chat(client, make_call(messages=history, tools=[WEATHER]), target)
    assert final["choices"][0]["message"]["content"].startswith("Results: get_weather=")
    stripped = {**plain, "id": "call_x"}
    broken = [
        *call.body["messages"],
        {"role": "assistant", "tool_calls": [stripped]},
        {**answer, "tool_call_id": "call_x"},
    ]
    with pytest.raises(UpstreamError, match="thought_signature"):
        await chat(client, make_call(messages=broken, tools=[WEATHER]), target)


async def test_stream_is_spec_valid_and_matches_the_unstreamed_answer(
    client: Client, shared_dir: Path
) -> None:
    gemini, _ = validators(shared_dir)
    body = {
        "messages": [{"role": "user", "content": "Stream a reasonably long sentence, call tools"}],
        "tools": [WEATHER, TIME],
    }
    status, raw, path = await send(client, make_call(stream=True, **body))
    text = raw.decode()
    assert status == 200 and "\r\n\r\n" in text and "[DONE]" not in text
    assert gemini.validate_sse(path, text) == []
    chunks, state = replay(raw)
    streamed = assemble(chunks)[0]
    plain = (await chat(client, make_call(**body)))["choices"][0]
    assert streamed["finish_reason"] == plain["finish_reason"] == "tool_calls"
    names = [c["function"]["name"] for c in plain["message"]["tool_calls"]]
    assert [c["name"] for c in streamed["tool_calls"].values()] == names
    assert state.usage["prompt_tokens"] > 0


async def test_streamed_text_with_two_candidates(client: Client, shared_dir: Path) -> None:
    body = {
        "messages": [{"role": "user", "content": "Tell me something long enough to split"}],
        "n": 2,
    }
    _, raw, _ = await send(client, make_call(stream=True, **body))
    final = assemble(replay(raw)[0])
    plain = (await chat(client, make_call(**body)))["choices"]
    assert [final[i]["content"] for i in (0, 1)] == [c["message"]["content"] for c in plain]
    assert plain[1]["message"]["content"].endswith(" [1]")


@pytest.mark.parametrize(
    ("content", "extra", "reason"),
    [
        ("a long request that will be cut", {"max_tokens": 2}, "length"),
        ("please [safety]", {}, "content_filter"),
        ("please [block]", {}, "content_filter"),
        ("hello", {"stop": ["ll"]}, "stop"),
    ],
)
async def test_finish_reasons(
    client: Client, content: str, extra: dict[str, Any], reason: str
) -> None:
    result = await chat(client, make_call(messages=[{"role": "user", "content": content}], **extra))
    assert result["choices"][0]["finish_reason"] == reason


async def test_json_schema_and_logprobs(client: Client, shared_dir: Path) -> None:
    _, openai = validators(shared_dir)
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    call = make_call(
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
        logprobs=True,
        top_logprobs=2,
    )
    result = await chat(client, call)
    assert openai.validate_response("POST", "/v1/chat/completions", 200, result) == []
    assert json.loads(result["choices"][0]["message"]["content"]) == {"answer": "sample", "n": 1}
    tokens = result["choices"][0]["logprobs"]["content"]
    assert tokens and len(tokens[0]["top_logprobs"]) == 2


async def test_embeddings_single_and_batch(client: Client, shared_dir: Path) -> None:
    gemini, openai = validators(shared_dir)
    target = replace(TARGET, model="gemini-embedding-001")
    for given in ("hello", ["hello", "world"]):
        call = make_call(
            operation="embeddings", model="gemini-embedding-001", input=given, dimensions=16
        )
        status, body, path = await send(client, call, target)
        assert status == 200 and gemini.validate_response("POST", path, json.loads(body)) == []
        result = ADAPTER.parse_response(call, status, body)
        assert openai.validate_schema("CreateEmbeddingResponse", result) == []
        assert all(len(item["embedding"]) == 16 for item in result["data"])
    assert result["data"][0]["embedding"] != result["data"][1]["embedding"]


async def test_models_listing(client: Client, shared_dir: Path) -> None:
    gemini, _ = validators(shared_dir)
    response = await client.get("/v1beta/models", headers={"x-goog-api-key": "k"})
    body = await response.read()
    assert gemini.validate_response("GET", "/v1beta/models", json.loads(body)) == []
    assert "gemini-2.5-flash" in [model["id"] for model in parse_models(body)]


async def test_fault_status_maps_to_rate_limit_with_retry_after(shared_dir: Path) -> None:
    gemini, _ = validators(shared_dir)
    faults = Faults()
    faults.add(Fault(status=429, retry_after="3", remaining=1))
    async with TestClient(TestServer(build_app(faults))) as client:
        request = ADAPTER.build_request(make_call(), TARGET)
        response = await client.post(
            request.url.removeprefix(TARGET.base_url),
            data=request.body,
            headers=dict(request.headers),
        )
        body = await response.read()
        assert gemini.validate_error(json.loads(body)) == []
        error = ADAPTER.parse_error(response.status, response.headers, body)
        assert (error.status, error.headers, error.retryable) == (429, {"Retry-After": "3"}, True)
        assert (await chat(client, make_call()))["choices"]  # the fault was used up


async def test_fault_endpoint_error_event_and_last_request(client: Client) -> None:
    await client.post("/__mock__/faults", json={"error_event_after_chunks": 1})
    _, raw, _ = await send(
        client, make_call(stream=True, messages=[{"role": "user", "content": "x" * 60}])
    )
    with pytest.raises(UpstreamError) as caught:
        replay(raw)
    assert caught.value.status == 503
    last = await (await client.get("/__mock__/last_request")).json()
    assert last["body"]["contents"][0]["parts"] == [{"text": "x" * 60}]
    assert last["headers"]["x-goog-api-key"] == "g-key"
    await client.post("/__mock__/faults", json={"clear": True})
    assert (await chat(client, make_call()))["choices"]


async def test_fault_break_mid_stream_cuts_the_connection(client: Client) -> None:
    await client.post("/__mock__/faults", json={"break_after_chunks": 1, "remaining": 1})
    request = ADAPTER.build_request(
        make_call(stream=True, messages=[{"role": "user", "content": "y" * 80}]), TARGET
    )
    response = await client.post(
        request.url.removeprefix(TARGET.base_url), data=request.body, headers=dict(request.headers)
    )
    with pytest.raises(Exception):  # noqa: B017 - aiohttp's payload error type varies by version
        await response.read()
