"""A RESP server on a free port whose answer to each command a test decides.

Like Redis, it answers one connection's commands in the order they came; an answer of
``None`` never comes (nor, then, any later one on that connection), ``CLOSE`` drops the
connection. Replies may be written in pieces of ``chunk`` bytes to exercise the reader.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from types import TracebackType

import hiredis

CLOSE = b"<close>"
Answer = Callable[[list[bytes]], Awaitable[bytes | None]]


def bulk(value: bytes | str) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return b"$%d\r\n%s\r\n" % (len(raw), raw)


def integer(value: int) -> bytes:
    return b":%d\r\n" % value


def error(message: str) -> bytes:
    return f"-{message}\r\n".encode()


OK = b"+OK\r\n"


class FakeRedis:
    def __init__(
        self, answer: Answer, *, chunk: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.answer = answer
        self.tls = tls
        self.chunk = chunk
        self.received: list[list[bytes]] = []
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._stopped = asyncio.Event()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def __aenter__(self) -> FakeRedis:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopped.set()
        for writer in self._writers:
            writer.close()
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        parser = hiredis.Reader()
        while data := await reader.read(65536):
            parser.feed(data)
            while (command := parser.gets()) is not False:
                self.received.append(command)
                reply = await self.answer(command)
                if reply is None:
                    await self._stopped.wait()  # answers nothing more on this connection
                if reply is None or reply == CLOSE:
                    writer.close()
                    return
                await self._write(writer, reply)

    async def _write(self, writer: asyncio.StreamWriter, reply: bytes) -> None:
        size = self.chunk or len(reply)
        for start in range(0, len(reply), size):
            writer.write(reply[start : start + size])
            await writer.drain()
