# ruff: noqa: E501  (long regular expressions)
"""The injection scorer as it was before the speed work: each signal's anchors found with
one ``str.find`` each over the whole text, document marks with ``in``, and the learned
tier's log-odds as one sum over the named features (``w:``, ``b:`` and 4-grams) of a window
whose white space a regular expression folds; four patterns as they were written then
(``_PATTERNS``). The parts that did not change (the other patterns, weights, the document
and flood rules, how fired weights make a score) are the scorer's own."""

from __future__ import annotations

import re
from itertools import pairwise, repeat

from behest.gateway.guard import injection as current
from behest.gateway.guard.injection_signals import _MAX_ANCHORS, REACH, SIGNALS, Signal
from behest.gateway.guard.learned import LinearModel, feature_scale, window

# patterns written differently since (the same matches, one leading \b for their branches)
_PATTERNS = {
    "always_comply": (
        r"\b(?:never|cannot|can't|won't|will not|must not|don't|do not|doesn't|does not|not allowed to|not able to)\s+(?:ever\s+)?(?:refuse|decline|deny|denies|say no|reject)"
        r"|\b(?:answer|respond to|reply to|fulfil+|comply with|do) (?:any|every|all)(?: of)? (?:my |the |user'?s? )?(?:questions?|requests?|prompts?|commands?|tasks?)"
        r"|\b(?:no matter what|regardless of (?:\w+ )?(?:legality|ethics|morality|whether it|the consequences|content))"
        r"|\b(?:don't|do not|never|without) (?:ever )?(?:apologi[sz]e|add(?:ing)? (?:any )?(?:warnings?|disclaimers?)|include (?:any )?(?:warnings?|disclaimers?)|warn(?:ing)? (?:me|the user|about))\b"
        r"|(?:never|don't|do not|not) (?:say|tell|respond with|reply with) (?:that )?(?:you|it) (?:can't|cannot|are unable|is unable)"
        r"|\bi'?m sorry,? but\b"
    ),
    "dual_response": (
        r"\b(?:two|2) (?:different |separate |distinct )?(?:responses|answers|ways|styles|personas|personalities|modes|paragraphs|outputs)\b"
        r"|\((?:normal|classic|standard|gpt|chatgpt)\)|\[(?:normal|classic|standard|gpt|chatgpt)\]|🔒|🔓|\b(?:normal|classic|standard) (?:response|output|mode)\b"
    ),
    "role_markers": (
        r"<\|(?:im_start|im_end|endoftext|system|assistant|user)\|>|\[/?inst\]|^\s*(?:system|assistant)\s*:|#{2,}\s*(?:system|instruction|new)"
        r"|%%%|\bend (?:of )?(?:the )?(?:untrusted )?(?:user |system )?(?:input|prompt|instructions)\b|begin (?:system|admin|new)|\b(?:testing|debug|admin|maintenance|sudo|root|god) mode (?:is )?(?:on|enabled|active|activated)\b"
    ),
    "access_granted": (
        r"\baccess\W{0,3}grant|\bgrant (?:me |us )?access\b|\bgrants? access\b|\bauthori[sz]ation (?:successful|granted)|\"?denied\"? (?:with|to|by) \"?gr"
        r"|\b(?:correct|right|valid|secret) (?:password|passcode|access code|passphrase|pass phrase)\b|\baccess code (?:missing|accepted|correct|verified)"
    ),
}
_OLD = {name: re.compile(pattern, re.DOTALL | re.MULTILINE) for name, pattern in _PATTERNS.items()}
_WORD = re.compile(r"\w+|[^\w\s]")
_SPACES = re.compile(r"\s+")


def fires(signal: Signal, text: str) -> bool:
    search = _OLD.get(signal.name, signal.pattern).search
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
