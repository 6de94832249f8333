"""The credential test's model listing: the GET per API format, and the ids parsed."""

from __future__ import annotations

from behest.gateway.providers.model_list import models_request, parse_model_ids
from behest.gateway.providers.profiles import PROFILES, target_for


def test_openai_compatible_lists_under_the_base_url_with_a_bearer_key() -> None:
    target = target_for(PROFILES["openai"], "", "sk-1", overrides={"base_url": "http://m/v1"})
    request = models_request(target)
    assert (request.method, request.url) == ("GET", "http://m/v1/models")
    assert request.headers["Authorization"] == "Bearer sk-1"
    assert parse_model_ids("openai", b'{"data": [{"id": "b"}, {"id": "a"}]}') == ["a", "b"]


def test_anthropic_lists_v1_models_with_its_key_header_and_version() -> None:
    request = models_request(target_for(PROFILES["anthropic"], "", "ak"))
    assert request.url == "https://api.anthropic.com/v1/models"
    assert request.headers["x-api-key"] == "ak" and "anthropic-version" in request.headers


def test_gemini_lists_v1beta_models_and_strips_the_prefix() -> None:
    request = models_request(target_for(PROFILES["gemini"], "", "gk"))
    assert request.url.endswith("/v1beta/models")
    assert request.headers["x-goog-api-key"] == "gk"
    assert parse_model_ids("gemini", b'{"models": [{"name": "models/gemini-2.5-flash"}]}') == [
        "gemini-2.5-flash"
    ]


def test_an_unexpected_body_lists_nothing() -> None:
    assert parse_model_ids("openai", b"<html>") == []
    assert parse_model_ids("openai", b"[1, 2]") == []
    assert parse_model_ids("openai", b'{"data": [{"name": "x"}, 3]}') == []
