"""The ``behest`` command: run the gateway and administer it.

Administrative commands work on the database directly (the same ``BEHEST_*``
settings as the server); a running gateway picks the change up within a second.
Every command that creates or lists something prints JSON with ``--json``. Every command
that changes something is written to the audit log, as the admin API's changes are.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

from behest.gateway.errors import GatewayError
from behest.gateway.runtime.bootstrap import Foundation, open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.store.audit_queries import AuditEntry

Command = Callable[[argparse.Namespace], Any]


def _foundation(args: argparse.Namespace) -> Foundation:
    """The store and services, opened once per command."""
    opened: Foundation | None = getattr(args, "opened_foundation", None)
    if opened is None:
        overrides = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
        opened = open_foundation(Settings.from_env(**overrides))
        args.opened_foundation = opened
    return opened


_TARGET_ARGS = ("project", "key", "credential")


def _actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        user = str(os.getuid())
    return f"cli {user}@{socket.gethostname()}"


def _record(args: argparse.Namespace, entry: AuditEntry) -> None:
    try:
        _foundation(args).db.append_audit(entry)
    except Exception:  # the change stands; say that its entry is missing
        logging.getLogger("behest.audit").exception("audit entry not written: %s", entry.action)


def audited(action: str) -> Callable[[Command], Command]:
    """Writes one audit entry per run of the command: who, what, the ids, the outcome."""

    def wrap(command: Command) -> Command:
        @functools.wraps(command)
        def run(args: argparse.Namespace) -> Any:
            target = {
                name: str(getattr(args, name)) for name in _TARGET_ARGS if hasattr(args, name)
            }
            status = 500
            try:
                result = command(args)
                status = 200
                if isinstance(result, dict) and isinstance(result.get("id"), str):
                    target.setdefault("id", result["id"])
                return result
            except GatewayError as error:
                status = error.status
                raise
            except SystemExit:  # refused before anything changed (a missing argument)
                status = 400
                raise
            finally:
                _record(args, AuditEntry(_actor(), f"cli {action}", target, status, ""))

        return run

    return wrap


def _print(args: argparse.Namespace, result: Any, human: Callable[[Any], str]) -> None:
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(human(result))


def _rows(items: list[dict[str, Any]], *fields: str) -> str:
    if not items:
        return "(none)"
    return "\n".join("  ".join(str(item.get(f) or "-") for f in fields) for item in items)


def _settings_arg(args: argparse.Namespace) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(args.settings) if args.settings else {}
    if getattr(args, "allow_api_key_access", None) is not None:
        settings["allow_api_key_access"] = args.allow_api_key_access
    if getattr(args, "jwt_ttl", None) is not None:
        settings["jwt_ttl_s"] = args.jwt_ttl
    if getattr(args, "cors_origin", None):
        settings["cors_origins"] = args.cors_origin
    return settings


@audited("projects create")
def projects_create(args: argparse.Namespace) -> Any:
    result = _foundation(args).admin.create_project(
        {"name": args.name, "settings": _settings_arg(args)}
    )
    _print(args, result, lambda r: f"created project {r['id']} ({r['name']})")
    return result


def projects_list(args: argparse.Namespace) -> None:
    _print(
        args,
        _foundation(args).admin.list_projects(),
        lambda r: _rows(r, "id", "name", "created_at"),
    )


def projects_show(args: argparse.Namespace) -> None:
    result = _foundation(args).admin.show_project(args.project)
    _print(args, result, lambda r: json.dumps(r, indent=2))


@audited("projects update")
def projects_update(args: argparse.Namespace) -> Any:
    data: dict[str, Any] = {"settings": _settings_arg(args)}
    if args.name:
        data["name"] = args.name
    result = _foundation(args).admin.update_project(args.project, data)
    _print(args, result, lambda r: json.dumps(r, indent=2))
    return result


@audited("keys create")
def keys_create(args: argparse.Namespace) -> Any:
    result = _foundation(args).admin.create_api_key(args.project, {"name": args.name or ""})
    _print(args, result, lambda r: f"{r['key']}\n(shown once; key id {r['id']})")
    return result


def keys_list(args: argparse.Namespace) -> None:
    result = _foundation(args).admin.list_api_keys(args.project)
    _print(args, result, lambda r: _rows(r, "id", "prefix", "name", "created_at", "revoked_at"))


@audited("keys revoke")
def keys_revoke(args: argparse.Namespace) -> Any:
    result = _foundation(args).admin.revoke_api_key(args.project, args.key)
    _print(args, result, lambda r: f"revoked {r['id']}")
    return result


def _api_key_value(args: argparse.Namespace) -> str | None:
    if args.api_key_env:
        return os.environ.get(args.api_key_env, "")
    return str(args.api_key) if args.api_key is not None else None


@audited("credentials add")
def credentials_add(args: argparse.Namespace) -> Any:
    data: dict[str, Any] = {
        "provider": args.provider,
        "name": args.name or args.provider,
        "base_url": args.base_url or "",
        "api_key": _api_key_value(args) or "",
        "models": [m for m in (args.models or "").split(",") if m],
        "settings": json.loads(args.settings) if args.settings else {},
    }
    result = _foundation(args).admin.add_credential(args.project, data)
    _print(args, result, lambda r: f"added credential {r['id']} ({r['provider']})")
    return result


def credentials_list(args: argparse.Namespace) -> None:
    result = _foundation(args).admin.list_credentials(args.project)
    _print(args, result, lambda r: _rows(r, "id", "name", "provider", "base_url", "models"))


@audited("credentials rotate")
def credentials_rotate(args: argparse.Namespace) -> Any:
    key = _api_key_value(args)
    if not key:
        raise SystemExit("give the new key with --api-key or --api-key-env")
    result = _foundation(args).admin.update_credential(
        args.project, args.credential, {"api_key": key}
    )
    _print(args, result, lambda r: f"rotated {r['id']}")
    return result


@audited("credentials delete")
def credentials_delete(args: argparse.Namespace) -> Any:
    _foundation(args).admin.delete_credential(args.project, args.credential)
    print(f"deleted {args.credential}")


@audited("signing rotate")
def signing_rotate(args: argparse.Namespace) -> Any:
    result = _foundation(args).admin.rotate_signing_key()
    _print(
        args,
        result,
        lambda r: f"new signing key {r['kid']}; older keys verify until their tokens expire",
    )


@audited("master rewrap")
def master_rewrap(args: argparse.Namespace) -> Any:
    result = _foundation(args).admin.rewrap_secrets()
    _print(
        args,
        result,
        lambda r: f"re-sealed {r['credentials']} credentials, {r['signing_keys']} signing keys",
    )


def serve(args: argparse.Namespace) -> None:
    from behest.gateway.serving.serve import run

    overrides: dict[str, Any] = {}
    for name in ("host", "port", "data_dir", "workers"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    if args.demo:
        overrides["demo"] = True
    run(Settings.from_env(**overrides))


def mock_upstream(args: argparse.Namespace) -> None:
    from behest.gateway.serving.serve import run_mock

    run_mock(args.provider, args.host, args.port, args.reply_words)


def _parser() -> argparse.ArgumentParser:
    from behest.gateway.cli.parser import build_parser

    return build_parser(sys.modules[__name__])


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        args.func(args)
    except GatewayError as error:
        print(f"error: {error.message}", file=sys.stderr)
        raise SystemExit(1) from error
