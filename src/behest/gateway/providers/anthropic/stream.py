"""Anthropic SSE events → OpenAI ``chat.completion.chunk`` dicts.

One chunk id for the whole stream; ``tool_calls[].index`` counts tool calls (0, 1, …),
never the content-block index; every ``input_json_delta`` fragment becomes an
``arguments`` delta. Thinking arrives as ``delta.reasoning_content`` (the field
DeepSeek and vLLM use); signatures and citations are dropped. Usage is kept in
``state.usage`` (input and cache tokens from ``message_start``, cumulative output
from ``message_delta``), never emitted: the pipeline decides on the usage chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.anthropic.errors import error_from
from behest.gateway.providers.anthropic.response import (
    completion_id,
    finish_reason,
    loads_object,
    openai_usage,
)
from behest.gateway.providers.anthropic.tools import JSON_TOOL
from behest.gateway.providers.base import JSON, StreamState
from behest.gateway.providers.sse import SSEEvent

TEXT, TOOL, THINKING, JSON_ANSWER, IGNORED = "text", "tool", "thinking", "json", "ignored"


@dataclass(slots=True)
class AnthropicStreamState(StreamState):
    uses_json_tool: bool = False
    tool_calls: int = 0
    blocks: dict[int, tuple[str, int]] = field(default_factory=dict)
    raw_usage: JSON = field(default_factory=dict)
    json_answer: bool = False


def parse_event(event: SSEEvent, state: AnthropicStreamState) -> list[JSON]:
    data = loads_object(event.data)
    kind = data.get("type") or event.event
    handler = _HANDLERS.get(str(kind))
    return handler(data, state) if handler else []


def finish_stream(state: AnthropicStreamState) -> list[JSON]:
    if not state.finish_reasons:
        raise UpstreamError("The upstream stream ended before the message was complete.")
    return []


def _chunk(state: StreamState, delta: JSON, finish: str | None = None) -> JSON:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {
        "id": state.id,
        "object": "chat.completion.chunk",
        "created": state.created,
        "model": state.model,
        "choices": [choice],
        "usage": None,
    }


def _message_start(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    message = data.get("message") or {}
    state.id = completion_id(message.get("id"))
    state.model = str(message.get("model") or state.model)
    _update_usage(state, message.get("usage"))
    return [_chunk(state, {"role": "assistant", "content": ""})]


def _block_start(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    block = data.get("content_block") or {}
    index = int(data.get("index") or 0)
    kind = block.get("type")
    if kind == "tool_use" and state.uses_json_tool and block.get("name") == JSON_TOOL:
        state.blocks[index] = (JSON_ANSWER, 0)
        state.json_answer = True
        return []
    if kind == "tool_use":
        call_index = state.tool_calls
        state.tool_calls += 1
        state.blocks[index] = (TOOL, call_index)
        arguments = _initial_arguments(block.get("input"))
        call = {
            "index": call_index,
            "id": str(block.get("id") or ""),
            "type": "function",
            "function": {"name": str(block.get("name") or ""), "arguments": arguments},
        }
        return [_chunk(state, {"tool_calls": [call]})]
    if kind in (TEXT, THINKING):
        state.blocks[index] = (kind, 0)
        text = block.get("text" if kind == TEXT else "thinking")
        return _text(state, kind, text) if text else []
    state.blocks[index] = (IGNORED, 0)
    return []


def _initial_arguments(value: Any) -> str:
    if not value:
        return ""  # the usual case: the input follows as input_json_delta fragments
    return orjson.dumps(value).decode()


def _block_delta(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    delta = data.get("delta") or {}
    kind, call_index = state.blocks.get(int(data.get("index") or 0), (IGNORED, 0))
    delta_type = delta.get("type")
    if delta_type == "text_delta" and kind == TEXT:
        return _text(state, TEXT, delta.get("text"))
    if delta_type == "thinking_delta" and kind == THINKING:
        return _text(state, THINKING, delta.get("thinking"))
    if delta_type != "input_json_delta" or not delta.get("partial_json"):
        return []
    fragment = str(delta["partial_json"])
    if kind == JSON_ANSWER:
        return [_chunk(state, {"content": fragment})]
    if kind == TOOL:
        call = {"index": call_index, "function": {"arguments": fragment}}
        return [_chunk(state, {"tool_calls": [call]})]
    return []


def _text(state: StreamState, kind: str, text: Any) -> list[JSON]:
    if not isinstance(text, str) or not text:
        return []
    key = "content" if kind == TEXT else "reasoning_content"
    return [_chunk(state, {key: text})]


def _message_delta(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    _update_usage(state, data.get("usage"))
    stop_reason = (data.get("delta") or {}).get("stop_reason")
    if stop_reason is None:
        return []
    finish = finish_reason(stop_reason, state.json_answer)
    state.finish_reasons[0] = finish
    return [_chunk(state, {}, finish)]


def _message_stop(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    state.done = True
    return []


def _error(data: JSON, state: AnthropicStreamState) -> list[JSON]:
    error = data.get("error")
    raise error_from(None, {}, error if isinstance(error, dict) else {})


def _update_usage(state: AnthropicStreamState, usage: Any) -> None:
    if not isinstance(usage, dict):
        return
    for key, value in usage.items():
        if isinstance(value, int):  # message_delta repeats input fields as null
            state.raw_usage[key] = value
    state.usage = openai_usage(state.raw_usage)


_HANDLERS = {
    "message_start": _message_start,
    "content_block_start": _block_start,
    "content_block_delta": _block_delta,
    "message_delta": _message_delta,
    "message_stop": _message_stop,
    "error": _error,
}
