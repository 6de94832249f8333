"""Helpers the Gemini tests share: spec validators, calls, stream replay and assembly."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from behest.gateway.providers.base import JSON, Target
from behest.gateway.providers.gemini import ADAPTER
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://generativelanguage.googleapis.com"
TARGET = Target("google", "gemini", "gemini-2.5-flash", BASE_URL, "g-key")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "title": "Args",
            "properties": {
                "city": {"type": "string", "examples": ["Paris"]},
                "unit": {"type": ["string", "null"], "enum": ["c", "f"], "default": "c"},
                "where": {"$ref": "#/$defs/Place"},
            },
            "required": ["city"],
            "additionalProperties": False,
            "$defs": {
                "Place": {
                    "type": "object",
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                    "additionalProperties": False,
                }
            },
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


@cache
def validators(shared_dir: Path) -> tuple[Any, Any]:
    """(GeminiValidator, OpenAI SpecValidator) from ``shared/specs``."""
    specs = str(shared_dir / "specs")
    if specs not in sys.path:
        sys.path.insert(0, specs)
    from validate_gemini import GeminiValidator  # type: ignore[import-not-found]
    from validate_openai import SpecValidator  # type: ignore[import-not-found]

    return GeminiValidator(), SpecValidator()


def make_call(stream: bool = False, operation: str = "chat", **body: Any) -> Call:
    body.setdefault("model", "gemini-2.5-flash")
    if operation == "chat":
        body.setdefault("messages", [{"role": "user", "content": "Hello"}])
    if stream:
        body["stream"] = True
    include = bool((body.get("stream_options") or {}).get("include_usage"))
    return Call(operation, body["model"], body, stream=stream, include_usage=include)  # type: ignore[arg-type]


def upstream(call: Call, target: Target = TARGET) -> tuple[str, JSON]:
    """(path with query, body) of the upstream request the adapter builds."""
    request = ADAPTER.build_request(call, target)
    assert request.body is not None
    return request.url.removeprefix(target.base_url.rstrip("/")), json.loads(request.body)


def replay(
    raw: bytes, call: Call | None = None, splits: list[int] | None = None
) -> tuple[list[JSON], Any]:
    """Feeds an upstream SSE byte stream (optionally split at offsets) through the adapter."""
    call = call or make_call(stream=True)
    state = ADAPTER.new_stream(call, TARGET)
    decoder = SSEDecoder()
    pieces, start = [], 0
    for offset in sorted(set(splits or [])):
        pieces.append(raw[start:offset])
        start = offset
    pieces.append(raw[start:])
    chunks: list[JSON] = []
    for piece in pieces:
        for event in decoder.feed(piece):
            chunks += ADAPTER.parse_event(event, state)
    for event in decoder.close():
        chunks += ADAPTER.parse_event(event, state)
    chunks += ADAPTER.finish_stream(state)
    return chunks, state


def as_openai_sse(chunks: list[JSON], state: Any, include_usage: bool) -> str:
    """What the pipeline sends: every chunk, the usage chunk when asked, then [DONE]."""
    frames = list(chunks)
    if include_usage and chunks:
        head = chunks[0]
        frames.append(
            {
                **{k: head[k] for k in ("id", "object", "created", "model")},
                "choices": [],
                "usage": state.usage,
            }
        )
    return "".join(f"data: {json.dumps(frame)}\n\n" for frame in frames) + "data: [DONE]\n\n"


def assemble(chunks: list[JSON]) -> dict[int, JSON]:
    """The final message per choice index, merged from chunks as the OpenAI SDK does."""
    out: dict[int, JSON] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            message = out.setdefault(
                choice["index"], {"content": None, "tool_calls": {}, "finish_reason": None}
            )
            delta = choice["delta"]
            if delta.get("content"):
                message["content"] = (message["content"] or "") + delta["content"]
            for call in delta.get("tool_calls") or []:
                slot = message["tool_calls"].setdefault(
                    call["index"], {"id": None, "name": "", "arguments": ""}
                )
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
            if choice["finish_reason"]:
                message["finish_reason"] = choice["finish_reason"]
    return out


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
