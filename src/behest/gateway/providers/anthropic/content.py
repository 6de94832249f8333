"""OpenAI message content (strings, parts, images, tool calls) → Anthropic blocks."""

from __future__ import annotations

import re
from typing import Any

import orjson

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.base import JSON

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_DATA_URL = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)(?:;[\w=.-]+)*;base64,(?P<data>.*)$", re.S
)
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def safe_id(call_id: str) -> str:
    """Anthropic ids allow ``[a-zA-Z0-9_-]`` only; others map the same way every time."""
    return _ID_UNSAFE.sub("_", call_id) or "call"


def user_blocks(content: Any, position: int, *, text_only: bool = False) -> list[JSON]:
    """A string or a list of parts → text/image blocks, in order, empty text left out."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        raise InvalidRequest(
            "Message content must be a string or a list of parts.",
            param=f"messages[{position}].content",
        )
    blocks: list[JSON] = []
    for index, part in enumerate(content):
        block = _part(part, f"messages[{position}].content[{index}]", text_only)
        if block is not None:
            blocks.append(block)
    return blocks


def _part(part: Any, param: str, text_only: bool) -> JSON | None:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("text", "refusal"):
        text = part.get(kind) if kind == "refusal" else part.get("text")
        return {"type": "text", "text": text} if isinstance(text, str) and text else None
    if kind == "image_url" and not text_only:
        return image_block(part.get("image_url"), param)
    raise UnsupportedFeature(f"Content part type {kind!r} is not supported here.", param=param)


def image_block(image: Any, param: str) -> JSON:
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str):
        raise InvalidRequest("image_url.url must be a string.", param=param)
    if url.startswith(("https://", "http://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    match = _DATA_URL.match(url)
    if match is None:
        raise InvalidRequest("Images must be an http(s) URL or a base64 data URL.", param=param)
    mime = match["mime"].lower().replace("image/jpg", "image/jpeg")
    if mime not in IMAGE_TYPES:
        raise UnsupportedFeature(
            f"Image type {mime} is not supported (use jpeg, png, gif or webp).", param=param
        )
    source = {"type": "base64", "media_type": mime, "data": match["data"]}
    return {"type": "image", "source": source}


def assistant_blocks(message: JSON, position: int) -> list[JSON]:
    """Assistant text first, then one ``tool_use`` per tool call (arguments parsed)."""
    blocks = user_blocks(message.get("content"), position, text_only=True)
    for index, tool_call in enumerate(message.get("tool_calls") or []):
        blocks.append(_tool_use(tool_call, f"messages[{position}].tool_calls[{index}]"))
    return blocks


def _tool_use(tool_call: Any, param: str) -> JSON:
    function = tool_call.get("function") if isinstance(tool_call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InvalidRequest("A tool call needs function.name.", param=param)
    return {
        "type": "tool_use",
        "id": safe_id(str(tool_call.get("id") or "")),
        "name": function["name"],
        "input": parse_arguments(function.get("arguments"), param),
    }


def parse_arguments(arguments: Any, param: str) -> JSON:
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, dict):
        return arguments
    try:
        value = orjson.loads(arguments)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise InvalidRequest(
            "Tool call arguments must be a JSON object string.", param=f"{param}.function.arguments"
        ) from exc
    if not isinstance(value, dict):
        raise InvalidRequest(
            "Tool call arguments must be a JSON object.", param=f"{param}.function.arguments"
        )
    return value
