"""Builds the aiohttp application from the wired services."""

from __future__ import annotations

from aiohttp import web

from behest.gateway.edge import (
    admin_routes,
    cors,
    health,
    openapi,
    threads_routes,
    usage_routes,
    v1,
)
from behest.gateway.edge.context import SERVICES
from behest.gateway.edge.errors import errors_middleware
from behest.gateway.runtime.services import Services


def build_web_app(parts: Services) -> web.Application:
    app = web.Application(
        middlewares=[errors_middleware], client_max_size=parts.settings.max_body_bytes
    )
    app[SERVICES] = parts
    tables = (
        v1.routes,
        cors.routes,
        admin_routes.routes,
        health.routes,
        openapi.routes,
        threads_routes.routes,
        usage_routes.routes,
    )
    for table in tables:
        app.router.add_routes(table)
    return app
