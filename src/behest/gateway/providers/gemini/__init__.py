"""Google Gemini (generativelanguage v1beta): chat, streaming and embeddings.

    target.base_url   https://generativelanguage.googleapis.com  (``/v1beta`` is added)
    chat              POST /v1beta/models/{model}:generateContent
    stream            POST /v1beta/models/{model}:streamGenerateContent?alt=sse
    embeddings        POST /v1beta/models/{model}:embedContent | :batchEmbedContents
    auth              x-goog-api-key header (``auth_style="query"`` sends ?key= instead)

The translation itself lives beside this module: ``messages`` (conversation),
``config`` (parameters and tools), ``schema`` (JSON Schema → Gemini Schema),
``response`` and ``stream`` (answers), ``embeddings``, ``errors`` and ``ids``
(tool-call ids that carry thought signatures). Moderations are refused with a 400.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from behest.gateway.errors import UnsupportedFeature, UpstreamError
from behest.gateway.providers.base import JSON, StreamState, Target, UpstreamRequest
from behest.gateway.providers.gemini import embeddings, response, stream
from behest.gateway.providers.gemini.config import generation_config, tool_fields
from behest.gateway.providers.gemini.errors import error_from_payload, parse_error
from behest.gateway.providers.gemini.messages import build_contents
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call

__all__ = ["ADAPTER", "GeminiAdapter", "chat_body", "parse_models"]


class GeminiAdapter:
    def build_request(self, call: Call, target: Target) -> UpstreamRequest:
        if call.operation == "moderations":
            raise UnsupportedFeature(
                "Google Gemini has no moderations endpoint; "
                "route moderations to an OpenAI-compatible provider.",
                param="model",
            )
        model = _model_path(target.model)
        if call.operation == "embeddings":
            method, body = embeddings.request_body(call.body, model)
            return _request(target, f"{model}:{method}", body, stream=False)
        method = "streamGenerateContent" if call.stream else "generateContent"
        return _request(
            target, f"{model}:{method}", chat_body(call.body, target.quirks), stream=call.stream
        )

    def parse_response(self, call: Call, status: int, body: bytes) -> JSON:
        data = _loads_object(body)
        if call.operation == "embeddings":
            return embeddings.to_openai(data, call.body, call.model)
        response_id = "chatcmpl-" + str(
            data.get("responseId") or call.request_id or uuid.uuid4().hex
        )
        return response.completion(
            data, response_id, call.model, int(time.time()), single_call=_single_call(call)
        )

    def new_stream(self, call: Call, target: Target) -> StreamState:
        stream_id = "chatcmpl-" + (call.request_id or uuid.uuid4().hex)
        return stream.GeminiStreamState(
            id=stream_id,
            model=target.model,
            created=int(time.time()),
            single_tool_call=_single_call(call),
        )

    def parse_event(self, event: SSEEvent, state: StreamState) -> list[JSON]:
        data = _loads_object(event.data)
        if "error" in data and "candidates" not in data:
            raise error_from_payload(502, {}, data)
        assert isinstance(state, stream.GeminiStreamState)
        return stream.chunks_for(data, state)

    def finish_stream(self, state: StreamState) -> list[JSON]:
        assert isinstance(state, stream.GeminiStreamState)
        return stream.finish_chunks(state)

    def parse_error(self, status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
        return parse_error(status, headers, body)


def chat_body(body: JSON, quirks: frozenset[str] = frozenset()) -> JSON:
    """The ``GenerateContentRequest`` for an OpenAI chat completion body."""
    contents, system = build_contents(list(body.get("messages") or []))
    request: JSON = {"contents": contents}
    if system:
        request["systemInstruction"] = system
    request.update(tool_fields(body, quirks))
    config = generation_config(body, quirks)
    if config:
        request["generationConfig"] = config
    return request


def parse_models(body: bytes) -> list[JSON]:
    """``GET /v1beta/models`` → OpenAI model objects (``models/`` stripped from the id)."""
    data = _loads_object(body)
    return [
        {
            "id": str(model["name"]).removeprefix("models/"),
            "object": "model",
            "created": 0,
            "owned_by": "google",
        }
        for model in data.get("models") or []
        if isinstance(model, dict) and model.get("name")
    ]


def _model_path(model: str) -> str:
    return quote(model.removeprefix("models/"), safe="-._~/")


def _request(target: Target, action: str, body: JSON, *, stream: bool) -> UpstreamRequest:
    base = target.base_url.rstrip("/")
    if not base.endswith(("/v1beta", "/v1")):
        base += "/v1beta"
    query = dict(target.query)
    headers = {"Content-Type": "application/json"}
    if target.auth_style == "query":
        query["key"] = target.api_key
    elif target.api_key:
        headers["x-goog-api-key"] = target.api_key
    headers.update(target.headers)
    if stream:
        query["alt"] = "sse"
        headers["Accept"] = "text/event-stream"
    url = f"{base}/models/{action}" + ("?" + urlencode(query) if query else "")
    return UpstreamRequest("POST", url, headers, orjson.dumps(body), stream)


def _single_call(call: Call) -> bool:
    return call.body.get("parallel_tool_calls") is False


def _loads_object(body: bytes) -> JSON:
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UpstreamError("The upstream provider answered with invalid JSON.") from exc
    if not isinstance(data, dict):
        raise UpstreamError("The upstream provider answered with an unexpected JSON value.")
    return data


ADAPTER = GeminiAdapter()
