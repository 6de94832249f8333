"""A faithful mock of Anthropic's Messages API for tests, demos and benchmarks.

Requests are checked as strictly as the real API checks them (unknown keys, empty text
blocks, missing ``max_tokens``, bad roles, ``temperature`` > 1, ``tool_result`` without
its ``tool_use``, missing ``x-api-key`` → 401, unknown model → 404). Answers are
deterministic:

- the last user turn starts with ``tool_result`` blocks → "Got N tool result(s): …";
- tools are offered, ``tool_choice`` is not ``none`` and either it forces a tool
  (``any``/``tool``) or the last user text says "call tool" → ``tool_use`` blocks whose
  inputs are sampled from each ``input_schema``: "call tools" (plural) calls every tool
  unless ``disable_parallel_tool_use``, otherwise the first (or the forced) tool only;
- ``output_config.format`` → a JSON text sampled from the schema; a system prompt
  asking for a "JSON object" → ``{"echo": <last user text>}``;
- otherwise "Echo: <last user text>".
Thinking enabled adds a ``thinking`` block first. Stop sequences cut the text
(``stop_sequence``); ``max_tokens`` cuts it at 4 characters a token (``max_tokens``).

Usage: ``tokens(x) = ceil(len(compact JSON of x) / 4)``; input counts system, messages
and tools; output counts the produced text, thinking and tool inputs (at least 1). If the
request holds any ``cache_control``, the system + tools prefix is cached: written
(``cache_creation_input_tokens``) the first time the app sees it, read after.

Streams send the exact event sequence, deltas cut into three pieces. Faults come from
:mod:`behest.testing.faults` (``POST /__mock__/faults``); ``GET /__mock__/last_request``
shows what the gateway sent. Run it with ``python -m behest.testing.mock_anthropic``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import orjson
from aiohttp import web

from behest.testing.control import add_control_routes
from behest.testing.faults import Fault, Faults
from behest.testing.mock_anthropic.replies import (
    JSON,
    MAX_CONTEXT,
    answer,
    message,
    sse,
    stream_events,
    usage,
)
from behest.testing.mock_anthropic.rules import MockError, bad, validate

FAULTS_KEY = web.AppKey("faults", Faults)
CACHE_KEY = web.AppKey("cache", set)
MODELS = [
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
]
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


async def _stream(request: web.Request, full: JSON, fault: Fault | None) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "request-id": f"req_{full['id']}",
        }
    )
    await response.prepare(request)
    for sent, event in enumerate(stream_events(full)):
        if fault and fault.break_after_chunks is not None and sent >= fault.break_after_chunks:
            if request.transport is not None:
                request.transport.close()
            return response
        if fault and fault.error_event_after_chunks == sent:
            error = {"type": "overloaded_error", "message": "Overloaded"}
            await response.write(sse({"type": "error", "error": error}))
            break
        if fault and fault.chunk_delay_ms and sent:
            await asyncio.sleep(fault.chunk_delay_ms / 1000)
        await response.write(sse(event))
    await response.write_eof()
    return response


def error_response(status: int, message: str, retry_after: str | None = None) -> web.Response:
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_mock_error",
    }
    headers = {"request-id": "req_mock_error"}
    if retry_after:
        headers["retry-after"] = retry_after
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _check_headers(request: web.Request) -> None:
    if not request.headers.get("x-api-key"):
        raise MockError(401, "x-api-key header is required")
    if request.path == "/v1/messages" and not request.headers.get("anthropic-version"):
        raise bad("anthropic-version: header is required")


async def messages(request: web.Request) -> web.StreamResponse:
    faults = request.app[FAULTS_KEY]
    faults.requests_seen += 1
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    faults.last_request = body if isinstance(body, dict) else None
    faults.last_headers = {str(key).lower(): value for key, value in request.headers.items()}
    fault = faults.take(body.get("model") if isinstance(body, dict) else None)
    if fault and fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault and fault.status:
        return error_response(
            fault.status, _FAULT_MESSAGES.get(fault.status, "Injected fault"), fault.retry_after
        )
    try:
        _check_headers(request)
        validate(body)
        if not body["model"].startswith("claude"):
            raise MockError(404, f"model: {body['model']}")
        reply = answer(body, faults.requests_seen)
        full = message(
            body, reply, usage(body, reply, request.app[CACHE_KEY]), faults.requests_seen
        )
    except MockError as exc:
        return error_response(exc.status, exc.message)
    if body.get("stream"):
        return await _stream(request, full, fault)
    return web.json_response(full, headers={"request-id": f"req_{full['id']}"}, dumps=_dumps)


_FAULT_MESSAGES = {
    429: "Number of request tokens has exceeded your per-minute rate limit",
    529: "Overloaded",
    500: "Internal server error",
    401: "invalid x-api-key",
    400: "prompt is too long: 250000 tokens > 200000",
}


async def models(request: web.Request) -> web.Response:
    try:
        _check_headers(request)
    except MockError as exc:
        return error_response(exc.status, exc.message)
    data = [
        {
            "id": model_id,
            "type": "model",
            "display_name": name,
            "created_at": created,
            "max_input_tokens": MAX_CONTEXT,
            "max_tokens": 64_000,
            "capabilities": None,
        }
        for model_id, name, created in MODELS
    ]
    listing = {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"],
        "last_id": data[-1]["id"],
    }
    return web.json_response(listing, dumps=_dumps)


def build_app(faults: Faults | None = None) -> web.Application:
    app = web.Application()
    app[FAULTS_KEY] = faults if faults is not None else Faults()
    app[CACHE_KEY] = set()
    app.router.add_post("/v1/messages", messages)
    app.router.add_get("/v1/models", models)
    add_control_routes(app, FAULTS_KEY)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mock Anthropic Messages API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    args = parser.parse_args(argv)
    web.run_app(build_app(), host=args.host, port=args.port)
