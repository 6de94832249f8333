"""Builds the aiohttp application from the wired services."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import web

from behest.gateway.edge import (
    admin_routes,
    audit,
    cors,
    health,
    observe,
    openapi,
    threads_routes,
    usage_routes,
    v1,
)
from behest.gateway.edge.context import SERVICES
from behest.gateway.edge.errors import errors_middleware
from behest.gateway.runtime.services import Services

# aiohttp's parser answers lines over 8 KiB with a plain-text 400 before any middleware runs;
# raised so that an oversized header reaches the edge and gets a JSON 431 with a request id.
PARSER_LIMITS: dict[str, Any] = {"max_line_size": 64 * 1024, "max_field_size": 64 * 1024}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """observe → audit → CORS → errors → the route, in one frame: aiohttp wraps each
    middleware of its own in a partial and a coroutine on every request."""
    started = time.monotonic()
    status = 500
    try:
        if audit.recorded(request):
            response = await audit.audited(request, partial(errors_middleware, handler=handler))
        else:
            response = await errors_middleware(request, handler)
            cors.add_cors_headers(request, response)
        status = response.status
        return response
    except asyncio.CancelledError:
        status = 499  # the client left
        raise
    finally:
        observe.observed(request, status, started)


def build_web_app(parts: Services) -> web.Application:
    app = web.Application(
        middlewares=[edge_middleware],
        client_max_size=parts.settings.max_body_bytes,
    )
    app[SERVICES] = parts
    tables = (
        v1.routes,
        cors.routes,
        admin_routes.routes,
        audit.routes,
        health.routes,
        observe.routes,
        openapi.routes,
        threads_routes.routes,
        usage_routes.routes,
    )
    for table in tables:
        app.router.add_routes(table)
    return app
