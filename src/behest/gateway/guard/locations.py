# ruff: noqa: RUF001  (long regular expressions; typographic apostrophes are matched on purpose)
"""Street addresses and places, by structure (numbers, street words, postal lines) and a gazetteer.

An address is reported as several findings (house number, street, unit, city, country,
postcode) so that each can be redacted and restored on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import compress

from behest.gateway.guard import gazetteer
from behest.gateway.guard.capitals import capitals
from behest.gateway.guard.findings import Finding
from behest.gateway.guard.runs import (
    FUNCTION_WORDS,
    STREET_WORDS,
    Run,
    after_place_word,
    name_runs,
    words_before,
)
from behest.gateway.guard.windows import digit_runs, digit_starts, lowered, match_at, mirror

_W = r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"  # one word, unicode letters
_CAPW = r"(?-i:[^\W\d_a-zß-ÿ])[^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"  # capitalised word
_SUFFIX = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl"
    r"|square|sq|crescent|cres|terrace|close|highway|hwy|parkway|pkwy|circle|cir|trail|alley"
    r"|row|walk|grove|gardens|park|parks|hill|hills|lodge|greens|gateway|radial|mews|rise|wharf"
    r"|view|vale|heights|loop|pass|plaza|port|run|track|glen|crossing|meadows|landing|ridge"
)
_PREFIX = (
    r"rue|via|viale|avenida|av\.|calle|c/|ul\.|ulica|piazza|piazzetta|largo|rua|travessa|strada"
    r"|chemin|allée|plaza|paseo|carrer|camino|aleja|corso|rambla|praça|avinguda|boulevard|bd\."
)
_LOCAL_SUFFIX = (
    r"(?:katu|gata|gatan|veien|vegen|vej|vei|straße|strasse|str\.|weg|gasse|platz|allee|laan"
    r"|straat|plein|utca|tie|polku|vænget|vangen|gade|stræde|torget|tori|väg|vägen|steig|ring"
    r"|damm|ufer|markt|berg|gränd|stien|bakken|sgata|stigen|tanya|kuja|rinne|ská|ova|ská)"
)
_NUM = r"\d{1,6}[A-Za-z]?"
# Where a _STREET match can start: at a run of digits, or at a word at most 5 runs of
# spaces or tabs before one, with no digit or other white space between (``_street_starts``).
_BACK_TO_WORDS = re.compile(r"[^\s\d]*(?:[ \t]+[^\s\d]*){0,5}")
_WORD_START = re.compile(r"(?<!\w)[^\W\d_]")
_AFTER_NUMBER = re.compile(rf"{_NUM}(?:[ ,]+{_NUM})?[ \t,]+[^\W\d_]")


def _by_first_letter(words: str) -> str:
    """An alternation of words (``a|b|c``) with the words grouped by their first letter,
    which a match then tests once per letter, not once per word: the same words match."""
    alternatives = words.split("|")
    return "|".join(
        f"{first}(?:{'|'.join(word[1:] for word in alternatives if word[0] == first)})"
        for first in dict.fromkeys(word[0] for word in alternatives)
    )


# whether a street prefix starts here (a digit glued to a word ends a prefixed street)
_PREFIX_AT = re.compile(rf"(?i:{_by_first_letter(_PREFIX)})")
# What a street prefix can start with: case-insensitive matching also relates the long s
# (U+017F) to "s"; a test compares this with the pattern's class for every character.
_PREFIX_FIRSTS = frozenset(
    {c for prefix in _PREFIX.split("|") for c in (prefix[0], prefix[0].upper())} | {"\u017f"}
)


def _prefix_at(text: str, at: int) -> bool:
    return text[at] in _PREFIX_FIRSTS and _PREFIX_AT.match(text, at) is not None


def _lower_start(char: str) -> bool:
    """``[a-zß-ÿ]``: what ``_CAPW`` cannot start with."""
    return "a" <= char <= "z" or "ß" <= char <= "ÿ"


_NUMBERED = rf"(?i:\b{_NUM}(?:[ ,]+{_NUM})?[ \t]+(?:{_W}[ \t]+){{0,4}}(?:{_SUFFIX})\b\.?)"
_PREFIXED = rf"(?i:(?<!\w)(?:{_PREFIX})[ \t]+(?:{_W}[ \t]*){{1,4}}\d{{1,5}}\b\.?)"
_CAPITALISED = (
    rf"\b(?:{_NUM}[ \t]+)?{_CAPW}(?:[ \t]+{_CAPW}){{0,2}}[ \t]+(?:u\.[ \t]+)?\d{{1,5}}[A-Za-z]?\b"
)
_LOCAL = rf"(?i:\b(?:{_NUM}[ \t]+)?{_W}{_LOCAL_SUFFIX}[ \t]+\d{{1,5}}[A-Za-z]?\b)"
_STREET = re.compile(f"{_NUMBERED}|{_PREFIXED}|{_CAPITALISED}|{_LOCAL}")
_STREET_ALTERNATIVES = tuple(map(re.compile, (_NUMBERED, _PREFIXED, _CAPITALISED, _LOCAL)))
# In ASCII text (where case-insensitive matching is ASCII's), a _NUMBERED match holds its
# street word at the start of one of the six pieces after the first number, when the text
# is split at spaces, tabs and commas; one piece is a number, four the words before.
_PIECES_READ = 240
_SEVEN_GAPS = re.compile(r"[^ \t,]*+(?:[ \t,]++[^ \t,]*+){7}")
# a piece among the second to the seventh that starts with a street word
_SUFFIX_SOON = re.compile(
    rf"[^ \t,]*+(?:[ \t,]++[^ \t,]*+){{0,5}}?[ \t,]++(?:{_by_first_letter(_SUFFIX)})"
    r"(?![A-Za-z0-9_])"
)
# What a match of _LOCAL holds before its last number: a word, or a number and a word
_LOCAL_SHAPE = re.compile(r"(?:\d+[^\s\d]?[ \t]+)?[^\s\d]+[ \t]+\d")
_UNIT = re.compile(
    r"\b(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.|Room|Rm\.|Box|P\.?O\.? Box|PSC|"
    r"Building|Bldg\.?)\s*#?\d{1,6}[A-Za-z]?\b"
)
_MILITARY = re.compile(
    r"\b(?:USNS|USS|USNV|USCGC)\s+[^\W\d_]+|\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
)
_POSTAL = re.compile(
    r"\b[A-Z]{2}\s+\d{4,5}(?:-\d{4})?\b|(?<=[,\n ])\d{5}(?:-\d{4})?(?=\s*(?:\n|$|[,.?]))"
)


def _postal_starts(text: str) -> Iterator[int]:
    """Where a ``_POSTAL`` match can start: at a run of digits after a comma, space or new
    line, or at two capitals before the white space that comes before one."""
    for at in digit_starts(text):
        if at > 0 and text[at - 1] in ",\n ":
            yield at
        space = at - 1  # back over the white space (``\s``) before the number
        while space >= 0 and text[space].isspace():
            space -= 1
        two = space - 1
        if space < at - 1 and two >= 0 and "A" <= text[two] <= "Z" and "A" <= text[two + 1] <= "Z":
            yield two


_CORNER = re.compile(
    r"\bcorner of\s+(.{3,60}?)\s+and\s+(.{3,40}?)(?=[,.?!]|\s*$|\n)", re.IGNORECASE
)
_LINE = re.compile(r"[^\n,]+")
_TOKEN = re.compile(r"[^\W\d_]+(?:[.'’-][^\W\d_]+)*")
_SKIP_TAIL = frozenset({"nan", "st.", "st", "rd.", "ave."})
_PARTICLES = frozenset(str.split("de del della la le los las da do dos das di du van von der den"))
_FALSE_STREETS = frozenset(
    {"the", "a", "an", "my", "your", "our", "in", "on", "at", "by", "of", "to"}
)


def _split_house_number(start: int, text: str, score: float) -> list[Finding]:
    """``"864 Piazzetta Rubiani 104"`` -> the leading house number and the rest, separately."""
    m = re.match(r"(\d{1,6}[A-Za-z]?)([ ,]+)(?=\S)", text)
    if m and re.search(r"\d", text[m.end() :]):
        rest = start + m.end()
        return [
            Finding(start, start + len(m.group(1)), "LOCATION", score),
            Finding(rest, start + len(text), "LOCATION", score),
        ]
    return [Finding(start, start + len(text), "LOCATION", score)]


def _all_common(candidate: str) -> bool:
    """``"Article 50"``, ``"March 2017"``: ordinary words and numbers, no street."""
    words = [w for w in _TOKEN.findall(candidate)]
    common = gazetteer.common_words()
    last = candidate.rsplit(maxsplit=1)[-1].lower().rstrip(".")
    if re.fullmatch(f"(?:{_SUFFIX})", last) and candidate[0].isdigit():
        return False
    return all(w.lower() in common for w in words)


def _street_starts(text: str) -> Iterator[int]:
    """Where a ``_STREET`` match can start. At a run of digits: after no word character
    (every alternative starts with ``\\b`` or a letter) and when a word follows the
    number (``_AFTER_NUMBER``). At a word of the few before it: a street prefix when a
    space is among them; and when the digit follows spaces after a letter or a dot (how
    every word of the other alternatives ends), a word that is not lower case (``_CAPW``)
    or the last word, which may carry a local suffix."""
    reverse, size, back_to_words = mirror(text), len(text), _BACK_TO_WORDS.match
    for at, end in digit_runs(text):
        glued = at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_")
        if not glued and _word_may_follow(text, end - at, end) and _AFTER_NUMBER.match(text, at):
            yield at
        found = back_to_words(reverse, size - at)
        lo = at - (found.end() - (size - at)) if found else at
        before = text[lo:at].rstrip(" \t")
        if before:  # else no word before the number, or only spaces
            yield from _starts_before(text, lo, at, before)


def _word_may_follow(text: str, digits: int, end: int) -> bool:
    """What ``_AFTER_NUMBER`` needs after a run of ``digits`` digits that ends at ``end``:
    at most 6 digits, then a space, comma or tab, perhaps after one ASCII letter."""
    if digits > 6:
        return False
    after = text[end : end + 1]
    if after in _NUMBER_GAPS:
        return True
    return after in _ASCII_LETTERS and text[end + 1 : end + 2] in _NUMBER_GAPS


_NUMBER_GAPS = frozenset(" ,\t")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _starts_before(text: str, lo: int, at: int, before: str) -> Iterator[int]:
    """The starts among the words in ``text[lo:at]`` (``before``: it without the spaces
    and tabs at its end) before the number at ``at``."""
    spaced = len(before) < at - lo
    if not (spaced and (before[-1].isalpha() or before[-1] == ".")):
        if " " in before or "\t" in before or spaced:
            for m in _WORD_START.finditer(text, lo, at):
                w = m.start()
                if text[w] in _PREFIX_FIRSTS and _PREFIX_AT.match(text, w):
                    yield w
        return
    last = lo + max(before.rfind(" "), before.rfind("\t")) + 1
    for m in _WORD_START.finditer(text, lo, at):
        w = m.start()
        c = text[w]
        if (
            w >= last
            or not ("a" <= c <= "z" or "ß" <= c <= "ÿ")  # _lower_start
            or (c in _PREFIX_FIRSTS and _PREFIX_AT.match(text, w))  # _prefix_at
        ):
            yield w


def _street_match(text: str, at: int) -> re.Match[str] | None:
    """``_STREET.match(text, at)`` at a start from ``_street_starts`` (a digit or a letter):
    the first alternative that matches, of those that can begin with that character."""
    numbered, prefixed, capitalised, local = _STREET_ALTERNATIVES
    char = text[at]
    digit = char.isdecimal()
    if digit and _street_word_soon(text, at) and (m := numbered.match(text, at)):
        return m
    if _prefix_at(text, at) and (m := prefixed.match(text, at)):
        return m
    if (digit or not _lower_start(char)) and (m := capitalised.match(text, at)):
        return m
    return local.match(text, at) if _LOCAL_SHAPE.match(text, at) else None


def _street_word_soon(text: str, at: int) -> bool:
    """Whether a street word (``_SUFFIX``) can end a ``_NUMBERED`` match at ``at``: false
    only in ASCII text without one at the start of the pieces it can stand in."""
    if not text.isascii():
        return True
    end = at + _PIECES_READ
    if end < len(text) and not _SEVEN_GAPS.match(text, at, end):
        return True  # long words: not all the pieces were read
    return _SUFFIX_SOON.match(lowered(text), at, end) is not None


def street_matches(text: str) -> Iterator[re.Match[str]]:
    """``_STREET.finditer(text)``, trying the pattern only where a match can start."""
    end = 0
    for start in sorted(set(_street_starts(text))):
        if start >= end and (m := _street_match(text, start)):
            yield m
            end = m.end()


def _street_findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in street_matches(text):
        first = m.group().split()[0].lower().rstrip(".")
        if first in _FALSE_STREETS or m.group().strip().isdigit():
            continue
        if not re.search(r"\d", m.group()) and not re.search(_PREFIX, first):
            continue
        if _all_common(m.group()):
            continue
        found.extend(_split_house_number(m.start(), m.group(), 0.75))
    return found


def _address_tail(text: str, anchors: list[Finding]) -> list[Finding]:
    """Lines and comma parts right after a street (city, region, country) are places too."""
    found: list[Finding] = []
    for anchor in anchors:
        tail = text[anchor.end : anchor.end + 80]
        for part in list(_LINE.finditer(tail))[:4]:
            piece = part.group().strip()
            words = piece.split()
            if not piece or len(words) > 4 or piece.lower() in _SKIP_TAIL:
                continue
            if not all(w[:1].isupper() or w[:1].isdigit() or w in _PARTICLES for w in words):
                break
            offset = anchor.end + part.start() + part.group().index(piece)
            found.append(Finding(offset, offset + len(piece), "LOCATION", 0.6))
    return found


@cache
def _place_starts() -> frozenset[str]:
    """The first token of every gazetteer place: a phrase starting elsewhere is no place;
    with their capitals, as a place written in capitals is looked up title-cased."""
    firsts = frozenset(m.group() for p in gazetteer.places() if (m := _TOKEN.match(p)))
    return firsts | frozenset(first.upper() for first in firsts)


def _token_ends(text: str, start: int, count: int) -> list[int]:
    """Where each of the first ``count`` tokens (``_TOKEN``) from ``start`` on ends."""
    ends: list[int] = []
    at = start
    while len(ends) < count and (
        token := _TOKEN.search(text, at) if ends else _TOKEN.match(text, at)
    ):
        ends.append(token.end())
        at = token.end()
    return ends


@cache
def _longer_starts() -> frozenset[str]:
    """First tokens of places of more than one token (and their capitals)."""
    firsts = frozenset(
        m.group() for p in gazetteer.places() if (m := _TOKEN.match(p)) and m.end() < len(p)
    )
    return firsts | frozenset(first.upper() for first in firsts)


@cache
def _continuations() -> dict[str, tuple[str, ...]]:
    """For a first token that is an ordinary word alone ("New", "The"), how the text goes
    on in the places it begins (" York", " Hague"): nothing else can make it a place."""
    common = gazetteer.common_words()
    rests: dict[str, set[str]] = {}
    for place in gazetteer.places():
        first = _TOKEN.match(place)
        if first and first.group().lower() in common:
            rests.setdefault(first.group(), set()).add(place[first.end() :])
    return {word: tuple(sorted(rest)) for word, rest in rests.items() if "" not in rest}


def _place_findings(text: str) -> list[Finding]:
    """Gazetteer phrases of up to 4 tokens, longest first, never overlapping, each starting
    at a capitalised word (``capitals``) that begins a gazetteer entry."""
    found: list[Finding] = []
    words = capitals(text)
    starts = _place_starts() & words.distinct
    going_on, longer = _continuations(), _longer_starts()
    verdicts: dict[str, bool] = {}  # a text repeats its places: each phrase is looked up once
    cursor = 0
    for i in compress(range(len(words.words)), map(starts.__contains__, words.words)):
        start, word = words.starts[i], words.words[i]
        if start < cursor or (start >= 2 and text[start - 1] == "." and text[start - 2].isalpha()):
            continue
        rests = going_on.get(word)
        if rests is not None and not text.startswith(rests, words.ends[i]):
            continue
        for end in reversed(_token_ends(text, start, 4 if word in longer else 1)):
            phrase = text[start:end]
            if phrase.isupper() and len(phrase) > 3:
                phrase = phrase.title()
            place = verdicts.get(phrase)
            if place is None:
                place = verdicts[phrase] = _is_place(phrase)
            if place:
                found.append(Finding(start, end, "LOCATION", 0.7))
                cursor = end
                break
    return found


def _is_place(phrase: str) -> bool:
    """A gazetteer place, and of several words or no ordinary word."""
    return phrase in gazetteer.places() and (
        " " in phrase or phrase.lower() not in gazetteer.common_words()
    )


_STREET_WORD = re.compile(
    r"(?:[ \t]+[^\W\d_a-z][^\W\d_]*){0,2}?[ \t]+(?:Street|Road|Avenue|Lane|Boulevard|Drive)\b"
)


def _context_places(text: str, taken: list[Finding]) -> list[Finding]:
    """Runs of capitalised words that end in a street word or come before one ("on Marina
    Fort Street"), or that follow a preposition of place ("I am in Sutri", "moved here
    from Laax") when they hold no first name (but one that is a place) and not only
    ordinary words; the latter where no other place starts."""
    found = []
    starts = {f.start for f in taken}
    placed: dict[str, bool] = {}
    for run in name_runs(text):
        if run.words[-1] in STREET_WORDS:
            if (start := _street_name_start(text, run.start)) < run.start or len(run.words) > 1:
                found.append(Finding(start, run.end, "LOCATION", 0.75))
        elif street := _STREET_WORD.match(text, run.end):
            found.append(Finding(run.start, street.end(), "LOCATION", 0.75))
        elif run.start in starts or (
            run.kinds[0] == "first" and not gazetteer.is_place(run.words[0], placed)
        ):
            continue
        elif _placey(run) and after_place_word(words_before(text, run.start, 4)):
            found.append(Finding(run.start, run.end, "LOCATION", 0.6))
    return found


def _street_name_start(text: str, start: int) -> int:
    """Where the capitalised words right before ``start`` (up to three, one space apart)
    begin: the name of a street whose run of names held only ``Street`` (``Berg Hills``)."""
    words = capitals(text)
    at = bisect_left(words.starts, start)
    first = at
    while first > 0 and at - first < 3 and words.ends[first - 1] + 1 == words.starts[first]:
        if text[words.ends[first - 1]] != " " or words.words[first - 1].lower() in FUNCTION_WORDS:
            break
        first -= 1
    return words.starts[first] if first < at else start


def _placey(run: Run) -> bool:
    return "unknown" in run.kinds or "last" in run.kinds


# Each pattern with the capitalised words (``capitals``, or parts of them) one of which any
# match holds; a unit word glued to a lower-case letter by an apostrophe is not looked for.
_GATED: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (_UNIT, ("Apt", "Apartment", "Suite", "Ste", "Unit", "Flat", "Floor", "Fl", "Room", "Rm",
             "Box", "PSC", "Building", "Bldg")),
    (_MILITARY, ("USNS", "USS", "USNV", "USCGC", "APO", "FPO", "DPO")),
)  # fmt: skip


_JOINER = re.compile(r"['’-]")


def _present_words(text: str) -> frozenset[str]:
    """The capitalised words of the text and the parts of those joined by apostrophes or
    hyphens (``X-Box``): what the gated patterns' words are looked for in."""
    words = capitals(text).words
    joined = " ".join(words)  # one look for the joiners, in all words at once
    if "-" not in joined and "'" not in joined and "’" not in joined:
        return frozenset(words)
    parts = [
        part
        for word in words
        if "-" in word or "'" in word or "’" in word
        for part in _JOINER.split(word)
    ]
    return frozenset(words).union(parts)


@lru_cache(maxsize=2)
def _address_findings(text: str) -> tuple[Finding, ...]:
    """Streets with the lines after them, units, military and postal codes, corners."""
    streets = _street_findings(text)
    found = streets + _address_tail(text, streets)
    present = _present_words(text)
    for pattern, words in _GATED:
        if any(word in present for word in words):
            found += [Finding(m.start(), m.end(), "LOCATION", 0.7) for m in pattern.finditer(text)]
    found += [
        Finding(m.start(), m.end(), "LOCATION", 0.7)
        for m in match_at(_POSTAL, text, _postal_starts(text))
    ]
    corners = _CORNER.finditer(text) if "corner" in text.lower() else ()
    for m in corners:
        found += [Finding(m.start(k), m.end(k), "LOCATION", 0.7) for k in (1, 2)]
    return tuple(found)


def address_spans(text: str) -> list[tuple[int, int]]:
    """Where the parts of postal addresses are, sorted: no person's name is inside one."""
    return sorted((f.start, f.end) for f in _address_findings(text))


def detect_locations(text: str) -> list[Finding]:
    found = list(_address_findings(text)) + _place_findings(text)
    return found + _context_places(text, found)
