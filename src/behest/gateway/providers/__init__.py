"""Provider adapters: pure translation between OpenAI's format and each provider's.

Every adapter module exposes the contract in :mod:`behest.gateway.providers.base`;
:func:`adapter_for` picks one by API format name.
"""

from __future__ import annotations

from behest.gateway.providers.base import Adapter

_ADAPTERS: dict[str, Adapter] = {}


def register(api_format: str, adapter: Adapter) -> None:
    _ADAPTERS[api_format] = adapter


def adapter_for(api_format: str) -> Adapter:
    if not _ADAPTERS:
        _load_builtin()
    return _ADAPTERS[api_format]


def _load_builtin() -> None:
    from behest.gateway.providers import openai_format

    register("openai", openai_format.ADAPTER)
    try:
        from behest.gateway.providers import anthropic
    except ImportError:  # pragma: no cover - while an adapter is being added
        pass
    else:
        register("anthropic", anthropic.ADAPTER)
    try:
        from behest.gateway.providers import gemini
    except ImportError:  # pragma: no cover
        pass
    else:
        register("gemini", gemini.ADAPTER)
