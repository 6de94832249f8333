"""The request spine: one request, top to bottom.

    authenticate   (edge)  credentials → Principal
    parse          (edge)  body → Call
    thread                 X-Thread-Id → stored history prepended
    guard (in)             PII / injection policy over everything the model will see
    route                  model → ordered targets
    admit                  every limit layer and the budget, in one step
    call                   adapter + upstream, fallbacks, stream relayed as it arrives
    guard (out)            placeholders restored
    settle                 reservation settled to actual usage, usage booked

Each stage is a small unit elsewhere; this module only strings them together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from behest.gateway.accounting import estimate, partial_usage, total_tokens
from behest.gateway.auth.principal import Principal
from behest.gateway.call import Call
from behest.gateway.calling import OpenStream, complete, open_stream
from behest.gateway.directory import Directory, ProjectView
from behest.gateway.errors import AuthenticationFailed, GatewayError, UpstreamError
from behest.gateway.flight import Flight
from behest.gateway.guard import inspect_request
from behest.gateway.limits import AdmissionRequest, Limiter
from behest.gateway.providers.base import JSON
from behest.gateway.replies import JsonReply, StreamReply
from behest.gateway.routing.catalog import Catalog
from behest.gateway.routing.router import models_for, route
from behest.gateway.sse import DONE_FRAME, encode_data
from behest.gateway.upstream import Upstream

GUARD_HEADER = "x-behest-guard"


class Pipeline:
    def __init__(
        self, directory: Directory, upstream: Upstream, limiter: Limiter, catalog: Catalog
    ) -> None:
        self.directory = directory
        self.upstream = upstream
        self.limiter = limiter
        self.catalog = catalog

    def project(self, principal: Principal) -> ProjectView:
        project = self.directory.snapshot.projects.get(principal.project_id)
        if project is None:
            raise AuthenticationFailed("The caller's project no longer exists.")
        return project

    async def handle(self, principal: Principal, call: Call) -> JsonReply | StreamReply:
        flight = Flight(principal, self.project(principal), call)
        self.guard_in(flight)
        flight.targets = route(flight.project, call.model, self.catalog)
        await self.admit(flight)
        try:
            if call.stream:
                opened = await open_stream(self.upstream, call, flight.targets)
                flight.served_by = opened.target
                return StreamReply(self._relay(flight, opened), flight.headers)
            done = await complete(self.upstream, call, flight.targets)
        except BaseException as error:
            await self.settle(flight, error)
            raise
        flight.served_by, flight.usage = done.target, done.body.get("usage")
        body = self.guard_out(flight, done.body)
        await self.settle(flight)
        return JsonReply(body, flight.headers)

    def guard_in(self, flight: Flight) -> None:
        if flight.call.operation != "chat":
            return
        result = inspect_request(flight.call.body, flight.project.guard)
        flight.guard = result
        flight.call.body = result.body
        flight.headers[GUARD_HEADER] = result.report.header_value()

    async def admit(self, flight: Flight) -> None:
        principal, call = flight.principal, flight.call
        flight.estimate = estimate(call, flight.targets[0], self.catalog)
        flight.admission = await self.limiter.admit(
            AdmissionRequest(
                principal.project_id,
                principal.user_id,
                principal.ip or None,
                flight.project.limits,
                credential_id=flight.targets[0].credential_id,
                estimated_tokens=flight.estimate.total_tokens,
                estimated_cost_usd=flight.estimate.cost_usd,
                tier=principal.tier or None,
            )
        )
        flight.headers.update(flight.admission.headers)

    def guard_out(self, flight: Flight, body: JSON) -> JSON:
        restorer = flight.guard.restorer if flight.guard else None
        return restorer.restore_completion(body) if restorer else body

    async def settle(self, flight: Flight, error: BaseException | None = None) -> None:
        """Books what the request cost: actual usage, or nothing it never got to use."""
        admission = flight.admission
        if admission is None:
            return
        if isinstance(error, GatewayError):
            flight.status, flight.error_type = error.status, error.error_type
        if flight.usage is None and flight.relayed_chars and flight.estimate:
            flight.usage = partial_usage(flight.estimate.prompt_tokens, flight.relayed_chars)
        if flight.usage is None:
            await self.limiter.release(admission)
            return
        target = flight.served_by or flight.targets[0]
        cost = self.catalog.cost_usd(
            target.provider, target.model, flight.usage, flight.project.settings.price_overrides
        )
        await self.limiter.settle(admission, total_tokens(flight.usage), cost)

    async def _relay(self, flight: Flight, opened: OpenStream) -> AsyncIterator[bytes]:
        call = flight.call
        restorer = (
            flight.guard.restorer.stream() if flight.guard and flight.guard.restorer else None
        )
        error: BaseException | None = None
        try:
            async for chunk in opened.chunks():
                flight.mark_first_token()
                flight.relayed_chars += _delta_chars(chunk)
                for out in restorer.feed(chunk) if restorer else (chunk,):
                    yield encode_data(orjson.dumps(out))
            for out in restorer.flush() if restorer else ():
                yield encode_data(orjson.dumps(out))
            flight.usage = opened.state.usage
            if call.include_usage and opened.state.usage is not None:
                yield encode_data(orjson.dumps(usage_chunk(opened, call)))
            yield DONE_FRAME
        except UpstreamError as failure:
            error = failure
            yield encode_data(orjson.dumps(failure.body()))
        except BaseException as failure:  # client gone (GeneratorExit, cancellation): still settle
            error = failure
            raise
        finally:
            await opened.close()
            await self.settle(flight, error)

    def list_models(self, principal: Principal) -> JsonReply:
        project = self.project(principal)
        created = int(project.record.created_at.timestamp())
        data: list[dict[str, Any]] = [
            {"id": name, "object": "model", "created": created, "owned_by": credential.provider}
            for name, credential in models_for(project)
        ]
        return JsonReply({"object": "list", "data": data})


def _delta_chars(chunk: JSON) -> int:
    count = 0
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if isinstance(content, str):
            count += len(content)
        for call in delta.get("tool_calls") or ():
            count += len((call.get("function") or {}).get("arguments") or "")
    return count


def usage_chunk(opened: OpenStream, call: Call) -> JSON:
    state = opened.state
    return {
        "id": state.id or f"chatcmpl-{call.request_id}",
        "object": "chat.completion.chunk",
        "created": state.created,
        "model": state.model,
        "choices": [],
        "usage": state.usage,
    }
