"""The ``cache`` project setting: defaults, validation (a 400 at the admin API)."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.cache import CachePolicy
from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest


def test_off_by_default() -> None:
    assert CachePolicy.parse({}) == CachePolicy()
    assert CachePolicy().enabled is False


def test_every_field_parses() -> None:
    policy = CachePolicy.parse(
        {
            "enabled": True,
            "ttl_s": 60,
            "shared_across_users": True,
            "allow_temperature": True,
            "max_entry_bytes": 2048,
        }
    )
    assert policy == CachePolicy(True, 60, True, True, 2048)


@pytest.mark.parametrize(
    "bad",
    [
        {"enabled": "yes"},
        {"ttl_s": 0},
        {"ttl_s": True},
        {"ttl_s": 10**9},
        {"max_entry_bytes": -1},
        {"shared": True},
    ],
)
def test_bad_values_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest):
        CachePolicy.parse(bad)
    with pytest.raises(InvalidRequest):
        ProjectSettings.from_dict({"cache": bad})


def test_project_settings_keep_the_section() -> None:
    settings = ProjectSettings.from_dict({"cache": {"enabled": True}})
    assert settings.to_dict()["cache"] == {"enabled": True}
