"""Envelope encryption of stored secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from behest.gateway.config.secrets import (
    SecretError,
    Vault,
    load_or_create_key_file,
    new_master_key_text,
    parse_master_key,
)


def _vault() -> Vault:
    return Vault(parse_master_key(new_master_key_text()))


def test_round_trip_and_no_plaintext_in_the_blob() -> None:
    vault = _vault()
    blob = vault.encrypt("sk-provider-secret", "cred_1")
    assert b"sk-provider-secret" not in blob
    assert vault.decrypt(blob, "cred_1") == "sk-provider-secret"


def test_a_blob_moved_to_another_record_does_not_decrypt() -> None:
    vault = _vault()
    blob = vault.encrypt("secret", "cred_1")
    with pytest.raises(SecretError):
        vault.decrypt(blob, "cred_2")


def test_tampering_is_detected() -> None:
    vault = _vault()
    blob = bytearray(vault.encrypt("secret", "cred_1"))
    blob[-1] ^= 1
    with pytest.raises(SecretError):
        vault.decrypt(bytes(blob), "cred_1")


def test_master_key_rotation_rewraps_and_old_blobs_still_open_meanwhile() -> None:
    old_key, new_key = (
        parse_master_key(new_master_key_text()),
        parse_master_key(new_master_key_text()),
    )
    blob = Vault(old_key).encrypt("secret", "cred_1")
    rotating = Vault(new_key, [old_key])
    assert rotating.decrypt(blob, "cred_1") == "secret"
    rewrapped = rotating.rewrap(blob, "cred_1")
    assert Vault(new_key).decrypt(rewrapped, "cred_1") == "secret"
    with pytest.raises(SecretError, match="master key"):
        Vault(new_key).decrypt(blob, "cred_1")


def test_generated_key_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    text = load_or_create_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_key_file(path) == text
    assert len(parse_master_key(text)) == 32


def test_bad_master_key_is_refused() -> None:
    with pytest.raises(SecretError):
        parse_master_key("too-short")
