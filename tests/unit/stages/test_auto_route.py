"""The route stage for smart routes: the chosen candidates become the call's targets."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import CredentialView, Directory, ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest, ModelNotFound
from behest.gateway.providers.profiles import profile_for
from behest.gateway.request.call import Call
from behest.gateway.routing.breakers import Breakers
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.flight import Flight
from behest.gateway.stages.route import RouteTable, models_for, route_call, smart_models
from behest.gateway.store import ProjectRecord

HELLO = [{"role": "user", "content": "say hello"}]
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
AUTO = {
    "candidates": ["gpt-4o", "claude-haiku-4-5", "o1-mini", "gemini-2.5-flash", "gpt-4o-mini"],
    "prefer": "cost",
}


def _credential(id: str, provider: str, *models: str) -> CredentialView:
    return CredentialView(
        id, "proj_a", id, provider, "", models, {}, profile_for(provider), None, api_key="k"
    )


def _project(**settings: Any) -> ProjectView:
    now = datetime.now(UTC)
    parsed = ProjectSettings.from_dict(settings)
    credentials = (
        _credential("cred_oa", "openai", "gpt-4o", "gpt-4o-mini", "o1-mini"),
        _credential("cred_an", "anthropic", "claude-*"),
        _credential("cred_ge", "gemini", "gemini-*"),
    )
    record = ProjectRecord("proj_a", "A", settings, now, now)
    return ProjectView(record, parsed, credentials, routing=parsed.routing())


def _table(breakers: Breakers | None = None) -> RouteTable:
    directory = cast(Directory, SimpleNamespace(snapshot=object()))
    return RouteTable(directory, Catalog(), breakers)


def _flight(project: ProjectView, model: str = "auto", **body: Any) -> Flight:
    stream = bool(body.pop("stream", False))
    call = Call("chat", model, {"model": model, "messages": HELLO, **body}, stream=stream)
    return Flight(Principal("proj_a", "u", "s", "jwt", "k"), project, call)


def _models(flight: Flight) -> list[str]:
    return [target.model for target in flight.targets]


def test_auto_puts_the_fitting_candidates_in_price_order() -> None:
    cheap = {"o1-mini": {"input": 0.01, "output": 0.01}}  # the cheapest, but without tools
    project = _project(auto=AUTO, price_overrides=cheap)
    plain = _flight(project)
    route_call(_table(), plain)
    assert _models(plain) == [
        "o1-mini",
        "gpt-4o-mini",
        "gemini-2.5-flash",
        "claude-haiku-4-5",
        "gpt-4o",
    ]
    assert plain.chosen == "auto:cost"
    tools = _flight(project, tools=TOOLS)
    route_call(_table(), tools)
    assert _models(tools)[0] == "gpt-4o-mini" and "o1-mini" not in _models(tools)
    assert tools.chosen == "auto:cost(needs=tools)"


def test_a_project_without_smart_routes_routes_as_before() -> None:
    table, project = _table(), _project()
    flight = _flight(project, "gpt-4o")
    route_call(table, flight)
    assert flight.targets is table.targets(project, "gpt-4o") and flight.chosen == ""
    with pytest.raises(ModelNotFound):
        route_call(table, _flight(project, "auto"))  # unknown, as it always was


def test_a_named_route_and_an_embeddings_call() -> None:
    project = _project(routes={"cheap-vision": {"candidates": ["gpt-4o", "gemini-2.5-flash"]}})
    flight = _flight(project, "cheap-vision")
    route_call(_table(), flight)
    assert _models(flight) == ["gemini-2.5-flash", "gpt-4o"] and flight.chosen == "auto:cost"
    embed = Flight(flight.principal, project, Call("embeddings", "cheap-vision", {"input": "x"}))
    with pytest.raises(ModelNotFound):
        route_call(_table(), embed)  # smart routes are for chat


def test_an_unserved_candidate_is_dropped_and_nothing_fitting_is_a_400() -> None:
    project = _project(auto={"candidates": ["gpt-4.1-mini", "o1-mini"]})  # 4.1: no credential
    flight = _flight(project, tools=TOOLS)
    with pytest.raises(InvalidRequest) as raised:
        route_call(_table(), flight)
    assert raised.value.code == "no_model_fits"
    assert "gpt-4.1-mini: no credential of the project serves it" in raised.value.message
    assert "o1-mini: no tools support" in raised.value.message


def test_the_chosen_models_fallbacks_follow_less_those_that_do_not_fit() -> None:
    project = _project(
        auto={"candidates": ["gpt-4o-mini", "claude-haiku-4-5"]},
        fallbacks={"gpt-4o-mini": ["o1-mini", "gpt-4o"], "auto": ["gemini-2.5-flash"]},
    )
    plain = _flight(project)
    route_call(_table(), plain)
    assert _models(plain) == [
        "gpt-4o-mini",
        "claude-haiku-4-5",
        "o1-mini",
        "gpt-4o",
        "gemini-2.5-flash",
    ]
    tools = _flight(project, tools=TOOLS)
    route_call(_table(), tools)
    assert _models(tools) == ["gpt-4o-mini", "claude-haiku-4-5", "gpt-4o", "gemini-2.5-flash"]


def test_latency_reads_what_the_breakers_observed() -> None:
    project = _project(auto={"candidates": ["gpt-4o", "claude-haiku-4-5"], "prefer": "latency"})
    breakers = Breakers()
    table = _table(breakers)
    flight = _flight(project)
    route_call(table, flight)
    assert _models(flight) == ["gpt-4o", "claude-haiku-4-5"]  # nothing observed: in order
    policy = project.routing.breaker
    breakers.get("proj_a", "cred_oa", "gpt-4o", policy).observe(0.8)
    breakers.get("proj_a", "cred_an", "claude-haiku-4-5", policy).observe(0.3)
    route_call(table, flight)
    assert _models(flight) == ["claude-haiku-4-5", "gpt-4o"]
    assert flight.chosen == "auto:latency"


def test_the_models_list_shows_the_smart_routes() -> None:
    project = _project(
        default_model="auto",
        auto={"candidates": ["gpt-4o-mini"]},
        routes={"cheap-vision": {"candidates": ["gemini-2.5-flash"], "prefer": "order"}},
    )
    assert "auto" not in dict(models_for(project))
    assert smart_models(project, 7) == [
        {
            "id": "auto",
            "object": "model",
            "created": 7,
            "owned_by": "behest",
            "route": {"candidates": ["gpt-4o-mini"], "prefer": "cost"},
            "default": True,
        },
        {
            "id": "cheap-vision",
            "object": "model",
            "created": 7,
            "owned_by": "behest",
            "route": {"candidates": ["gemini-2.5-flash"], "prefer": "order"},
        },
    ]
