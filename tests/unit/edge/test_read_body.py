"""A request body that does not arrive in time is a 408, not a connection held forever."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request

from behest.gateway.edge.context import SERVICES, read_body
from behest.gateway.errors import BodyTimeout
from behest.gateway.runtime.settings import Settings


def _request(payload: StreamReader, timeout_s: float) -> web.Request:
    app = web.Application()
    app[SERVICES] = SimpleNamespace(settings=Settings(body_timeout_s=timeout_s))  # type: ignore[assignment]
    headers = {"Content-Length": "10"}
    return make_mocked_request("POST", "/", headers=headers, app=app, payload=payload)


def _payload() -> StreamReader:
    protocol = mock.Mock(_reading_paused=False)
    return StreamReader(protocol, 2**16, loop=asyncio.get_running_loop())


async def test_a_body_slower_than_the_timeout_is_a_408() -> None:
    payload = _payload()
    payload.feed_data(b"{")  # one byte of ten, then nothing
    with pytest.raises(BodyTimeout) as caught:
        await read_body(_request(payload, 0.05))
    assert caught.value.status == 408


async def test_a_body_in_time_is_read() -> None:
    payload = _payload()
    payload.feed_data(b'{"a": 12}\n')
    payload.feed_eof()
    assert await read_body(_request(payload, 1.0)) == b'{"a": 12}\n'
