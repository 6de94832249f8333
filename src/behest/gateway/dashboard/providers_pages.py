"""Provider credentials: add one by pasting its key (afterwards only the last four
characters are shown, and only of a key long enough to spare them), base URL (shown
without any user, password or query string it carries) and model patterns; test it by
listing the upstream's models through the gateway's own upstream client; disable,
enable, delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from behest.gateway.config.directory import CredentialView
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
)
from behest.gateway.errors import GatewayError, InvalidRequest, UpstreamError
from behest.gateway.providers.model_list import models_request, parse_model_ids
from behest.gateway.providers.profiles import PROFILES

routes = web.RouteTableDef()
SHORT_KEY = 12  # a key shorter than this shows none of its characters
_PATH = f"{ROOT}/projects/{{project}}/providers"
DONE = {
    "added": "Provider added.",
    "deleted": "Provider deleted.",
    "disabled": "Provider disabled: requests no longer route to it.",
    "enabled": "Provider enabled.",
}


def _views(page: Page, project_id: str) -> dict[str, CredentialView]:
    project = page.services.directory.snapshot.projects.get(project_id)
    return {c.id: c for c in project.credentials} if project else {}


def _button(
    page: Page, credential: dict[str, Any], action: str, label: str, **attrs: object
) -> Html:
    path = f"{ROOT}/projects/{credential['project_id']}/providers/{credential['id']}/{action}"
    return form(path, page.csrf, "", label, **attrs)


def key_hint(api_key: str) -> str:
    return "…" + api_key[-4:] if len(api_key) >= SHORT_KEY else "…"


def shown_url(base_url: str) -> str:
    """The base URL without the secrets a URL can carry: userinfo, query and fragment."""
    try:
        parts = urlsplit(base_url)
    except ValueError:
        return "(not shown)"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _row(page: Page, credential: dict[str, Any], view: CredentialView | None) -> list[object]:
    disabled = bool(credential["settings"].get("disabled"))
    key = key_hint(view.api_key) if view and view.api_key else ("—" if view else "unusable")
    actions = join(
        [
            _button(page, credential, "test", "Test", class_="test") if view else "",
            _button(
                page,
                credential,
                "enable" if disabled else "disable",
                "Enable" if disabled else "Disable",
            ),
            _button(
                page,
                credential,
                "delete",
                "Delete",
                data_confirm=f"Delete the provider {credential['name']}?",
            ),
        ]
    )
    return [
        credential["name"],
        credential["provider"],
        shown_url(credential["base_url"]) if credential["base_url"] else "(default)",
        ", ".join(credential["models"]) or "(catalog)",
        tag("code", key),
        "disabled" if disabled else "active",
        actions,
    ]


def _add_form(page: Page, project_id: str) -> Html:
    options = join(tag("option", name, value=name) for name in sorted(PROFILES))
    fields = join(
        [
            tag(
                "div",
                join(
                    [
                        field(
                            "Provider",
                            text_input("provider", "openai", list="providers", required=True),
                            "A built-in name, or any name with an OpenAI-compatible base URL",
                        ),
                        field("Name", text_input("name", placeholder="optional")),
                    ]
                ),
                class_="row top",
            ),
            tag("datalist", options, id="providers"),
            field(
                "API key",
                text_input("api_key", type="password", autocomplete="off"),
                "Stored encrypted; never shown again",
            ),
            field("Base URL", text_input("base_url", placeholder="https://…/v1 (optional)")),
            field(
                "Model patterns",
                text_input("models", placeholder="gpt-4o*, gpt-4o-mini"),
                "Comma-separated; empty: the catalog's models of this provider",
            ),
        ]
    )
    return form(
        f"{ROOT}/projects/{project_id}/providers",
        page.csrf,
        fields,
        "Add provider",
        class_="card",
        id="add-provider",
    )


async def _page(
    page: Page, *, error: str | None = None, tested: Html | None = None, status: int = 200
) -> web.Response:
    project_id = page.request.match_info["project"]
    name = page.project_name(project_id)
    credentials = await page.run(page.services.admin.list_credentials, project_id)
    views = _views(page, project_id)
    rows = [_row(page, c, views.get(c["id"])) for c in credentials]
    headers = ["Name", "Provider", "Base URL", "Models", "Key", "State", ""]
    body = join(
        [
            project_tabs(project_id, name, "providers"),
            notices(DONE.get(page.request.query.get("done", "")), error),
            tested or "",
            table(headers, rows, "No providers yet: add a key below."),
            tag("h2", "Add a provider"),
            _add_form(page, project_id),
        ]
    )
    return page.html(
        f"{name}: providers", body, status, path=f"{ROOT}/projects/{project_id}/providers"
    )


@routes.get(_PATH)
@signed_in
async def list_providers(page: Page) -> web.StreamResponse:
    return await _page(page)


def credential_from_form(data: dict[str, str]) -> dict[str, Any]:
    models = [m.strip() for m in data.get("models", "").replace("\n", ",").split(",")]
    return {
        "provider": data.get("provider", "").strip(),
        "name": data.get("name", "").strip(),
        "api_key": data.get("api_key", "").strip(),
        "base_url": data.get("base_url", "").strip(),
        "models": [m for m in models if m],
    }


@routes.post(_PATH)
@signed_in
async def add_provider(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    body = credential_from_form(page.form)
    try:
        await page.run(page.services.admin.add_credential, project_id, body, writes=True)
    except InvalidRequest as error:
        return await _page(page, error=error.message, status=400)
    raise see_other(f"{ROOT}/projects/{project_id}/providers?done=added")


async def _list_upstream(page: Page, view: CredentialView) -> list[str]:
    reply = await page.services.upstream.send(models_request(view.target("")))
    if reply.status >= 400:
        raise UpstreamError(f"The provider answered {reply.status} to the model listing.")
    return parse_model_ids(view.profile.api_format, reply.body)


@routes.post(f"{_PATH}/{{credential}}/test")
@signed_in
async def test_provider(page: Page) -> web.StreamResponse:
    info = page.request.match_info
    view = _views(page, info["project"]).get(info["credential"])
    if view is None:
        return await _page(page, error="This provider is disabled or unusable.", status=400)
    try:
        models = await _list_upstream(page, view)
    except GatewayError as error:
        return await _page(page, error=f"Test of {view.name} failed: {error.message}", status=502)
    listing = join(tag("li", model) for model in models) if models else tag("li", "(none listed)")
    tested = tag(
        "div",
        join(
            [
                tag("strong", f"{view.name} answered; it lists {len(models)} models:"),
                tag("ul", listing, class_="models"),
            ]
        ),
        class_="card notice ok",
        id="test-result",
    )
    return await _page(page, tested=tested)


async def _set_disabled(page: Page, disabled: bool) -> web.StreamResponse:
    info = page.request.match_info
    admin = page.services.admin
    credentials = await page.run(admin.list_credentials, info["project"])
    current = next((c for c in credentials if c["id"] == info["credential"]), None)
    if current is None:
        return await _page(page, error="No such provider.", status=404)
    settings = {k: v for k, v in current["settings"].items() if k != "disabled"}
    if disabled:
        settings["disabled"] = True
    patch = {"settings": settings}
    await page.run(admin.update_credential, info["project"], info["credential"], patch, writes=True)
    done = "disabled" if disabled else "enabled"
    raise see_other(f"{ROOT}/projects/{info['project']}/providers?done={done}")


@routes.post(f"{_PATH}/{{credential}}/disable")
@signed_in
async def disable_provider(page: Page) -> web.StreamResponse:
    return await _set_disabled(page, True)


@routes.post(f"{_PATH}/{{credential}}/enable")
@signed_in
async def enable_provider(page: Page) -> web.StreamResponse:
    return await _set_disabled(page, False)


@routes.post(f"{_PATH}/{{credential}}/delete")
@signed_in
async def delete_provider(page: Page) -> web.StreamResponse:
    info = page.request.match_info
    admin = page.services.admin
    await page.run(admin.delete_credential, info["project"], info["credential"], writes=True)
    raise see_other(f"{ROOT}/projects/{info['project']}/providers?done=deleted")
