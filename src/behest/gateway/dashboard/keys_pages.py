"""API keys: create one (its secret shown once, with a copy button), list, revoke."""

from __future__ import annotations

from typing import Any

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
)
from behest.gateway.errors import InvalidRequest

routes = web.RouteTableDef()
_PATH = f"{ROOT}/projects/{{project}}/keys"


def _when(value: str | None) -> str:
    return "—" if not value else value[:16].replace("T", " ")


def _row(page: Page, key: dict[str, Any]) -> list[object]:
    if key["revoked_at"]:
        action: object = tag("span", "revoked " + _when(key["revoked_at"]), class_="muted")
    else:
        action = form(
            f"{ROOT}/projects/{key['project_id']}/keys/{key['id']}/revoke",
            page.csrf,
            "",
            "Revoke",
            data_confirm=f"Revoke the key {key['name'] or key['id']}? Apps using it stop working.",
        )
    return [
        key["name"] or "—",
        tag("code", key["prefix"] + "…"),
        _when(key["created_at"]),
        _when(key.get("last_used_at")),
        action,
    ]


def _shown_once(plaintext: str) -> Html:
    return tag(
        "div",
        join(
            [
                tag("strong", "Copy this key now; it is not shown again."),
                tag(
                    "div",
                    join(
                        [
                            tag("code", plaintext, id="new-key"),
                            tag(
                                "button",
                                "Copy",
                                type="button",
                                data_copy="new-key",
                                class_="secondary",
                            ),
                        ]
                    ),
                    class_="secret",
                ),
            ]
        ),
        class_="card notice ok",
        id="created-key",
    )


async def _page(
    page: Page, *, created: str | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    project_id = page.request.match_info["project"]
    name = page.project_name(project_id)
    # this process's uses not yet written (a minute at most) are written first
    await page.services.authenticator.key_use.flush(page.services.directory.db)
    keys = await page.run(page.services.admin.list_api_keys, project_id)
    done = "Key revoked." if page.request.query.get("done") == "revoked" else None
    create = form(
        f"{ROOT}/projects/{project_id}/keys",
        page.csrf,
        field("Name", text_input("name", maxlength=200, placeholder="e.g. production backend")),
        "Create key",
        class_="card",
        id="create-key",
    )
    body = join(
        [
            project_tabs(project_id, name, "keys"),
            notices(done, error),
            _shown_once(created) if created else "",
            table(
                ["Name", "Key", "Created", "Last used", ""],
                [_row(page, key) for key in keys],
                "No API keys yet.",
            ),
            tag("h2", "New key"),
            create,
        ]
    )
    return page.html(f"{name}: API keys", body, status, path=f"{ROOT}/projects/{project_id}/keys")


@routes.get(_PATH)
@signed_in
async def list_keys(page: Page) -> web.StreamResponse:
    return await _page(page)


@routes.post(_PATH)
@signed_in
async def create_key(page: Page) -> web.StreamResponse:
    project_id = page.request.match_info["project"]
    try:
        key = await page.run(
            page.services.admin.create_api_key,
            project_id,
            {"name": page.form.get("name", "")},
            writes=True,
        )
    except InvalidRequest as error:
        return await _page(page, error=error.message, status=400)
    return await _page(page, created=key["key"])


@routes.post(f"{_PATH}/{{key}}/revoke")
@signed_in
async def revoke_key(page: Page) -> web.StreamResponse:
    info = page.request.match_info
    await page.run(page.services.admin.revoke_api_key, info["project"], info["key"], writes=True)
    raise see_other(f"{ROOT}/projects/{info['project']}/keys?done=revoked")
