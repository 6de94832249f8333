"""Breaker transitions over any sequence of calls, outcomes and clock steps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.routing.breakers import Breaker, State
from behest.gateway.routing.policy import BreakerPolicy

policies = st.builds(
    BreakerPolicy,
    failures=st.integers(1, 6),
    error_rate=st.floats(0.1, 1.0),
    min_calls=st.integers(1, 30),
    window_s=st.floats(1, 60),
    cooldown_s=st.floats(0.1, 30),
)
# one step: (seconds to advance, outcome of a call if it is allowed; None: the call is cancelled)
steps = st.lists(st.tuples(st.floats(0, 20), st.sampled_from([True, False, None])), max_size=80)


@given(policies, steps)
def test_transitions_follow_the_diagram(
    policy: BreakerPolicy, script: list[tuple[float, bool | None]]
) -> None:
    breaker, now = Breaker(policy), 1000.0
    for advance, outcome in script:
        now += advance
        before = breaker.state
        was_cooling = before is State.OPEN and now - breaker.opened_at < policy.cooldown_s
        allowed = breaker.allow(now)
        if was_cooling:
            assert not allowed  # open: skipped until the cool-down is over
        if before is State.CLOSED:
            assert allowed  # closed: always through
        if not allowed:
            continue
        probe = breaker.state is State.HALF_OPEN
        if probe:
            assert not breaker.allow(now)  # one probe at a time
        if outcome is None:
            breaker.release()
            assert not breaker.probing
            continue
        breaker.record(outcome, now)
        if probe:
            assert breaker.state is (State.CLOSED if outcome else State.OPEN)
        if breaker.state is State.OPEN and before is not State.OPEN and not probe:
            assert not outcome and breaker.opened_at == now


@given(policies, st.integers(0, 5))
def test_n_consecutive_failures_open_a_closed_breaker_at_the_latest(
    policy: BreakerPolicy, successes: int
) -> None:
    breaker, now = Breaker(policy), 0.0
    for _ in range(successes):
        breaker.record(True, now)
    for _ in range(policy.failures):  # the error rate may open it sooner, never later
        if breaker.state is State.OPEN:
            break
        assert breaker.allow(now)
        breaker.record(False, now)
    assert breaker.state is State.OPEN and not breaker.allow(now)


@given(policies)
def test_a_disabled_breaker_lets_everything_through(policy: BreakerPolicy) -> None:
    off = BreakerPolicy(enabled=False, failures=policy.failures)
    breaker = Breaker(off)
    for step in range(50):
        assert breaker.allow(float(step))
        breaker.record(False, float(step))
