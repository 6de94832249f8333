"""Thread routes: the end user's own threads on ``/v1/threads``, any thread on the admin API."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from behest.gateway.edge.context import read_body, services
from behest.gateway.edge.v1 import caller
from behest.gateway.errors import AuthenticationFailed, GatewayError, InvalidRequest
from behest.gateway.request.parse import load_object
from behest.gateway.stages.authenticate import bearer
from behest.gateway.threads import MessageRecord, PageQuery, ThreadKey, ThreadRecord, ThreadService

routes = web.RouteTableDef()
THREADS = web.AppKey("threads", ThreadService)
_MAX_PAGE = 100
_MAX_SEQ_DIGITS = 18  # a message seq is a 64-bit integer in the store


def threads(request: web.Request) -> ThreadService:
    service = request.app.get(THREADS)
    if service is None:
        raise GatewayError("Threads are not set up on this gateway (usage_routes.install).")
    return service


def authorize_admin(request: web.Request) -> None:
    token = bearer(request.headers.get("Authorization"))
    if not services(request).admin_token.accepts(token):
        raise AuthenticationFailed("The admin token is not valid.", code="invalid_admin_token")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def thread_json(record: ThreadRecord, *, admin: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.id,
        "object": "thread",
        "created_at": int(record.created_at.timestamp()),
        "updated_at": int(record.updated_at.timestamp()),
        "message_count": record.message_count,
        "metadata": record.metadata,
    }
    if admin:
        data["user"] = record.user_id
    return data


def message_json(record: MessageRecord) -> dict[str, Any]:
    return {
        "id": f"msg_{record.seq}",
        "object": "thread.message",
        "seq": record.seq,
        "role": record.message.get("role"),
        "message": record.message,
        "created_at": int(record.created_at.timestamp()),
    }


def _is_number(value: str, max_digits: int) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes '²', which ``int`` refuses."""
    return value.isascii() and value.isdigit() and len(value) <= max_digits


def _cursor(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if not value:
        return None
    digits = value.removeprefix("msg_")
    if not _is_number(digits, _MAX_SEQ_DIGITS):
        raise InvalidRequest(f"'{name}' must be a message id such as msg_12.", param=name)
    return int(digits)


def page_query(request: web.Request) -> PageQuery:
    limit = request.query.get("limit", "20")
    if not _is_number(limit, 3) or not 1 <= int(limit) <= _MAX_PAGE:
        raise InvalidRequest(f"'limit' must be an integer from 1 to {_MAX_PAGE}.", param="limit")
    order = request.query.get("order", "asc")
    if order not in ("asc", "desc"):
        raise InvalidRequest("'order' must be asc or desc.", param="order")
    return PageQuery(
        int(limit) + 1,
        _cursor(request, "after"),
        _cursor(request, "before"),
        descending=order == "desc",
    )


async def message_page(request: web.Request, key: ThreadKey) -> dict[str, Any]:
    page = page_query(request)
    found = await threads(request).messages(key, page)
    shown = [message_json(record) for record in found[: page.limit - 1]]
    ids = [item["id"] for item in shown] or [None]
    return {
        "object": "list",
        "data": shown,
        "has_more": len(found) >= page.limit,
        "first_id": ids[0],
        "last_id": ids[-1],
    }


async def _own(request: web.Request) -> ThreadKey:
    principal = await caller(request)
    return ThreadKey(principal.project_id, request.match_info["thread_id"], principal.user_id)


def _admin_key(request: web.Request) -> ThreadKey:
    authorize_admin(request)
    return ThreadKey(request.match_info["project"], request.match_info["thread_id"], None)


def _deleted(thread_id: str) -> dict[str, Any]:
    return {"id": thread_id, "object": "thread.deleted", "deleted": True}


@routes.post("/v1/threads")
async def create_thread(request: web.Request) -> web.StreamResponse:
    principal = await caller(request)
    raw = await read_body(request)
    body = load_object(raw) if raw.strip() else {}
    thread_id, metadata = body.get("id"), body.get("metadata") or {}
    if thread_id is not None and not isinstance(thread_id, str):
        raise InvalidRequest("'id' must be a string.", param="id")
    if not isinstance(metadata, dict):
        raise InvalidRequest("'metadata' must be an object.", param="metadata")
    record = await threads(request).create(
        principal.project_id, principal.user_id, thread_id, metadata
    )
    return json_response(thread_json(record), 201)


@routes.get("/v1/threads/{thread_id}")
async def get_thread(request: web.Request) -> web.StreamResponse:
    key = await _own(request)
    return json_response(thread_json(await threads(request).get(key)))


@routes.get("/v1/threads/{thread_id}/messages")
async def list_messages(request: web.Request) -> web.StreamResponse:
    key = await _own(request)
    return json_response(await message_page(request, key))


@routes.delete("/v1/threads/{thread_id}")
async def delete_thread(request: web.Request) -> web.StreamResponse:
    key = await _own(request)
    await threads(request).delete(key)
    return json_response(_deleted(key.thread_id))


@routes.get("/admin/v1/projects/{project}/threads/{thread_id}")
async def admin_get_thread(request: web.Request) -> web.StreamResponse:
    key = _admin_key(request)
    return json_response(thread_json(await threads(request).get(key), admin=True))


@routes.get("/admin/v1/projects/{project}/threads/{thread_id}/messages")
async def admin_list_messages(request: web.Request) -> web.StreamResponse:
    return json_response(await message_page(request, _admin_key(request)))


@routes.delete("/admin/v1/projects/{project}/threads/{thread_id}")
async def admin_delete_thread(request: web.Request) -> web.StreamResponse:
    key = _admin_key(request)
    await threads(request).delete(key)
    return json_response(_deleted(key.thread_id))
