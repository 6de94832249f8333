"""The cases, their request bodies, and one measurement: load a target, read its CPU."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procs import core_busy, cpu_seconds, pinned
from targets import ADMIN_TOKEN, LONG_MODEL, SHORT_MODEL, Target

BENCH_DIR = Path(__file__).resolve().parent
SYSTEM = "You are a helpful assistant. Answer briefly."
QUESTION = "Write a short greeting for a new colleague who starts on Monday."


@dataclass(frozen=True)
class Case:
    name: str
    connections: int
    stream: bool = False
    model: str = SHORT_MODEL
    prompt_kb: int = 0
    users: int = 0  # distinct users the requests rotate over (0: the run's --users)
    threads: bool = False  # each user continues its own long thread (X-Thread-Id)

    @property
    def chunks(self) -> int:
        return 1000 if self.model == LONG_MODEL else 20


CASES = (
    Case("plain-1", 1),
    Case("plain-16", 16),
    Case("plain-32", 32),
    Case("plain-64", 64),
    Case("stream-16", 16, stream=True),
    Case("prompt-100k-16", 16, prompt_kb=100),
    Case("stream-1000-16", 16, stream=True, model=LONG_MODEL),
    Case("users-10k-16", 16, users=10_000),
    Case("thread-long-16", 16, users=256, threads=True),
)


def tokens_for(target: Target, case: Case) -> Path:
    if case.threads and target.threads_file is not None:
        return target.threads_file
    if case.users and target.many_users_file is not None:
        return target.many_users_file
    return target.tokens_file


def body_for(case: Case) -> bytes:
    """The request; ``model`` first (the reference routes on the body's first bytes)."""
    question = QUESTION
    if case.prompt_kb:
        filler = "The quick brown fox jumps over the lazy dog near the river bank. "
        question += " " + filler * (case.prompt_kb * 1024 // len(filler))
    body: dict[str, Any] = {
        "model": case.model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "max_tokens": 2000 if case.model == LONG_MODEL else 64,
    }
    if case.stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class LoadSpec:
    duration_s: float
    core: str  # the load generator's core
    gateway_core: str
    tool: str  # "wrk", "asyncio" or "auto"
    workdir: Path


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _wrk(target: Target, case: Case, body_file: Path, spec: LoadSpec) -> dict[str, Any]:
    seconds = max(1, round(spec.duration_s))
    command = [
        "wrk",
        "-t1",
        f"-c{case.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "wrk_post.lua"),
        target.url_for(case.model),
        "--",
        str(body_file),
        str(tokens_for(target, case)),
    ]
    done = subprocess.run(
        pinned(command, spec.core),
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / result["duration_s"]
    result["first_error"] = f"{result['status_errors']} non-2xx" if result["errors"] else ""
    result["tool"] = "wrk"
    return result


def _asyncio(target: Target, case: Case, body_file: Path, spec: LoadSpec) -> dict[str, Any]:
    command = [
        sys.executable,
        str(BENCH_DIR / "loadgen.py"),
        "--url",
        target.url_for(case.model),
        "--body",
        str(body_file),
        "--tokens",
        str(tokens_for(target, case)),
        "--connections",
        str(case.connections),
        "--duration",
        str(spec.duration_s),
        "--timeout",
        "20",
    ]
    if case.stream:
        command.append("--stream")
    done = subprocess.run(
        pinned(command, spec.core),
        capture_output=True,
        text=True,
        timeout=spec.duration_s + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(target: Target, case: Case, spec: LoadSpec) -> dict[str, Any]:
    """Load ``target`` with ``case`` for the spec's duration; CPU from /proc around it."""
    body_file = spec.workdir / f"{case.name}.json"
    if not body_file.exists():
        body_file.write_bytes(body_for(case))
    with scraping(target):
        return _measure(target, case, spec, body_file)


@contextmanager
def scraping(target: Target, every_s: float = 1.0) -> Iterator[None]:
    """While loaded, GET the target's ``scrape_url`` once a second, as Prometheus would."""
    if not target.scrape_url:
        yield
        return
    stop = threading.Event()

    def scrape() -> None:
        while not stop.wait(every_s):
            request = urllib.request.Request(target.scrape_url)
            request.add_header("Authorization", f"Bearer {ADMIN_TOKEN}")
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()

    thread = threading.Thread(target=scrape, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=15)


def _measure(target: Target, case: Case, spec: LoadSpec, body_file: Path) -> dict[str, Any]:
    use_wrk = not case.stream and spec.tool != "asyncio" and wrk_available()
    cpu_before, busy_before = cpu_seconds(target.proc.pid), core_busy(spec.core)
    gateway_before = core_busy(spec.gateway_core)
    result = (_wrk if use_wrk else _asyncio)(target, case, body_file, spec)
    if use_wrk and not result["requests"] and not result["errors"]:
        # Slower than wrk's window (it drops requests still in flight): the asyncio
        # client waits for them, so a very slow target still gets a number.
        cpu_before, busy_before = cpu_seconds(target.proc.pid), core_busy(spec.core)
        gateway_before = core_busy(spec.gateway_core)
        result = _asyncio(target, case, body_file, spec)
    cpu_used = cpu_seconds(target.proc.pid) - cpu_before
    busy_after, gateway_after = core_busy(spec.core), core_busy(spec.gateway_core)
    requests = result["requests"]
    result.update(
        target=target.name,
        case=case.name,
        cpu_ms_per_req=cpu_used * 1000 / requests if requests else 0.0,
        core_pct=100 * cpu_used / result["duration_s"],
        loadgen_core_pct=_pct(busy_before, busy_after),
    )
    if target.name != "direct":  # CPU on the gateway's core that the gateway did not use
        gateway_pct = _pct(gateway_before, gateway_after)
        result["other_core_pct"] = max(0.0, gateway_pct - result["core_pct"])
    result.setdefault("ttfb_p50_ms", 0.0)
    result.setdefault("ttfb_p99_ms", 0.0)
    return result


def _pct(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return 100 * (after[0] - before[0]) / total if total else 0.0
