"""Anthropic ``Message`` → OpenAI ``chat.completion``; stop reasons and usage."""

from __future__ import annotations

import time
from typing import Any

import orjson

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.anthropic.tools import JSON_TOOL
from behest.gateway.providers.base import JSON

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def loads_object(body: bytes) -> JSON:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UpstreamError("The upstream provider answered with invalid JSON.") from exc
    if not isinstance(data, dict):
        raise UpstreamError("The upstream provider answered with an unexpected JSON value.")
    return data


def completion_id(message_id: Any) -> str:
    suffix = str(message_id or "").removeprefix("msg_")
    return f"chatcmpl-{suffix or 'anthropic'}"


def finish_reason(stop_reason: Any, json_tool_used: bool = False) -> str:
    if json_tool_used:
        return "stop"
    return FINISH_REASONS.get(str(stop_reason), "stop")


def openai_usage(usage: Any) -> JSON:
    """Anthropic ``input_tokens`` excludes cache tokens; OpenAI's prompt count includes them."""
    usage = usage if isinstance(usage, dict) else {}
    cache_write = int(usage.get("cache_creation_input_tokens") or 0)
    cache_read = int(usage.get("cache_read_input_tokens") or 0)
    prompt = int(usage.get("input_tokens") or 0) + cache_write + cache_read
    completion = int(usage.get("output_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cache_read, "cache_write_tokens": cache_write},
    }


def to_completion(data: JSON, uses_json_tool: bool) -> JSON:
    texts: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[JSON] = []
    json_answer = False
    for block in data.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text") or "")
        elif kind == "thinking":
            reasoning.append(block.get("thinking") or "")
        elif kind == "tool_use" and uses_json_tool and block.get("name") == JSON_TOOL:
            texts.append(orjson.dumps(block.get("input") or {}).decode())
            json_answer = True
        elif kind == "tool_use":
            tool_calls.append(_tool_call(block))
    message: JSON = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": finish_reason(data.get("stop_reason"), json_answer),
    }
    return {
        "id": completion_id(data.get("id")),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(data.get("model") or ""),
        "choices": [choice],
        "usage": openai_usage(data.get("usage")),
    }


def _tool_call(block: JSON) -> JSON:
    arguments = orjson.dumps(block.get("input") or {}).decode()
    function = {"name": str(block.get("name") or ""), "arguments": arguments}
    return {"id": str(block.get("id") or ""), "type": "function", "function": function}
