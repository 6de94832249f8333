"""Every occurrence of a fixed set of literals, found in one pass over a text.

A detector with hundreds of anchor substrings would pay one ``str.find`` over the whole
text per anchor (each a full scan when the anchor is absent, as most are). A
``LiteralIndex`` compiles the literals into one Aho-Corasick automaton (``ahocorasick_rs``,
a DFA) and ``scan`` reports where each of them occurs, overlaps included, so
``Occurrences.find`` answers exactly what ``str.find`` would for an indexed literal.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation

_LISTED = 4096  # beyond this many matches (a flood of one anchor) only presence is kept


@dataclass(frozen=True, slots=True)
class Occurrences:
    """Where each indexed literal starts in ``text`` (``starts`` is ``None`` past
    ``_LISTED`` matches; ``find`` then asks ``str.find`` for the literals present)."""

    text: str
    present: frozenset[str]
    starts: dict[str, list[int]] | None

    def __contains__(self, literal: str) -> bool:
        return literal in self.present

    def find(self, literal: str, start: int = 0) -> int:
        """``text.find(literal, start)``, for a literal of the index."""
        if literal not in self.present:
            return -1
        if self.starts is None:
            return self.text.find(literal, start)
        at = self.starts[literal]
        i = bisect_left(at, start)
        return at[i] if i < len(at) else -1


class LiteralIndex:
    def __init__(self, literals: Iterable[str]) -> None:
        self.literals = tuple(dict.fromkeys(literals))
        assert all(self.literals), "an empty literal occurs everywhere"
        self._automaton = AhoCorasick(self.literals, implementation=Implementation.DFA)
        self._ascii_literals = tuple(literal for literal in self.literals if literal.isascii())
        encoded = [literal.encode() for literal in self._ascii_literals]
        self._ascii = BytesAhoCorasick(encoded, implementation=Implementation.DFA)

    def scan(self, text: str) -> Occurrences:
        if text.isascii():  # bytes are then characters, and a bytes scan skips a conversion
            literals = self._ascii_literals
            matches = self._ascii.find_matches_as_indexes(text.encode(), overlapping=True)
        else:
            literals = self.literals
            matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
        if len(matches) > _LISTED:
            present = frozenset(literals[i] for i in set(map(itemgetter(0), matches)))
            return Occurrences(text, present, None)
        starts: defaultdict[str, list[int]] = defaultdict(list)
        for i, start, _ in matches:  # in order of their ends: one literal's starts ascend
            starts[literals[i]].append(start)
        return Occurrences(text, frozenset(starts), dict(starts))
