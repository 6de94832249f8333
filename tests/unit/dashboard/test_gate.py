"""The dashboard in the built app, over HTTP without a browser: the sign-in gate, the
login form's CSRF, headers, HTML errors and the vendored files."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app

TOKEN = "admin-unit-token"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token=TOKEN))
    async with TestClient(TestServer(build_app(foundation))) as test_client:
        yield test_client


async def _sign_in(client: TestClient) -> str:
    form = await (await client.get("/dashboard/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf
    answer = await client.post(
        "/dashboard/login",
        data={"csrf_token": csrf.group(1), "admin_token": TOKEN},
        allow_redirects=False,
    )
    assert answer.status == 303
    page = await (await client.get("/dashboard/projects")).text()
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


async def test_every_page_sends_a_signed_out_visitor_to_the_sign_in_page(
    client: TestClient,
) -> None:
    for path in ("/dashboard", "/dashboard/projects", "/dashboard/projects/proj_x/usage"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 303
        assert answer.headers["Location"] in ("/dashboard/login", "/dashboard/projects")
    answer = await client.post("/dashboard/projects", data={"name": "x"}, allow_redirects=False)
    assert answer.status == 403


async def test_the_sign_in_form_needs_its_own_double_submit_token(
    client: TestClient,
) -> None:
    answer = await client.post(
        "/dashboard/login", data={"csrf_token": "forged", "admin_token": TOKEN}
    )
    assert answer.status == 403
    assert "behest_dashboard=" not in answer.headers.get("Set-Cookie", "").split(";")[0]


async def test_changing_the_admin_token_ends_every_dashboard_session(
    client: TestClient, tmp_path: Path
) -> None:
    await _sign_in(client)
    cookies = {"behest_dashboard": _session_cookie(client)}
    still = await client.get("/dashboard/projects", cookies=cookies, allow_redirects=False)
    assert still.status == 200
    changed = open_foundation(Settings(data_dir=tmp_path, admin_token="a-new-admin-token"))
    async with TestClient(TestServer(build_app(changed))) as other:
        answer = await other.get("/dashboard/projects", cookies=cookies, allow_redirects=False)
        assert answer.status == 303
        assert answer.headers["Location"] == "/dashboard/login"


def _session_cookie(client: TestClient) -> str:
    found = [c.value for c in client.session.cookie_jar if c.key == "behest_dashboard"]
    assert len(found) == 1
    return found[0]


async def test_the_providers_page_shows_no_secret_of_a_short_key_or_a_base_url(
    client: TestClient,
) -> None:
    csrf = await _sign_in(client)
    created = await client.post(
        "/dashboard/projects", data={"csrf_token": csrf, "name": "Acme"}, allow_redirects=False
    )
    project = created.headers["Location"].split("/")[3].split("?")[0]
    url = "https://user:pw-s3cret@llm.example/v1?api-key=q-s3cret"
    form = {"csrf_token": csrf, "provider": "corp", "api_key": "sk-short", "base_url": url}
    added = await client.post(f"/dashboard/projects/{project}/providers", data=form)
    page = await added.text()
    assert added.status == 200 and "https://llm.example/v1" in page
    assert "s3cret" not in page and "user:" not in page and "hort" not in page


async def test_pages_carry_the_security_headers(client: TestClient) -> None:
    answer = await client.get("/dashboard/login")
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"


async def test_an_unknown_project_is_an_html_error_page(client: TestClient) -> None:
    await _sign_in(client)
    answer = await client.get("/dashboard/projects/proj_missing/keys")
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "No project with id" in await answer.text()


async def test_the_vendored_chart_library_and_its_licence_are_served(
    client: TestClient,
) -> None:
    script = await client.get("/dashboard/static/chart.umd.min.js")
    assert script.status == 200 and "Chart.js v4" in (await script.text())[:200]
    licence = await client.get("/dashboard/static/chart.js-LICENSE.md")
    assert "MIT License" in await licence.text()
