"""The mock Gemini API's deterministic answers: candidates, function calls, streams, embeddings."""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

import orjson

from behest.testing.mock_gemini.validation import ApiError, get

JSON = dict[str, Any]
_PIECE = 12
_SCALARS: JSON = {"integer": 1, "number": 1.5, "boolean": True, "null": None}


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _sample(schema: Any) -> Any:
    """A deterministic value that satisfies a simple JSON Schema or Gemini Schema."""
    if not isinstance(schema, dict):
        return "sample"
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("anyOf"):
        return _sample(schema["anyOf"][0])
    kind = schema.get("type", "object" if "properties" in schema else "string")
    kind = str(kind[0] if isinstance(kind, list) else kind).lower()
    if kind == "object":
        return {name: _sample(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [_sample(schema.get("items"))]
    return _SCALARS.get(kind, "sample")


def _last_user(body: JSON) -> list[JSON]:
    users = [c for c in get(body, "contents") or [] if get(c, "role", "user") == "user"]
    return list(get(users[-1], "parts") or []) if users else []


def _function_calls(body: JSON, text: str, model: str) -> list[JSON]:
    declarations = [
        d for t in get(body, "tools") or [] for d in get(t, "functionDeclarations") or []
    ]
    calling = get(get(body, "toolConfig"), "functionCallingConfig") or {}
    mode = get(calling, "mode", "AUTO")
    allowed = get(calling, "allowedFunctionNames")
    declarations = [d for d in declarations if not allowed or get(d, "name") in allowed]
    if not declarations or mode == "NONE":
        return []
    if "call tools" in text:
        chosen = declarations
    elif "call tool" in text or mode == "ANY":
        chosen = declarations[:1]
    else:
        return []
    parts = []
    for number, declaration in enumerate(chosen):
        schema = get(declaration, "parameters") or get(declaration, "parametersJsonSchema")
        call: JSON = {"name": get(declaration, "name"), "args": _sample(schema) if schema else {}}
        part: JSON = {"functionCall": call}
        if model.startswith("gemini-3"):
            call["id"] = f"fc-{number}"
            if number == 0:
                part["thoughtSignature"] = base64.b64encode(f"sig:{call['name']}".encode()).decode()
        parts.append(part)
    return parts


def _reply_text(body: JSON, parts: list[JSON], text: str) -> str:
    results = [get(p, "functionResponse") for p in parts if get(p, "functionResponse")]
    if results:
        return "Results: " + "; ".join(
            f"{get(r, 'name')}={orjson.dumps(get(r, 'response')).decode()}" for r in results
        )
    config = get(body, "generationConfig") or {}
    if get(config, "responseMimeType") == "application/json":
        schema = get(config, "responseJsonSchema") or get(config, "responseSchema")
        return orjson.dumps(_sample(schema) if schema else {"echo": text}).decode()
    return f"Echo: {text}" if text else "Hello from the mock."


def _candidate(body: JSON, model: str, index: int) -> tuple[JSON, int]:
    """(candidate, output tokens) for candidate ``index``."""
    parts = _last_user(body)
    text = " ".join(str(get(p, "text")) for p in parts if get(p, "text") is not None)
    if "[safety]" in text:
        return {"finishReason": "SAFETY", "index": index}, 0
    calls = _function_calls(body, text, model)
    if calls:
        out_tokens = sum(_tokens(orjson.dumps(c["functionCall"]).decode()) for c in calls)
        return {
            "content": {"role": "model", "parts": calls},
            "finishReason": "STOP",
            "index": index,
        }, out_tokens
    config = get(body, "generationConfig") or {}
    reply, reason = _reply_text(body, parts, text) + (f" [{index}]" if index else ""), "STOP"
    for stop in get(config, "stopSequences") or []:
        reply = reply.split(stop, 1)[0]
    limit = get(config, "maxOutputTokens")
    if limit is not None and _tokens(reply) > int(limit):
        reply, reason = reply[: int(limit) * 4], "MAX_TOKENS"
    candidate: JSON = {
        "content": {"role": "model", "parts": [{"text": reply}]},
        "finishReason": reason,
        "index": index,
    }
    if get(config, "responseLogprobs"):
        candidate["logprobsResult"] = _logprobs(reply, int(get(config, "logprobs", 0)))
    return candidate, _tokens(reply)


def _logprobs(text: str, top: int) -> JSON:
    tokens = [text[i : i + 4] for i in range(0, len(text), 4)]
    chosen = [{"token": t, "logProbability": -0.25} for t in tokens]
    result: JSON = {"chosenCandidates": chosen, "logProbabilitySum": -0.25 * len(tokens)}
    if top:
        result["topCandidates"] = [
            {"candidates": [{"token": t, "logProbability": -0.25 - j} for j in range(top)]}
            for t in tokens
        ]
    return result


def generate(body: JSON, model: str) -> JSON:
    """The complete ``GenerateContentResponse`` for a validated request."""
    prompt = _tokens(orjson.dumps([get(body, "contents"), get(body, "systemInstruction")]).decode())
    usage: JSON = {"promptTokenCount": prompt}
    response: JSON = {
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": hashlib.sha256(orjson.dumps(body)).hexdigest()[:16],
    }
    if any("[block]" in str(get(p, "text", "")) for p in _last_user(body)):
        response["promptFeedback"] = {"blockReason": "SAFETY"}
        usage["totalTokenCount"] = prompt
        return response
    count = int(get(get(body, "generationConfig"), "candidateCount", 1))
    pairs = [_candidate(body, model, index) for index in range(count)]
    thinking = get(get(body, "generationConfig"), "thinkingConfig") or {}
    thoughts = 8 if get(thinking, "thinkingBudget", 0) or get(thinking, "thinkingLevel") else 0
    output = sum(tokens for _, tokens in pairs)
    response["candidates"] = [candidate for candidate, _ in pairs]
    usage.update(candidatesTokenCount=output, totalTokenCount=prompt + output + thoughts)
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return response


def stream_events(response: JSON) -> list[JSON]:
    """The ``alt=sse`` events for a complete response: pieces, then one finish event."""
    head = {"modelVersion": response["modelVersion"], "responseId": response["responseId"]}
    running = {
        "promptTokenCount": response["usageMetadata"]["promptTokenCount"],
        "totalTokenCount": response["usageMetadata"]["promptTokenCount"],
    }
    if "candidates" not in response:
        return [response]
    keyed: list[tuple[int, JSON]] = []
    for candidate in response["candidates"]:
        for number, part in enumerate(_pieces(candidate)):
            piece = {"content": {"role": "model", "parts": [part]}, "index": candidate["index"]}
            keyed.append((number, {"candidates": [piece], "usageMetadata": running, **head}))
    ordered = [event for _, event in sorted(keyed, key=lambda pair: pair[0])]
    finals = [
        {key: value for key, value in c.items() if key != "content"} for c in response["candidates"]
    ]
    return [*ordered, {"candidates": finals, "usageMetadata": response["usageMetadata"], **head}]


def _pieces(candidate: JSON) -> list[JSON]:
    pieces: list[JSON] = []
    for part in (candidate.get("content") or {}).get("parts", []):
        text = part.get("text")
        if text is None:
            pieces.append(part)
        else:
            pieces += [{"text": text[i : i + _PIECE]} for i in range(0, len(text), _PIECE)]
    return pieces


def embed(body: JSON, model: str, batch: bool) -> JSON:
    if batch:
        requests = get(body, "requests") or []
        for index, request in enumerate(requests):
            if get(request, "model") != f"models/{model}":
                raise ApiError(
                    400,
                    f"* BatchEmbedContentsRequest.requests[{index}].model: "
                    f"unexpected model name format or mismatch (want models/{model})",
                )
        return {"embeddings": [_embedding(request) for request in requests]}
    return {"embedding": _embedding(body)}


def _embedding(request: JSON) -> JSON:
    parts = get(get(request, "content"), "parts") or []
    text = "".join(str(get(part, "text", "")) for part in parts)
    size = int(get(request, "outputDimensionality") or 768)
    raw = b"".join(
        hashlib.sha256(f"{text}:{block}".encode()).digest() for block in range(size // 32 + 1)
    )
    values = [(byte - 127.5) / 127.5 for byte in raw[:size]]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return {"values": [round(v / norm, 6) for v in values]}
