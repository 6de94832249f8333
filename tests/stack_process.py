"""``python -m behest.testing.stack`` as a subprocess, for tests that drive other programs.

The example apps (Next.js, Express, FastAPI) and the documentation's samples talk to behest
over HTTP only, as a user's would; this starts the whole local stack (mocks, gateway, a
project and its key) and hands back the JSON line it prints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass
class RunningStack:
    info: dict[str, Any]

    @property
    def gateway_url(self) -> str:
        return str(self.info["gateway_url"])

    @property
    def api_key(self) -> str:
        return str(self.info["api_key"])

    @property
    def openai_mock(self) -> str:
        return str(self.info["mocks"]["openai"])

    def request(
        self, method: str, url: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload, status, headers = response.read(), response.status, response.headers
        except urllib.error.HTTPError as error:
            payload, status, headers = error.read(), error.code, error.headers
        parsed = json.loads(payload) if payload else None
        return status, parsed, {k.lower(): v for k, v in headers.items()}

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        status, parsed, _ = self.request(
            method, f"{self.gateway_url}/admin/v1{path}", body, self.info["admin_token"]
        )
        assert status < 300, (status, parsed)
        return parsed

    def update_settings(self, settings: dict[str, Any]) -> None:
        """PATCHes the project's settings and waits for the gateway to load them."""
        self.admin("PATCH", f"/projects/{self.info['project_id']}", {"settings": settings})
        time.sleep(0.6)  # the gateway polls its configuration every 0.2 s in the stack

    def mint(self, user: str) -> str:
        status, body, _ = self.request(
            "POST", f"{self.gateway_url}/v1/auth/mint", {"user_id": user}, self.api_key
        )
        assert status == 200, body
        return str(body["access_token"])

    def fault(self, **fault: Any) -> None:
        self.request("POST", f"{self.openai_mock}/__mock__/faults", fault)

    def last_upstream_request(self) -> dict[str, Any]:
        _, body, _ = self.request("GET", f"{self.openai_mock}/__mock__/last_request")
        return dict(body)


@contextmanager
def running_stack(settings: dict[str, Any] | None = None) -> Iterator[RunningStack]:
    root = Path(tempfile.mkdtemp(prefix="behest-stack-"))
    process = subprocess.Popen(
        [sys.executable, "-m", "behest.testing.stack", "--dir", str(root),
         "--settings", json.dumps(settings or {})],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the stack exited with {process.wait()} before it printed")
        yield RunningStack(json.loads(line))
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        process.stdout.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Returns once ``url`` answers with any status; raises if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def node_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "NO_UPDATE_NOTIFIER": "1", **extra}
