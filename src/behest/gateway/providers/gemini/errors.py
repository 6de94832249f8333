"""Gemini errors (``{"error": {"code", "message", "status", "details"}}``) → ``UpstreamError``.

The gRPC ``status`` decides, the HTTP code is the fallback:

    INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE  → 400 invalid_request_error
    NOT_FOUND                                            → 404 invalid_request_error
    RESOURCE_EXHAUSTED                                   → 429 rate_limit_exceeded (+ Retry-After)
    UNAVAILABLE                                          → 503 api_error
    DEADLINE_EXCEEDED                                    → 504 timeout
    PERMISSION_DENIED, UNAUTHENTICATED, API_KEY_INVALID  → 502 (the gateway's credential)
    INTERNAL                                             → 500 api_error
    other 5xx                                            → the same status, api_error

An input longer than the context window gives code ``context_length_exceeded``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.openai_format import upstream_status

JSON = dict[str, Any]

_HTTP_BY_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "INTERNAL": 500,
}
_CREDENTIAL = "The upstream provider rejected the gateway's credential for this model."


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = {}
    if isinstance(data, list) and data:
        data = data[0]  # the JSON-array stream form wraps the error in a list
    return error_from_payload(status, headers, data)


def error_from_payload(status: int, headers: Mapping[str, str], data: Any) -> UpstreamError:
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    grpc_status = str(error.get("status") or "")
    http = _HTTP_BY_STATUS.get(
        grpc_status, status if status >= 400 else int(error.get("code") or 502)
    )
    if _reason(error) == "API_KEY_INVALID":
        http = 401
    message = str(error.get("message") or f"The upstream provider failed with HTTP {http}.")
    if http in (401, 403):
        message = _CREDENTIAL
    final = upstream_status(http)
    return UpstreamError(
        message,
        status=final,
        error_type=_error_type(final),
        code=_code(grpc_status, message),
        headers=_retry_after(headers, error),
        retryable=http in (408, 429) or http >= 500,
    )


def _reason(error: JSON) -> str | None:
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            return str(detail["reason"])
    return None


def _error_type(status: int) -> str:
    if status == 429:
        return "rate_limit_exceeded"
    if status == 504:
        return "timeout"
    return "invalid_request_error" if status < 500 else "api_error"


def _code(grpc_status: str, message: str) -> str | None:
    if "token count" in message and "exceeds" in message:
        return "context_length_exceeded"
    return grpc_status.lower() or None


def _retry_after(headers: Mapping[str, str], error: JSON) -> dict[str, str]:
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value:
        return {"Retry-After": value}
    for detail in error.get("details") or []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return {"Retry-After": str(max(1, math.ceil(float(delay[:-1]))))}
            except ValueError:
                return {}
    return {}
