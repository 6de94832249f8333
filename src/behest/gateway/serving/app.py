"""Wires the parts together and runs them for the life of the server."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from behest.gateway import dashboard, guard
from behest.gateway.auth.api_keys import VerifiedKeyCache
from behest.gateway.auth.key_use import flush_forever
from behest.gateway.cache import build_cache
from behest.gateway.config.audit import AuditLog
from behest.gateway.config.directory import Directory
from behest.gateway.edge import usage_routes
from behest.gateway.edge.context import client_ip
from behest.gateway.edge.server import build_web_app
from behest.gateway.limits import build_limiter
from behest.gateway.observability import Metrics, Observability, Tracing, tracing_wanted
from behest.gateway.pipeline import Pipeline
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.catalog import Catalog
from behest.gateway.runtime.bootstrap import AdminTokenCheck, Foundation
from behest.gateway.runtime.services import Services
from behest.gateway.serving import malloc
from behest.gateway.stages.authenticate import Authenticator
from behest.gateway.threads import ThreadService
from behest.gateway.upstream.client import Upstream
from behest.gateway.usage.service import UsageService

log = logging.getLogger("behest")


def build_services(foundation: Foundation) -> Services:
    settings = foundation.settings
    directory = Directory(
        foundation.db, foundation.vault, VerifiedKeyCache(settings.api_key_cache_ttl_s)
    )
    upstream = Upstream(
        timeout_s=settings.upstream_timeout_s,
        connect_timeout_s=settings.upstream_connect_timeout_s,
    )
    limiter = build_limiter(settings.redis_url or None)
    usage = UsageService(foundation.db)
    breakers = Breakers()
    observability = Observability(
        Metrics(lambda: usage.sink.pending, breakers.counts),
        Tracing() if tracing_wanted() else None,
    )
    return Services(
        settings=settings,
        directory=directory,
        authenticator=Authenticator(directory),
        pipeline=Pipeline(
            directory,
            upstream,
            limiter=limiter,
            catalog=Catalog(),
            threads=ThreadService(foundation.db, lease_s=settings.upstream_timeout_s + 60),
            usage=usage,
            observer=observability,
            breakers=breakers,
            cache=build_cache(settings.redis_url or None),
        ),
        admin=foundation.admin,
        audit=AuditLog(foundation.db),
        admin_token=AdminTokenCheck(settings, foundation.db),
        upstream=upstream,
        observability=observability,
    )


def warm_up(catalog: Catalog) -> None:
    """What the first requests would otherwise load: the price table, the guard's word
    lists, patterns and model."""
    catalog.cost_usd("openai", "gpt-4o-mini", {"prompt_tokens": 1, "completion_tokens": 1})
    guard.warm_up()
    # Start-up's long-lived objects (word lists, price tables, modules) leave the garbage
    # collector's view, so full collections under load stay short (p99 latency).
    gc.freeze()
    malloc.release_free_memory()


def build_app(foundation: Foundation) -> web.Application:
    parts = build_services(foundation)
    app = build_web_app(parts)
    dashboard.install(app, parts, client_ip)

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        await parts.upstream.start()
        poller = asyncio.create_task(parts.directory.poll(parts.settings.config_poll_s))
        key_use = asyncio.create_task(flush_forever(parts.authenticator.key_use, foundation.db))
        release = asyncio.create_task(malloc.release_forever())
        # the tables load in the background, so start-up does not wait for them
        warm = asyncio.create_task(asyncio.to_thread(warm_up, parts.pipeline.catalog))
        yield
        await warm
        for task in (poller, key_use, release):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await parts.upstream.close()
        await parts.pipeline.limiter.aclose()
        foundation.db.close()
        parts.observability.close()

    app.cleanup_ctx.append(lifespan)
    # after the lifespan above: cleanup runs in reverse, so usage is flushed before the
    # database closes
    usage_routes.install(app, parts.pipeline.threads, parts.pipeline.usage)
    return app
