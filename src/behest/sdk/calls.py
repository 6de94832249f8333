"""One SDK call: the official method's path, its arguments, and behest's own parameters.

``user_id``, ``session_id`` and ``thread_id`` are taken out of the keyword arguments; the
thread becomes ``X-Thread-Id`` (the session travels in the token and ``X-Session-Id``);
everything else goes to the official method untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from behest.sdk.tokens import TokenKey

THREAD_HEADER = "X-Thread-Id"
SESSION_HEADER = "X-Session-Id"
# Listing models carries nothing of an end user; without one it runs as this user.
SERVICE_USER = "behest-sdk"
_USERLESS = frozenset({"models"})


@dataclass(frozen=True, slots=True)
class Call:
    path: tuple[str, ...]
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(repr=False)
    user_id: str | None
    session_id: str | None
    thread_id: str | None

    def key(self, default_user: str | None) -> TokenKey:
        """An empty ``user_id`` is refused, never taken for "no user" (nor the default's)."""
        user = self.user_id if self.user_id is not None else default_user
        if user is None and self.path[:1] and self.path[0] in _USERLESS:
            user = SERVICE_USER
        name = ".".join(self.path) or "as_user"
        if user is None:
            raise TypeError(
                f"{name}() needs user_id=… (the end user the call is for), "
                "or a default: Behest(user_id=…)."
            )
        if not user:
            raise ValueError(f"{name}() got an empty user_id: name the end user the call is for.")
        return (user, self.session_id)

    def arguments(self) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        if self.thread_id is not None:
            extra = dict(kwargs.get("extra_headers") or {})
            extra[THREAD_HEADER] = self.thread_id
            kwargs["extra_headers"] = extra
        return kwargs

    def method(self, client: object) -> Any:
        target: Any = client
        for name in self.path:
            target = getattr(target, name)
        return target


def is_lazy_manager(result: object) -> bool:
    """A context manager that sends its request on entry (``.stream()``, streaming responses)."""
    kind = type(result)
    return hasattr(kind, "__enter__") and not hasattr(kind, "__iter__")


def is_lazy_async_manager(result: object) -> bool:
    kind = type(result)
    return hasattr(kind, "__aenter__") and not hasattr(kind, "__aiter__")
