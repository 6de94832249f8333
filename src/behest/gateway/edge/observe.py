"""Every HTTP request counted (route template, method, status) and, with JSON logs, one
access line; and ``GET /metrics`` behind the admin or the metrics token."""

from __future__ import annotations

import hmac
import time

from aiohttp import web

from behest.gateway.auth.principal import Principal
from behest.gateway.edge.context import services
from behest.gateway.edge.errors import REQUEST_ID
from behest.gateway.errors import AuthenticationFailed
from behest.gateway.observability import CONTENT_TYPE
from behest.gateway.observability.logs import Access, log_access
from behest.gateway.stages.authenticate import bearer

PRINCIPAL = web.RequestKey("principal", Principal)
MODEL = web.RequestKey("model", str)

routes = web.RouteTableDef()


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def observed(request: web.Request, status: int, started: float) -> None:
    """Counts the answered request (status 499: the client left; 500: it raised)."""
    parts = services(request)
    route = _route(request)
    parts.observability.metrics.http_request(route, request.method, status)
    if parts.settings.log_format != "json":
        return
    principal = request.get(PRINCIPAL)
    access = Access(
        request_id=request.get(REQUEST_ID, ""),
        method=request.method,
        route=route,
        status=status,
        latency_ms=round((time.monotonic() - started) * 1000, 1),
        project_id=principal.project_id if principal else None,
        user_id=principal.user_id if principal else None,
        model=request.get(MODEL),
    )
    log_access(access)


def _authorize_scrape(request: web.Request) -> None:
    parts = services(request)
    token = bearer(request.headers.get("Authorization"))
    metrics_token = parts.settings.metrics_token
    if metrics_token and hmac.compare_digest(metrics_token.encode(), token.encode()):
        return
    if not parts.admin_token.accepts(token):
        raise AuthenticationFailed(
            "/metrics needs the metrics token or the admin token.", code="invalid_metrics_token"
        )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.StreamResponse:
    _authorize_scrape(request)
    body = services(request).observability.metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
