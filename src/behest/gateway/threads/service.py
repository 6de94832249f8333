"""Persistent threads: load a conversation, hold it for one turn, append the turn at the end.

One turn, as the pipeline drives it::

    turn = await threads.begin(project_id, user_id, thread_id, call.messages)
    try:
        ...send turn.conversation() (guarded, trimmed) upstream, relay the reply...
        await turn.commit(sent_messages, [reply_message])   # the reply completed
    finally:
        await turn.abort()                                   # no-op after commit

Rules:

- **Tenancy**: a thread belongs to (project, user). Another user's id answers 404
  exactly like a missing one; in another project the same id is a different thread.
- **System prompt**: the thread keeps the latest system prompt. System/developer
  messages in a request replace the stored ones (and are stored); a request without
  them is sent with the stored ones first. Other messages are history, in order.
- **Concurrency**: ``begin`` claims a lease in the database (works across replicas);
  while it is held, another turn on the thread gets ``409 thread_busy``. The lease is
  released by ``commit`` or ``abort`` and expires after ``lease_s`` if a replica dies.
- **Failed or interrupted replies append nothing**: neither the user's new messages
  nor a partial answer. The thread stays exactly as before, so the client can retry
  the same turn without duplicating its message.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from behest.gateway.errors import InvalidRequest
from behest.gateway.store import Database
from behest.gateway.store.threads_queries import (
    Lease,
    MessageRecord,
    PageQuery,
    ThreadKey,
    ThreadRecord,
)
from behest.gateway.threads.context import SYSTEM_ROLES

log = logging.getLogger("behest.threads")
Message = dict[str, Any]
Clock = Callable[[], datetime]
_THREAD_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")


def check_thread_id(value: str) -> str:
    if not _THREAD_ID.fullmatch(value):
        raise InvalidRequest(
            "A thread id is 1 to 128 letters, digits, '_', '-', '.' or ':'.", param="thread_id"
        )
    return value


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Turn:
    """One request's hold on a thread: what to send, and how to finish."""

    service: ThreadService
    key: ThreadKey
    lease: Lease
    thread: ThreadRecord
    system: list[Message]  # sent first: the request's system prompt, else the stored one
    history: list[Message]
    incoming: list[Message]  # the request's other messages, in order
    replaces_system: bool
    finished: bool = field(default=False)

    @property
    def thread_id(self) -> str:
        return self.key.thread_id

    def conversation(self) -> list[Message]:
        """System prompt, stored history, then the new messages: what the model should see."""
        return [*self.system, *self.history, *self.incoming]

    async def commit(self, sent: Sequence[Message], reply: Sequence[Message]) -> bool:
        """Append the new messages and the reply, release the lease; False if it was lost.

        ``sent`` is the conversation as sent upstream (guarded and trimmed, same order as
        :meth:`conversation`): its first ``len(system)`` messages are the system prompt
        and its last ``len(incoming)`` the new messages, which are what gets stored.
        """
        if self.finished:
            return False
        self.finished = True
        new = list(sent[len(sent) - len(self.incoming) :]) if self.incoming else []
        system = list(sent[: len(self.system)]) if self.replaces_system else None
        return await self.service.append(self, new + list(reply), system)

    async def abort(self) -> None:
        """Release the thread without appending anything; a no-op once finished."""
        if self.finished:
            return
        self.finished = True
        await asyncio.to_thread(self.service.store.release_thread, self.key, self.lease.token)


class ThreadService:
    def __init__(self, store: Database, *, lease_s: float = 660.0, clock: Clock = _utcnow) -> None:
        self.store = store
        self.lease_s = lease_s
        self.clock = clock

    def _lease(self, token: str | None = None) -> Lease:
        now = self.clock()
        return Lease(token or secrets.token_hex(16), now, now + timedelta(seconds=self.lease_s))

    async def begin(
        self, project_id: str, user_id: str, thread_id: str, messages: Sequence[Message]
    ) -> Turn:
        """Claim the thread (a new id creates it) and load it; 404 / 409 as documented."""
        key = ThreadKey(project_id, check_thread_id(thread_id), user_id)
        lease = self._lease()
        thread, stored = await asyncio.to_thread(self.store.claim_thread, key, lease)
        request_system = [m for m in messages if m.get("role") in SYSTEM_ROLES]
        return Turn(
            service=self,
            key=key,
            lease=lease,
            thread=thread,
            system=request_system or list(thread.system),
            history=stored,
            incoming=[m for m in messages if m.get("role") not in SYSTEM_ROLES],
            replaces_system=bool(request_system),
        )

    async def append(
        self, turn: Turn, messages: list[Message], system: list[Message] | None
    ) -> bool:
        lease = Lease(turn.lease.token, self.clock(), turn.lease.until)
        append = self.store.append_thread
        appended = await asyncio.to_thread(append, turn.key, lease, messages, system)
        if not appended:
            log.warning(
                "thread %s: lease expired before the reply completed; turn not stored",
                turn.key.thread_id,
            )
        return appended

    async def create(
        self,
        project_id: str,
        user_id: str,
        thread_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ThreadRecord:
        chosen = check_thread_id(thread_id) if thread_id else "thread_" + secrets.token_hex(12)
        key = ThreadKey(project_id, chosen, user_id)
        create = self.store.create_thread
        return await asyncio.to_thread(create, key, dict(metadata or {}), self.clock())

    async def get(self, key: ThreadKey) -> ThreadRecord:
        return await asyncio.to_thread(self.store.get_thread, key)

    async def messages(self, key: ThreadKey, page: PageQuery) -> list[MessageRecord]:
        return await asyncio.to_thread(self.store.thread_messages, key, page)

    async def delete(self, key: ThreadKey) -> None:
        await asyncio.to_thread(self.store.delete_thread, key)

    async def find(
        self, project_id: str, user_id: str | None, limit: int = 50
    ) -> list[ThreadRecord]:
        """The project's latest threads, of one user when ``user_id`` is given."""
        return await asyncio.to_thread(self.store.find_threads, project_id, user_id, limit)

    async def sweep(self, retention_days: Mapping[str, int], now: datetime | None = None) -> int:
        """Deletes threads idle longer than their project's retention; how many went."""
        moment = now or self.clock()
        deleted = 0
        for project_id, days in retention_days.items():
            cutoff = moment - timedelta(days=days)
            deleted += await asyncio.to_thread(self.store.delete_threads_before, project_id, cutoff)
        return deleted


async def sweep_forever(
    service: ThreadService, retention_days: Callable[[], Mapping[str, int]], every_s: float = 3600.0
) -> None:
    """The periodic retention sweep; runs until cancelled, logging and surviving failures."""
    while True:
        try:
            deleted = await service.sweep(retention_days())
            if deleted:
                log.info("retention sweep deleted %d threads", deleted)
        except Exception:  # a failed sweep is retried next period
            log.exception("thread retention sweep failed")
        await asyncio.sleep(every_s)
