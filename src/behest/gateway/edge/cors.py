"""CORS for browsers calling ``/v1`` with a minted token: only a project's own origins.

The origin decision:
- a preflight carries no credentials, so it cannot name the project: it is allowed for an
  origin that some project lists, and it grants nothing by itself;
- the real request is answered for the caller's own project: its response (success or
  error, streamed or not) carries ``Access-Control-Allow-Origin`` only when the origin is in
  that project's ``cors_origins``;
- a request refused before its project is known (a bad or expired token) is readable by an
  origin that some project lists, so a page can see its 401 and mint again.

Never a wildcard, never ``Allow-Credentials``: the browser sends a bearer token, not cookies.
``/v1/auth/mint`` is for servers only (it takes the project's key) and gets no CORS
headers, so a page cannot mint even on a listed origin.
"""

from __future__ import annotations

import re

from aiohttp import web

from behest.gateway.edge.context import services

_ALLOW_HEADERS = "Authorization, Content-Type, X-Session-Id, X-Thread-Id, X-Request-Id"
_EXPOSE_HEADERS = (
    "x-request-id, x-thread-id, x-behest-guard, x-behest-route, x-behest-cache, "
    "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
    "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, "
    "retry-after, x-should-retry"
)
_MAX_AGE = "7200"  # Chromium's cap; Firefox allows a day
_HEADER_LIST = re.compile(r"[A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+)*")
PROJECT = web.RequestKey("cors_project", str)
_SERVER_ONLY = frozenset({"/v1/auth/mint"})

routes = web.RouteTableDef()


def remember_project(request: web.Request, project_id: str) -> None:
    """Called once the caller is authenticated: from here on its project decides."""
    request[PROJECT] = project_id


def cors_headers(request: web.Request) -> dict[str, str]:
    """The headers a response to ``request`` gets (empty unless the origin is allowed)."""
    origin = request.headers.get("Origin")
    if not origin or request.path in _SERVER_ONLY or not _allowed(request, origin):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": _EXPOSE_HEADERS,
        "Vary": "Origin",
    }


def _allowed(request: web.Request, origin: str) -> bool:
    projects = services(request).directory.snapshot.projects
    project_id = request.get(PROJECT)
    if project_id is None:
        return any(origin in project.settings.cors_origins for project in projects.values())
    project = projects.get(project_id)
    return project is not None and origin in project.settings.cors_origins


def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Adds the headers to every ``/v1`` answer not yet sent; streams add them when they
    start (``cors_headers``), as their headers leave before this runs."""
    if (
        "Origin" in request.headers  # without one, there is nothing to add
        and request.path.startswith("/v1/")
        and request.method != "OPTIONS"
        and not response.prepared
        and "Access-Control-Allow-Origin" not in response.headers
    ):
        response.headers.update(cors_headers(request))
        response.headers["Vary"] = "Origin"


@routes.options("/v1/{tail:.*}")
async def preflight(request: web.Request) -> web.StreamResponse:
    origin = request.headers.get("Origin", "")
    if not origin or request.path in _SERVER_ONLY or not _allowed(request, origin):
        return web.Response(status=204, headers={"Vary": "Origin"})
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": _requested_headers(request),
            "Access-Control-Max-Age": _MAX_AGE,
            "Vary": "Origin, Access-Control-Request-Headers",
        },
    )


def _requested_headers(request: web.Request) -> str:
    """The headers the page asked for, when they are well-formed names: SDKs send their own
    (the ``openai`` package sends ``x-stainless-*``), and a fixed list would block them."""
    asked = request.headers.get("Access-Control-Request-Headers", "").strip()
    if asked and len(asked) <= 2048 and _HEADER_LIST.fullmatch(asked):
        return f"{_ALLOW_HEADERS}, {asked}"
    return _ALLOW_HEADERS
