"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from aiohttp import web

from behest.gateway.edge.context import services

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.StreamResponse:
    try:
        await asyncio.wait_for(asyncio.to_thread(services(request).directory.db.ping), 2.0)
    except Exception:  # noqa: BLE001 - any failure means not ready
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ready", "database": "ok"})
