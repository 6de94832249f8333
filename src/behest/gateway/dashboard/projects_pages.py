"""Projects: the list, creating one, renaming, and the settings form.

Settings go through the admin service, so the form shows the admin API's own
validation messages.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from behest.gateway.dashboard.gate import Page, see_other, signed_in
from behest.gateway.dashboard.html import (
    ROOT,
    Html,
    field,
    form,
    join,
    notices,
    project_tabs,
    table,
    tag,
    text_input,
    textarea,
)
from behest.gateway.errors import InvalidRequest

routes = web.RouteTableDef()
DONE = {
    "created": "Project created.",
    "renamed": "Project renamed.",
    "saved": "Settings saved.",
    "deleted": "Project deleted, with its keys, providers and settings.",
}


def _projects_page(page: Page, projects: list[dict[str, Any]], error: str | None = None) -> Html:
    rows = [
        [
            tag("a", p["name"], href=f"{ROOT}/projects/{p['id']}"),
            tag("code", p["id"]),
            p["created_at"][:10],
        ]
        for p in projects
    ]
    create = form(
        f"{ROOT}/projects",
        page.csrf,
        field("Name", text_input("name", required=True, maxlength=200)),
        "Create project",
        class_="card",
        id="create-project",
    )
    return join(
        [
            tag("h1", "Projects"),
            notices(DONE.get(page.request.query.get("done", "")), error),
            table(["Name", "Id", "Created"], rows, "No projects yet: create the first below."),
            tag("h2", "New project"),
            create,
        ]
    )


@routes.get(f"{ROOT}/projects")
@signed_in
async def list_projects(page: Page) -> web.StreamResponse:
    projects = await page.run(page.services.admin.list_projects)
    return page.html("Projects", _projects_page(page, projects))


@routes.post(f"{ROOT}/projects")
@signed_in
async def create_project(page: Page) -> web.StreamResponse:
    try:
        project = await page.run(
            page.services.admin.create_project, {"name": page.form.get("name", "")}, writes=True
        )
    except InvalidRequest as error:
        projects = await page.run(page.services.admin.list_projects)
        return page.html(
            "Projects", _projects_page(page, projects, error.message), 400, path=f"{ROOT}/projects"
        )
    raise see_other(f"{ROOT}/projects/{project['id']}?done=created")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(text: str) -> int | str | None:
    """A whole number when it is one; otherwise the text, for the service to refuse."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _aliases(text: str) -> dict[str, str]:
    aliases = {}
    for line in _lines(text):
        alias, sep, model = line.partition("=")
        if not sep or not alias.strip() or not model.strip():
            raise InvalidRequest(f"aliases: write each as 'alias = model', not {line!r}.")
        aliases[alias.strip()] = model.strip()
    return aliases


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text.strip() or "{}")
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"{name} must be a JSON object: {exc}.", param=name) from exc
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be a JSON object.", param=name)
    return value


def settings_from_form(form_data: dict[str, str]) -> dict[str, Any]:
    ttl = _number(form_data.get("jwt_ttl_s", ""))
    return {
        "allow_api_key_access": form_data.get("allow_api_key_access") == "on",
        "jwt_ttl_s": 900 if ttl is None else ttl,
        "cors_origins": _lines(form_data.get("cors_origins", "")),
        "aliases": _aliases(form_data.get("aliases", "")),
        "thread_retention_days": _number(form_data.get("thread_retention_days", "")),
        "price_overrides": _json_object(form_data.get("price_overrides", ""), "price_overrides"),
    }


def form_values(settings: dict[str, Any]) -> dict[str, str]:
    """The stored settings as the form's fields show them (the inverse of the above)."""
    retention = settings["thread_retention_days"]
    prices = settings["price_overrides"]
    return {
        "allow_api_key_access": "on" if settings["allow_api_key_access"] else "",
        "jwt_ttl_s": str(settings["jwt_ttl_s"]),
        "cors_origins": "\n".join(settings["cors_origins"]),
        "aliases": "\n".join(f"{alias} = {model}" for alias, model in settings["aliases"].items()),
        "thread_retention_days": "" if retention is None else str(retention),
        "price_overrides": orjson.dumps(prices, option=orjson.OPT_INDENT_2).decode()
        if prices
        else "",
    }


def _settings_form(page: Page, project_id: str, values: dict[str, str]) -> Html:
    checkbox = Html(
        '<input type="checkbox" name="allow_api_key_access"'
        + (" checked" if values.get("allow_api_key_access") == "on" else "")
        + ">"
    )
    fields = join(
        [
            field(
                "CORS origins",
                textarea("cors_origins", values.get("cors_origins", "")),
                "One origin a line, e.g. https://app.example.com",
            ),
            field(
                "JWT lifetime (seconds)",
                text_input("jwt_ttl_s", values.get("jwt_ttl_s", ""), inputmode="numeric"),
            ),
            field(
                "Model aliases",
                textarea("aliases", values.get("aliases", "")),
                "One a line: alias = provider/model",
            ),
            field(
                "Thread retention (days)",
                text_input(
                    "thread_retention_days",
                    values.get("thread_retention_days", ""),
                    inputmode="numeric",
                ),
                "Empty: keep threads until deleted",
            ),
            field(
                "Server-to-server API key use",
                checkbox,
                "Let the API key call /v1/* directly with X-End-User-Id",
            ),
            field(
                "Price overrides (JSON)",
                textarea("price_overrides", values.get("price_overrides", ""), rows=3),
                "Optional; empty: the catalog's prices",
            ),
        ]
    )
    return form(
        f"{ROOT}/projects/{project_id}/settings",
        page.csrf,
        fields,
        "Save settings",
        class_="card",
        id="settings",
    )


def _project_page(
    page: Page,
    project: dict[str, Any],
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Html:
    """``values``: what the refused form held, shown again so that nothing typed is lost."""
    rename = form(
        f"{ROOT}/projects/{project['id']}/rename",
        page.csrf,
        field("Name", text_input("name", project["name"], required=True, maxlength=200)),
        "Rename",
        class_="card",
        id="rename",
    )
    shown = values if values is not None else form_values(project["settings"])
    return join(
        [
            project_tabs(project["id"], project["name"], ""),
            notices(DONE.get(page.request.query.get("done", "")), error),
            tag("p", join(["Project id ", tag("code", project["id"])]), class_="muted"),
            tag("h2", "Settings"),
            _settings_form(page, project["id"], shown),
            tag("h2", "Name"),
            rename,
            tag("h2", "Delete"),
            form(
                f"{ROOT}/projects/{project['id']}/delete",
                page.csrf,
                tag("p", "Its API keys stop working at once.", class_="muted"),
                "Delete project",
                class_="card danger-form",
                id="delete-project",
                data_confirm=f"Delete the project {project['name']} and everything in it?",
            ),
        ]
    )


def _project_id(page: Page) -> str:
    return page.request.match_info["project"]


@routes.get(f"{ROOT}/projects/{{project}}")
@signed_in
async def show_project(page: Page) -> web.StreamResponse:
    project = await page.run(page.services.admin.show_project, _project_id(page))
    return page.html(project["name"], _project_page(page, project))


async def _update(page: Page, patch: dict[str, Any] | None, done: str) -> web.StreamResponse:
    admin = page.services.admin
    try:
        if patch is None:
            patch = {"settings": settings_from_form(page.form)}
        await page.run(admin.update_project, _project_id(page), patch, writes=True)
    except InvalidRequest as error:
        project = await page.run(admin.show_project, _project_id(page))
        values = page.form if "cors_origins" in page.form else None
        body = _project_page(page, project, error.message, values)
        return page.html(project["name"], body, 400, path=f"{ROOT}/projects/{project['id']}")
    raise see_other(f"{ROOT}/projects/{_project_id(page)}?done={done}")


@routes.post(f"{ROOT}/projects/{{project}}/settings")
@signed_in
async def save_settings(page: Page) -> web.StreamResponse:
    return await _update(page, None, "saved")


@routes.post(f"{ROOT}/projects/{{project}}/rename")
@signed_in
async def rename(page: Page) -> web.StreamResponse:
    return await _update(page, {"name": page.form.get("name", "")}, "renamed")


@routes.post(f"{ROOT}/projects/{{project}}/delete")
@signed_in
async def delete_project(page: Page) -> web.StreamResponse:
    await page.run(page.services.admin.delete_project, _project_id(page), writes=True)
    raise see_other(f"{ROOT}/projects?done=deleted")
