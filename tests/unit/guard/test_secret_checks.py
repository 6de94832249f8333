"""Secrets precision: what can be verified offline is verified; examples, fixtures,
placeholders, UUIDs, host names and identifiers are not credentials."""

from __future__ import annotations

import zlib

import pytest

from behest.gateway.guard import detect_secrets
from behest.gateway.guard.secret_checks import (
    _BASE62,
    base62_value,
    checksum_ok,
    looks_like_example,
)


def base62(value: int, width: int = 6) -> str:
    digits = ""
    while value:
        value, rest = divmod(value, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(width, "0")


def github_token(body: str = "Xk9pQ2mZr7Lw4Tn8Bv1Cy6Hd3Fs5Ja", prefix: str = "ghp_") -> str:
    return prefix + body + base62(zlib.crc32(body.encode()))


def test_base62_round_trip() -> None:
    assert base62_value(base62(123456789)) == 123456789


def test_github_checksum_verified() -> None:
    token = github_token()
    assert checksum_ok(token)
    assert detect_secrets(f"GITHUB_TOKEN={token}")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not checksum_ok(forged)
    assert not any(f.score >= 0.95 for f in detect_secrets(f"see {forged} in the docs"))


def test_npm_checksum_verified() -> None:
    assert checksum_ok(github_token(prefix="npm_"))
    assert checksum_ok("sk-proj-anything")  # no checksum to verify


@pytest.mark.parametrize(
    "text",
    [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "api_key: 'your-api-key-here'",
        "secret_key = '1234567890abcdef1234'",
        "token = 'aaaaaaaaaaaaaaaaaaaaaaaa'",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "FAKE_API_KEY = 'q8Zr2LmX9vT4bN7c'",
        "request_id_key = '007e65c7-635d-4d54-8294-f360cb8e2e3f'",
        "api_key_host = 'api.eu.example-service.io'",
        '<add key="FromEmailAddress" value="x"/>',
    ],
)
def test_look_alikes_not_flagged(text: str) -> None:
    assert detect_secrets(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "client_secret = 'q8Zr2LmX9vT4bN7cW1pK'",
        "password = 'hunter2!'",
        'new DirectoryEntry("LDAP://corp.local", "corp\\\\svc", "S3rv!ce2024")',
        "Unseal Key 1: 0tZn+7QQCxphpHwTm7/dC3LpP5JGIbYl3PK8Sy81R+P2",
        "db_secret = 'df490bc6-ef6e-4f6a-99a0-b03d26cb56f9'",
    ],
)
def test_real_looking_credentials_flagged(text: str) -> None:
    assert detect_secrets(text), text


def test_example_words() -> None:
    assert looks_like_example("AKIAIOSFODNN7EXAMPLE")
    assert not looks_like_example("wJalrXUtnFEMIK7MDENGbPxRfiCY")
