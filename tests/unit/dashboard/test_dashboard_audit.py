"""A change made in the dashboard is in the audit log under its session, not its cookie."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from behest.gateway.runtime.bootstrap import Foundation, open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app

TOKEN = "admin-unit-token"


@pytest.fixture
async def signed_in(tmp_path: Path) -> AsyncIterator[tuple[TestClient, Foundation, str]]:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token=TOKEN))
    async with TestClient(TestServer(build_app(foundation))) as client:
        form = await (await client.get("/dashboard/login")).text()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf
        data = {"csrf_token": csrf.group(1), "admin_token": TOKEN}
        assert (
            await client.post("/dashboard/login", data=data, allow_redirects=False)
        ).status == 303
        page = await (await client.get("/dashboard/projects")).text()
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found
        yield client, foundation, found.group(1)


async def test_a_project_created_in_the_dashboard_is_audited(
    signed_in: tuple[TestClient, Foundation, str],
) -> None:
    client, foundation, csrf = signed_in
    answer = await client.post(
        "/dashboard/projects",
        data={"csrf_token": csrf, "name": "from the ui"},
        allow_redirects=False,
    )
    assert answer.status == 303
    entries = foundation.db.list_audit()
    assert [(e.action, e.status) for e in entries] == [("POST /dashboard/projects", 303)]
    assert re.fullmatch(r"dashboard session [0-9a-f]{12}", entries[0].actor)
    cookie = next(c.value for c in client.session.cookie_jar if c.key == "behest_dashboard")
    assert cookie not in str(entries[0].public()) and TOKEN not in str(entries[0].public())
