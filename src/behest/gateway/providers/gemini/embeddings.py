"""OpenAI embeddings ↔ Gemini ``embedContent`` / ``batchEmbedContents``.

A single string input goes to ``embedContent``; a list to ``batchEmbedContents``, each
item naming ``models/<model>`` as the API requires. ``dimensions`` →
``outputDimensionality``. ``encoding_format: "base64"`` is produced here: base64 of
the little-endian float32 vector, as OpenAI sends it. Token-id inputs have no Gemini
equivalent (400). Usage comes from ``usageMetadata.promptTokenCount`` when Gemini
sends it, else it is estimated as ceil(characters / 4) per input.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from behest.gateway.errors import InvalidRequest, UnsupportedFeature

JSON = dict[str, Any]


def inputs(body: JSON) -> tuple[list[str], bool]:
    """(texts, single) for the request's ``input``."""
    value = body.get("input")
    if isinstance(value, str):
        return [value], True
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return list(value), False
    if isinstance(value, list) and value:
        raise UnsupportedFeature("Gemini embeddings take text, not token ids.", param="input")
    raise InvalidRequest("input must be a string or a non-empty list of strings.", param="input")


def request_body(body: JSON, model: str) -> tuple[str, JSON]:
    """(method, body): ``embedContent`` for one string, ``batchEmbedContents`` for a list."""
    texts, single = inputs(body)
    extra: JSON = {}
    if body.get("dimensions") is not None:
        extra["outputDimensionality"] = int(body["dimensions"])
    if single:
        return "embedContent", {"content": {"parts": [{"text": texts[0]}]}, **extra}
    requests = [
        {"model": f"models/{model}", "content": {"parts": [{"text": text}]}, **extra}
        for text in texts
    ]
    return "batchEmbedContents", {"requests": requests}


def to_openai(data: JSON, body: JSON, model: str) -> JSON:
    vectors = _vectors(data)
    base64_output = body.get("encoding_format") == "base64"
    items = [
        {
            "object": "embedding",
            "index": index,
            "embedding": _encode(vector) if base64_output else vector,
        }
        for index, vector in enumerate(vectors)
    ]
    tokens = _prompt_tokens(data, body)
    return {
        "object": "list",
        "data": items,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _vectors(data: JSON) -> list[list[float]]:
    embeddings = data.get("embeddings")
    if not isinstance(embeddings, list):
        embeddings = [data.get("embedding") or {}]
    return [[float(v) for v in (item or {}).get("values") or []] for item in embeddings]


def _encode(vector: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _prompt_tokens(data: JSON, body: JSON) -> int:
    metadata = data.get("usageMetadata")
    if isinstance(metadata, dict) and metadata.get("promptTokenCount") is not None:
        return int(metadata["promptTokenCount"])
    texts, _ = inputs(body)
    return sum(-(-len(text) // 4) for text in texts)
