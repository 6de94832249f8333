"""The ``auto`` and ``routes`` settings: parsed once, a bad value a 400 that says what."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.auto import AutoRoute

AUTO = {"candidates": ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"], "prefer": "cost"}


def test_without_the_settings_there_are_no_smart_routes() -> None:
    assert ProjectSettings().routing().auto_routes == {}
    assert ProjectSettings.from_dict({"auto": {}, "routes": {}}).routing().auto_routes == {}


def test_auto_and_named_routes_parse_and_round_trip() -> None:
    settings = ProjectSettings.from_dict(
        {
            "aliases": {"fast": "gemini-2.5-flash"},
            "auto": AUTO,
            "routes": {
                "cheap-vision": {"candidates": ["openai/gpt-4o-mini", "fast"]},
                "in-order": {"candidates": ["gpt-4o", "gpt-4o", "o3-mini"], "prefer": "order"},
            },
        }
    )
    routes = settings.routing().auto_routes
    assert routes == {
        "auto": AutoRoute("auto", tuple(AUTO["candidates"]), "cost"),
        "cheap-vision": AutoRoute("cheap-vision", ("openai/gpt-4o-mini", "fast"), "cost"),
        "in-order": AutoRoute("in-order", ("gpt-4o", "o3-mini"), "order"),  # once each
    }
    assert ProjectSettings.from_dict(settings.to_dict()) == settings
    assert settings.merged({"jwt_ttl_s": 600}).routing().auto_routes == routes


@pytest.mark.parametrize(
    ("patch", "says"),
    [
        ({"auto": ["gpt-4o"]}, "auto must be an object"),
        ({"auto": {"candidates": []}}, "auto.candidates must be a non-empty list"),
        ({"auto": {"candidates": "gpt-4o"}}, "auto.candidates must be a non-empty list"),
        ({"auto": {"candidates": ["gpt-4o", ""]}}, "auto.candidates must be a non-empty list"),
        ({"auto": {"candidates": ["gpt-4o"] * 17}}, "at most 16"),
        ({"auto": {"candidates": ["gpt-4o"], "prefer": "speed"}}, "prefer must be one of"),
        ({"auto": {"candidates": ["gpt-4o"], "weights": {}}}, "takes candidates and prefer"),
        ({"auto": {"candidates": ["gpt-4o", "my-model-7b"]}}, "'my-model-7b' is not a model"),
        ({"auto": {"candidates": ["text-embedding-3-small"]}}, "is an embedding model"),
        ({"routes": ["cheap"]}, "routes must be an object"),
        ({"routes": {"cheap": {"candidates": ["nope"]}}}, "routes.cheap.candidates: 'nope'"),
        ({"routes": {"cheap": {"candidates": ["gpt-4o"], "prefer": 1}}}, "routes.cheap.prefer"),
        ({"routes": {"auto": {"candidates": ["gpt-4o"]}}}, "use the auto setting"),
        ({"routes": {"gpt-4o-fast": {"candidates": ["gpt-4o"]}}}, "would hide the model"),
        ({"routes": {"a/b": {"candidates": ["gpt-4o"]}}}, "is not a route name"),
        (
            {"aliases": {"cheap": "gpt-4o-mini"}, "routes": {"cheap": {"candidates": ["gpt-4o"]}}},
            "already an alias",
        ),
    ],
)
def test_a_bad_setting_is_a_400_that_says_what(patch: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        ProjectSettings.from_dict(patch)
    assert raised.value.status == 400 and says in raised.value.message


def test_an_alias_candidate_is_judged_by_the_model_it_names() -> None:
    good = {"aliases": {"house": "claude-haiku-4-5"}, "auto": {"candidates": ["house"]}}
    assert ProjectSettings.from_dict(good).routing().auto_routes["auto"].candidates == ("house",)
    with pytest.raises(InvalidRequest):
        ProjectSettings.from_dict(
            {"aliases": {"house": "my-llm"}, "auto": {"candidates": ["house"]}}
        )
