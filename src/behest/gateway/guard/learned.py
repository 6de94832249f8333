"""The injection scorer's learned tier: a logistic regression over word, word-pair and
character 4-gram features, plus the fast tier's signal families, shipped in the package.

The model (``data/injection_model.json.gz``, built by ``scripts/train_injection.py``) maps
feature names to log-odds weights; a feature that is not in the map weighs nothing. Text
features are binary and scaled by ``1/sqrt(count)`` (``count`` at least ``MIN_FEATURES``), so
a long text does not outweigh a short one, nor a few words decide alone; signal features
weigh their full weight. Only the first ``HEAD`` and last ``TAIL`` characters are read, so
the cost per message is bounded whatever its length.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from array import array
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise, repeat

HEAD = 3072
TAIL = 1024
_WORD = re.compile(r"\w+|[^\w\s]")
# the same tokens in a padded ASCII window (its only white space is " "), with ASCII tables
_ASCII_WORD = re.compile(r"\w+|[^\w\s]", re.ASCII)
MODEL_FILE = "injection_model.json.gz"
_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)
MIN_FEATURES = 100  # a short text is scaled as if it had this many: little evidence, small say


@dataclass(frozen=True, slots=True)
class LinearModel:
    bias: float
    weights: dict[str, float]
    tables: FeatureTables = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", FeatureTables.of(self.weights))

    def contributions(self, text: str, signals: tuple[str, ...]) -> dict[str, float]:
        """Each feature's share of the log-odds (features the model does not know are left out)."""
        found = text_features(text)
        scale = feature_scale(len(found))
        get = self.weights.get
        parts = {f: w * scale for f in found if (w := get(f)) is not None}
        for name in signals:
            if (w := get("s:" + name)) is not None:
                parts["s:" + name] = w
        return parts

    def logit(self, text: str, signals: tuple[str, ...]) -> float:
        get = self.weights.get
        padded = padded_window(text)
        if "w:" in padded:  # a 4-gram may then be a word's feature name: the plain sum
            found = text_features(text)
            total = sum(map(get, found, repeat(0.0))) * feature_scale(len(found))
        else:
            total = self.tables.text_sum(padded)
        return self.bias + total + sum(get("s:" + name, 0.0) for name in signals)


@dataclass(frozen=True, slots=True)
class FeatureTables:
    """The text weights by kind: 4-grams, words and word pairs without their ``w:``/``b:``
    names, so scoring builds no feature name. A feature name of four characters is a 4-gram
    (a word's or a pair's name is longer, or starts with ``w:``, which is then in both).
    ``ascii_grams`` keys the ASCII 4-grams by their four bytes read as one native integer;
    other 4-grams are looked up by name in ``named``, the whole map."""

    named: dict[str, float]
    ascii_grams: dict[int, float]
    words: dict[str, float]
    pairs: dict[tuple[str, ...], float]

    @classmethod
    def of(cls, weights: dict[str, float]) -> FeatureTables:
        ascii_grams = {_packed(f): w for f, w in weights.items() if len(f) == 4 and f.isascii()}
        words = {f[2:]: w for f, w in weights.items() if f.startswith("w:")}
        pairs = {
            tuple(f[2:].split(" ")): w
            for f, w in weights.items()
            if f.startswith("b:") and len(f) > 4
        }
        return cls(weights, ascii_grams, words, pairs)

    def text_sum(self, padded: str) -> float:
        """The text features' share of the log-odds, for a padded window without ``w:``
        (then no 4-gram is also a word's feature, and the three kinds count apart)."""
        words = (_ASCII_WORD if padded.isascii() else _WORD).findall(padded)
        distinct = set(words)
        pairs = set(pairwise(words))
        total, grams = self._gram_sum(padded)
        total += sum(map(self.words.get, distinct, repeat(0.0)))
        total += sum(map(self.pairs.get, pairs, repeat(0.0)))
        return total * feature_scale(grams + len(distinct) + len(pairs))

    def _gram_sum(self, padded: str) -> tuple[float, int]:
        """The 4-grams' share of the log-odds (unscaled) and how many distinct 4-grams."""
        if padded.isascii():  # integers are cheaper to make and hash than 4-character strings
            data = padded.encode()
            n = len(data)
            packed: set[int] = set()
            for k in range(4):  # the 4-grams starting at k, k + 4, k + 8, ...
                packed.update(array(_UINT32, data[k : k + (n - k) // 4 * 4]))
            return sum(map(self.ascii_grams.get, packed, repeat(0.0))), len(packed)
        grams = set(map("".join, zip(padded, padded[1:], padded[2:], padded[3:], strict=False)))
        return sum(map(self.named.get, grams, repeat(0.0))), len(grams)


def _packed(gram: str) -> int:
    """An ASCII 4-gram as ``array(_UINT32, ...)`` reads its bytes."""
    return array(_UINT32, gram.encode())[0]


def feature_scale(count: int) -> float:
    return 1.0 / math.sqrt(max(count, MIN_FEATURES))


def window(text: str) -> str:
    """The part of a text the model reads: its start and its end."""
    return text if len(text) <= HEAD + TAIL else text[:HEAD] + "\n" + text[-TAIL:]


def padded_window(lowered: str) -> str:
    """The window with each run of white space (``\\s+``) made one space, between two
    spaces; ``str.split`` knows the same white space as the pattern."""
    text = window(lowered)
    parts = text.split()
    if not parts:
        return "   " if text else "  "
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return f" {lead}{' '.join(parts)}{trail} "


def text_features(lowered: str) -> set[str]:
    """Word, word-pair and character 4-gram features of a lowered text."""
    padded = padded_window(lowered)
    words = _WORD.findall(padded)
    n = len(padded) - 3
    found = {padded[i : i + 4] for i in range(n)}
    found.update(map("w:".__add__, words))
    found.update(map("b:".__add__, map(" ".join, pairwise(words))))
    return found


def top_features(
    model: LinearModel, lowered: str, signals: tuple[str, ...], n: int = 5
) -> list[tuple[str, float]]:
    """The ``n`` features that pushed the score up the most, with their log-odds shares."""
    parts = model.contributions(lowered, signals)
    ranked = sorted(parts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(f, round(w, 3)) for f, w in ranked[:n] if w > 0]


def from_dict(data: dict[str, object]) -> LinearModel:
    weights = data["weights"]
    bias = data["bias"]
    assert isinstance(weights, dict) and isinstance(bias, float | int)
    return LinearModel(float(bias), {str(k): float(v) for k, v in weights.items()})


@cache
def shipped_model() -> LinearModel:
    """The model in the package, read once per process."""
    raw = resources.files("behest.gateway.guard").joinpath("data", MODEL_FILE).read_bytes()
    return from_dict(json.loads(gzip.decompress(raw)))
