"""What ``Behest`` and ``AsyncBehest`` share: the constructor's options, the root client
(carrying the project key) built from them, and the token cache's size and clock."""

from __future__ import annotations

import time
from typing import Any, Generic, TypeVar

import openai

from behest.sdk.config import load_config
from behest.sdk.tokens import MAX_USERS, Clock

Root = TypeVar("Root", openai.OpenAI, openai.AsyncOpenAI)


class ClientBase(Generic[Root]):
    """The root client from the options; a subclass opens it and wires its users."""

    def __init__(
        self,
        key: str | None = None,
        *,
        base_url: str | None = None,
        user_id: str | None = None,
        max_retries: int = openai.DEFAULT_MAX_RETRIES,
        timeout: float | None = None,
        http_client: Any = None,
        default_headers: dict[str, str] | None = None,
        clock: Clock = time.monotonic,
        max_users: int = MAX_USERS,
    ) -> None:
        self.config = load_config(key, base_url)
        options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        self._root: Root = self._open(
            api_key=self.config.key,
            base_url=self.config.api_url,
            max_retries=max_retries,
            http_client=http_client,
            default_headers=default_headers,
            **options,
        )
        self._wire(user_id, clock, max_users)

    def _open(self, **options: Any) -> Root:
        raise NotImplementedError

    def _wire(self, user_id: str | None, clock: Clock, max_users: int) -> None:
        raise NotImplementedError
