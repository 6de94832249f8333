"""Limits and budgets (with their current use) and the guardrails policy, with a
"try it" box that shows what a sample text becomes under the saved policy.

Both policies are edited as JSON (docs/limits.md, docs/guardrails.md) and saved through
the admin service, so a bad policy gets the admin API's own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from aiohttp import web

from behest.gateway.config.directory import ProjectView
from behest.gateway.dashboard.gate import Page, see_other, signed_in
from behest.gateway.dashboard.html import (
    ROOT,
    Html,
    field,
    form,
    join,
    notices,
    project_tabs,
    search_form,
    table,
    tag,
    textarea,
)
from behest.gateway.errors import GuardrailBlocked, InvalidRequest, NotFound
from behest.gateway.guard import inspect_request
from behest.gateway.limits.admission import LimitUsage

routes = web.RouteTableDef()
_BASE = f"{ROOT}/projects/{{project}}"
_SAVED = "Policy saved."


def _view(page: Page) -> ProjectView:
    project_id = page.request.match_info["project"]
    view = page.services.directory.snapshot.projects.get(project_id)
    if view is None:
        raise NotFound(f"No project with id {project_id!r}.")
    return view


def _pretty(data: dict[str, Any]) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()


def _editor(page: Page, section: str, text: str) -> Html:
    project_id = page.request.match_info["project"]
    return form(
        f"{ROOT}/projects/{project_id}/{section}",
        page.csrf,
        field("Policy (JSON)", textarea("policy", text, rows=14, spellcheck="false")),
        "Save policy",
        class_="card",
        id=f"{section}-policy",
    )


async def _save(page: Page, section: str) -> str | None:
    """Saves the posted policy; the error message when it is refused."""
    text = page.form.get("policy", "").strip() or "{}"
    try:
        policy = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return f"The policy is not valid JSON: {exc}."
    if not isinstance(policy, dict):
        return "The policy must be a JSON object."
    patch = {"settings": {section: policy}}
    try:
        await page.run(
            page.services.admin.update_project,
            page.request.match_info["project"],
            patch,
            writes=True,
        )
    except InvalidRequest as error:
        return error.message
    return None


# limits


def _use_cells(rows: Sequence[LimitUsage]) -> list[list[object]]:
    return [
        [
            u.layer,
            u.scope,
            u.period,
            u.unit,
            f"{u.used:g}",
            f"{u.limit:g}",
            f"{u.remaining:g}",
            f"{u.resets_in_seconds:.0f} s",
        ]
        for u in rows
    ]


def _described_in(doc: str) -> Html:
    return tag("p", join(["The fields are described in ", tag("code", doc), "."]), class_="muted")


async def _limits_page(
    page: Page, text: str | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    view = _view(page)
    user = page.request.query.get("user_id") or None
    rows = await page.services.pipeline.limiter.usage(view.id, view.limits, user_id=user)
    headers = ["Layer", "Scope", "Period", "Unit", "Used", "Limit", "Remaining", "Resets"]
    policy = text if text is not None else _pretty(view.settings.limits)
    body = join(
        [
            project_tabs(view.id, view.record.name, "limits"),
            notices(_SAVED if page.request.query.get("done") == "saved" else None, error),
            tag("h2", "Current use"),
            search_form("Use of one user", "user_id", user or "", "Show"),
            table(headers, _use_cells(rows), "No limits configured: nothing is limited."),
            tag("h2", "Limits and budgets"),
            _described_in("docs/limits.md"),
            _editor(page, "limits", policy),
        ]
    )
    path = f"{ROOT}/projects/{view.id}/limits"
    return page.html(f"{view.record.name}: limits", body, status, path=path)


@routes.get(f"{_BASE}/limits")
@signed_in
async def limits_page(page: Page) -> web.StreamResponse:
    return await _limits_page(page)


@routes.post(f"{_BASE}/limits")
@signed_in
async def save_limits(page: Page) -> web.StreamResponse:
    error = await _save(page, "limits")
    if error:
        return await _limits_page(page, page.form.get("policy", ""), error, 400)
    raise see_other(f"{ROOT}/projects/{page.request.match_info['project']}/limits?done=saved")


# guardrails


def try_guard(view: ProjectView, text: str) -> tuple[str, str]:
    """What the upstream would receive for ``text`` as a user message, and the report."""
    body = {"model": "probe", "messages": [{"role": "user", "content": text}]}
    try:
        result = inspect_request(body, view.guard)
    except GuardrailBlocked as blocked:
        return "(blocked: the request would be refused)", blocked.message
    sent = result.body["messages"][0]["content"]
    return str(sent), result.report.header_value() or "nothing found"


async def _guard_page(
    page: Page,
    *,
    text: str | None = None,
    error: str | None = None,
    trial: Html | None = None,
    status: int = 200,
) -> web.Response:
    view = _view(page)
    sample = page.form.get("sample", "My email is jane@example.com, call +1 415 555 0100.")
    attempt = form(
        f"{ROOT}/projects/{view.id}/guard/try",
        page.csrf,
        field("Sample text", textarea("sample", sample, rows=3)),
        "Try it",
        class_="card",
        id="guard-try",
    )
    ok = _SAVED if page.request.query.get("done") == "saved" else None
    body = join(
        [
            project_tabs(view.id, view.record.name, "guard"),
            notices(ok, error),
            tag("h2", "Try it"),
            attempt,
            trial or "",
            tag("h2", "Guardrails policy"),
            _described_in("docs/guardrails.md"),
            _editor(page, "guard", text if text is not None else _pretty(view.settings.guard)),
            tag(
                "details",
                join(
                    [
                        tag("summary", "The policy in effect, defaults filled in"),
                        tag("pre", _pretty(view.guard.to_dict()), id="guard-effective"),
                    ]
                ),
            ),
        ]
    )
    return page.html(
        f"{view.record.name}: guardrails", body, status, path=f"{ROOT}/projects/{view.id}/guard"
    )


@routes.get(f"{_BASE}/guard")
@signed_in
async def guard_page(page: Page) -> web.StreamResponse:
    return await _guard_page(page)


@routes.post(f"{_BASE}/guard")
@signed_in
async def save_guard(page: Page) -> web.StreamResponse:
    error = await _save(page, "guard")
    if error:
        return await _guard_page(page, text=page.form.get("policy", ""), error=error, status=400)
    raise see_other(f"{ROOT}/projects/{page.request.match_info['project']}/guard?done=saved")


@routes.post(f"{_BASE}/guard/try")
@signed_in
async def try_it(page: Page) -> web.StreamResponse:
    sent, report = try_guard(_view(page), page.form.get("sample", ""))
    trial = tag(
        "div",
        join(
            [
                tag("strong", "The upstream would receive:"),
                tag("pre", sent, id="guard-result"),
                tag("p", join(["Report: ", tag("code", report, id="guard-report")])),
            ]
        ),
        class_="card",
    )
    return await _guard_page(page, trial=trial)
