"""Gemini ``GenerateContentResponse`` → OpenAI chat completion (and the pieces streams share).

``finishReason``: ``STOP`` → ``stop``, or ``tool_calls`` when the candidate called a
function; ``MAX_TOKENS`` → ``length``; safety-like reasons → ``content_filter``;
anything else → ``stop``. A prompt blocked before generation (no candidates,
``promptFeedback.blockReason``) gives one empty choice with ``content_filter``.

Usage: ``prompt_tokens = promptTokenCount``; ``completion_tokens = candidatesTokenCount
+ thoughtsTokenCount``; ``reasoning_tokens = thoughtsTokenCount``; ``cached_tokens =
cachedContentTokenCount``; ``total_tokens`` is always their sum.
"""

from __future__ import annotations

from typing import Any

import orjson

from behest.gateway.providers.gemini.ids import encode_call_id

JSON = dict[str, Any]

_FILTERED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "IMAGE_OTHER",
        "LANGUAGE",
    }
)


def finish_reason(reason: str, called_tools: bool) -> str:
    if reason == "MAX_TOKENS":
        return "length"
    if reason in _FILTERED:
        return "content_filter"
    return "tool_calls" if called_tools else "stop"


def usage(metadata: Any) -> JSON:
    meta = metadata if isinstance(metadata, dict) else {}
    prompt = int(meta.get("promptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + thoughts
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
        "completion_tokens_details": {"reasoning_tokens": thoughts},
    }


def parts_of(candidate: JSON) -> list[JSON]:
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return [part for part in parts or [] if isinstance(part, dict)]


def text_of(parts: list[JSON]) -> str:
    return "".join(
        p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")
    )


def tool_call(part: JSON) -> JSON:
    """The OpenAI tool call for a ``functionCall`` part (arguments as a JSON string)."""
    function = part["functionCall"]
    signature = part.get("thoughtSignature")
    call: JSON = {
        "id": encode_call_id(function.get("id"), signature),
        "type": "function",
        "function": {
            "name": str(function.get("name") or ""),
            "arguments": orjson.dumps(function.get("args") or {}).decode(),
        },
    }
    if signature:
        call["extra_content"] = {"google": {"thought_signature": signature}}
    return call


def function_calls(parts: list[JSON]) -> list[JSON]:
    return [tool_call(part) for part in parts if isinstance(part.get("functionCall"), dict)]


def logprobs(result: Any) -> JSON | None:
    """``logprobsResult`` → OpenAI ``{"content": [...], "refusal": None}``."""
    if not isinstance(result, dict):
        return None
    chosen = result.get("chosenCandidates") or []
    tops = result.get("topCandidates") or []
    content = []
    for position, token in enumerate(chosen):
        entry = _token(token)
        alternatives = tops[position].get("candidates", []) if position < len(tops) else []
        entry["top_logprobs"] = [_token(alternative) for alternative in alternatives]
        content.append(entry)
    return {"content": content, "refusal": None}


def _token(token: JSON) -> JSON:
    text = str(token.get("token") or "")
    return {
        "token": text,
        "logprob": float(token.get("logProbability") or 0.0),
        "bytes": list(text.encode()),
    }


def blocked_reason(data: JSON) -> str | None:
    feedback = data.get("promptFeedback")
    reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
    return str(reason) if reason and not data.get("candidates") else None


def completion(
    data: JSON, response_id: str, model: str, created: int, *, single_call: bool = False
) -> JSON:
    """``single_call``: the client sent ``parallel_tool_calls: false``, which Gemini cannot
    be told, so only each candidate's first function call is kept."""
    choices = [
        _choice(candidate, position, single_call)
        for position, candidate in enumerate(data.get("candidates") or [])
    ]
    block = blocked_reason(data)
    if block:
        choices = [_blocked_choice(block)]
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": created,
        "model": str(data.get("modelVersion") or model),
        "choices": sorted(choices, key=lambda choice: int(choice["index"])),
        "usage": usage(data.get("usageMetadata")),
    }


def _choice(candidate: JSON, position: int, single_call: bool) -> JSON:
    parts = parts_of(candidate)
    calls = function_calls(parts)[:1] if single_call else function_calls(parts)
    text = text_of(parts)
    message: JSON = {
        "role": "assistant",
        "content": text or (None if calls else ""),
        "refusal": None,
    }
    if calls:
        message["tool_calls"] = calls
    return {
        "index": int(candidate.get("index", position)),
        "message": message,
        "logprobs": logprobs(candidate.get("logprobsResult")),
        "finish_reason": finish_reason(str(candidate.get("finishReason") or "STOP"), bool(calls)),
    }


def _blocked_choice(reason: str) -> JSON:
    refusal = f"The prompt was blocked by Gemini ({reason})."
    message = {"role": "assistant", "content": None, "refusal": refusal}
    return {"index": 0, "message": message, "logprobs": None, "finish_reason": "content_filter"}
