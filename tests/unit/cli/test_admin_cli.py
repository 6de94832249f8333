"""Admin operations and the CLI over a real store: what they print, seal and refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from behest.gateway.cli import commands as cli
from behest.gateway.config.secrets import Vault, new_master_key_text, parse_master_key
from behest.gateway.errors import InvalidRequest
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> object:
    cli.main([*args, "--data-dir", str(data_dir), "--json"])
    return json.loads(capsys.readouterr().out)


def test_cli_creates_and_lists_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _run(capsys, tmp_path, "projects", "create", "app", "--allow-api-key-access")
    assert isinstance(project, dict) and project["settings"]["allow_api_key_access"] is True
    key = _run(capsys, tmp_path, "keys", "create", project["id"], "--name", "ci")
    assert isinstance(key, dict) and key["key"].startswith("behest_sk_live_")
    listed = _run(capsys, tmp_path, "keys", "list", project["id"])
    assert isinstance(listed, list) and "key" not in listed[0]  # shown once, never again
    assert listed[0]["prefix"] == key["key"][: len(listed[0]["prefix"])]
    credential = _run(
        capsys,
        tmp_path,
        "credentials",
        "add",
        project["id"],
        "--provider",
        "openai",
        "--api-key",
        "sk-secret-value",
        "--models",
        "gpt-4o,gpt-4o-mini",
    )
    assert isinstance(credential, dict) and credential["models"] == ["gpt-4o", "gpt-4o-mini"]
    listed = _run(capsys, tmp_path, "credentials", "list", project["id"])
    assert "sk-secret-value" not in json.dumps(listed)


def test_cli_reports_errors_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["projects", "show", "proj_missing", "--data-dir", str(tmp_path)])
    assert exited.value.code == 1
    assert "No project" in capsys.readouterr().err


def test_unknown_provider_needs_a_base_url(tmp_path: Path) -> None:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token="t"))
    project = foundation.admin.create_project({"name": "p"})
    with pytest.raises(InvalidRequest, match="base_url"):
        foundation.admin.add_credential(project["id"], {"provider": "acme", "api_key": "k"})
    custom = foundation.admin.add_credential(
        project["id"], {"provider": "acme", "base_url": "http://127.0.0.1:1/v1", "api_key": "k"}
    )
    assert custom["provider"] == "acme"
    foundation.db.close()


def test_bad_project_settings_are_refused(tmp_path: Path) -> None:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token="t"))
    for settings in ({"jwt_ttl_s": 5}, {"nope": 1}, {"guard": {"pii_mode": "sometimes"}}):
        with pytest.raises(InvalidRequest):
            foundation.admin.create_project({"name": "p", "settings": settings})
    assert foundation.admin.list_projects() == []
    foundation.db.close()


def test_master_key_rotation_reseals_every_secret(tmp_path: Path) -> None:
    old_text, new_text = new_master_key_text(), new_master_key_text()
    old = open_foundation(Settings(data_dir=tmp_path, admin_token="t", master_key=old_text))
    project = old.admin.create_project({"name": "p"})
    credential = old.admin.add_credential(project["id"], {"provider": "openai", "api_key": "sk-1"})
    old.db.close()
    rotating = open_foundation(
        Settings(
            data_dir=tmp_path,
            admin_token="t",
            master_key=new_text,
            previous_master_keys=(old_text,),
        )
    )
    assert rotating.admin.rewrap_secrets()["credentials"] == 1
    stored = rotating.db.get_credential(project["id"], credential["id"])
    assert Vault(parse_master_key(new_text)).decrypt(stored.secret, credential["id"]) == "sk-1"
    rotating.db.close()


def test_cli_changes_are_audited_and_reads_are_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _run(capsys, tmp_path, "projects", "create", "app")
    assert isinstance(project, dict)
    key = _run(capsys, tmp_path, "keys", "create", project["id"])
    assert isinstance(key, dict)
    _run(capsys, tmp_path, "keys", "list", project["id"])
    _run(capsys, tmp_path, "keys", "revoke", project["id"], key["id"])
    with pytest.raises(SystemExit):
        cli.main(["keys", "revoke", "proj_missing", "key_missing", "--data-dir", str(tmp_path)])
    entries = open_foundation(Settings(data_dir=tmp_path, admin_token="t")).db.list_audit()
    assert [(e.action, e.status) for e in reversed(entries)] == [
        ("cli projects create", 200),
        ("cli keys create", 200),
        ("cli keys revoke", 200),
        ("cli keys revoke", 404),
    ]
    created, made_key, revoked, refused = reversed(entries)
    assert created.target == {"id": project["id"]}
    assert made_key.target == {"project": project["id"], "id": key["id"]}
    assert revoked.target == {"project": project["id"], "key": key["id"], "id": key["id"]}
    assert refused.target == {"project": "proj_missing", "key": "key_missing"}
    assert all(e.actor.startswith("cli ") for e in entries)
    assert key["key"] not in repr(entries)  # ids only, never a secret
