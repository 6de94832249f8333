"""Anthropic error bodies (HTTP or in-stream ``error`` events) → the gateway's UpstreamError.

invalid_request_error  400 → 400 (code context_length_exceeded when the prompt is too long)
authentication_error   401 → 502 (the gateway's own credential was refused)
permission_error       403 → 502
billing_error          402 → 502
not_found_error        404 → 404
request_too_large      413 → 413
rate_limit_error       429 → 429, Retry-After forwarded
api_error              500 → 500 (another 5xx status it came with is kept)
timeout_error          504 → 504
overloaded_error       529 → 503, Retry-After forwarded (OpenAI's own "overloaded" status)
any other type         the HTTP status when it is a 5xx, else 400
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

_BY_TYPE: dict[str, tuple[int, str]] = {
    "invalid_request_error": (400, "invalid_request_error"),
    "authentication_error": (502, "api_error"),
    "permission_error": (502, "api_error"),
    "billing_error": (502, "api_error"),
    "not_found_error": (404, "invalid_request_error"),
    "request_too_large": (413, "invalid_request_error"),
    "rate_limit_error": (429, "rate_limit_exceeded"),
    "api_error": (500, "api_error"),
    "timeout_error": (504, "timeout"),
    "overloaded_error": (503, "api_error"),
}
_BY_STATUS = {
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
_NOT_RETRYABLE = frozenset({"authentication_error", "permission_error", "billing_error"})
_CREDENTIAL = "The upstream provider rejected the gateway's credential for this model."
_BILLING = "The upstream provider account for this model is out of credit."
_CONTEXT_HINTS = ("prompt is too long", "context window", "context length", "too many tokens")


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
    try:
        data: Any = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        data = {}
    error = data.get("error") if isinstance(data, dict) else None
    return error_from(status, headers, error if isinstance(error, dict) else {})


def error_from(
    status: int | None, headers: Mapping[str, str], error: Mapping[str, Any]
) -> UpstreamError:
    kind = str(error.get("type") or _BY_STATUS.get(status or 0, "api_error"))
    server_status = (status or 500) if (status or 500) >= 500 else None
    mapped, error_type = _BY_TYPE.get(kind, (server_status or 400, "api_error"))
    if kind == "api_error" and server_status and server_status != 529:
        mapped = server_status  # a 502 or 503 from Anthropic's own edge stays what it was
    message = error.get("message") if isinstance(error.get("message"), str) else None
    if kind in _NOT_RETRYABLE:
        message = (
            _CREDENTIAL if kind != "billing_error" else "The upstream account is out of credit."
        )
    code = _code(kind, message or "")
    forwarded = {}
    retry_after = headers.get("retry-after") or headers.get("Retry-After")
    if retry_after and mapped in (429, 503):
        forwarded["Retry-After"] = retry_after
    cls = {503: UpstreamUnavailable, 504: UpstreamTimeout}.get(mapped, UpstreamError)
    return cls(
        message or f"The upstream provider failed ({kind}).",
        status=mapped,
        error_type=error_type,
        code=code,
        headers=forwarded,
        retryable=(mapped == 429 or mapped >= 500) and kind not in _NOT_RETRYABLE,
    )


def _code(kind: str, message: str) -> str | None:
    if kind == "invalid_request_error" and any(h in message.lower() for h in _CONTEXT_HINTS):
        return "context_length_exceeded"
    if kind == "not_found_error":
        return "model_not_found" if "model" in message.lower() else "not_found"
    if kind == "rate_limit_error":
        return "rate_limit_exceeded"
    return None
