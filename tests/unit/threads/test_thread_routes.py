"""The thread and usage HTTP routes on a real app: own threads by JWT, any by admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from behest.gateway.edge.usage_routes import install
from behest.gateway.runtime.bootstrap import Foundation, open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app
from behest.gateway.store.usage_record import TokenCounts, UsageRecord
from behest.gateway.threads import ThreadService
from behest.gateway.usage.service import UsageService

ADMIN = {"Authorization": "Bearer adm_test_token"}
# the edge stores the request id under a str key, which aiohttp 3.14 warns about
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")
Client = TestClient[Any, Any]


@dataclass
class Gateway:
    client: Client
    foundation: Foundation
    threads: ThreadService
    project: str
    api_key: str

    async def token(self, user: str) -> dict[str, str]:
        reply = await self.client.post(
            "/v1/auth/mint",
            json={"user_id": user},
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        assert reply.status == 200, await reply.text()
        return {"Authorization": f"Bearer {(await reply.json())['access_token']}"}


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'b.db'}",
        admin_token="adm_test_token",
    )
    foundation = open_foundation(settings)
    project = foundation.admin.create_project({"name": "A"})["id"]
    key = foundation.admin.create_api_key(project, {"name": "k"})["key"]
    threads = ThreadService(foundation.db)
    app = build_app(foundation)
    install(app, threads, UsageService(foundation.db))
    async with TestClient(TestServer(app)) as client:
        yield Gateway(client, foundation, threads, project, key)


async def test_own_threads_by_token_and_anyones_by_admin(gateway: Gateway) -> None:
    client, alice, bob = gateway.client, await gateway.token("alice"), await gateway.token("bob")
    created = await client.post(
        "/v1/threads", json={"id": "t1", "metadata": {"k": 1}}, headers=alice
    )
    assert created.status == 201 and (await created.json())["id"] == "t1"
    assert (await client.post("/v1/threads", json={"id": "t1"}, headers=alice)).status == 409
    turn = await gateway.threads.begin(
        gateway.project, "alice", "t1", [{"role": "user", "content": f"m{i}"} for i in range(5)]
    )
    await turn.commit(turn.conversation(), [{"role": "assistant", "content": "ok"}])
    info = await (await client.get("/v1/threads/t1", headers=alice)).json()
    assert (info["message_count"], info["metadata"]) == (6, {"k": 1})
    page = await (await client.get("/v1/threads/t1/messages?limit=4", headers=alice)).json()
    assert [m["id"] for m in page["data"]] == ["msg_1", "msg_2", "msg_3", "msg_4"]
    assert page["has_more"]
    rest = await client.get("/v1/threads/t1/messages?after=msg_4", headers=alice)
    assert [m["message"]["content"] for m in (await rest.json())["data"]] == ["m4", "ok"]
    for path in ("/v1/threads/t1", "/v1/threads/t1/messages"):
        denied = await client.get(path, headers=bob)
        assert denied.status == 404 and "m0" not in await denied.text()
    assert (await client.delete("/v1/threads/t1", headers=bob)).status == 404
    admin_path = f"/admin/v1/projects/{gateway.project}/threads/t1"
    assert (await client.get(admin_path, headers=alice)).status == 401
    shown = await (await client.get(admin_path, headers=ADMIN)).json()
    assert shown["user"] == "alice"
    listed = await client.get(admin_path + "/messages?order=desc&limit=1", headers=ADMIN)
    assert [m["seq"] for m in (await listed.json())["data"]] == [6]
    assert (await client.delete(admin_path, headers=ADMIN)).status == 200
    assert (await client.get("/v1/threads/t1", headers=alice)).status == 404


async def test_bad_paging_is_a_400(gateway: Gateway) -> None:
    alice = await gateway.token("alice")
    await gateway.client.post("/v1/threads", json={"id": "t1"}, headers=alice)
    for query in ("limit=0", "limit=1000", "after=x", "order=up"):
        reply = await gateway.client.get(f"/v1/threads/t1/messages?{query}", headers=alice)
        assert reply.status == 400, query


async def test_usage_for_the_user_and_the_admin_report(gateway: Gateway) -> None:
    now = datetime.now(UTC)
    gateway.foundation.db.insert_usage(
        [
            UsageRecord(
                f"r{i}",
                gateway.project,
                user,
                "s",
                "gpt-4o-mini",
                "gpt-4o-mini",
                tokens=TokenCounts(100, 10),
                cost_usd=0.5,
                created_at=now,
            )
            for i, user in enumerate(("alice", "alice", "bob"))
        ]
    )
    mine = await (
        await gateway.client.get("/v1/usage", headers=await gateway.token("alice"))
    ).json()
    assert mine["today"]["requests"] == 2 and mine["month"]["cost_usd"] == 1.0
    base = f"/admin/v1/projects/{gateway.project}/usage"
    report = await (await gateway.client.get(base + "?group_by=user", headers=ADMIN)).json()
    assert {r["user"]: r["input_tokens"] for r in report["data"]} == {"alice": 200, "bob": 100}
    exported = await gateway.client.get(base + "?group_by=model,day&format=csv", headers=ADMIN)
    assert exported.content_type == "text/csv"
    lines = (await exported.text()).splitlines()
    assert lines[0].startswith("model,day,requests") and len(lines) == 2
    assert (await gateway.client.get(base + "?group_by=region", headers=ADMIN)).status == 400
    assert (await gateway.client.get("/admin/v1/projects/nope/usage", headers=ADMIN)).status == 404
