"""Project API keys: ``behest_sk_live_<key id>_<secret>``.

The key id is not secret and finds the stored Argon2id hash; the secret is checked
against it in constant time. Verified keys are remembered by a keyed hash for a short
time so the hot path does not pay Argon2 on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from behest.gateway.errors import AuthenticationFailed

PREFIX = "behest_sk_live_"
_ALPHABET = string.ascii_letters + string.digits
_KEY_ID_LEN = 16
_SECRET_LEN = 40

# OWASP's Argon2id baseline (19 MiB, 2 passes); paid once per key per cache period.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    plaintext: str
    prefix: str
    secret_hash: str


def generate() -> NewKey:
    key_id = "".join(secrets.choice(_ALPHABET) for _ in range(_KEY_ID_LEN))
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LEN))
    plaintext = f"{PREFIX}{key_id}_{secret}"
    return NewKey(key_id, plaintext, f"{PREFIX}{key_id}", _HASHER.hash(secret))


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


def split(token: str) -> tuple[str, str]:
    """The key id and secret of a presented key; a malformed key is a 401."""
    body = token[len(PREFIX) :]
    key_id, sep, secret = body.partition("_")
    if not sep or len(key_id) != _KEY_ID_LEN or len(secret) != _SECRET_LEN:
        raise AuthenticationFailed("The API key is malformed.")
    return key_id, secret


def verify_secret(secret_hash: str, secret: str) -> bool:
    try:
        return bool(_HASHER.verify(secret_hash, secret))
    except (VerificationError, InvalidHashError):
        return False


class VerifiedKeyCache:
    """Keys verified recently, stored under an HMAC of the whole key, never the key."""

    def __init__(self, ttl_s: float = 60.0, max_entries: int = 10_000) -> None:
        self._pepper = secrets.token_bytes(32)
        self._ttl_s = ttl_s
        self._max = max_entries
        self._entries: dict[bytes, tuple[str, float]] = {}

    def _digest(self, token: str) -> bytes:
        return hmac.new(self._pepper, token.encode(), hashlib.sha256).digest()

    def get(self, token: str) -> str | None:
        """The key id of a recently verified key, or None."""
        digest = self._digest(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[1] < time.monotonic():
            self._entries.pop(digest, None)
            return None
        return entry[0]

    def put(self, token: str, key_id: str) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[self._digest(token)] = (key_id, time.monotonic() + self._ttl_s)

    def drop_key(self, key_id: str) -> None:
        for digest in [d for d, (kid, _) in self._entries.items() if kid == key_id]:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        self._entries.clear()
