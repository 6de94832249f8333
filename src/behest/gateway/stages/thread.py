"""The thread stages: stored history in before the call, the new turn out after it."""

from __future__ import annotations

from behest.gateway.providers.base import JSON
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.threads import ThreadService, context_budget, trim_to_budget

THREAD_HEADER = "x-thread-id"


async def open_thread(threads: ThreadService, flight: Flight) -> None:
    """``X-Thread-Id`` → the stored history prepended and the thread leased to this turn."""
    thread_id = flight.call.metadata.get("thread_id")
    if not thread_id or flight.call.operation != "chat":
        return
    principal = flight.principal
    turn = await threads.begin(
        principal.project_id, principal.user_id, thread_id, flight.call.messages
    )
    flight.turn = turn
    flight.call.body["messages"] = turn.conversation()
    flight.headers[THREAD_HEADER] = turn.thread_id


def fit_context(flight: Flight, catalog: Catalog) -> None:
    """Long threads lose their oldest turns (never system or the new messages)."""
    if flight.turn is None:
        return
    target, body = flight.targets[0], flight.call.body
    info = catalog.describe(target.provider, target.model)
    budget = context_budget(info.context_window, body, info.max_output_tokens)
    keep = len(flight.turn.incoming)
    body["messages"] = trim_to_budget(flight.call.messages, budget, keep_tail=keep)


async def commit_turn(flight: Flight, reply: JSON | None) -> None:
    """Stores what was sent (redacted) and the reply as the model wrote it."""
    if flight.turn is not None and reply is not None:
        await flight.turn.commit(flight.call.messages, [reply])
