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
from functools import lru_cache

_CHUNK = re.compile(r"[^ \t,]*")
_AROUND = {n: re.compile(rf"[^ \t,]*(?:[ \t,]+[^ \t,]*){{0,{n}}}") for n in range(1, 16)}
_DIGITS = re.compile(r"\d+")


def digit_positions(text: str) -> Iterator[int]:
    """Where each run of digits starts (an anchor for patterns that need a digit)."""
    return iter(digit_starts(text))


@lru_cache(maxsize=2)
def digit_starts(text: str) -> tuple[int, ...]:
    """Where each run of decimal digits starts, sorted; several detectors ask for one text."""
    if not text.isascii():  # other decimal digits exist; the pattern knows them all
        return tuple(m.start() for m in _DIGITS.finditer(text))
    found = [at for digit in "0123456789" for at in _finds(text, digit)]
    found.sort()
    return tuple(at for at in found if at == 0 or not "0" <= text[at - 1] <= "9")


@lru_cache(maxsize=2)
def mirror(text: str) -> str:
    """``text`` reversed: a pattern matched at ``len(text) - at`` reads backwards from ``at``."""
    return text[::-1]


def run_starts(run: re.Pattern[str], text: str, ats: Iterable[int]) -> Iterator[int]:
    """For each of ``ats`` (sorted), where the longest stretch of ``run`` characters (a
    pattern ``[...]*``) that reaches it begins; one answer per stretch, so linear in the text."""
    end = -1
    for at in ats:
        if at < end:
            continue
        back = len(text) - at
        yield at - (_end(run, mirror(text), back, len(text)) - back)
        end = _end(run, text, at, len(text))


def literal_starts(text: str, literal: str) -> Iterator[int]:
    return _finds(text, literal)


def match_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` when every match of ``pattern`` (never empty) starts at one
    of ``starts``: the pattern is tried there only, in order, never inside a match it gave."""
    end = 0
    for start in sorted(set(starts)):
        if start >= end and (m := pattern.match(text, start)):
            yield m
            end = m.end()


def _finds(text: str, literal: str) -> Iterator[int]:
    at = text.find(literal)
    while at >= 0:
        yield at
        at = text.find(literal, at + 1)


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
