"""Many concurrent tasks admit exactly the limit of each layer, on both backends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from behest.gateway.errors import RateLimited
from behest.gateway.limits import AdmissionRequest, GatewayLimits, Limiter, LimitPolicy

NOW = 1_750_000_000.0
TASKS = 400

SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any], int]] = {
    # name: (policy, request fields, expected admissions)
    "project rpm": ({"project": {"rpm": 137}}, {}, 137),
    "project tpm": ({"project": {"tpm": 700}}, {"estimated_tokens": 7}, 100),
    "user rpm": ({"user": {"rpm": 61}}, {}, 61),
    "ip rpm": ({"ip": {"rpm": 45}}, {}, 45),
    "credential rpm": ({"credentials": {"k": {"rpm": 77}}}, {"credential_id": "k"}, 77),
    "user daily tokens": (
        {"budgets": {"user": {"daily": {"tokens": 1000}}}},
        {"estimated_tokens": 10},
        100,
    ),
    "project monthly cost": (
        {"budgets": {"project": {"monthly": {"cost_usd": 1.0}}}},
        {"estimated_cost_usd": 0.01},
        100,
    ),
}


async def hammer(limiter: Limiter, request: AdmissionRequest, tasks: int) -> int:
    async def one() -> bool:
        await asyncio.sleep(0)
        try:
            await limiter.admit(request)
        except RateLimited:
            return False
        return True

    return sum(await asyncio.gather(*(one() for _ in range(tasks))))


@pytest.mark.parametrize("name", SCENARIOS)
async def test_concurrent_tasks_admit_exactly_the_limit(limiter: Limiter, name: str) -> None:
    policy, fields, expected = SCENARIOS[name]
    request = AdmissionRequest(
        "p1", "u1", "10.1.1.1", LimitPolicy.from_dict(policy), now=NOW, **fields
    )
    assert await hammer(limiter, request, TASKS) == expected


async def test_concurrency_cap_admits_exactly_the_cap(limiter: Limiter) -> None:
    limiter.gateway = GatewayLimits(concurrency=33)
    request = AdmissionRequest("p1", "u1", None, LimitPolicy(), now=NOW)
    assert await hammer(limiter, request, TASKS) == 33
