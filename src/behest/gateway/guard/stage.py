"""``inspect_request``: the guard stage over an OpenAI chat body, and what it reports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from behest.gateway.errors import GuardrailBlocked
from behest.gateway.guard.findings import Finding, resolve_overlaps
from behest.gateway.guard.heavy import Scorer, active_scorer
from behest.gateway.guard.memo import Memo
from behest.gateway.guard.pii import PII_TYPES, detect_pii
from behest.gateway.guard.policy import CustomPattern, GuardPolicy
from behest.gateway.guard.redaction import Redactor
from behest.gateway.guard.restore import Restorer
from behest.gateway.guard.secrets import detect_secrets

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?', re.DOTALL)
_USER_CONTROLLED = frozenset({"user", "tool", "function"})
_OUTCOME_ORDER = ("none", "detect", "redact", "block")


@dataclass(frozen=True, slots=True)
class GuardReport:
    """Counts by type and by action, the injection score and its signals; never a value."""

    found: Mapping[str, int] = field(default_factory=dict)
    actions: Mapping[str, int] = field(default_factory=dict)
    outcome: str = "none"
    injection_score: float | None = None
    injection_signals: tuple[str, ...] = ()

    def header_value(self) -> str:
        """E.g. ``pii=email:2,phone:1;action=redact;injection=0.12``."""
        pii = ",".join(f"{name.lower()}:{count}" for name, count in sorted(self.found.items()))
        parts = [f"pii={pii or 'none'}", f"action={self.outcome}"]
        if self.injection_score is not None:
            parts.append(f"injection={self.injection_score:.2f}")
        return ";".join(parts)

    def to_record(self) -> dict[str, Any]:
        return {
            "pii": dict(sorted(self.found.items())),
            "actions": dict(sorted(self.actions.items())),
            "outcome": self.outcome,
            "injection_score": self.injection_score,
            "injection_signals": list(self.injection_signals),
        }


@dataclass(frozen=True, slots=True)
class GuardResult:
    body: dict[str, Any]
    report: GuardReport
    restorer: Restorer | None


@dataclass(frozen=True, slots=True)
class _Text:
    """One text the model will see, and where it sits in the body (keys and indexes)."""

    value: str
    user_controlled: bool
    is_json: bool
    path: tuple[str | int, ...]


_FINDINGS: Memo[tuple[Finding, ...]] = Memo()
_VERDICTS: Memo[tuple[float, tuple[str, ...]]] = Memo()
_EMPTY = GuardReport()


def inspect_request(body: Mapping[str, Any], policy: GuardPolicy) -> GuardResult:
    """Scan, redact (on a copy) and score ``body``; raise ``GuardrailBlocked`` when told to."""
    if policy.inactive:
        return GuardResult(body if isinstance(body, dict) else dict(body), _EMPTY, None)
    texts = list(_texts(body))
    redactor = Redactor(policy, [t.value for t in texts])
    redacted = _CopyOnWrite(body)
    if policy.scans_text:
        key = _scan_key(policy)
        for text in texts:
            before = redactor.changes
            value = _redact(text, policy, redactor, key)
            if redactor.changes != before:
                redacted.write(text.path, value)
    verdict = _injection(texts, policy)
    report = GuardReport(
        found=dict(redactor.found),
        actions=dict(redactor.actions),
        outcome=_outcome(redactor, verdict, policy),
        injection_score=None if verdict is None else verdict[0],
        injection_signals=() if verdict is None else verdict[1],
    )
    _raise_if_blocked(redactor, report, policy)
    return GuardResult(redacted.root, report, redactor.restorer())


def find_all(text: str, policy: GuardPolicy) -> list[Finding]:
    """Every finding the policy asks for in one text (PII, secrets, custom patterns)."""
    return list(_FINDINGS.get(text, _scan_key(policy), partial(_find_all, policy=policy)))


_ScanKey = tuple[bool, bool, tuple[CustomPattern, ...], frozenset[str] | None]


def _scan_key(policy: GuardPolicy) -> _ScanKey:
    """What decides the findings of a text, apart from the text itself."""
    return (policy.heuristics, policy.secrets, policy.custom_patterns, policy.active_types())


def _find_all(text: str, policy: GuardPolicy) -> tuple[Finding, ...]:
    types = policy.active_types()
    wants_pii = types is None or not PII_TYPES.isdisjoint(types)
    found = detect_pii(text, heuristics=policy.heuristics, types=types) if wants_pii else []
    if policy.secrets and (types is None or "SECRET" in types):
        found += detect_secrets(text)
    for custom in policy.custom_patterns:
        if types is None or custom.name in types:
            found += [
                Finding(m.start(), m.end(), custom.name, 1.0) for m in custom.pattern.finditer(text)
            ]
    return tuple(resolve_overlaps(f for f in found if f.end > f.start))


def _redact(text: _Text, policy: GuardPolicy, redactor: Redactor, key: _ScanKey) -> str:
    if text.is_json:
        try:
            json.loads(text.value)
        except ValueError:
            pass
        else:
            return _redact_json_text(text.value, policy, redactor, key)
    return _redact_str(text.value, policy, redactor, key)


def _redact_json_text(text: str, policy: GuardPolicy, redactor: Redactor, key: _ScanKey) -> str:
    """Valid JSON text with its string values redacted in place: keys, spacing and every
    value without a finding keep their bytes, so the model sees the client's own JSON."""
    pieces: list[str] = []
    cursor = 0
    for match in _JSON_STRING.finditer(text):
        if match.group(1) is not None:  # an object key
            continue
        value = json.loads(match.group())
        redacted = _redact_str(value, policy, redactor, key)
        if redacted != value:
            pieces += [text[cursor : match.start()], json.dumps(redacted, ensure_ascii=False)]
            cursor = match.end()
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def _redact_str(value: str, policy: GuardPolicy, redactor: Redactor, key: _ScanKey) -> str:
    findings = _FINDINGS.get(value, key, partial(_find_all, policy=policy))
    return redactor.apply(value, findings) if findings else value


def _injection(texts: list[_Text], policy: GuardPolicy) -> tuple[float, tuple[str, ...]] | None:
    if policy.injection_mode == "off":
        return None
    best: tuple[float, tuple[str, ...]] = (0.0, ())
    scorer = active_scorer()
    if _VERDICTS.owner is not scorer:  # verdicts of a scorer since replaced are stale
        _VERDICTS.clear()
        _VERDICTS.owner = scorer
    for text in texts:
        if text.user_controlled:
            verdict = _VERDICTS.get(text.value, None, partial(_score, scorer=scorer))
            if verdict[0] > best[0]:
                best = verdict
    return best


def _score(text: str, scorer: Scorer) -> tuple[float, tuple[str, ...]]:
    verdict = scorer(text)
    return verdict.score, verdict.signals


def _outcome(redactor: Redactor, verdict: tuple[float, Any] | None, policy: GuardPolicy) -> str:
    outcome = "none"
    if redactor.blocked or (verdict and policy.injection_mode == "block"
                            and verdict[0] >= policy.injection_threshold):  # fmt: skip
        return "block"
    if any(redactor.actions.get(a) for a in ("mask", "placeholder", "hash")):
        outcome = "redact"
    elif redactor.found or (verdict and verdict[0] >= policy.injection_threshold):
        outcome = "detect"
    return outcome


def _raise_if_blocked(redactor: Redactor, report: GuardReport, policy: GuardPolicy) -> None:
    if redactor.blocked:
        types = ", ".join(sorted(redactor.blocked))
        raise GuardrailBlocked(
            f"Request blocked by the guardrail policy: PII detected ({types}).",
            code="pii_detected",
            headers={"x-behest-guard": report.header_value()},
        )
    score = report.injection_score
    if (
        policy.injection_mode == "block"
        and score is not None
        and score >= policy.injection_threshold
    ):
        signals = ", ".join(report.injection_signals)
        raise GuardrailBlocked(
            f"Request blocked by the guardrail policy: prompt injection detected "
            f"(score {score:.2f}; signals: {signals}).",
            code="prompt_injection_detected",
            headers={"x-behest-guard": report.header_value()},
        )


def _texts(body: Mapping[str, Any]) -> Iterator[_Text]:
    messages = body.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict):
            continue
        user = message.get("role") in _USER_CONTROLLED
        yield from _content_texts(message, user, ("messages", i))
        for k, call in enumerate(message.get("tool_calls") or ()):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                at: tuple[str | int, ...] = ("messages", i, "tool_calls", k, "function")
                yield _Text(function["arguments"], user, True, (*at, "arguments"))
        function = message.get("function_call")
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            yield _Text(
                function["arguments"], user, True, ("messages", i, "function_call", "arguments")
            )
    if isinstance(body.get("prompt"), str):
        yield _Text(body["prompt"], True, False, ("prompt",))


def _content_texts(
    message: dict[str, Any], user: bool, at: tuple[int | str, ...]
) -> Iterator[_Text]:
    content = message.get("content")
    if isinstance(content, str):
        yield _Text(content, user, False, (*at, "content"))
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield _Text(part["text"], user, False, (*at, "content", j, "text"))


class _CopyOnWrite:
    """A copy of the body that shares every container no write has gone through."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.root: dict[str, Any] = dict(body)
        self._copied = {id(self.root)}

    def write(self, path: tuple[str | int, ...], value: str) -> None:
        node: Any = self.root
        for key in path[:-1]:
            child = node[key]
            if id(child) not in self._copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                node[key] = child
                self._copied.add(id(child))
            node = child
        node[path[-1]] = value
