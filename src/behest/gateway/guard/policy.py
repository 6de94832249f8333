"""``GuardPolicy``: what the guard looks for and what it does, stored as JSON per project."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from behest.gateway.errors import InvalidRequest
from behest.gateway.guard.presets import Preset, layered

PiiMode = Literal["off", "detect", "redact", "block"]
Action = Literal["mask", "placeholder", "hash", "allow"]
InjectionMode = Literal["off", "detect", "block"]

_TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,31}")
_KEYS = frozenset(
    {"preset", "pii_mode", "default_action", "entities", "secrets", "heuristics", "injection_mode",
     "injection_threshold", "allow_list", "custom_patterns"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntityRule:
    """Per entity type: the action, and optionally a mode other than the policy's ``pii_mode``."""

    action: Action = "placeholder"
    mode: PiiMode | None = None


@dataclass(frozen=True, slots=True)
class CustomPattern:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """The effective policy. Projects write a preset and overrides (``from_dict``); the
    default, ``GuardPolicy.default()`` (preset ``minimal``), never changes what a request
    means: contact details, payment and national ids and secrets become reversible
    placeholders; names, places, URLs, dates of birth and IP addresses are only reported."""

    preset: Preset = "minimal"
    pii_mode: PiiMode = "redact"
    default_action: Action = "placeholder"
    entities: Mapping[str, EntityRule] = field(default_factory=dict)
    secrets: bool = True
    heuristics: bool = True
    injection_mode: InjectionMode = "detect"
    injection_threshold: float = 0.5
    allow_list: tuple[str, ...] = ()
    custom_patterns: tuple[CustomPattern, ...] = ()

    @property
    def scans_text(self) -> bool:
        """Whether some entity type is acted on, so that texts must be scanned at all."""
        return self.pii_mode != "off" or any(
            rule.mode not in (None, "off") for rule in self.entities.values()
        )

    @property
    def inactive(self) -> bool:
        """Nothing to scan and no injection scoring: the guard stage returns at once."""
        return self.injection_mode == "off" and not self.scans_text

    def active_types(self) -> frozenset[str] | None:
        """The entity types whose findings matter, or ``None`` for every type."""
        if self.pii_mode != "off":
            return None
        return frozenset(n for n, r in self.entities.items() if r.mode not in (None, "off"))

    def rule_for(self, entity_type: str) -> tuple[PiiMode, Action]:
        rule = self.entities.get(entity_type)
        if rule is None:
            return self.pii_mode, self.default_action
        mode = rule.mode or self.pii_mode
        return ("detect" if rule.action == "allow" and mode != "off" else mode), rule.action

    def is_allowed(self, value: str) -> bool:
        """Allow-listed values: exact (case-insensitive), or a domain and its subdomains."""
        lowered = value.lower()
        for entry in self.allow_list:
            item = entry.lower()
            if lowered == item or lowered.endswith(("@" + item, "." + item)):
                return True
            if re.search(rf"(?:^|[/@.]){re.escape(item)}(?:$|[/:?#])", lowered):
                return True
        return False

    @classmethod
    def default(cls) -> GuardPolicy:
        return _DEFAULT

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuardPolicy:
        if not isinstance(data, Mapping):
            raise InvalidRequest("guard policy must be a JSON object", param="guard")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise InvalidRequest(
                f"unknown guard policy field(s): {', '.join(unknown)}", param="guard"
            )
        preset = _choice(data, "preset", Preset, "minimal")
        data = layered(preset, {k: v for k, v in data.items() if k != "preset"})
        default = cls()
        return cls(
            preset=preset,
            pii_mode=_choice(data, "pii_mode", PiiMode, default.pii_mode),
            default_action=_choice(data, "default_action", Action, default.default_action),
            entities=_entities(data.get("entities", {})),
            secrets=_flag(data, "secrets", default.secrets),
            heuristics=_flag(data, "heuristics", default.heuristics),
            injection_mode=_choice(data, "injection_mode", InjectionMode, default.injection_mode),
            injection_threshold=_threshold(
                data.get("injection_threshold", default.injection_threshold)
            ),
            allow_list=_strings(data.get("allow_list", [])),
            custom_patterns=_patterns(data.get("custom_patterns", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "pii_mode": self.pii_mode,
            "default_action": self.default_action,
            "entities": {
                name: {"action": rule.action} | ({"mode": rule.mode} if rule.mode else {})
                for name, rule in sorted(self.entities.items())
            },
            "secrets": self.secrets,
            "heuristics": self.heuristics,
            "injection_mode": self.injection_mode,
            "injection_threshold": self.injection_threshold,
            "allow_list": list(self.allow_list),
            "custom_patterns": {p.name: p.pattern.pattern for p in self.custom_patterns},
        }


def _bad(field_name: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"guard policy: {field_name} {message}", param=f"guard.{field_name}")


def _choice(data: Mapping[str, Any], key: str, kind: Any, default: str) -> Any:
    value = data.get(key, default)
    allowed = get_args(kind)
    if value not in allowed:
        raise _bad(key, f"must be one of {', '.join(allowed)}")
    return value


def _flag(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _bad(key, "must be true or false")
    return value


def _threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise _bad("injection_threshold", "must be a number between 0 and 1")
    return float(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad("allow_list", "must be a list of non-empty strings")
    return tuple(value)


def _type_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not _TYPE_NAME.fullmatch(name):
        raise _bad(where, f"has an invalid entity name {name!r} (use A-Z, 0-9, _)")
    return name


def _entities(value: Any) -> dict[str, EntityRule]:
    if not isinstance(value, Mapping):
        raise _bad("entities", "must be an object of entity type -> {action, mode}")
    rules = {}
    for name, raw in value.items():
        _type_name(name, "entities")
        if not isinstance(raw, Mapping) or set(raw) - {"action", "mode"}:
            raise _bad(f"entities.{name}", "must be an object with 'action' and/or 'mode'")
        action = _choice(raw, "action", Action, "placeholder")
        mode = None if raw.get("mode") is None else _choice(raw, "mode", PiiMode, "redact")
        rules[name] = EntityRule(action=cast(Action, action), mode=cast(PiiMode | None, mode))
    return rules


def _patterns(value: Any) -> tuple[CustomPattern, ...]:
    if not isinstance(value, Mapping):
        raise _bad("custom_patterns", "must be an object of name -> regular expression")
    patterns = []
    for name, source in value.items():
        _type_name(name, "custom_patterns")
        if not isinstance(source, str) or not source:
            raise _bad(f"custom_patterns.{name}", "must be a non-empty regular expression")
        try:
            patterns.append(CustomPattern(name, re.compile(source)))
        except re.error as exc:
            raise _bad(
                f"custom_patterns.{name}", f"is not a valid regular expression: {exc}"
            ) from exc
    return tuple(patterns)


_DEFAULT = GuardPolicy.from_dict({})
