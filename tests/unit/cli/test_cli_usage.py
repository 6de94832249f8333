"""``behest usage report`` and ``behest threads sweep`` on a data folder."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from behest.gateway.cli import usage as cli_usage
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.store.usage_record import TokenCounts, UsageRecord
from behest.gateway.threads import ThreadKey, ThreadService


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="behest")
    cli_usage.add_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    args.func(args)


def test_report_and_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BEHEST_DATABASE_URL", raising=False)
    foundation = open_foundation(Settings(data_dir=tmp_path))
    project = foundation.admin.create_project(
        {"name": "A", "settings": {"thread_retention_days": 7}}
    )["id"]
    day = datetime(2025, 5, 1, tzinfo=UTC)
    foundation.db.insert_usage(
        [
            UsageRecord(
                f"r{i}",
                project,
                f"u{i % 2}",
                "s",
                "m",
                "m",
                tokens=TokenCounts(10, 1),
                cost_usd=0.001,
                created_at=day + timedelta(days=i % 3),
            )
            for i in range(12)
        ]
    )
    run(
        [
            "usage",
            "report",
            project,
            "--group-by",
            "user,day",
            "--start",
            "2025-05-02",
            "--data-dir",
            str(tmp_path),
        ]
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sum(int(r["requests"]) for r in rows) == 8
    assert {r["day"] for r in rows} == {"2025-05-02", "2025-05-03"}
    run(["usage", "report", project, "--json", "--data-dir", str(tmp_path)])
    assert json.loads(capsys.readouterr().out)["data"][0]["input_tokens"] == 120

    threads = ThreadService(foundation.db, clock=lambda: datetime.now(UTC) - timedelta(days=30))
    asyncio.run(threads.create(project, "alice", "old"))
    run(["threads", "sweep", "--json", "--data-dir", str(tmp_path)])
    assert json.loads(capsys.readouterr().out) == {"deleted": 1, "projects": 1}
    with pytest.raises(Exception, match="No thread"):
        foundation.db.get_thread(ThreadKey(project, "old", None))
