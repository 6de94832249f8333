"""One breaker's life: closed, open on failures or error rate, half-open probe, closed."""

from __future__ import annotations

from behest.gateway.routing.breakers import Breaker, Breakers, State
from behest.gateway.routing.policy import BreakerPolicy


def test_open_then_half_open_then_closed() -> None:
    breaker = Breaker(BreakerPolicy(failures=3, cooldown_s=10))
    for _ in range(3):
        breaker.record(False, 0.0)
    assert breaker.state is State.OPEN
    assert not breaker.allow(9.9)
    assert breaker.allow(10.0) and breaker.state is State.HALF_OPEN
    assert not breaker.allow(10.0)  # the probe is out
    breaker.record(True, 10.5)
    assert breaker.state is State.CLOSED and breaker.allow(10.5)


def test_a_failed_probe_opens_again_for_a_full_cool_down() -> None:
    breaker = Breaker(BreakerPolicy(failures=1, cooldown_s=5))
    breaker.record(False, 0.0)
    assert breaker.allow(5.0)
    breaker.record(False, 6.0)
    assert breaker.state is State.OPEN and not breaker.allow(10.9) and breaker.allow(11.0)


def test_an_error_rate_over_the_window_opens() -> None:
    breaker = Breaker(BreakerPolicy(failures=100, error_rate=0.5, min_calls=10, window_s=30))
    for step in range(10):
        breaker.record(step % 2 == 0, float(step))  # alternate: never 2 failures in a row
    assert breaker.state is State.OPEN


def test_old_failures_leave_the_window() -> None:
    breaker = Breaker(BreakerPolicy(failures=100, error_rate=0.5, min_calls=4, window_s=10))
    for step in range(3):
        breaker.record(False, float(step))
    for step in range(3):
        breaker.record(True, 100.0 + step)  # the failures are 100 s old
    breaker.record(False, 103.0)
    assert breaker.state is State.CLOSED


def test_new_breaker_settings_start_afresh() -> None:
    breakers = Breakers(clock=lambda: 0.0)
    tight = BreakerPolicy(failures=1)
    breakers.get("p", "c", "m", tight).record(False, 0.0)
    assert breakers.describe("p")[0]["state"] == "open"
    breakers.get("p", "c", "m", BreakerPolicy(failures=1))  # an equal policy: kept
    assert breakers.describe("p")[0]["state"] == "open"
    breakers.get("p", "c", "m", BreakerPolicy(failures=2))
    assert breakers.describe("p")[0]["state"] == "closed"
    assert breakers.describe("other") == []


def test_the_registry_stays_bounded_and_keeps_what_matters() -> None:
    breakers = Breakers(clock=lambda: 0.0, capacity=3)
    policy = BreakerPolicy(failures=1)
    breakers.get("p", "c", "dead", policy).record(False, 0.0)
    for model in ("a", "b", "c", "d"):
        breakers.get("p", "c", model, policy)
    kept = {b["model"]: b["state"] for b in breakers.describe()}
    assert kept["dead"] == "open" and len(kept) <= 3
