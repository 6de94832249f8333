"""Threads: a row per conversation, its messages in order, and the lease that serialises turns.

A turn *claims* the thread with a conditional UPDATE that succeeds only when nobody
holds an unexpired lease (``busy_until``), so two replicas cannot both append; the
append checks the claim's token, writes the messages and clears the lease in one
transaction. Every query takes ``project_id``; ``user_id`` (None: the admin) scopes it
further, and another user's thread answers exactly as a missing one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from behest.gateway.errors import Conflict, NotFound
from behest.gateway.store import tables

Message = dict[str, Any]
_SWEEP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ThreadKey:
    project_id: str
    thread_id: str
    user_id: str | None  # None: any user of the project (the admin API)


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    project_id: str
    id: str
    user_id: str
    system: list[Message]
    metadata: dict[str, Any]
    message_count: int
    busy_until: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord:
    seq: int
    message: Message
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    token: str
    now: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class PageQuery:
    limit: int = 20
    after: int | None = None  # seq; messages after it
    before: int | None = None
    descending: bool = False


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite drops the zone
    return value


def _thread(row: Row[Any]) -> ThreadRecord:
    return ThreadRecord(
        project_id=row.project_id,
        id=row.id,
        user_id=row.user_id,
        system=orjson.loads(row.system),
        metadata=orjson.loads(row.metadata),
        message_count=row.message_count,
        busy_until=_aware(row.busy_until),
        created_at=_aware(row.created_at),  # type: ignore[arg-type]
        updated_at=_aware(row.updated_at),  # type: ignore[arg-type]
    )


def _message(row: Row[Any]) -> MessageRecord:
    return MessageRecord(row.seq, orjson.loads(row.message), _aware(row.created_at))  # type: ignore[arg-type]


def _where(key: ThreadKey) -> list[Any]:
    t = tables.threads
    clauses = [t.c.project_id == key.project_id, t.c.id == key.thread_id]
    if key.user_id is not None:
        clauses.append(t.c.user_id == key.user_id)
    return clauses


def _missing(key: ThreadKey) -> NotFound:
    return NotFound(f"No thread with id {key.thread_id!r}.", param="thread_id")


def _find(connection: Connection, key: ThreadKey) -> ThreadRecord:
    row = connection.execute(_statements(key.user_id is not None).find, _params(key)).first()
    if row is None:
        raise _missing(key)
    return _thread(row)


@dataclass(frozen=True, slots=True)
class _Turn:
    """The statements of a turn, built once (a turn runs them on every threaded request,
    and building a statement costs more than running it): claim, find, history, append,
    in two forms, scoped to the user (``scoped``) or to the whole project (the admin)."""

    claim: Any
    find: Any
    history: Any
    release: Any
    release_system: Any  # the same, storing a new system prompt
    count: Any
    insert: Any


@cache
def _statements(scoped: bool) -> _Turn:
    t, m = tables.threads, tables.thread_messages
    where = [t.c.project_id == bindparam("p"), t.c.id == bindparam("t")]
    if scoped:
        where.append(t.c.user_id == bindparam("u"))
    free = or_(t.c.busy_until.is_(None), t.c.busy_until < bindparam("now"))
    holder = t.c.busy_token == bindparam("token")
    release = (
        update(t)
        .where(*where, holder)
        .values(
            message_count=t.c.message_count + bindparam("added"),
            updated_at=bindparam("updated"),
            busy_token=None,
            busy_until=None,
        )
    )
    return _Turn(
        claim=update(t)
        .where(*where, free)
        .values(busy_token=bindparam("new_token"), busy_until=bindparam("until")),
        find=select(t).where(*where),
        history=select(m.c.message)
        .where(m.c.project_id == bindparam("p"), m.c.thread_id == bindparam("t"))
        .order_by(m.c.seq),
        release=release,
        release_system=release.values(system=bindparam("system")),
        count=select(t.c.message_count).where(*where),
        insert=insert(m),
    )


def _params(key: ThreadKey, **more: Any) -> dict[str, Any]:
    params = {"p": key.project_id, "t": key.thread_id, **more}
    if key.user_id is not None:
        params["u"] = key.user_id
    return params


def _new_thread(
    key: ThreadKey, now: datetime, metadata: dict[str, Any], lease: Lease | None
) -> dict[str, Any]:
    return {
        "project_id": key.project_id,
        "id": key.thread_id,
        "user_id": key.user_id,
        "system": "[]",
        "metadata": orjson.dumps(metadata).decode(),
        "message_count": 0,
        "busy_token": lease.token if lease else None,
        "busy_until": lease.until if lease else None,
        "created_at": now,
        "updated_at": now,
    }


def _refuse_if_taken(connection: Connection, key: ThreadKey) -> None:
    """Raises unless the thread is absent: another user's is missing, the caller's is busy."""
    t = tables.threads
    owner = connection.execute(
        select(t.c.user_id).where(t.c.project_id == key.project_id, t.c.id == key.thread_id)
    ).scalar()
    if owner is not None and owner != key.user_id:
        raise _missing(key)
    if owner is not None:
        raise Conflict(
            f"Thread {key.thread_id!r} is busy with another request; retry when it completes.",
            code="thread_busy",
            param="thread_id",
        )


def _history(connection: Connection, key: ThreadKey) -> list[Message]:
    """The messages alone, in order: what a turn sends (pages read the rest)."""
    statement = _statements(key.user_id is not None).history
    return [orjson.loads(text) for text in connection.execute(statement, _params(key)).scalars()]


class ThreadQueries:
    engine: Engine

    def claim_thread(self, key: ThreadKey, lease: Lease) -> tuple[ThreadRecord, list[Message]]:
        """Take the thread's lease (creating the thread if new) and read it whole.

        Raises ``NotFound`` for another user's thread, ``Conflict`` while another turn
        holds an unexpired lease.
        """
        try:
            return self._claim(key, lease)
        except IntegrityError:  # a concurrent first turn created it: now it exists
            return self._claim(key, lease)

    def _claim(self, key: ThreadKey, lease: Lease) -> tuple[ThreadRecord, list[Message]]:
        t = tables.threads
        claim = _statements(key.user_id is not None).claim
        params = _params(key, now=lease.now, new_token=lease.token, until=lease.until)
        with self.engine.begin() as connection:
            claimed = connection.execute(claim, params).rowcount
            if not claimed:
                _refuse_if_taken(connection, key)
                connection.execute(insert(t).values(**_new_thread(key, lease.now, {}, lease)))
            return _find(connection, key), _history(connection, key)

    def append_thread(
        self,
        key: ThreadKey,
        lease: Lease,
        messages: Sequence[Message],
        system: Sequence[Message] | None,
    ) -> bool:
        """Append and release in one transaction; False (nothing written) if the lease was lost."""
        turn = _statements(key.user_id is not None)
        params = _params(key, token=lease.token, added=len(messages), updated=lease.now)
        release = turn.release
        if system is not None:
            release, params["system"] = turn.release_system, orjson.dumps(list(system)).decode()
        with self.engine.begin() as connection:
            if not connection.execute(release, params).rowcount:
                return False
            count = connection.execute(turn.count, _params(key)).scalar_one()
            first = count - len(messages) + 1
            if messages:
                connection.execute(
                    turn.insert,
                    [
                        {
                            "project_id": key.project_id,
                            "thread_id": key.thread_id,
                            "seq": first + i,
                            "role": str(message.get("role", "")),
                            "created_at": lease.now,
                            "message": orjson.dumps(message).decode(),
                        }
                        for i, message in enumerate(messages)
                    ],
                )
        return True

    def release_thread(self, key: ThreadKey, token: str) -> None:
        t = tables.threads
        with self.engine.begin() as connection:
            connection.execute(
                update(t)
                .where(*_where(key), t.c.busy_token == token)
                .values(busy_token=None, busy_until=None)
            )

    def create_thread(
        self, key: ThreadKey, metadata: dict[str, Any], now: datetime
    ) -> ThreadRecord:
        row = _new_thread(key, now, metadata, None)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(tables.threads).values(**row))
                return _find(connection, key)
        except IntegrityError as exc:
            self.get_thread(key)  # another user's id: NotFound, as if it did not exist
            raise Conflict(f"Thread {key.thread_id!r} already exists.", param="id") from exc

    def get_thread(self, key: ThreadKey) -> ThreadRecord:
        with self.engine.connect() as connection:
            return _find(connection, key)

    def thread_messages(self, key: ThreadKey, page: PageQuery) -> list[MessageRecord]:
        """Up to ``page.limit`` messages in seq order; NotFound for a thread not the caller's."""
        m = tables.thread_messages
        statement = select(m).where(
            m.c.project_id == key.project_id, m.c.thread_id == key.thread_id
        )
        if page.after is not None:
            statement = statement.where(m.c.seq > page.after)
        if page.before is not None:
            statement = statement.where(m.c.seq < page.before)
        order = m.c.seq.desc() if page.descending else m.c.seq
        with self.engine.connect() as connection:
            _find(connection, key)
            rows = connection.execute(statement.order_by(order).limit(page.limit))
            return [_message(row) for row in rows]

    def find_threads(
        self, project_id: str, user_id: str | None = None, limit: int = 50
    ) -> list[ThreadRecord]:
        """The project's threads (of one user, if given), most recently updated first."""
        t = tables.threads
        statement = select(t).where(t.c.project_id == project_id)
        if user_id is not None:
            statement = statement.where(t.c.user_id == user_id)
        statement = statement.order_by(t.c.updated_at.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_thread(row) for row in connection.execute(statement)]

    def delete_thread(self, key: ThreadKey) -> None:
        with self.engine.begin() as connection:
            _find(connection, key)
            _delete_threads(connection, key.project_id, [key.thread_id])

    def delete_threads_before(self, project_id: str, cutoff: datetime) -> int:
        """Deletes the project's threads last updated before ``cutoff``; how many went."""
        t = tables.threads
        deleted = 0
        while True:
            with self.engine.begin() as connection:
                ids = list(
                    connection.execute(
                        select(t.c.id)
                        .where(t.c.project_id == project_id, t.c.updated_at < cutoff)
                        .limit(_SWEEP_CHUNK)
                    ).scalars()
                )
                _delete_threads(connection, project_id, ids)
            deleted += len(ids)
            if len(ids) < _SWEEP_CHUNK:
                return deleted


def _delete_threads(connection: Connection, project_id: str, ids: list[str]) -> None:
    if not ids:
        return
    m, t = tables.thread_messages, tables.threads
    connection.execute(delete(m).where(m.c.project_id == project_id, m.c.thread_id.in_(ids)))
    connection.execute(delete(t).where(t.c.project_id == project_id, t.c.id.in_(ids)))
