"""The one error tree of the gateway.

Every error carries the HTTP status and the OpenAI error ``type`` it is rendered
with; only the edge turns it into ``{"error": {"message", "type", "param", "code"}}``.

    GatewayError                       500 api_error
    ├── SecretError                    500 (a stored secret does not open: master key, tampering)
    ├── GuardModelUnavailable          500 (the guard's heavier tier is configured but cannot load)
    ├── ClientDisconnected             499 (the client left before its answer was complete)
    ├── InvalidRequest                 400 invalid_request_error
    │   ├── PayloadTooLarge            413 invalid_request_error
    │   ├── HeadersTooLarge            431 invalid_request_error
    │   ├── BodyTimeout                408 invalid_request_error (the body arrived too slowly)
    │   ├── GuardrailBlocked           400 invalid_request_error (code pii_detected / …)
    │   └── UnsupportedFeature         400 invalid_request_error (code unsupported_parameter)
    ├── AuthenticationFailed           401 authentication_error   (code invalid_api_key / …)
    ├── PermissionDenied               403 permission_error
    ├── NotFound                       404 invalid_request_error
    │   └── ModelNotFound              404 invalid_request_error (code model_not_found)
    ├── Conflict                       409 invalid_request_error
    ├── RateLimited                    429 rate_limit_exceeded
    │   └── BudgetExceeded             429 insufficient_quota (x-should-retry: false)
    ├── LimiterUnavailable             503 (Redis down and the project fails closed)
    └── UpstreamError                  status mapped from the provider's answer
        ├── UpstreamUnavailable        503 (connection refused, overloaded, breaker open)
        └── UpstreamTimeout            504

Upstream errors are the only ones fallback and retries catch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class GatewayError(Exception):
    status: ClassVar[int] = 500
    error_type: ClassVar[str] = "api_error"
    default_code: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


class SecretError(GatewayError):
    """A secret could not be decrypted: wrong or missing master key, or tampering."""


class GuardModelUnavailable(GatewayError):
    """The guard's heavier tier is configured but its model or runtime cannot be loaded."""


class ClientDisconnected(GatewayError):
    """The client left before its answer was complete (booked with nginx's 499)."""

    status = 499
    default_code = "client_disconnected"


class InvalidRequest(GatewayError):
    status = 400
    error_type = "invalid_request_error"


class PayloadTooLarge(InvalidRequest):
    status = 413
    default_code = "request_too_large"


class HeadersTooLarge(InvalidRequest):
    status = 431
    default_code = "headers_too_large"


class BodyTimeout(InvalidRequest):
    status = 408
    default_code = "request_timeout"


class GuardrailBlocked(InvalidRequest):
    pass


class UnsupportedFeature(InvalidRequest):
    default_code = "unsupported_parameter"


class AuthenticationFailed(GatewayError):
    status = 401
    error_type = "authentication_error"
    default_code = "invalid_api_key"


class PermissionDenied(GatewayError):
    status = 403
    error_type = "permission_error"


class NotFound(GatewayError):
    status = 404
    error_type = "invalid_request_error"
    default_code = "not_found"


class ModelNotFound(NotFound):
    default_code = "model_not_found"


class Conflict(GatewayError):
    status = 409
    error_type = "invalid_request_error"
    default_code = "conflict"


class RateLimited(GatewayError):
    status = 429
    error_type = "rate_limit_exceeded"
    default_code = "rate_limit_exceeded"
    layer: str = ""  # the refusing limit layer, e.g. "user:requests:minute" (for metrics)


class BudgetExceeded(RateLimited):
    error_type = "insufficient_quota"
    default_code = "insufficient_quota"


class LimiterUnavailable(GatewayError):
    status = 503
    default_code = "rate_limiter_unavailable"


class UpstreamError(GatewayError):
    """An error answered by (or on the way to) a provider; ``status`` is per instance."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 502,
        error_type: str = "api_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code, headers=headers)
        self.status = status  # type: ignore[misc]
        self.error_type = error_type  # type: ignore[misc]
        self.retryable = (
            status in (408, 409, 429) or status >= 500 if retryable is None else retryable
        )


class UpstreamUnavailable(UpstreamError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("status", 503)
        kwargs.setdefault("error_type", "api_error")
        super().__init__(message, **kwargs)


class UpstreamTimeout(UpstreamError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("status", 504)
        kwargs.setdefault("error_type", "timeout")
        super().__init__(message, **kwargs)
