"""The upstream client against real servers on 127.0.0.1: the bodies HTTP/1.1 delimits
three ways, decoding, timeouts and breaks with their codes, the pool and backpressure."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvloop
from cryptography import x509

from behest.gateway.errors import UpstreamError
from behest.gateway.providers.base import UpstreamRequest
from behest.gateway.routing.policy import Timeouts
from behest.gateway.upstream import pool as pool_module
from behest.gateway.upstream.client import Upstream
from behest.gateway.upstream.connection import HIGH_WATER
from certificates import self_signed

Reader, Writer = asyncio.StreamReader, asyncio.StreamWriter
Handler = Callable[[Reader, Writer], Awaitable[None]]


class Server:
    """Reads each request (head and Content-Length body) and lets ``answer`` reply."""

    def __init__(self, answer: Callable[[bytes, Writer], Awaitable[None]]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed_by_client = asyncio.Event()
        self.port = 0

    async def serve(self, reader: Reader, writer: Writer) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                await self.answer(head, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed_by_client.set()
        except asyncio.CancelledError:
            return  # the test is over (Python 3.11's start_server logs a cancelled handler)
        finally:
            writer.close()


@asynccontextmanager
async def serving(answer: Callable[[bytes, Writer], Awaitable[None]]) -> AsyncIterator[Server]:
    server = Server(answer)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    server.port = listening.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listening.close()


@asynccontextmanager
async def client(**kwargs: float) -> AsyncIterator[Upstream]:
    upstream = Upstream(**kwargs)  # type: ignore[arg-type]
    await upstream.start()
    try:
        yield upstream
    finally:
        await upstream.close()


def post(server: Server, body: bytes = b'{"q":1}') -> UpstreamRequest:
    url = f"http://127.0.0.1:{server.port}/v1/chat/completions"
    return UpstreamRequest("POST", url, {"Content-Type": "application/json"}, body)


def reply(body: bytes, *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def answering(data: bytes) -> Callable[[bytes, Writer], Awaitable[None]]:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(data)
        await writer.drain()

    return answer


async def test_a_sized_body_with_its_headers_case_insensitive() -> None:
    async with serving(answering(reply(b'{"ok":true}', "X-Thing: 1"))) as server, client() as up:
        got = await up.send(post(server))
    assert (got.status, got.body, got.headers["x-thing"]) == (200, b'{"ok":true}', "1")
    sent = server.requests[0].lower()
    assert b"user-agent" not in sent and b"accept-encoding: gzip, deflate" in sent


async def test_a_chunked_body_streams_each_chunk_as_it_arrives() -> None:
    second = asyncio.Event()

    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await second.wait()
        writer.write(b"6\r\nsecond\r\n0\r\n\r\n")

    async with serving(answer) as server, client() as up:
        async with up.stream(post(server)) as stream:
            chunks = stream.chunks()
            assert await anext(chunks) == b"first"  # before the second was sent
            second.set()
            assert [c async for c in chunks] == [b"second"]
        got = await up.send(post(server))  # the connection went back to the pool
        assert server.connections == 1 and got.body == b"firstsecond"


async def test_a_body_delimited_by_the_close_of_the_connection() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()

    async with serving(answer) as server, client() as up:
        assert (await up.send(post(server))).body == b"until the end"
        assert (await up.send(post(server))).body == b"until the end"
    assert server.connections == 2


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw deflate
    ],
)
async def test_compressed_bodies_are_decoded(
    encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    body = b'{"text": "' + b"word " * 5000 + b'"}'
    answer = answering(reply(compress(body), f"Content-Encoding: {encoding}"))
    async with serving(answer) as server, client() as up:
        got = await up.send(post(server))
        async with up.stream(post(server)) as stream:
            streamed = b"".join([c async for c in stream.chunks()])
    assert got.body == body and streamed == body and got.headers["Content-Encoding"] == encoding


async def test_a_slow_first_byte_is_an_upstream_timeout() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        await asyncio.sleep(5)

    async with serving(answer) as server, client() as up:
        limits = up.limits(Timeouts(first_byte_s=0.2))
        with pytest.raises(UpstreamError) as raised:
            await up.send(post(server), limits)
        with pytest.raises(UpstreamError) as streamed:
            async with up.stream(post(server), limits):
                pass
    assert raised.value.code == streamed.value.code == "upstream_timeout"
    assert raised.value.status == 504


async def test_a_stream_silent_past_idle_s_is_an_upstream_timeout() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n")
        await asyncio.sleep(5)

    async with serving(answer) as server, client() as up:
        limits = up.limits(Timeouts(idle_s=0.2))
        async with up.stream(post(server), limits) as stream:
            chunks = stream.chunks()
            assert await anext(chunks) == b"hi"
            with pytest.raises(UpstreamError) as raised:
                await anext(chunks)
    assert raised.value.code == "upstream_timeout"


async def test_a_body_slower_than_the_deadline_is_an_upstream_timeout() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            writer.write(b" ")
            await asyncio.sleep(0.05)

    async with serving(answer) as server, client() as up:
        with pytest.raises(UpstreamError) as raised:
            await up.send(post(server), up.limits(Timeouts(total_s=0.3)))
    assert raised.value.code == "upstream_timeout"


async def test_no_free_connection_within_connect_s_is_a_connect_timeout() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        await asyncio.sleep(5)

    async with serving(answer) as server, client(pool_size=1) as up:
        busy = asyncio.ensure_future(up.send(post(server)))
        await asyncio.sleep(0.05)
        with pytest.raises(UpstreamError) as raised:
            await up.send(post(server), up.limits(Timeouts(connect_s=0.1)))
        busy.cancel()
    assert raised.value.code == "upstream_connect_timeout"


async def test_a_closed_port_is_unreachable() -> None:
    async with serving(answering(b"")) as server:
        port = server.port
    async with client() as up:
        request = UpstreamRequest("GET", f"http://127.0.0.1:{port}/v1/models", {}, None)
        with pytest.raises(UpstreamError) as raised:
            await up.send(request)
    assert (raised.value.code, raised.value.status) == ("upstream_unreachable", 503)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_server_closing_mid_body_is_an_upstream_reset(stream: bool) -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..")
        await writer.drain()
        writer.close()

    async with serving(answer) as server, client() as up:
        with pytest.raises(UpstreamError) as raised:
            if stream:
                async with up.stream(post(server)) as opened:
                    _ = [c async for c in opened.chunks()]
            else:
                await up.send(post(server))
    assert (raised.value.code, raised.value.status) == ("upstream_reset", 502)


async def test_endless_headers_are_refused() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(100_000):
            writer.write(b"X-%d: %s\r\n" % (n, b"v" * 100))
            await writer.drain()

    async with serving(answer) as server, client() as up:
        with pytest.raises(UpstreamError) as raised:
            await up.send(post(server))
    assert raised.value.status == 502 and "InvalidResponse" in raised.value.message


async def test_a_request_the_server_may_have_read_is_never_sent_again() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.close()

    async with serving(answer) as server, client() as up:
        with pytest.raises(UpstreamError) as raised:
            await up.send(post(server))
    assert raised.value.code == "upstream_reset" and len(server.requests) == 1


async def test_sequential_requests_share_one_connection() -> None:
    async with serving(answering(reply(b"{}"))) as server, client() as up:
        for _ in range(5):
            assert (await up.send(post(server))).body == b"{}"
    assert server.connections == 1 and len(server.requests) == 5


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(reply(b"{}"))
        await writer.drain()
        writer.close()  # no Connection: close, as a server's own keep-alive timeout would

    async with serving(answer) as server, client() as up:
        await up.send(post(server))
        await asyncio.sleep(0.1)
        assert (await up.send(post(server))).body == b"{}"
    assert server.connections == 2


async def test_callers_over_the_pool_size_wait_for_a_connection() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        await asyncio.sleep(0.02)
        writer.write(reply(b"{}"))

    async with serving(answer) as server, client(pool_size=2) as up:
        replies = await asyncio.gather(*(up.send(post(server)) for _ in range(8)))
    assert [r.body for r in replies] == [b"{}"] * 8 and server.connections == 2


async def test_idle_connections_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "KEEPALIVE_S", 0.1)
    async with serving(answering(reply(b"{}"))) as server, client() as up:
        await up.send(post(server))
        await asyncio.wait_for(server.closed_by_client.wait(), 2)
        await up.send(post(server))
    assert server.connections == 2


async def test_closing_a_stream_early_drops_its_connection() -> None:
    async def answer(_head: bytes, writer: Writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:  # an endless generation, until the client hangs up
            writer.write(b"6\r\ntoken \r\n")
            await writer.drain()
            await asyncio.sleep(0.01)

    async with serving(answer) as server, client() as up:
        async with up.stream(post(server)) as stream:
            assert await anext(stream.chunks())
        await asyncio.wait_for(server.closed_by_client.wait(), 2)


async def test_a_slow_reader_pauses_a_fast_server() -> None:
    size, sent = 16 * 1024 * 1024, 0

    async def answer(_head: bytes, writer: Writer) -> None:
        nonlocal sent
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        block = b"x" * 65536
        for _ in range(size // len(block)):
            writer.write(block)
            await writer.drain()
            sent += len(block)

    async with serving(answer) as server, client() as up, up.stream(post(server)) as stream:
        received, largest = 0, 0
        async for chunk in stream.chunks():
            received, largest = received + len(chunk), max(largest, len(chunk))
            if received < 1024 * 1024:
                await asyncio.sleep(0.02)
                assert sent - received < 8 * 1024 * 1024  # the server is held back
    assert received == size and largest < HIGH_WATER + 512 * 1024


async def test_https_is_verified_against_the_default_trust_store(
    certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(answering(reply(b"{}")))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, certificate)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
    url = f"https://localhost:{listening.sockets[0].getsockname()[1]}/v1/models"
    try:
        async with client() as up:
            with pytest.raises(UpstreamError) as raised:  # a self-signed certificate
                await up.send(UpstreamRequest("GET", url, {}, None))
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        async with client() as up:
            for _ in range(2):
                assert (await up.send(UpstreamRequest("GET", url, {}, None))).body == b"{}"
    finally:
        listening.close()
    assert raised.value.code == "upstream_unreachable"
    assert server.connections == 1 and len(server.requests) == 2  # the handshake failed first


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for localhost, its key in the same file."""
    cert_pem, key_pem = self_signed("localhost", x509.DNSName("localhost"))
    path = tmp_path_factory.mktemp("tls") / "localhost.pem"
    path.write_bytes(cert_pem + key_pem)
    return path


def test_the_client_runs_on_uvloop() -> None:
    async def scenario() -> None:
        await test_sequential_requests_share_one_connection()
        await test_compressed_bodies_are_decoded("gzip", gzip.compress)
        await test_a_server_closing_mid_body_is_an_upstream_reset(True)
        await test_a_slow_reader_pauses_a_fast_server()

    uvloop.run(scenario())
