"""Redis URLs as redis-py reads them: host, port, credentials, database, TLS, timeouts."""

from __future__ import annotations

import ssl

import pytest

from behest.gateway.limits.resp_address import parse_redis_url


def test_host_port_credentials_and_database() -> None:
    address = parse_redis_url("redis://alice:p%2Fw%40rd@cache.internal:6380/4")
    assert (address.host, address.port, address.path) == ("cache.internal", 6380, "")
    assert (address.username, address.password, address.db) == ("alice", "p/w@rd", 4)
    assert address.tls is None and address.timeout is None


def test_defaults_and_a_password_alone() -> None:
    address = parse_redis_url("redis://:secret@localhost")
    assert (address.host, address.port, address.db) == ("localhost", 6379, 0)
    assert (address.username, address.password) == ("", "secret")


def test_query_parameters() -> None:
    address = parse_redis_url("redis://h/1?db=5&socket_timeout=0.5&socket_connect_timeout=3")
    assert (address.db, address.timeout, address.connect_timeout) == (5, 0.5, 3.0)
    address = parse_redis_url("redis://h?client_name=gw-1&max_connections=64&timeout=2")
    assert (address.client_name, address.db, address.timeout) == ("gw-1", 0, None)


def test_unix_socket() -> None:
    address = parse_redis_url("unix://:pw@/run/redis/redis.sock?db=2")
    assert (address.path, address.password, address.db) == ("/run/redis/redis.sock", "pw", 2)


def test_rediss_verifies_certificate_and_host_by_default() -> None:
    tls = parse_redis_url("rediss://cache.example.com:6380").tls
    assert tls is not None
    assert tls.verify_mode is ssl.CERT_REQUIRED and tls.check_hostname


def test_rediss_verification_can_be_relaxed_in_the_url() -> None:
    tls = parse_redis_url("rediss://h?ssl_cert_reqs=none").tls
    assert tls is not None and tls.verify_mode is ssl.CERT_NONE and not tls.check_hostname
    tls = parse_redis_url("rediss://h?ssl_check_hostname=false").tls
    assert tls is not None and tls.verify_mode is ssl.CERT_REQUIRED and not tls.check_hostname


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://h:6379", "must start with"),
        ("redis://h?protocol=3", "unsupported query parameter"),
        ("rediss://h?ssl_cert_reqs=sometimes", "ssl_cert_reqs"),
    ],
)
def test_what_cannot_be_honoured_is_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_redis_url(url)
