"""Backoff bounds: never negative, never above the cap, Retry-After obeyed or refused."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.routing.backoff import backoff_s
from behest.gateway.routing.policy import Retries

retries_st = st.builds(
    Retries,
    max=st.integers(0, 10),
    base_ms=st.integers(1, 60_000),
    max_ms=st.integers(1, 600_000),
)


@given(retries_st, st.integers(0, 100), st.floats(0, 1, exclude_max=True))
def test_a_backoff_stays_within_the_cap(retries: Retries, retry: int, jitter: float) -> None:
    delay = backoff_s(retry, retries, None, jitter)
    assert delay is not None
    step = min(retries.max_ms / 1000, retries.base_ms / 1000 * 2.0**retry)
    assert step / 2 <= delay <= step <= retries.max_ms / 1000


@given(retries_st, st.integers(0, 100), st.floats(0, 1), st.floats(0, 10_000))
def test_retry_after_is_obeyed_within_the_cap_and_refused_beyond(
    retries: Retries, retry: int, jitter: float, asked: float
) -> None:
    delay = backoff_s(retry, retries, asked, jitter)
    if asked <= retries.max_ms / 1000:
        assert delay == asked
    else:
        assert delay is None


@given(retries_st, st.floats(0, 1, exclude_max=True))
def test_backoff_grows_with_each_retry(retries: Retries, jitter: float) -> None:
    delays = [backoff_s(n, retries, None, jitter) or 0.0 for n in range(6)]
    assert all(a <= b for a, b in pairwise(delays))
