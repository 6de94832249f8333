"""The usage facade the gateway wires: the sink for writes, the aggregate for reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from behest.gateway.store import Database
from behest.gateway.store.usage_queries import UsageQuery, UsageTotals
from behest.gateway.store.usage_record import UsageRecord
from behest.gateway.usage.report import month_start, user_summary
from behest.gateway.usage.sink import SinkOptions, UsageSink


class UsageService:
    def __init__(self, db: Database, options: SinkOptions | None = None) -> None:
        self.db = db
        self.sink = UsageSink(db.insert_usage, options)

    def record(self, record: UsageRecord) -> None:
        """Queue one record (non-blocking); written in the next batch."""
        self.sink.record(record)

    def start(self) -> None:
        self.sink.start()

    async def close(self) -> None:
        await self.sink.close()

    async def report(self, query: UsageQuery) -> list[UsageTotals]:
        return await asyncio.to_thread(self.db.usage_report, query)

    async def recent(self, project_id: str, limit: int = 100) -> list[UsageRecord]:
        """The project's latest requests, newest first (no message content is stored)."""
        return await asyncio.to_thread(self.db.recent_usage, project_id, limit)

    async def summary(
        self, project_id: str, user_id: str, today: date | None = None
    ) -> dict[str, Any]:
        """An end user's own usage today and this month (UTC), for ``GET /v1/usage``."""
        day = today or datetime.now(UTC).date()
        query = UsageQuery(project_id, ("day",), month_start(day), day.isoformat(), user_id)
        rows = await self.report(query)
        return {"object": "usage.summary", "user": user_id, **user_summary(rows, day)}
