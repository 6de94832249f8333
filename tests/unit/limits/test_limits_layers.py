"""Each rate layer, the concurrency cap, rejections and headers, on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.errors import RateLimited
from behest.gateway.limits import (
    Admission,
    AdmissionRequest,
    BudgetExceeded,
    GatewayLimits,
    Limiter,
    LimitPolicy,
)

NOW = 1_750_000_000.0


def policy(**data: Any) -> LimitPolicy:
    return LimitPolicy.from_dict(data)


def ask(
    pol: LimitPolicy,
    *,
    user: str | None = "u1",
    ip: str | None = "10.0.0.1",
    project: str = "p1",
    credential: str = "",
    tokens: int = 0,
    cost: float = 0.0,
    now: float = NOW,
    tier: str | None = None,
) -> AdmissionRequest:
    return AdmissionRequest(
        project,
        user,
        ip,
        pol,
        credential_id=credential,
        estimated_tokens=tokens,
        estimated_cost_usd=cost,
        tier=tier,
        now=now,
    )


async def admitted(limiter: Limiter, request: AdmissionRequest, times: int) -> int:
    count = 0
    for _ in range(times):
        try:
            await limiter.admit(request)
        except RateLimited:
            continue
        count += 1
    return count


async def test_no_policy_admits_everything_without_headers(limiter: Limiter) -> None:
    admission = await limiter.admit(ask(LimitPolicy()))
    assert admission.headers == {}
    assert await admitted(limiter, ask(LimitPolicy()), 50) == 50


async def test_project_rpm_counts_every_user(limiter: Limiter) -> None:
    pol = policy(project={"rpm": 5})
    for n in range(5):
        await limiter.admit(ask(pol, user=f"u{n}"))
    with pytest.raises(RateLimited) as caught:
        await limiter.admit(ask(pol, user="someone-else"))
    error = caught.value
    assert error.status == 429 and error.code == "rate_limit_exceeded"
    assert "project requests per minute" in error.message and "limit 5" in error.message
    assert error.headers["Retry-After"] == "12" and error.headers["retry-after-ms"] == "12000"
    assert "x-should-retry" not in error.headers
    assert await admitted(limiter, ask(pol, project="p2"), 5) == 5  # other projects unaffected


async def test_bucket_refills_continuously(limiter: Limiter) -> None:
    pol = policy(project={"rpm": 6})
    assert await admitted(limiter, ask(pol), 10) == 6
    assert await admitted(limiter, ask(pol, now=NOW + 9.9), 1) == 0
    assert await admitted(limiter, ask(pol, now=NOW + 10.0), 2) == 1  # one per 10 s
    assert await admitted(limiter, ask(pol, now=NOW + 70.0), 10) == 6  # full again


async def test_project_tpm_reserves_the_estimate(limiter: Limiter) -> None:
    pol = policy(project={"tpm": 1000})
    await limiter.admit(ask(pol, tokens=600))
    with pytest.raises(RateLimited, match="project tokens per minute"):
        await limiter.admit(ask(pol, tokens=500))
    admission = await limiter.admit(ask(pol, tokens=400))
    assert admission.headers["x-ratelimit-remaining-tokens"] == "0"


async def test_request_larger_than_the_limit_is_not_retryable(limiter: Limiter) -> None:
    with pytest.raises(RateLimited, match="Request too large") as caught:
        await limiter.admit(ask(policy(user={"tpm": 100}), tokens=101))
    assert caught.value.headers["x-should-retry"] == "false"


async def test_user_rpm_with_tiers_and_overrides(limiter: Limiter) -> None:
    pol = policy(user={"rpm": 2, "tiers": {"pro": {"rpm": 4}}, "overrides": {"vip": {"rpm": 6}}})
    assert await admitted(limiter, ask(pol, user="a"), 10) == 2
    assert await admitted(limiter, ask(pol, user="b"), 10) == 2
    assert await admitted(limiter, ask(pol, user="c", tier="pro"), 10) == 4
    assert await admitted(limiter, ask(pol, user="vip", tier="pro"), 10) == 6
    with pytest.raises(RateLimited, match="user requests per minute"):
        await limiter.admit(ask(pol, user="a"))


async def test_user_ids_cannot_collide_across_projects(limiter: Limiter) -> None:
    pol = policy(user={"rpm": 1})
    await limiter.admit(ask(pol, project="a:b", user="c"))
    await limiter.admit(ask(pol, project="a", user="b:c"))


async def test_ip_rpm_and_mint_bucket(limiter: Limiter) -> None:
    pol = policy(ip={"rpm": 3, "mint_rpm": 2})
    assert await admitted(limiter, ask(pol, user=None), 5) == 3
    assert await admitted(limiter, ask(pol, user=None, ip="10.0.0.2"), 5) == 3
    assert await admitted(limiter, ask(pol, ip=None), 5) == 5  # no IP, no IP layer
    await limiter.check_ip("p1", "10.0.0.1", pol, now=NOW)  # its own bucket
    await limiter.check_ip("p1", "10.0.0.1", pol, now=NOW)
    with pytest.raises(RateLimited, match="mint ip requests per minute"):
        await limiter.check_ip("p1", "10.0.0.1", pol, now=NOW)


async def test_credential_caps_are_shared_by_projects(limiter: Limiter) -> None:
    pol = policy(credentials={"key-1": {"rpm": 3, "tpm": 10_000}})
    assert await admitted(limiter, ask(pol, project="a", credential="key-1"), 2) == 2
    assert await admitted(limiter, ask(pol, project="b", credential="key-1"), 2) == 1
    assert await admitted(limiter, ask(pol, credential="key-2"), 5) == 5
    with pytest.raises(RateLimited, match="credential requests per minute"):
        await limiter.admit(ask(pol, credential="key-1"))


async def test_rejection_reserves_nothing(limiter: Limiter) -> None:
    pol = policy(project={"rpm": 100, "tpm": 1000}, user={"rpm": 1})
    await limiter.admit(ask(pol, tokens=100))
    for _ in range(5):
        with pytest.raises(RateLimited):
            await limiter.admit(ask(pol, tokens=100))
    rows = {row.layer: row for row in await limiter.usage("p1", pol, user_id="u1", now=NOW)}
    assert rows["project requests per minute"].used == 1
    assert rows["project tokens per minute"].used == 100


async def test_longest_wait_is_reported(limiter: Limiter) -> None:
    pol = policy(project={"rpm": 60}, user={"rpm": 1})
    await limiter.admit(ask(pol))
    with pytest.raises(RateLimited, match="user requests") as caught:
        await limiter.admit(ask(pol))
    assert caught.value.headers["Retry-After"] == "60"


async def test_headers_report_the_tightest_layer(limiter: Limiter) -> None:
    pol = policy(project={"rpm": 100, "tpm": 50_000}, user={"rpm": 3, "tpm": 90_000})
    admission = await limiter.admit(ask(pol, tokens=1000))
    assert admission.headers == {
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "2",
        "x-ratelimit-reset-requests": "20s",
        "x-ratelimit-limit-tokens": "50000",
        "x-ratelimit-remaining-tokens": "49000",
        "x-ratelimit-reset-tokens": "1.2s",
    }


async def test_concurrency_cap_frees_on_settle_and_release(limiter: Limiter) -> None:
    limiter.gateway = GatewayLimits(concurrency=2)
    first = await limiter.admit(ask(LimitPolicy()))
    second = await limiter.admit(ask(LimitPolicy()))
    with pytest.raises(RateLimited, match="in flight") as caught:
        await limiter.admit(ask(LimitPolicy()))
    assert caught.value.headers["Retry-After"] == "1"
    await limiter.settle(first, 0, 0.0)
    await limiter.settle(first, 0, 0.0)  # idempotent: frees one slot only
    third = await limiter.admit(ask(LimitPolicy()))
    with pytest.raises(RateLimited):
        await limiter.admit(ask(LimitPolicy()))
    await limiter.release(second)
    await limiter.settle(second, 10, 0.0)  # after release: no-op
    rows = await limiter.usage("p1", LimitPolicy(), now=NOW)
    assert [(row.used, row.remaining) for row in rows] == [(1, 1)]
    await limiter.release(third)


async def test_concurrency_lease_expires_for_a_crashed_holder(limiter: Limiter) -> None:
    limiter.gateway = GatewayLimits(concurrency=1, lease_seconds=30)
    await limiter.admit(ask(LimitPolicy()))
    with pytest.raises(RateLimited):
        await limiter.admit(ask(LimitPolicy(), now=NOW + 10))
    if type(limiter).__name__ == "RedisLimiter":  # only shared state can outlive a replica
        await limiter.admit(ask(LimitPolicy(), now=NOW + 31))


async def test_budget_rejection_beats_rate_rejection(limiter: Limiter) -> None:
    pol = policy(user={"rpm": 1}, budgets={"user": {"daily": {"tokens": 100}}})
    await limiter.admit(ask(pol, tokens=60))
    with pytest.raises(BudgetExceeded) as caught:
        await limiter.admit(ask(pol, tokens=60))
    assert caught.value.error_type == "insufficient_quota"
    assert caught.value.headers["x-should-retry"] == "false"


async def test_admission_is_idempotent_to_settle(limiter: Limiter) -> None:
    pol = policy(project={"tpm": 1000})
    admission: Admission = await limiter.admit(ask(pol, tokens=500))
    await limiter.settle(admission, 200, 0.0)
    await limiter.settle(admission, 200, 0.0)
    await limiter.release(admission)
    rows = await limiter.usage("p1", pol, now=NOW)
    assert rows[0].used == 200
