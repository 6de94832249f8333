"""Dashboard sessions: a random id in an HttpOnly cookie, the session itself on the server.

A session is kept in the store's ``meta`` table under the SHA-256 of its id (so every
worker and replica sharing the database knows it, and a leaked database holds no usable
cookie), with its CSRF token, its expiry and a fingerprint of the admin token it was signed in
with (a digest of that token's digest): a session is live only while the admin token is
the same, so changing the token ends every session. Sessions last :data:`SESSION_TTL_S`
from sign-in; signing out deletes the row; expired rows are purged at each sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson

SESSION_TTL_S = 12 * 3600
COOKIE = "behest_dashboard"
_PREFIX = "dashboard_session:"
Clock = Callable[[], float]


class MetaStore(Protocol):
    """The part of the store sessions use (``Database`` has it)."""

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def delete_meta(self, key: str) -> None: ...

    def meta_items(self, prefix: str) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class Session:
    id: str  # the cookie's value; never stored
    csrf: str  # the synchronizer token every form of this session carries
    expires_at: float  # Unix time


def _key(session_id: str) -> str:
    return _PREFIX + hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """Synchronous (the dashboard runs it in a worker thread)."""

    def __init__(
        self,
        store: MetaStore,
        admin: str = "",
        ttl_s: float = SESSION_TTL_S,
        clock: Clock = time.time,
    ) -> None:
        """``admin``: the current admin token's fingerprint (``AdminTokenCheck.fingerprint``)."""
        self.store = store
        self.admin = admin
        self.ttl_s = ttl_s
        self.clock = clock

    def create(self) -> Session:
        self.purge_expired()
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock() + self.ttl_s
        )
        value = {"csrf": session.csrf, "expires_at": session.expires_at, "admin": self.admin}
        self.store.set_meta(_key(session.id), orjson.dumps(value).decode())
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id; None when unknown, malformed, expired or signed
        in with another admin token."""
        if not session_id or len(session_id) > 128:
            return None
        raw = self.store.get_meta(_key(session_id))
        if raw is None:
            return None
        data = orjson.loads(raw)
        if data["expires_at"] <= self.clock():
            self.store.delete_meta(_key(session_id))
            return None
        if not hmac.compare_digest(str(data.get("admin", "")), self.admin):
            return None
        return Session(session_id, str(data["csrf"]), float(data["expires_at"]))

    def end(self, session_id: str) -> None:
        self.store.delete_meta(_key(session_id))

    def purge_expired(self) -> int:
        now, purged = self.clock(), 0
        for key, raw in self.store.meta_items(_PREFIX).items():
            if orjson.loads(raw)["expires_at"] <= now:
                self.store.delete_meta(key)
                purged += 1
        return purged
