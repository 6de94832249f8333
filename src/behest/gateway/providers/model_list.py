"""Listing an upstream's models (the dashboard's credential test): request and parse.

Pure, like the adapters: a :class:`Target` in, the ``GET`` to send out; the body back in,
the model ids out. OpenAI-compatible and Anthropic answer ``{"data": [{"id"}]}``, Gemini
``{"models": [{"name": "models/…"}]}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from behest.gateway.providers.anthropic import API_VERSION, messages_url
from behest.gateway.providers.base import Target, UpstreamRequest, auth_headers


def models_request(target: Target) -> UpstreamRequest:
    headers = {**auth_headers(target), **target.headers, "Accept": "application/json"}
    query = dict(target.query)
    base = target.base_url.rstrip("/")
    if target.api_format == "anthropic":
        url = messages_url(target).removesuffix("/messages") + "/models"
        headers["anthropic-version"] = API_VERSION
    elif target.api_format == "gemini":
        url = base + ("" if base.endswith(("/v1beta", "/v1")) else "/v1beta") + "/models"
        if target.auth_style == "query":
            query["key"] = target.api_key
        else:
            headers = {**target.headers, "x-goog-api-key": target.api_key}
    else:
        url = base + "/models"
    if query:
        url += "?" + urlencode(query)
    return UpstreamRequest("GET", url, headers, None)


def parse_model_ids(api_format: str, body: bytes) -> list[str]:
    """The ids listed; an unexpected shape lists none (the caller says so)."""
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(data, dict):
        return []
    if api_format == "gemini":
        names = [m.get("name") for m in data.get("models") or [] if isinstance(m, dict)]
        return sorted(str(n).removeprefix("models/") for n in names if n)
    ids = [m.get("id") for m in data.get("data") or [] if isinstance(m, dict)]
    return sorted(str(i) for i in ids if i)
