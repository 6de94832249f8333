"""Administrative operations, shared by the admin HTTP API and the CLI.

Synchronous (they run in a worker thread behind the API); every result is plain JSON
that never carries a provider key or an API key's hash.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from behest.gateway.auth import api_keys, tokens
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.config.secrets import Vault
from behest.gateway.errors import InvalidRequest
from behest.gateway.providers.profiles import PROFILES, target_for
from behest.gateway.routing.targets import overrides_of, profile_of
from behest.gateway.store import (
    ApiKeyRecord,
    CredentialRecord,
    Database,
    ProjectRecord,
    SigningKeyRecord,
)


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def project_json(record: ProjectRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "project",
        "name": record.name,
        "settings": ProjectSettings.stored(record.settings).to_dict(),
        "created_at": _iso(record.created_at),
        "updated_at": _iso(record.updated_at),
    }


def api_key_json(record: ApiKeyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "api_key",
        "project_id": record.project_id,
        "name": record.name,
        "prefix": record.prefix,
        "created_at": _iso(record.created_at),
        "revoked_at": _iso(record.revoked_at),
        "last_used_at": _iso(record.last_used_at),
    }


def credential_json(record: CredentialRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "provider_credential",
        "project_id": record.project_id,
        "name": record.name,
        "provider": record.provider,
        "base_url": record.base_url,
        "models": record.models,
        "settings": record.settings,
        "created_at": _iso(record.created_at),
        "updated_at": _iso(record.updated_at),
    }


def _text(data: dict[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = data.get(name, None if required else default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidRequest(f"'{name}' must be a non-empty string.", param=name)
    return value.strip()


def _models(data: dict[str, Any]) -> list[str]:
    value = data.get("models", [])
    if not isinstance(value, list) or not all(isinstance(m, str) and m for m in value):
        raise InvalidRequest("'models' must be a list of model names or patterns.", param="models")
    return list(value)


def _settings(data: dict[str, Any]) -> dict[str, Any]:
    value = data.get("settings", {})
    if not isinstance(value, dict):
        raise InvalidRequest("'settings' must be an object.", param="settings")
    return dict(value)


class AdminService:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    # projects

    def create_project(self, data: dict[str, Any]) -> dict[str, Any]:
        name = _text(data, "name")
        settings = ProjectSettings.from_dict(_settings(data)).to_dict()
        return project_json(self.db.create_project(_id("proj"), name, settings))

    def list_projects(self) -> list[dict[str, Any]]:
        return [project_json(record) for record in self.db.list_projects()]

    def show_project(self, project_id: str) -> dict[str, Any]:
        return project_json(self.db.get_project(project_id))

    def update_project(self, project_id: str, data: dict[str, Any]) -> dict[str, Any]:
        current = self.db.get_project(project_id)
        name = _text(data, "name") if "name" in data else None
        settings = ProjectSettings.stored(current.settings).merged(_settings(data)).to_dict()
        return project_json(self.db.update_project(project_id, name=name, settings=settings))

    def delete_project(self, project_id: str) -> None:
        self.db.delete_project(project_id)

    # API keys

    def create_api_key(self, project_id: str, data: dict[str, Any]) -> dict[str, Any]:
        new = api_keys.generate()
        record = ApiKeyRecord(
            new.key_id,
            project_id,
            _text(data, "name", required=False),
            new.prefix,
            new.secret_hash,
            datetime.now(UTC),
        )
        self.db.create_api_key(record)
        return {**api_key_json(record), "key": new.plaintext}

    def list_api_keys(self, project_id: str) -> list[dict[str, Any]]:
        self.db.get_project(project_id)
        return [api_key_json(record) for record in self.db.list_api_keys(project_id)]

    def revoke_api_key(self, project_id: str, key_id: str) -> dict[str, Any]:
        return api_key_json(self.db.revoke_api_key(project_id, key_id))

    # provider credentials

    def add_credential(self, project_id: str, data: dict[str, Any]) -> dict[str, Any]:
        provider = _text(data, "provider")
        base_url = _text(data, "base_url", required=False)
        if provider not in PROFILES and not base_url:
            raise InvalidRequest(
                f"Provider {provider!r} is not built in ({', '.join(sorted(PROFILES))}); "
                "give its OpenAI-compatible base_url.",
                param="base_url",
            )
        _check_target(provider, base_url, _settings(data))
        credential_id, now = _id("cred"), datetime.now(UTC)
        record = CredentialRecord(
            id=credential_id,
            project_id=project_id,
            name=_text(data, "name", required=False, default=provider) or provider,
            provider=provider,
            base_url=base_url.rstrip("/"),
            models=_models(data),
            settings=_settings(data),
            secret=self.vault.encrypt(_text(data, "api_key", required=False), credential_id),
            created_at=now,
            updated_at=now,
        )
        self.db.create_credential(record)
        return credential_json(record)

    def list_credentials(self, project_id: str) -> list[dict[str, Any]]:
        self.db.get_project(project_id)
        return [credential_json(record) for record in self.db.list_credentials(project_id)]

    def update_credential(
        self, project_id: str, credential_id: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Changes models, settings or base URL; a new ``api_key`` rotates the secret."""
        current = self.db.get_credential(project_id, credential_id)
        secret = current.secret
        if "api_key" in data:
            secret = self.vault.encrypt(_text(data, "api_key"), credential_id)
        record = CredentialRecord(
            id=current.id,
            project_id=project_id,
            name=_text(data, "name") if "name" in data else current.name,
            provider=current.provider,
            base_url=_text(data, "base_url").rstrip("/")
            if "base_url" in data
            else current.base_url,
            models=_models(data) if "models" in data else current.models,
            settings=_settings(data) if "settings" in data else current.settings,
            secret=secret,
            created_at=current.created_at,
            updated_at=datetime.now(UTC),
        )
        _check_target(record.provider, record.base_url, record.settings)
        self.db.update_credential(record)
        return credential_json(record)

    def delete_credential(self, project_id: str, credential_id: str) -> None:
        self.db.delete_credential(project_id, credential_id)

    # signing keys and the master key

    def rotate_signing_key(self) -> dict[str, Any]:
        kid, private = tokens.new_signing_key()
        record = SigningKeyRecord(
            kid,
            tokens.public_raw_b64(private.public_key()),
            self.vault.encrypt(tokens.private_pem(private), kid),
            datetime.now(UTC),
        )
        self.db.add_signing_key(record, retire_others=True)
        return {"kid": kid, "object": "signing_key", "created_at": _iso(record.created_at)}

    def ensure_signing_key(self) -> None:
        if not any(key.retired_at is None for key in self.db.signing_keys()):
            self.rotate_signing_key()

    def rewrap_secrets(self) -> dict[str, int]:
        """After a master key change: every secret re-sealed under the current key."""
        credentials = self.db.rewrap_credential_secrets(self.vault.rewrap)
        signing = self.db.rewrap_signing_keys(self.vault.rewrap)
        return {"credentials": credentials, "signing_keys": signing}


def _check_target(provider: str, base_url: str, settings: dict[str, Any]) -> None:
    """Builds a target once, so a bad base URL, auth style or quirk is a 400 now."""
    try:
        profile = profile_of(provider, base_url, settings)
        target_for(profile, "probe", "", "", overrides_of(base_url, settings))
    except (ValueError, TypeError) as exc:
        raise InvalidRequest(f"The credential's settings are invalid: {exc}.") from exc
