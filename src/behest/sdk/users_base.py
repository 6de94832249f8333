"""What ``UserClients`` and ``AsyncUserClients`` share: the root client, the token cache,
and one official client per (user, session) built from a minted token."""

from __future__ import annotations

from typing import Generic, TypeVar

import openai

from behest.sdk.calls import SESSION_HEADER
from behest.sdk.tokens import MintedToken, TokenCache, TokenKey

Lock = TypeVar("Lock")  # threading.Lock or asyncio.Lock
Root = TypeVar("Root", openai.OpenAI, openai.AsyncOpenAI)


class UsersBase(Generic[Lock, Root]):
    """The cache of per-user clients; a subclass adds minting, sync or async."""

    def __init__(self, root: Root, cache: TokenCache[Lock, Root], default_user: str | None) -> None:
        self._root: Root = root  # carries the project key: used for minting only
        self._cache: TokenCache[Lock, Root] = cache
        self._default_user = default_user

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self._cache)} users>"

    def client_for(self, key: TokenKey, token: MintedToken) -> Root:
        """The client that sends ``token``, reused while the token is."""
        client = self._cache.client(key, token.access_token)
        if client is None:
            client = self._root.with_options(
                api_key=token.access_token, default_headers={SESSION_HEADER: token.session_id}
            )
            self._cache.keep_client(key, token.access_token, client)
        return client

    def drop(self, key: TokenKey, token: MintedToken) -> None:
        self._cache.drop(key, token.access_token)
