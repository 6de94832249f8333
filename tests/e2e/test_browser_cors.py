"""A page in Debian's Chromium calls behest directly: token from the app, stream, CORS, 429.

The app (a small aiohttp server, as a user's backend would be) serves the page and
``/api/token``, which mints with the server-side key for the signed-in user; the key never
reaches the browser. The page then streams a chat from the gateway on another origin.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from page_app import PageApp, serve_page_app
from tenancy import Tenant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is missing (apt-get install chromium)"
)
# BEHEST_SCREENSHOT_DIR=docs/screenshots refreshes the pictures the docs show
SCREENSHOTS = Path(os.environ.get("BEHEST_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="shots-"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

PAGE = """<!doctype html><meta charset="utf-8"><title>behest from the browser</title>
<style>body{font:16px system-ui;margin:2rem;max-width:40rem}#out{white-space:pre-wrap;
border:1px solid #ccc;padding:1rem;min-height:3rem}#state{color:#555}</style>
<h1>Chat, streamed from behest</h1><div id="state">idle</div><div id="out"></div>
<script>
const GATEWAY = "%(gateway)s";
window.chunkTimes = [];
async function token() {
  const r = await fetch("/api/token", {method: "POST"});
  return (await r.json()).access_token;
}
window.streamChat = async function (prompt) {
  const out = document.getElementById("out"), state = document.getElementById("state");
  const r = await fetch(GATEWAY + "/v1/chat/completions", {
    method: "POST",
    headers: {"Authorization": "Bearer " + await token(), "Content-Type": "application/json",
              "x-stainless-lang": "js"},
    body: JSON.stringify({model: "gpt-4o-mini", stream: true,
                          messages: [{role: "user", content: prompt}]}),
  });
  state.textContent = "status " + r.status;
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value;
    const frames = buffer.split("\\n\\n"); buffer = frames.pop();
    for (const frame of frames) {
      const data = frame.replace(/^data: /, "");
      if (data === "[DONE]") continue;
      const delta = JSON.parse(data).choices[0]?.delta?.content;
      if (delta) { out.textContent += delta; window.chunkTimes.push(performance.now()); }
    }
  }
  state.textContent = "done, request " + r.headers.get("x-request-id");
  return out.textContent;
};
window.plainCall = async function () {
  const r = await fetch(GATEWAY + "/v1/chat/completions", {
    method: "POST",
    headers: {"Authorization": "Bearer " + await token(), "Content-Type": "application/json"},
    body: JSON.stringify({model: "gpt-4o-mini", messages: [{role: "user", content: "hi"}]}),
  });
  const headers = {};
  for (const name of ["retry-after", "x-ratelimit-remaining-requests", "x-request-id"])
    headers[name] = r.headers.get(name);
  const body = await r.json();
  document.getElementById("state").textContent = r.status === 429
    ? "Slow down: try again in " + headers["retry-after"] + " s" : "status " + r.status;
  return {status: r.status, headers, error: body.error || null};
};
window.badToken = async function () {
  const r = await fetch(GATEWAY + "/v1/models", {headers: {"Authorization": "Bearer nope"}});
  return {status: r.status, body: await r.json()};
};
</script>"""


App = PageApp


def _serve_app(tenant: Tenant, user: str) -> App:
    return serve_page_app(PAGE % {"gateway": tenant.gateway.url}, tenant.mint, user)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def apps(tenant: Tenant) -> Iterator[tuple[App, App]]:
    allowed, other = _serve_app(tenant, "browser-user"), _serve_app(tenant, "browser-user")
    tenant.admin(
        "PATCH", f"/projects/{tenant.project_id}", {"settings": {"cors_origins": [allowed.origin]}}
    )
    yield allowed, other
    tenant.admin("PATCH", f"/projects/{tenant.project_id}", {"settings": {"cors_origins": []}})
    allowed.stop()
    other.stop()


def test_a_page_on_an_allowed_origin_streams_incrementally(
    browser: Any, apps: tuple[App, App], tenant: Tenant
) -> None:
    tenant.fault(chunk_delay_ms=60, remaining=1)
    page = browser.new_page(viewport={"width": 900, "height": 500})
    page.goto(apps[0].origin)
    text = page.evaluate("streamChat('tell me about the weather in Paris today')")
    assert text == "Echo: tell me about the weather in Paris today"
    times = page.evaluate("window.chunkTimes")
    assert len(times) >= 5 and times[-1] - times[0] > 150  # the words arrived one by one
    assert page.text_content("#state").startswith("done, request ")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "browser-stream.png"))
    page.close()


def test_a_page_on_another_origin_is_blocked_by_the_browser(
    browser: Any, apps: tuple[App, App]
) -> None:
    page = browser.new_page()
    page.goto(apps[1].origin)
    with pytest.raises(playwright_api.Error, match="Failed to fetch"):
        page.evaluate("streamChat('hello')")
    page.close()


def test_errors_are_readable_by_the_page(
    browser: Any, apps: tuple[App, App], tenant: Tenant
) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 500})
    page.goto(apps[0].origin)
    refused = page.evaluate("badToken()")
    assert refused["status"] == 401 and refused["body"]["error"]["type"]
    settings = {"limits": {"user": {"rpm": 1}}}
    tenant.admin("PATCH", f"/projects/{tenant.project_id}", {"settings": settings})
    try:
        first = page.evaluate("plainCall()")
        limited = page.evaluate("plainCall()")
    finally:
        tenant.admin("PATCH", f"/projects/{tenant.project_id}", {"settings": {"limits": {}}})
    assert first["status"] == 200
    assert limited["status"] == 429 and limited["error"]["type"]
    assert int(limited["headers"]["retry-after"]) > 0
    assert limited["headers"]["x-ratelimit-remaining-requests"] == "0"
    assert limited["headers"]["x-request-id"]
    page.screenshot(path=str(SCREENSHOTS / "browser-429.png"))
    page.close()


def test_preflight_allows_sdk_headers_and_is_cached(apps: tuple[App, App], tenant: Tenant) -> None:
    request = urllib.request.Request(
        f"{tenant.gateway.url}/v1/chat/completions",
        method="OPTIONS",
        headers={
            "Origin": apps[0].origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-stainless-os",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == apps[0].origin
    assert "x-stainless-os" in headers["Access-Control-Allow-Headers"]
    assert int(headers["Access-Control-Max-Age"]) >= 600
    assert "Origin" in headers["Vary"]
    assert headers.get("Access-Control-Allow-Credentials") is None


def test_minting_is_for_servers_only_even_on_a_listed_origin(
    apps: tuple[App, App], tenant: Tenant
) -> None:
    url = f"{tenant.gateway.url}/v1/auth/mint"
    ask = {"Origin": apps[0].origin, "Access-Control-Request-Method": "POST"}
    preflight = urllib.request.Request(url, method="OPTIONS", headers=ask)
    with urllib.request.urlopen(preflight, timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") is None
    minted = urllib.request.Request(
        url,
        data=json.dumps({"user_id": "u"}).encode(),
        headers={"Origin": apps[0].origin, "Authorization": f"Bearer {tenant.api_key}"},
    )
    with urllib.request.urlopen(minted, timeout=10) as response:
        assert response.status == 200
        assert response.headers.get("Access-Control-Allow-Origin") is None
