"""``behest.chat.completions.create(...)``: the official client's tree, reached per user.

An attribute path is collected until it is called; the call then runs on the caller's
per-user official client, so every method of the ``openai`` SDK (``create``, ``parse``,
``stream``, ``with_raw_response``…) works, returning the official types.
"""

from __future__ import annotations

from collections.abc import Generator
from types import TracebackType
from typing import Any

from behest.sdk.async_users import AsyncUserClients
from behest.sdk.calls import Call
from behest.sdk.users import UserClients


class Resource:
    __slots__ = ("_path", "_users")

    def __init__(self, users: UserClients, path: tuple[str, ...]) -> None:
        self._users, self._path = users, path

    def __getattr__(self, name: str) -> Resource:
        if name.startswith("_"):
            raise AttributeError(name)
        return Resource(self._users, (*self._path, name))

    def __repr__(self) -> str:
        return f"<behest {'.'.join(self._path)}>"

    def __call__(
        self,
        *args: Any,
        user_id: str | None = None,
        session_id: str | None = None,
        thread_id: str | None = None,
        **kwargs: Any,
    ) -> Any:
        return self._users.call(Call(self._path, args, kwargs, user_id, session_id, thread_id))


class AsyncResource:
    __slots__ = ("_path", "_users")

    def __init__(self, users: AsyncUserClients, path: tuple[str, ...]) -> None:
        self._users, self._path = users, path

    def __getattr__(self, name: str) -> AsyncResource:
        if name.startswith("_"):
            raise AttributeError(name)
        return AsyncResource(self._users, (*self._path, name))

    def __repr__(self) -> str:
        return f"<behest async {'.'.join(self._path)}>"

    def __call__(
        self,
        *args: Any,
        user_id: str | None = None,
        session_id: str | None = None,
        thread_id: str | None = None,
        **kwargs: Any,
    ) -> PendingCall:
        call = Call(self._path, args, kwargs, user_id, session_id, thread_id)
        return PendingCall(self._users, call)


class PendingCall:
    """Awaited, the call's result; used with ``async with``, the entered stream manager."""

    __slots__ = ("_call", "_manager", "_users")

    def __init__(self, users: AsyncUserClients, call: Call) -> None:
        self._users, self._call = users, call
        self._manager: Any = None

    def __await__(self) -> Generator[Any, None, Any]:
        return self._users.call(self._call).__await__()

    async def __aenter__(self) -> Any:
        self._manager, entered = await self._users.enter(self._call)
        return entered

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        result: bool | None = await self._manager.__aexit__(kind, error, trace)
        return result
