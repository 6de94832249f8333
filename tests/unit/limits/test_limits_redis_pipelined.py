"""Many admissions share one pipelined connection: each gets its own script's answer,
and a script cache flushed under load is reloaded without a refusal."""

from __future__ import annotations

import asyncio

import pytest
from limiter_backends import drop_keys, redis_limiter

from behest.gateway.limits import AdmissionRequest, LimitPolicy

pytestmark = pytest.mark.redis

NOW = 1_800_000_000.0  # a fixed clock: no bucket drains while the test runs
TPM = 1000
POLICY = LimitPolicy.from_dict({"user": {"tpm": TPM}, "on_redis_error": "fail_closed"})


def ask(user: str, tokens: int) -> AdmissionRequest:
    return AdmissionRequest("p1", user, None, POLICY, estimated_tokens=tokens, now=NOW)


async def test_concurrent_admissions_and_reads_each_get_their_own_answer() -> None:
    limiter = await redis_limiter()
    users = range(1, 201)
    admissions = await asyncio.gather(*(limiter.admit(ask(f"u{n}", n)) for n in users))
    remaining = [admission.headers["x-ratelimit-remaining-tokens"] for admission in admissions]
    assert remaining == [str(TPM - n) for n in users]
    assert all(admission.owner is limiter for admission in admissions)
    reports = await asyncio.gather(
        *(limiter.usage("p1", POLICY, user_id=f"u{n}", now=NOW) for n in users)
    )
    assert [[row.used for row in report] for report in reports] == [[n] for n in users]
    await drop_keys(limiter)


async def test_a_flushed_script_cache_is_reloaded_under_concurrent_admissions() -> None:
    limiter = await redis_limiter()
    await limiter.admit(ask("warm", 1))
    await limiter.client.execute("SCRIPT", "FLUSH")
    admissions = await asyncio.gather(*(limiter.admit(ask(f"u{n}", 1)) for n in range(50)))
    assert all(admission.owner is limiter for admission in admissions)
    assert limiter.available
    await asyncio.gather(*(limiter.settle(admission, 1, 0.0) for admission in admissions))
    reports = await asyncio.gather(
        *(limiter.usage("p1", POLICY, user_id=f"u{n}", now=NOW) for n in range(50))
    )
    assert {report[0].used for report in reports} == {1}
    await drop_keys(limiter)
