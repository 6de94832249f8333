"""Usage and cost: charts per day stacked by model, top users, a table by any of model,
user and day over a date range, and its CSV export (the admin API's report, same rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import orjson
from aiohttp import web

from behest.gateway.dashboard.gate import SECURITY_HEADERS, Page, signed_in
from behest.gateway.dashboard.html import (
    ROOT,
    Html,
    field,
    join,
    notices,
    project_tabs,
    table,
    tag,
    text_input,
)
from behest.gateway.errors import InvalidRequest
from behest.gateway.store.usage_queries import UsageQuery, UsageTotals
from behest.gateway.store.usage_record import NANO
from behest.gateway.usage.report import report_csv, report_query

routes = web.RouteTableDef()
_PATH = f"{ROOT}/projects/{{project}}/usage"
_GROUPINGS = {
    "day,model": "day and model",
    "model": "model",
    "user": "user",
    "day": "day",
    "model,user": "model and user",
    "day,model,user": "day, model and user",
}
_TOP_USERS = 10


def _range(request: web.Request) -> tuple[str, str, str]:
    today = datetime.now(UTC).date()
    start = request.query.get("start") or (today - timedelta(days=29)).isoformat()
    end = request.query.get("end") or today.isoformat()
    group = request.query.get("group", "day,model")
    return start, end, group if group in _GROUPINGS else "day,model"


def _query(page: Page, group: str) -> UsageQuery:
    start, end, _ = _range(page.request)
    return report_query(page.request.match_info["project"], group, start, end)


def _days(rows: Sequence[UsageTotals]) -> list[str]:
    """Every day from the first with usage to the last, so that quiet days show as gaps."""
    seen = sorted({row.day for row in rows if row.day})
    if not seen:
        return []
    first, last = date.fromisoformat(seen[0]), date.fromisoformat(seen[-1])
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _series(rows: Sequence[UsageTotals], value: str) -> dict[str, object]:
    days = _days(rows)
    models = sorted({row.model for row in rows if row.model})
    values: dict[str, dict[str, float]] = {m: {} for m in models}
    for row in rows:
        if row.model and row.day:
            amount = (
                row.cost_nano_usd / NANO
                if value == "cost"
                else row.input_tokens + row.output_tokens
            )
            values[row.model][row.day] = amount
    return {"days": days, "models": models, "values": values}


def _money(nano: int) -> str:
    return f"${nano / NANO:,.6f}" if nano < NANO // 100 else f"${nano / NANO:,.2f}"


def _cells(row: UsageTotals, group: Sequence[str]) -> list[object]:
    keys = {"model": row.model, "user": row.user_id, "day": row.day}
    return [
        *(keys[name] or "—" for name in group),
        row.requests,
        row.errors,
        row.input_tokens,
        row.output_tokens,
        _money(row.cost_nano_usd),
    ]


def _filters(start: str, end: str, group: str) -> Html:
    options = join(
        tag("option", label, value=value, selected=value == group)
        for value, label in _GROUPINGS.items()
    )
    select = tag("select", options, name="group")
    return tag(
        "form",
        tag(
            "div",
            join(
                [
                    field("From", text_input("start", start, type="date")),
                    field("To", text_input("end", end, type="date")),
                    field("Table by", select),
                    tag("div", tag("button", "Show", type="submit")),
                ]
            ),
            class_="row",
        ),
        method="get",
        class_="card",
        id="usage-filters",
    )


def _charts(daily: Sequence[UsageTotals]) -> Html:
    data = {"cost": _series(daily, "cost"), "tokens": _series(daily, "tokens")}
    # JSON inside <script type="application/json"> is data, not code; "<" is escaped so
    # that no value can close the element
    payload = orjson.dumps(data).decode().replace("<", "\\u003c")
    return join(
        [
            Html(f'<script type="application/json" id="usage-data">{payload}</script>'),
            tag(
                "div",
                join(
                    [
                        tag("div", Html('<canvas id="cost-chart"></canvas>'), class_="chart"),
                        tag("div", Html('<canvas id="token-chart"></canvas>'), class_="chart"),
                    ]
                ),
                class_="charts",
            ),
        ]
    )


def _summary(users: Sequence[UsageTotals], start: str, end: str, csv_link: str) -> Html:
    requests = sum(r.requests for r in users)
    cost = _money(sum(r.cost_nano_usd for r in users))
    link = tag("a", "Export CSV", href=csv_link, id="export-csv", download=True)
    return tag("p", join([f"{requests} requests, {cost} from {start} to {end}. ", link]))


@routes.get(_PATH)
@signed_in
async def usage_page(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    name = page.project_name(project_id)
    start, end, group = _range(page.request)
    usage = page.services.pipeline.usage
    try:
        daily = await usage.report(_query(page, "day,model"))
        users = await usage.report(_query(page, "user"))
        rows = await usage.report(_query(page, group))
        error = None
    except InvalidRequest as exc:
        daily, users, rows, error = [], [], [], exc.message
    top = sorted(users, key=lambda r: (-r.cost_nano_usd, -r.requests))[:_TOP_USERS]
    columns = group.split(",")
    counts = ["Requests", "Errors", "Input tokens", "Output tokens", "Cost"]
    csv_link = f"{ROOT}/projects/{project_id}/usage.csv?" + urlencode(
        {"start": start, "end": end, "group": group}
    )
    body = join(
        [
            project_tabs(project_id, name, "usage"),
            notices(error=error),
            _filters(start, end, group),
            _summary(users, start, end, csv_link),
            _charts(daily),
            tag("h2", "Top users"),
            table(["User", *counts], [_cells(r, ["user"]) for r in top], "No usage in this range."),
            tag("h2", f"By {_GROUPINGS[group]}"),
            table(
                [*(c.capitalize() for c in columns), *counts],
                [_cells(r, columns) for r in rows],
                "No usage in this range.",
            ),
        ]
    )
    return page.html(f"{name}: usage", body, charts=True)


@routes.get(f"{_PATH}.csv")
@signed_in
async def usage_csv(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    page.project_name(project_id)
    _, _, group = _range(page.request)
    query = _query(page, group)
    rows = await page.services.pipeline.usage.report(query)
    return web.Response(
        text=report_csv(query, rows),
        content_type="text/csv",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="usage-{project_id}.csv"',
        },
    )
