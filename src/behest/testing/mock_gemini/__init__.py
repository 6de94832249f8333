"""A faithful mock of the Gemini API (generativelanguage v1beta) for tests, demos and benches.

    POST /v1beta/models/{model}:generateContent
    POST /v1beta/models/{model}:streamGenerateContent[?alt=sse]   (JSON array without alt=sse)
    POST /v1beta/models/{model}:embedContent | :batchEmbedContents
    GET  /v1beta/models
    POST /__mock__/faults        a Fault as JSON, or {"clear": true}
    GET  /__mock__/last_request  {"body": …, "headers": …} of the last API request

Like the real API it wants a key (``x-goog-api-key`` header or ``?key=``; none → 403,
``invalid-key`` → 400 API_KEY_INVALID), rejects unknown fields with 400 "Invalid JSON
payload received. Unknown name …" (camelCase and snake_case accepted; JSON-Schema
keywords such as ``additionalProperties`` inside ``parameters`` included), checks roles,
empty parts, enums and, for ``gemini-3*`` models, that replayed function calls carry
their ``thoughtSignature``.

Answers are deterministic. For the last user turn's text:
- ``[block]`` → prompt blocked (``promptFeedback.blockReason: SAFETY``, no candidates);
- ``[safety]`` → ``finishReason: SAFETY`` and no content;
- with tools and mode not NONE: ``call tools`` calls every allowed function in parallel,
  ``call tool`` (or mode ANY) the first one; ``args`` are sample values for the schema;
- a turn of ``functionResponse`` parts → ``Results: name={response}; …``;
- ``responseMimeType: application/json`` → a sample object for the response schema;
- otherwise ``Echo: <text>``. Candidate ``i > 0`` appends `` [i]``.
``maxOutputTokens`` truncates (``MAX_TOKENS``), ``stopSequences`` cut. Tokens are
ceil(characters / 4): prompt over the JSON of contents and systemInstruction,
candidates over the output text and call args; any ``thinkingConfig`` with a non-zero
budget or a level adds 8 thought tokens. ``gemini-3*`` models give function calls an
``id`` and a ``thoughtSignature``. Streams split text into 12-character pieces (one
event per candidate and piece, function calls whole), end with a finish event holding
``finishReason`` and the full ``usageMetadata``, separate events with ``\\r\\n\\r\\n`` and
send no ``[DONE]``. Embeddings are unit vectors seeded by the text's SHA-256, 768
values unless ``outputDimensionality`` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import orjson
from aiohttp import web

from behest.testing.control import add_control_routes
from behest.testing.faults import Fault, Faults
from behest.testing.mock_gemini.answers import embed, generate, stream_events
from behest.testing.mock_gemini.validation import ApiError, check_semantics, validate

__all__ = ["build_app", "main"]

JSON = dict[str, Any]
_FAULTS: web.AppKey[Faults] = web.AppKey("faults", Faults)
_MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview", "gemini-embedding-001")


def _fault_error(fault: Fault) -> ApiError:
    status = int(fault.status or 500)
    return ApiError(
        status,
        {
            429: "Resource has been exhausted (e.g. check quota).",
            503: "The model is overloaded. Please try again later.",
        }.get(status, f"Injected failure ({status})."),
    )


def _error_response(error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=error.code,
        body=orjson.dumps(error.body()),
        content_type="application/json",
        headers=headers,
    )


def _authenticate(request: web.Request) -> None:
    key = request.headers.get("x-goog-api-key") or request.query.get("key")
    if not key:
        raise ApiError(
            403,
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )
    if key == "invalid-key":
        raise ApiError(
            400,
            "API key not valid. Please pass a valid API key.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ],
        )


def _route(name: str) -> tuple[str, str]:
    model, _, method = name.partition(":")
    embedding = "embedding" in model
    wants_embedding = method in ("embedContent", "batchEmbedContents")
    known = method in ("generateContent", "streamGenerateContent") or wants_embedding
    if (
        not known
        or not model.startswith(("gemini-", "text-embedding"))
        or embedding != wants_embedding
    ):
        raise ApiError(
            404,
            f"models/{model} is not found for API version v1beta, or is not supported "
            f"for {method or 'this method'}. Call ListModels to see the list of available models.",
        )
    return model, method


async def _api(request: web.Request) -> web.StreamResponse:
    faults = request.app[_FAULTS]
    try:
        _authenticate(request)
        model, method = _route(request.match_info["name"])
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, "Invalid JSON payload received. Unexpected token.") from exc
        faults.requests_seen += 1
        faults.last_request = body
        faults.last_headers = {str(key).lower(): value for key, value in request.headers.items()}
        fault = faults.take(model)
        if fault and fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault and fault.status:
            retry = {"Retry-After": fault.retry_after} if fault.retry_after else None
            return _error_response(_fault_error(fault), retry)
        return await _answer(request, body, model, method, fault)
    except ApiError as error:
        return _error_response(error)


async def _answer(
    request: web.Request, body: Any, model: str, method: str, fault: Fault | None
) -> web.StreamResponse:
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received. Expected an object.")
    if method in ("embedContent", "batchEmbedContents"):
        kind = "EmbedContentRequest" if method == "embedContent" else "BatchEmbedContentsRequest"
        validate(body, kind, "")
        return web.json_response(embed(body, model, method == "batchEmbedContents"), dumps=_dumps)
    validate(body, "GenerateContentRequest", "")
    check_semantics(body, model)
    response = generate(body, model)
    if method == "generateContent":
        return web.json_response(response, dumps=_dumps)
    if request.query.get("alt") != "sse":
        return web.json_response(stream_events(response), dumps=_dumps)
    return await _stream(request, stream_events(response), fault)


async def _stream(
    request: web.Request, events: list[JSON], fault: Fault | None
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for number, planned in enumerate(events):
        event = planned
        if fault and fault.break_after_chunks is not None and number >= fault.break_after_chunks:
            if request.transport is not None:
                request.transport.close()
            return response
        if (
            fault
            and fault.error_event_after_chunks is not None
            and number >= fault.error_event_after_chunks
        ):
            event = ApiError(503, "The model is overloaded. Please try again later.").body()
        if number and fault and fault.chunk_delay_ms:
            await asyncio.sleep(fault.chunk_delay_ms / 1000)
        await response.write(b"data: " + orjson.dumps(event) + b"\r\n\r\n")
        if "error" in event:
            break
    await response.write_eof()
    return response


async def _models(request: web.Request) -> web.Response:
    try:
        _authenticate(request)
    except ApiError as error:
        return _error_response(error)
    models = [
        {
            "name": f"models/{name}",
            "version": "001",
            "displayName": name,
            "inputTokenLimit": 1048576 if "embedding" not in name else 2048,
            "outputTokenLimit": 65536 if "embedding" not in name else 1,
            "supportedGenerationMethods": ["embedContent", "batchEmbedContents"]
            if "embedding" in name
            else ["generateContent", "countTokens"],
        }
        for name in _MODELS
    ]
    return web.json_response({"models": models}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def build_app(faults: Faults | None = None) -> web.Application:
    app = web.Application()
    app[_FAULTS] = faults if faults is not None else Faults()
    app.router.add_post("/v1beta/models/{name}", _api)
    app.router.add_get("/v1beta/models", _models)
    add_control_routes(app, _FAULTS)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mock Gemini API upstream")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args(argv)
    web.run_app(build_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
