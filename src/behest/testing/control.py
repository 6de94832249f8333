"""The control routes every mock upstream shares: set faults, read the last request."""

from __future__ import annotations

import orjson
from aiohttp import web

from behest.testing.faults import Fault, Faults


def add_control_routes(app: web.Application, key: web.AppKey[Faults]) -> None:
    async def set_faults(request: web.Request) -> web.Response:
        data = orjson.loads(await request.read() or b"{}")
        faults = request.app[key]
        if data.get("clear"):
            faults.clear()
        else:
            faults.add(Fault.from_json(data))
        return web.json_response({"active": len(faults.active)})

    async def last_request(request: web.Request) -> web.Response:
        faults = request.app[key]
        headers = faults.last_headers
        body = {
            "body": faults.last_request,
            # header names are multidict.istr, which orjson does not take as keys
            "headers": None if headers is None else {str(k): v for k, v in headers.items()},
            "requests_seen": faults.requests_seen,
        }
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    app.router.add_post("/__mock__/faults", set_faults)
    app.router.add_get("/__mock__/last_request", last_request)
