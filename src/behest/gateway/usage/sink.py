"""The batched usage sink: ``record`` never waits, a background task writes in batches.

- ``record(rec)`` appends to an in-memory queue and returns at once (the hot path).
- A task writes a batch when ``batch_size`` records are waiting or every ``interval_s``,
  each batch one ``write`` call (one executemany and one aggregate upsert) in a thread.
- A failed write keeps the batch at the head of the queue and is retried with
  exponential backoff; records wait in memory up to ``max_pending``, beyond which the
  oldest are dropped and counted (``dropped``), with an error logged.
- ``close()`` stops the task and writes everything still queued (retrying until
  ``close_timeout_s``), so a graceful shutdown loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from behest.gateway.store.usage_record import UsageRecord

log = logging.getLogger("behest.usage")
Writer = Callable[[Sequence[UsageRecord]], None]


@dataclass(frozen=True, slots=True)
class SinkOptions:
    batch_size: int = 500
    interval_s: float = 1.0
    max_pending: int = 200_000
    backoff_s: float = 0.2
    max_backoff_s: float = 10.0
    close_timeout_s: float = 30.0


class UsageSink:
    def __init__(self, write: Writer, options: SinkOptions | None = None) -> None:
        self._write = write
        self.options = options or SinkOptions()
        self._queue: deque[UsageRecord] = deque()
        self._wake = asyncio.Event()  # a full batch is waiting
        self._stop = asyncio.Event()  # close() was called
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.written = 0
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._queue)

    def record(self, record: UsageRecord) -> None:
        """Queue one record; never blocks, never raises for the caller."""
        self._queue.append(record)
        overflow = len(self._queue) - self.options.max_pending
        if overflow > 0:
            for _ in range(overflow):
                self._queue.popleft()
            self.dropped += overflow
            log.error(
                "usage sink over %d pending records: dropped %d (total %d)",
                self.options.max_pending,
                overflow,
                self.dropped,
            )
        if len(self._queue) >= self.options.batch_size:
            self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="usage-sink")

    async def close(self) -> None:
        """Stop the background task (after its batch in flight) and write every queued record."""
        self._closing = True
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        loop = asyncio.get_running_loop()
        await self._drain(loop.time() + self.options.close_timeout_s)
        if self._queue:
            log.error("usage sink closed with %d records unwritten", len(self._queue))

    async def _run(self) -> None:
        while not self._closing:
            await self._pause(self._wake, self.options.interval_s)
            self._wake.clear()
            await self._drain(None)

    @staticmethod
    async def _pause(event: asyncio.Event, seconds: float) -> None:
        """Sleep, but wake early when ``event`` is set."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def _drain(self, deadline: float | None) -> None:
        """Write batches until the queue is empty; retry failures with backoff.

        Without a deadline (the background task) it gives up the retries to close();
        with one (close) it retries until the deadline.
        """
        delay = self.options.backoff_s
        loop = asyncio.get_running_loop()
        while self._queue:
            if await self._flush_batch():
                delay = self.options.backoff_s
                continue
            if deadline is None and self._closing:
                return
            if deadline is not None and loop.time() + delay > deadline:
                return
            await self._pause(self._stop if deadline is None else asyncio.Event(), delay)
            delay = min(delay * 2, self.options.max_backoff_s)

    async def _flush_batch(self) -> bool:
        size = min(self.options.batch_size, len(self._queue))
        batch = [self._queue.popleft() for _ in range(size)]
        try:
            await asyncio.to_thread(self._write, batch)
        except Exception:  # the database is down or refused: keep the batch and retry
            log.exception("writing %d usage records failed; will retry", len(batch))
            self._queue.extendleft(reversed(batch))
            return False
        self.written += len(batch)
        return True
