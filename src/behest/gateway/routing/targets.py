"""Builds a Target from a stored credential, through its provider's profile."""

from __future__ import annotations

from behest.gateway.directory import CredentialView
from behest.gateway.providers.base import Target

# provider → (api format, default base URL, auth style, well-known model prefixes)
_DEFAULTS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "openai": (
        "openai",
        "https://api.openai.com/v1",
        "bearer",
        ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "omni-moderation"),
    ),
    "anthropic": ("anthropic", "https://api.anthropic.com", "x-api-key", ("claude-",)),
    "gemini": (
        "gemini",
        "https://generativelanguage.googleapis.com",
        "x-goog-api-key",
        ("gemini-", "text-embedding-004", "gemini-embedding"),
    ),
}
_CUSTOM = ("openai", "", "bearer", ())


def target_for(credential: CredentialView, model: str) -> Target:
    api_format, base_url, auth_style, _ = _DEFAULTS.get(credential.provider, _CUSTOM)
    settings = credential.settings
    return Target(
        provider=credential.provider,
        api_format=str(settings.get("api_format", api_format)),
        model=model,
        base_url=credential.base_url or base_url,
        api_key=credential.api_key,
        credential_id=credential.id,
        auth_style=str(settings.get("auth_style", auth_style)),
        headers=dict(settings.get("headers", {})),
        query=dict(settings.get("query", {})),
        quirks=frozenset(settings.get("quirks", ())),
    )


def serves_by_default(credential: CredentialView, model: str) -> bool:
    prefixes = _DEFAULTS.get(credential.provider, _CUSTOM)[3]
    return model.startswith(prefixes)
