"""The injection scorer as it was before the speed work: each signal's anchors found with
one ``str.find`` each over the whole text, document marks with ``in``, and the learned
tier's log-odds as one sum over the named features (``w:``, ``b:`` and 4-grams) of a window
whose white space a regular expression folds. The parts that did not change (patterns,
weights, the document and flood rules, how fired weights make a score) are the scorer's own."""

from __future__ import annotations

import re
from itertools import pairwise, repeat

from behest.gateway.guard import injection as current
from behest.gateway.guard.injection_signals import _MAX_ANCHORS, REACH, SIGNALS, Signal
from behest.gateway.guard.learned import LinearModel, feature_scale, window

_WORD = re.compile(r"\w+|[^\w\s]")
_SPACES = re.compile(r"\s+")


def fires(signal: Signal, text: str) -> bool:
    search = signal.pattern.search
    for anchor in signal.anchors:
        at = text.find(anchor)
        tries = 0
        while at >= 0 and tries < _MAX_ANCHORS:
            if search(text, max(0, at - REACH), at + len(anchor) + 2 * REACH):
                return True
            at = text.find(anchor, at + REACH)
            tries += 1
    return False


def _instruction_in_document(text: str, fired: tuple[str, ...]) -> bool:
    if not any(mark in text for mark in current._DOCUMENT_MARKS) and not text.startswith(
        ("hi ", "hello ")
    ):
        return False
    return any(name in fired for name in current._ADDRESSED) or (
        current._IMPERATIVE_LINE.search(text, 80) is not None and "your" in text
    )


def fast_verdict(lowered: str) -> current.InjectionVerdict:
    fired = [(signal.name, signal.weight) for signal in SIGNALS if fires(signal, lowered)]
    if current._flooded(lowered):
        fired.append(("token_flood", current._FLOOD_WEIGHT))
    if _instruction_in_document(lowered, tuple(name for name, _ in fired)):
        fired.append(("instruction_in_document", current._DOCUMENT_WEIGHT))
    return current.verdict_of(fired)


def text_features(lowered: str) -> set[str]:
    padded = f" {_SPACES.sub(' ', window(lowered))} "
    words = _WORD.findall(padded)
    found = {padded[i : i + 4] for i in range(len(padded) - 3)}
    found.update(map("w:".__add__, words))
    found.update(map("b:".__add__, map(" ".join, pairwise(words))))
    return found


def logit(model: LinearModel, text: str, signals: tuple[str, ...]) -> float:
    found = text_features(text)
    get = model.weights.get
    total = sum(map(get, found, repeat(0.0))) * feature_scale(len(found))
    return model.bias + total + sum(get("s:" + name, 0.0) for name in signals)
