"""The OpenAI wire format, spoken by OpenAI and every OpenAI-compatible server.

Pass-through by design: the client's body goes upstream as it came (model name
swapped), and answers come back normalised to the spec where compatible servers
cut corners (missing ``logprobs``/``refusal``, ``finish_reason`` absent, no usage,
empty tool-call ids).

Servers that differ further declare *quirks* on their target (see ``QUIRKS``);
plain OpenAI declares none and takes the shortest path.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.base import (
    JSON,
    StreamState,
    Target,
    UpstreamRequest,
    auth_headers,
)
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call

_PATHS = {"chat": "/chat/completions", "embeddings": "/embeddings", "moderations": "/moderations"}
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_STREAM_HEADERS = {"Content-Type": "application/json", "Accept": "text/event-stream"}

QUIRKS = frozenset(
    {
        "no_stream_options",  # drop stream_options (upstream rejects it)
        "no_parallel_tool_calls",  # drop parallel_tool_calls (upstream rejects it)
        "azure_deployment_url",  # {base}/openai/deployments/{model}/{operation}
        "max_completion_tokens_to_max_tokens",  # upstream knows only max_tokens
        "empty_tool_call_ids",  # streamed tool calls arrive without ids
        "finish_reason_on_every_chunk",  # finish_reason set before the stream's end
    }
)
"""Quirk names an OpenAI-compatible target may declare; anything else is a config error."""


@dataclass(slots=True)
class OpenAIStreamState(StreamState):
    """Per-stream memory for quirk repairs: tool calls seen, finish reasons held back."""

    quirks: frozenset[str] = frozenset()
    call_id_stem: str = ""
    tool_calls_seen: dict[int, set[int]] = field(default_factory=dict)
    held_finish: dict[int, str] = field(default_factory=dict)
    header: JSON = field(default_factory=dict)


class OpenAIFormat:
    def build_request(self, call: Call, target: Target) -> UpstreamRequest:
        body = dict(call.body)
        body["model"] = target.model
        if target.quirks:
            _apply_request_quirks(body, target.quirks)
        if call.stream and "no_stream_options" not in target.quirks:
            options = dict(body.get("stream_options") or {})
            options["include_usage"] = True  # the gateway always books real usage
            body["stream_options"] = options
        headers = dict(_STREAM_HEADERS if call.stream else _JSON_HEADERS)
        headers.update(auth_headers(target))
        headers.update(target.headers)
        return UpstreamRequest("POST", _url(call, target), headers, orjson.dumps(body), call.stream)

    def parse_response(self, call: Call, status: int, body: bytes) -> JSON:
        data = _loads_object(body)
        if call.operation == "chat":
            _normalise_completion(data)
        return data

    def new_stream(self, call: Call, target: Target) -> StreamState:
        if not target.quirks:
            return StreamState(id="", model=target.model, created=int(time.time()))
        return OpenAIStreamState(
            id="",
            model=target.model,
            created=int(time.time()),
            quirks=target.quirks,
            call_id_stem=_call_id_stem(),
        )

    def parse_event(self, event: SSEEvent, state: StreamState) -> list[JSON]:
        if event.data == b"[DONE]":
            state.done = True
            return _release_finish(state)
        chunk = _loads_object(event.data)
        if "error" in chunk and "choices" not in chunk:
            raise _error_from_body(502, {}, chunk)
        usage = chunk.get("usage")
        if usage:
            state.usage = _normalise_usage(usage)
        choices = chunk.get("choices") or []
        if not choices and usage:
            return []  # the usage chunk: the pipeline re-emits it if the client asked
        state.id = state.id or chunk.get("id", "")
        chunk["usage"] = None
        chunk.setdefault("object", "chat.completion.chunk")
        for choice in choices:
            choice.setdefault("finish_reason", None)
        if isinstance(state, OpenAIStreamState) and not _repair_chunk(chunk, state):
            return []
        for choice in choices:
            if choice["finish_reason"]:
                state.finish_reasons[choice.get("index", 0)] = choice["finish_reason"]
        return [chunk]

    def finish_stream(self, state: StreamState) -> list[JSON]:
        return _release_finish(state)

    def parse_error(self, status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
        try:
            data = _loads_object(body)
        except UpstreamError:
            data = {}
        return _error_from_body(status, headers, data)


def _apply_request_quirks(body: JSON, quirks: frozenset[str]) -> None:
    if "no_stream_options" in quirks:
        body.pop("stream_options", None)
    if "no_parallel_tool_calls" in quirks:
        body.pop("parallel_tool_calls", None)
    if "max_completion_tokens_to_max_tokens" in quirks and "max_completion_tokens" in body:
        body["max_tokens"] = body.pop("max_completion_tokens")


def _url(call: Call, target: Target) -> str:
    url = target.base_url.rstrip("/")
    if "azure_deployment_url" in target.quirks:
        url += "/openai/deployments/" + quote(target.model, safe="")
    url += _PATHS[call.operation]
    if target.query:
        url += "?" + urlencode(target.query)
    return url


def _call_id_stem() -> str:
    return "call_" + secrets.token_hex(8)


def _repair_chunk(chunk: JSON, state: OpenAIStreamState) -> bool:
    """Applies the stream quirks to one chunk; False when nothing is left to send."""
    if "empty_tool_call_ids" in state.quirks:
        for choice in chunk["choices"]:
            _fill_streamed_call_ids(choice, state)
    if "finish_reason_on_every_chunk" in state.quirks:
        return _hold_finish(chunk, state)
    return True


def _fill_streamed_call_ids(choice: JSON, state: OpenAIStreamState) -> None:
    """Gives each new tool call an id and type; drops empty ids from continuations."""
    delta = choice.get("delta")
    calls = delta.get("tool_calls") if isinstance(delta, dict) else None
    if not calls:
        return
    choice_index = choice.get("index", 0)
    seen = state.tool_calls_seen.setdefault(choice_index, set())
    for call in calls:
        index = call.get("index")
        if index is None:  # whole calls without an index: each one is a new call
            index = call["index"] = len(seen)
        if index in seen:
            if not call.get("id"):
                call.pop("id", None)
            continue
        seen.add(index)
        if not call.get("id"):
            call["id"] = f"{state.call_id_stem}_{choice_index}_{index}"
        call.setdefault("type", "function")


def _hold_finish(chunk: JSON, state: OpenAIStreamState) -> bool:
    """Keeps finish reasons back until the upstream ends; drops chunks left empty."""
    state.header = {key: chunk[key] for key in _HEADER_KEYS if key in chunk}
    keep = False
    for choice in chunk["choices"]:
        reason = choice.get("finish_reason")
        if reason:
            state.held_finish[choice.get("index", 0)] = reason
            choice["finish_reason"] = None
        keep = keep or bool(choice.get("delta"))
    return keep


_HEADER_KEYS = ("id", "object", "created", "model", "system_fingerprint")


def _release_finish(state: StreamState) -> list[JSON]:
    """The one closing chunk a ``finish_reason_on_every_chunk`` stream is owed."""
    if not isinstance(state, OpenAIStreamState) or not state.held_finish:
        return []
    held, state.held_finish = state.held_finish, {}
    state.finish_reasons.update(held)
    choices: list[JSON] = [
        {"index": index, "delta": {}, "logprobs": None, "finish_reason": reason}
        for index, reason in sorted(held.items())
    ]
    return [{**state.header, "choices": choices, "usage": None}]


def _loads_object(body: bytes) -> JSON:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UpstreamError("The upstream provider answered with invalid JSON.") from exc
    if not isinstance(data, dict):
        raise UpstreamError("The upstream provider answered with an unexpected JSON value.")
    return data


def _normalise_completion(data: JSON) -> None:
    for choice in data.get("choices") or []:
        choice.setdefault("logprobs", None)
        choice.setdefault("finish_reason", "stop")
        message = choice.get("message")
        if isinstance(message, dict):
            message.setdefault("refusal", None)
            message.setdefault("content", None)
            _fill_call_ids(message, choice.get("index", 0))
    if data.get("usage"):
        data["usage"] = _normalise_usage(data["usage"])


def _fill_call_ids(message: JSON, choice_index: int) -> None:
    """Some compatible servers answer tool calls with an empty id; the spec needs one."""
    calls = message.get("tool_calls")
    if not calls:
        return
    stem = ""
    for position, call in enumerate(calls):
        if isinstance(call, dict) and not call.get("id"):
            stem = stem or _call_id_stem()
            call["id"] = f"{stem}_{choice_index}_{position}"
            call.setdefault("type", "function")


def _normalise_usage(usage: JSON) -> JSON:
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    usage["prompt_tokens"] = prompt
    usage["completion_tokens"] = completion
    usage["total_tokens"] = int(usage.get("total_tokens") or prompt + completion)
    return usage


def upstream_status(status: int) -> int:
    """The status the client sees for an upstream failure: the provider's own, with two
    exceptions. A rejected provider credential is the gateway operator's problem, not the
    caller's, so it must not look like the caller's own token was refused (502); and a 4xx
    that OpenAI never sends becomes the 400 that OpenAI would.
    """
    if status in (401, 403):
        return 502
    if status >= 500 or status in _PASSED_4XX:
        return status
    return 400


_PASSED_4XX = frozenset({400, 404, 408, 409, 413, 429})


def _error_from_body(status: int, headers: Mapping[str, str], data: Any) -> UpstreamError:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        error = {}
    message = error.get("message") if isinstance(error.get("message"), str) else None
    if status in (401, 403):
        message = "The upstream provider rejected the gateway's credential for this model."
    forwarded = {}
    retry_after = headers.get("retry-after") or headers.get("Retry-After")
    if retry_after:
        forwarded["Retry-After"] = retry_after
    return UpstreamError(
        message or f"The upstream provider failed with HTTP {status}.",
        status=upstream_status(status),
        error_type=str(
            error.get("type") or ("api_error" if status >= 500 else "invalid_request_error")
        ),
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        code=str(error["code"]) if error.get("code") is not None else None,
        headers=forwarded,
        retryable=status in (408, 409, 429) or status >= 500,
    )


ADAPTER = OpenAIFormat()
