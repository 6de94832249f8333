"""Run a costly pattern only where it can match.

Detectors find cheap anchors first (runs of digits, literals such as ``@`` or ``://``,
found with ``str.find``), turn them into the positions where a match can start
(``run_starts``, ``literal_starts``), and try the pattern there only (``match_at``):
text far from any anchor costs a ``str.find``, not a regular-expression attempt per
character. Each helper yields exactly what a whole-text scan would, under the condition
its docstring states.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

_DIGITS = re.compile(r"\d+")


# ASCII bytes to their shape: a digit to "1", anything else to a space
_DIGIT_SHAPE = bytes(49 if 48 <= byte <= 57 else 32 for byte in range(256))


@lru_cache(maxsize=2)
def digit_starts(text: str) -> tuple[int, ...]:
    """Where each run of decimal digits starts, sorted; several detectors ask for one text."""
    return tuple(start for start, _ in digit_runs(text))


@lru_cache(maxsize=2)
def digit_runs(text: str) -> tuple[tuple[int, int], ...]:
    """Where each run of decimal digits starts and ends, sorted."""
    if not text.isascii():  # other decimal digits exist; the pattern knows them all
        return tuple((m.start(), m.end()) for m in _DIGITS.finditer(text))
    shape = text.encode().translate(_DIGIT_SHAPE)
    runs = []
    at = shape.find(b"1")
    while at >= 0:
        end = shape.find(b" ", at)
        if end < 0:
            runs.append((at, len(text)))
            break
        runs.append((at, end))
        at = shape.find(b"1", end)
    return tuple(runs)


# what stands between the digits of a number: a card's, a phone number's, an IP address's
NUMBER_JOINERS = " .-()+"


@lru_cache(maxsize=2)
def digit_stretches(text: str) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """The runs of digits grouped into stretches of digits and ``NUMBER_JOINERS``: how
    many digits each stretch holds, and where its runs start."""
    stretches: list[tuple[int, tuple[int, ...]]] = []
    group: list[int] = []
    count, last_end = 0, 0
    for start, end in digit_runs(text):
        if group and text[last_end:start].strip(NUMBER_JOINERS):  # another character between
            stretches.append((count, tuple(group)))
            group, count = [], 0
        group.append(start)
        count += end - start
        last_end = end
    if group:
        stretches.append((count, tuple(group)))
    return tuple(stretches)


def dense_digit_starts(text: str, least: int) -> list[int]:
    """The starts of the runs of digits (sorted) in stretches that hold at least ``least``
    digits. A pattern whose matches hold only digits and ``NUMBER_JOINERS`` (or fewer of
    them), at least ``least`` digits, can start at no other run."""
    return [at for count, starts in digit_stretches(text) if count >= least for at in starts]


@lru_cache(maxsize=2)
def lowered(text: str) -> str:
    """``text.lower()``, which several detectors read."""
    return text.lower()


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


def _end(pattern: re.Pattern[str], text: str, pos: int, endpos: int) -> int:
    """Where ``pattern`` (which may match empty) stops when matched at ``pos``."""
    found = pattern.match(text, pos, endpos)
    return found.end() if found else pos
