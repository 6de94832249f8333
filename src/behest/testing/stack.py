"""A whole local stack for tests in other languages: mocks, a gateway, a project and a key.

``python -m behest.testing.stack`` starts the three mock upstreams and one gateway on free
ports of 127.0.0.1, creates a project whose credentials point at the mocks, prints one JSON
line and keeps everything running until its standard input closes or it gets SIGTERM:

    {"gateway_url": "http://127.0.0.1:PORT", "admin_token": "...", "project_id": "proj_...",
     "api_key": "behest_sk_live_...", "mocks": {"openai": "http://...", ...},
     "models": {"openai": "gpt-4o-mini", ...}, "embedding_models": {...}, "data_dir": "..."}

The Node suites (SDK, real-client tests) and browser tests drive behest through it, the way
a user would: over HTTP only. ``--settings`` gives the project's settings as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHAT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
}
EMBEDDING_MODELS = {"openai": "text-embedding-3-small", "gemini": "gemini-embedding-001"}
_CREDENTIAL_MODELS = {
    "openai": ("/v1", ["gpt-*", "text-embedding-*", "omni-moderation-*", "o*"]),
    "anthropic": ("", ["claude-*"]),
    "gemini": ("", ["gemini-*"]),
}
_ADMIN_TOKEN = "admin-stack-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def _admin(gateway_url: str, path: str, body: object, method: str = "POST") -> Any:
    request = urllib.request.Request(
        f"{gateway_url}/admin/v1{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {_ADMIN_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@dataclass
class Stack:
    """The running processes; ``stop()`` ends them all."""

    data_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    mocks: dict[str, str] = field(default_factory=dict)
    gateway_url: str = ""

    def start_process(self, args: list[str], env: dict[str, str], log_name: str) -> None:
        with (self.data_dir.parent / log_name).open("wb") as log:
            process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.processes.append(process)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start(root: Path, settings: dict[str, Any], gateway_env: dict[str, str]) -> Stack:
    stack = Stack(data_dir=root / "data")
    stack.data_dir.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "behest.gateway.cli"]
    try:
        for provider in _CREDENTIAL_MODELS:
            port = _free_port()
            stack.start_process(
                [*cli, "mock-upstream", "--provider", provider, "--port", str(port)],
                dict(os.environ),
                f"mock-{provider}.log",
            )
            stack.mocks[provider] = f"http://127.0.0.1:{port}"
        port = _free_port()
        env = {
            **os.environ,
            "BEHEST_DATA_DIR": str(stack.data_dir),
            "BEHEST_PORT": str(port),
            "BEHEST_ADMIN_TOKEN": _ADMIN_TOKEN,
            "BEHEST_CONFIG_POLL_S": "0.2",
            **gateway_env,
        }
        stack.start_process([*cli, "serve"], env, "gateway.log")
        stack.gateway_url = f"http://127.0.0.1:{port}"
        for process, url in zip(
            stack.processes,
            [
                *(f"{u}/__mock__/last_request" for u in stack.mocks.values()),
                stack.gateway_url + "/healthz",
            ],
            strict=True,
        ):
            _wait_ready(url, process)
    except BaseException:
        stack.stop()
        raise
    return stack


def provision(stack: Stack, settings: dict[str, Any]) -> dict[str, Any]:
    """A project with one credential per mock provider and one API key."""
    project = _admin(stack.gateway_url, "/projects", {"name": "stack", "settings": settings})
    for provider, (suffix, models) in _CREDENTIAL_MODELS.items():
        credential = {
            "provider": provider,
            "base_url": stack.mocks[provider] + suffix,
            "api_key": f"mock-key-{provider}",
            "models": models,
        }
        _admin(stack.gateway_url, f"/projects/{project['id']}/credentials", credential)
    key = _admin(stack.gateway_url, f"/projects/{project['id']}/keys", {"name": "stack"})
    return {
        "gateway_url": stack.gateway_url,
        "admin_token": _ADMIN_TOKEN,
        "project_id": project["id"],
        "api_key": key["key"],
        "mocks": stack.mocks,
        "models": CHAT_MODELS,
        "embedding_models": EMBEDDING_MODELS,
        "data_dir": str(stack.data_dir),
    }


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m behest.testing.stack", description=__doc__)
    parser.add_argument("--settings", default="{}", help="the project's settings, as JSON")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra gateway setting"
    )
    parser.add_argument("--dir", help="where state and logs go (default: a new temporary folder)")
    return parser.parse_args(argv)


def _stop_at_end_of_input(stopped: threading.Event) -> None:
    sys.stdin.read()
    stopped.set()


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="behest-stack-"))
    gateway_env = dict(item.split("=", 1) for item in args.env)
    settings = json.loads(args.settings)
    stack = start(root, settings, gateway_env)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        print(json.dumps(provision(stack, settings)), flush=True)
        threading.Thread(target=_stop_at_end_of_input, args=(stopped,), daemon=True).start()
        stopped.wait()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
