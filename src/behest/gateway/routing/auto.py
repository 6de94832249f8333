"""Smart routing settings: ``model: "auto"`` and named routes.

    "auto":   {"candidates": ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"],
               "prefer": "cost"}
    "routes": {"cheap-vision": {"candidates": ["gpt-4o-mini", "gemini-2.5-flash"],
                                "prefer": "cost"}}

A candidate is written as a request would name the model: a catalog model name,
``<provider or credential>/<model>``, or an alias of one. The choice among them is made
on what the catalog knows of each (tools, vision, JSON schema, context window, prices:
:mod:`.chooser`), so a candidate the capability table has no row for is refused when the
setting is written, as is an embedding model. ``prefer`` is ``cost`` (the default),
``latency`` or ``order``. A route name must not be a name the catalog already gives a
model (it would hide that model) nor an alias.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.capabilities import family_of

AUTO = "auto"  # the model name of the project's ``auto`` setting
PREFERENCES = ("cost", "latency", "order")
MAX_CANDIDATES = 16
MAX_ROUTES = 64
_NAME_CHARS = frozenset("/*?[] \t\n")


@dataclass(frozen=True, slots=True)
class AutoRoute:
    name: str  # "auto" or the route's name: the model name a request writes
    candidates: tuple[str, ...]
    prefer: str = "cost"


def parse_auto_routes(
    auto: Any, routes: Any, aliases: Mapping[str, str] | None = None
) -> dict[str, AutoRoute]:
    """The project's ``auto`` and ``routes`` settings by the model name that selects each."""
    aliases = aliases or {}
    parsed: dict[str, AutoRoute] = {}
    if auto is not None and not isinstance(auto, dict):
        raise InvalidRequest("auto must be an object: candidates and prefer.", param="auto")
    if auto:
        parsed[AUTO] = _route(AUTO, "auto", auto, aliases)
    if routes is None:
        routes = {}
    if not isinstance(routes, dict):
        raise InvalidRequest("routes must map a route name to its settings.", param="routes")
    if len(routes) > MAX_ROUTES:
        raise InvalidRequest(f"A project has at most {MAX_ROUTES} routes.", param="routes")
    for name, value in routes.items():
        _check_name(name, aliases)
        parsed[name] = _route(name, f"routes.{name}", value, aliases)
    return parsed


def _route(name: str, param: str, value: Any, aliases: Mapping[str, str]) -> AutoRoute:
    if not isinstance(value, dict) or set(value) - {"candidates", "prefer"}:
        raise InvalidRequest(f"{param} takes candidates and prefer.", param=param)
    candidates = value.get("candidates")
    if (
        not isinstance(candidates, list | tuple)
        or not candidates
        or not all(isinstance(c, str) and c.strip() for c in candidates)
    ):
        raise InvalidRequest(
            f"{param}.candidates must be a non-empty list of model names.",
            param=f"{param}.candidates",
        )
    if len(candidates) > MAX_CANDIDATES:
        raise InvalidRequest(
            f"{param}.candidates holds at most {MAX_CANDIDATES} models.",
            param=f"{param}.candidates",
        )
    for candidate in candidates:
        _check_candidate(candidate, f"{param}.candidates", aliases)
    prefer = value.get("prefer", "cost")
    if prefer not in PREFERENCES:
        raise InvalidRequest(
            f"{param}.prefer must be one of {', '.join(PREFERENCES)}.", param=f"{param}.prefer"
        )
    return AutoRoute(name, tuple(dict.fromkeys(candidates)), prefer)


def _check_candidate(candidate: str, param: str, aliases: Mapping[str, str]) -> None:
    model = aliases.get(candidate, candidate)
    row = family_of(model)
    if row is None:
        raise InvalidRequest(
            f"{param}: {candidate!r} is not a model the catalog knows, so its tools, vision "
            "and context window are unknown; name a catalog model, optionally as "
            "'<provider or credential>/<model>'.",
            param=param,
        )
    if row.embeddings:
        raise InvalidRequest(f"{param}: {candidate!r} is an embedding model.", param=param)


def _check_name(name: Any, aliases: Mapping[str, str]) -> None:
    param = "routes"
    if not isinstance(name, str) or not name or len(name) > 64 or _NAME_CHARS & set(name):
        raise InvalidRequest(
            f"routes: {name!r} is not a route name (1-64 characters, no '/', spaces or wildcards).",
            param=param,
        )
    if name == AUTO:
        raise InvalidRequest("routes: use the auto setting for the name 'auto'.", param=param)
    if name in aliases:
        raise InvalidRequest(f"routes: {name!r} is already an alias.", param=param)
    if family_of(name) is not None:
        raise InvalidRequest(
            f"routes: {name!r} is a model name the catalog knows; a route by that name "
            "would hide the model.",
            param=param,
        )
