"""Deterministic answers, usage and the exact SSE event sequence of the mock."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import orjson

from behest.testing.mock_anthropic.rules import bad

JSON = dict[str, Any]
MAX_CONTEXT = 200_000


@dataclass(slots=True)
class Reply:
    blocks: list[JSON] = field(default_factory=list)
    stop_reason: str = "end_turn"
    stop_sequence: str | None = None


def tokens(value: Any) -> int:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return math.ceil(len(text) / 4)


def sample(schema: Any) -> Any:
    """A value that satisfies simple JSON Schemas: first enum, typed placeholders."""
    if not isinstance(schema, dict):
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {name: sample(sub) for name, sub in (schema.get("properties") or {}).items()}
    placeholders = {
        "string": "value",
        "integer": 1,
        "number": 1.5,
        "boolean": True,
        "array": [],
        "null": None,
    }
    return placeholders.get(str(kind), "value")


def _last_user(body: JSON) -> list[JSON]:
    for message in reversed(body["messages"]):
        if message["role"] == "user":
            content = message["content"]
            return [{"type": "text", "text": content}] if isinstance(content, str) else content
    return []


def answer(body: JSON, counter: int) -> Reply:
    blocks = _last_user(body)
    text = " ".join(b["text"] for b in blocks if b.get("type") == "text")
    results = [b for b in blocks if b.get("type") == "tool_result"]
    reply = Reply()
    if (body.get("thinking") or {}).get("type") == "enabled":
        reply.blocks.append(
            {
                "type": "thinking",
                "thinking": "Let me think about this.",
                "signature": "c2lnbmF0dXJl",
            }
        )
    calls = _tool_calls(body, text, counter)
    if calls:
        if (body.get("tool_choice") or {}).get("type", "auto") == "auto":
            reply.blocks.append({"type": "text", "text": "I'll use the tools.", "citations": None})
        reply.blocks.extend(calls)
        reply.stop_reason = "tool_use"
        return reply
    if results:
        text = f"Got {len(results)} tool result(s): " + "; ".join(map(_result_text, results))
    elif (body.get("output_config") or {}).get("format"):
        text = orjson.dumps(sample(body["output_config"]["format"].get("schema"))).decode()
    elif _asks_for_json(body):
        text = orjson.dumps({"echo": text}).decode()
    else:
        text = f"Echo: {text}" if text else "Hello!"
    _finish_text(body, reply, text)
    return reply


def _asks_for_json(body: JSON) -> bool:
    """A system prompt asking for a JSON object is followed, as a real model would."""
    system = body.get("system")
    texts = [system] if isinstance(system, str) else [b.get("text", "") for b in system or []]
    return any("JSON object" in text for text in texts)


def _result_text(block: JSON) -> str:
    content = block.get("content")
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if b.get("type") == "text")
    return str(content or "")


def _tool_calls(body: JSON, text: str, counter: int) -> list[JSON]:
    tools = body.get("tools") or []
    choice = body.get("tool_choice") or {"type": "auto"}
    wanted = "call tool" in text.lower()
    if not tools or choice["type"] == "none" or (choice["type"] == "auto" and not wanted):
        return []
    chosen = [t for t in tools if t["name"] == choice.get("name")] or tools[:1]
    if "call tools" in text.lower() and choice["type"] != "tool":
        chosen = tools[:1] if choice.get("disable_parallel_tool_use") else tools
    return [
        {
            "type": "tool_use",
            "id": f"toolu_mock{counter:04d}{index}",
            "name": tool["name"],
            "input": sample(tool["input_schema"]),
            "caller": {"type": "direct"},
        }
        for index, tool in enumerate(chosen)
    ]


def _finish_text(body: JSON, reply: Reply, text: str) -> None:
    for sequence in body.get("stop_sequences") or []:
        if sequence and sequence in text:
            text = text[: text.index(sequence)]
            reply.stop_reason, reply.stop_sequence = "stop_sequence", sequence
    limit = body["max_tokens"] * 4
    if len(text) > limit:
        text, reply.stop_reason, reply.stop_sequence = text[:limit], "max_tokens", None
    if text:
        reply.blocks.append({"type": "text", "text": text, "citations": None})


def usage(body: JSON, reply: Reply, seen: set[str]) -> JSON:
    total = tokens([body.get("system"), body["messages"], body.get("tools")])
    if total > MAX_CONTEXT:
        raise bad(f"prompt is too long: {total} tokens > {MAX_CONTEXT} maximum")
    written = read = 0
    if b"cache_control" in orjson.dumps(body):
        prefix = orjson.dumps([body.get("system"), body.get("tools")])
        key = hashlib.sha256(prefix).hexdigest()
        cached = min(tokens(prefix.decode()), total)
        written, read = (0, cached) if key in seen else (cached, 0)
        seen.add(key)
    produced = [b.get("text") or b.get("thinking") or b.get("input") for b in reply.blocks]
    return {
        "input_tokens": total - written - read,
        "output_tokens": max(1, tokens(produced)),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": written},
        "server_tool_use": None,
        "service_tier": "standard",
        "inference_geo": None,
        "output_tokens_details": None,
    }


def message(body: JSON, reply: Reply, usage_: JSON, counter: int) -> JSON:
    return {
        "id": f"msg_mock{counter:06d}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": reply.blocks,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "stop_details": None,
        "container": None,
        "usage": usage_,
    }


def _pieces(text: str, count: int = 3) -> list[str]:
    size = max(1, math.ceil(len(text) / count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _block_events(index: int, block: JSON) -> list[JSON]:
    kind = block["type"]
    empty = {
        "text": {"type": "text", "text": "", "citations": None},
        "thinking": {"type": "thinking", "thinking": "", "signature": ""},
        "tool_use": dict(block, input={}),
    }[kind]
    events: list[JSON] = [{"type": "content_block_start", "index": index, "content_block": empty}]
    if kind == "text":
        deltas = [{"type": "text_delta", "text": p} for p in _pieces(block["text"])]
    elif kind == "thinking":
        deltas = [{"type": "thinking_delta", "thinking": p} for p in _pieces(block["thinking"])]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    else:
        raw = orjson.dumps(block["input"]).decode()
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in _pieces(raw)]
    events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
    events.append({"type": "content_block_stop", "index": index})
    return events


def stream_events(full: JSON) -> list[JSON]:
    start = dict(
        full,
        content=[],
        stop_reason=None,
        stop_sequence=None,
        usage=dict(full["usage"], output_tokens=1),
    )
    events: list[JSON] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(full["content"]):
        events += _block_events(index, block)
        if index == 0:
            events.insert(2, {"type": "ping"})
    final = full["usage"]
    delta_usage = {
        key: final[key]
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        )
    }
    delta_usage.update(server_tool_use=None, output_tokens_details=None)
    events.append(
        {
            "type": "message_delta",
            "usage": delta_usage,
            "delta": {
                "stop_reason": full["stop_reason"],
                "stop_sequence": full["stop_sequence"],
                "stop_details": None,
                "container": None,
            },
        }
    )
    events.append({"type": "message_stop"})
    return events


def sse(event: JSON) -> bytes:
    name = str(event["type"]).encode()
    return b"event: " + name + b"\ndata: " + orjson.dumps(event) + b"\n\n"
