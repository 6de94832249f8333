"""The argument grammar of the ``behest`` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType


def _common(parser: argparse.ArgumentParser, *, listing: bool = True) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="state folder (default: $BEHEST_DATA_DIR or .behest)"
    )
    if listing:
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _project_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-api-key-access",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let the API key call /v1 directly with X-End-User-Id",
    )
    parser.add_argument("--jwt-ttl", type=int, help="access token lifetime in seconds")
    parser.add_argument("--cors-origin", action="append", help="an allowed browser origin (repeat)")
    parser.add_argument("--settings", help="settings as a JSON object (merged)")


def _projects(sub: argparse._SubParsersAction[argparse.ArgumentParser], cli: ModuleType) -> None:
    group = sub.add_parser("projects", help="create and manage projects").add_subparsers(
        required=True
    )
    create = group.add_parser("create")
    create.add_argument("name")
    _project_settings(create)
    create.set_defaults(func=cli.projects_create)
    listing = group.add_parser("list")
    listing.set_defaults(func=cli.projects_list)
    show = group.add_parser("show")
    show.add_argument("project")
    show.set_defaults(func=cli.projects_show)
    update = group.add_parser("update")
    update.add_argument("project")
    update.add_argument("--name")
    _project_settings(update)
    update.set_defaults(func=cli.projects_update)
    for parser in (create, listing, show, update):
        _common(parser)


def _keys(sub: argparse._SubParsersAction[argparse.ArgumentParser], cli: ModuleType) -> None:
    group = sub.add_parser("keys", help="project API keys").add_subparsers(required=True)
    create = group.add_parser("create")
    create.add_argument("project")
    create.add_argument("--name")
    create.set_defaults(func=cli.keys_create)
    listing = group.add_parser("list")
    listing.add_argument("project")
    listing.set_defaults(func=cli.keys_list)
    revoke = group.add_parser("revoke")
    revoke.add_argument("project")
    revoke.add_argument("key")
    revoke.set_defaults(func=cli.keys_revoke)
    for parser in (create, listing, revoke):
        _common(parser)


def _secret_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-key", help="the provider key (prefer --api-key-env)")
    parser.add_argument(
        "--api-key-env", help="read the provider key from this environment variable"
    )


def _credentials(sub: argparse._SubParsersAction[argparse.ArgumentParser], cli: ModuleType) -> None:
    group = sub.add_parser("credentials", help="provider credentials").add_subparsers(required=True)
    add = group.add_parser("add")
    add.add_argument("project")
    add.add_argument(
        "--provider", required=True, help="openai, anthropic, gemini, or a name for a custom one"
    )
    add.add_argument("--name")
    add.add_argument("--base-url", help="the provider's base URL (required for custom providers)")
    add.add_argument(
        "--models", help="comma-separated model names or patterns this credential serves"
    )
    add.add_argument("--settings", help="JSON: api_format, auth_style, headers, query, quirks")
    _secret_args(add)
    add.set_defaults(func=cli.credentials_add)
    listing = group.add_parser("list")
    listing.add_argument("project")
    listing.set_defaults(func=cli.credentials_list)
    rotate = group.add_parser("rotate")
    rotate.add_argument("project")
    rotate.add_argument("credential")
    _secret_args(rotate)
    rotate.set_defaults(func=cli.credentials_rotate)
    delete = group.add_parser("delete")
    delete.add_argument("project")
    delete.add_argument("credential")
    delete.set_defaults(func=cli.credentials_delete)
    for parser in (add, listing, rotate, delete):
        _common(parser)


def build_parser(cli: ModuleType) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="behest", description="The behest AI gateway")
    sub = parser.add_subparsers(required=True, metavar="command")
    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes sharing the port")
    serve.add_argument("--demo", action="store_true", help="answer from a built-in mock provider")
    _common(serve, listing=False)
    serve.set_defaults(func=cli.serve)
    mock = sub.add_parser("mock-upstream", help="run a mock provider for tests and demos")
    mock.add_argument("--provider", default="openai", choices=("openai", "anthropic", "gemini"))
    mock.add_argument("--host", default="127.0.0.1")
    mock.add_argument("--port", type=int, default=9100)
    mock.add_argument("--reply-words", type=int, default=0)
    mock.set_defaults(func=cli.mock_upstream)
    _projects(sub, cli)
    _keys(sub, cli)
    _credentials(sub, cli)
    from behest.gateway.cli.usage import add_commands

    add_commands(sub, cli)
    signing = sub.add_parser("signing-keys", help="token signing keys").add_subparsers(
        required=True
    )
    rotate = signing.add_parser("rotate")
    _common(rotate)
    rotate.set_defaults(func=cli.signing_rotate)
    master = sub.add_parser("master-key", help="the key that seals stored secrets").add_subparsers(
        required=True
    )
    rewrap = master.add_parser(
        "rewrap",
        help="re-seal every secret under BEHEST_MASTER_KEY (old key in BEHEST_MASTER_KEY_PREVIOUS)",
    )
    _common(rewrap)
    rewrap.set_defaults(func=cli.master_rewrap)
    return parser
