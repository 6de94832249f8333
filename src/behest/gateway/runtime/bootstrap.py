"""Start-up: the master key, the database (migrated), a signing key and the admin token."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from behest.gateway.config.admin import AdminService
from behest.gateway.config.secrets import Vault, load_or_create_key_file, parse_master_key
from behest.gateway.runtime.settings import Settings
from behest.gateway.store import Database

log = logging.getLogger("behest.bootstrap")
_ADMIN_META = "admin_token_sha256"
_STRONG_TOKEN_CHARS = 32


@dataclass(frozen=True, slots=True)
class Foundation:
    settings: Settings
    db: Database
    vault: Vault
    admin: AdminService
    new_admin_token: str | None  # set only on the start that created it


def build_vault(settings: Settings) -> Vault:
    text = settings.master_key or load_or_create_key_file(settings.data_dir / "master.key")
    previous = [parse_master_key(key) for key in settings.previous_master_keys]
    return Vault(parse_master_key(text), previous)


def open_foundation(settings: Settings, *, migrate: bool = True) -> Foundation:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    vault = build_vault(settings)
    db = Database(settings.effective_database_url)
    if migrate:
        db.migrate()
    admin = AdminService(db, vault)
    admin.ensure_signing_key()
    return Foundation(settings, db, vault, admin, ensure_admin_token(settings, db))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_admin_token(settings: Settings, db: Database) -> str | None:
    """Creates the admin token on first start (kept only as a hash, and in a 0600 file)."""
    if settings.admin_token:
        if len(settings.admin_token) < _STRONG_TOKEN_CHARS:
            log.warning(
                "BEHEST_ADMIN_TOKEN is %d characters; use %d or more random ones "
                "(it guards the admin API and the dashboard): python -c "
                "'import secrets; print(secrets.token_urlsafe(32))'",
                len(settings.admin_token),
                _STRONG_TOKEN_CHARS,
            )
        return None
    if db.get_meta(_ADMIN_META):
        return None
    token = "behest_admin_" + secrets.token_urlsafe(32)
    db.set_meta(_ADMIN_META, _digest(token))
    _write_private(settings.data_dir / "admin_token", token)
    return token


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


class AdminTokenCheck:
    """The admin token, and while one is rotated the previous one (both compared, always)."""

    def __init__(self, settings: Settings, db: Database) -> None:
        current = _digest(settings.admin_token) if settings.admin_token else None
        previous = settings.admin_token_previous
        self._current = current or db.get_meta(_ADMIN_META) or ""
        self._previous = _digest(previous) if previous else ""

    def accepts(self, token: str) -> bool:
        return self.actor(token) is not None

    def actor(self, token: str) -> str | None:
        """Who the token is, for the audit log: ``admin``, or ``admin (previous token)``."""
        presented = _digest(token)
        current = bool(self._current) and hmac.compare_digest(self._current, presented)
        previous = bool(self._previous) and hmac.compare_digest(self._previous, presented)
        if current:
            return "admin"
        return "admin (previous token)" if previous else None

    @property
    def fingerprint(self) -> str:
        """A digest of the current token's digest: binds dashboard sessions to it, so that a
        rotation (once the previous token is dropped) ends them too."""
        return _digest(self._current) if self._current else ""
