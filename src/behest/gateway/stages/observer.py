"""What the pipeline tells an observer: each stage as it runs, each request once settled.

The default observes nothing and costs one attribute look-up and a shared null context
per stage; metrics and traces (``gateway/observability``) implement the same protocol.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from behest.gateway.stages.flight import Flight
from behest.gateway.store.usage_record import UsageRecord

_NOTHING: AbstractContextManager[None] = nullcontext()


class Observer(Protocol):
    def stage(self, name: str, flight: Flight) -> AbstractContextManager[None]: ...

    def settled(self, flight: Flight, record: UsageRecord, error: BaseException | None) -> None: ...


class NullObserver:
    def stage(self, name: str, flight: Flight) -> AbstractContextManager[None]:
        return _NOTHING

    def settled(self, flight: Flight, record: UsageRecord, error: BaseException | None) -> None:
        return None


NULL_OBSERVER = NullObserver()
