"""Running the server: logging, first-start guidance, demo mode, worker processes."""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web

from behest.gateway.edge.server import PARSER_LIMITS
from behest.gateway.observability.logs import JsonFormatter
from behest.gateway.runtime.bootstrap import Foundation, open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving import malloc
from behest.gateway.serving.app import build_app

log = logging.getLogger("behest")
# SIGTERM: the listening socket closes at once; requests in flight (streams too) get this
# long to finish before they are cancelled; then usage is flushed and the process exits.
DRAIN_TIMEOUT_S = 10.0

FIRST_START = """\
behest: first start. The admin token (shown once; also saved to {path}):

    {token}

Create a project and an API key, and add a provider credential:

    behest projects create my-app
    behest keys create <project id>
    behest credentials add <project id> --provider openai --api-key-env OPENAI_API_KEY

(or start with --demo to get answers from a built-in mock provider, no key needed),
or sign in to the dashboard at /dashboard with the admin token and do it there.
"""


def _setup_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare_demo(foundation: Foundation, mock_url: str) -> str:
    """A demo project whose credential points at the built-in mock; returns a fresh key."""
    admin = foundation.admin
    project_id = foundation.db.get_meta("demo_project")
    if project_id is None:
        project_id = admin.create_project({"name": "demo", "settings": {"cors_origins": []}})["id"]
        foundation.db.set_meta("demo_project", project_id)
    for credential in admin.list_credentials(project_id):
        admin.delete_credential(project_id, credential["id"])
    admin.add_credential(
        project_id,
        {
            "provider": "demo",
            "name": "demo",
            "base_url": mock_url,
            "api_key": "demo-key",
            "models": [
                "gpt-4o-mini",
                "gpt-4o",
                "text-embedding-3-small",
                "omni-moderation-latest",
                "*",
            ],
        },
    )
    key = admin.create_api_key(project_id, {"name": "demo"})
    return str(key["key"])


async def _app(foundation: Foundation) -> web.Application:
    if not foundation.settings.demo:
        return build_app(foundation)
    from behest.testing import mock_openai

    runner = web.AppRunner(mock_openai.build_app(), access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    key = _prepare_demo(foundation, f"http://127.0.0.1:{port}/v1")
    print(f"behest: demo mode; models answer from a mock. Demo API key:\n\n    {key}\n", flush=True)
    app = build_app(foundation)

    async def stop_mock(_app: web.Application) -> None:
        await runner.cleanup()

    app.on_cleanup.append(stop_mock)
    return app


def _use_uvloop() -> None:
    """libuv's event loop where it is installed: cheaper per request and per stream frame."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _serve_one(settings: Settings, foundation: Foundation | None = None) -> None:
    malloc.tune()
    _setup_logging(settings.log_level, settings.log_format)
    _use_uvloop()
    foundation = foundation or open_foundation(settings)
    if foundation.new_admin_token:
        print(
            FIRST_START.format(
                token=foundation.new_admin_token, path=settings.data_dir / "admin_token"
            ),
            flush=True,
        )
    url = f"http://{settings.host}:{settings.port}"
    print(f"behest: listening on {url} (dashboard: {url}/dashboard)", flush=True)
    web.run_app(
        _app(foundation),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=None,
        handler_cancellation=True,
        reuse_port=settings.workers > 1,
        shutdown_timeout=DRAIN_TIMEOUT_S,
        keepalive_timeout=settings.header_timeout_s,
        **PARSER_LIMITS,
    )


def run(settings: Settings) -> None:
    if settings.workers <= 1:
        _serve_one(settings)
        return
    foundation = open_foundation(settings)  # migrate once, before the workers start
    _serve_workers(replace(settings, demo=False), foundation.new_admin_token)


def _serve_workers(settings: Settings, new_token: str | None) -> None:
    if new_token:
        print(
            FIRST_START.format(token=new_token, path=settings.data_dir / "admin_token"), flush=True
        )
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_serve_one, args=(settings,)) for _ in range(settings.workers)
    ]
    for worker in workers:
        worker.start()
    signal.signal(signal.SIGTERM, lambda signum, _frame: _forward(workers, signum))
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        for worker in workers:
            worker.terminate()


def _forward(workers: Sequence[multiprocessing.process.BaseProcess], signum: int) -> None:
    """SIGTERM to the parent (PID 1 in a container) drains every worker, each on its own."""
    for worker in workers:
        if worker.pid is not None and worker.is_alive():
            os.kill(worker.pid, signum)


def run_mock(provider: str, host: str, port: int, reply_words: int) -> None:
    module: Any = importlib.import_module(f"behest.testing.mock_{provider}")
    app = module.build_app(reply_words=reply_words) if provider == "openai" else module.build_app()
    print(f"mock {provider} upstream on http://{host}:{port}", flush=True)
    web.run_app(app, host=host, port=port, access_log=None, print=None)
