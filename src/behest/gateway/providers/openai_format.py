"""The OpenAI wire format, spoken by OpenAI and every OpenAI-compatible server.

Pass-through by design: the client's body goes upstream as it came (model name
swapped), and answers come back normalised to the spec where compatible servers
cut corners (missing ``logprobs``/``refusal``, ``finish_reason`` absent, no usage).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from behest.gateway.call import Call
from behest.gateway.errors import UpstreamError
from behest.gateway.providers.base import (
    JSON,
    StreamState,
    Target,
    UpstreamRequest,
    auth_headers,
)
from behest.gateway.sse import SSEEvent

_PATHS = {"chat": "/chat/completions", "embeddings": "/embeddings", "moderations": "/moderations"}
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_STREAM_HEADERS = {"Content-Type": "application/json", "Accept": "text/event-stream"}


class OpenAIFormat:
    def build_request(self, call: Call, target: Target) -> UpstreamRequest:
        body = dict(call.body)
        body["model"] = target.model
        if call.stream and "no_stream_options" not in target.quirks:
            options = dict(body.get("stream_options") or {})
            options["include_usage"] = True  # the gateway always books real usage
            body["stream_options"] = options
        elif "no_stream_options" in target.quirks:
            body.pop("stream_options", None)
        headers = dict(_STREAM_HEADERS if call.stream else _JSON_HEADERS)
        headers.update(auth_headers(target))
        headers.update(target.headers)
        url = target.base_url.rstrip("/") + _PATHS[call.operation]
        if target.query:
            url += "?" + "&".join(f"{key}={value}" for key, value in target.query.items())
        return UpstreamRequest("POST", url, headers, orjson.dumps(body), call.stream)

    def parse_response(self, call: Call, status: int, body: bytes) -> JSON:
        data = _loads_object(body)
        if call.operation == "chat":
            _normalise_completion(data)
        return data

    def new_stream(self, call: Call, target: Target) -> StreamState:
        return StreamState(id="", model=target.model, created=int(time.time()))

    def parse_event(self, event: SSEEvent, state: StreamState) -> list[JSON]:
        if event.data == b"[DONE]":
            state.done = True
            return []
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
            if choice["finish_reason"]:
                state.finish_reasons[choice.get("index", 0)] = choice["finish_reason"]
        return [chunk]

    def finish_stream(self, state: StreamState) -> list[JSON]:
        return []

    def parse_error(self, status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
        try:
            data = _loads_object(body)
        except UpstreamError:
            data = {}
        return _error_from_body(status, headers, data)


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
    if data.get("usage"):
        data["usage"] = _normalise_usage(data["usage"])


def _normalise_usage(usage: JSON) -> JSON:
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    usage["prompt_tokens"] = prompt
    usage["completion_tokens"] = completion
    usage["total_tokens"] = int(usage.get("total_tokens") or prompt + completion)
    return usage


def upstream_status(status: int) -> int:
    """The status the client sees for an upstream failure.

    A rejected provider credential is the gateway operator's problem, not the caller's:
    it must not look like the caller's own token was refused.
    """
    if status in (401, 403):
        return 502
    if status in (400, 404, 409, 413, 422, 429, 503, 504):
        return 400 if status == 422 else status
    return 502 if status >= 500 else 400


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
        error_type=str(error.get("type") or ("api_error" if status >= 500 else "invalid_request_error")),
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        code=str(error["code"]) if error.get("code") is not None else None,
        headers=forwarded,
        retryable=status in (408, 409, 429) or status >= 500,
    )


ADAPTER = OpenAIFormat()
