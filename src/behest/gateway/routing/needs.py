"""What a chat request needs of the model that serves it, read from its body.

- ``tools``: the body has ``tools``, ``functions`` or a ``tool_choice`` other than
  ``"none"`` (or ``function_call``);
- ``vision``: a message has an ``image_url`` content part;
- ``json_schema``: ``response_format.type`` is ``json_schema``;
- ``stream``: the call streams;
- ``prompt_tokens``: a cheap estimate, characters / 4 over the messages' text (string
  content, text parts, tool call names and arguments, 4 tokens per message for the role
  and framing), the JSON of ``tools``/``functions``, and 1,000 tokens per image (an
  image's URL or base64 data says nothing of its token count; OpenAI's high-detail
  1024x1024 is 765, Anthropic's is about 1,600 at 1.15 megapixels);
- ``output_tokens``: ``max_completion_tokens``, else ``max_tokens``; None if neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from behest.gateway.request.call import Call

CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 1_000
MESSAGE_TOKENS = 4


@dataclass(frozen=True, slots=True)
class Needs:
    tools: bool = False
    vision: bool = False
    json_schema: bool = False
    stream: bool = False
    prompt_tokens: int = 0
    output_tokens: int | None = None

    def labels(self) -> tuple[str, ...]:
        """The capabilities asked for, in a fixed order, for the route header."""
        flags = (
            ("tools", self.tools),
            ("vision", self.vision),
            ("json_schema", self.json_schema),
            ("stream", self.stream),
        )
        return tuple(name for name, wanted in flags if wanted)


def needs_of(call: Call) -> Needs:
    body = call.body
    chars, images = _message_chars(call.messages)
    tools = body.get("tools") or body.get("functions")
    if tools:
        chars += len(orjson.dumps(tools))
    choice = body.get("tool_choice")
    uses_tools = bool(tools) or (choice is not None and choice != "none")
    uses_tools = uses_tools or body.get("function_call") not in (None, "none")
    response_format = body.get("response_format")
    schema = isinstance(response_format, dict) and response_format.get("type") == "json_schema"
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    if not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0:
        cap = None
    return Needs(
        tools=uses_tools,
        vision=images > 0,
        json_schema=schema,
        stream=call.stream,
        prompt_tokens=-(-chars // CHARS_PER_TOKEN) + images * IMAGE_TOKENS,
        output_tokens=cap,
    )


def _message_chars(messages: list[Any]) -> tuple[int, int]:
    """Characters of text in ``messages`` (framing included) and how many images."""
    chars = images = 0
    for message in messages:
        if not isinstance(message, dict):
            continue
        chars += MESSAGE_TOKENS * CHARS_PER_TOKEN
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                kind = part.get("type")
                if kind == "image_url":
                    images += 1
                elif isinstance(text := part.get("text"), str):
                    chars += len(text)
        for tool_call in message.get("tool_calls") or ():
            function = tool_call.get("function") if isinstance(tool_call, dict) else None
            if isinstance(function, dict):
                chars += len(str(function.get("name") or "")) + len(
                    str(function.get("arguments") or "")
                )
    return chars, images
