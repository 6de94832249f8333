"""The assistant message a reply adds to a thread, from a whole completion or its stream."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


def reply_message(body: Mapping[str, Any]) -> Message | None:
    """The first choice's message of a chat completion body; None when it has none."""
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], Mapping):
        return None
    message = choices[0].get("message")
    return dict(message) if isinstance(message, Mapping) else None


@dataclass(slots=True)
class _ToolCall:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def message(self) -> Message:
        function = {"name": self.name, "arguments": "".join(self.arguments)}
        return {"id": self.id, "type": self.type, "function": function}


@dataclass(slots=True)
class StreamedReply:
    """Folds ``chat.completion.chunk`` dicts (first choice) into one assistant message.

    ``finished`` is set by a chunk carrying a ``finish_reason``: a stream cut before it
    is incomplete and, by the thread rule, appended nowhere.
    """

    content: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    tool_calls: dict[int, _ToolCall] = field(default_factory=dict)
    finished: bool = False

    def feed(self, chunk: Mapping[str, Any]) -> None:
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(delta["content"])
            if delta.get("refusal"):
                self.refusal.append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                self._tool_call(call)
            if choice.get("finish_reason"):
                self.finished = True

    def _tool_call(self, delta: Mapping[str, Any]) -> None:
        call = self.tool_calls.setdefault(int(delta.get("index", 0)), _ToolCall())
        call.id = delta.get("id") or call.id
        call.type = delta.get("type") or call.type
        function = delta.get("function") or {}
        call.name = function.get("name") or call.name
        if function.get("arguments"):
            call.arguments.append(function["arguments"])

    def message(self) -> Message:
        message: Message = {"role": "assistant", "content": "".join(self.content) or None}
        if self.refusal:
            message["refusal"] = "".join(self.refusal)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i].message() for i in sorted(self.tool_calls)]
        return message
