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
from behest.gateway.auth.tokens import (
    Claims,
    SigningKey,
    TokenService,
    load_private,
    load_public,
)
from behest.gateway.cache import CachePolicy
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.config.secrets import Vault
from behest.gateway.guard import GuardPolicy
from behest.gateway.limits import LimitPolicy
from behest.gateway.providers.base import Target
from behest.gateway.providers.profiles import ProviderProfile, TargetOverrides, target_for
from behest.gateway.routing.policy import RoutingPolicy
from behest.gateway.routing.targets import overrides_of, profile_of
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
    profile: ProviderProfile
    overrides: TargetOverrides | None
    api_key: str = field(repr=False)

    def target(self, model: str) -> Target:
        return target_for(self.profile, model, self.api_key, self.id, self.overrides)


@dataclass(frozen=True, slots=True)
class ProjectView:
    record: ProjectRecord
    settings: ProjectSettings
    credentials: tuple[CredentialView, ...]
    limits: LimitPolicy = field(default_factory=LimitPolicy)
    guard: GuardPolicy = field(default_factory=GuardPolicy.default)
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    cache: CachePolicy = field(default_factory=CachePolicy)

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: int
    projects: dict[str, ProjectView]
    api_keys: dict[str, ApiKeyRecord]
    tokens: TokenService


def load_snapshot(
    db: Database, vault: Vault, verified: dict[bytes, Claims] | None = None
) -> Snapshot:
    version = db.config_version()
    credentials: dict[str, list[CredentialView]] = {}
    for record in db.all_credentials():
        if record.settings.get("disabled") is True:  # kept, but routes nothing
            continue
        try:
            view = CredentialView(
                id=record.id,
                project_id=record.project_id,
                name=record.name,
                provider=record.provider,
                base_url=record.base_url,
                models=tuple(record.models),
                settings=record.settings,
                profile=profile_of(record.provider, record.base_url, record.settings),
                overrides=overrides_of(record.base_url, record.settings),
                api_key=vault.decrypt(record.secret, record.id),
            )
        except Exception:
            log.exception("credential %s cannot be used; skipping it", record.id)
            continue
        credentials.setdefault(record.project_id, []).append(view)
    projects = {
        record.id: _project_view(record, tuple(credentials.get(record.id, ())))
        for record in db.list_projects()
    }
    keys = {key.id: key for key in db.all_api_keys()}
    signing = [
        SigningKey(
            key.kid,
            load_private(vault.decrypt(key.private_key, key.kid)),
            load_public(key.public_key),
            key.retired_at,
        )
        for key in db.signing_keys()
    ]
    return Snapshot(version, projects, keys, TokenService(signing, verified))


def _project_view(record: ProjectRecord, credentials: tuple[CredentialView, ...]) -> ProjectView:
    try:
        settings = ProjectSettings.stored(record.settings)
        return ProjectView(
            record,
            settings,
            credentials,
            LimitPolicy.from_dict(settings.limits),
            GuardPolicy.from_dict(settings.guard),
            settings.routing(),
            CachePolicy.parse(settings.cache),
        )
    except Exception:
        log.exception("project %s has invalid settings; using the safe defaults", record.id)
        return ProjectView(record, ProjectSettings(), credentials)


class Directory:
    def __init__(self, db: Database, vault: Vault, key_cache: VerifiedKeyCache) -> None:
        self.db = db
        self.vault = vault
        self.key_cache = key_cache
        self.verified_tokens: dict[bytes, Claims] = {}
        self.snapshot = load_snapshot(db, vault, self.verified_tokens)
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            version = await asyncio.to_thread(self.db.config_version)
            if version == self.snapshot.version and not force:
                return
            snapshot = await asyncio.to_thread(
                load_snapshot, self.db, self.vault, self.verified_tokens
            )
            self._apply(snapshot)

    def _apply(self, snapshot: Snapshot) -> None:
        revoked = [key.id for key in snapshot.api_keys.values() if key.revoked]
        for key_id in revoked:
            self.key_cache.drop_key(key_id)
        self.snapshot = snapshot

    async def poll(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("configuration refresh failed; keeping the previous snapshot")
