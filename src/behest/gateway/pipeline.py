"""The request spine: one request, top to bottom.

    authenticate   (edge)  credentials → Principal
    parse          (edge)  body → Call
    thread                 X-Thread-Id → stored history prepended
    guard (in)             PII / injection policy applied to everything the model sees
    route                  model → ordered targets
    admit                  every limit layer and the budget, in one step
    call                   adapter + upstream, fallbacks, stream relayed as it arrives
    guard (out)            placeholders restored
    settle                 usage booked, reservations settled, thread appended

Each stage is a small unit elsewhere; this module only strings them together.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from behest.gateway.auth.principal import Principal
from behest.gateway.call import Call
from behest.gateway.calling import OpenStream, complete, open_stream
from behest.gateway.directory import Directory, ProjectView
from behest.gateway.errors import AuthenticationFailed, GatewayError
from behest.gateway.providers.base import JSON
from behest.gateway.replies import JsonReply, StreamReply
from behest.gateway.routing.router import models_for, route
from behest.gateway.sse import DONE_FRAME, encode_data
from behest.gateway.upstream import Upstream


class Pipeline:
    def __init__(self, directory: Directory, upstream: Upstream) -> None:
        self.directory = directory
        self.upstream = upstream

    def project(self, principal: Principal) -> ProjectView:
        project = self.directory.snapshot.projects.get(principal.project_id)
        if project is None:
            raise AuthenticationFailed("The caller's project no longer exists.")
        return project

    async def handle(self, principal: Principal, call: Call) -> JsonReply | StreamReply:
        project = self.project(principal)
        targets = route(project, call.model)
        if call.stream:
            opened = await open_stream(self.upstream, call, targets)
            return StreamReply(self._relay(call, opened))
        done = await complete(self.upstream, call, targets)
        return JsonReply(done.body)

    async def _relay(self, call: Call, opened: OpenStream) -> AsyncIterator[bytes]:
        try:
            async for chunk in opened.chunks():
                yield encode_data(orjson.dumps(chunk))
            if call.include_usage and opened.state.usage is not None:
                yield encode_data(orjson.dumps(usage_chunk(opened, call)))
            yield DONE_FRAME
        except GatewayError as error:
            yield encode_data(orjson.dumps(error.body()))
        finally:
            await opened.close()

    def list_models(self, principal: Principal) -> JsonReply:
        project = self.project(principal)
        created = int(project.record.created_at.timestamp())
        data: list[dict[str, Any]] = [
            {"id": name, "object": "model", "created": created, "owned_by": credential.provider}
            for name, credential in models_for(project)
        ]
        return JsonReply({"object": "list", "data": data})


def usage_chunk(opened: OpenStream, call: Call) -> JSON:
    state = opened.state
    return {
        "id": state.id or f"chatcmpl-{call.request_id}",
        "object": "chat.completion.chunk",
        "created": state.created or int(time.time()),
        "model": state.model,
        "choices": [],
        "usage": state.usage,
    }
