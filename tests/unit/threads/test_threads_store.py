"""Threads on SQLite and PostgreSQL: turns, tenancy, the lease across replicas, retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from behest.gateway.errors import Conflict, InvalidRequest, NotFound
from behest.gateway.store import Database
from behest.gateway.threads import PageQuery, ThreadKey, ThreadService

SYSTEM = {"role": "system", "content": "Be brief."}


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


async def turn(
    service: ThreadService,
    text: str,
    *,
    system: bool = False,
    thread: str = "t1",
    who: str = "alice",
) -> list[dict[str, str]]:
    messages = ([SYSTEM] if system else []) + [user(text)]
    held = await service.begin("proj_a", who, thread, messages)
    sent = held.conversation()
    await held.commit(sent, [assistant("re: " + text)])
    return sent


async def test_turns_append_in_order_and_history_is_prepended(service: ThreadService) -> None:
    first = await turn(service, "one", system=True)
    assert first == [SYSTEM, user("one")]
    second = await turn(service, "two")
    assert second == [SYSTEM, user("one"), assistant("re: one"), user("two")]
    key = ThreadKey("proj_a", "t1", "alice")
    info = await service.get(key)
    assert (info.message_count, info.system, info.busy_until) == (4, [SYSTEM], None)
    stored = await service.messages(key, PageQuery(limit=10))
    assert [m.seq for m in stored] == [1, 2, 3, 4]
    assert stored[3].message == assistant("re: two")


async def test_a_new_system_prompt_replaces_the_stored_one(service: ThreadService) -> None:
    await turn(service, "one", system=True)
    other = {"role": "system", "content": "Be verbose."}
    held = await service.begin("proj_a", "alice", "t1", [other, user("two")])
    assert held.conversation()[0] == other
    await held.commit(held.conversation(), [assistant("ok")])
    assert (await service.get(ThreadKey("proj_a", "t1", None))).system == [other]


async def test_the_stored_text_is_what_the_pipeline_hands_over(service: ThreadService) -> None:
    held = await service.begin("proj_a", "alice", "t1", [user("mail bob@example.com")])
    redacted = [user("mail [EMAIL_1]")]
    await held.commit(redacted, [assistant("sent to [EMAIL_1]")])
    stored = await service.messages(ThreadKey("proj_a", "t1", "alice"), PageQuery())
    assert [m.message["content"] for m in stored] == ["mail [EMAIL_1]", "sent to [EMAIL_1]"]


async def test_a_failed_reply_appends_nothing_and_frees_the_thread(service: ThreadService) -> None:
    await turn(service, "one")
    held = await service.begin("proj_a", "alice", "t1", [user("two")])
    await held.abort()
    await held.commit(held.conversation(), [assistant("late")])  # ignored after abort
    key = ThreadKey("proj_a", "t1", "alice")
    assert (await service.get(key)).message_count == 2
    await turn(service, "two again")
    assert (await service.get(key)).message_count == 4


async def test_other_users_and_projects_never_see_a_thread(service: ThreadService) -> None:
    await turn(service, "secret")
    with pytest.raises(NotFound):
        await service.begin("proj_a", "mallory", "t1", [user("hi")])
    for key in (ThreadKey("proj_a", "t1", "mallory"), ThreadKey("proj_b", "t1", None)):
        with pytest.raises(NotFound):
            await service.get(key)
        with pytest.raises(NotFound):
            await service.messages(key, PageQuery())
        with pytest.raises(NotFound):
            await service.delete(key)
    other_project = await service.begin("proj_b", "alice", "t1", [user("hi")])
    assert other_project.history == []  # the same id elsewhere is another thread
    await other_project.abort()


async def test_a_busy_thread_answers_409_from_another_replica(database_url: str) -> None:
    replicas = [Database(database_url), Database(database_url)]
    replicas[0].migrate()
    one, two = (ThreadService(db, lease_s=60) for db in replicas)
    try:
        held = await one.begin("proj_a", "alice", "t1", [user("one")])
        with pytest.raises(Conflict) as caught:
            await two.begin("proj_a", "alice", "t1", [user("two")])
        assert (caught.value.status, caught.value.code) == (409, "thread_busy")
        await held.commit(held.conversation(), [assistant("done")])
        again = await two.begin("proj_a", "alice", "t1", [user("two")])
        assert again.history == [user("one"), assistant("done")]
        await again.abort()
    finally:
        for db in replicas:
            db.close()


async def test_concurrent_turns_never_interleave(database_url: str) -> None:
    replicas = [Database(database_url), Database(database_url)]
    replicas[0].migrate()
    services = [ThreadService(db, lease_s=60) for db in replicas]

    async def attempt(index: int) -> bool:
        try:
            await turn(services[index % 2], f"m{index}")
        except Conflict:
            return False
        return True

    try:
        results = await asyncio.gather(*(attempt(i) for i in range(8)))
        stored = await services[0].messages(
            ThreadKey("proj_a", "t1", "alice"), PageQuery(limit=100)
        )
        assert len(stored) == 2 * sum(results) and any(results)
        for ask, answer in zip(stored[::2], stored[1::2], strict=True):
            assert answer.message["content"] == "re: " + ask.message["content"]
    finally:
        for db in replicas:
            db.close()


async def test_an_expired_lease_lets_the_next_turn_in(db: Database) -> None:
    clock = [datetime(2025, 1, 1, tzinfo=UTC)]
    service = ThreadService(db, lease_s=30, clock=lambda: clock[0])
    stuck = await service.begin("proj_a", "alice", "t1", [user("one")])
    clock[0] += timedelta(seconds=31)
    held = await service.begin("proj_a", "alice", "t1", [user("two")])
    assert not await stuck.commit(stuck.conversation(), [assistant("too late")])
    assert await held.commit(held.conversation(), [assistant("ok")])
    stored = await service.messages(ThreadKey("proj_a", "t1", "alice"), PageQuery())
    assert [m.message["content"] for m in stored] == ["two", "ok"]


async def test_explicit_creation_and_pagination(service: ThreadService) -> None:
    created = await service.create("proj_a", "alice", "t1", {"topic": "x"})
    assert (created.id, created.metadata, created.message_count) == ("t1", {"topic": "x"}, 0)
    with pytest.raises(Conflict):
        await service.create("proj_a", "alice", "t1")
    with pytest.raises(NotFound):
        await service.create("proj_a", "bob", "t1")
    generated = await service.create("proj_a", "alice")
    assert generated.id.startswith("thread_")
    for index in range(5):
        await turn(service, f"m{index}")
    key = ThreadKey("proj_a", "t1", "alice")
    page = await service.messages(key, PageQuery(limit=3, after=2))
    assert [m.seq for m in page] == [3, 4, 5]
    page = await service.messages(key, PageQuery(limit=3, before=9, descending=True))
    assert [m.seq for m in page] == [8, 7, 6]
    with pytest.raises(InvalidRequest):
        await service.begin("proj_a", "alice", "bad id!", [user("x")])


async def test_delete_and_the_retention_sweep(db: Database) -> None:
    clock = [datetime(2025, 1, 1, tzinfo=UTC)]
    service = ThreadService(db, clock=lambda: clock[0])
    await turn(service, "old", thread="old")
    clock[0] += timedelta(days=10)
    await turn(service, "new", thread="new")
    await service.create("proj_b", "alice", "old")
    assert await service.sweep({"proj_a": 5}) == 1
    with pytest.raises(NotFound):
        await service.get(ThreadKey("proj_a", "old", None))
    assert (await service.get(ThreadKey("proj_a", "new", None))).message_count == 2
    assert (await service.get(ThreadKey("proj_b", "old", None))).id == "old"
    await service.delete(ThreadKey("proj_a", "new", "alice"))
    with pytest.raises(NotFound):
        await service.messages(ThreadKey("proj_a", "new", None), PageQuery())
