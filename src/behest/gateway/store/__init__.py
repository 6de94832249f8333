"""Persistence: the only code that knows SQL.

Every query touching tenant data takes ``project_id``. SQLite (WAL) is the embedded
default, PostgreSQL the scale-out backend; the same queries serve both.
"""

from behest.gateway.store.db import Database
from behest.gateway.store.records import (
    ApiKeyRecord,
    CredentialRecord,
    ProjectRecord,
    SigningKeyRecord,
)

__all__ = ["ApiKeyRecord", "CredentialRecord", "Database", "ProjectRecord", "SigningKeyRecord"]
