"""``POST /v1/auth/mint`` through the official client, so its errors are ``openai``'s."""

from __future__ import annotations

import json
from typing import Any, TypeGuard

import openai

from behest.sdk.errors import MintReplyError
from behest.sdk.tokens import MintedToken

MINT_PATH = "/auth/mint"
_NOT_A_TOKEN = "The gateway's answer to a mint is not a token."


def mint_body(user_id: str, session_id: str | None, expires_in: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user_id}
    if session_id is not None:
        body["session_id"] = session_id
    if expires_in is not None:
        body["expires_in"] = expires_in
    return body


def to_token(body: bytes) -> MintedToken:
    """The token in a mint's 200 answer; anything else is a :class:`MintReplyError`."""
    try:
        reply = json.loads(body)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise MintReplyError(_NOT_A_TOKEN) from exc
    if not isinstance(reply, dict):
        raise MintReplyError(_NOT_A_TOKEN)
    token, expires_in = reply.get("access_token"), reply.get("expires_in")
    session, token_type = reply.get("session_id"), reply.get("token_type")
    if not _text(token) or not _text(session) or not _lifetime(expires_in):
        raise MintReplyError(_NOT_A_TOKEN)
    return MintedToken(token, expires_in, session, token_type if _text(token_type) else "Bearer")


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _lifetime(value: object) -> TypeGuard[int]:
    return type(value) is int and value > 0  # bool is an int subclass: refused


def mint(
    client: openai.OpenAI,
    user_id: str,
    session_id: str | None = None,
    expires_in: int | None = None,
) -> MintedToken:
    """A new token for ``user_id``; ``client`` carries the project key."""
    body = mint_body(user_id, session_id, expires_in)
    return to_token(client.post(MINT_PATH, cast_to=bytes, body=body))


async def amint(
    client: openai.AsyncOpenAI,
    user_id: str,
    session_id: str | None = None,
    expires_in: int | None = None,
) -> MintedToken:
    body = mint_body(user_id, session_id, expires_in)
    return to_token(await client.post(MINT_PATH, cast_to=bytes, body=body))
