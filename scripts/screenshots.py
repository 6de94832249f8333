"""Screenshots of the dashboard for the docs, from a local stack with demo traffic.

    .venv/bin/python scripts/screenshots.py        # writes docs/screenshots/dashboard-*.png

Starts the mock upstreams and a gateway (``behest.testing.stack``), makes a few real chat
calls through it, adds two weeks of made-up usage history for the charts, then drives
Debian's Chromium (``/usr/bin/chromium``) at laptop (1280x800) and phone (390x844) sizes.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from behest.gateway.store import Database
from behest.gateway.store.usage_record import TokenCounts, UsageRecord
from behest.testing import stack

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from dashboard_browser import ARGS, CHROMIUM, LAPTOP, PHONE  # noqa: E402

USERS = ["ada", "grace", "linus", "margaret", "ken", "barbara"]
MODELS = [
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("gemini-2.5-flash", "gemini"),
]


def _post(
    url: str, body: object, token: str, headers: dict[str, str] | None = None, method: str = "POST"
) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _traffic(info: dict[str, object]) -> None:
    gateway, key = str(info["gateway_url"]), str(info["api_key"])
    for index, user in enumerate(USERS[:4]):
        token = _post(f"{gateway}/v1/auth/mint", {"user_id": user}, key)
        assert isinstance(token, dict)
        model = MODELS[index % len(MODELS)][0]
        body = {"model": model, "messages": [{"role": "user", "content": f"Hello from {user}"}]}
        headers = {"X-Thread-Id": f"support-{user}"} if index < 2 else {}
        _post(f"{gateway}/v1/chat/completions", body, token["access_token"], headers)


def _history(data_dir: Path, project_id: str) -> None:
    rng, now, records = random.Random(7), datetime.now(UTC), []
    for days_ago in range(1, 15):
        for _ in range(rng.randint(8, 20)):
            model, provider = rng.choice(MODELS)
            tokens = TokenCounts(rng.randint(200, 3000), rng.randint(50, 900))
            price = {"openai": 0.6, "anthropic": 15.0, "gemini": 2.5}[provider] / 1e6
            records.append(
                UsageRecord(
                    f"req_demo_{len(records)}",
                    project_id,
                    rng.choice(USERS),
                    "demo",
                    model,
                    model_served=model,
                    provider=provider,
                    tokens=tokens,
                    cost_usd=(tokens.input + tokens.output) * price,
                    latency_ms=rng.randint(300, 2500),
                    created_at=now - timedelta(days=days_ago, minutes=rng.randint(0, 600)),
                )
            )
    db = Database(f"sqlite:///{data_dir / 'behest.db'}")
    db.insert_usage(records)
    db.close()


def _shoot(page: Page, name: str, sizes: tuple[str, ...] = ("laptop",)) -> None:
    for size in sizes:
        page.set_viewport_size(LAPTOP if size == "laptop" else PHONE)
        page.wait_for_timeout(150)
        page.screenshot(path=str(OUT / f"dashboard-{name}-{size}.png"))
    page.set_viewport_size(LAPTOP)


def _tour(page: Page, gateway: str, project_id: str, admin_token: str) -> None:
    base = f"{gateway}/dashboard/projects/{project_id}"
    page.goto(f"{gateway}/dashboard/login")
    _shoot(page, "login", ("laptop", "phone"))
    page.fill("input[name=admin_token]", admin_token)
    page.click("button:has-text('Sign in')")
    _shoot(page, "projects", ("laptop", "phone"))
    page.goto(base)
    _shoot(page, "settings")
    page.goto(f"{base}/keys")
    page.fill("#create-key input[name=name]", "production backend")
    page.click("#create-key button")
    _shoot(page, "keys", ("laptop", "phone"))
    page.goto(f"{base}/providers")
    page.click("form.test button >> nth=0")
    _shoot(page, "providers")
    page.goto(f"{base}/usage")
    page.wait_for_selector("body[data-charts-ready=true]")
    _shoot(page, "usage", ("laptop", "phone"))
    page.goto(f"{base}/limits")
    _shoot(page, "limits")
    page.goto(f"{base}/guard")
    page.click("#guard-try button")
    _shoot(page, "guard")
    page.goto(f"{base}/threads")
    _shoot(page, "threads")
    page.goto(f"{base}/requests")
    _shoot(page, "requests", ("laptop", "phone"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="behest-shots-"))
    settings = {
        "cors_origins": ["https://app.example.com"],
        "aliases": {"fast": "openai/gpt-4o-mini", "smart": "anthropic/claude-sonnet-4-5"},
        "limits": {"user": {"rpm": 60}, "budgets": {"user": {"daily": {"tokens": 200000}}}},
    }
    running = stack.start(root, settings, {})
    try:
        info = stack.provision(running, settings)
        project_url = f"{running.gateway_url}/admin/v1/projects/{info['project_id']}"
        _post(project_url, {"name": "Acme support bot"}, str(info["admin_token"]), method="PATCH")
        _traffic(info)
        _history(running.data_dir, str(info["project_id"]))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_context(viewport=LAPTOP).new_page()
            _tour(page, running.gateway_url, str(info["project_id"]), str(info["admin_token"]))
            browser.close()
    finally:
        running.stop()
    print(f"wrote {len(list(OUT.glob('dashboard-*.png')))} screenshots to {OUT}")


if __name__ == "__main__":
    main()
