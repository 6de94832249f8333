"""``POST /v1/auth/mint`` through the official client, so its errors are ``openai``'s."""

from __future__ import annotations

from typing import Any

import openai

from behest.sdk.errors import MintReplyError
from behest.sdk.tokens import MintedToken

MINT_PATH = "/auth/mint"


class _MintReply(openai.BaseModel):
    access_token: str
    expires_in: int
    session_id: str
    token_type: str = "Bearer"


def mint_body(user_id: str, session_id: str | None, expires_in: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user_id}
    if session_id is not None:
        body["session_id"] = session_id
    if expires_in is not None:
        body["expires_in"] = expires_in
    return body


def to_token(reply: _MintReply) -> MintedToken:
    token, expires_in, session = reply.access_token, reply.expires_in, reply.session_id
    if not isinstance(token, str) or not isinstance(expires_in, int) or not session:
        raise MintReplyError("The gateway's answer to a mint is not a token.")
    return MintedToken(token, expires_in, str(session), str(reply.token_type or "Bearer"))


def mint(
    client: openai.OpenAI,
    user_id: str,
    session_id: str | None = None,
    expires_in: int | None = None,
) -> MintedToken:
    """A new token for ``user_id``; ``client`` carries the project key."""
    body = mint_body(user_id, session_id, expires_in)
    return to_token(client.post(MINT_PATH, cast_to=_MintReply, body=body))


async def amint(
    client: openai.AsyncOpenAI,
    user_id: str,
    session_id: str | None = None,
    expires_in: int | None = None,
) -> MintedToken:
    body = mint_body(user_id, session_id, expires_in)
    return to_token(await client.post(MINT_PATH, cast_to=_MintReply, body=body))
