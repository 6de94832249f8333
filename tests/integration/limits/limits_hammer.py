"""One gateway-like process hammering a shared Redis; run by test_limits_multiprocess.

Usage: python limits_hammer.py REDIS_URL KEY_PREFIX WORKERS
Prints one JSON object: scenario name -> admitted count (and timing for the clock run).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from behest.gateway.errors import RateLimited
from behest.gateway.limits import AdmissionRequest, GatewayLimits, LimitPolicy, RedisLimiter
from behest.gateway.limits.resp import RespClient

NOW = 1_750_000_000.0
TASKS = 16
ATTEMPTS = 12

# name: (policy, request fields, frozen clock?)
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    "project rpm": ({"project": {"rpm": 137}}, {}, True),
    "project tpm": ({"project": {"tpm": 700}}, {"estimated_tokens": 7}, True),
    "user rpm": ({"user": {"rpm": 61}}, {}, True),
    "ip rpm": ({"ip": {"rpm": 45}}, {}, True),
    "credential rpm": ({"credentials": {"k": {"rpm": 77}}}, {"credential_id": "k"}, True),
    "user daily tokens": (
        {"budgets": {"user": {"daily": {"tokens": 1000}}}},
        {"estimated_tokens": 10},
        True,
    ),
    "project monthly cost": (
        {"budgets": {"project": {"monthly": {"cost_usd": 1.0}}}},
        {"estimated_cost_usd": 0.01},
        True,
    ),
    "server clock rpm": ({"project": {"rpm": 90}}, {}, False),
}


async def attempts(limiter: RedisLimiter, request: AdmissionRequest) -> int:
    admitted = 0
    for _ in range(ATTEMPTS):
        try:
            await limiter.admit(request)
        except RateLimited:
            continue
        admitted += 1
    return admitted


async def scenario(limiter: RedisLimiter, name: str) -> int:
    policy, fields, frozen = SCENARIOS[name]
    project = name.replace(" ", "-")
    request = AdmissionRequest(
        project,
        "u1",
        "10.0.0.1",
        LimitPolicy.from_dict(policy),
        now=NOW if frozen else None,
        **fields,
    )
    return sum(await asyncio.gather(*(attempts(limiter, request) for _ in range(TASKS))))


async def concurrency(url: str, prefix: str) -> int:
    limiter = RedisLimiter(
        RespClient.from_url(url), key_prefix=prefix + "cc:", gateway=GatewayLimits(concurrency=23)
    )
    request = AdmissionRequest("cc", "u1", None, LimitPolicy(), now=NOW)
    try:
        return await scenario_held(limiter, request)
    finally:
        await limiter.aclose()


async def scenario_held(limiter: RedisLimiter, request: AdmissionRequest) -> int:
    return sum(await asyncio.gather(*(attempts(limiter, request) for _ in range(TASKS))))


async def barrier(limiter: RedisLimiter, workers: int) -> None:
    ready = limiter.keys.prefix + "ready"
    await limiter.client.execute("INCR", ready)
    while int(await limiter.client.execute("GET", ready) or 0) < workers:
        await asyncio.sleep(0.005)


async def main(url: str, prefix: str, workers: int) -> dict[str, Any]:
    limiter = RedisLimiter(RespClient.from_url(url), key_prefix=prefix)
    await limiter.admit(AdmissionRequest("warm", None, None, LimitPolicy(), now=NOW))
    await barrier(limiter, workers)
    started = time.time()
    names = list(SCENARIOS)
    counts = await asyncio.gather(*(scenario(limiter, n) for n in names), concurrency(url, prefix))
    result: dict[str, Any] = dict(zip([*names, "concurrency"], counts, strict=True))
    result["started"], result["ended"] = started, time.time()
    await limiter.aclose()
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))))
