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
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise, repeat

HEAD = 3072
TAIL = 1024
_WORD = re.compile(r"\w+|[^\w\s]")
_SPACES = re.compile(r"\s+")
MODEL_FILE = "injection_model.json.gz"
MIN_FEATURES = 100  # a short text is scaled as if it had this many: little evidence, small say


@dataclass(frozen=True, slots=True)
class LinearModel:
    bias: float
    weights: dict[str, float]

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
        found = text_features(text)
        get = self.weights.get
        scale = feature_scale(len(found))
        total = sum(map(get, found, repeat(0.0))) * scale
        return self.bias + total + sum(get("s:" + name, 0.0) for name in signals)


def feature_scale(count: int) -> float:
    return 1.0 / math.sqrt(max(count, MIN_FEATURES))


def window(text: str) -> str:
    """The part of a text the model reads: its start and its end."""
    return text if len(text) <= HEAD + TAIL else text[:HEAD] + "\n" + text[-TAIL:]


def text_features(lowered: str) -> set[str]:
    """Word, word-pair and character 4-gram features of a lowered text."""
    padded = f" {_SPACES.sub(' ', window(lowered))} "
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
