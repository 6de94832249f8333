"""The request spine: one request, top to bottom.

    authenticate   (edge)  credentials → Principal                    stages/authenticate
    parse          (edge)  body → Call                                request/parse
    thread                 X-Thread-Id → stored history prepended     stages/thread
    guard (in)             PII / injection policy over what the model will see  stages/guard
    route                  model → ordered targets; history trimmed   stages/route, stages/thread
    admit                  every limit layer and the budget, in one step  stages/admit
    cache                  a stored answer served; a complete one kept    stages/cache
    call                   adapter + upstream, fallbacks              upstream/dispatch
                           (a stream is relayed as it arrives)        stages/relay
    thread (out)           the new messages and the reply appended    stages/thread
    guard (out)            placeholders restored                      stages/guard
    settle                 reservation settled, the usage record queued  stages/settle

This module only strings the stages together. Every request that reaches the pipeline
is settled exactly once, whatever way it ends.
"""

from __future__ import annotations

from typing import Any

from behest.gateway.auth.principal import Principal
from behest.gateway.cache import CacheStore, MemoryCache
from behest.gateway.config.directory import Directory, ProjectView
from behest.gateway.errors import AuthenticationFailed
from behest.gateway.limits import Limiter
from behest.gateway.request.call import Call
from behest.gateway.request.reply import JsonReply, StreamReply
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.admit import admit
from behest.gateway.stages.cache import ResponseCache
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.guard import guard_request, restore_reply
from behest.gateway.stages.observer import NULL_OBSERVER, Observer
from behest.gateway.stages.relay import abandon, relay
from behest.gateway.stages.route import (
    RouteTable,
    choose_model,
    models_for,
    route_call,
    smart_models,
)
from behest.gateway.stages.settle import Settler
from behest.gateway.stages.thread import commit_turn, fit_context, open_thread
from behest.gateway.threads import ThreadService, reply_message
from behest.gateway.upstream.client import Upstream
from behest.gateway.upstream.dispatch import ROUTE_HEADER, Plan, Route, complete, open_stream
from behest.gateway.usage.service import UsageService


class Pipeline:
    def __init__(
        self,
        directory: Directory,
        upstream: Upstream,
        *,
        limiter: Limiter,
        catalog: Catalog,
        threads: ThreadService,
        usage: UsageService,
        observer: Observer = NULL_OBSERVER,
        breakers: Breakers | None = None,
        cache: CacheStore | None = None,
    ) -> None:
        self.directory = directory
        self.upstream = upstream
        self.limiter = limiter
        self.catalog = catalog
        self.threads = threads
        self.usage = usage
        self.breakers = breakers or Breakers()  # per process: see docs/routing.md
        self.routes = RouteTable(directory, catalog, self.breakers)
        self.observer = observer
        self.settler = Settler(limiter, catalog, usage, observer)
        self.cache = ResponseCache(cache or MemoryCache(), self.settler.settle)

    async def handle(self, principal: Principal, call: Call) -> JsonReply | StreamReply:
        flight = Flight(principal, self.project(principal), call)
        try:
            return await self._run(flight)
        except BaseException as error:
            await self.settler.settle(flight, error)
            raise

    async def _run(self, flight: Flight) -> JsonReply | StreamReply:
        call, settle, stage = flight.call, self.settler.settle, self.observer.stage
        plan = await self._prepare(flight)
        if (hit := await self.cache.lookup(flight)) is not None:
            return hit
        if call.stream:
            with stage("call", flight):
                opened = await open_stream(self.upstream, call, plan)
            self._served(flight, opened.route)
            frames = self.cache.record(flight, relay(flight, opened, settle))
            return StreamReply(frames, flight.headers, lambda: abandon(flight, opened, settle))
        with stage("call", flight):
            done = await complete(self.upstream, call, plan)
        self._served(flight, done.route)
        flight.usage = done.body.get("usage")
        with stage("commit", flight):
            await commit_turn(flight, reply_message(done.body))
            body = restore_reply(flight, done.body)
        with stage("settle", flight):
            await settle(flight)
        await self.cache.keep(flight, body)
        return JsonReply(body, flight.headers)

    async def _prepare(self, flight: Flight) -> Plan:
        """Everything before the upstream call: history, guard, targets, admission."""
        call, stage = flight.call, self.observer.stage
        with stage("thread", flight):
            await open_thread(self.threads, flight)
        with stage("guard", flight):
            guard_request(flight)
        with stage("route", flight):
            flight.defaulted = choose_model(flight.project, call)
            route_call(self.routes, flight)
            fit_context(flight, self.catalog)
            plan = self.routes.plan(flight).balanced()
            flight.targets = plan.targets
        with stage("admit", flight):
            await admit(self.limiter, self.catalog, flight)
        return plan.with_targets(flight.targets)

    @staticmethod
    def _served(flight: Flight, route: Route) -> None:
        flight.served_by, flight.route = route.target, route
        flight.headers[ROUTE_HEADER] = route.header()

    def project(self, principal: Principal) -> ProjectView:
        project = self.directory.snapshot.projects.get(principal.project_id)
        if project is None:
            raise AuthenticationFailed("The caller's project no longer exists.")
        return project

    def list_models(self, principal: Principal) -> JsonReply:
        project = self.project(principal)
        created = int(project.record.created_at.timestamp())
        default = project.routing.default_model
        data: list[dict[str, Any]] = [
            {"id": name, "object": "model", "created": created, "owned_by": credential.provider}
            | ({"default": True} if name == default else {})
            for name, credential in models_for(project)
        ]
        if project.routing.auto_routes:
            data += smart_models(project, created)
        return JsonReply({"object": "list", "data": data})
