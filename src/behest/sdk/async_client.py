"""``AsyncBehest``: the async SDK, over the official ``openai.AsyncOpenAI`` client."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import openai

from behest.sdk.async_users import AsyncUserClients
from behest.sdk.calls import THREAD_HEADER, Call
from behest.sdk.client_base import ClientBase
from behest.sdk.resources import AsyncResource
from behest.sdk.tokens import Clock, MintedToken, TokenCache


class AsyncTokens:
    """``await behest.tokens.mint(user_id)``: a fresh token to hand to a browser or app."""

    def __init__(self, users: AsyncUserClients) -> None:
        self._users = users

    async def mint(
        self, user_id: str, session_id: str | None = None, *, expires_in: int | None = None
    ) -> MintedToken:
        return await self._users.mint(user_id, session_id, expires_in)


class AsyncBehest(ClientBase[openai.AsyncOpenAI]):
    """The official async client's API, per end user; see :class:`behest.Behest`."""

    _users: AsyncUserClients
    tokens: AsyncTokens

    def _open(self, **options: Any) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(**options)

    def _wire(self, user_id: str | None, clock: Clock, max_users: int) -> None:
        cache = TokenCache[asyncio.Lock, openai.AsyncOpenAI](
            clock, new_lock=asyncio.Lock, max_users=max_users
        )
        self._users = AsyncUserClients(self._root, cache, user_id)
        self.tokens = AsyncTokens(self._users)

    def __repr__(self) -> str:
        return f"AsyncBehest(base_url={self.config.base_url!r})"

    def __getattr__(self, name: str) -> AsyncResource:
        if name.startswith("_") or not hasattr(openai.AsyncOpenAI, name):
            raise AttributeError(f"'AsyncBehest' object has no attribute {name!r}")
        return AsyncResource(self._users, (name,))

    async def as_user(
        self, user_id: str, session_id: str | None = None, thread_id: str | None = None
    ) -> openai.AsyncOpenAI:
        """The official async client for one user, fully typed; fresh for now, so ask
        again for later calls (cheap: the token is cached)."""
        key = Call((), (), {}, user_id, session_id, None).key(None)
        _, client = await self._users.client(key)
        if thread_id is None:
            return client
        return client.with_options(default_headers={THREAD_HEADER: thread_id})

    async def close(self) -> None:
        await self._root.close()

    async def __aenter__(self) -> AsyncBehest:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()
