"""Applying a policy to findings: replace, record, and remember what must be restored.

One ``Redactor`` per request, so the same value always gets the same placeholder and a
placeholder never collides with one the user already wrote.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from operator import attrgetter

from behest.gateway.guard.findings import Finding
from behest.gateway.guard.policy import Action, GuardPolicy
from behest.gateway.guard.restore import PLACEHOLDER, Restorer

MASK = "****"
_START = attrgetter("start")


@functools.lru_cache(maxsize=256)
def _tag(entity_type: str) -> str:
    """The placeholder's name for a type: ``<EMAIL_1>``, ``<MY_ID_1>`` for ``my-id``."""
    return re.sub(r"[^A-Z0-9_]", "_", entity_type.upper()) or "PII"


class Redactor:
    def __init__(self, policy: GuardPolicy, texts: Iterable[str] = ()) -> None:
        """``texts``: every text of the request, read only if a placeholder is issued."""
        self.policy = policy
        self.found: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()
        self.blocked: set[str] = set()
        self.changes = 0
        self._texts = texts
        self._taken: set[str] | None = None
        self._by_value: dict[str, str] = {}
        self._values: dict[str, str] = {}
        self._counters: Counter[str] = Counter()

    def apply(self, text: str, findings: Iterable[Finding]) -> str:
        """``text`` with the findings the policy redacts replaced; everything is counted."""
        pieces: list[str] = []
        cursor = 0
        for finding in sorted(findings, key=_START):
            value = text[finding.start : finding.end]
            replacement = self._decide(finding.type, value)
            if replacement is not None and finding.start >= cursor:
                pieces += [text[cursor : finding.start], replacement]
                cursor = finding.end
                self.changes += 1
        if not pieces:
            return text
        pieces.append(text[cursor:])
        return "".join(pieces)

    def restorer(self) -> Restorer | None:
        return Restorer(self._values) if self._values else None

    def _decide(self, entity_type: str, value: str) -> str | None:
        mode, action = self.policy.rule_for(entity_type)
        if mode == "off" or (self.policy.allow_list and self.policy.is_allowed(value)):
            return None
        self.found[entity_type] += 1
        if mode == "block":
            self.blocked.add(entity_type)
            self.actions["block"] += 1
            return None
        if mode == "detect" or action == "allow":
            self.actions["detect" if action != "allow" else "allow"] += 1
            return None
        self.actions[action] += 1
        return self._replacement(entity_type, value, action)

    def _replacement(self, entity_type: str, value: str, action: Action) -> str:
        if action == "mask":
            return MASK
        if action == "hash":
            digest = hashlib.sha256(f"{entity_type}\0{value}".encode()).hexdigest()[:12]
            return f"[{entity_type}:{digest}]"
        return self._placeholder(entity_type, value)

    def _placeholder(self, entity_type: str, value: str) -> str:
        """One placeholder per value in a request, whatever type each sighting was given, so
        that a value a tool call carries back reads the same to the model as before."""
        key = value
        if key not in self._by_value:
            if self._taken is None:  # the placeholders users wrote, found on first need
                self._taken = {
                    m.group() for t in self._texts if "<" in t for m in PLACEHOLDER.finditer(t)
                }
            tag = _tag(entity_type)
            while True:
                self._counters[tag] += 1
                candidate = f"<{tag}_{self._counters[tag]}>"
                if candidate not in self._taken:
                    break
            self._taken.add(candidate)
            self._by_value[key] = candidate
            self._values[candidate] = value
        return self._by_value[key]
