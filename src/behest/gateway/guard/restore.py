"""Putting redacted values back: whole completions, and streamed chunks split anywhere.

A ``Restorer`` knows the placeholders one request issued (``<EMAIL_1>`` -> value). For a
stream, ``Restorer.stream()`` gives a ``StreamRestorer`` that keeps, per choice and per
tool call, only the shortest tail that could still grow into a placeholder.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")

_Key = tuple[int, str, int]  # (choice index, "content" | "arguments", tool-call index)


def json_fragment(value: str) -> str:
    """``value`` as it must appear inside a JSON string literal."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


class Restorer:
    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    @functools.cached_property
    def _prefixes(self) -> frozenset[str]:
        """Every proper prefix of a placeholder; only streams ask, so built on first need."""
        return frozenset(p[:i] for p in self._values for i in range(1, len(p)))

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(self._values)

    def restore_text(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self._values.get(m.group(), m.group()), text)

    def restore_json_text(self, text: str) -> str:
        """Restore inside JSON text (tool-call arguments), escaping what needs escaping."""
        return PLACEHOLDER.sub(
            lambda m: (
                json_fragment(self._values[m.group()]) if m.group() in self._values else m.group()
            ),
            text,
        )

    def holdback(self, text: str) -> int:
        """Index where the tail that could still become a placeholder starts (``len`` if none)."""
        longest = max((len(p) for p in self._values), default=0)
        for i in range(max(0, len(text) - longest + 1), len(text)):
            if text[i] == "<" and text[i:] in self._prefixes:
                return i
        return len(text)

    def restore_completion(self, response: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a non-streamed chat completion with the original values back."""
        restored = copy.deepcopy(dict(response))
        for choice in restored.get("choices") or []:
            if isinstance(choice.get("text"), str):
                choice["text"] = self.restore_text(choice["text"])
            message = choice.get("message")
            if isinstance(message, dict):
                self._restore_message(message)
        return restored

    def _restore_message(self, message: dict[str, Any]) -> None:
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = self.restore_text(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    part["text"] = self.restore_text(part["text"])
        calls = [c.get("function") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        for function in [*calls, message.get("function_call")]:
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                function["arguments"] = self.restore_json_text(function["arguments"])

    def stream(self) -> StreamRestorer:
        return StreamRestorer(self)


class StreamRestorer:
    """Per stream: ``feed(chunk) -> chunks`` now, ``flush() -> chunks`` at the end."""

    def __init__(self, restorer: Restorer) -> None:
        self._restorer = restorer
        self._pending: dict[_Key, str] = {}
        self._template: dict[str, Any] = {}

    def feed(self, chunk: Mapping[str, Any]) -> list[dict[str, Any]]:
        out = copy.deepcopy(dict(chunk))
        self._template = {k: v for k, v in out.items() if k not in ("choices", "usage")}
        for choice in out.get("choices") or []:
            index = int(choice.get("index", 0))
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                continue
            if isinstance(delta.get("content"), str):
                delta["content"] = self._push((index, "content", 0), delta["content"])
            for call in delta.get("tool_calls") or []:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                    key = (index, "arguments", int(call.get("index", 0)))
                    function["arguments"] = self._push(key, function["arguments"])
            if choice.get("finish_reason") is not None:
                self._drain_into(index, delta)
        return [out]

    def flush(self) -> list[dict[str, Any]]:
        """Whatever is still held back, as one final chunk per choice (nothing if empty)."""
        chunks = []
        for index in sorted({key[0] for key, text in self._pending.items() if text}):
            delta: dict[str, Any] = {}
            self._drain_into(index, delta)
            choice = {"index": index, "delta": delta, "finish_reason": None}
            chunks.append({**self._template, "choices": [choice]})
        return chunks

    def _push(self, key: _Key, text: str) -> str:
        buffer = self._pending.pop(key, "") + text
        cut = self._restorer.holdback(buffer)
        if cut < len(buffer):
            self._pending[key] = buffer[cut:]
        return self._restore(key, buffer[:cut])

    def _restore(self, key: _Key, text: str) -> str:
        if key[1] == "arguments":
            return self._restorer.restore_json_text(text)
        return self._restorer.restore_text(text)

    def _drain_into(self, index: int, delta: dict[str, Any]) -> None:
        for key in sorted(k for k in self._pending if k[0] == index):
            rest = self._restore(key, self._pending.pop(key))
            if key[1] == "content":
                delta["content"] = (delta.get("content") or "") + rest
                continue
            calls = delta.setdefault("tool_calls", [])
            call = next((c for c in calls if c.get("index", 0) == key[2]), None)
            if call is None:
                call = {"index": key[2], "function": {"arguments": ""}}
                calls.append(call)
            function = call.setdefault("function", {})
            function["arguments"] = (function.get("arguments") or "") + rest
