"""The audit log on SQLite and PostgreSQL: appended, paged newest first, never changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from behest.gateway.store import Database
from behest.gateway.store.audit_queries import AuditEntry


def _entry(n: int) -> AuditEntry:
    return AuditEntry("admin", f"POST /admin/v1/x{n}", {"project": f"p{n}"}, 201, f"req_{n}")


def test_entries_page_newest_first(db: Database) -> None:
    for n in range(5):
        db.append_audit(_entry(n))
    first = db.list_audit(limit=2)
    assert [entry.action for entry in first] == ["POST /admin/v1/x4", "POST /admin/v1/x3"]
    rest = db.list_audit(limit=10, before=first[-1].id)
    assert [entry.target["project"] for entry in rest] == ["p2", "p1", "p0"]
    assert rest[0].public()["at"] is not None


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_the_log_refuses_updates_and_deletes(db: Database, statement: str) -> None:
    db.append_audit(_entry(1))
    with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as connection:
        connection.execute(sa.text(statement))
    assert [entry.actor for entry in db.list_audit()] == ["admin"]
