"""Persistent conversations (``X-Thread-Id``): storage rules, context policy, replies."""

from behest.gateway.store.threads_queries import MessageRecord, PageQuery, ThreadKey, ThreadRecord
from behest.gateway.threads.context import context_budget, estimate_tokens, trim_to_budget
from behest.gateway.threads.reply import StreamedReply, reply_message
from behest.gateway.threads.service import (
    ThreadService,
    Turn,
    check_thread_id,
    sweep_forever,
)

__all__ = [
    "MessageRecord",
    "PageQuery",
    "StreamedReply",
    "ThreadKey",
    "ThreadRecord",
    "ThreadService",
    "Turn",
    "check_thread_id",
    "context_budget",
    "estimate_tokens",
    "reply_message",
    "sweep_forever",
    "trim_to_budget",
]
