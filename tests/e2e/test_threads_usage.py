"""Threads and usage through real gateway processes, on SQLite and on PostgreSQL.

Each backend gets one gateway for the module (``tenant``, overriding the conftest one);
the load test starts its own so that it can SIGTERM it. The mock upstream is
deterministic (``behest.testing.mock_openai``), so expected usage and cost are computed
here from its documented rule and the catalog's prices.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import openai
import psycopg
import pytest
from sqlalchemy import select, update
from tenancy import ADMIN, Tenant

from behest.gateway.routing.catalog import Catalog
from behest.gateway.store import tables
from behest.gateway.store.db import create_db_engine
from behest.testing.mock_openai import prompt_tokens
from servers import Process, http, start_gateway

MODEL = "gpt-4o-mini"
EMAIL = "jane.doe@example.com"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
Message = dict[str, Any]
T = TypeVar("T")


@dataclass
class DbTenant(Tenant):
    database_url: str = ""


def provision(gateway: Process, mock: Process, name: str, database_url: str) -> DbTenant:
    """A project with an API key and a credential pointing at the mock."""
    status, project, _ = http(
        "POST", f"{gateway.url}/admin/v1/projects", {"name": name}, token=ADMIN
    )
    assert status == 201, project
    project_id = project["id"]
    status, key, _ = http(
        "POST", f"{gateway.url}/admin/v1/projects/{project_id}/keys", {"name": "t"}, token=ADMIN
    )
    assert status == 201, key
    provider_key = "sk-mock-" + secrets.token_hex(16)
    status, credential, _ = http(
        "POST",
        f"{gateway.url}/admin/v1/projects/{project_id}/credentials",
        {"provider": "openai", "base_url": mock.url + "/v1", "api_key": provider_key},
        token=ADMIN,
    )
    assert status == 201, credential
    return DbTenant(
        gateway,
        mock,
        project_id,
        key["key"],
        key["id"],
        provider_key,
        credential["id"],
        database_url=database_url,
    )


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'behest.db').resolve()}"


def _fresh_postgres(server: str) -> tuple[str, Callable[[], None]]:
    name = "behest_e2e_" + secrets.token_hex(6)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server.rpartition('/')[0]}/{name}", drop


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def tenant(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    mock_openai_upstream: Process,
) -> Iterator[DbTenant]:
    data_dir = tmp_path_factory.mktemp(f"gw-{request.param}") / "data"
    env: dict[str, str] = {"BEHEST_LOG_LEVEL": "INFO"}
    drop: Callable[[], None] | None = None
    if request.param == "sqlite":
        url = sqlite_url(data_dir)
    else:
        url, drop = _fresh_postgres(request.getfixturevalue("postgres_server_url"))
        env["BEHEST_DATABASE_URL"] = url
    gateway = start_gateway(data_dir, extra_env=env)
    try:
        tenant = provision(gateway, mock_openai_upstream, "threads-e2e", url)
        # the guard's heuristics read the mock's "Echo: ..." as a speaker's name and its
        # tool arguments' "Paris" as a place; allowed, resent history stays verbatim
        # (addresses are still redacted)
        settings(tenant, guard={"allow_list": ["Echo", "Paris"]})
        yield tenant
    finally:
        gateway.stop()
        if drop:
            drop()


# -- helpers ---------------------------------------------------------------------------


def thread_headers(thread_id: str) -> dict[str, str]:
    return {"X-Thread-Id": thread_id}


def upstream_messages(tenant: Tenant) -> list[Message]:
    return tenant.last_upstream_request()["body"]["messages"]  # type: ignore[index,no-any-return]


def stored(tenant: Tenant, user: str, thread_id: str, **query: str) -> tuple[int, Any]:
    token = tenant.mint(user)["access_token"]
    params = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"{tenant.gateway.url}/v1/threads/{thread_id}/messages?{params}"
    status, body, _ = http("GET", url, token=token)
    return status, body


def stored_messages(tenant: Tenant, user: str, thread_id: str) -> list[Message]:
    status, body = stored(tenant, user, thread_id, limit="100")
    assert status == 200, body
    return [item["message"] for item in body["data"]]


def own(tenant: Tenant, user: str, method: str, path: str) -> tuple[int, Any]:
    token = tenant.mint(user)["access_token"]
    status, body, _ = http(method, f"{tenant.gateway.url}/v1{path}", token=token)
    return status, body


def streamed_text(stream: Any) -> str:
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def args(arguments: str) -> Any:
    """Tool arguments compared as JSON: the guard re-serialises them when it scans them."""
    return json.loads(arguments)


def strip(message: Message) -> Message:
    """The parts of an OpenAI message that a thread must keep."""
    kept = {k: message[k] for k in ("role", "content", "tool_call_id") if k in message}
    if message.get("tool_calls"):
        kept["tool_calls"] = [
            {"id": c["id"], "name": c["function"]["name"], "args": args(c["function"]["arguments"])}
            for c in message["tool_calls"]
        ]
    return kept


def tool_results(message: Any) -> list[Message]:
    return [
        {"role": "tool", "tool_call_id": call.id, "content": f"sunny ({call.function.name})"}
        for call in message.tool_calls
    ]


def new_id() -> str:
    return "t_" + secrets.token_hex(6)


def settings(tenant: Tenant, **values: object) -> None:
    status, body, _ = tenant.admin("PATCH", f"/projects/{tenant.project_id}", {"settings": values})
    assert status == 200, body


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def streamed_tool_call(stream: Any) -> dict[str, str]:
    """The first tool call of a stream, folded from its deltas."""
    pieces: dict[int, dict[str, str]] = {}
    for chunk in stream:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            entry = pieces.setdefault(delta.index, {"id": "", "args": ""})
            entry["id"] = delta.id or entry["id"]
            entry["args"] += (delta.function.arguments or "") if delta.function else ""
    return pieces[0]


def check_pages(tenant: Tenant, user: str, thread_id: str, messages: list[Message]) -> None:
    """Metadata, pagination, and the admin's view agree with ``messages``."""
    status, meta = own(tenant, user, "GET", f"/threads/{thread_id}")
    assert status == 200 and meta["message_count"] == len(messages)
    status, page = stored(tenant, user, thread_id, limit="5")
    assert status == 200 and page["has_more"] and len(page["data"]) == 5
    status, rest = stored(tenant, user, thread_id, limit="100", after=page["last_id"])
    assert [m["message"] for m in page["data"] + rest["data"]] == messages
    assert not rest["has_more"]
    path = f"/projects/{tenant.project_id}/threads/{thread_id}"
    status, admin_meta, _ = tenant.admin("GET", path)
    assert status == 200 and admin_meta["user"] == user  # type: ignore[index]
    status, admin_page, _ = tenant.admin("GET", path + "/messages?limit=100")
    assert [m["message"] for m in admin_page["data"]] == messages  # type: ignore[index]


def retry_while_busy(turn: Callable[[], T]) -> T:
    """``turn()``, retried while the thread is still held by a turn that just ended.

    The lease of a failed stream is released after its error frame was sent (and of an
    abandoned one after the gateway notices): a client that retries at once may see 409.
    """
    deadline = time.monotonic() + 15
    while True:
        try:
            return turn()
        except openai.ConflictError:
            assert time.monotonic() < deadline, "the thread stayed busy"
            time.sleep(0.05)


# -- threads ---------------------------------------------------------------------------


def test_thread_over_several_turns_with_streams_tools_and_redaction(tenant: DbTenant) -> None:
    client, thread_id = tenant.client("alice"), new_id()
    system = {"role": "system", "content": "You are terse."}
    first = {"role": "user", "content": f"hello, write to {EMAIL}"}

    # turn 1, non-streaming: the reply echoes the thread id and the address is restored
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[system, first], extra_headers=thread_headers(thread_id)
    )
    assert raw.headers["x-thread-id"] == thread_id
    assert raw.parse().choices[0].message.content == f"Echo: {first['content']}"
    sent = upstream_messages(tenant)
    assert [m["role"] for m in sent] == ["system", "user"]
    assert EMAIL not in sent[1]["content"] and "<EMAIL_1>" in sent[1]["content"]

    # turn 2, streaming, no system prompt: stored system + history are prepended
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "second turn"}],
        stream=True,
        extra_headers=thread_headers(thread_id),
    )
    assert streamed_text(stream) == "Echo: second turn"
    sent = upstream_messages(tenant)
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[0] == system and sent[3]["content"] == "second turn"
    assert EMAIL not in str(sent)

    # turn 3, non-streaming tool call, then turn 4 with the tool results only
    called = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "please call tools"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        extra_headers=thread_headers(thread_id),
    )
    calls = called.choices[0].message
    assert calls.tool_calls and calls.tool_calls[0].function.name == "get_weather"
    results = tool_results(calls)
    answered = client.chat.completions.create(
        model=MODEL,
        messages=results,  # type: ignore[arg-type]
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        extra_headers=thread_headers(thread_id),
    )
    assert answered.choices[0].message.content == "Echo: please call tools"
    sent = upstream_messages(tenant)
    assert [m["role"] for m in sent][-3:] == ["user", "assistant", "tool"]
    assert sent[-2]["tool_calls"][0]["id"] == calls.tool_calls[0].id

    # turn 5, streamed tool call; turn 6, streamed answer to its results
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "now call tools while streaming"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        stream=True,
        extra_headers=thread_headers(thread_id),
    )
    streamed_call = streamed_tool_call(stream)
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "tool", "tool_call_id": streamed_call["id"], "content": "rain"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        stream=True,
        extra_headers=thread_headers(thread_id),
    )
    assert streamed_text(stream) == "Echo: now call tools while streaming"
    history = upstream_messages(tenant)

    # what is stored: every message in order, the address only as its placeholder
    messages = stored_messages(tenant, "alice", thread_id)
    assert EMAIL not in str(messages)
    expected_call = {"id": calls.tool_calls[0].id, "name": "get_weather"}
    assert [strip(m) for m in messages] == [
        {"role": "user", "content": sent[1]["content"]},
        {"role": "assistant", "content": f"Echo: {sent[1]['content']}"},
        {"role": "user", "content": "second turn"},
        {"role": "assistant", "content": "Echo: second turn"},
        {"role": "user", "content": "please call tools"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{**expected_call, "args": args(calls.tool_calls[0].function.arguments)}],
        },
        *[strip(m) for m in results],
        {"role": "assistant", "content": "Echo: please call tools"},
        {"role": "user", "content": "now call tools while streaming"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": streamed_call["id"],
                    "name": "get_weather",
                    "args": args(streamed_call["args"]),
                }
            ],
        },
        {"role": "tool", "tool_call_id": streamed_call["id"], "content": "rain"},
        {"role": "assistant", "content": "Echo: now call tools while streaming"},
    ]
    assert [strip(m) for m in history[1:]] == [strip(m) for m in messages[:-1]]
    assert "<EMAIL_1>" in messages[0]["content"] and len(messages) == 12

    check_pages(tenant, "alice", thread_id, messages)


def test_threads_are_isolated_between_users_and_projects(
    tenant: DbTenant, mock_openai_upstream: Process
) -> None:
    thread_id = new_id()
    secret = {"role": "user", "content": "alice's secret plan"}
    tenant.client("alice").chat.completions.create(
        model=MODEL, messages=[secret], extra_headers=thread_headers(thread_id)
    )
    before = stored_messages(tenant, "alice", thread_id)

    for method, path in (
        ("GET", f"/threads/{thread_id}"),
        ("GET", f"/threads/{thread_id}/messages"),
        ("DELETE", f"/threads/{thread_id}"),
    ):
        status, body = own(tenant, "mallory", method, path)
        assert status == 404, (method, path, body)
        assert "secret" not in str(body)
    with pytest.raises(openai.NotFoundError):
        tenant.client("mallory").chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "continue"}],
            extra_headers=thread_headers(thread_id),
        )
    status, body = own(tenant, "mallory", "POST", "/threads")  # creating works for oneself
    assert status == 201, body

    other = provision(tenant.gateway, mock_openai_upstream, "other", tenant.database_url)
    status, _ = own(other, "alice", "GET", f"/threads/{thread_id}")
    assert status == 404
    status, _, _ = other.admin("GET", f"/projects/{other.project_id}/threads/{thread_id}")
    assert status == 404
    # in the other project the same id is a different, empty thread
    reply = other.client("alice").chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        extra_headers=thread_headers(thread_id),
    )
    assert reply.choices[0].message.content == "Echo: hi"
    assert "secret" not in str(upstream_messages(tenant))
    assert stored_messages(tenant, "alice", thread_id) == before

    status, _ = own(tenant, "alice", "DELETE", f"/threads/{thread_id}")
    assert status == 200
    assert own(tenant, "alice", "GET", f"/threads/{thread_id}")[0] == 404
    assert stored_messages(other, "alice", thread_id)  # untouched by the delete


def test_two_concurrent_turns_on_one_thread_one_gets_409(tenant: DbTenant) -> None:
    client, thread_id = tenant.client("carol"), new_id()
    client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "first"}],
        extra_headers=thread_headers(thread_id),
    )
    seen = tenant.last_upstream_request()["requests_seen"]
    tenant.fault(latency_ms=2000, remaining=1)
    outcome: dict[str, Any] = {}

    def slow_turn() -> None:
        outcome["reply"] = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "slow"}],
            extra_headers=thread_headers(thread_id),
        )

    worker = threading.Thread(target=slow_turn)
    worker.start()
    wait_for(lambda: tenant.last_upstream_request()["requests_seen"] > seen)  # type: ignore[operator]
    with pytest.raises(openai.ConflictError) as busy:
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "racing"}],
            extra_headers=thread_headers(thread_id),
        )
    assert busy.value.code == "thread_busy"
    worker.join(timeout=30)
    assert outcome["reply"].choices[0].message.content == "Echo: slow"
    contents = [m["content"] for m in stored_messages(tenant, "carol", thread_id)]
    assert contents == ["first", "Echo: first", "slow", "Echo: slow"]


def test_interrupted_streams_append_nothing(tenant: DbTenant) -> None:
    client, thread_id = tenant.client("dave"), new_id()
    client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "kept"}],
        extra_headers=thread_headers(thread_id),
    )
    before = stored_messages(tenant, "dave", thread_id)

    # the upstream drops the connection mid-stream; read to the end of the response
    # (the SDK leaves at the error frame, racing the gateway's release of the thread)
    tenant.fault(break_after_chunks=2, remaining=1)
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "one two three four five six"}],
        "stream": True,
    }
    status, frames, _ = http(
        "POST",
        f"{tenant.gateway.url}/v1/chat/completions",
        body,
        token=tenant.mint("dave")["access_token"],
        headers=thread_headers(thread_id),
    )
    assert status == 200 and '"error"' in frames and "[DONE]" not in frames
    assert stored_messages(tenant, "dave", thread_id) == before

    # the client goes away mid-stream
    tenant.fault(chunk_delay_ms=100, remaining=1)
    stream = retry_while_busy(
        lambda: client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "a b c d e f g h i j k l m n o p"}],
            stream=True,
            extra_headers=thread_headers(thread_id),
        )
    )
    for count, _ in enumerate(stream):
        if count == 2:
            break
    stream.close()

    retry_while_busy(
        lambda: client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "after"}],
            extra_headers=thread_headers(thread_id),
        )
    )
    sent = upstream_messages(tenant)
    assert [m["content"] for m in sent] == ["kept", "Echo: kept", "after"]
    contents = [m["content"] for m in stored_messages(tenant, "dave", thread_id)]
    assert contents == ["kept", "Echo: kept", "after", "Echo: after"]


def test_retention_sweep_deletes_idle_threads_only(tenant: DbTenant) -> None:
    client, old, fresh = tenant.client("erin"), new_id(), new_id()
    for thread_id in (old, fresh):
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            extra_headers=thread_headers(thread_id),
        )
    settings(tenant, thread_retention_days=2)
    engine = create_db_engine(tenant.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(tables.threads)
                .where(tables.threads.c.project_id == tenant.project_id)
                .where(tables.threads.c.id == old)
                .values(updated_at=datetime.now(UTC) - timedelta(days=3))
            )
    finally:
        engine.dispose()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "behest.gateway.cli", "threads", "sweep", "--json"],
            env=tenant.gateway.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        settings(tenant, thread_retention_days=None)
    assert '"deleted": 1' in done.stdout, done.stdout + done.stderr
    assert own(tenant, "erin", "GET", f"/threads/{old}")[0] == 404
    assert own(tenant, "erin", "GET", f"/threads/{fresh}")[0] == 200
    assert len(stored_messages(tenant, "erin", fresh)) == 2


# -- usage -----------------------------------------------------------------------------


def expected_usage(messages: list[Message], reply: str) -> dict[str, int]:
    prompt, completion = prompt_tokens(messages), len(reply.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion}


def cost_nano(usage: dict[str, int]) -> int:
    return round(Catalog().cost_usd("openai", MODEL, usage) * 1_000_000_000)


def usage_rows(tenant: DbTenant) -> list[Any]:
    engine = create_db_engine(tenant.database_url)
    try:
        with engine.connect() as connection:
            u = tables.usage_records
            query = select(u).where(u.c.project_id == tenant.project_id).order_by(u.c.id)
            return list(connection.execute(query))
    finally:
        engine.dispose()


@dataclass
class UsageRun:
    project: DbTenant
    expected: list[dict[str, int]]  # what the mock reported for each completed request
    cancelled_text: str

    @property
    def totals(self) -> tuple[int, int, int]:
        """Input tokens, output tokens and nano-USD of the completed requests."""
        return (
            sum(w["prompt_tokens"] for w in self.expected),
            sum(w["completion_tokens"] for w in self.expected),
            sum(cost_nano(w) for w in self.expected),
        )


def _completed(client: openai.OpenAI) -> list[dict[str, int]]:
    """Three plain requests and two streams (with and without include_usage)."""
    expected = []
    for i in range(3):
        messages: list[Message] = [{"role": "user", "content": f"count {i} to {'x' * i}"}]
        reply = client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
        want = expected_usage(messages, f"Echo: {messages[0]['content']}")
        assert reply.usage is not None and reply.usage.prompt_tokens == want["prompt_tokens"]
        expected.append(want)
    for include in (True, False):
        messages = [{"role": "user", "content": f"streaming with usage {include}"}]
        chunks = list(
            client.chat.completions.create(
                model=MODEL,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True} if include else None,  # type: ignore[arg-type]
            )
        )
        want = expected_usage(messages, f"Echo: {messages[0]['content']}")
        reported = [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in chunks if c.usage]
        # the gateway always asks for usage, and hands it on only to a client who asked
        assert reported == ([(want["prompt_tokens"], want["completion_tokens"])] if include else [])
        expected.append(want)
    return expected


def _failed_and_cancelled(tenant: Tenant, project: DbTenant) -> str:
    """Two upstream failures (plain and stream) and one stream the client leaves."""
    failing = project.client("u-fail")
    tenant.fault(status=500)
    with pytest.raises(openai.InternalServerError):
        failing.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.InternalServerError):
        failing.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "y"}], stream=True
        )
    tenant.fault(clear=True)
    tenant.fault(chunk_delay_ms=100, remaining=1)
    text = " ".join(f"w{i}" for i in range(20))
    stream = project.client("u-cancel").chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": text}], stream=True
    )
    for count, _ in enumerate(stream):
        if count == 3:
            break
    stream.close()
    tenant.fault(clear=True)
    return text


@pytest.fixture(scope="module")
def usage_run(tenant: DbTenant, mock_openai_upstream: Process) -> UsageRun:
    project = provision(tenant.gateway, mock_openai_upstream, "usage", tenant.database_url)
    expected = _completed(project.client("u-ok"))
    text = _failed_and_cancelled(tenant, project)
    wait_for(lambda: len(usage_rows(project)) == 8)
    return UsageRun(project, expected, text)


def test_usage_records_match_the_upstreams_usage_and_catalog_prices(usage_run: UsageRun) -> None:
    records = usage_rows(usage_run.project)
    assert len(records) == 8
    ok_rows = [r for r in records if r.user_id == "u-ok"]
    assert [(r.status, r.model_served, r.provider) for r in ok_rows] == [(200, MODEL, "openai")] * 5
    assert [(r.input_tokens, r.output_tokens) for r in ok_rows] == [
        (w["prompt_tokens"], w["completion_tokens"]) for w in usage_run.expected
    ]
    assert [r.cost_nano_usd for r in ok_rows] == [cost_nano(w) for w in usage_run.expected]
    assert all(r.cost_nano_usd > 0 for r in ok_rows)
    assert [r.stream for r in ok_rows] == [False] * 3 + [True] * 2


def test_usage_records_failures_and_cancelled_streams_with_their_status(
    usage_run: UsageRun,
) -> None:
    rows = {(r.user_id, r.stream, r.status): r for r in usage_rows(usage_run.project)}
    failed = [rows[("u-fail", False, 500)], rows[("u-fail", True, 500)]]
    assert all(
        r.error_type and r.input_tokens == r.output_tokens == r.cost_nano_usd == 0 for r in failed
    )
    gone = rows[("u-cancel", True, 499)]
    text = usage_run.cancelled_text
    full = expected_usage([{"role": "user", "content": text}], f"Echo: {text}")
    # recorded with what was produced before the client left: part of the answer
    assert 0 < gone.output_tokens < full["completion_tokens"]
    assert gone.input_tokens > 0 and gone.cost_nano_usd > 0


def test_usage_report_and_own_usage_agree_with_the_upstream(usage_run: UsageRun) -> None:
    project = usage_run.project
    total_in, total_out, total_cost = usage_run.totals
    status, report, _ = project.admin(
        "GET", f"/projects/{project.project_id}/usage?group_by=user,model"
    )
    assert status == 200, report
    by_user = {row["user"]: row for row in report["data"]}  # type: ignore[index]
    assert {row["model"] for row in report["data"]} == {MODEL}  # type: ignore[index]
    ok = by_user["u-ok"]
    assert (ok["requests"], ok["errors"]) == (5, 0)
    assert (ok["input_tokens"], ok["output_tokens"]) == (total_in, total_out)
    assert round(ok["cost_usd"] * 1_000_000_000) == total_cost
    assert (by_user["u-fail"]["requests"], by_user["u-fail"]["errors"]) == (2, 2)
    assert (by_user["u-cancel"]["requests"], by_user["u-cancel"]["errors"]) == (1, 1)
    status, mine = own(project, "u-ok", "GET", "/usage")
    assert status == 200, mine
    assert mine["today"]["requests"] == mine["month"]["requests"] == 5
    assert mine["today"]["total_tokens"] == total_in + total_out
    assert round(mine["today"]["cost_usd"] * 1_000_000_000) == total_cost
    status, theirs = own(project, "u-fail", "GET", "/usage")
    assert theirs["today"]["requests"] == 2 and theirs["today"]["total_tokens"] == 0


def test_usage_report_exports_csv(usage_run: UsageRun) -> None:
    project = usage_run.project
    total_in, total_out, total_cost = usage_run.totals
    status, text_csv, headers = http(
        "GET",
        f"{project.gateway.url}/admin/v1/projects/{project.project_id}/usage"
        "?group_by=user,day&format=csv",
        token=ADMIN,
    )
    assert status == 200 and headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(text_csv))
    assert reader.fieldnames is not None and "model" not in reader.fieldnames
    table = {row["user"]: row for row in reader}
    assert set(table) == {"u-ok", "u-fail", "u-cancel"}
    ok = table["u-ok"]
    assert (int(ok["requests"]), int(ok["input_tokens"]), int(ok["output_tokens"])) == (
        5,
        total_in,
        total_out,
    )
    assert round(float(ok["cost_usd"]) * 1_000_000_000) == total_cost
    assert ok["day"] == datetime.now(UTC).date().isoformat()


LOAD_REQUESTS = 2000


async def _hammer(url: str, tokens: list[str], count: int) -> list[int]:
    limit = asyncio.Semaphore(32)
    connector = aiohttp.TCPConnector(limit=32)

    async def one(session: aiohttp.ClientSession, i: int) -> int:
        body = {
            "model": MODEL,
            "messages": [{"role": "user", "content": f"load {i}"}],
            "stream": i % 4 == 0,
        }
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        async with limit, session.post(url, json=body, headers=headers) as response:
            await response.read()
            return response.status

    async with aiohttp.ClientSession(connector=connector) as session:
        return await asyncio.gather(*(one(session, i) for i in range(count)))


def restart_in_place(gateway: Process) -> None:
    """Starts the gateway again on the same state; ``gateway`` then points at the new one."""
    env = {k: v for k, v in gateway.env.items() if k.startswith("BEHEST_") and k != "BEHEST_PORT"}
    fresh = start_gateway(Path(env["BEHEST_DATA_DIR"]), extra_env=env)
    gateway.url, gateway.process, gateway.log_path = fresh.url, fresh.process, fresh.log_path


def test_thousands_of_requests_give_as_many_records_across_a_graceful_shutdown(
    tenant: DbTenant, mock_openai_upstream: Process
) -> None:
    gateway = tenant.gateway
    project = provision(gateway, mock_openai_upstream, "load", tenant.database_url)
    tokens = [project.mint(f"load-{i}")["access_token"] for i in range(8)]
    statuses = asyncio.run(_hammer(f"{gateway.url}/v1/chat/completions", tokens, LOAD_REQUESTS))
    assert statuses.count(200) == LOAD_REQUESTS
    gateway.process.send_signal(signal.SIGTERM)  # at once: the last batches are still queued
    assert gateway.process.wait(timeout=60) == 0, gateway.log()[-2000:]
    assert "unwritten" not in gateway.log()

    rows = usage_rows(project)
    assert len(rows) == len({row.request_id for row in rows}) == LOAD_REQUESTS
    assert {row.status for row in rows} == {200}
    assert sum(row.stream for row in rows) == LOAD_REQUESTS // 4

    restart_in_place(gateway)  # the module's other tests keep using it
    status, report, _ = project.admin("GET", f"/projects/{project.project_id}/usage?group_by=user")
    assert status == 200, report
    assert len(report["data"]) == 8  # type: ignore[index]
    assert sum(row["requests"] for row in report["data"]) == LOAD_REQUESTS  # type: ignore[index]
    assert sum(row["input_tokens"] for row in report["data"]) == sum(  # type: ignore[index]
        row.input_tokens for row in rows
    )


def test_a_stream_failing_while_its_client_leaves_is_still_recorded(tenant: DbTenant) -> None:
    if tenant.database_url.startswith("sqlite"):
        pytest.skip("holds a PostgreSQL row lock to keep the gateway inside settle")
    project = tenant
    client, thread_id = project.client("frank"), new_id()
    client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        extra_headers=thread_headers(thread_id),
    )
    wait_for(lambda: len([r for r in usage_rows(project) if r.user_id == "frank"]) == 1)
    tenant.fault(chunk_delay_ms=300, error_event_after_chunks=2, remaining=1)
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "a b c d e f"}],
        stream=True,
        extra_headers=thread_headers(thread_id),
    )
    with psycopg.connect(tenant.database_url) as locker:
        chunks = iter(stream)
        next(chunks)  # the turn has claimed the thread: now hold its row
        locker.execute(
            "SELECT id FROM threads WHERE project_id = %s AND id = %s FOR UPDATE",
            (tenant.project_id, thread_id),
        )
        next(chunks)
        time.sleep(1.0)  # the upstream error arrives; the gateway settles, held by the lock
        stream.close()  # the client leaves while the gateway is settling
        time.sleep(0.5)
        locker.rollback()
    deadline = time.monotonic() + 5
    while len([r for r in usage_rows(project) if r.user_id == "frank"]) < 2:
        assert time.monotonic() < deadline, "the failed stream left no usage record"
        time.sleep(0.1)
