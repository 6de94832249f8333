"""Signing in over HTTP against the built app: the throttle counts attempts as they
start, so slow concurrent requests cannot all be evaluated."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from behest.gateway.dashboard.throttle import LIMIT
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app

TOKEN = "admin-unit-token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token=TOKEN))
    async with TestClient(TestServer(build_app(foundation))) as test_client:
        yield test_client


async def _csrf(client: TestClient) -> str:
    found = re.search(
        r'name="csrf_token" value="([^"]+)"', await (await client.get("/dashboard/login")).text()
    )
    assert found
    return found.group(1)


async def _slow_body(body: bytes, go: asyncio.Event) -> AsyncIterator[bytes]:
    yield body[:5]
    await go.wait()
    yield body[5:]


async def test_slow_concurrent_attempts_are_counted_before_their_bodies_arrive(
    client: TestClient,
) -> None:
    body = f"csrf_token={await _csrf(client)}&admin_token=wrong-guess".encode()
    go = asyncio.Event()
    attempts = [
        asyncio.create_task(
            client.post("/dashboard/login", data=_slow_body(body, go), headers=FORM)
        )
        for _ in range(3 * LIMIT)
    ]
    await asyncio.sleep(0.3)  # every handler has started and is waiting for its body
    go.set()
    statuses = sorted(answer.status for answer in await asyncio.gather(*attempts))
    assert statuses == [401] * LIMIT + [429] * (2 * LIMIT)


async def test_a_form_that_never_tried_a_token_gives_its_attempt_back(
    client: TestClient,
) -> None:
    for _ in range(2 * LIMIT):
        answer = await client.post("/dashboard/login", data={"csrf_token": "forged"})
        assert answer.status == 403
    csrf = await _csrf(client)
    answer = await client.post(
        "/dashboard/login", data={"csrf_token": csrf, "admin_token": TOKEN}, allow_redirects=False
    )
    assert answer.status == 303


async def test_a_non_ascii_form_token_is_refused_not_an_error(client: TestClient) -> None:
    await _csrf(client)  # the login cookie is set
    answer = await client.post("/dashboard/login", data={"csrf_token": "thé", "admin_token": "x"})
    assert answer.status == 403
