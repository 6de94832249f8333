"""Anthropic adapter: request mapping rules, answers, errors and models, without the specs."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.anthropic import ADAPTER, DEFAULT_MAX_TOKENS, parse_models
from behest.gateway.providers.anthropic.response import FINISH_REASONS
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call

TARGET = Target("anthropic", "anthropic", "claude-x", "https://api.anthropic.com", "sk-1")
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


def build(target: Target = TARGET, **body: Any) -> dict[str, Any]:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    call = Call("chat", "m", body, stream=bool(body.get("stream")))
    request = ADAPTER.build_request(call, target)
    assert request.body is not None
    result: dict[str, Any] = json.loads(request.body)
    return result


def test_url_headers_and_model() -> None:
    request = ADAPTER.build_request(Call("chat", "m", {"messages": []}), TARGET)
    assert request.url == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == "sk-1"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in request.headers
    with_v1 = replace(TARGET, base_url="http://127.0.0.1:9/v1/")
    assert (
        ADAPTER.build_request(Call("chat", "m", {}), with_v1).url
        == "http://127.0.0.1:9/v1/messages"
    )


def test_system_and_developer_anywhere_are_hoisted_in_order() -> None:
    body = build(
        messages=[
            {"role": "system", "content": "one"},
            {"role": "user", "content": "hi"},
            {"role": "developer", "content": [{"type": "text", "text": "two"}]},
            {"role": "assistant", "content": "yo"},
            {"role": "system", "content": "three"},
            {"role": "user", "content": "again"},
        ]
    )
    assert [block["text"] for block in body["system"]] == ["one", "two", "three"]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_tool_only_assistant_turn_has_no_empty_text_and_results_merge() -> None:
    calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        for i in range(3)
    ]
    body = build(
        messages=[
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "", "tool_calls": calls},
            *[{"role": "tool", "tool_call_id": f"call_{i}", "content": f"r{i}"} for i in range(3)],
            {"role": "user", "content": "and?"},
        ]
    )
    assistant, results = body["messages"][1], body["messages"][2]
    assert [b["type"] for b in assistant["content"]] == ["tool_use"] * 3
    assert [b["type"] for b in results["content"]] == ["tool_result"] * 3 + ["text"]
    assert [b["tool_use_id"] for b in results["content"][:3]] == ["call_0", "call_1", "call_2"]
    assert len(body["messages"]) == 3


def test_tool_ids_with_foreign_characters_map_the_same_both_ways() -> None:
    call = {"id": "call.1:x", "type": "function", "function": {"name": "f", "arguments": ""}}
    body = build(
        messages=[
            {"role": "user", "content": "go"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call.1:x", "content": "ok"},
        ]
    )
    assert body["messages"][1]["content"][0]["id"] == "call_1_x"
    assert body["messages"][2]["content"][0]["tool_use_id"] == "call_1_x"
    assert body["messages"][1]["content"][0]["input"] == {}


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        ("auto", None, {"type": "auto"}),
        ("none", False, {"type": "none"}),
        ("required", None, {"type": "any"}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ({"type": "function", "function": {"name": "f"}}, None, {"type": "tool", "name": "f"}),
    ],
)
def test_tool_choice(choice: Any, parallel: bool | None, expected: dict[str, Any]) -> None:
    extra: dict[str, Any] = {"tools": [TOOL]}
    if choice is not None:
        extra["tool_choice"] = choice
    if parallel is not None:
        extra["parallel_tool_calls"] = parallel
    assert build(**extra)["tool_choice"] == expected


def test_tool_schema_drops_schema_keywords_anthropic_rejects() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "parameters": {"$schema": "x", "$id": "y", "properties": {"a": {"type": "string"}}},
        },
    }
    assert build(tools=[tool])["tools"][0]["input_schema"] == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }


def test_sampling_parameters() -> None:
    body = build(
        temperature=2,
        top_p=0.3,
        stop="END",
        user="u",
        seed=1,
        presence_penalty=1,
        frequency_penalty=1,
        max_tokens=50,
        service_tier="auto",
        store=True,
    )
    assert body["temperature"] == 1.0
    assert body["top_p"] == 0.3
    assert body["stop_sequences"] == ["END"]
    assert body["metadata"] == {"user_id": "u"}
    assert body["max_tokens"] == 50
    for dropped in ("seed", "presence_penalty", "frequency_penalty", "service_tier", "store"):
        assert dropped not in body
    assert build()["max_tokens"] == DEFAULT_MAX_TOKENS
    assert build(max_completion_tokens=7, max_tokens=9)["max_tokens"] == 7


@pytest.mark.parametrize("field", ["logprobs", "top_logprobs", "logit_bias"])
def test_parameters_the_caller_relies_on_are_refused(field: str) -> None:
    value: Any = {"50256": -100} if field == "logit_bias" else (True if field == "logprobs" else 3)
    with pytest.raises(UnsupportedFeature) as info:
        build(**{field: value})
    assert info.value.param == field


def test_reasoning_effort_becomes_a_thinking_budget() -> None:
    body = build(reasoning_effort="high", temperature=0.3)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 16384}
    assert body["max_tokens"] > 16384
    assert "temperature" not in body
    assert build(reasoning_effort="high", max_tokens=5000)["thinking"]["budget_tokens"] == 4999
    assert "thinking" not in build(reasoning_effort="low", max_tokens=500)
    assert "thinking" not in build(reasoning_effort="none")
    forced = build(reasoning_effort="low", tools=[TOOL], tool_choice="required")
    assert "thinking" not in forced


def test_images() -> None:
    body = build(
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/jpg;base64,AAAA", "detail": "high"},
                    },
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                ],
            }
        ]
    )
    first, second = body["messages"][0]["content"]
    assert first == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"},
    }
    assert second == {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}}
    with pytest.raises(UnsupportedFeature):
        build(
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "data:image/bmp;base64,AAAA"}}
                    ],
                }
            ]
        )
    with pytest.raises(InvalidRequest):
        build(
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "ftp://x/a.png"}}],
                }
            ]
        )


def test_bad_tool_arguments_are_a_400() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1]"}}
    with pytest.raises(InvalidRequest):
        build(
            messages=[
                {"role": "user", "content": "go"},
                {"role": "assistant", "tool_calls": [call]},
            ]
        )


def test_json_object_adds_a_system_instruction() -> None:
    assert "JSON" in build(response_format={"type": "json_object"})["system"][-1]["text"]


def test_json_schema_fallback_tool_answer_is_content() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    call = Call("chat", "m", {"messages": [], "response_format": fmt})
    answer = {
        "id": "msg_1",
        "model": "claude-x",
        "stop_reason": "tool_use",
        "content": [{"type": "tool_use", "id": "t", "name": "json_response", "input": {"a": 1}}],
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    choice = ADAPTER.parse_response(call, 200, json.dumps(answer).encode())["choices"][0]
    assert choice["message"]["content"] == '{"a":1}'
    assert choice["finish_reason"] == "stop"
    assert "tool_calls" not in choice["message"]


def test_finish_reasons_are_openai_values() -> None:
    assert set(FINISH_REASONS.values()) <= {"stop", "length", "tool_calls", "content_filter"}
    assert FINISH_REASONS["refusal"] == "content_filter"


@pytest.mark.parametrize(
    ("status", "kind", "mapped", "retryable"),
    [
        (400, "invalid_request_error", 400, False),
        (401, "authentication_error", 502, False),
        (403, "permission_error", 502, False),
        (402, "billing_error", 502, False),
        (404, "not_found_error", 404, False),
        (413, "request_too_large", 413, False),
        (429, "rate_limit_error", 429, True),
        (500, "api_error", 500, True),
        (502, "api_error", 502, True),
        (503, "api_error", 503, True),
        (504, "timeout_error", 504, True),
        (529, "overloaded_error", 503, True),
    ],
)
def test_error_statuses(status: int, kind: str, mapped: int, retryable: bool) -> None:
    body = json.dumps({"type": "error", "error": {"type": kind, "message": "m sk-ant-secret"}})
    error = ADAPTER.parse_error(status, {"retry-after": "5"}, body.encode())
    assert (error.status, error.retryable) == (mapped, retryable)
    assert ("Retry-After" in error.headers) == (mapped in (429, 503))
    if mapped == 502 and kind != "api_error":
        assert "sk-ant" not in error.message


def test_unparseable_error_body() -> None:
    assert ADAPTER.parse_error(529, {}, b"<html>").status == 503


def test_operations_anthropic_lacks_are_refused() -> None:
    with pytest.raises(UnsupportedFeature):
        ADAPTER.build_request(Call("embeddings", "m", {"input": "x"}), TARGET)


def test_parse_models() -> None:
    body = {
        "data": [
            {"id": "claude-a", "type": "model", "created_at": "2025-02-24T00:00:00Z"},
            {"id": "claude-b", "created_at": "not a date"},
        ],
        "has_more": False,
    }
    models = parse_models(json.dumps(body).encode())
    assert models[0] == {
        "id": "claude-a",
        "object": "model",
        "created": 1740355200,
        "owned_by": "anthropic",
    }
    assert models[1]["created"] == 0
