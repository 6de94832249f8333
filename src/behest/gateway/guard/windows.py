"""Run a costly pattern only where it can match: near the anchors every match must contain.

``finditer_near(pattern, text, anchors, reach)`` yields exactly what
``pattern.finditer(text)`` yields when every match of ``pattern`` contains an anchor (an
occurrence of one of ``anchors``), and every way the pattern can try to match, from any
start, crosses fewer than ``reach`` gaps (runs of spaces, tabs and commas). Each anchor
then opens a region of ``reach`` gaps either side; the pattern scans the regions only, so
text far from any anchor costs a ``str.find``, not a regular-expression attempt per
character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_CHUNK = re.compile(r"[^ \t,]*")
_AROUND = {n: re.compile(rf"[^ \t,]*(?:[ \t,]+[^ \t,]*){{0,{n}}}") for n in range(1, 16)}
_DIGITS = re.compile(r"\d+")


def digit_positions(text: str) -> Iterator[int]:
    """Where each run of digits starts (an anchor for patterns that need a digit)."""
    return (m.start() for m in _DIGITS.finditer(text))


def literal_positions(text: str, literals: Iterable[str]) -> list[int]:
    """Every start of every literal in ``text``, sorted."""
    found = []
    for literal in literals:
        at = text.find(literal)
        while at >= 0:
            found.append(at)
            at = text.find(literal, at + 1)
    found.sort()
    return found


def regions(text: str, anchors: Iterable[int], reach: int) -> list[tuple[int, int]]:
    """Merged ``[start, end)`` spans ``reach`` gaps around each anchor position (sorted).

    Anchors in one chunk (text between gaps) open the same span, so each chunk is looked
    at once: linear in the text however many anchors it holds.
    """
    around = _AROUND[reach]
    mirror: str | None = None
    spans: list[tuple[int, int]] = []
    chunk_end = -1
    for at in anchors:
        if at < chunk_end:
            continue
        chunk_end = _end(_CHUNK, text, at, len(text))
        end = _end(around, text, chunk_end, len(text))
        if spans and at < spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
            continue
        mirror = text[::-1] if mirror is None else mirror
        floor = spans[-1][1] if spans else 0
        back = _end(around, mirror, len(text) - at, len(text) - floor)
        if spans and len(text) - back <= floor:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((len(text) - back, end))
    return spans


def _end(pattern: re.Pattern[str], text: str, pos: int, endpos: int) -> int:
    """Where ``pattern`` (which may match empty) stops when matched at ``pos``."""
    found = pattern.match(text, pos, endpos)
    return found.end() if found else pos


def finditer_near(
    pattern: re.Pattern[str], text: str, anchors: Iterable[int], reach: int
) -> Iterator[re.Match[str]]:
    for start, end in regions(text, anchors, reach):
        yield from pattern.finditer(text, start, end)
