"""The behest Python SDK: the official ``openai`` client, per end user, through a gateway.

    from behest import Behest
    behest = Behest()  # BEHEST_KEY, BEHEST_BASE_URL
    behest.chat.completions.create(model="gpt-4o-mini", messages=[...], user_id="u1")

It imports nothing of the gateway: ``pip install behest`` brings ``openai`` alone.
"""

from behest.sdk.async_client import AsyncBehest, AsyncTokens
from behest.sdk.client import Behest, Tokens
from behest.sdk.config import Config
from behest.sdk.errors import BehestConfigError, MintReplyError
from behest.sdk.headers import BehestHeaders, GuardReport, RateLimit, behest_headers
from behest.sdk.tokens import MintedToken

__all__ = [
    "AsyncBehest",
    "AsyncTokens",
    "Behest",
    "BehestConfigError",
    "BehestHeaders",
    "Config",
    "GuardReport",
    "MintReplyError",
    "MintedToken",
    "RateLimit",
    "Tokens",
    "behest_headers",
]
