"""API keys: concurrent misses on one key share one Argon2 check; checks run a few at once."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from behest.gateway.auth import api_keys
from behest.gateway.errors import AuthenticationFailed
from behest.gateway.stages import authenticate
from behest.gateway.stages.authenticate import ARGON2_AT_ONCE, Authenticator
from behest.gateway.store import ApiKeyRecord


class CountingCheck:
    """Stands in for ``api_keys.verify_secret``: counts calls and the most at once."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, secret_hash: str, secret: str) -> bool:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.release.wait(timeout=10)
        with self._lock:
            self.running -= 1
        return secret_hash == f"hash-of-{secret}"


def _directory(keys: list[tuple[str, str]]) -> Any:
    records = {
        key_id: ApiKeyRecord(key_id, "proj", "k", key_id, f"hash-of-{secret}", datetime.now(UTC))
        for key_id, secret in keys
    }
    snapshot = SimpleNamespace(api_keys=records, projects={"proj": object()})
    return SimpleNamespace(snapshot=snapshot, key_cache=api_keys.VerifiedKeyCache())


def _token(key_id: str, secret: str) -> str:
    return f"{api_keys.PREFIX}{key_id}_{secret}"


def _key(n: int) -> tuple[str, str]:
    return f"{n:016d}", f"{n:040d}"


async def _release_when(check: CountingCheck, calls: int, release: threading.Event) -> None:
    while check.calls < calls:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # any further check would have started by now
    release.set()


async def test_concurrent_requests_with_one_key_share_one_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    check = CountingCheck(release)
    monkeypatch.setattr(authenticate.api_keys, "verify_secret", check)
    key_id, secret = _key(1)
    auth = Authenticator(_directory([(key_id, secret)]))
    token = _token(key_id, secret)

    results = await asyncio.gather(
        *(auth.api_key(token) for _ in range(8)), _release_when(check, 1, release)
    )

    assert check.calls == 1
    assert {record.id for record, _project in results[:8]} == {key_id}


async def test_a_wrong_secret_is_refused_for_every_waiter(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    check = CountingCheck(release)
    monkeypatch.setattr(authenticate.api_keys, "verify_secret", check)
    key_id, secret = _key(1)
    auth = Authenticator(_directory([(key_id, secret)]))
    wrong = _token(key_id, "x" * 40)

    results = await asyncio.gather(
        *(auth.api_key(wrong) for _ in range(4)),
        _release_when(check, 1, release),
        return_exceptions=True,
    )

    assert check.calls == 1
    assert all(isinstance(r, AuthenticationFailed) for r in results[:4])
    with pytest.raises(AuthenticationFailed):  # nothing kept: a later request checks again
        await auth.api_key(wrong)
    assert check.calls == 2


async def test_distinct_keys_are_checked_a_few_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    check = CountingCheck(release)
    monkeypatch.setattr(authenticate.api_keys, "verify_secret", check)
    keys = [_key(n) for n in range(6)]
    auth = Authenticator(_directory(keys))

    await asyncio.gather(
        *(auth.api_key(_token(*key)) for key in keys),
        _release_when(check, ARGON2_AT_ONCE, release),
    )

    assert check.calls == len(keys)
    assert check.most_at_once == ARGON2_AT_ONCE
