"""The limiter's CPU per request, in process: one admit and one settle per cycle, every
limit layer of the benchmark's full pipeline (project, user and credential RPM/TPM, IP
RPM, 8 budget counters), on the in-process limiter and on Redis.

``--concurrency`` tasks run cycles side by side (1: one at a time; 16: what
``plain-16`` keeps in flight). Process CPU time per cycle (``time.process_time``, this
process only), the Redis server's CPU per cycle (``INFO cpu`` of its main thread, so
other clients of that server count too) and wall time per cycle; a warm-up round, then
the best of ``--rounds``. On uvloop, as the server runs
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


Timing = tuple[float, float, float]  # CPU, Redis server CPU, wall: µs per cycle


async def _round(
    limiter: Limiter, server: redis.Redis | None, cycles: int, concurrency: int
) -> Timing:
    policy, share = _policy(), cycles // concurrency
    served = _server_cpu(server)
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(_cycles(limiter, policy, i * share, share) for i in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    served = _server_cpu(server) - served
    done = share * concurrency
    return cpu / done * 1e6, served / done * 1e6, wall / done * 1e6


def _server_cpu(server: redis.Redis | None) -> float:
    if server is None:
        return 0.0
    info = server.info("cpu")
    return float(info["used_cpu_user_main_thread"]) + float(info["used_cpu_sys_main_thread"])


async def measure(url: str | None, cycles: int, rounds: int, concurrency: int) -> Timing:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    limiter = build_limiter(url, key_prefix=prefix)
    server = redis.Redis.from_url(url) if url else None
    try:
        await _round(limiter, server, max(concurrency, cycles // 5), concurrency)  # warm-up
        best = [await _round(limiter, server, cycles, concurrency) for _ in range(rounds)]
    finally:
        await limiter.aclose()
        if server is not None:
            _drop(server, prefix)
            server.close()
    return tuple(min(timing[i] for timing in best) for i in range(3))  # type: ignore[return-value]


def _drop(server: redis.Redis, prefix: str) -> None:
    keys = list(server.scan_iter(match=prefix + "*", count=1000))
    if keys:
        server.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    run = uvloop.run if args.loop == "uvloop" else asyncio.run
    print("| backend | concurrency | CPU µs per admit+settle | Redis CPU µs | wall µs per cycle |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for concurrency in (int(level) for level in args.concurrency.split(",")):
        for name, url in (("in process", None), ("Redis", args.redis or None)):
            if name == "Redis" and url is None:
                continue
            cpu, served, wall = run(measure(url, args.cycles, args.rounds, concurrency))
            server = f"{served:.1f}" if url else "-"
            print(f"| {name} | {concurrency} | {cpu:.1f} | {server} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
