"""Route: the default model for a call without one, fallback chains after the model's own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from behest.gateway.config.directory import CredentialView, ProjectView
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest
from behest.gateway.providers.profiles import profile_for
from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog
from behest.gateway.stages.route import choose_model, models_for, with_fallbacks
from behest.gateway.store import ProjectRecord


def _credential(id: str, provider: str, *models: str) -> CredentialView:
    return CredentialView(
        id, "proj_a", id, provider, "", models, {}, profile_for(provider), None, api_key="k"
    )


def _project(**settings: Any) -> ProjectView:
    now = datetime.now(UTC)
    parsed = ProjectSettings.from_dict(settings)
    credentials = (
        _credential("cred_oa", "openai", "gpt-4o", "gpt-4o-mini"),
        _credential("cred_an", "anthropic", "claude-*"),
        _credential("cred_ge", "gemini", "gemini-*"),
    )
    record = ProjectRecord("proj_a", "A", settings, now, now)
    return ProjectView(record, parsed, credentials, routing=parsed.routing())


def test_a_call_without_model_gets_the_default() -> None:
    call = Call("chat", "", {"messages": []})
    assert choose_model(_project(default_model="gpt-4o-mini"), call) is True
    assert call.model == "gpt-4o-mini"
    named = Call("chat", "gpt-4o", {"messages": []})
    assert choose_model(_project(default_model="gpt-4o-mini"), named) is False
    assert named.model == "gpt-4o"


def test_without_a_default_a_missing_model_stays_a_400() -> None:
    with pytest.raises(InvalidRequest) as raised:
        choose_model(_project(), Call("chat", "", {"messages": []}))
    assert raised.value.param == "model"


def test_a_chain_crosses_providers_in_order() -> None:
    project = _project(
        fallbacks={"gpt-4o": ["claude-sonnet-4-5", "nobody-serves", "gemini-2.5-flash"]}
    )
    targets = with_fallbacks(project, "gpt-4o", Catalog())
    assert [(t.provider, t.model) for t in targets] == [
        ("openai", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-5"),
        ("gemini", "gemini-2.5-flash"),
    ]


def test_the_default_chain_follows_the_default_model() -> None:
    project = _project(default_model="gpt-4o-mini", fallbacks={"default": ["claude-haiku-4-5"]})
    targets = with_fallbacks(project, "gpt-4o-mini", Catalog())
    assert [t.model for t in targets] == ["gpt-4o-mini", "claude-haiku-4-5"]
    assert [t.model for t in with_fallbacks(project, "gpt-4o", Catalog())] == ["gpt-4o"]


def test_models_list_includes_the_default() -> None:
    listed = dict(models_for(_project(default_model="claude-sonnet-4-5")))
    assert listed["claude-sonnet-4-5"].provider == "anthropic"
