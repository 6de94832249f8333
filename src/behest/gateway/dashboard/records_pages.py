"""Threads (find by user, read, delete) and Requests (the latest usage records: who,
which model and provider, status, latency, tokens, cost, guard outcome; never content)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from behest.gateway.dashboard.gate import Page, see_other, signed_in
from behest.gateway.dashboard.html import (
    ROOT,
    Html,
    form,
    join,
    notices,
    project_tabs,
    search_form,
    table,
    tag,
)
from behest.gateway.store.usage_record import UsageRecord
from behest.gateway.threads import MessageRecord, PageQuery, ThreadKey

routes = web.RouteTableDef()
_BASE = f"{ROOT}/projects/{{project}}"
_SHOWN = 100


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text = "\n".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    else:
        text = ""
    if message.get("tool_calls"):
        text += "\n" + orjson.dumps(message["tool_calls"], option=orjson.OPT_INDENT_2).decode()
    return text.strip()


@routes.get(f"{_BASE}/threads")
@signed_in
async def threads_page(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    name = page.project_name(project_id)
    user = page.request.query.get("user_id", "").strip() or None
    found = await page.services.pipeline.threads.find(project_id, user, _SHOWN)
    rows = [
        [
            tag("a", t.id, href=f"{ROOT}/projects/{project_id}/threads/{t.id}"),
            t.user_id,
            t.message_count,
            _time(t.updated_at),
        ]
        for t in found
    ]
    search = search_form("User", "user_id", user or "", "Find", placeholder="end user id")
    done = "Thread deleted." if page.request.query.get("done") == "deleted" else None
    body = join(
        [
            project_tabs(project_id, name, "threads"),
            notices(done),
            search,
            table(["Thread", "User", "Messages", "Updated"], rows, "No threads found."),
        ]
    )
    return page.html(f"{name}: threads", body)


def _message_row(record: MessageRecord) -> list[object]:
    return [
        record.seq,
        str(record.message.get("role", "")),
        tag("pre", _content(record.message)),
        _time(record.created_at),
    ]


@routes.get(f"{_BASE}/threads/{{thread_id}}")
@signed_in
async def thread_page(page: Page) -> web.StreamResponse:
    info = page.request.match_info
    name = page.project_name(info["project"])
    key = ThreadKey(info["project"], info["thread_id"], None)
    threads = page.services.pipeline.threads
    thread = await threads.get(key)
    messages = await threads.messages(key, PageQuery(limit=_SHOWN))
    delete = form(
        f"{ROOT}/projects/{info['project']}/threads/{thread.id}/delete",
        page.csrf,
        "",
        "Delete thread",
        data_confirm="Delete this thread and its messages?",
        class_="danger-form",
    )
    body = join(
        [
            project_tabs(info["project"], name, "threads"),
            tag("h2", join(["Thread ", tag("code", thread.id)])),
            tag(
                "p",
                f"User {thread.user_id}, {thread.message_count} messages, "
                f"updated {_time(thread.updated_at)}.",
                class_="muted",
            ),
            table(
                ["#", "Role", "Content", "At"], [_message_row(m) for m in messages], "No messages."
            ),
            delete,
        ]
    )
    return page.html(f"{name}: thread", body)


@routes.post(f"{_BASE}/threads/{{thread_id}}/delete")
@signed_in
async def delete_thread(page: Page) -> web.StreamResponse:
    info = page.request.match_info
    page.project_name(info["project"])
    await page.services.pipeline.threads.delete(ThreadKey(info["project"], info["thread_id"], None))
    raise see_other(f"{ROOT}/projects/{info['project']}/threads?done=deleted")


def _request_row(record: UsageRecord) -> list[object]:
    status = Html(f'<span class="{"bad" if record.failed else "good"}">{record.status}</span>')
    return [
        _time(record.created_at),
        record.user_id,
        record.model_key,
        record.provider or "—",
        status if not record.error_type else join([status, " ", record.error_type]),
        f"{record.latency_ms} ms",
        record.tokens.input,
        record.tokens.output,
        f"${record.cost_usd:.6f}",
        record.guardrail,
        record.rate_limit,
    ]


@routes.get(f"{_BASE}/requests")
@signed_in
async def requests_page(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    name = page.project_name(project_id)
    records = await page.services.pipeline.usage.recent(project_id, _SHOWN)
    headers = [
        "Time (UTC)",
        "User",
        "Model",
        "Provider",
        "Status",
        "Latency",
        "In",
        "Out",
        "Cost",
        "Guard",
        "Limits",
    ]
    body = join(
        [
            project_tabs(project_id, name, "requests"),
            tag(
                "p",
                f"The latest {_SHOWN} requests (written in batches, a second or so late). "
                "Message content is never recorded here.",
                class_="muted",
            ),
            table(headers, [_request_row(r) for r in records], "No requests yet."),
        ]
    )
    return page.html(f"{name}: requests", body)
