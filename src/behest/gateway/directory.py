"""The in-process snapshot of configuration the hot path reads instead of the database.

Projects, API keys, decrypted provider credentials and signing keys are loaded whole
and replaced atomically whenever the store's ``config_version`` moves (polled every
``config_poll_s``, and at once after a write through this process's admin API).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from behest.gateway.auth.api_keys import VerifiedKeyCache
from behest.gateway.auth.tokens import SigningKey, TokenService, load_private, load_public
from behest.gateway.project_settings import ProjectSettings
from behest.gateway.secrets import Vault
from behest.gateway.store import ApiKeyRecord, Database, ProjectRecord

log = logging.getLogger("behest.config")


@dataclass(frozen=True, slots=True)
class CredentialView:
    id: str
    project_id: str
    name: str
    provider: str
    base_url: str
    models: tuple[str, ...]
    settings: dict[str, Any]
    api_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ProjectView:
    record: ProjectRecord
    settings: ProjectSettings
    credentials: tuple[CredentialView, ...]

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: int
    projects: dict[str, ProjectView]
    api_keys: dict[str, ApiKeyRecord]
    tokens: TokenService


def load_snapshot(db: Database, vault: Vault) -> Snapshot:
    version = db.config_version()
    credentials: dict[str, list[CredentialView]] = {}
    for record in db.all_credentials():
        view = CredentialView(
            id=record.id, project_id=record.project_id, name=record.name,
            provider=record.provider, base_url=record.base_url, models=tuple(record.models),
            settings=record.settings, api_key=vault.decrypt(record.secret, record.id),
        )
        credentials.setdefault(record.project_id, []).append(view)
    projects = {
        record.id: ProjectView(
            record, _settings_of(record), tuple(credentials.get(record.id, ()))
        )
        for record in db.list_projects()
    }
    keys = {key.id: key for key in db.all_api_keys()}
    signing = [
        SigningKey(
            key.kid, load_private(vault.decrypt(key.private_key, key.kid)),
            load_public(key.public_key), key.retired_at,
        )
        for key in db.signing_keys()
    ]
    return Snapshot(version, projects, keys, TokenService(signing))


def _settings_of(record: ProjectRecord) -> ProjectSettings:
    try:
        return ProjectSettings.from_dict(record.settings)
    except Exception:  # noqa: BLE001 - one bad row must not take every project down
        log.exception("project %s has invalid settings; using defaults", record.id)
        return ProjectSettings()


class Directory:
    def __init__(self, db: Database, vault: Vault, key_cache: VerifiedKeyCache) -> None:
        self.db = db
        self.vault = vault
        self.key_cache = key_cache
        self.snapshot = load_snapshot(db, vault)
        self._lock = asyncio.Lock()
        self.listeners: list[Any] = []

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            version = await asyncio.to_thread(self.db.config_version)
            if version == self.snapshot.version and not force:
                return
            snapshot = await asyncio.to_thread(load_snapshot, self.db, self.vault)
            self._apply(snapshot)

    def _apply(self, snapshot: Snapshot) -> None:
        revoked = [key.id for key in snapshot.api_keys.values() if key.revoked]
        for key_id in revoked:
            self.key_cache.drop_key(key_id)
        self.snapshot = snapshot
        for listener in self.listeners:
            listener(snapshot)

    async def poll(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 - keep serving the last good snapshot
                log.exception("configuration refresh failed; keeping the previous snapshot")
