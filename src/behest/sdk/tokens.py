"""Minted access tokens, and the bounded cache of everything the SDK keeps per user.

One entry per (user, session) holds the token (kept until shortly before it expires),
the official client made for it, and the lock that lets one mint run at a time. The
cache keeps at most ``max_users`` entries: each insert first drops entries whose token
has expired, then the least recently used; an entry with a caller minting or waiting
to mint is never dropped, so a user is still minted once however many calls wait.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_MARGIN_S = 30.0
MARGIN_FRACTION = 0.1
MAX_USERS = 10_000
_SWEEP_EVERY_S = 1.0  # expired entries are looked for at most this often

Clock = Callable[[], float]
TokenKey = tuple[str, str | None]  # (user_id, session_id asked for)
L = TypeVar("L")  # the lock: threading.Lock or asyncio.Lock
C = TypeVar("C")  # the official client made for the token


@dataclass(frozen=True, slots=True)
class MintedToken:
    """What ``POST /v1/auth/mint`` answers; ``access_token`` is left out of the repr."""

    access_token: str = field(repr=False)
    expires_in: int
    session_id: str
    token_type: str = "Bearer"


def refresh_margin(expires_in: float) -> float:
    """How long before expiry a token is replaced: 10 % of its life, at most 30 s."""
    return min(MAX_MARGIN_S, expires_in * MARGIN_FRACTION)


@dataclass(slots=True, eq=False)
class UserEntry(Generic[L, C]):
    lock: L
    token: MintedToken | None = None
    refresh_at: float = float("-inf")
    expires_at: float = float("-inf")
    client: tuple[str, C] | None = None  # (the access token it carries, the client)
    claims: int = 0  # callers minting or waiting to: the entry is not dropped meanwhile


class TokenCache(Generic[L, C]):
    """Entries by (user, session), least recently used first; thread-safe."""

    def __init__(
        self,
        clock: Clock = time.monotonic,
        *,
        new_lock: Callable[[], L],
        max_users: int = MAX_USERS,
    ) -> None:
        if max_users < 1:
            raise ValueError("max_users must be at least 1.")
        self._clock = clock
        self._new_lock = new_lock
        self._max = max_users
        self._entries: OrderedDict[TokenKey, UserEntry[L, C]] = OrderedDict()
        self._guard = threading.Lock()
        self._swept_at = float("-inf")

    def __repr__(self) -> str:
        return f"<TokenCache of {len(self)} users>"

    def __len__(self) -> int:
        return len(self._entries)

    def fresh(self, key: TokenKey) -> MintedToken | None:
        with self._guard:
            entry = self._touch(key)
        if entry is None or entry.token is None or self._clock() >= entry.refresh_at:
            return None
        return entry.token

    @contextmanager
    def claimed(self, key: TokenKey) -> Iterator[UserEntry[L, C]]:
        """The entry for ``key`` (made if new), never dropped while the caller holds it."""
        with self._guard:
            entry = self._entry(key)
            entry.claims += 1
        try:
            yield entry
        finally:
            with self._guard:
                entry.claims -= 1

    def put(self, key: TokenKey, token: MintedToken, minted_at: float | None = None) -> None:
        start = self._clock() if minted_at is None else minted_at
        with self._guard:
            entry = self._entry(key)
            entry.token = token
            entry.refresh_at = start + token.expires_in - refresh_margin(token.expires_in)
            entry.expires_at = start + token.expires_in

    def session_of(self, key: TokenKey) -> str | None:
        """The session of the last token for ``key``, so a refresh keeps the same session."""
        if key[1] is not None:
            return key[1]
        entry = self._entries.get(key)
        return entry.token.session_id if entry and entry.token else None

    def drop(self, key: TokenKey, access_token: str) -> None:
        """Forget ``access_token`` (refused as expired), unless a newer one replaced it."""
        entry = self._entries.get(key)
        if entry is not None and entry.token and entry.token.access_token == access_token:
            entry.refresh_at = float("-inf")

    def client(self, key: TokenKey, access_token: str) -> C | None:
        entry = self._entries.get(key)
        held = entry.client if entry else None
        return held[1] if held is not None and held[0] == access_token else None

    def keep_client(self, key: TokenKey, access_token: str, client: C) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.client = (access_token, client)

    def _touch(self, key: TokenKey) -> UserEntry[L, C] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def _entry(self, key: TokenKey) -> UserEntry[L, C]:
        entry = self._touch(key)
        if entry is None:
            entry = self._entries[key] = UserEntry(self._new_lock(), claims=1)
            self._evict()
            entry.claims -= 1
        return entry

    def _evict(self) -> None:
        now = self._clock()
        if now - self._swept_at >= _SWEEP_EVERY_S:
            self._swept_at = now
            expired = [k for k, e in self._entries.items() if not e.claims and e.expires_at <= now]
            for key in expired:
                del self._entries[key]
        idle = (key for key, entry in self._entries.items() if not entry.claims)
        for key in list(itertools.islice(idle, max(0, len(self._entries) - self._max))):
            del self._entries[key]
