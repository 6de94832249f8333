"""Project settings: CORS origins are origins, as browsers send them."""

from __future__ import annotations

import pytest

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest


def test_origins_are_normalised_to_what_browsers_send() -> None:
    settings = ProjectSettings.from_dict(
        {"cors_origins": ["HTTPS://App.Example.com/", "http://127.0.0.1:3000", "http://[::1]:8080"]}
    )
    assert settings.cors_origins == (
        "https://app.example.com",
        "http://127.0.0.1:3000",
        "http://[::1]:8080",
    )


@pytest.mark.parametrize(
    "bad", ["*", "null", "https://app.example.com/path", "app.example.com", "ftp://x.example", ""]
)
def test_what_no_browser_sends_is_refused_with_the_parameter_named(bad: str) -> None:
    with pytest.raises(InvalidRequest, match="not an origin") as refused:
        ProjectSettings.from_dict({"cors_origins": [bad]})
    assert refused.value.param == "cors_origins"


def test_stored_settings_with_old_unmatchable_origins_still_load() -> None:
    stored = {"cors_origins": ["null", "https://ok.example/"], "jwt_ttl_s": 600}
    settings = ProjectSettings.stored(stored)
    assert settings.cors_origins == ("https://ok.example",) and settings.jwt_ttl_s == 600
