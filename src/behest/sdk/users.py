"""The sync SDK's per-user clients: one token per (user, session), one mint in flight each."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import openai

from behest.sdk import minting
from behest.sdk.calls import Call, is_lazy_manager
from behest.sdk.errors import is_token_expired
from behest.sdk.tokens import MintedToken, TokenKey
from behest.sdk.users_base import UsersBase


class UserClients(UsersBase[threading.Lock, openai.OpenAI]):
    """Official clients per user, each with its minted token as the API key."""

    def mint(self, user_id: str, session_id: str | None, expires_in: int | None) -> MintedToken:
        return minting.mint(self._root, user_id, session_id, expires_in)

    def token(self, key: TokenKey) -> MintedToken:
        found = self._cache.fresh(key)
        if found is not None:
            return found
        with self._cache.claimed(key) as entry, entry.lock:
            found = self._cache.fresh(key)
            if found is None:
                found = self.mint(key[0], self._cache.session_of(key), None)
                self._cache.put(key, found)
            return found

    def client(self, key: TokenKey) -> tuple[MintedToken, openai.OpenAI]:
        token = self.token(key)
        return token, self.client_for(key, token)

    def call(self, call: Call, *, retry: bool = True) -> Any:
        key = call.key(self._default_user)
        token, client = self.client(key)
        try:
            result = call.method(client)(*call.args, **call.arguments())
        except openai.AuthenticationError as exc:
            if not (retry and is_token_expired(exc)):
                raise
            self.drop(key, token)
            return self.call(call, retry=False)
        if retry and is_lazy_manager(result):
            return _RetryingManager(self, call, key, token, result)
        return result


class _RetryingManager(AbstractContextManager[Any]):
    """``with ….stream(...)``: the request goes out on entry, so the refresh happens there."""

    def __init__(
        self, users: UserClients, call: Call, key: TokenKey, token: MintedToken, manager: Any
    ) -> None:
        self._users, self._call, self._key, self._token = users, call, key, token
        self._manager = manager

    def __enter__(self) -> Any:
        try:
            return self._manager.__enter__()
        except openai.AuthenticationError as exc:
            if not is_token_expired(exc):
                raise
            self._users.drop(self._key, self._token)
            self._manager = self._users.call(self._call, retry=False)
            return self._manager.__enter__()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        result: bool | None = self._manager.__exit__(kind, error, trace)
        return result
