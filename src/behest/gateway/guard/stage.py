"""``inspect_request``: the guard stage over an OpenAI chat body, and what it reports."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from behest.gateway.errors import GuardrailBlocked
from behest.gateway.guard.findings import Finding, resolve_overlaps
from behest.gateway.guard.heavy import active_scorer
from behest.gateway.guard.pii import detect_pii
from behest.gateway.guard.policy import GuardPolicy
from behest.gateway.guard.redaction import Redactor
from behest.gateway.guard.restore import Restorer
from behest.gateway.guard.secrets import detect_secrets

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


@dataclass(slots=True)
class _Text:
    """One text the model will see, and how to write its redacted form back."""

    value: str
    user_controlled: bool
    is_json: bool
    write: Callable[[str], None]


def inspect_request(body: Mapping[str, Any], policy: GuardPolicy) -> GuardResult:
    """Scan, redact (on a copy) and score ``body``; raise ``GuardrailBlocked`` when told to."""
    redacted = copy.deepcopy(dict(body))
    texts = list(_texts(redacted))
    redactor = Redactor(policy, (t.value for t in texts))
    scan_pii = policy.pii_mode != "off" or any(
        r.mode not in (None, "off") for r in policy.entities.values()
    )
    for text in texts:
        if scan_pii:
            text.write(_redact(text, policy, redactor))
    verdict = _injection(texts, policy)
    report = GuardReport(
        found=dict(redactor.found),
        actions=dict(redactor.actions),
        outcome=_outcome(redactor, verdict, policy),
        injection_score=None if verdict is None else verdict[0],
        injection_signals=() if verdict is None else verdict[1],
    )
    _raise_if_blocked(redactor, report, policy)
    return GuardResult(redacted, report, redactor.restorer())


def find_all(text: str, policy: GuardPolicy) -> list[Finding]:
    """Every finding the policy asks for in one text (PII, secrets, custom patterns)."""
    found = detect_pii(text, heuristics=policy.heuristics)
    if policy.secrets:
        found += detect_secrets(text)
    for custom in policy.custom_patterns:
        found += [
            Finding(m.start(), m.end(), custom.name, 1.0) for m in custom.pattern.finditer(text)
        ]
    return resolve_overlaps(f for f in found if f.end > f.start)


def _redact(text: _Text, policy: GuardPolicy, redactor: Redactor) -> str:
    if not text.is_json:
        return redactor.apply(text.value, find_all(text.value, policy))
    try:
        parsed = json.loads(text.value)
    except ValueError:
        return redactor.apply(text.value, find_all(text.value, policy))
    return json.dumps(_redact_json(parsed, policy, redactor), ensure_ascii=False)


def _redact_json(value: Any, policy: GuardPolicy, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.apply(value, find_all(value, policy))
    if isinstance(value, list):
        return [_redact_json(v, policy, redactor) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v, policy, redactor) for k, v in value.items()}
    return value


def _injection(texts: list[_Text], policy: GuardPolicy) -> tuple[float, tuple[str, ...]] | None:
    if policy.injection_mode == "off":
        return None
    best: tuple[float, tuple[str, ...]] = (0.0, ())
    for text in texts:
        if text.user_controlled:
            verdict = active_scorer()(text.value)
            if verdict.score > best[0]:
                best = (verdict.score, verdict.signals)
    return best


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
    headers = {"x-behest-guard": report.header_value()}
    if redactor.blocked:
        types = ", ".join(sorted(redactor.blocked))
        raise GuardrailBlocked(
            f"Request blocked by the guardrail policy: PII detected ({types}).",
            code="pii_detected",
            headers=headers,
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
            headers=headers,
        )


def _texts(body: dict[str, Any]) -> Iterator[_Text]:
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        user = message.get("role") in _USER_CONTROLLED
        yield from _content_texts(message, user)
        calls = [c.get("function") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        for function in [*calls, message.get("function_call")]:
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                yield _Text(function["arguments"], user, True, _setter(function, "arguments"))
    if isinstance(body.get("prompt"), str):
        yield _Text(body["prompt"], True, False, _setter(body, "prompt"))


def _content_texts(message: dict[str, Any], user: bool) -> Iterator[_Text]:
    content = message.get("content")
    if isinstance(content, str):
        yield _Text(content, user, False, _setter(message, "content"))
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield _Text(part["text"], user, False, _setter(part, "text"))


def _setter(container: dict[str, Any], key: str) -> Callable[[str], None]:
    def write(value: str) -> None:
        container[key] = value

    return write
