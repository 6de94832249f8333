"""Gemini adapter mapping rules, one behaviour per test (specs/README.md sections 4 and 5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.base import Target
from behest.gateway.providers.gemini import ADAPTER, chat_body, parse_models
from behest.gateway.providers.gemini.ids import decode_call_id, encode_call_id
from behest.gateway.providers.gemini.schema import to_gemini_schema
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call

TARGET = Target(
    "google", "gemini", "gemini-2.5-flash", "https://generativelanguage.googleapis.com", "k"
)


def body(**fields: Any) -> dict[str, Any]:
    fields.setdefault("messages", [{"role": "user", "content": "Hi"}])
    return chat_body(fields)


def parse(data: dict[str, Any]) -> dict[str, Any]:
    return ADAPTER.parse_response(
        Call("chat", "gemini-2.5-flash", {}), 200, json.dumps(data).encode()
    )


def candidate(parts: list[dict[str, Any]], reason: str = "STOP") -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": reason}]}


def test_url_and_auth_header() -> None:
    request = ADAPTER.build_request(
        Call("chat", "m", {"messages": [{"role": "user", "content": "x"}]}), TARGET
    )
    assert (
        request.url
        == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
    )
    assert request.headers["x-goog-api-key"] == "k" and "Authorization" not in request.headers
    stream = ADAPTER.build_request(
        Call("chat", "m", {"messages": [{"role": "user", "content": "x"}]}, stream=True), TARGET
    )
    assert stream.url.endswith(":streamGenerateContent?alt=sse") and stream.stream


def test_system_messages_anywhere_fold_into_system_instruction_in_order() -> None:  # bug 9
    request = body(
        messages=[
            {"role": "system", "content": "one"},
            {"role": "user", "content": "Hi"},
            {"role": "developer", "content": [{"type": "text", "text": "two"}]},
            {"role": "user", "content": "Again"},
        ]
    )
    assert request["systemInstruction"] == {"parts": [{"text": "one"}, {"text": "two"}]}
    assert [c["role"] for c in request["contents"]] == ["user", "user"]


def test_roles_and_empty_messages() -> None:
    request = body(
        messages=[
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": ""},
            {"role": "assistant", "content": "Hello"},
        ]
    )
    assert request["contents"] == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello"}]},
    ]


def test_images_data_url_inline_and_https_file_data() -> None:  # bug 10
    parts = body(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/webp;base64,AAAA"}},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/a/photo.JPG?x=1"},
                    },
                ],
            }
        ]
    )["contents"][0]["parts"]
    assert parts[0] == {"inlineData": {"mimeType": "image/webp", "data": "AAAA"}}
    assert parts[1] == {
        "fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/a/photo.JPG?x=1"}
    }


def test_tool_calls_and_parallel_results_merge_into_one_user_turn() -> None:
    request = body(
        messages=[
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "a", "arguments": ""}},
                    {"id": "c2", "type": "function", "function": {"name": "b", "arguments": "{}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "c2", "content": "[1, 2]"},
            {"role": "tool", "tool_call_id": "c1", "content": "plain"},
        ]
    )
    model, results = request["contents"][1:]
    assert model["parts"] == [
        {"functionCall": {"name": "a", "args": {}}},
        {"functionCall": {"name": "b", "args": {}}},
    ]
    assert results == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "b", "response": {"result": [1, 2]}}},
            {"functionResponse": {"name": "a", "response": {"result": "plain"}}},
        ],
    }


def test_unknown_tool_call_id_is_a_clear_400() -> None:
    with pytest.raises(InvalidRequest, match="earlier assistant tool call"):
        body(
            messages=[
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "nope", "content": "1"},
            ]
        )


def test_thought_signature_and_gemini_id_ride_in_the_tool_call_id() -> None:  # bug 8
    call_id = encode_call_id("fc-1", "c2ln+/=")
    assert decode_call_id(call_id) == ("fc-1", "c2ln+/=")
    assert decode_call_id(encode_call_id(None, None)) == (None, None)
    assert decode_call_id("call_from_openai") == (None, None)
    response = parse(
        candidate(
            [{"functionCall": {"id": "fc-1", "name": "f", "args": {}}, "thoughtSignature": "c2ln"}]
        )
    )
    tool_call = response["choices"][0]["message"]["tool_calls"][0]
    request = body(
        messages=[
            {"role": "user", "content": "x"},
            {"role": "assistant", "tool_calls": [{**tool_call, "extra_content": None}]},
            {"role": "tool", "tool_call_id": tool_call["id"], "content": "{}"},
        ]
    )
    assert request["contents"][1]["parts"][0] == {
        "functionCall": {"name": "f", "args": {}, "id": "fc-1"},
        "thoughtSignature": "c2ln",
    }
    assert request["contents"][2]["parts"][0]["functionResponse"]["id"] == "fc-1"


def test_extra_content_signature_is_accepted_too() -> None:
    request = body(
        messages=[
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                        "extra_content": {"google": {"thought_signature": "U0lH"}},
                    }
                ],
            },
        ]
    )
    assert request["contents"][1]["parts"][0]["thoughtSignature"] == "U0lH"


def test_json_schema_tool_parameters_are_rewritten_to_gemini_subset() -> None:  # bug 4
    schema = {
        "$schema": "x",
        "title": "T",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "a": {"type": ["integer", "null"], "default": 1, "examples": [1]},
            "b": {"anyOf": [{"$ref": "#/$defs/B"}, {"type": "null"}]},
            "c": {"oneOf": [{"type": "string"}, {"type": "number"}]},
            "d": {"const": "x"},
            "e": {"type": "string", "format": "uri"},
            "f": {"allOf": [{"type": "object", "properties": {"g": {"type": "boolean"}}}]},
        },
        "required": ["a", "missing"],
        "$defs": {"B": {"type": "object", "properties": {"x": {"type": "string", "enum": [1, 2]}}}},
    }
    assert to_gemini_schema(schema) == {
        "type": "OBJECT",
        "properties": {
            "a": {"type": "INTEGER", "nullable": True},
            "b": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}, "nullable": True},
            "c": {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]},
            "d": {"enum": ["x"], "type": "STRING"},
            "e": {"type": "STRING"},
            "f": {"type": "OBJECT", "properties": {"g": {"type": "BOOLEAN"}}},
        },
        "required": ["a"],
    }


def test_recursive_refs_terminate() -> None:
    schema = {
        "$ref": "#/$defs/N",
        "$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}},
    }
    assert to_gemini_schema(schema)["type"] == "OBJECT"


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "f"}},
            {"mode": "ANY", "allowedFunctionNames": ["f"]},
        ),
    ],
)
def test_tool_choice(choice: Any, config: dict[str, Any]) -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    request = body(tools=tools, tool_choice=choice)
    assert request["toolConfig"] == {"functionCallingConfig": config}
    assert request["tools"] == [{"functionDeclarations": [{"name": "f", "description": ""}]}]


def test_generation_parameters() -> None:
    config = body(
        max_tokens=5,
        max_completion_tokens=9,
        temperature=0,
        top_p=0.5,
        stop="END",
        n=3,
        seed=1,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        logprobs=True,
        top_logprobs=4,
        reasoning_effort="none",
        response_format={"type": "json_object"},
    )["generationConfig"]
    assert config == {
        "maxOutputTokens": 9,
        "temperature": 0.0,
        "topP": 0.5,
        "stopSequences": ["END"],
        "candidateCount": 3,
        "seed": 1,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "responseLogprobs": True,
        "logprobs": 4,
        "thinkingConfig": {"thinkingBudget": 0},
        "responseMimeType": "application/json",
    }


def test_thinking_level_quirk() -> None:
    request = chat_body(
        {"messages": [{"role": "user", "content": "x"}], "reasoning_effort": "high"},
        frozenset({"thinking_level"}),
    )
    assert request["generationConfig"]["thinkingConfig"] == {"thinkingLevel": "HIGH"}


@pytest.mark.parametrize(
    "fields",
    [
        {"stop": list("abcdef")},
        {"logit_bias": {"1": 2}},
        {"tools": [{"type": "custom", "custom": {}}]},
        {"messages": [{"role": "user", "content": [{"type": "input_file", "x": 1}]}]},
    ],
)
def test_unsupported_features_are_clear_400s(fields: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedFeature):
        body(**fields)


def test_moderations_are_refused() -> None:
    with pytest.raises(UnsupportedFeature, match="moderations") as caught:
        ADAPTER.build_request(Call("moderations", "m", {"input": "x"}), TARGET)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("reason", "parts", "expected"),
    [
        ("STOP", [{"text": "x"}], "stop"),
        ("STOP", [{"functionCall": {"name": "f", "args": {}}}], "tool_calls"),  # bug 2
        ("MAX_TOKENS", [{"text": "x"}], "length"),  # bug 3
        ("SAFETY", [], "content_filter"),
        ("RECITATION", [{"text": "x"}], "content_filter"),
        ("MALFORMED_FUNCTION_CALL", [], "stop"),
    ],
)
def test_finish_reasons(reason: str, parts: list[dict[str, Any]], expected: str) -> None:
    assert parse(candidate(parts, reason))["choices"][0]["finish_reason"] == expected


def test_usage_counts_thoughts_as_completion_and_reports_cache() -> None:  # bug 6
    data = {
        **candidate([{"text": "x"}]),
        "usageMetadata": {
            "promptTokenCount": 10,
            "candidatesTokenCount": 3,
            "thoughtsTokenCount": 5,
            "cachedContentTokenCount": 4,
            "totalTokenCount": 18,
        },
    }
    assert parse(data)["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 8,
        "total_tokens": 18,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 5},
    }


def test_thought_parts_are_not_content() -> None:
    message = parse(candidate([{"text": "thinking…", "thought": True}, {"text": "answer"}]))[
        "choices"
    ][0]["message"]
    assert message["content"] == "answer"


def _events(*datas: dict[str, Any]) -> list[dict[str, Any]]:
    state = ADAPTER.new_stream(Call("chat", "m", {}, stream=True, request_id="r1"), TARGET)
    chunks = [
        c for data in datas for c in ADAPTER.parse_event(SSEEvent(json.dumps(data).encode()), state)
    ]
    return chunks + ADAPTER.finish_stream(state)


def test_stream_tool_call_indices_count_per_choice() -> None:  # bug 1 and the n>1 index bug
    call = {"functionCall": {"name": "f", "args": {"a": 1}}}
    chunks = _events(
        {
            "candidates": [
                {"content": {"parts": [call]}, "index": 0},
                {"content": {"parts": [call]}, "index": 1},
            ]
        },
        {"candidates": [{"content": {"parts": [call]}, "index": 0}]},
        {
            "candidates": [
                {"finishReason": "STOP", "index": 0},
                {"finishReason": "STOP", "index": 1},
            ]
        },
    )
    deltas = [
        (c["choices"][0]["index"], t["index"])
        for c in chunks
        for t in c["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert deltas == [(0, 0), (1, 0), (0, 1)]
    finishes = {
        c["choices"][0]["index"]: c["choices"][0]["finish_reason"]
        for c in chunks
        if c["choices"][0]["finish_reason"]
    }
    assert finishes == {0: "tool_calls", 1: "tool_calls"}
    assert {c["id"] for c in chunks} == {"chatcmpl-r1"} and all(c["usage"] is None for c in chunks)


def test_stream_usage_only_last_frame_and_unfinished_choice_closed() -> None:  # bug 7
    state = ADAPTER.new_stream(Call("chat", "m", {}, stream=True), TARGET)
    ADAPTER.parse_event(SSEEvent(b'{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}'), state)
    assert (
        ADAPTER.parse_event(
            SSEEvent(b'{"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":1}}'), state
        )
        == []
    )
    assert state.usage is not None and state.usage["total_tokens"] == 3
    closing = ADAPTER.finish_stream(state)
    assert closing[-1]["choices"][0]["finish_reason"] == "stop" and state.done


def test_errors_map_statuses() -> None:
    def status(code: int, grpc: str) -> int:
        raw = json.dumps({"error": {"code": code, "message": "m", "status": grpc}}).encode()
        return ADAPTER.parse_error(code, {}, raw).status

    assert status(429, "RESOURCE_EXHAUSTED") == 429
    assert status(503, "UNAVAILABLE") == 503
    assert status(400, "INVALID_ARGUMENT") == 400
    assert status(403, "PERMISSION_DENIED") == 502
    assert status(401, "UNAUTHENTICATED") == 502
    assert status(500, "INTERNAL") == 500
    assert ADAPTER.parse_error(500, {}, b"not json").status == 500


def test_in_stream_error_raises() -> None:
    state = ADAPTER.new_stream(Call("chat", "m", {}, stream=True), TARGET)
    with pytest.raises(Exception, match="overloaded") as caught:
        ADAPTER.parse_event(
            SSEEvent(b'{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}'), state
        )
    assert getattr(caught.value, "status", None) == 503


def test_embedding_requests() -> None:
    single = ADAPTER.build_request(Call("embeddings", "e", {"input": "a", "dimensions": 8}), TARGET)
    assert single.url.endswith(":embedContent")
    assert json.loads(single.body or b"") == {
        "content": {"parts": [{"text": "a"}]},
        "outputDimensionality": 8,
    }
    batch = ADAPTER.build_request(Call("embeddings", "e", {"input": ["a", "b"]}), TARGET)
    assert batch.url.endswith(":batchEmbedContents")
    assert [r["model"] for r in json.loads(batch.body or b"")["requests"]] == [
        "models/gemini-2.5-flash"
    ] * 2
    with pytest.raises(UnsupportedFeature):
        ADAPTER.build_request(Call("embeddings", "e", {"input": [[1, 2]]}), TARGET)


def test_parse_models_strips_prefix() -> None:
    assert parse_models(b'{"models":[{"name":"models/gemini-2.5-pro"}]}') == [
        {"id": "gemini-2.5-pro", "object": "model", "created": 0, "owned_by": "google"}
    ]


def test_parallel_tool_calls_false_keeps_the_first_call_only() -> None:
    """Gemini cannot be told; the client still gets at most one call, streamed or not."""
    parts = [{"functionCall": {"name": n, "args": {"city": "Paris"}}} for n in ("a", "b")]
    single = Call("chat", "gemini-2.5-flash", {"parallel_tool_calls": False})
    answer = ADAPTER.parse_response(single, 200, json.dumps(candidate(parts)).encode())
    assert [t["function"]["name"] for t in answer["choices"][0]["message"]["tool_calls"]] == ["a"]
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert len(parse(candidate(parts))["choices"][0]["message"]["tool_calls"]) == 2
    state = ADAPTER.new_stream(Call("chat", "m", {"parallel_tool_calls": False}, True), TARGET)
    frames = [{"candidates": [{"content": {"parts": [p]}, "index": 0}]} for p in parts]
    chunks = [
        c for f in frames for c in ADAPTER.parse_event(SSEEvent(json.dumps(f).encode()), state)
    ]
    calls = [t for c in chunks for t in c["choices"][0]["delta"].get("tool_calls", [])]
    assert [(t["index"], t["function"]["name"]) for t in calls] == [(0, "a")]
