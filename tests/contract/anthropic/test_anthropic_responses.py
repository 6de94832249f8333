"""Recorded Anthropic answers are valid Anthropic; the adapter turns them into valid OpenAI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from anthropic_support import (
    ADAPTER,
    FIXTURES,
    as_openai_sse,
    assemble,
    fixture,
    make_call,
    replay,
    validators,
)

from behest.gateway.errors import UpstreamError

pytestmark = pytest.mark.shared

MESSAGES = sorted(p.name for p in FIXTURES.glob("message_*.json"))
STREAMS = sorted(p.name for p in FIXTURES.glob("stream_*.sse"))
ERRORS = sorted(p.name for p in FIXTURES.glob("error_*.json"))


@pytest.mark.parametrize("name", MESSAGES)
def test_recorded_message_is_valid_anthropic(shared_dir: Path, name: str) -> None:
    anthropic_validator, _ = validators(shared_dir)
    assert anthropic_validator.validate_message(json.loads(fixture(name))) == []


@pytest.mark.parametrize("name", STREAMS)
def test_recorded_stream_is_valid_anthropic(shared_dir: Path, name: str) -> None:
    anthropic_validator, _ = validators(shared_dir)
    assert anthropic_validator.validate_sse(fixture(name).decode()) == []


@pytest.mark.parametrize("name", ERRORS)
def test_recorded_error_is_valid_anthropic(shared_dir: Path, name: str) -> None:
    anthropic_validator, _ = validators(shared_dir)
    assert anthropic_validator.validate_error(json.loads(fixture(name))) == []


@pytest.mark.parametrize("name", MESSAGES)
def test_translated_message_is_valid_openai(shared_dir: Path, name: str) -> None:
    _, openai_validator = validators(shared_dir)
    completion = ADAPTER.parse_response(make_call(), 200, fixture(name))
    assert openai_validator.validate_response("POST", "/v1/chat/completions", 200, completion) == []


@pytest.mark.parametrize("name", [s for s in STREAMS if "overloaded" not in s])
@pytest.mark.parametrize("include_usage", [False, True])
def test_translated_stream_is_valid_openai(
    shared_dir: Path, name: str, include_usage: bool
) -> None:
    _, openai_validator = validators(shared_dir)
    chunks, state = replay(fixture(name))
    assert all(chunk["usage"] is None for chunk in chunks)
    assert len({chunk["id"] for chunk in chunks}) == 1
    raw = as_openai_sse(chunks, state.usage if include_usage else None)
    assert openai_validator.validate_sse("POST", "/v1/chat/completions", raw) == []


def test_parallel_tool_stream_indexes_tool_calls_not_blocks() -> None:
    """Bug 1: tool_calls[].index counts tool calls (0, 1), not content blocks (1, 2)."""
    chunks, _ = replay(fixture("stream_parallel_tools.sse"))
    message = assemble(chunks)
    assert sorted(message["tool_calls"]) == [0, 1]
    assert message["tool_calls"][0]["arguments"] == '{"city": "Paris"}'
    assert message["tool_calls"][1] == {
        "id": "toolu_01Kq8Vd3bCHkQ2sLmWd6pZzE",
        "name": "get_time",
        "arguments": '{"tz": "Asia/Tokyo"}',
    }
    assert message["content"] == "Let me check both cities."
    assert message["finish"] == "tool_calls"


def test_streamed_usage_counts_cache_and_input_from_message_start() -> None:
    """Bugs 6 and 7: prompt tokens include cache reads; output is the cumulative last count."""
    _, state = replay(fixture("stream_parallel_tools.sse"))
    assert state.usage == {
        "prompt_tokens": 472 + 1024,
        "completion_tokens": 89,
        "total_tokens": 472 + 1024 + 89,
        "prompt_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 0},
    }


def test_thinking_stream_becomes_reasoning_content() -> None:
    message = assemble(replay(fixture("stream_thinking.sse"))[0])
    assert message["reasoning"] == "2+2 is basic arithmetic."
    assert message["content"] == "4"
    assert message["finish"] == "stop"


def test_in_stream_error_raises_the_mapped_error() -> None:
    with pytest.raises(UpstreamError) as info:
        replay(fixture("stream_overloaded.sse"))
    assert info.value.status == 503
    assert info.value.retryable


def test_non_streamed_usage_includes_cache_tokens() -> None:
    completion = ADAPTER.parse_response(make_call(), 200, fixture("message_text_cached.json"))
    assert completion["usage"]["prompt_tokens"] == 12 + 1500 + 2048
    assert completion["usage"]["total_tokens"] == 12 + 1500 + 2048 + 9
    assert completion["usage"]["prompt_tokens_details"]["cached_tokens"] == 2048


def test_parallel_tool_message_maps_to_tool_calls() -> None:
    completion = ADAPTER.parse_response(make_call(), 200, fixture("message_parallel_tools.json"))
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [json.loads(c["function"]["arguments"])["city"] for c in calls] == ["Paris", "Tokyo"]
    assert choice["message"]["reasoning_content"].startswith("The user wants")


def test_max_tokens_maps_to_length() -> None:
    completion = ADAPTER.parse_response(make_call(), 200, fixture("message_max_tokens.json"))
    assert completion["choices"][0]["finish_reason"] == "length"


def test_recorded_errors_map_to_statuses() -> None:
    limited = ADAPTER.parse_error(429, {"retry-after": "17"}, fixture("error_rate_limit.json"))
    assert (limited.status, limited.headers) == (429, {"Retry-After": "17"})
    too_long = ADAPTER.parse_error(400, {}, fixture("error_prompt_too_long.json"))
    assert (too_long.status, too_long.code) == (400, "context_length_exceeded")
