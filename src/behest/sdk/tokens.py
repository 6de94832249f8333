"""Minted access tokens and the cache that keeps each until shortly before it expires."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_MARGIN_S = 30.0
MARGIN_FRACTION = 0.1

Clock = Callable[[], float]
TokenKey = tuple[str, str | None]  # (user_id, session_id asked for)


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


@dataclass(frozen=True, slots=True)
class _Entry:
    token: MintedToken
    refresh_at: float


class TokenCache:
    """Tokens by (user, session); a token past its refresh time is no longer returned."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[TokenKey, _Entry] = {}

    def __repr__(self) -> str:
        return f"<TokenCache of {len(self._entries)} users>"

    def fresh(self, key: TokenKey) -> MintedToken | None:
        entry = self._entries.get(key)
        if entry is None or self._clock() >= entry.refresh_at:
            return None
        return entry.token

    def put(self, key: TokenKey, token: MintedToken, minted_at: float | None = None) -> None:
        start = self._clock() if minted_at is None else minted_at
        refresh_at = start + token.expires_in - refresh_margin(token.expires_in)
        self._entries[key] = _Entry(token, refresh_at)

    def session_of(self, key: TokenKey) -> str | None:
        """The session of the last token for ``key``, so a refresh keeps the same session."""
        if key[1] is not None:
            return key[1]
        entry = self._entries.get(key)
        return entry.token.session_id if entry else None

    def drop(self, key: TokenKey, access_token: str) -> None:
        """Forget ``access_token`` (refused as expired), unless a newer one replaced it."""
        entry = self._entries.get(key)
        if entry is not None and entry.token.access_token == access_token:
            self._entries[key] = _Entry(entry.token, float("-inf"))
