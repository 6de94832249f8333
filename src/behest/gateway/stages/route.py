"""Model name → ordered targets (provider endpoint, upstream model, credential).

Rules, first that applies:
1. a project alias names another model (which may itself be explicit);
2. ``<credential name or provider>/<model>`` picks that credential explicitly;
3. every credential whose model patterns (``gpt-4o*``, ``*``) match, in creation order;
4. credentials that list no models serve what the catalog says their provider serves
   (well-known prefixes such as ``gpt-``, ``claude-``, ``gemini-``).
Several matches give fallbacks, tried in order; then come the targets of the project's
fallback chain for the model (``fallbacks``), each model routed by the same rules (one
that no credential serves is left out). A chat request that names no model is served by
the project's ``default_model``.

A chat request naming a smart route (the project's ``auto`` setting, or one of its
``routes``) gets its targets chosen for it (routing/chooser.py): the candidates that can
serve it, best first, each with its own targets, then the chosen model's fallback chain
(and the route name's), less the models that cannot serve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from behest.gateway.config.directory import CredentialView, Directory, ProjectView
from behest.gateway.errors import InvalidRequest, ModelNotFound
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.request.parse import MISSING_MODEL
from behest.gateway.routing.auto import AutoRoute
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.catalog import Catalog, ModelInfo
from behest.gateway.routing.chooser import Candidate, choose, explanation, misfit, no_model_fits
from behest.gateway.routing.needs import needs_of
from behest.gateway.stages.flight import Flight
from behest.gateway.upstream.dispatch import Plan

_Resolved = tuple[tuple[Target, ...], ModelInfo | None]  # a model's own targets, its info


MAX_KEPT = 10_000  # routes and plans kept; past it the table starts over


@dataclass(frozen=True, slots=True)
class _KeptPlan:
    """A plan with what it was made from: holding the targets keeps their ``id`` unique."""

    targets: list[Target]
    project: ProjectView
    plan: Plan


class RouteTable:
    """Targets per (project, model), and the plan of a call to them, remembered until the
    configuration changes."""

    def __init__(
        self, directory: Directory, catalog: Catalog, breakers: Breakers | None = None
    ) -> None:
        self.directory = directory
        self.catalog = catalog
        self.breakers = breakers or Breakers()  # their latencies, for prefer: latency
        self._routes: dict[tuple[str, str], list[Target]] = {}
        self._resolved: dict[tuple[str, str], _Resolved] = {}
        self._plans: dict[tuple[int, bool], _KeptPlan] = {}
        self._routes_of: object = None

    def targets(self, project: ProjectView, model: str) -> list[Target]:
        self._current()
        key = (project.id, model)
        targets = self._routes.get(key)
        if targets is None:
            targets = self._routes[key] = with_fallbacks(project, model, self.catalog)
        return targets

    def chosen(self, project: ProjectView, auto: AutoRoute, call: Call) -> tuple[list[Target], str]:
        """The targets a smart route gives this call, and the route header's reason."""
        needs = needs_of(call)
        candidates = [self._candidate(project, name, auto.prefer) for name in auto.candidates]
        choice = choose(candidates, needs, auto.prefer)
        if not choice.order:
            raise no_model_fits(auto.name, choice.dropped)
        targets: list[Target] = []
        seen: set[tuple[str, str]] = set()
        for candidate in choice.order:
            _add(targets, seen, self._resolve(project, candidate.name)[0])
        chain = project.routing.chain
        for fallback in (*chain(choice.order[0].name), *chain(auto.name)):
            own, info = self._resolve(project, fallback)
            if own and misfit(info, needs) is None:
                _add(targets, seen, own)
        return targets, explanation(auto.prefer, needs)

    def _candidate(self, project: ProjectView, name: str, prefer: str) -> Candidate:
        own, info = self._resolve(project, name)
        if not own:
            return Candidate(name, None)
        first = own[0]
        if prefer == "cost":
            overrides = project.settings.price_overrides
            prices = self.catalog.prices(first.provider, first.model, overrides)
            return Candidate(name, info, prices=prices)
        if prefer == "latency":
            latency = self.breakers.latency(project.id, first.credential_id, first.model)
            return Candidate(name, info, latency_s=latency)
        return Candidate(name, info)

    def _resolve(self, project: ProjectView, model: str) -> _Resolved:
        """The model's own targets (no fallback chain) and what the catalog knows of it."""
        self._current()
        key = (project.id, model)
        resolved = self._resolved.get(key)
        if resolved is None:
            try:
                own = tuple(route(project, model, self.catalog))
            except ModelNotFound:
                own = ()
            info = self.catalog.describe(own[0].provider, own[0].model) if own else None
            resolved = self._resolved[key] = (own, info)
        return resolved

    def plan(self, flight: Flight) -> Plan:
        """The call's plan over its targets; for targets this table keeps (a smart route's
        are made per call), the same plan serves every call to them."""
        self._current()
        project, targets = flight.project, flight.targets
        key = (id(targets), flight.defaulted)
        kept = self._plans.get(key)
        if kept is not None and kept.targets is targets and kept.project is project:
            return kept.plan
        plan = Plan(
            project.id,
            targets,
            project.routing,
            self.breakers,
            defaulted=flight.defaulted,
            weights=balance_weights(project),
            chosen=flight.chosen,
        )
        if not flight.chosen:
            self._plans[key] = _KeptPlan(targets, project, plan)
        return plan

    def _current(self) -> None:
        snapshot = self.directory.snapshot
        kept = len(self._routes) + len(self._resolved) + len(self._plans)
        if self._routes_of is not snapshot or kept > MAX_KEPT:
            self._routes, self._resolved, self._plans = {}, {}, {}
            self._routes_of = snapshot


def _add(targets: list[Target], seen: set[tuple[str, str]], more: tuple[Target, ...]) -> None:
    for target in more:
        if (target.credential_id, target.model) not in seen:
            seen.add((target.credential_id, target.model))
            targets.append(target)


def route_call(table: RouteTable, flight: Flight) -> None:
    """The call's targets: a smart route's choice for this request, else the model's."""
    project, call = flight.project, flight.call
    smart = project.routing.auto_routes
    if smart and call.operation == "chat" and (auto := smart.get(call.model)) is not None:
        flight.targets, flight.chosen = table.chosen(project, auto, call)
    else:
        flight.targets = table.targets(project, call.model)


def choose_model(project: ProjectView, call: Call) -> bool:
    """Fills in the project's default model for a call that names none; True if it did."""
    if call.model:
        return False
    default = project.routing.default_model
    if default is None:
        raise InvalidRequest(MISSING_MODEL, param="model")
    call.model = default
    return True


def with_fallbacks(project: ProjectView, model: str, catalog: Catalog) -> list[Target]:
    """The model's own targets, then those of its fallback chain, each target once."""
    targets = route(project, model, catalog)
    seen = {(t.credential_id, t.model) for t in targets}
    for fallback in project.routing.chain(model):
        try:
            more = route(project, fallback, catalog)
        except ModelNotFound:
            continue
        for target in more:
            if (target.credential_id, target.model) not in seen:
                seen.add((target.credential_id, target.model))
                targets.append(target)
    return targets


def route(project: ProjectView, model: str, catalog: Catalog) -> list[Target]:
    model = project.settings.aliases.get(model, model)
    targets = (
        _explicit(project, model)
        or _by_pattern(project, model)
        or _by_provider(project, model, catalog)
    )
    if not targets:
        raise ModelNotFound(
            f"The model '{model}' does not exist or this project has no provider credential "
            "that serves it.",
            param="model",
        )
    return targets


def _explicit(project: ProjectView, model: str) -> list[Target]:
    head, sep, rest = model.partition("/")
    if not sep or not rest:
        return []
    named = [c for c in project.credentials if c.name == head]
    chosen = named or [c for c in project.credentials if c.provider == head]
    return [credential.target(rest) for credential in chosen]


def _by_pattern(project: ProjectView, model: str) -> list[Target]:
    return [
        credential.target(model)
        for credential in project.credentials
        if any(fnmatchcase(model, pattern) for pattern in credential.models)
    ]


def _by_provider(project: ProjectView, model: str, catalog: Catalog) -> list[Target]:
    open_ended = [credential for credential in project.credentials if not credential.models]
    if not open_ended:
        return []
    try:
        provider, upstream_model = catalog.resolve(model, {c.provider for c in open_ended})
    except ModelNotFound:
        return []
    return [c.target(upstream_model) for c in open_ended if c.provider == provider]


def models_for(project: ProjectView) -> list[tuple[str, CredentialView]]:
    """The model names a project can ask for, with the credential that serves each."""
    listed: dict[str, CredentialView] = {}
    for credential in project.credentials:
        for pattern in credential.models:
            if not any(char in pattern for char in "*?["):
                listed.setdefault(pattern, credential)
    for alias in project.settings.aliases:
        first = next(iter(project.credentials), None)
        if first is not None:
            listed.setdefault(alias, first)
    default = project.routing.default_model
    if default and default not in listed and default not in project.routing.auto_routes:
        matching = (c for c in project.credentials if _serves(c, default))
        served = next(matching, next(iter(project.credentials), None))
        if served is not None:
            listed[default] = served
    return sorted(listed.items())


def smart_models(project: ProjectView, created: int) -> list[dict[str, Any]]:
    """``GET /v1/models`` entries for the project's smart routes, with their settings."""
    default = project.routing.default_model
    return [
        {
            "id": name,
            "object": "model",
            "created": created,
            "owned_by": "behest",
            "route": {"candidates": list(auto.candidates), "prefer": auto.prefer},
        }
        | ({"default": True} if name == default else {})
        for name, auto in sorted(project.routing.auto_routes.items())
    ]


def _serves(credential: CredentialView, model: str) -> bool:
    return any(fnmatchcase(model, pattern) for pattern in credential.models)


def balance_weights(project: ProjectView) -> dict[str, float]:
    """Each credential's load-balancing weight by id (settings may name it by id or name)."""
    weights = project.routing.balance.weights
    if not weights:
        return {}
    return {c.id: weights.get(c.id, weights.get(c.name, 1.0)) for c in project.credentials}
