"""The admin HTTP API under ``/admin/v1``: the CLI's operations, behind the admin token."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import orjson
from aiohttp import web

from behest.gateway.edge.context import read_body, services
from behest.gateway.errors import AuthenticationFailed, NotFound
from behest.gateway.request.parse import load_object
from behest.gateway.stages.authenticate import bearer

routes = web.RouteTableDef()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _authorize(request: web.Request) -> None:
    token = bearer(request.headers.get("Authorization"))
    if not services(request).admin_token.accepts(token):
        raise AuthenticationFailed("The admin token is not valid.", code="invalid_admin_token")


async def _run(request: web.Request, operation: Callable[[], Any], *, writes: bool) -> Any:
    result = await asyncio.to_thread(operation)
    if writes:
        await services(request).directory.refresh(force=True)
    return result


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _list(items: list[dict[str, Any]]) -> web.Response:
    return _json({"object": "list", "data": items})


async def _body(request: web.Request) -> dict[str, Any]:
    return load_object(await read_body(request))


@routes.get("/admin/v1/projects")
async def list_projects(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    return _list(await _run(request, services(request).admin.list_projects, writes=False))


@routes.post("/admin/v1/projects")
async def create_project(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    body = await _body(request)
    return _json(
        await _run(request, partial(services(request).admin.create_project, body), writes=True), 201
    )


@routes.get("/admin/v1/projects/{project}")
async def show_project(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    operation = partial(services(request).admin.show_project, request.match_info["project"])
    return _json(await _run(request, operation, writes=False))


@routes.patch("/admin/v1/projects/{project}")
async def update_project(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    body = await _body(request)
    operation = partial(services(request).admin.update_project, request.match_info["project"], body)
    return _json(await _run(request, operation, writes=True))


@routes.delete("/admin/v1/projects/{project}")
async def delete_project(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    project = request.match_info["project"]
    await _run(request, partial(services(request).admin.delete_project, project), writes=True)
    return _json({"id": project, "object": "project", "deleted": True})


@routes.get("/admin/v1/projects/{project}/keys")
async def list_keys(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    operation = partial(services(request).admin.list_api_keys, request.match_info["project"])
    return _list(await _run(request, operation, writes=False))


@routes.post("/admin/v1/projects/{project}/keys")
async def create_key(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    body = await _body(request) if request.can_read_body else {}
    operation = partial(services(request).admin.create_api_key, request.match_info["project"], body)
    return _json(await _run(request, operation, writes=True), 201)


@routes.delete("/admin/v1/projects/{project}/keys/{key}")
async def revoke_key(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    info = request.match_info
    operation = partial(services(request).admin.revoke_api_key, info["project"], info["key"])
    return _json(await _run(request, operation, writes=True))


@routes.get("/admin/v1/projects/{project}/credentials")
async def list_credentials(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    operation = partial(services(request).admin.list_credentials, request.match_info["project"])
    return _list(await _run(request, operation, writes=False))


@routes.post("/admin/v1/projects/{project}/credentials")
async def add_credential(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    body = await _body(request)
    operation = partial(services(request).admin.add_credential, request.match_info["project"], body)
    return _json(await _run(request, operation, writes=True), 201)


@routes.patch("/admin/v1/projects/{project}/credentials/{credential}")
async def update_credential(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    body = await _body(request)
    info = request.match_info
    operation = partial(
        services(request).admin.update_credential, info["project"], info["credential"], body
    )
    return _json(await _run(request, operation, writes=True))


@routes.delete("/admin/v1/projects/{project}/credentials/{credential}")
async def delete_credential(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    info = request.match_info
    operation = partial(
        services(request).admin.delete_credential, info["project"], info["credential"]
    )
    await _run(request, operation, writes=True)
    return _json({"id": info["credential"], "object": "provider_credential", "deleted": True})


@routes.post("/admin/v1/signing-keys/rotate")
async def rotate_signing_key(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    return _json(await _run(request, services(request).admin.rotate_signing_key, writes=True), 201)


@routes.get("/admin/v1/projects/{project}/limits")
async def limit_usage(request: web.Request) -> web.StreamResponse:
    """Current use of each configured limit; ``user_id``, ``ip``, ``credential_id`` narrow it."""
    _authorize(request)
    parts = services(request)
    project = parts.directory.snapshot.projects.get(request.match_info["project"])
    if project is None:
        raise NotFound(f"No project with id {request.match_info['project']!r}.")
    query = request.query
    rows = await parts.pipeline.limiter.usage(
        project.id,
        project.limits,
        user_id=query.get("user_id"),
        ip=query.get("ip"),
        credential_id=query.get("credential_id", ""),
        tier=query.get("tier"),
    )
    return _json(
        {
            "object": "list",
            "policy": project.limits.to_dict(),
            "data": [dataclasses.asdict(row) for row in rows],
        }
    )


@routes.get("/admin/v1/breakers")
async def all_breakers(request: web.Request) -> web.StreamResponse:
    """This process's circuit breakers (state is per process: see docs/routing.md)."""
    _authorize(request)
    return _list(services(request).pipeline.breakers.describe())


@routes.get("/admin/v1/projects/{project}/breakers")
async def project_breakers(request: web.Request) -> web.StreamResponse:
    _authorize(request)
    parts = services(request)
    project_id = request.match_info["project"]
    if project_id not in parts.directory.snapshot.projects:
        raise NotFound(f"No project with id {project_id!r}.")
    return _list(parts.pipeline.breakers.describe(project_id))
