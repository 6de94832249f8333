"""The dashboard in Debian's Chromium against a real gateway on a port (SQLite), and once
on PostgreSQL: sign-in, its throttle, projects, keys, providers, usage, CSRF, sign-out."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import openai
import psycopg
import pytest
from dashboard_browser import ARGS, CHROMIUM, LAPTOP, PHONE, csrf_of, require_chromium
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from servers import Process, http, start_gateway

ADMIN = "admin-test-token"
GATEWAY_ENV = {"BEHEST_TRUSTED_PROXIES": "127.0.0.1/32", "BEHEST_LOG_LEVEL": "INFO"}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    require_chromium()
    process = start_gateway(tmp_path_factory.mktemp("dash") / "data", extra_env=GATEWAY_ENV)
    yield process
    process.stop()


def new_context(browser: Browser, client_ip: str | None = None) -> BrowserContext:
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    context = browser.new_context(viewport=LAPTOP, extra_http_headers=headers)
    context.set_default_timeout(10_000)
    return context


def sign_in(page: Page, url: str, token: str = ADMIN) -> None:
    page.goto(f"{url}/dashboard/login")
    page.fill("input[name=admin_token]", token)
    page.click("button:has-text('Sign in')")


@pytest.fixture
def signed_in(browser: Browser, gateway: Process) -> Iterator[Page]:
    context = new_context(browser, f"198.51.100.{secrets.randbelow(250) + 1}")
    page = context.new_page()
    problems: list[str] = []
    # (the 4xx answers to refused forms are logged as "Failed to load resource")
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, gateway.url)
    expect(page.locator("h1")).to_have_text("Projects")
    yield page
    context.close()
    # no script error and no Content-Security-Policy violation on any page visited
    assert problems == []


def test_nothing_is_shown_before_sign_in(browser: Browser, gateway: Process) -> None:
    status, project, _ = http(
        "POST", f"{gateway.url}/admin/v1/projects", {"name": "Hidden Co"}, token=ADMIN
    )
    assert status == 201
    context = new_context(browser)
    page = context.new_page()
    for path in ("/dashboard", "/dashboard/projects", f"/dashboard/projects/{project['id']}/keys"):
        page.goto(gateway.url + path)
        assert page.url.endswith("/dashboard/login")
        assert "Hidden Co" not in page.content()
    context.close()


def test_a_wrong_token_fails_and_repeated_failures_are_rate_limited(
    browser: Browser, gateway: Process
) -> None:
    context = new_context(browser, "203.0.113.7")
    page = context.new_page()
    for _ in range(5):
        sign_in(page, gateway.url, "wrong-token")
        expect(page.locator(".notice.error")).to_have_text("That is not the admin token.")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(page, gateway.url, ADMIN)  # even the right token, until the minute passes
    assert answer.value.status == 429
    assert answer.value.headers["retry-after"].isdigit()
    expect(page.locator(".notice.error")).to_contain_text("Too many failed sign-ins")
    context.close()


def test_the_session_cookie_is_httponly_strict_and_secure_behind_https(
    browser: Browser, gateway: Process
) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, gateway.url)
    expect(page.locator("h1")).to_have_text("Projects")
    cookie = next(c for c in context.cookies() if c["name"] == "behest_dashboard")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/dashboard"
    assert not cookie["secure"]
    api = context.request
    form = api.get(f"{gateway.url}/dashboard/login")
    answer = api.post(
        f"{gateway.url}/dashboard/login",
        form={"csrf_token": csrf_of(form.text()), "admin_token": ADMIN},
        headers={"X-Forwarded-Proto": "https"},
        max_redirects=0,
    )
    assert answer.status == 303
    assert "Secure" in answer.headers["set-cookie"]
    context.close()


def test_a_forged_post_without_the_sessions_csrf_token_is_refused(
    signed_in: Page, gateway: Process
) -> None:
    api = signed_in.context.request  # carries the session cookie, as a forged form would
    for form in ({"name": "Forged"}, {"name": "Forged", "csrf_token": "guessed"}):
        answer = api.post(f"{gateway.url}/dashboard/projects", form=form, max_redirects=0)
        assert answer.status == 403
    _, listing, _ = http("GET", f"{gateway.url}/admin/v1/projects", token=ADMIN)
    assert "Forged" not in [p["name"] for p in listing["data"]]


def test_settings_show_the_admin_apis_validation_messages(
    signed_in: Page, gateway: Process
) -> None:
    page = signed_in
    page.fill("#create-project input[name=name]", "Settings Co")
    page.click("#create-project button")
    expect(page.locator(".notice.ok")).to_have_text("Project created.")
    page.fill("#settings input[name=jwt_ttl_s]", "5")
    page.click("#settings button")
    expect(page.locator(".notice.error")).to_have_text(
        "jwt_ttl_s must be an integer from 30 to 86400."
    )
    # what was typed is shown again
    expect(page.locator("#settings input[name=jwt_ttl_s]")).to_have_value("5")
    page.fill("#settings input[name=jwt_ttl_s]", "600")
    page.fill("#settings textarea[name=cors_origins]", "https://app.example")
    page.click("#settings button")
    expect(page.locator(".notice.ok")).to_have_text("Settings saved.")
    project_id = page.url.split("/projects/")[1].split("?")[0]
    _, project, _ = http("GET", f"{gateway.url}/admin/v1/projects/{project_id}", token=ADMIN)
    assert project["settings"]["jwt_ttl_s"] == 600
    assert project["settings"]["cors_origins"] == ["https://app.example"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-project button")
    expect(page.locator(".notice.ok")).to_contain_text("Project deleted")
    status, _, _ = http("GET", f"{gateway.url}/admin/v1/projects/{project_id}", token=ADMIN)
    assert status == 404


def _create_key(page: Page) -> str:
    page.click("nav.tabs >> text=API keys")
    page.fill("#create-key input[name=name]", "browser")
    page.click("#create-key button")
    key = page.locator("#new-key").inner_text()
    assert key.startswith("behest_sk_live_")
    page.click("button[data-copy=new-key]")
    expect(page.locator("button[data-copy=new-key]")).not_to_have_text("Copy")
    page.reload()  # a GET now: the key is never shown again
    assert key not in page.content() and page.locator("#new-key").count() == 0
    return key


def _add_provider(page: Page, mock_url: str) -> None:
    provider_key = "sk-mock-" + secrets.token_hex(8) + "WXYZ"
    page.click("nav.tabs >> text=Providers")
    page.fill("#add-provider input[name=provider]", "openai")
    page.fill("#add-provider input[name=api_key]", provider_key)
    page.fill("#add-provider input[name=base_url]", mock_url + "/v1")
    page.fill("#add-provider input[name=models]", "gpt-4o*")
    page.click("#add-provider button")
    expect(page.locator(".notice.ok")).to_have_text("Provider added.")
    assert provider_key not in page.content()
    expect(page.locator("td code", has_text="…WXYZ")).to_be_visible()
    page.click("form.test button")
    expect(page.locator("#test-result")).to_contain_text("gpt-4o-mini")


def _chat(gateway_url: str, api_key: str) -> None:
    status, token, _ = http(
        "POST", f"{gateway_url}/v1/auth/mint", {"user_id": "ada"}, token=api_key
    )
    assert status == 200, token
    client = openai.OpenAI(
        base_url=f"{gateway_url}/v1", api_key=token["access_token"], max_retries=0
    )
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello dashboard"}]
    )
    assert reply.choices[0].message.content


def _see_usage(page: Page) -> None:
    page.click("nav.tabs >> text=Usage")
    rows = page.locator("table >> text=gpt-4o-mini")
    for _ in range(40):  # the usage sink writes in batches, about once a second
        if rows.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(rows.first).to_be_visible()
    expect(page.locator("body[data-charts-ready=true]")).to_have_count(1)
    expect(page.locator("table >> text=ada").first).to_be_visible()


def test_a_project_its_key_provider_chat_usage_csv_and_requests(
    signed_in: Page, gateway: Process, mock_openai_upstream: Process, tmp_path: Path
) -> None:
    page = signed_in
    page.fill("#create-project input[name=name]", "Journey Co")
    page.click("#create-project button")
    expect(page.locator("h1")).to_have_text("Journey Co")
    api_key = _create_key(page)
    _add_provider(page, mock_openai_upstream.url)
    _chat(gateway.url, api_key)
    page.click("nav.tabs >> text=API keys")
    expect(page.locator("tbody tr", has_text="browser")).not_to_contain_text("—")
    _see_usage(page)
    with page.expect_download() as download:
        page.click("#export-csv")
    csv_path = tmp_path / "usage.csv"
    download.value.save_as(csv_path)
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("day,model,requests") or lines[0].startswith("model,day")
    assert any("gpt-4o-mini" in line for line in lines[1:])
    page.click("nav.tabs >> text=Requests")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("ada")
    expect(row).to_contain_text("200")
    assert "hello dashboard" not in page.content()  # no message content on this page
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_guardrails_try_it_threads_and_a_disabled_provider(
    signed_in: Page, gateway: Process, mock_openai_upstream: Process
) -> None:
    page = signed_in
    page.fill("#create-project input[name=name]", "Threads Co")
    page.click("#create-project button")
    project_id = page.url.split("/projects/")[1].split("?")[0]
    api_key = _create_key(page)
    _add_provider(page, mock_openai_upstream.url)
    page.click("nav.tabs >> text=Guardrails")
    page.fill("#guard-try textarea[name=sample]", "Write to jane.doe@example.com today")
    page.click("#guard-try button")
    expect(page.locator("#guard-result")).to_have_text("Write to <EMAIL_1> today")
    expect(page.locator("#guard-report")).to_contain_text("email:1")
    page.fill("#guard-policy textarea[name=policy]", '{"pii_mode": "sometimes"}')
    page.click("#guard-policy button")
    expect(page.locator(".notice.error")).to_contain_text("pii_mode")

    _, token, _ = http("POST", f"{gateway.url}/v1/auth/mint", {"user_id": "grace"}, token=api_key)
    client = openai.OpenAI(
        base_url=f"{gateway.url}/v1", api_key=token["access_token"], max_retries=0
    )
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "remember the lighthouse"}],
        extra_headers={"X-Thread-Id": "thread_lighthouse"},
    )
    page.click("nav.tabs >> text=Threads")
    page.fill("input[name=user_id]", "grace")
    page.click("button:has-text('Find')")
    page.click("text=thread_lighthouse")
    expect(page.locator("main")).to_contain_text("remember the lighthouse")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Delete thread')")
    expect(page.locator(".notice.ok")).to_have_text("Thread deleted.")
    expect(page.locator("main")).not_to_contain_text("thread_lighthouse")

    page.click("nav.tabs >> text=Providers")
    page.click("button:has-text('Disable')")
    expect(page.locator(".notice.ok")).to_contain_text("Provider disabled")
    ask = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(openai.APIStatusError):  # no credential routes it now
        client.chat.completions.create(**ask)  # type: ignore[call-overload]
    page.click("button:has-text('Enable')")
    expect(page.locator(".notice.ok")).to_have_text("Provider enabled.")
    assert client.chat.completions.create(**ask).choices  # type: ignore[call-overload]
    _, listing, _ = http(
        "GET", f"{gateway.url}/admin/v1/projects/{project_id}/credentials", token=ADMIN
    )
    assert "disabled" not in listing["data"][0]["settings"]


def test_sign_out_ends_the_session_on_the_server(signed_in: Page, gateway: Process) -> None:
    page = signed_in
    cookie = next(c for c in page.context.cookies() if c["name"] == "behest_dashboard")
    page.click("button:has-text('Sign out')")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.context.add_cookies([cookie])  # the old cookie, replayed
    page.goto(f"{gateway.url}/dashboard/projects")
    assert page.url.endswith("/dashboard/login")


@pytest.fixture
def postgres_gateway(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[Process]:
    require_chromium()
    name = "behest_dash_" + secrets.token_hex(6)
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = f"{postgres_server_url.rpartition('/')[0]}/{name}"
    drop = partial(_drop, postgres_server_url, name)
    try:
        process = start_gateway(
            tmp_path_factory.mktemp("dash-pg") / "data",
            extra_env={**GATEWAY_ENV, "BEHEST_DATABASE_URL": url},
        )
    except BaseException:
        drop()
        raise
    yield process
    process.stop()
    drop()


def _drop(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_the_dashboard_on_postgres(browser: Browser, postgres_gateway: Process) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, postgres_gateway.url)
    page.fill("#create-project input[name=name]", "Postgres Co")
    page.click("#create-project button")
    expect(page.locator("h1")).to_have_text("Postgres Co")
    _create_key(page)
    page.click("nav.tabs >> text=Usage")
    expect(page.locator("#usage-filters")).to_be_visible()
    page.click("nav.tabs >> text=Requests")
    expect(page.locator("main")).to_contain_text("No requests yet.")
    assert re.search(r"/projects/proj_[0-9a-f]+/requests$", page.url)
    context.close()
