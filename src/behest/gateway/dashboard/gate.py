"""What every dashboard page shares: its parts, the signed-in check, CSRF, responses.

:func:`signed_in` wraps a page: without a live session a GET is sent to the sign-in
page and anything else is refused; every POST must carry the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from aiohttp import web

from behest.gateway.config.audit import AuditEntry
from behest.gateway.dashboard import csrf
from behest.gateway.dashboard.html import ROOT, Html, layout, tag
from behest.gateway.dashboard.session import COOKIE, Session, Sessions
from behest.gateway.dashboard.throttle import SignInThrottle
from behest.gateway.errors import GatewayError, NotFound
from behest.gateway.runtime.services import Services

T = TypeVar("T")
ClientIp = Callable[[web.Request], str]
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(slots=True)
class Dashboard:
    services: Services
    sessions: Sessions
    throttle: SignInThrottle
    client_ip: ClientIp


DASHBOARD = web.AppKey("dashboard", Dashboard)


@dataclass(frozen=True, slots=True)
class Page:
    """One signed-in request: the parts, the session, and the form of a POST."""

    request: web.Request
    dashboard: Dashboard
    session: Session
    form: dict[str, str]

    @property
    def services(self) -> Services:
        return self.dashboard.services

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def project_name(self, project_id: str) -> str:
        view = self.services.directory.snapshot.projects.get(project_id)
        if view is None:
            raise NotFound(f"No project with id {project_id!r}.")
        return view.record.name

    async def run(self, operation: Callable[..., T], *args: Any, writes: bool = False) -> T:
        """An admin operation in a worker thread; after a write, this process reloads."""
        result = await asyncio.to_thread(operation, *args)
        if writes:
            await self.services.directory.refresh(force=True)
        return result

    def html(
        self,
        title: str,
        body: object,
        status: int = 200,
        *,
        charts: bool = False,
        path: str | None = None,
    ) -> web.Response:
        """``path``: the page's GET address, put in the history when this answers a POST."""
        canonical = path if self.request.method == "POST" else None
        page = layout(title, body, self.csrf, charts=charts, canonical=canonical)
        return html_response(page, status)


Handler = Callable[[Page], Awaitable[web.StreamResponse]]


def html_response(page: Html, status: int = 200) -> web.Response:
    return web.Response(
        text=page, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )


def dashboard_of(request: web.Request) -> Dashboard:
    return request.app[DASHBOARD]


async def form_of(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def refused(message: str, status: int = 403) -> web.Response:
    body = tag("p", message, class_="notice error")
    return html_response(layout("Refused", body), status)


def see_other(path: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(path, headers=SECURITY_HEADERS)


def signed_in(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        dashboard = dashboard_of(request)
        cookie = request.cookies.get(COOKIE)
        session = await asyncio.to_thread(dashboard.sessions.get, cookie)
        if session is None:
            if request.method == "GET":
                raise see_other(f"{ROOT}/login")
            return refused("Your session has ended; sign in again.")
        form: dict[str, str] = {}
        if request.method == "POST":
            form = await form_of(request)
            if not csrf.valid(session, form.get(csrf.FIELD)):
                return refused("The form's security token is missing or wrong; reload the page.")
        status = 500
        try:
            response = await handler(Page(request, dashboard, session, form))
            status = response.status
            return response
        except web.HTTPException as done:  # a form's success is a redirect
            status = done.status
            raise
        except GatewayError as error:
            status = error.status
            body = tag("p", error.message, class_="notice error", role="alert")
            return html_response(layout("Error", body, session.csrf), error.status)
        finally:
            if request.method == "POST":
                await _audit(request, session.id, status)

    return page


async def _audit(request: web.Request, session_id: str, status: int) -> None:
    """A dashboard change, by its session: the hash of the session id, never the id."""
    handle = hashlib.sha256(session_id.encode()).hexdigest()[:12]
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else request.path
    entry = AuditEntry(
        f"dashboard session {handle}",
        f"POST {path}",
        dict(request.match_info),
        status,
        request.headers.get("x-request-id", ""),
        dashboard_of(request).client_ip(request),
    )
    await dashboard_of(request).services.audit.record(entry)
