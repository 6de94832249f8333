"""The context-window policy for long threads: trim the oldest turns, keep the system prompt.

Tokens are estimated at one per four characters of each message's JSON, plus a small
overhead per message; the estimate is deliberately rough and errs on the large side.

Policy, applied before the call:

1. System (and developer) messages are always kept, wherever they are.
2. The request's own new messages (the tail) are always kept.
3. Stored history is dropped oldest *turn* first — a turn is a user message and
   everything up to the next user message, so an assistant ``tool_calls`` message is
   never separated from its ``tool`` results — until the estimate fits the budget.
4. If system + new messages alone exceed the budget, the request fails with a clear
   ``400 context_length_exceeded`` instead of a silent upstream error.

Trimming changes only what is sent; the stored thread keeps every message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from behest.gateway.errors import InvalidRequest

Message = dict[str, Any]
SYSTEM_ROLES = frozenset({"system", "developer"})
_PER_MESSAGE = 4
_DEFAULT_OUTPUT_RESERVE = 4096


def estimate_tokens(messages: Sequence[Message]) -> int:
    return sum(len(orjson.dumps(message)) // 4 + _PER_MESSAGE for message in messages)


def context_budget(
    context_window: int | None, body: dict[str, Any], max_output_tokens: int | None = None
) -> int | None:
    """Tokens the prompt may use: the window minus the reply's room; None when unknown."""
    if not context_window:
        return None
    requested = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(requested, int) and not isinstance(requested, bool) and requested > 0:
        reserve = requested
    else:
        reserve = min(max_output_tokens or _DEFAULT_OUTPUT_RESERVE, context_window // 4)
    return max(context_window - reserve, 0)


def _turns(history: Sequence[Message]) -> list[list[int]]:
    """Indexes of non-system history messages, grouped into turns (oldest first)."""
    turns: list[list[int]] = []
    for index, message in enumerate(history):
        if message.get("role") in SYSTEM_ROLES:
            continue
        if message.get("role") == "user" or not turns:
            turns.append([])
        turns[-1].append(index)
    return turns


def trim_to_budget(
    messages: Sequence[Message], budget: int | None, keep_tail: int
) -> list[Message]:
    """``messages`` without their oldest history turns so the estimate fits ``budget``.

    The last ``keep_tail`` messages are the request's new ones and are never dropped.
    """
    if budget is None or estimate_tokens(messages) <= budget:
        return list(messages)
    split = len(messages) - keep_tail
    history, tail = messages[:split], messages[split:]
    size = {index: estimate_tokens([m]) for index, m in enumerate(history)}
    total = estimate_tokens(messages)
    dropped: set[int] = set()
    for turn in _turns(history):
        if total <= budget:
            break
        dropped.update(turn)
        total -= sum(size[index] for index in turn)
    if total > budget:
        raise InvalidRequest(
            f"The conversation needs about {total} tokens but the model accepts about {budget} "
            "for the prompt, even with the thread's earlier turns left out. Shorten the new "
            "messages or the system prompt, or start a new thread.",
            code="context_length_exceeded",
            param="messages",
        )
    kept = [m for index, m in enumerate(history) if index not in dropped]
    return kept + list(tail)
