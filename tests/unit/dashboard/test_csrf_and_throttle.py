"""CSRF synchronizer tokens and the failed sign-in throttle."""

from __future__ import annotations

from behest.gateway.dashboard import csrf
from behest.gateway.dashboard.session import Session
from behest.gateway.dashboard.throttle import SignInThrottle

SESSION = Session("sid", "the-csrf-token", 0.0)


def test_the_sessions_own_token_is_accepted() -> None:
    assert csrf.valid(SESSION, "the-csrf-token")


def test_a_missing_wrong_or_other_sessions_token_is_refused() -> None:
    assert not csrf.valid(SESSION, None)
    assert not csrf.valid(SESSION, "")
    assert not csrf.valid(SESSION, "the-csrf-token-but-longer")
    assert not csrf.valid(Session("other", "another-token", 0.0), "the-csrf-token")
    assert not csrf.valid(None, "the-csrf-token")


def test_non_ascii_tokens_are_refused_not_an_error() -> None:
    assert not csrf.valid(SESSION, "thé-csrf-token")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_a_minute_block_the_ip_until_the_oldest_ages_out() -> None:
    clock = Clock()
    throttle = SignInThrottle(limit=5, window_s=60, clock=clock)
    for _ in range(4):
        throttle.failed("10.0.0.1")
        clock.now += 1
    assert throttle.retry_after("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 56  # the first failure was 4 s ago
    assert throttle.retry_after("10.0.0.2") == 0  # per IP
    clock.now += 56
    assert throttle.retry_after("10.0.0.1") == 0


def test_a_success_clears_the_ips_failures() -> None:
    throttle = SignInThrottle(limit=2, window_s=60, clock=Clock())
    throttle.failed("ip")
    throttle.succeeded("ip")
    throttle.failed("ip")
    assert throttle.retry_after("ip") == 0


def test_idle_ips_are_forgotten_when_the_table_is_full(monkeypatch: object) -> None:
    import behest.gateway.dashboard.throttle as module

    clock = Clock()
    throttle = SignInThrottle(limit=5, window_s=60, clock=clock)
    setattr(module, "_MAX_IPS", 3)  # noqa: B010
    try:
        for ip in ("a", "b", "c"):
            throttle.failed(ip)
        clock.now += 61
        throttle.failed("d")
        assert set(throttle._failures) == {"d"}
    finally:
        setattr(module, "_MAX_IPS", 10_000)  # noqa: B010


def test_an_attempt_is_counted_when_reserved_and_the_count_is_capped() -> None:
    throttle = SignInThrottle(limit=3, window_s=60, clock=Clock())
    assert [throttle.reserve("ip") for _ in range(3)] == [0, 0, 0]
    assert throttle.reserve("ip") > 0  # the fourth waits, though none has failed yet
    for _ in range(100):
        throttle.failed("ip")
    assert len(throttle._failures["ip"]) == 3
    throttle.release("ip")
    assert throttle.reserve("ip") == 0
