"""OpenAI chat request → Anthropic Messages request body.

Rules worth knowing (the rest is one-to-one):

- ``system``/``developer`` messages, wherever they stand, are hoisted in order into
  the top-level ``system`` as text blocks; ``json_object`` adds one more instruction.
- Consecutive messages of one role merge into one turn; all ``tool`` messages after an
  assistant turn become one user turn of ``tool_result`` blocks, placed first.
- Empty text is never sent; a turn left with no blocks is dropped.
- Sampling knobs with no guaranteed effect are dropped (``seed``, ``presence_penalty``,
  ``frequency_penalty``, ``service_tier``, ``store``, ``metadata``, ``prediction``…);
  ones the caller relies on raise :class:`UnsupportedFeature` (``n > 1``,
  ``logprobs``, ``top_logprobs``, ``logit_bias``, audio output).
- ``top_k``, ``thinking`` and ``cache_control`` are Anthropic's own and pass as given.
"""

from __future__ import annotations

from typing import Any

import orjson

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.anthropic.content import assistant_blocks, safe_id, user_blocks
from behest.gateway.providers.anthropic.tools import (
    JSON_TOOL,
    json_tool,
    tool_choice,
    translate_tools,
)
from behest.gateway.providers.base import JSON
from behest.gateway.request.call import Call

DEFAULT_MAX_TOKENS = 4096
THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32768}
JSON_OBJECT_INSTRUCTION = "Respond with a single valid JSON object and nothing else."
_NATIVE = ("top_k", "thinking", "cache_control")
_REFUSED = ("logprobs", "top_logprobs", "logit_bias", "audio")


def build_body(call: Call, model: str, quirks: frozenset[str] = frozenset()) -> JSON:
    source = call.body
    _refuse_unsupported(source)
    system, messages = translate_messages(call.messages)
    body: JSON = {"model": model, "messages": messages}
    body["max_tokens"] = int(
        source.get("max_completion_tokens") or source.get("max_tokens") or DEFAULT_MAX_TOKENS
    )
    _sampling(source, body)
    _tools(source, body, "json_schema_tool" in quirks)
    system += _output_format(source, body, "json_schema_tool" in quirks)
    if system:
        body["system"] = system
    user = source.get("user") or source.get("safety_identifier")
    if isinstance(user, str) and user:
        body["metadata"] = {"user_id": user[:512]}
    for key in _NATIVE:
        if source.get(key) is not None:
            body[key] = source[key]
    _thinking(
        source, body, explicit_max="max_completion_tokens" in source or "max_tokens" in source
    )
    if call.stream:
        body["stream"] = True
    return body


def _refuse_unsupported(source: JSON) -> None:
    if int(source.get("n") or 1) > 1:
        raise UnsupportedFeature("Anthropic models return one choice; `n` must be 1.", param="n")
    for key in _REFUSED:
        if source.get(key):
            raise UnsupportedFeature(f"Anthropic models do not support `{key}`.", param=key)
    if "audio" in (source.get("modalities") or []):
        raise UnsupportedFeature("Anthropic models do not produce audio.", param="modalities")


def _sampling(source: JSON, body: JSON) -> None:
    temperature = source.get("temperature")
    if temperature is not None:
        body["temperature"] = min(max(float(temperature), 0.0), 1.0)
    if source.get("top_p") is not None:
        body["top_p"] = float(source["top_p"])
    stop = source.get("stop")
    sequences = [stop] if isinstance(stop, str) else list(stop or [])
    sequences = [item for item in sequences if isinstance(item, str) and item.strip()]
    if sequences:
        body["stop_sequences"] = sequences


def _tools(source: JSON, body: JSON, json_fallback: bool) -> None:
    tools = translate_tools(source.get("tools") or [])
    fmt = source.get("response_format") or {}
    if json_fallback and fmt.get("type") == "json_schema":
        tools.append(json_tool(fmt.get("json_schema") or {}))
    if not tools:
        return
    body["tools"] = tools
    parallel = source.get("parallel_tool_calls")
    choice = tool_choice(source.get("tool_choice"), parallel is False)
    if json_fallback and fmt.get("type") == "json_schema" and not source.get("tools"):
        choice = {"type": "tool", "name": JSON_TOOL}
    if choice is not None:
        body["tool_choice"] = choice


def _output_format(source: JSON, body: JSON, json_fallback: bool) -> list[JSON]:
    fmt = source.get("response_format") or {}
    kind = fmt.get("type")
    if kind == "json_object":
        return [{"type": "text", "text": JSON_OBJECT_INSTRUCTION}]
    if kind == "json_schema" and not json_fallback:
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    elif kind not in (None, "text", "json_schema"):
        raise UnsupportedFeature(f"Unknown response_format type {kind!r}.", param="response_format")
    return []


def _thinking(source: JSON, body: JSON, *, explicit_max: bool) -> None:
    effort = source.get("reasoning_effort")
    forced = (body.get("tool_choice") or {}).get("type") in ("any", "tool")
    if "thinking" in body or effort in (None, "none") or forced:
        return  # Anthropic refuses thinking together with a forced tool
    budget = THINKING_BUDGETS.get(str(effort))
    if budget is None:
        raise InvalidRequest(f"Unknown reasoning_effort {effort!r}.", param="reasoning_effort")
    if not explicit_max:
        body["max_tokens"] = DEFAULT_MAX_TOKENS + budget
    budget = min(budget, body["max_tokens"] - 1)
    if budget < THINKING_BUDGETS["minimal"]:
        return  # the caller's max_tokens leaves no room to think; answer without
    body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    body.pop("temperature", None)  # extended thinking accepts only the default
    body.pop("top_k", None)
    if body.get("top_p", 1.0) < 0.95:
        body.pop("top_p")


def translate_messages(messages: list[JSON]) -> tuple[list[JSON], list[JSON]]:
    """OpenAI ``messages`` → (Anthropic ``system`` blocks, Anthropic ``messages``)."""
    system: list[JSON] = []
    turns: list[JSON] = []
    for position, message in enumerate(messages):
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(user_blocks(message.get("content"), position, text_only=True))
            continue
        anthropic_role, blocks = _turn(role, message, position)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == anthropic_role:
            _merge(turns[-1]["content"], blocks)
        else:
            turns.append({"role": anthropic_role, "content": blocks})
    return system, turns


def _turn(role: Any, message: JSON, position: int) -> tuple[str, list[JSON]]:
    if role == "user":
        return "user", user_blocks(message.get("content"), position)
    if role == "assistant":
        return "assistant", assistant_blocks(message, position)
    if role == "tool":
        return "user", [tool_result(message, position)]
    raise InvalidRequest(f"Unsupported message role {role!r}.", param=f"messages[{position}].role")


def _merge(content: list[JSON], blocks: list[JSON]) -> None:
    if blocks[0]["type"] != "tool_result":
        content.extend(blocks)
        return
    first_other = next((i for i, b in enumerate(content) if b["type"] != "tool_result"), None)
    if first_other is None:
        content.extend(blocks)
    else:  # tool results lead their turn
        content[first_other:first_other] = blocks


def tool_result(message: JSON, position: int) -> JSON:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequest(
            "A tool message needs its tool_call_id.", param=f"messages[{position}].tool_call_id"
        )
    block: JSON = {"type": "tool_result", "tool_use_id": safe_id(call_id)}
    content = user_blocks(message.get("content"), position, text_only=True)
    if content:
        block["content"] = content
    return block


def dumps(body: JSON) -> bytes:
    return orjson.dumps(body)
