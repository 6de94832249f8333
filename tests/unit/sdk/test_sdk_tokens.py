"""The token cache: a token is replaced shortly before it expires, and only when stale."""

from __future__ import annotations

import pytest

from behest.sdk.tokens import MintedToken, TokenCache, refresh_margin


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


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
    cache = TokenCache(clock)
    cache.put(("u", None), token())
    clock.now += 869.9
    assert cache.fresh(("u", None)) == token()
    clock.now += 0.1  # 870 s of 900: 30 s before expiry
    assert cache.fresh(("u", None)) is None


def test_a_short_token_is_kept_for_nine_tenths_of_its_life() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    cache.put(("u", None), token(expires_in=30))
    clock.now += 26.9
    assert cache.fresh(("u", None)) is not None
    clock.now += 0.1
    assert cache.fresh(("u", None)) is None


def test_users_and_sessions_are_cached_apart() -> None:
    cache = TokenCache(Clock())
    cache.put(("u", None), token("a"))
    cache.put(("u", "s2"), token("b"))
    assert cache.fresh(("v", None)) is None
    assert cache.fresh(("u", "s2")) == token("b")


def test_dropping_a_refused_token_leaves_a_newer_one_alone() -> None:
    cache = TokenCache(Clock())
    cache.put(("u", None), token("new"))
    cache.drop(("u", None), "old")
    assert cache.fresh(("u", None)) == token("new")
    cache.drop(("u", None), "new")
    assert cache.fresh(("u", None)) is None


def test_a_refresh_keeps_the_session_the_gateway_chose() -> None:
    cache = TokenCache(Clock())
    assert cache.session_of(("u", None)) is None
    cache.put(("u", None), token())
    cache.drop(("u", None), "tok")
    assert cache.session_of(("u", None)) == "sess_1"
    assert cache.session_of(("u", "mine")) == "mine"


def test_the_access_token_is_not_in_the_repr() -> None:
    minted = MintedToken("secret-jwt-value", 900, "sess_1")
    assert "secret-jwt-value" not in repr(minted) and "secret-jwt-value" not in str(minted)
    cache = TokenCache(Clock())
    cache.put(("u", None), minted)
    assert "secret-jwt-value" not in repr(cache)
