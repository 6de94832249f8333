"""Routing settings: validated once, with defaults, and a bad value is a 400."""

from __future__ import annotations

import pytest

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.policy import RoutingPolicy, Timeouts


def test_defaults_change_nothing() -> None:
    policy = ProjectSettings().routing()
    assert policy == RoutingPolicy()
    assert policy.retries.max == 0 and policy.timeouts == Timeouts()
    assert policy.chain("gpt-4o") == ()


def test_a_full_routing_section_parses() -> None:
    settings = ProjectSettings.from_dict(
        {
            "default_model": "gpt-4o-mini",
            "fallbacks": {"gpt-4o": ["claude-sonnet-4-5", "gemini-2.5-flash"], "default": ["x"]},
            "retries": {"max": 2, "base_ms": 50, "max_ms": 1000},
            "timeouts": {"connect_s": 2, "first_byte_s": 30, "idle_s": 10, "total_s": 60},
            "breaker": {"failures": 3, "cooldown_s": 5, "enabled": True},
        }
    )
    policy = settings.routing()
    assert policy.default_model == "gpt-4o-mini"
    assert policy.chain("gpt-4o") == ("claude-sonnet-4-5", "gemini-2.5-flash")
    assert policy.chain("gpt-4o-mini") == ("x",)  # the default model's chain
    assert (policy.retries.max, policy.retries.base_ms) == (2, 50)
    assert policy.timeouts.total_s == 60.0 and isinstance(policy.timeouts.connect_s, float)
    assert (policy.breaker.failures, policy.breaker.cooldown_s) == (3, 5.0)
    assert ProjectSettings.from_dict(settings.to_dict()) == settings


@pytest.mark.parametrize(
    "patch",
    [
        {"default_model": ""},
        {"default_model": 5},
        {"default_model": "gpt-*"},
        {"fallbacks": ["gpt-4o"]},
        {"fallbacks": {"gpt-4o": "claude"}},
        {"fallbacks": {"gpt-4o": [""]}},
        {"retries": {"max": -1}},
        {"retries": {"max": 1.5}},
        {"retries": {"tries": 2}},
        {"timeouts": {"total_s": 0}},
        {"timeouts": {"idle_s": "10"}},
        {"breaker": {"failures": 0}},
        {"breaker": {"enabled": "yes"}},
        {"breaker": []},
    ],
)
def test_bad_routing_settings_are_refused(patch: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        ProjectSettings().merged(patch)
