"""Provider profiles: each builds a correct upstream request through the OpenAI format."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from behest.gateway.errors import InvalidRequest
from behest.gateway.providers.openai_format import ADAPTER, QUIRKS
from behest.gateway.providers.profiles import (
    AZURE_API_VERSION,
    PROFILES,
    ProviderProfile,
    TargetOverrides,
    profile_for,
    target_for,
)
from behest.gateway.request.call import Call

OPENAI_FAMILY = sorted(name for name, p in PROFILES.items() if p.api_format == "openai")
EXPECTED_URLS = {
    "openai": "https://api.openai.com/v1/chat/completions",
    "groq": "https://api.groq.com/openai/v1/chat/completions",
    "mistral": "https://api.mistral.ai/v1/chat/completions",
    "together": "https://api.together.xyz/v1/chat/completions",
    "deepseek": "https://api.deepseek.com/v1/chat/completions",
    "openrouter": "https://openrouter.ai/api/v1/chat/completions",
    "vllm": "http://localhost:8000/v1/chat/completions",
    "ollama": "http://localhost:11434/v1/chat/completions",
    "lmstudio": "http://localhost:1234/v1/chat/completions",
}


def _call(stream: bool = False) -> Call:
    body = {"model": "alias", "messages": [{"role": "user", "content": "hi"}]}
    return Call("chat", "alias", body, stream=stream)


def test_the_whole_family_is_there() -> None:
    expected = set(EXPECTED_URLS) | {"azure", "anthropic", "gemini"}
    assert set(PROFILES) == expected
    assert set(OPENAI_FAMILY) == set(EXPECTED_URLS) | {"azure"}


@pytest.mark.parametrize("name", sorted(EXPECTED_URLS))
def test_profile_builds_url_auth_and_model(name: str) -> None:
    profile = profile_for(name)
    target = target_for(profile, "up-model", "sk-secret", "cred-1")
    request = ADAPTER.build_request(_call(), target)
    assert request.url == EXPECTED_URLS[name]
    assert orjson.loads(request.body or b"")["model"] == "up-model"
    assert target.credential_id == "cred-1"
    assert target.provider == name
    if profile.auth_style == "none":
        assert "Authorization" not in request.headers
        assert "sk-secret" not in str(request.headers)
    else:
        assert request.headers["Authorization"] == "Bearer sk-secret"


def test_azure_deployment_url_api_version_and_api_key_header() -> None:
    overrides: TargetOverrides = {"base_url": "https://res.openai.azure.com"}
    target = target_for(profile_for("azure"), "prod-gpt4o", "az-key", "c", overrides)
    request = ADAPTER.build_request(_call(stream=True), target)
    assert request.url == (
        "https://res.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions"
        f"?api-version={AZURE_API_VERSION}"
    )
    assert request.headers["api-key"] == "az-key"
    assert "Authorization" not in request.headers


def test_azure_api_version_override() -> None:
    overrides: TargetOverrides = {
        "base_url": "https://r.openai.azure.com",
        "api_version": "2025-04-01-preview",
    }
    target = target_for(profile_for("azure"), "dep", "k", "c", overrides)
    assert ADAPTER.build_request(_call(), target).url.endswith("?api-version=2025-04-01-preview")


def test_azure_without_base_url_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequest, match="base URL"):
        target_for(profile_for("azure"), "dep", "k")


def test_anthropic_and_gemini_profiles_carry_their_auth_header() -> None:
    anthropic = target_for(profile_for("anthropic"), "claude-sonnet-4-5", "a-key")
    gemini = target_for(profile_for("gemini"), "gemini-2.5-flash", "g-key")
    assert (anthropic.api_format, anthropic.auth_style) == ("anthropic", "x-api-key")
    assert anthropic.base_url == "https://api.anthropic.com"
    assert (gemini.api_format, gemini.auth_style) == ("gemini", "x-goog-api-key")
    assert gemini.base_url == "https://generativelanguage.googleapis.com"


def test_quirks_of_every_openai_profile_are_known_to_the_adapter() -> None:
    for name in OPENAI_FAMILY:
        assert PROFILES[name].quirks <= QUIRKS, name


def test_profile_quirks_reach_the_request() -> None:
    target = target_for(profile_for("mistral"), "mistral-large-latest", "k")
    body = orjson.loads(ADAPTER.build_request(_call(stream=True), target).body or b"")
    assert "stream_options" not in body


def test_unknown_provider_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="Unknown provider 'nope'"):
        profile_for("nope")


def test_custom_profile_from_credential_settings() -> None:
    profile = ProviderProfile.custom(
        "corp",
        "https://llm.corp.example/v1",
        auth_style="api-key",
        quirks=["no_parallel_tool_calls"],
        headers={"X-Team": "a"},
    )
    target = target_for(profile, "corp-model", "ck")
    call = _call()
    call.body["parallel_tool_calls"] = True
    request = ADAPTER.build_request(call, target)
    assert request.url == "https://llm.corp.example/v1/chat/completions"
    assert request.headers["api-key"] == "ck"
    assert request.headers["X-Team"] == "a"
    assert "parallel_tool_calls" not in orjson.loads(request.body or b"")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quirks": ["teleport"]}, "Unknown quirks"),
        ({"auth_style": "cookie"}, "Unknown auth style"),
        ({"api_format": "soap"}, "Unknown API format"),
    ],
)
def test_custom_profile_rejects_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        ProviderProfile.custom("corp", "https://x.example", **kwargs)  # type: ignore[arg-type]


def test_custom_profile_needs_http_base_url() -> None:
    with pytest.raises(InvalidRequest, match="base URL"):
        ProviderProfile.custom("corp", "ftp://x.example")


def test_overrides_layer_over_the_profile() -> None:
    overrides: TargetOverrides = {
        "base_url": "http://gpu-box:8000/v1",
        "auth_style": "bearer",
        "headers": {"X-Extra": "1"},
        "quirks": ["no_stream_options"],
    }
    target = target_for(profile_for("vllm"), "qwen", "vk", "c", overrides)
    request = ADAPTER.build_request(_call(stream=True), target)
    assert request.url == "http://gpu-box:8000/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer vk"
    assert request.headers["X-Extra"] == "1"
    assert "stream_options" not in orjson.loads(request.body or b"")


def test_supports_flags() -> None:
    assert profile_for("openai").supports("moderations")
    assert profile_for("openai").supports("embeddings")
    assert not profile_for("anthropic").supports("embeddings")
    assert not profile_for("groq").supports("moderations")
    assert profile_for("groq").supports("chat")


def test_profiles_are_immutable() -> None:
    profile = profile_for("azure")
    with pytest.raises(TypeError):
        profile.query["api-version"] = "x"  # type: ignore[index]


def test_docs_table_lists_every_profile_with_its_quirks() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "providers.md").read_text()
    rows = {
        line.split("|")[1].strip(" `"): line for line in doc.splitlines() if line.startswith("| `")
    }
    for name, profile in PROFILES.items():
        assert name in rows, f"docs/providers.md has no row for {name}"
        for quirk in profile.quirks:
            assert f"`{quirk}`" in rows[name], f"{name}: {quirk} missing from the docs table"
        assert profile.base_url in rows[name]
