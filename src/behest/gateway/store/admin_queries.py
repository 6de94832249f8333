"""Queries for configuration: projects, API keys, credentials, signing keys, meta.

Every write bumps ``config_version`` in the same transaction, which is how replicas
learn that their cached configuration is stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Engine, Table, delete, insert, or_, select, update
from sqlalchemy.engine import Row

from behest.gateway.errors import NotFound
from behest.gateway.store import tables
from behest.gateway.store.records import (
    ApiKeyRecord,
    CredentialRecord,
    ProjectRecord,
    SigningKeyRecord,
)

Rewrap = Callable[[bytes, str], bytes]


def _now() -> datetime:
    return datetime.now(UTC)


def _bump(connection: Connection) -> None:
    version = tables.config_version.c.version
    connection.execute(update(tables.config_version).values(version=version + 1))


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite drops the zone


def _maybe_aware(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def _project(row: Row[Any]) -> ProjectRecord:
    return ProjectRecord(
        row.id,
        row.name,
        orjson.loads(row.settings),
        _aware(row.created_at),
        _aware(row.updated_at),
    )


def _api_key(row: Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        row.id,
        row.project_id,
        row.name,
        row.prefix,
        row.secret_hash,
        _aware(row.created_at),
        _maybe_aware(row.revoked_at),
        _maybe_aware(row.last_used_at),
    )


def _credential(row: Row[Any]) -> CredentialRecord:
    return CredentialRecord(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        provider=row.provider,
        base_url=row.base_url,
        models=orjson.loads(row.models),
        settings=orjson.loads(row.settings),
        secret=bytes(row.secret),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


def _signing_key(row: Row[Any]) -> SigningKeyRecord:
    return SigningKeyRecord(
        row.kid,
        row.public_key,
        bytes(row.private_key),
        _aware(row.created_at),
        _maybe_aware(row.retired_at),
    )


class AdminQueries:
    engine: Engine

    # projects

    def create_project(self, project_id: str, name: str, settings: dict[str, Any]) -> ProjectRecord:
        now = _now()
        with self.engine.begin() as connection:
            connection.execute(
                insert(tables.projects).values(
                    id=project_id,
                    name=name,
                    settings=orjson.dumps(settings).decode(),
                    created_at=now,
                    updated_at=now,
                )
            )
            _bump(connection)
        return ProjectRecord(project_id, name, settings, now, now)

    def list_projects(self) -> list[ProjectRecord]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tables.projects).order_by(tables.projects.c.created_at)
            )
            return [_project(row) for row in rows]

    def get_project(self, project_id: str) -> ProjectRecord:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(tables.projects).where(tables.projects.c.id == project_id)
            ).first()
        if row is None:
            raise NotFound(f"No project with id {project_id!r}.")
        return _project(row)

    def update_project(
        self, project_id: str, *, name: str | None = None, settings: dict[str, Any] | None = None
    ) -> ProjectRecord:
        values: dict[str, Any] = {"updated_at": _now()}
        if name is not None:
            values["name"] = name
        if settings is not None:
            values["settings"] = orjson.dumps(settings).decode()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(tables.projects).where(tables.projects.c.id == project_id).values(**values)
            )
            if result.rowcount == 0:
                raise NotFound(f"No project with id {project_id!r}.")
            _bump(connection)
        return self.get_project(project_id)

    def delete_project(self, project_id: str) -> None:
        with self.engine.begin() as connection:
            for table in (tables.api_keys, tables.credentials):
                connection.execute(delete(table).where(table.c.project_id == project_id))
            result = connection.execute(
                delete(tables.projects).where(tables.projects.c.id == project_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"No project with id {project_id!r}.")
            _bump(connection)

    # API keys

    def create_api_key(self, record: ApiKeyRecord) -> None:
        self.get_project(record.project_id)
        with self.engine.begin() as connection:
            connection.execute(
                insert(tables.api_keys).values(
                    id=record.id,
                    project_id=record.project_id,
                    name=record.name,
                    prefix=record.prefix,
                    secret_hash=record.secret_hash,
                    created_at=record.created_at,
                    revoked_at=None,
                )
            )
            _bump(connection)

    def list_api_keys(self, project_id: str) -> list[ApiKeyRecord]:
        keys = tables.api_keys
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(keys).where(keys.c.project_id == project_id).order_by(keys.c.created_at)
            )
            return [_api_key(row) for row in rows]

    def all_api_keys(self) -> list[ApiKeyRecord]:
        with self.engine.connect() as connection:
            return [_api_key(row) for row in connection.execute(select(tables.api_keys))]

    def touch_api_keys(self, uses: Mapping[str, datetime]) -> None:
        """Moves each key's ``last_used_at`` forward (never back). Not configuration: no
        ``config_version`` bump, so replicas do not reload for it."""
        keys = tables.api_keys
        with self.engine.begin() as connection:
            for key_id, used_at in sorted(uses.items()):
                connection.execute(
                    update(keys)
                    .where(
                        keys.c.id == key_id,
                        or_(keys.c.last_used_at.is_(None), keys.c.last_used_at < used_at),
                    )
                    .values(last_used_at=used_at)
                )

    def revoke_api_key(self, project_id: str, key_id: str) -> ApiKeyRecord:
        keys = tables.api_keys
        with self.engine.begin() as connection:
            result = connection.execute(
                update(keys)
                .where(keys.c.project_id == project_id, keys.c.id == key_id)
                .values(revoked_at=_now())
            )
            if result.rowcount == 0:
                raise NotFound(f"No API key {key_id!r} in project {project_id!r}.")
            _bump(connection)
            row = connection.execute(select(keys).where(keys.c.id == key_id)).one()
        return _api_key(row)

    # provider credentials

    def create_credential(self, record: CredentialRecord) -> None:
        self.get_project(record.project_id)
        with self.engine.begin() as connection:
            connection.execute(insert(tables.credentials).values(**_credential_values(record)))
            _bump(connection)

    def list_credentials(self, project_id: str) -> list[CredentialRecord]:
        creds = tables.credentials
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(creds).where(creds.c.project_id == project_id).order_by(creds.c.created_at)
            )
            return [_credential(row) for row in rows]

    def all_credentials(self) -> list[CredentialRecord]:
        with self.engine.connect() as connection:
            return [_credential(row) for row in connection.execute(select(tables.credentials))]

    def get_credential(self, project_id: str, credential_id: str) -> CredentialRecord:
        creds = tables.credentials
        with self.engine.connect() as connection:
            row = connection.execute(
                select(creds).where(creds.c.project_id == project_id, creds.c.id == credential_id)
            ).first()
        if row is None:
            raise NotFound(f"No provider credential {credential_id!r} in project {project_id!r}.")
        return _credential(row)

    def update_credential(self, record: CredentialRecord) -> None:
        creds = tables.credentials
        values = _credential_values(record)
        values.pop("created_at")
        with self.engine.begin() as connection:
            result = connection.execute(
                update(creds)
                .where(creds.c.project_id == record.project_id, creds.c.id == record.id)
                .values(**values)
            )
            if result.rowcount == 0:
                raise NotFound(f"No provider credential {record.id!r}.")
            _bump(connection)

    def delete_credential(self, project_id: str, credential_id: str) -> None:
        creds = tables.credentials
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(creds).where(creds.c.project_id == project_id, creds.c.id == credential_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"No provider credential {credential_id!r}.")
            _bump(connection)

    def rewrap_credential_secrets(self, rewrap: Rewrap) -> int:
        """Re-seals every credential secret with ``rewrap(blob, id)`` in one transaction."""
        creds = tables.credentials
        return self._rewrap(creds, creds.c.id, creds.c.secret, rewrap)

    # signing keys

    def add_signing_key(self, record: SigningKeyRecord, *, retire_others: bool) -> None:
        keys = tables.signing_keys
        with self.engine.begin() as connection:
            if retire_others:
                connection.execute(
                    update(keys).where(keys.c.retired_at.is_(None)).values(retired_at=_now())
                )
            connection.execute(
                insert(keys).values(
                    kid=record.kid,
                    public_key=record.public_key,
                    private_key=record.private_key,
                    created_at=record.created_at,
                    retired_at=None,
                )
            )
            _bump(connection)

    def signing_keys(self) -> list[SigningKeyRecord]:
        keys = tables.signing_keys
        with self.engine.connect() as connection:
            rows = connection.execute(select(keys).order_by(keys.c.created_at))
            return [_signing_key(row) for row in rows]

    def rewrap_signing_keys(self, rewrap: Rewrap) -> int:
        keys = tables.signing_keys
        return self._rewrap(keys, keys.c.kid, keys.c.private_key, rewrap)

    def _rewrap(self, table: Table, key: Column[Any], blob: Column[Any], rewrap: Rewrap) -> int:
        with self.engine.begin() as connection:
            rows = connection.execute(select(key, blob)).all()
            for row_key, row_blob in rows:
                sealed = rewrap(bytes(row_blob), row_key)
                connection.execute(update(table).where(key == row_key).values({blob.name: sealed}))
            _bump(connection)
        return len(rows)

    # meta

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(tables.meta.c.value).where(tables.meta.c.key == key)
            ).first()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(tables.meta).where(tables.meta.c.key == key))
            connection.execute(insert(tables.meta).values(key=key, value=value))

    def delete_meta(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(tables.meta).where(tables.meta.c.key == key))

    def meta_items(self, prefix: str) -> dict[str, str]:
        """Every meta entry whose key starts with ``prefix``."""
        meta = tables.meta
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(meta.c.key, meta.c.value).where(meta.c.key.startswith(prefix))
            )
            return {str(row[0]): str(row[1]) for row in rows}


def _credential_values(record: CredentialRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "project_id": record.project_id,
        "name": record.name,
        "provider": record.provider,
        "base_url": record.base_url,
        "models": orjson.dumps(record.models).decode(),
        "settings": orjson.dumps(record.settings).decode(),
        "secret": record.secret,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
