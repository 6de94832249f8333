"""The audit log: appended to, read newest first a page at a time, never changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Engine, insert, select

from behest.gateway.store import tables


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what, when; ``target`` holds the ids of the route, never a request body."""

    actor: str
    action: str
    target: dict[str, str]
    status: int
    request_id: str
    ip: str = ""
    at: datetime | None = None
    id: int | None = None

    def public(self) -> dict[str, object]:
        at = self.at.replace(tzinfo=UTC) if self.at and self.at.tzinfo is None else self.at
        return {
            "id": self.id,
            "at": at.isoformat() if at else None,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "status": self.status,
            "request_id": self.request_id,
            "ip": self.ip,
        }


class AuditQueries:
    engine: Engine

    def append_audit(self, entry: AuditEntry) -> None:
        values = {
            "at": entry.at or datetime.now(UTC),
            "actor": entry.actor[:200],
            "action": entry.action[:200],
            "target": orjson.dumps(entry.target).decode(),
            "status": entry.status,
            "request_id": entry.request_id[:128],
            "ip": entry.ip[:64],
        }
        with self.engine.begin() as connection:
            connection.execute(insert(tables.audit_log).values(**values))

    def list_audit(self, limit: int = 100, before: int | None = None) -> list[AuditEntry]:
        """Newest first; ``before`` is the ``id`` of the last entry of the previous page."""
        log = tables.audit_log
        query = select(log).order_by(log.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(log.c.id < before)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            AuditEntry(
                actor=row.actor,
                action=row.action,
                target=orjson.loads(row.target),
                status=row.status,
                request_id=row.request_id,
                ip=row.ip,
                at=row.at,
                id=row.id,
            )
            for row in rows
        ]
