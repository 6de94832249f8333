"""Anthropic ``GET /v1/models`` → OpenAI model objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from behest.gateway.providers.base import JSON


def parse_models(body: bytes | JSON) -> list[JSON]:
    data: Any = orjson.loads(body) if isinstance(body, bytes | str) else body
    items = data.get("data") if isinstance(data, dict) else None
    return [_model(item) for item in items or [] if isinstance(item, dict) and item.get("id")]


def _model(item: JSON) -> JSON:
    return {
        "id": str(item["id"]),
        "object": "model",
        "created": rfc3339_to_unix(item.get("created_at")),
        "owned_by": "anthropic",
    }


def rfc3339_to_unix(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0
