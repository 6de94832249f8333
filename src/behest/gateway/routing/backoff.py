"""How long to wait before retrying the same target: jittered exponential backoff that
honours the provider's ``Retry-After`` up to the configured cap.

Pure functions of their inputs (the jitter is passed in), so the bounds can be proven
by property tests: a delay is never negative and never above ``retries.max_ms``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from behest.gateway.routing.policy import Retries


def retry_after_s(headers: Mapping[str, str], now_epoch_s: float) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), else None."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now_epoch_s
        except (TypeError, ValueError, IndexError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def backoff_s(
    retry: int, retries: Retries, retry_after: float | None, jitter: float
) -> float | None:
    """The delay before retry number ``retry`` (0-based); None when not to retry here.

    ``jitter`` is uniform in [0, 1): "equal jitter", half the exponential step fixed and
    half random, so concurrent retries spread out yet none retries at once. A
    ``Retry-After`` is obeyed as is when within the cap; beyond it the target said it
    will not be ready in time, so the call moves on (None) instead of retrying early.
    """
    cap = retries.max_ms / 1000
    if retry_after is not None:
        return retry_after if retry_after <= cap else None
    step = min(cap, retries.base_ms / 1000 * 2.0 ** min(retry, 32))
    return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)
