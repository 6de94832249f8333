"""One request in flight: what the stages learned, carried from admission to settlement."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import ProjectView
from behest.gateway.guard import GuardResult
from behest.gateway.limits import Admission
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.threads import Turn
from behest.gateway.upstream.dispatch import Route
from behest.gateway.usage.accounting import Estimate


@dataclass(slots=True)
class Flight:
    principal: Principal
    project: ProjectView
    call: Call
    started: float = field(default_factory=time.monotonic)
    guard: GuardResult | None = None
    defaulted: bool = False  # the call named no model; the project's default serves it
    targets: list[Target] = field(default_factory=list)
    chosen: str = ""  # a smart route's reason for the targets' order (auto:cost…); "" if none
    estimate: Estimate | None = None
    admission: Admission | None = None
    served_by: Target | None = None
    route: Route | None = None  # how the call was served: attempts, reason
    first_token_at: float | None = None
    usage: dict[str, Any] | None = None
    relayed_chars: int = 0
    status: int = 200
    error_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    turn: Turn | None = None
    cache_key: str | None = None  # a cache miss to fill once the answer is complete
    settled: bool = False

    def mark_first_token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
