"""Threads, their messages, raw usage records and the daily usage aggregate.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
_COUNTS = ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost_nano_usd")


def _threads() -> None:
    op.create_table(
        "threads",
        sa.Column("project_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("system", sa.Text, nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("busy_token", sa.String(40), nullable=True),
        sa.Column("busy_until", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_threads_project_updated", "threads", ["project_id", "updated_at"])
    op.create_table(
        "thread_messages",
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(40), nullable=False),
        sa.Column("thread_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index(
        "ux_thread_messages_seq", "thread_messages", ["project_id", "thread_id", "seq"], unique=True
    )


def _usage() -> None:
    op.create_table(
        "usage_records",
        sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("project_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("session_id", sa.String(256), nullable=False),
        sa.Column("thread_id", sa.String(128), nullable=True),
        sa.Column("model_requested", sa.String(200), nullable=False),
        sa.Column("model_served", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("credential_id", sa.String(40), nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _COUNTS),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("ttft_ms", sa.Integer, nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("error_type", sa.String(64), nullable=True),
        sa.Column("guardrail", sa.String(16), nullable=False),
        sa.Column("rate_limit", sa.String(16), nullable=False),
        sa.Column("stream", sa.Boolean, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_usage_records_project_day", "usage_records", ["project_id", "day"])
    op.create_index(
        "ix_usage_records_project_user_day", "usage_records", ["project_id", "user_id", "day"]
    )
    op.create_table(
        "usage_daily",
        sa.Column("project_id", sa.String(40), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.String(256), primary_key=True),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("errors", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _COUNTS),
    )
    op.create_index(
        "ix_usage_daily_project_user_day", "usage_daily", ["project_id", "user_id", "day"]
    )


def upgrade() -> None:
    _threads()
    _usage()


def downgrade() -> None:
    for table in ("usage_daily", "usage_records", "thread_messages", "threads"):
        op.drop_table(table)
