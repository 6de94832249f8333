"""A user's own backend for browser tests: one page, and ``/api/token`` minting with the
server-side key for the signed-in user (the key never reaches the browser)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from servers import free_port


@dataclass
class PageApp:
    origin: str
    stop: Callable[[], None]


def serve_page_app(page_html: str, mint: Callable[[str], dict[str, str]], user: str) -> PageApp:
    """Serves ``page_html`` at ``/`` on a free port, in a thread with its own event loop."""
    port = free_port()
    loop = asyncio.new_event_loop()

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=page_html, content_type="text/html")

    async def api_token(_: web.Request) -> web.Response:
        minted = await asyncio.to_thread(mint, user)
        return web.json_response({k: minted[k] for k in ("access_token", "expires_in")})

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_post("/api/token", api_token)
    runner = web.AppRunner(app)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return PageApp(f"http://127.0.0.1:{port}", stop)
