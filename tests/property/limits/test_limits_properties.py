"""Property tests of the limiter arithmetic: any sequence of admit / settle / release /
clock steps keeps every count non-negative and exact, never admits a request that does
not fit a budget, and never admits more requests than the bucket allows."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from behest.gateway.errors import RateLimited
from behest.gateway.limits import (
    Admission,
    AdmissionRequest,
    BudgetExceeded,
    GatewayLimits,
    Limiter,
    LimitPolicy,
    MemoryLimiter,
    RedisLimiter,
)
from behest.gateway.limits.resp import RespClient
from redis_keys import drop_keys

START = 1_750_003_600.0  # 2025-06-15 16:06 UTC: steps stay inside one UTC day
NANO = 1_000_000_000
REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Held:
    admission: Admission
    tokens: int  # what it counts against budgets now
    nanos: int
    open: bool = True


class LimiterMachine(RuleBasedStateMachine):
    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.limiter: Limiter = MemoryLimiter()
        self.held: list[Held] = []
        self.now = START
        self.admitted = 0

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    @initialize(
        rpm=st.integers(1, 30),
        tpm=st.integers(1, 5000),
        budget=st.integers(0, 3000),
        cost=st.integers(0, 5),
        cap=st.integers(1, 6),
    )
    def configure(self, rpm: int, tpm: int, budget: int, cost: int, cap: int) -> None:
        if self.backend == "redis":
            self.limiter = RedisLimiter(
                RespClient.from_url(REDIS_URL), key_prefix=f"prop:{uuid.uuid4().hex}:"
            )
        self.limiter.gateway = GatewayLimits(concurrency=cap)
        self.rpm, self.cap, self.budget, self.cost_budget = rpm, cap, budget, cost * NANO // 10
        self.policy = LimitPolicy.from_dict(
            {
                "project": {"rpm": rpm, "tpm": tpm},
                "budgets": {"user": {"daily": {"tokens": budget, "cost_usd": cost / 10}}},
            }
        )

    def teardown(self) -> None:
        if isinstance(self.limiter, RedisLimiter):
            self.run(drop_keys(self.limiter))
        self.loop.close()

    def request(self, tokens: int, nanos: int) -> AdmissionRequest:
        return AdmissionRequest(
            "p",
            "u",
            None,
            self.policy,
            estimated_tokens=tokens,
            estimated_cost_usd=nanos / NANO,
            now=self.now,
        )

    def budget_used(self) -> tuple[int, int]:
        return sum(h.tokens for h in self.held), sum(h.nanos for h in self.held)

    @rule(tokens=st.integers(0, 800), nanos=st.integers(0, 200_000_000))
    def admit(self, tokens: int, nanos: int) -> None:
        used_tokens, used_nanos = self.budget_used()
        fits = used_tokens + tokens <= self.budget and used_nanos + nanos <= self.cost_budget
        in_flight = sum(h.open for h in self.held)
        try:
            admission = self.run(self.limiter.admit(self.request(tokens, nanos)))
        except BudgetExceeded:
            assert not fits
            return
        except RateLimited as exc:
            assert fits
            assert "in flight" not in exc.message or in_flight == self.cap
            return
        assert fits and in_flight < self.cap
        self.admitted += 1
        self.held.append(Held(admission, tokens, nanos))

    @rule(tokens_off=st.integers(-1, 1), nanos_off=st.integers(-1, 1))
    def admit_at_the_edge(self, tokens_off: int, nanos_off: int) -> None:
        used_tokens, used_nanos = self.budget_used()
        tokens = max(0, self.budget - used_tokens + tokens_off)
        self.admit(tokens, max(0, self.cost_budget - used_nanos + nanos_off))

    @precondition(lambda self: self.held)
    @rule(pick=st.integers(0, 10_000), tokens=st.integers(0, 1200), nanos=st.integers(0, 3 * 10**8))
    def settle(self, pick: int, tokens: int, nanos: int) -> None:
        held = self.held[pick % len(self.held)]
        self.run(self.limiter.settle(held.admission, tokens, nanos / NANO))
        if held.open:
            held.open, held.tokens, held.nanos = False, tokens, round(nanos / NANO * NANO)

    @precondition(lambda self: self.held)
    @rule(pick=st.integers(0, 10_000))
    def release(self, pick: int) -> None:
        held = self.held[pick % len(self.held)]
        self.run(self.limiter.release(held.admission))
        if held.open:
            held.open, held.tokens, held.nanos = False, 0, 0

    @rule(seconds=st.floats(0, 20, allow_nan=False))
    def tick(self, seconds: float) -> None:
        self.now += seconds

    @invariant()
    def counts_are_exact_and_never_negative(self) -> None:
        rows = {
            row.layer: row
            for row in self.run(self.limiter.usage("p", self.policy, user_id="u", now=self.now))
        }
        assert all(row.used >= 0 and row.remaining >= 0 for row in rows.values())
        tokens, nanos = self.budget_used()
        assert rows["user daily token budget"].used == tokens
        assert round(rows["user daily cost budget"].used * NANO) == nanos
        assert rows["gateway in-flight requests"].used == sum(h.open for h in self.held)
        assert rows["project requests per minute"].used <= self.rpm + 1e-6

    @invariant()
    def admitted_at_most_the_bucket(self) -> None:
        if hasattr(self, "rpm"):
            assert self.admitted <= self.rpm + self.rpm * (self.now - START) / 60 + 1e-6


class RedisLimiterMachine(LimiterMachine):
    backend = "redis"


SETTINGS = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestMemoryLimiter = LimiterMachine.TestCase
TestMemoryLimiter.settings = SETTINGS


@pytest.mark.redis
class TestRedisLimiter(RedisLimiterMachine.TestCase):  # type: ignore[misc,name-defined]
    settings = settings(SETTINGS, max_examples=15)

    def setUp(self) -> None:
        if not REDIS_URL:
            pytest.skip("BEHEST_TEST_REDIS_URL is set to '': Redis tests disabled")
