"""``behest usage report`` and ``behest threads sweep``: reports and retention from the shell.

``add_commands(subparsers, cli)`` registers them; ``cli_parser.build_parser`` calls it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from types import ModuleType

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.runtime.bootstrap import Foundation, open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.threads import ThreadService
from behest.gateway.usage.report import report_csv, report_json, report_query


def _foundation(args: argparse.Namespace) -> Foundation:
    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    return open_foundation(Settings.from_env(**overrides))


def usage_report(args: argparse.Namespace) -> None:
    foundation = _foundation(args)
    foundation.admin.show_project(args.project)  # an unknown project is an error, not empty
    query = report_query(args.project, args.group_by, args.start, args.end)
    rows = foundation.db.usage_report(query)
    if args.json:
        print(json.dumps(report_json(query, rows), indent=2))
    else:
        print(report_csv(query, rows), end="")


def threads_sweep(args: argparse.Namespace) -> None:
    foundation = _foundation(args)
    retention = {}
    for project in foundation.db.list_projects():
        days = ProjectSettings.stored(project.settings).thread_retention_days
        if days:
            retention[project.id] = days
    deleted = asyncio.run(ThreadService(foundation.db).sweep(retention))
    if args.json:
        print(json.dumps({"deleted": deleted, "projects": len(retention)}))
    else:
        print(f"deleted {deleted} threads past retention in {len(retention)} projects")


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="state folder (default: $BEHEST_DATA_DIR)")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], cli: ModuleType | None = None
) -> None:
    """Adds ``usage report`` and ``threads sweep``; ``cli`` is accepted for symmetry."""
    usage = sub.add_parser("usage", help="tokens and cost reports").add_subparsers(required=True)
    report = usage.add_parser("report", help="cost and tokens grouped by model, user, day")
    report.add_argument("project")
    report.add_argument("--group-by", default="", help="any of model,user,day (comma-separated)")
    report.add_argument("--start", help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--end", help="last day, YYYY-MM-DD (UTC), inclusive")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="CSV (the default)")
    output.add_argument("--json", action="store_true", help="JSON")
    _data_dir(report)
    report.set_defaults(func=usage_report)
    threads = sub.add_parser("threads", help="stored conversations").add_subparsers(required=True)
    sweep = threads.add_parser("sweep", help="delete threads past their project's retention")
    sweep.add_argument("--json", action="store_true")
    _data_dir(sweep)
    sweep.set_defaults(func=threads_sweep)
