"""Real processes for end-to-end tests: the gateway and mock upstreams on free ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any, dict[str, str]]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            status, response_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        payload, status, response_headers = error.read(), error.code, dict(error.headers)
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        parsed = payload.decode()
    return status, parsed, {k.lower(): v for k, v in response_headers.items()}


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Returns once ``url`` answers; otherwise kills ``process`` (no orphan left) and raises."""
    try:
        _poll_ready(url, process, timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise


def _poll_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@dataclass
class Process:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_mock(provider: str, log_dir: Path, reply_words: int = 0) -> Process:
    port = free_port()
    log_path = log_dir / f"mock-{provider}-{port}.log"
    args = [
        sys.executable,
        "-m",
        "behest.gateway.cli",
        "mock-upstream",
        "--provider",
        provider,
        "--port",
        str(port),
    ]
    if reply_words:
        args += ["--reply-words", str(reply_words)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/__mock__/last_request", process)
    return Process(url, process, log_path)


def start_gateway(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> Process:
    port = free_port()
    env = {
        **os.environ,
        "BEHEST_DATA_DIR": str(data_dir),
        "BEHEST_PORT": str(port),
        "BEHEST_ADMIN_TOKEN": "admin-test-token",
        "BEHEST_LOG_LEVEL": "DEBUG",
        "BEHEST_CONFIG_POLL_S": "0.2",
        **(extra_env or {}),
    }
    log_path = data_dir.parent / f"gateway-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "behest.gateway.cli", "serve"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/healthz", process)
    return Process(url, process, log_path, env)
