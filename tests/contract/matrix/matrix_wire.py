"""One exchange through an adapter and its provider's mock, as the gateway makes it.

``exchange`` builds the upstream request with the adapter, sends it to the mock (an
in-process aiohttp server), and turns the answer back into what the gateway returns:
a completion, an error, or the SSE text the pipeline relays (chunks, the usage chunk
only when asked, ``[DONE]``). ``Specs`` checks both sides against ``shared/specs``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from behest.gateway.errors import UpstreamError
from behest.gateway.providers import anthropic, gemini, openai_format
from behest.gateway.providers.base import JSON, Adapter, StreamState, Target
from behest.gateway.providers.sse import SSEDecoder
from behest.gateway.request.call import Call, Operation
from behest.testing import mock_anthropic, mock_gemini, mock_openai
from behest.testing.faults import Fault, Faults


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    adapter: Adapter
    app: Callable[[Faults], web.Application]
    models: dict[Operation, str]
    base_path: str = ""

    def target(self, base_url: str, operation: Operation) -> Target:
        return Target(
            self.name, self.name, self.models[operation], base_url + self.base_path, "key-matrix"
        )


PROVIDERS = {
    "openai": Provider(
        "openai",
        openai_format.ADAPTER,
        mock_openai.build_app,
        {
            "chat": "gpt-4o-mini",
            "embeddings": "text-embedding-3-small",
            "moderations": "omni-moderation-latest",
        },
        "/v1",
    ),
    "anthropic": Provider(
        "anthropic",
        anthropic.ADAPTER,
        mock_anthropic.build_app,
        {"chat": "claude-sonnet-4-5", "embeddings": "claude-sonnet-4-5", "moderations": "c"},
    ),
    "gemini": Provider(
        "gemini",
        gemini.ADAPTER,
        mock_gemini.build_app,
        {"chat": "gemini-2.5-flash", "embeddings": "gemini-embedding-001", "moderations": "g"},
    ),
}


@dataclass(slots=True)
class Exchange:
    provider: str
    call: Call
    path: str = ""
    sent: JSON = field(default_factory=dict)
    result: JSON | None = None
    chunks: list[JSON] = field(default_factory=list)
    state: StreamState | None = None
    sse: str = ""
    error: UpstreamError | None = None
    twin: Exchange | None = None  # the same request unstreamed, when a case compares

    @property
    def message(self) -> JSON:
        assert self.result is not None, self.error
        message: JSON = self.result["choices"][0]["message"]
        return message


def make_call(provider: str, body: JSON, operation: Operation = "chat") -> Call:
    body = {**body, "model": PROVIDERS[provider].models[operation]}
    stream = bool(body.get("stream"))
    include = bool((body.get("stream_options") or {}).get("include_usage"))
    return Call(operation, body["model"], body, stream, include, request_id="matrixreq")


async def exchange(provider: str, call: Call, fault: JSON | None = None) -> Exchange:
    spec = PROVIDERS[provider]
    faults = Faults()
    if fault:
        faults.add(Fault.from_json(fault))
    async with TestServer(spec.app(faults)) as server:
        target = spec.target(str(server.make_url("")).rstrip("/"), call.operation)
        request = spec.adapter.build_request(call, target)
        assert request.body is not None
        out = Exchange(provider, call, urlsplit(request.url).path, json.loads(request.body))
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, request.url, headers=dict(request.headers), data=request.body
            ) as response,
        ):
            body = await response.read()
            if response.status >= 400:
                out.error = spec.adapter.parse_error(response.status, dict(response.headers), body)
            elif call.stream:
                _relay(spec.adapter, target, out, body)
            else:
                out.result = spec.adapter.parse_response(call, response.status, body)
    return out


def _relay(adapter: Adapter, target: Target, out: Exchange, raw: bytes) -> None:
    """What ``stages.relay.relay`` sends: every chunk, the usage chunk when asked, [DONE]."""
    state = adapter.new_stream(out.call, target)
    decoder = SSEDecoder()
    for event in decoder.feed(raw) + decoder.close():
        out.chunks += adapter.parse_event(event, state)
    out.chunks += adapter.finish_stream(state)
    frames = list(out.chunks)
    if out.call.include_usage and state.usage is not None:
        frames.append(
            {
                "id": state.id or "chatcmpl-matrixreq",
                "object": "chat.completion.chunk",
                "created": state.created,
                "model": state.model,
                "choices": [],
                "usage": state.usage,
            }
        )
    out.state = state
    out.sse = "".join(f"data: {json.dumps(f)}\n\n" for f in frames) + "data: [DONE]\n\n"


@dataclass(frozen=True, slots=True)
class Specs:
    openai: Any
    anthropic: Any
    gemini: Any

    def outbound(self, ex: Exchange) -> list[str]:
        """The upstream request against the provider's own spec."""
        errors: list[str]
        if ex.provider == "anthropic":
            errors = self.anthropic.validate_request(ex.sent)
        elif ex.provider == "gemini":
            errors = self.gemini.validate_request("POST", ex.path, ex.sent)
        else:
            errors = self.openai.validate_request("POST", ex.path, ex.sent)
        return errors

    def inbound(self, ex: Exchange) -> list[str]:
        """What the gateway returns against OpenAI's spec."""
        path = f"/v1/{_PATHS[ex.call.operation]}"
        if ex.error is not None:
            errors: list[str] = self.openai.validate_schema("ErrorResponse", ex.error.body())
        elif ex.call.stream:
            errors = self.openai.validate_sse("POST", path, ex.sse)
        else:
            errors = self.openai.validate_response("POST", path, 200, ex.result)
        return errors


_PATHS = {"chat": "chat/completions", "embeddings": "embeddings", "moderations": "moderations"}


@cache
def load_specs(shared_dir: Path) -> Specs:
    specs = str(shared_dir / "specs")
    if specs not in sys.path:
        sys.path.insert(0, specs)
    from validate_anthropic import AnthropicValidator
    from validate_gemini import GeminiValidator
    from validate_openai import SpecValidator

    return Specs(SpecValidator(), AnthropicValidator(), GeminiValidator())
