"""One HTTP/1.1 connection to a provider: a request written, its response parsed as bytes
arrive (httptools), the body buffered for one reader.

A response is over when its Content-Length is met, its last chunk arrives or, with
neither, when the provider closes the connection. While a stream's reader lags more than
``HIGH_WATER`` bytes behind, the socket is not read, so the provider is slowed down
instead of the gateway's memory growing.

One timer per exchange enforces its limits: the headers by ``head_due``, the whole body
by ``body_due`` and at most ``idle_s`` between two reads of the socket (not counted while
reading is paused for a slow reader). The first failure is kept and raised to the
reader; the connection is then closed.

Failures::

    TimeoutError              a limit passed (ConnectTimeout: connecting took too long)
    TransportError
    ├── ConnectFailed         no connection: DNS, refused, TLS
    ├── Broken                closed before the response was complete, or not decodable
    └── InvalidResponse       not HTTP/1.1
    OSError                   reset (or failed writing) before the response began
"""

from __future__ import annotations

import asyncio
import math
import zlib
from typing import cast

import httptools
from multidict import CIMultiDict, CIMultiDictProxy

HIGH_WATER = 128 * 1024  # bytes a stream's reader may lag behind before reading pauses
MAX_HEAD = 256 * 1024  # a response's status line and headers (llhttp sets no bound)
_EARLY_S = 0.001  # a timer may fire this much before its time (the loop's clock resolution)


class TransportError(Exception):
    pass


class ConnectFailed(TransportError):
    pass


class Broken(TransportError):
    pass


class InvalidResponse(TransportError):
    pass


class ConnectTimeout(TimeoutError):
    pass


class Decoder:
    """gzip or deflate (zlib-wrapped or raw, told by the first byte), members concatenated."""

    __slots__ = ("_wbits", "_zlib", "encoding")

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._wbits = 16 + zlib.MAX_WBITS
        self._zlib: zlib._Decompress | None = None

    def feed(self, data: bytes) -> bytes:
        if self._zlib is None:
            if not data:
                return b""
            if self.encoding == "deflate":
                self._wbits = zlib.MAX_WBITS if data[0] & 0xF == 8 else -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(self._wbits)
        out = self._zlib.decompress(data)
        while self._zlib.eof and self._zlib.unused_data:
            rest, self._zlib = self._zlib.unused_data, zlib.decompressobj(self._wbits)
            out += self._zlib.decompress(rest)
        return out

    def finish(self) -> bytes:
        if self._zlib is None:
            return b""
        tail = self._zlib.flush()
        if self.encoding == "deflate" and not self._zlib.eof:
            raise zlib.error("deflate stream cut short")
        return tail


class Connection(asyncio.Protocol):
    """A keep-alive connection carrying one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[str, str, int]) -> None:
        self.loop = loop
        self.key = key
        self.lost = False
        self.idle_since = 0.0
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._active = False
        self._head_only = False
        self._reset_exchange()

    def _reset_exchange(self) -> None:
        self.status = 0
        self.headers: CIMultiDictProxy[str] | None = None
        self.complete = False
        self.error: BaseException | None = None
        self._raw: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._buffered = 0
        self._head_bytes = 0
        self._streaming = False
        self._paused = False
        self._informational = False
        self._by_close = False
        self._keep_alive = False
        self._decoder: Decoder | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._head_due = self._body_due = math.inf
        self._idle_s = math.inf
        self._last_read = 0.0

    # The exchange, as the client drives it.

    def start(
        self, method: str, head: bytes, body: bytes | None, due: tuple[float, float, float]
    ) -> None:
        """Writes the request; ``due`` is (head_due, body_due, idle_s)."""
        self._reset_exchange()
        self._active = True
        self._head_only = method == "HEAD"
        self._head_due, self._body_due, self._idle_s = due
        self._last_read = self.loop.time()
        self._arm()
        transport = cast(asyncio.Transport, self.transport)
        transport.write(head + body if body else head)

    def stream(self) -> None:
        """From now on the body is read as a stream: reading pauses for a lagging reader."""
        self._streaming = True

    @property
    def reusable(self) -> bool:
        """The exchange is over, cleanly, and the connection may carry another."""
        return self.complete and self._keep_alive and not self._body and not self.lost

    async def head(self) -> None:
        while self.headers is None:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def read_all(self) -> bytes:
        self._streaming = False
        self._resume()
        while not self.complete:
            if self.error is not None:
                raise self.error
            await self._wait()
        body, self._body = self._body, []
        return body[0] if len(body) == 1 else b"".join(body)

    async def read_any(self) -> bytes:
        """What has arrived since the last read (waiting for some); b"" at the end."""
        while not self._body:
            if self.complete:
                return b""
            if self.error is not None:
                raise self.error
            await self._wait()
        body, self._body = self._body, []
        self._buffered = 0
        if self._paused:
            self._resume()
        return body[0] if len(body) == 1 else b"".join(body)

    def finish(self) -> None:
        """The exchange is left: its timer stops; a connection not reusable is closed."""
        self._active = False
        self._disarm()
        if not self.reusable:
            self.close()

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if not self._active or self.complete:
            self.close()  # bytes nobody asked for: the connection cannot be trusted
            return
        self._last_read = self.loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._fail(cause if isinstance(cause, Broken) else InvalidResponse(str(exc)))
        except httptools.HttpParserError as exc:
            self._fail(InvalidResponse(str(exc)))
        if self.headers is None:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD:
                self._fail(InvalidResponse(f"response headers over {MAX_HEAD} bytes"))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self._active or self.complete or self.error is not None:
            return
        if self.headers is None:
            self._fail(exc if isinstance(exc, OSError) else Broken("closed before answering"))
        elif self._by_close and exc is None:
            self.on_message_complete()
        else:
            error = Broken("the response broke off")
            error.__cause__ = exc
            self._fail(error)

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            self._keep_alive = False  # a second response to one request

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._informational = True
            self._raw = []
            return
        headers: CIMultiDict[str] = CIMultiDict(
            (n.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
            for n, v in self._raw
        )
        self.status = status
        self.headers = CIMultiDictProxy(headers)
        encoding = headers.get("Content-Encoding", "").lower()
        if encoding in ("gzip", "deflate"):
            self._decoder = Decoder(encoding)
        chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        self._by_close = not chunked and "Content-Length" not in headers
        self._wake()
        if self._head_only:
            self._keep_alive = False
            self.complete = True

    def on_body(self, data: bytes) -> None:
        if self._decoder is not None:
            try:
                data = self._decoder.feed(data)
            except zlib.error as exc:
                raise Broken(f"Can not decode content-encoding: {self._decoder.encoding}") from exc
            if not data:
                return
        self._body.append(data)
        self._buffered += len(data)
        if self._streaming and self._buffered > HIGH_WATER and not self._paused:
            self._paused = True
            cast(asyncio.Transport, self.transport).pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        if self.complete:
            return
        if self._decoder is not None:
            try:
                tail = self._decoder.finish()
            except zlib.error as exc:  # a deflate stream cut short: not a valid body
                error = InvalidResponse(
                    f"Can not decode content-encoding: {self._decoder.encoding}"
                )
                error.__cause__ = exc
                self._fail(error)
                return
            if tail:
                self._body.append(tail)
        self._keep_alive = not self._by_close and self._parser.should_keep_alive()
        self.complete = True
        self._disarm()
        self._wake()

    # Waiting, waking and the timer.

    async def _wait(self) -> None:
        self._waiter = waiter = self.loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self.error is None and not self.complete:
            self.error = error
            self._disarm()
            self._wake()
        self.close()

    def _resume(self) -> None:
        if self._paused:
            self._paused = False
            self._last_read = self.loop.time()
            if self.transport is not None:
                self.transport.resume_reading()
            self._arm()

    def _due(self) -> float:
        due = self._body_due
        if self.headers is None and self._head_due < due:
            due = self._head_due
        if not self._paused and self._last_read + self._idle_s < due:
            due = self._last_read + self._idle_s
        return due

    def _arm(self) -> None:
        if self._timer is None and not self.complete:
            due = self._due()
            if due < math.inf:
                self._timer = self.loop.call_at(due, self._on_timer)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if self.complete or self.error is not None:
            return
        if self.loop.time() + _EARLY_S >= self._due():
            self._fail(TimeoutError("the upstream provider did not answer in time"))
        else:
            self._arm()
