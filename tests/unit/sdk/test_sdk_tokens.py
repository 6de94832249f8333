"""The token cache: a token is replaced shortly before it expires, and only when stale."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from behest.sdk.tokens import MintedToken, TokenCache, refresh_margin


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache_of(clock: Clock, max_users: int = 10_000) -> TokenCache[threading.Lock, Any]:
    return TokenCache(clock, new_lock=threading.Lock, max_users=max_users)


def token(value: str = "tok", expires_in: int = 900) -> MintedToken:
    return MintedToken(value, expires_in, "sess_1")


@pytest.mark.parametrize(
    ("expires_in", "margin"), [(900, 30.0), (3600, 30.0), (30, 3.0), (60, 6.0)]
)
def test_the_margin_is_a_tenth_of_the_life_and_at_most_30_seconds(
    expires_in: int, margin: float
) -> None:
    assert refresh_margin(expires_in) == pytest.approx(margin)


def test_a_token_is_fresh_until_its_margin_before_expiry() -> None:
    clock = Clock()
    cache = cache_of(clock)
    cache.put(("u", None), token())
    clock.now += 869.9
    assert cache.fresh(("u", None)) == token()
    clock.now += 0.1  # 870 s of 900: 30 s before expiry
    assert cache.fresh(("u", None)) is None


def test_a_short_token_is_kept_for_nine_tenths_of_its_life() -> None:
    clock = Clock()
    cache = cache_of(clock)
    cache.put(("u", None), token(expires_in=30))
    clock.now += 26.9
    assert cache.fresh(("u", None)) is not None
    clock.now += 0.1
    assert cache.fresh(("u", None)) is None


def test_users_and_sessions_are_cached_apart() -> None:
    cache = cache_of(Clock())
    cache.put(("u", None), token("a"))
    cache.put(("u", "s2"), token("b"))
    assert cache.fresh(("v", None)) is None
    assert cache.fresh(("u", "s2")) == token("b")


def test_dropping_a_refused_token_leaves_a_newer_one_alone() -> None:
    cache = cache_of(Clock())
    cache.put(("u", None), token("new"))
    cache.drop(("u", None), "old")
    assert cache.fresh(("u", None)) == token("new")
    cache.drop(("u", None), "new")
    assert cache.fresh(("u", None)) is None


def test_a_refresh_keeps_the_session_the_gateway_chose() -> None:
    cache = cache_of(Clock())
    assert cache.session_of(("u", None)) is None
    cache.put(("u", None), token())
    cache.drop(("u", None), "tok")
    assert cache.session_of(("u", None)) == "sess_1"
    assert cache.session_of(("u", "mine")) == "mine"


def test_the_access_token_is_not_in_the_repr() -> None:
    minted = MintedToken("secret-jwt-value", 900, "sess_1")
    assert "secret-jwt-value" not in repr(minted) and "secret-jwt-value" not in str(minted)
    cache = cache_of(Clock())
    cache.put(("u", None), minted)
    assert "secret-jwt-value" not in repr(cache)


def test_the_cache_keeps_at_most_max_users_dropping_the_least_recently_used() -> None:
    cache = cache_of(Clock(), max_users=3)
    for user in ("a", "b", "c"):
        cache.put((user, None), token(user))
    assert cache.fresh(("a", None)) is not None  # a is used again: b is now the oldest
    cache.put(("d", None), token("d"))
    assert len(cache) == 3
    assert cache.fresh(("b", None)) is None and cache.fresh(("a", None)) is not None


def test_expired_entries_go_first_at_the_next_insert() -> None:
    clock = Clock()
    cache = cache_of(clock)
    cache.put(("old", None), token(expires_in=60))
    clock.now += 60
    cache.put(("new", None), token())
    assert len(cache) == 1 and cache.session_of(("old", None)) is None


def test_an_entry_being_minted_is_never_dropped() -> None:
    cache = cache_of(Clock(), max_users=2)
    with cache.claimed(("busy", None)) as entry:
        for i in range(10):
            cache.put((f"u{i}", None), token())
        assert len(cache) == 2
        cache.put(("busy", None), token("minted"))
    assert cache.fresh(("busy", None)) == token("minted")
    assert entry.lock is not None


def test_the_clients_kept_belong_to_the_current_token() -> None:
    cache = cache_of(Clock())
    cache.put(("u", None), token("t1"))
    cache.keep_client(("u", None), "t1", "client-1")
    assert cache.client(("u", None), "t1") == "client-1"
    assert cache.client(("u", None), "t2") is None
