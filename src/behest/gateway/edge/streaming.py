"""Writing a StreamReply: SSE headers once, each frame as it comes, close on disconnect."""

from __future__ import annotations

import contextlib
import logging

import orjson
from aiohttp import web

from behest.gateway.edge.errors import REQUEST_ID
from behest.gateway.errors import GatewayError
from behest.gateway.request.reply import StreamReply

log = logging.getLogger("behest.edge")

_SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


async def write_stream(
    request: web.Request, reply: StreamReply, headers: dict[str, str]
) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={**_SSE_HEADERS, **headers, **reply.headers})
    frames = reply.frames
    try:
        await response.prepare(request)
        async for frame in frames:
            await response.write(frame)
    except (ConnectionResetError, ConnectionError):
        log.info("client went away mid-stream (request %s)", request.get(REQUEST_ID))
        return response
    except Exception:
        log.exception("stream failed (request %s)", request.get(REQUEST_ID))
        error = GatewayError("The gateway failed while streaming.").body()
        await _try_write(response, b"data: " + orjson.dumps(error) + b"\n\n")
        return response
    finally:
        await frames.aclose()  # type: ignore[attr-defined]
        await reply.close()
    await response.write_eof()
    return response


async def _try_write(response: web.StreamResponse, frame: bytes) -> None:
    with contextlib.suppress(ConnectionError):
        await response.write(frame)
