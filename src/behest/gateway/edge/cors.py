"""CORS for browsers calling ``/v1`` with a minted token: only a project's own origins."""

from __future__ import annotations

from aiohttp import web

from behest.gateway.edge.context import services

_ALLOW_HEADERS = "Authorization, Content-Type, X-Session-Id, X-Thread-Id, X-Request-Id"
_EXPOSE_HEADERS = (
    "x-request-id, x-thread-id, x-behest-guard, x-behest-route, x-ratelimit-limit-requests, "
    "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
    "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, retry-after"
)

routes = web.RouteTableDef()


def cors_headers(request: web.Request, project_id: str) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if not origin:
        return {}
    project = services(request).directory.snapshot.projects.get(project_id)
    if project is None or origin not in project.settings.cors_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": _EXPOSE_HEADERS,
        "Vary": "Origin",
    }


def _known_origin(request: web.Request, origin: str) -> bool:
    projects = services(request).directory.snapshot.projects.values()
    return any(origin in project.settings.cors_origins for project in projects)


@routes.options("/v1/{tail:.*}")
async def preflight(request: web.Request) -> web.StreamResponse:
    """A preflight carries no credentials: allow origins some project lists; the real
    request is then checked against the caller's own project."""
    origin = request.headers.get("Origin", "")
    if not origin or not _known_origin(request, origin):
        return web.Response(status=204, headers={"Vary": "Origin"})
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": _ALLOW_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )
