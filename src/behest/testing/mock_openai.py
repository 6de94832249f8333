"""A mock OpenAI (and OpenAI-compatible) upstream, faithful to OpenAI's published spec.

Deterministic answers:
- the reply is ``"Echo: <last user text>"`` (or ``reply_words`` words when set, for
  benchmarks), one streamed chunk per word; ``max_tokens``/``max_completion_tokens``
  caps the words and then ``finish_reason`` is ``length``;
- with ``tools`` and ``tool_choice`` not ``none``, a last user text containing
  "call tools" (or a forced tool choice) answers with one tool call per tool offered, or
  with the first only under ``parallel_tool_calls: false``;
- ``response_format`` ``json_object`` answers ``{"echo": <text>}``, ``json_schema`` a
  sample of the schema; ``n`` gives n equal choices and ``logprobs`` one entry per word
  (``top_logprobs`` alternatives each), in non-streamed answers;
- usage: prompt tokens = ceil(characters / 4) over all message text + 3 per message;
  completion tokens = words (or argument characters / 4 for tool calls).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import math
import struct
import time
from typing import Any

import orjson
from aiohttp import web

from behest.testing.control import add_control_routes
from behest.testing.faults import Fault, Faults
from behest.testing.mock_anthropic.replies import sample

FAULTS = web.AppKey("faults", Faults)
REPLY_WORDS = web.AppKey("reply_words", int)
_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    chars = sum(len(_text_of(m.get("content"))) for m in messages)
    return math.ceil(chars / 4) + 3 * len(messages)


def _error(
    status: int,
    message: str,
    type_: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


def _fault_response(fault: Fault) -> web.Response:
    status = fault.status or 500
    type_ = (
        "rate_limit_error"
        if status == 429
        else ("server_error" if status >= 500 else "invalid_request_error")
    )
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
    return _error(status, f"Injected fault: HTTP {status}.", type_, None, headers)


async def _prelude(request: web.Request) -> tuple[dict[str, Any], Fault | None] | web.Response:
    faults = request.app[FAULTS]
    faults.requests_seen += 1
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return _error(
            401, "You didn't provide an API key.", "invalid_request_error", "invalid_api_key"
        )
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _error(
            400, "We could not parse the JSON body of your request.", "invalid_request_error"
        )
    if not isinstance(body, dict):
        return _error(400, "The body must be a JSON object.", "invalid_request_error")
    faults.last_request = body
    faults.last_headers = dict(request.headers)
    fault = faults.take(body.get("model"))
    if fault and fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault and fault.status:
        return _fault_response(fault)
    return body, fault


def _reply_words(body: dict[str, Any], configured: int) -> tuple[list[str], str]:
    messages = body.get("messages") or []
    last_user: dict[str, Any] = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    if configured:
        words = [f"w{i}" for i in range(configured)]
    else:
        words = _reply_text(body, _text_of(last_user.get("content"))).split()
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int) and 0 < limit < len(words):
        return words[:limit], "length"
    return words, "stop"


def _reply_text(body: dict[str, Any], text: str) -> str:
    fmt = body.get("response_format") or {}
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_object":
        return orjson.dumps({"echo": text}).decode()
    if kind == "json_schema":
        return orjson.dumps(sample((fmt.get("json_schema") or {}).get("schema"))).decode()
    return "Echo: " + text


def _logprobs(body: dict[str, Any], words: list[str]) -> dict[str, Any] | None:
    if not body.get("logprobs"):
        return None
    top = int(body.get("top_logprobs") or 0)
    entries = []
    for word in words:
        alternatives = [
            {"token": word if i == 0 else f"{word}~{i}", "logprob": -0.25 - i, "bytes": None}
            for i in range(top)
        ]
        entries.append(
            {
                "token": word,
                "logprob": -0.25,
                "bytes": list(word.encode()),
                "top_logprobs": alternatives,
            }
        )
    return {"content": entries, "refusal": None}


def _tool_calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools") or []
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return []
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    forced = choice == "required" or isinstance(choice, dict)
    if not forced and not (
        last.get("role") == "user" and "call tools" in _text_of(last.get("content"))
    ):
        return []
    if isinstance(choice, dict):
        tools = [
            t
            for t in tools
            if t.get("function", {}).get("name") == choice.get("function", {}).get("name")
        ]
    if body.get("parallel_tool_calls") is False:
        tools = tools[:1]
    calls = []
    for index, tool in enumerate(tools):
        name = tool.get("function", {}).get("name", "f")
        arguments = orjson.dumps({"call": index, "city": "Paris"}).decode()
        calls.append(
            {
                "id": f"call_{index}_{name}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        )
    return calls


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _completion_id(body: dict[str, Any]) -> str:
    return "chatcmpl-" + hashlib.sha1(orjson.dumps(body)).hexdigest()[:24]


async def chat_completions(request: web.Request) -> web.StreamResponse:
    prelude = await _prelude(request)
    if isinstance(prelude, web.Response):
        return prelude
    body, fault = prelude
    messages = body.get("messages")
    if not isinstance(body.get("model"), str) or not isinstance(messages, list) or not messages:
        return _error(
            400, "'model' and a non-empty 'messages' are required.", "invalid_request_error"
        )
    calls = _tool_calls(body)
    words, finish = _reply_words(body, request.app[REPLY_WORDS])
    if body.get("stream"):
        return await _stream(
            request, body=body, fault=fault, calls=calls, words=words, finish=finish
        )
    prompt = prompt_tokens(messages)
    if calls:
        message = {"role": "assistant", "content": None, "tool_calls": calls, "refusal": None}
        finish, completion = "tool_calls", sum(len(c["function"]["arguments"]) for c in calls) // 4
    else:
        message = {
            "role": "assistant",
            "content": " ".join(words),
            "refusal": None,
            "annotations": [],
        }
        completion = len(words)
    logprobs = None if calls else _logprobs(body, words)
    count = max(1, int(body.get("n") or 1))
    choices = [
        {"index": i, "message": message, "logprobs": logprobs, "finish_reason": finish}
        for i in range(count)
    ]
    response = {
        "id": _completion_id(body),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_mock",
        "choices": choices,
        "usage": _usage(prompt, completion * count),
        "service_tier": "default",
    }
    return web.Response(body=orjson.dumps(response), content_type="application/json")


async def _stream(
    request: web.Request,
    *,
    body: dict[str, Any],
    fault: Fault | None,
    calls: list[dict[str, Any]],
    words: list[str],
    finish: str,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    base = {
        "id": _completion_id(body),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_mock",
    }
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    deltas = _deltas(calls, words)
    for sent, delta in enumerate(deltas):
        if fault and fault.break_after_chunks is not None and sent >= fault.break_after_chunks:
            request.transport.close() if request.transport else None
            return response
        if (
            fault
            and fault.error_event_after_chunks is not None
            and sent >= fault.error_event_after_chunks
        ):
            error = {
                "error": {
                    "message": "Injected stream error.",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
            await response.write(b"data: " + orjson.dumps(error) + b"\n\n")
            return response
        chunk = {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}],
        }
        if include_usage:
            chunk["usage"] = None
        await response.write(b"data: " + orjson.dumps(chunk) + b"\n\n")
        if fault and fault.chunk_delay_ms:
            await asyncio.sleep(fault.chunk_delay_ms / 1000)
    final = {
        **base,
        "choices": [
            {
                "index": 0,
                "delta": {},
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else finish,
            }
        ],
    }
    if include_usage:
        final["usage"] = None
    await response.write(b"data: " + orjson.dumps(final) + b"\n\n")
    if include_usage:
        completion = (
            sum(len(c["function"]["arguments"]) for c in calls) // 4 if calls else len(words)
        )
        usage = {
            **base,
            "choices": [],
            "usage": _usage(prompt_tokens(body["messages"]), completion),
        }
        await response.write(b"data: " + orjson.dumps(usage) + b"\n\n")
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


def _deltas(calls: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    if not calls:
        first: list[dict[str, Any]] = [{"role": "assistant", "content": "", "refusal": None}]
        return first + [{"content": (" " if i else "") + word} for i, word in enumerate(words)]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": None, "refusal": None}]
    for index, call in enumerate(calls):
        arguments = call["function"]["arguments"]
        deltas.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": ""},
                    }
                ]
            }
        )
        half = len(arguments) // 2
        for part in (arguments[:half], arguments[half:]):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
    return deltas


async def embeddings(request: web.Request) -> web.StreamResponse:
    prelude = await _prelude(request)
    if isinstance(prelude, web.Response):
        return prelude
    body, _ = prelude
    inputs = body.get("input")
    items = [inputs] if isinstance(inputs, str) else list(inputs or [])
    if not items:
        return _error(400, "'input' is required.", "invalid_request_error")
    dims = body.get("dimensions") or 16
    data = []
    for index, item in enumerate(items):
        vector = _vector(str(item), int(dims))
        value: Any = vector
        if body.get("encoding_format") == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": value})
    tokens = sum(math.ceil(len(str(i)) / 4) for i in items)
    return web.json_response(
        {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def _vector(text: str, dims: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [(digest[i % len(digest)] - 128) / 128 for i in range(dims)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [v / norm for v in raw]


async def moderations(request: web.Request) -> web.StreamResponse:
    prelude = await _prelude(request)
    if isinstance(prelude, web.Response):
        return prelude
    body, _ = prelude
    inputs = body.get("input")
    items = [inputs] if isinstance(inputs, str) else list(inputs or [])
    results = []
    for item in items:
        flagged = "kill" in str(item).lower()
        categories = {name: flagged and name == "violence" for name in _CATEGORIES}
        scores = {name: (0.91 if categories[name] else 0.001) for name in _CATEGORIES}
        applied = {name: ["text"] for name in _CATEGORIES}
        results.append(
            {
                "flagged": flagged,
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": applied,
            }
        )
    return web.json_response(
        {
            "id": "modr-mock",
            "model": body.get("model") or "omni-moderation-latest",
            "results": results,
        }
    )


async def list_models(request: web.Request) -> web.StreamResponse:
    names = ("gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "omni-moderation-latest")
    data = [{"id": n, "object": "model", "created": 1700000000, "owned_by": "mock"} for n in names]
    return web.json_response({"object": "list", "data": data})


def build_app(faults: Faults | None = None, *, reply_words: int = 0) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[FAULTS] = faults or Faults()
    app[REPLY_WORDS] = reply_words
    for prefix in ("", "/v1"):
        app.router.add_post(f"{prefix}/chat/completions", chat_completions)
        app.router.add_post(f"{prefix}/embeddings", embeddings)
        app.router.add_post(f"{prefix}/moderations", moderations)
        app.router.add_get(f"{prefix}/models", list_models)
    add_control_routes(app, FAULTS)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mock OpenAI-compatible upstream")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--reply-words", type=int, default=0)
    args = parser.parse_args(argv)
    web.run_app(
        build_app(reply_words=args.reply_words),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
