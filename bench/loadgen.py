"""An asyncio + aiohttp load generator: closed loop, N connections, for a fixed time.

Used for streams (time to first byte, whole-stream time) and for plain requests when
``wrk`` is not installed. Prints one JSON object (see ``Summary``) on stdout.

    python bench/loadgen.py --url http://127.0.0.1:8080/v1/chat/completions \
        --body body.json --tokens tokens.txt --connections 16 --duration 10 [--stream]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

DONE = b"data: [DONE]"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0 to 100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    ttfb_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def fail(self, reason: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or reason


@dataclass
class Summary:
    requests: int
    errors: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    ttfb_p50_ms: float
    ttfb_p90_ms: float
    ttfb_p99_ms: float
    first_error: str
    tool: str = "asyncio"


def line_headers(line: str) -> dict[str, str]:
    """A tokens-file line: a bearer token ("-" for none), then optional Name:value words
    (the same format ``wrk_post.lua`` reads)."""
    token, *extra = line.split()
    headers = dict(word.split(":", 1) for word in extra)
    if token != "-":
        headers["Authorization"] = f"Bearer {token}"
    return headers


@dataclass(frozen=True)
class Shot:
    url: str
    body: bytes
    stream: bool


async def _one(
    session: aiohttp.ClientSession, shot: Shot, headers: dict[str, str], tally: Tally
) -> None:
    started = time.perf_counter()
    async with session.post(shot.url, data=shot.body, headers=headers) as response:
        if not shot.stream:
            await response.read()
            if response.status != 200:
                tally.fail(f"HTTP {response.status}")
                return
        else:
            first = await response.content.readany()
            tally.ttfb_ms.append((time.perf_counter() - started) * 1000)
            tail = first
            async for chunk in response.content.iter_any():
                tail = (tail + chunk)[-64:]
            if response.status != 200 or DONE not in tail:
                tally.fail(f"HTTP {response.status}, stream ended without [DONE]")
                return
    tally.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _worker(
    session: aiohttp.ClientSession,
    shot: Shot,
    tokens: itertools.cycle[dict[str, str]],
    deadline: float,
    tally: Tally,
) -> None:
    while time.perf_counter() < deadline:
        headers = {"Content-Type": "application/json", **next(tokens)}
        try:
            await _one(session, shot, headers, tally)
        except (aiohttp.ClientError, TimeoutError) as exc:
            tally.fail(type(exc).__name__)
            await asyncio.sleep(0.01)


async def run(args: argparse.Namespace) -> Summary:
    shot = Shot(args.url, Path(args.body).read_bytes(), args.stream)
    lines = Path(args.tokens).read_text().splitlines() if args.tokens else []
    tokens = itertools.cycle([line_headers(line) for line in lines if line.strip()] or [{}])
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        deadline = started + args.duration
        workers = [_worker(session, shot, tokens, deadline, tally) for _ in range(args.connections)]
        await asyncio.wait_for(asyncio.gather(*workers), args.duration + args.timeout + 5)
        elapsed = time.perf_counter() - started
    done = tally.latencies_ms
    return Summary(
        requests=len(done),
        errors=tally.errors,
        duration_s=elapsed,
        rps=len(done) / elapsed,
        p50_ms=percentile(done, 50),
        p90_ms=percentile(done, 90),
        p99_ms=percentile(done, 99),
        ttfb_p50_ms=percentile(tally.ttfb_ms, 50),
        ttfb_p90_ms=percentile(tally.ttfb_ms, 90),
        ttfb_p99_ms=percentile(tally.ttfb_ms, 99),
        first_error=tally.first_error,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True, help="file holding the request body")
    parser.add_argument("--tokens", default="", help="file of bearer tokens, one a line")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--stream", action="store_true")
    summary = asyncio.run(run(parser.parse_args()))
    print(json.dumps(asdict(summary)))


if __name__ == "__main__":
    main()
