"""Envelope encryption of provider keys and signing keys (AES-256-GCM).

Each secret gets its own random data key; the data key is wrapped by the master key.
Rotating the master key rewraps data keys only. The record id is bound in as
associated data, so a ciphertext copied onto another row does not decrypt.

Blob layout: b"B1" | master key id (8) | nonce (12) | wrapped data key (48) | nonce (12) | data
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from behest.gateway.errors import SecretError

_MAGIC = b"B1"
_KEY_ID_LEN = 8
_NONCE_LEN = 12
_WRAPPED_LEN = 32 + 16


def key_id(master_key: bytes) -> bytes:
    return hashlib.sha256(b"behest-master-key-id" + master_key).digest()[:_KEY_ID_LEN]


def parse_master_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as exc:
        raise SecretError("The master key must be 32 bytes in base64.") from exc
    if len(raw) != 32:
        raise SecretError("The master key must be 32 bytes in base64.")
    return raw


def new_master_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def load_or_create_key_file(path: Path) -> str:
    """The embedded default's master key: a generated file readable by its owner only."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = new_master_key_text()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    return text


class Vault:
    """Encrypts with the current master key; decrypts with it or any previous one."""

    def __init__(self, current: bytes, previous: Iterable[bytes] = ()) -> None:
        self._current = current
        self._current_id = key_id(current)
        self._keys = {key_id(key): key for key in (*previous, current)}

    @property
    def current_key_id(self) -> bytes:
        return self._current_id

    def encrypt(self, plaintext: str, record_id: str) -> bytes:
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, data_nonce = os.urandom(_NONCE_LEN), os.urandom(_NONCE_LEN)
        aad = record_id.encode()
        wrapped = AESGCM(self._current).encrypt(wrap_nonce, data_key, aad)
        sealed = AESGCM(data_key).encrypt(data_nonce, plaintext.encode(), aad)
        return _MAGIC + self._current_id + wrap_nonce + wrapped + data_nonce + sealed

    def decrypt(self, blob: bytes, record_id: str) -> str:
        data_key = self._unwrap(blob, record_id)
        start = len(_MAGIC) + _KEY_ID_LEN + _NONCE_LEN + _WRAPPED_LEN
        nonce, sealed = blob[start : start + _NONCE_LEN], blob[start + _NONCE_LEN :]
        try:
            return AESGCM(data_key).decrypt(nonce, sealed, record_id.encode()).decode()
        except InvalidTag as exc:
            raise SecretError("A stored secret failed its integrity check.") from exc

    def rewrap(self, blob: bytes, record_id: str) -> bytes:
        """The same secret under the current master key (for master key rotation)."""
        data_key = self._unwrap(blob, record_id)
        wrap_nonce = os.urandom(_NONCE_LEN)
        wrapped = AESGCM(self._current).encrypt(wrap_nonce, data_key, record_id.encode())
        rest = blob[len(_MAGIC) + _KEY_ID_LEN + _NONCE_LEN + _WRAPPED_LEN :]
        return _MAGIC + self._current_id + wrap_nonce + wrapped + rest

    def _unwrap(self, blob: bytes, record_id: str) -> bytes:
        if blob[: len(_MAGIC)] != _MAGIC:
            raise SecretError("A stored secret has an unknown format.")
        offset = len(_MAGIC)
        master = self._keys.get(blob[offset : offset + _KEY_ID_LEN])
        if master is None:
            raise SecretError("A stored secret was sealed with a master key this gateway lacks.")
        offset += _KEY_ID_LEN
        nonce = blob[offset : offset + _NONCE_LEN]
        wrapped = blob[offset + _NONCE_LEN : offset + _NONCE_LEN + _WRAPPED_LEN]
        try:
            return AESGCM(master).decrypt(nonce, wrapped, record_id.encode())
        except InvalidTag as exc:
            raise SecretError("A stored secret failed its integrity check.") from exc
