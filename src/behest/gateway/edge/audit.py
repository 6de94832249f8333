"""Every change made through ``/admin/v1`` is written to the audit log, and read back at
``GET /admin/v1/audit`` (newest first, ``limit`` up to 500, ``before`` = the last id seen).

Only callers holding an admin token are recorded (anyone can send a refused request, and
the log must not be theirs to fill); their failed changes are recorded with the status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from behest.gateway.config.audit import AuditEntry
from behest.gateway.edge.context import client_ip, services
from behest.gateway.edge.errors import REQUEST_ID
from behest.gateway.errors import AuthenticationFailed, InvalidRequest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
routes = web.RouteTableDef()
MAX_ID = 2**63 - 1  # a database row id (BIGINT)


def _actor(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return services(request).admin_token.actor(token.strip())


def route_action(request: web.Request) -> tuple[str, dict[str, str]]:
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else request.path
    return f"{request.method} {path}", dict(request.match_info)


def recorded(request: web.Request) -> bool:
    """A change through the admin API: written to the log once answered."""
    return request.method in WRITES and request.path.startswith("/admin/v1/")


async def audited(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The answer to a ``recorded`` request, with its log entry written."""
    actor = _actor(request)
    response = await handler(request)
    if actor is not None:
        action, target = route_action(request)
        entry = AuditEntry(
            actor, action, target, response.status, request.get(REQUEST_ID, ""), client_ip(request)
        )
        await services(request).audit.record(entry)
    return response


def _page_args(request: web.Request) -> tuple[int, int | None]:
    try:
        limit = int(request.query.get("limit", "100"))
        before = int(request.query["before"]) if "before" in request.query else None
    except ValueError as exc:
        raise InvalidRequest("'limit' and 'before' must be integers.") from exc
    if not 1 <= limit <= 500:
        raise InvalidRequest("'limit' must be from 1 to 500.", param="limit")
    if before is not None and not 1 <= before <= MAX_ID:
        raise InvalidRequest(f"'before' must be from 1 to {MAX_ID}.", param="before")
    return limit, before


@routes.get("/admin/v1/audit")
async def audit_log(request: web.Request) -> web.StreamResponse:
    if _actor(request) is None:
        raise AuthenticationFailed("The admin token is not valid.", code="invalid_admin_token")
    limit, before = _page_args(request)
    entries = await services(request).audit.page(limit, before)
    body = {
        "object": "list",
        "data": [entry.public() for entry in entries],
        "has_more": len(entries) == limit,
        "next_before": entries[-1].id if entries else None,
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")
