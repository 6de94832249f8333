"""Gemini ``alt=sse`` events → OpenAI chat completion chunks.

Every event is a whole ``GenerateContentResponse``. Per candidate it gives at most two
chunks: one delta (role on the choice's first chunk, text, whole tool calls with a
per-choice index counter) and, with ``finishReason``, one finish chunk. Function calls
arrive whole, so each is one tool-call delta carrying id, name and all arguments.
Usage rides in ``state.usage`` (the last ``usageMetadata`` wins); chunks carry
``usage: None`` and the pipeline decides about the final usage chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from behest.gateway.providers.base import StreamState
from behest.gateway.providers.gemini import response

JSON = dict[str, Any]


@dataclass(slots=True)
class GeminiStreamState(StreamState):
    started: set[int] = field(default_factory=set)
    tool_calls: dict[int, int] = field(default_factory=dict)
    single_tool_call: bool = False  # parallel_tool_calls: false; see response.completion


def chunks_for(data: JSON, state: GeminiStreamState) -> list[JSON]:
    if data.get("usageMetadata"):
        state.usage = response.usage(data["usageMetadata"])
    if not state.started and data.get("modelVersion"):
        state.model = str(data["modelVersion"])
    chunks: list[JSON] = []
    for position, candidate in enumerate(data.get("candidates") or []):
        if isinstance(candidate, dict):
            chunks += _candidate_chunks(candidate, int(candidate.get("index", position)), state)
    block = response.blocked_reason(data)
    if block and 0 not in state.finish_reasons:
        chunks += _finish(0, "content_filter", state)
    return chunks


def finish_chunks(state: GeminiStreamState) -> list[JSON]:
    """Closes choices the upstream left open (a stream that ended without ``finishReason``)."""
    state.done = True
    chunks: list[JSON] = []
    for index in sorted(state.started - state.finish_reasons.keys()):
        chunks += _finish(index, "tool_calls" if state.tool_calls.get(index) else "stop", state)
    return chunks


def _candidate_chunks(candidate: JSON, index: int, state: GeminiStreamState) -> list[JSON]:
    parts = response.parts_of(candidate)
    delta: JSON = {}
    text = response.text_of(parts)
    if text:
        delta["content"] = text
    calls = response.function_calls(parts)
    first = state.tool_calls.get(index, 0)
    if state.single_tool_call:
        calls = calls[: max(0, 1 - first)]
    if calls:
        delta["tool_calls"] = [{"index": first + n, **call} for n, call in enumerate(calls)]
        state.tool_calls[index] = first + len(calls)
    chunks: list[JSON] = []
    lp = response.logprobs(candidate.get("logprobsResult"))
    if delta or lp:
        chunks.append(_chunk(index, _with_role(delta, index, state), state, logprobs=lp))
    reason = candidate.get("finishReason")
    if reason and index not in state.finish_reasons:
        chunks += _finish(
            index, response.finish_reason(str(reason), bool(state.tool_calls.get(index))), state
        )
    return chunks


def _with_role(delta: JSON, index: int, state: GeminiStreamState) -> JSON:
    if index in state.started:
        return delta
    state.started.add(index)
    content = delta.pop("content", None if "tool_calls" in delta else "")
    return {"role": "assistant", "content": content, **delta}


def _finish(index: int, reason: str, state: GeminiStreamState) -> list[JSON]:
    chunks = [] if index in state.started else [_chunk(index, _with_role({}, index, state), state)]
    state.finish_reasons[index] = reason
    return [*chunks, _chunk(index, {}, state, finish_reason=reason)]


def _chunk(
    index: int,
    delta: JSON,
    state: StreamState,
    *,
    finish_reason: str | None = None,
    logprobs: JSON | None = None,
) -> JSON:
    choice = {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}
    return {
        "id": state.id,
        "object": "chat.completion.chunk",
        "created": state.created,
        "model": state.model,
        "choices": [choice],
        "usage": None,
    }
