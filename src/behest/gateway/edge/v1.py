"""The public ``/v1`` routes and the JWKS."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from aiohttp import web

from behest.gateway.auth.principal import Principal
from behest.gateway.auth.tokens import Claims
from behest.gateway.edge.context import client_ip, read_body, services
from behest.gateway.edge.cors import cors_headers, remember_project
from behest.gateway.edge.errors import REQUEST_ID
from behest.gateway.edge.observe import MODEL, PRINCIPAL
from behest.gateway.edge.streaming import write_stream
from behest.gateway.errors import AuthenticationFailed, InvalidRequest
from behest.gateway.request.call import Operation
from behest.gateway.request.parse import load_object, parse_call
from behest.gateway.request.reply import JsonReply, StreamReply
from behest.gateway.stages.authenticate import bearer, check_id

routes = web.RouteTableDef()


def json_response(reply: JsonReply, headers: dict[str, str]) -> web.Response:
    return web.Response(
        body=orjson.dumps(reply.body),
        status=reply.status,
        content_type="application/json",
        headers={**headers, **reply.headers},
    )


async def caller(request: web.Request) -> Principal:
    principal = await services(request).authenticator.caller(
        request.headers.get("Authorization"),
        end_user=request.headers.get("X-End-User-Id"),
        session=request.headers.get("X-Session-Id"),
        ip=client_ip(request),
    )
    remember_project(request, principal.project_id)
    request[PRINCIPAL] = principal
    return principal


async def _proxy(request: web.Request, operation: Operation) -> web.StreamResponse:
    principal = await caller(request)
    call = parse_call(operation, await read_body(request), request[REQUEST_ID])
    request[MODEL] = call.model
    thread_id = request.headers.get("X-Thread-Id")
    if thread_id:
        call.metadata["thread_id"] = thread_id
    if cache := request.headers.get("X-Behest-Cache"):
        call.metadata["cache"] = cache.strip().lower()
    reply = await services(request).pipeline.handle(principal, call)
    headers = {"x-request-id": call.request_id}
    if isinstance(reply, StreamReply):
        return await write_stream(request, reply, headers | cors_headers(request))
    return json_response(reply, headers)


@routes.post("/v1/chat/completions")
async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await _proxy(request, "chat")


@routes.post("/v1/embeddings")
async def embeddings(request: web.Request) -> web.StreamResponse:
    return await _proxy(request, "embeddings")


@routes.post("/v1/moderations")
async def moderations(request: web.Request) -> web.StreamResponse:
    return await _proxy(request, "moderations")


@routes.get("/v1/models")
async def models(request: web.Request) -> web.StreamResponse:
    principal = await caller(request)
    reply = services(request).pipeline.list_models(principal)
    return json_response(reply, {})


@routes.post("/v1/auth/mint")
async def mint(request: web.Request) -> web.StreamResponse:
    parts = services(request)
    token = bearer(request.headers.get("Authorization"))
    if not token.startswith("behest_sk_"):
        raise AuthenticationFailed("Minting needs the project's API key (behest_sk_live_…).")
    key, project = await parts.authenticator.api_key(token)
    await parts.pipeline.limiter.check_ip(project.id, client_ip(request), project.limits)
    body = load_object(await read_body(request))
    user_id = _required_id(body, "user_id")
    session_id = _optional_id(body, "session_id") or "sess_" + secrets.token_hex(12)
    ttl = project.settings.jwt_ttl_s
    requested = body.get("expires_in")
    if requested is not None:
        if (
            not isinstance(requested, int)
            or isinstance(requested, bool)
            or not 30 <= requested <= ttl
        ):
            raise InvalidRequest(
                f"'expires_in' must be an integer from 30 to {ttl}.", param="expires_in"
            )
        ttl = requested
    claims = Claims(project.id, user_id, session_id, key.id, 0, _optional_id(body, "tier") or "")
    access = parts.directory.snapshot.tokens.mint(claims, ttl)
    payload = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "session_id": session_id,
    }
    return web.Response(body=orjson.dumps(payload), content_type="application/json")


def _required_id(body: dict[str, Any], name: str) -> str:
    value = _optional_id(body, name)
    if not value:
        raise InvalidRequest(f"'{name}' is required.", param=name)
    return value


def _optional_id(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"'{name}' must be a non-empty string.", param=name)
    try:
        return check_id(value, name)
    except AuthenticationFailed as exc:
        raise InvalidRequest(exc.message, param=name) from exc


@routes.get("/.well-known/jwks.json")
async def jwks(request: web.Request) -> web.StreamResponse:
    body = services(request).directory.snapshot.tokens.jwks()
    return web.Response(
        body=orjson.dumps(body),
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
