"""Helpers the Anthropic contract tests share: spec validators, calls, stream replay."""

from __future__ import annotations

import json
import sys
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from behest.gateway.providers.anthropic import ADAPTER
from behest.gateway.providers.base import Target
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call

FIXTURES = Path(__file__).parent / "fixtures"
TARGET = Target("anthropic", "anthropic", "claude-sonnet-4-5", "https://api.anthropic.com", "sk-t")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}


@cache
def validators(shared_dir: Path) -> tuple[Any, Any]:
    """(AnthropicValidator, OpenAI SpecValidator) from ``shared/specs``."""
    specs = str(shared_dir / "specs")
    if specs not in sys.path:
        sys.path.insert(0, specs)
    from validate_anthropic import AnthropicValidator
    from validate_openai import SpecValidator

    return AnthropicValidator(), SpecValidator()


def make_call(stream: bool = False, **body: Any) -> Call:
    body.setdefault("model", "claude")
    body.setdefault("messages", [{"role": "user", "content": "Hello"}])
    if stream:
        body["stream"] = True
    include = bool((body.get("stream_options") or {}).get("include_usage"))
    return Call("chat", body["model"], body, stream=stream, include_usage=include)


def upstream_body(call: Call, target: Target = TARGET) -> dict[str, Any]:
    request = ADAPTER.build_request(call, target)
    assert request.body is not None
    body: dict[str, Any] = json.loads(request.body)
    return body


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def replay(raw: bytes, splits: list[int] | None = None, call: Call | None = None) -> Any:
    """Feeds an Anthropic SSE byte stream (cut at ``splits``) through decoder and adapter."""
    call = call or make_call(stream=True)
    state = ADAPTER.new_stream(call, TARGET)
    decoder = SSEDecoder()
    chunks: list[dict[str, Any]] = []
    cuts = [0, *sorted(set(splits or [])), len(raw)]
    for start, end in pairwise(cuts):
        for event in decoder.feed(raw[start:end]):
            chunks += ADAPTER.parse_event(event, state)
    for event in decoder.close():
        chunks += ADAPTER.parse_event(event, state)
    chunks += ADAPTER.finish_stream(state)
    return chunks, state


def as_openai_sse(chunks: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> str:
    frames = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    if usage is not None:
        last = chunks[-1]
        final = {**last, "choices": [], "usage": usage}
        frames.append(f"data: {json.dumps(final)}\n\n")
    return "".join(frames) + "data: [DONE]\n\n"


def assemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """What an OpenAI client makes of the chunks: text, reasoning, tool calls, finish."""
    message: dict[str, Any] = {"content": "", "reasoning": "", "tool_calls": {}, "finish": None}
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            message["content"] += delta.get("content") or ""
            message["reasoning"] += delta.get("reasoning_content") or ""
            for call in delta.get("tool_calls") or []:
                slot = message["tool_calls"].setdefault(
                    call["index"], {"id": None, "name": None, "arguments": ""}
                )
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] = function.get("name") or slot["name"]
                slot["arguments"] += function.get("arguments") or ""
            message["finish"] = choice["finish_reason"] or message["finish"]
    return message
