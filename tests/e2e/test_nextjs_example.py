"""examples/nextjs, built from its lockfile and driven in Debian's Chromium against behest.

The app installs with ``npm ci`` (the SDK from ``sdks/typescript``, built first), ``next
build`` compiles it, and ``next start`` serves it on a free port listed in the project's
``cors_origins``. A user signs in (the demo cookie), the server component greets them
through the SDK with the key, and the browser streams chats from the gateway directly with
a token from ``/api/token``: incrementally, on one thread, and a rate limit shown as such.
Set BEHEST_NEXTJS_REUSE_BUILD=1 to skip ``npm ci``/``next build`` when they were run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from servers import free_port
from stack_process import REPO, RunningStack, node_env, running_stack, wait_http

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NPM = shutil.which("npm")
APP = REPO / "examples" / "nextjs"
SDK = REPO / "sdks" / "typescript"
# BEHEST_SCREENSHOT_DIR=docs/screenshots refreshes the pictures the docs show
SCREENSHOTS = Path(os.environ.get("BEHEST_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="shots-"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),  # the first test pays for npm ci and next build
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is missing"),
    pytest.mark.skipif(NPM is None, reason="npm is missing (Node 20+ is needed for Next.js)"),
]


def _run(args: list[str], cwd: Path, timeout: float) -> None:
    done = subprocess.run(
        args, check=False, cwd=cwd, env=node_env(), capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{output}"


@pytest.fixture(scope="module")
def built_app() -> Path:
    """npm ci + build of the SDK, then npm ci + next build of the app (about a minute)."""
    if os.environ.get("BEHEST_NEXTJS_REUSE_BUILD") and (APP / ".next" / "BUILD_ID").exists():
        return APP
    assert NPM is not None
    _run([NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"], SDK, 300)
    _run([NPM, "run", "build"], SDK, 300)
    _run([NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"], APP, 300)
    _run([str(APP / "node_modules" / ".bin" / "next"), "build"], APP, 600)
    return APP


@contextmanager
def _next_start(app: Path, port: int, stack: RunningStack) -> Iterator[str]:
    origin = f"http://127.0.0.1:{port}"
    env = node_env(BEHEST_KEY=stack.api_key, BEHEST_BASE_URL=stack.gateway_url)
    with (app / ".next" / f"test-server-{port}.log").open("wb") as log:
        server = subprocess.Popen(
            [str(app / "node_modules" / ".bin" / "next"), "start", "-p", str(port),
             "-H", "127.0.0.1"],
            cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            wait_http(origin + "/", server)
            yield origin
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@pytest.fixture(scope="module")
def served(built_app: Path) -> Iterator[tuple[str, RunningStack]]:
    port = free_port()
    with (
        running_stack({"cors_origins": [f"http://127.0.0.1:{port}"]}) as stack,
        _next_start(built_app, port, stack) as origin,
    ):
        yield origin, stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _signed_in_page(browser: Any, origin: str, user: str) -> Any:
    page = browser.new_context(viewport={"width": 900, "height": 640}).new_page()
    page.goto(origin + "/")
    page.fill("input[name=user]", user)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("[data-testid=user]")
    page.wait_for_selector("[data-testid=send]:not([disabled])")  # hydrated
    return page


@pytest.fixture(scope="module")
def page(browser: Any, served: tuple[str, RunningStack]) -> Any:
    return _signed_in_page(browser, served[0], "alice")


def _send(page: Any, prompt: str) -> None:
    page.fill("input[name=prompt]", prompt)
    page.click("[data-testid=send]")
    page.wait_for_selector("[data-testid=send]:not([disabled])", timeout=30_000)


def _assistant_texts(page: Any) -> list[str]:
    script = "els => els.map(e => e.textContent)"
    return list(page.eval_on_selector_all("[data-role=assistant]", script))


def test_the_server_component_greets_the_user_through_the_sdk(
    page: Any, served: tuple[str, RunningStack]
) -> None:
    _, stack = served
    assert "Echo: Welcome alice to the demo" in page.text_content("[data-testid=server-greeting]")
    assert stack.api_key not in page.content()  # the key never reaches the browser


def test_the_token_route_refuses_a_visitor_who_is_not_signed_in(
    served: tuple[str, RunningStack],
) -> None:
    origin, stack = served
    status, body, _ = stack.request("POST", origin + "/api/token")
    assert status == 401 and body["error"]["message"] == "Sign in first."


def test_the_browser_streams_a_chat_from_behest_incrementally(
    page: Any, served: tuple[str, RunningStack]
) -> None:
    _, stack = served
    stack.fault(chunk_delay_ms=100, remaining=1)
    page.evaluate("""() => {
      window.lengths = [];
      new MutationObserver(() => {
        const all = document.querySelectorAll('[data-role=assistant]');
        const last = all[all.length - 1];
        if (last) window.lengths.push([performance.now(), last.textContent.length]);
      }).observe(document.querySelector('[data-testid=messages]'),
                 {subtree: true, childList: true, characterData: true});
    }""")
    page.fill("input[name=prompt]", "tell me about the weather in Paris today")
    page.click("[data-testid=send]")
    # Mid-stream: some words shown, not all yet.
    page.wait_for_function(
        "(() => { const a = document.querySelectorAll('[data-role=assistant]');"
        " const t = a.length ? a[a.length - 1].textContent : '';"
        " return t.length > 8 && t.length < 40; })()",
        timeout=30_000,
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nextjs-streaming.png"), full_page=True)
    page.wait_for_selector("[data-testid=send]:not([disabled])", timeout=30_000)
    assert _assistant_texts(page)[-1] == "Echo: tell me about the weather in Paris today"
    seen = page.evaluate("window.lengths")
    distinct = sorted({length for _, length in seen if length > 1})
    assert len(distinct) >= 5, seen  # the words arrived one by one, each rendered
    assert seen[-1][0] - seen[0][0] > 150
    assert page.text_content("[data-testid=thread]")
    page.screenshot(path=str(SCREENSHOTS / "nextjs-stream.png"), full_page=True)


def test_the_next_message_continues_the_thread(page: Any, served: tuple[str, RunningStack]) -> None:
    _, stack = served
    thread = page.text_content("[data-testid=thread]")
    _send(page, "and tomorrow?")
    assert _assistant_texts(page)[-1] == "Echo: and tomorrow?"
    assert page.text_content("[data-testid=thread]") == thread
    # The page sent only the new message; the gateway added the stored history upstream.
    upstream = stack.last_upstream_request()
    contents = [m["content"] for m in upstream["body"]["messages"]]
    assert contents == [
        "tell me about the weather in Paris today",
        "Echo: tell me about the weather in Paris today",
        "and tomorrow?",
    ], contents
    status, messages, _ = stack.request(
        "GET", f"{stack.gateway_url}/v1/threads/{thread}/messages", token=stack.mint("alice")
    )
    assert status == 200 and len(messages["data"]) == 4, messages
    page.screenshot(path=str(SCREENSHOTS / "nextjs-thread.png"), full_page=True)


def test_a_rate_limit_is_shown_with_its_retry_after(
    page: Any, served: tuple[str, RunningStack]
) -> None:
    _, stack = served
    stack.update_settings({"limits": {"user": {"rpm": 1}}})
    try:
        for attempt in range(3):
            _send(page, f"one more, please ({attempt})")
            if page.query_selector("[data-testid=ratelimit]"):
                break
        notice = page.text_content("[data-testid=ratelimit]")
    finally:
        stack.update_settings({"limits": {}})
    assert notice and "Try again in" in notice, notice
    seconds = int(page.text_content("[data-testid=ratelimit] strong"))
    assert 0 < seconds <= 60
    page.screenshot(path=str(SCREENSHOTS / "nextjs-429.png"), full_page=True)


def test_a_session_that_ended_is_shown_as_an_error(
    browser: Any, served: tuple[str, RunningStack]
) -> None:
    page = _signed_in_page(browser, served[0], "bob")
    page.context.clear_cookies()  # signed out elsewhere: the token route now answers 401
    _send(page, "hello?")
    assert "Not signed in or the session ended" in page.text_content("[data-testid=error]")
    assert page.input_value("input[name=prompt]") == "hello?"  # kept, to send again
    page.screenshot(path=str(SCREENSHOTS / "nextjs-signed-out.png"), full_page=True)
    page.context.close()


def test_the_app_on_an_origin_the_project_does_not_list_is_blocked_by_the_browser(
    browser: Any, built_app: Path, served: tuple[str, RunningStack]
) -> None:
    with _next_start(built_app, free_port(), served[1]) as other:
        page = _signed_in_page(browser, other, "carol")
        # The server side still works (no CORS there); the browser refuses the answer.
        assert "Echo: Welcome carol" in page.text_content("[data-testid=server-greeting]")
        _send(page, "hello from elsewhere")
        assert "Could not reach behest" in page.text_content("[data-testid=error]")
        page.screenshot(path=str(SCREENSHOTS / "nextjs-blocked-origin.png"), full_page=True)
        page.context.close()
