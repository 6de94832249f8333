# ruff: noqa: RUF001  (typographic apostrophes are matched on purpose)
"""The capitalised words of a text, found once for the person and place detectors.

A capitalised word starts with a letter that is no lower-case ASCII letter, with no letter
before it (nor a letter and an apostrophe or hyphen), and runs on over letters joined by
apostrophes or hyphens (``O'Neil``, ``Jean-Luc``). A pattern scanned over every character
costs ~20 µs per KB in ``re`` even for a one-character class, so ASCII text is first
mapped to a shape (``A`` for a capital, ``a`` for a small letter) in which a capital is one
literal byte: the scan then jumps from capital to capital. Characters outside ASCII are
classified one by one into the shape; text with many of them is scanned with the Unicode
pattern (``unicode_capitals``). Both give the same words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SHAPE = bytes.maketrans(_UPPER + _UPPER.lower(), b"A" * 26 + b"a" * 26)
# Possessive: a word never gives letters back, and the engine then keeps no state to try so.
_SHAPED_WORD = re.compile(rb"(A(?<![aA].)(?<![aA]['-].)[aA]*+(?:['-][aA]++)*+)")
_WORD = re.compile(r"[^\W\d_a-z](?<![^\W\d_].)(?<![^\W\d_]['’-].)[^\W\d_]*(?:['’-][^\W\d_]+)*")


class Capitals:
    """Parallel tuples: where each capitalised word starts and ends, and the word; and the
    distinct words (a text repeats its capitalised words: ~120 of ~1,850 in 100 KB)."""

    __slots__ = ("distinct", "ends", "starts", "words")

    def __init__(self, starts: tuple[int, ...], ends: tuple[int, ...], words: tuple[str, ...]):
        self.starts, self.ends, self.words = starts, ends, words
        self.distinct = frozenset(words)


@lru_cache(maxsize=2)
def capitals(text: str) -> Capitals:
    """The capitalised words of ``text``, in order; both detectors ask for one text."""
    shape = _shape(text)
    if shape is None:
        return unicode_capitals(text)
    # split() with the group gives gap, word, gap, word, ..., gap: the running sum of
    # their lengths is where each word starts (even places) and ends (odd places).
    offsets = tuple(accumulate(map(len, _SHAPED_WORD.split(shape))))
    starts, ends = offsets[0:-1:2], offsets[1::2]
    return Capitals(starts, ends, tuple(map(text.__getitem__, map(slice, starts, ends))))


def _shape(text: str) -> bytes | None:
    """One byte per character: ``A``/``a`` for ASCII capitals/small letters, ``A`` for any
    other letter (the pattern lets each begin a word, as no ASCII small letter), ``'`` for
    the typographic apostrophe, a space for other characters outside ASCII. None when more
    than one character in 16 is outside ASCII: the Unicode pattern is then cheaper."""
    if text.isascii():
        return text.encode().translate(_SHAPE)
    coded = text.encode("ascii", "replace")  # "?" for each character outside ASCII
    if coded.count(b"?") > len(text) // 16:
        return None
    shape = bytearray(coded.translate(_SHAPE))
    at = coded.find(b"?")
    while at >= 0:
        char = text[at]
        if char != "?":
            shape[at] = _OTHER_APOSTROPHE if char == "’" else _OTHER_LETTER if _letter(char) else 32
        at = coded.find(b"?", at + 1)
    return bytes(shape)


_OTHER_LETTER, _OTHER_APOSTROPHE = ord("A"), ord("'")


def _letter(char: str) -> bool:
    """``[^\\W\\d_]``: a word character (``str.isalnum``) that is no decimal digit."""
    return char.isalnum() and not char.isdecimal()


def unicode_capitals(text: str) -> Capitals:
    matches = list(_WORD.finditer(text))
    return Capitals(
        tuple(m.start() for m in matches),
        tuple(m.end() for m in matches),
        tuple(m.group() for m in matches),
    )
