"""Retry-After in both its forms."""

from __future__ import annotations

from email.utils import formatdate

from behest.gateway.routing.backoff import retry_after_s


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert retry_after_s({"Retry-After": "7"}, 0) == 7.0
    assert retry_after_s({"retry-after": "0.25"}, 0) == 0.25
    now = 1_800_000_000.0
    assert retry_after_s({"Retry-After": formatdate(now + 30, usegmt=True)}, now) == 30.0
    assert retry_after_s({"Retry-After": formatdate(now - 30, usegmt=True)}, now) == 0.0


def test_a_missing_or_odd_retry_after_is_none() -> None:
    assert retry_after_s({}, 0) is None
    assert retry_after_s({"Retry-After": "soon"}, 0) is None
    assert retry_after_s({"Retry-After": "inf"}, 0) is None
