"""Providers as data: where each one lives, how it authenticates, which quirks it has.

A profile says nothing about translation; ``api_format`` names the adapter that does it
(``openai`` for the whole OpenAI-compatible family). Adding a provider is one entry in
``_BUILTIN``; a credential can also carry its own endpoint (:meth:`ProviderProfile.custom`)
and per-credential overrides (:class:`TargetOverrides`), which :func:`target_for` applies.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypedDict, get_args

from behest.gateway.errors import InvalidRequest
from behest.gateway.providers.base import Target
from behest.gateway.providers.openai_format import QUIRKS
from behest.gateway.request.call import Operation

ApiFormat = Literal["openai", "anthropic", "gemini"]
AuthStyle = Literal["bearer", "api-key", "x-api-key", "x-goog-api-key", "none"]
API_FORMATS = frozenset(get_args(ApiFormat))
AUTH_STYLES = frozenset(get_args(AuthStyle))
AZURE_API_VERSION = "2024-10-21"


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """One provider endpoint family.

    ``auth_style`` other than ``bearer``/``none`` is the header that carries the key.
    ``model_prefixes`` are the bare model-name prefixes the catalog routes here.
    """

    name: str
    api_format: ApiFormat
    base_url: str
    auth_style: AuthStyle = "bearer"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    quirks: frozenset[str] = frozenset()
    model_prefixes: tuple[str, ...] = ()
    embeddings: bool = False
    moderations: bool = False
    local: bool = False

    def __post_init__(self) -> None:
        _check(self.name, self.api_format, self.auth_style, self.quirks)
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        object.__setattr__(self, "query", MappingProxyType(dict(self.query)))

    def supports(self, operation: Operation) -> bool:
        if operation == "chat":
            return True
        return self.embeddings if operation == "embeddings" else self.moderations

    @classmethod
    def custom(
        cls,
        name: str,
        base_url: str,
        api_format: str = "openai",
        auth_style: str = "bearer",
        quirks: Collection[str] = (),
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        embeddings: bool = False,
        moderations: bool = False,
    ) -> ProviderProfile:
        """A profile from a credential's stored settings (validated, never trusted)."""
        _check(name, api_format, auth_style, quirks)
        if not base_url.startswith(("http://", "https://")):
            raise InvalidRequest(
                f"Provider {name!r} needs an http(s) base URL, got {base_url!r}.", param="base_url"
            )
        return cls(
            name=name,
            api_format=api_format,  # type: ignore[arg-type]  # checked above
            base_url=base_url,
            auth_style=auth_style,  # type: ignore[arg-type]
            quirks=frozenset(quirks),
            headers=headers or {},
            query=query or {},
            embeddings=embeddings,
            moderations=moderations,
            local=base_url.startswith(("http://localhost", "http://127.0.0.1")),
        )


class TargetOverrides(TypedDict, total=False):
    """Per-credential settings layered over a profile by :func:`target_for`."""

    base_url: str
    auth_style: AuthStyle
    headers: Mapping[str, str]
    query: Mapping[str, str]
    quirks: Collection[str]
    api_version: str  # sugar for query["api-version"] (Azure)


def _check(name: str, api_format: str, auth_style: str, quirks: Collection[str]) -> None:
    if not name or "/" in name:
        raise InvalidRequest(f"Invalid provider name {name!r}: non-empty, no '/'.", param="name")
    if api_format not in API_FORMATS:
        known = ", ".join(sorted(API_FORMATS))
        raise InvalidRequest(
            f"Unknown API format {api_format!r} for provider {name!r}; one of: {known}.",
            param="api_format",
        )
    if auth_style not in AUTH_STYLES:
        known = ", ".join(sorted(AUTH_STYLES))
        raise InvalidRequest(
            f"Unknown auth style {auth_style!r} for provider {name!r}; one of: {known}.",
            param="auth_style",
        )
    unknown = set(quirks) - QUIRKS if api_format == "openai" else set()
    if unknown:  # other formats own their quirk names (e.g. anthropic json_schema_tool)
        raise InvalidRequest(
            f"Unknown quirks {sorted(unknown)} for provider {name!r}; known: {sorted(QUIRKS)}.",
            param="quirks",
        )


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_BUILTIN = (
    ProviderProfile(
        "openai",
        "openai",
        "https://api.openai.com/v1",
        model_prefixes=_words(
            "gpt- chatgpt- o1 o3 o4 text-embedding- omni-moderation text-moderation"
            " davinci babbage codex-"
        ),
        embeddings=True,
        moderations=True,
    ),
    ProviderProfile(
        "azure",
        "openai",
        "",  # per resource: https://<resource>.openai.azure.com, from the credential
        auth_style="api-key",
        query={"api-version": AZURE_API_VERSION},
        quirks=frozenset({"azure_deployment_url"}),
        embeddings=True,
        moderations=False,
    ),
    ProviderProfile(
        "groq",
        "openai",
        "https://api.groq.com/openai/v1",
        quirks=frozenset({"empty_tool_call_ids"}),
    ),
    ProviderProfile(
        "mistral",
        "openai",
        "https://api.mistral.ai/v1",
        quirks=frozenset({"no_stream_options", "max_completion_tokens_to_max_tokens"}),
        model_prefixes=_words(
            "mistral- open-mistral- open-mixtral- codestral- pixtral- ministral- magistral-"
            " devstral-"
        ),
        embeddings=True,
    ),
    ProviderProfile(
        "together",
        "openai",
        "https://api.together.xyz/v1",
        quirks=frozenset({"max_completion_tokens_to_max_tokens"}),
        embeddings=True,
    ),
    ProviderProfile(
        "deepseek",
        "openai",
        "https://api.deepseek.com/v1",
        quirks=frozenset({"max_completion_tokens_to_max_tokens"}),
        model_prefixes=("deepseek-",),
    ),
    ProviderProfile(
        "openrouter",
        "openai",
        "https://openrouter.ai/api/v1",
        # OpenRouter names models "<vendor>/<model>"; bare vendor namespaces route here
        model_prefixes=_words(
            "anthropic/ openai/ google/ meta-llama/ mistralai/ deepseek/ qwen/ x-ai/ cohere/"
            " moonshotai/ nousresearch/"
        ),
    ),
    ProviderProfile(
        "vllm",
        "openai",
        "http://localhost:8000/v1",
        auth_style="none",
        embeddings=True,
        local=True,
    ),
    ProviderProfile(
        "ollama",
        "openai",
        "http://localhost:11434/v1",
        auth_style="none",
        quirks=frozenset({"empty_tool_call_ids", "max_completion_tokens_to_max_tokens"}),
        embeddings=True,
        local=True,
    ),
    ProviderProfile(
        "lmstudio",
        "openai",
        "http://localhost:1234/v1",
        auth_style="none",
        quirks=frozenset(
            {"empty_tool_call_ids", "finish_reason_on_every_chunk", "no_parallel_tool_calls"}
        ),
        embeddings=True,
        local=True,
    ),
    ProviderProfile(
        "anthropic",
        "anthropic",
        "https://api.anthropic.com",
        auth_style="x-api-key",  # the adapter adds anthropic-version itself
        model_prefixes=("claude-",),
    ),
    ProviderProfile(
        "gemini",
        "gemini",
        "https://generativelanguage.googleapis.com",
        auth_style="x-goog-api-key",
        model_prefixes=("gemini-", "gemma-", "text-embedding-004", "embedding-00"),
        embeddings=True,
    ),
)

PROFILES: Mapping[str, ProviderProfile] = MappingProxyType({p.name: p for p in _BUILTIN})


def profile_for(name: str) -> ProviderProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise InvalidRequest(
            f"Unknown provider {name!r}. Built-in providers: {known}; "
            "others need a custom profile with a base URL.",
            param="provider",
        ) from None


def target_for(
    profile: ProviderProfile,
    upstream_model: str,
    api_key: str,
    credential_id: str = "",
    overrides: TargetOverrides | None = None,
) -> Target:
    """The :class:`Target` for one call: the profile with a credential's settings on top."""
    if not overrides:
        return _target(profile, upstream_model, api_key, credential_id, profile.base_url)
    auth_style = overrides.get("auth_style", profile.auth_style)
    quirks = frozenset(overrides.get("quirks", ()))
    _check(profile.name, profile.api_format, auth_style, quirks)
    query = {**profile.query, **overrides.get("query", {})}
    if "api_version" in overrides:
        query["api-version"] = overrides["api_version"]
    return Target(
        provider=profile.name,
        api_format=profile.api_format,
        model=upstream_model,
        base_url=_base_url(profile, overrides.get("base_url", profile.base_url)),
        api_key=api_key,
        credential_id=credential_id,
        auth_style=auth_style,
        headers={**profile.headers, **overrides.get("headers", {})},
        query=query,
        quirks=profile.quirks | quirks,
    )


def _target(
    profile: ProviderProfile, model: str, api_key: str, credential_id: str, base_url: str
) -> Target:
    return Target(
        provider=profile.name,
        api_format=profile.api_format,
        model=model,
        base_url=_base_url(profile, base_url),
        api_key=api_key,
        credential_id=credential_id,
        auth_style=profile.auth_style,
        headers=profile.headers,
        query=profile.query,
        quirks=profile.quirks,
    )


def _base_url(profile: ProviderProfile, base_url: str) -> str:
    if not base_url:
        raise InvalidRequest(
            f"Provider {profile.name!r} needs a base URL in its credential settings "
            "(Azure: https://<resource>.openai.azure.com).",
            param="base_url",
        )
    return base_url
