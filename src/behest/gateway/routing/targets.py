"""Provider profiles for stored credentials: built-in ones, or custom OpenAI-compatible."""

from __future__ import annotations

from typing import Any, cast

from behest.gateway.providers.profiles import (
    PROFILES,
    ProviderProfile,
    TargetOverrides,
    profile_for,
)

_OVERRIDE_KEYS = ("auth_style", "headers", "query", "quirks", "api_version")


def profile_of(provider: str, base_url: str, settings: dict[str, Any]) -> ProviderProfile:
    if provider in PROFILES:
        return profile_for(provider)
    return ProviderProfile.custom(
        provider,
        base_url,
        api_format=str(settings.get("api_format", "openai")),
        auth_style=str(settings.get("auth_style", "bearer")),
        embeddings=True,
        moderations=True,
    )


def overrides_of(base_url: str, settings: dict[str, Any]) -> TargetOverrides | None:
    overrides: dict[str, Any] = {key: settings[key] for key in _OVERRIDE_KEYS if key in settings}
    if base_url:
        overrides["base_url"] = base_url
    return cast(TargetOverrides, overrides) if overrides else None
