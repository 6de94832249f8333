"""behest: a self-hostable, OpenAI-compatible AI gateway, and its Python SDK.

``from behest import Behest`` loads the SDK (and ``openai``) on first use only; nothing
here imports the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from behest.sdk import AsyncBehest, Behest, BehestHeaders, MintedToken, behest_headers

_SDK_NAMES = frozenset({"AsyncBehest", "Behest", "BehestHeaders", "MintedToken", "behest_headers"})
__all__ = ["AsyncBehest", "Behest", "BehestHeaders", "MintedToken", "__version__", "behest_headers"]


def __getattr__(name: str) -> Any:
    if name in _SDK_NAMES:
        from behest import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'behest' has no attribute {name!r}")
