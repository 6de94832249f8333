"""Plain records the store hands out; no SQL types leak past this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: str
    name: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: str
    project_id: str
    name: str
    prefix: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None  # written in batches, up to a minute late

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    id: str
    project_id: str
    name: str
    provider: str
    base_url: str
    models: list[str]
    settings: dict[str, Any]
    secret: bytes = field(repr=False)
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    kid: str
    public_key: str
    private_key: bytes = field(repr=False)
    created_at: datetime
    retired_at: datetime | None = None
