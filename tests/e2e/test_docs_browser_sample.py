"""The streaming guide's vanilla JavaScript sample, run in Debian's Chromium as written.

tests/docs runs it in Node; this runs the same text in a real page on an origin the project
allows, with a real token route next to it, so the browser code of the docs is proven where
it is meant to run: fetch to another origin, CORS, a streamed body through
TextDecoderStream.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from page_app import serve_page_app
from tenancy import Tenant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "streaming.md"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing")


def _vanilla_sample() -> str:
    text = GUIDE.read_text()
    section = text.split("## Vanilla JavaScript", 1)[1]
    match = re.search(r"<!-- run -->\n```js\n(.*?)^```$", section, re.S | re.M)
    assert match, "the streaming guide has no runnable js sample under 'Vanilla JavaScript'"
    return match.group(1)


@pytest.fixture(scope="module")
def app(tenant: Tenant) -> Iterator[str]:
    code = _vanilla_sample().replace("http://127.0.0.1:8080", tenant.gateway.url)
    page_html = (
        '<!doctype html><meta charset="utf-8"><title>docs sample</title>'
        "<script>window.done = new Promise(r => { window.finish = r; });"
        "const log = console.log; console.log = (...a) => { log(...a); finish(a.join(' ')); };"
        "</script>"
        f'<script type="module">\ntry {{\n{code}\n}}'
        ' catch (e) { finish("error: " + e); }</script>'
    )
    served = serve_page_app(page_html, tenant.mint, "docs-browser-user")
    origin = served.origin
    project = f"/projects/{tenant.project_id}"
    tenant.admin("PATCH", project, {"settings": {"cors_origins": [origin]}})
    yield origin
    tenant.admin("PATCH", project, {"settings": {"cors_origins": []}})
    served.stop()


def test_the_guides_vanilla_sample_streams_in_chromium(app: str, tenant: Tenant) -> None:
    tenant.fault(chunk_delay_ms=30, remaining=1)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page: Any = browser.new_page()
            page.goto(app)
            assert page.evaluate("window.done") == "Echo: Tell me a story"
        finally:
            browser.close()
