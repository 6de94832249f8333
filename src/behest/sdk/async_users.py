"""The async SDK's per-user clients: one token per (user, session), one mint in flight each."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import openai

from behest.sdk import minting
from behest.sdk.calls import Call
from behest.sdk.errors import is_token_expired
from behest.sdk.tokens import MintedToken, TokenKey
from behest.sdk.users_base import UsersBase


class AsyncUserClients(UsersBase[asyncio.Lock, openai.AsyncOpenAI]):
    """Official async clients per user, each with its minted token as the API key."""

    async def mint(
        self, user_id: str, session_id: str | None, expires_in: int | None
    ) -> MintedToken:
        return await minting.amint(self._root, user_id, session_id, expires_in)

    async def token(self, key: TokenKey) -> MintedToken:
        found = self._cache.fresh(key)
        if found is not None:
            return found
        with self._cache.claimed(key) as entry:
            async with entry.lock:
                found = self._cache.fresh(key)
                if found is None:
                    found = await self.mint(key[0], self._cache.session_of(key), None)
                    self._cache.put(key, found)
                return found

    async def client(self, key: TokenKey) -> tuple[MintedToken, openai.AsyncOpenAI]:
        token = await self.token(key)
        return token, self.client_for(key, token)

    async def call(self, call: Call, *, retry: bool = True) -> Any:
        key = call.key(self._default_user)
        token, client = await self.client(key)
        try:
            result = call.method(client)(*call.args, **call.arguments())
            return await result if inspect.isawaitable(result) else result
        except openai.AuthenticationError as exc:
            if not (retry and is_token_expired(exc)):
                raise
            self.drop(key, token)
            return await self.call(call, retry=False)

    async def enter(self, call: Call, *, retry: bool = True) -> tuple[Any, Any]:
        """For ``async with ….stream(...)``: the manager and what entering it gave."""
        key = call.key(self._default_user)
        token, client = await self.client(key)
        manager = call.method(client)(*call.args, **call.arguments())
        try:
            return manager, await manager.__aenter__()
        except openai.AuthenticationError as exc:
            if not (retry and is_token_expired(exc)):
                raise
            self.drop(key, token)
            return await self.enter(call, retry=False)
