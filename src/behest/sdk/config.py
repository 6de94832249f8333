"""Where the SDK finds its gateway and project key: arguments first, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from behest.sdk.errors import BehestConfigError

KEY_ENV = "BEHEST_KEY"
BASE_URL_ENV = "BEHEST_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
KEY_PREFIX = "behest_sk_"


@dataclass(frozen=True, slots=True)
class Config:
    """The project key (never shown) and the gateway's root URL (without ``/v1``)."""

    key: str = field(repr=False)
    base_url: str

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"


def load_config(key: str | None = None, base_url: str | None = None) -> Config:
    found = key if key is not None else os.environ.get(KEY_ENV)
    if not found:
        raise BehestConfigError(
            f"No behest project key: set {KEY_ENV} (behest_sk_live_…) or pass key= to Behest()."
        )
    if not found.startswith(KEY_PREFIX):
        raise BehestConfigError(
            f"The behest key must be a project API key starting with {KEY_PREFIX!r} "
            "(behest_sk_live_…); the value given does not."
        )
    root = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    return Config(found, _gateway_root(root))


def _gateway_root(url: str) -> str:
    root = url.rstrip("/")
    return root.removesuffix("/v1")
