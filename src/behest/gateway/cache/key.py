"""The cache key: project, user (unless shared) and the request body as canonical JSON.

Every field of the body counts (model, messages, tools, tool_choice, response_format,
every generation parameter, ``stream`` and ``stream_options`` too): a streamed and a
non-streamed request are kept apart, each replayed in its own shape.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

KEY_PREFIX = "behest:cache:"


def cache_key(project_id: str, user_id: str | None, model: str, body: dict[str, Any]) -> str:
    request = {**body, "model": model}
    canonical = orjson.dumps(
        [project_id, user_id, request], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    )
    return KEY_PREFIX + hashlib.sha256(canonical).hexdigest()
