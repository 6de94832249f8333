"""Soak: a bounded run of many requests against a local stack, then the leak checks.

Starts the mock upstreams and one gateway (``behest.testing.stack``), a project with a
user rate limit and PII redaction on, and sends ``--requests`` requests (default 100,000)
from ``--concurrency`` connections: chat and streamed chat mixed, some with an e-mail
address for the guard, a few users hot enough to be rate-limited. While it runs it samples
the gateway's RSS and open fds (from /proc) and its asyncio task count (``/metrics``);
at the end it waits for the usage queue to drain, stops the gateway with SIGTERM and
checks that every request sent has exactly one usage record. Prints one JSON report.

    python bench/soak.py [--requests 100000] [--concurrency 64]

Not part of the test suite (minutes, not seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sqlite3
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from behest.testing import stack as local_stack

SETTINGS = {"limits": {"user": {"rpm": 400}}, "guard": {"pii_mode": "redact"}}
USERS = [f"user-{n}" for n in range(200)]
HOT_USERS = ["hot-1", "hot-2"]  # past the user rpm within seconds: the 429 path
STREAM_SHARE, EMAIL_SHARE, HOT_SHARE = 0.4, 0.2, 0.05


@dataclass
class Sample:
    at_s: float
    done: int
    rss_kib: int
    fds: int
    tasks: int


@dataclass
class Run:
    gateway: str
    admin: str
    api_key: str
    pid: int
    tokens: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: int = 0
    done: int = 0
    samples: list[Sample] = field(default_factory=list)


def _proc(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def _metric(session: aiohttp.ClientSession, run: Run, name: str) -> float:
    headers = {"Authorization": f"Bearer {run.admin}"}
    async with session.get(f"{run.gateway}/metrics", headers=headers) as reply:
        text = await reply.text()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return -1.0


async def _mint(session: aiohttp.ClientSession, run: Run) -> None:
    headers = {"Authorization": f"Bearer {run.api_key}"}
    for user in USERS + HOT_USERS:
        body = {"user_id": user}
        async with session.post(f"{run.gateway}/v1/auth/mint", json=body, headers=headers) as r:
            run.tokens[user] = (await r.json())["access_token"]


def _request(n: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    user = rng.choice(HOT_USERS) if rng.random() < HOT_SHARE else rng.choice(USERS)
    text = f"request {n}: summarise the plan"
    if rng.random() < EMAIL_SHARE:
        text += f" and mail it to person{n}@example.com"
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": text}],
        "stream": rng.random() < STREAM_SHARE,
    }
    return user, body


async def _worker(session: aiohttp.ClientSession, run: Run, numbers: Any, seed: int) -> None:
    rng = random.Random(seed)
    url = f"{run.gateway}/v1/chat/completions"
    for n in numbers:
        user, body = _request(n, rng)
        headers = {"Authorization": f"Bearer {run.tokens[user]}", "x-request-id": f"soak-{n}"}
        run.sent += 1
        async with session.post(url, json=body, headers=headers) as reply:
            await reply.read()  # the whole body, streams to their [DONE]
            run.statuses[reply.status] += 1
        run.done += 1


async def _sampler(session: aiohttp.ClientSession, run: Run, every_s: float) -> None:
    started = time.monotonic()
    while True:
        rss, fds = _proc(run.pid)
        tasks = int(await _metric(session, run, "behest_asyncio_tasks"))
        run.samples.append(Sample(round(time.monotonic() - started, 1), run.done, rss, fds, tasks))
        await asyncio.sleep(every_s)


def _slope_kib_per_10k(samples: list[Sample]) -> float:
    """Least squares of RSS over requests done, second half of the run (after warm-up)."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return 0.0
    xs, ys = [s.done for s in half], [s.rss_kib for s in half]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return 0.0 if var == 0 else cov / var * 10_000


async def _drive(run: Run, total: int, concurrency: int, every_s: float) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency + 4)
    async with aiohttp.ClientSession(connector=connector) as session:
        await _mint(session, run)
        numbers = iter(range(total))
        sampler = asyncio.create_task(_sampler(session, run, every_s))
        started = time.monotonic()
        await asyncio.gather(*(_worker(session, run, numbers, i) for i in range(concurrency)))
        elapsed = time.monotonic() - started
        for _ in range(120):  # the usage queue written out
            if await _metric(session, run, "behest_usage_queue_depth") == 0:
                break
            await asyncio.sleep(0.5)
        sampler.cancel()
    await asyncio.sleep(2.0)  # the load's connections closed: what is left is a leak
    async with aiohttp.ClientSession() as session:
        rss, fds = _proc(run.pid)
        tasks = int(await _metric(session, run, "behest_asyncio_tasks"))
        run.samples.append(Sample(round(elapsed, 1), run.done, rss, fds, tasks))
    return elapsed


def _records(data_dir: Path, total: int) -> dict[str, int]:
    with sqlite3.connect(data_dir / "behest.db") as db:
        rows = db.execute(
            "SELECT request_id, COUNT(*) FROM usage_records WHERE request_id LIKE 'soak-%' "
            "GROUP BY request_id"
        ).fetchall()
    counts = dict(rows)
    expected = {f"soak-{n}" for n in range(total)}
    return {
        "requests_with_a_record": len(expected & counts.keys()),
        "requests_without": len(expected - counts.keys()),
        "requests_with_several": sum(1 for c in counts.values() if c > 1),
        "records_total": sum(counts.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--sample-every", type=float, default=5.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="behest-soak-"))
    stack = local_stack.start(root, SETTINGS, {"BEHEST_LOG_LEVEL": "WARNING"})
    try:
        info = local_stack.provision(stack, SETTINGS)
        run = Run(stack.gateway_url, info["admin_token"], info["api_key"], stack.processes[-1].pid)
        elapsed = asyncio.run(_drive(run, args.requests, args.concurrency, args.sample_every))
    finally:
        stack.stop()  # SIGTERM: the gateway drains and flushes its usage queue
    first, last = run.samples[0], run.samples[-1]
    report = {
        "requests": run.done,
        "seconds": round(elapsed, 1),
        "requests_per_s": round(run.done / elapsed),
        "statuses": dict(run.statuses),
        "rss_kib": {"start": first.rss_kib, "end": last.rss_kib,
                    "peak": max(s.rss_kib for s in run.samples)},
        "rss_slope_kib_per_10k_requests_second_half": round(_slope_kib_per_10k(run.samples), 1),
        "open_fds": {"start": first.fds, "end": last.fds, "peak": max(s.fds for s in run.samples)},
        "asyncio_tasks": {"start": first.tasks, "end": last.tasks,
                          "peak": max(s.tasks for s in run.samples)},
        "usage": _records(Path(info["data_dir"]), run.done),
        "samples": [vars(s) for s in itertools.islice(run.samples, 0, None)],
    }  # fmt: skip
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
