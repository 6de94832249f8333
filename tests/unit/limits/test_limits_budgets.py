"""Budgets: calendar windows in a time zone, reservations settled to actual usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from behest.gateway.limits import (
    AdmissionRequest,
    BudgetExceeded,
    Limiter,
    LimitPolicy,
)
from behest.gateway.limits.windows import calendar

NEW_YORK = ZoneInfo("America/New_York")


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=NEW_YORK).timestamp()  # type: ignore[misc]


def budgets(**data: Any) -> LimitPolicy:
    return LimitPolicy.from_dict({"budgets": {"timezone": "America/New_York", **data}})


def ask(pol: LimitPolicy, now: float, tokens: int = 0, cost: float = 0.0, user: str = "u1"):
    return AdmissionRequest(
        "p1", user, None, pol, estimated_tokens=tokens, estimated_cost_usd=cost, now=now
    )


async def used(limiter: Limiter, pol: LimitPolicy, now: float, layer: str) -> float:
    rows = await limiter.usage("p1", pol, user_id="u1", now=now)
    return next(row.used for row in rows if row.layer == layer)


async def test_daily_budget_resets_at_local_midnight(limiter: Limiter) -> None:
    pol = budgets(user={"daily": {"tokens": 100}})
    await limiter.admit(ask(pol, at(2025, 1, 15, 18, 59, 59), tokens=100))  # 23:59:59 UTC
    with pytest.raises(BudgetExceeded):  # UTC midnight passed, New York's has not
        await limiter.admit(ask(pol, at(2025, 1, 15, 19, 0, 1), tokens=1))
    with pytest.raises(BudgetExceeded) as caught:
        await limiter.admit(ask(pol, at(2025, 1, 15, 23, 59, 59), tokens=1))
    error = caught.value
    assert error.status == 429 and error.code == "insufficient_quota"
    assert "user daily token budget of 100 tokens" in error.message
    assert "resets in 1s" in error.message
    assert error.headers == {
        "Retry-After": "1",
        "retry-after-ms": "1000",
        "x-should-retry": "false",
    }
    await limiter.admit(ask(pol, at(2025, 1, 16), tokens=100))


async def test_monthly_budget_spans_days_and_resets_with_the_month(limiter: Limiter) -> None:
    pol = budgets(project={"monthly": {"tokens": 250}})
    await limiter.admit(ask(pol, at(2025, 1, 30, 12), tokens=100))
    await limiter.admit(ask(pol, at(2025, 1, 31, 12), tokens=100, user="u2"))
    with pytest.raises(BudgetExceeded, match="project monthly token budget"):
        await limiter.admit(ask(pol, at(2025, 1, 31, 23, 59), tokens=100, user="u3"))
    await limiter.admit(ask(pol, at(2025, 2, 1), tokens=250))


async def test_cost_budget_in_usd(limiter: Limiter) -> None:
    pol = budgets(user={"monthly": {"cost_usd": 1.0}})
    now = at(2025, 5, 5)
    first = await limiter.admit(ask(pol, now, cost=0.4))
    await limiter.admit(ask(pol, now, cost=0.4))
    with pytest.raises(BudgetExceeded, match=r"cost budget of \$1 \(this request needs \$0.4\)"):
        await limiter.admit(ask(pol, now, cost=0.4))
    await limiter.settle(first, 10, 0.1)
    await limiter.admit(ask(pol, now, cost=0.4))
    assert await used(limiter, pol, now, "user monthly cost budget") == pytest.approx(0.9)


async def test_settle_release_and_cancelled_streams_count_exactly(limiter: Limiter) -> None:
    pol = budgets(user={"daily": {"tokens": 1000}}, project={"daily": {"tokens": 5000}})
    now = at(2025, 6, 1, 9)
    done = await limiter.admit(ask(pol, now, tokens=400))
    await limiter.settle(done, 100, 0.0)  # a completed call used less than reserved
    failed = await limiter.admit(ask(pol, now, tokens=400))
    await limiter.release(failed)  # the upstream failed: all of it returned
    cancelled = await limiter.admit(ask(pol, now, tokens=400))
    await limiter.settle(cancelled, 37, 0.0)  # the client hung up mid-stream
    pending = await limiter.admit(ask(pol, now, tokens=400))
    assert await used(limiter, pol, now, "user daily token budget") == 537
    for repeat in (done, failed, cancelled):
        await limiter.settle(repeat, 999, 0.0)
        await limiter.release(repeat)
    await limiter.settle(pending, 0, 0.0)
    assert await used(limiter, pol, now, "user daily token budget") == 137
    assert await used(limiter, pol, now, "project daily token budget") == 137


async def test_usage_above_the_estimate_blocks_the_next_call(limiter: Limiter) -> None:
    pol = budgets(user={"daily": {"tokens": 100}})
    now = at(2025, 6, 1, 9)
    admission = await limiter.admit(ask(pol, now, tokens=50))
    await limiter.settle(admission, 120, 0.0)
    with pytest.raises(BudgetExceeded):
        await limiter.admit(ask(pol, now))
    rows = await limiter.usage("p1", pol, user_id="u1", now=now)
    assert (rows[0].used, rows[0].remaining) == (120, 0)


async def test_settle_after_the_window_closed_is_not_lost_or_negative(limiter: Limiter) -> None:
    pol = budgets(user={"daily": {"tokens": 100}})
    admission = await limiter.admit(ask(pol, at(2025, 6, 1, 23, 59), tokens=80))
    await limiter.settle(admission, 30, 0.0)  # booked to the day it was admitted in
    assert await used(limiter, pol, at(2025, 6, 1, 23, 59), "user daily token budget") == 30
    assert await used(limiter, pol, at(2025, 6, 2, 0, 1), "user daily token budget") == 0


def test_calendar_days_follow_daylight_saving() -> None:
    cal = calendar("America/New_York")
    spring = cal.day(at(2025, 3, 9, 12))
    assert (spring.id, spring.end - spring.start) == ("d20250309", 23 * 3600)
    autumn = cal.day(at(2025, 11, 2, 12))
    assert autumn.end - autumn.start == 25 * 3600
    month = cal.month(at(2025, 12, 31, 23, 59))
    assert (month.id, month.end) == ("m202512", at(2026, 1, 1))
