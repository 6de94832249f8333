"""API keys: format, Argon2id storage, and the verified-key cache."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.auth import api_keys
from behest.gateway.errors import AuthenticationFailed


def test_generated_key_has_the_documented_shape_and_an_argon2id_hash() -> None:
    new = api_keys.generate()
    assert new.plaintext.startswith("behest_sk_live_" + new.key_id + "_")
    assert new.secret_hash.startswith("$argon2id$")
    assert new.plaintext not in new.secret_hash
    key_id, secret = api_keys.split(new.plaintext)
    assert key_id == new.key_id
    assert api_keys.verify_secret(new.secret_hash, secret)
    wrong_last = "y" if secret.endswith("x") else "x"
    assert not api_keys.verify_secret(new.secret_hash, secret[:-1] + wrong_last)


@given(st.text(max_size=80))
def test_split_never_crashes_on_arbitrary_input(text: str) -> None:
    with contextlib.suppress(AuthenticationFailed):
        api_keys.split(api_keys.PREFIX + text)


def test_malformed_key_is_a_401() -> None:
    with pytest.raises(AuthenticationFailed, match="malformed"):
        api_keys.split("behest_sk_live_short")


def test_cache_remembers_by_keyed_hash_and_forgets_revoked_keys() -> None:
    cache = api_keys.VerifiedKeyCache(ttl_s=60)
    cache.put("behest_sk_live_token", "key_1")
    assert cache.get("behest_sk_live_token") == "key_1"
    assert "behest_sk_live_token" not in repr(cache.__dict__)
    cache.drop_key("key_1")
    assert cache.get("behest_sk_live_token") is None


def test_cache_entries_expire() -> None:
    cache = api_keys.VerifiedKeyCache(ttl_s=-1)
    cache.put("t", "key_1")
    assert cache.get("t") is None
