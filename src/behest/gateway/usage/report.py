"""Usage reports from the daily aggregate: grouping, date ranges, JSON and CSV shapes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from behest.gateway.errors import InvalidRequest
from behest.gateway.store.usage_queries import GROUPS, UsageQuery, UsageTotals
from behest.gateway.store.usage_record import NANO

COLUMNS = (
    "model",
    "user",
    "day",
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "cost_usd",
)


def parse_group_by(value: str | None) -> tuple[str, ...]:
    """``"model,user"`` → ``("model", "user")``; any combination of model, user, day."""
    names = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        raise InvalidRequest(
            f"group_by accepts model, user and day; not {', '.join(unknown)}.", param="group_by"
        )
    return tuple(dict.fromkeys(names))


def parse_day(value: str | None, name: str) -> str | None:
    """A YYYY-MM-DD day (UTC), or None; full ISO timestamps are cut to their day."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError as exc:
        raise InvalidRequest(f"{name} must be a date like 2025-01-31.", param=name) from exc


def report_query(
    project_id: str, group_by: str | None, start: str | None, end: str | None
) -> UsageQuery:
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first and last and first > last:
        raise InvalidRequest("start is after end.", param="start")
    return UsageQuery(project_id, parse_group_by(group_by), first, last)


def row_json(row: UsageTotals) -> dict[str, Any]:
    data: dict[str, Any] = {"model": row.model, "user": row.user_id, "day": row.day}
    data = {key: value for key, value in data.items() if value is not None}
    return data | {
        "requests": row.requests,
        "errors": row.errors,
        "input_tokens": row.input_tokens,
        "output_tokens": row.output_tokens,
        "cached_tokens": row.cached_tokens,
        "reasoning_tokens": row.reasoning_tokens,
        "cost_usd": row.cost_nano_usd / NANO,
    }


def report_json(query: UsageQuery, rows: Sequence[UsageTotals]) -> dict[str, Any]:
    return {
        "object": "usage.report",
        "project": query.project_id,
        "group_by": list(query.group_by),
        "start": query.start_day,
        "end": query.end_day,
        "data": [row_json(row) for row in rows],
    }


def report_csv(query: UsageQuery, rows: Sequence[UsageTotals]) -> str:
    columns = [c for c in COLUMNS if c not in GROUPS or c in query.group_by]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = {name: _inert(value) for name, value in row_json(row).items()}
        data["cost_usd"] = f"{row.cost_nano_usd / NANO:.9f}"
        writer.writerow(data)
    return out.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, quoted so that it stays text: user
    ids and model names come from end users (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def user_summary(rows: Sequence[UsageTotals], today: date | None = None) -> dict[str, Any]:
    """Today's and this month's totals from a user's rows grouped by day."""
    day = (today or datetime.now(UTC).date()).isoformat()

    def total(selected: list[UsageTotals]) -> dict[str, Any]:
        return {
            "requests": sum(r.requests for r in selected),
            "input_tokens": sum(r.input_tokens for r in selected),
            "output_tokens": sum(r.output_tokens for r in selected),
            "total_tokens": sum(r.input_tokens + r.output_tokens for r in selected),
            "cost_usd": sum(r.cost_nano_usd for r in selected) / NANO,
        }

    return {"today": total([r for r in rows if r.day == day]), "month": total(list(rows))}


def month_start(today: date) -> str:
    return today.replace(day=1).isoformat()
