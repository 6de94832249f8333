"""Headers: Authorization, the end-user and session ids, and API keys, from any text,
give a value or a 401; the request id a client sends is echoed only when it is sane."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.auth import api_keys
from behest.gateway.edge.context import SERVICES
from behest.gateway.edge.errors import REQUEST_ID, errors_middleware
from behest.gateway.errors import AuthenticationFailed
from behest.gateway.runtime.settings import Settings
from behest.gateway.stages.authenticate import bearer, check_id

WORDS = st.sampled_from(["Bearer", " ", "bearer", "\t", "x", "_", "\x00", api_keys.PREFIX])
HEADER_TEXT = st.text(max_size=300) | st.lists(WORDS, max_size=12).map("".join)


APP = web.Application()
APP[SERVICES] = SimpleNamespace(settings=Settings())  # type: ignore[assignment]


def _auth_or_401(check: object, value: str) -> None:
    try:
        result = check(value)  # type: ignore[operator]
    except AuthenticationFailed as error:
        assert error.status == 401
        return
    assert result is not None


@given(st.none() | HEADER_TEXT)
def test_authorization_header_is_a_token_or_a_401(value: str | None) -> None:
    try:
        token = bearer(value)
    except AuthenticationFailed as error:
        assert error.status == 401
        return
    assert token and token == token.strip()


@given(HEADER_TEXT)
def test_end_user_and_session_ids(value: str) -> None:
    _auth_or_401(lambda v: check_id(v, "X-End-User-Id"), value)


@given(st.text(max_size=120).map(lambda s: api_keys.PREFIX + s))
def test_api_key_shapes(value: str) -> None:
    _auth_or_401(api_keys.split, value)


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_request_id_header_is_echoed_only_when_sane(sent: str) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request[REQUEST_ID])
        return web.Response()

    try:
        request = make_mocked_request("GET", "/", headers={"X-Request-Id": sent}, app=APP)
    except ValueError:  # aiohttp itself refuses the header value (CR, LF, NUL)
        return
    asyncio.run(errors_middleware(request, handler))
    request_id = seen[0]
    assert request_id and len(request_id) <= 128 and request_id.isprintable()
    assert request_id == sent or request_id.startswith("req_")
