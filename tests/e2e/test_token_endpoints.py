"""examples/token-endpoints: the Express and FastAPI token routes, run against a real stack.

Each serves ``POST /api/token`` for the signed-in user (a demo cookie), minting with the
server-side key: a visitor who is not signed in gets 401, a signed-in one a token minted
for them that the gateway accepts; the key appears in no answer.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import free_port
from stack_process import REPO, RunningStack, node_env, running_stack, stop, wait_http

EXAMPLES = REPO / "examples" / "token-endpoints"
NPM = shutil.which("npm")
NODE = shutil.which("node")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    with running_stack() as running:
        yield running


def _post_token(url: str, cookie: str | None) -> tuple[int, Any, str]:
    request = urllib.request.Request(url, data=b"", method="POST")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status, headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, headers = error.read(), error.code, error.headers
    return status, json.loads(raw), headers.get("Cache-Control", "")


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _check(url: str, stack: RunningStack) -> None:
    status, body, _ = _post_token(url, None)
    assert status == 401, body
    status, body, cache_control = _post_token(url, "theme=dark; demo_user=alice")
    assert status == 200, body
    assert set(body) == {"access_token", "expires_in"} and body["expires_in"] > 0
    assert "no-store" in cache_control
    assert stack.api_key not in json.dumps(body)
    assert "alice" in json.dumps(_claims(body["access_token"]))
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    status, reply, _ = stack.request(
        "POST", f"{stack.gateway_url}/v1/chat/completions", chat, body["access_token"]
    )
    assert status == 200 and reply["choices"][0]["message"]["content"] == "Echo: hi", reply


def _serve(args: list[str], cwd: Path, stack: RunningStack, port: int) -> subprocess.Popen[bytes]:
    env = node_env(BEHEST_KEY=stack.api_key, BEHEST_BASE_URL=stack.gateway_url, PORT=str(port))
    server = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/token", server)
    except BaseException:
        stop(server)
        raise
    return server


@pytest.mark.skipif(NPM is None or NODE is None, reason="node and npm are missing")
def test_the_express_token_endpoint_mints_for_the_signed_in_user(stack: RunningStack) -> None:
    assert NPM is not None and NODE is not None
    app = EXAMPLES / "express"
    for cwd, args in [
        (REPO / "sdks" / "typescript", [NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"]),
        (REPO / "sdks" / "typescript", [NPM, "run", "build"]),
        (app, [NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"]),
    ]:
        done = subprocess.run(
            args, check=False, cwd=cwd, env=node_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    server = _serve([NODE, "server.mjs"], app, stack, port)
    try:
        _check(f"http://127.0.0.1:{port}/api/token", stack)
    finally:
        stop(server)


@pytest.mark.skipif(
    importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None,
    reason="fastapi and uvicorn are not installed (pip install -e '.[examples]')",
)
def test_the_fastapi_token_endpoint_mints_for_the_signed_in_user(stack: RunningStack) -> None:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning"]  # fmt: skip
    server = _serve(args, EXAMPLES / "fastapi", stack, port)
    try:
        _check(f"http://127.0.0.1:{port}/api/token", stack)
    finally:
        stop(server)
