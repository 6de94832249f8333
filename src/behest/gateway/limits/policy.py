"""Limit policies: what a project allows, stored as JSON in its settings.

Every type is a frozen dataclass with ``from_dict`` (validating, raises
``InvalidRequest`` naming the offending field) and ``to_dict`` (the canonical JSON,
omitting what is unlimited). A missing or ``null`` value means "no limit".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from behest.gateway.errors import InvalidRequest

Json = dict[str, Any]
NANO_USD = 1_000_000_000
BudgetEntry = tuple[str, str, str, int]  # scope, period, unit, limit (tokens or nano-USD)


class FailureMode(StrEnum):
    """What admission does while Redis is unreachable."""

    OPEN = "fail_open"  # admit under this replica's in-process limits
    CLOSED = "fail_closed"  # reject with 503


def _fields(data: object, where: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidRequest(f"{where} must be an object", param=where)
    unknown = set(data) - allowed
    if unknown:
        raise InvalidRequest(f"{where} has unknown field(s): {sorted(unknown)}", param=where)
    return data


def _count(value: object, where: str, *, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidRequest(f"{where} must be an integer >= {minimum} or null", param=where)
    return value


def _usd(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        raise InvalidRequest(f"{where} must be a number of USD >= 0 or null", param=where)
    return float(value)


def _named(data: object, where: str) -> Mapping[str, object]:
    if data is None:
        return {}
    if not isinstance(data, Mapping) or not all(isinstance(k, str) and k for k in data):
        raise InvalidRequest(f"{where} must be an object keyed by non-empty names", param=where)
    return data


def _compact(data: Json) -> Json:
    return {key: value for key, value in data.items() if value not in (None, {})}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Requests and tokens per minute; ``None`` is unlimited."""

    rpm: int | None = None
    tpm: int | None = None

    @classmethod
    def from_dict(cls, data: object, where: str = "rate") -> RateLimit:
        raw = _fields(data, where, frozenset({"rpm", "tpm"}))
        return cls(
            rpm=_count(raw.get("rpm"), f"{where}.rpm", minimum=1),
            tpm=_count(raw.get("tpm"), f"{where}.tpm", minimum=1),
        )

    def to_dict(self) -> Json:
        return _compact({"rpm": self.rpm, "tpm": self.tpm})

    def over(self, base: RateLimit) -> RateLimit:
        """This limit, with the fields it leaves unset taken from ``base``."""
        return RateLimit(
            rpm=base.rpm if self.rpm is None else self.rpm,
            tpm=base.tpm if self.tpm is None else self.tpm,
        )


def _rate_map(data: object, where: str) -> dict[str, RateLimit]:
    return {k: RateLimit.from_dict(v, f"{where}.{k}") for k, v in _named(data, where).items()}


@dataclass(frozen=True, slots=True)
class UserLimits:
    """Per end-user limits: a default, named tiers, and per-user overrides.

    A user's limit is their override, else their tier, else the default; fields an
    override or tier leaves unset fall through to the next.
    """

    default: RateLimit = RateLimit()
    tiers: Mapping[str, RateLimit] = field(default_factory=dict)
    overrides: Mapping[str, RateLimit] = field(default_factory=dict)
    _tiers: Mapping[str, RateLimit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged = {name: limit.over(self.default) for name, limit in self.tiers.items()}
        object.__setattr__(self, "_tiers", merged)

    @classmethod
    def from_dict(cls, data: object, where: str = "user") -> UserLimits:
        raw = _fields(data, where, frozenset({"rpm", "tpm", "tiers", "overrides"}))
        default = RateLimit.from_dict({k: raw[k] for k in ("rpm", "tpm") if k in raw}, where)
        return cls(
            default=default,
            tiers=_rate_map(raw.get("tiers"), f"{where}.tiers"),
            overrides=_rate_map(raw.get("overrides"), f"{where}.overrides"),
        )

    def to_dict(self) -> Json:
        return _compact(
            {
                **self.default.to_dict(),
                "tiers": {k: v.to_dict() for k, v in self.tiers.items()},
                "overrides": {k: v.to_dict() for k, v in self.overrides.items()},
            }
        )

    def for_user(self, user_id: str, tier: str | None) -> RateLimit:
        base = self._tiers.get(tier, self.default) if tier else self.default
        override = self.overrides.get(user_id) if self.overrides else None
        return base if override is None else override.over(base)


@dataclass(frozen=True, slots=True)
class IpLimits:
    """Requests per minute per client IP; ``mint_rpm`` for ``/v1/auth/mint`` (default: rpm)."""

    rpm: int | None = None
    mint_rpm: int | None = None

    @classmethod
    def from_dict(cls, data: object, where: str = "ip") -> IpLimits:
        raw = _fields(data, where, frozenset({"rpm", "mint_rpm"}))
        rpm = _count(raw.get("rpm"), f"{where}.rpm", minimum=1)
        mint = _count(raw.get("mint_rpm"), f"{where}.mint_rpm", minimum=1)
        return cls(rpm=rpm, mint_rpm=rpm if mint is None else mint)

    def to_dict(self) -> Json:
        mint = None if self.mint_rpm == self.rpm else self.mint_rpm
        return _compact({"rpm": self.rpm, "mint_rpm": mint})


@dataclass(frozen=True, slots=True)
class Budget:
    """A spend cap for one calendar period: tokens and/or cost in USD."""

    tokens: int | None = None
    cost_usd: float | None = None

    @classmethod
    def from_dict(cls, data: object, where: str) -> Budget:
        raw = _fields(data, where, frozenset({"tokens", "cost_usd"}))
        return cls(
            tokens=_count(raw.get("tokens"), f"{where}.tokens", minimum=0),
            cost_usd=_usd(raw.get("cost_usd"), f"{where}.cost_usd"),
        )

    def to_dict(self) -> Json:
        return _compact({"tokens": self.tokens, "cost_usd": self.cost_usd})


@dataclass(frozen=True, slots=True)
class BudgetPeriods:
    daily: Budget = Budget()
    monthly: Budget = Budget()

    @classmethod
    def from_dict(cls, data: object, where: str) -> BudgetPeriods:
        raw = _fields(data, where, frozenset({"daily", "monthly"}))
        return cls(
            daily=Budget.from_dict(raw.get("daily"), f"{where}.daily"),
            monthly=Budget.from_dict(raw.get("monthly"), f"{where}.monthly"),
        )

    def to_dict(self) -> Json:
        return _compact({"daily": self.daily.to_dict(), "monthly": self.monthly.to_dict()})


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    """Budgets per project and per user; days and months are calendar ones in ``timezone``."""

    timezone: str = "UTC"
    project: BudgetPeriods = BudgetPeriods()
    user: BudgetPeriods = BudgetPeriods()
    entries: tuple[BudgetEntry, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entries = []
        for scope, periods in (("project", self.project), ("user", self.user)):
            for period, budget in (("day", periods.daily), ("month", periods.monthly)):
                if budget.tokens is not None:
                    entries.append((scope, period, "tokens", budget.tokens))
                if budget.cost_usd is not None:
                    entries.append((scope, period, "cost_usd", round(budget.cost_usd * NANO_USD)))
        object.__setattr__(self, "entries", tuple(entries))

    @classmethod
    def from_dict(cls, data: object, where: str = "budgets") -> BudgetPolicy:
        raw = _fields(data, where, frozenset({"timezone", "project", "user"}))
        zone = raw.get("timezone", "UTC")
        if not isinstance(zone, str) or not _is_zone(zone):
            raise InvalidRequest(f"{where}.timezone must be an IANA time zone", param=where)
        return cls(
            timezone=zone,
            project=BudgetPeriods.from_dict(raw.get("project"), f"{where}.project"),
            user=BudgetPeriods.from_dict(raw.get("user"), f"{where}.user"),
        )

    def to_dict(self) -> Json:
        body = _compact({"project": self.project.to_dict(), "user": self.user.to_dict()})
        return {"timezone": self.timezone, **body} if body else {}


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_POLICY_FIELDS = frozenset({"project", "user", "ip", "budgets", "credentials", "on_redis_error"})


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """Everything a project limits. ``credentials`` caps are keyed by credential id and
    count every request on that credential, gateway-wide."""

    project: RateLimit = RateLimit()
    user: UserLimits = UserLimits()
    ip: IpLimits = IpLimits()
    budgets: BudgetPolicy = BudgetPolicy()
    credentials: Mapping[str, RateLimit] = field(default_factory=dict)
    on_redis_error: FailureMode = FailureMode.OPEN
    unlimited: bool = field(init=False, repr=False, compare=False)  # no layer is set

    def __post_init__(self) -> None:
        user = self.user
        rates = (self.project, user.default, *user.tiers.values(), *user.overrides.values())
        unset = all(rate.rpm is None and rate.tpm is None for rate in rates)
        unset = unset and all(c.rpm is None and c.tpm is None for c in self.credentials.values())
        unset = unset and self.ip.rpm is None and not self.budgets.entries
        object.__setattr__(self, "unlimited", unset)

    @classmethod
    def from_dict(cls, data: object) -> LimitPolicy:
        raw = _fields(data, "limits", _POLICY_FIELDS)
        mode = raw.get("on_redis_error", FailureMode.OPEN.value)
        if mode not in {m.value for m in FailureMode}:
            raise InvalidRequest(
                "limits.on_redis_error must be 'fail_open' or 'fail_closed'",
                param="limits.on_redis_error",
            )
        return cls(
            project=RateLimit.from_dict(raw.get("project"), "limits.project"),
            user=UserLimits.from_dict(raw.get("user"), "limits.user"),
            ip=IpLimits.from_dict(raw.get("ip"), "limits.ip"),
            budgets=BudgetPolicy.from_dict(raw.get("budgets"), "limits.budgets"),
            credentials=_rate_map(raw.get("credentials"), "limits.credentials"),
            on_redis_error=FailureMode(str(mode)),
        )

    def to_dict(self) -> Json:
        body = _compact(
            {
                "project": self.project.to_dict(),
                "user": self.user.to_dict(),
                "ip": self.ip.to_dict(),
                "budgets": self.budgets.to_dict(),
                "credentials": {k: v.to_dict() for k, v in self.credentials.items()},
            }
        )
        return {**body, "on_redis_error": self.on_redis_error.value}


@dataclass(frozen=True, slots=True)
class GatewayLimits:
    """Gateway-wide (not per project): in-flight requests across all replicas.

    ``lease_seconds`` bounds how long a slot held by a crashed replica stays taken.
    """

    concurrency: int | None = None
    lease_seconds: float = 600.0

    def __post_init__(self) -> None:
        if self.concurrency is not None and self.concurrency < 1:
            raise InvalidRequest("concurrency must be >= 1 or None", param="concurrency")
        if self.lease_seconds <= 0:
            raise InvalidRequest("lease_seconds must be > 0", param="lease_seconds")
