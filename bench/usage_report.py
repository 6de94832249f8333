"""Usage reports on a year of generated records: insert rate, query time, exact totals.

    .venv/bin/python bench/usage_report.py                       # 1,000,000 records, SQLite
    .venv/bin/python bench/usage_report.py --records 20000       # seconds
    .venv/bin/python bench/usage_report.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

A fresh database (an SQLite file in a temporary folder, or a new PostgreSQL database
created on the given server and dropped afterwards) is migrated, then ``--records``
deterministic records (``--seed``) are written through ``Database.insert_usage`` in
batches of ``--batch``, in time order as the gateway's sink writes them, so the
``usage_daily`` aggregate is built exactly as in production. The year ends on ``--end``;
~50 users with skewed activity, 8 models with catalog-like prices, cached and reasoning
tokens, fallbacks (served model differs from the asked one), refusals (no model served),
upstream errors and cancelled streams; some timestamps carry a non-UTC offset (the record
must book them on their UTC day); a small second project checks that reports stay
inside their project.

While generating, the expected aggregate is folded in Python from the generated values
(the UTC day from the epoch second, the model key from what was chosen, cost as integer
nano-USD) without the record's own properties. Each report query is run ``--runs`` times
(plus one warm-up); its rows must equal the expected rows key for key and sum for sum,
and the row totals must equal the generated totals (requests, errors, tokens, cost).
Printed: a Markdown table (query, rows, median / min / first ms, check) and the insert
rate. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import psycopg

from behest.gateway.store import Database
from behest.gateway.store.usage_queries import UsageQuery, UsageTotals
from behest.gateway.store.usage_record import NANO, TokenCounts, UsageRecord

PROJECT = "proj_bench"
OTHER_PROJECT = "proj_other"
OTHER_SHARE = 0.02  # of the records, in the second project
COUNTS = (
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost_nano_usd",
)
GROUP_INDEX = {"day": 0, "model": 1, "user": 2}  # positions in the expected key


@dataclass(frozen=True)
class Model:
    name: str
    provider: str
    input_usd: float  # per million tokens
    output_usd: float
    cached_usd: float
    weight: float
    output_median: int  # 0: an embeddings model
    reasoning: bool = False


MODELS = (
    Model("gpt-4o-mini", "openai", 0.15, 0.60, 0.075, 40, 250),
    Model("gpt-4o", "openai", 2.50, 10.00, 1.25, 15, 350),
    Model("o3-mini", "openai", 1.10, 4.40, 0.55, 6, 900, reasoning=True),
    Model("claude-3-5-sonnet", "anthropic", 3.00, 15.00, 0.30, 10, 400),
    Model("claude-3-5-haiku", "anthropic", 0.80, 4.00, 0.08, 8, 300),
    Model("gemini-1.5-flash", "google", 0.075, 0.30, 0.01875, 9, 280),
    Model("llama-3.1-70b", "groq", 0.59, 0.79, 0.59, 5, 300),
    Model("text-embedding-3-small", "openai", 0.02, 0.0, 0.02, 7, 0),
)
FALLBACK = {  # the model that answers when the asked one's upstream fails over
    "gpt-4o": "claude-3-5-sonnet",
    "claude-3-5-sonnet": "gpt-4o",
    "gpt-4o-mini": "claude-3-5-haiku",
    "claude-3-5-haiku": "gpt-4o-mini",
    "gemini-1.5-flash": "gpt-4o-mini",
    "o3-mini": "gpt-4o",
    "llama-3.1-70b": "gpt-4o-mini",
}
OFFSETS = (timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))


class Expected:
    """The aggregate the reports must reproduce, keyed (project, day, model, user)."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, str, str], list[int]] = {}
        self.raw: dict[str, int] = {}

    def add(self, project: str, day: str, model: str, user: str, values: tuple[int, ...]) -> None:
        sums = self.cells.setdefault((project, day, model, user), [0] * len(COUNTS))
        for index, value in enumerate(values):
            sums[index] += value
        self.raw[project] = self.raw.get(project, 0) + 1

    def report(self, query: UsageQuery) -> dict[tuple[str | None, ...], tuple[int, ...]]:
        rolled: dict[tuple[str | None, ...], list[int]] = {}
        for (project, day, model, user), sums in self.cells.items():
            if project != query.project_id:
                continue
            if query.user_id is not None and user != query.user_id:
                continue
            if query.start_day is not None and day < query.start_day:
                continue
            if query.end_day is not None and day > query.end_day:
                continue
            full = (day, model, user)
            key = tuple(
                full[GROUP_INDEX[name]] if name in query.group_by else None
                for name in ("model", "user", "day")
            )
            target = rolled.setdefault(key, [0] * len(COUNTS))
            for index, value in enumerate(sums):
                target[index] += value
        return {key: tuple(sums) for key, sums in rolled.items() if sums[0]}


def day_counts(records: int, days: int, rng: random.Random) -> list[int]:
    """Records per day: weekends at half, a growth trend over the year, some noise."""
    weights = []
    for index in range(days):
        weekday = (index + 2) % 7  # 2025-01-01 was a Wednesday
        base = 0.5 if weekday >= 5 else 1.0
        weights.append(base * (0.6 + 0.8 * index / days) * rng.uniform(0.85, 1.15))
    total = sum(weights)
    counts = [int(records * w / total) for w in weights]
    for index in range(records - sum(counts)):
        counts[index % days] += 1
    return counts


class Generator:
    def __init__(self, records: int, days: int, end: date, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records = records
        self.first = end - timedelta(days=days - 1)
        self.days = [(self.first + timedelta(days=i)).isoformat() for i in range(days)]
        self.counts = day_counts(records, days, self.rng)
        self.epoch = datetime(self.first.year, self.first.month, self.first.day, tzinfo=UTC)
        self.users = [f"user-{i:03d}" for i in range(50)]
        # Zipf-like activity: a few heavy users, a long tail.
        self.user_cum = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(50)))
        self.other_users = [f"other-{i}" for i in range(5)]
        self.model_cum = list(itertools.accumulate(m.weight for m in MODELS))
        self.by_name = {m.name: m for m in MODELS}
        self.expected = Expected()
        self.serial = 0

    def pick_user(self) -> str:
        point = self.rng.random() * self.user_cum[-1]
        return self.users[bisect.bisect_left(self.user_cum, point)]

    def pick_model(self) -> Model:
        point = self.rng.random() * self.model_cum[-1]
        return MODELS[bisect.bisect_left(self.model_cum, point)]

    def tokens(self, model: Model, status: int) -> TokenCounts:
        rng = self.rng
        if status not in (200, 499):  # refused or failed: nothing was produced
            return TokenCounts()
        prompt = min(int(rng.lognormvariate(math.log(800), 1.1)) + 5, 120_000)
        if model.output_median == 0:
            return TokenCounts(input=prompt)
        output = min(int(rng.lognormvariate(math.log(model.output_median), 0.9)) + 1, 16_000)
        if status == 499:  # cancelled stream: what was relayed before the client left
            output = int(output * rng.random())
        cached = 0
        if prompt >= 1024 and rng.random() < 0.35:
            cached = 1024 + 128 * rng.randrange((prompt - 1024) // 128 + 1)
        reasoning = int(output * rng.uniform(0.3, 0.8)) if model.reasoning else 0
        return TokenCounts(input=prompt, output=output, cached=cached, reasoning=reasoning)

    def one(self, day_index: int, second: float) -> UsageRecord:
        rng = self.rng
        other = rng.random() < OTHER_SHARE
        project = OTHER_PROJECT if other else PROJECT
        user = rng.choice(self.other_users) if other else self.pick_user()
        asked = self.pick_model()
        roll = rng.random()
        served: Model | None = asked
        status, error_type, rate_limit = 200, None, "admitted"
        if roll < 0.02:  # rate-limited or over budget before any upstream
            served, status, error_type = None, 429, "rate_limit_exceeded"
            rate_limit = "limited" if roll < 0.015 else "budget"
        elif roll < 0.035:  # bad request refused by the gateway
            served, status, error_type = None, 400, "invalid_request_error"
        elif roll < 0.045:  # upstream failure after the fallbacks
            status, error_type = 502, "upstream_error"
        elif roll < 0.05:  # the client went away mid-stream
            status = 499
        elif roll < 0.08 and asked.name in FALLBACK:  # answered by the fallback model
            served = self.by_name[FALLBACK[asked.name]]
        priced = served or asked
        tokens = self.tokens(priced, status)
        fresh = tokens.input - tokens.cached
        cost_usd = (
            fresh * priced.input_usd
            + tokens.cached * priced.cached_usd
            + tokens.output * priced.output_usd
        ) / 1_000_000
        moment = self.epoch + timedelta(days=day_index, seconds=second)
        if rng.random() < 0.1:  # written by a replica with a local clock offset
            moment = moment.astimezone(OFFSETS[rng.randrange(len(OFFSETS))])
        stream = priced.output_median > 0 and rng.random() < 0.6
        latency = int(rng.lognormvariate(math.log(900), 0.7))
        self.serial += 1
        record = UsageRecord(
            request_id=f"req-{self.serial:09d}",
            project_id=project,
            user_id=user,
            session_id=f"sess-{user}-{day_index}",
            model_requested=asked.name,
            model_served=served.name if served else "",
            provider=served.provider if served else "",
            credential_id=f"cred-{served.provider}" if served else "",
            thread_id=f"thr-{user}-{day_index % 30}" if rng.random() < 0.3 else None,
            tokens=tokens,
            cost_usd=cost_usd,
            latency_ms=latency,
            ttft_ms=latency // 4 if stream else None,
            status=status,
            error_type=error_type,
            rate_limit=rate_limit,
            stream=stream,
            created_at=moment,
        )
        values = (
            1,
            int(status >= 400),
            tokens.input,
            tokens.output,
            tokens.cached,
            tokens.reasoning,
            round(cost_usd * NANO),
        )
        model_key = served.name if served else asked.name
        self.expected.add(project, self.days[day_index], model_key, user, values)
        return record

    def batches(self, size: int) -> Iterator[list[UsageRecord]]:
        batch: list[UsageRecord] = []
        for day_index, count in enumerate(self.counts):
            seconds = sorted(self.rng.uniform(0, 86_399.999) for _ in range(count))
            for second in seconds:
                batch.append(self.one(day_index, second))
                if len(batch) == size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def load(db: Database, generator: Generator, batch: int) -> tuple[float, float]:
    """Write every record; returns (seconds inside insert_usage, wall seconds)."""
    inserting = 0.0
    started = time.perf_counter()
    done = 0
    next_note = 100_000
    for records in generator.batches(batch):
        before = time.perf_counter()
        db.insert_usage(records)
        inserting += time.perf_counter() - before
        done += len(records)
        if done >= next_note:
            rate = done / inserting
            print(f"  {done:,} written, {rate:,.0f} records/s in insert_usage", file=sys.stderr)
            next_note += 100_000
    return inserting, time.perf_counter() - started


def queries(generator: Generator) -> list[tuple[str, UsageQuery]]:
    last = generator.days[-1]
    month = generator.days[-30]
    user = generator.users[3]
    return [
        ("total (no grouping), year", UsageQuery(PROJECT)),
        ("by model, year", UsageQuery(PROJECT, ("model",))),
        ("by user, year", UsageQuery(PROJECT, ("user",))),
        ("by day, year", UsageQuery(PROJECT, ("day",))),
        ("by model, user, day, year", UsageQuery(PROJECT, ("model", "user", "day"))),
        ("by model, last 30 days", UsageQuery(PROJECT, ("model",), month, last)),
        (
            "by model, user, day, last 30 days",
            UsageQuery(PROJECT, ("model", "user", "day"), month, last),
        ),
        (f"one user ({user}) by day, year", UsageQuery(PROJECT, ("day",), user_id=user)),
        (
            f"one user ({user}) by model, last 30 days",
            UsageQuery(PROJECT, ("model",), month, last, user),
        ),
        ("other project by model, year", UsageQuery(OTHER_PROJECT, ("model",))),
    ]


def as_map(rows: list[UsageTotals]) -> dict[tuple[str | None, ...], tuple[int, ...]]:
    return {
        (row.model, row.user_id, row.day): tuple(getattr(row, name) for name in COUNTS)
        for row in rows
    }


def check(
    name: str, rows: list[UsageTotals], expected: dict[tuple[str | None, ...], tuple[int, ...]]
) -> list[str]:
    problems = []
    got = as_map(rows)
    if len(got) != len(rows):
        problems.append(f"{name}: {len(rows) - len(got)} duplicate group keys")
    totals_got = [sum(column) for column in zip(*got.values(), strict=True)] or [0] * 7
    totals_want = [sum(column) for column in zip(*expected.values(), strict=True)] or [0] * 7
    for column, have, want in zip(COUNTS, totals_got, totals_want, strict=True):
        if have != want:
            problems.append(f"{name}: total {column} {have} != generated {want}")
    missing = expected.keys() - got.keys()
    extra = got.keys() - expected.keys()
    differ = [key for key in expected.keys() & got.keys() if got[key] != expected[key]]
    if missing or extra or differ:
        example = [*missing, *extra, *differ][:1]
        problems.append(
            f"{name}: {len(missing)} groups missing, {len(extra)} unexpected, "
            f"{len(differ)} with different sums (e.g. {example})"
        )
    return problems


def run_queries(db: Database, generator: Generator, runs: int) -> tuple[list[list[str]], list[str]]:
    table, problems = [], []
    for name, query in queries(generator):
        timings = []
        rows: list[UsageTotals] = []
        for _ in range(runs + 1):
            before = time.perf_counter()
            rows = db.usage_report(query)
            timings.append((time.perf_counter() - before) * 1000)
        found = check(name, rows, generator.expected.report(query))
        problems += found
        table.append(
            [
                name,
                f"{len(rows):,}",
                f"{statistics.median(timings[1:]):.1f}",
                f"{min(timings[1:]):.1f}",
                f"{timings[0]:.1f}",
                "mismatch" if found else "exact",
            ]
        )
    return table, problems


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def bench(url: str, backend: str, args: argparse.Namespace) -> int:
    generator = Generator(args.records, args.days, date.fromisoformat(args.end), args.seed)
    db = Database(url)
    try:
        db.migrate()
        print(f"{backend}: writing {args.records:,} records ...", file=sys.stderr)
        inserting, wall = load(db, generator, args.batch)
        problems = []
        for project, count in generator.expected.raw.items():
            stored = db.usage_raw_count(project)
            if stored != count:
                problems.append(f"raw records of {project}: {stored} != generated {count}")
        table, found = run_queries(db, generator, args.runs)
        problems += found
    finally:
        db.close()
    cells = sum(1 for key in generator.expected.cells if key[0] == PROJECT)
    print(
        f"\n**{backend}**, {args.records:,} records over {args.days} days "
        f"({generator.days[0]} .. {generator.days[-1]}), {len(generator.users)} users, "
        f"{len(MODELS)} models; usage_daily rows of the main project: {cells:,}\n"
    )
    print(
        f"Insert: batches of {args.batch:,} through `Database.insert_usage`: "
        f"**{args.records / inserting:,.0f} records/s** ({inserting:.1f} s inside "
        f"insert_usage, {wall:.1f} s with generation)\n"
    )
    header = ["query", "rows", "median ms", "min ms", "first ms", "check"]
    print(f"Report queries, {args.runs} runs each after the first (cold) one:\n")
    print(markdown(header, table))
    print()
    if problems:
        print("MISMATCHES:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print("All reports equal the generated totals, group for group.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", default="2025-12-31", help="the last day (UTC), YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query")
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="e.g. postgresql://postgres@127.0.0.1:5432/postgres; a fresh database is "
        "created on that server and dropped afterwards",
    )
    args = parser.parse_args()
    if args.days < 30:
        parser.error("--days must be at least 30 (the 30-day range queries)")
    if args.postgres:
        name = "behest_bench_" + secrets.token_hex(6)
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = args.postgres.rpartition("/")
        try:
            return bench(f"{base}/{name}", "PostgreSQL", args)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with tempfile.TemporaryDirectory(prefix="behest-usage-") as folder:
        return bench(f"sqlite:///{Path(folder) / 'usage.db'}", "SQLite", args)


if __name__ == "__main__":
    sys.exit(main())
