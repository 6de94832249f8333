"""Gemini contract: requests meet Google's discovery doc, answers meet OpenAI's spec."""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from gemini_support import (
    ADAPTER,
    FIXTURES,
    TARGET,
    TIME,
    WEATHER,
    as_openai_sse,
    assemble,
    fixture_bytes,
    fixture_json,
    make_call,
    replay,
    upstream,
    validators,
)

pytestmark = pytest.mark.shared

IMAGE = "data:image/png;base64,iVBORw0KGgo="
TOOL_TURN = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather and time in Paris? call tools"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a~c2ln",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            },
            {
                "id": "call_b",
                "type": "function",
                "function": {"name": "get_time", "arguments": "{}"},
            },
        ],
    },
    {"role": "tool", "tool_call_id": "call_a~c2ln", "content": '{"temp": 18}'},
    {"role": "tool", "tool_call_id": "call_b", "content": "12:00"},
]

# The capability matrix: every row must translate into a request the Gemini spec accepts.
REQUESTS: dict[str, dict[str, Any]] = {
    "text": {"messages": [{"role": "user", "content": "Hi"}]},
    "system": {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}]},
    "mid-conversation developer": {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "developer", "content": "Answer in French."},
            {"role": "user", "content": "Bye"},
        ]
    },
    "images": {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": IMAGE, "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                ],
            }
        ]
    },
    "tools single": {
        "tools": [WEATHER],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    "tools parallel": {
        "tools": [WEATHER, TIME],
        "tool_choice": "required",
        "parallel_tool_calls": True,
    },
    "tools none": {"tools": [WEATHER], "tool_choice": "none"},
    "tool results": {"messages": TOOL_TURN, "tools": [WEATHER, TIME]},
    "json_object": {"response_format": {"type": "json_object"}},
    "json_schema": {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                    "additionalProperties": False,
                },
            },
        }
    },
    "parameters": {
        "max_completion_tokens": 50,
        "temperature": 1.5,
        "top_p": 0.9,
        "stop": ["END", "STOP"],
        "seed": 7,
        "presence_penalty": 0.5,
        "frequency_penalty": 0.25,
        "user": "u-1",
    },
    "n and logprobs": {"n": 2, "logprobs": True, "top_logprobs": 3},
    "reasoning": {"reasoning_effort": "low", "max_tokens": 100},
    "stream": {"stream": True, "stream_options": {"include_usage": True}},
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_every_matrix_request_validates_against_gemini_spec(shared_dir: Path, name: str) -> None:
    gemini, openai = validators(shared_dir)
    body = dict(REQUESTS[name])
    stream = bool(body.pop("stream", False))
    call = make_call(stream=stream, **body)
    assert openai.validate_request("POST", "/v1/chat/completions", call.body) == []
    path, request = upstream(call)
    assert gemini.validate_request("POST", path, request) == [], json.dumps(request)
    assert path.endswith(":streamGenerateContent?alt=sse" if stream else ":generateContent")


def test_json_schema_request_with_parameters_json_schema_quirk_validates(shared_dir: Path) -> None:
    gemini, _ = validators(shared_dir)
    target = replace(TARGET, quirks=frozenset({"parameters_json_schema"}))
    path, request = upstream(make_call(tools=[WEATHER]), target)
    declaration = request["tools"][0]["functionDeclarations"][0]
    assert declaration["parametersJsonSchema"] == WEATHER["function"]["parameters"]  # type: ignore[index]
    assert gemini.validate_request("POST", path, request) == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("generate_*.json")))
def test_recorded_responses_are_spec_valid_both_sides(shared_dir: Path, name: str) -> None:
    gemini, openai = validators(shared_dir)
    data = fixture_json(name)
    assert (
        gemini.validate_response("POST", "/v1beta/models/gemini-2.5-flash:generateContent", data)
        == []
    )
    result = ADAPTER.parse_response(make_call(), 200, fixture_bytes(name))
    assert openai.validate_response("POST", "/v1/chat/completions", 200, result) == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("stream_*.sse")))
@pytest.mark.parametrize("include_usage", [False, True])
def test_recorded_streams_are_spec_valid_both_sides(
    shared_dir: Path, name: str, include_usage: bool
) -> None:
    gemini, openai = validators(shared_dir)
    raw = fixture_bytes(name)
    assert (
        gemini.validate_sse(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", raw.decode()
        )
        == []
    )
    chunks, state = replay(raw)
    assert all(chunk["usage"] is None for chunk in chunks)
    sse = as_openai_sse(chunks, state, include_usage)
    assert openai.validate_sse("POST", "/v1/chat/completions", sse) == []
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1


@pytest.mark.parametrize("name", ["embed_single.json", "embed_batch.json"])
def test_recorded_embeddings_are_spec_valid_both_sides(shared_dir: Path, name: str) -> None:
    gemini, openai = validators(shared_dir)
    method = "embedContent" if "single" in name else "batchEmbedContents"
    assert (
        gemini.validate_response(
            "POST", f"/v1beta/models/gemini-embedding-001:{method}", fixture_json(name)
        )
        == []
    )
    body = {"model": "gemini-embedding-001", "input": "hello" if "single" in name else ["a", "b"]}
    result = ADAPTER.parse_response(
        make_call(operation="embeddings", **body), 200, fixture_bytes(name)
    )
    assert openai.validate_schema("CreateEmbeddingResponse", result) == []


def test_embedding_requests_validate(shared_dir: Path) -> None:
    gemini, _ = validators(shared_dir)
    for given in ("one", ["one", "two"]):
        call = make_call(
            operation="embeddings", model="gemini-embedding-001", input=given, dimensions=64
        )
        target = replace(TARGET, model="gemini-embedding-001")
        path, request = upstream(call, target)
        assert gemini.validate_request("POST", path, request) == []


def test_base64_embeddings_are_little_endian_float32(shared_dir: Path) -> None:
    call = make_call(
        operation="embeddings",
        model="gemini-embedding-001",
        input="hello",
        encoding_format="base64",
    )
    result = ADAPTER.parse_response(call, 200, fixture_bytes("embed_single.json"))
    raw = base64.b64decode(result["data"][0]["embedding"])
    assert list(struct.unpack("<4f", raw)) == [0.25, -0.5, 0.125, 1.0]
    assert result["usage"] == {"prompt_tokens": 2, "total_tokens": 2}  # ceil(5 / 4), estimated


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("error_*.json")))
def test_recorded_errors_are_gemini_shaped_and_map_to_openai_errors(
    shared_dir: Path, name: str
) -> None:
    gemini, openai = validators(shared_dir)
    data = fixture_json(name)
    assert gemini.validate_error(data) == []
    error = ADAPTER.parse_error(data["error"]["code"], {}, fixture_bytes(name))
    assert openai.validate_schema("ErrorResponse", error.body()) == []


def test_models_fixture_validates(shared_dir: Path) -> None:
    gemini, _ = validators(shared_dir)
    assert gemini.validate_response("GET", "/v1beta/models", fixture_json("models.json")) == []


def test_streamed_parallel_tool_calls_assemble_like_the_unstreamed_answer() -> None:
    chunks, state = replay(fixture_bytes("stream_parallel_tools.sse"))
    message = assemble(chunks)[0]
    assert (
        message["finish_reason"] == "tool_calls"
    )  # bug 2: STOP with calls, finish chunk had no parts
    assert [c["name"] for c in message["tool_calls"].values()] == ["get_weather", "get_time"]
    assert list(message["tool_calls"]) == [0, 1]  # bug 1: one index per call
    assert json.loads(message["tool_calls"][1]["arguments"]) == {"zone": "CET"}
    assert state.usage["total_tokens"] == 50
