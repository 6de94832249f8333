"""Reports from the daily aggregate agree with the raw rows; costs are the catalog's prices."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.catalog import Catalog
from behest.gateway.routing.prices import Prices
from behest.gateway.store import Database, tables
from behest.gateway.store.usage_queries import UsageQuery
from behest.gateway.store.usage_record import NANO, TokenCounts, UsageRecord
from behest.gateway.usage.meter import meter
from behest.gateway.usage.report import report_csv, report_json, report_query
from behest.gateway.usage.service import UsageService

START = datetime(2024, 1, 1, 12, tzinfo=UTC)
MODELS = ("gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash")


def generated(count: int, days: int, seed: int = 7) -> list[UsageRecord]:
    rng = random.Random(seed)
    return [
        UsageRecord(
            request_id=f"req_{i}",
            project_id=rng.choice(("proj_a", "proj_a", "proj_b")),
            user_id=f"user_{rng.randrange(20)}",
            session_id="s",
            model_requested="fast",
            model_served=rng.choice(MODELS),
            provider="openai",
            credential_id="c",
            tokens=TokenCounts(
                rng.randrange(1, 5000),
                rng.randrange(1, 900),
                rng.randrange(0, 50),
                rng.randrange(0, 20),
            ),
            cost_usd=rng.random() / 100,
            status=rng.choice((200, 200, 200, 429)),
            created_at=START + timedelta(days=rng.randrange(days), seconds=rng.randrange(86_400)),
        )
        for i in range(count)
    ]


def raw_sums(
    db: Database, project: str, keys: tuple[str, ...]
) -> dict[tuple[str, ...], tuple[int, ...]]:
    raw = tables.usage_records
    columns = {"model": raw.c.model_served, "user": raw.c.user_id, "day": raw.c.day}
    chosen = [columns[k] for k in keys]
    statement = select(
        *chosen,
        func.count(),
        func.sum(raw.c.input_tokens),
        func.sum(raw.c.output_tokens),
        func.sum(raw.c.cost_nano_usd),
    ).where(raw.c.project_id == project)
    if chosen:
        statement = statement.group_by(*chosen)
    with db.engine.connect() as connection:
        return {
            tuple(row[: len(keys)]): tuple(int(v) for v in row[len(keys) :])
            for row in connection.execute(statement)
        }


def test_every_grouping_equals_the_sums_over_raw_rows(db: Database) -> None:
    records = generated(3000, 40)
    for start in range(0, len(records), 700):
        db.insert_usage(records[start : start + 700])
    groups = ("model", "user", "day")
    for size in range(4):
        for keys in itertools.combinations(groups, size):
            rows = db.usage_report(UsageQuery("proj_a", keys))
            got = {
                tuple(getattr(r, {"user": "user_id"}.get(k, k)) for k in keys): (
                    r.requests,
                    r.input_tokens,
                    r.output_tokens,
                    r.cost_nano_usd,
                )
                for r in rows
            }
            assert got == raw_sums(db, "proj_a", keys), keys


def test_time_ranges_and_the_user_filter(db: Database) -> None:
    records = generated(800, 30)
    db.insert_usage(records)
    query = UsageQuery("proj_b", ("day",), "2024-01-05", "2024-01-09", user_id="user_3")
    rows = db.usage_report(query)
    expected: dict[str, int] = defaultdict(int)
    for r in records:
        if (
            r.project_id == "proj_b"
            and r.user_id == "user_3"
            and "2024-01-05" <= r.day <= "2024-01-09"
        ):
            expected[r.day] += r.tokens.input
    assert {r.day: r.input_tokens for r in rows} == expected
    assert [r.day for r in rows] == sorted(expected)
    errors = sum(r.errors for r in db.usage_report(UsageQuery("proj_a")))
    assert errors == sum(1 for r in records if r.project_id == "proj_a" and r.status >= 400)


def year_of_daily_rows(count: int) -> list[dict[str, object]]:
    """``count`` aggregate rows over 365 days, 6 models and many users, as the sink leaves them."""
    rng = random.Random(5)
    rows = []
    for index in range(count):
        day = (START.date() + timedelta(days=index % 365)).isoformat()
        rows.append(
            {
                "project_id": "proj_a",
                "day": day,
                "model": f"model-{index % 6}",
                "user_id": f"user_{index // 365}",
                "requests": rng.randrange(1, 50),
                "errors": rng.randrange(0, 2),
                "input_tokens": rng.randrange(10**6),
                "output_tokens": rng.randrange(10**5),
                "cached_tokens": 0,
                "reasoning_tokens": 0,
                "cost_nano_usd": rng.randrange(10**9),
            }
        )
    return rows


def test_a_year_of_aggregates_answers_a_grouped_report(db: Database) -> None:
    rows = year_of_daily_rows(50_000)
    with db.engine.begin() as connection:
        connection.execute(insert(tables.usage_daily), rows)
    report = db.usage_report(UsageQuery("proj_a", ("model", "day"), "2024-03-01", "2024-08-31"))
    expected: dict[tuple[object, object], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if "2024-03-01" <= str(row["day"]) <= "2024-08-31":
            sums = expected[(row["model"], row["day"])]
            sums[0] += int(row["requests"])  # type: ignore[call-overload]
            sums[1] += int(row["cost_nano_usd"])  # type: ignore[call-overload]
    assert {(r.model, r.day): [r.requests, r.cost_nano_usd] for r in report} == expected
    assert len(report) == 184 * 6


def test_cost_is_the_catalogs_price() -> None:
    catalog = Catalog()
    usage = {
        "prompt_tokens": 1_000_000,
        "completion_tokens": 200_000,
        "prompt_tokens_details": {"cached_tokens": 400_000},
        "completion_tokens_details": {"reasoning_tokens": 50_000},
    }
    tokens, cost = meter(catalog, "openai", "gpt-4o-mini", usage)
    prices = catalog.prices("openai", "gpt-4o-mini")
    assert prices is not None
    expected = (
        600_000 * prices.input
        + 400_000 * prices.cached_input
        + 150_000 * prices.output
        + 50_000 * prices.reasoning
    ) / 1_000_000
    assert tokens == TokenCounts(1_000_000, 200_000, 400_000, 50_000)
    assert cost == pytest.approx(expected)
    overrides = {"gpt-4o-mini": Prices.of(1.0, 2.0)}
    _, overridden = meter(catalog, "openai", "gpt-4o-mini", usage, overrides)
    assert overridden == pytest.approx((1_000_000 * 1.0 + 200_000 * 2.0) / 1_000_000)
    assert meter(catalog, "openai", "gpt-4o-mini", None) == (TokenCounts(), 0.0)


def test_the_stored_cost_sums_exactly(db: Database) -> None:
    records = generated(500, 3)
    db.insert_usage(records)
    [row] = db.usage_report(UsageQuery("proj_a"))
    assert row.cost_nano_usd == sum(
        round(r.cost_usd * NANO) for r in records if r.project_id == "proj_a"
    )


def test_csv_and_json_exports(db: Database) -> None:
    db.insert_usage(generated(200, 3))
    query = report_query("proj_a", "user,model", "2024-01-01", "2024-01-03T23:00:00Z")
    rows = db.usage_report(query)
    parsed = list(csv.DictReader(io.StringIO(report_csv(query, rows))))
    assert list(parsed[0]) == [
        "model",
        "user",
        "requests",
        "errors",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "cost_usd",
    ]
    assert sum(int(p["requests"]) for p in parsed) == sum(r.requests for r in rows)
    data = report_json(query, rows)["data"]
    assert data[0].keys() >= {"model", "user", "cost_usd"} and "day" not in data[0]
    with pytest.raises(InvalidRequest):
        report_query("proj_a", "model,region", None, None)
    with pytest.raises(InvalidRequest):
        report_query("proj_a", None, "2024-02-01", "2024-01-01")


async def test_an_end_users_own_summary(db: Database) -> None:
    today = date(2024, 3, 15)
    noon = datetime(2024, 3, 15, 12, tzinfo=UTC)
    mine = [
        UsageRecord(
            f"r{i}",
            "proj_a",
            "alice",
            "s",
            "m",
            tokens=TokenCounts(10, 5),
            cost_usd=0.25,
            created_at=noon - timedelta(days=i),
        )
        for i in range(20)
    ]
    other = UsageRecord("x", "proj_a", "bob", "s", "m", tokens=TokenCounts(99, 99), created_at=noon)
    db.insert_usage([*mine, other])
    summary = await UsageService(db).summary("proj_a", "alice", today)
    assert summary["today"] == {
        "requests": 1,
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "cost_usd": 0.25,
    }
    assert summary["month"]["requests"] == 15 and summary["month"]["cost_usd"] == 3.75


def test_csv_cells_a_spreadsheet_would_run_stay_text(db: Database) -> None:
    """User ids and model names come from end users; a cell must never become a formula."""
    hostile = ["=cmd|'/C calc'!A0", '=HYPERLINK("http://evil.example")', "+1", "-2", "@SUM(A1)"]
    records = [
        dataclasses.replace(record, project_id="proj_csv", user_id=value, model_served=value)
        for record, value in zip(generated(len(hostile), 1), hostile, strict=True)
    ]
    db.insert_usage(records)
    query = report_query("proj_csv", "user,model", "2024-01-01", "2024-01-03T23:00:00Z")
    parsed = list(csv.DictReader(io.StringIO(report_csv(query, db.usage_report(query)))))
    assert sorted(row["user"] for row in parsed) == sorted("'" + value for value in hostile)
    assert all(row["model"] == row["user"] for row in parsed)
    assert all(not row["requests"].startswith("'") for row in parsed)
