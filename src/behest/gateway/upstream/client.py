"""The one pooled HTTP client that talks to providers (aiohttp; see PERF on httpx).

Transport failures are translated here, once, into the gateway's upstream errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import aiohttp

from behest.gateway.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from behest.gateway.providers.base import UpstreamRequest

_READ_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class UpstreamStream:
    """An open streaming response; iterate it for raw bytes as they arrive."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        with translate_errors():
            return await self._response.read()

    async def chunks(self) -> AsyncIterator[bytes]:
        with translate_errors():
            async for data in self._response.content.iter_any():
                yield data


@contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        raise UpstreamTimeout("The upstream provider did not answer in time.") from exc
    except aiohttp.ClientConnectorError as exc:
        raise UpstreamUnavailable("The upstream provider could not be reached.") from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        raise UpstreamError("The upstream provider's response broke off.", status=502) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamError(f"The upstream request failed: {type(exc).__name__}.") from exc


class Upstream:
    def __init__(
        self, *, timeout_s: float = 600.0, connect_timeout_s: float = 10.0, pool_size: int = 1000
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_s, connect=connect_timeout_s, sock_read=timeout_s
        )
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, ttl_dns_cache=300, keepalive_timeout=60
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            raise_for_status=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("Upstream.start() was not awaited")
        return self._session

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        with translate_errors():
            async with self.session.request(
                request.method, request.url, headers=request.headers, data=request.body
            ) as response:
                body = await response.read()
                return UpstreamReply(response.status, response.headers, body)

    @asynccontextmanager
    async def stream(self, request: UpstreamRequest) -> AsyncIterator[UpstreamStream]:
        with translate_errors():
            response = await self.session.request(
                request.method, request.url, headers=request.headers, data=request.body
            )
        try:
            yield UpstreamStream(response)
        finally:
            # Closing (not releasing) drops the connection, which cancels the upstream
            # generation when the client went away mid-stream.
            if not response.content.at_eof():
                response.close()
            else:
                response.release()
            await asyncio.sleep(0)
