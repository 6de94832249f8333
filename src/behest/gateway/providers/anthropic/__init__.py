"""The Anthropic Messages API as an adapter: pure translation, no I/O.

``Target.base_url`` is the host without ``/v1`` (``https://api.anthropic.com``); a
trailing ``/v1`` is tolerated. Auth is ``x-api-key`` plus ``anthropic-version``.
The target quirk ``json_schema_tool`` turns ``response_format: json_schema`` into a
forced tool whose input comes back as the message content (for models or proxies
without ``output_config.format``).

    request.py   OpenAI request → Messages body     content.py  parts, images, tool calls
    tools.py     tools, tool_choice, json tool       response.py Message → chat.completion
    stream.py    SSE events → chunks                 errors.py   error types → statuses
    models.py    GET /v1/models → model objects
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from behest.gateway.errors import UnsupportedFeature, UpstreamError
from behest.gateway.providers.anthropic import errors, stream
from behest.gateway.providers.anthropic.models import parse_models
from behest.gateway.providers.anthropic.request import DEFAULT_MAX_TOKENS, build_body, dumps
from behest.gateway.providers.anthropic.response import loads_object, to_completion
from behest.gateway.providers.anthropic.stream import AnthropicStreamState
from behest.gateway.providers.base import JSON, StreamState, Target, UpstreamRequest
from behest.gateway.providers.sse import SSEEvent
from behest.gateway.request.call import Call

API_VERSION = "2023-06-01"
__all__ = ["ADAPTER", "DEFAULT_MAX_TOKENS", "AnthropicFormat", "parse_models"]


class AnthropicFormat:
    def build_request(self, call: Call, target: Target) -> UpstreamRequest:
        if call.operation != "chat":
            raise UnsupportedFeature(
                f"Anthropic has no {call.operation} endpoint.", code="unsupported_operation"
            )
        body = build_body(call, target.model, target.quirks)
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if call.stream else "application/json",
            "anthropic-version": API_VERSION,
            "x-api-key": target.api_key,
            **target.headers,
        }
        return UpstreamRequest("POST", messages_url(target), headers, dumps(body), call.stream)

    def parse_response(self, call: Call, status: int, body: bytes) -> JSON:
        return to_completion(loads_object(body), _uses_json_tool(call))

    def new_stream(self, call: Call, target: Target) -> StreamState:
        return AnthropicStreamState(
            id="chatcmpl-anthropic",
            model=target.model,
            created=int(time.time()),
            uses_json_tool=_uses_json_tool(call) and "json_schema_tool" in target.quirks,
        )

    def parse_event(self, event: SSEEvent, state: StreamState) -> list[JSON]:
        return stream.parse_event(event, _own(state))

    def finish_stream(self, state: StreamState) -> list[JSON]:
        return stream.finish_stream(_own(state))

    def parse_error(self, status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
        return errors.parse_error(status, headers, body)


def messages_url(target: Target) -> str:
    base = target.base_url.rstrip("/").removesuffix("/v1")
    return base + "/v1/messages"


def _uses_json_tool(call: Call) -> bool:
    fmt = call.body.get("response_format") or {}
    return isinstance(fmt, dict) and fmt.get("type") == "json_schema" and not call.body.get("tools")


def _own(state: StreamState) -> AnthropicStreamState:
    if not isinstance(state, AnthropicStreamState):
        raise TypeError("the Anthropic adapter needs the state from its own new_stream()")
    return state


ADAPTER = AnthropicFormat()
