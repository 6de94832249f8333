"""The audit log the admin API and the dashboard write: one entry per admin change.

An entry names the actor, the action (method and route template), the ids in the route
and the outcome; never a request body, so never a key, token or setting value.
"""

from __future__ import annotations

import asyncio
import logging

from behest.gateway.store import Database
from behest.gateway.store.audit_queries import AuditEntry

log = logging.getLogger("behest.audit")

__all__ = ["AuditEntry", "AuditLog"]


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, entry: AuditEntry) -> None:
        """Appends ``entry``; a failed write is logged, the action it describes stands."""
        try:
            await asyncio.to_thread(self.db.append_audit, entry)
        except Exception:
            log.exception("audit entry not written: %s %s", entry.actor, entry.action)

    async def page(self, limit: int, before: int | None) -> list[AuditEntry]:
        return await asyncio.to_thread(self.db.list_audit, limit, before)
