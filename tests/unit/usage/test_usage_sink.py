"""The batched sink: every record lands, close() flushes, a database outage loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import func, select

from behest.gateway.store import Database, tables
from behest.gateway.store.usage_record import TokenCounts, UsageRecord
from behest.gateway.usage.service import UsageService
from behest.gateway.usage.sink import SinkOptions, UsageSink


def record(index: int, project: str = "proj_a") -> UsageRecord:
    return UsageRecord(
        request_id=f"req_{index}",
        project_id=project,
        user_id=f"user_{index % 7}",
        session_id="sess",
        model_requested="gpt-4o-mini",
        model_served="gpt-4o-mini",
        provider="openai",
        credential_id="cred_1",
        tokens=TokenCounts(input=10 + index % 5, output=3, cached=index % 2, reasoning=0),
        cost_usd=0.000_001_5 * (index % 3 + 1),
        latency_ms=12,
        status=200 if index % 10 else 500,
    )


def raw_totals(db: Database) -> tuple[int, int, int, int]:
    raw = tables.usage_records
    with db.engine.connect() as connection:
        row = connection.execute(
            select(
                func.count(),
                func.sum(raw.c.input_tokens),
                func.sum(raw.c.cached_tokens),
                func.sum(raw.c.cost_nano_usd),
            )
        ).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


async def test_thousands_of_records_become_as_many_rows(db: Database) -> None:
    service = UsageService(db, SinkOptions(batch_size=500, interval_s=0.05))
    service.start()
    for index in range(5000):
        service.record(record(index))
        if index % 1000 == 0:
            await asyncio.sleep(0)  # let the writer run while requests keep coming
    await service.close()
    expected = [record(i) for i in range(5000)]
    assert raw_totals(db) == (
        5000,
        sum(r.tokens.input for r in expected),
        sum(r.tokens.cached for r in expected),
        sum(r.cost_nano_usd for r in expected),
    )
    assert service.sink.written == 5000 and service.sink.pending == 0


async def test_close_flushes_what_the_interval_has_not_yet_written(db: Database) -> None:
    sink = UsageSink(db.insert_usage, SinkOptions(batch_size=10_000, interval_s=3600))
    sink.start()
    for index in range(321):
        sink.record(record(index))
    await asyncio.sleep(0)
    assert raw_totals(db)[0] == 0
    await sink.close()
    assert raw_totals(db)[0] == 321


class FlakyWriter:
    """Fails the first ``failures`` writes, as a database that is down would."""

    def __init__(self, db: Database, failures: int) -> None:
        self.db = db
        self.failures = failures
        self.calls = 0

    def __call__(self, batch: Sequence[UsageRecord]) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("database unreachable")
        self.db.insert_usage(batch)


async def test_an_outage_is_retried_and_nothing_is_lost(db: Database) -> None:
    writer = FlakyWriter(db, failures=4)
    sink = UsageSink(writer, SinkOptions(batch_size=100, interval_s=0.01, backoff_s=0.01))
    sink.start()
    for index in range(1000):
        sink.record(record(index))
    await sink.close()
    assert writer.calls > 4
    assert raw_totals(db)[0] == 1000
    raw = tables.usage_records
    with db.engine.connect() as connection:
        distinct = connection.execute(select(func.count(func.distinct(raw.c.request_id)))).scalar()
    assert distinct == 1000  # each record once, none twice


async def test_close_keeps_retrying_until_the_database_returns(db: Database) -> None:
    writer = FlakyWriter(db, failures=3)
    sink = UsageSink(writer, SinkOptions(batch_size=50, interval_s=3600, backoff_s=0.01))
    for index in range(120):
        sink.record(record(index))
    await sink.close()
    assert raw_totals(db)[0] == 120


async def test_memory_is_bounded_while_the_database_is_down() -> None:
    def down(_batch: Sequence[UsageRecord]) -> None:
        raise ConnectionError("down")

    sink = UsageSink(down, SinkOptions(max_pending=100, close_timeout_s=0.05, backoff_s=0.01))
    for index in range(250):
        sink.record(record(index))
    assert (sink.pending, sink.dropped) == (100, 150)
    await sink.close()
    assert sink.pending == 100  # kept, and reported in the log, not silently lost


class LostAcknowledgement:
    """Commits the first write, then fails as if the acknowledgement never arrived."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls = 0

    def __call__(self, batch: Sequence[UsageRecord]) -> None:
        self.calls += 1
        self.db.insert_usage(batch)
        if self.calls == 1:
            raise ConnectionError("connection lost after the commit")


async def test_a_batch_retried_after_a_lost_acknowledgement_is_written_once(db: Database) -> None:
    writer = LostAcknowledgement(db)
    sink = UsageSink(writer, SinkOptions(batch_size=1000, interval_s=3600, backoff_s=0.01))
    for index in range(300):
        sink.record(record(index))
    await sink.close()
    assert writer.calls == 2
    assert raw_totals(db)[0] == 300
    daily = tables.usage_daily
    with db.engine.connect() as connection:
        requests = connection.execute(select(func.sum(daily.c.requests))).scalar()
    assert requests == 300  # the aggregates were not booked twice either


def test_record_ids_are_unique_across_forked_workers() -> None:
    """Ids are a per-process prefix and a counter; a forked worker must not reuse them."""
    import os

    here = UsageRecord("r", "p", "u", "s", "m").record_id
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writer, UsageRecord("r", "p", "u", "s", "m").record_id.encode())
        os._exit(0)
    os.waitpid(child, 0)
    theirs = os.read(reader, 64).decode()
    assert len(here) == len(theirs) == 32 and here[:16] != theirs[:16]
