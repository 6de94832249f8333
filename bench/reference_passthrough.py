"""The bare pass-through reference: an aiohttp.web server and one aiohttp client.

It is what plain Python can do as a gateway: read the body, forward it to the upstream
with the provider key, and relay the answer (streams chunk by chunk as they arrive). It
does no JSON work; it picks its upstream from the body's first bytes, the way the
benchmark writes them (``{"model":"<name>",...``).

    python bench/reference_passthrough.py --port 9200 \
        --upstream gpt-4o-mini=http://127.0.0.1:9100 --upstream gpt-4o=http://127.0.0.1:9101
"""

from __future__ import annotations

import argparse

import aiohttp
from aiohttp import web

CLIENT = web.AppKey("client", aiohttp.ClientSession)
ROUTES = web.AppKey("routes", list)
PROVIDER_KEY = "sk-bench-reference"


def _upstream_for(routes: list[tuple[bytes, str]], body: bytes) -> str:
    for prefix, url in routes:
        if body.startswith(prefix):
            return url
    return routes[-1][1]


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    url = _upstream_for(request.app[ROUTES], body) + "/v1/chat/completions"
    headers = {"Authorization": f"Bearer {PROVIDER_KEY}", "Content-Type": "application/json"}
    async with request.app[CLIENT].post(url, data=body, headers=headers) as upstream:
        content_type = upstream.headers.get("Content-Type", "application/json")
        if not content_type.startswith("text/event-stream"):
            payload = await upstream.read()
            return web.Response(
                body=payload, status=upstream.status, headers={"Content-Type": content_type}
            )
        response = web.StreamResponse(
            status=upstream.status,
            headers={"Content-Type": content_type, "Cache-Control": "no-cache"},
        )
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


async def healthz(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


def build_app(routes: list[tuple[str, str]]) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    # The closing quote is part of the prefix: "gpt-4o" does not match "gpt-4o-mini".
    app[ROUTES] = [(f'{{"model":"{model}"'.encode(), url.rstrip("/")) for model, url in routes]

    async def client(app: web.Application):  # type: ignore[no-untyped-def]
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
        app[CLIENT] = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        yield
        await app[CLIENT].close()

    app.cleanup_ctx.append(client)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_get("/healthz", healthz)
    return app


def _route(text: str) -> tuple[str, str]:
    model, sep, url = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected MODEL=URL")
    return model, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", type=_route, action="append", required=True)
    args = parser.parse_args()
    web.run_app(
        build_app(args.upstream), host="127.0.0.1", port=args.port, access_log=None, print=None
    )


if __name__ == "__main__":
    main()
