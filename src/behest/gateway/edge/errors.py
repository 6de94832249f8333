"""The one place errors become responses: OpenAI's error JSON with an ``x-request-id``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from itertools import chain

import orjson
from aiohttp import web

from behest.gateway.edge.context import services
from behest.gateway.errors import (
    GatewayError,
    HeadersTooLarge,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
)
from behest.gateway.request.parse import new_request_id

log = logging.getLogger("behest.edge")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID = web.RequestKey("request_id", str)


def error_response(error: GatewayError, request_id: str) -> web.Response:
    headers = {"x-request-id": request_id, **error.headers}
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="behest"')
    return web.Response(
        body=orjson.dumps(error.body()),
        status=error.status,
        content_type="application/json",
        headers=headers,
    )


def _only_preflight(exc: web.HTTPException) -> bool:
    """A path that only the CORS preflight route matches is unknown, not a wrong method."""
    return isinstance(exc, web.HTTPMethodNotAllowed) and exc.allowed_methods <= {"OPTIONS"}


def _from_http(exc: web.HTTPException) -> GatewayError:
    if exc.status == 413:
        return PayloadTooLarge("The request body is larger than this gateway accepts.")
    if exc.status == 404 or _only_preflight(exc):
        return NotFound(
            "Unknown route; see /openapi.json for the gateway's routes.", code="unknown_url"
        )
    if exc.status == 405:
        error = InvalidRequest(
            "This method is not allowed on this route.", code="method_not_allowed"
        )
        error.status = 405  # type: ignore[misc]
        return error
    return InvalidRequest(exc.reason)


def _check_header_size(request: web.Request) -> None:
    """Headers past the setting get the OpenAI JSON error. The HTTP parser's own per-line
    limit is set far higher (``server.PARSER_LIMITS``) so that it only stops what could never
    be a request; what it stops gets its plain-text 400."""
    limit = services(request).settings.max_header_bytes
    raw = request.raw_headers
    size = sum(map(len, chain.from_iterable(raw))) + 4 * len(raw)  # name: value\r\n
    if size > limit:
        raise HeadersTooLarge(f"The request headers are larger than {limit} bytes.")


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("x-request-id") or new_request_id()
    if len(request_id) > 128 or not request_id.isprintable():
        request_id = new_request_id()
    request[REQUEST_ID] = request_id
    try:
        _check_header_size(request)
        response = await handler(request)
    except GatewayError as error:
        return error_response(error, request_id)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(_from_http(exc), request_id)
    except Exception:
        log.exception(
            "unhandled error on %s %s (request %s)", request.method, request.path, request_id
        )
        return error_response(GatewayError("The gateway failed unexpectedly."), request_id)
    if not response.prepared:
        response.headers.setdefault("x-request-id", request_id)
    return response
