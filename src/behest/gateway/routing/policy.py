"""A project's routing policy: default model, fallback chains, retries, timeouts, breakers,
load balancing, and the smart routes (``auto`` and named routes, :mod:`.auto`).

Parsed once per configuration change from the project's settings; a bad value is a 400
at the admin API. Every section is optional and has the defaults documented in
docs/routing.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.auto import AutoRoute, parse_auto_routes

T = TypeVar("T")
DEFAULT_CHAIN = "default"  # the fallbacks key that names the default model's chain


@dataclass(frozen=True, slots=True)
class Retries:
    """Same-target retries; 0 by default because the OpenAI SDKs already retry twice."""

    max: int = 0
    base_ms: int = 100
    max_ms: int = 2000


@dataclass(frozen=True, slots=True)
class Timeouts:
    """None: the server's own (``BEHEST_UPSTREAM_CONNECT_TIMEOUT_S``, else
    ``BEHEST_UPSTREAM_TIMEOUT_S``)."""

    connect_s: float | None = None  # TCP + TLS to the provider
    first_byte_s: float | None = None  # request sent → response headers (and first chunk)
    idle_s: float | None = None  # between two reads of the body or stream
    total_s: float | None = None  # the whole request: every attempt, backoff and the stream

    def over(self, base: Timeouts) -> Timeouts:
        """These timeouts, each unset one taken from ``base``."""
        if self == _NO_TIMEOUTS:
            return base
        return Timeouts(
            self.connect_s if self.connect_s is not None else base.connect_s,
            self.first_byte_s if self.first_byte_s is not None else base.first_byte_s,
            self.idle_s if self.idle_s is not None else base.idle_s,
            self.total_s if self.total_s is not None else base.total_s,
        )


_NO_TIMEOUTS = Timeouts()


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    enabled: bool = True
    failures: int = 5  # consecutive failures that open the breaker
    error_rate: float = 0.5  # or this share of failures over the window …
    min_calls: int = 20  # … once the window holds at least this many calls
    window_s: float = 30.0
    cooldown_s: float = 30.0  # open → half-open (one probe)


@dataclass(frozen=True, slots=True)
class Balance:
    strategy: str = "ordered"  # or weighted, least_in_flight (routing/balance.py)
    weights: dict[str, float] = field(default_factory=dict)  # credential id or name → weight


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    default_model: str | None = None
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    retries: Retries = Retries()
    timeouts: Timeouts = Timeouts()
    breaker: BreakerPolicy = BreakerPolicy()
    balance: Balance = Balance()
    auto_routes: dict[str, AutoRoute] = field(default_factory=dict)  # model name → route

    @classmethod
    def parse(
        cls,
        *,
        default_model: Any = None,
        fallbacks: Any = None,
        retries: Any = None,
        timeouts: Any = None,
        breaker: Any = None,
        load_balance: Any = None,
        auto: Any = None,
        routes: Any = None,
        aliases: Mapping[str, str] | None = None,
    ) -> RoutingPolicy:
        return cls(
            default_model=_default_model(default_model),
            fallbacks=_fallbacks(fallbacks or {}),
            retries=_section(Retries, "retries", retries or {}),
            timeouts=_section(Timeouts, "timeouts", timeouts or {}),
            breaker=_section(BreakerPolicy, "breaker", breaker or {}),
            balance=_balance(load_balance or {}),
            auto_routes=parse_auto_routes(auto, routes, aliases),
        )

    def chain(self, model: str) -> tuple[str, ...]:
        """The fallback models after ``model``, in order."""
        chain = self.fallbacks.get(model)
        if chain is None and model == self.default_model:
            chain = self.fallbacks.get(DEFAULT_CHAIN)
        return chain or ()


def _default_model(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "*?["):
        raise InvalidRequest(
            "default_model must be a model name (a non-empty string, no wildcards).",
            param="default_model",
        )
    return value


def _fallbacks(value: Any) -> dict[str, tuple[str, ...]]:
    message = "fallbacks must map a model name to a list of model names."
    if not isinstance(value, dict):
        raise InvalidRequest(message, param="fallbacks")
    chains: dict[str, tuple[str, ...]] = {}
    for model, chain in value.items():
        if (
            not model
            or not isinstance(chain, list | tuple)
            or not all(isinstance(name, str) and name for name in chain)
        ):
            raise InvalidRequest(message, param=f"fallbacks.{model}")
        if len(chain) > 8:
            raise InvalidRequest("A fallback chain holds at most 8 models.", param="fallbacks")
        chains[model] = tuple(dict.fromkeys(name for name in chain if name != model))
    return chains


def _balance(value: Any) -> Balance:
    strategies = ("ordered", "weighted", "least_in_flight")
    if not isinstance(value, dict) or set(value) - {"strategy", "weights"}:
        raise InvalidRequest("load_balance takes a strategy and weights.", param="load_balance")
    strategy = value.get("strategy", "ordered")
    if strategy not in strategies:
        raise InvalidRequest(
            f"load_balance.strategy must be one of {', '.join(strategies)}.",
            param="load_balance.strategy",
        )
    weights = value.get("weights", {})
    if not isinstance(weights, dict) or not all(
        isinstance(w, int | float) and not isinstance(w, bool) and 0 < w <= 1000
        for w in weights.values()
    ):
        raise InvalidRequest(
            "load_balance.weights maps a credential id or name to a weight from 0 to 1000.",
            param="load_balance.weights",
        )
    return Balance(strategy, {str(k): float(w) for k, w in weights.items()})


_LIMITS: dict[str, tuple[float, float]] = {
    "max": (0, 10),
    "base_ms": (1, 60_000),
    "max_ms": (1, 600_000),
    "connect_s": (0.05, 600),
    "first_byte_s": (0.05, 3600),
    "idle_s": (0.05, 3600),
    "total_s": (0.1, 7200),
    "failures": (1, 1000),
    "error_rate": (0.01, 1.0),
    "min_calls": (1, 100_000),
    "window_s": (1, 3600),
    "cooldown_s": (0.05, 3600),
}


def _section(kind: type[T], name: str, value: Any) -> T:
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object.", param=name)
    known = {f.name: f for f in fields(kind)}  # type: ignore[arg-type]
    unknown = set(value) - set(known)
    if unknown:
        raise InvalidRequest(f"Unknown {name} settings: {', '.join(sorted(unknown))}.", param=name)
    return kind(**{key: _number(name, key, known[key].default, v) for key, v in value.items()})


def _number(section: str, key: str, default: Any, value: Any) -> Any:
    param = f"{section}.{key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InvalidRequest(f"{param} must be true or false.", param=param)
        return value
    low, high = _LIMITS[key]
    wanted = int if isinstance(default, int) else float
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok_type or (wanted is int and not float(value).is_integer()):
        raise InvalidRequest(f"{param} must be a number.", param=param)
    if not low <= value <= high:
        raise InvalidRequest(f"{param} must be from {low:g} to {high:g}.", param=param)
    return wanted(value)
