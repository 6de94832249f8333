"""The store on SQLite and PostgreSQL: migrations from empty, CRUD, tenant scoping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from behest.gateway.errors import NotFound
from behest.gateway.store import ApiKeyRecord, CredentialRecord, Database


def _credential(project_id: str, credential_id: str = "cred_1") -> CredentialRecord:
    now = datetime.now(UTC)
    return CredentialRecord(
        id=credential_id,
        project_id=project_id,
        name="main",
        provider="openai",
        base_url="http://x/v1",
        models=["gpt-*"],
        settings={"quirks": []},
        secret=b"sealed",
        created_at=now,
        updated_at=now,
    )


def test_migrations_run_from_empty_and_are_idempotent(db: Database) -> None:
    db.migrate()
    assert db.config_version() == 1
    assert db.list_projects() == []


def test_project_round_trip_and_every_write_bumps_the_config_version(db: Database) -> None:
    project = db.create_project("proj_a", "A", {"jwt_ttl_s": 600})
    assert db.config_version() == 2
    assert db.get_project("proj_a").settings == {"jwt_ttl_s": 600}
    updated = db.update_project("proj_a", name="A2", settings={"jwt_ttl_s": 300})
    assert (updated.name, updated.settings) == ("A2", {"jwt_ttl_s": 300})
    assert updated.created_at == project.created_at.replace(
        microsecond=updated.created_at.microsecond
    )
    assert db.config_version() == 3


def test_api_keys_are_scoped_by_project_and_revocable(db: Database) -> None:
    db.create_project("proj_a", "A", {})
    db.create_project("proj_b", "B", {})
    record = ApiKeyRecord(
        "key_1", "proj_a", "ci", "behest_sk_live_key_1", "$argon2id$x", datetime.now(UTC)
    )
    db.create_api_key(record)
    assert [k.id for k in db.list_api_keys("proj_a")] == ["key_1"]
    assert db.list_api_keys("proj_b") == []
    with pytest.raises(NotFound):
        db.revoke_api_key("proj_b", "key_1")  # another project's key is invisible
    assert db.revoke_api_key("proj_a", "key_1").revoked


def test_credentials_keep_bytes_and_json_exactly(db: Database) -> None:
    db.create_project("proj_a", "A", {})
    db.create_credential(_credential("proj_a"))
    stored = db.get_credential("proj_a", "cred_1")
    assert (stored.secret, stored.models, stored.settings) == (b"sealed", ["gpt-*"], {"quirks": []})
    with pytest.raises(NotFound):
        db.get_credential("proj_other", "cred_1")
    db.delete_credential("proj_a", "cred_1")
    assert db.list_credentials("proj_a") == []


def test_failed_write_leaves_stored_data_intact(db: Database) -> None:
    db.create_project("proj_a", "A", {"jwt_ttl_s": 600})
    with pytest.raises(Exception):  # noqa: B017 - a duplicate id violates the key
        db.create_project("proj_a", "again", {})
    assert db.get_project("proj_a").name == "A"


def test_deleting_a_project_removes_its_keys_and_credentials(db: Database) -> None:
    db.create_project("proj_a", "A", {})
    db.create_credential(_credential("proj_a"))
    db.delete_project("proj_a")
    assert db.all_credentials() == []
    with pytest.raises(NotFound):
        db.get_project("proj_a")


def test_head_revision_constant_matches_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from behest.gateway.store.db import HEAD_REVISION, MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
