"""Usage: raw records and the daily aggregate, written together; reports read the aggregate.

``insert_usage`` writes a batch with one executemany into ``usage_records`` and folds
the same batch into ``usage_daily`` (project, day, model, user) with an upsert, in one
transaction: the aggregate never disagrees with the raw rows. Aggregate keys are
upserted in sorted order so that concurrent replicas cannot deadlock each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import Row

from behest.gateway.store import tables
from behest.gateway.store.usage_record import NANO, TokenCounts, UsageRecord

GROUPS = ("model", "user", "day")
_COUNTS = (
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost_nano_usd",
)
_KEY = ("project_id", "day", "model", "user_id")
_COLUMN = {"model": "model", "user": "user_id", "day": "day"}


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """One report row: the grouped-by values (None when not grouped by) and the sums."""

    model: str | None
    user_id: str | None
    day: str | None
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cost_nano_usd: int


@dataclass(frozen=True, slots=True)
class UsageQuery:
    project_id: str
    group_by: tuple[str, ...] = ()  # any of GROUPS
    start_day: str | None = None  # inclusive, YYYY-MM-DD (UTC)
    end_day: str | None = None  # inclusive
    user_id: str | None = None


# the raw row's columns, in the order _raw_values builds them
_RAW_COLUMNS = (
    "request_id",
    "project_id",
    "user_id",
    "session_id",
    "thread_id",
    "model_requested",
    "model_served",
    "provider",
    "credential_id",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost_nano_usd",
    "latency_ms",
    "ttft_ms",
    "status",
    "error_type",
    "guardrail",
    "rate_limit",
    "stream",
    "attempts",
    "route",
    "day",
    "created_at",
    "record_id",
)
assert set(_RAW_COLUMNS) == {c.name for c in tables.usage_records.columns} - {"id"}
_ID_CHUNK = 500


def _marker(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _not_yet_written(connection: Connection, records: Sequence[UsageRecord]) -> list[UsageRecord]:
    """The batch less what an earlier attempt already committed: a write whose commit
    reached the server but whose acknowledgement was lost is retried with the same ids."""
    marker, written = _marker(connection), set[str]()
    ids = [record.record_id for record in records]
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        query = (
            f"SELECT record_id FROM {tables.usage_records.name} "
            f"WHERE record_id IN ({', '.join([marker] * len(chunk))})"
        )
        written.update(row[0] for row in connection.exec_driver_sql(query, tuple(chunk)))
    if not written:
        return list(records)
    return [record for record in records if record.record_id not in written]


def _insert_raw(connection: Connection, records: Sequence[UsageRecord]) -> None:
    """One driver-level executemany of plain tuples: the raw table takes every request,
    so per-row statement processing is skipped (SQLite gets its DATETIME text here, as
    the dialect would make it)."""
    marker = _marker(connection)
    statement = (
        f"INSERT INTO {tables.usage_records.name} ({', '.join(_RAW_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_RAW_COLUMNS))})"
    )
    as_text = connection.dialect.name == "sqlite"
    connection.exec_driver_sql(statement, [_raw_values(record, as_text) for record in records])


def _raw_values(record: UsageRecord, sqlite_types: bool) -> tuple[Any, ...]:
    tokens, created = record.tokens, record.created_at
    utc = created if created.utcoffset() == _ZERO else created.astimezone(UTC)
    if sqlite_types:  # SQLAlchemy's own SQLite DATETIME storage format
        when: Any = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
    else:
        when = created
    return (
        record.request_id,
        record.project_id,
        record.user_id,
        record.session_id,
        record.thread_id,
        record.model_requested,
        record.model_served,
        record.provider,
        record.credential_id,
        tokens.input,
        tokens.output,
        tokens.cached,
        tokens.reasoning,
        round(record.cost_usd * NANO),
        record.latency_ms,
        record.ttft_ms,
        record.status,
        record.error_type,
        record.guardrail,
        record.rate_limit,
        record.stream,
        record.attempts,
        record.route,
        utc.date().isoformat(),
        when,
        record.record_id,
    )


_ZERO = timedelta(0)


def _daily_values(records: Iterable[UsageRecord]) -> list[tuple[Any, ...]]:
    """The batch folded by aggregate key (``_KEY`` then ``_COUNTS``), sorted by key."""
    folded: dict[tuple[str, str, str, str], list[int]] = {}
    for record in records:
        key = (
            record.project_id,
            record.day,
            record.model_served or record.model_requested,
            record.user_id,
        )
        tokens = record.tokens
        sums = folded.get(key)
        if sums is None:
            sums = folded[key] = [0, 0, 0, 0, 0, 0, 0]
        sums[0] += 1
        sums[1] += record.status >= 400
        sums[2] += tokens.input
        sums[3] += tokens.output
        sums[4] += tokens.cached
        sums[5] += tokens.reasoning
        sums[6] += round(record.cost_usd * NANO)
    return [key + tuple(sums) for key, sums in sorted(folded.items())]


def _upsert_daily(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """One driver-level executemany; the ON CONFLICT form is the same in SQLite and
    PostgreSQL."""
    name, marker = tables.usage_daily.name, _marker(connection)
    columns = _KEY + _COUNTS
    statement = (
        f"INSERT INTO {name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))}) "
        f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
        + ", ".join(f"{c} = {name}.{c} + excluded.{c}" for c in _COUNTS)
    )
    connection.exec_driver_sql(statement, rows)


class UsageQueries:
    engine: Engine

    def insert_usage(self, records: Sequence[UsageRecord]) -> None:
        if not records:
            return
        with self.engine.begin() as connection:
            fresh = _not_yet_written(connection, records)
            if fresh:
                _insert_raw(connection, fresh)
                _upsert_daily(connection, _daily_values(fresh))

    def usage_report(self, query: UsageQuery) -> list[UsageTotals]:
        daily = tables.usage_daily
        keys = [daily.c[_COLUMN[name]] for name in GROUPS if name in query.group_by]
        sums = [func.coalesce(func.sum(daily.c[name]), 0).label(name) for name in _COUNTS]
        statement = select(*keys, *sums).where(daily.c.project_id == query.project_id)
        if query.user_id is not None:
            statement = statement.where(daily.c.user_id == query.user_id)
        if query.start_day is not None:
            statement = statement.where(daily.c.day >= query.start_day)
        if query.end_day is not None:
            statement = statement.where(daily.c.day <= query.end_day)
        if keys:
            statement = statement.group_by(*keys).order_by(*keys)
        grouped = [name for name in GROUPS if name in query.group_by]
        with self.engine.connect() as connection:
            # the DB-API cursor's plain tuples: a year broken down by model, user and day
            # is ~10^5 rows, and SQLAlchemy's row objects cost more than the query
            cursor = connection.execute(statement).cursor
            rows = cursor.fetchall() if cursor is not None else []
        return [_totals(row, grouped) for row in rows if row[len(grouped)]]

    def usage_raw_count(self, project_id: str) -> int:
        records = tables.usage_records
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(records)
                    .where(records.c.project_id == project_id)
                ).scalar_one()
            )

    def recent_usage(self, project_id: str, limit: int = 100) -> list[UsageRecord]:
        """The project's latest raw usage records, newest first."""
        records = tables.usage_records
        statement = (
            select(records)
            .where(records.c.project_id == project_id)
            .order_by(records.c.created_at.desc(), records.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [_record(row) for row in connection.execute(statement)]


def _record(row: Row[Any]) -> UsageRecord:
    created: datetime = row.created_at
    return UsageRecord(
        request_id=row.request_id,
        project_id=row.project_id,
        user_id=row.user_id,
        session_id=row.session_id,
        model_requested=row.model_requested,
        model_served=row.model_served,
        provider=row.provider,
        credential_id=row.credential_id,
        thread_id=row.thread_id,
        tokens=TokenCounts(
            row.input_tokens, row.output_tokens, row.cached_tokens, row.reasoning_tokens
        ),
        cost_usd=row.cost_nano_usd / NANO,
        latency_ms=row.latency_ms,
        ttft_ms=row.ttft_ms,
        status=row.status,
        error_type=row.error_type,
        guardrail=row.guardrail,
        rate_limit=row.rate_limit,
        stream=bool(row.stream),
        attempts=row.attempts,
        route=row.route,
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        **({"record_id": row.record_id} if row.record_id else {}),
    )


def _totals(row: Sequence[Any], grouped: list[str]) -> UsageTotals:
    """``row`` is the grouped-by values (in GROUPS order), then the sums (in _COUNTS order)."""
    values = dict(zip(grouped, row, strict=False))
    keys = [None if values.get(name) is None else str(values[name]) for name in GROUPS]
    counts = [int(value) for value in row[len(grouped) :]]
    return UsageTotals(keys[0], keys[1], keys[2], *counts)
