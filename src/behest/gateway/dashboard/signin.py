"""Signing in with the admin token, and out.

The sign-in form has no session yet, so its CSRF defence is a double-submit token: a
random value in a short-lived cookie that the form must repeat. Failed attempts are
counted per client IP (:mod:`throttle`); past the limit the answer is 429.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets

from aiohttp import web

from behest.gateway.dashboard.csrf import FIELD
from behest.gateway.dashboard.gate import (
    Page,
    dashboard_of,
    form_of,
    html_response,
    see_other,
    signed_in,
)
from behest.gateway.dashboard.html import ROOT, field, form, join, layout, notices, tag, text_input
from behest.gateway.dashboard.session import COOKIE

routes = web.RouteTableDef()
LOGIN_COOKIE = "behest_dashboard_login"


def is_tls(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _login_page(token: str, error: str | None = None, status: int = 200) -> web.Response:
    control = text_input(
        "admin_token", type="password", autocomplete="current-password", required=True
    )
    body = join(
        [
            tag("h1", "Sign in"),
            notices(error=error),
            form(
                f"{ROOT}/login",
                token,
                field(
                    "Admin token",
                    control,
                    "BEHEST_ADMIN_TOKEN, or the data directory's admin_token file.",
                ),
                "Sign in",
                class_="card narrow",
            ),
        ]
    )
    return html_response(layout("Sign in", body), status)


def _with_login_cookie(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = _login_page(token, error, status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=f"{ROOT}/login",
        httponly=True,
        samesite="Strict",
        secure=is_tls(request),
    )
    return response


@routes.get(ROOT)
async def root(_request: web.Request) -> web.StreamResponse:
    raise see_other(f"{ROOT}/projects")


@routes.get(f"{ROOT}/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    return _with_login_cookie(request)


@routes.post(f"{ROOT}/login")
async def login(request: web.Request) -> web.StreamResponse:
    dashboard = dashboard_of(request)
    ip = dashboard.client_ip(request)
    wait = dashboard.throttle.reserve(ip)  # before any await: counted as failed until it isn't
    if wait:
        response = _with_login_cookie(request, "Too many failed sign-ins; wait a minute.", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        data = await form_of(request)
    except BaseException:
        dashboard.throttle.release(ip)
        raise
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), data.get(FIELD, "").encode()):
        dashboard.throttle.release(ip)
        return _with_login_cookie(request, "The form expired; try again.", 403)
    if not dashboard.services.admin_token.accepts(data.get("admin_token", "")):
        return _with_login_cookie(request, "That is not the admin token.", 401)
    dashboard.throttle.succeeded(ip)
    session = await asyncio.to_thread(dashboard.sessions.create)
    response = see_other(f"{ROOT}/projects")
    response.set_cookie(
        COOKIE,
        session.id,
        max_age=int(dashboard.sessions.ttl_s),
        path=ROOT,
        httponly=True,
        samesite="Strict",
        secure=is_tls(request),
    )
    response.del_cookie(LOGIN_COOKIE, path=f"{ROOT}/login")
    raise response


@routes.post(f"{ROOT}/logout")
@signed_in
async def logout(page: Page) -> web.StreamResponse:
    await asyncio.to_thread(page.dashboard.sessions.end, page.session.id)
    response = see_other(f"{ROOT}/login")
    response.del_cookie(COOKIE, path=ROOT)
    raise response
