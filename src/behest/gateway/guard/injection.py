# ruff: noqa: E501  (long regular expressions)
"""Prompt injection and jailbreak scoring over user-controlled text, with reasons.

Each signal family (``injection_signals.SIGNALS``) adds its log-odds weight when it fires;
phrasing typical of ordinary requests (a role asked for, "my first request is") subtracts,
but never below the strongest signal that flags alone, so framing an attack as a role-play
request does not hide it. An instruction aimed at the model inside a
pasted e-mail or code document adds ``instruction_in_document``. The sum, less a fixed
offset, goes through the logistic function, so ``0.5`` is the point where the evidence
balances. A text where no attack signal fires scores ``0.0``. ``score_injection(text)``
returns the score and the names of the signals, never text.

A second, learned tier (``learned.py``: logistic regression over words, word pairs and
character 4-grams, with the fired signal families as features) scores every text the
signals do not already decide; the verdict's score is the larger of the two, so the fast
tier's strong signals still flag alone and the model adds the attacks they miss.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

from behest.gateway.guard import windows
from behest.gateway.guard.injection_signals import SIGNALS
from behest.gateway.guard.learned import shipped_model, top_features
from behest.gateway.guard.literals import LiteralIndex, Occurrences

OFFSET = 2.25
DECISIVE = 0.98  # a fast score this high is not worth the learned tier's time
LEARNED_SHIFT = 0.4  # log-odds off the model: alone it flags from a raw 0.6
_DOCUMENT_WEIGHT = 2.5
_FLOOD_WEIGHT = 2.5
_FLOOD_SAMPLE = 2048
_FLOOD_RATIO = 0.12  # compressed / raw size of a text that is one token repeated
_DOCUMENT_MARKS = (
    "subject:", "email_from", "from:", "received date", "```", "unsubscribe", "\n>>> ", "\n> ",
    "\nhi ", "\nhello ", "\ndear ", "\ndef ", "\nimport ", "\nclass ", "traceback",
)  # fmt: skip
_IMPERATIVE_LINE = re.compile(
    r"(?:^|\n|\. )\s*(?:provide|include|integrate|replace|analy[sz]e|write|translate|respond|answer|reply|mention"
    r"|tell me|explain|describe|generate|insert|recommend|encode|modify|enhance|summari[sz]e|what (?:is|are)|how (?:do|can)"
    r"|ignore|remember|make sure|please (?:also )?(?:include|mention|add|reply|respond|answer))\b[^\n.]{10,}"
)
_ADDRESSED = ("output_directive", "embedded_request", "encoding_trick", "exfiltration")
_LITERALS = LiteralIndex([*(a for s in SIGNALS for a in s.anchors), *_DOCUMENT_MARKS, "your"])


@dataclass(frozen=True, slots=True)
class InjectionVerdict:
    score: float
    signals: tuple[str, ...]


def normalise(text: str) -> str:
    """Lowered, with typographic apostrophes and quotes made plain."""
    return (
        windows.lowered(text).replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    )


def _instruction_in_document(text: str, found: Occurrences, fired: tuple[str, ...]) -> bool:
    """An instruction aimed at the model inside a pasted e-mail or code document."""
    if not any(mark in found for mark in _DOCUMENT_MARKS) and not text.startswith(
        ("hi ", "hello ")
    ):
        return False
    return any(name in fired for name in _ADDRESSED) or (
        _IMPERATIVE_LINE.search(text, 80) is not None and "your" in found
    )


def _flooded(text: str) -> bool:
    """One short token repeated over and over (a context flood) compresses to almost nothing."""
    sample = text[:_FLOOD_SAMPLE].encode()
    return len(sample) >= 160 and len(zlib.compress(sample, 1)) < _FLOOD_RATIO * len(sample)


def fast_verdict(lowered: str) -> InjectionVerdict:
    """The signal families alone, over a lowered text (``normalise``)."""
    found = _LITERALS.scan(lowered)
    fired = [(signal.name, signal.weight) for signal in SIGNALS if signal.fires(lowered, found)]
    if _flooded(lowered):
        fired.append(("token_flood", _FLOOD_WEIGHT))
    if _instruction_in_document(lowered, found, tuple(name for name, _ in fired)):
        fired.append(("instruction_in_document", _DOCUMENT_WEIGHT))
    return verdict_of(fired)


def verdict_of(fired: list[tuple[str, float]]) -> InjectionVerdict:
    """The fast verdict of the fired signals (name, weight): their weights' sum, except
    that counter-signals never bring it below the strongest signal that flags alone."""
    names = tuple(name for name, _ in fired)
    total = sum(weight for _, weight in fired)
    strongest = max((weight for _, weight in fired), default=0.0)
    if strongest > OFFSET:
        total = max(total, strongest)
    if total <= 0.0:
        return InjectionVerdict(0.0, names)
    return InjectionVerdict(round(1.0 / (1.0 + math.exp(OFFSET - total)), 4), names)


def score_injection(text: str) -> InjectionVerdict:
    """A score in [0, 1] and the names of the signals that fired (``learned`` when the
    learned tier alone would flag the text)."""
    lowered = normalise(text)
    fast = fast_verdict(lowered)
    if fast.score >= DECISIVE:
        return fast
    p = _probability(shipped_model().logit(lowered, fast.signals) - LEARNED_SHIFT)
    signals = (*fast.signals, "learned") if p >= 0.5 else fast.signals
    return InjectionVerdict(round(max(fast.score, p), 4), signals)


def explain(text: str, n: int = 5) -> list[tuple[str, float]]:
    """The features that raised the learned tier's score most (``s:`` a signal family,
    ``w:`` a word, ``b:`` a word pair, else a character 4-gram), with their log-odds."""
    lowered = normalise(text)
    return top_features(shipped_model(), lowered, fast_verdict(lowered).signals, n)


def _probability(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
