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
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from behest.gateway.config.directory import CredentialView, Directory, ProjectView
from behest.gateway.errors import InvalidRequest, ModelNotFound
from behest.gateway.providers.base import Target
from behest.gateway.request.call import Call
from behest.gateway.request.parse import MISSING_MODEL
from behest.gateway.routing.catalog import Catalog


class RouteTable:
    """Targets per (project, model), remembered until the configuration changes."""

    def __init__(self, directory: Directory, catalog: Catalog) -> None:
        self.directory = directory
        self.catalog = catalog
        self._routes: dict[tuple[str, str], list[Target]] = {}
        self._routes_of: object = None

    def targets(self, project: ProjectView, model: str) -> list[Target]:
        snapshot = self.directory.snapshot
        if self._routes_of is not snapshot or len(self._routes) > 10_000:
            self._routes, self._routes_of = {}, snapshot
        key = (project.id, model)
        targets = self._routes.get(key)
        if targets is None:
            targets = self._routes[key] = with_fallbacks(project, model, self.catalog)
        return targets


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
    if default and default not in listed:
        matching = (c for c in project.credentials if _serves(c, default))
        served = next(matching, next(iter(project.credentials), None))
        if served is not None:
            listed[default] = served
    return sorted(listed.items())


def _serves(credential: CredentialView, model: str) -> bool:
    return any(fnmatchcase(model, pattern) for pattern in credential.models)


def balance_weights(project: ProjectView) -> dict[str, float]:
    """Each credential's load-balancing weight by id (settings may name it by id or name)."""
    weights = project.routing.balance.weights
    if not weights:
        return {}
    return {c.id: weights.get(c.id, weights.get(c.name, 1.0)) for c in project.credentials}
