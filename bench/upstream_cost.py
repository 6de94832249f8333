"""The upstream client's CPU per request: ``Upstream.send`` (a chat completion) and
``Upstream.stream`` (a streamed one, read to its end) against the mock OpenAI server,
which runs in a process of its own so that only the client's time is counted.

``--concurrency`` tasks send side by side (1: one at a time; 16: what ``plain-16`` keeps
in flight). Process CPU time per request (``time.process_time``) and wall time per
request; a warm-up round, then the best of ``--rounds``. On uvloop, as the server runs
(``--loop asyncio`` for the standard loop). Point PYTHONPATH at another checkout's
``src`` to measure its client the same way; ``--url`` uses a mock already running
(for callgrind: run twice with different ``--requests`` and divide the difference).

    python bench/upstream_cost.py [--requests 2000] [--rounds 3] [--concurrency 1,16]
                                  [--stream-words 20] [--loop asyncio] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import cores, free_port, spawn, wait_ready

from behest.gateway.providers.base import UpstreamRequest
from behest.gateway.routing.policy import Timeouts
from behest.gateway.upstream.client import Upstream

MESSAGES = [{"role": "user", "content": "Say hello in a few words, please."}]


def _request(url: str, stream: bool) -> UpstreamRequest:
    body = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": stream}
    headers = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}
    return UpstreamRequest("POST", f"{url}/v1/chat/completions", headers, orjson.dumps(body))


async def _one(upstream: Upstream, request: UpstreamRequest) -> None:
    limits = upstream.limits(Timeouts())
    if not request.stream:
        reply = await upstream.send(request, limits)
        assert reply.status == 200, reply.body
        return
    async with upstream.stream(request, limits) as response:
        assert response.status == 200
        async for _ in response.chunks():
            pass


async def _round(
    upstream: Upstream, request: UpstreamRequest, count: int, concurrency: int
) -> tuple[float, float]:
    share = max(1, count // concurrency)

    async def worker() -> None:
        for _ in range(share):
            await _one(upstream, request)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    done = share * concurrency
    return (time.process_time() - cpu) / done * 1e6, (time.perf_counter() - wall) / done * 1e6


async def measure(
    url: str, stream: bool, count: int, rounds: int, concurrency: int
) -> tuple[float, float]:
    upstream = Upstream()
    await upstream.start()
    request = _request(url, stream)
    try:
        await _round(upstream, request, max(concurrency, count // 5), concurrency)  # warm-up
        best = [await _round(upstream, request, count, concurrency) for _ in range(rounds)]
    finally:
        await upstream.close()
    return min(cpu for cpu, _ in best), min(wall for _, wall in best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--stream-words", type=int, default=20)
    parser.add_argument("--modes", default="send,stream")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--url", help="a mock OpenAI server already running")
    args = parser.parse_args()
    run = uvloop.run if args.loop == "uvloop" else asyncio.run
    mock = None
    url = args.url
    if url is None:
        port = free_port()
        command = [sys.executable, "-m", "behest.testing.mock_openai", "--port", str(port)]
        command += ["--reply-words", str(args.stream_words)]
        mock = spawn("mock", command, core=cores()[1], log_dir=Path(tempfile.gettempdir()))
        url = f"http://127.0.0.1:{port}"
        wait_ready(mock, f"{url}/v1/models", 20)
    try:
        print("| call | concurrency | CPU µs per request | wall µs per request |")
        print("| --- | ---: | ---: | ---: |")
        for concurrency in (int(level) for level in args.concurrency.split(",")):
            for mode in args.modes.split(","):
                cpu, wall = run(
                    measure(url, mode == "stream", args.requests, args.rounds, concurrency)
                )
                print(f"| {mode} | {concurrency} | {cpu:.1f} | {wall:.1f} |", flush=True)
    finally:
        if mock is not None:
            mock.stop()


if __name__ == "__main__":
    main()
