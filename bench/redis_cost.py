"""The limiter's CPU per request, in process: one admit and one settle per cycle, every
limit layer of the benchmark's full pipeline (project, user and credential RPM/TPM, IP
RPM, 8 budget counters), on the in-process limiter and on Redis.

``--concurrency`` tasks run cycles side by side (1: one at a time; 16: what
``plain-16`` keeps in flight). Process CPU time per cycle (``time.process_time``, this
process only: the Redis server's own time is not counted) and wall time per cycle; a
warm-up round, then the best of ``--rounds``. On uvloop, as the server runs
(``--loop asyncio`` for the standard loop). The difference between the Redis and the
in-process rows is what Redis adds per request on the gateway's CPU.

    python bench/redis_cost.py [--cycles 5000] [--rounds 3] [--concurrency 1,16]
                               [--redis redis://127.0.0.1:6379/0] [--loop asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import redis
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import FULL_SETTINGS, HUGE

from behest.gateway.limits import AdmissionRequest, Limiter, LimitPolicy, build_limiter

USERS = 1000


def _policy() -> LimitPolicy:
    limits = dict(FULL_SETTINGS["limits"])
    limits["credentials"] = {"cred_a": {"rpm": HUGE, "tpm": HUGE}}
    return LimitPolicy.from_dict(limits)


async def _cycles(limiter: Limiter, policy: LimitPolicy, first: int, count: int) -> None:
    for n in range(first, first + count):
        request = AdmissionRequest(
            "proj_bench",
            f"user-{n % USERS}",
            "10.0.0.1",
            policy,
            "cred_a",
            estimated_tokens=300,
            estimated_cost_usd=0.0003,
        )
        admission = await limiter.admit(request)
        await limiter.settle(admission, 120, 0.00012)


async def _round(limiter: Limiter, cycles: int, concurrency: int) -> tuple[float, float]:
    policy, share = _policy(), cycles // concurrency
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(_cycles(limiter, policy, i * share, share) for i in range(concurrency)))
    done = share * concurrency
    return (time.process_time() - cpu) / done * 1e6, (time.perf_counter() - wall) / done * 1e6


async def measure(
    url: str | None, cycles: int, rounds: int, concurrency: int
) -> tuple[float, float]:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    limiter = build_limiter(url, key_prefix=prefix)
    try:
        await _round(limiter, max(concurrency, cycles // 5), concurrency)  # warm-up
        best = [await _round(limiter, cycles, concurrency) for _ in range(rounds)]
    finally:
        await limiter.aclose()
        if url:
            _drop(url, prefix)
    return min(cpu for cpu, _ in best), min(wall for _, wall in best)


def _drop(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    run = uvloop.run if args.loop == "uvloop" else asyncio.run
    print("| backend | concurrency | CPU µs per admit+settle | wall µs per cycle |")
    print("| --- | ---: | ---: | ---: |")
    for concurrency in (int(level) for level in args.concurrency.split(",")):
        for name, url in (("in process", None), ("Redis", args.redis or None)):
            if name == "Redis" and url is None:
                continue
            cpu, wall = run(measure(url, args.cycles, args.rounds, concurrency))
            print(f"| {name} | {concurrency} | {cpu:.1f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
