"""Dashboard sessions: kept in the store (hashed id), expiring, ended by sign-out."""

from __future__ import annotations

import hashlib

from behest.gateway.dashboard.session import SESSION_TTL_S, Sessions
from behest.gateway.store import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_session_is_found_by_its_id_with_its_csrf_token(db: Database) -> None:
    sessions = Sessions(db)
    session = sessions.create()
    found = sessions.get(session.id)
    assert found == session
    assert len(session.id) >= 40 and len(session.csrf) >= 40 and session.id != session.csrf


def test_sessions_are_shared_by_every_process_on_the_database(db: Database) -> None:
    session = Sessions(db).create()
    assert Sessions(db).get(session.id) == session


def test_the_store_holds_a_hash_of_the_id_not_the_id(db: Database) -> None:
    session = Sessions(db).create()
    stored = db.meta_items("dashboard_session:")
    assert list(stored) == ["dashboard_session:" + hashlib.sha256(session.id.encode()).hexdigest()]
    assert session.id not in next(iter(stored.values()))


def test_unknown_empty_and_oversized_ids_have_no_session(db: Database) -> None:
    sessions = Sessions(db)
    sessions.create()
    assert sessions.get(None) is None
    assert sessions.get("") is None
    assert sessions.get("not-a-session") is None
    assert sessions.get("x" * 10_000) is None


def test_a_session_expires_after_its_lifetime() -> None:
    clock, store = Clock(), MemoryMeta()
    sessions = Sessions(store, clock=clock)
    session = sessions.create()
    clock.now += SESSION_TTL_S - 1
    assert sessions.get(session.id) == session
    clock.now += 1
    assert sessions.get(session.id) is None
    assert store.values == {}  # the expired row went with it


def test_a_session_signed_in_with_another_admin_token_is_refused(db: Database) -> None:
    session = Sessions(db, admin="fingerprint-of-the-old-token").create()
    assert Sessions(db, admin="fingerprint-of-the-old-token").get(session.id) == session
    assert Sessions(db, admin="fingerprint-of-the-new-token").get(session.id) is None
    assert Sessions(db).get(session.id) is None


def test_sign_out_ends_the_session(db: Database) -> None:
    sessions = Sessions(db)
    session = sessions.create()
    sessions.end(session.id)
    assert sessions.get(session.id) is None


def test_signing_in_purges_expired_sessions() -> None:
    clock, store = Clock(), MemoryMeta()
    sessions = Sessions(store, ttl_s=60, clock=clock)
    old = sessions.create()
    clock.now += 61
    new = sessions.create()
    assert len(store.values) == 1
    assert sessions.get(old.id) is None and sessions.get(new.id) == new


class MemoryMeta:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get_meta(self, key: str) -> str | None:
        return self.values.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete_meta(self, key: str) -> None:
        self.values.pop(key, None)

    def meta_items(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if k.startswith(prefix)}
