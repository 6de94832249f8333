"""What every detector returns: spans of text with a type and a score."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """``text[start:end]`` is an entity of ``type`` (e.g. ``EMAIL``) with confidence ``score``."""

    start: int
    end: int
    type: str
    score: float

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the best of overlapping findings (score, then length), sorted by position."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    # The kept spans never overlap, so sorted by (start, end) their ends rise too: of those
    # starting before a finding ends, only the last can reach past its start.
    spans: list[tuple[int, int]] = []
    for finding in ranked:
        before = bisect_left(spans, finding.end, key=_start) - 1
        if before < 0 or spans[before][1] <= finding.start:
            kept.append(finding)
            insort(spans, (finding.start, finding.end))
    return sorted(kept, key=lambda f: f.start)


def _start(span: tuple[int, int]) -> int:
    return span[0]
