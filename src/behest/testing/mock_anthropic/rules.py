"""Request checks as strict as the real Messages API (schema and pairing rules)."""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]
_TOP = {
    "cache_control",
    "container",
    "inference_geo",
    "max_tokens",
    "messages",
    "metadata",
    "model",
    "output_config",
    "service_tier",
    "stop_sequences",
    "stream",
    "system",
    "temperature",
    "thinking",
    "tool_choice",
    "tools",
    "top_k",
    "top_p",
}
_BLOCKS = {
    "text": {"type", "text", "cache_control", "citations"},
    "image": {"type", "source", "cache_control"},
    "document": {"type", "source", "cache_control", "citations", "context", "title"},
    "tool_use": {"type", "id", "name", "input", "cache_control", "caller"},
    "tool_result": {"type", "tool_use_id", "content", "is_error", "cache_control"},
    "thinking": {"type", "thinking", "signature"},
    "redacted_thinking": {"type", "data"},
}
_TOOL_KEYS = {
    "type",
    "name",
    "description",
    "input_schema",
    "cache_control",
    "strict",
    "eager_input_streaming",
    "allowed_callers",
    "defer_loading",
    "input_examples",
}
_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


class MockError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> MockError:
    return MockError(400, message)


def validate(body: Any) -> None:
    if not isinstance(body, dict):
        raise bad("Request body must be a JSON object.")
    for key in body:
        if key not in _TOP:
            raise bad(f"{key}: Extra inputs are not permitted")
    if not isinstance(body.get("model"), str):
        raise bad("model: Field required")
    tokens = body.get("max_tokens")
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
        raise bad("max_tokens: Field required")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and not (isinstance(value, int | float) and 0 <= value <= 1):
            raise bad(f"{name}: Input should be less than or equal to 1")
    _validate_system(body.get("system"))
    _validate_messages(body.get("messages"))
    _validate_tools(body.get("tools"), body.get("tool_choice"))
    _validate_thinking(body.get("thinking"), tokens)


def _validate_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise bad("system: Input should be a valid string or list")
    for block in system:
        if not isinstance(block, dict) or block.get("type") != "text":
            raise bad("system: blocks must be text blocks")
        _validate_block(block, "system")


def _validate_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise bad("messages: at least one message is required")
    for index, message in enumerate(messages):
        where = f"messages.{index}"
        if not isinstance(message, dict) or set(message) - {"role", "content"}:
            raise bad(f"{where}: Extra inputs are not permitted")
        if message.get("role") not in ("user", "assistant", "system"):
            raise bad(f"{where}.role: Input should be 'user', 'assistant' or 'system'")
        content = message.get("content")
        last_assistant = index == len(messages) - 1 and message["role"] == "assistant"
        if not content and not last_assistant:
            raise bad(f"{where}: all messages must have non-empty content")
        for block in content if isinstance(content, list) else []:
            _validate_block(block, where, message["role"])
        previous = messages[index - 1] if index else None
        _validate_tool_pairing(previous, message, where)


def _validate_block(block: Any, where: str, role: str = "user") -> None:
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in _BLOCKS:
        raise bad(f"{where}: Input tag {kind!r} found using 'type' does not match any tag")
    extra = set(block) - _BLOCKS[kind]
    if extra:
        raise bad(f"{where}.{sorted(extra)[0]}: Extra inputs are not permitted")
    if kind == "text" and not (isinstance(block.get("text"), str) and block["text"]):
        raise bad(f"{where}: text content blocks must be non-empty")
    if kind == "image":
        _validate_image(block.get("source"), where)
    if kind == "tool_use" and (role != "assistant" or not _ID.match(str(block.get("id")))):
        raise bad(f"{where}: tool_use blocks need an id and belong to assistant turns")
    if kind == "tool_use" and not isinstance(block.get("input"), dict):
        raise bad(f"{where}.input: Input should be a valid dictionary")
    if kind == "tool_result" and role != "user":
        raise bad(f"{where}: tool_result blocks belong to user turns")
    if kind == "tool_result" and isinstance(block.get("content"), list):
        for inner in block["content"]:
            _validate_block(inner, where)


def _validate_image(source: Any, where: str) -> None:
    kind = source.get("type") if isinstance(source, dict) else None
    base64 = kind == "base64" and set(source) == {"type", "media_type", "data"}
    if base64 and source["media_type"] in _IMAGE_TYPES and isinstance(source["data"], str):
        return
    if kind == "url" and set(source) == {"type", "url"} and isinstance(source["url"], str):
        return
    raise bad(f"{where}: invalid image source")


def _tool_uses(message: Any) -> list[str]:
    content = message.get("content") if isinstance(message, dict) else None
    blocks = content if isinstance(content, list) else []
    return [b["id"] for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"]


def _validate_tool_pairing(previous: Any, message: JSON, where: str) -> None:
    expected = _tool_uses(previous) if previous and previous["role"] == "assistant" else []
    content = message["content"] if isinstance(message["content"], list) else []
    results = [b.get("tool_use_id") for b in content if b.get("type") == "tool_result"]
    leading = [b.get("tool_use_id") for b in content[: len(results)]]
    if results and (message["role"] != "user" or leading != results):
        raise bad(f"{where}: tool_result blocks must come first in the user turn")
    unknown = [r for r in results if r not in expected]
    if unknown:
        raise bad(
            f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {unknown[0]}."
            " Each `tool_result` block must have a corresponding `tool_use` block in the"
            " previous message."
        )
    missing = [i for i in expected if i not in results]
    if missing:
        raise bad(
            f"{where}: `tool_use` ids were found without `tool_result` blocks immediately"
            f" after: {', '.join(missing)}"
        )


def _validate_tools(tools: Any, choice: Any) -> None:
    names = []
    for index, tool in enumerate(tools or []):
        if not isinstance(tool, dict) or set(tool) - _TOOL_KEYS:
            raise bad(f"tools.{index}: Extra inputs are not permitted")
        if not re.match(r"^[a-zA-Z0-9_-]{1,128}$", str(tool.get("name"))):
            raise bad(f"tools.{index}.name: String should match pattern")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise bad(f"tools.{index}.input_schema: type must be 'object'")
        names.append(tool["name"])
    if choice is None:
        return
    kind = choice.get("type") if isinstance(choice, dict) else None
    allowed = {
        "auto": {"type", "disable_parallel_tool_use"},
        "any": {"type", "disable_parallel_tool_use"},
        "tool": {"type", "name", "disable_parallel_tool_use"},
        "none": {"type"},
    }
    if kind not in allowed or set(choice) - allowed[kind]:
        raise bad("tool_choice: invalid tool choice")
    if kind == "tool" and choice.get("name") not in names:
        raise bad(f"tool_choice: tool {choice.get('name')!r} not found in tools")


def _validate_thinking(thinking: Any, max_tokens: int) -> None:
    if thinking is None or thinking.get("type") in ("disabled", "adaptive"):
        return
    budget = thinking.get("budget_tokens")
    if thinking.get("type") != "enabled" or not isinstance(budget, int) or budget < 1024:
        raise bad("thinking.budget_tokens: Input should be greater than or equal to 1024")
    if budget >= max_tokens:
        raise bad("`max_tokens` must be greater than `thinking.budget_tokens`")
