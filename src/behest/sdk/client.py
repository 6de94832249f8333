"""``Behest``: the sync SDK, over the official ``openai.OpenAI`` client."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

import openai

from behest.sdk.calls import THREAD_HEADER, Call
from behest.sdk.client_base import ClientBase
from behest.sdk.resources import Resource
from behest.sdk.tokens import Clock, MintedToken, TokenCache
from behest.sdk.users import UserClients


class Tokens:
    """``behest.tokens.mint(user_id)``: a fresh token to hand to a browser or mobile app."""

    def __init__(self, users: UserClients) -> None:
        self._users = users

    def mint(
        self, user_id: str, session_id: str | None = None, *, expires_in: int | None = None
    ) -> MintedToken:
        return self._users.mint(user_id, session_id, expires_in)


class Behest(ClientBase[openai.OpenAI]):
    """The official client's API, per end user: ``chat.completions.create(..., user_id=…)``.

    ``key`` defaults to ``BEHEST_KEY`` and ``base_url`` (the gateway's root) to
    ``BEHEST_BASE_URL``; ``timeout``, ``max_retries``, ``http_client`` and
    ``default_headers`` go to the official client. ``max_users``: how many (user,
    session) tokens and clients to keep, least recently used dropped first.
    """

    _users: UserClients
    tokens: Tokens

    def _open(self, **options: Any) -> openai.OpenAI:
        return openai.OpenAI(**options)

    def _wire(self, user_id: str | None, clock: Clock, max_users: int) -> None:
        cache = TokenCache[threading.Lock, openai.OpenAI](
            clock, new_lock=threading.Lock, max_users=max_users
        )
        self._users = UserClients(self._root, cache, user_id)
        self.tokens = Tokens(self._users)

    def __repr__(self) -> str:
        return f"Behest(base_url={self.config.base_url!r})"

    def __getattr__(self, name: str) -> Resource:
        if name.startswith("_") or not hasattr(openai.OpenAI, name):
            raise AttributeError(f"'Behest' object has no attribute {name!r}")
        return Resource(self._users, (name,))

    def as_user(
        self, user_id: str, session_id: str | None = None, thread_id: str | None = None
    ) -> openai.OpenAI:
        """The official client for one user, fully typed; its token is fresh for now, so
        ask again for later calls (cheap: the token is cached)."""
        _, client = self._users.client(Call((), (), {}, user_id, session_id, None).key(None))
        if thread_id is None:
            return client
        return client.with_options(default_headers={THREAD_HEADER: thread_id})

    def close(self) -> None:
        self._root.close()

    def __enter__(self) -> Behest:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
