"""One usage record per request: who, which model, how many tokens, what it cost, how it went.

Plain data with no dependencies, so the store can write it and the pipeline can build it.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NANO = 1_000_000_000  # cost is stored as integer nano-USD so that sums stay exact


def _now() -> datetime:
    return datetime.now(UTC)


# a random prefix per process and a counter below it: unique, and no system call per id
_PROCESS = secrets.token_hex(8)
_SEQUENCE = itertools.count()


def _new_process_prefix() -> None:
    global _PROCESS, _SEQUENCE
    _PROCESS, _SEQUENCE = secrets.token_hex(8), itertools.count()


os.register_at_fork(after_in_child=_new_process_prefix)  # forked workers get their own


def _record_id() -> str:
    return f"{_PROCESS}{next(_SEQUENCE):016x}"


@dataclass(frozen=True, slots=True)
class TokenCounts:
    input: int = 0  # prompt tokens, cached included
    output: int = 0  # completion tokens, reasoning included
    cached: int = 0
    reasoning: int = 0

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any] | None) -> TokenCounts:
        """The counts of an OpenAI ``usage`` object (chat or embeddings); zeros for None."""
        if not usage:
            return cls()
        prompt_details = usage.get("prompt_tokens_details") or {}
        completion_details = usage.get("completion_tokens_details") or {}
        return cls(
            input=int(usage.get("prompt_tokens") or 0),
            output=int(usage.get("completion_tokens") or 0),
            cached=int(prompt_details.get("cached_tokens") or 0),
            reasoning=int(completion_details.get("reasoning_tokens") or 0),
        )


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """What the settle stage books; ``model_served``/``provider``/``credential_id`` stay
    empty when no target answered (a request refused before or at the upstream)."""

    request_id: str
    project_id: str
    user_id: str
    session_id: str
    model_requested: str
    model_served: str = ""
    provider: str = ""
    credential_id: str = ""
    thread_id: str | None = None
    tokens: TokenCounts = TokenCounts()
    cost_usd: float = 0.0
    latency_ms: int = 0
    ttft_ms: int | None = None  # streams only: the first content byte relayed
    status: int = 200  # the HTTP status the client saw (499: the client went away)
    error_type: str | None = None  # the OpenAI error type, when status >= 400
    guardrail: str = "none"  # the guard report's outcome: none / detect / redact / block
    rate_limit: str = "admitted"  # admitted / limited / budget
    stream: bool = False
    attempts: int = 0  # upstream calls made (retries and fallbacks included); 0: none served
    route: str = ""  # why the target that served did: primary, fallback:upstream_500, …
    created_at: datetime = field(default_factory=_now)
    # made by the gateway when the record is built, so that a batch written again after a
    # lost acknowledgement is recognised (request ids come from clients and may repeat)
    record_id: str = field(default_factory=_record_id)

    @property
    def cost_nano_usd(self) -> int:
        return round(self.cost_usd * NANO)

    @property
    def day(self) -> str:
        """The UTC day the aggregates book the record under."""
        return self.created_at.astimezone(UTC).date().isoformat()

    @property
    def model_key(self) -> str:
        """The model the reports group by: the one served, else the one asked for."""
        return self.model_served or self.model_requested

    @property
    def failed(self) -> bool:
        return self.status >= 400
