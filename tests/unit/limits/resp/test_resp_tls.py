"""rediss://: the server's certificate is verified against the CA the URL names, and a
server the client cannot verify is unreachable."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from fake_redis import FakeRedis

from behest.gateway.limits.resp import RespClient, Unreachable
from certificates import self_signed


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    cert_pem, key_pem = self_signed("fake redis", x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    return cert_file, key_file


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


async def pong(command: list[bytes]) -> bytes | None:
    return b"+PONG\r\n"


async def test_a_verified_server_is_served_over_tls(certificate: tuple[Path, Path]) -> None:
    async with FakeRedis(pong, tls=server_tls(certificate)) as server:
        client = RespClient.from_url(
            f"rediss://127.0.0.1:{server.port}?ssl_ca_certs={certificate[0]}"
        )
        assert await client.execute("PING") == b"PONG"
        await client.aclose()


async def test_a_server_that_cannot_be_verified_is_unreachable(
    certificate: tuple[Path, Path],
) -> None:
    async with FakeRedis(pong, tls=server_tls(certificate)) as server:
        client = RespClient.from_url(f"rediss://127.0.0.1:{server.port}")
        with pytest.raises(Unreachable, match="cannot connect"):
            await client.execute("PING")
        await client.aclose()
        relaxed = RespClient.from_url(f"rediss://127.0.0.1:{server.port}?ssl_cert_reqs=none")
        assert await relaxed.execute("PING") == b"PONG"
        await relaxed.aclose()
