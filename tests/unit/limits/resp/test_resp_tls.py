"""rediss://: the server's certificate is verified against the CA the URL names, and a
server the client cannot verify is unreachable."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_redis import FakeRedis

from behest.gateway.limits.resp import RespClient, Unreachable


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake redis")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
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
