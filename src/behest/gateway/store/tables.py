"""Table definitions, shared by queries and migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("settings", Text, nullable=False, default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("prefix", String(64), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),  # migration 0003
    Index("ix_api_keys_project", "project_id"),
)

credentials = Table(
    "provider_credentials",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("project_id", String(40), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("base_url", String(500), nullable=False, default=""),
    Column("models", Text, nullable=False, default="[]"),
    Column("settings", Text, nullable=False, default="{}"),
    Column("secret", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_credentials_project", "project_id"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(40), primary_key=True),
    Column("public_key", Text, nullable=False),
    Column("private_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=True),
)

config_version = Table(
    "config_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# threads and usage (migration 0002)

_ROW_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only

threads = Table(
    "threads",
    metadata,
    Column("project_id", String(40), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("user_id", String(256), nullable=False),
    Column("system", Text, nullable=False, default="[]"),  # JSON list: the latest system prompt
    Column("metadata", Text, nullable=False, default="{}"),
    Column("message_count", Integer, nullable=False, default=0),
    Column("busy_token", String(40), nullable=True),  # the lease: who may append now
    Column("busy_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_threads_project_updated", "project_id", "updated_at"),
)

thread_messages = Table(
    "thread_messages",
    metadata,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("project_id", String(40), nullable=False),
    Column("thread_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", String(32), nullable=False),
    Column("message", Text, nullable=False),  # the whole OpenAI message object as JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ux_thread_messages_seq", "project_id", "thread_id", "seq", unique=True),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False),
    Column("project_id", String(40), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("session_id", String(256), nullable=False),
    Column("thread_id", String(128), nullable=True),
    Column("model_requested", String(200), nullable=False),
    Column("model_served", String(200), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("credential_id", String(40), nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cached_tokens", BigInteger, nullable=False),
    Column("reasoning_tokens", BigInteger, nullable=False),
    Column("cost_nano_usd", BigInteger, nullable=False),  # USD * 1e9: sums stay exact
    Column("latency_ms", Integer, nullable=False),
    Column("ttft_ms", Integer, nullable=True),
    Column("status", Integer, nullable=False),
    Column("error_type", String(64), nullable=True),
    Column("guardrail", String(16), nullable=False),
    Column("rate_limit", String(16), nullable=False),
    Column("stream", Boolean, nullable=False),
    Column("day", String(10), nullable=False),  # UTC YYYY-MM-DD, the aggregates' key
    Column("created_at", DateTime(timezone=True), nullable=False),
    # the column order is the migrations': 0004 appended these two
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("route", String(64), nullable=False, server_default=""),
    Column("record_id", String(32), nullable=True),  # NULL for rows from before 0005
    Index("ix_usage_records_project_day", "project_id", "day"),
    Index("ux_usage_records_record_id", "record_id", unique=True),
    Index("ix_usage_records_project_user_day", "project_id", "user_id", "day"),
)

usage_daily = Table(
    "usage_daily",
    metadata,
    Column("project_id", String(40), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("user_id", String(256), primary_key=True),
    Column("requests", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cached_tokens", BigInteger, nullable=False),
    Column("reasoning_tokens", BigInteger, nullable=False),
    Column("cost_nano_usd", BigInteger, nullable=False),
    Index("ix_usage_daily_project_user_day", "project_id", "user_id", "day"),
)


# the audit log of admin actions (migration 0009): append-only, triggers refuse UPDATE/DELETE

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),  # "admin", "admin (previous token)", …
    Column("action", String(200), nullable=False),  # "POST /admin/v1/projects/{project}/keys"
    Column("target", Text, nullable=False, default="{}"),  # JSON: the route's ids
    Column("status", Integer, nullable=False),
    Column("request_id", String(128), nullable=False),
    Column("ip", String(64), nullable=False, default=""),
    Index("ix_audit_log_at", "at"),
)
