"""Faults with real processes on 127.0.0.1: a misbehaving upstream, a client that leaves
mid-stream, SIGTERM during streams, and a slow-loris client.

The gateway runs with ``BEHEST_UPSTREAM_TIMEOUT_S=2`` and ``BEHEST_HEADER_TIMEOUT_S=1``;
its upstream is ``raw_upstream.RawUpstream`` (hangs, trickles, resets, slow streams).
Every wait is bounded; the measured times are printed (``-s``).
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

import pytest
from raw_upstream import RawUpstream
from tenancy import ADMIN

from servers import Process, http, start_gateway

UPSTREAM_TIMEOUT_S = 2
HEADER_TIMEOUT_S = 1
BODY_TIMEOUT_S = 1
STREAM_MODELS = ["m-60-100", "m-20-100", "m-3-10"]  # m-<chunks>-<ms between chunks>


@dataclass
class Stack:
    gateway: Process
    upstream: RawUpstream
    project_id: str
    key: str
    data_dir: Path

    def request(self, model: str, *, stream: bool = False) -> HTTPConnection:
        """Sends a chat request and returns the connection, its response not yet read."""
        host, port = self.gateway.url.removeprefix("http://").split(":")
        conn = HTTPConnection(host, int(port), timeout=15)
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        headers = {
            "Authorization": f"Bearer {self.key}",
            "X-End-User-Id": "fault-user",
            "Content-Type": "application/json",
        }
        conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
        return conn

    def usage_rows(self, request_id: str) -> list[sqlite3.Row]:
        with sqlite3.connect(self.data_dir / "behest.db") as db:
            db.row_factory = sqlite3.Row
            query = "SELECT * FROM usage_records WHERE request_id = ?"
            return list(db.execute(query, (request_id,)))

    def wait_usage(self, request_id: str, timeout: float = 5.0) -> list[sqlite3.Row]:
        deadline = time.monotonic() + timeout
        while not (rows := self.usage_rows(request_id)):
            assert time.monotonic() < deadline, f"no usage record for {request_id}"
            time.sleep(0.05)
        return rows


def _provision(gateway: Process, upstream: RawUpstream) -> tuple[str, str]:
    admin = f"{gateway.url}/admin/v1"
    settings = {"allow_api_key_access": True}
    _, project, _ = http(
        "POST", f"{admin}/projects", {"name": "faults", "settings": settings}, token=ADMIN
    )
    project_id = project["id"]
    _, key, _ = http("POST", f"{admin}/projects/{project_id}/keys", {"name": "k"}, token=ADMIN)
    for mode, models in [
        ("hang", ["m-hang"]),
        ("trickle", ["m-trickle"]),
        ("reset", ["m-reset"]),
        ("stream", STREAM_MODELS),
    ]:
        credential = {
            "provider": "openai",
            "name": mode,
            "base_url": f"{upstream.url}/{mode}/v1",
            "api_key": "sk-raw",
            "models": models,
        }
        status, body, _ = http(
            "POST", f"{admin}/projects/{project_id}/credentials", credential, token=ADMIN
        )
        assert status == 201, body
    deadline = time.monotonic() + 10
    while True:  # the snapshot has every credential
        _, models, _ = http(
            "GET", f"{gateway.url}/v1/models", token=key["key"], headers={"X-End-User-Id": "probe"}
        )
        if len(models.get("data", [])) >= 6:
            return project_id, key["key"]
        assert time.monotonic() < deadline, models
        time.sleep(0.05)


def _start(tmp: Path, upstream_timeout_s: int = UPSTREAM_TIMEOUT_S, workers: int = 1) -> Stack:
    upstream = RawUpstream().start()
    env = {
        "BEHEST_WORKERS": str(workers),
        "BEHEST_UPSTREAM_TIMEOUT_S": str(upstream_timeout_s),
        "BEHEST_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
        "BEHEST_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
        "BEHEST_LOG_LEVEL": "INFO",
    }
    gateway = start_gateway(tmp / "data", extra_env=env)
    project_id, key = _provision(gateway, upstream)
    return Stack(gateway, upstream, project_id, key, tmp / "data")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = _start(tmp_path_factory.mktemp("faults"))
    yield started
    started.gateway.stop()
    started.upstream.stop()


def _timed(stack: Stack, model: str, stream: bool = False) -> tuple[int, dict, float, str]:
    began = time.monotonic()
    conn = stack.request(model, stream=stream)
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    return response.status, body, time.monotonic() - began, response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("model", "stream", "status", "code"),
    [
        ("m-hang", False, 504, None),
        ("m-hang", True, 504, None),
        ("m-trickle", False, 504, None),
        ("m-reset", False, 502, None),
        ("m-reset", True, 502, None),
    ],
)
def test_a_broken_upstream_is_a_clear_502_or_504_within_the_timeout(
    stack: Stack, model: str, stream: bool, status: int, code: str | None
) -> None:
    got, body, took, request_id = _timed(stack, model, stream)
    print(f"{model} stream={stream}: {got} in {took:.2f}s")
    assert got == status, body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    bound = UPSTREAM_TIMEOUT_S + 1.5 if status == 504 else 1.5
    assert took < bound, took
    if status == 504:
        assert took >= UPSTREAM_TIMEOUT_S - 0.1, took
    rows = stack.wait_usage(request_id)
    assert [row["status"] for row in rows] == [status]


def test_a_client_leaving_mid_stream_cancels_the_upstream_and_settles_usage(
    stack: Stack,
) -> None:
    conn = stack.request("m-60-100", stream=True)  # 6 s if read to the end
    response = conn.getresponse()
    request_id = response.headers["x-request-id"]
    seen = b""
    while seen.count(b"data: ") < 3:
        seen += response.read1(4096)  # type: ignore[attr-defined]
    left = time.monotonic()
    conn.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
    conn.close()
    deadline = left + 3
    while not [e for e in stack.upstream.events if e.mode == "stream"]:
        assert time.monotonic() < deadline, "the upstream call was not cancelled"
        time.sleep(0.02)
    event = next(e for e in stack.upstream.events if e.mode == "stream")
    assert event.what == "closed_early" and event.chunks_sent < 60, event
    rows = stack.wait_usage(request_id)
    print(
        f"client left after 3 frames: upstream closed {event.at - left:.2f}s later after "
        f"{event.chunks_sent} chunks; usage status {rows[0]['status']}, "
        f"output tokens {rows[0]['output_tokens']}"
    )
    assert len(rows) == 1 and rows[0]["status"] == 499, dict(rows[0])
    assert rows[0]["output_tokens"] > 0  # what was streamed before the client left


def test_a_slow_loris_client_is_cut_off_after_the_header_timeout(stack: Stack) -> None:
    host, port = stack.gateway.url.removeprefix("http://").split(":")
    began = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        closed_after = None
        for byte in b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200:
            try:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.1)
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - began
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - began
                break
    print(f"slow-loris: connection closed after {closed_after}s")
    assert closed_after is not None, "the server never closed the connection"
    assert HEADER_TIMEOUT_S - 0.2 <= closed_after < HEADER_TIMEOUT_S + 1.5
    status, _, _ = http("GET", f"{stack.gateway.url}/healthz")
    assert status == 200


def test_a_slow_body_is_a_408_after_the_body_timeout(stack: Stack) -> None:
    host, port = stack.gateway.url.removeprefix("http://").split(":")
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {stack.key}\r\nX-End-User-Id: slow\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode())
        began = time.monotonic()
        sock.settimeout(0.2)
        answer = b""
        while time.monotonic() - began < BODY_TIMEOUT_S + 3:
            try:
                sock.sendall(b" ")  # one byte of the promised thousand every 0.2 s
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:  # the answer's headers: that is the measure
                break
        took = time.monotonic() - began
    print(f"slow body: {answer.split(b' ', 2)[1].decode()} after {took:.2f}s")
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"x-request-id" in answer.lower(), answer
    assert BODY_TIMEOUT_S - 0.2 <= took < BODY_TIMEOUT_S + 1.5


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_streams_refuses_new_connections_and_flushes_usage(
    tmp_path: Path, workers: int
) -> None:
    stack = _start(tmp_path, upstream_timeout_s=30, workers=workers)  # it bounds streams too
    children = _children(stack.gateway.process.pid)
    try:
        if workers > 1:
            time.sleep(4 * 0.2)  # every worker's snapshot has the credentials (polled)
        _drain(stack)
    finally:
        stack.gateway.stop()
        stack.upstream.stop()
    deadline = time.monotonic() + 5
    while alive := [pid for pid in children if Path(f"/proc/{pid}").exists()]:
        assert time.monotonic() < deadline, f"workers left running: {alive}"
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _read_stream(stack: Stack) -> tuple[str, bytes]:
    conn = stack.request("m-20-100", stream=True)  # 2 s of stream
    response = conn.getresponse()
    return response.headers["x-request-id"], response.read()


def _drain(stack: Stack) -> None:
    with ThreadPoolExecutor(3) as pool:
        streams = [pool.submit(_read_stream, stack) for _ in range(3)]
        time.sleep(0.5)  # every stream is under way
        stack.gateway.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        refused_after = None
        host, port = stack.gateway.url.removeprefix("http://").split(":")
        while refused_after is None and time.monotonic() - signalled < 3:
            try:
                socket.create_connection((host, int(port)), timeout=0.5).close()
                time.sleep(0.02)
            except OSError:
                refused_after = time.monotonic() - signalled
        results = [future.result(timeout=15) for future in streams]
    stack.gateway.process.wait(timeout=15)
    exited_after = time.monotonic() - signalled
    print(
        f"SIGTERM: new connections refused after {refused_after}s, 3 streams finished, "
        f"process exited after {exited_after:.2f}s"
    )
    assert refused_after is not None and refused_after < 1.0
    for request_id, body in results:
        assert body.rstrip().endswith(b"data: [DONE]"), body[-200:]
        assert body.count(b'"content":"word "') == 20
        rows = stack.usage_rows(request_id)  # written before the process exited
        assert [row["status"] for row in rows] == [200], request_id
        assert rows[0]["output_tokens"] == 20
    assert exited_after < 10
