"""The dashboard at ``/dashboard``: server-rendered pages over the admin services.

Beside the edge (it serves pages): it calls the same admin, usage and thread services
as the admin API and writes no SQL. :func:`install` adds its routes to the app.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from behest.gateway.dashboard import (
    keys_pages,
    policy_pages,
    projects_pages,
    providers_pages,
    records_pages,
    signin,
    usage_pages,
)
from behest.gateway.dashboard.gate import DASHBOARD, ClientIp, Dashboard
from behest.gateway.dashboard.html import ROOT
from behest.gateway.dashboard.session import Sessions
from behest.gateway.dashboard.throttle import SignInThrottle
from behest.gateway.runtime.services import Services

STATIC = Path(__file__).parent / "static"
_PAGES = (
    signin.routes,
    projects_pages.routes,
    keys_pages.routes,
    providers_pages.routes,
    usage_pages.routes,
    policy_pages.routes,
    records_pages.routes,
)


def install(app: web.Application, parts: Services, client_ip: ClientIp) -> None:
    sessions = Sessions(parts.directory.db, parts.admin_token.fingerprint)
    app[DASHBOARD] = Dashboard(parts, sessions, SignInThrottle(), client_ip)
    for table in _PAGES:
        app.router.add_routes(table)
    app.router.add_static(f"{ROOT}/static", STATIC, append_version=False)


__all__ = ["install"]
