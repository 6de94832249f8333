"""The OpenAPI 3.1 description of every public route, and a self-contained docs page.

A test compares it with the router, so a route cannot be added without its entry.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from aiohttp import web

from behest import __version__

routes = web.RouteTableDef()

_ERROR = {"$ref": "#/components/responses/Error"}
_OPEN_OBJECT = {"type": "object", "additionalProperties": True}


def _op(
    summary: str,
    tag: str,
    security: str | None,
    *,
    body: str | None = None,
    ok: str = "200",
    schema: str | None = None,
    text: str | None = None,
    params: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    content: dict[str, Any] = {
        "application/json": {"schema": _ref(schema) if schema else _OPEN_OBJECT}
    }
    if text:  # a text alternative: the SSE stream, a CSV report
        content[text] = {"schema": {"type": "string"}}
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "responses": {ok: {"description": "Success", "content": content}, "default": _ERROR},
    }
    if security:
        operation["security"] = [{security: []}]
    if params:
        operation["parameters"] = list(params)
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _param(where: str, name: str, **schema: Any) -> dict[str, Any]:
    return {"in": where, "name": name, "required": False, "schema": {"type": "string", **schema}}


_ID = {"maxLength": 256, "pattern": "^[\\x21-\\x7e]+$"}  # printable, as check_id wants
_CALL_HEADERS = (  # what /v1 calls read besides Authorization
    _param("header", "X-End-User-Id", **_ID),
    _param("header", "X-Session-Id", **_ID),
    _param("header", "X-Thread-Id", **_ID),
    _param("header", "X-Request-Id", maxLength=128),
)
_PAGE = (
    _param("query", "limit", pattern="^[0-9]{1,3}$"),
    _param("query", "order", enum=["asc", "desc"]),
    _param("query", "after", pattern="^(msg_)?[0-9]+$"),
    _param("query", "before", pattern="^(msg_)?[0-9]+$"),
)
_REPORT = (
    _param("query", "group_by"),
    _param("query", "start", format="date"),
    _param("query", "end", format="date"),
    _param("query", "format", enum=["json", "csv"]),
)
_LIMIT_FILTERS = tuple(_param("query", name) for name in ("user_id", "ip", "credential_id", "tier"))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _paths() -> dict[str, Any]:
    user = "AccessToken"
    admin = "AdminToken"
    return {
        "/v1/auth/mint": {
            "post": _op(
                "Mint a per-user access token",
                "auth",
                "ApiKey",
                body="MintRequest",
                schema="MintResponse",
            )
        },
        "/v1/chat/completions": {
            "post": _op(
                "Create a chat completion (OpenAI-compatible)",
                "v1",
                user,
                body="ChatRequest",
                text="text/event-stream",
                params=_CALL_HEADERS,
            )
        },
        "/v1/embeddings": {
            "post": _op(
                "Create embeddings", "v1", user, body="EmbeddingsRequest", params=_CALL_HEADERS
            )
        },
        "/v1/moderations": {
            "post": _op(
                "Classify text for policy violations",
                "v1",
                user,
                body="ModerationsRequest",
                params=_CALL_HEADERS,
            )
        },
        "/v1/models": {"get": _op("Models this project can use", "v1", user, schema="ModelList")},
        "/.well-known/jwks.json": {
            "get": _op("Public keys that verify access tokens", "auth", None)
        },
        "/healthz": {"get": _op("Liveness", "ops", None)},
        "/readyz": {"get": _op("Readiness (database reachable)", "ops", None)},
        "/openapi.json": {"get": _op("This document", "ops", None)},
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (admin token or BEHEST_METRICS_TOKEN)",
                "tags": ["ops"],
                "security": [{admin: []}],
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "default": _ERROR,
                },
            }
        },
        "/docs": {
            "get": {
                "summary": "Human-readable API docs",
                "tags": ["ops"],
                "responses": {"200": {"description": "HTML page"}},
            }
        },
        "/admin/v1/audit": {
            "get": _op(
                "The audit log of admin changes, newest first",
                "admin",
                admin,
                params=(
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                    {
                        "name": "before",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                    },
                ),
            )
        },
        "/admin/v1/projects": {
            "get": _op("List projects", "admin", admin),
            "post": _op("Create a project", "admin", admin, body="ProjectCreate", ok="201"),
        },
        "/admin/v1/projects/{project}": {
            "get": _op("Show a project", "admin", admin),
            "patch": _op(
                "Update a project's name or settings", "admin", admin, body="ProjectUpdate"
            ),
            "delete": _op("Delete a project", "admin", admin),
        },
        "/admin/v1/projects/{project}/keys": {
            "get": _op("List API keys (prefixes only)", "admin", admin),
            "post": _op(
                "Create an API key (shown once)", "admin", admin, body="KeyCreate", ok="201"
            ),
        },
        "/admin/v1/projects/{project}/keys/{key}": {
            "delete": _op("Revoke an API key", "admin", admin)
        },
        "/admin/v1/projects/{project}/credentials": {
            "get": _op("List provider credentials (never their secrets)", "admin", admin),
            "post": _op(
                "Add a provider credential", "admin", admin, body="CredentialCreate", ok="201"
            ),
        },
        "/admin/v1/projects/{project}/credentials/{credential}": {
            "patch": _op(
                "Update or rotate a provider credential", "admin", admin, body="CredentialUpdate"
            ),
            "delete": _op("Delete a provider credential", "admin", admin),
        },
        "/admin/v1/projects/{project}/limits": {
            "get": _op(
                "Current use of each limit and budget", "admin", admin, params=_LIMIT_FILTERS
            )
        },
        "/admin/v1/projects/{project}/breakers": {
            "get": _op("This process's circuit breakers for the project", "admin", admin)
        },
        "/admin/v1/breakers": {"get": _op("This process's circuit breakers", "admin", admin)},
        "/admin/v1/signing-keys/rotate": {
            "post": _op("Rotate the token signing key", "admin", admin, ok="201")
        },
        **_thread_and_usage_paths(user, admin),
    }


def _thread_and_usage_paths(user: str, admin: str) -> dict[str, Any]:
    thread = "/admin/v1/projects/{project}/threads/{thread_id}"
    return {
        "/v1/threads": {
            "post": _op(
                "Create a thread (optional id and metadata)",
                "threads",
                user,
                body="ThreadCreate",
                ok="201",
                schema="Thread",
            )
        },
        "/v1/threads/{thread_id}": {
            "get": _op("Your thread's metadata", "threads", user, schema="Thread"),
            "delete": _op("Delete your thread and its messages", "threads", user),
        },
        "/v1/threads/{thread_id}/messages": {
            "get": _op(
                "Your thread's messages (limit, after, before, order)",
                "threads",
                user,
                schema="MessageList",
                params=_PAGE,
            )
        },
        thread: {
            "get": _op("Any thread of the project", "admin", admin, schema="Thread"),
            "delete": _op("Delete any thread of the project", "admin", admin),
        },
        thread + "/messages": {
            "get": _op(
                "Any thread's messages (paginated)",
                "admin",
                admin,
                schema="MessageList",
                params=_PAGE,
            )
        },
        "/v1/usage": {"get": _op("Your own tokens and cost today and this month", "usage", user)},
        "/admin/v1/projects/{project}/usage": {
            "get": _op(
                "Cost and tokens grouped by model, user, day (group_by, start, end, format=csv)",
                "admin",
                admin,
                text="text/csv",
                params=_REPORT,
            )
        },
    }


def _schemas() -> dict[str, Any]:
    def obj(required: list[str], **props: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "required": required,
            "properties": props,
            "additionalProperties": True,
        }

    text = {"type": "string"}
    name = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\x00-\\x1f]+$"}
    role = ["assistant", "developer", "function", "system", "tool", "user"]
    message = obj(["role"], role={"enum": role})
    inputs = {"anyOf": [text, {"type": "array", "items": text}]}
    settings = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "allow_api_key_access": {"type": "boolean"},
            "jwt_ttl_s": {"type": "integer", "minimum": 30, "maximum": 24 * 3600},
            "cors_origins": {"type": "array", "items": text},
            "aliases": {"type": "object", "additionalProperties": text},
            "thread_retention_days": {"type": ["integer", "null"], "minimum": 1},
            "limits": _OPEN_OBJECT,
            "guard": _OPEN_OBJECT,
            "price_overrides": _OPEN_OBJECT,
        },
    }
    return {
        "Error": obj(
            ["error"],
            error=obj(
                ["message", "type"],
                message=text,
                type=text,
                param={"type": ["string", "null"]},
                code={"type": ["string", "null"]},
            ),
        ),
        "MintRequest": obj(
            ["user_id"],
            user_id=name,
            session_id=name,
            tier=name,
            expires_in={"type": "integer", "minimum": 30, "maximum": 24 * 3600},
        ),
        "MintResponse": obj(
            ["access_token", "token_type", "expires_in", "session_id"],
            access_token=text,
            token_type={"const": "Bearer"},
            expires_in={"type": "integer"},
            session_id=text,
        ),
        "ChatRequest": obj(
            ["model", "messages"],
            model=name,
            messages={"type": "array", "minItems": 1, "items": message},
            stream={"type": "boolean"},
        ),
        "EmbeddingsRequest": obj(["model", "input"], model=name, input=inputs),
        "ModerationsRequest": obj(["input"], model=name, input=inputs),
        "ModelList": obj(
            ["object", "data"],
            object={"const": "list"},
            data={"type": "array", "items": obj(["id", "object"], id=text, object=text)},
        ),
        "ProjectCreate": obj(["name"], name=name, settings=settings),
        "ProjectUpdate": obj([], name=name, settings=settings),
        "KeyCreate": obj([], name=text),
        "CredentialCreate": obj(
            ["provider"],
            provider=name,
            name=text,
            base_url=text,
            api_key=text,
            models={"type": "array", "items": text},
            settings=_OPEN_OBJECT,
        ),
        "CredentialUpdate": obj(
            [],
            name=text,
            base_url=text,
            api_key=text,
            models={"type": "array", "items": text},
            settings=_OPEN_OBJECT,
        ),
        "ThreadCreate": obj(
            [], id={"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}, metadata=_OPEN_OBJECT
        ),
        "Thread": obj(
            ["id", "object"],
            id=text,
            object={"const": "thread"},
            created_at={"type": "integer"},
            updated_at={"type": "integer"},
            message_count={"type": "integer"},
            metadata=_OPEN_OBJECT,
        ),
        "MessageList": obj(
            ["object", "data", "has_more"],
            object={"const": "list"},
            data={"type": "array", "items": _OPEN_OBJECT},
            has_more={"type": "boolean"},
        ),
    }


@cache
def document() -> bytes:
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "behest",
            "version": __version__,
            "description": "OpenAI-compatible AI gateway. /v1 routes take a minted "
            "access token; /admin routes the admin token.",
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": {
                "Error": {
                    "description": "An OpenAI-shaped error",
                    "content": {"application/json": {"schema": _ref("Error")}},
                }
            },
            "securitySchemes": {
                "AccessToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "ApiKey": {"type": "http", "scheme": "bearer", "description": "behest_sk_live_…"},
                "AdminToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }
    return orjson.dumps(spec)


_DOCS = """<!doctype html><html><head><meta charset="utf-8"><title>behest API</title>
<style>body{font:15px system-ui;margin:2rem;max-width:60rem}code{background:#eee;padding:0 .3em}
h2{margin-top:2rem}li{margin:.3rem 0}</style></head><body><h1>behest API</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<div id="routes">Loading…</div><script>
fetch('/openapi.json').then(r=>r.json()).then(spec=>{const byTag={};
for(const [path,ops] of Object.entries(spec.paths))for(const [m,op] of Object.entries(ops))
(byTag[op.tags[0]]??=[]).push(`<li><code>${m.toUpperCase()} ${path}</code> — ${op.summary}</li>`);
document.getElementById('routes').innerHTML=Object.entries(byTag).map(([t,items])=>
`<h2>${t}</h2><ul>${items.join('')}</ul>`).join('');});</script></body></html>"""


@routes.get("/openapi.json")
async def openapi_json(_request: web.Request) -> web.StreamResponse:
    return web.Response(body=document(), content_type="application/json")


@routes.get("/docs")
async def docs(_request: web.Request) -> web.StreamResponse:
    return web.Response(text=_DOCS, content_type="text/html")
