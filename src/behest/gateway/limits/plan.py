"""An admission plan: the checks one request must pass, as plain data both backends run.

A *rate check* is ``(key, limit, amount, layer)``: a bucket holding ``limit`` units that
drains continuously at ``limit`` per minute; the request adds ``amount``.
A *budget check* is ``(key, limit, amount, window_end, layer)``: a counter for one
calendar window; tokens are counted in tokens, cost in nano-USD (integers, exact).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from behest.gateway.limits.policy import GatewayLimits, LimitPolicy, RateLimit
from behest.gateway.limits.windows import calendar


@dataclass(frozen=True, slots=True)
class Layer:
    """Which limit a check enforces, for messages, headers and usage reports."""

    scope: str  # project, user, ip, mint ip, credential, gateway
    unit: str  # requests, tokens, cost_usd, in-flight requests
    period: str  # minute, day, month, now

    @property
    def is_budget(self) -> bool:
        return self.period in ("day", "month")

    @property
    def name(self) -> str:
        if self.is_budget:
            what = "cost" if self.unit == "cost_usd" else "token"
            return f"{self.scope} {'daily' if self.period == 'day' else 'monthly'} {what} budget"
        if self.period == "now":
            return f"{self.scope} {self.unit}"
        return f"{self.scope} {self.unit} per minute"


def _rates(scope: str) -> tuple[Layer, Layer]:
    return Layer(scope, "requests", "minute"), Layer(scope, "tokens", "minute")


PROJECT = PROJECT_RPM, PROJECT_TPM = _rates("project")
USER = USER_RPM, USER_TPM = _rates("user")
CREDENTIAL = CREDENTIAL_RPM, CREDENTIAL_TPM = _rates("credential")
IP_RPM = Layer("ip", "requests", "minute")
MINT_IP_RPM = Layer("mint ip", "requests", "minute")
CONCURRENCY = Layer("gateway", "in-flight requests", "now")
BUDGET_LAYERS = {
    (scope, period, unit): Layer(scope, unit, period)
    for scope in ("project", "user")
    for period in ("day", "month")
    for unit in ("tokens", "cost_usd")
}

RateCheck = tuple[str, int, int, Layer]
BudgetCheck = tuple[str, int, int, float, Layer]


class Plan:
    """The checks of one admission. ``now`` is None when the backend's clock decides
    (Redis server time); ``clock`` is the local time used for calendar windows."""

    __slots__ = ("budgets", "clock", "concurrency", "lease_seconds", "now", "rates")

    def __init__(self, now: float | None, gateway: GatewayLimits) -> None:
        self.now = now
        self.clock = time.time() if now is None else now
        self.rates: list[RateCheck] = []
        self.budgets: list[BudgetCheck] = []
        self.concurrency = gateway.concurrency
        self.lease_seconds = gateway.lease_seconds


@dataclass(frozen=True, slots=True)
class AdmissionRequest:
    """One request about to go upstream. ``user_id``/``ip`` of None skip those layers;
    ``now`` (epoch seconds) is for tests; None means the backend's clock."""

    project_id: str
    user_id: str | None
    ip: str | None
    policy: LimitPolicy
    credential_id: str = ""
    estimated_tokens: int = 0
    estimated_cost_usd: float = 0.0
    tier: str | None = None
    now: float | None = None


class KeySpace:
    """Builds storage keys under one prefix. Project ids are length-prefixed so that no
    project id / user id pair can collide with another."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def rate(self, ident: str) -> str:
        return f"{self.prefix}r:{ident}"

    @property
    def concurrency(self) -> str:
        return f"{self.prefix}conc"


def add_rate_layers(plan: Plan, keys: KeySpace, subject: AdmissionRequest, tokens: int) -> None:
    policy = subject.policy
    project = subject.project_id
    prefix = keys.prefix
    scoped = f"{len(project)}:{project}"
    _pair(plan, f"{prefix}r:{{}}p:{project}", policy.project, tokens, PROJECT)
    if subject.user_id is not None:
        user = policy.user.for_user(subject.user_id, subject.tier)
        _pair(plan, f"{prefix}r:{{}}u:{scoped}:{subject.user_id}", user, tokens, USER)
    if subject.ip is not None and policy.ip.rpm is not None:
        plan.rates.append((f"{prefix}r:qi:{scoped}:{subject.ip}", policy.ip.rpm, 1, IP_RPM))
    credential = policy.credentials.get(subject.credential_id) if subject.credential_id else None
    if credential is not None:
        _pair(plan, f"{prefix}r:{{}}c:{subject.credential_id}", credential, tokens, CREDENTIAL)


def _pair(plan: Plan, key: str, limit: RateLimit, tokens: int, layers: tuple[Layer, Layer]) -> None:
    """Requests and tokens buckets of one scope; ``key`` has ``{}`` where q / t goes."""
    if limit.rpm is not None:
        plan.rates.append((key.replace("{}", "q", 1), limit.rpm, 1, layers[0]))
    if limit.tpm is not None:
        plan.rates.append((key.replace("{}", "t", 1), limit.tpm, tokens, layers[1]))


def add_budget_layers(
    plan: Plan, keys: KeySpace, subject: AdmissionRequest, tokens: int, nanos: int
) -> None:
    budgets = subject.policy.budgets
    if not budgets.entries:
        return
    cal = calendar(budgets.timezone)
    day = month = None
    project = subject.project_id
    user = f"{len(project)}:{project}:{subject.user_id}"
    for scope, period, unit, limit in budgets.entries:
        if scope == "user" and subject.user_id is None:
            continue
        if period == "day":
            window = day = day or cal.day(plan.clock)
        else:
            window = month = month or cal.month(plan.clock)
        ident = project if scope == "project" else user
        key = f"{keys.prefix}b:{scope[0]}:{ident}:{window.id}:{unit[0]}"
        amount = nanos if unit == "cost_usd" else tokens
        plan.budgets.append((key, limit, amount, window.end, BUDGET_LAYERS[scope, period, unit]))


RateShape = tuple[str, int, bool, Layer]  # a rate check whose amount is tokens (else 1)
BudgetShape = tuple[str, int, bool, float, Layer]  # a budget check whose amount is cost
_Rates = tuple[LimitPolicy, list[RateShape]]
_Budgets = tuple[LimitPolicy, float, float, list[BudgetShape]]  # valid from, until
_UNCAPPED = GatewayLimits()
MAX_SUBJECTS = 10_000  # cached subjects per limiter; past it the cache starts over


class CheckShapes:
    """Each subject's checks with their keys formatted, kept while its policy object (the
    project's configuration) stays the same: only the request's amounts change. The
    policy is held by its entry, so its ``id`` cannot be reused while the entry lives."""

    __slots__ = ("_budgets", "_rates")

    def __init__(self) -> None:
        self._rates: dict[tuple[object, ...], _Rates] = {}
        self._budgets: dict[tuple[object, ...], _Budgets] = {}

    def fill(
        self, plan: Plan, keys: KeySpace, subject: AdmissionRequest, tokens: int, nanos: int
    ) -> None:
        """What ``add_rate_layers`` and ``add_budget_layers`` add to ``plan``."""
        plan.rates += [
            (key, limit, tokens if per_token else 1, layer)
            for key, limit, per_token, layer in self._rate_shapes(keys, subject)
        ]
        if subject.policy.budgets.entries:
            plan.budgets += [
                (key, limit, nanos if in_cost else tokens, end, layer)
                for key, limit, in_cost, end, layer in self._budget_shapes(plan, keys, subject)
            ]

    def _rate_shapes(self, keys: KeySpace, subject: AdmissionRequest) -> list[RateShape]:
        policy = subject.policy
        ident = (
            id(policy),
            subject.project_id,
            subject.user_id,
            subject.tier,
            subject.ip,
            subject.credential_id,
        )
        found = self._rates.get(ident)
        if found is not None and found[0] is policy:
            return found[1]
        scratch = Plan(0.0, _UNCAPPED)
        add_rate_layers(scratch, keys, subject, 0)
        shapes = [
            (key, limit, layer.unit == "tokens", layer) for key, limit, _, layer in scratch.rates
        ]
        if len(self._rates) >= MAX_SUBJECTS:
            self._rates.clear()
        self._rates[ident] = (policy, shapes)
        return shapes

    def _budget_shapes(
        self, plan: Plan, keys: KeySpace, subject: AdmissionRequest
    ) -> list[BudgetShape]:
        """Valid for the calendar day they were made in (a day lies within one month)."""
        policy, clock = subject.policy, plan.clock
        ident = (id(policy), subject.project_id, subject.user_id)
        found = self._budgets.get(ident)
        if found is not None and found[0] is policy and found[1] <= clock < found[2]:
            return found[3]
        scratch = Plan(clock, _UNCAPPED)
        add_budget_layers(scratch, keys, subject, 0, 0)
        shapes = [
            (key, limit, layer.unit == "cost_usd", end, layer)
            for key, limit, _, end, layer in scratch.budgets
        ]
        day = calendar(policy.budgets.timezone).day(clock)
        if len(self._budgets) >= MAX_SUBJECTS:
            self._budgets.clear()
        self._budgets[ident] = (policy, day.start, day.end, shapes)
        return shapes
