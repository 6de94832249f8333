"""Every request the Anthropic adapter builds validates against Anthropic's own spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from anthropic_support import TARGET, TIME, WEATHER, make_call, upstream_body, validators

from behest.gateway.errors import UnsupportedFeature

pytestmark = pytest.mark.shared

PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TOOL_TURN = [
    {"role": "user", "content": "Weather in Paris and the time in Tokyo?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": ""}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
    {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "09:00"}]},
]

CAPABILITIES: dict[str, dict[str, Any]] = {
    "text": {},
    "system": {
        "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
    },
    "multi_turn": {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "How are you?"},
        ]
    },
    "images": {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": PNG, "detail": "low"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                ],
            }
        ]
    },
    "tools_single": {
        "tools": [WEATHER],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    },
    "tools_parallel": {"tools": [WEATHER, TIME], "tool_choice": "required"},
    "tools_no_parallel": {"tools": [WEATHER, TIME], "parallel_tool_calls": False},
    "tool_results": {"messages": TOOL_TURN, "tools": [WEATHER, TIME]},
    "json_schema": {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "city",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                    "additionalProperties": False,
                },
            },
        }
    },
    "json_object": {"response_format": {"type": "json_object"}},
    "sampling": {
        "temperature": 1.8,
        "top_p": 0.5,
        "stop": ["END", ""],
        "seed": 7,
        "presence_penalty": 0.5,
        "frequency_penalty": 0.1,
        "user": "user-42",
        "max_completion_tokens": 300,
        "metadata": {"k": "v"},
        "store": True,
    },
    "reasoning": {"reasoning_effort": "medium", "temperature": 0.2},
    "streaming": {"stream": True, "stream_options": {"include_usage": True}},
}


@pytest.mark.parametrize("name", sorted(CAPABILITIES))
def test_capability_request_validates(shared_dir: Path, name: str) -> None:
    anthropic_validator, _ = validators(shared_dir)
    case = dict(CAPABILITIES[name])
    stream = bool(case.pop("stream", False))
    body = upstream_body(make_call(stream=stream, **case))
    assert anthropic_validator.validate_request(body) == []


def test_json_schema_fallback_tool_validates(shared_dir: Path) -> None:
    anthropic_validator, _ = validators(shared_dir)
    target = type(TARGET)(**{**_fields(TARGET), "quirks": frozenset({"json_schema_tool"})})
    body = upstream_body(make_call(**CAPABILITIES["json_schema"]), target)
    assert anthropic_validator.validate_request(body) == []
    assert body["tool_choice"] == {"type": "tool", "name": "json_response"}
    assert "output_config" not in body


def _fields(target: Any) -> dict[str, Any]:
    return {name: getattr(target, name) for name in target.__dataclass_fields__}


def test_openai_request_itself_is_rejected_by_the_anthropic_spec(shared_dir: Path) -> None:
    """The validator is strict enough to catch a forwarded OpenAI body (bugs 5, 9)."""
    anthropic_validator, _ = validators(shared_dir)
    raw = {"model": "claude", "max_tokens": 10, "messages": TOOL_TURN, "n": 1}
    assert anthropic_validator.validate_request(raw) != []


def test_n_above_one_is_a_clear_400() -> None:
    with pytest.raises(UnsupportedFeature) as info:
        upstream_body(make_call(n=2))
    assert info.value.status == 400
    assert info.value.param == "n"
