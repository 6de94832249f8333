"""Provider adapters: pure translation between OpenAI's format and each provider's.

Every adapter module exposes the contract in :mod:`behest.gateway.providers.base`;
:func:`adapter_for` picks one by API format name.
"""

from __future__ import annotations

from behest.gateway.errors import InvalidRequest
from behest.gateway.providers import anthropic, gemini, openai_format
from behest.gateway.providers.base import Adapter

_ADAPTERS: dict[str, Adapter] = {
    "openai": openai_format.ADAPTER,
    "anthropic": anthropic.ADAPTER,
    "gemini": gemini.ADAPTER,
}


def adapter_for(api_format: str) -> Adapter:
    adapter = _ADAPTERS.get(api_format)
    if adapter is None:
        raise InvalidRequest(f"No adapter for the API format {api_format!r}.")
    return adapter
