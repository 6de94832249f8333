"""Usage routes: an end user's own usage on ``/v1/usage``, project reports on the admin API.

Also :func:`install`, which the app builder calls to hand these routes their services
and to run the usage sink and the thread retention sweep for the life of the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from behest.gateway.edge.context import SERVICES, services
from behest.gateway.edge.threads_routes import THREADS, authorize_admin, json_response
from behest.gateway.edge.v1 import caller
from behest.gateway.errors import GatewayError, InvalidRequest, NotFound
from behest.gateway.threads import ThreadService, sweep_forever
from behest.gateway.usage.report import report_csv, report_json, report_query
from behest.gateway.usage.service import UsageService

routes = web.RouteTableDef()
USAGE = web.AppKey("usage", UsageService)
SWEEP_EVERY_S = 3600.0


def usage(request: web.Request) -> UsageService:
    service = request.app.get(USAGE)
    if service is None:
        raise GatewayError("Usage is not set up on this gateway (usage_routes.install).")
    return service


@routes.get("/v1/usage")
async def own_usage(request: web.Request) -> web.StreamResponse:
    principal = await caller(request)
    summary = await usage(request).summary(principal.project_id, principal.user_id)
    return json_response(summary)


@routes.get("/admin/v1/projects/{project}/usage")
async def project_usage(request: web.Request) -> web.StreamResponse:
    authorize_admin(request)
    project = request.match_info["project"]
    if project not in services(request).directory.snapshot.projects:
        raise NotFound(f"No project with id {project!r}.")
    query_string = request.query
    fmt = query_string.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidRequest("'format' must be json or csv.", param="format")
    query = report_query(
        project, query_string.get("group_by"), query_string.get("start"), query_string.get("end")
    )
    rows = await usage(request).report(query)
    if fmt == "json":
        return json_response(report_json(query, rows))
    return web.Response(
        text=report_csv(query, rows),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="usage-{project}.csv"'},
    )


def retention_days(app: web.Application) -> dict[str, int]:
    """Each project's thread retention, from the configuration snapshot."""
    projects = app[SERVICES].directory.snapshot.projects.values()
    return {p.id: days for p in projects if (days := p.settings.thread_retention_days)}


def install(
    app: web.Application,
    threads_service: ThreadService,
    usage_service: UsageService,
    *,
    sweep_every_s: float = SWEEP_EVERY_S,
) -> None:
    """Give the thread and usage routes their services; run the sink and the sweep.

    Call after the app's own lifespan is appended: cleanup runs in reverse, so the sink
    flushes every queued record before the database is closed.
    """
    app[THREADS] = threads_service
    app[USAGE] = usage_service

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        usage_service.start()
        sweeper = asyncio.create_task(
            sweep_forever(threads_service, lambda: retention_days(app), sweep_every_s)
        )
        yield
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await usage_service.close()

    app.cleanup_ctx.append(lifespan)
