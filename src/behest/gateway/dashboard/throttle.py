"""Failed sign-ins per client IP: after :data:`LIMIT` in :data:`WINDOW_S`, refuse (429).

An attempt is counted when it starts (:meth:`SignInThrottle.reserve`, before its body is
read), not when it fails: otherwise many slow requests started together would all pass
the check before any of them failed. A success clears the count; an attempt that never
got to the token check gives its slot back (:meth:`SignInThrottle.release`).

Kept in process memory: with N workers an attacker gets at most N times the limit,
which is still a handful of guesses a minute against a 256-bit admin token.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

LIMIT = 5
WINDOW_S = 60.0
_MAX_IPS = 10_000


class SignInThrottle:
    def __init__(
        self,
        limit: int = LIMIT,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, ip: str) -> int:
        """Seconds until ``ip`` may try again; 0 when it may now."""
        failures = self._recent(ip)
        if len(failures) < self.limit:
            return 0
        return max(1, round(failures[0] + self.window_s - self.clock()))

    def reserve(self, ip: str) -> int:
        """Counts an attempt by ``ip`` as failed until it succeeds: 0 when it may go on,
        else the seconds to wait (and nothing is counted)."""
        wait = self.retry_after(ip)
        if not wait:
            self.failed(ip)
        return wait

    def release(self, ip: str) -> None:
        """Gives back a reserved attempt that never tried a token."""
        failures = self._failures.get(ip)
        if failures:
            failures.pop()

    def failed(self, ip: str) -> None:
        if len(self._failures) >= _MAX_IPS:
            self._forget_idle()
        self._failures.setdefault(ip, deque(maxlen=self.limit)).append(self.clock())

    def succeeded(self, ip: str) -> None:
        self._failures.pop(ip, None)

    def _recent(self, ip: str) -> deque[float]:
        failures = self._failures.get(ip, deque())
        cutoff = self.clock() - self.window_s
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def _forget_idle(self) -> None:
        for ip in list(self._failures):
            if not self._recent(ip):
                del self._failures[ip]
