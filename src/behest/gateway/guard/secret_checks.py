"""Offline checks that tell a real credential from one that only looks like one: GitHub's
and npm's CRC32 token checksums, documentation examples and test fixtures, placeholders,
identifiers, UUIDs and host names assigned to key-like names."""

from __future__ import annotations

import base64
import re
import zlib

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUMMED = re.compile(r"(?:gh[pousr]|npm)_[A-Za-z0-9]{36}")
_EXAMPLE_WORDS = re.compile(
    r"(?i)example|x{4}|fake|dummy|sample|placeholder|redacted|changeme|your[_-]?|_here\b|-here\b"
    r"|insert|replace|<[^>]*>|\*{4}|\.{4}"
)
_RUN = re.compile(r"(.)\1{5}")  # one character six times over
_SEQUENCES = ("0123456", "1234567", "2345678", "3456789", "abcdefg", "bcdefgh", "ABCDEFG",
              "9876543", "qwerty")  # fmt: skip
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HOST = re.compile(r"(?:[A-Za-z][\w-]*\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?")
_WORDS = re.compile(r"(?:[A-Z]?[a-z]{2,})+|(?:[a-z]{2,}_)+[a-z]{2,}")
_DOC_JWT_CLAIMS = ('"sub":"1234567890"', '"name":"John Doe"')


def base62_value(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _BASE62.index(char)
    return value


def checksum_ok(token: str) -> bool:
    """A GitHub (``ghp_``, ``gho_``…) or npm token's last 6 characters are the base62 CRC32
    of the 30 before them; tokens of other shapes are not checked (``True``)."""
    if not _CHECKSUMMED.fullmatch(token):
        return True
    return base62_value(token[-6:]) == zlib.crc32(token[4:-6].encode())


def looks_like_example(value: str) -> bool:
    """Placeholders, documentation examples and fixtures: ``AKIAIOSFODNN7EXAMPLE``,
    ``sk-xxxxxxxx``, ``your-key-here``, ``1234567…``, one character over and over."""
    return bool(
        _EXAMPLE_WORDS.search(value)
        or _RUN.search(value)
        or any(seq in value for seq in _SEQUENCES)
        or _documentation_jwt(value)
    )


def _documentation_jwt(value: str) -> bool:
    if not value.startswith("eyJ") or value.count(".") < 2:
        return False
    payload = value.split(".")[1]
    try:
        claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except ValueError:
        return False
    claims = claims.replace(" ", "")
    return any(claim in claims for claim in _DOC_JWT_CLAIMS)


def not_a_credential(value: str, name: str) -> bool:
    """A value assigned to a key-like name that is plainly something else: a UUID under a
    name that does not say secret or password, a host name or link without credentials, or
    an identifier made of words (``FromEmailAddress``, ``smtp_username``)."""
    lowered = name.lower()
    strong = any(word in lowered for word in ("secret", "passw", "pwd", "api"))
    if _UUID.fullmatch(value) and not strong:
        return True
    if ("://" in value and "@" not in value) or _HOST.fullmatch(value):
        return True
    return bool(_WORDS.fullmatch(value)) and not any(c.isdigit() for c in value)
