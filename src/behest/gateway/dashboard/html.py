"""HTML building blocks: escaping by default, the page layout, forms and tables.

Text is escaped unless it is :class:`Html` (markup built here), so a project name or a
user id can never become markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from behest.gateway.dashboard.csrf import FIELD

ROOT = "/dashboard"
_TABS = (
    ("", "Settings"),
    ("keys", "API keys"),
    ("providers", "Providers"),
    ("usage", "Usage"),
    ("limits", "Limits"),
    ("guard", "Guardrails"),
    ("threads", "Threads"),
    ("requests", "Requests"),
)


class Html(str):
    """Markup that is already safe."""


def esc(value: object) -> Html:
    return value if isinstance(value, Html) else Html(escape(str(value), quote=True))


def join(parts: Iterable[object]) -> Html:
    return Html("".join(esc(part) for part in parts))


def tag(name: str, content: object = "", /, **attrs: object) -> Html:
    return Html(f"<{name}{_attrs(attrs)}>{esc(content)}</{name}>")


def csrf_input(csrf: str) -> Html:
    return Html(f'<input type="hidden" name="{FIELD}" value="{esc(csrf)}">')


def form(action: str, csrf: str, body: object, submit: str, **attrs: object) -> Html:
    button = tag("button", submit, type="submit")
    content = join([csrf_input(csrf), body, button])
    return tag("form", content, method="post", action=action, **attrs)


def search_form(label: str, name: str, value: str, button: str, **attrs: object) -> Html:
    """A GET form with one field and its button (filters, look-ups)."""
    submit = tag("div", tag("button", button, type="submit"))
    row = tag("div", join([field(label, text_input(name, value, **attrs)), submit]), class_="row")
    return tag("form", row, method="get", class_="card")


def field(label: str, control: Html, hint: str = "") -> Html:
    help_text = tag("small", hint) if hint else ""
    return tag("label", join([tag("span", label), control, help_text]))


def text_input(name: str, value: object = "", **attrs: object) -> Html:
    return Html(f'<input name="{esc(name)}" value="{esc(value)}"{_attrs(attrs)}>')


def textarea(name: str, value: object = "", rows: int = 4, **attrs: object) -> Html:
    return tag("textarea", value, name=name, rows=rows, **attrs)


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(
        f" {key.rstrip('_').replace('_', '-')}" + ("" if value is True else f'="{esc(value)}"')
        for key, value in attrs.items()
        if value is not None and value is not False
    )


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], empty: str = "None yet."
) -> Html:
    head = join(tag("th", h) for h in headers)
    body = join(tag("tr", join(tag("td", cell) for cell in row)) for row in rows)
    if not body:
        return tag("p", empty, class_="muted")
    return tag(
        "div",
        tag("table", join([tag("thead", tag("tr", head)), tag("tbody", body)])),
        class_="scroll",
    )


def notices(ok: str | None = None, error: str | None = None) -> Html:
    parts = []
    if ok:
        parts.append(tag("p", ok, class_="notice ok", role="status"))
    if error:
        parts.append(tag("p", error, class_="notice error", role="alert"))
    return join(parts)


def project_tabs(project_id: str, project_name: str, active: str) -> Html:
    links = join(
        tag(
            "a",
            label,
            href=f"{ROOT}/projects/{project_id}" + (f"/{slug}" if slug else ""),
            aria_current="page" if slug == active else None,
        )
        for slug, label in _TABS
    )
    return join([tag("h1", project_name), tag("nav", links, class_="tabs")])


def _head(title: str, charts: bool) -> Html:
    scripts = ["chart.umd.min.js", "dashboard.js"] if charts else ["dashboard.js"]
    return Html(
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · behest</title>"
        f'<link rel="stylesheet" href="{ROOT}/static/dashboard.css">'
        + "".join(f'<script src="{ROOT}/static/{name}" defer></script>' for name in scripts)
    )


def layout(
    title: str,
    body: object,
    csrf: str | None = None,
    *,
    charts: bool = False,
    canonical: str | None = None,
) -> Html:
    """The whole page; ``csrf`` (signed in) adds the navigation and the sign-out button.

    ``canonical``: a page answering a POST names the GET address it stands for, which the
    script puts in the history, so that reloading does not post (or create) again.
    """
    header = tag("a", "behest", href=f"{ROOT}/projects", class_="brand")
    if csrf is not None:
        sign_out = form(f"{ROOT}/logout", csrf, "", "Sign out", class_="inline")
        header = join([header, tag("a", "Projects", href=f"{ROOT}/projects"), sign_out])
    page = join(
        [
            tag("head", _head(title, charts)),
            tag("body", join([tag("header", header), tag("main", body, data_canonical=canonical)])),
        ]
    )
    return Html("<!doctype html>" + tag("html", page, lang="en"))
